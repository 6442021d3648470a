"""The conversation notes the extension writes on requests: pure text from plain data.

A note tells whoever handles the request what overage means for this customer: the OVG items,
where the customer's overage goes now (or why that is not known), what blocks or deserves a
warning, and the way to Manage Overage (through the portal, and a link only where one works).
Its last line is a *marker* unique to the request and the event; the handlers look for it in the
conversation so that a redelivered event never writes the same note twice.

Everything here takes domain values (the service's :class:`OverageState`, an
:class:`OverageError`, the rules' :class:`Finding` objects, the request's item dicts) and returns
text; nothing reads Connect or Partner Center, nor the web API's JSON (renaming an API field
cannot change a note).
"""
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
    INFO,
    STATUS_DISABLED,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
    WARNING,
)


TITLE = 'Overage Manager'
# Connect does not document a limit on message text; notes stay well below any plausible one.
MAX_NOTE_CHARS = 3000
_SEVERITY_SECTIONS = (
    (BLOCKING, 'Blocking'),
    (WARNING, 'Warnings'),
    (INFO, 'Good to know'),
)
# Said by the overage line already; repeating it as a finding adds nothing.
_REDUNDANT_FINDINGS = frozenset({'OVERAGE_STATE_UNKNOWN'})


def note_marker(request_id: str, purpose: str) -> str:
    """A note's last line: one per request and purpose (``pending``, ``approved``, ``cancel``)."""
    return f'[overage-manager:{request_id}:{purpose}]'


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


def tenant_unknown_line(status: str, tenant_id_params: Sequence[str]) -> str:
    params = ' or '.join(tenant_id_params) or 'the tenant id parameter'
    if status == 'pending':
        return (
            "Overage: not checked yet. The customer's Microsoft tenant is not known yet (it is set "
            'when the order is fulfilled), so Partner Center could not be read. The overage '
            'state follows in a note when this request is approved.'
        )
    return (
        'Overage: not checked. The subscription carries no Microsoft tenant id '
        f'(parameter {params}), so Partner Center could not be read. Open Manage Overage once '
        'the tenant id is filled in.'
    )


def error_line(error: OverageError) -> str:
    """A Partner Center failure that retrying will not fix, in the catalogue's words."""
    text = ' '.join(part for part in (error.message, error.reason) if part)
    return f'Overage: could not be read from Partner Center. {text} What to do: {error.action}'.strip()


def finding_line(finding: Finding) -> str:
    action = finding.action
    return f'- {finding.message}' + (f' What to do: {action}' if action else '')


def finding_sections(findings: Iterable[Finding], limit: Optional[int] = None) -> List[str]:
    """Findings grouped by severity, blocking first; at most ``limit`` of them, then a count."""
    kept = [f for f in findings if f.code not in _REDUNDANT_FINDINGS]
    shown = kept if limit is None else kept[:limit]
    lines: List[str] = []
    for severity, title in _SEVERITY_SECTIONS:
        group = [f for f in shown if f.severity == severity]
        if group:
            lines.append(f'{title}:')
            lines.extend(finding_line(finding) for finding in group)
    hidden = len(kept) - len(shown)
    if hidden:
        lines.append(f'... and {hidden} more finding(s): open Manage Overage to see them all.')
    return lines


def _fit(head: List[str], findings: Sequence[Finding], tail: List[str]) -> str:
    """Join the parts, showing as many findings as fit in MAX_NOTE_CHARS; link and marker stay."""
    for limit in range(len(findings), -1, -1):
        text = '\n'.join(head + finding_sections(findings, limit) + tail)
        if len(text) <= MAX_NOTE_CHARS:
            return text
    # Too long even without findings (a huge item list): cut the top, never the marker.
    tail_text = '\n'.join(tail)
    head_text = '\n'.join(head + finding_sections(findings, 0))
    return head_text[:MAX_NOTE_CHARS - len(tail_text) - 2] + '~\n' + tail_text


def request_note(
    *,
    request_id: str,
    request_type: str,
    status: str,
    items: Sequence[Mapping[str, Any]],
    customer: CustomerRef,
    link: Optional[str],
    state: Optional[OverageState] = None,
    error: Optional[OverageError] = None,
    tenant_id_params: Sequence[str] = (),
) -> str:
    """The note of a purchase or change request that brings OVG items.

    Exactly one of ``state`` (what the service read) or ``error`` (why Partner Center could not be
    read) is given once Partner Center was asked; neither means the tenant is not known.
    """
    verb = 'adds' if request_type == 'change' else 'orders'
    head = [
        f'{TITLE}: this {request_type} request {verb} overage-capable (OVG) items.',
        *item_lines(items),
        '',
        customer_line(customer),
    ]
    findings: Sequence[Finding] = ()
    if state is not None:
        head.append(overage_line(state))
        findings = list(state.findings)
    elif error is not None:
        head.append(error_line(error))
    else:
        head.append(tenant_unknown_line(status, tenant_id_params))
    head.append('')
    tail = ['', *way_to_manage(customer.customer_id, link), note_marker(request_id, status)]
    return _fit(head, findings, tail)


def cancel_note(
    *,
    request_id: str,
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
        texts.message,
        texts.reason,
        f'What to do: {texts.action}',
        '',
        *way_to_manage(customer.customer_id, link),
        note_marker(request_id, 'cancel'),
    ]
    return '\n'.join(lines)
