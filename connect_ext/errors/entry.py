"""One entry of the error catalogue, and the shorthand the catalogue's data modules write it with."""
from dataclasses import dataclass
from typing import Optional, Tuple

from connect_ext.vocabulary import CREATE, DISABLE, ENABLE


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    severity: str
    # What the public API answers when this code is an error; None for a finding that never is.
    http_status: Optional[int]
    message: str
    reason: str
    action: str
    # The intents ('enable', 'create', 'disable') a finding with this code stops.
    blocks: Tuple[str, ...] = ()
    # A retry later may succeed without anyone changing anything (Microsoft busy, throttled...).
    transient: bool = False
    # A blocking finding someone can remove (False: China, a qualification, a blocked country).
    fixable: bool = True
    # The words a customer reads on its own page, where they differ (errors/audiences.py).
    customer: Optional['CustomerTexts'] = None
    # The extension's variables this entry is about, for whoever configures it: never named in the
    # texts (people read those), carried as ``details.settings`` / ``params.settings`` instead.
    settings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerTexts:
    """A customer's variant of an entry: each text None keeps the partner staff's one."""

    message: Optional[str] = None
    reason: Optional[str] = None
    action: Optional[str] = None


def entry(
    code, severity, http_status, message, reason, action, blocks=(), transient=False, fixable=True,
    settings=(),
) -> CatalogueEntry:
    return CatalogueEntry(code, severity, http_status, message, reason, action, blocks, transient, fixable,
                          settings=tuple(settings))


def for_customer(message=None, reason=None, action=None) -> CustomerTexts:
    return CustomerTexts(message, reason, action)


# What a blocking finding stops: every change; every way of enabling (to a chosen Azure subscription
# or to one Microsoft creates); enabling to a chosen one only; creating one only.
BOTH = (ENABLE, CREATE, DISABLE)
ENABLE_ONLY = (ENABLE, CREATE)
CHOSEN_ONLY = (ENABLE,)
CREATE_ONLY = (CREATE,)
