"""Stage one log as Parquet part files, then settle repeated event ids in DuckDB (SPEC 2.4).

A log is parsed chunk by chunk (``iter_parse_log``); each chunk's accepted events become one part
file and its rejected rows one rejects file, all inside the batch's staging directory
``tmp/<batch>.stage/``. Memory is bounded by the chunk size. Repeats across chunks and against the
brand's stored events are then found by DuckDB over the files, never in Python memory: the first
row of an event_id in the file is kept, later identical rows are duplicates and later different
rows are CONFLICTING_DUPLICATE rejections; a kept row whose (brand, event_id) is already stored is
a duplicate.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ledger.ingest.parse import CHUNK_ROWS, iter_parse_log, originals
from ledger.ingest.profile import Profile
from ledger.ingest.schema import CANONICAL_COLUMNS, EVENT_SCHEMA, REJECTED_SCHEMA, dedupe
from ledger.storage.events import (
    SUPERSEDES,
    newest_versions_sql,
    parquet_list_sql,
    private_connection,
    read_sql,
)

STAGE_SUFFIX = ".stage"
PARTS_GLOB = "*.parquet"

Progress = Callable[[int, int], None]


@dataclass
class Staged:
    """A staged log. Always: rows_read = accepted + duplicates + restated + rejected + skipped.

    ``conflicts`` (a subset of ``duplicates``) counts rows whose (brand, event_id) is stored with
    different content when the log is not a restatement; ``conflict_file`` lists them.
    """

    directory: Path
    rows_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0
    restated: int = 0
    conflicts: int = 0
    conflict_file: Path | None = None
    replaced_months: set[str] = field(default_factory=set)  # of the versions restated
    parts: list[Path] = field(default_factory=list)
    part_months: dict[Path, set[str]] = field(default_factory=dict)  # at least its months
    rejects: list[Path] = field(default_factory=list)
    months: set[str] = field(default_factory=set)
    rewritten: bool = False

    @property
    def periods(self) -> list[str]:
        """The months the batch changes: its events', and those of the versions it restates."""
        return sorted(self.months | self.replaced_months)


@contextmanager
def staging(tmp: Path, batch_id: str) -> Iterator[Path]:
    """The batch's staging directory, locked for as long as this ingest runs, removed after."""
    directory = tmp / f"{batch_id}{STAGE_SUFFIX}"
    directory.mkdir(parents=True)
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)


def remove_abandoned(tmp: Path) -> None:
    """Remove staging directories whose ingest is gone (its lock died with the process)."""
    for directory in tmp.glob(f"*{STAGE_SUFFIX}"):
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)


def stage_log(
    path: Path,
    directory: Path,
    *,
    lineage: dict[str, str],
    brand_category: str,
    twins: Collection[str],
    profile: Profile | None,
    progress: Progress,
    chunk_rows: int = CHUNK_ROWS,
) -> Staged:
    """Parse ``path`` into part files (each written while the next chunk is parsed); repeats
    across chunks are settled by ``settle_within``."""
    staged = Staged(directory)
    (directory / "events").mkdir()
    size = max(path.stat().st_size, 1)
    lineage_columns = [pl.lit(value).alias(name) for name, value in lineage.items()]
    lineage_columns.append(pl.lit(None, pl.String).alias(SUPERSEDES))
    chunks = iter_parse_log(
        path,
        brand_category=brand_category,
        twins=twins,
        profile=profile,
        chunk_rows=chunk_rows,
        sha=lineage["file_sha256"],
        on_block=lambda done: progress(int(done * size), size),
    )
    progress(0, size)
    writing: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1) as writer:
        for number, chunk in enumerate(chunks, 1):
            staged.rows_read += chunk.rows_read
            staged.duplicates += chunk.in_file_duplicates
            staged.skipped += chunk.skipped
            if chunk.events.height:
                part = directory / "events" / f"part-{number:05d}.parquet"
                events = chunk.events.with_columns(lineage_columns)
                if writing is not None:
                    writing.result()
                writing = writer.submit(_write_part, events, part)
                staged.parts.append(part)
                staged.accepted += chunk.events.height
                staged.part_months[part] = _months(chunk.events)
                staged.months.update(staged.part_months[part])
            if chunk.rejected.height:
                rejects = directory / f"rejects-{number:05d}.parquet"
                chunk.rejected.write_parquet(rejects)
                staged.rejects.append(rejects)
                staged.rejected += chunk.rejected.height
        if writing is not None:
            writing.result()
    return staged


def _write_part(events: pl.DataFrame, part: Path) -> None:
    events.write_parquet(part, compression="zstd", statistics=True)


def _months(events: pl.DataFrame) -> set[str]:
    at = pl.col("occurred_at")
    number = (at.dt.year() * 100 + at.dt.month()).unique()
    return {f"{n // 100:04d}-{n % 100:02d}" for n in events.select(number).to_series()}


