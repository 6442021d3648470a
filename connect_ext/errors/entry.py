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


def entry(code, severity, http_status, message, reason, action, blocks=(), transient=False) -> CatalogueEntry:
    return CatalogueEntry(code, severity, http_status, message, reason, action, blocks, transient)


# What a blocking finding stops: every change; every way of enabling (to a chosen Azure subscription
# or to one Microsoft creates); enabling to a chosen one only; creating one only.
BOTH = (ENABLE, CREATE, DISABLE)
ENABLE_ONLY = (ENABLE, CREATE)
CHOSEN_ONLY = (ENABLE,)
CREATE_ONLY = (CREATE,)
