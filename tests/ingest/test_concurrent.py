"""Eight ingests at once, same and different brands, on SQLite and PostgreSQL: every event is
stored exactly once and every count adds up, or an ingest is refused with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from ledger.imports import import_parties
from ledger.workspace import Workspace
from tests.ledger import fixtures

ROWS = 3_000


def _log(path: Path, start: int) -> Path:
    """Events e<start> .. e<start + ROWS - 1>: consecutive files overlap by half."""
    lines = [fixtures.HEADER]
    lines += [
        f"e{i},2026-03-{1 + i % 28:02d}T10:00:00Z,impressions,w1,a1,social,SE,still,{i % 97},"
        for i in range(start, start + ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # eight processes at once: a concurrency trial
def test_eight_ingests_at_once(tmp_path: Path, database_url: str | None) -> None:
    workspace = Workspace.init(tmp_path / "ws", database_url)
    parties = tmp_path / "parties.toml"
    parties.write_text(textwrap.dedent(fixtures.PARTIES), encoding="utf-8")
    import_parties(workspace, parties)
    logs = [(_log(tmp_path / f"b1-{n}.csv", n * ROWS // 2), "b1") for n in range(5)]
    logs.append((logs[0][0], "b1"))  # the same file twice at once
    logs += [(_log(tmp_path / f"b2-{n}.csv", n * ROWS // 2), "b2") for n in range(2)]
    command = [sys.executable, "-m", "ledger", "--workspace", str(workspace.root), "ingest"]
    procs = [
        subprocess.Popen(
            [*command, str(log), "--brand", brand, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for log, brand in logs
    ]
    results = [(proc.communicate(timeout=300), proc.returncode) for proc in procs]
    docs = []
    for (out, err), code in results:
        assert "Traceback" not in err and "database is locked" not in err, err
        assert code == 0, err
        docs.append(json.loads(out))
    for doc in docs:
        assert doc["rows_read"] == doc["accepted"] + doc["duplicates"] + doc["rejected"]
    assert sorted(doc["status"] for doc in docs).count("already_ingested") == 1
    with workspace.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT brand, events_path, accepted FROM batches WHERE status = 'committed'")
        ).fetchall()
    assert len(rows) == 7
    for brand, files in (("b1", 5), ("b2", 2)):
        paths = [str(workspace.path(p)) for b, p, _ in rows if b == brand and p]
        [(stored, distinct)] = duckdb.sql(
            f"SELECT count(*), count(DISTINCT event_id) FROM read_parquet({paths})"
        ).fetchall()
        expected = ROWS + (files - 1) * ROWS // 2
        assert stored == distinct == expected == sum(a for b, _, a in rows if b == brand)
    assert not list(workspace.path("tmp").glob("*.stage"))
    workspace.engine.dispose()
