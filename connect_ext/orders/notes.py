"""The conversation notes the extension writes on requests: pure text from plain data.

A note is written for whoever processes the request. It says what overage means for this
customer — the OVG items, where the customer's overage goes now (or why that is not known) — and
always one explicit **next step**: what to do, and where (Manage Overage, through the portal, and
a link only where one works). Blockers come once each, in the order to fix them; what cannot be
fixed (China, a blocked country, a qualified customer) is said as such, without the fixable rest.
Nothing the processor does not need is in it: no pricing advice, no finding that the request
itself answers (it brings the OVG subscription Partner Center may not show yet).

**The marker.** A note's last line is ``Ref. OM-`` and eight hex digits: the start of a SHA-256
of everything above it. It must exist because Connect takes no key of ours with a message, and a
delivery can post a note and die (or lose Connect's answer) before the store records it; the next
delivery must then find that note in the conversation, and the text is the only thing of ours a
Connect message carries. This form is as short as that job allows: the conversation is the
request's own, so no request id is needed; a fingerprint of the text tells "this very note" from
an earlier one that said something else, which is what lets a changed situation get a new note
while the same one is never posted twice (:mod:`connect_ext.orders.note_posting`); eight hex
digits make two different notes of one request share a marker about once in four billion; and
"Ref." reads as the reference a person expects at the foot of a message, not a machine tag.

Everything here takes domain values (the service's :class:`OverageState`, an
:class:`OverageError`, the rules' :class:`Finding` objects, the request's item dicts) and returns
text; nothing reads Connect or Partner Center, nor the web API's JSON (renaming an API field
cannot change a note).
"""
import hashlib
import re
from typing import Any, Iterable, List, Mapping, Optional, Sequence
from urllib.parse import quote

from connect_ext.errors import catalogue
from connect_ext.errors.error import OverageError
from connect_ext.overage.detection import item_name, parse_quantity
from connect_ext.overage.facts import CustomerRef
from connect_ext.overage.prerequisites import Finding
from connect_ext.service.results import OverageState
from connect_ext.vocabulary import (
    BLOCKING,
    STATUS_DISABLED,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
)


TITLE = 'Overage Manager'
# Connect does not document a limit on message text; notes stay well below any plausible one.
MAX_NOTE_CHARS = 3000
MARKER_PREFIX = 'Ref. OM-'
MARKER_DIGITS = 8
MARKER_PATTERN = re.compile(r'Ref\. OM-[0-9a-f]{8}')
AUTO_RECHARGE = 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE'
HELD_BY_OTHER_PARTNER = 'OVERAGE_HELD_BY_OTHER_PARTNER'
TARGET_NOT_ACTIVE = 'OVERAGE_TARGET_NOT_ACTIVE'
# Blockers no one can fix (the catalogue's ``fixable``): the customer is out of overage's scope.
# When one applies, the fixable blockers are not worth anyone's time and are left out.
OUT_OF_SCOPE = frozenset(code for code, item in catalogue.CATALOGUE.items() if not item.fixable)
HANDOVER_HINT = ('Or, in Manage Overage, request a handover: overage is then enabled for you as '
                 'soon as that partner releases it.')


def fingerprint(body: str) -> str:
    """The marker's digits: the start of the SHA-256 of the note above the marker."""
    return hashlib.sha256(body.encode('utf-8')).hexdigest()[:MARKER_DIGITS]


def marker_for(body: str) -> str:
    return f'{MARKER_PREFIX}{fingerprint(body)}'


def with_marker(body: str) -> str:
    """The note as posted: ``body`` and its marker as the last line."""
    return f'{body}\n{marker_for(body)}'


def marker_of(text: Any) -> Optional[str]:
    """The marker of a posted note (its last line), or None when the text carries none."""
    if not isinstance(text, str):
        return None
    lines = text.rstrip().splitlines()
    last = lines[-1].strip() if lines else ''
    return last if MARKER_PATTERN.fullmatch(last) else None


def manage_overage_link(customer_id: str, base_url: str = '') -> Optional[str]:
    """The Manage Overage page opened on one customer; the only place the link format lives.

    ``base_url`` is ``MANAGE_OVERAGE_BASE_URL``, an https page that opens for the note's reader
    (Settings keeps nothing else); without it there is no link: a relative one is dead in Connect's
    portal, and the extension host itself serves its pages without Connect's sign-in.
    """
    if not base_url:
        return None
    separator = '&' if '?' in base_url else '?'
    return f'{base_url}{separator}customer={quote(customer_id, safe="")}'


def way_to_manage(customer_id: str, link: Optional[str]) -> List[str]:
    """How the reader gets to Manage Overage: always through the portal, and the link if any."""
    lines = [f'Manage Overage: in Connect, open the Overage Manager module and search for '
             f'{customer_id}.']
    if link:
        lines.append(f'Direct link: {link}')
    return lines


