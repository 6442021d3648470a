import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';

import ActivityTab from '../components/ActivityTab.vue';
import { ApiError } from '../utils/api.js';
import { deferred } from './fixtures.js';

const entry = (id, extra = {}) => ({
  id,
  at: '2026-11-29T10:00:00+00:00',
  customer: { id: 'TA-1000-0000-0001', name: 'Wingtip Toys' },
  action: 'move',
  outcome: 'failed',
  actor: { type: 'owner', id: 'UR-1', name: 'Dana' },
  before: { enabled: true, azure_subscription_id: 'sub-a', azure_subscription_name: 'Production' },
  requested: { enabled: true, azure_subscription_id: 'sub-b', azure_subscription_name: null },
  error: { code: 'THROTTLED', message: 'Partner Center is limiting requests.' },
  ms_request_id: 'req-7',
  ms_correlation_id: 'corr-7',
  details: {},
  ...extra,
});
const page = (items, nextCursor = null) => ({ items, total: items.length, totalIs: 'exact', nextCursor });
const validation = (field) =>
  new ApiError({
    status: 422,
    code: 'VALIDATION_FAILED',
    message: `The request is not valid: ${field} is wrong.`,
    details: { fields: [{ field: `query.${field}`, message: 'is wrong' }] },
  });

describe('ActivityTab: the feed across customers', () => {
  it("shows every customer's activity with names, subscription names and Microsoft's ids", async () => {
    const api = { feed: vi.fn().mockResolvedValue(page([entry(7)])) };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    expect(api.feed).toHaveBeenCalledWith({ customer: undefined, outcome: undefined, since: undefined, limit: 25, cursor: undefined });
    const row = w.get('[data-test=feed-entry]').text();
    expect(row).toContain('Wingtip Toys');
    expect(row).toContain('TA-1000-0000-0001');
    expect(row).toContain('Move');
    expect(row).toContain('Production (sub-a) → sub-b');
    expect(row).toContain('Failed');
    expect(row).toContain('Partner Center is limiting requests.');
    expect(row).toContain('Dana (Distributor)');
    expect(w.get('[data-test=feed-ids]').text()).toMatch(/Request\s+req-7\s+Correlation\s+corr-7/);
    expect(row).not.toContain('THROTTLED');
    expect(w.get('[data-test=activity-scope]').text()).toBe('Activity of every customer, newest first.');
  });

  it('filters by a name, an outcome and a day (from the start of that day, local time)', async () => {
    const api = { feed: vi.fn().mockResolvedValue(page([entry(7)])) };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    await w.get('#activity-customer').setValue('toys');
    await w.get('#activity-outcome').setValue('failed');
    await w.get('#activity-since').setValue('2026-11-20');
    await w.get('form').trigger('submit');
    await flushPromises();

    expect(api.feed).toHaveBeenLastCalledWith({
      customer: 'toys', outcome: 'failed', since: new Date(2026, 10, 20).toISOString(), limit: 25, cursor: undefined,
    });
    expect(w.get('[data-test=activity-scope]').text()).toContain('of customers with a word starting "toys"');
    expect(w.emitted('change-customer')).toBeUndefined(); // a name is not the link's customer
  });

  it('takes a customer id in any case, and the link keeps it', async () => {
    const api = { feed: vi.fn().mockResolvedValue(page([])) };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    await w.get('#activity-customer').setValue('ta-1000-0000-0001');
    await w.get('form').trigger('submit');
    await flushPromises();

    expect(api.feed).toHaveBeenLastCalledWith(expect.objectContaining({ customer: 'ta-1000-0000-0001' }));
    expect(w.emitted('change-customer')).toEqual([['TA-1000-0000-0001']]);
    expect(w.get('[data-test=empty]').text()).toBe('No activity matches.');
  });

  it('starts on the customer the panel or the link names', async () => {
    const api = { feed: vi.fn().mockResolvedValue(page([entry(7)])) };
    const w = mount(ActivityTab, { props: { api, customerId: 'TA-1000-0000-0001' } });
    await flushPromises();

    expect(api.feed).toHaveBeenCalledWith(expect.objectContaining({ customer: 'TA-1000-0000-0001' }));
    expect(w.get('#activity-customer').element.value).toBe('TA-1000-0000-0001');
    await w.setProps({ customerId: 'TA-1000-0000-0002' });
    await flushPromises();
    expect(api.feed).toHaveBeenLastCalledWith(expect.objectContaining({ customer: 'TA-1000-0000-0002' }));
  });

  it('a filter refused on the page clears the previous results and says why, asking nothing', async () => {
    const api = { feed: vi.fn().mockResolvedValue(page([entry(7)])) };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();
    expect(w.findAll('[data-test=feed-entry]')).toHaveLength(1);

    await w.get('#activity-customer').setValue('%%%');
    await w.get('form').trigger('submit');
    await flushPromises();

    expect(w.findAll('[data-test=feed-entry]')).toHaveLength(0);
    expect(w.find('[data-test=history-table]').exists()).toBe(false);
    expect(w.get('[data-test=activity-problem]').text()).toContain('letters or digits');
    expect(w.get('#activity-customer').attributes('aria-invalid')).toBe('true');
    expect(api.feed).toHaveBeenCalledTimes(1);
  });

  it('a filter the API refuses clears the previous results and shows its words', async () => {
    const api = {
      feed: vi.fn().mockResolvedValueOnce(page([entry(7)])).mockRejectedValueOnce(validation('since')),
    };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    await w.get('#activity-customer').setValue('wingtip');
    await w.get('form').trigger('submit');
    await flushPromises();

    expect(w.findAll('[data-test=feed-entry]')).toHaveLength(0);
    expect(w.text()).toContain('The activity could not be read.');
    expect(w.text()).toContain('The request is not valid: since is wrong.');
    expect(w.find('[data-test=activity-scope]').exists()).toBe(false);
  });

  it('pages older and newer by the cursor, with the same filters', async () => {
    const api = {
      feed: vi.fn()
        .mockResolvedValueOnce(page([entry(9)], 'c1'))
        .mockResolvedValueOnce(page([entry(8)], 'c2'))
        .mockResolvedValueOnce(page([entry(9)], 'c1')),
    };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    await w.get('[data-test=older]').trigger('click');
    await flushPromises();
    expect(api.feed).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: 'c1' }));
    expect(w.get('[data-test=range]').text()).toBe('Page 2');

    await w.findAll('.pager button')[0].trigger('click');
    await flushPromises();
    expect(api.feed).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: undefined }));
    expect(w.get('[data-test=range]').text()).toBe('Page 1');
  });

  it('drops a late answer to an older question', async () => {
    const slow = deferred();
    const api = { feed: vi.fn().mockReturnValueOnce(slow.promise).mockResolvedValueOnce(page([entry(2)])) };
    const w = mount(ActivityTab, { props: { api } });
    await w.get('#activity-customer').setValue('toys');
    await w.get('form').trigger('submit');
    await flushPromises();
    slow.resolve(page([entry(1, { customer: { id: 'TA-9', name: 'Stale' } })]));
    await flushPromises();

    expect(w.text()).not.toContain('Stale');
    expect(w.findAll('[data-test=feed-entry]')).toHaveLength(1);
  });

  it('names a customer the store no longer lists, and "None" for overage off', async () => {
    const gone = entry(3, {
      customer: { id: 'TA-1000-0000-0404', name: null },
      action: 'disable',
      outcome: 'succeeded',
      error: null,
      requested: { enabled: false, azure_subscription_id: null, azure_subscription_name: null },
      ms_request_id: null,
      ms_correlation_id: null,
    });
    const api = { feed: vi.fn().mockResolvedValue(page([gone])) };
    const w = mount(ActivityTab, { props: { api } });
    await flushPromises();

    const row = w.get('[data-test=feed-entry]').text();
    expect(row).toContain('Customer no longer listed');
    expect(row).toContain('Production (sub-a) → None');
    expect(w.get('[data-test=feed-ids]').text()).toBe('—');
  });
});
