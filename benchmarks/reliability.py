"""Row 5: reliability under Partner Center faults, redelivered events and malformed payloads.

The runs are :mod:`testkit.reliability` ((a) operations under faults, (b) redelivered events)
and :mod:`testkit.event_fuzz` ((c) fuzzed event payloads), so the benchmark (large sizes) and
``tests/e2e/reliability`` (small sizes, assertions) run the very same code. This module makes
their rows, and (d): every log line (root logger at DEBUG) and every error body captured during
(a)-(c) is searched for the secrets: client secret, refresh tokens (the configured one and each
rotated one), every access token the simulator issued, the webhook secret, Connect's API key.
"""
import time
from typing import Dict, List

from benchmarks import MemoryProbe, Options, Row, at_most
from testkit.event_fuzz import run_fuzz
from testkit.reliability import OperationsReport, run_operations, run_redeliveries
from testkit.security import LogCapture, leaked_secrets


NAME = 'reliability'


def _operations_row(report: OperationsReport, probe, seconds) -> Row:
    verdicts = report.verdicts
    problems = (len(report.disagreements) + len(report.audit_missing) + report.audit_extra
                + report.webhook_duplicates + report.webhook_missing)
    fired = sum(report.faults_fired.values())
    row = Row(
        '5a', f'{len(report.operations):,} enable/move/disable, 20% faults',
        f"{verdicts['agreed']} agree with Microsoft, {verdicts['disagreed']} disagree, "
        f"{verdicts['unknown outcome']} 'may or may not have applied'; audit: "
        f'{len(report.audit_missing)} missing ({len(report.unaudited_changes)} of them changed '
        f'Microsoft), {report.audit_extra} extra; webhooks: '
        f'{report.webhook_deliveries} sent, {report.webhook_duplicates} duplicate, '
        f'{report.webhook_missing} missing, {report.webhook_bad_signatures} badly signed',
        f'{fired} faults injected in {report.calls:,} calls ('
        + ', '.join(f'{kind} {n}' for kind, n in report.faults_fired.items()) + ')',
        '0 disagreements, 1 audit entry and 1 webhook per operation',
        at_most(problems, 0, ' problems'), seconds, probe.peak_rss_mb, probe.heap_peak_mb,
    )
    row.notes.append('outcomes: ' + ', '.join(f'{k} {n}' for k, n in report.outcomes.most_common()))
    for operation in report.disagreements[:5]:
        row.notes.append(
            f'disagreement: customer {operation.customer} {operation.action} '
            f'{operation.target or ""} -> {operation.outcome}; Microsoft before {operation.before}, '
            f'after {operation.after}, shown {operation.shown} {operation.crash or ""}')
    return row


def run(options: Options) -> List[Row]:
    rows: List[Row] = []
    capture = LogCapture()
    texts: List[str] = []
    secrets: Dict[str, str] = {}
    count = 120 if options.quick else 2000
    with capture.installed():
        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            report = run_operations(count, max(10, count // 20), threads=16, read_timeout=0.3,
                                    sleep=lambda seconds: time.sleep(seconds / 20),
                                    service_workers=32)
            seconds = time.perf_counter() - started
        rows.append(_operations_row(report, probe, seconds))
        texts += report.texts
        secrets.update(report.secrets)

        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            redelivered = run_redeliveries(10 if options.quick else 40, 10,
                                           sleep=lambda seconds: time.sleep(seconds / 20))
            seconds = time.perf_counter() - started
        wrong = redelivered.wrong_counts
        rows.append(Row(
            '5b', f'{redelivered.events} OVG events, each delivered {3}x at once, 20% faults, '
                  'half the situations changed before approval',
            f'{len(redelivered.notes) - len(wrong)} of {len(redelivered.notes)} requests have one '
            f'note per situation ({sum(redelivered.lost.values())} lost, '
            f'{sum(redelivered.duplicated.values())} duplicated); '
            f'{len(redelivered.unsettled)} never settled',
            f'{redelivered.deliveries} deliveries: ' + ', '.join(
                f'{k} {n}' for k, n in redelivered.outcomes.most_common()),
            'exactly 1 note per request and situation', at_most(len(wrong), 0, ' requests'),
            seconds, probe.peak_rss_mb, probe.heap_peak_mb,
            notes=[f'{key}: {n} notes' for key, n in list(wrong.items())[:5]],
        ))
        texts += redelivered.texts
        secrets.update(redelivered.secrets)

        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            fuzzed = run_fuzz(100 if options.quick else 600, derandomize=False)
            seconds = time.perf_counter() - started
        rows.append(Row(
            '5c', 'event handlers fed malformed payloads (hypothesis)',
            f'{len(fuzzed.escaped)} exceptions escaped in {fuzzed.examples} payloads',
            'answers: ' + ', '.join(f'{k} {n}' for k, n in fuzzed.outcomes.most_common()),
            '0 exceptions escape', at_most(len(fuzzed.escaped), 0, ' exceptions'),
            seconds, probe.peak_rss_mb, probe.heap_peak_mb, notes=fuzzed.escaped[:3],
        ))
        texts += fuzzed.texts
        secrets.update(fuzzed.secrets)
    leaks = leaked_secrets(secrets, capture.lines + texts)
    rows.append(Row(
        '5d', 'secrets in logs (root at DEBUG) and error bodies of 5a-5c',
        f'{sum(leaks.values())} lines hold a secret' + (f' ({", ".join(leaks)})' if leaks else ''),
        f'{len(secrets)} secrets searched in {len(capture.lines):,} log lines and '
        f'{len(texts):,} bodies',
        'no secret anywhere', at_most(len(leaks), 0, ' secrets'), 0.0,
    ))
    return rows
