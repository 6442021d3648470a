"""The web app and the events app driven through connect-extension-runner's own code, as Connect runs them.

The runner (43.1, the version Connect deploys) loads the applications from the project's entry points,
builds the FastAPI app with its own middleware, exception handlers and ``/static`` mount, and turns each
web task into an ASGI call with the ``X-Connect-*`` headers (``WebWorker.process_task``); for an event
it re-reads the request through Connect's API, builds the events application with its clients and the
variables, runs the handler and builds the task's result (``BackgroundTasksManager.submit``). Only the
websocket to Connect is left out. The runner is installed on the runner's stack only (CI requires it
there with ``OVERAGE_REQUIRE_RUNNER=1``); on the next stack these tests skip.
"""
import asyncio
import base64
import json
import os
import threading
from typing import Any, Dict, List

import pytest

from connect_ext import wiring
from testkit.callers import OWNER_ACCOUNT
from testkit.connect_requests import load_request
from testkit.fake_connect import CONNECT_URL, FakeConnect


if os.environ.get('OVERAGE_REQUIRE_RUNNER') == '1':
    import connect.eaas.runner  # noqa: F401 - required here: fail, don't skip
else:
    pytest.importorskip('connect.eaas.runner', reason='connect-extension-runner is on the runner stack only')

from connect.client.testing import AsyncConnectClientMocker
from connect.eaas.core.proto import (
    EventDefinition,
    HttpRequest,
    Logging,
    LogMeta,
    Message,
    SetupResponse,
    Task,
    TaskInput,
    TaskOptions,
    WebTask,
    WebTaskOptions,
)
from connect.eaas.runner.config import ConfigHelper
from connect.eaas.runner.handlers.events import EventsApp
from connect.eaas.runner.handlers.web import WebApp
from connect.eaas.runner.managers.background import BackgroundTasksManager
from connect.eaas.runner.workers.web import WebWorker


def run_async(coroutine_function):
    """Run a coroutine on a loop of its own, in a thread of its own: the runner's code is asyncio,
    and an earlier test (Playwright's sync API) may have left a loop running in the main thread."""
    outcome = {}

    def target():
        try:
            outcome['value'] = asyncio.run(coroutine_function())
        except BaseException as error:  # handed back to the test's thread
            outcome['error'] = error

    thread = threading.Thread(target=target, name='runner-loop')
    thread.start()
    thread.join(timeout=120)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


API_ADDRESS = CONNECT_URL.split('/')[2]  # the runner's clients talk to https://{API_ADDRESS}/public/v1
PURCHASE = 'asset_purchase_request_processing'


def variables_of(pc_settings, database_url: str) -> Dict[str, str]:
    """The extension's variables, as Connect hands them to the runner."""
    return {
        'DATABASE_URL': database_url,
        'PARTNER_CENTER_API_URL': pc_settings.api_url,
        'PARTNER_CENTER_LOGIN_URL': pc_settings.login_url,
        'PARTNER_CENTER_TENANT_ID': pc_settings.tenant_id,
        'PARTNER_CENTER_CLIENT_ID': pc_settings.client_id,
        'PARTNER_CENTER_CLIENT_SECRET': pc_settings.client_secret,
        'PARTNER_CENTER_REFRESH_TOKEN': pc_settings.refresh_token,
        'PARTNER_CENTER_CA_BUNDLE': pc_settings.ca_bundle or '',
    }


@pytest.fixture
def runner_config(monkeypatch, pc_settings, tmp_path):
    """The runner's configuration: its environment, and what Connect's setup answer would say."""
    monkeypatch.setattr('connect.eaas.runner.config.get_environment', lambda: {
        'api_key': 'ApiKey SU-000-000-000:runner',
        'environment_id': 'ENV-000-000-000-01',
        'instance_id': 'INS-000-000-000-01',
        'ws_address': API_ADDRESS,
        'api_address': API_ADDRESS,
        'background_task_max_execution_time': 300,
        'interactive_task_max_execution_time': 120,
        'scheduled_task_max_execution_time': 43200,
        'transformation_task_max_execution_time': 300,
        'row_transformation_task_max_execution_time': 60,
    })
    config = ConfigHelper(secure=True)
    variables = variables_of(pc_settings, f'sqlite:///{tmp_path}/runner.sqlite3')
    config.update_dynamic_config(SetupResponse(
        variables=[{'name': name, 'value': value, 'secure': False} for name, value in variables.items()],
        environment_type='production',
        logging=Logging(log_level='INFO', meta=LogMeta(
            service_id='SRVC-0000-0001', account_id=OWNER_ACCOUNT, account_name='ACME',
        )),
        event_definitions=[EventDefinition(
            event_type=PURCHASE,
            api_resource_endpoint='requests/{pk}',
            api_collection_endpoint='requests',
            api_collection_filter='and(eq(id,${_object_id_}),in(status,${_statuses_}))',
        )],
    ))
    wiring.clear_caches()
    yield config
    wiring.clear_caches()


