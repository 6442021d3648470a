"""The only builder of the extension's long-lived parts, once per process and configuration.

The runner hands every web call and every event task the variables anew. Opening (and migrating)
the store, the Partner Center client (its token cache lives in it; in App+User mode it keeps its
refresh token in the store through a :class:`RefreshTokenKeeper`), the webhook notifier (its
delivery thread) and the overage service (its thread pool) are worth doing once: the web API
(:mod:`connect_ext.api.dependencies`) and the events (:mod:`connect_ext.events`) both take them from
here, so one process holds one store per ``DATABASE_URL`` — which also keeps a customer's lock in
one place — and one service per configuration, whoever asks.

The events' collaborators (:class:`EventsDependencies`) are built lazily: a request without OVG
items touches neither the store nor Partner Center.
"""
import logging
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional

from connect_ext.cache import BoundedCache
from connect_ext.config import Settings, scheduled_task_seconds, started_by_runner
from connect_ext.customers.visibility import ConnectVisibility
from connect_ext.notifications.webhooks import WebhookNotifier
from connect_ext.orders import notes
from connect_ext.orders.confirming import ConfirmationPass
from connect_ext.orders.conversations import RequestConversations
from connect_ext.orders.handling import OrderHandling, recent_states_cache
from connect_ext.orders.handover_watch import HandoverWatch
from connect_ext.orders.pacing import BudgetPacer, TokenBucket
from connect_ext.orders.sync import OverageSync, new_worker_id, time_budget
from connect_ext.overage.facts import Caller
from connect_ext.partner_center.budget import BudgetPolicy, RateBudget
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper, TokenCipher, credential_key
from connect_ext.service.handover import HandoverService
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.store.durability import Durability, durability
from connect_ext.vocabulary import OWNER


logger = logging.getLogger(__name__)

# Distinct configurations a process serves at once (a runner serves one; tests many).
_CACHE_SIZE = 16
SYSTEM_ACCOUNT = 'overage-manager'

_stores = BoundedCache(_CACHE_SIZE)
_clients = BoundedCache(_CACHE_SIZE)
_notifiers = BoundedCache(_CACHE_SIZE)
_services = BoundedCache(_CACHE_SIZE)
_events = BoundedCache(_CACHE_SIZE)
_visibilities = BoundedCache(_CACHE_SIZE)
_keepers = BoundedCache(_CACHE_SIZE)


def clear_caches() -> None:
    """Forget everything built (tests; a changed configuration is a new key anyway)."""
    for cache in (_stores, _clients, _notifiers, _services, _events, _visibilities, _keepers):
        cache.clear()


def under_runner() -> bool:
    """Whether Connect's runner started this process: not the sandbox, the tests or a command line."""
    return started_by_runner()


def store_durability(settings: Settings) -> Durability:
    return durability(
        settings.database_url, said_durable=settings.store_is_durable, under_runner=under_runner(),
    )


def store_for(settings: Settings) -> Store:
    """The migrated store of ``DATABASE_URL``; the first time, the log says if it may be lost."""

    def build() -> Store:
        store = Store.migrated(settings.database_url)
        warning = store_durability(settings).warning
        if warning:
            logger.warning(warning)
        return store

    return _stores.get_or_build(settings.database_url, build)


def _credentials_key(settings: Settings) -> tuple:
    """What a client and its refresh token keeper depend on."""
    return (settings.partner_center, settings.database_url, settings.token_encryption_key)


def refresh_token_keeper_for(settings: Settings) -> Optional[RefreshTokenKeeper]:
    """The keeper of the App+User refresh token in the store (None in app-only mode, and
    without a key: no TOKEN_ENCRYPTION_KEY nor client secret, where signing in fails anyway)."""
    pc = settings.partner_center
    if not pc.app_plus_user or not (settings.token_encryption_key or pc.client_secret):
        return None

    def build() -> RefreshTokenKeeper:
        store = store_for(settings)
        return RefreshTokenKeeper(
            store.credentials,
            TokenCipher.for_secrets(settings.token_encryption_key, pc.client_secret),
            key=credential_key(pc),
            configured=pc.refresh_token,
            clock=store.now,
        )

    return _keepers.get_or_build(_credentials_key(settings), build)


