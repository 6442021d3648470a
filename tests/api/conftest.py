"""The web API under test: the real app (eaas-core's test client), the real overage service over
the Partner Center simulator, and a temporary SQLite store seeded with the demo customers.

Who calls is set the way Connect sets it, with ``X-Connect-*`` headers: :data:`OWNER` (the
distributor, ``call_type`` admin), :data:`RESELLER_A` / :data:`RESELLER_B` (reseller installations)
and :func:`customer` (a customer home page: ``X-Connect-Tier-Account-Id``).
"""
import shutil
from typing import Any, Dict, Optional

import pytest
from connect.client import ConnectClient
from connect.client.testing import ConnectClientMocker
from connect.eaas.core.testing.testclient import WebAppTestClient

from connect_ext.api import dependencies
from connect_ext.config import Settings
from connect_ext.customers.directory import CustomerDirectory
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.webapp import OverageWebApplication
from sandbox.partner_center import demo
from sandbox.partner_center.testing import FakeClock


CONNECT_URL = 'https://example.org/public/v1'
OWNER_ACCOUNT = 'PA-000-000'
RESELLER_A_ACCOUNT = 'TA-7000-0000-0001'
RESELLER_B_ACCOUNT = 'TA-7000-0000-0002'
DISTRIBUTOR_TIER2 = 'TA-7000-0000-0009'

# Connect customer -> (tenant id, name, country, tier1, tier2, reseller partner id)
READY = 'TA-1000-0000-0001'
ENABLED = 'TA-1000-0000-0002'
HELD = 'TA-1000-0000-0003'
NO_AZURE_PLAN = 'TA-1000-0000-0004'
INDIRECT = 'TA-1000-0000-0010'
NO_TENANT = 'TA-1000-0000-0099'
UNKNOWN = 'TA-9999-9999-9999'

CUSTOMERS: Dict[str, tuple] = {
    READY: (demo.READY_CUSTOMER_ID, 'Ready Corp', 'US', RESELLER_A_ACCOUNT, None, None),
    ENABLED: (demo.ENABLED_CUSTOMER_ID, 'Enabled Ltd', 'GB', RESELLER_A_ACCOUNT, None, None),
    HELD: (demo.HELD_CUSTOMER_ID, 'Held GmbH', 'DE', RESELLER_B_ACCOUNT, None, None),
    NO_AZURE_PLAN: (demo.NO_AZURE_PLAN_CUSTOMER_ID, 'Planless SA', 'FR', RESELLER_B_ACCOUNT, None,
                    None),
    INDIRECT: (demo.RESELLER_CUSTOMER_ID, 'Indirect BV', 'NL', RESELLER_A_ACCOUNT,
               DISTRIBUTOR_TIER2, demo.RESELLER_MPN_ID),
    NO_TENANT: (None, 'Tenantless Inc', 'US', RESELLER_A_ACCOUNT, None, None),
}

OWNER = {'account_id': OWNER_ACCOUNT, 'account_role': 'distributor', 'call_type': 'admin'}
RESELLER_A = {'account_id': RESELLER_A_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user'}
RESELLER_B = {'account_id': RESELLER_B_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user'}
VENDOR = {'account_id': 'VA-000-001', 'account_role': 'vendor', 'call_type': 'user'}


def customer(customer_id: str) -> Dict[str, Any]:
    """A customer home page: the reseller's account, acting for the customer's tier account."""
    return {**RESELLER_A, 'tier_account_id': customer_id}


def headers_for(who: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The test client sends the context but not the tier account: that header is added here."""
    result = dict(headers or {})
    if who.get('tier_account_id'):
        result['X-Connect-Tier-Account-Id'] = who['tier_account_id']
    return result


class Api:
    """The test client with the caller as a keyword: ``api.get(url, who=OWNER)``."""

    def __init__(self, client):
        self.client = client
        self.app = client.app

    def request(self, method: str, url: str, *, who: Dict[str, Any] = OWNER, headers=None, **kwargs):
        context = {key: value for key, value in who.items() if key != 'tier_account_id'}
        return self.client.request(
            method, url, context=context, headers=headers_for(who, headers), **kwargs,
        )

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def put(self, url, **kwargs):
        return self.request('PUT', url, **kwargs)


def seed(store: Store) -> None:
    for customer_id, (tenant, name, country, tier1, tier2, mpn) in CUSTOMERS.items():
        store.upsert_customer(
            customer_id, tenant_id=tenant, name=name, country=country, tier1_id=tier1,
            tier2_id=tier2, reseller_mpn=mpn, ovg_subscription_count=1,
        )


@pytest.fixture(scope='session')
def store_template(tmp_path_factory):
    """A migrated, seeded database file; each test copies it (migrating and seeding per test
    would cost far more than the copy)."""
    path = tmp_path_factory.mktemp('store') / 'template.sqlite3'
    store = Store.migrated(f'sqlite:///{path}')
    seed(store)
    store.close()
    return path


@pytest.fixture
def store(store_template, tmp_path):
    path = tmp_path / 'store.sqlite3'
    shutil.copyfile(store_template, path)
    store = Store(f'sqlite:///{path}')
    yield store
    store.close()


@pytest.fixture(scope='session')
def clock():
    return FakeClock()


@pytest.fixture(scope='session')
def pc_settings(running_sim):
    return running_sim.settings(demo.DISTRIBUTOR_TENANT_ID, read_timeout=5.0, max_attempts=2)


@pytest.fixture
def settings(sim, store, pc_settings):
    return Settings(partner_center=pc_settings, database_url=store.url)


@pytest.fixture
def pc_client(sim, pc_settings, clock):
    return PartnerCenterClient(pc_settings, sleep=clock.sleep, clock=clock)


@pytest.fixture
def notifications():
    """Every event the service notifies (the webhook notifier is tested on its own)."""
    return []


@pytest.fixture
def service(pc_client, store, settings, clock, notifications):
    service = OverageService(
        pc_client, store, settings, sleep=clock.sleep, confirm_delays=(0.5, 1.0),
        notify=notifications.append,
    )
    yield service
    service.executor.shutdown(wait=False)


@pytest.fixture
def connect_client():
    """Connect as the directory and the catalogue use it (no retries: a miss must fail fast)."""
    return ConnectClient('ApiKey SU-000:XXX', endpoint=CONNECT_URL, use_specs=False, max_retries=0)


@pytest.fixture
def connect(sim):
    """Connect's API mocked (connect-openapi-client's mocker); the simulator stays reachable."""
    mocker = ConnectClientMocker(CONNECT_URL, exclude=[sim.api_url, sim.login_url])
    mocker.start()
    yield mocker
    mocker.reset()


@pytest.fixture
def overrides(settings, store, service, pc_client, connect_client):
    """What the app's dependencies resolve to; a test may replace any entry before calling."""
    return {
        dependencies.get_settings: lambda: settings,
        dependencies.get_store: lambda: store,
        dependencies.get_partner_center_client: lambda: pc_client,
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
def api(webapp_client, overrides):
    webapp_client.app.dependency_overrides.clear()
    webapp_client.app.dependency_overrides.update(overrides)
    yield Api(webapp_client)
    webapp_client.app.dependency_overrides.clear()


def error_body(code: str, message: str, reason: str, action: str, details: Dict[str, Any]):
    return {'error': {
        'code': code, 'message': message, 'reason': reason, 'action': action, 'details': details,
    }}
