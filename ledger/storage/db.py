"""Database connections, migrations and write transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, ColumnElement, cast, event, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from ledger.errors import LedgerError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, writes: bool = True) -> Engine:
    """An engine for ``url``. On SQLite every transaction takes the write lock up front unless
    ``writes`` is false: a reader's transaction then starts deferred, a snapshot that neither
    waits for nor blocks a writer (WAL)."""
    begin = "BEGIN IMMEDIATE" if writes else "BEGIN"
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Transactions are opened explicitly (BEGIN IMMEDIATE for writes, see `writing`).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Every transaction takes the write lock up front: a deferred transaction that later
            # upgrades to a write fails at once with "database is locked", whatever the timeout.
            conn.exec_driver_sql(begin)

        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def schema_is_current(engine: Engine) -> bool:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    return current == head


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A write transaction. On SQLite it is ``BEGIN IMMEDIATE`` so that two writers queue on the
    lock instead of one failing half-way with "database is locked"."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "locked" in str(exc).lower():
                raise LedgerError(
                    "the ledger database is busy with another write; try again"
                ) from None
            raise
        except BaseException:
            session.rollback()
            raise


def json_member(session: Session, column: Any, key: str) -> ColumnElement[Any]:
    """The member ``key`` of the JSON object a text ``column`` holds, taken out by the database
    (None where it has no such member): a large document is not carried to Python whole when
    one member of it is wanted."""
    if session.get_bind().dialect.name == "sqlite":
        return type_coerce(column, JSON)[key]  # SQLite's JSON functions read text as it is
    return cast(column, JSON)[key]


def reading(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def driver_rows(session: Session, query: str, *params: object) -> list[tuple[Any, ...]]:
    """The rows of ``query`` (``?`` marks a parameter) as the database driver returns them: plain
    tuples, no type conversion (money is decimal text on SQLite, Decimal on PostgreSQL), for the
    reads a settlement repeats over every closed month."""
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        query = query.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(query, params)
        rows: list[tuple[Any, ...]] = list(cursor.fetchall())  # tuples from both drivers
    finally:
        cursor.close()
    return rows


def exact_amounts() -> Callable[[Any], Decimal]:
    """A converter of the money values of driver rows (decimal text on SQLite, Decimal on
    PostgreSQL) to Decimal, each distinct text converted once: over many rows most amounts
    repeat, zero above all."""
    texts: dict[str, Decimal] = {}

    def exact(amount: Any) -> Decimal:
        if not isinstance(amount, str):
            return Decimal(amount)
        value = texts.get(amount)
        if value is None:
            value = texts[amount] = Decimal(amount)
        return value

    return exact
