"""`adjust` posts once: a re-run (after a kill, or by a second person) never doubles an
adjustment, and concurrent writers on either store all land, each exactly once, without a
traceback."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.settlement.adjust import AlreadyAdjusted, adjust
from ledger.workspace import Workspace
from tests.conftest import Books
from tests.ledger import fixtures

PERIOD = "2026-03"
FEE = ["adjust", PERIOD, "--party", "t2", "--amount", "900.00", "--currency", "EUR",
       "--reason", "Reshoot fee agreed 12 March", "--by", "finance"]  # fmt: skip


def counts(books: Books) -> tuple[int, int]:
    """(journal entries, idempotency keys) stored."""
    with books.workspace.engine.connect() as conn:
        entries = conn.exec_driver_sql("SELECT count(*) FROM journal_entries").scalar_one()
        keys = conn.exec_driver_sql("SELECT count(*) FROM idempotency_keys").scalar_one()
    return int(entries), int(keys)


def test_an_identical_adjustment_is_refused_unless_again(books: Books) -> None:
    fixtures.load(books)
    first = books.ok(*FEE)
    assert (first["reference"], first["replayed"]) == ("2026-03:adjust:1", False)
    assert first["idempotency_key"].startswith("adjust-")
    assert counts(books) == (1, 1)

    # the run was killed after its commit; the user runs the same command again
    assert books.refused(*FEE) == (
        "error: an identical adjustment of 900.00 EUR to t2 in 2026-03 was already posted "
        "(2026-03:adjust:1); nothing posted (--again posts it once more)"
    )
    # the same request written differently is the same request
    same = [*FEE[:5], "900", *FEE[6:9], "  Reshoot fee agreed 12 March ", *FEE[10:]]
    assert "already posted (2026-03:adjust:1)" in books.refused(*same)
    assert counts(books) == (1, 1)

    second = books.ok(*FEE, "--again")
    assert (second["reference"], second["replayed"]) == ("2026-03:adjust:2", False)
    assert second["idempotency_key"] == first["idempotency_key"] + "-2"
    assert "already posted (2026-03:adjust:1)" in books.refused(*FEE)
    assert counts(books) == (2, 2)

    # another amount is another request
    assert books.ok(*FEE[:5], "900.01", *FEE[6:])["reference"] == "2026-03:adjust:3"
    books.ok("settle", "run", PERIOD)
    t2 = books.ok("statements", "data", PERIOD, "--party", "t2")
    assert t2["summary"]["adjustments"] == "2700.01"  # 900.00 twice on purpose, 900.01 once
    assert counts(books) == (3, 3)


def test_an_explicit_key_answers_the_first_result(books: Books) -> None:
    fixtures.load(books)
    first = books.ok(*FEE, "--idempotency-key", "ticket-4711")
    assert (first["reference"], first["idempotency_key"], first["replayed"]) == (
        "2026-03:adjust:1",
        "ticket-4711",
        False,
    )
    again = books.ok(*FEE, "--idempotency-key", "ticket-4711")
    assert again == first | {"replayed": True}  # same posted_at: the first result
    assert counts(books) == (1, 1)
    text = books.cli(*FEE, "--idempotency-key", "ticket-4711")
    assert (text.exit_code, text.stdout) == (
        0,
        "already posted as 2026-03:adjust:1 under idempotency key ticket-4711: 900.00 EUR to "
        "talent:t2:payable in 2026-03: Reshoot fee agreed 12 March (by finance); nothing "
        "posted now\n",
    )
    # --again does not override a key: it still answers the first result
    assert books.ok(*FEE, "--idempotency-key", "ticket-4711", "--again")["replayed"] is True

    other = [*FEE[:5], "901.00", *FEE[6:], "--idempotency-key", "ticket-4711"]
    assert books.refused(*other) == (
        "error: idempotency key 'ticket-4711' was already used for another request "
        "(2026-03:adjust:1); nothing posted"
    )
    assert "already used" in books.refused(*FEE[:3], "t1", *FEE[4:], "--idempotency-key",
                                           "ticket-4711")  # fmt: skip
    assert counts(books) == (1, 1)

    # a new key is a new request, even with the same arguments
    assert books.ok(*FEE, "--idempotency-key", "ticket-4712")["reference"] == "2026-03:adjust:2"
    assert "must be 1 to 200 printable characters" in books.refused(*FEE, "--idempotency-key", " ")
    assert counts(books) == (2, 2)

    # once the month is closed, the key still answers what it posted
    books.ok("settle", "run", PERIOD)
    books.ok("settle", "close", PERIOD)
    closed = books.ok(*FEE, "--idempotency-key", "ticket-4711")
    assert (closed["reference"], closed["replayed"]) == ("2026-03:adjust:1", True)
    assert "is closed" in books.refused(*FEE, "--idempotency-key", "ticket-4713")


@pytest.mark.slow  # a long trial: kills at random points (README)
def test_a_run_killed_at_any_moment_then_run_again_posts_once(books: Books) -> None:
    fixtures.load(books)
    command = [sys.executable, "-m", "ledger", "--workspace", str(books.root), *FEE[:-4]]
    started = time.monotonic()
    subprocess.run([*command, "--reason", "timing", "--by", "finance"], check=True,
                   capture_output=True)  # fmt: skip
    seconds = time.monotonic() - started
    rng = random.Random(20261129)
    for n in range(6):
        args = ["--reason", f"fee {n}", "--by", "finance"]
        proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.5 * seconds, 1.1 * seconds))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        rerun = books.cli(*FEE[:-4], *args)  # as the user would, after the kill
        assert rerun.exit_code in (0, 1), rerun.stderr
        if rerun.exit_code == 1:
            assert "was already posted" in rerun.stderr
        assert counts(books) == (n + 2, n + 2)


def _at_once(workspace_root: Path, calls: list[dict[str, str]]) -> list[object]:
    """Run ``adjust`` in threads, each with its own connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(n: int) -> None:
        workspace = Workspace.open(workspace_root)
        try:
            barrier.wait()
            results[n] = adjust(workspace, PERIOD, **calls[n])
        except Exception as exc:
            results[n] = exc
        finally:
            workspace.engine.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _call(n: int) -> dict[str, str]:
    return {"party": "t1", "amount": f"{n}.00", "currency": "EUR", "reason": f"fix {n}",
            "by": "finance"}  # fmt: skip


