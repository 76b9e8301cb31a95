"""Opening the store of record: SQLite file by default, any SQLAlchemy URL otherwise.

`open_engine` migrates to the newest schema (Alembic `upgrade head`) so a fresh data
directory or an empty PostgreSQL database just works.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

MIGRATIONS = "alerts:migrations"


def _json(value: Any) -> str:
    # Keep Chinese readable in the database (and in dumps staff may look at).
    return json.dumps(value, ensure_ascii=False)


def database_url(target: Path | str) -> str:
    """A SQLAlchemy URL for a URL or a SQLite file path."""
    text = str(target)
    if "://" in text:
        return text
    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{text}"


def open_engine(target: Path | str, *, migrate_schema: bool = True) -> Engine:
    url = database_url(target)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, json_serializer=_json, connect_args={"timeout": 30, "isolation_level": None}
        )
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = sa.create_engine(url, json_serializer=_json, pool_pre_ping=True)
    if migrate_schema:
        migrate(engine)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL survives a process crash (the case the outbox guards against);
    # only a power cut may lose the last commits. It saves an fsync per alert.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # The driver's own deferred BEGIN would let two writers each read, then one fail to
    # upgrade its lock without waiting; IMMEDIATE takes the write lock up front and waits.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def migrate(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def insert_if_absent(connection: sa.Connection, table: sa.Table, **values: Any) -> int | None:
    """Insert one row unless it breaks a unique constraint; the new id, or None if it existed.

    (RETURNING, because drivers report rowcount -1 for an INSERT ... ON CONFLICT with it.)
    """
    statement = insert_ignoring_duplicates(connection.engine, table).values(**values)
    new_id = connection.execute(statement.returning(table.c.id)).scalar()
    return int(new_id) if new_id is not None else None


def insert_ignoring_duplicates(engine: Engine, table: sa.Table) -> Any:
    """INSERT that silently skips rows violating a unique constraint, on either back end."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"database {engine.dialect.name!r} is not supported")
