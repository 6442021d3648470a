"""The web API under test: the real app (eaas-core's test client, the root ``api`` fixture), the
real overage service over the Partner Center simulator, and a store holding the directory's
customers (testkit.customers). Who calls: testkit.callers.
"""
import pytest
from connect.client.testing import ConnectClientMocker

from testkit.fake_connect import CONNECT_URL


@pytest.fixture(scope='session')
def store_template(customers_store_template):
    """The API's customers are in the store, as the directory recorded them."""
    return customers_store_template


@pytest.fixture
def connect(sim, reseller_connect):
    """Connect's API mocked (connect-openapi-client's mocker) for the distributor's client; the
    Partner Center simulator and the resellers' Connect simulator stay reachable."""
    mocker = ConnectClientMocker(
        CONNECT_URL, exclude=[sim.api_url, sim.login_url, reseller_connect[1]],
    )
    mocker.start()
    yield mocker
    mocker.reset()
