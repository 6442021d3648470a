"""Whether the store survives a restart, and the warning under Connect's runner when it may not."""
import logging

import pytest

from connect_ext import wiring
from connect_ext.config import Settings, started_by_runner
from connect_ext.store.durability import NOT_DURABLE_WARNING, durability


@pytest.mark.parametrize(('url', 'said', 'runner', 'durable', 'warned'), [
    ('postgresql+psycopg://u:p@db/overage', False, True, True, False),
    ('sqlite:////data/overage.sqlite3', False, True, False, True),
    ('sqlite:////data/overage.sqlite3', True, True, True, False),
    ('sqlite://', True, True, False, True),  # in memory: never durable, whatever is said
    ('sqlite:///:memory:', True, True, False, True),
    ('sqlite:///overage_manager.sqlite3', False, False, False, False),  # the sandbox, the tests
])
def test_durability(url, said, runner, durable, warned):
    found = durability(url, said_durable=said, under_runner=runner)

    assert found.durable is durable
    assert found.warning == (NOT_DURABLE_WARNING if warned else None)
    assert found.backend in ('sqlite', 'postgresql')


def test_the_variable_says_a_sqlite_store_is_durable():
    assert Settings.from_config({'STORE_IS_DURABLE': 'true'}).store_is_durable
    assert not Settings.from_config({'STORE_IS_DURABLE': 'no'}).store_is_durable
    assert not Settings.from_config({}).store_is_durable


def test_the_log_says_it_once_when_the_runner_opens_a_store_that_may_be_lost(tmp_path, monkeypatch, caplog):
    wiring.clear_caches()
    monkeypatch.setattr(wiring, 'under_runner', lambda: True)
    settings = Settings(database_url=f'sqlite:///{tmp_path}/lost.sqlite3')
    try:
        with caplog.at_level(logging.WARNING, logger='connect_ext.wiring'):
            first = wiring.store_for(settings)
            assert wiring.store_for(settings) is first

        assert [record.getMessage() for record in caplog.records] == [NOT_DURABLE_WARNING]
    finally:
        wiring.clear_caches()


def test_the_runner_is_recognised_by_the_identity_it_connects_with():
    assert not started_by_runner({})
    assert not started_by_runner({'API_KEY': 'ApiKey SU-1:x'})
    assert not started_by_runner({'API_KEY': ' ', 'ENVIRONMENT_ID': 'ENV-1'})
    assert started_by_runner({'API_KEY': 'ApiKey SU-1:x', 'ENVIRONMENT_ID': 'ENV-1'})