# --- the web app -----------------------------------------------------------------------------------

def web_call(config, method: str, url: str, **options: Any):
    """One web task through the runner's WebWorker: (status, headers, body bytes)."""
    worker = WebWorker(WebApp(config), None, None, None)
    sent: List[Any] = []

    async def send(message):
        sent.append(message)

    worker.send = send
    task = WebTask(
        options=WebTaskOptions(correlation_id='corr-1', reply_to='reply-1', **options),
        request=HttpRequest(method=method, url=url, headers={}),
    )
    run_async(lambda: worker.process_task(task))
    answer = Message.deserialize(sent[0]).data.response
    return answer.status, answer.headers, base64.decodebytes(answer.content.encode())


OWNER_CALL = {'account_id': OWNER_ACCOUNT, 'account_role': 'distributor', 'call_type': 'admin',
              'call_source': 'ui', 'installation_id': 'EIN-000-000-001', 'api_key': 'ApiKey SU-1:inst'}


def test_a_route_answers_through_the_runner_with_the_variables_connect_sent(runner_config):
    status, _headers, body = web_call(runner_config, 'GET', '/api/settings', **OWNER_CALL)

    assert status == 200, body
    settings = json.loads(body)
    assert settings['sku_marker'] == 'OVG'
    assert settings['store'] == 'sqlite'
    assert settings['partner_center']['mode'] == 'app+user'
    assert 'runner.sqlite3' not in body.decode()  # the store's URL is a secure variable


def test_an_error_keeps_the_one_error_shape_through_the_runners_handlers(runner_config):
    status, _headers, body = web_call(runner_config, 'GET', '/api/customers/not-a-customer/overage',
                                      **OWNER_CALL)

    assert status == 404
    error = json.loads(body)['error']
    assert error['code'] == 'CUSTOMER_NOT_FOUND'
    assert set(error) == {'code', 'message', 'reason', 'action', 'details'}


def test_a_caller_connect_does_not_let_in_is_refused_in_the_one_shape(runner_config):
    vendor = {**OWNER_CALL, 'account_id': 'VA-000-000', 'account_role': 'vendor', 'call_type': 'user'}

    status, _headers, body = web_call(runner_config, 'GET', '/api/settings', **vendor)

    assert status == 403
    assert json.loads(body)['error']['code'] == 'FORBIDDEN'


@pytest.mark.parametrize('page', ['index.html', 'customer.html', 'settings.html'])
def test_the_pages_are_served_from_the_runners_static_mount(runner_config, page):
    status, headers, body = web_call(runner_config, 'GET', f'/static/{page}', **OWNER_CALL)

    assert status == 200
    assert headers['content-type'].startswith('text/html')
    assert b'<main id="app"></main>' in body  # the page's one main landmark (axe-core)


# --- the events app --------------------------------------------------------------------------------

def run_event(config, request: Dict[str, Any]):
    """One background task through the runner's manager: the result message it would send."""
    results: asyncio.Queue = asyncio.Queue()

    async def main():
        manager = BackgroundTasksManager(config, EventsApp(config), results.put)
        await manager.submit(Task(
            options=TaskOptions(task_id='TQ-000-001', task_category='background'),
            input=TaskInput(event_type=PURCHASE, object_id=request['id']),
        ))
        return await asyncio.wait_for(results.get(), timeout=60)

    return run_async(main)


@pytest.fixture
def connect_api(sim):
    """Connect's API as the runner's two clients reach it: the request re-read (httpx, async) and
    the conversations the note goes to (requests)."""
    fake = FakeConnect(CONNECT_URL, passthru=(sim.api_url, sim.login_url))
    reads = AsyncConnectClientMocker(CONNECT_URL)
    reads.start()
    with fake.mock:
        yield fake, reads
    reads.reset()


def test_an_ovg_purchase_gets_its_note_through_the_runner(runner_config, connect_api):
    fake, reads = connect_api
    request = load_request('purchase_ovg_existing_tenant')
    fake.add_conversation(request['id'])
    # What the runner asks before it calls the handler: is the request still in a subscribed status?
    reads.collection('requests').filter(
        f'and(eq(id,{request["id"]}),in(status,(pending,approved)))',
    ).count(return_value=1)
    reads.collection('requests')[request['id']].get(return_value=request)

    result = run_event(runner_config, request)

    assert result.output.result == 'success', result.output.message
    notes = fake.notes(request['id'])
    assert len(notes) == 1
    assert notes[0].startswith('Overage Manager')
    assert fake.unexpected_calls() == []


def test_a_request_no_longer_in_a_subscribed_status_is_skipped_by_the_runner(runner_config, connect_api):
    fake, reads = connect_api
    request = load_request('purchase_ovg_existing_tenant')
    reads.collection('requests').filter(
        f'and(eq(id,{request["id"]}),in(status,(pending,approved)))',
    ).count(return_value=0)

    result = run_event(runner_config, request)

    assert result.output.result == 'skip'
    assert fake.calls == []
