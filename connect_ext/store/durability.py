"""Whether the store survives a restart, and what the administrator is told when it may not.

Connect's cloud mode runs the extension in a container that is replaced at every restart and
deployment: a SQLite file inside it is lost with the container — and with it the processed-event
keys (order notes would be written twice), the audit trail and the idempotency records. PostgreSQL
(a managed database) is durable; a SQLite file is durable only on a volume that survives restarts,
which only the administrator knows (``STORE_IS_DURABLE``). Pure: the caller says whether the process
runs under Connect's runner.
"""
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Durability:
    backend: str  # 'sqlite' or 'postgresql' (the URL's scheme without its driver)
    durable: bool
    # What the settings page and the log say when the store may be lost; None when it will not be.
    warning: Optional[str] = None


NOT_DURABLE_WARNING = (
    'The store is a SQLite file inside the runner\'s container: a restart or a new deployment loses '
    'it, and with it the record of processed events (order notes would be written again), the audit '
    'trail and the idempotency keys. Set DATABASE_URL to a PostgreSQL database '
    '(postgresql+psycopg://...), or, if this SQLite file is on a volume that survives restarts, set '
    'STORE_IS_DURABLE to true.'
)


def backend_of(database_url: str) -> str:
    return database_url.split(':', 1)[0].split('+', 1)[0].lower()


def durability(database_url: str, *, said_durable: bool, under_runner: bool) -> Durability:
    """How durable the store of ``database_url`` is; a warning only where Connect runs the extension
    (the sandbox and the tests keep their SQLite files on purpose)."""
    backend = backend_of(database_url)
    if backend != 'sqlite':
        return Durability(backend, durable=True)
    in_memory = database_url.rstrip('/') in ('sqlite:', 'sqlite:/') or ':memory:' in database_url
    durable = said_durable and not in_memory
    warning = NOT_DURABLE_WARNING if under_runner and not durable else None
    return Durability(backend, durable=durable, warning=warning)
