"""Splitting event files by the UTC month of their events, for the partitioned lake."""

from __future__ import annotations

from pathlib import Path

import polars as pl

_MONTH = "__month"


def months_of(path: Path) -> set[str]:
    """The UTC months (YYYY-MM) of the events in a Parquet file (reads one column)."""
    at = pl.read_parquet(path, columns=["occurred_at"])["occurred_at"]
    return set(at.dt.strftime("%Y-%m").unique().to_list())


def split_by_month(path: Path, months: set[str] | None, scratch: Path) -> list[tuple[str, Path]]:
    """The pieces of ``path`` per UTC month, in month order. A file of one month is its own
    piece; otherwise each month's rows (in file order) are written to ``scratch`` as
    ``<stem>.<month>.parquet`` and ``path`` is left as it is. ``months``, when given, holds at
    least the file's months (a file of one month is then not read)."""
    if months is None or len(months) > 1:
        months = months_of(path)
    if len(months) == 1:
        return [(next(iter(months)), path)]
    frame = pl.read_parquet(path).with_columns(
        pl.col("occurred_at").dt.strftime("%Y-%m").alias(_MONTH)
    )
    pieces = []
    for month in sorted(months):
        rows = frame.filter(pl.col(_MONTH) == month).drop(_MONTH)
        piece = scratch / f"{path.stem}.{month}.parquet"
        rows.write_parquet(piece, compression="zstd", statistics=True)
        pieces.append((month, piece))
    return pieces
