import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';

import ErrorNotice from '../components/ErrorNotice.vue';
import FindingList from '../components/FindingList.vue';
import OverageManager from '../components/OverageManager.vue';
import { confirmation, creationConfirmation } from '../utils/overage.js';
import { LONG_SAVE_AFTER_MS, findingLabel, whereChargesShow, whyNoChange, withPermissions } from '../utils/panel.js';
import { SUB_A, deferred, enabledState, finding, options, state } from './fixtures.js';

// What a customer must never read (issue 19, item 1).
const PARTNER_ONLY = ['CSP discount', 'margin', 'partner-earned credit', 'under your account', 'You will be billed',
  'Reseller partner id', 'other partners'];

const blocker = (code, blocks, extra = {}) => finding(code, 'blocking', { blocks, order: 1, ...extra });

let wrapper;
afterEach(() => {
  vi.useRealTimers();
  if (wrapper) wrapper.unmount();
  wrapper = null;
});

function fakeApi({ current = state(), choices = options(), change } = {}) {
  return {
    customerOverage: vi.fn().mockResolvedValue({ state: current, etag: current.etag }),
    assetOverage: vi.fn(),
    overageOptions: vi.fn().mockResolvedValue({ state: choices, etag: choices.etag }),
    changeOverage: change || vi.fn(),
  };
}

function mountManager(props) {
  wrapper = mount(OverageManager, {
    props: { customerId: 'TA-1000-0001', newKey: () => 'key-1', ...props },
    attachTo: document.body,
  });
  return wrapper;
}

describe('whyNoChange: no Edit where nothing can change', () => {
  it('is null while overage can be enabled, created or set to None', () => {
    expect(whyNoChange(state())).toBeNull();
    expect(whyNoChange(state({ findings: [blocker('NO_ACTIVE_AZURE_PLAN', ['enable'])] }))).toBeNull();
    expect(whyNoChange(enabledState({ findings: [blocker('CHINA_NOT_SUPPORTED', ['enable', 'create'])] }))).toBeNull();
  });

  it('says why not, and that it cannot be fixed, for a blocked country', () => {
    const why = whyNoChange(state({ findings: [blocker('COUNTRY_NOT_SUPPORTED', ['enable', 'create'], { fixable: false })] }));
    expect(why.unfixable).toBe(true);
    expect(why.text).toContain('not available');
    expect(why.first).toBe('COUNTRY_NOT_SUPPORTED message.');
  });

  it('points at the first blocker to fix when another partner holds it', () => {
    const why = whyNoChange(state({
      status: 'other_partner', enabled: true,
      findings: [blocker('OVERAGE_HELD_BY_OTHER_PARTNER', ['enable', 'create', 'disable'])],
    }));
    expect(why.unfixable).toBe(false);
    expect(why.first).toBe('OVERAGE_HELD_BY_OTHER_PARTNER message.');
  });
});

describe('blocker labels', () => {
  it('says "Fix first" with the step only for what can be fixed', () => {
    expect(findingLabel(blocker('LEGACY_AZURE_PRESENT', ['enable'], { order: 2 }), 2)).toBe('Fix first (step 2 of 2)');
    expect(findingLabel(blocker('LEGACY_AZURE_PRESENT', ['enable']), 1)).toBe('Fix first');
    expect(findingLabel(blocker('CHINA_NOT_SUPPORTED', ['enable'], { fixable: false }), 2)).toBe('Not possible here');
    expect(findingLabel(finding('X', 'warning'))).toBe('Warning');
  });

  it('lists the blockers in the order the API gives', () => {
    wrapper = mount(FindingList, { props: { findings: [
      blocker('NO_ACTIVE_AZURE_PLAN', ['enable'], { order: 2 }),
      blocker('LEGACY_AZURE_PRESENT', ['enable'], { order: 1 }),
    ] } });
    expect(wrapper.findAll('[data-code]').map((item) => item.attributes('data-code')))
      .toEqual(['LEGACY_AZURE_PRESENT', 'NO_ACTIVE_AZURE_PLAN']);
    expect(wrapper.findAll('[data-test=finding-label]').map((item) => item.text()))
      .toEqual(['Fix first (step 1 of 2)', 'Fix first (step 2 of 2)']);
  });
});

describe('where the charges show', () => {
  it('names the reconciliation file and Cost Management for the Azure subscription', () => {
    const lines = whereChargesShow(enabledState());
    expect(lines.join(' ')).toContain('reconciliation file');
    expect(lines.join(' ')).toContain(`Cost Management in the Azure portal, for the Azure subscription Production (${SUB_A})`);
  });

  it('tells a customer about its Azure subscription and its provider, not the partner file', () => {
    const lines = whereChargesShow(enabledState(), 'customer').join(' ');
    expect(lines).toContain('Cost Management');
    expect(lines).not.toContain('reconciliation');
  });

  it('says nothing while overage is off', () => {
    expect(whereChargesShow(state())).toBeNull();
  });
});

