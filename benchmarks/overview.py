"""Row 3: the customer overview (``GET /api/customers``) over 100,000 customers, or 1,000,000
with ``--million`` (issue 16), on SQLite and PostgreSQL.

The store is filled with bulk inserts (executemany through SQLAlchemy Core, in chunks generated on
the fly, so a million rows never sit in memory at once), then pages are read the way the
overview asks for them:

- **first page**: no filter, the first 50;
- **searched page**: one status and a search prefix (of a name's first or a later word, a customer
  id or a tenant id), first or second page of 50;
- **deep page by cursor**: page 5,000 (or 90% into the list when it has fewer pages), asked with
  the sort key of the page before (``after``: what ``next_cursor`` carries);
- **baseline, the same deep page by offset**: ``offset`` = 249,950, as before the cursor;
- **floor, primary-key page**: 50 rows by primary key after a random key (raw SQL), the cheapest
  page any query can be.

Each is timed through :meth:`Store.list_customers` (SQLite and PostgreSQL) and the first,
searched and cursor pages through the web route over HTTP too, served as Connect's runner serves
it (:func:`testkit.runner_app.serving_as_the_runner`: no dependency replaced, the configuration in
``X-Connect-Config``); the baseline of the HTTP row is the same first page through the tests'
harness, whose ``dependency_overrides`` make FastAPI rebuild every route's dependencies per call.

A reseller's view of the same customers: :mod:`benchmarks.overview_resellers`.

PostgreSQL comes from ``--postgres-url`` /
``OVERAGE_TEST_POSTGRES_URL`` (a throwaway database is created on it and dropped after), else
from ``scripts/postgres-test-server.sh`` in a directory of its own (started and stopped here);
after the bulk insert it is VACUUMed and ANALYZEd, as autovacuum does after inserts. Targets
(issue 16, at 1,000,000): p95 < 50 ms on PostgreSQL and < 100 ms on SQLite for the first, a
searched and a deep cursor page.

Customer ids look random like Connect's but are a bijection of the customer's number (never two
alike, at any size); tenant ids are name-based UUIDs (122 random-looking bits).
"""
import os
import random
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import requests
from sqlalchemy import create_engine, select, text

from benchmarks import MemoryProbe, Options, Row, at_most, percentile
from connect_ext.api.cursors import encode_cursor
from connect_ext.store import Store
from connect_ext.store.models import Customer
from testkit.runner_app import serving_as_the_runner
from testkit.services import owner_headers, running_webapp
from testkit.stores import temporary_sqlite_store
from testkit.world import bulk_insert_customers, customer_row


NAME = 'overview'
CUSTOMERS = 100_000
QUICK_CUSTOMERS = 20_000
MILLION = 1_000_000
PAGE = 50
DEEP_PAGE = 5_000
TARGET_P95_MS = {'PostgreSQL': 50.0, 'SQLite': 100.0}
SEED_CHUNK = 10_000
REPO = Path(__file__).resolve().parent.parent
PG_SCRIPT = REPO / 'scripts' / 'postgres-test-server.sh'
PG_STATE_DIR = os.path.join(tempfile.gettempdir(), 'overage-pg-bench')

FIRST_WORDS = (
    'Contoso', 'Fabrikam', 'Northwind', 'Adatum', 'Litware', 'Proseware', 'Tailspin', 'Wingtip',
    'Woodgrove', 'Lucerne', 'Margie', 'Alpine', 'Coho', 'Humongous', 'Trey', 'Wide', 'Fourth',
    'Blue', 'Graphic', 'Relecloud', 'Munson', 'Datum', 'Bellows', 'Southridge', 'Lamna',
    'Nod', 'Olympia', 'Consolidated', 'Fineartschool', 'Vanarsdel', 'Zava', 'Boxing',
    'Cohowinery', 'Liberty', 'Phone', 'School', 'Treyresearch', 'Worldwide', 'Baldwin', 'Adventure',
)
SECOND_WORDS = (
    'Telecom', 'Calling', 'Phones', 'Trading', 'Systems', 'Holdings', 'Logistics', 'Retail',
    'Energy', 'Foods', 'Travel', 'Health', 'Media', 'Labs', 'Partners', 'Works', 'Group',
    'Services', 'Studios', 'Bank', 'Insurance', 'Motors', 'Pharma', 'Airlines', 'Ventures',
)
STATUSES = ('enabled',) * 6 + ('disabled',) * 10 + ('other_partner',) + ('unknown',) * 3


# Coprime with 10**12: number -> number * ID_MULTIPLIER mod 10**12 is a bijection.
ID_MULTIPLIER = 738_231_947_321
ID_OFFSET = 104_729_000_017