def budget_policy(settings: Settings) -> BudgetPolicy:
    """Partner Center's limit as ``PEOPLE_RATE_SHARE`` and ``SYNC_RATE_SHARE`` share it."""
    return BudgetPolicy(people_share=settings.people_rate_share, sync_share=settings.sync_rate_share)


class _StoreRateBudgets:
    """The store's ``rate_budgets``, opened at the first rate-limited call (a client that makes
    none, e.g. a connection test, opens no store)."""

    def __init__(self, settings: Settings):
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(store_for(self._settings).rate_budgets, name)


def rate_budget_for(settings: Settings, store: Optional[Store] = None) -> RateBudget:
    """The partner tenant's Partner Center budget, kept in the store and so shared by every
    process and replica of this ``DATABASE_URL``."""
    rows = store.rate_budgets if store is not None else _StoreRateBudgets(settings)
    return RateBudget(rows, settings.partner_center.tenant_id, budget_policy(settings))


def partner_center_client_for(settings: Settings) -> PartnerCenterClient:
    """The client of ``settings.partner_center``; App+User keeps its refresh token in the store;
    every rate-limited call takes from the shared budget."""

    def build() -> PartnerCenterClient:
        keeper = refresh_token_keeper_for(settings)
        return PartnerCenterClient(
            settings.partner_center, refresh_tokens=keeper, budget=rate_budget_for(settings),
        )

    key = (*_credentials_key(settings), budget_policy(settings))
    return _clients.get_or_build(key, build)


def notifier_for(settings: Settings, store: Store) -> Optional[WebhookNotifier]:
    """The webhook notifier when ``OVERAGE_WEBHOOK_URL`` is set (and valid); else None."""
    if not settings.webhook_url:
        return None
    if not settings.webhook_secret:
        logger.warning('OVERAGE_WEBHOOK_URL is set without OVERAGE_WEBHOOK_SECRET: not notifying')
        return None

    def build() -> Optional[WebhookNotifier]:
        try:
            # Never local_receiver: no configuration may reach this machine or its networks.
            return WebhookNotifier(settings.webhook_url, settings.webhook_secret, store)
        except ValueError as error:
            logger.warning('Webhooks are off: %s', error)
            return None

    return _notifiers.get_or_build((settings.webhook_url, settings.webhook_secret, id(store)), build)


def overage_service(
    settings: Settings,
    *,
    store: Store,
    client: PartnerCenterClient,
    notifier: Optional[Callable[[dict], Any]],
) -> OverageService:
    """The one service over these parts (the web API passes its possibly replaced ones)."""
    # The cached service keeps store/client/notifier alive, so their ids stay unique in the key.
    key = (settings, id(store), id(client), id(notifier))
    return _services.get_or_build(key, lambda: OverageService(client, store, settings, notify=notifier))


def overage_service_for(settings: Settings) -> OverageService:
    """The service of ``settings``, over this process's store, client and notifier."""
    store = store_for(settings)
    return overage_service(
        settings,
        store=store,
        client=partner_center_client_for(settings),
        notifier=notifier_for(settings, store),
    )


def visibility_for(settings: Settings, store: Store) -> ConnectVisibility:
    """What Connect shows each reseller, recorded in ``store``; one per store and products, so
    its recent answers are shared by every call of the process."""
    key = (id(store), settings.product_ids)
    return _visibilities.get_or_build(
        key, lambda: ConnectVisibility(store, product_ids=settings.product_ids or ()),
    )


# --- the events ----------------------------------------------------------------------------------

class EventsDependencies:
    """What the events of one configuration share: the store, the service, recent states."""

    def __init__(self, settings: Settings, *, store=None, service=None):
        self.settings = settings
        self._store = store
        self._service = service
        # Order notes of one customer within a minute share one read of its state.
        self.recent_states = recent_states_cache()
        self._lock = threading.RLock()

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = store_for(self.settings)
            return self._store

    @property
    def service(self) -> OverageService:
        with self._lock:
            if self._service is None:
                self._service = overage_service_for(self.settings)
            return self._service

    def link_for(self, customer_id: str) -> Optional[str]:
        return notes.manage_overage_link(customer_id, self.settings.pages_url)


