"""The overage service, the events application and the web app, built as tests and benchmarks
use them: on a simulator's settings and a store, nothing mocked in between.

:class:`ServiceVariant` names how the tests configure the service and its client; the root
``conftest.py`` builds ``pc_settings``, ``pc_client``, ``settings`` and ``service`` from the
package's ``service_variant`` (:data:`WEB_API` unless a package says otherwise).
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from connect_ext.config import PartnerCenterSettings, Settings
from connect_ext.partner_center.budget import BudgetPolicy, RateBudget
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from sandbox.partner_center import demo
from testkit.servers import serving
from testkit.world import OWNER_CALLER


# Where the Manage Overage pages are served (what the events' notes link to).
PAGES_URL = 'https://overage.example.org'


# ------------------------------------------------------------------------------------ variants


@dataclass(frozen=True)
class ServiceVariant:
    """How a test's overage service and its Partner Center client are configured.

    - ``max_attempts``, ``read_timeout``: the client's settings on the simulator.
    - ``confirm_delays``: the service's read-back waits after a change.
    - ``fake_waits``: True, the client's and the service's waits only move the test's
      ``clock`` (no time passes); False, the client's back-off is skipped but the service waits
      for real, for worlds with a propagation delay.
    - ``pages_url``: the Manage Overage link in the settings (the events' notes).
    - ``collect_notifications``: the service's change notifications go to the
      ``notifications`` list.
    - ``shared_read_seconds``: how old a kept read may answer a request (the product's 5 s in
      ``tests/service/test_shared_reads.py`` and the benchmarks); 0 here, so a test's requests one
      after another each read the simulator, while requests at once still share one read.
    """

    max_attempts: int
    confirm_delays: Tuple[float, ...]
    read_timeout: float = 5.0
    fake_waits: bool = True
    pages_url: str = ''
    collect_notifications: bool = False
    shared_read_seconds: float = 0.0


# The web API's: a retry, a read-back after each change, notifications kept.
WEB_API = ServiceVariant(max_attempts=2, confirm_delays=(0.5, 1.0), collect_notifications=True)
# The events': one attempt per call (an injected 429 or 5xx reaches the handler at once), no
# read-back, the notes' link.
EVENTS = ServiceVariant(max_attempts=1, confirm_delays=(), pages_url=PAGES_URL)
# The service's own tests: real read-back waits (short), against the world's propagation delay.
REAL_WAITS = ServiceVariant(max_attempts=3, confirm_delays=(0.05, 0.05, 0.1), fake_waits=False)


def variant_pc_settings(sim, variant: ServiceVariant, *,
                        refresh_token: Optional[str] = None) -> PartnerCenterSettings:
    """The distributor's settings on ``sim`` as ``variant`` configures the client."""
    return sim.settings(demo.DISTRIBUTOR_TENANT_ID, refresh_token=refresh_token,
                        read_timeout=variant.read_timeout, max_attempts=variant.max_attempts)


def variant_client(pc_settings: PartnerCenterSettings, clock,
                   variant: ServiceVariant) -> PartnerCenterClient:
    if variant.fake_waits:
        return PartnerCenterClient(pc_settings, sleep=clock.sleep, clock=clock)
    return PartnerCenterClient(pc_settings, sleep=lambda _seconds: None)


def shared_budget(store: Store, pc_settings: PartnerCenterSettings, *, clock, sleep,
                  policy: BudgetPolicy = BudgetPolicy()) -> RateBudget:
    """The partner's Partner Center budget in ``store``, on the given (fake or scaled) time."""
    return RateBudget(store.rate_budgets, pc_settings.tenant_id, policy, clock=clock, sleep=sleep)


def budgeted_client(pc_settings: PartnerCenterSettings, budget: RateBudget, **options: Any
                    ) -> PartnerCenterClient:
    """A client whose rate-limited calls take from ``budget`` (as wiring builds it)."""
    return PartnerCenterClient(pc_settings, budget=budget, **options)


def variant_settings(pc_settings: PartnerCenterSettings, store: Store,
                     variant: ServiceVariant) -> Settings:
    return Settings(partner_center=pc_settings, database_url=store.url, pages_url=variant.pages_url)


def variant_service(client: PartnerCenterClient, store: Store, settings: Settings, clock,
                    variant: ServiceVariant, *, notify=None) -> OverageService:
    options: Dict[str, Any] = {'confirm_delays': variant.confirm_delays, 'notify': notify,
                               'shared_read_seconds': variant.shared_read_seconds}
    if variant.fake_waits:
        options['sleep'] = clock.sleep
    return OverageService(client, store, settings, **options)


# ------------------------------------------------------------------------------------ runs


def make_service(client: PartnerCenterClient, store: Store, pc_settings: PartnerCenterSettings,
                 *, workers: Optional[int] = None, **options: Any) -> OverageService:
    """The overage service as the web app builds it; ``workers`` replaces the size of its own
    thread pool for reads (None keeps the service's default)."""
    from concurrent.futures import ThreadPoolExecutor

    settings = Settings(partner_center=pc_settings, database_url=store.url)
    if workers is not None:
        options['executor'] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='bench-overage')
    return OverageService(client, store, settings, **options)


