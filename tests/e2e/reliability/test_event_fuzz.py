"""The event handlers fed malformed payloads (issue 8, run 5c at small size): any JSON value,
and real purchase / change / cancel requests with one part removed or replaced by a value of
another type (hypothesis, derandomized). No exception may escape a handler: the runner would retry such an
event forever instead of skipping it.

The run is :func:`benchmarks.reliability.run_fuzz`, against the Partner Center and Connect
simulators, so a payload that is still a usable request does its real work.
"""
import copy
from contextlib import ExitStack

import pytest

from benchmarks import (
    LogCapture,
    add_ovg_purchase,
    connect_world,
    events_application,
    leaked_secrets,
    make_service,
    partner_center_client,
    partner_center_settings,
    ready_world,
    running_connect,
    temporary_sqlite_store,
)
from benchmarks.reliability import HANDLER_OF, run_fuzz
from sandbox.partner_center.testing import running_simulator


EXAMPLES = 100


@pytest.fixture(scope='module')
def run():
    capture = LogCapture()
    with capture.installed():
        report = run_fuzz(EXAMPLES)
    return report, capture


def test_no_exception_escapes_a_handler(run):
    report, _capture = run
    assert report.escaped == []
    assert report.examples == EXAMPLES


def test_broken_payloads_are_skipped_and_usable_ones_handled(run):
    report, _capture = run
    assert report.outcomes['skip'] > 0
    assert set(report.outcomes) <= {'success', 'skip', 'reschedule'}


def test_no_secret_in_any_log_line_or_answer(run):
    report, capture = run
    assert leaked_secrets(report.secrets, capture.lines + report.texts) == {}


@pytest.fixture(scope='module')
def events():
    """The events application on both simulators, and a pending OVG purchase of customer 1."""
    world = connect_world([1])
    request = add_ovg_purchase(world, 1, 1)
    with ExitStack() as stack:
        sim = stack.enter_context(running_simulator(ready_world(1)))
        store = stack.enter_context(temporary_sqlite_store())
        connect_client = stack.enter_context(running_connect(world))
        pc_settings = partner_center_settings(sim, read_timeout=5.0, max_attempts=1)
        client = partner_center_client(pc_settings, sleep=lambda _seconds: None)
        service = make_service(client, store, pc_settings, confirm_delays=())
        yield events_application(connect_client, store, service, pc_settings), request
        service.executor.shutdown(wait=False)


@pytest.mark.parametrize('kind', ['purchase', 'change', 'cancel'])
@pytest.mark.parametrize('name', [['Teams Phone OVG'], 5])
def test_an_item_name_that_is_not_text_does_not_escape_a_handler(events, kind, name):
    """Found by the benchmark's fuzzing (a TypeError out of the handlers): an item
    ``display_name`` of another type than text is no name, not a crashed event."""
    app, request = events
    payload = copy.deepcopy(request)
    payload['type'] = kind
    payload['status'] = 'approved'
    payload['asset']['items'][0]['display_name'] = name

    answer = getattr(app, HANDLER_OF[kind])(payload)

    assert str(answer.status) in {'success', 'skip', 'reschedule'}
