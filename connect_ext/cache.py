"""The one bounded cache: a thread-safe LRU with an optional maximum age and one build per key.

Three things are kept in memory, each in a :class:`BoundedCache`:

- the long-lived objects of a configuration (store, Partner Center client, notifier, service:
  :mod:`connect_ext.wiring`), built once per key, however many threads ask at the same time;
- the Azure plan ids of each tenant (:mod:`connect_ext.service.overage`), so a warm page open reads
  the plans and their Azure subscriptions in one round;
- the overage state read for an order note, reused by the notes of the next minute for the same
  customer (:mod:`connect_ext.orders.handling`).

Beyond ``max_items`` the least recently used entry is forgotten; with ``max_age`` an entry older
than that many seconds (by ``clock``) counts as absent. A build that raises is not remembered.
"""
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, Hashable, Optional, Tuple


_MISSING = object()


class BoundedCache:
    def __init__(
        self,
        max_items: int,
        *,
        max_age: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if max_items < 1:
            raise ValueError('max_items must be at least 1')
        self.max_items = max_items
        self.max_age = max_age
        self.clock = clock
        self._entries: OrderedDict[Hashable, Tuple[float, Any]] = OrderedDict()
        # key -> [the lock its builder holds, how many threads want it]
        self._building: Dict[Hashable, list] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The fresh value of ``key``, or ``default``."""
        with self._lock:
            return self._fresh(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_items:
                self._entries.popitem(last=False)

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The fresh value of ``key``, else ``build()``'s — run once, however many threads ask for
        the same key at the same time (the others wait for it; other keys do not)."""
        with self._lock:
            value = self._fresh(key, _MISSING)
            if value is not _MISSING:
                return value
            waiting = self._building.setdefault(key, [threading.Lock(), 0])
            waiting[1] += 1
        try:
            with waiting[0]:
                value = self.get(key, _MISSING)
                if value is _MISSING:
                    value = build()
                    self.put(key, value)
                return value
        finally:
            with self._lock:
                waiting[1] -= 1
                if not waiting[1]:
                    del self._building[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _fresh(self, key: Hashable, default: Any) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return default
        if self.max_age is not None and self.clock() - entry[0] >= self.max_age:
            del self._entries[key]
            return default
        self._entries.move_to_end(key)
        return entry[1]
