"""Row 6: the activity feed (``GET /api/history``) over 100,000 customers' history, and with
``--million`` over 1,000,000 (the issue's size; filling it takes minutes per database).

The store holds that many customers (quick: 50,000) with two audit entries each, interleaved in
time over 90 days, 4 % failed, and two resellers who see 1 % and 0.01 % of the customers (the
rows ``customer_accounts`` holds for them). It is filled by SQL (``INSERT ... SELECT`` over a
generated series), then ANALYZEd on PostgreSQL, as autovacuum would.

Measured through :attr:`Store.history` (both databases) and through the web route over HTTP as
Connect's runner serves it (:func:`testkit.runner_app.serving_as_the_runner`: no dependency
replaced; the distributor's pages and the 1 % reseller's first page; the tests' harness, which
replaces dependencies, only as a baseline):

- **first page**: the newest 50 entries of every customer;
- **filtered pages**: one outcome (``failed``), one customer by id, a word of names (one customer
  in 40,000 has it), since yesterday, and a reseller's feed (1 % and 0.01 % of the customers);
- **deep cursor page**: the page after a cursor half-way down the history;
- **baselines, same run**: the read the activity tab makes today, one customer's
  ``list_audit`` (counted, offset 0), and the trail as an offset page 10,000 entries deep
  (``list_audit(offset=...)``), the way a feed without a cursor would read it.

Target (issue 19): p95 < 50 ms on PostgreSQL for the first, filtered and deep pages, at the
Store API (6p) and over HTTP (6ph), a reseller's included.
"""
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Callable, Dict, List

import requests
from sqlalchemy import text

from benchmarks import MemoryProbe, Options, Row, at_most, percentile
from benchmarks.overview import postgres_database
from connect_ext.store import Store
from testkit.runner_app import serving_as_the_runner
from testkit.services import owner_headers, running_webapp
from testkit.stores import temporary_sqlite_store


NAME = 'history'
MILLION = 1_000_000
CUSTOMERS = 100_000
QUICK_CUSTOMERS = 50_000
ENTRIES_PER_CUSTOMER = 2
PAGE = 50
TARGET_P95_MS = 50.0
SPAN = timedelta(days=90)
# The newest entry of the seeded history (the "today" of the benchmark).
END = datetime(2026, 12, 1, tzinfo=UTC)
BIG_RESELLER, SMALL_RESELLER = 'PA-900-001', 'PA-900-002'
# One customer in RARE_EVERY has this word in its name.
RARE_WORD, RARE_EVERY = 'Quillfeather', 40_000

_FIRST = ('Contoso', 'Fabrikam', 'Northwind', 'Adatum', 'Litware', 'Proseware', 'Tailspin',
          'Wingtip', 'Woodgrove', 'Lucerne')
_SECOND = ('Telecom', 'Calling', 'Phones', 'Trading', 'Systems', 'Holdings', 'Logistics', 'Retail')


def customer_id(number: int) -> str:
    return f'TA-{number // 10**8 % 10**4:04d}-{number // 10**4 % 10**4:04d}-{number % 10**4:04d}'


def _words(name: str, words) -> str:
    return ' '.join(f"WHEN {i} THEN '{word}'" for i, word in enumerate(words)).join(
        (f'CASE {name} ', ' END'))


