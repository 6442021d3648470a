"""One simulator per test module (module-scoped), reset to its starting world before each test
(the root ``sim``).

A module serves another world by overriding the ``sim_world`` fixture. Clients get the root's
fake ``clock``, whose ``sleep`` only moves time, so retries and Retry-After waits cost nothing;
the waits they asked for are in ``clock.slept``.
"""
import pytest

from connect_ext.partner_center.client import PartnerCenterClient
from sandbox.partner_center.demo import DISTRIBUTOR_TENANT_ID, demo_world
from sandbox.partner_center.testing import running_simulator


@pytest.fixture(scope='module')
def sim_world():
    return demo_world()


@pytest.fixture(scope='module')
def running_sim(sim_world):
    with running_simulator(sim_world) as handle:
        yield handle


@pytest.fixture
def make_client(sim, clock):
    """``make_client(partner, refresh_token=…, app_only=…, token_provider=…, **settings)``."""

    def make(partner=DISTRIBUTOR_TENANT_ID, *, refresh_token=None, app_only=False,
             token_provider=None, **overrides):
        overrides.setdefault('read_timeout', 5.0)
        settings = sim.settings(partner, refresh_token=refresh_token, app_only=app_only,
                                **overrides)
        return PartnerCenterClient(settings, token_provider=token_provider, sleep=clock.sleep,
                                   clock=clock)

    return make


@pytest.fixture
def client(make_client):
    return make_client()
