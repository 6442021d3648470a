import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';

import OverageManager from '../components/OverageManager.vue';
import { CONNECT_KEY } from '../composables/connect.js';
import { ApiError } from '../utils/api.js';
import { SUB_A, SUB_B, creationOptions, deferred, enabledState, finding, options, state } from './fixtures.js';

function fakeApi({ current = state(), choices = options(), change } = {}) {
  return {
    customerOverage: vi.fn().mockResolvedValue({ state: current, etag: current.etag }),
    assetOverage: vi.fn().mockResolvedValue({ state: current, etag: current.etag }),
    overageOptions: vi.fn().mockResolvedValue({ state: choices, etag: choices.etag }),
    changeOverage: change || vi.fn(),
  };
}

let wrapper;
function mountManager(props, provide = {}) {
  let keys = 0;
  wrapper = mount(OverageManager, {
    props: { customerId: 'TA-1000-0001', newKey: () => `key-${++keys}`, ...props },
    attachTo: document.body,
    global: { provide },
  });
  return wrapper;
}

afterEach(() => {
  if (wrapper) wrapper.unmount();
  wrapper = null;
});

async function openEditor(w) {
  await flushPromises();
  await w.get('[data-test=edit]').trigger('click');
  await flushPromises();
}

async function chooseSubscription(w, id) {
  await w.get('#azure-subscription').setValue(id);
}

const dialog = () => document.querySelector('[data-test=confirm-dialog]');
const confirmButton = () => dialog().querySelector('[data-test=confirm]');