describe('confirmations by audience', () => {
  const target = () => ({ plan: options().azure_plans[0], subscription: options().azure_plans[0].azure_subscriptions[1] });

  it('never speaks to a customer as the partner', () => {
    const texts = [
      confirmation(state(), target(), 'customer'),
      confirmation(enabledState(), null, 'customer'),
      creationConfirmation(state(), { creates: 'azure_plan_and_subscription', description: 'a new plan' }, 'customer'),
    ];
    for (const text of texts) {
      const words = [text.title, ...text.consequences].join(' ');
      for (const word of PARTNER_ONLY) expect(words).not.toContain(word);
    }
    expect(texts[0].title).toBe(`Send your overage to ${target().subscription.name}?`);
  });

  it('keeps the pricing words for partner staff', () => {
    expect(confirmation(state(), target()).consequences.join(' ')).toContain('no CSP discount, margin or partner-earned credit');
  });
});

describe('OverageManager: the panel', () => {
  it('shows a clear "why not" instead of Edit when nothing can change', async () => {
    const current = state({ findings: [blocker('CHINA_NOT_SUPPORTED', ['enable', 'create'], { fixable: false })] });
    const w = mountManager({ api: fakeApi({ current }) });
    await flushPromises();
    expect(w.find('[data-test=edit]').exists()).toBe(false);
    expect(w.get('[data-test=why-no-edit]').text()).toContain('CHINA_NOT_SUPPORTED message.');
    // Once on the screen.
    expect(w.findAll('[data-code=CHINA_NOT_SUPPORTED]')).toHaveLength(1);
  });

  it('hides the reseller partner id column and values from a customer', async () => {
    const subs = [{ id: 'aaaa0001', name: 'Teams Phone', status: 'active', partner_id: '5550001' }];
    const w = mountManager({ api: fakeApi({ current: state({ ovg_subscriptions: subs }) }), audience: 'customer' });
    await flushPromises();
    expect(w.get('[data-test=ovg-subscriptions]').text()).not.toContain('Reseller partner id');
    expect(w.get('[data-test=ovg-subscriptions]').text()).not.toContain('5550001');
  });

  it('says what is happening during a long save, and that it is safe to wait', async () => {
    vi.useFakeTimers();
    const put = deferred();
    const after = enabledState({ change: { action: 'enable', outcome: 'succeeded' } });
    const w = mountManager({ api: fakeApi({ change: vi.fn().mockReturnValue(put.promise) }) });
    await flushPromises();
    await w.get('[data-test=edit]').trigger('click');
    await flushPromises();
    await w.get('#azure-subscription').setValue(SUB_A);
    await w.get('form').trigger('submit');
    await flushPromises();
    document.querySelector('[data-test=confirm]').click();
    await flushPromises();
    expect(document.querySelector('[data-test=long-save]')).toBeNull();
    vi.advanceTimersByTime(LONG_SAVE_AFTER_MS + 10);
    await flushPromises();
    expect(document.querySelector('[data-test=long-save]').textContent).toContain('safe to wait');
    put.resolve({ state: after, etag: '"etag-2"' });
    await flushPromises();
    expect(document.querySelector('[data-test=long-save]')).toBeNull();
  });

  it('keeps Edit for self-service after a successful save (permissions kept)', () => {
    const before = state({ permissions: { can_change: true } });
    const after = withPermissions(enabledState(), before);
    expect(after.permissions).toEqual({ can_change: true });
    expect(withPermissions(enabledState({ permissions: { can_change: false } }), before).permissions.can_change).toBe(false);
  });

  it('preselects the current Azure subscription when moving', async () => {
    const current = enabledState({ azure_subscription_id: SUB_A });
    const choices = options();
    choices.azure_plans[0].azure_subscriptions = choices.azure_plans[0].azure_subscriptions
      .map((sub) => ({ ...sub, current: sub.id === SUB_A }));
    const w = mountManager({ api: fakeApi({ current, choices }) });
    await flushPromises();
    await w.get('[data-test=edit]').trigger('click');
    await flushPromises();
    expect(w.get('#azure-subscription').element.value).toBe(SUB_A);
    expect(w.get('[data-test=save]').attributes('disabled')).toBeDefined();
  });
});

describe('ErrorNotice', () => {
  it('has a heading that is not its smallest text', () => {
    wrapper = mount(ErrorNotice, { props: { error: { message: 'M' }, title: 'The change was not made.' } });
    const title = wrapper.get('[data-test=error-title]');
    expect(title.classes()).toContain('notice__title');
    expect(title.classes()).not.toContain('muted');
  });
});
