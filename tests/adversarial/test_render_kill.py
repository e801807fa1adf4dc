"""`statements render` killed at any moment leaves no empty or partial PDF in the statements
folder: every file there opens, and its bytes are those the ledger recorded at issue."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger import imports
from ledger.ingest.batch import ingest_file
from ledger.settlement import service
from ledger.workspace import Workspace

PERIOD = "2026-10"
FILES = 11  # four talents, two agencies, five brand documents (two brands have two issuers)


def closed_month(root: Path) -> Workspace:
    import sample_data
    from sample_data.generate import generate

    workspace = Workspace.init(root)
    imports.import_parties(workspace, sample_data.PARTIES)
    imports.import_contracts(workspace, sample_data.CONTRACTS)
    imports.import_fx(workspace, sample_data.FX)
    for brand, file in generate(workspace.path("inbox"), PERIOD):
        ingest_file(workspace, file, brand)
    service.run(workspace, PERIOD)
    service.close(workspace, PERIOD)
    return workspace


def _command(workspace: Workspace) -> list[str]:
    return [sys.executable, "-m", "ledger", "--workspace", str(workspace.root), "statements",
            "render", PERIOD, "--json"]  # fmt: skip


def full_run_seconds(workspace: Workspace) -> float:
    started = time.monotonic()
    subprocess.run(_command(workspace), check=True, capture_output=True)
    return time.monotonic() - started


def issued(workspace: Workspace) -> dict[str, tuple[str, str]]:
    """sha256 -> (file name, verification code) of every rendering recorded for a statement
    whose stored code is that code."""
    with workspace.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT f.sha256, f.file_name, f.verification_code FROM issued_files f "
            "JOIN statements s ON s.statement_id = f.statement_id "
            "AND s.verification_code = f.verification_code"
        ).fetchall()
    return {sha: (name, code) for sha, name, code in rows}


def check_folder(workspace: Workspace) -> int:
    """Every file in the statements folder is a whole PDF the ledger recorded; returns how many
    there are."""
    folder = workspace.path("statements", PERIOD)
    files = sorted(folder.iterdir()) if folder.exists() else []
    recorded = issued(workspace)
    for path in files:
        data = path.read_bytes()
        assert path.suffix == ".pdf" and data, f"{path.name}: {len(data)} bytes"
        assert len(PdfReader(path).pages) >= 1, path.name
        assert recorded.get(hashlib.sha256(data).hexdigest(), ("",))[0] == path.name, (
            f"{path.name}: bytes not recorded at issue"
        )
    return len(files)


def trial(
    workspace: Workspace,
    rng: random.Random,
    seconds: float,
    fresh: float = 0.5,
    window: tuple[float, float] = (0.2, 1.5),
) -> str:
    """One render killed after a random share (``window``) of a full run's ``seconds``; with
    probability ``fresh`` it starts from nothing rendered and nothing recorded."""
    if rng.random() < fresh:
        for path in workspace.path("statements", PERIOD).glob("*"):
            path.unlink()
        with workspace.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM issued_files")
    proc = subprocess.Popen(_command(workspace), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(rng.uniform(window[0] * seconds, window[1] * seconds))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    present = check_folder(workspace)
    return "complete" if present == FILES else "killed part-way"


def run_trials(tmp_path: Path, trials: int, seed: int, **how: object) -> set[str]:
    workspace = closed_month(tmp_path / "ws")
    seconds = full_run_seconds(workspace)
    rng = random.Random(seed)
    outcomes = {trial(workspace, rng, seconds, **how) for _ in range(trials)}  # type: ignore[arg-type]
    subprocess.run(_command(workspace), check=True, capture_output=True)
    assert check_folder(workspace) == FILES
    workspace.engine.dispose()
    return outcomes


@pytest.mark.slow  # a long trial: kills at random points (README)
def test_sigkill_during_render_leaves_no_partial_pdf(tmp_path: Path) -> None:
    trials = int(os.environ.get("TWINLEDGER_KILL_TRIALS", "6"))
    # every trial starts from an empty folder and is killed within a full run's time, so that
    # the quick run sees renders cut short however loaded the machine is
    outcomes = run_trials(tmp_path, trials, 20261129, fresh=1.0, window=(0.05, 0.9))
    assert "killed part-way" in outcomes


@pytest.mark.slow
def test_sigkill_during_render_fifty_times(tmp_path: Path) -> None:
    assert run_trials(tmp_path, 60, 7) == {"complete", "killed part-way"}
