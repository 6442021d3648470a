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
def connect(sim):
    """Connect's API mocked (connect-openapi-client's mocker); the simulator stays reachable."""
    mocker = ConnectClientMocker(CONNECT_URL, exclude=[sim.api_url, sim.login_url])
    mocker.start()
    yield mocker
    mocker.reset()
