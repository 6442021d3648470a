/**
 * The handover request of a customer whose overage another partner holds:
 * `/api/customers/{id}/overage/handover` (GET, PUT, DELETE), and the words the card shows before a
 * request exists (afterwards the API's own `notice` says what to do, in the reader's words).
 */
import { ApiError, apiRequest } from './api.js';

const route = (customerId) => `/customers/${encodeURIComponent(customerId)}/overage/handover`;

export function createHandoverApi(fetchImpl) {
  const call = (path, options = {}) => apiRequest(path, { ...options, fetchImpl });
  return {
    /** The customer's request (open, or the last that ended), or null when there never was one. */
    async handover(customerId) {
      try {
        return (await call(route(customerId))).data;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && error.code === 'HANDOVER_NOT_FOUND') return null;
        throw error;
      }
    },
    /** Ask: to `azureSubscriptionId`, or (`create`) to one Microsoft creates. */
    async askHandover(customerId, { azureSubscriptionId, create = false, enableWhenReleased }) {
      const body = create
        ? { create_azure_subscription: true, enable_when_released: Boolean(enableWhenReleased) }
        : { azure_subscription_id: azureSubscriptionId, enable_when_released: Boolean(enableWhenReleased) };
      return (await call(route(customerId), { method: 'PUT', body })).data;
    },
    async cancelHandover(customerId) {
      return (await call(route(customerId), { method: 'DELETE' })).data;
    },
  };
}

export const handoverApi = createHandoverApi();

/** What to ask, before any request exists, in the words of who reads the page. */
export function whatToAsk(audience) {
  if (audience === 'customer') {
    return {
      message: 'Another partner collects your overage now.',
      reason: 'Microsoft lets one partner at a time collect your overage: you and both partners must first '
        + 'agree, then the partner that holds it sets it to None, and only then can your provider take it.',
      action: 'Ask the partner that collects your overage now to set overage to None in Partner Center for your '
        + 'tenant, saying it moves to your provider. Ask for the handover here and your provider takes it over as '
        + 'soon as Microsoft shows it released.',
    };
  }
  return {
    message: "Another partner holds this customer's overage.",
    reason: 'Microsoft lets one partner at a time collect a customer\'s overage: the three parties involved '
      + '(the customer and both partners) must first agree, then the partner that holds it sets it to None, and '
      + 'only then can another partner assign it.',
    action: 'Ask the customer to ask the partner that collects its overage now to set overage to None in Partner '
      + 'Center, saying it moves to you. Ask for the handover here: as soon as Microsoft shows it released, the '
      + 'overage is enabled to the target you choose (or you are told, when you only ask to be notified).',
  };
}

/** The Azure subscriptions a request may target: the active ones of the customer's Azure plans. */
export function handoverTargets(options) {
  const plans = (options && Array.isArray(options.azure_plans)) ? options.azure_plans : [];
  return plans.flatMap((plan) => (plan.azure_subscriptions || [])
    .filter((sub) => !sub.status || String(sub.status).toLowerCase() === 'active')
    .map((sub) => ({
      id: sub.id,
      label: `${sub.name || sub.id}${plan.name ? ` (${plan.name})` : ''}`,
    })));
}

const STATE_LABELS = {
  waiting: 'Waiting for the other partner to release it',
  enabling: 'Released: enabling it now',
  enabled: 'Released and enabled',
  released: 'Released (you asked to be notified only)',
  stopped: 'Released, but enabling was stopped',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

export function handoverStateLabel(state) {
  return STATE_LABELS[state] || state;
}
