"""What a route needs, built from the extension's variables, each replaceable in tests.

Connect sends the variables with every call (``X-Connect-Config``); :func:`get_settings` parses
them. Costly objects are built once per configuration and kept:

- one :class:`Store` per ``DATABASE_URL``, migrated to the newest schema the first time;
- one Partner Center client per Partner Center configuration (its token cache lives in it);
- one webhook notifier per URL and secret, and one :class:`OverageService` over those.

Tests replace any of them with ``app.dependency_overrides[get_store] = ...`` and the like.
"""
import logging
from typing import Any, Dict, Optional

from connect.client import ConnectClient
from connect.eaas.core.inject.common import get_config
from connect.eaas.core.inject.synchronous import get_extension_client, get_installation_client
from fastapi import Depends

from connect_ext import wiring
from connect_ext.api.webhooks import WebhookNotifier
from connect_ext.config import Settings
from connect_ext.customers.directory import CustomerDirectory
from connect_ext.overage.service import OverageService
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.store import Store
from connect_ext.wiring import BuiltOnce


logger = logging.getLogger(__name__)

PRODUCT_IDS_VARIABLE = 'PRODUCT_IDS'
_notifiers = BuiltOnce()
_services = BuiltOnce()


def clear_caches() -> None:
    """Forget every built store, client, notifier and service (tests; a changed configuration is a
    new key)."""
    wiring.clear_caches()
    _notifiers.clear()
    _services.clear()


def get_settings(config: Dict[str, Any] = Depends(get_config)) -> Settings:
    return Settings.from_config(config)


def get_product_ids(config: Dict[str, Any] = Depends(get_config)) -> Optional[tuple]:
    """The optional ``PRODUCT_IDS`` variable (comma-separated): the products ``/items`` looks at."""
    value = config.get(PRODUCT_IDS_VARIABLE) if isinstance(config, dict) else None
    ids = tuple(part.strip() for part in (value or '').split(',') if part.strip())
    return ids or None


def get_store(settings: Settings = Depends(get_settings)) -> Store:
    return wiring.store_for(settings.database_url)


def get_partner_center_client(settings: Settings = Depends(get_settings)) -> PartnerCenterClient:
    return wiring.partner_center_client_for(settings.partner_center)


def get_notifier(
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
) -> Optional[WebhookNotifier]:
    """The webhook notifier when ``OVERAGE_WEBHOOK_URL`` is set (and valid); else None."""
    if not settings.webhook_url:
        return None
    if not settings.webhook_secret:
        logger.warning('OVERAGE_WEBHOOK_URL is set without OVERAGE_WEBHOOK_SECRET: not notifying')
        return None

    def build() -> Optional[WebhookNotifier]:
        try:
            return WebhookNotifier(settings.webhook_url, settings.webhook_secret, store)
        except ValueError as error:
            logger.warning('Webhooks are off: %s', error)
            return None

    return _notifiers.get((settings.webhook_url, settings.webhook_secret, id(store)), build)


def get_overage_service(
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
    client: PartnerCenterClient = Depends(get_partner_center_client),
    notifier: Optional[WebhookNotifier] = Depends(get_notifier),
) -> OverageService:
    # The cached service keeps store/client/notifier alive, so their ids stay unique in the key.
    key = (settings, id(store), id(client), id(notifier))
    return _services.get(key, lambda: OverageService(client, store, settings, notify=notifier))


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
