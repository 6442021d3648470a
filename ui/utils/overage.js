/**
 * The pages' own rules about an overage state: words for statuses, and what a change will do.
 * Pure functions of the API's JSON, so they are tested without a browser.
 */
import { formatDateTime } from './format.js';

export const STATUS_LABELS = Object.freeze({
  enabled: 'Enabled',
  disabled: 'Disabled',
  other_partner: 'Held by another partner',
  unknown: 'Unknown',
});

export const STATUS_FILTERS = Object.freeze([
  { value: '', label: 'All statuses' },
  { value: 'enabled', label: STATUS_LABELS.enabled },
  { value: 'disabled', label: STATUS_LABELS.disabled },
  { value: 'other_partner', label: STATUS_LABELS.other_partner },
  { value: 'unknown', label: STATUS_LABELS.unknown },
]);

export const statusLabel = (status) => STATUS_LABELS[status] || STATUS_LABELS.unknown;

export const SEVERITY_ORDER = ['blocking', 'error', 'warning', 'info'];
export const SEVERITY_LABELS = Object.freeze({
  blocking: 'Must be fixed first',
  error: 'Problem',
  warning: 'Warning',
  info: 'Note',
});

/** Findings, most serious first, keeping the API's order within one severity. */
export function sortedFindings(findings) {
  const rank = (finding) => {
    const index = SEVERITY_ORDER.indexOf(finding.severity);
    return index < 0 ? SEVERITY_ORDER.length : index;
  };
  return (findings || [])
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
    .map(({ finding }) => finding);
}

/** The findings that stop `intent` ('enable' | 'disable'). */
export const blockingFindings = (findings, intent) =>
  (findings || []).filter((f) => f.severity === 'blocking' && (f.blocks || []).includes(intent));

export const isActive = (subscription) => String(subscription.status || '').toLowerCase() === 'active';

/**
 * How many OVG subscriptions stop at their limit when overage is set to None: the count the API
 * puts in its DISABLE_STOPS_AT_LIMIT finding, else the active OVG subscriptions of the state.
 */
export function subscriptionsStoppedByNone(state) {
  const finding = (state.findings || []).find((f) => f.code === 'DISABLE_STOPS_AT_LIMIT');
  const count = finding && finding.params ? Number(finding.params.count) : NaN;
  if (Number.isInteger(count) && count >= 0) return count;
  return (state.ovg_subscriptions || []).filter(isActive).length;
}

export const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

/** "Name (id)" or the id alone. */
export function named(thing, idKey = 'id') {
  if (!thing) return '';
  const id = thing[idKey];
  return thing.name ? `${thing.name} (${id})` : String(id);
}

/** The Azure subscription of the options with id `id` and its plan: {plan, subscription}. */
export function findAzureSubscription(options, id) {
  const wanted = String(id || '').toLowerCase();
  for (const plan of (options && options.azure_plans) || []) {
    for (const subscription of plan.azure_subscriptions || []) {
      if (String(subscription.id).toLowerCase() === wanted) return { plan, subscription };
    }
  }
  return { plan: null, subscription: null };
}

/** The findings worth repeating in the confirmation: warnings of the state that apply. */
function confirmationWarnings(state, codes) {
  return (state.findings || []).filter((f) => f.severity === 'warning' && codes.includes(f.code));
}

/** How a confirmation speaks of the customer's subscriptions: to partner staff, or to the customer. */
function words(audience, customer) {
  if (audience === 'customer') {
    return {
      of: 'of yours', ours: 'with this provider', others: 'bought elsewhere', users: 'your users',
      billed: 'That Azure subscription is billed for all of that overage, at Microsoft\'s pay-as-you-go rates.',
    };
  }
  return {
    of: `of ${customer}`, ours: 'under your account', others: 'bought from other partners and channels',
    users: "the customer's users",
    billed: 'You will be billed for all of that overage, with no CSP discount, margin or partner-earned credit.',
  };
}

/**
 * What the user confirms before a change: `{title, consequences: [sentences], warnings:
 * [findings], confirmLabel}`. `target` is `{plan, subscription}` for enable/move, null for None;
 * `audience` 'customer' speaks to the customer about its own tenant, never as the partner.
 */