def _quantity(value: Any) -> str:
    number = parse_quantity(value)
    if number == float('inf'):
        return 'unlimited'
    return str(int(number)) if number.is_integer() else str(number)


def item_lines(items: Iterable[Mapping[str, Any]]) -> List[str]:
    lines = []
    for item in items:
        mpn = item.get('mpn')
        suffix = f' [{mpn}]' if isinstance(mpn, str) and mpn.strip() else ''
        name = item_name(item) or '(an item without a name)'
        lines.append(f'- {name}{suffix}, quantity {_quantity(item.get("quantity"))}')
    return lines


def customer_line(customer: CustomerRef) -> str:
    who = f'{customer.name} ({customer.customer_id})' if customer.name else customer.customer_id
    tenant = (
        f'Microsoft tenant {customer.tenant_id}' if customer.tenant_id
        else 'Microsoft tenant not known yet'
    )
    return f'Customer: {who}, {tenant}.'


def _named(name: Any, identifier: Any) -> str:
    if name and identifier:
        return f'"{name}" ({identifier})'
    return str(name or identifier or '(not known)')


def overage_line(state: OverageState) -> str:
    """Where the customer's overage goes, as the service read it."""
    status = state.status
    partner = f', partner id {state.partner_id}' if state.partner_id else ''
    located = state.target
    entitlement = located.entitlement if located else None
    target = _named(entitlement.friendly_name if entitlement else None, state.azure_subscription_id)
    if status == STATUS_ENABLED:
        plan = located.plan if located else None
        under = (
            f' under Azure plan {_named(plan.friendly_name or plan.offer_name, plan.id)}'
            if plan else ''
        )
        return f'Overage: ON. Overage charges go to Azure subscription {target}{under}{partner}.'
    if status == STATUS_OTHER_PARTNER:
        return (
            f'Overage: held by another partner (Azure subscription {target}{partner}). Only that '
            'partner can change or release it.'
        )
    if status == STATUS_DISABLED:
        return (
            "Overage: OFF. The customer's OVG subscriptions stop at their monthly allowance until "
            'overage is enabled.'
        )
    return "Overage: unknown. Partner Center did not say where the customer's overage goes."


def _said(finding: Finding) -> str:
    return f'{finding.message} What to do: {finding.action}'


def _warning_lines(findings: Sequence[Finding]) -> List[str]:
    return [f'Warning: {_said(finding)}' for finding in findings]


def _blocker_lines(blockers: Sequence[Finding], limit: Optional[int]) -> List[str]:
    """The blockers to fix, first to last: one with its own next step, several numbered."""
    if len(blockers) == 1:
        return [f'Blocking: {blockers[0].message}', f'Next step: {blockers[0].action}']
    shown = blockers if limit is None else blockers[:max(limit, 1)]
    lines = ['Next step: fix these in this order, then enable overage in Manage Overage.']
    lines += [f'{number}. {_said(finding)}' for number, finding in enumerate(shown, 1)]
    hidden = len(blockers) - len(shown)
    if hidden:
        lines.append(f'... and {hidden} more: open Manage Overage to see them all.')
    return lines


def _auto_recharge(findings: Sequence[Finding]) -> Finding:
    given = next((f for f in findings if f.code == AUTO_RECHARGE), None)
    return given or Finding.of(AUTO_RECHARGE)


def situation_lines(state: OverageState, limit: Optional[int] = None) -> List[str]:
    """Where overage stands, the next step, and what else the processor must know; at most
    ``limit`` of the numbered blockers and of the warnings (None: all)."""
    findings = list(state.findings)
    blocking = [f for f in findings if f.severity == BLOCKING]
    lines = [overage_line(state)]
    if state.status == STATUS_OTHER_PARTNER:
        held = next((f for f in blocking if f.code == HELD_BY_OTHER_PARTNER), None)
        action = held.action if held else catalogue.render_entry(HELD_BY_OTHER_PARTNER, {}).action
        lines.append(f'Next step: {action} {HANDOVER_HINT}')
        rest = [f for f in blocking if f.code != HELD_BY_OTHER_PARTNER]
        if rest:
            shown = rest if limit is None else rest[:limit]
            lines.append('Also to fix before overage can be enabled for you:')
            lines += [f'{number}. {_said(finding)}' for number, finding in enumerate(shown, 1)]
            if len(shown) < len(rest):
                lines.append(f'... and {len(rest) - len(shown)} more: open Manage Overage to '
                             'see them all.')
        return lines
    if state.status == STATUS_ENABLED:
        problem = next((f for f in findings if f.code == TARGET_NOT_ACTIVE), None)
        if problem is not None:
            lines += [f'Attention: {problem.message}', f'Next step: {problem.action}']
        else:
            lines.append('Next step: none for this order. The usage of its OVG subscriptions '
                         'beyond their allowance goes to that Azure subscription too; to send it '
                         'elsewhere, use Manage Overage.')
        return lines + _warning_lines([_auto_recharge(findings)][:limit])
    if state.status == STATUS_DISABLED:
        out_of_scope = next((f for f in blocking if f.code in OUT_OF_SCOPE), None)
        if out_of_scope is not None:
            return ['Overage: OFF, and it cannot be enabled for this customer.',
                    f'Why: {out_of_scope.message}', f'Next step: {out_of_scope.action}']
        if blocking:
            lines[0] = 'Overage: OFF, and it cannot be enabled yet.'
            return lines + _blocker_lines(blocking, limit)
        lines.append('Next step: if the customer wants usage beyond the allowance, enable overage '
                     'in Manage Overage and choose the Azure subscription that collects the '
                     'charges (nothing blocks it); otherwise nothing to do.')
        return lines + _warning_lines([_auto_recharge(findings)][:limit])
    lines.append("Next step: open Manage Overage for this customer to read its overage again.")
    return lines


