"""``If-Match`` as RFC 9110 §13.1.1 reads it, parsed once at the edge of the API.

The field is ``*`` or a comma-separated list of entity tags (``"abc"``, ``W/"abc"``). The change
goes ahead when ``*`` is sent (the overage state always exists) or when any listed tag equals the
current one by *strong* comparison — a weak tag never matches. A field that is present but is no
such list (empty, unquoted, unterminated) matches nothing: the precondition fails (412), it is never
taken as "no precondition".
"""
import re
from dataclasses import dataclass
from typing import FrozenSet, Optional


# One entity tag: an optional weak marker and a quoted opaque string (RFC 9110 §8.8.3).
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*')
ANY = '*'


@dataclass(frozen=True)
class IfMatch:
    """What an ``If-Match`` field asks for: any state, or one of these strong tags."""

    any_state: bool = False
    strong_tags: FrozenSet[str] = frozenset()

    def matches(self, current_etag: str) -> bool:
        return self.any_state or current_etag in self.strong_tags


def parse_if_match(value: Optional[str]) -> Optional[IfMatch]:
    """None when the field is absent; else what it asks for (see the module docstring)."""
    if value is None:
        return None
    if value.strip() == ANY:
        return IfMatch(any_state=True)
    tags = set()
    elements = [element for element in value.split(',') if element.strip()]
    # Empty list elements are ignored (RFC 9110 §5.6.1); a quoted tag holds no comma (§8.8.3).
    for element in elements:
        found = _ENTITY_TAG.fullmatch(element)
        if not found:
            return IfMatch()  # not a list of entity tags: nothing can match
        if not found.group(1):
            tags.add(found.group(2))
    return IfMatch(strong_tags=frozenset(tags))
