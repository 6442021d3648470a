"""The activity feed's answers from the store's :class:`~connect_ext.store.history.FeedPage`.

Each entry is presented as the customer's own history presents it (:func:`presenters.history_entry`:
what a reseller or a customer may not see of a webhook delivery stays hidden), then given the
customer's name and the Azure subscriptions' names.
"""
from connect_ext.api import presenters
from connect_ext.api.cursors import encode_history_cursor
from connect_ext.api.history_schemas import FeedCustomer, FeedEntry, FeedPage, FeedSetting
from connect_ext.api.schemas import OverageSetting
from connect_ext.store.history import FeedEntry as StoredEntry
from connect_ext.store.history import FeedPage as StoredPage


def _setting(setting: OverageSetting, names) -> FeedSetting:
    azure_id = setting.azure_subscription_id
    return FeedSetting(
        enabled=setting.enabled,
        azure_subscription_id=azure_id,
        azure_subscription_name=names.get(azure_id) if azure_id else None,
    )


def feed_entry(stored: StoredEntry, *, owner: bool) -> FeedEntry:
    entry = presenters.history_entry(stored.entry, owner=owner)
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


def feed_page(page: StoredPage, *, limit: int, owner: bool) -> FeedPage:
    return FeedPage(
        items=[feed_entry(item, owner=owner) for item in page.items],
        limit=limit,
        next_cursor=encode_history_cursor(page.next_after),
    )
