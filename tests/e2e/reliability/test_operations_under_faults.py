"""Enable, move and disable while Partner Center answers 20% of the calls on customers with a
429, a 5xx, a time-out or "applied, but the answer was lost" (issue 8, run 5a at small size).

The run is :func:`testkit.reliability.run_operations`, the benchmark's own: three customers'
operations at a time, no real waits between retries, 0.1 s read time-outs. Every operation is
judged against the simulator's true state, never against what the service answered.
"""
import pytest

from testkit.reliability import RESULT_OUTCOMES, UNKNOWN_OUTCOME_CODES, judge, run_operations
from testkit.security import LogCapture, leaked_secrets


OPERATIONS = 60
CUSTOMERS = 6
SEED = 11


@pytest.fixture(scope='module')
def run():
    capture = LogCapture()
    with capture.installed():
        report = run_operations(OPERATIONS, CUSTOMERS, seed_value=SEED, threads=3,
                                read_timeout=0.1, sleep=lambda _seconds: None,
                                service_workers=5)
    return report, capture


@pytest.fixture(scope='module')
def report(run):
    return run[0]


def test_every_kind_of_fault_was_injected(report):
    assert len(report.operations) == OPERATIONS
    assert all(fired > 0 for fired in report.faults_fired.values()), report.faults_fired
    assert set(report.faults_fired) == {'throttle', 'error 500', 'error 502', 'timeout', 'lost'}


def test_no_operation_fails_with_anything_but_a_public_error(report):
    assert [op.crash for op in report.operations if op.crash] == []
    for operation in report.operations:
        if operation.outcome not in RESULT_OUTCOMES:
            body = operation.error_body['error']
            assert body['code'] == operation.outcome
            assert body['message']
            assert body['reason']
            assert body['action']


def test_every_success_is_what_microsoft_holds(report):
    successes = [op for op in report.operations if op.outcome in RESULT_OUTCOMES]
    assert successes, 'the faults left no operation to succeed'
    for operation in successes:
        assert operation.after == operation.wanted, operation
        if operation.outcome != 'unconfirmed':
            assert operation.shown == operation.after, operation


def test_an_unknown_outcome_is_said_so_and_asks_to_reload(report):
    for operation in report.operations:
        if operation.outcome in UNKNOWN_OUTCOME_CODES:
            assert 'reload' in operation.error_body['error']['action'].lower()


def test_a_definite_failure_changed_nothing_at_microsoft(report):
    failures = [op for op in report.operations
                if op.outcome not in RESULT_OUTCOMES | UNKNOWN_OUTCOME_CODES]
    assert [op for op in failures if op.after != op.before] == []
    assert [op for op in report.operations if judge(op) == 'disagreed'] == []


def test_every_operation_has_exactly_one_audit_entry(report):
    assert report.audit_missing == []


def test_the_audit_trail_holds_no_entry_without_an_operation(report):
    assert report.audit_extra == 0


def test_every_audited_change_is_notified_once_and_signed(report):
    audited = OPERATIONS - len(report.audit_missing)
    assert report.webhook_deliveries == audited
    assert report.webhook_duplicates == 0
    assert report.webhook_missing == 0
    assert report.webhook_bad_signatures == 0


def test_no_secret_in_any_log_line_or_error_body(run):
    report, capture = run
    assert len(capture.lines) > OPERATIONS  # the client logs every exchange at DEBUG
    assert any('access token' in name for name in report.secrets)
    assert leaked_secrets(report.secrets, capture.lines + report.texts) == {}
