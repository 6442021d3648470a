"""The overage state read for order notes, shared by a burst of orders for one customer.

A distributor's orders come in bursts: dozens of OVG requests for one customer within a minute.
Each note needs the customer's overage state, and reading it costs five Partner Center calls, so
the state read for one note serves the notes of the next ``max_age`` seconds, and concurrent
deliveries for one customer wait for one read instead of each making their own.

Only notes use this: they inform, and a minute-old state is what a person reading the note would
see anyway. Changes never do; the service always reads Microsoft again before writing.
"""
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable


DEFAULT_MAX_AGE_SECONDS = 60.0


class RecentStates:
    def __init__(
        self,
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_items: int = 10_000,
    ):
        self.max_age = max_age
        self.clock = clock
        self.max_items = max_items
        self._entries: OrderedDict = OrderedDict()  # key -> (read at, value)
        self._key_locks: dict = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """The value read for ``key`` less than ``max_age`` seconds ago, else ``read()`` (once,
        however many threads ask at the same time). A failed read is not remembered."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            fresh = self._fresh(key)
            if fresh is not None:
                return fresh[1]
            value = read()
            with self._lock:
                self._entries[key] = (self.clock(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_items:
                    old_key, _ = self._entries.popitem(last=False)
                    self._key_locks.pop(old_key, None)
            return value

    def _fresh(self, key: Hashable):
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and self.clock() - entry[0] < self.max_age:
            return entry
        return None