export function confirmation(state, target, audience = 'partner') {
  const customer = (state.customer && (state.customer.name || state.customer.id)) || 'this customer';
  const active = (state.ovg_subscriptions || []).filter(isActive).length;
  const w = words(audience, customer);
  const self = audience === 'customer';
  if (!target) {
    const stopped = subscriptionsStoppedByNone(state);
    if (self) {
      return {
        intent: 'disable',
        title: 'Set your overage to None?',
        consequences: [
          `${plural(stopped, 'overage-capable subscription', 'overage-capable subscriptions')} ${w.of} ${w.ours} ` +
            `will stop at ${stopped === 1 ? 'its' : 'their'} monthly limit, and so will any ${w.others}.`,
          `Calls beyond the included minutes, toll-free numbers and pay-as-you-go calling stop for all ${w.users} ` +
            'until overage is enabled again.',
        ],
        warnings: [],
        confirmLabel: 'Set overage to None',
      };
    }
    return {
      intent: 'disable',
      title: `Set overage to None for ${customer}?`,
      consequences: [
        `${plural(stopped, 'overage-capable subscription', 'overage-capable subscriptions')} of ${customer} ` +
          `under your account will stop at ${stopped === 1 ? 'its' : 'their'} monthly limit, ` +
          'and so will any bought from other partners.',
        'Calls beyond the included minutes, toll-free numbers and pay-as-you-go calling stop for all ' +
          "the customer's users until overage is enabled again.",
      ],
      warnings: [],
      confirmLabel: 'Set overage to None',
    };
  }
  const { plan, subscription } = target;
  const consequences = [
    `The Azure subscription ${named(subscription)}${plan ? ` of the Azure plan ${named(plan, 'subscription_id')}` : ''} ` +
      `will collect the overage of every overage-capable subscription ${w.of}: ` +
      `${plural(active, 'subscription', 'subscriptions')} ${w.ours}, ` +
      `and all those ${w.others}.`,
    w.billed,
  ];
  if (state.enabled && state.azure_subscription_id) {
    const current = state.azure_subscription ? named(state.azure_subscription) : state.azure_subscription_id;
    consequences.push(`Overage stops going to ${current}.`);
  }
  return {
    intent: 'enable',
    title: self
      ? `Send your overage to ${subscription.name || subscription.id}?`
      : `Send the overage of ${customer} to ${subscription.name || subscription.id}?`,
    consequences,
    warnings: confirmationWarnings(state, ['OVERAGE_COLLECTS_ALL_PARTNERS', 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE']),
    confirmLabel: state.enabled ? 'Move overage' : 'Enable overage',
  };
}

/**
 * What the user confirms before Microsoft creates the Azure subscription (`creation`: the options'
 * `create_azure_subscription`): what is created, and that it is billed to the customer's Azure plan.
 */
export function creationConfirmation(state, creation, audience = 'partner') {
  const customer = (state.customer && (state.customer.name || state.customer.id)) || 'this customer';
  const active = (state.ovg_subscriptions || []).filter(isActive).length;
  const newPlan = creation.creates === 'azure_plan_and_subscription';
  const w = words(audience, customer);
  const self = audience === 'customer';
  const consequences = [
    `Microsoft creates ${creation.description}` +
      (newPlan ? (self ? ', which needs your acceptance of the Microsoft Customer Agreement.'
        : ', for the customer, who accepted the Microsoft Customer Agreement.') : '.'),
    `The new Azure subscription is billed to ${self ? 'your' : "the customer's"} Azure plan and collects the ` +
      `overage of every overage-capable subscription ${w.of}: ${plural(active, 'subscription', 'subscriptions')} ` +
      `${w.ours}, and all those ${w.others}.`,
    w.billed,
    'The new Azure subscription stays when overage is later set to None.',
  ];
  return {
    intent: 'create',
    title: self ? 'Create a new Azure subscription for your overage?' : `Create a new Azure subscription for the overage of ${customer}?`,
    consequences,
    warnings: confirmationWarnings(state, ['COMMUNICATIONS_CREDITS_AUTO_RECHARGE']),
    confirmLabel: 'Create and enable overage',
  };
}

/**
 * What the page says while a change Microsoft accepted is not shown yet (the state's
 * ``pending_confirmation``), or null when nothing is awaited.
 */
export function awaitingConfirmation(state) {
  const pending = state && state.pending_confirmation;
  if (!pending) return null;
  const target = pending.target || {};
  let what = 'overage set to None';
  if (target.create_azure_subscription) what = 'overage to a new Azure subscription Microsoft creates';
  else if (target.enabled) what = `overage to ${target.azure_subscription_id || 'the chosen Azure subscription'}`;
  return {
    title: 'Waiting for Microsoft to confirm…',
    text:
      `Microsoft accepted the change (${what}) but does not show it yet. Overage Manager reads it again ` +
      `in the background until Microsoft shows it; if it still does not by ${formatDateTime(pending.confirm_by)}, ` +
      'the activity says it was not confirmed.',
  };
}

/** The sentence shown after a change, from the PUT's answer. */
export function changeOutcome(result) {
  const change = (result && result.change) || {};
  const where = result && result.azure_subscription ? named(result.azure_subscription) : result && result.azure_subscription_id;
  if (change.outcome === 'no_change') {
    return { tone: 'info', text: 'Nothing changed: that already was the customer\'s setting.' };
  }
  if (change.outcome === 'unconfirmed' && change.create_azure_subscription) {
    return {
      tone: 'warning',
      text:
        'Waiting for Microsoft: it accepted the change and is creating the Azure subscription, but does ' +
        'not show it yet. Overage Manager keeps checking in the background; the activity names the new ' +
        'Azure subscription once Microsoft shows it. Do not send the change again meanwhile.',
    };
  }
  if (change.created) {
    const created = change.created;
    const plan = created.azure_plan_id
      ? ` of ${created.new_azure_plan ? 'the new' : 'the'} Azure plan ${named({ id: created.azure_plan_id, name: created.azure_plan_name })}`
      : '';
    return {
      tone: 'success',
      text: `Microsoft created the Azure subscription ${named({ id: created.azure_subscription_id, name: created.name })}${plan}; overage now goes to it.`,
    };
  }
  if (change.outcome === 'unconfirmed') {
    return {
      tone: 'warning',
      text:
        'Microsoft accepted the change, but Partner Center does not show it yet. ' +
        'Overage Manager keeps checking in the background; do not send the change again meanwhile.',
    };
  }
  if (change.action === 'disable') return { tone: 'success', text: 'Overage is now set to None.' };
  return { tone: 'success', text: `Overage now goes to ${where || 'the chosen Azure subscription'}.` };
}
