"""A batch is committed whole or not at all, whatever moment the ingest is killed (SPEC 2.4)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ledger.imports import import_parties
from ledger.ingest.batch import ingest_file
from ledger.workspace import Workspace
from tests.ledger import fixtures

ROWS = 40_000


def _log(path: Path) -> Path:
    lines = [fixtures.HEADER.strip()]
    lines += [
        f"e{i},2026-03-{1 + i % 28:02d}T10:00:00Z,impressions,w1,a1,social,SE,still,{i % 997},"
        for i in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _visible(workspace: Workspace) -> tuple[int, int]:
    """(committed batches, events readable through them); every referenced file must read."""
    with workspace.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT events_path FROM batches WHERE status = 'committed'"
        ).fetchall()
    files = [str(workspace.path(r[0])) for r in rows if r[0]]
    if not files:
        return len(rows), 0
    [(events,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()
    return len(rows), int(events)


def _command(workspace: Workspace, log: Path) -> list[str]:
    root = str(workspace.root)
    return [sys.executable, "-m", "ledger", "--workspace", root, "ingest", str(log), "--brand",
            "b1", "--json"]  # fmt: skip


def full_run_seconds(tmp_path: Path, log: Path) -> float:
    """How long one uninterrupted ingest takes here, to spread the kills over all of it."""
    workspace = _workspace(tmp_path / "timing")
    started = time.monotonic()
    subprocess.run(_command(workspace, log), check=True, capture_output=True)
    return time.monotonic() - started


def trial(workspace: Workspace, log: Path, rng: random.Random, seconds: float) -> str:
    proc = subprocess.Popen(
        _command(workspace, log), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(rng.uniform(0.3 * seconds, 1.5 * seconds))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    batches, events = _visible(workspace)
    assert (batches, events) in ((0, 0), (1, ROWS)), (batches, events)
    finished = proc.returncode == 0 and json.loads(out)["status"] == "committed"
    result = ingest_file(workspace, log, "b1")
    assert _visible(workspace) == (1, ROWS)
    assert result.status == ("already_ingested" if batches else "committed")
    return "completed before the kill" if finished or batches else "killed before commit"


def _workspace(root: Path) -> Workspace:
    workspace = Workspace.init(root)
    parties = root.parent / "parties.toml"
    parties.write_text(fixtures.PARTIES, encoding="utf-8")
    import_parties(workspace, parties)
    return workspace


@pytest.mark.slow  # a long trial: kills at random points (README)
def test_sigkill_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    rng = random.Random(20261127)
    log = _log(tmp_path / "big.csv")
    seconds = full_run_seconds(tmp_path, log)
    outcomes = set()
    for n in range(int(os.environ.get("TWINLEDGER_KILL_TRIALS", "12"))):
        workspace = _workspace(tmp_path / f"ws{n}")
        outcomes.add(trial(workspace, log, rng, seconds))
        leftovers = list(workspace.path("tmp").glob("*.part"))
        orphans = {p.name for p in workspace.path("events").glob("*/*.parquet")}
        assert len(orphans) == 1, (leftovers, orphans)
        workspace.engine.dispose()
    assert outcomes == {"completed before the kill", "killed before commit"}


@pytest.mark.slow
def test_sigkill_one_hundred_times(tmp_path: Path) -> None:
    rng = random.Random(4)
    log = _log(tmp_path / "big.csv")
    seconds = full_run_seconds(tmp_path, log)
    workspace = _workspace(tmp_path / "ws")
    for _ in range(100):
        trial(workspace, log, rng, seconds)
        # start the next trial from an empty store again
        with workspace.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM batches")