def _fill_sql(dialect: str, customers: int) -> List[str]:
    """The statements that fill the store: customers, their audit entries, resellers' rows."""
    # Fixed numbers and words only (no input reaches these statements).
    series = (f'SELECT generate_series(1::bigint, {customers}) AS n' if dialect == 'postgresql' else
              f'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL '  # noqa: S608
              f'SELECT n + 1 FROM s WHERE n < {customers}) SELECT n FROM s')
    entries = customers * ENTRIES_PER_CUSTOMER
    entry_series = series.replace(f'{customers})', f'{entries})')
    if dialect == 'postgresql':
        pad = "lpad(({x})::text, 4, '0')"
        num = "lpad((n % 1000000)::text, 6, '0')"
        ago = f"(TIMESTAMPTZ '{END.isoformat()}' - make_interval(secs => ({{x}})))"
        nowts = f"TIMESTAMPTZ '{END.isoformat()}'"
    else:
        pad = "printf('%04d', {x})"
        num = "printf('%06d', n % 1000000)"
        ago = (f"(datetime('{END.strftime('%Y-%m-%d %H:%M:%S')}', '-' || ({{x}}) || ' seconds') "
               "|| '.000000')")
        nowts = f"'{END.strftime('%Y-%m-%d %H:%M:%S.000000')}'"

    def cid(var):
        return (f"'TA-' || {pad.format(x=f'{var} / 100000000 % 10000')} || '-' || "
                f"{pad.format(x=f'{var} / 10000 % 10000')} || '-' || {pad.format(x=f'{var} % 10000')}")

    # A word of names that one customer in RARE_EVERY has, after the first word (a later word).
    name = (f"{_words('n % 10', _FIRST)} || ' ' || "
            f"(CASE WHEN n % {RARE_EVERY} = 7 THEN '{RARE_WORD} ' ELSE '' END) || "
            f"{_words('n / 10 % 8', _SECOND)} || ' ' || {num}")
    customers_sql = (
        'INSERT INTO customers (customer_id, tenant_id, name, search_name, country, tier1_id, '  # noqa: S608
        'ovg_subscription_count, ovg_asset_ids, overage_status, flags, reseller_mpn_checked_at, '
        'created_at, updated_at, version) '
        f"SELECT {cid('n')}, NULL, {name}, lower({name}), 'US', 'TA-0000-0000-0001', 1, '[]', "
        f"'disabled', '[]', {nowts}, {nowts}, {nowts}, 1 FROM ({series}) AS s"
    )
    # Entry j belongs to customer (j * 7919) mod N + 1: a customer's two entries are far apart.
    span = int(SPAN.total_seconds())
    step = f'(n - 1) * {span} / {entries}'
    who = f'((n * 7919) % {customers}) + 1'
    outcome = ("CASE WHEN n % 25 = 0 THEN 'failed' WHEN n % 25 = 1 THEN 'confirmed' "
               "WHEN n % 25 = 2 THEN 'unconfirmed' WHEN n % 25 = 3 THEN 'no_change' "
               "ELSE 'succeeded' END")
    audit_sql = (
        'INSERT INTO audit_entries (customer_id, tenant_id, at, actor_type, actor_id, action, '  # noqa: S608
        'from_enabled, to_entitlement, to_enabled, outcome, ms_request_id, ms_correlation_id, '
        'details) '
        f"SELECT {cid('w')}, NULL, {ago.format(x=f'{span} - {step}')}, 'owner', 'PA-000-000', "
        "'enable', false, "
        f"'e0710000-0000-4000-8000-000000000001', true, {outcome}, 'req-' || n, 'corr-' || n, "
        "'{\"names\": {\"e0710000-0000-4000-8000-000000000001\": \"Subscription 1\"}}' "
        f'FROM (SELECT n, {who} AS w FROM ({entry_series}) AS e) AS s'
    )
    if dialect == 'sqlite':
        audit_sql = audit_sql.replace('false', '0').replace('true', '1')
    resellers = [
        f"INSERT INTO customer_accounts (account_id, customer_id, seen_at) SELECT '{account}', "  # noqa: S608
        f"{cid('n')}, {nowts} FROM ({series}) AS s WHERE n % {every} = 3"
        for account, every in ((BIG_RESELLER, 100), (SMALL_RESELLER, 10_000))
    ]
    # The overview's word search (store/words.py): each later word of a name, to the name's end.
    find = 'strpos' if dialect == 'postgresql' else 'instr'
    words_sql = (
        'WITH RECURSIVE w(customer_id, word, search_name) AS ('  # noqa: S608
        f"SELECT customer_id, substr(search_name, {find}(search_name, ' ') + 1), search_name "
        f"FROM customers WHERE {find}(search_name, ' ') > 0 UNION ALL "
        f"SELECT customer_id, substr(word, {find}(word, ' ') + 1), search_name FROM w "
        f"WHERE {find}(word, ' ') > 0) "
        'INSERT INTO customer_words (customer_id, word, search_name) '
        'SELECT customer_id, word, search_name FROM w'
    )
    return [customers_sql, words_sql, audit_sql, *resellers]


def fill(store: Store, customers: int) -> float:
    started = time.perf_counter()
    dialect = 'postgresql' if store.is_postgresql else 'sqlite'
    with store.engine.begin() as connection:
        for statement in _fill_sql(dialect, customers):
            connection.execute(text(statement))
    with store.engine.begin() as connection:
        connection.execute(text('ANALYZE'))
    return time.perf_counter() - started


