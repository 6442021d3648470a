"""Benchmarks and reliability runs of the Overage Manager (issue 8): ``python -m benchmarks``.

Every figure is measured against a baseline taken in the same run, on the same machine, through
the real code: the Partner Center client over HTTPS against the Partner Center simulator, the
overage service, the store (SQLite, PostgreSQL), the events application against the Connect
simulator, and the web app served by uvicorn. Nothing is mocked in between.

This module holds what only the rows share: how a row runs (:class:`Options`), its result
(:class:`Row`) and verdict, the per-row peak-memory probe, percentiles and the machine. The
builders of the simulators' worlds, the store, the client, the service and the web app, and the
reliability runs, are the tests' too: they live in :mod:`testkit`. Each row lives in its own
module with a ``run(options)`` that returns its rows; :mod:`benchmarks.__main__` prints them as
one table.
"""
import os
import platform
import re
import resource
import sys
import tracemalloc
from dataclasses import dataclass, field
from typing import List, Optional, Sequence


# ------------------------------------------------------------------------------------ options


@dataclass(frozen=True)
class Options:
    """How a row runs: ``quick`` shrinks the sizes; ``heap`` also traces Python allocations;
    ``million``: the overview and the sync's coverage at 1,000,000 customers too (slow to seed)."""

    quick: bool = False
    heap: bool = False
    postgres_url: Optional[str] = None
    million: bool = False


# ------------------------------------------------------------------------------------ results


@dataclass
class Row:
    """One line of the table: a figure, its baseline measured in the same run, and a verdict."""

    key: str
    title: str
    figure: str
    baseline: str
    target: str = ''
    verdict: str = 'n/a'
    seconds: float = 0.0
    peak_rss_mb: Optional[float] = None
    heap_peak_mb: Optional[float] = None
    notes: List[str] = field(default_factory=list)


def at_most(value: float, limit: float, unit: str = '') -> str:
    """``met`` or ``missed by X`` for a figure that must not exceed ``limit``."""
    if value <= limit:
        return 'met'
    return f'missed by {_number(value - limit)}{unit}'


def at_least(value: float, limit: float, unit: str = '') -> str:
    """``met`` or ``missed by X`` for a figure that must reach ``limit``."""
    if value >= limit:
        return 'met'
    return f'missed by {_number(limit - value)}{unit}'


def _number(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f'{value:.0f}'
    return f'{value:.2f}'.rstrip('0').rstrip('.')


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; ``nan`` for no values."""
    if not values:
        return float('nan')
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(min(rank, len(ordered))) - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> str:
    return f'{seconds * 1000:.0f} ms'


# ------------------------------------------------------------------------------------ machine


def machine() -> str:
    """Platform, CPU count and model, Python version: the table header."""
    model = ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as cpuinfo:
            found = re.search(r'^model name\s*:\s*(.+)$', cpuinfo.read(), re.MULTILINE)
            model = f' ({found.group(1).strip()})' if found else ''
    except OSError:
        pass
    return (f'{platform.platform()}; {os.cpu_count()} CPU{model}; '
            f'Python {platform.python_version()} ({platform.python_implementation()})')


# ------------------------------------------------------------------------------------ memory


_STATUS = '/proc/self/status'
_CLEAR_REFS = '/proc/self/clear_refs'


def _vm_hwm_kb() -> Optional[int]:
    try:
        with open(_STATUS, encoding='ascii') as status:
            found = re.search(r'^VmHWM:\s+(\d+)\s+kB', status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _reset_vm_hwm() -> bool:
    """Linux resets the process's peak RSS when ``5`` is written to its ``clear_refs``."""
    try:
        with open(_CLEAR_REFS, 'w', encoding='ascii') as clear_refs:
            clear_refs.write('5')
    except OSError:
        return False
    return True


def _maxrss_kb() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == 'darwin' else usage  # bytes on macOS, kB elsewhere


class MemoryProbe:
    """The peak memory of the process while one row runs.

    Peak RSS: on Linux the kernel's high-water mark is reset before the row, so the figure is
    this row's own peak (the simulators run in the same process and are included); elsewhere
    the growth of ``getrusage`` maxrss. With ``heap=True``, tracemalloc's peak of Python
    allocations too (it slows Python code down, so times measured with it are inflated).
    """

    def __init__(self, heap: bool = False):
        self.heap = heap
        self.peak_rss_mb: Optional[float] = None
        self.heap_peak_mb: Optional[float] = None
        self._hwm_reset = False
        self._start_maxrss = 0

    def __enter__(self) -> 'MemoryProbe':
        self._hwm_reset = _reset_vm_hwm() and _vm_hwm_kb() is not None
        self._start_maxrss = _maxrss_kb()
        if self.heap:
            tracemalloc.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.heap:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.heap_peak_mb = peak / 2**20
        if self._hwm_reset:
            self.peak_rss_mb = (_vm_hwm_kb() or 0) / 1024
        else:
            self.peak_rss_mb = max(0, _maxrss_kb() - self._start_maxrss) / 1024
