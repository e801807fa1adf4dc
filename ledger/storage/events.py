"""The Parquet event store.

Each committed batch is one immutable Parquet file under ``events/<brand>/``, or for a big log a
directory of part files (its ``events_path`` is then ``events/<brand>/<batch>/*.parquet``). A
batch becomes visible only when its row is committed in the database: readers are always given
the explicit list of committed batches' paths, so files written by an ingest that was killed
before its commit are never read (and are removed by the next ingest).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
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