def _timed(calls: List[Callable[[], object]]) -> List[float]:
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def _p(values: List[float]) -> str:
    return f'p50 {percentile(values, 50) * 1000:.1f} / p95 {percentile(values, 95) * 1000:.1f} ms'


def _deep_cursors(store: Store, count: int, rng: random.Random, customers: int):
    """(at, id) of entries about half-way down the history, as a cursor hands them back."""
    total = customers * ENTRIES_PER_CUSTOMER
    cursors = []
    with store.engine.connect() as connection:
        for _ in range(count):
            entry_id = rng.randint(total * 2 // 5, total * 3 // 5)
            at = connection.execute(text('SELECT at FROM audit_entries WHERE id = :id'),
                                    {'id': entry_id}).scalar_one()
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            cursors.append((at if at.tzinfo else at.replace(tzinfo=UTC), entry_id))
    return cursors


def store_queries(store: Store, n: int, customers: int, rng: random.Random) -> Dict[str, list]:
    """name -> calls of Store.history.page (and of the baselines)."""
    page = store.history.page
    ids = [customer_id(rng.randint(1, customers)) for _ in range(n)]
    yesterday = END - timedelta(days=1)
    deep = _deep_cursors(store, n, rng, customers)
    return {
        'first': [lambda: page(limit=PAGE)] * n,
        'failed': [lambda: page(limit=PAGE, outcome='failed')] * n,
        'customer id': [lambda c=c: page(limit=PAGE, customer=(c, None)) for c in ids],
        'rare word': [lambda: page(limit=PAGE, customer=(None, RARE_WORD.lower()))] * n,
        'first word': [lambda: page(limit=PAGE, customer=(None, 'wingtip'))] * n,
        'since yesterday': [lambda: page(limit=PAGE, since=yesterday)] * n,
        'reseller 1%': [lambda: page(limit=PAGE, visible_to=BIG_RESELLER)] * n,
        'reseller 0.01%': [lambda: page(limit=PAGE, visible_to=SMALL_RESELLER)] * n,
        'deep cursor': [lambda a=a: page(limit=PAGE, after=a) for a in deep],
        'baseline: one customer list_audit': [
            lambda c=c: store.list_audit(customer_id=c, limit=PAGE) for c in ids],
        'baseline: offset 10,000': [
            lambda: store.list_audit(limit=PAGE, offset=10_000)] * max(5, n // 10),
    }


def _getter(session, api_url: str, headers):
    def get(params):
        response = session.get(f'{api_url}/history', params=params, headers=headers, timeout=30)
        response.raise_for_status()
        return response.json()
    return get


def reseller_views(customers: int) -> Dict[str, List[str]]:
    """What Connect shows each reseller (the rows the fill gives ``customer_accounts``)."""
    return {account: [customer_id(n) for n in range(3, customers + 1, every)]
            for account, every in ((BIG_RESELLER, 100), (SMALL_RESELLER, 10_000))}


def http_queries(session, app, n: int, customers: int, rng: random.Random):
    """name -> calls of GET /api/history (``app``: a :class:`~testkit.runner_app.RunnerApp`)."""
    get = _getter(session, app.api_url, app.owner_headers())
    reseller = _getter(session, app.api_url, app.reseller_headers(BIG_RESELLER))
    cursor = None
    for _ in range(3):
        cursor = get({'limit': PAGE, **({'cursor': cursor} if cursor else {})})['next_cursor']
    ids = [customer_id(rng.randint(1, customers)).lower() for _ in range(n)]
    return {
        'first': [lambda: get({'limit': PAGE})] * n,
        'failed': [lambda: get({'limit': PAGE, 'outcome': 'failed'})] * n,
        'customer id': [lambda c=c: get({'limit': PAGE, 'customer': c}) for c in ids],
        'rare word': [lambda: get({'limit': PAGE, 'customer': RARE_WORD})] * n,
        'first word': [lambda: get({'limit': PAGE, 'customer': 'Wingtip'})] * n,
        'cursor': [lambda: get({'limit': PAGE, 'cursor': cursor})] * n,
        'reseller 1%': [lambda: reseller({'limit': PAGE})] * n,
    }


FILTERED = ('failed', 'customer id', 'rare word', 'first word', 'since yesterday', 'reseller 1%',
            'reseller 0.01%')


def _measure(store: Store, customers: int, n: int, http: bool) -> Dict[str, Dict[str, List[float]]]:
    rng = random.Random(19)  # noqa: S311 - which pages to ask for, not cryptography
    for calls in store_queries(store, 3, customers, rng).values():  # warm caches and the pool
        _timed(calls)
    results = {'store': {name: _timed(calls)
                         for name, calls in store_queries(store, n, customers, rng).items()}}
    if http:
        session = requests.Session()
        with serving_as_the_runner(store.url, reseller_views(customers)) as app:
            for calls in http_queries(session, app, 3, customers, rng).values():
                _timed(calls)
            results['http'] = {name: _timed(calls) for name, calls in
                               http_queries(session, app, n // 2, customers, rng).items()}
        # The tests' harness replaces dependencies, which makes FastAPI rebuild every route's
        # dependency graph on every call: a baseline, not the runner's path.
        with running_webapp(store) as api_url:
            harness = _getter(session, api_url, owner_headers())
            _timed([lambda: harness({'limit': PAGE})] * 3)
            results['harness'] = {'first': _timed([lambda: harness({'limit': PAGE})] * (n // 2))}
    return results


def _rows(backend: str, results, customers: int, fill_seconds: float, probe, seconds: float,
          target: bool) -> List[Row]:
    key = f'6{backend[0].lower()}'
    times = results['store']
    worst = max(percentile(times[name], 95) for name in ('first', 'deep cursor', *FILTERED)) * 1000
    filtered = '; '.join(f'{name} {_p(times[name])}' for name in FILTERED)
    common = {'seconds': seconds, 'peak_rss_mb': probe.peak_rss_mb,
              'heap_peak_mb': probe.heap_peak_mb}
    label = f'Activity feed, {customers:,} customers ({customers * ENTRIES_PER_CUSTOMER:,} entries)'
    rows = [Row(
        key, f'{label}, {backend}, Store API',
        f"first page {_p(times['first'])}; deep cursor page {_p(times['deep cursor'])}; "
        f'filtered: {filtered}',
        f"one customer's list_audit (today's activity tab) "
        f"{_p(times['baseline: one customer list_audit'])}; offset page 10,000 deep "
        f"{_p(times['baseline: offset 10,000'])}",
        f'p95 < {TARGET_P95_MS:.0f} ms (worst page)' if target else '(reported)',
        at_most(worst, TARGET_P95_MS - 1e-9, ' ms') if target else 'n/a',
        notes=[f'{backend}: filled by INSERT ... SELECT in {fill_seconds:.1f} s, then ANALYZE'],
        **common,
    )]
    if 'http' in results:
        http = results['http']
        worst_http = max(percentile(values, 95) for values in http.values()) * 1000
        rows.append(Row(
            f'{key}h', f'{label}, {backend}, GET /api/history',
            '; '.join(f'{name} {_p(values)}' for name, values in http.items()),
            f"first page through the tests' harness (dependencies replaced) "
            f"{_p(results['harness']['first'])}; the Store API row above",
            f'p95 < {TARGET_P95_MS:.0f} ms (worst page)' if target else '(reported)',
            at_most(worst_http, TARGET_P95_MS - 1e-9, ' ms') if target else 'n/a', **common,
        ))
    return rows


def _backend(backend: str, store: Store, customers: int, n: int, options: Options,
             target: bool) -> List[Row]:
    with MemoryProbe(options.heap) as probe:
        started = time.perf_counter()
        fill_seconds = fill(store, customers)
        results = _measure(store, customers, n, http=True)
        seconds = time.perf_counter() - started
    return _rows(backend, results, customers, fill_seconds, probe, seconds, target)


def run(options: Options) -> List[Row]:
    customers = QUICK_CUSTOMERS if options.quick else MILLION if options.million else CUSTOMERS
    n = 40 if options.quick else 120
    rows: List[Row] = []
    with temporary_sqlite_store() as store:
        rows += _backend('SQLite', store, customers, max(20, n // 3), options, target=False)
    with postgres_database(options) as (url, origin):
        if url is None:
            rows.append(Row('6p', f'Activity feed, {customers:,} customers, PostgreSQL',
                            'not measured', '', f'p95 < {TARGET_P95_MS:.0f} ms',
                            f'skipped: {origin}'))
            return rows
        store = Store.migrated(url)
        try:
            pg_rows = _backend('PostgreSQL', store, customers, n, options, target=True)
        finally:
            store.close()
        pg_rows[0].notes.append(f'PostgreSQL from {origin} (the test server runs with fsync off)')
        rows += pg_rows
    return rows
