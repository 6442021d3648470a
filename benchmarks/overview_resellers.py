"""Rows 3sr/3pr and 3srh/3prh: the overview (``GET /api/customers``) as a reseller sees it
(issue 16: "the overview targets hold for a reseller's view too").

Two resellers that Connect shows ~1% and ~10% of the overview's customers (the store's
``customer_accounts``, seeded in bulk through testkit) each read their first page, a searched page
of their own customers and a cursor page 90% into their list, at store level
(:meth:`Store.list_customers` with ``visible_to``) and over HTTP as the runner serves the app; over
HTTP the local Connect lists each reseller's subscriptions for the overview's re-read of what
Connect shows it (once per process and ten minutes: in the warm-up). Sizes, stores and targets are
those of :mod:`benchmarks.overview`.
"""
import random
from typing import Dict, List, Sequence, Tuple

import requests
from sqlalchemy import func, select

from benchmarks import Row
from benchmarks.overview import (
    PAGE,
    SEED_CHUNK,
    TARGET_P95_MS,
    _getter,
    _p,
    _timed,
    _verdict,
    filtered_queries,
    first_pages,
    overview_customer_id,
)
from connect_ext.api.cursors import encode_cursor
from connect_ext.store import Store
from connect_ext.store.models import Customer, CustomerAccount
from testkit.world import bulk_insert_customer_accounts


# (account, label, one customer in ``every``, from ``offset``).
RESELLERS = (('PA-000-000-101', '1%', 100, 7), ('PA-000-000-110', '10%', 10, 3))
KINDS = ('first', 'filtered', 'cursor')


def reseller_numbers(customers: int, every: int, offset: int) -> range:
    """The customers Connect shows a reseller: one in ``every``."""
    return range(offset, customers + 1, every)


def seed_resellers(store: Store, customers: int) -> None:
    for account, _label, every, offset in RESELLERS:
        ids = [overview_customer_id(number) for number in reseller_numbers(customers, every, offset)]
        bulk_insert_customer_accounts(store, account, ids, chunk=SEED_CHUNK)


def reseller_deep_keys(store: Store, account: str, count: int) -> List[Tuple[str, str]]:
    """Sort keys of ``count`` pages from 90% into ``account``'s list (what next_cursor carries)."""
    table, seen = Customer.__table__, CustomerAccount.__table__
    with store.engine.connect() as connection:
        visible = connection.execute(select(func.count()).select_from(seen)
                                     .where(seen.c.account_id == account)).scalar_one()
        first = max(1, int(visible / PAGE * 0.9)) * PAGE
        query = (select(table.c.search_name, table.c.customer_id)
                 .join(seen, seen.c.customer_id == table.c.customer_id)
                 .where(seen.c.account_id == account)
                 .order_by(table.c.search_name, table.c.customer_id)
                 .offset(max(0, first - 1)).limit(count * PAGE))
        rows = connection.execute(query).all()
    return [(rows[index][0], rows[index][1]) for index in range(0, len(rows), PAGE)][:count]


def reseller_views(customers: int) -> Dict[str, Sequence[str]]:
    """What Connect shows each reseller: account -> its customer ids."""
    return {account: [overview_customer_id(number)
                      for number in reseller_numbers(customers, every, offset)]
            for account, _label, every, offset in RESELLERS}


