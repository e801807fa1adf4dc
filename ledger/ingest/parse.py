"""Read a brand's usage log (CSV, JSON Lines or Parquet) into canonical events and rejected rows.

Every source value is read as a string first; the profile renames, maps and defaults columns;
``schema.validate`` types and checks them. Nothing is stored here. Rows are processed in chunks of
at most ``chunk_rows``, so memory stays bounded by the chunk size, not the file size.

Reading is sequential; splitting, mapping and checking a block of rows is not. ``iter_parse_log``
checks blocks on a pool of threads (Polars releases the GIL), one per core, while the next blocks
are read, and hands them on in file order, so results do not depend on the number of threads.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ledger.files import unreadable
from ledger.ingest.profile import (
    DEFAULT_PROFILE,
    NO_MATCH,
    SOURCE_LINE,
    SOURCE_TEXT,
    Profile,
    apply_profile,
    drop_rows,
)
from ledger.ingest.schema import EVENT_SCHEMA, REJECTED_SCHEMA, LogUnreadable, dedupe, validate
from ledger.ingest.textread import (
    BLOCK_BYTES,
    Job,
    Raw,
    csv_chunks,
    jsonl_chunks,
    needs_trimming,
)
from ledger.ingest.xlsxread import xlsx_chunks
from ledger.storage.events import file_sha256

CHUNK_ROWS = 1_000_000
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ParsedLog:
    """One parsed log (or chunk).

    Always: rows_read = events + in_file_duplicates + rejected + skipped, where ``skipped`` rows
    were dropped by the profile's ``[[drop]]`` rules (a report's totals row).
    """

    rows_read: int
    events: pl.DataFrame
    rejected: pl.DataFrame
    in_file_duplicates: int
    file_sha256: str
    skipped: int = 0


def _parquet_strings(frame: pl.DataFrame, offset: int) -> pl.DataFrame:
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")
        elif isinstance(dtype, pl.Datetime):
            column = column.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
        elif not isinstance(dtype, pl.Struct | pl.List | pl.Array):
            column = column.cast(pl.String)
        columns.append(column)
    strings = frame.select(columns)
    original = strings.select(pl.struct(pl.all()).struct.json_encode()) if frame.width else None
    return strings.with_columns(
        pl.int_range(offset + 1, offset + 1 + frame.height, dtype=pl.Int64).alias(SOURCE_LINE),
        (original.to_series() if original is not None else pl.lit("{}")).alias(SOURCE_TEXT),
    )


def _parquet_raw(frame: pl.DataFrame, offset: int, done: float) -> Raw:
    return Raw(_parquet_strings(frame, offset), None, True, progress=done)


def _parquet_chunks(path: Path, profile: Profile, chunk_rows: int, _: int) -> Iterator[Job]:
    try:
        parquet = pq.ParquetFile(path)
        offset, total = 0, max(parquet.metadata.num_rows, 1)
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = pl.DataFrame(pl.from_arrow(batch))
            yield partial(_parquet_raw, frame, offset, (offset + frame.height) / total)
            offset += frame.height
        if offset == 0:
            empty = pl.DataFrame(pl.from_arrow(parquet.schema_arrow.empty_table()))
            yield partial(_parquet_raw, empty, 0, 1.0)
    except (pa.ArrowException, OSError) as exc:
        raise LogUnreadable(path, None, f"not a readable Parquet file ({exc})") from None


def _kept(raw: Raw, profile: Profile, path: Path) -> pl.DataFrame:
    """The raw rows the profile's ``[[drop]]`` rules keep."""
    return drop_rows(raw.frame, profile, file=path, line=raw.line, strict=raw.strict_columns)


def _mapped(raw: Raw, profile: Profile, path: Path) -> pl.DataFrame:
    return apply_profile(
        _kept(raw, profile, path),
        profile,
        file=path,
        line=raw.line,
        strict_columns=raw.strict_columns,
        keyed_rows=raw.keyed_rows,
        trim=needs_trimming(raw),
    )


