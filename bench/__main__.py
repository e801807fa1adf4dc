"""twinledger's benchmark: generate a month of usage, run ingest, settle and rendering on it next
to the engines' bare baselines, and print one table.

    .venv/bin/python -m bench run --scale 1m,10m --repeat 3 [--store sqlite,postgresql]
    .venv/bin/python -m bench run --scale 100m --repeat 1      # not run by CI
    .venv/bin/python -m bench run --scale history              # 12 months x 1M (history-100k)
    .venv/bin/python -m bench run --scale 1m --spark 1m        # settle on Spark at 1m (else 10m)

Data and workspaces go to bench/out/ (ignored by git); generated logs are reused across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench import table
from bench.history import HISTORY, run_history
from bench.reference import write_reference
from bench.runner import Measurement, run_scale
from bench.usage import write_usage

SCALES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}


def generate(data: Path, rows: int) -> None:
    """Write the scale's reference data and logs unless the same ones are already there."""
    marker = data / "rows.txt"
    if marker.exists() and marker.read_text().strip() == str(rows):
        return
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    contracts = write_reference(data)
    write_usage(data / "usage", contracts, rows)
    marker.write_text(f"{rows}\n")
    print(f"generated {rows:,} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="generate data, run every step, print the table")
    run.add_argument(
        "--scale",
        default="1m",
        help=f"comma-separated, of {', '.join([*SCALES, *HISTORY])}",
    )
    run.add_argument("--repeat", type=int, default=3, help="runs per step (median is reported)")
    run.add_argument(
        "--store", default="sqlite", help="sqlite, postgresql or both, comma-separated"
    )
    run.add_argument(
        "--database-url",
        default=os.environ.get("TWINLEDGER_BENCH_DATABASE_URL"),
        help="PostgreSQL URL for --store postgresql (a schema per scale is created in it)",
    )
    run.add_argument(
        "--spark",
        default="10m",
        help="comma-separated scales at which `settle run` is also measured on Spark "
        "(`--engine spark`) beside DuckDB, or none",
    )
    run.add_argument(
        "--spark-master",
        default="local[*]",
        help="the Spark master of that row (local[*]: this machine's cores)",
    )
    run.add_argument("--out", type=Path, default=Path("bench/out"), help="data and workspaces")
    args = parser.parse_args(argv)
    scales = [s.strip().lower() for s in args.scale.split(",")]
    for scale in [s for s in scales if s in HISTORY]:
        run_history(scale, args.out.resolve() / scale, args.repeat)
    scales = [s for s in scales if s not in HISTORY]
    if not scales:
        return
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale {unknown[0]!r}; expected one of {', '.join(SCALES)}")
    stores = [s.strip() for s in args.store.split(",")]
    found: list[Measurement] = []
    for scale in scales:
        out = args.out.resolve() / scale
        generate(out / "data", SCALES[scale])
        print(f"scale {scale}:", file=sys.stderr)
        spark = scale in {s.strip().lower() for s in args.spark.split(",")}
        measured = run_scale(
            scale,
            out / "data",
            out,
            stores,
            args.repeat,
            args.database_url,
            args.spark_master if spark else None,
        )
        (out / "results.json").write_text(json.dumps([asdict(m) for m in measured], indent=1))
        found += measured
    print(f"machine: {os.cpu_count()} cores; medians of {args.repeat} runs; peak RSS per child")
    print(table.render(found, scales))


if __name__ == "__main__":
    main()
