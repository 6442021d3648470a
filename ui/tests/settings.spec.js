import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { LEFT_OUT } from '../pages/settings/fields.js';
import Page from '../pages/settings/Page.vue';
import { ApiError, api } from '../utils/api.js';
import FULL_ANSWER from './settingsAnswer.json';

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
    expect(wrapper.get('[data-test="settings"]').text()).toContain('PostgreSQL');
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

  it("names the variables a warning is about beside its words, for the one who configures them", async () => {
    const unreadable = {
      ...WARNING,
      code: 'REFRESH_TOKEN_UNREADABLE',
      message: 'The renewed Partner Center refresh token in the store cannot be decrypted.',
      params: { settings: ['TOKEN_ENCRYPTION_KEY', 'PARTNER_CENTER_REFRESH_TOKEN'] },
    };
    api.settings.mockResolvedValue(withToken({
      source: 'unreadable', renewed_at: null, used_at: null, warnings: [unreadable],
    }));
    const wrapper = mount(Page);
    await flushPromises();

    const warning = wrapper.get('[data-test="refresh-token-warning"]');
    expect(warning.get('[data-test="finding-settings"]').text()).toBe(
      "The extension's variables in Connect this is about: TOKEN_ENCRYPTION_KEY, PARTNER_CENTER_REFRESH_TOKEN",
    );
  });

  it('names the variables a failed connection test is about', async () => {
    api.settings.mockResolvedValue(withToken({ source: 'configured', renewed_at: null, used_at: null, warnings: [] }));
    api.checkConnection.mockRejectedValue(new ApiError({
      status: 502,
      code: 'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED',
      message: "Microsoft no longer accepts the extension's Partner Center refresh token.",
      action: "Ask the administrator of this extension in Connect to put the new refresh token in the extension's settings.",
      details: { settings: ['PARTNER_CENTER_REFRESH_TOKEN'], microsoft: { code: 'invalid_grant' } },
    }));
    const wrapper = mount(Page);
    await flushPromises();

    await wrapper.get('[data-test="test-connection"]').trigger('click');
    await flushPromises();

    const failed = wrapper.get('[data-test="error"]');
    expect(failed.get('[data-test="error-action"]').text()).not.toContain('PARTNER_CENTER_REFRESH_TOKEN');
    expect(failed.get('[data-test="error-settings"]').text()).toContain('PARTNER_CENTER_REFRESH_TOKEN');
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
    expect(shown.get('[data-test="budget-kept"]').text()).toBe('102 a minute (20% of what is spent)');
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

describe('Settings page: every field of the answer, in words (issue 19, item 12)', () => {
  beforeEach(() => {
    api.settings.mockReset();
    api.caller.mockResolvedValue({ role: 'owner', account_id: 'PA-1', customer_id: null, may_change: true });
  });

  // Every field's dotted path; a list (of countries, of findings) is one field. The answer is a real
  // one's shape: tests/api/test_settings_answer_fixture.py keeps settingsAnswer.json equal to the API's.
  const paths = (value, prefix = '') => (
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, inner]) => paths(inner, prefix ? `${prefix}.${key}` : key))
      : [prefix]
  );
  const FULL = {
    ...FULL_ANSWER,
    partner_center: {
      ...FULL_ANSWER.partner_center,
      refresh_token: {
        ...FULL_ANSWER.partner_center.refresh_token,
        warnings: [{
          code: 'REFRESH_TOKEN_LONG_UNUSED', severity: 'warning', message: 'Unused for 60 days.', reason: 'It dies at 90.',
          action: 'Run the connection test.', blocks: [], params: {},
        }],
      },
    },
  };
  const shownFields = (wrapper) => wrapper.findAll('[data-fields]')
    .flatMap((element) => element.attributes('data-fields').split(' '));

  it('shows every field of a full answer, or says why it leaves it out', async () => {
    api.settings.mockResolvedValue(FULL);
    const wrapper = mount(Page);
    await flushPromises();

    const shown = new Set(shownFields(wrapper));
    const missing = paths(FULL).filter((path) => !shown.has(path) && !(path in LEFT_OUT));
    expect(missing).toEqual([]);
    // What is listed as left out is a real field, shown nowhere, with a reason.
    for (const [path, why] of Object.entries(LEFT_OUT)) {
      expect(paths(FULL)).toContain(path);
      expect(shown.has(path)).toBe(false);
      expect(why.length).toBeGreaterThan(10);
    }
    // What a row claims to show is in the answer (no stale claim hides a missing field).
    expect([...shown].filter((path) => !paths(FULL).includes(path))).toEqual([]);
  });

  it('labels every row in words, never with a raw key, and keeps the variable as secondary text', async () => {
    api.settings.mockResolvedValue(FULL);
    const wrapper = mount(Page);
    await flushPromises();

    // A snake_case key with its underscores as spaces ("store durable", "reseller mpn param") is no label,
    // unless the key already reads as words.
    const READS_AS_WORDS = new Set(['blocked countries']);
    const keysAsWords = new Set(paths(FULL).flatMap((path) => path.split('.'))
      .filter((key) => key.includes('_')).map((key) => key.replace(/_/g, ' '))
      .filter((words) => !READS_AS_WORDS.has(words)));
    const labels = wrapper.findAll('dt').map((dt) => dt.text());
    expect(labels.length).toBeGreaterThanOrEqual(paths(FULL).length - 12);
    for (const label of labels) {
      expect(label).not.toMatch(/_|[A-Z]{2,}_/);
      expect(keysAsWords.has(label.toLowerCase()), label).toBe(false);
      expect(label[0]).toBe(label[0].toUpperCase());
    }
    const marker = wrapper.get('[data-fields="sku_marker"]');
    expect(marker.get('[data-test="setting-value"]').text()).toBe('OVG');
    expect(marker.get('.setting-note code').text()).toBe('OVERAGE_SKU_MARKER');
    expect(wrapper.get('[data-fields="tenant_id_params"]').text()).toContain('ms_customer_id, microsoft_tenant_id');
    expect(wrapper.get('[data-fields="product_ids"] [data-test="setting-value"]').text())
      .toBe('PRD-100-000-001, PRD-100-000-002');
    expect(wrapper.get('[data-fields="partner_center.client_id"]').text()).toContain(FULL.partner_center.client_id);
    expect(wrapper.get('[data-fields="partner_center.login_url"]').text()).toContain('https://login.microsoftonline.com');
    expect(wrapper.get('[data-fields="partner_center.mode"] [data-test="setting-value"]').text()).toContain('App+User');
  });

  it('reads the booleans as words', async () => {
    api.settings.mockResolvedValue(FULL);
    const signed = mount(Page);
    await flushPromises();
    const value = (wrapper, field) => wrapper.get(`[data-fields="${field}"] [data-test="setting-value"]`).text();
    expect(value(signed, 'webhook_signed')).toBe('Signed with a secret');
    expect(value(signed, 'customers_may_change')).toBe('No, only you and your resellers');
    expect(value(signed, 'store_durable')).toBe('No: what it holds may be lost at a restart');

    api.settings.mockResolvedValue({
      ...FULL, webhook_url: null, webhook_signed: false, customers_may_change: true, store_durable: true, product_ids: [],
    });
    const unsigned = mount(Page);
    await flushPromises();
    expect(value(unsigned, 'webhook_signed')).toBe('Not signed');
    expect(value(unsigned, 'webhook_url')).toBe('Not sent (no webhook address)');
    expect(value(unsigned, 'customers_may_change')).toBe('Yes, on their home page');
    expect(value(unsigned, 'store_durable')).toBe('Yes');
    expect(value(unsigned, 'product_ids')).toBe('every product with overage items');
  });

  it('has no secret in the answer it shows', () => {
    expect(paths(FULL_ANSWER).filter((path) => /secret|password|token$/.test(path))).toEqual([]);
  });
});
