"""`python -m bench run --scale history`: a year of history, settled month after month.

Twelve months of usage (1M events a month at ``history``; ``history-100k`` and ``history-300k``
are the same at a smaller size), and after each close 1 % of the closed month arriving late. Child
processes ingest month 1 (the workspace is copied as it is then, for the baseline), then close
each month, ingest its late events and the next month, until month 12. `settle run` of month 1
(on the copy) and of month 12 are then timed in turns, each in a fresh process as the command
runs, and month 12 once more with ``--full``. The target is month 12 <= 1.3x month 1.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.reference import write_reference
from bench.usage import write_usage

HISTORY = {"history": 1_000_000, "history-100k": 100_000, "history-300k": 300_000}
MONTHS = 12
LATE_SHARE = 100  # 1 % of a month arrives after its close
TARGET = 1.3
FX_RATES = "1.0862,162.87,0.86010,11.2815"
YEAR_START = "2026-01-01"
"""Every contract starts with the year, so that month 1 and month 12 do the same work."""


def month_of(n: int) -> str:
    return f"2026-{n:02d}"


def _fx(months: int) -> str:
    lines = ["Date,USD,JPY,GBP,SEK"]
    for n in range(1, months + 1):
        last = date(2026 + (n == 12), n % 12 + 1, 1) - timedelta(days=1)
        lines += [f"{last - timedelta(days=d)},{FX_RATES}" for d in (1, 0)]
    return "\n".join(lines) + "\n"


def generate(data: Path, per_month: int, months: int = MONTHS) -> None:
    """Reference data, FX for every month end, a log per brand and month, and late logs."""
    marker = data / "rows.txt"
    wanted = f"{per_month} x {months}, every contract from {YEAR_START}"
    if marker.exists() and marker.read_text().strip() == wanted:
        return
    started = time.perf_counter()
    contracts = write_reference(data, starts=(YEAR_START,))
    (data / "fx.csv").write_text(_fx(months), encoding="utf-8")
    for n in range(1, months + 1):
        write_usage(data / "usage" / month_of(n), contracts, per_month, month_of(n), f"m{n}-")
        write_usage(
            data / "late" / month_of(n),
            contracts,
            per_month // LATE_SHARE,
            month_of(n),
            f"late{n}-",
        )
    marker.write_text(wanted + "\n")
    seconds = time.perf_counter() - started
    print(f"generated {months} x {per_month:,} events in {seconds:.1f} s", file=sys.stderr)


def history(ws: str, data: str, months: int, stage: str) -> dict[str, Any]:
    """One stage of building the history (runs in a child process: ``python -m bench.child
    history ...``): ``first`` makes a fresh workspace with month 1 ingested; ``rest`` settles
    and closes month after month, each followed by its late events and the next month's usage,
    up to the last month, which it leaves unsettled."""
    import shutil

    from ledger import imports
    from ledger.ingest.batch import ingest_file
    from ledger.settlement import service
    from ledger.workspace import Workspace

    root, source = Path(ws), Path(data)

    def ingest(folder: Path) -> int:
        return sum(
            ingest_file(workspace, p, p.name[:4]).rows_read for p in sorted(folder.glob("*.csv"))
        )

    started = time.perf_counter()
    if stage == "first":
        shutil.rmtree(root, ignore_errors=True)
        workspace = Workspace.init(root)
        imports.import_parties(workspace, source / "parties.toml")
        imports.import_contracts(workspace, source / "contracts")
        imports.import_fx(workspace, source / "fx.csv")
        rows = ingest(source / "usage" / month_of(1))
        return {"seconds": time.perf_counter() - started, "rows": rows}
    workspace = Workspace.open(root)
    rows = 0
    for n in range(1, months):
        service.run(workspace, month_of(n))
        service.close(workspace, month_of(n))
        rows += ingest(source / "late" / month_of(n))
        rows += ingest(source / "usage" / month_of(n + 1))
    return {"seconds": time.perf_counter() - started, "rows": rows}


def settle_period(ws: str, period: str, full: bool = False) -> dict[str, Any]:
    """`settle run PERIOD` (``--full``) of the workspace, timed, in this (fresh) process."""
    from ledger.settlement import service
    from ledger.workspace import Workspace

    workspace = Workspace.open(Path(ws))
    started = time.perf_counter()
    summary = service.run(workspace, period, full=full)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": summary["events_rated"], "summary": summary}


def run_history(scale: str, out: Path, repeat: int) -> None:
    """Generate and build the history, then time `settle run` of month 1 (on a copy of the
    workspace as it was before month 1 was settled) and of month 12, each run in a fresh
    process as the command runs, the two alternating so that both meet the machine alike."""
    import shutil

    from bench.runner import run_child

    per_month = HISTORY[scale]
    data = out / "data"
    generate(data, per_month)
    ws, first_ws = out / "ws-history", out / "ws-month1"
    run_child("history", ws=str(ws), data=str(data), months=MONTHS, stage="first")
    shutil.rmtree(first_ws, ignore_errors=True)
    shutil.copytree(ws, first_ws)
    print(f"scale {scale}: building {MONTHS} months, this takes a while", file=sys.stderr)
    built, _ = run_child("history", ws=str(ws), data=str(data), months=MONTHS, stage="rest")
    first: list[float] = []
    last: list[float] = []
    rss = 0.0
    for _ in range(repeat):
        one, _ = run_child("settle_period", ws=str(first_ws), period=month_of(1))
        twelve, rss = run_child("settle_period", ws=str(ws), period=month_of(MONTHS))
        first.append(one["seconds"])
        last.append(twelve["seconds"])
    full, _ = run_child("settle_period", ws=str(ws), period=month_of(MONTHS), full=True)
    if full["summary"] != twelve["summary"]:
        raise SystemExit("the incremental and the full settlement of the last month differ")
    month1, month12 = statistics.median(first), statistics.median(last)
    ratio = month12 / month1
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"history: {MONTHS} months x {per_month:,} events, 1 % of each closed month late")
    print(
        f"medians of {repeat} runs, each in a fresh process, month 1 and month {MONTHS} "
        f"alternating; building the year: {built['seconds']:.0f} s"
    )
    print(f"  settle run month 1 (baseline)   {month1:8.2f} s  {one['rows']:,} events")
    print(
        f"  settle run month {MONTHS}             {month12:8.2f} s  "
        f"{twelve['rows']:,} events  {ratio:.2f}x month 1 (target <= {TARGET}x: {verdict})"
    )
    print(
        f"  settle run month {MONTHS} --full      {full['seconds']:8.2f} s  "
        f"{full['seconds'] / month1:.2f}x month 1; peak RSS of month {MONTHS}: {rss:.0f} MiB"
    )
    print("  runs month 1:  " + "  ".join(f"{x:.2f}" for x in first))
    print(f"  runs month {MONTHS}: " + "  ".join(f"{x:.2f}" for x in last))
