"""Alembic environment of the store: the models' metadata and the store's engine settings.

The database URL comes from the caller (:mod:`connect_ext.store.migrate` passes it, or a
connection, in ``config.attributes``), else from ``DATABASE_URL``, else the default SQLite file.
Migrations run in one transaction; on PostgreSQL under an advisory lock so that replicas starting
together do not migrate at the same time.
"""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from connect_ext.store.engine import create_store_engine, writing
from connect_ext.store.migrate import (
    MIGRATION_LOCK_KEY,
    database_url_from_env,
    include_object_for,
)
from connect_ext.store.models import Base


config = context.config

if config.config_file_name is not None and config.attributes.get('connection') is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    return config.attributes.get('database_url') or database_url_from_env()


def _configure(**options) -> None:
    context.configure(target_metadata=Base.metadata, compare_type=True, **options)


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL instead of running it."""
    _configure(url=_database_url(), literal_binds=True, dialect_opts={'paramstyle': 'named'})
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    dialect = connection.dialect.name
    _configure(
        connection=connection,
        render_as_batch=dialect == 'sqlite',
        include_object=include_object_for(dialect),
    )
    if dialect == 'postgresql':
        # Held until the transaction ends: a replica migrating at the same time waits here.
        connection.execute(text('SELECT pg_advisory_xact_lock(:key)'), {'key': MIGRATION_LOCK_KEY})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get('connection')
    if connection is not None:
        _run_on(connection)
        return
    engine = create_store_engine(_database_url())
    try:
        with writing(engine).begin() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
