"""The fixtures several test packages share, built from :mod:`testkit`.

- ``running_sim`` / ``sim``: one Partner Center simulator (demo world) per session, reset per
  test. A package that needs another world (tests/sandbox/partner_center) defines its own ``running_sim``.
- ``clock``: a :class:`testkit.clock.FakeClock` starting at ``clock_start`` (a module whose
  figures count from another instant overrides ``clock_start``).
- ``store``: a migrated SQLite store, copied per test from the session's ``store_template``
  (migrating per test would cost far more than the copy). A package whose store must hold the
  directory's customers (:mod:`testkit.customers`) sets ``store_template`` to
  ``customers_store_template``; tests/store has its own, on every backend.
- ``service_variant`` names how the overage service and its client are configured
  (:class:`testkit.services.ServiceVariant`; :data:`~testkit.services.WEB_API` unless a package
  overrides it): ``pc_settings``, ``pc_client``, ``settings``, ``make_service`` and
  ``service`` follow it. ``notifications`` holds what the service notified, when the variant
  collects it.
- ``connect_client``, ``webapp_client``, ``overrides`` and ``api``: the web app under
  eaas-core's test client, its dependencies resolved to the fixtures above.
"""
from dataclasses import replace

import pytest
from connect.eaas.core.testing.testclient import WebAppTestClient

from connect_ext.api import dependencies
from connect_ext.customers.directory import CustomerDirectory
from connect_ext.customers.visibility import ConnectVisibility
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper, TokenCipher, credential_key
from connect_ext.store import Store
from connect_ext.webapp import OverageWebApplication
from sandbox.partner_center import demo
from sandbox.partner_center.testing import running_simulator
from testkit import customers, fake_connect, services, simulators, stores
from testkit.clock import DEFAULT_START, FakeClock
from testkit.web_api import Api


# ------------------------------------------------------------------------------------ simulator


@pytest.fixture(scope='session')
def running_sim():
    """The simulator over the demo world, started once: starting it costs a TLS server and a CA."""
    with running_simulator(demo.demo_world()) as handle:
        yield handle


@pytest.fixture
def sim(running_sim):
    """The simulator, back to its starting world, with no faults and an empty call log."""
    running_sim.reset()
    return running_sim


# ------------------------------------------------------------------------------------ time


@pytest.fixture
def clock_start():
    """Where ``clock`` starts, in seconds."""
    return DEFAULT_START


@pytest.fixture
def clock(clock_start):
    """Time that moves only when the code under test sleeps (see ``clock.slept``)."""
    return FakeClock(start=clock_start)


# ------------------------------------------------------------------------------------ store


@pytest.fixture(scope='session')
def empty_store_template(tmp_path_factory):
    """A migrated empty database file."""
    return stores.migrated_sqlite_template(tmp_path_factory.mktemp('store') / 'empty.sqlite3')


@pytest.fixture(scope='session')
def customers_store_template(tmp_path_factory):
    """A migrated database file holding the directory's customers (testkit.customers)."""
    path = tmp_path_factory.mktemp('store') / 'customers.sqlite3'
    store = Store.migrated(stores.sqlite_url(path))
    customers.seed(store)
    store.close()
    return path


@pytest.fixture(scope='session')
def store_template(empty_store_template):
    """The database each test's ``store`` is a copy of: empty unless a package says otherwise."""
    return empty_store_template


@pytest.fixture
def store(store_template, tmp_path):
    store = Store(stores.copied_sqlite(store_template, tmp_path / 'store.sqlite3'))
    yield store
    store.close()


# ------------------------------------------------------------------------------------ service


@pytest.fixture
def service_variant():
    """How ``service`` and its client are configured: the web API's."""
    return services.WEB_API


@pytest.fixture
def pc_settings(sim, service_variant):
    """The distributor's Partner Center settings on the simulator."""
    return services.variant_pc_settings(sim, service_variant)


