"""The events application under test, on real parts: the Partner Center simulator (demo world)
behind the real client and overage service (the events' variant), a temporary migrated SQLite
store, and Connect's conversations faked over HTTP with state (testkit.fake_connect), so a test
sees every note as Connect would hold it and every call the extension made.
"""
import logging

import pytest

from connect_ext.events import OverageEventsApplication
from connect_ext.wiring import EventsDependencies
from testkit import services
from testkit.fake_connect import CONNECT_URL, INSTALLATION, FakeConnect


@pytest.fixture
def service_variant():
    """One attempt per call (an injected 429 or 5xx reaches the handler at once), no read-back."""
    return services.EVENTS


@pytest.fixture
def dependencies(settings, store, service):
    return EventsDependencies(settings, store=store, service=service)


@pytest.fixture
def connect(sim):
    """Connect, faked; after every test, proof that nothing but conversations was called (the
    extension never approves, fails, inquires or updates a request)."""
    fake = FakeConnect(CONNECT_URL, passthru=(sim.api_url, sim.login_url))
    with fake.mock:
        yield fake
    assert fake.unexpected_calls() == []


@pytest.fixture
def logger():
    return logging.getLogger('tests.orders.events')


@pytest.fixture
def app(connect_client, logger, dependencies):
    application = OverageEventsApplication(
        connect_client, logger, {}, installation_client=connect_client, installation=INSTALLATION,
    )
    application.dependencies = dependencies
    return application
