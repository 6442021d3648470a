/**
 * Which customer a customer home page shows, and whether that customer may change it.
 *
 * Connect's shared context names the customer account on a customer home page; its exact key is
 * not documented, so the usual places are tried and only a customer id (TA-…) is accepted. In
 * standalone mode the `customer` query parameter names it. Failing both, the API itself knows:
 * a customer caller lists exactly one customer, itself.
 */
import { isCustomerId } from './deeplink.js';

const CONTEXT_PATHS = [
  ['customer', 'id'],
  ['tierAccount', 'id'],
  ['tier_account', 'id'],
  ['account', 'id'],
  ['currentAccount', 'id'],
  ['customerId'],
  ['customer_id'],
];

function pick(object, path) {
  return path.reduce((value, key) => (value && typeof value === 'object' ? value[key] : undefined), object);
}

/** The customer id from the portal's shared context, or null. */
export function customerIdFromContext(context) {
  for (const path of CONTEXT_PATHS) {
    const value = pick(context || {}, path);
    if (isCustomerId(value)) return value;
  }
  return null;
}

/** The customer id of the `customer` query parameter, or null. */
export function customerIdFromQuery(search) {
  const value = new URLSearchParams(search || '').get('customer');
  return isCustomerId(value) ? value : null;
}

/**
 * Whether the state lets its viewer change it: only when the API says so in `permissions`
 * (`{"can_change": true}`); without permissions the page is read-only.
 */
export function mayChange(state) {
  return Boolean(state && state.permissions && state.permissions.can_change === true);
}
