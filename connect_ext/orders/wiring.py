"""Building the events' collaborators from the extension's config, in one place.

The runner creates an events application per task, with the variables as a dict. Opening the
store (and migrating it), the Partner Center client (its token cache) and the service's thread
pool are worth doing once per process, so :func:`dependencies_for` keeps one
:class:`Dependencies` per distinct configuration. Each part is built on first use: a request
without OVG items touches none of them.

Tests build a :class:`Dependencies` themselves (a temporary store, a service on the Partner
Center simulator) and hand it to the application.
"""
import logging
import threading
from typing import Any, Callable, Dict, Mapping, Optional

from connect_ext.config import Settings
from connect_ext.orders import notes
from connect_ext.orders.conversations import RequestConversations
from connect_ext.orders.handling import OrderHandling
from connect_ext.orders.pacing import TokenBucket, rate_share
from connect_ext.orders.recent_states import RecentStates
from connect_ext.orders.sync import OverageSync, time_budget
from connect_ext.overage.facts import OWNER, Caller


# Where the extension's pages are served, for the Manage Overage link in notes. Connect does not
# tell an events application its public address; without this variable the link is relative.
PAGES_URL_VARIABLE = 'MANAGE_OVERAGE_BASE_URL'
SYSTEM_ACCOUNT = 'overage-manager'


class Dependencies:
    """The store, the Partner Center client and the overage service of one configuration."""

    def __init__(
        self,
        settings: Settings,
        *,
        store=None,
        service=None,
        pages_url: str = '',
        logger: Optional[logging.Logger] = None,
    ):
        self.settings = settings
        self.pages_url = pages_url
        self.log = logger or logging.getLogger(__name__)
        self._store = store
        self._service = service
        # Order notes of one customer within a minute share one read of its state.
        self.recent_states = RecentStates()
        self._lock = threading.RLock()

    @property
    def store(self):
        with self._lock:
            if self._store is None:
                from connect_ext.wiring import store_for

                self._store = store_for(self.settings.database_url)
            return self._store

    @property
    def service(self):
        with self._lock:
            if self._service is None:
                from connect_ext.wiring import overage_service_for

                self._service = overage_service_for(self.settings)
            return self._service

    def link_for(self, customer_id: str) -> str:
        return notes.manage_overage_link(customer_id, self.pages_url)


class _LazyStore:
    """The store, opened only when a handler first needs it."""

    def __init__(self, dependencies: Dependencies):
        self._dependencies = dependencies

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dependencies.store, name)


class _LazyService:
    """The service, built only when Partner Center must be read."""

    def __init__(self, dependencies: Dependencies):
        self._dependencies = dependencies

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dependencies.service, name)


_CACHE: Dict[Any, Dependencies] = {}
_CACHE_LOCK = threading.Lock()


def dependencies_for(config: Optional[Mapping[str, Any]]) -> Dependencies:
    """The process-wide :class:`Dependencies` of this configuration (built once, lazily)."""
    settings = Settings.from_config(config)
    pages_url = str((config or {}).get(PAGES_URL_VARIABLE) or '').strip()
    key = (settings, pages_url)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = Dependencies(settings, pages_url=pages_url)
        return found


def events_caller(installation: Optional[Mapping[str, Any]]) -> Caller:
    """Events act for the extension's owner (the distributor, whose credentials are used)."""
    owner = installation.get('owner') if isinstance(installation, Mapping) else None
    account_id = owner.get('id') if isinstance(owner, Mapping) else None
    return Caller(role=OWNER, account_id=account_id if isinstance(account_id, str) and account_id
                  else SYSTEM_ACCOUNT)


def order_handling(
    dependencies: Dependencies,
    connect_client,
    *,
    installation: Optional[Mapping[str, Any]] = None,
    logger: Optional[logging.Logger] = None,
) -> OrderHandling:
    return OrderHandling(
        settings=dependencies.settings,
        store=_LazyStore(dependencies),
        service=_LazyService(dependencies),
        conversations=RequestConversations(connect_client),
        caller=events_caller(installation),
        link_for=dependencies.link_for,
        logger=logger,
        recent_states=dependencies.recent_states,
    )


def overage_sync(
    dependencies: Dependencies,
    config: Optional[Mapping[str, Any]],
    *,
    logger: Optional[logging.Logger] = None,
    clock: Optional[Callable[[], float]] = None,
    sleep: Optional[Callable[[float], None]] = None,
    time_budget_seconds: Optional[float] = None,
    worker_id: Optional[str] = None,
) -> OverageSync:
    """One run of the sync, paced at ``SYNC_RATE_SHARE`` of Partner Center's limit."""
    timing: Dict[str, Any] = {}
    if clock is not None:
        timing['clock'] = clock
    if sleep is not None:
        timing['sleep'] = sleep
    return OverageSync(
        dependencies.store,
        dependencies.service,
        pacer=TokenBucket.for_partner_center(rate_share(config), **timing),
        time_budget_seconds=time_budget() if time_budget_seconds is None else time_budget_seconds,
        worker_id=worker_id,
        logger=logger,
        **timing,
    )
