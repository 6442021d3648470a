/** JSON shaped like the API's answers (connect_ext/overage/service.py to_dict()). */

export const PLAN_ID = 'a1b2c3d4-0000-4000-8000-000000000001';
export const SUB_A = '11111111-1111-4111-8111-111111111111';
export const SUB_B = '22222222-2222-4222-8222-222222222222';
export const SUB_SUSPENDED = '33333333-3333-4333-8333-333333333333';

export function finding(code, severity, extra = {}) {
  return {
    code,
    severity,
    message: `${code} message.`,
    reason: `${code} reason.`,
    action: `${code} action.`,
    blocks: [],
    params: {},
    ...extra,
  };
}

export function ovgSubscription(id, status = 'active') {
  return { id, offer_id: 'CFQ7TTC0LH8Z:0001', name: `Teams Phone OVG ${id.slice(0, 4)}`, status, partner_id: null };
}

export function state(overrides = {}) {
  return {
    customer: { id: 'TA-1000-0001', name: 'Contoso Ltd', tenant_id: 'tenant-1', country: 'US', tier1_id: 'TA-R1', tier2_id: null },
    status: 'disabled',
    enabled: false,
    azure_subscription_id: null,
    partner_id: null,
    azure_plan: null,
    azure_subscription: null,
    ovg_subscriptions: [ovgSubscription('aaaa0001'), ovgSubscription('aaaa0002'), ovgSubscription('aaaa0003', 'suspended')],
    findings: [finding('NO_MARGIN_OR_PEC', 'info')],
    etag: '"etag-1"',
    checked_at: '2026-11-29T10:00:00+00:00',
    ...overrides,
  };
}

export function enabledState(overrides = {}) {
  return state({
    status: 'enabled',
    enabled: true,
    azure_subscription_id: SUB_A,
    azure_plan: { subscription_id: PLAN_ID, name: 'Azure plan' },
    azure_subscription: { id: SUB_A, name: 'Production', status: 'active' },
    ...overrides,
  });
}

export function options(overrides = {}) {
  return {
    customer: state().customer,
    status: 'disabled',
    azure_plans: [
      {
        subscription_id: PLAN_ID,
        name: 'Azure plan',
        offer_id: 'DZH318Z0BPS6:0001:DZH318Z0BML6',
        status: 'active',
        azure_subscriptions: [
          { id: SUB_A, name: 'Production', status: 'active', eligible: true, current: false },
          { id: SUB_B, name: 'Telephony', status: 'active', eligible: true, current: false },
          { id: SUB_SUSPENDED, name: 'Old', status: 'suspended', eligible: false, current: false },
        ],
      },
    ],
    can_enable: true,
    can_disable: true,
    can_create_azure_subscription: false,
    create_azure_subscription: {
      possible: false,
      creates: 'azure_subscription',
      description: `a new Azure subscription under the Azure plan Azure plan (${PLAN_ID})`,
      azure_subscription_name: 'Subscription 1',
      azure_plan: { subscription_id: PLAN_ID, name: 'Azure plan' },
      findings: [],
    },
    findings: [],
    etag: '"etag-1"',
    ...overrides,
  };
}

/** The options of a customer without an Azure plan: Microsoft would create one with "Subscription 1". */
export function creationOptions(overrides = {}) {
  return options({
    azure_plans: [],
    can_enable: false,
    can_disable: false,
    can_create_azure_subscription: true,
    create_azure_subscription: {
      possible: true,
      creates: 'azure_plan_and_subscription',
      description: 'a new no-cost Azure plan with the Azure subscription "Subscription 1"',
      azure_subscription_name: 'Subscription 1',
      azure_plan: null,
      findings: [],
    },
    findings: [finding('NO_ACTIVE_AZURE_PLAN', 'blocking', { blocks: ['enable'] })],
    ...overrides,
  });
}

/** A Response-like object for fetch stubs. */
export function response(status, body, headers = {}) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: new Headers(headers),
    text: async () => text,
  };
}

/** A promise and the functions that settle it (to hold a request in flight). */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
