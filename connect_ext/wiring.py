"""The extension's long-lived parts, built once per process and configuration.

The runner hands every web call and every event task the variables anew. Opening (and migrating)
the store, the Partner Center client (its token cache lives in it) and the overage service (its
thread pool) are worth doing once: the web API (:mod:`connect_ext.api.dependencies`) and the events
(:mod:`connect_ext.orders.wiring`) both take them from here, so one process holds one store per
``DATABASE_URL`` — which also keeps a customer's lock in one place.
"""
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional

from connect_ext.config import PartnerCenterSettings, Settings
from connect_ext.overage.service import OverageService
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.store import Store


_CACHE_SIZE = 16


class BuiltOnce:
    """A small thread-safe LRU of built objects; ``build`` runs at most once per key."""

    def __init__(self, size: int = _CACHE_SIZE):
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = build()
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_stores = BuiltOnce()
_clients = BuiltOnce()
_services = BuiltOnce()


def clear_caches() -> None:
    """Forget every built store, client and service (tests; a changed configuration is a new key)."""
    for cache in (_stores, _clients, _services):
        cache.clear()


def store_for(database_url: str) -> Store:
    return _stores.get(database_url, lambda: Store.migrated(database_url))


def partner_center_client_for(settings: PartnerCenterSettings) -> PartnerCenterClient:
    return _clients.get(settings, lambda: PartnerCenterClient(settings))


def overage_service_for(
    settings: Settings, *, notify: Optional[Callable[[dict], Any]] = None,
) -> OverageService:
    """The service of ``settings`` (with ``notify`` as its change notifier, if any)."""
    store = store_for(settings.database_url)
    client = partner_center_client_for(settings.partner_center)
    return _services.get(
        (settings, id(notify)),
        lambda: OverageService(client, store, settings, notify=notify),
    )
