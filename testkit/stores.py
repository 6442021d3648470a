"""Stores on SQLite: a migrated template copied per test (far cheaper than migrating), and a
temporary migrated store for a run. (PostgreSQL and the store tests' backends: testkit.databases.)
"""
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from connect_ext.store import Store


def sqlite_url(path: Path) -> str:
    return f'sqlite:///{path}'


def migrated_sqlite_template(path: Path) -> Path:
    """A migrated empty SQLite database at ``path``: tests copy it instead of migrating again."""
    Store.migrated(sqlite_url(path)).close()
    return path


def copied_sqlite(template: Path, path: Path) -> str:
    """A copy of the ``template`` database at ``path``; its URL."""
    shutil.copyfile(template, path)
    return sqlite_url(path)


@contextmanager
def temporary_sqlite_store() -> Iterator[Store]:
    """A migrated SQLite store in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix='overage-bench-') as directory:
        store = Store.migrated(sqlite_url(Path(directory) / 'store.sqlite3'))
        try:
            yield store
        finally:
            store.close()
