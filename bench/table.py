"""The one table the benchmark prints: each step against its baseline and its target."""

from __future__ import annotations

import os
from collections.abc import Sequence

from bench.runner import Measurement

GIB = 1024
TARGETS = {
    "ingest": ("csv_parquet", 2.5),
    "settle": ("bare_rating", 3.0),
    "passes": ("bare_rating", None),
    "exception_pass": ("passes", 1.0),
    "settle_spark": ("settle", None),
    "audit_deep": ("settle", 2.0),
}
NAMES = {
    "csv_parquet": "baseline: DuckDB CSV -> Parquet",
    "bare_rating": "baseline: DuckDB rating + dedupe",
    "bare_render": "baseline: reportlab 3-page stmt",
    "ingest": "ingest",
    "settle": "settle run",
    "passes": "  rating pass",
    "exception_pass": "  exception pass",
    "settle_spark": "settle run, Spark engine",
    "render_1": "render all documents, 1 process",
    "render_all": "render all documents, all cores",
    "render_talents": "render talent stmts, all cores",
    "close": "settle close (with its seal)",
    "audit": "audit verify",
    "audit_deep": "audit verify --deep",
}


def _find(found: Sequence[Measurement], step: str, scale: str, store: str) -> Measurement | None:
    for m in found:
        if m.step == step and m.scale == scale and m.store in (store, "-"):
            return m
    return None


def _baseline(found: Sequence[Measurement], m: Measurement) -> tuple[float | None, float | None]:
    """Seconds of the baseline for ``m`` and the target ratio (None: no target)."""
    if m.step in TARGETS:
        name, target = TARGETS[m.step]
        base = _find(found, name, m.scale, m.store)
        return (base.median if base else None), target
    if m.step.startswith("render"):
        bare = _find(found, "bare_render", m.scale, "-")
        if bare is None:
            return None, None
        cores = 1 if m.step == "render_1" else (os.cpu_count() or 1)
        return bare.median / bare.rows * m.rows / cores, None
    return None, None


def rows(found: Sequence[Measurement]) -> list[list[str]]:
    table = []
    for m in found:
        base, target = _baseline(found, m)
        ratio = m.median / base if base else None
        verdict = ""
        if m.step == "render_talents":
            per_s = m.rows / m.median
            verdict = f"{per_s:.1f}/s (target >= 50: {'met' if per_s >= 50 else 'NOT met'})"
        elif m.step.startswith("render"):
            verdict = f"{m.rows / m.median:.1f} documents/s"
        elif target is not None and ratio is not None:
            ok = ratio <= target and m.peak_mib < 2 * GIB
            verdict = f"<= {target:g}x, RSS < 2 GiB: {'met' if ok else 'NOT met'}"
        table.append(
            [
                NAMES.get(m.step, m.step),
                m.scale,
                m.store,
                str(len(m.seconds)),
                f"{m.median:.2f}",
                f"{m.rows / m.median:,.0f}",
                f"{m.peak_mib:,.0f}",
                f"{ratio:.2f}x" if ratio else "",
                verdict,
            ]
        )
    return table


def comparisons(found: Sequence[Measurement], scales: Sequence[str]) -> list[str]:
    """Growth from the smallest to each larger scale, and PostgreSQL against SQLite."""
    lines = []
    for step in ("ingest", "settle"):
        small = _find(found, step, scales[0], "sqlite")
        for scale in scales[1:]:
            big = _find(found, step, scale, "sqlite")
            if small and big:
                growth = big.median / small.median
                verdict = "met" if growth <= 12 * big.rows / small.rows / 10 else "NOT met"
                lines.append(
                    f"growth {step} {scale} / {scales[0]}: {growth:.2f}x "
                    f"for {big.rows / small.rows:.0f}x the rows (target <= 12x per 10x: {verdict})"
                )
    for scale in scales:
        duck = _find(found, "settle", scale, "sqlite")
        spark = _find(found, "settle_spark", scale, "sqlite")
        if duck and spark:
            lines.append(
                f"settle run at {scale}: Spark {spark.median:.2f} s, DuckDB {duck.median:.2f} s "
                f"(medians): Spark / DuckDB {spark.median / duck.median:.2f}x"
            )
    for scale in scales:
        lite = _find(found, "settle", scale, "sqlite")
        pg = _find(found, "settle", scale, "postgresql")
        if lite and pg and pg.store == "postgresql":
            ratio = pg.median / lite.median
            verdict = "met" if ratio <= 1.5 else "NOT met"
            lines.append(
                f"settle run postgresql / sqlite at {scale}: {ratio:.2f}x "
                f"(target <= 1.5x: {verdict})"
            )
    return lines


HEADER = ["step", "scale", "store", "runs", "median s", "rows/s", "peak RSS MiB", "ratio", "target"]


def render(found: Sequence[Measurement], scales: Sequence[str]) -> str:
    body = rows(found)
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]
    right = {3, 4, 5, 6, 7}

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    out = [line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in body]
    out += ["", *comparisons(found, scales)]
    return "\n".join(out)
