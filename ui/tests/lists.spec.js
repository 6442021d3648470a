import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';

import CustomerList from '../components/CustomerList.vue';
import ItemsTab from '../components/ItemsTab.vue';
import { ApiError } from '../utils/api.js';
import { deferred } from './fixtures.js';

const customer = (n, extra = {}) => ({
  id: `TA-0000-${String(n).padStart(4, '0')}`,
  name: `Customer ${n}`,
  tenant_id: `tenant-${n}`,
  status: 'enabled',
  azure_subscription_id: null,
  ovg_subscription_count: 1,
  ovg_asset_ids: [`AS-${n}`],
  checked_at: '2026-11-29T10:00:00+00:00',
  ...extra,
});

describe('CustomerList', () => {
  it('lists customers with status, count and last check, and pages with the total', async () => {
    const api = {
      listCustomers: vi
        .fn()
        .mockResolvedValueOnce({ items: [customer(1), customer(2, { status: 'other_partner' })], total: 3 })
        .mockResolvedValueOnce({ items: [customer(3, { status: 'unknown' })], total: 3 }),
    };
    const w = mount(CustomerList, { props: { api, limit: 2 } });
    await flushPromises();
    expect(api.listCustomers).toHaveBeenCalledWith({ status: undefined, search: undefined, limit: 2, offset: 0 });
    const rows = w.findAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[1].text()).toContain('Held by another partner');
    expect(rows[0].text()).toContain('Customer 1');
    expect(rows[0].text()).toContain('TA-0000-0001');
    expect(w.get('[data-test=range]').text()).toBe('1–2 of 3');
    await w.findAll('.pager button')[1].trigger('click');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({ status: undefined, search: undefined, limit: 2, offset: 2 });
    expect(w.get('[data-test=range]').text()).toBe('3–3 of 3');
    expect(w.findAll('.pager button')[1].attributes('disabled')).toBeDefined();
  });

  it('follows next_cursor to the next page and says when the total is not exact', async () => {
    const api = {
      listCustomers: vi
        .fn()
        .mockResolvedValueOnce({ items: [customer(1), customer(2)], total: 10001, totalIs: 'at_least', nextCursor: 'c2' })
        .mockResolvedValueOnce({ items: [customer(3)], total: 10001, totalIs: 'at_least', nextCursor: null })
        .mockResolvedValueOnce({ items: [customer(1), customer(2)], total: 10001, totalIs: 'at_least', nextCursor: 'c2' }),
    };
    const w = mount(CustomerList, { props: { api, limit: 2 } });
    await flushPromises();
    expect(w.get('[data-test=range]').text()).toBe('1–2 of more than 10,000');
    await w.findAll('.pager button')[1].trigger('click');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({ status: undefined, search: undefined, limit: 2, cursor: 'c2' });
    // A short page is the last one, whatever the total says.
    expect(w.findAll('.pager button')[1].attributes('disabled')).toBeDefined();
    await w.findAll('.pager button')[0].trigger('click');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({ status: undefined, search: undefined, limit: 2, offset: 0 });
  });

  it('filters by status and searches from the first page', async () => {
    const api = { listCustomers: vi.fn().mockResolvedValue({ items: [], total: 0 }) };
    const w = mount(CustomerList, { props: { api } });
    await flushPromises();
    await w.get('#status-filter').setValue('other_partner');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({ status: 'other_partner', search: undefined, limit: 25, offset: 0 });
    await w.get('#customer-search').setValue('  Contoso ');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({ status: 'other_partner', search: 'Contoso', limit: 25, offset: 0 });
    expect(w.get('[data-test=empty]').text()).toBe('No customer matches these filters and search.');
  });

  it('drops the late answer of an older query', async () => {
    const slow = deferred();
    const api = {
      listCustomers: vi
        .fn()
        .mockReturnValueOnce(slow.promise)
        .mockResolvedValueOnce({ items: [customer(2)], total: 1 }),
    };
    const w = mount(CustomerList, { props: { api } });
    await w.get('#status-filter').setValue('enabled');
    await flushPromises();
    slow.resolve({ items: [customer(1)], total: 1 });
    await flushPromises();
    expect(w.text()).toContain('Customer 2');
    expect(w.text()).not.toContain('Customer 1');
  });

  it('emits the customer to open, and shows list errors in words', async () => {
    const api = { listCustomers: vi.fn().mockResolvedValue({ items: [customer(1)], total: 1 }) };
    const w = mount(CustomerList, { props: { api } });
    await flushPromises();
    await w.get('tbody button').trigger('click');
    expect(w.emitted('open')[0][0].id).toBe('TA-0000-0001');

    const failing = { listCustomers: vi.fn().mockRejectedValue(new ApiError({ status: 403, message: 'Your account may not do this.', reason: 'R.', action: 'A.' })) };
    const w2 = mount(CustomerList, { props: { api: failing } });
    await flushPromises();
    expect(w2.get('[data-test=error]').text()).toContain('Your account may not do this.');
    expect(w2.find('[data-test=empty]').exists()).toBe(false);
  });
});

describe('ItemsTab', () => {
  it('lists OVG items and searches them', async () => {
    const api = {
      listItems: vi.fn().mockResolvedValue({
        items: [{ product_id: 'PRD-1', id: 'PRD-1-0001', name: 'Teams Phone OVG', display_name: 'Teams Phone Standard OVG', mpn: 'CFQ7', status: 'published', period: 'monthly' }],
        total: 1,
      }),
    };
    const w = mount(ItemsTab, { props: { api } });
    await flushPromises();
    expect(w.get('[data-test=item-table]').text()).toContain('Teams Phone Standard OVG');
    await w.get('#item-search').setValue('phone');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(api.listItems).toHaveBeenLastCalledWith({ search: 'phone' });
  });
});
