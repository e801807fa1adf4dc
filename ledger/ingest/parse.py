"""Read a brand's usage log (CSV, JSON Lines or Parquet) into canonical events and rejected rows.

Every source value is read as a string first; the profile renames, maps and defaults columns;
``schema.validate`` types and checks them. Nothing is stored here. Rows are processed in chunks of
at most ``chunk_rows``, so memory stays bounded by the chunk size, not the file size.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ledger.ingest.profile import (
    DEFAULT_PROFILE,
    SOURCE_LINE,
    SOURCE_TEXT,
    Profile,
    apply_profile,
)
from ledger.ingest.schema import EVENT_SCHEMA, REJECTED_SCHEMA, LogUnreadable, dedupe, validate

CHUNK_ROWS = 1_000_000
_BLOCK_BYTES = 1 << 24
_CODECS = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "latin-1": "latin-1"}


@dataclass(frozen=True)
class ParsedLog:
    """One parsed log (or chunk). Always: rows_read = events + in_file_duplicates + rejected."""

    rows_read: int
    events: pl.DataFrame
    rejected: pl.DataFrame
    in_file_duplicates: int
    file_sha256: str


@dataclass(frozen=True)
class _Raw:
    """Source columns plus line numbers and original text, and how ``apply_profile`` treats them."""

    frame: pl.DataFrame
    line: int | None
    strict_columns: bool
    keyed_rows: bool = False


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line(frame: pl.DataFrame, mask: pl.Series, column: str = "line_no") -> tuple[int, int]:
    index = int(mask.arg_true()[0])
    return int(frame[column][index]), index


def _line_blocks(path: Path, profile: Profile) -> Iterator[pl.DataFrame]:
    """Complete physical lines (line_no, text) without line ends, after ``skip_rows``."""
    codec = _CODECS[profile.encoding]
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    next_line, tail = 1, ""
    with path.open("rb") as handle:
        while True:
            raw = handle.read(_BLOCK_BYTES)
            final = not raw
            try:
                text = tail + decoder.decode(raw, final=final)
            except UnicodeDecodeError as exc:
                before = raw[: max(exc.start, 0)].decode(codec, errors="replace")
                line = next_line + before.count("\n")
                message = f"bytes that are not valid {profile.encoding} text"
                raise LogUnreadable(path, line, message) from None
            lines = text.split("\n")
            tail = "" if final else lines.pop()
            if final and lines[-1] == "":
                lines.pop()
            frame = pl.DataFrame({"text": lines}, schema={"text": pl.String})
            frame = frame.with_row_index("line_no", offset=next_line).with_columns(
                pl.col("line_no").cast(pl.Int64), pl.col("text").str.strip_suffix("\r")
            )
            next_line += len(lines)
            binary = frame["text"].str.contains("\x00", literal=True)
            if binary.any():
                line, _ = _first_line(frame, binary)
                raise LogUnreadable(path, line, "binary data (NUL byte): wrong format or encoding")
            frame = frame.filter(pl.col("line_no") > profile.skip_rows)
            if frame.height:
                yield frame
            if final:
                return


def _csv_records(path: Path, profile: Profile) -> Iterator[pl.DataFrame]:
    """Non-blank CSV records (line_no of their first line, text), quoted line breaks joined."""
    quote = profile.quote_char
    carry: pl.DataFrame | None = None
    for block in _line_blocks(path, profile):
        lines = block if carry is None else pl.concat([carry, block])
        carry = None
        if quote is not None:
            quotes = pl.col("text").str.count_matches(quote, literal=True).cast(pl.Int64)
            inside = lines.select(quotes.cum_sum() % 2 == 1)["text"]
            ends = (~inside).arg_true()
            complete = int(ends[-1]) + 1 if len(ends) else 0
            carry, lines = lines.slice(complete), lines.head(complete)
            starts = ~inside.head(complete).shift(1, fill_value=False)
            if not starts.all():
                lines = (
                    lines.with_columns(_record=starts.cum_sum())
                    .group_by("_record", maintain_order=True)
                    .agg(pl.col("line_no").first(), pl.col("text").str.join("\n"))
                    .drop("_record")
                )
        records = lines.filter(pl.col("text").str.strip_chars() != "")
        if records.height:
            yield records
    if carry is not None and carry.height:
        raise LogUnreadable(path, int(carry["line_no"][0]), "quoted field is never closed")


def _csv_header(path: Path, line: int, text: str, profile: Profile) -> list[str]:
    if profile.quote_char:
        reader = csv.reader([text], delimiter=profile.delimiter, quotechar=profile.quote_char)
    else:
        reader = csv.reader([text], delimiter=profile.delimiter, quoting=csv.QUOTE_NONE)
    names = [name.strip() for name in next(reader)]
    for position, name in enumerate(names):
        if not name:
            raise LogUnreadable(path, line, f"column {position + 1} has no name in the header")
        if name in names[:position]:
            raise LogUnreadable(path, line, f"duplicate column '{name}'", name)
    return names


def _read_csv_part(
    path: Path, records: pl.DataFrame, header: list[str], profile: Profile
) -> pl.DataFrame:
    quote, sep = profile.quote_char, profile.delimiter
    text = pl.col("text")
    if quote is not None:
        q = re.escape(quote)
        text = text.str.replace_all(f"{q}[^{q}]*{q}", "")
    fields = records.select(text.str.count_matches(sep, literal=True) + 1)["text"]
    ragged = fields != len(header)
    if ragged.any():
        line, index = _first_line(records, ragged)
        message = f"expected {len(header)} fields, found {fields[index]}"
        raise LogUnreadable(path, line, message)
    data = records.select(pl.col("text").str.join("\n")).item() + "\n"
    first = int(records["line_no"][0])
    try:
        frame = pl.read_csv(
            io.BytesIO(data.encode()),
            has_header=False,
            schema=dict.fromkeys(header, pl.String()),
            separator=sep,
            quote_char=quote,
        )
    except pl.exceptions.PolarsError as exc:
        raise LogUnreadable(path, first, f"unreadable CSV ({str(exc).splitlines()[0]})") from None
    if frame.height != records.height:
        raise LogUnreadable(path, first, "rows do not split consistently; check quote_char")
    return frame.with_columns(
        records["line_no"].alias(SOURCE_LINE), records["text"].alias(SOURCE_TEXT)
    )


def _csv_chunks(path: Path, profile: Profile, chunk_rows: int) -> Iterator[_Raw]:
    header: list[str] | None = None
    header_line, emitted = 1, False
    for records in _csv_records(path, profile):
        if header is None:
            header_line = int(records["line_no"][0])
            header = _csv_header(path, header_line, records["text"][0], profile)
            records = records.slice(1)
        for start in range(0, records.height, chunk_rows):
            part = records.slice(start, chunk_rows)
            yield _Raw(_read_csv_part(path, part, header, profile), header_line, True)
            emitted = True
    if header is None:
        raise LogUnreadable(path, 1, "empty file")
    if not emitted:
        schema = {
            **dict.fromkeys(header, pl.String()),
            SOURCE_LINE: pl.Int64(),
            SOURCE_TEXT: pl.String(),
        }
        yield _Raw(pl.DataFrame(schema=schema), header_line, True)


def _all_strings(dtype: Any) -> Any:
    if isinstance(dtype, pl.Struct):
        return pl.Struct({field.name: _all_strings(field.dtype) for field in dtype.fields})
    if isinstance(dtype, pl.List):
        return pl.List(_all_strings(dtype.inner))
    return pl.String()


def _json_problem(path: Path, lines: pl.DataFrame, error: Exception) -> LogUnreadable:
    for line, text in lines.select("line_no", "text").iter_rows():
        try:
            json.loads(text)
        except ValueError as exc:
            return LogUnreadable(path, line, f"malformed JSON: {exc}")
    detail = str(error).splitlines()[0]
    return LogUnreadable(path, int(lines["line_no"][0]), f"inconsistent JSON values ({detail})")


def _read_jsonl_part(path: Path, lines: pl.DataFrame) -> pl.DataFrame:
    text = lines["text"].str.strip_chars()
    not_object = ~text.str.starts_with("{")
    if not_object.any():
        line, _ = _first_line(lines, not_object)
        raise LogUnreadable(path, line, "not a JSON object (JSON Lines: one object per line)")
    try:
        inferred = text.str.json_decode(infer_schema_length=None)
        decoded = text.str.json_decode(_all_strings(inferred.dtype))
    except pl.exceptions.PolarsError as exc:
        raise _json_problem(path, lines, exc) from None
    frame = lines.select(pl.col("line_no").alias(SOURCE_LINE), pl.col("text").alias(SOURCE_TEXT))
    if isinstance(decoded.dtype, pl.Struct) and decoded.dtype.fields:
        frame = decoded.struct.unnest().hstack(frame)
    return frame


def _jsonl_chunks(path: Path, profile: Profile, chunk_rows: int) -> Iterator[_Raw]:
    first = True
    for block in _line_blocks(path, profile):
        lines = block.filter(pl.col("text").str.strip_chars() != "")
        for start in range(0, lines.height, chunk_rows):
            part = lines.slice(start, chunk_rows)
            yield _Raw(_read_jsonl_part(path, part), int(part["line_no"][0]), first, True)
            first = False
    if first:
        raise LogUnreadable(path, 1, "empty file")


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


def _parquet_chunks(path: Path, profile: Profile, chunk_rows: int) -> Iterator[_Raw]:
    try:
        parquet = pq.ParquetFile(path)
        offset = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = pl.DataFrame(pl.from_arrow(batch))
            yield _Raw(_parquet_strings(frame, offset), None, True)
            offset += frame.height
        if offset == 0:
            empty = pl.DataFrame(pl.from_arrow(parquet.schema_arrow.empty_table()))
            yield _Raw(_parquet_strings(empty, 0), None, True)
    except (pa.ArrowException, OSError) as exc:
        raise LogUnreadable(path, None, f"not a readable Parquet file ({exc})") from None


def _mapped(raw: _Raw, profile: Profile, path: Path) -> pl.DataFrame:
    return apply_profile(
        raw.frame,
        profile,
        file=path,
        line=raw.line,
        strict_columns=raw.strict_columns,
        keyed_rows=raw.keyed_rows,
    )


def _raw_chunks(path: Path, profile: Profile, chunk_rows: int) -> Generator[_Raw, None, None]:
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    fmt = profile.format_for(path)
    if fmt is None:
        raise LogUnreadable(
            path, None, f"unknown log format '{path.suffix}'; give a profile format"
        )
    if not path.is_file():
        raise LogUnreadable(path, None, "no such file")
    readers = {"csv": _csv_chunks, "jsonl": _jsonl_chunks, "parquet": _parquet_chunks}
    yield from readers[fmt](path, profile, chunk_rows)


def _checked_chunks(
    path: Path, brand_category: str, twins: Collection[str], profile: Profile, chunk_rows: int
) -> Iterator[tuple[int, pl.DataFrame, pl.DataFrame]]:
    twin_ids = list(twins)
    for raw in _raw_chunks(path, profile, chunk_rows):
        events, rejected = validate(
            _mapped(raw, profile, path),
            brand_category=brand_category,
            twins=twin_ids,
            timezone=profile.timezone,
            timestamp_format=profile.timestamp_format,
            decimal_separator=profile.decimal_separator,
        )
        yield raw.frame.height, events, rejected


def _settle(
    rows: int, checked: list[pl.DataFrame], rejected: list[pl.DataFrame], sha: str
) -> ParsedLog:
    empty = pl.DataFrame(schema={**EVENT_SCHEMA, "original": pl.String()})
    events, duplicates, conflicts = dedupe(pl.concat([empty, *checked]))
    all_rejected = pl.concat([pl.DataFrame(schema=REJECTED_SCHEMA), *rejected, conflicts])
    return ParsedLog(rows, events, all_rejected.sort("line_no"), duplicates, sha)


def iter_parse_log(
    path: Path,
    *,
    brand_category: str,
    twins: Collection[str],
    profile: Profile | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[ParsedLog]:
    """Parse in chunks of at most ``chunk_rows`` rows, line numbers continuous across chunks.

    Duplicate event ids are settled within each chunk only; across chunks that is the caller's
    job (it dedupes against storage anyway). Column problems in any chunk raise LogUnreadable.
    """
    sha = file_sha256(path) if path.is_file() else ""
    for rows, checked, rejected in _checked_chunks(
        path, brand_category, twins, profile or DEFAULT_PROFILE, chunk_rows
    ):
        yield _settle(rows, [checked], [rejected], sha)


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
    rows, checked, rejected = 0, [], []
    for count, events, bad in _checked_chunks(
        path, brand_category, twins, profile or DEFAULT_PROFILE, chunk_rows
    ):
        rows += count
        checked.append(events)
        rejected.append(bad)
    return _settle(rows, checked, rejected, sha)


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
    return mapped.drop("original").join(reasons, on="line_no", how="left").to_dicts()
