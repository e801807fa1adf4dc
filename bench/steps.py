"""The measured steps. Each runs in its own child process (``python -m bench.child STEP ARGS``)
and returns what it timed: the seconds of the work itself (imports and set-up excluded) and the
rows it handled. The parent reads the child's peak RSS."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench import baselines
from bench.history import history, settle_period
from bench.reference import PERIOD

Result = dict[str, Any]


def workspace_url(database_url: str | None, schema: str) -> str | None:
    """A fresh PostgreSQL schema for the benchmark workspace (None: SQLite in the workspace)."""
    if not database_url:
        return None
    from sqlalchemy import create_engine

    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    return f"{database_url}?options=-csearch_path%3D{schema}"


def _fresh_workspace(root: Path, data: Path, database_url: str | None, schema: str) -> Any:
    from ledger import imports
    from ledger.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    workspace = Workspace.init(root, workspace_url(database_url, schema))
    imports.import_parties(workspace, data / "parties.toml")
    imports.import_contracts(workspace, data / "contracts")
    imports.import_fx(workspace, data / "fx.csv")
    return workspace


def _logs(data: Path) -> list[Path]:
    return sorted((data / "usage").glob("*.csv"))


def ingest(ws: str, data: str, database_url: str | None = None, schema: str = "") -> Result:
    from ledger.ingest.batch import ingest_file

    workspace = _fresh_workspace(Path(ws), Path(data), database_url, schema)
    rows = 0
    started = time.perf_counter()
    for path in _logs(Path(data)):
        rows += ingest_file(workspace, path, path.name[:4]).rows_read
    return {"seconds": time.perf_counter() - started, "rows": rows}


def csv_parquet(data: str, out: str) -> Result:
    logs = _logs(Path(data))
    shutil.rmtree(out, ignore_errors=True)
    seconds = baselines.csv_to_parquet(logs, Path(out))
    rows = sum(path.read_bytes().count(b"\n") - 1 for path in logs)
    return {"seconds": seconds, "rows": rows}


def _inputs(ws: str) -> tuple[Any, list[Path]]:
    from ledger.storage.db import reading
    from ledger.storage.repo import committed_batches, load_contracts, load_parties
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    with reading(workspace.engine) as session:
        parties, contracts = load_parties(session), load_contracts(session)
        batches = committed_batches(session)
    return (parties, contracts), [workspace.path(b.events_path) for b in batches if b.events_path]


def bare_rating(ws: str) -> Result:
    (_, contracts), files = _inputs(ws)
    seconds = baselines.bare_rating(files, contracts, f"{PERIOD}-01", "2026-11-01")
    return {"seconds": seconds, "rows": _event_count(files)}


def _event_count(files: list[Path]) -> int:
    from ledger.storage.events import connect, parquet_list_sql

    con = connect()
    found = con.execute(f"SELECT count(*) FROM read_parquet({parquet_list_sql(files)})").fetchone()
    con.close()
    return int(found[0]) if found else 0


def settle(ws: str) -> Result:
    from ledger.settlement import service
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    started = time.perf_counter()
    summary = service.run(workspace, PERIOD)
    return {
        "seconds": time.perf_counter() - started,
        "rows": summary["events_rated"],
        "exceptions": sum(summary["exceptions"].values()),
    }


def settle_spark(ws: str, master: str) -> Result:
    """`settle run --engine spark` on a Spark at ``master`` (the session is started, and the
    JVM warmed by one query, before the clock starts)."""
    from ledger.rating.spark import spark_session
    from ledger.settlement import service
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    spark_session(master).sql("SELECT 1").collect()
    started = time.perf_counter()
    summary = service.run(workspace, PERIOD, engine="spark")
    return {
        "seconds": time.perf_counter() - started,
        "rows": summary["events_rated"],
        "exceptions": sum(summary["exceptions"].values()),
    }


def close(ws: str) -> Result:
    """Close the settled month: its final run, journal and seal (after every other step)."""
    from ledger.settlement import service
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    started = time.perf_counter()
    summary = service.close(workspace, PERIOD)
    return {"seconds": time.perf_counter() - started, "rows": summary["events_rated"]}


def audit(ws: str, deep: bool) -> Result:
    """`audit verify` (``deep``: with --deep) on the closed month."""
    from ledger import audit as checks
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    started = time.perf_counter()
    result = checks.verify(workspace, deep=deep)
    seconds = time.perf_counter() - started
    if not result["ok"]:
        raise SystemExit(f"audit verify failed on the benchmark workspace: {result['problems']}")
    files = _inputs(ws)[1]
    return {"seconds": seconds, "rows": _event_count(files)}


def passes(ws: str) -> Result:
    """The rating pass and the exception pass of one settlement, timed apart."""
    from ledger.rating import measure
    from ledger.rating.engine import DuckEngine
    from ledger.storage.events import connect

    (parties, contracts), files = _inputs(ws)
    raw = connect()
    con = DuckEngine(raw)
    started = time.perf_counter()
    measure.prepare(con, files, date(2026, 1, 1), date(2026, 11, 1), contracts, parties)
    measure.rate(con)
    rated = time.perf_counter()
    found = measure.find_exceptions(con, date(2026, 10, 1))
    done = time.perf_counter()
    raw.close()
    return {
        "seconds": rated - started,
        "exception_seconds": done - rated,
        "rows": _event_count(files),
        "exceptions": found.num_rows,
    }


def render(ws: str, out: str, workers: int, party_type: str | None = None) -> Result:
    from ledger.workspace import Workspace
    from reports import issue

    workspace = Workspace.open(Path(ws))
    shutil.rmtree(out, ignore_errors=True)
    done: list[int] = []
    started = time.perf_counter()
    files = issue.render(
        workspace,
        PERIOD,
        out=Path(out),
        workers=workers,
        progress=lambda n, _: done.append(n),
        party_type=party_type,
    )
    seconds = time.perf_counter() - started
    talents = sum(1 for f in files if "-T-" in f.name)
    return {"seconds": seconds, "rows": len(done), "talents": talents, "files": len(files)}


def bare_render(out: str, count: int) -> Result:
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": baselines.bare_statements(Path(out), count), "rows": count}


STEPS: dict[str, Callable[..., Result]] = {
    "history": history,
    "settle_period": settle_period,
    "ingest": ingest,
    "csv_parquet": csv_parquet,
    "bare_rating": bare_rating,
    "settle": settle,
    "settle_spark": settle_spark,
    "passes": passes,
    "close": close,
    "audit": audit,
    "render": render,
    "bare_render": bare_render,
}
