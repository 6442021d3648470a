import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import Page from '../pages/settings/Page.vue';
import { api } from '../utils/api.js';

vi.mock('../utils/api.js', async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    api: { settings: vi.fn(), checkConnection: vi.fn(), caller: vi.fn(), applicableSettings: vi.fn() },
  };
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
    api.caller.mockResolvedValue({ role: 'owner', account_id: 'PA-1', customer_id: null, may_change: true });
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

describe('Settings page: a reseller', () => {
  beforeEach(() => {
    api.settings.mockReset();
    api.caller.mockResolvedValue({ role: 'reseller', account_id: 'PA-2', customer_id: null, may_change: true });
    api.applicableSettings.mockResolvedValue({
      sku_marker: 'OVG', reseller_mpn_param: 'tier1_mpn', product_ids: [], customers_may_change: false,
    });
  });

  it('shows what applies to it, read-only, and never asks for the distributor-only configuration', async () => {
    const wrapper = mount(Page);
    await flushPromises();

    const section = wrapper.get('[data-test="reseller-settings"]');
    expect(section.text()).toContain('tier1_mpn');
    expect(section.get('[data-test="customers-may-change"]').text()).toBe('no');
    expect(section.get('[data-test="products"]').text()).toBe('every product with OVG items');
    expect(api.settings).not.toHaveBeenCalled();
    expect(wrapper.find('[data-test="test-connection"]').exists()).toBe(false);
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
  });
});

describe('Settings page: the App+User refresh token', () => {
  const WARNING = {
    code: 'REFRESH_TOKEN_LONG_UNUSED',
    severity: 'warning',
    message: 'The Partner Center refresh token has gone 60 days or more without use (last used 2025-03-01).',
    reason: 'Microsoft Entra ID lets a refresh token die 90 days after it was issued.',
    action: 'Run the Partner Center connection test on this page.',
    blocks: [],
    params: {},
  };
  const withToken = (refreshToken) => ({
    ...BASE,
    partner_center: { api_url: 'https://pc', login_url: 'https://login', mode: 'app+user', refresh_token: refreshToken },
  });

  beforeEach(() => {
    api.settings.mockReset();
    api.checkConnection.mockReset();
    api.caller.mockResolvedValue({ role: 'owner', account_id: 'PA-1', customer_id: null, may_change: true });
  });

  it('says where the token in use comes from and when it was renewed and used', async () => {
    api.settings.mockResolvedValue(withToken({
      source: 'renewed', renewed_at: '2025-03-01T12:00:00+00:00', used_at: '2025-03-02T12:00:00+00:00', warnings: [],
    }));
    const wrapper = mount(Page);
    await flushPromises();

    const shown = wrapper.get('[data-test="refresh-token"]');
    expect(shown.get('[data-test="refresh-token-source"]').text()).toContain('kept encrypted in the store');
    expect(shown.get('[data-test="refresh-token-renewed"]').text()).toContain('2025');
    expect(shown.get('[data-test="refresh-token-used"]').text()).not.toBe('never');
    expect(wrapper.find('[data-test="refresh-token-warning"]').exists()).toBe(false);
  });

  it('warns, with what to do, when the token went 60 days without use', async () => {
    api.settings.mockResolvedValue(withToken({
      source: 'renewed', renewed_at: '2025-03-01T12:00:00+00:00', used_at: '2025-03-01T12:00:00+00:00', warnings: [WARNING],
    }));
    const wrapper = mount(Page);
    await flushPromises();

    const warning = wrapper.get('[data-test="refresh-token-warning"]');
    expect(warning.attributes('role')).toBe('alert');
    expect(warning.text()).toContain('60 days or more without use');
    expect(warning.text()).toContain('What to do: Run the Partner Center connection test on this page.');
  });

  it('shows the new dates after a connection test renewed the token', async () => {
    api.settings
      .mockResolvedValueOnce(withToken({ source: 'configured', renewed_at: null, used_at: null, warnings: [] }))
      .mockResolvedValueOnce(withToken({
        source: 'renewed', renewed_at: '2025-05-01T12:00:00+00:00', used_at: '2025-05-01T12:00:00+00:00', warnings: [],
      }));
    api.checkConnection.mockResolvedValue({ ok: true, mode: 'app+user' });
    const wrapper = mount(Page);
    await flushPromises();
    expect(wrapper.get('[data-test="refresh-token-renewed"]').text()).toBe('never');

    await wrapper.get('[data-test="test-connection"]').trigger('click');
    await flushPromises();

    expect(wrapper.get('[data-test="refresh-token-source"]').text()).toContain('kept encrypted in the store');
    expect(wrapper.get('[data-test="refresh-token-renewed"]').text()).not.toBe('never');
  });

  it('says nothing of a refresh token in app-only mode', async () => {
    api.settings.mockResolvedValue({ ...BASE, partner_center: { api_url: 'https://pc', mode: 'app-only', refresh_token: null } });
    const wrapper = mount(Page);
    await flushPromises();

    expect(wrapper.find('[data-test="refresh-token"]').exists()).toBe(false);
  });
});

