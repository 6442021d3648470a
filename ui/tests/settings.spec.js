import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import Page from '../pages/settings/Page.vue';
import { api } from '../utils/api.js';

vi.mock('../utils/api.js', async (importOriginal) => {
  const original = await importOriginal();
  return { ...original, api: { settings: vi.fn(), checkConnection: vi.fn() } };
});

const BASE = {
  sku_marker: 'OVG',
  blocked_countries: ['CN', 'RU'],
  webhook_url: null,
  store: 'sqlite',
  store_durable: false,
};

describe('Settings page: the store', () => {
  beforeEach(() => {
    api.settings.mockReset();
  });

  it('warns, with what to set, when the store may be lost at a restart', async () => {
    api.settings.mockResolvedValue({ ...BASE, store_warning: 'Set DATABASE_URL to a PostgreSQL database.' });
    const wrapper = mount(Page);
    await flushPromises();

    const warning = wrapper.get('[data-test="store-warning"]');
    expect(warning.attributes('role')).toBe('alert');
    expect(warning.text()).toContain('The store may be lost at the next restart.');
    expect(warning.text()).toContain('Set DATABASE_URL to a PostgreSQL database.');
    expect(wrapper.get('[data-test="settings"]').text()).not.toContain('store warning');
  });

  it('says nothing about a durable store', async () => {
    api.settings.mockResolvedValue({ ...BASE, store: 'postgresql', store_durable: true, store_warning: null });
    const wrapper = mount(Page);
    await flushPromises();

    expect(wrapper.find('[data-test="store-warning"]').exists()).toBe(false);
    expect(wrapper.get('[data-test="settings"]').text()).toContain('postgresql');
  });
});
