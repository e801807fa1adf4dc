"""Run the steps of one scale, each repeat in a child process, and collect medians and peaks."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BARE_STATEMENTS = 60


@dataclass
class Measurement:
    """The runs of one step at one scale: seconds and peak RSS of each run, plus its extras."""

    step: str
    scale: str
    store: str
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_mib)


def run_child(step: str, **args: Any) -> tuple[dict[str, Any], float]:
    """Run ``step`` in a fresh interpreter; its result and its peak RSS in MiB."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.child", step, json.dumps(args)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {step} failed with exit code {proc.returncode}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    return result, usage.ru_maxrss / 1024


def measure(
    step: str, scale: str, store: str, repeat: int, label: str | None = None, **args: Any
) -> Measurement:
    found = Measurement(label or step, scale, store)
    for n in range(repeat):
        result, rss = run_child(step, **args)
        found.seconds.append(result.pop("seconds"))
        found.rss_mib.append(rss)
        found.rows = result.pop("rows")
        for key, value in result.items():
            found.extra.setdefault(key, []).append(value)
        print(
            f"  {found.step:<24} {scale:>5} {store:<10} run {n + 1}/{repeat}: "
            f"{found.seconds[-1]:8.2f} s  {rss:7.0f} MiB",
            file=sys.stderr,
        )
    return found


def run_scale(
    scale: str,
    data: Path,
    out: Path,
    stores: list[str],
    repeat: int,
    database_url: str | None,
    spark_master: str | None = None,
) -> list[Measurement]:
    """Every step of one scale: baselines, ingest, settle, the two passes, `settle run` on
    Spark (with ``spark_master``), rendering, then the close and `audit verify` (cheap, and
    --deep) on the closed month."""
    ws = str(out / "ws-sqlite")
    found = [
        measure("csv_parquet", scale, "-", repeat, data=str(data), out=str(out / "parquet")),
        measure("ingest", scale, "sqlite", repeat, ws=ws, data=str(data)),
        measure("bare_rating", scale, "-", repeat, ws=ws),
        measure("settle", scale, "sqlite", repeat, ws=ws),
    ]
    passes = measure("passes", scale, "sqlite", repeat, ws=ws)
    exception_pass = Measurement("exception_pass", scale, "sqlite", rows=passes.rows)
    exception_pass.seconds = list(passes.extra.pop("exception_seconds"))
    exception_pass.rss_mib = passes.rss_mib
    exception_pass.extra = passes.extra
    found += [passes, exception_pass]
    if spark_master:
        found.append(measure("settle_spark", scale, "sqlite", repeat, ws=ws, master=spark_master))
    if "postgresql" in stores:
        if not database_url:
            raise SystemExit(
                "--store postgresql needs --database-url or TWINLEDGER_BENCH_DATABASE_URL"
            )
        pg = str(out / "ws-postgresql")
        schema = f"twinledger_bench_{scale}"
        found.append(
            measure(
                "ingest",
                scale,
                "postgresql",
                1,
                ws=pg,
                data=str(data),
                database_url=database_url,
                schema=schema,
            )
        )
        found.append(measure("settle", scale, "postgresql", repeat, ws=pg))
    found += [
        measure(
            "bare_render", scale, "-", repeat, out=str(out / "bare-pdf"), count=BARE_STATEMENTS
        ),
        measure("render", scale, "sqlite", 1, "render_1", ws=ws, out=str(out / "pdf"), workers=1),
        measure(
            "render",
            scale,
            "sqlite",
            repeat,
            "render_all",
            ws=ws,
            out=str(out / "pdf"),
            workers=os.cpu_count() or 1,
        ),
        measure(
            "render",
            scale,
            "sqlite",
            repeat,
            "render_talents",
            ws=ws,
            out=str(out / "pdf"),
            workers=os.cpu_count() or 1,
            party_type="talent",
        ),
        measure("close", scale, "sqlite", 1, ws=ws),
        measure("audit", scale, "sqlite", repeat, "audit", ws=ws, deep=False),
        measure("audit", scale, "sqlite", repeat, "audit_deep", ws=ws, deep=True),
    ]
    return found
