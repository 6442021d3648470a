"""What a route needs, built from the extension's variables, each replaceable in tests.

Connect sends the variables with every call (``X-Connect-Config``); :func:`get_settings` parses
them. The long-lived parts come from :mod:`connect_ext.wiring`, the only builder, so a route, an
event and the sync of one configuration share one store, one client and one service.

Tests replace any of them with ``app.dependency_overrides[get_store] = ...`` and the like.
"""
from typing import Any, Dict, Optional

from connect.client import ConnectClient
from connect.eaas.core.inject.common import get_config
from connect.eaas.core.inject.synchronous import get_extension_client, get_installation_client
from fastapi import Depends

from connect_ext import wiring
from connect_ext.config import Settings
from connect_ext.customers.directory import CustomerDirectory
from connect_ext.notifications.webhooks import WebhookNotifier
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.store.durability import Durability


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
    return wiring.partner_center_client_for(settings.partner_center)


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

    Which customers a caller may see is decided by :mod:`connect_ext.api.auth`, not by Connect.
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
