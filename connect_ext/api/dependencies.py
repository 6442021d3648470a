"""What a route needs, built from the extension's variables, each replaceable in tests.

Connect sends the variables with every call (``X-Connect-Config``); :func:`get_settings` parses
them. The long-lived parts come from :mod:`connect_ext.wiring`, the only builder, so a route, an
event and the sync of one configuration share one store, one client and one service.

Tests replace any of them with ``app.dependency_overrides[get_store] = ...`` and the like.
"""
import logging
from typing import Any, Callable, Dict, Optional

from connect.client import ConnectClient
from connect.eaas.core.inject.common import get_config
from connect.eaas.core.inject.synchronous import get_extension_client, get_installation_client
from fastapi import Depends
from sqlalchemy.exc import SQLAlchemyError

from connect_ext import wiring
from connect_ext.api.auth import VisibleCustomers, get_caller, get_caller_connect
from connect_ext.cache import BoundedCache
from connect_ext.config import Settings
from connect_ext.customers.directory import CustomerDirectory
from connect_ext.customers.visibility import ConnectVisibility
from connect_ext.notifications.webhooks import WebhookNotifier
from connect_ext.overage.facts import Caller
from connect_ext.partner_center.budget import BudgetState
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.store.durability import Durability
from connect_ext.store.sync_claims import SyncCoverage


logger = logging.getLogger(__name__)


def get_settings(config: Dict[str, Any] = Depends(get_config)) -> Settings:
    return Settings.from_config(config)


def get_product_ids(settings: Settings = Depends(get_settings)) -> Optional[tuple]:
    """The products ``/items`` looks at (``PRODUCT_IDS``); None: every product the caller sees."""
    return settings.product_ids or None


def get_store(settings: Settings = Depends(get_settings)) -> Store:
    return wiring.store_for(settings)


def get_store_durability(settings: Settings = Depends(get_settings)) -> Durability:
    """Whether the store survives a restart, and the warning when it may not (under the runner)."""
    return wiring.store_durability(settings)


def get_partner_center_client(settings: Settings = Depends(get_settings)) -> PartnerCenterClient:
    return wiring.partner_center_client_for(settings)


def get_rate_budget_state(
    settings: Settings = Depends(get_settings), store: Store = Depends(get_store),
) -> Optional[BudgetState]:
    """The shared Partner Center budget as every process sees it; None when the store cannot be
    read just now (the settings page still answers)."""
    try:
        return wiring.rate_budget_for(settings, store).state()
    except SQLAlchemyError as error:
        logger.warning('the rate budget cannot be read: %s', type(error).__name__)
        return None


# The sync's coverage is counted at most this often per store and process (settings page).
SYNC_COVERAGE_MAX_AGE_SECONDS = 300.0
_sync_coverage = BoundedCache(16, max_age=SYNC_COVERAGE_MAX_AGE_SECONDS)


def get_sync_coverage(store: Store = Depends(get_store)) -> Optional[SyncCoverage]:
    """The share of customers the sync read lately (:mod:`connect_ext.api.sync_coverage`); None
    when the store cannot be read just now (the settings page still answers)."""
    try:
        return _sync_coverage.get_or_build(store.url, store.sync_coverage)
    except SQLAlchemyError as error:
        logger.warning('the sync coverage cannot be counted: %s', type(error).__name__)
        return None


def get_refresh_token_keeper(settings: Settings = Depends(get_settings)) -> Optional[RefreshTokenKeeper]:
    """The keeper of the App+User refresh token in the store; None in app-only mode."""
    return wiring.refresh_token_keeper_for(settings)


def get_notifier(
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
) -> Optional[WebhookNotifier]:
    """The webhook notifier when ``OVERAGE_WEBHOOK_URL`` is set (and valid); else None."""
    return wiring.notifier_for(settings, store)


def get_overage_service(
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
    client: PartnerCenterClient = Depends(get_partner_center_client),
    notifier: Optional[WebhookNotifier] = Depends(get_notifier),
) -> OverageService:
    return wiring.overage_service(settings, store=store, client=client, notifier=notifier)


def get_directory_client(client: ConnectClient = Depends(get_extension_client)) -> ConnectClient:
    """Connect as the distributor (the extension owner): it sees every customer's subscriptions.

    Which customers a caller may see is decided first (:mod:`connect_ext.api.auth`: for a
    reseller, by asking Connect with the reseller's own installation client).
    """
    return client


def get_catalogue_client(client: ConnectClient = Depends(get_installation_client)) -> ConnectClient:
    """Connect as the caller's installation: the products and items that account can see."""
    return client


def get_directory(
    store: Store = Depends(get_store),
    client: ConnectClient = Depends(get_directory_client),
    settings: Settings = Depends(get_settings),
) -> CustomerDirectory:
    return CustomerDirectory(store, client, settings)


def get_visibility(
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
) -> ConnectVisibility:
    """What Connect shows each reseller, recorded in the store (one per store and process)."""
    return wiring.visibility_for(settings, store)


def get_visible_customers(
    caller: Caller = Depends(get_caller),
    directory: CustomerDirectory = Depends(get_directory),
    visibility: ConnectVisibility = Depends(get_visibility),
    connect: Callable[[], ConnectClient] = Depends(get_caller_connect),
) -> VisibleCustomers:
    """The customers the caller may see (:class:`~connect_ext.api.auth.VisibleCustomers`)."""
    return VisibleCustomers(caller, directory, visibility, connect)
