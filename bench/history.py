"""`python -m bench run --scale history`: a year of history, settled month after month.

Twelve months of usage (1M events a month at ``history``; ``history-100k`` and ``history-300k``
are the same at a smaller size), and after each close 1 % of the closed month arriving late. In
one child process: month 1 is ingested and `settle run` of it is timed (the baseline); then each
month is closed, its late events ingested, the next month ingested, until month 12, whose
`settle run` is timed, incremental and with ``--full``. The target is month 12 <= 1.3x month 1.
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


def _timed(run: Any, repeat: int) -> tuple[list[float], dict[str, Any]]:
    seconds, summary = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        summary = run()
        seconds.append(time.perf_counter() - started)
    return seconds, summary


def history(ws: str, data: str, months: int, repeat: int) -> dict[str, Any]:
    """Build the history in a fresh workspace and time `settle run` of its first and last month
    (runs in a child process: ``python -m bench.child history ...``)."""
    import shutil

    from ledger import imports
    from ledger.ingest.batch import ingest_file
    from ledger.settlement import service
    from ledger.workspace import Workspace

    root, source = Path(ws), Path(data)
    shutil.rmtree(root, ignore_errors=True)
    workspace = Workspace.init(root)
    imports.import_parties(workspace, source / "parties.toml")
    imports.import_contracts(workspace, source / "contracts")
    imports.import_fx(workspace, source / "fx.csv")

    def ingest(folder: Path) -> int:
        return sum(
            ingest_file(workspace, p, p.name[:4]).rows_read for p in sorted(folder.glob("*.csv"))
        )

    ingest(source / "usage" / month_of(1))
    first, summary = _timed(lambda: service.run(workspace, month_of(1)), repeat)
    first_events = summary["events_rated"]
    build = time.perf_counter()
    for n in range(1, months):
        service.run(workspace, month_of(n))
        service.close(workspace, month_of(n))
        ingest(source / "late" / month_of(n))
        ingest(source / "usage" / month_of(n + 1))
    build = time.perf_counter() - build
    last, summary = _timed(lambda: service.run(workspace, month_of(months)), repeat)
    full, full_summary = _timed(lambda: service.run(workspace, month_of(months), full=True), 1)
    if full_summary != summary:
        raise SystemExit("the incremental and the full settlement of the last month differ")
    return {
        "seconds": statistics.median(last),
        "rows": summary["events_rated"],
        "month1": statistics.median(first),
        "month1_runs": first,
        "last_runs": last,
        "month1_events": first_events,
        "full": full[0],
        "build": build,
    }


def run_history(scale: str, out: Path, repeat: int) -> None:
    """Generate, run the history in a child process, print its figures."""
    from bench.runner import run_child

    per_month = HISTORY[scale]
    data = out / "data"
    generate(data, per_month)
    print(f"scale {scale}: building {MONTHS} months, this takes a while", file=sys.stderr)
    result, rss = run_child(
        "history", ws=str(out / "ws-history"), data=str(data), months=MONTHS, repeat=repeat
    )
    ratio = result["seconds"] / result["month1"]
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"history: {MONTHS} months x {per_month:,} events, 1 % of each closed month late")
    print(
        f"medians of {repeat} runs; peak RSS {rss:.0f} MiB; building the year: "
        f"{result['build']:.0f} s"
    )
    print(
        f"  settle run month 1 (baseline)   {result['month1']:8.2f} s  "
        f"{result['month1_events']:,} events"
    )
    print(
        f"  settle run month {MONTHS}             {result['seconds']:8.2f} s  "
        f"{result['rows']:,} events  {ratio:.2f}x month 1 (target <= {TARGET}x: {verdict})"
    )
    print(
        f"  settle run month {MONTHS} --full      {result['full']:8.2f} s  "
        f"{result['full'] / result['month1']:.2f}x month 1"
    )