def workers() -> int:
    """Threads that check blocks of rows: one per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _jobs(path: Path, profile: Profile, chunk_rows: int) -> Generator[Job, None, None]:
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    fmt = profile.format_for(path)
    if fmt is None:
        raise LogUnreadable(
            path, None, f"unknown log format '{path.suffix}'; give a profile format"
        )
    reason = unreadable(path)
    if reason is not None:
        raise LogUnreadable(path, None, reason)
    readers: dict[str, Callable[[Path, Profile, int, int], Iterator[Job]]] = {
        "csv": csv_chunks,
        "jsonl": jsonl_chunks,
        "parquet": _parquet_chunks,
        "xlsx": xlsx_chunks,
    }
    yield from readers[fmt](path, profile, chunk_rows, BLOCK_BYTES)


def _raw_chunks(path: Path, profile: Profile, chunk_rows: int) -> Generator[Raw, None, None]:
    for job in _jobs(path, profile, chunk_rows):
        yield job()


def in_order(fn: Callable[[T], R], items: Iterable[T], threads: int) -> Iterator[R]:
    """``map(fn, items)`` on ``threads`` threads, at most ``threads + 1`` items in flight.

    Results come in the order of ``items``, and so do errors, exactly as ``map`` would give them:
    an error from ``fn`` or from ``items`` comes after every earlier item's result.
    """
    if threads <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[R]] = deque()
        source = iter(items)
        try:
            while True:
                try:
                    item = next(source)
                except StopIteration:
                    break
                except Exception:
                    while pending:  # earlier items' results and errors come first
                        yield pending.popleft().result()
                    raise
                pending.append(pool.submit(fn, item))
                if len(pending) > threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _check(
    job: Job, path: Path, profile: Profile, brand_category: str, twins: list[str]
) -> tuple[Raw, pl.DataFrame, pl.DataFrame, int]:
    raw = job()
    mapped = _mapped(raw, profile, path)
    events, rejected = validate(
        mapped,
        brand_category=brand_category,
        twins=twins,
        timezone=profile.timezone,
        timestamp_format=profile.timestamp_format,
        decimal_separator=profile.decimal_separator,
    )
    return raw, events, rejected, raw.frame.height - mapped.height


def _checked_chunks(
    path: Path, brand_category: str, twins: Collection[str], profile: Profile, chunk_rows: int
) -> Iterator[tuple[Raw, pl.DataFrame, pl.DataFrame, int]]:
    threads = workers()
    jobs = _jobs(path, profile, chunk_rows)
    check = partial(
        _check, path=path, profile=profile, brand_category=brand_category, twins=list(twins)
    )
    yield from in_order(check, jobs, threads)


def _settle(
    rows: int,
    checked: list[pl.DataFrame],
    rejected: list[pl.DataFrame],
    sha: str,
    skipped: int,
) -> ParsedLog:
    empty = pl.DataFrame(schema={**EVENT_SCHEMA, "original": pl.String()})
    events, duplicates, conflicts = dedupe(pl.concat([empty, *checked]))
    all_rejected = pl.concat([pl.DataFrame(schema=REJECTED_SCHEMA), *rejected, conflicts])
    return ParsedLog(rows, events, all_rejected.sort("line_no"), duplicates, sha, skipped)


def iter_parse_log(
    path: Path,
    *,
    brand_category: str,
    twins: Collection[str],
    profile: Profile | None = None,
    chunk_rows: int = CHUNK_ROWS,
    sha: str | None = None,
    on_block: Callable[[float], None] | None = None,
) -> Iterator[ParsedLog]:
    """Parse in chunks of at most ``chunk_rows`` rows, line numbers continuous across chunks.

    Duplicate event ids are settled within each chunk only; across chunks that is the caller's
    job (``ledger.ingest.stage``). Column problems in any chunk raise LogUnreadable. ``sha`` is
    the file's sha256 when the caller already knows it. ``on_block`` is told the fraction of the
    file read each time a block has been checked (chunks are made of several blocks).
    """
    if sha is None:
        sha = file_sha256(path) if path.is_file() else ""
    rows, skipped, emitted = 0, 0, False
    checked: list[pl.DataFrame] = []
    rejected: list[pl.DataFrame] = []
    for raw, events, bad, dropped in _checked_chunks(
        path, brand_category, twins, profile or DEFAULT_PROFILE, chunk_rows
    ):
        if rows and rows + raw.frame.height > chunk_rows:
            yield _settle(rows, checked, rejected, sha, skipped)
            rows, skipped, checked, rejected, emitted = 0, 0, [], [], True
        rows += raw.frame.height
        skipped += dropped
        checked.append(events)
        rejected.append(bad)
        if on_block is not None:
            on_block(raw.progress)
    if rows or not emitted:
        yield _settle(rows, checked, rejected, sha, skipped)


def parse_log(
    path: Path,
    *,
    brand_category: str,
    twins: Collection[str],
    profile: Profile | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ParsedLog:
    """Parse a whole log: events, rejected rows (in line order) and in-file duplicates."""
    sha = file_sha256(path) if path.is_file() else ""
    rows, skipped, checked, rejected = 0, 0, [], []
    for raw, events, bad, dropped in _checked_chunks(
        path, brand_category, twins, profile or DEFAULT_PROFILE, chunk_rows
    ):
        rows += raw.frame.height
        skipped += dropped
        checked.append(events)
        rejected.append(bad)
    return _settle(rows, checked, rejected, sha, skipped)


def preview(path: Path, profile: Profile | None = None, n: int = 5) -> list[dict[str, Any]]:
    """The first ``n`` rows as the profile maps them, each with its reason (None = accepted).

    Values are the mapped strings before typing; the twin check is skipped.
    """
    profile = profile or DEFAULT_PROFILE
    chunks = _raw_chunks(path, profile, max(n, 1))
    try:
        mapped = _mapped(next(chunks), profile, path).head(n)
    finally:
        chunks.close()
    _, rejected = validate(
        mapped,
        brand_category="",
        twins=None,
        timezone=profile.timezone,
        timestamp_format=profile.timestamp_format,
        decimal_separator=profile.decimal_separator,
    )
    reasons = rejected.select("line_no", "reason", "message")
    shown = mapped.drop("original", NO_MATCH, strict=False)
    return shown.join(reasons, on="line_no", how="left").to_dicts()


def originals(path: Path, profile: Profile | None, lines: set[int]) -> pl.DataFrame:
    """(line_no, original) of the given source lines, read again from the file."""
    found = [pl.DataFrame(schema={"line_no": pl.Int64(), "original": pl.String()})]
    for raw in _raw_chunks(path, profile or DEFAULT_PROFILE, CHUNK_ROWS):
        found.append(
            raw.frame.filter(pl.col(SOURCE_LINE).is_in(sorted(lines))).select(
                line_no=SOURCE_LINE, original=SOURCE_TEXT
            )
        )
    return pl.concat(found)
