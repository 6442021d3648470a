"""What a customer of the overview needs: its ``attention`` and the reason, decided purely.

The overview is a work queue: each customer says whether it is ready to enable, needs an action
that can be taken, cannot be enabled at all, waits for Microsoft, is held by another partner, still
has overage assigned after its last OVG subscription was cancelled, or needs nothing.

Two steps, both pure:

1. :func:`blocker_of` judges the facts of a full read (the prerequisite findings, see
   :mod:`.prerequisites`): the first thing that stops **every** way of enabling (to an Azure
   subscription of the customer, or to one Microsoft creates), or for a customer whose overage is
   on, an Azure subscription that cannot collect it. None: nothing stops it. The store keeps that
   code, because most reads of Microsoft (the sync's) read the overage assignment alone.
2. :func:`decide` turns the stored facts (status, that code, the cancelled-last-OVG flag, a change
   awaiting Microsoft's confirmation) into the :class:`Attention`. It runs at every write of the
   customer, so a read of Microsoft, a cancelled OVG subscription or a flag that clears refreshes it.

The reason is a catalogue code (:mod:`connect_ext.errors.catalogue`), whose words say what to do
first, or why nothing can be done.
"""
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from connect_ext.errors import catalogue
from connect_ext.overage.facts import OverageFacts
from connect_ext.overage.prerequisites import Finding, creation_findings, evaluate
from connect_ext.vocabulary import (
    ATTENTION_ACTION_NEEDED,
    ATTENTION_CANNOT_ENABLE,
    ATTENTION_HELD_ELSEWHERE,
    ATTENTION_NONE,
    ATTENTION_READY,
    ATTENTION_WAITING,
    ATTENTION_WITHOUT_OVG,
    CREATE,
    ENABLE,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
    STATUS_UNKNOWN,
)


# Blockers nobody can fix here (Microsoft's scope: China, qualified customers, blocked countries):
# the catalogue says which (``fixable``).
CANNOT_BE_FIXED = frozenset(code for code, item in catalogue.CATALOGUE.items() if not item.fixable)
# Findings about where overage goes now: the status says it, they are not prerequisites.
_CURRENT_STATE = frozenset({
    'OVERAGE_HELD_BY_OTHER_PARTNER', 'OVERAGE_ALREADY_ENABLED', 'OVERAGE_ALREADY_DISABLED',
    'CALLER_NOT_ALLOWED',
})
# Overage is on, to an Azure subscription (or under an Azure plan) that is no longer active.
TARGET_NOT_ACTIVE = 'OVERAGE_TARGET_NOT_ACTIVE'

# The reasons that are no finding's code (catalogue entries of their own, :mod:`errors.findings`).
REASON_READY = 'OVERAGE_READY_TO_ENABLE'
REASON_WAITING = 'CHANGE_NOT_CONFIRMED'
REASON_HELD = 'OVERAGE_HELD_BY_OTHER_PARTNER'
REASON_WITHOUT_OVG = 'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION'
REASON_UNKNOWN = 'OVERAGE_STATE_UNKNOWN'
REASON_NO_TENANT = 'TENANT_ID_UNKNOWN'


@dataclass(frozen=True)
class Attention:
    """One of :data:`connect_ext.vocabulary.ATTENTIONS`, and the catalogue code of its reason
    (None for ``none``: nothing to do)."""

    value: str
    reason: Optional[str] = None


def _stopping(findings: Iterable[Finding], intent: str) -> List[Finding]:
    return [item for item in findings if item.blocks_intent(intent) and item.code not in _CURRENT_STATE]


def blocker_of(facts: OverageFacts, settings: Any = None) -> Optional[str]:
    """The code of what stops the customer's overage, judged from a full read (see the module).

    For overage that is on: :data:`TARGET_NOT_ACTIVE` when its Azure subscription cannot collect
    it. Otherwise the first blocker of enabling, when both ways are blocked: one that cannot be
    fixed first (nothing else matters then), then one that stops both ways, then what stops
    Microsoft creating the Azure subscription (which would also supply a missing Azure plan).
    """
    findings = evaluate(facts, settings)
    if facts.overage_status == STATUS_ENABLED:
        return TARGET_NOT_ACTIVE if any(item.code == TARGET_NOT_ACTIVE for item in findings) else None
    to_chosen = _stopping(findings, ENABLE)
    to_created = _stopping(creation_findings(facts, settings), CREATE)
    if not to_chosen or not to_created:
        return None
    candidates = to_chosen + [item for item in to_created if item.code not in {f.code for f in to_chosen}]
    unfixable = [item for item in candidates if item.code in CANNOT_BE_FIXED]
    if unfixable:
        return unfixable[0].code
    both = [item for item in to_chosen if item.blocks_intent(CREATE)]
    if both:
        return both[0].code
    return to_created[0].code


def decide(
    status: str, *, judged: bool, blocker: Optional[str] = None, flagged: bool = False,
    pending: bool = False, tenant_known: bool = True,
) -> Optional[Attention]:
    """The attention of a customer from what the store knows of it.

    ``status``: where its overage goes (``OVERAGE_STATUSES``); ``judged``: a full read since the
    work queue exists gave ``blocker`` (:func:`blocker_of`); ``flagged``: overage was still
    assigned when its last OVG subscription was cancelled; ``pending``: a change Microsoft
    accepted does not show yet; ``tenant_known``: Connect gave its Microsoft tenant id (without it
    Microsoft is never read, so no read will judge it). None: not judged yet (nothing true can be
    said before a full read).
    """
    if pending:
        return Attention(ATTENTION_WAITING, REASON_WAITING)
    if not tenant_known:
        if judged and blocker in CANNOT_BE_FIXED:
            return Attention(ATTENTION_CANNOT_ENABLE, blocker)
        return Attention(ATTENTION_ACTION_NEEDED, REASON_NO_TENANT)
    if status == STATUS_OTHER_PARTNER:
        return Attention(ATTENTION_HELD_ELSEWHERE, REASON_HELD)
    if status == STATUS_ENABLED:
        if flagged:
            return Attention(ATTENTION_WITHOUT_OVG, REASON_WITHOUT_OVG)
        if judged and blocker == TARGET_NOT_ACTIVE:
            return Attention(ATTENTION_ACTION_NEEDED, TARGET_NOT_ACTIVE)
        return Attention(ATTENTION_NONE)
    if not judged or blocker == TARGET_NOT_ACTIVE:
        # Never judged, or judged while overage was on (it was switched off outside): unknown.
        return None
    if blocker in CANNOT_BE_FIXED:
        return Attention(ATTENTION_CANNOT_ENABLE, blocker)
    if blocker is not None:
        return Attention(ATTENTION_ACTION_NEEDED, blocker)
    if status == STATUS_UNKNOWN:
        return Attention(ATTENTION_ACTION_NEEDED, REASON_UNKNOWN)
    return Attention(ATTENTION_READY, REASON_READY)
