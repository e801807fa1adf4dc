"""The DuckDB-to-Spark transpiling of the measuring SQL, and the choice of engine (no Spark
needed: these check the statements and the refusals, ``test_spark.py`` runs them)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import LedgerError
from ledger.rating import measure
from ledger.rating.spark import Statement, spark_format, to_spark
from ledger.workspace import SETTINGS_FILE, Workspace
from tests.conftest import Books


def test_strftime_formats_become_spark_patterns_with_literal_text_quoted() -> None:
    assert spark_format("%Y-%m") == "yyyy-MM"
    assert spark_format("%Y-%m-%dT%H:%M:%SZ") == "yyyy-MM-dd'T'HH:mm:ss'Z'"
    with pytest.raises(LedgerError, match="strftime code %j"):
        spark_format("%j")


def test_a_temp_table_is_a_kept_query_and_placeholders_are_bound() -> None:
    sql = (
        "CREATE OR REPLACE TEMP TABLE agg AS SELECT x, epoch_us(t) // 10 AS d FROM ev "
        "WHERE day >= $report_from; CREATE OR REPLACE TEMP VIEW v AS SELECT DISTINCT x FROM agg"
    )
    assert to_spark(sql, {"report_from": date(2026, 3, 1)}) == [
        Statement(
            "SELECT x, UNIX_MICROS(t) DIV 10 AS d FROM ev WHERE day >= CAST('2026-03-01' AS DATE)",
            keep="agg",
        ),
        Statement("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT DISTINCT x FROM agg"),
    ]
    with pytest.raises(LedgerError, match=r"no value for \$report_from"):
        to_spark("SELECT 1 FROM ev WHERE day >= $report_from")


def test_every_measuring_statement_transpiles() -> None:
    """Each statement of the rating and exception passes has a Spark form (what Spark then
    makes of them, ``test_spark.py`` checks against DuckDB)."""
    params = {"report_from": date(2026, 3, 1)}
    found = [
        s
        for sql in (measure._MATCH, measure._RATE, measure._FLAGGED_ROWS, measure._EXCEPTIONS)
        for s in to_spark(sql, params)
    ]
    assert [s.keep for s in found] == [None, None, "agg", "best", "priced_agg", None, "flag_rows",
                                       None]  # fmt: skip
    exceptions = found[-1].sql
    assert r"DATE_FORMAT(occurred_at, 'yyyy-MM-dd\'T\'HH:mm:ss\'Z\'')" in exceptions
    assert "ORDER BY occurred_at NULLS LAST" in exceptions  # DuckDB sorts nulls last


def test_an_unknown_engine_is_refused(books: Books) -> None:
    assert books.refused("settle", "run", "2026-01", "--engine", "oracle") == (
        "error: --engine: 'oracle' is not an engine (expected duckdb or spark)"
    )
    settings = books.root / SETTINGS_FILE
    settings.write_text('engine = "hive"\n' + settings.read_text(encoding="utf-8"))
    message = books.refused("settle", "run", "2026-01")
    assert message == (
        f"error: {books.root / SETTINGS_FILE}: engine: 'hive' is not an engine "
        "(expected duckdb or spark)"
    )


def test_the_workspace_names_the_engine_and_the_spark_master(books: Books) -> None:
    settings = books.root / SETTINGS_FILE
    settings.write_text(
        'engine = "spark"\nspark_master = "spark://head:7077"\n'
        + settings.read_text(encoding="utf-8")
    )
    text = settings.read_text(encoding="utf-8")
    choice = Workspace.open(books.root).engine_choice()
    assert (choice.name, choice.master) == ("spark", "spark://head:7077")
    assert Workspace.open(books.root).engine_choice("duckdb").name == "duckdb"
    lake = books.root / "events" / "month=2026-03" / "B1.parquet"
    assert choice.locate(lake) == str(lake)
    settings.write_text('spark_events = "s3a://ledgers/acme/events/"\n' + text)
    choice = Workspace.open(books.root).engine_choice()
    assert choice.locate(lake) == "s3a://ledgers/acme/events/month=2026-03/B1.parquet"
    settings.write_text('spark_events = "events"\n' + text)
    assert books.refused("settle", "run", "2026-03") == (
        f"error: {settings}: spark_events must be the URI where Spark reads this workspace's "
        "events folder, such as \"s3a://bucket/ledger/events\", got 'events'"
    )
