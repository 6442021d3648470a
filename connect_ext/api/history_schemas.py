"""The activity feed's response models (``GET /history``), valid on pydantic 1.10 and 2.

An entry is the audit entry of one customer's history (:class:`~connect_ext.api.schemas.HistoryEntry`)
plus who the customer is and the names of the Azure subscriptions it names, where the audit knew
them; :mod:`connect_ext.api.history_presenters` builds them.
"""
from enum import Enum
from typing import Any, Dict, List, Optional

from pydantic import Field

from connect_ext.api.schemas import Actor, AuditError
from connect_ext.compat import ResponseModel
from connect_ext.vocabulary import AUDIT_OUTCOMES


# The feed's outcome filter: the vocabulary's outcomes, in its order.
HistoryOutcome = Enum('HistoryOutcome', [(outcome, outcome) for outcome in AUDIT_OUTCOMES], type=str)


class FeedCustomer(ResponseModel):
    id: str
    # As the store last knew it (None: the customer is not in the store any more).
    name: Optional[str] = None


class FeedSetting(ResponseModel):
    enabled: Optional[bool] = None
    azure_subscription_id: Optional[str] = None
    # The Azure subscription's name as Microsoft showed it when the entry was written; None when
    # the audit did not know it (e.g. another partner's Azure subscription).
    azure_subscription_name: Optional[str] = None


class FeedEntry(ResponseModel):
    id: int
    at: str
    customer: FeedCustomer
    action: str
    outcome: str
    actor: Actor
    before: FeedSetting
    requested: FeedSetting
    error: Optional[AuditError] = None
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None
    details: Dict[str, Any] = Field(default_factory=dict)


class FeedPage(ResponseModel):
    items: List[FeedEntry]
    limit: int
    # Follow it (with the same filters) for the next, older page; null on the last page.
    next_cursor: Optional[str] = None