describe('OverageManager: reading', () => {
  it("shows the state, the Azure plan and subscription in use, and every finding", async () => {
    const api = fakeApi({
      current: enabledState({
        findings: [
          finding('NO_MARGIN_OR_PEC', 'info', { message: 'Overage charges carry no CSP discount, margin or partner-earned credit.' }),
          finding('COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'warning', { message: 'Communications Credits first.' }),
        ],
      }),
    });
    const w = mountManager({ api });
    await flushPromises();
    expect(api.customerOverage).toHaveBeenCalledWith('TA-1000-0001');
    expect(w.get('[data-test=summary]').text()).toContain('Enabled');
    expect(w.get('[data-test=azure-plan]').text()).toContain('Azure plan');
    expect(w.get('[data-test=azure-subscription]').text()).toBe(`Production (${SUB_A})`);
    const findings = w.get('[data-test=findings]').text();
    expect(findings).toContain('no CSP discount, margin or partner-earned credit');
    expect(findings).toContain('Communications Credits first.');
    expect(w.findAll('[data-test=ovg-subscriptions] tbody tr')).toHaveLength(3);
  });

  it('says it is waiting for Microsoft to confirm while a change is awaited, and not otherwise', async () => {
    const awaited = state({
      pending_confirmation: {
        action: 'enable',
        target: { enabled: true, azure_subscription_id: SUB_A },
        audit_id: 7,
        requested_at: '2026-12-01T12:00:00+00:00',
        confirm_by: '2026-12-01T13:00:00+00:00',
      },
    });
    const w = mountManager({ api: fakeApi({ current: awaited }) });
    await flushPromises();
    const notice = w.get('[data-test=awaiting]');
    expect(notice.attributes('role')).toBe('status');
    expect(notice.text()).toContain('Waiting for Microsoft to confirm…');
    expect(notice.text()).toContain(`overage to ${SUB_A}`);
    w.unmount();
    const w2 = mountManager({ api: fakeApi({ current: state({ pending_confirmation: null }) }) });
    await flushPromises();
    expect(w2.find('[data-test=awaiting]').exists()).toBe(false);
  });

  it('says None when overage is disabled, and who holds it when another partner does', async () => {
    const w = mountManager({ api: fakeApi() });
    await flushPromises();
    expect(w.get('[data-test=azure-subscription]').text()).toBe('Nowhere: overage is set to None');
    // No "Azure plan: None" beside a finding that the plan has no subscription (issue 19, item 12).
    expect(w.find('[data-test=azure-plan]').exists()).toBe(false);
    w.unmount();
    const other = state({ status: 'other_partner', enabled: true, azure_subscription_id: SUB_B, partner_id: '5551234' });
    const w2 = mountManager({ api: fakeApi({ current: other }) });
    await flushPromises();
    expect(w2.get('[data-test=summary]').text()).toContain('Held by another partner');
    expect(w2.get('[data-test=summary]').text()).toContain('5551234');
    expect(w2.get('[data-test=azure-plan]').text()).toBe("Another partner's Azure plan");
  });

  it('opens a customer from a subscription (asset) id', async () => {
    const api = fakeApi();
    const w = mountManager({ customerId: null, assetId: 'AS-1234-5678', api });
    await flushPromises();
    expect(api.assetOverage).toHaveBeenCalledWith('AS-1234-5678');
    expect(w.get('[data-test=connect-assets]').text()).toContain('AS-1234-5678 (open it from Connect)');
  });

  it('links back to the subscription in Connect through the toolkit', async () => {
    const toolkit = { navigateTo: vi.fn(), emit: vi.fn() };
    const routes = { subscriptionDetails: Symbol('subscriptionDetails') };
    const w = mountManager(
      { customerId: null, assetId: 'AS-1234-5678', api: fakeApi() },
      { [CONNECT_KEY]: { toolkit, routes, mode: 'connect' }, toolkit: { sharedContext: {} } },
    );
    await flushPromises();
    await w.get('[data-test=connect-assets] button').trigger('click');
    expect(toolkit.navigateTo).toHaveBeenCalledWith(routes.subscriptionDetails, 'AS-1234-5678');
  });

  it('shows a read failure as message, reason and action with a retry', async () => {
    const api = fakeApi();
    api.customerOverage.mockRejectedValueOnce(
      new ApiError({ status: 503, code: 'MICROSOFT_UNAVAILABLE', message: 'Partner Center is unavailable.', reason: 'Busy.', action: 'Retry later.' }),
    );
    const w = mountManager({ api });
    await flushPromises();
    expect(w.text()).toContain('Partner Center is unavailable.');
    expect(w.text()).toContain('Why: Busy.');
    expect(w.text()).toContain('What to do: Retry later.');
    expect(w.text()).not.toContain('MICROSOFT_UNAVAILABLE');
    await w.get('[data-test=error] button').trigger('click');
    await flushPromises();
    expect(w.find('[data-test=summary]').exists()).toBe(true);
  });

  it('is read-only when not editable', async () => {
    const w = mountManager({ api: fakeApi(), editable: false });
    await flushPromises();
    expect(w.find('[data-test=edit]').exists()).toBe(false);
    expect(w.get('[data-test=read-only]').text()).toContain('your provider manages it');
  });
});

describe('OverageManager: changing', () => {
  it('enables: plan, subscription, confirmation, PUT with If-Match and Idempotency-Key', async () => {
    const saved = deferred();
    const after = enabledState({
      azure_subscription_id: SUB_B,
      azure_subscription: { id: SUB_B, name: 'Telephony', status: 'active' },
      etag: '"etag-2"',
      change: { action: 'enable', outcome: 'succeeded' },
    });
    const api = fakeApi({ change: vi.fn(() => saved.promise) });
    const w = mountManager({ api });
    await openEditor(w);
    expect(api.overageOptions).toHaveBeenCalledWith('TA-1000-0001');
    expect(w.get('#azure-plan').element.value).not.toBe('');
    const labels = w.findAll('#azure-subscription option').map((o) => o.text());
    expect(labels.some((l) => l.includes('not eligible (suspended)'))).toBe(true);
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
    await chooseSubscription(w, SUB_B);
    await w.get('form').trigger('submit');
    expect(dialog().textContent).toContain('Send the overage of Contoso Ltd to Telephony?');
    expect(dialog().textContent).toContain('2 subscriptions under your account, and all those bought from other partners');

    confirmButton().click();
    await flushPromises();
    expect(confirmButton().disabled).toBe(true);
    expect(confirmButton().textContent).toContain('Saving…');
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-test=save]').text()).toBe('Saving…');
    confirmButton().click();
    await w.vm.$nextTick();
    expect(api.changeOverage).toHaveBeenCalledTimes(1);
    expect(api.changeOverage).toHaveBeenCalledWith('TA-1000-0001', SUB_B, { etag: '"etag-1"', idempotencyKey: 'key-1' });

    saved.resolve({ state: after, etag: '"etag-2"', status: 200 });
    await flushPromises();
    expect(dialog()).toBeNull();
    expect(w.get('[data-test=outcome]').text()).toBe(`Overage now goes to Telephony (${SUB_B}).`);
    expect(w.get('[data-test=azure-subscription]').text()).toBe(`Telephony (${SUB_B})`);
    expect(document.activeElement).toBe(w.get('[data-test=outcome]').element);
  });

  it('sets None after confirming how many subscriptions stop', async () => {
    const api = fakeApi({
      current: enabledState(),
      change: vi.fn().mockResolvedValue({
        state: state({ etag: '"etag-3"', change: { action: 'disable', outcome: 'succeeded' } }),
        etag: '"etag-3"',
      }),
    });
    const w = mountManager({ api });
    await openEditor(w);
    await w.get('input[value=none]').setValue(true);
    await w.get('form').trigger('submit');
    expect(dialog().querySelector('h2').textContent).toBe('Set overage to None for Contoso Ltd?');
    expect(dialog().textContent).toContain('2 overage-capable subscriptions of Contoso Ltd under your account will stop at their monthly limit');
    expect(confirmButton().textContent).toContain('Set overage to None');
    confirmButton().click();
    await flushPromises();
    expect(api.changeOverage).toHaveBeenCalledWith('TA-1000-0001', null, { etag: '"etag-1"', idempotencyKey: 'key-1' });
    expect(w.get('[data-test=outcome]').text()).toBe('Overage is now set to None.');
  });

  it("shows Microsoft's rejection as message, reason and action, and keeps the choice", async () => {
    const rejection = new ApiError({
      status: 409,
      code: 'OVERAGE_HELD_BY_OTHER_PARTNER',
      message: "The customer's overage is assigned to another partner's Azure subscription.",
      reason: 'Microsoft lets one partner at a time collect it (Partner Center error 800115).',
      action: 'Ask the customer to have the partner that holds it set overage to None.',
    });
    const api = fakeApi({ change: vi.fn().mockRejectedValue(rejection) });
    const w = mountManager({ api });
    await openEditor(w);
    await chooseSubscription(w, SUB_A);
    await w.get('form').trigger('submit');
    confirmButton().click();
    await flushPromises();
    expect(dialog()).toBeNull();
    const notice = w.get('[data-test=error]');
    expect(notice.text()).toContain(rejection.message);
    expect(notice.text()).toContain(`Why: ${rejection.reason}`);
    expect(notice.text()).toContain(`What to do: ${rejection.action}`);
    expect(notice.text()).not.toContain('OVERAGE_HELD_BY_OTHER_PARTNER');
    expect(document.activeElement).toBe(notice.element);
    expect(w.get('#azure-subscription').element.value).toBe(SUB_A);
    expect(w.get('[data-test=save]').attributes('disabled')).toBeUndefined();
  });

  it('uses a new Idempotency-Key for every Save', async () => {
    const failure = new ApiError({ status: 503, message: 'Unavailable.', reason: 'r', action: 'a' });
    const api = fakeApi({ change: vi.fn().mockRejectedValue(failure) });
    const w = mountManager({ api });
    await openEditor(w);
    await chooseSubscription(w, SUB_A);
    for (let i = 0; i < 2; i += 1) {
      await w.get('form').trigger('submit');
      confirmButton().click();
      await flushPromises();
    }
    expect(api.changeOverage.mock.calls.map((call) => call[2].idempotencyKey)).toEqual(['key-1', 'key-2']);
  });

  it('offers a reload after a stale-state refusal', async () => {
    const stale = new ApiError({ status: 412, code: 'STALE_STATE', message: "The customer's overage changed since you loaded it.", reason: 'r', action: 'Reload.' });
    const api = fakeApi({ change: vi.fn().mockRejectedValue(stale) });
    const w = mountManager({ api });
    await openEditor(w);
    await chooseSubscription(w, SUB_A);
    await w.get('form').trigger('submit');
    confirmButton().click();
    await flushPromises();
    await w.get('[data-test=error] button').trigger('click');
    await flushPromises();
    expect(api.customerOverage).toHaveBeenCalledTimes(2);
    expect(w.find('[data-test=error]').exists()).toBe(false);
    expect(w.find('[data-test=editor]').exists()).toBe(false);
  });

  it('cancelling the confirmation sends nothing and returns focus', async () => {
    const api = fakeApi();
    const w = mountManager({ api });
    await openEditor(w);
    await chooseSubscription(w, SUB_A);
    w.get('[data-test=save]').element.focus();
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(document.activeElement.tagName).toBe('H2');
    dialog().dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await flushPromises();
    expect(dialog()).toBeNull();
    expect(api.changeOverage).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(w.get('[data-test=save]').element);
  });

  it('explains why overage cannot be enabled, and disables that choice', async () => {
    const blocker = finding('NO_ACTIVE_AZURE_PLAN', 'blocking', { blocks: ['enable'], message: 'The customer has no active Microsoft Azure plan.' });
    const api = fakeApi({ choices: options({ can_enable: false, azure_plans: [], findings: [blocker] }) });
    const w = mountManager({ api });
    await openEditor(w);
    expect(w.get('input[value=subscription]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-test=cannot-enable]').text()).toContain('The customer has no active Microsoft Azure plan.');
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
  });

  it('does not offer None when overage is already disabled', async () => {
    const w = mountManager({ api: fakeApi() });
    await openEditor(w);
    await w.get('input[value=none]').setValue(true);
    expect(w.find('[data-test=unchanged]').exists()).toBe(true);
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
  });

  it('reloads the state when the options show Microsoft moved meanwhile', async () => {
    const api = fakeApi({ choices: options({ etag: '"moved"' }) });
    const w = mountManager({ api });
    await openEditor(w);
    expect(api.customerOverage).toHaveBeenCalledTimes(2);
  });
});

