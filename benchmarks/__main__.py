"""``python -m benchmarks [--quick] [--only NAME ...] [--heap] [--million]``: run the rows, print
one table.

The exit status is non-zero only when a row crashed; a missed target is a result, printed as
``missed by X``. A crashed row is printed as such and the other rows still run.
"""
import argparse
import importlib
import logging
import os
import sys
import time
import traceback
from typing import List, Optional, Sequence

from benchmarks import Options, Row, machine


# (name, module): the table's order.
ROWS = (
    ('open', 'benchmarks.open_overage'),
    ('burst', 'benchmarks.ovg_burst'),
    ('overview', 'benchmarks.overview'),
    ('sync', 'benchmarks.sync_rate'),
    ('coverage', 'benchmarks.sync_coverage'),
    ('reliability', 'benchmarks.reliability'),
    ('history', 'benchmarks.history'),
)
COLUMNS = ('#', 'measure', 'figure', 'baseline (same run)', 'target', 'result', 'time',
           'peak RSS')


def _cells(row: Row) -> List[str]:
    memory = '' if row.peak_rss_mb is None else f'{row.peak_rss_mb:.0f} MB'
    if row.heap_peak_mb is not None:
        memory += f' (heap {row.heap_peak_mb:.0f} MB)'
    return [row.key, row.title, row.figure, row.baseline, row.target, row.verdict,
            f'{row.seconds:.1f} s', memory]


def render(rows: Sequence[Row], header: str) -> str:
    """The rows as one Markdown table (it reads as plain text too), then the rows' notes."""
    def line(cells):
        return '| ' + ' | '.join(cell.replace('|', '/') for cell in cells) + ' |'

    out = [header, '', line(COLUMNS), line(['---'] * len(COLUMNS))]
    out += [line(_cells(row)) for row in rows]
    notes = [f'- {row.key}: {note}' for row in rows for note in row.notes]
    if notes:
        out += ['', 'Notes:', *notes]
    return '\n'.join(out) + '\n'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m benchmarks', description=__doc__)
    parser.add_argument('--quick', action='store_true', help='smaller sizes (about a minute)')
    parser.add_argument('--only', action='append', choices=[name for name, _ in ROWS],
                        help='run only this row (repeatable)')
    parser.add_argument('--million', action='store_true',
                        help='measure the overview, the sync coverage and the activity feed at '
                             '1,000,000 customers '
                             '(several minutes more: seeding)')
    parser.add_argument('--heap', action='store_true',
                        help='also trace the Python heap peak (tracemalloc; inflates times)')
    parser.add_argument('--postgres-url', default=os.environ.get('OVERAGE_TEST_POSTGRES_URL'),
                        help='a PostgreSQL server for the overview row (default: '
                             '$OVERAGE_TEST_POSTGRES_URL, else scripts/postgres-test-server.sh)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    options = Options(quick=args.quick, heap=args.heap, postgres_url=args.postgres_url,
                      million=args.million)
    # The table is the output: only errors of the code under test reach the terminal (the
    # reliability row raises the root logger to DEBUG to search every line for secrets).
    to_terminal = logging.StreamHandler()
    to_terminal.setLevel(logging.ERROR)
    to_terminal.setFormatter(logging.Formatter('%(levelname)s %(name)s: %(message)s'))
    logging.getLogger().addHandler(to_terminal)
    rows: List[Row] = []
    crashed = []
    started = time.perf_counter()
    for name, module_name in ROWS:
        if args.only and name not in args.only:
            continue
        sys.stderr.write(f'running {name}...\n')
        row_started = time.perf_counter()
        try:
            rows += importlib.import_module(module_name).run(options)
        except Exception:  # noqa: BLE001 - one crashed row must not hide the others
            crashed.append(name)
            traceback.print_exc()
            rows.append(Row(name, f'{name} CRASHED', 'see the traceback on stderr', '', '',
                            'crashed', time.perf_counter() - row_started))
    mode = 'quick' if args.quick else 'full'
    load = ', '.join(f'{value:.1f}' for value in os.getloadavg()) if hasattr(os, 'getloadavg') \
        else 'n/a'
    header = (f'Overage Manager benchmarks ({mode} run, {time.perf_counter() - started:.0f} s) on '
              f'{machine()}; load average at the end {load}')
    sys.stdout.write(render(rows, header))
    return 1 if crashed else 0


if __name__ == '__main__':
    sys.exit(main())
