import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';

import HandoverCard from '../components/HandoverCard.vue';
import OverageManager from '../components/OverageManager.vue';
import { ApiError } from '../utils/api.js';
import { createHandoverApi, handoverTargets, whatToAsk } from '../utils/handover.js';
import { PLAN_ID, SUB_A, SUB_B, options, state } from './fixtures.js';

function request(overrides = {}) {
  return {
    customer_id: 'TA-1000-0001',
    request_id: 'r-1',
    state: 'waiting',
    open: true,
    target: { azure_subscription_id: SUB_A, create_azure_subscription: false },
    enable_when_released: true,
    requested_by: { type: 'owner', id: 'PA-1', name: 'Ann Agent' },
    requested_at: '2026-12-01T10:00:00+00:00',
    expires_at: '2026-12-31T10:00:00+00:00',
    holder: { partner_id: '5350003', azure_subscription_id: SUB_B },
    current_holder: { partner_id: '5350003', azure_subscription_id: SUB_B },
    holder_changed: false,
    notice: {
      code: 'HANDOVER_WAITING', severity: 'info',
      message: 'Waiting for the partner that holds the overage (5350003) to release it.',
      reason: 'The three parties involved must first agree.',
      action: 'Ask the customer to ask the partner that collects its overage now to set overage to None.',
    },
    can_cancel: true,
    ...overrides,
  };
}

function fakeApi({ current = null, asked = request(), cancelled } = {}) {
  return {
    handover: vi.fn().mockResolvedValue(current),
    askHandover: vi.fn().mockResolvedValue(asked),
    cancelHandover: vi.fn().mockResolvedValue(cancelled || request({ state: 'cancelled', open: false, can_cancel: false })),
  };
}

const optionsApi = () => ({ overageOptions: vi.fn().mockResolvedValue({ state: options(), etag: '"e"' }) });

let wrapper;
function mountCard(props) {
  wrapper = mount(HandoverCard, { props: { customerId: 'TA-1000-0001', refreshMs: 0, ...props }, attachTo: document.body });
  return wrapper;
}

afterEach(() => {
  if (wrapper) wrapper.unmount();
  wrapper = null;
});

