"""Building the events' collaborators from the config: once per configuration, lazily."""
from connect_ext import wiring
from connect_ext.config import RUNNER_SCHEDULED_LIMIT_VARIABLE, Settings, scheduled_task_seconds
from connect_ext.orders.payload import AssetRequest, customer_of
from connect_ext.orders.sync import time_budget
from connect_ext.vocabulary import OWNER


def test_dependencies_are_built_once_per_configuration_and_lazily(tmp_path):
    config = {'DATABASE_URL': f'sqlite:///{tmp_path}/wiring.sqlite3',
              'MANAGE_OVERAGE_BASE_URL': 'https://pages.example.org'}

    first = wiring.events_dependencies_for(config)

    assert wiring.events_dependencies_for(dict(config)) is first
    assert wiring.events_dependencies_for({**config, 'OVERAGE_SKU_MARKER': 'PAYG'}) is not first
    assert first._store is None
    assert first._service is None
    assert not (tmp_path / 'wiring.sqlite3').exists()
    assert first.link_for('TA-1') == 'https://pages.example.org?customer=TA-1'


def test_the_store_and_service_are_made_on_first_use(tmp_path):
    deps = wiring.EventsDependencies(Settings(database_url=f'sqlite:///{tmp_path}/lazy.sqlite3'))

    service = deps.service

    assert service.store is deps.store
    assert deps.store.get_customer('TA-1') is None
    assert deps.service is service
    service.executor.shutdown(wait=False)


def test_events_act_as_the_owner_of_the_installation():
    assert wiring.events_caller({'owner': {'id': 'PA-123-456'}}).account_id == 'PA-123-456'
    assert wiring.events_caller({'owner': {'id': 'PA-123-456'}}).role == OWNER
    assert wiring.events_caller(None).account_id == wiring.SYSTEM_ACCOUNT
    assert wiring.events_caller({'owner': 'odd'}).account_id == wiring.SYSTEM_ACCOUNT


def test_the_sync_stops_a_minute_before_the_runner_would_stop_it():
    def budget(environ):
        return time_budget(scheduled_task_seconds(environ))

    assert budget({}) == 43200 - 60
    assert budget({RUNNER_SCHEDULED_LIMIT_VARIABLE: '600'}) == 540
    assert budget({RUNNER_SCHEDULED_LIMIT_VARIABLE: '90'}) == 45
    assert budget({RUNNER_SCHEDULED_LIMIT_VARIABLE: 'soon'}) == 43200 - 60
    assert budget({RUNNER_SCHEDULED_LIMIT_VARIABLE: '-5'}) == 43200 - 60
    assert budget({RUNNER_SCHEDULED_LIMIT_VARIABLE: 'nan'}) == 43200 - 60


def test_customer_fields_that_are_not_text_count_as_unknown():
    asset = {
        'id': 'AS-1',
        'params': [{'id': 'ms_customer_id', 'value': 'C0570000-0000-4000-8000-000000000001'}],
        'tiers': {'customer': {'id': 'TA-1', 'name': 42, 'contact_info': {'country': ['US']}},
                  'tier1': {'id': None}, 'tier2': 'TA-2'},
    }
    request = AssetRequest('PR-1', 'purchase', 'pending', asset, 'AS-1', 'TA-1', [])

    customer = customer_of(request, ('ms_customer_id',))

    assert customer.customer_id == 'TA-1'
    assert customer.tenant_id == 'c0570000-0000-4000-8000-000000000001'
    assert (customer.name, customer.country, customer.tier1_id, customer.tier2_id) == (
        None, None, None, None)