def _duckdb(staged: Staged, memory: str = "1GB") -> duckdb.DuckDBPyConnection:
    con = private_connection()
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{staged.directory / 'duckdb.tmp'}'")
    con.execute("CREATE TEMP TABLE dropped (line_no BIGINT, duplicate BOOLEAN)")
    return con


def settle_within(staged: Staged, path: Path, profile: Profile | None) -> None:
    """Drop rows whose event_id occurred in an earlier chunk of the file; count them."""
    if len(staged.parts) < 2:
        return
    con = _duckdb(staged)
    try:
        _settle_across_chunks(con, staged, path, profile, parquet_list_sql(staged.parts))
        _drop(con, staged)
    finally:
        con.close()


def settle_stored(
    staged: Staged,
    stored: list[Path],
    *,
    restate: bool = False,
    path: Path | None = None,
    profile: Profile | None = None,
) -> None:
    """Settle rows whose (brand, event_id) is already in ``stored`` (the brand's committed files)
    against its newest stored version: the same content is a duplicate; different content is a
    restatement with ``restate`` (the row is kept and names the batch it supersedes), else a
    duplicate counted and listed as a conflict. Then note the months of what is left."""
    if not staged.parts or not (stored or staged.rewritten):
        return
    con = _duckdb(staged)
    try:
        if stored:
            parts = parquet_list_sql(staged.parts)
            con.execute(
                "CREATE TEMP TABLE matched AS SELECT p.line_no, p.event_id "
                f"FROM read_parquet({parts}) p "
                f"SEMI JOIN (SELECT event_id FROM {read_sql(stored)}) s "
                "ON p.event_id = s.event_id"
            )
            if con.execute("SELECT count(*) FROM matched").fetchall()[0][0]:
                _compare_stored(con, staged, stored, restate=restate)
                if staged.conflicts and path is not None:
                    _write_conflicts(con, staged, path, profile)
            _drop(con, staged)
        if staged.rewritten:
            months = (
                con.execute(
                    "SELECT DISTINCT strftime(occurred_at, '%Y-%m') "
                    f"FROM read_parquet({parquet_list_sql(staged.parts)})"
                ).fetchall()
                if staged.parts
                else []
            )
            staged.months = {month for (month,) in months}
    finally:
        con.close()


def _compare_stored(
    con: duckdb.DuckDBPyConnection, staged: Staged, stored: list[Path], *, restate: bool
) -> None:
    """Classify the matched rows against the newest stored version of their event id."""
    content = [name for name in CANONICAL_COLUMNS if name != "event_id"]
    same = " AND ".join(f"p.{name} IS NOT DISTINCT FROM s.{name}" for name in content)
    con.execute(
        "CREATE TEMP TABLE versus AS SELECT p.line_no, p.event_id, s.batch_id AS stored_batch, "
        f"({same}) AS same, strftime(s.occurred_at, '%Y-%m') AS stored_month "
        f"FROM read_parquet({parquet_list_sql(staged.parts)}) p "
        "SEMI JOIN matched m ON p.line_no = m.line_no "
        f"JOIN ({newest_versions_sql(stored)}) s ON p.event_id = s.event_id"
    )
    if restate:
        con.execute("INSERT INTO dropped SELECT line_no, true FROM versus WHERE same")
        restated = con.execute(
            "SELECT line_no, stored_batch, stored_month FROM versus WHERE NOT same"
        ).fetchall()
        if restated:
            staged.restated += len(restated)
            staged.accepted -= len(restated)
            staged.replaced_months.update(month for _, _, month in restated)
            _mark_superseding(staged, {line: batch for line, batch, _ in restated})
    else:
        con.execute("INSERT INTO dropped SELECT line_no, true FROM versus")
        [(conflicts,)] = con.execute("SELECT count(*) FROM versus WHERE NOT same").fetchall()
        staged.conflicts += conflicts


def _mark_superseding(staged: Staged, supersedes: dict[int, str]) -> None:
    """Set SUPERSEDES on the restating rows of the parts (keeping their row order)."""
    marks = pl.DataFrame(
        {"line_no": list(supersedes), "_supersedes": list(supersedes.values())},
        schema={"line_no": pl.Int64(), "_supersedes": pl.String()},
    )
    for part in staged.parts:
        frame = pl.read_parquet(part)
        hit = frame.join(marks, on="line_no", how="left", maintain_order="left")
        if hit["_supersedes"].is_null().all():
            continue
        marked = hit.with_columns(pl.coalesce("_supersedes", SUPERSEDES).alias(SUPERSEDES)).drop(
            "_supersedes"
        )
        new = part.with_suffix(".new")
        marked.write_parquet(new, compression="zstd", statistics=True)
        os.replace(new, part)