describe('OverageManager: a new Azure subscription', () => {
  const CREATED = '5a5a0000-0000-4000-8000-000000000001';
  const PLAN = '6b6b0000-0000-4000-8000-000000000001';

  it('offers it beside the subscriptions, says what is created, and PUTs create_azure_subscription', async () => {
    const after = enabledState({
      azure_subscription_id: CREATED,
      azure_subscription: { id: CREATED, name: 'Subscription 1', status: 'active' },
      change: {
        action: 'enable', outcome: 'succeeded', create_azure_subscription: true,
        created: { azure_subscription_id: CREATED, name: 'Subscription 1', azure_plan_id: PLAN,
                   azure_plan_name: 'Microsoft Azure plan', new_azure_plan: true },
      },
    });
    const api = fakeApi({ choices: creationOptions(), change: vi.fn().mockResolvedValue({ state: after, etag: '"e2"' }) });
    const w = mountManager({ api });
    await openEditor(w);
    const create = w.get('[data-test=create-choice]');
    expect(create.element.disabled).toBe(false);
    expect(create.element.checked).toBe(true);
    expect(w.find('[data-test=cannot-enable]').exists()).toBe(false);
    expect(w.get('[data-test=create-explained]').text()).toContain('no-cost Azure plan');
    await w.get('form').trigger('submit');
    expect(dialog().textContent).toContain('Create a new Azure subscription for the overage of Contoso Ltd?');
    expect(dialog().textContent).toContain('billed to the customer\'s Azure plan');
    expect(dialog().textContent).toContain('Microsoft Customer Agreement');

    confirmButton().click();
    await flushPromises();
    expect(api.changeOverage).toHaveBeenCalledWith('TA-1000-0001', null, { etag: '"etag-1"', idempotencyKey: 'key-1', create: true });
    expect(w.get('[data-test=outcome]').text()).toBe(
      `Microsoft created the Azure subscription Subscription 1 (${CREATED}) of the new Azure plan Microsoft Azure plan (${PLAN}); overage now goes to it.`,
    );
  });

  it('says it is waiting for Microsoft when the creation does not show yet', async () => {
    const after = state({
      pending_confirmation: { action: 'enable', target: { enabled: true, azure_subscription_id: null, create_azure_subscription: true },
                              audit_id: 3, requested_at: '2026-12-01T12:00:00Z', confirm_by: '2026-12-01T13:00:00Z' },
      change: { action: 'enable', outcome: 'unconfirmed', create_azure_subscription: true, created: null },
    });
    const api = fakeApi({ choices: creationOptions(), change: vi.fn().mockResolvedValue({ state: after, etag: '"e2"', status: 202 }) });
    const w = mountManager({ api });
    await openEditor(w);
    await w.get('form').trigger('submit');
    confirmButton().click();
    await flushPromises();
    expect(w.get('[data-test=outcome]').text()).toContain('Waiting for Microsoft');
    expect(w.text()).toContain('overage to a new Azure subscription Microsoft creates');
  });

  it('explains why Microsoft cannot create one and offers no such choice', async () => {
    const blocked = creationOptions({
      can_create_azure_subscription: false,
      create_azure_subscription: {
        ...creationOptions().create_azure_subscription,
        possible: false,
        findings: [finding('MCA_NOT_ACCEPTED', 'blocking', { blocks: ['create'], message: 'No Microsoft Customer Agreement.' })],
      },
    });
    const w = mountManager({ api: fakeApi({ choices: blocked }) });
    await openEditor(w);
    expect(w.get('[data-test=create-choice]').element.disabled).toBe(true);
    expect(w.get('[data-test=cannot-create]').text()).toContain('No Microsoft Customer Agreement.');
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
  });
});
