"""The activity feed's answers from the store's :class:`~connect_ext.store.history.FeedPage`.

Each entry is presented as the customer's own history presents it (what a reseller or a customer
may not see of a webhook delivery stays hidden: :func:`presenters.shown_details_and_message`), then
given the customer's name and the Azure subscriptions' names.

:func:`feed_page_body` writes the answer's JSON directly — exactly what :func:`feed_page` (the
response models, :mod:`.history_schemas`) dumps, which ``tests/api/test_history_presenters.py``
pins — since building and dumping 50 validated entries costs more CPU than reading them from the
store.
"""
from typing import Any, Dict, Mapping, Optional

from connect_ext.api import presenters
from connect_ext.api.cursors import encode_history_cursor
from connect_ext.api.history_schemas import FeedCustomer, FeedEntry, FeedPage, FeedSetting
from connect_ext.api.schemas import OverageSetting
from connect_ext.store.history import FeedEntry as StoredEntry
from connect_ext.store.history import FeedPage as StoredPage
from connect_ext.vocabulary import AUDIENCE_PARTNER


def _setting(setting: OverageSetting, names) -> FeedSetting:
    azure_id = setting.azure_subscription_id
    return FeedSetting(
        enabled=setting.enabled,
        azure_subscription_id=azure_id,
        azure_subscription_name=names.get(azure_id) if azure_id else None,
    )


def feed_entry(stored: StoredEntry, *, owner: bool, audience: str = AUDIENCE_PARTNER) -> FeedEntry:
    entry = presenters.history_entry(stored.entry, owner=owner, audience=audience)
    return FeedEntry(
        id=entry.id,
        at=entry.at,
        customer=FeedCustomer(id=stored.entry.customer_id, name=stored.customer_name),
        action=entry.action,
        outcome=entry.outcome,
        actor=entry.actor,
        before=_setting(entry.before, stored.names),
        requested=_setting(entry.requested, stored.names),
        error=entry.error,
        ms_request_id=entry.ms_request_id,
        ms_correlation_id=entry.ms_correlation_id,
        details=entry.details,
    )


def feed_page(page: StoredPage, *, limit: int, owner: bool, audience: str = AUDIENCE_PARTNER) -> FeedPage:
    """The page as response models (what :func:`feed_page_body` writes, validated)."""
    return FeedPage(
        items=[feed_entry(item, owner=owner, audience=audience) for item in page.items],
        limit=limit,
        next_cursor=encode_history_cursor(page.next_after),
    )


def _setting_body(enabled: Optional[bool], azure_id: Optional[str],
                  names: Mapping[str, str]) -> Dict[str, Any]:
    return {'enabled': enabled, 'azure_subscription_id': azure_id,
            'azure_subscription_name': names.get(azure_id) if azure_id else None}


def feed_entry_body(stored: StoredEntry, *, owner: bool, audience: str = AUDIENCE_PARTNER) -> Dict[str, Any]:
    """One entry's JSON, field for field what :func:`feed_entry` dumps."""
    entry = stored.entry
    details, message = presenters.shown_details_and_message(entry, owner=owner, audience=audience)
    error = {'code': entry.error_code, 'message': message} if entry.error_code or message else None
    return {
        'id': entry.id,
        'at': entry.at.isoformat(),
        'customer': {'id': entry.customer_id, 'name': stored.customer_name},
        'action': entry.action,
        'outcome': entry.outcome,
        'actor': {'type': entry.actor_type, 'id': entry.actor_id, 'name': entry.actor_name},
        'before': _setting_body(entry.from_enabled, entry.from_entitlement, stored.names),
        'requested': _setting_body(entry.to_enabled, entry.to_entitlement, stored.names),
        'error': error,
        'ms_request_id': entry.ms_request_id,
        'ms_correlation_id': entry.ms_correlation_id,
        'details': details,
    }


def feed_page_body(page: StoredPage, *, limit: int, owner: bool,
                   audience: str = AUDIENCE_PARTNER) -> Dict[str, Any]:
    """The page's JSON, as :func:`feed_page` dumps it."""
    return {
        'items': [feed_entry_body(item, owner=owner, audience=audience) for item in page.items],
        'limit': limit,
        'next_cursor': encode_history_cursor(page.next_after),
    }
