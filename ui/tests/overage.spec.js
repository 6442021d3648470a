// @vitest-environment node
import { describe, expect, it } from 'vitest';

import {
  awaitingConfirmation,
  blockingFindings,
  changeOutcome,
  confirmation,
  creationConfirmation,
  sortedFindings,
  statusLabel,
  subscriptionsStoppedByNone,
} from '../utils/overage.js';
import { PLAN_ID, SUB_A, SUB_B, enabledState, finding, options, ovgSubscription, state } from './fixtures.js';

describe('statusLabel', () => {
  it.each([
    ['enabled', 'Enabled'],
    ['disabled', 'Disabled'],
    ['other_partner', 'Held by another partner'],
    ['unknown', 'Unknown'],
    ['something_new', 'Unknown'],
    [undefined, 'Unknown'],
  ])('%s -> %s', (status, label) => expect(statusLabel(status)).toBe(label));
});

describe('confirmation of None', () => {
  it('counts the active OVG subscriptions that stop at their limit', () => {
    const text = confirmation(enabledState(), null);
    expect(text.intent).toBe('disable');
    expect(text.title).toBe('Set overage to None for Contoso Ltd?');
    expect(text.consequences[0]).toBe(
      '2 overage-capable subscriptions of Contoso Ltd under your account will stop at their monthly limit, ' +
        'and so will any bought from other partners.',
    );
    expect(text.confirmLabel).toBe('Set overage to None');
  });

  it('speaks of one subscription in the singular', () => {
    const text = confirmation(enabledState({ ovg_subscriptions: [ovgSubscription('x1')] }), null);
    expect(text.consequences[0]).toContain('1 overage-capable subscription of Contoso Ltd under your account will stop at its monthly limit');
  });

  it("prefers the API's own count in DISABLE_STOPS_AT_LIMIT", () => {
    const withCount = enabledState({
      findings: [finding('DISABLE_STOPS_AT_LIMIT', 'warning', { params: { count: 5 } })],
    });
    expect(subscriptionsStoppedByNone(withCount)).toBe(5);
    expect(confirmation(withCount, null).consequences[0]).toMatch(/^5 overage-capable subscriptions/);
  });

  it('does not repeat the Communications Credits warning: it is about switching overage on', () => {
    const credits = finding('COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'warning');
    const text = confirmation(enabledState({ findings: [credits, finding('NO_MARGIN_OR_PEC', 'info')] }), null);
    expect(text.warnings).toEqual([]);
  });

  it('repeats the Communications Credits warning when overage is switched on', () => {
    const credits = finding('COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'warning');
    const target = { plan: options().azure_plans[0], subscription: options().azure_plans[0].azure_subscriptions[1] };
    expect(confirmation(state({ findings: [credits] }), target).warnings).toEqual([credits]);
  });
});

describe('confirmation of an Azure subscription', () => {
  const target = () => ({
    plan: options().azure_plans[0],
    subscription: options().azure_plans[0].azure_subscriptions[1],
  });

  it("says the chosen subscription collects every partner's overage", () => {
    const text = confirmation(state(), target());
    expect(text.intent).toBe('enable');
    expect(text.title).toBe('Send the overage of Contoso Ltd to Telephony?');
    expect(text.consequences[0]).toBe(
      `The Azure subscription Telephony (${SUB_B}) of the Azure plan Azure plan (${PLAN_ID}) will collect the overage ` +
        'of every overage-capable subscription of Contoso Ltd: 2 subscriptions under your account, and all those ' +
        'bought from other partners and channels.',
    );
    expect(text.consequences[1]).toContain('no CSP discount, margin or partner-earned credit');
    expect(text.confirmLabel).toBe('Enable overage');
  });

  it('names the subscription it moves away from', () => {
    const text = confirmation(enabledState(), target());
    expect(text.consequences).toContain(`Overage stops going to Production (${SUB_A}).`);
    expect(text.confirmLabel).toBe('Move overage');
  });

  it('repeats the all-partners warning finding', () => {
    const warning = finding('OVERAGE_COLLECTS_ALL_PARTNERS', 'warning');
    expect(confirmation(state({ findings: [warning] }), target()).warnings).toEqual([warning]);
  });
});

describe('findings', () => {
  it('sorts the most serious first and keeps the order otherwise', () => {
    const list = [
      finding('A', 'info'),
      finding('B', 'warning'),
      finding('C', 'blocking'),
      finding('D', 'warning'),
    ];
    expect(sortedFindings(list).map((f) => f.code)).toEqual(['C', 'B', 'D', 'A']);
  });

  it('selects the findings that block one intent', () => {
    const list = [
      finding('X', 'blocking', { blocks: ['enable'] }),
      finding('Y', 'blocking', { blocks: ['enable', 'disable'] }),
      finding('Z', 'warning', { blocks: ['disable'] }),
    ];
    expect(blockingFindings(list, 'disable').map((f) => f.code)).toEqual(['Y']);
  });
});

describe('changeOutcome', () => {
  it.each([
    [{ change: { action: 'enable', outcome: 'succeeded' }, azure_subscription: { id: SUB_A, name: 'Production' } }, 'success', `Overage now goes to Production (${SUB_A}).`],
    [{ change: { action: 'disable', outcome: 'succeeded' } }, 'success', 'Overage is now set to None.'],
    [{ change: { action: 'move', outcome: 'no_change' } }, 'info', "Nothing changed: that already was the customer's setting."],
  ])('%#', (result, tone, text) => expect(changeOutcome(result)).toEqual({ tone, text }));

  it('says what is awaited: a disable as None, nothing when nothing is', () => {
    const pending = { action: 'disable', target: { enabled: false, azure_subscription_id: null }, confirm_by: '2026-12-01T13:00:00Z' };
    const awaiting = awaitingConfirmation({ pending_confirmation: pending });
    expect(awaiting.title).toBe('Waiting for Microsoft to confirm…');
    expect(awaiting.text).toContain('overage set to None');
    expect(awaitingConfirmation({ pending_confirmation: null })).toBeNull();
    expect(awaitingConfirmation(null)).toBeNull();
  });

  it('warns when Microsoft does not show the change yet', () => {
    const outcome = changeOutcome({ change: { action: 'enable', outcome: 'unconfirmed' } });
    expect(outcome.tone).toBe('warning');
    expect(outcome.text).toContain('does not show it yet');
  });
});

describe('creationConfirmation', () => {
  it('says what Microsoft creates, that it is billed to the Azure plan, and that it stays', () => {
    const text = creationConfirmation(state(), {
      creates: 'azure_plan_and_subscription',
      description: 'a new no-cost Azure plan with the Azure subscription "Subscription 1"',
    });
    expect(text.intent).toBe('create');
    expect(text.consequences[0]).toContain('no-cost Azure plan');
    expect(text.consequences[0]).toContain('Microsoft Customer Agreement');
    expect(text.consequences.join(' ')).toContain("billed to the customer's Azure plan");
    expect(text.consequences.join(' ')).toContain('stays when overage is later set to None');
    expect(text.confirmLabel).toBe('Create and enable overage');
  });

  it('under an existing plan says nothing of the agreement', () => {
    const text = creationConfirmation(state(), { creates: 'azure_subscription', description: 'a new Azure subscription under the Azure plan P (x)' });
    expect(text.consequences[0]).not.toContain('Agreement');
  });
});
