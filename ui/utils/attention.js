/**
 * The overview's work queue: what each customer needs (`attention` in the API), in words, and the
 * filter's choices. Pure data and functions of the API's JSON, tested without a browser.
 */

export const ATTENTION_LABELS = Object.freeze({
  ready_to_enable: 'Ready to enable',
  action_needed: 'Action needed',
  cannot_enable: 'Cannot be enabled',
  waiting_for_microsoft: 'Waiting for Microsoft',
  held_by_other_partner: 'Held by another partner',
  overage_without_ovg: 'Overage without OVG',
  none: 'Nothing to do',
});

export const ATTENTIONS = Object.freeze(Object.keys(ATTENTION_LABELS));

export const ATTENTION_FILTERS = Object.freeze([
  { value: '', label: 'Anything' },
  ...ATTENTIONS.map((value) => ({ value, label: ATTENTION_LABELS[value] })),
]);

/** The flag the store keeps when the last OVG subscription was cancelled with overage still on. */
export const FLAG_OVERAGE_WITHOUT_OVG = 'overage_without_ovg_subscription';

/** `{label, tone, text}` of a row: its attention in words and the first thing to do (or why not). */
export function nextStep(customer) {
  const attention = customer && customer.attention;
  if (!attention || !ATTENTION_LABELS[attention]) {
    return { attention: 'unjudged', label: 'Not checked yet', text: 'Open the customer to read it from Microsoft.' };
  }
  const reason = customer.attention_reason;
  const text = reason ? reason.action || reason.message || '' : '';
  return { attention, label: ATTENTION_LABELS[attention], text };
}

/** Whose figures the row's counts are: Microsoft's under our account, and Connect's OVG items. */
export function ovgCounts(customer) {
  return {
    microsoft: Number.isInteger(customer && customer.ovg_subscription_count) ? customer.ovg_subscription_count : 0,
    connect: Array.isArray(customer && customer.ovg_asset_ids) ? customer.ovg_asset_ids.length : 0,
  };
}

export const hasOverageWithoutOvg = (customer) =>
  Array.isArray(customer && customer.flags) && customer.flags.includes(FLAG_OVERAGE_WITHOUT_OVG);
