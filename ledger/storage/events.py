"""The Parquet event store.

Each committed batch is one immutable Parquet file under ``events/<brand>/``, or for a big log a
directory of part files (its ``events_path`` is then ``events/<brand>/<batch>/*.parquet``). A
batch becomes visible only when its row is committed in the database: readers are always given
the explicit list of committed batches' paths, so files written by an ingest that was killed
before its commit are never read (and are removed by the next ingest).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
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


def event_files(events_path: Path) -> list[Path]:
    """The files of a batch's ``events_path``: the one file, or the parts its glob names, in name
    order (missing files are left out: the digest then no longer matches)."""
    if "*" in events_path.name:
        return sorted(events_path.parent.glob(events_path.name), key=lambda p: p.name)
    return [events_path] if events_path.is_file() else []


def events_sha256(events_path: Path) -> str:
    """The sha256 a batch's event files are sealed by. One file: the sha256 of its bytes. A folder
    of parts: the sha256 of one line ``<part name> <sha256 of the part>`` per part, in name
    order, so that a part added, removed, renamed or changed changes it."""
    files = event_files(events_path)
    if "*" not in events_path.name:
        return file_sha256(files[0]) if files else ""
    with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as pool:
        digests = list(pool.map(file_sha256, files))
    listing = "".join(f"{f.name} {d}\n" for f, d in zip(files, digests, strict=True))
    return hashlib.sha256(listing.encode()).hexdigest()


SUPERSEDES = "supersedes"
"""Lineage column: the batch whose version of this (brand, event_id) the row restates (null on
an event's first version)."""


def newest_versions_sql(files: Sequence[Path]) -> str:
    """SQL for the rows of ``files`` that no row of ``files`` supersedes (a row with
    ``supersedes`` = B replaces the version of its (brand, event_id) stored by batch B): the
    newest version of each (brand, event_id). Void batches are not in ``files``, so a withdrawn
    restatement lets the version it replaced count again."""
    source = f"read_parquet({parquet_list_sql(files)}, union_by_name = true)"
    return (
        f"SELECT * FROM {source} ANTI JOIN (SELECT brand, event_id, {SUPERSEDES} AS batch_id "
        f"FROM {source} WHERE {SUPERSEDES} IS NOT NULL) USING (brand, event_id, batch_id)"
        if has_supersedes(files)
        else f"SELECT * FROM {source}"
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
