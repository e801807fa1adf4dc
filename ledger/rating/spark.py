"""The Spark engine: the measuring SQL, written in DuckDB's dialect, run on Apache Spark.

Every statement is transpiled with sqlglot (read ``duckdb``, write ``spark``). What sqlglot does
not carry over is fixed here, in :func:`to_spark`, and nowhere else:

- ``CREATE TEMP TABLE x AS q`` (materialised in DuckDB) becomes the result of ``q``, computed
  once and kept (``DataFrame.localCheckpoint``), under the temporary view ``x``;
- ``epoch_us(ts)`` becomes ``unix_micros(ts)``;
- ``strftime`` formats are converted code by code, with literal text quoted (sqlglot leaves the
  ``T`` and ``Z`` of an ISO timestamp unquoted, which Spark reads as pattern letters);
- ``$name`` placeholders are bound to literals.

The session runs in UTC (DuckDB's connections do too). Results come back as Arrow
(``DataFrame.toArrow``); ``ledger.rating.measure`` casts each one to the schema the DuckDB engine
gives, DECIMAL(38,3) quantities included, with a safe cast that refuses to drop a digit.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from ledger.errors import LedgerError
from ledger.rating.engine import EVENT_SCHEMA, EngineChoice, Params

DEFAULT_MASTER = "local[*]"

_STRFTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def spark_format(strftime: str) -> str:
    """A strftime format as a Spark datetime pattern, literal text quoted."""
    out, literal = [], ""
    for token in re.findall(r"%.|[^%]", strftime):
        if token.startswith("%"):
            if token not in _STRFTIME:
                raise LedgerError(f"strftime code {token} has no Spark pattern here")
            if literal:
                out.append(_quoted(literal))
                literal = ""
            out.append(_STRFTIME[token])
        else:
            literal += token
    if literal:
        out.append(_quoted(literal))
    return "".join(out)


def _quoted(text: str) -> str:
    """Literal text in a Spark pattern: letters quoted, a quote doubled."""
    if not re.search(r"[A-Za-z']", text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _literal(value: date | str | int) -> exp.Expression:
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def _fix(node: exp.Expression, params: Params) -> exp.Expression:
    if isinstance(node, exp.Placeholder | exp.Parameter):
        name = node.name
        if name not in params:
            raise LedgerError(f"no value for ${name}")
        return _literal(params[name])
    if isinstance(node, exp.TimeToStr):
        pattern = spark_format(node.args["format"].name)
        return exp.Anonymous(
            this="DATE_FORMAT", expressions=[node.this, exp.Literal.string(pattern)]
        )
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
        return exp.Anonymous(this="UNIX_MICROS", expressions=node.expressions)
    return node


@dataclass(frozen=True)
class Statement:
    """One Spark SQL statement; with ``keep``, a query whose result is kept as view ``keep``."""

    sql: str
    keep: str | None = None


def to_spark(sql: str, params: Params | None = None) -> list[Statement]:
    """The Spark SQL statements that do what the DuckDB statements ``sql`` do."""
    statements = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        tree = tree.transform(_fix, params or {})
        if (
            isinstance(tree, exp.Create)
            and tree.kind == "TABLE"
            and isinstance(tree.expression, exp.Query)
        ):
            statements.append(Statement(tree.expression.sql(dialect="spark"), tree.this.name))
        else:
            statements.append(Statement(tree.sql(dialect="spark")))
    return statements


def spark_session(master: str | None = None) -> Any:
    """The Spark session of this process (created on first use) at ``master``: a master URL
    (``local[*]`` by default, ``spark://host:7077``, ``yarn``, ``k8s://...``) or a Spark
    Connect server (``sc://host:15002``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LedgerError(
            "the spark engine needs pyspark: pip install 'twinledger[spark]'"
        ) from None
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # errors are ours
    master = master or DEFAULT_MASTER
    active = SparkSession.getActiveSession()
    if active is not None:  # a session this process started already (a test's, a notebook's)
        active.conf.set("spark.sql.session.timeZone", "UTC")
        return active
    builder = SparkSession.builder.appName("twinledger")
    if master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = (
            builder.master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        if master.startswith("local"):  # one machine: a few shuffle partitions per core, not 200
            builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1)))
    try:
        session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    except Exception as exc:  # the JVM could not start, or the master does not answer
        raise LedgerError(f"spark at {master} cannot be started: {_first_line(exc)}") from None
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SparkEngine:
    """The measuring statements, transpiled, on a Spark session; results as Arrow."""

    name = "spark"

    def __init__(self, session: Any, choice: EngineChoice | None = None) -> None:
        self.session = session
        self.choice = choice or EngineChoice("spark")
        self.views: list[str] = []

    def _sql(self, statement: str) -> Any:
        from pyspark.errors import PySparkException

        try:
            return self.session.sql(statement)
        except PySparkException as exc:
            raise LedgerError(f"spark: {_first_line(exc)}") from None

    def load(self, name: str, table: pa.Table) -> None:
        self.session.createDataFrame(table).createOrReplaceTempView(name)
        self._made(name)

    def events(self, name: str, files: Sequence[Path]) -> None:
        if not files:
            self.load(name, EVENT_SCHEMA.empty_table())
            return
        frame = (
            self.session.read.option("mergeSchema", "true")
            .option("recursiveFileLookup", "true")  # no partition column from month=YYYY-MM
            .parquet(*[self.choice.locate(path) for path in files])
        )
        frame.createOrReplaceTempView(name)
        self._made(name)

    def _made(self, name: str) -> None:
        if name not in self.views:
            self.views.append(name)

    def run(self, sql: str, params: Params | None = None) -> None:
        for statement in to_spark(sql, params):
            if statement.keep is None:
                self._sql(statement.sql).collect()
                made = re.match(r"CREATE OR REPLACE TEMPORARY VIEW (\w+)", statement.sql)
                if made:
                    self._made(made.group(1))
                continue
            kept = self._sql(statement.sql).localCheckpoint(eager=True)
            kept.createOrReplaceTempView(statement.keep)
            self._made(statement.keep)

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        [statement] = to_spark(sql, params)
        from pyspark.errors import PySparkException

        try:
            return self._sql(statement.sql).toArrow()
        except PySparkException as exc:
            raise LedgerError(f"spark: {_first_line(exc)}") from None

    def close(self) -> None:
        """Drop every view this engine made (the results it kept go with them)."""
        for name in reversed(self.views):
            self.session.catalog.dropTempView(name)
        self.views.clear()


@contextmanager
def spark_engine(choice: EngineChoice) -> Iterator[SparkEngine]:
    engine = SparkEngine(spark_session(choice.master), choice)
    try:
        yield engine
    finally:
        engine.close()