describe('HandoverCard', () => {
  it('tells a partner what to ask the customer and asks for the handover to the chosen subscription', async () => {
    const api = fakeApi();
    const w = mountCard({ api, optionsApi: optionsApi() });
    await flushPromises();

    expect(w.get('[data-test=handover-ask-words]').text()).toContain('Ask the customer to ask the partner that collects its overage now');
    expect(w.get('[data-test=handover-ask]').attributes('disabled')).toBeDefined();
    await w.get('[data-test=handover-subscription]').setValue(SUB_A);
    await w.get('[data-test=handover-form]').trigger('submit');
    await flushPromises();

    expect(api.askHandover).toHaveBeenCalledWith('TA-1000-0001', { azureSubscriptionId: SUB_A, create: false, enableWhenReleased: true });
    expect(w.get('[data-test=handover-notice]').text()).toContain('Waiting for the other partner to release it');
    expect(w.get('[data-test=handover-action]').text()).toContain('set overage to None');
    expect(w.find('[data-test=handover-form]').exists()).toBe(false);
  });

  it('asks for a new Azure subscription, notify only', async () => {
    const api = fakeApi();
    const w = mountCard({ api, optionsApi: optionsApi() });
    await flushPromises();

    await w.get('[data-test=handover-create]').setValue(true);
    await w.get('[data-test=handover-enable]').setValue(false);
    await w.get('[data-test=handover-form]').trigger('submit');
    await flushPromises();

    expect(api.askHandover).toHaveBeenCalledWith('TA-1000-0001', { azureSubscriptionId: null, create: true, enableWhenReleased: false });
  });

  it("shows the open request's state and cancels it", async () => {
    const api = fakeApi({ current: request({ holder_changed: true, notice: { ...request().notice, code: 'HANDOVER_HOLDER_CHANGED', message: 'The overage moved to another partner (5350999) without being released.' } }) });
    const w = mountCard({ api, optionsApi: optionsApi() });
    await flushPromises();

    expect(w.get('[data-test=handover-message]').text()).toContain('without being released');
    expect(w.get('[data-test=handover-notice]').classes()).toContain('notice--warning');
    expect(w.get('[data-test=handover-facts]').text()).toContain('Ann Agent');
    await w.get('[data-test=handover-cancel]').trigger('click');
    await flushPromises();

    expect(api.cancelHandover).toHaveBeenCalledWith('TA-1000-0001');
    expect(w.get('[data-test=handover-notice]').text()).toContain('Cancelled');
    expect(w.find('[data-test=handover-form]').exists()).toBe(true);
  });

  it('says why enabling stopped once released', async () => {
    const stopped = request({ state: 'stopped', open: false, can_cancel: false, stop: { code: 'NO_ACTIVE_AZURE_SUBSCRIPTION', message: 'No active Azure subscription.' } });
    const w = mountCard({ api: fakeApi({ current: stopped }), optionsApi: optionsApi() });
    await flushPromises();

    expect(w.get('[data-test=handover-stop]').text()).toBe('No active Azure subscription.');
    expect(w.find('[data-test=handover-cancel]').exists()).toBe(false);
  });

  it("shows a refusal in the API's words and keeps the form", async () => {
    const api = fakeApi();
    api.askHandover.mockRejectedValue(new ApiError({ status: 409, code: 'HANDOVER_NOT_NEEDED', message: 'No other partner holds it.', action: 'Enable it directly.' }));
    const w = mountCard({ api, optionsApi: optionsApi() });
    await flushPromises();
    await w.get('[data-test=handover-subscription]').setValue(SUB_A);
    await w.get('[data-test=handover-form]').trigger('submit');
    await flushPromises();

    expect(w.get('[data-test=error-message]').text()).toBe('No other partner holds it.');
    expect(w.find('[data-test=handover-form]').exists()).toBe(true);
  });

  it('is read-only for a customer that may not change, in its own words', async () => {
    const w = mountCard({ api: fakeApi(), audience: 'customer', editable: false });
    await flushPromises();

    expect(w.get('[data-test=handover-ask-words]').text()).toContain('Ask the partner that collects your overage now');
    expect(w.find('[data-test=handover-form]').exists()).toBe(false);
    expect(w.find('[data-test=handover-read-only]').exists()).toBe(true);
  });

  it('re-reads an open request until it ends, then says so', async () => {
    vi.useFakeTimers();
    try {
      const api = fakeApi({ current: request() });
      api.handover.mockResolvedValueOnce(request()).mockResolvedValueOnce(request({ state: 'enabled', open: false, can_cancel: false }));
      const w = mountCard({ api, optionsApi: optionsApi(), refreshMs: 1000 });
      await flushPromises();
      await vi.advanceTimersByTimeAsync(1000);
      await flushPromises();

      expect(api.handover).toHaveBeenCalledTimes(2);
      expect(w.get('[data-test=handover-notice]').text()).toContain('Released and enabled');
      expect(w.emitted('ended')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('OverageManager with a customer held by another partner', () => {
  function managerApi(current) {
    return {
      customerOverage: vi.fn().mockResolvedValue({ state: current, etag: current.etag }),
      assetOverage: vi.fn(),
      overageOptions: vi.fn().mockResolvedValue({ state: options(), etag: '"e"' }),
      changeOverage: vi.fn(),
    };
  }

  it('offers the handover only while another partner holds the overage', async () => {
    const notFound = { ok: false, status: 404, text: async () => JSON.stringify({ error: { code: 'HANDOVER_NOT_FOUND', message: 'None.' } }) };
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(notFound));
    try {
      const held = state({ status: 'other_partner', enabled: true, azure_subscription_id: SUB_B, partner_id: '5350003' });
      wrapper = mount(OverageManager, { props: { customerId: 'TA-1000-0001', api: managerApi(held) }, attachTo: document.body });
      await flushPromises();
      expect(wrapper.find('[data-test=handover]').exists()).toBe(true);
      expect(wrapper.get('[data-test=handover-ask-words]').text()).toContain('Ask the customer');
      expect(globalThis.fetch.mock.calls[0][0]).toBe('/api/customers/TA-1000-0001/overage/handover');
      wrapper.unmount();

      wrapper = mount(OverageManager, { props: { customerId: 'TA-1000-0001', api: managerApi(state()) }, attachTo: document.body });
      await flushPromises();
      expect(wrapper.find('[data-test=handover]').exists()).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('handover utils', () => {
  it('lists the active Azure subscriptions of the plans as targets', () => {
    const targets = handoverTargets({ azure_plans: [{ subscription_id: PLAN_ID, name: 'Azure plan', azure_subscriptions: [
      { id: SUB_A, name: 'Prod', status: 'active' }, { id: SUB_B, name: 'Old', status: 'disabled' }] }] });
    expect(targets).toEqual([{ id: SUB_A, label: 'Prod (Azure plan)' }]);
    expect(handoverTargets(null)).toEqual([]);
  });

  it('speaks to partners and to customers differently', () => {
    expect(whatToAsk('partner').action).toContain('Ask the customer');
    expect(whatToAsk('customer').action).toContain('your provider');
  });

  it('calls the handover route and treats no request as null', async () => {
    const fetchImpl = vi.fn()
      .mockResolvedValueOnce({ ok: false, status: 404, text: async () => JSON.stringify({ error: { code: 'HANDOVER_NOT_FOUND', message: 'None.' } }) })
      .mockResolvedValueOnce({ ok: true, status: 201, text: async () => JSON.stringify(request()), headers: new Map() });
    const api = createHandoverApi(fetchImpl);

    expect(await api.handover('TA-1')).toBeNull();
    await api.askHandover('TA-1', { azureSubscriptionId: SUB_A, enableWhenReleased: true });
    expect(fetchImpl.mock.calls[1][0]).toBe('/api/customers/TA-1/overage/handover');
    expect(JSON.parse(fetchImpl.mock.calls[1][1].body)).toEqual({ azure_subscription_id: SUB_A, enable_when_released: true });
    expect(fetchImpl.mock.calls[1][1].method).toBe('PUT');
  });
});