def overview_customer_id(number: int) -> str:
    """Connect's tier account ids look random (``TA-4821-0937-1164``): so do these, and no two
    numbers below 10**12 share one (a hash would collide about once among a million)."""
    digits = f'{(number * ID_MULTIPLIER + ID_OFFSET) % 10**12:012d}'
    return f'TA-{digits[:4]}-{digits[4:8]}-{digits[8:]}'


def overview_tenant_id(number: int) -> str:
    """A Microsoft tenant id is a random GUID: a prefix narrows the search as in real life."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f'tenant-{number}'))


def name_of(number: int) -> str:
    first = FIRST_WORDS[number % len(FIRST_WORDS)]
    second = SECOND_WORDS[(number // len(FIRST_WORDS)) % len(SECOND_WORDS)]
    return f'{first} {second} {number:06d}'


def status_of(number: int) -> str:
    """30% enabled, 50% disabled, 5% another partner's, 15% unknown; not tied to the name."""
    return STATUSES[(number * 2654435761 >> 11) % len(STATUSES)]


def overview_row(number: int, now: datetime) -> Dict:
    return customer_row(number, name=name_of(number), status=status_of(number),
                        now=now, checked_at=now, ovg_asset_ids=[f'AS-{number:04d}-0000-0000'],
                        customer_id=overview_customer_id(number),
                        tenant_id=overview_tenant_id(number))


def rows_for(count: int) -> List[Dict]:
    now = datetime.now(UTC)
    return [overview_row(number, now) for number in range(1, count + 1)]


def seed(store: Store, count: int, chunk: int = SEED_CHUNK) -> None:
    """``count`` overview customers in chunks of ``chunk`` rows, each built just before its insert."""
    now = datetime.now(UTC)
    for start in range(1, count + 1, chunk):
        numbers = range(start, min(count, start + chunk - 1) + 1)
        bulk_insert_customers(store, [overview_row(number, now) for number in numbers], chunk=chunk)


def filtered_queries(count: int, rng: random.Random, customers: int,
                     numbers: Optional[range] = None) -> List[Dict]:
    """Status + search prefix (of a name's first or a later word, a customer id or a tenant id), first
    or second page; of one of ``numbers`` when given (a reseller searches its own customers)."""
    queries = []
    for _ in range(count):
        number = rng.choice(numbers) if numbers is not None else rng.randint(1, customers)
        kind = rng.random()
        if kind < 0.55:
            search = name_of(number)[:rng.randint(3, 8)].lower()
        elif kind < 0.7:  # the start of a later word ("Toys" finds "Wingtip Toys")
            search = name_of(number).split()[1][:rng.randint(3, 7)].lower()
        elif kind < 0.85:
            search = overview_customer_id(number)[:rng.randint(6, 12)]
        else:
            search = overview_tenant_id(number)[:rng.randint(4, 13)]
        queries.append({'status': rng.choice(('enabled', 'disabled', 'other_partner', 'unknown')),
                        'search': search, 'limit': PAGE, 'offset': rng.choice((0, PAGE))})
    return queries


def first_pages(count: int) -> List[Dict]:
    return [{'limit': PAGE} for _ in range(count)]


def deep_page_number(customers: int) -> int:
    """Page 5,000 (1-based), or 90% into the list when it has fewer pages."""
    return min(DEEP_PAGE, max(1, int(customers / PAGE * 0.9)))


def deep_keys(store: Store, customers: int, count: int) -> List[Tuple[int, Tuple[str, str]]]:
    """(offset, sort key of the row before it) of ``count`` pages from the deep page on, read once
    with one query: the cursors ``next_cursor`` would have handed out on the way there."""
    first = (deep_page_number(customers) - 1) * PAGE
    table = Customer.__table__
    query = (select(table.c.search_name, table.c.customer_id)
             .order_by(table.c.search_name, table.c.customer_id)
             .offset(first - 1).limit(count * PAGE))
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(first + index * PAGE, (rows[index * PAGE][0], rows[index * PAGE][1]))
            for index in range(count) if index * PAGE < len(rows)]


def _timed(calls: List[Callable[[], object]]) -> List[float]:
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def _p(values: List[float]) -> str:
    return f'p50 {percentile(values, 50) * 1000:.1f} / p95 {percentile(values, 95) * 1000:.1f} ms'


def primary_key_pages(store: Store, count: int, rng: random.Random, customers: int) -> List[float]:
    table = Customer.__table__
    calls = []
    for _ in range(count):
        after = overview_customer_id(rng.randint(1, customers))
        query = select(table).where(table.c.customer_id > after).order_by(table.c.customer_id) \
            .limit(PAGE)

        def call(query=query):
            with store.engine.connect() as connection:
                return connection.execute(query).all()
        calls.append(call)
    return _timed(calls)