def tenant_unknown_lines(status: str, tenant_id_params: Sequence[str]) -> List[str]:
    params = ' or '.join(tenant_id_params) or 'the tenant id parameter'
    if status == 'pending':
        return [
            "Overage: not checked yet. The customer's Microsoft tenant is not known yet (it is "
            'set when the order is fulfilled), so Partner Center could not be read.',
            'Next step: none yet. A note follows when this request is approved and the tenant '
            'is known.',
        ]
    return [
        'Overage: not checked. The subscription carries no Microsoft tenant id '
        f'(parameter {params}), so Partner Center could not be read.',
        f'Next step: fill in {params} on the subscription in Connect, then open Manage Overage '
        'for this customer.',
    ]


def error_lines(error: OverageError) -> List[str]:
    """A Partner Center failure that retrying will not fix, in the catalogue's words."""
    text = ' '.join(part for part in (error.message, error.reason) if part)
    return [f'Overage: could not be read from Partner Center. {text}'.strip(),
            f'Next step: {error.action}']


def _fit(head: List[str], situation, tail: List[str]) -> str:
    """The body (without the marker) within MAX_NOTE_CHARS with room for the marker: as many
    blockers and warnings as fit; the next step, the way to Manage Overage and the link stay."""
    room = MAX_NOTE_CHARS - len(MARKER_PREFIX) - MARKER_DIGITS - 1
    for limit in (None, *range(8, -1, -1)):
        text = '\n'.join(head + situation(limit) + tail)
        if len(text) <= room:
            return text
    # Too long even so (a huge item list): cut the items, never the situation or the way.
    rest = '\n'.join(['', *situation(0), *tail])
    return '\n'.join(head)[:room - len(rest) - 2] + '~\n' + rest


def request_note(
    *,
    request_type: str,
    status: str,
    items: Sequence[Mapping[str, Any]],
    customer: CustomerRef,
    link: Optional[str],
    state: Optional[OverageState] = None,
    error: Optional[OverageError] = None,
    tenant_id_params: Sequence[str] = (),
) -> str:
    """The note of a purchase or change request that brings OVG items, with its marker.

    Exactly one of ``state`` (what the service read) or ``error`` (why Partner Center could not be
    read) is given once Partner Center was asked; neither means the tenant is not known. Nothing
    here depends on the request's status but the words for an unknown tenant, so the pending and
    the approved note of one situation are the same text (and one note).
    """
    verb = 'adds' if request_type == 'change' else 'orders'
    head = [
        f'{TITLE}: this {request_type} request {verb} overage-capable (OVG) items.',
        *item_lines(items),
        customer_line(customer),
        '',
    ]
    if state is not None:
        def situation(limit):
            return situation_lines(state, limit)
    elif error is not None:
        def situation(_limit):
            return error_lines(error)
    else:
        def situation(_limit):
            return tenant_unknown_lines(status, tenant_id_params)
    tail = ['', *way_to_manage(customer.customer_id, link)]
    return with_marker(_fit(head, situation, tail))


def cancel_note(
    *,
    customer: CustomerRef,
    link: Optional[str],
    azure_subscription_id: Optional[str],
) -> str:
    """The note of a cancel that removes the customer's last OVG subscription, overage still on."""
    texts = catalogue.render_entry(
        'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION',
        {'current_azure_subscription_id': azure_subscription_id},
    )
    lines = [
        f"{TITLE}: this cancel removes the customer's last overage-capable (OVG) subscription, "
        'but overage is still assigned.',
        customer_line(customer),
        '',
        texts.message,
        texts.reason,
        f'Next step: {texts.action} To set it to None, use Manage Overage.',
        '',
        *way_to_manage(customer.customer_id, link),
    ]
    return with_marker('\n'.join(lines))
