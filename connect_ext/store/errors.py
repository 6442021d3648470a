"""The store's own exceptions; each is also a built-in kind (``LookupError``, ``TimeoutError``)."""
from typing import Optional


class StoreError(Exception):
    """Base of the store's own errors."""


class CustomerNotFound(StoreError, LookupError):
    def __init__(self, customer_id: str):
        super().__init__(f'customer {customer_id} is not in the store')
        self.customer_id = customer_id


class CustomerLockTimeout(StoreError, TimeoutError):
    def __init__(self, customer_id: str, timeout_seconds: Optional[float]):
        super().__init__(
            f'customer {customer_id} stayed locked by another change for {timeout_seconds} s',
        )
        self.customer_id = customer_id