class _Lazy:
    """One of the dependencies' parts, built only when a handler first uses it."""

    def __init__(self, dependencies: EventsDependencies, part: str):
        self._dependencies = dependencies
        self._part = part

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self._dependencies, self._part), name)


def events_dependencies_for(config: Optional[Mapping[str, Any]]) -> EventsDependencies:
    """The process-wide :class:`EventsDependencies` of this configuration (built once, lazily)."""
    settings = Settings.from_config(config)
    return _events.get_or_build(settings, lambda: EventsDependencies(settings))


def events_caller(installation: Optional[Mapping[str, Any]]) -> Caller:
    """Events act for the extension's owner (the distributor, whose credentials are used)."""
    owner = installation.get('owner') if isinstance(installation, Mapping) else None
    account_id = owner.get('id') if isinstance(owner, Mapping) else None
    return Caller(role=OWNER, account_id=account_id if isinstance(account_id, str) and account_id
                  else SYSTEM_ACCOUNT)


def order_handling(
    dependencies: EventsDependencies,
    connect_client,
    *,
    installation: Optional[Mapping[str, Any]] = None,
    logger: Optional[logging.Logger] = None,
) -> OrderHandling:
    return OrderHandling(
        settings=dependencies.settings,
        store=_Lazy(dependencies, 'store'),
        service=_Lazy(dependencies, 'service'),
        conversations=RequestConversations(connect_client),
        caller=events_caller(installation),
        link_for=dependencies.link_for,
        logger=logger,
        recent_states=dependencies.recent_states,
    )


def background_pacer(dependencies: EventsDependencies, **timing: Any):
    """What the sync and the confirmation pass wait on: the shared budget of the service's client
    (its calls take from it), or, for a client given without one, a local bucket at the sync's
    share of what people leave."""
    budget = getattr(dependencies.service.client, 'budget', None)
    if budget is not None:
        return BudgetPacer(budget, **timing)
    settings = dependencies.settings
    share = settings.sync_rate_share * (1 - settings.people_rate_share)
    return TokenBucket.for_partner_center(share, **timing)


def overage_sync(
    dependencies: EventsDependencies,
    *,
    logger: Optional[logging.Logger] = None,
    clock: Optional[Callable[[], float]] = None,
    sleep: Optional[Callable[[float], None]] = None,
    time_budget_seconds: Optional[float] = None,
    worker_id: Optional[str] = None,
) -> OverageSync:
    """One run of the sync, within the shared budget (``SYNC_RATE_SHARE`` of what people leave)."""
    timing: Dict[str, Any] = {}
    if clock is not None:
        timing['clock'] = clock
    if sleep is not None:
        timing['sleep'] = sleep
    if time_budget_seconds is None:
        time_budget_seconds = time_budget(scheduled_task_seconds())
    return OverageSync(
        dependencies.store,
        dependencies.service,
        pacer=background_pacer(dependencies, **timing),
        time_budget_seconds=time_budget_seconds,
        worker_id=worker_id,
        logger=logger,
        **timing,
    )


def confirmation_pass(
    dependencies: EventsDependencies,
    *,
    time_budget_seconds: float,
    logger: Optional[logging.Logger] = None,
    worker_id: Optional[str] = None,
) -> ConfirmationPass:
    """One pass over the changes awaiting Microsoft's confirmation, on its own (the sandbox runs
    one every few seconds; the scheduled sync runs one first), paced like the sync."""
    return ConfirmationPass(
        dependencies.store,
        dependencies.service,
        pacer=background_pacer(dependencies),
        deadline=time.monotonic() + time_budget_seconds,
        worker_id=worker_id or new_worker_id(),
        logger=logger,
    )


def handover_watch(
    dependencies: EventsDependencies,
    *,
    time_budget_seconds: float,
    logger: Optional[logging.Logger] = None,
    worker_id: Optional[str] = None,
) -> HandoverWatch:
    """One pass over the open handover requests, on its own (the sandbox runs one every few seconds;
    the scheduled sync runs one after the confirmation pass), paced like the sync."""
    return HandoverWatch(
        dependencies.store,
        HandoverService(dependencies.service),
        pacer=background_pacer(dependencies),
        deadline=time.monotonic() + time_budget_seconds,
        worker_id=worker_id or new_worker_id(),
        logger=logger,
    )
