import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';

import ItemsTab from '../components/ItemsTab.vue';
import { CONNECT_KEY, openProduct } from '../composables/connect.js';
import { customersText } from '../utils/items.js';

const item = (n, extra = {}) => ({
  product_id: 'PRD-183-233-565',
  product_name: 'Microsoft 365 NCE',
  id: `PRD-183-233-565-000${n}`,
  name: `Teams Phone ${n} OVG`,
  display_name: `Teams Phone ${n} OVG (NCE COM BAS 1MO)`,
  mpn: `CFQ7TTC0OVG${n}:0001_P1M:None`,
  status: 'published',
  period: 'Monthly',
  type: 'Reservation',
  customers: 12,
  ...extra,
});

const apiWith = (items) => ({ listItems: vi.fn().mockResolvedValue({ items, total: items.length }) });

const rows = (w) => w.findAll('[data-test=item-table] tbody tr');

describe('ItemsTab: the product and who holds each item', () => {
  it("shows the product's name with its id beneath, and the count of customers in words", async () => {
    const w = mount(ItemsTab, {
      props: { api: apiWith([item(1), item(2, { customers: 1 }), item(3, { customers: 0 })]) },
    });
    await flushPromises();

    const product = rows(w)[0].get('[data-test=item-product]');
    expect(product.text()).toBe('Microsoft 365 NCEPRD-183-233-565');
    expect(product.get('.sub').text()).toBe('PRD-183-233-565');
    expect(rows(w).map((row) => row.get('[data-test=item-customers]').text())).toEqual([
      '12 customers', '1 customer', '0 customers',
    ]);
    expect(w.find('[data-test=count-unavailable]').exists()).toBe(false);
  });

  it('says a count Connect did not give is unavailable, never 0, and says so above the table', async () => {
    const w = mount(ItemsTab, { props: { api: apiWith([item(1), item(2, { customers: null })]) } });
    await flushPromises();

    expect(rows(w)[1].get('[data-test=item-customers]').text()).toBe('count unavailable');
    expect(rows(w)[1].text()).not.toContain('0 customers');
    expect(w.get('[data-test=count-unavailable]').text()).toContain('one item');
    expect(w.get('[data-test=count-unavailable]').text()).toContain('which is not zero');
  });

  it('shows the id alone when Connect gave no name', async () => {
    const w = mount(ItemsTab, { props: { api: apiWith([item(1, { product_name: null })]) } });
    await flushPromises();

    const product = rows(w)[0].get('[data-test=item-product]');
    expect(product.text()).toBe('PRD-183-233-565');
    expect(product.find('.sub').exists()).toBe(false);
  });

  it('links nothing outside Connect: there is no documented address of the portal', async () => {
    const w = mount(ItemsTab, { props: { api: apiWith([item(1)]) } });
    await flushPromises();

    expect(w.find('[data-test=open-product]').exists()).toBe(false);
    expect(w.find('[data-test=item-table] a').exists()).toBe(false);
  });

  it("inside Connect opens the product through the toolkit's productDetails route", async () => {
    const toolkit = { navigateTo: vi.fn(), emit: vi.fn() };
    const routes = { productDetails: Symbol('productDetails') };
    const w = mount(ItemsTab, {
      props: { api: apiWith([item(1)]) },
      global: { provide: { [CONNECT_KEY]: { toolkit, routes, mode: 'connect' }, toolkit: { sharedContext: {} } } },
    });
    await flushPromises();

    const button = w.get('[data-test=open-product]');
    expect(button.text()).toContain('Microsoft 365 NCE');
    expect(button.text()).toContain('(open the product in Connect)');
    await button.trigger('click');
    expect(toolkit.navigateTo).toHaveBeenCalledWith(routes.productDetails, 'PRD-183-233-565');
  });
});

describe('customersText and openProduct', () => {
  it('words a count, and an unknown one as unavailable', () => {
    expect(customersText(1234)).toBe('1,234 customers');
    expect(customersText(1)).toBe('1 customer');
    expect(customersText(0)).toBe('0 customers');
    expect(customersText(null)).toBe('count unavailable');
    expect(customersText(undefined)).toBe('count unavailable');
  });

  it('navigates only with a toolkit that knows the route', () => {
    const toolkit = { navigateTo: vi.fn() };
    expect(openProduct({ toolkit, routes: { productDetails: 'p' } }, 'PRD-1')).toBe(true);
    expect(toolkit.navigateTo).toHaveBeenCalledWith('p', 'PRD-1');
    expect(openProduct({ toolkit, routes: {} }, 'PRD-1')).toBe(false);
    expect(openProduct({ toolkit: null, routes: null }, 'PRD-1')).toBe(false);
  });
});
