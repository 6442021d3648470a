import pytest

from connect_ext.config import Settings
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from sandbox.partner_center import demo


@pytest.fixture
def world(sim):
    return sim.world


@pytest.fixture
def store(tmp_path):
    store = Store.migrated(f'sqlite:///{tmp_path}/store.sqlite3')
    yield store
    store.close()


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def make_service(sim, world, store):
    def make(*, refresh_token=None, confirm_delays=(0.05, 0.05, 0.1), notify=None, **settings):
        pc_settings = sim.settings(
            demo.DISTRIBUTOR_TENANT_ID, refresh_token=refresh_token,
            read_timeout=settings.pop('read_timeout', 5.0),
            max_attempts=settings.pop('max_attempts', 3),
        )
        client = PartnerCenterClient(pc_settings, sleep=lambda _s: None)
        return OverageService(
            client, store, Settings(partner_center=pc_settings, **settings),
            confirm_delays=confirm_delays, notify=notify,
        )

    return make


@pytest.fixture
def service(make_service):
    return make_service()


def customer(tenant_id, customer_id='TA-0001-0001-0001', **extra):
    values = {
        'customer_id': customer_id, 'tenant_id': tenant_id, 'name': 'Demo customer',
        'country': 'US', 'tier1_id': 'TA-RES-0001', 'tier2_id': None,
    }
    values.update(extra)
    return CustomerRef(**values)


OWNER = Caller(role='owner', account_id='PA-000-000')