@pytest.fixture
def pc_client(pc_settings, clock, service_variant):
    return services.variant_client(pc_settings, clock, service_variant)


@pytest.fixture
def settings(pc_settings, store, service_variant):
    return services.variant_settings(pc_settings, store, service_variant)


@pytest.fixture
def notifications():
    """Every event the service notified (the webhook notifier is tested on its own)."""
    return []


@pytest.fixture
def make_service(sim, store, clock, service_variant, pc_client, settings, notifications):
    """``make_service(refresh_token=…, notify=…, **changes)``: an overage service on the test's
    simulator and store. ``changes`` replace fields of ``service_variant`` (``max_attempts=``,
    ``confirm_delays=``, ``read_timeout=`` …); without them and a refresh token the service
    shares ``pc_client`` and ``settings``, as ``service`` does."""
    made = []

    def make(*, refresh_token=None, notify=None, **changes):
        variant = replace(service_variant, **changes)
        client, config = pc_client, settings
        if refresh_token is not None or changes:
            own = services.variant_pc_settings(sim, variant, refresh_token=refresh_token)
            client = services.variant_client(own, clock, variant)
            config = services.variant_settings(own, store, variant)
        if notify is None and variant.collect_notifications:
            notify = notifications.append
        service = services.variant_service(client, store, config, clock, variant, notify=notify)
        made.append(service)
        return service

    yield make
    for service in made:
        service.executor.shutdown(wait=False)


@pytest.fixture
def service(make_service):
    return make_service()


# ------------------------------------------------------------------------------------ web API


@pytest.fixture
def connect_client():
    """Connect as the directory, the catalogue and the events use it (no retries)."""
    return fake_connect.connect_client()


@pytest.fixture(scope='session')
def reseller_connect():
    """The Connect simulator over the tests' customers (``testkit.customers.connect_world``): what
    a reseller's installation client reaches. Yields ``(world, API URL)``."""
    world = customers.connect_world()
    with simulators.running_connect(world) as client:
        yield world, client.endpoint


@pytest.fixture
def visibility(store):
    """What Connect shows the resellers, recorded in this test's store."""
    return ConnectVisibility(store)


@pytest.fixture
def refresh_tokens(settings, store):
    """The keeper of the App+User refresh token over this test's store (None in app-only mode)."""
    pc = settings.partner_center
    if not pc.app_plus_user:
        return None
    return RefreshTokenKeeper(
        store.credentials, TokenCipher.for_secrets(settings.token_encryption_key, pc.client_secret),
        key=credential_key(pc), configured=pc.refresh_token, clock=store.now,
    )


@pytest.fixture
def overrides(settings, store, service, pc_client, connect_client, visibility, refresh_tokens):
    """What the app's dependencies resolve to; a test may replace any entry before calling."""
    return {
        dependencies.get_settings: lambda: settings,
        dependencies.get_store: lambda: store,
        dependencies.get_visibility: lambda: visibility,
        dependencies.get_partner_center_client: lambda: pc_client,
        dependencies.get_refresh_token_keeper: lambda: refresh_tokens,
        dependencies.get_overage_service: lambda: service,
        dependencies.get_directory: lambda: CustomerDirectory(store, connect_client, settings),
        dependencies.get_catalogue_client: lambda: connect_client,
        dependencies.get_product_ids: lambda: None,
    }


@pytest.fixture(scope='session')
def webapp_client():
    """eaas-core's test client over the web app (what ``test_client_factory`` builds), built once:
    building the FastAPI app costs ~0.2 s, and each test sets its own dependency overrides."""
    return WebAppTestClient(OverageWebApplication)


@pytest.fixture
def api(webapp_client, overrides, reseller_connect):
    webapp_client.app.dependency_overrides.clear()
    webapp_client.app.dependency_overrides.update(overrides)
    yield Api(webapp_client, connect_url=reseller_connect[1])
    webapp_client.app.dependency_overrides.clear()