def _write_conflicts(
    con: duckdb.DuckDBPyConnection, staged: Staged, path: Path, profile: Profile | None
) -> None:
    """List the conflicting rows: line, event id, the batch holding the stored version, text."""
    rows = con.sql(
        "SELECT line_no, event_id, stored_batch FROM versus WHERE NOT same ORDER BY line_no"
    ).to_arrow_table()
    frame = pl.DataFrame(pl.from_arrow(rows))
    text = originals(path, profile, set(frame["line_no"].to_list()))
    listed = frame.join(text, on="line_no", how="left").with_columns(
        message=pl.format(
            "event_id '{}' is stored by batch {} with different content; "
            "ingest the file as a restatement to replace it",
            pl.col("event_id"),
            pl.col("stored_batch"),
        )
    )
    target = staged.directory / "conflicts.csv"
    listed.select("line_no", "event_id", "stored_batch", "message", "original").write_csv(target)
    staged.conflict_file = target


def _drop(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    [(duplicates, conflicts)] = con.execute(
        "SELECT count(*) FILTER (WHERE duplicate), count(*) FILTER (WHERE NOT duplicate) "
        "FROM dropped"
    ).fetchall()
    staged.accepted -= duplicates + conflicts
    staged.duplicates += duplicates
    staged.rejected += conflicts
    if duplicates + conflicts:
        _rewrite_parts(con, staged)


def _rewrite_parts(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Rewrite (or remove) every part that holds a dropped row, keeping its row order."""
    affected = con.execute(
        f"SELECT DISTINCT filename FROM read_parquet({parquet_list_sql(staged.parts)}, "
        "filename = true) p SEMI JOIN dropped d ON p.line_no = d.line_no"
    ).fetchall()
    staged.rewritten = True
    for (filename,) in affected:
        part = Path(filename)
        frame = pl.read_parquet(part)
        lines = con.execute(
            "SELECT line_no FROM dropped WHERE line_no BETWEEN ? AND ?",
            [frame["line_no"].min(), frame["line_no"].max()],
        ).fetchall()
        drop = pl.Series([line for (line,) in lines], dtype=pl.Int64)
        kept = frame.filter(~pl.col("line_no").is_in(drop.implode()))
        if kept.height:
            new = part.with_suffix(".new")
            kept.write_parquet(new, compression="zstd", statistics=True)
            os.replace(new, part)
        else:
            part.unlink()
            staged.parts.remove(part)
    con.execute("DELETE FROM dropped")


def _settle_across_chunks(
    con: duckdb.DuckDBPyConnection, staged: Staged, path: Path, profile: Profile | None, parts: str
) -> None:
    """Rows whose event_id already occurred in an earlier chunk (chunks are unique within)."""
    columns = ", ".join(["line_no", *CANONICAL_COLUMNS])
    con.execute(
        f"CREATE TEMP TABLE repeated AS SELECT event_id FROM read_parquet({parts}) p "
        f"SEMI JOIN (SELECT hash(event_id) AS h FROM read_parquet({parts}) GROUP BY h "
        "HAVING count(*) > 1) c ON hash(p.event_id) = c.h "
        "GROUP BY event_id HAVING count(*) > 1"
    )
    repeated = con.sql(
        f"SELECT {columns} FROM read_parquet({parts}) SEMI JOIN repeated USING (event_id) "
        "ORDER BY line_no"
    ).to_arrow_table()
    if repeated.num_rows == 0:
        return
    frame = pl.DataFrame(pl.from_arrow(repeated))
    checked = frame.select(*EVENT_SCHEMA).cast(EVENT_SCHEMA)
    kept, _, conflicts = dedupe(checked.with_columns(original=pl.lit(None, pl.String)))
    dropped = frame.join(kept.select("line_no"), on="line_no", how="anti").select(
        "line_no", duplicate=~pl.col("line_no").is_in(conflicts["line_no"].implode())
    )
    con.register("repeats", dropped.to_arrow())
    con.execute("INSERT INTO dropped SELECT line_no, duplicate FROM repeats")
    if conflicts.height:
        text = originals(path, profile, set(conflicts["line_no"].to_list()))
        conflicts = conflicts.drop("original").join(text, on="line_no", how="left")
        rejects = staged.directory / "rejects-conflicts.parquet"
        conflicts.select(*REJECTED_SCHEMA).cast(REJECTED_SCHEMA).write_parquet(rejects)
        staged.rejects.append(rejects)


def write_quarantine(staged: Staged, final: Path) -> bool:
    """Write every rejected row, in line order, to a CSV beside the parts; False when none."""
    if not staged.rejects:
        return False
    con = private_connection()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{staged.directory / 'duckdb.tmp'}'")
    con.execute(
        "COPY (SELECT line_no, reason, message, original FROM "
        f"read_parquet({parquet_list_sql(staged.rejects)}) ORDER BY line_no) "
        f"TO '{str(final).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER true)"
    )
    con.close()
    return True
