"""The event handlers fed malformed payloads (issue 8, run 5c at small size): any JSON value,
and real purchase / change / cancel requests with one part removed or replaced by a value of
another type (hypothesis, derandomized). No exception may escape a handler: the runner would
retry such an event forever instead of skipping it. What is no request at all is skipped with
its reason, and no request is noted twice.

The run is the benchmark's, :func:`testkit.event_fuzz.run_fuzz`, against the Partner Center and Connect
simulators, so a payload that is still a usable request does its real work.
"""

import pytest

from testkit.event_fuzz import run_fuzz
from testkit.security import LogCapture, leaked_secrets


EXAMPLES = 300


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
    assert report.garbage_not_skipped == []  # what is no request is skipped, with the reason
    assert report.notes_written_twice == {}
    assert report.other_connect_calls == []


def test_no_secret_in_any_log_line_or_answer(run):
    report, capture = run
    assert leaked_secrets(report.secrets, capture.lines + report.texts) == {}
