import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';

import CustomerList from '../components/CustomerList.vue';
import { ATTENTIONS, ATTENTION_FILTERS, hasOverageWithoutOvg, nextStep, ovgCounts } from '../utils/attention.js';
import { deepLinkSearch, listStateSearch, parseListState } from '../utils/deeplink.js';

const customer = (n, extra = {}) => ({
  id: `TA-0000-${String(n).padStart(4, '0')}`,
  name: `Customer ${n}`,
  tenant_id: `tenant-${n}`,
  status: 'disabled',
  azure_subscription_id: null,
  ovg_subscription_count: 0,
  ovg_asset_ids: [`AS-${n}`],
  flags: [],
  checked_at: '2026-11-29T10:00:00+00:00',
  attention: 'ready_to_enable',
  attention_reason: { code: 'OVERAGE_READY_TO_ENABLE', message: 'Ready.', action: 'Open the customer and enable overage.' },
  ...extra,
});

describe('the work queue words', () => {
  it('has a label for every attention the API answers, and a filter for each', () => {
    expect(ATTENTIONS).toEqual([
      'ready_to_enable', 'action_needed', 'cannot_enable', 'waiting_for_microsoft', 'held_by_other_partner',
      'overage_without_ovg', 'none',
    ]);
    expect(ATTENTION_FILTERS.map((option) => option.value)).toEqual(['', ...ATTENTIONS]);
  });

  it('says the first thing to do, and what it says of a customer never judged', () => {
    expect(nextStep(customer(1))).toEqual({
      attention: 'ready_to_enable', label: 'Ready to enable', text: 'Open the customer and enable overage.',
    });
    expect(nextStep(customer(1, { attention: 'none', attention_reason: null }))).toEqual({
      attention: 'none', label: 'Nothing to do', text: '',
    });
    expect(nextStep(customer(1, { attention: null, attention_reason: null })).label).toBe('Not checked yet');
    expect(nextStep(customer(1, { attention: 'brand_new' })).attention).toBe('unjudged');
  });

  it("counts Microsoft's OVG subscriptions under our account apart from Connect's items", () => {
    expect(ovgCounts(customer(1, { ovg_subscription_count: 0, ovg_asset_ids: ['AS-1', 'AS-2'] }))).toEqual({
      microsoft: 0, connect: 2,
    });
    expect(hasOverageWithoutOvg(customer(1, { flags: ['overage_without_ovg_subscription'] }))).toBe(true);
    expect(hasOverageWithoutOvg(customer(1))).toBe(false);
  });
});

describe('the list state in the URL', () => {
  it('reads back what it writes, beside the view and a host parameter', () => {
    const state = { status: 'disabled', attention: 'action_needed', search: 'wingtip toys', offset: 50, cursor: 'WyJhIiwiVEEtMSJd' };
    const search = listStateSearch(state, '?host=1&customer=TA-1');
    expect(search).toBe('?host=1&customer=TA-1&status=disabled&attention=action_needed&q=wingtip+toys&offset=50&cursor=WyJhIiwiVEEtMSJd');
    expect(parseListState(search)).toEqual(state);
    // Opening and closing a customer leaves the list where it was.
    const closed = deepLinkSearch({ tab: 'customers' }, search);
    expect(parseListState(closed)).toEqual(state);
    expect(closed).not.toContain('customer=');
  });

  it('drops what the API would refuse, so a mangled link still opens a list', () => {
    expect(parseListState('?status=on&attention=urgent&offset=-5&cursor=%3Cscript%3E')).toEqual({
      status: '', attention: '', search: '', offset: 0, cursor: null,
    });
    expect(parseListState('?offset=20000').offset).toBe(0);
    expect(parseListState(`?q=${'x'.repeat(300)}`).search).toHaveLength(100);
    expect(parseListState('?cursor=abc').cursor).toBeNull(); // a cursor belongs to a page past the first
    expect(listStateSearch({})).toBe('');
  });
});

describe('CustomerList as a work queue', () => {
  it('shows each row with its next step and filters on it', async () => {
    const api = {
      listCustomers: vi.fn().mockResolvedValue({
        items: [
          customer(1),
          customer(2, {
            attention: 'cannot_enable',
            attention_reason: { code: 'CHINA_NOT_SUPPORTED', message: 'China.', action: 'Manage it through 21Vianet.' },
          }),
          customer(3, { status: 'enabled', attention: 'overage_without_ovg', flags: ['overage_without_ovg_subscription'],
            attention_reason: { code: 'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION', message: 'M.', action: 'Decide.' } }),
        ],
        total: 3,
      }),
    };
    const w = mount(CustomerList, { props: { api } });
    await flushPromises();
    const rows = w.findAll('tbody tr');
    expect(rows[0].get('[data-test=next-step]').text()).toContain('Ready to enable');
    expect(rows[0].get('[data-test=next-step]').text()).toContain('Open the customer and enable overage.');
    expect(rows[1].attributes('data-attention')).toBe('cannot_enable');
    expect(rows[1].text()).toContain('Manage it through 21Vianet.');
    expect(rows[2].text()).toContain('Overage without OVG');
    expect(rows[0].get('[data-test=ovg-counts]').text()).toBe('0 at Microsoft (ours)1 in Connect');

    await w.get('[data-test=attention-filter]').setValue('action_needed');
    await flushPromises();
    expect(api.listCustomers).toHaveBeenLastCalledWith({
      status: undefined, attention: 'action_needed', search: undefined, limit: 25, offset: 0,
    });
    expect(w.emitted('query').at(-1)[0]).toEqual({
      status: '', attention: 'action_needed', search: '', offset: 0, cursor: null,
    });
  });

  it('starts from the list it is given (a deep link or back), by its cursor', async () => {
    const api = { listCustomers: vi.fn().mockResolvedValue({ items: [customer(9)], total: 60, nextCursor: 'c3' }) };
    const w = mount(CustomerList, {
      props: { api, initialQuery: { status: 'disabled', attention: 'ready_to_enable', search: 'toys', offset: 25, cursor: 'c2' } },
    });
    await flushPromises();
    expect(api.listCustomers).toHaveBeenCalledTimes(1);
    expect(api.listCustomers).toHaveBeenCalledWith({
      status: 'disabled', attention: 'ready_to_enable', search: 'toys', limit: 25, cursor: 'c2',
    });
    expect(w.get('#customer-search').element.value).toBe('toys');
    expect(w.get('#attention-filter').element.value).toBe('ready_to_enable');
    expect(w.get('[data-test=range]').text()).toBe('26–26 of 60');
    expect(w.emitted('query').at(-1)[0]).toEqual({
      status: 'disabled', attention: 'ready_to_enable', search: 'toys', offset: 25, cursor: 'c2',
    });
  });

  it('tells the URL the list it asks for before the answer comes', async () => {
    let answer;
    const api = { listCustomers: vi.fn(() => new Promise((resolve) => { answer = resolve; })) };
    const w = mount(CustomerList, { props: { api, initialQuery: { status: 'enabled', search: 'toys' } } });
    await flushPromises();
    // No answer yet: a customer opened now still leaves this list behind "back".
    expect(w.findAll('tbody tr')).toHaveLength(0);
    expect(w.emitted('query').at(-1)[0]).toEqual({
      status: 'enabled', attention: '', search: 'toys', offset: 0, cursor: null,
    });
    answer({ items: [customer(1)], total: 1 });
    await flushPromises();
    expect(w.findAll('tbody tr')).toHaveLength(1);
  });
});
