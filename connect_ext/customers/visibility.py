"""Which customers a reseller may see: asked of Connect with that reseller's own installation client.

A reseller calls with its own Connect account (``PA-...``, ``account_role`` reseller) through its
own installation; Connect never sends a tier account id for it, and a ``PA-`` account is a
different kind of object from the ``TA-`` tier accounts of an asset's chain. So the extension does
not decide by comparing ids: it asks Connect, with the client of the caller's installation
(Connect's own visibility then applies), for the customer's subscriptions — any subscription shown
means the reseller may see the customer.

What Connect said is recorded in the store (``customer_accounts``) so that the overview, read
from the store at any scale, lists a reseller's customers:

- :meth:`ConnectVisibility.check` (opening a customer) records or deletes the pair each time it
  asks, and asks again when its answer is older than ``check_age`` seconds;
- :meth:`ConnectVisibility.refresh` (opening the overview, at most once per ``refresh_age`` per
  account and process) re-reads every subscription the reseller sees, records each customer and —
  when the read was complete — deletes the rows of customers Connect no longer shows;
- an order event of the reseller's own installation records its customer
  (:meth:`ConnectVisibility.shown`).

A customer moved to another reseller therefore stops being visible to the former one at once on
its pages (the check asks Connect) and in its overview at the next refresh.
"""
import logging
import threading
import time
from typing import Any, Callable, Iterable, Mapping, Optional, Set

from connect.client import ClientError, ConnectClient, R

from connect_ext.cache import BoundedCache
from connect_ext.redaction import describe


logger = logging.getLogger(__name__)

CHECK_AGE_SECONDS = 300.0
REFRESH_AGE_SECONDS = 600.0
# The subscriptions one refresh reads at most; past it, the refresh only adds (never deletes).
MAX_REFRESH_ASSETS = 20_000
# Connect's largest page is 1,000 objects ("limit"), so a refresh reads at most 20 pages.
_REFRESH_PAGE = 1000
_CACHE_ITEMS = 50_000


def _customer_id(asset: Any) -> Optional[str]:
    tiers = asset.get('tiers') if isinstance(asset, Mapping) else None
    customer = tiers.get('customer') if isinstance(tiers, Mapping) else None
    value = customer.get('id') if isinstance(customer, Mapping) else None
    return value if isinstance(value, str) and value else None


class ConnectVisibility:
    """The reseller visibility of one store (see the module docstring); thread-safe."""

    def __init__(
        self,
        store,
        *,
        product_ids: Iterable[str] = (),
        check_age: float = CHECK_AGE_SECONDS,
        refresh_age: float = REFRESH_AGE_SECONDS,
        max_refresh_assets: int = MAX_REFRESH_ASSETS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.product_ids = tuple(product_ids)
        self.max_refresh_assets = max_refresh_assets
        self._checks = BoundedCache(_CACHE_ITEMS, max_age=check_age, clock=clock)
        self._refreshed = BoundedCache(_CACHE_ITEMS, max_age=refresh_age, clock=clock)
        # One lock per account, built once (BoundedCache.get_or_build is single-flight).
        self._refresh_locks: BoundedCache = BoundedCache(_CACHE_ITEMS)

    def check(self, account_id: str, customer_id: str, client: ConnectClient) -> bool:
        """Whether Connect shows ``customer_id`` to ``account_id`` (asked with its ``client``).

        The answer is recorded in the store either way. A Connect failure other than "not
        found"/"forbidden" propagates: the caller is then refused, never let through.
        """
        key = (account_id, customer_id)
        known = self._checks.get(key)
        if known is not None:
            return known
        try:
            assets = client('subscriptions').assets.filter(R().tiers.customer.id.eq(customer_id))
            shown = _customer_id(assets.limit(1).first()) == customer_id
        except ClientError as error:
            if error.status_code not in (403, 404):
                raise
            shown = False
        if shown:
            self.store.record_seen(account_id, [customer_id])
        else:
            self.store.forget_seen(account_id, [customer_id])
        self._checks.put(key, shown)
        return shown

    def refresh(self, account_id: str, client: ConnectClient) -> bool:
        """Re-read what Connect shows ``account_id`` unless done within ``refresh_age``.

        Returns whether a read happened. A Connect failure is logged and leaves the recorded rows
        as they were (the overview then shows what Connect said last).
        """
        if self._refreshed.get(account_id):
            return False
        lock = self._refresh_locks.get_or_build(account_id, threading.Lock)
        with lock:
            if self._refreshed.get(account_id):
                return False
            started = self.store.now()
            try:
                seen, complete = self._read_all(client)
            except ClientError as error:
                logger.warning('Connect did not list the subscriptions of %s: %s', account_id,
                               describe(error))
                return False
            self.store.record_seen(account_id, seen)
            if complete:
                self.store.forget_unseen_since(account_id, started)
            for customer_id in seen:
                self._checks.put((account_id, customer_id), True)
            self._refreshed.put(account_id, True)
            return True

    def shown(self, account_id: Optional[str], customer_id: Optional[str]) -> None:
        """Connect has just shown ``customer_id`` to ``account_id`` another way: a subscription
        read with its installation client, an event of its own installation."""
        if account_id and customer_id:
            self.store.record_seen(account_id, [customer_id])
            self._checks.put((account_id, customer_id), True)

    def forget_checks(self) -> None:
        """Ask Connect again on the next check and refresh (tests; a changed configuration)."""
        self._checks.clear()
        self._refreshed.clear()

    # -- helpers ---------------------------------------------------------------------------

    def _read_all(self, client: ConnectClient):
        assets = client('subscriptions').assets.all()
        if self.product_ids:
            assets = assets.filter(R().product.id.oneof(list(self.product_ids)))
        assets = assets.limit(_REFRESH_PAGE)
        seen: Set[str] = set()
        for read, asset in enumerate(assets, start=1):
            if read > self.max_refresh_assets:
                return seen, False
            customer_id = _customer_id(asset)
            if customer_id:
                seen.add(customer_id)
        return seen, True