describe('Settings page: the Partner Center budget', () => {
  beforeEach(() => {
    api.settings.mockReset();
    api.caller.mockResolvedValue({ role: 'owner', account_id: 'PA-1', customer_id: null, may_change: true });
  });

  const BUDGET = {
    limit_per_minute: 500, usable_per_minute: 489, people_rate_share: 0.2, kept_for_people_per_minute: 101.8,
    sync_rate_share: 0.95, sync_per_minute: 367.8, used_this_minute: 42, used_last_minute: 310,
    throttled_last_hour: 2, paused_for_seconds: 12.4,
  };

  it('shows what is used, kept for people, the sync cap and the 429s of the hour', async () => {
    api.settings.mockResolvedValue({ ...BASE, rate_budget: BUDGET });
    const wrapper = mount(Page);
    await flushPromises();

    const shown = wrapper.get('[data-test="rate-budget"]');
    expect(shown.get('[data-test="budget-kept"]').text()).toContain('102 a minute (PEOPLE_RATE_SHARE 0.2)');
    expect(shown.get('[data-test="budget-sync"]').text()).toContain('368 a minute');
    expect(shown.get('[data-test="budget-used"]').text()).toBe('42 this minute, 310 the minute before');
    expect(shown.get('[data-test="budget-throttled"]').text()).toContain('2');
    expect(shown.get('[data-test="budget-throttled"]').text()).toContain('paused for 13 s');
    expect(wrapper.get('[data-test="settings"]').text()).not.toContain('rate budget');
  });

  it('leaves the budget out when the answer has none', async () => {
    api.settings.mockResolvedValue({ ...BASE, rate_budget: null });
    const wrapper = mount(Page);
    await flushPromises();

    expect(wrapper.find('[data-test="rate-budget"]').exists()).toBe(false);
  });
});

describe('Settings page: what the sync has read', () => {
  beforeEach(() => {
    api.settings.mockReset();
    api.caller.mockResolvedValue({ role: 'owner', account_id: 'PA-1', customer_id: null, may_change: true });
  });

  const COVERAGE = {
    counted_at: '2026-12-01T12:00:00+00:00', customers: 1000000, read_last_day_share: 0.2655,
    read_last_week_share: 0.9999, never_read: 3, oldest_read_at: '2026-11-27T12:00:00+00:00',
    oldest_read_age_seconds: 345600,
  };

  it('shows the share read in a day and a week and the oldest read', async () => {
    api.settings.mockResolvedValue({ ...BASE, sync_coverage: COVERAGE });
    const wrapper = mount(Page);
    await flushPromises();

    const shown = wrapper.get('[data-test="sync-coverage"]');
    expect(shown.get('[data-test="coverage-customers"]').text()).toBe('1000000');
    expect(shown.get('[data-test="coverage-day"]').text()).toBe('26.5%');
    // Never rounded up to a complete coverage it does not have.
    expect(shown.get('[data-test="coverage-week"]').text()).toBe('99.9%');
    expect(shown.get('[data-test="coverage-oldest"]').text()).toContain('4 days ago');
    expect(shown.get('[data-test="coverage-oldest"]').text()).toContain('3 never read yet');
    expect(wrapper.get('[data-test="settings"]').text()).not.toContain('sync coverage');
  });

  it('says when nothing was read yet', async () => {
    api.settings.mockResolvedValue({
      ...BASE, sync_coverage: { ...COVERAGE, oldest_read_at: null, oldest_read_age_seconds: null, never_read: 0 },
    });
    const wrapper = mount(Page);
    await flushPromises();

    expect(wrapper.get('[data-test="coverage-oldest"]').text()).toBe('none yet');
  });

  it('leaves the coverage out when the answer has none', async () => {
    api.settings.mockResolvedValue({ ...BASE, sync_coverage: null });
    const wrapper = mount(Page);
    await flushPromises();

    expect(wrapper.find('[data-test="sync-coverage"]').exists()).toBe(false);
  });
});