def measure_store(store: Store, iterations: int, customers: int) -> Dict[str, List[float]]:
    rng = random.Random(8)  # noqa: S311 - which pages to ask for, not cryptography
    for query in filtered_queries(20, rng, customers):  # warm the connection pool and caches
        store.list_customers(**query)
    queries = filtered_queries(iterations, rng, customers)
    filtered = [lambda q=q: store.list_customers(**q) for q in queries]
    first = [lambda q=q: store.list_customers(**q) for q in first_pages(iterations)]
    deep = deep_keys(store, customers, max(10, iterations // 4))
    by_cursor = [lambda key=key: store.list_customers(limit=PAGE, after=key)
                 for _, key in deep] * 4
    by_offset = [lambda offset=offset: store.list_customers(limit=PAGE, offset=offset)
                 for offset, _ in deep]
    times = {
        'filtered': _timed(filtered),
        'first': _timed(first),
        'cursor': _timed(by_cursor),
        'offset': _timed(by_offset),
        'primary_key': primary_key_pages(store, iterations, rng, customers),
    }
    # The sync's side of the same table: a claim of one batch in its priority order, and the
    # coverage count of the settings page (store/sync_claims.py).
    times['claim'] = _timed([
        lambda n=n: store.claim_customers_for_sync(worker_id=f'bench-{n}', batch_size=20,
                                                   lease_seconds=60)
        for n in range(max(10, iterations // 4))])
    times['coverage'] = _timed([store.sync_coverage for _ in range(5)])
    return times


def _getter(session: requests.Session, api_url: str, headers: Dict[str, str]):
    def get(params):
        response = session.get(f'{api_url}/customers', params=params, headers=headers, timeout=60)
        response.raise_for_status()
        return response
    return get


def measure_http(store: Store, iterations: int, customers: int) -> Dict[str, List[float]]:
    """The owner's pages, and each reseller's (``reseller <label> <kind>``), over HTTP as the
    runner serves the app; ``harness_first``: the first page through the tests' harness."""
    from benchmarks.overview_resellers import measure_reseller_http, reseller_views

    rng = random.Random(9)  # noqa: S311
    session = requests.Session()
    deep = [{'limit': PAGE, 'cursor': encode_cursor(key)}
            for _, key in deep_keys(store, customers, max(10, iterations // 4))]
    times: Dict[str, List[float]] = {}
    with serving_as_the_runner(store.url, reseller_views(customers)) as app:
        get = _getter(session, app.api_url, app.owner_headers())
        for query in filtered_queries(20, rng, customers):
            get(query)
        times['filtered'] = _timed([lambda q=q: get(q)
                                    for q in filtered_queries(iterations, rng, customers)])
        times['first'] = _timed([lambda q=q: get(q) for q in first_pages(iterations)])
        times['cursor'] = _timed([lambda q=q: get(q) for q in deep] * 4)
        times.update(measure_reseller_http(store, session, app, iterations, customers))
    with running_webapp(store) as api_url:
        get = _getter(session, api_url, owner_headers())
        for query in first_pages(20):
            get(query)
        times['harness_first'] = _timed([lambda q=q: get(q) for q in first_pages(iterations)])
    return times


# ------------------------------------------------------------------------------------ PostgreSQL


def _server_url(options: Options) -> Tuple[Optional[str], Optional[Callable[[], None]], str]:
    """(URL of a server, how to stop it if started here, where it comes from)."""
    if options.postgres_url:
        return options.postgres_url, None, 'OVERAGE_TEST_POSTGRES_URL'
    if not PG_SCRIPT.exists():
        return None, None, f'{PG_SCRIPT} missing'
    environ = dict(os.environ, PGTEST_DIR=PG_STATE_DIR)
    started = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(PG_SCRIPT), 'start'], env=environ, capture_output=True, text=True, check=False,
        timeout=120,
    )
    if started.returncode != 0 or not started.stdout.strip():
        return None, None, f'postgres-test-server.sh failed: {started.stderr.strip()[-200:]}'

    def stop():
        subprocess.run([str(PG_SCRIPT), 'stop'], env=environ, capture_output=True,  # noqa: S603
                       check=False, timeout=120)
    return started.stdout.strip().splitlines()[-1], stop, 'scripts/postgres-test-server.sh'


@contextmanager
def postgres_database(options: Options) -> Iterator[Tuple[Optional[str], str]]:
    """A new, empty database on a PostgreSQL server, dropped afterwards: (URL or None, origin)."""
    server_url, stop, origin = _server_url(options)
    if server_url is None:
        yield None, origin
        return
    name = f'overage_bench_{uuid.uuid4().hex[:8]}'
    admin = create_engine(server_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
        yield server_url.rsplit('/', 1)[0] + '/' + name, origin
    finally:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        finally:
            admin.dispose()
            if stop:
                stop()


# ------------------------------------------------------------------------------------ the row


def _fill(store: Store, customers: int) -> float:
    started = time.perf_counter()
    from benchmarks.overview_resellers import seed_resellers

    seed(store, customers)
    seed_resellers(store, customers)
    if store.is_postgresql:
        # What autovacuum does after a bulk insert (PostgreSQL 13+ vacuums on inserts too): the
        # statistics, and the visibility map that lets an index-only scan skip the table.
        with store.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
            for table in ('customers', 'customer_words', 'customer_accounts'):
                connection.execute(text(f'VACUUM ANALYZE {table}'))
    return time.perf_counter() - started


def _p95(values: List[float]) -> float:
    return percentile(values, 95) * 1000


def _verdict(times: Dict[str, List[float]], kinds, target: float) -> str:
    missed = [f'{kind} {at_most(_p95(times[kind]), target, " ms")}' for kind in kinds
              if _p95(times[kind]) > target]
    return '; '.join(missed) if missed else 'met'


def _rows(backend: str, store_times, http_times, insert_seconds, customers, probe,
          seconds) -> List[Row]:
    common = {'seconds': seconds, 'peak_rss_mb': probe.peak_rss_mb,
              'heap_peak_mb': probe.heap_peak_mb}
    target = TARGET_P95_MS[backend]
    deep = deep_page_number(customers)
    rows = [Row(
        f'3{backend[0].lower()}', f'Overview, {customers:,} customers, {backend}, Store API',
        f"first page {_p(store_times['first'])}; searched page {_p(store_times['filtered'])}; "
        f"page {deep:,} by cursor {_p(store_times['cursor'])}",
        f"page {deep:,} by offset {_p(store_times['offset'])}; primary-key page "
        f"{_p(store_times['primary_key'])}",
        f'p95 < {target:.0f} ms (first, searched, cursor)',
        _verdict(store_times, ('first', 'filtered', 'cursor'), target),
        notes=[f'bulk insert of {customers:,} rows (executemany, chunks of {SEED_CHUNK:,}) took '
               f'{insert_seconds:.1f} s; searched n={len(store_times["filtered"])}, cursor '
               f'n={len(store_times["cursor"])}, offset n={len(store_times["offset"])}',
               f"the sync's claim of 20 in its priority order {_p(store_times['claim'])}; the "
               f"settings page's coverage count {_p(store_times['coverage'])} (kept 5 min)"],
        **common,
    )]
    if http_times:
        rows.append(Row(
            f'3{backend[0].lower()}h', f'Overview, {customers:,} customers, {backend}, '
                                       'GET /api/customers',
            f"first page {_p(http_times['first'])}; searched page {_p(http_times['filtered'])}; "
            f"page {deep:,} by cursor {_p(http_times['cursor'])}",
            f"first page through the tests' harness (dependency_overrides) "
            f"{_p(http_times['harness_first'])}; primary-key page "
            f"{_p(store_times['primary_key'])} (store)",
            f'p95 < {target:.0f} ms', _verdict(http_times, ('first', 'filtered', 'cursor'), target),
            notes=['served as the runner serves it: no dependency replaced, the configuration in '
                   'X-Connect-Config'],
            **common,
        ))
    return rows


def _measure_backend(backend, store, customers, iterations, options) -> List[Row]:
    from benchmarks.overview_resellers import measure_reseller_store, reseller_rows

    with MemoryProbe(options.heap) as probe:
        started = time.perf_counter()
        insert_seconds = _fill(store, customers)
        store_times = measure_store(store, iterations, customers)
        reseller_times = measure_reseller_store(store, max(20, iterations // 2), customers)
        http_times = measure_http(store, iterations // 2, customers)
        seconds = time.perf_counter() - started
    common = {'seconds': seconds, 'peak_rss_mb': probe.peak_rss_mb,
              'heap_peak_mb': probe.heap_peak_mb}
    return (_rows(backend, store_times, http_times, insert_seconds, customers, probe, seconds)
            + reseller_rows(backend, reseller_times, store_times, http_times, customers, common))


def run(options: Options) -> List[Row]:
    customers = QUICK_CUSTOMERS if options.quick else MILLION if options.million else CUSTOMERS
    iterations = 60 if options.quick else 240
    rows: List[Row] = []
    with temporary_sqlite_store() as store:
        rows += _measure_backend('SQLite', store, customers, max(30, iterations // 2), options)
    with postgres_database(options) as (url, origin):
        if url is None:
            rows.append(Row('3p', f'Overview, {customers:,} customers, PostgreSQL', 'not measured',
                            '', f"p95 < {TARGET_P95_MS['PostgreSQL']:.0f} ms",
                            f'skipped: {origin}'))
            return rows
        store = Store.migrated(url)
        try:
            pg_rows = _measure_backend('PostgreSQL', store, customers, iterations, options)
        finally:
            store.close()
        pg_rows[0].notes.append(f'PostgreSQL from {origin} (the test server runs with fsync off)')
        rows += pg_rows
    return rows
