"""Fixtures of the Partner Center client tests: the root's fake ``clock`` read as a wall clock too,
fake tokens, ``responses`` (testkit.partner_center_mock)."""
import random

import pytest
import responses

from connect_ext.partner_center.client import PartnerCenterClient
from testkit.clock import EPOCH
from testkit.partner_center_mock import FakeTokens, make_settings


@pytest.fixture
def clock_start():
    """The client's wall clock reads ``clock`` too (Retry-After dates): start at a real date."""
    return EPOCH


@pytest.fixture
def tokens():
    return FakeTokens()


@pytest.fixture
def mocked():
    """Every registered response must be used, and nothing unregistered may be called."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def make_client(clock, tokens):
    def build(**settings_overrides) -> PartnerCenterClient:
        return PartnerCenterClient(
            make_settings(**settings_overrides),
            token_provider=tokens,
            sleep=clock.sleep,
            clock=clock,
            wall_clock=clock,
            rng=random.Random(7),
        )

    return build


@pytest.fixture
def client(make_client):
    return make_client()