def measure_reseller_store(store: Store, iterations: int, customers: int
                           ) -> Dict[str, Dict[str, List[float]]]:
    """Per reseller label: first, searched and cursor pages of its own view, at store level."""
    rng = random.Random(10)  # noqa: S311
    out = {}
    for account, label, every, offset in RESELLERS:
        numbers = reseller_numbers(customers, every, offset)
        scope = {'visible_to': account, 'customer_ids': None}
        for query in filtered_queries(10, rng, customers, numbers):
            store.list_customers(**query, **scope)
        keys = reseller_deep_keys(store, account, max(5, iterations // 8))
        out[label] = {
            'first': _timed([lambda s=scope: store.list_customers(limit=PAGE, **s)] * iterations),
            'filtered': _timed([lambda q=q, s=scope: store.list_customers(**q, **s)
                                for q in filtered_queries(iterations, rng, customers, numbers)]),
            'cursor': _timed([lambda key=key, s=scope: store.list_customers(limit=PAGE, after=key, **s)
                              for key in keys] * max(1, iterations // len(keys))),
        }
    return out


def measure_reseller_http(store: Store, session: requests.Session, app, iterations: int,
                          customers: int) -> Dict[str, List[float]]:
    """``reseller <label> <kind>`` timings over HTTP (``app``: a :class:`~testkit.runner_app.
    RunnerApp` serving ``store`` with :func:`reseller_views`)."""
    rng = random.Random(11)  # noqa: S311
    times: Dict[str, List[float]] = {}
    reseller_iterations = max(10, iterations // 2)
    for account, label, every, offset in RESELLERS:
        numbers = reseller_numbers(customers, every, offset)
        get = _getter(session, app.api_url, app.reseller_headers(account))
        get({'limit': PAGE})  # the overview's re-read of what Connect shows the reseller
        for query in filtered_queries(10, rng, customers, numbers):
            get(query)
        cursors = [{'limit': PAGE, 'cursor': encode_cursor(key)}
                   for key in reseller_deep_keys(store, account, max(5, iterations // 8))]
        times[f'reseller {label} first'] = _timed(
            [lambda q=q, get=get: get(q) for q in first_pages(reseller_iterations)])
        times[f'reseller {label} filtered'] = _timed(
            [lambda q=q, get=get: get(q)
             for q in filtered_queries(reseller_iterations, rng, customers, numbers)])
        times[f'reseller {label} cursor'] = _timed(
            [lambda q=q, get=get: get(q) for q in cursors] * max(1, reseller_iterations // len(cursors)))
    return times


def _reseller_figure(times: Dict[str, List[float]], prefix: str = '') -> str:
    return '; '.join(
        f"{label}: first {_p(times[f'{prefix}{label} first'])}, searched "
        f"{_p(times[f'{prefix}{label} filtered'])}, cursor {_p(times[f'{prefix}{label} cursor'])}"
        for _account, label, _every, _offset in RESELLERS)


def _owner_figure(times: Dict[str, List[float]]) -> str:
    return (f"the owner's view: first {_p(times['first'])}, searched {_p(times['filtered'])}, "
            f"cursor {_p(times['cursor'])}")


def reseller_rows(backend: str, reseller_times, store_times, http_times, customers,
                  common) -> List[Row]:
    target = TARGET_P95_MS[backend]
    flat = {f'{label} {kind}': values for label, kinds in reseller_times.items()
            for kind, values in kinds.items()}
    kinds = [f'{label} {kind}' for _a, label, _e, _o in RESELLERS
             for kind in KINDS]
    shares = ', '.join(f'{label} ({len(reseller_numbers(customers, every, offset)):,} customers)'
                       for _a, label, every, offset in RESELLERS)
    rows = [Row(
        f'3{backend[0].lower()}r', f"Overview, a reseller's view of {customers:,} customers, "
                                   f'{backend}, Store API',
        _reseller_figure(flat), _owner_figure(store_times),
        f'p95 < {target:.0f} ms (first, searched, cursor)', _verdict(flat, kinds, target),
        notes=[f'resellers seeing {shares} of the customers (customer_accounts)'], **common,
    )]
    if http_times:
        http_kinds = [f'reseller {kind}' for kind in kinds]
        rows.append(Row(
            f'3{backend[0].lower()}rh', f"Overview, a reseller's view of {customers:,} customers, "
                                        f'{backend}, GET /api/customers',
            _reseller_figure(http_times, 'reseller '), _owner_figure(http_times),
            f'p95 < {target:.0f} ms', _verdict(http_times, http_kinds, target), **common,
        ))
    return rows
