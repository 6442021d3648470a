"""Fixtures of the Partner Center client tests: fake time, fake tokens, ``responses``."""
import random

import pytest
import responses

from connect_ext.partner_center.client import PartnerCenterClient
from tests.partner_center.helpers import FakeTime, FakeTokens, make_settings


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def tokens():
    return FakeTokens()


@pytest.fixture
def mocked():
    """Every registered response must be used, and nothing unregistered may be called."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def make_client(fake_time, tokens):
    def build(**settings_overrides) -> PartnerCenterClient:
        return PartnerCenterClient(
            make_settings(**settings_overrides),
            token_provider=tokens,
            sleep=fake_time.sleep,
            clock=fake_time,
            wall_clock=fake_time,
            rng=random.Random(7),
        )

    return build


@pytest.fixture
def client(make_client):
    return make_client()
