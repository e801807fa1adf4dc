"""The Parquet event store: a Hive-style lake partitioned by the UTC month of each event.

A committed batch writes one immutable Parquet file per month its events fall in,
``events/month=YYYY-MM/<batch>.parquet`` (a big log parsed in several chunks writes one per chunk
and month, ``<batch>.NNNNN.parquet``); its ``events_path`` is the glob of them all,
``events/month=*/<batch>.*parquet``. The layout is read as is by DuckDB, Spark, Polars and pyarrow
(``hive_partitioning``), and lets a settlement read one month without listing history.

A batch becomes visible only when its row is committed in the database: readers are always given
the explicit list of committed batches' files, so files written by an ingest that was killed
before its commit are never read (and are removed by the next ingest). Workspaces of the earlier
layout (``events/<brand>/<batch>.parquet``, or ``events/<brand>/<batch>/*.parquet``) are moved
into the lake by ``ledger.storage.lake``; until then their files are read where they are.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import defaultdict
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> None:
    """Make a fully written temporary file durable, then give it its final name atomically."""
    fsync_file(tmp)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    fsync_dir(final.parent)


_shared: duckdb.DuckDBPyConnection | None = None
_shared_lock = threading.Lock()


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up the way every ledger query expects (UTC dates).

    It is a cursor of one in-memory database per process: opening a database costs tens of
    milliseconds, a cursor almost nothing, and a settlement of a small ledger opens several.
    Cursors have their own temporary tables and session settings; a caller that changes global
    settings (memory limit, temporary directory) takes a `private_connection` instead.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = duckdb.connect()
        con = _shared.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


def private_connection() -> duckdb.DuckDBPyConnection:
    """A database of its own, for work that sets global options (memory, temporary files)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def parquet_list_sql(paths: Sequence[Path]) -> str:
    """A SQL list literal of files for read_parquet([...])."""
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"[{quoted}]"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


EVENTS_DIR = "events"
MONTH_KEY = "month"


def lake_glob(batch_id: str) -> str:
    """The ``events_path`` of a batch in the lake (relative to the workspace)."""
    return f"{EVENTS_DIR}/{MONTH_KEY}=*/{batch_id}.*parquet"


def lake_name(batch_id: str, number: int | None = None) -> str:
    """A batch's file in one month: ``<batch>.parquet``, or ``<batch>.NNNNN.parquet`` per chunk."""
    return f"{batch_id}.parquet" if number is None else f"{batch_id}.{number:05d}.parquet"


def month_dir(events: Path, month: str) -> Path:
    """The partition directory of ``month`` (YYYY-MM) under the workspace's ``events``."""
    return events / f"{MONTH_KEY}={month}"


def is_lake_path(events_path: str) -> bool:
    return events_path.startswith(f"{EVENTS_DIR}/{MONTH_KEY}=")


def batch_of(name: str) -> str:
    """The batch id a lake file belongs to (its name up to the first dot)."""
    return name.split(".", 1)[0]


def _glob_base(events_path: Path) -> tuple[Path, str]:
    """The fixed directory of a glob and the pattern below it."""
    parts = events_path.parts
    first = next(i for i, part in enumerate(parts) if "*" in part)
    return Path(*parts[:first]), "/".join(parts[first:])


def event_files(events_path: Path) -> list[Path]:
    """The files of a batch's ``events_path``: the one file, or the files its glob names, in
    order of their path below the glob's fixed directory (missing files are left out: the digest
    then no longer matches)."""
    if "*" in str(events_path):
        base, pattern = _glob_base(events_path)
        return sorted(base.glob(pattern), key=lambda p: p.relative_to(base).as_posix())
    return [events_path] if events_path.is_file() else []


def lake_index(events: Path) -> dict[str, list[Path]]:
    """The lake's files per batch, each batch's in the order ``event_files`` gives its glob: one
    listing per month directory, for readers that want the files of many batches."""
    index: dict[str, list[Path]] = defaultdict(list)
    for directory in sorted(events.glob(f"{MONTH_KEY}=*")):
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.name.endswith("parquet") and not path.name.startswith("."):
                    index[batch_of(path.name)].append(path)
    return index


def events_sha256(events_path: Path) -> str:
    """The sha256 a batch's event files are sealed by. One file: the sha256 of its bytes. A glob
    of files: the sha256 of one line ``<path below the glob's fixed directory> <sha256 of the
    file>`` per file, in path order, so that a file added, removed, moved or changed changes it
    (``month=2026-03/<batch>.parquet`` in the lake, the part's name in a folder of parts)."""
    files = event_files(events_path)
    if "*" not in str(events_path):
        return file_sha256(files[0]) if files else ""
    base, _ = _glob_base(events_path)
    with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as pool:
        digests = list(pool.map(file_sha256, files))
    listing = "".join(
        f"{f.relative_to(base).as_posix()} {d}\n" for f, d in zip(files, digests, strict=True)
    )
    return hashlib.sha256(listing.encode()).hexdigest()


def month_files(events: Path, month: str, batches: Collection[str]) -> list[Path]:
    """The lake files of ``month`` that belong to ``batches`` (one directory listing)."""
    directory = month_dir(events, month)
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.suffix == ".parquet" and batch_of(p.name) in batches
    )


SUPERSEDES = "supersedes"
"""Lineage column: the batch whose version of this (brand, event_id) the row restates (null on
an event's first version)."""


def read_sql(files: Sequence[Path]) -> str:
    """``read_parquet`` of ``files`` (their partition column is not added: rows carry the time)."""
    listed = parquet_list_sql(files)
    return f"read_parquet({listed}, union_by_name = true, hive_partitioning = false)"


def newest_versions_sql(files: Sequence[Path], superseders: Sequence[Path] | None = None) -> str:
    """SQL for the rows of ``files`` that no row of ``superseders`` (by default ``files``)
    supersedes (a row with ``supersedes`` = B replaces the version of its (brand, event_id)
    stored by batch B): the newest version of each (brand, event_id). Void batches are not in
    either, so a withdrawn restatement lets the version it replaced count again. Reading one
    month, ``superseders`` are the files of every batch that changes it (``BatchRow.periods``
    names the months of the versions a batch restates)."""
    source = read_sql(files)
    restating = files if superseders is None else superseders
    return (
        newest_versions_of(source, read_sql(restating))
        if has_supersedes(restating)
        else f"SELECT * FROM {source}"
    )


def newest_versions_of(source: str, restating: str) -> str:
    """SQL for the rows of relation ``source`` that no row of relation ``restating`` supersedes
    (see :func:`newest_versions_sql`)."""
    return (
        f"SELECT * FROM {source} ANTI JOIN (SELECT brand, event_id, {SUPERSEDES} AS batch_id "
        f"FROM {restating} WHERE {SUPERSEDES} IS NOT NULL) USING (brand, event_id, batch_id)"
    )


def has_supersedes(files: Sequence[Path]) -> bool:
    """True when a row of ``files`` restates another (read from the files' statistics only)."""
    if not files:
        return False
    con = connect()
    try:
        [(restating,)] = con.execute(
            "SELECT coalesce(sum(num_values - coalesce(stats_null_count, 0)), 0) "
            f"FROM parquet_metadata({parquet_list_sql(files)}) "
            f"WHERE path_in_schema = '{SUPERSEDES}'"
        ).fetchall()
    finally:
        con.close()
    return bool(restating)
