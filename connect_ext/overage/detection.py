"""Which items and SKUs are overage-capable ("OVG").

Two sources say so, and they can disagree:

- the name: Connect's catalogue convention puts the marker (``OVG`` by default, the
  ``OVERAGE_SKU_MARKER`` variable) in the item name as a whole word, in any case;
- Microsoft: the SKU or subscription has ``consumptionType: "overage"`` (compared without case).

Either one makes an item overage-capable; when both are known and differ, the result carries a
sentence saying so, so a catalogue mistake is reported instead of hidden.
"""
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence

from connect_ext.config import DEFAULT_MARKER
from connect_ext.partner_center.models import CONSUMPTION_TYPE_OVERAGE


# Sentinel: Partner Center was not asked, so its view is unknown (None means "asked, no type").
NOT_READ: Any = object()

_WORD = re.compile(r'[^\W_]+')


def name_tokens(name: Optional[str]) -> List[str]:
    """The alphanumeric words of ``name``, case-folded; anything else separates them."""
    return [token.casefold() for token in _WORD.findall(name or '')]


def has_marker(name: Optional[str], marker: str = DEFAULT_MARKER) -> bool:
    """``name`` holds ``marker`` as whole word(s): "Teams Phone OVG (NCE)" yes, "MOVGAS" no."""
    wanted = name_tokens(marker)
    if not wanted:
        return False
    tokens = name_tokens(name)
    size = len(wanted)
    return any(tokens[start:start + size] == wanted for start in range(len(tokens) - size + 1))


@dataclass(frozen=True)
class OvgDetection:
    is_overage: bool
    by_name: bool
    # None when Partner Center was not read for this item.
    by_microsoft: Optional[bool]
    # A sentence when the name and Partner Center disagree; None when they agree or one is unknown.
    disagreement: Optional[str] = None


def detect_overage(
    name: Optional[str],
    consumption_type: Any = NOT_READ,
    *,
    marker: str = DEFAULT_MARKER,
) -> OvgDetection:
    """Whether the item called ``name`` is overage-capable.

    ``consumption_type`` is Partner Center's ``consumptionType`` of the SKU or subscription: pass
    it (``None`` included, when Microsoft sent none) once Partner Center was read; leave it out when
    it was not, and ``by_microsoft`` stays ``None``.
    """
    by_name = has_marker(name, marker)
    if consumption_type is NOT_READ:
        by_microsoft = None
    else:
        by_microsoft = str(consumption_type or '').strip().lower() == CONSUMPTION_TYPE_OVERAGE
    disagreement = None
    if by_microsoft is not None and by_microsoft != by_name:
        # by_name needs a name, so only the second sentence can lack one.
        label = f'"{name}"' if name else 'an unnamed item'
        if by_name:
            disagreement = (
                f'{label} carries the {marker} marker, but Partner Center does not report '
                f'consumptionType "overage" for it (it reports {consumption_type!r}).'
            )
        else:
            disagreement = (
                f'Partner Center reports consumptionType "overage" for {label}, but its name '
                f'does not carry the {marker} marker.'
            )
    return OvgDetection(
        is_overage=by_name or bool(by_microsoft),
        by_name=by_name,
        by_microsoft=by_microsoft,
        disagreement=disagreement,
    )


def detect_resource(
    resource: Any, name: Optional[str] = None, *, marker: str = DEFAULT_MARKER,
) -> OvgDetection:
    """:func:`detect_overage` for a Partner Center ``Sku`` or ``Subscription`` (or ``None``).

    The name defaults to the resource's own (``title``, ``offer_name`` or ``friendly_name``).
    """
    if name is None and resource is not None:
        name = next(
            (value for value in (getattr(resource, attr, None)
                                 for attr in ('title', 'offer_name', 'friendly_name')) if value),
            None,
        )
    if resource is None:
        return detect_overage(name, marker=marker)
    return detect_overage(name, getattr(resource, 'consumption_type', None), marker=marker)


# --- Connect asset items -----------------------------------------------------------------------

def item_name(item: Mapping[str, Any]) -> str:
    """The name of a Connect asset item: ``display_name`` first, then ``name``."""
    return str(item.get('display_name') or item.get('name') or '')


def parse_quantity(value: Any) -> float:
    """A Connect quantity (number or string) as a number; missing or unreadable counts as 0.

    Connect writes ``"unlimited"`` for items without a limit: that counts as infinitely many.
    """
    if value is None or isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().lower()
        if text == 'unlimited':
            return math.inf
        try:
            number = float(text)
        except ValueError:
            return 0.0
    return number if not math.isnan(number) else 0.0


def _items(items: Optional[Iterable[Any]]) -> Sequence[Mapping[str, Any]]:
    return [item for item in (items or ()) if isinstance(item, Mapping)]


def ovg_items(
    items: Optional[Iterable[Any]], marker: str = DEFAULT_MARKER,
) -> List[Mapping[str, Any]]:
    """The items whose name carries the marker, as given (anything that is not a dict is skipped).

    Both ``display_name`` and ``name`` are looked at: either one carrying the marker is enough.
    """
    return [
        item for item in _items(items)
        if has_marker(item.get('display_name'), marker) or has_marker(item.get('name'), marker)
    ]


def added_ovg_items(
    items: Optional[Iterable[Any]], marker: str = DEFAULT_MARKER,
) -> List[Mapping[str, Any]]:
    """The OVG items a change request adds: quantity up from 0 (``old_quantity`` 0 or missing)."""
    return [
        item for item in ovg_items(items, marker)
        if parse_quantity(item.get('old_quantity')) <= 0 < parse_quantity(item.get('quantity'))
    ]
