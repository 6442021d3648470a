"""Run the store's Alembic migrations from code (start-up, tests) without ``alembic.ini``.

The command line does the same from the repository root:
``DATABASE_URL=... alembic upgrade head``. Both paths run the migrations in one transaction on
the store's own engine settings; on PostgreSQL they first take an advisory lock, so replicas
starting together migrate one after the other (the later ones find the schema current).
Alembic keeps its running context in module globals, so within one process migrations run one
at a time (a process-wide lock).
"""
import os
import threading
from pathlib import Path
from typing import Any, Callable, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from connect_ext.config import Settings
from connect_ext.store.engine import create_store_engine, writing


MIGRATIONS_DIR = Path(__file__).resolve().parent / 'migrations'
# Any fixed 64-bit number: the key of the advisory lock held while migrating.
MIGRATION_LOCK_KEY = 0x6F76_6572_6167_6501
_IN_PROCESS_MIGRATION = threading.Lock()


def database_url_from_env() -> str:
    """``DATABASE_URL`` from the environment, or the default SQLite file (as the settings read it)."""
    return Settings.from_config(os.environ).database_url


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` pointing at the packaged migration scripts.

    The URL travels in ``attributes``, not in the ini options, where ``%`` would be interpolated.
    """
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.attributes['database_url'] = url
    return config


def _run(url: str, engine: Optional[Engine], action: str, revision: str) -> None:
    own_engine = engine is None
    engine = create_store_engine(url) if engine is None else engine
    try:
        with _IN_PROCESS_MIGRATION, writing(engine).begin() as connection:
            config = alembic_config(url)
            config.attributes['connection'] = connection
            getattr(command, action)(config, revision)
    finally:
        if own_engine:
            engine.dispose()


def upgrade(url: str, revision: str = 'head', *, engine: Optional[Engine] = None) -> None:
    """Bring the database at ``url`` (or behind ``engine``) up to ``revision``."""
    _run(url, engine, 'upgrade', revision)


def downgrade(url: str, revision: str = 'base', *, engine: Optional[Engine] = None) -> None:
    """Take the database back to ``revision`` (``base``: no tables of the store left)."""
    _run(url, engine, 'downgrade', revision)


def include_object_for(dialect_name: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` hook: leave out model indexes meant for another backend.

    The models declare some indexes twice with ``ddl_if(dialect=...)`` (see ``models.py``);
    autogenerate does not honour ``ddl_if`` by itself.
    """

    def include_object(obj: Any, _name: Any, type_: str, reflected: bool, _compare_to: Any) -> bool:
        condition = getattr(obj, '_ddl_if', None)
        if type_ != 'index' or reflected or condition is None or condition.dialect is None:
            return True
        dialects = (condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect
        return dialect_name in dialects

    return include_object
