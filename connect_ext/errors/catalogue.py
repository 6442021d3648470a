"""The catalogue: every public code of the overage domain, with the words a user reads.

The entries are data, in two modules by concept (:mod:`~connect_ext.errors.findings`, what the rules
find before a change; :mod:`~connect_ext.errors.failures`, what fails), gathered here. Each
:class:`~connect_ext.errors.entry.CatalogueEntry` says what happened (``message``), why
(``reason``) and what to do next (``action``), with the HTTP status the public API answers and a
severity. Prerequisite findings, Microsoft rejections and the web layer's own errors all take their
text from here, so one code always reads the same wherever it shows up, and ``docs/errors.md`` is
rendered from it (``python -m tools``).

Templates hold ``{name}`` placeholders and optional ``[...]`` parts (how they render:
:mod:`connect_ext.errors.templates`); the catalogue keeps every placeholder inside brackets, so a
sentence never reads ``(not known)`` (a test checks it).

Severities:

- ``blocking``: a prerequisite finding that stops the intents listed in ``blocks``; the same code is
  the API error (with ``http_status``) when the service refuses the change or Microsoft rejects it;
- ``error``: only ever an API error;
- ``warning``: the user reads it, and confirms when it comes with a change; it stops nothing;
- ``info``: worth knowing; stops nothing.
"""
from dataclasses import replace
from typing import Any, Mapping, NamedTuple, Optional, Tuple

from connect_ext.errors import audiences, failures, findings, handovers
from connect_ext.errors.entry import CatalogueEntry
from connect_ext.errors.templates import render, sentence
from connect_ext.vocabulary import AUDIENCE_CUSTOMER, AUDIENCE_PARTNER


class RenderedText(NamedTuple):
    message: str
    reason: str
    action: str


def _with_customer_words(items: Tuple[CatalogueEntry, ...]) -> Tuple[CatalogueEntry, ...]:
    """Each entry with its customer variant (:mod:`.audiences`), where it has one."""
    return tuple(
        replace(item, customer=audiences.CUSTOMER_TEXTS[item.code])
        if item.code in audiences.CUSTOMER_TEXTS else item
        for item in items
    )


# In the order docs/errors.md lists them.
ENTRIES: Tuple[CatalogueEntry, ...] = _with_customer_words((
    *findings.ACCESS,
    *findings.SCOPE,
    *findings.PREREQUISITES,
    *failures.MICROSOFT_ANSWERS,
    *failures.MICROSOFT_ACCESS,
    *failures.API_ANSWERS,
    *failures.API_REFUSALS,
    *handovers.HANDOVER_REFUSALS,
    *findings.NOTICES,
    *handovers.HANDOVER_STATES,
))

CATALOGUE: Mapping[str, CatalogueEntry] = {item.code: item for item in ENTRIES}

# The two "nothing to change" findings: the service skips the write when one of them is present.
ALREADY_IN_REQUESTED_STATE = frozenset({'OVERAGE_ALREADY_ENABLED', 'OVERAGE_ALREADY_DISABLED'})


def entry(code: str) -> CatalogueEntry:
    """The catalogue entry of ``code``; an unknown code is a programming error (``KeyError``)."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f'{code!r} is not in the overage message catalogue') from None


def templates_for(item: CatalogueEntry, audience: str = AUDIENCE_PARTNER) -> Tuple[str, str, str]:
    """The message, reason and action templates ``audience`` reads (a customer: its variant of
    each text, where the entry has one; partner staff: the entry's own)."""
    texts = (item.message, item.reason, item.action)
    variant = item.customer if audience == AUDIENCE_CUSTOMER else None
    if variant is None:
        return texts
    return tuple(  # type: ignore[return-value]
        own if own is not None else partner
        for own, partner in zip((variant.message, variant.reason, variant.action), texts, strict=True)
    )


def render_entry(
    code: str, params: Optional[Mapping[str, Any]] = None, audience: str = AUDIENCE_PARTNER,
) -> RenderedText:
    """The three sentences of ``code``, filled from ``params``, in the words ``audience`` reads."""
    return RenderedText(*(
        sentence(render(template, params)) for template in templates_for(entry(code), audience)
    ))
