"""The overview's work queue as the API shows it: each row's ``attention`` and its reason.

The store keeps what each customer needs apart from a change awaiting Microsoft's confirmation
(:mod:`connect_ext.store.attention`); a row whose change is awaited shows ``waiting_for_microsoft``,
as the filter does. The reason is the catalogue entry's message and action, in the words of who
reads them (a customer on its home page reads its own variant, where the entry has one).
"""
from typing import Optional, Tuple

from connect_ext.api.schemas import AttentionReason
from connect_ext.errors import catalogue
from connect_ext.overage.attention import REASON_WAITING
from connect_ext.store import CustomerRecord
from connect_ext.vocabulary import ATTENTION_WAITING, AUDIENCE_PARTNER, STATUS_ENABLED


def attention_of(
    record: CustomerRecord, *, pending: bool, audience: str = AUDIENCE_PARTNER,
) -> Tuple[Optional[str], Optional[AttentionReason]]:
    """``(attention, reason)`` of an overview row (both None: not judged yet)."""
    if pending:
        attention, code = ATTENTION_WAITING, REASON_WAITING
    else:
        attention, code = record.attention, record.attention_reason
    if code is None:
        return attention, None
    texts = catalogue.render_entry(code, {}, audience)
    return attention, AttentionReason(code=code, message=texts.message, action=texts.action)


def shown_azure_subscription(record: CustomerRecord) -> Optional[str]:
    """The Azure subscription a row prints: where overage goes when it goes to one of ours; never
    another partner's, nor the last one Microsoft named for a customer now disabled."""
    return record.azure_entitlement_id if record.overage_status == STATUS_ENABLED else None
