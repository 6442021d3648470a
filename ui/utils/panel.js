/**
 * The Manage Overage panel's own rules: who reads it, whether anything can change (and why not),
 * how a blocker is labelled, where the charges show, and what a long save says. Pure functions of
 * the API's JSON, tested without a browser.
 */
import { named } from './overage.js';

export const PARTNER = 'partner';
export const CUSTOMER = 'customer';

/** The blocking findings that stop `intent`. */
const stopping = (findings, intent) =>
  (findings || []).filter((f) => f.severity === 'blocking' && (f.blocks || []).includes(intent));

/**
 * Why nothing can change for this customer, or null when something can: overage can be sent to an
 * Azure subscription (chosen or created), or it is on and can be set to None. The reason is the
 * first blocker to deal with (the API orders them), in the reader's words.
 */
export function whyNoChange(state) {
  if (!state) return null;
  const findings = state.findings || [];
  const enableStopped = stopping(findings, 'enable');
  const createStopped = stopping(findings, 'create');
  const canEnable = !enableStopped.length || !createStopped.length;
  const canDisable = Boolean(state.enabled) && !stopping(findings, 'disable').length;
  if (canEnable || canDisable) return null;
  const blockers = [...enableStopped, ...createStopped]
    .filter((f, i, all) => all.findIndex((g) => g.code === f.code) === i)
    .sort((a, b) => (a.order || 99) - (b.order || 99));
  const first = blockers[0];
  const unfixable = blockers.some((f) => f.fixable === false);
  return {
    unfixable,
    text: unfixable
      ? 'Nothing can be changed here: overage is not available for this customer.'
      : 'Nothing can be changed yet: first deal with what "Checks and notes" marks "Fix first".',
    first: first ? first.message : '',
  };
}

/** The label of a finding: a blocker says whether it can be fixed, and in which order. */
export function findingLabel(finding, blockerCount = 1) {
  if (finding.severity === 'blocking') {
    if (finding.fixable === false) return 'Not possible here';
    const step = blockerCount > 1 && finding.order ? ` (step ${finding.order} of ${blockerCount})` : '';
    return `Fix first${step}`;
  }
  return { error: 'Problem', warning: 'Warning', info: 'Note' }[finding.severity] || 'Note';
}

/**
 * Where the overage charges show (Microsoft's overage document): in the partner's reconciliation
 * file, and in Cost Management of the Azure portal for the Azure subscription that collects them.
 * Null while overage is not ours to report on.
 */
export function whereChargesShow(state, audience = PARTNER) {
  if (!state || !state.enabled || state.status !== 'enabled') return null;
  const subscription = state.azure_subscription && state.azure_subscription.name
    ? named(state.azure_subscription)
    : state.azure_subscription_id || 'the Azure subscription that collects the overage';
  const portal = `To track overage as it accrues: Cost Management in the Azure portal, for the Azure subscription ${subscription}.`;
  if (audience === CUSTOMER) {
    return [portal, 'Your provider bills you for it; ask your provider how it appears on your invoice.'];
  }
  return [
    "Monthly overage charges show in the partner's reconciliation file in Partner Center.",
    portal,
  ];
}

/** What a save that takes long says: what is happening, and that waiting is safe. */
export const LONG_SAVE_AFTER_MS = 3000;
export const LONG_SAVE_TEXT =
  'Microsoft is still working on the change. It is safe to wait: the outcome shows here as soon as it ' +
  'arrives, which can take up to a minute when an answer from Microsoft is lost. Do not send the change again.';

/** The state after a save keeps what the caller may do (the change answer carries no permissions). */
export function withPermissions(next, previous) {
  if (!next || next.permissions || !previous || !previous.permissions) return next;
  return { ...next, permissions: previous.permissions };
}
