"""How a catalogue template becomes a sentence: placeholders, optional parts, values in words.

Templates hold ``{name}`` placeholders. A part in square brackets is optional: it is shown only when
every placeholder inside it has a value, so a message reads well with or without the details
(``"Azure subscription[ {azure_subscription_id}] was not found"``). A placeholder outside brackets
that has no value renders as ``(not known)``. Pure text work: no I/O, no catalogue.
"""
import math
import re
from typing import Any, Mapping, Optional, Tuple


NOT_KNOWN = '(not known)'

_OPTIONAL = re.compile(r'\[([^\[\]]*)\]')
_PLACEHOLDER = re.compile(r'\{(\w+)\}')
# One pass over the template: an optional part, or a placeholder outside any.
_PART = re.compile(r'\[([^\[\]]*)\]|\{(\w+)\}')


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (str, list, tuple, set, frozenset, dict)):
        return len(value) > 0
    return True


def format_value(value: Any) -> str:
    """How a parameter reads in a sentence: lists joined by commas, 57.0 as 57."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ', '.join(format_value(item) for item in items)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def placeholders(template: str) -> Tuple[str, ...]:
    return tuple(_PLACEHOLDER.findall(template))


def mandatory_placeholders(template: str) -> Tuple[str, ...]:
    """The placeholders outside optional brackets (the catalogue keeps none)."""
    return placeholders(_OPTIONAL.sub('', template))


def render(template: str, params: Optional[Mapping[str, Any]] = None) -> str:
    """Fill ``template`` from ``params``; never fails on a missing or odd value.

    Values are inserted once and never read again, so a value holding ``{...}`` or ``[...]``
    shows as it is.
    """
    params = params or {}

    def fill(name: str) -> str:
        value = params.get(name)
        return format_value(value) if _present(value) else NOT_KNOWN

    def part(match) -> str:
        segment, name = match.group(1), match.group(2)
        if name is not None:
            return fill(name)
        if all(_present(params.get(inner)) for inner in placeholders(segment)):
            return _PLACEHOLDER.sub(lambda inner: fill(inner.group(1)), segment)
        return ''

    return _PART.sub(part, template)


def sentence(text: str) -> str:
    """Close a rendered text with a full stop when a quoted Microsoft description did not."""
    text = text.strip()
    return text if not text or text[-1] in '.!?' else text + '.'
