import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';

import ErrorNotice from '../components/ErrorNotice.vue';
import FindingList from '../components/FindingList.vue';
import StatusBadge from '../components/StatusBadge.vue';
import TabBar from '../components/TabBar.vue';
import { ApiError, unexplainedError } from '../utils/api.js';
import { finding } from './fixtures.js';

describe('StatusBadge', () => {
  it.each([
    ['enabled', 'Enabled'],
    ['disabled', 'Disabled'],
    ['other_partner', 'Held by another partner'],
    ['unknown', 'Unknown'],
    ['brand_new', 'Unknown'],
  ])('shows %s as "%s" with its class', (status, label) => {
    const wrapper = mount(StatusBadge, { props: { status } });
    expect(wrapper.text()).toBe(label);
    const known = status === 'brand_new' ? 'unknown' : status;
    expect(wrapper.classes()).toContain(`status--${known}`);
  });
});

describe('ErrorNotice', () => {
  const error = new ApiError({
    status: 409,
    code: 'OVERAGE_HELD_BY_OTHER_PARTNER',
    message: "The customer's overage is assigned to another partner's Azure subscription.",
    reason: 'Microsoft lets one partner at a time collect it.',
    action: 'Ask the customer to have that partner set it to None.',
    details: { microsoft: { code: '800115', correlation_id: 'corr-1' } },
  });

  it('shows message, reason and action as an alert, never the code', () => {
    const wrapper = mount(ErrorNotice, { props: { error } });
    expect(wrapper.attributes('role')).toBe('alert');
    expect(wrapper.get('[data-test=error-message]').text()).toBe(error.message);
    expect(wrapper.get('[data-test=error-reason]').text()).toBe(`Why: ${error.reason}`);
    expect(wrapper.get('[data-test=error-action]').text()).toBe(`What to do: ${error.action}`);
    expect(wrapper.text()).not.toContain('OVERAGE_HELD_BY_OTHER_PARTNER');
    expect(wrapper.text()).not.toContain('800115');
    expect(wrapper.get('[data-test=error-correlation]').text()).toContain('corr-1');
  });

  it('leaves out what the error does not have', () => {
    const wrapper = mount(ErrorNotice, { props: { error: { message: 'Only this.' } } });
    expect(wrapper.find('[data-test=error-reason]').exists()).toBe(false);
    expect(wrapper.find('[data-test=error-action]').exists()).toBe(false);
    expect(wrapper.find('[data-test=error-correlation]').exists()).toBe(false);
  });

  it("lists the variables an error is about only where the extension is configured", () => {
    const credentials = new ApiError({
      status: 502,
      code: 'PARTNER_CENTER_CREDENTIALS_REJECTED',
      message: 'The Overage Manager could not sign in to Microsoft Partner Center.',
      action: "Ask the administrator of this extension in Connect to check the extension's settings.",
      details: { settings: ['PARTNER_CENTER_CLIENT_ID', 'PARTNER_CENTER_CLIENT_SECRET'] },
    });
    const support = mount(ErrorNotice, { props: { error: credentials } });
    expect(support.find('[data-test=error-settings]').exists()).toBe(false);
    expect(support.text()).not.toContain('PARTNER_CENTER_');

    const administrator = mount(ErrorNotice, { props: { error: credentials, showSettings: true } });
    expect(administrator.get('[data-test=error-settings]').text()).toBe(
      "The extension's variables in Connect this is about: PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_CLIENT_SECRET",
    );
    expect(mount(ErrorNotice, { props: { error, showSettings: true } }).find('[data-test=error-settings]').exists())
      .toBe(false);
  });

  it('gives an unexplained failure words too', () => {
    const wrapper = mount(ErrorNotice, { props: { error: unexplainedError(502) } });
    expect(wrapper.text()).toContain('did not explain (HTTP 502)');
    expect(wrapper.find('[data-test=error-action]').exists()).toBe(true);
  });
});

describe('FindingList', () => {
  it('lists findings most serious first with reason and action', () => {
    const wrapper = mount(FindingList, {
      props: {
        findings: [
          finding('NO_MARGIN_OR_PEC', 'info', { message: 'No margin.' }),
          finding('NO_ACTIVE_AZURE_PLAN', 'blocking', { message: 'No Azure plan.' }),
          finding('COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'warning', { message: 'Credits first.' }),
        ],
      },
    });
    const items = wrapper.findAll('li');
    expect(items.map((li) => li.attributes('data-code'))).toEqual([
      'NO_ACTIVE_AZURE_PLAN',
      'COMMUNICATIONS_CREDITS_AUTO_RECHARGE',
      'NO_MARGIN_OR_PEC',
    ]);
    expect(items[0].text()).toContain('Fix first');
    expect(items[0].text()).toContain('No Azure plan.');
    expect(items[0].text()).toContain('Why: NO_ACTIVE_AZURE_PLAN reason.');
    expect(items[0].text()).toContain('What to do: NO_ACTIVE_AZURE_PLAN action.');
    expect(items[1].text()).toContain('Warning');
    expect(items[2].text()).toContain('Note');
  });

  it('renders nothing without findings', () => {
    expect(mount(FindingList, { props: { findings: [] } }).find('ul').exists()).toBe(false);
  });
});

describe('TabBar', () => {
  const tabs = [
    { value: 'customers', label: 'Customers' },
    { value: 'items', label: 'OVG items' },
    { value: 'activity', label: 'Activity' },
  ];

  it('has one tab stop and moves with the arrow keys', async () => {
    const wrapper = mount(TabBar, { props: { tabs, modelValue: 'customers' }, attachTo: document.body });
    const buttons = wrapper.findAll('[role=tab]');
    expect(buttons.map((b) => b.attributes('tabindex'))).toEqual(['0', '-1', '-1']);
    expect(buttons[0].attributes('aria-selected')).toBe('true');
    await buttons[0].trigger('keydown', { key: 'ArrowLeft' });
    expect(wrapper.emitted('update:modelValue')[0]).toEqual(['activity']);
    expect(document.activeElement.id).toBe('tab-activity');
    await buttons[0].trigger('keydown', { key: 'ArrowRight' });
    expect(wrapper.emitted('update:modelValue')[1]).toEqual(['items']);
    wrapper.unmount();
  });
});