def test_concurrent_adjustments_all_land_once(books: Books) -> None:
    fixtures.load(books)
    for round_ in range(3):
        results = _at_once(books.root, [_call(10 * round_ + n) for n in range(1, 5)])
        assert not [r for r in results if isinstance(r, Exception)], results
    assert counts(books) == (12, 12)
    with books.workspace.engine.connect() as conn:
        refs = [r[0] for r in conn.exec_driver_sql("SELECT reference FROM journal_entries")]
    assert sorted(refs) == sorted(f"2026-03:adjust:{n}" for n in range(1, 13))


def test_concurrent_identical_adjustments_land_exactly_once(books: Books) -> None:
    fixtures.load(books)
    results = _at_once(books.root, [_call(7)] * 4)
    refused = [r for r in results if isinstance(r, AlreadyAdjusted)]
    assert len(refused) == 3, results
    keyed = _at_once(books.root, [_call(8) | {"idempotency_key": "k-8"}] * 4)
    assert not [r for r in keyed if isinstance(r, LedgerError)], keyed
    assert sorted(r.replayed for r in keyed) == [False, True, True, True]  # type: ignore[union-attr]
    assert counts(books) == (2, 2)


@pytest.mark.slow  # processes at once: a concurrency trial
def test_concurrent_cli_adjustments_land_without_a_traceback(books: Books) -> None:
    fixtures.load(books)
    command = [sys.executable, "-m", "ledger", "--workspace", str(books.root), "adjust", PERIOD,
               "--party", "t1", "--currency", "EUR", "--by", "finance", "--json"]  # fmt: skip
    procs = [
        subprocess.Popen(
            [*command, "--amount", f"{n}.00", "--reason", f"fix {n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(1, 5)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _, stderr in outcomes:
        assert (code, stderr) == (0, "")
    assert counts(books) == (4, 4)


def test_a_storage_error_is_one_line_naming_the_workspace(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ledger.cli import app

    root = tmp_path / "ws"
    Workspace.init(root).engine.dispose()
    (root / "ledger.db").write_bytes(b"this is not a database" * 200)
    for name in ("ledger.db-wal", "ledger.db-shm"):
        (root / name).unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["--workspace", str(root), *FEE])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {root}: the database failed: file is not a database\n")
