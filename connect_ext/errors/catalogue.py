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
from typing import Any, Mapping, NamedTuple, Optional, Tuple

from connect_ext.errors import failures, findings
from connect_ext.errors.entry import CatalogueEntry
from connect_ext.errors.templates import render, sentence


class RenderedText(NamedTuple):
    message: str
    reason: str
    action: str


# In the order docs/errors.md lists them.
ENTRIES: Tuple[CatalogueEntry, ...] = (
    *findings.ACCESS,
    *findings.SCOPE,
    *findings.PREREQUISITES,
    *failures.MICROSOFT_ANSWERS,
    *failures.MICROSOFT_ACCESS,
    *failures.API_ANSWERS,
    *failures.API_REFUSALS,
    *findings.NOTICES,
)

CATALOGUE: Mapping[str, CatalogueEntry] = {item.code: item for item in ENTRIES}

# The two "nothing to change" findings: the service skips the write when one of them is present.
ALREADY_IN_REQUESTED_STATE = frozenset({'OVERAGE_ALREADY_ENABLED', 'OVERAGE_ALREADY_DISABLED'})


def entry(code: str) -> CatalogueEntry:
    """The catalogue entry of ``code``; an unknown code is a programming error (``KeyError``)."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f'{code!r} is not in the overage message catalogue') from None


def render_entry(code: str, params: Optional[Mapping[str, Any]] = None) -> RenderedText:
    item = entry(code)
    return RenderedText(*(
        sentence(render(template, params)) for template in (item.message, item.reason, item.action)
    ))
