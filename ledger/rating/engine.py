"""The SQL engine the measuring queries run on: DuckDB in this process (the default) or Spark.

The measuring SQL (``ledger.rating.measure``, ``ledger.rating.incremental``) is written once, in
DuckDB's dialect, against an :class:`Engine`: a session that holds named tables and views, loads
Arrow tables and Parquet event files into them, runs statements and hands results back as Arrow.
:class:`DuckEngine` runs the statements as they are; ``ledger.rating.spark.SparkEngine``
transpiles them to Spark SQL first. Whatever ran them, the results are the same Arrow tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from ledger.errors import LedgerError
from ledger.storage.events import connect, read_sql

ENGINES = ("duckdb", "spark")

Params = Mapping[str, date | str | int]
"""Values of ``$name`` placeholders in a statement."""

EVENT_SCHEMA = pa.schema(
    [
        ("brand", pa.string()),
        ("event_id", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),
        ("twin_id", pa.string()),
        ("asset_id", pa.string()),
        ("channel", pa.string()),
        ("territory", pa.string()),
        ("media", pa.string()),
        ("quantity", pa.int64()),
        ("duration_s", pa.decimal128(18, 3)),
        ("campaign", pa.string()),
        ("category", pa.string()),
        ("ai_disclosure", pa.bool_()),
        ("batch_id", pa.string()),
        ("line_no", pa.int64()),
    ]
)
"""The stored events' columns (``ledger.storage.events``), what an empty event view holds."""


class Engine(Protocol):
    """A session of named tables and views that runs DuckDB-dialect SQL."""

    name: str

    def load(self, name: str, table: pa.Table) -> None:
        """Table ``name`` holding ``table`` (replacing any table or view of that name)."""

    def events(self, name: str, files: Sequence[Path]) -> None:
        """View ``name`` of the rows of the Parquet event ``files`` (columns matched by name; no
        partition column), or an empty table of :data:`EVENT_SCHEMA` when there are none."""

    def run(self, sql: str, params: Params | None = None) -> None:
        """Execute one or more statements (separated by ``;``), ``$name`` bound from ``params``."""

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        """The result of one query as an Arrow table."""


@dataclass(frozen=True)
class EngineChoice:
    """Which engine measures a settlement: ``duckdb``, or ``spark`` at ``master`` (a Spark
    master URL such as ``local[4]``, ``spark://host:7077``, ``yarn``, or a Spark Connect
    ``sc://host:15002``)."""

    name: str = "duckdb"
    master: str | None = None
    events_dir: Path | None = None
    """The workspace's ``events`` folder, as this machine sees it."""
    events_uri: str | None = None
    """Where Spark's executors read that folder (``s3a://bucket/ledger/events``,
    ``hdfs:///ledger/events``); None: at the same path."""

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise LedgerError(
                f"engine {self.name!r}: unknown, expected one of {', '.join(ENGINES)}"
            )

    def locate(self, path: Path) -> str:
        """Where the engine reads the event file ``path``."""
        if self.events_uri is None or self.events_dir is None:
            return str(path)
        relative = path.relative_to(self.events_dir).as_posix()
        return f"{self.events_uri.rstrip('/')}/{relative}"


DUCKDB = EngineChoice()


class DuckEngine:
    """The statements run as they are, on a DuckDB connection."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _drop(self, kind: str, name: str) -> None:
        """Drop ``name`` if it is of ``kind`` (TABLE or VIEW); DuckDB refuses to drop the other."""
        [(found,)] = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = $name AND temporary"
            if kind == "TABLE"
            else "SELECT count(*) FROM duckdb_views() WHERE view_name = $name AND temporary",
            {"name": name},
        ).fetchall()
        if found:
            self.con.execute(f"DROP {kind} {name}")

    def load(self, name: str, table: pa.Table) -> None:
        self._drop("VIEW", name)
        self.con.register(f"{name}_arrow", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        finally:
            self.con.unregister(f"{name}_arrow")

    def events(self, name: str, files: Sequence[Path]) -> None:
        if not files:
            self.load(name, EVENT_SCHEMA.empty_table())
            return
        self._drop("TABLE", name)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {read_sql(files)}")

    def run(self, sql: str, params: Params | None = None) -> None:
        self.con.execute(sql, dict(params) if params else None)

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        return self.con.sql(sql, params=dict(params) if params else None).to_arrow_table()


@contextmanager
def open_engine(choice: EngineChoice = DUCKDB) -> Iterator[Engine]:
    """A fresh session of the chosen engine, closed (its tables dropped) when done."""
    if choice.name == "spark":
        from ledger.rating.spark import spark_engine

        with spark_engine(choice) as engine:
            yield engine
        return
    con = connect()
    try:
        yield DuckEngine(con)
    finally:
        con.close()