def events_application(connect_client, store: Store, service: OverageService,
                       pc_settings: PartnerCenterSettings):
    """The real events application of the sandbox's installation, on this store and service."""
    from connect_ext.events import OverageEventsApplication
    from connect_ext.wiring import EventsDependencies
    from sandbox import seed

    settings = Settings(partner_center=pc_settings, database_url=store.url, pages_url=PAGES_URL)
    installation = {'id': seed.DISTRIBUTOR_INSTALLATION_ID,
                    'owner': {'id': seed.DISTRIBUTOR_ACCOUNT_ID, 'name': demo.DISTRIBUTOR_NAME}}
    application = OverageEventsApplication(
        connect_client, logging.getLogger('benchmarks.events'), {},
        installation_client=connect_client, installation=installation,
    )
    application.dependencies = EventsDependencies(settings, store=store, service=service)
    return application


# ------------------------------------------------------------------------------------ web app


def owner_headers() -> Dict[str, str]:
    """The call context Connect adds to a call by the distributor (the extension's owner)."""
    return {
        'X-Connect-Installation-Id': 'EIN-000-000-001',
        'X-Connect-User-Id': 'UR-000-000-001',
        'X-Connect-Account-Id': OWNER_CALLER.account_id,
        'X-Connect-Account-Role': 'distributor',
        'X-Connect-Call-Source': 'ui',
        'X-Connect-Call-Type': 'admin',
        'X-Connect-Extension-Id': 'SRVC-0000-0001',
        'X-Connect-Environment-Id': 'ENV-0000-0001-03',
        'X-Connect-Environment-Type': 'production',
    }


@contextmanager
def running_webapp(store: Store, service: Optional[Callable[[], OverageService]] = None,
                   settings: Optional[Settings] = None) -> Iterator[str]:
    """The real web app (built as the runner builds it) served by uvicorn on localhost, with
    its store and settings replaced by these, and its overage service by what ``service()``
    returns (when given); yields its base URL (``…/api``)."""
    from connect_ext.api import dependencies
    from connect_ext.customers.directory import CustomerDirectory
    from connect_ext.webapp import OverageWebApplication
    from sandbox.app import build_webapp

    settings = settings or Settings(database_url=store.url)
    app = build_webapp(OverageWebApplication)
    app.dependency_overrides.update({
        dependencies.get_settings: lambda: settings,
        dependencies.get_store: lambda: store,
        dependencies.get_directory: lambda: CustomerDirectory(store, None, settings),
    })
    if service is not None:
        app.dependency_overrides[dependencies.get_overage_service] = service
    with serving(app) as base_url:
        yield base_url + '/api'
