"""Read text logs (CSV and JSON Lines) into string columns with line numbers and original text.

UTF-8 input is split into lines by Polars' own reader straight from the bytes; other encodings are
decoded incrementally first. A CSV block whose lines hold no quote character is split into fields
without a second parse. Either way memory is bounded by the block size.

Reading lines is sequential; splitting them into fields is not, so the readers yield jobs
(``Job``: a call that returns the ``Raw`` chunk) that the caller may run on other threads.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from ledger.ingest.profile import SOURCE_LINE, SOURCE_TEXT, Profile
from ledger.ingest.schema import LogUnreadable

BLOCK_BYTES = 1 << 22
MAX_LINE_BYTES = 1 << 20
"""The longest line (and CSV record, quoted line breaks included) of a log: 1 MiB of UTF-8."""
MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects in one JSON Lines row."""
_MIB = f"{MAX_LINE_BYTES} bytes (1 MiB)"
_TOO_LONG = f"line is longer than {_MIB}, the most a log line may hold"
_JSON_TOKENS = re.compile(r'[\[\]{}"\\]')


def _codec(encoding: str) -> str:
    """The codec that decodes ``encoding`` (UTF-8 tolerates a BOM)."""
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name == "utf-8" else name


@dataclass(frozen=True)
class Raw:
    """Source columns plus line numbers and original text, and how ``apply_profile`` treats them.

    ``progress`` is the fraction of the source read so far.
    """

    frame: pl.DataFrame
    line: int | None
    strict_columns: bool
    keyed_rows: bool = False
    progress: float = 1.0
    literal: bool = False
    """Every value is a piece of its record's text as read (CSV): a value can start or end with
    whitespace only where its record holds some (see ``needs_trimming``)."""


_ASCII_SPACE = r"(?-u:[\t\n\x0b\x0c\r ])"


def needs_trimming(raw: Raw) -> bool:
    """Whether the values of ``raw`` may start or end with whitespace. False only for literal
    values whose records are ASCII without an ASCII space, tab or line break: Unicode whitespace
    is not ASCII, so nothing there can be trimmed (any other record is trimmed as usual)."""
    if not raw.literal or SOURCE_TEXT not in raw.frame.columns:
        return True
    text = raw.frame[SOURCE_TEXT]
    if not bool((text.str.len_bytes() == text.str.len_chars()).all()):
        return True
    return bool(text.str.contains(_ASCII_SPACE).any())


Job = Callable[[], Raw]


def _first_line(frame: pl.DataFrame, mask: pl.Series, column: str = "line_no") -> tuple[int, int]:
    index = int(mask.arg_true()[0])
    return int(frame[column][index]), index


def _lines_frame(data: bytes, first_line: int) -> pl.DataFrame:
    """(line_no, text) of the complete UTF-8 lines in ``data``, line ends removed."""
    if b"\x1f" in data:
        lines = data.decode("utf-8").split("\n")
        if lines[-1] == "":
            lines.pop()
        frame = pl.DataFrame({"text": lines}, schema={"text": pl.String})
    else:
        frame = pl.read_csv(
            data,
            has_header=False,
            schema={"text": pl.String()},
            separator="\x1f",
            quote_char=None,
        )
    text = pl.col("text").fill_null("")
    return frame.with_row_index("line_no", offset=first_line).with_columns(
        pl.col("line_no").cast(pl.Int64), text.str.strip_suffix("\r") if b"\r" in data else text
    )


def _utf8_blocks(path: Path, block_bytes: int) -> Iterator[tuple[pl.DataFrame, float]]:
    size = max(path.stat().st_size, 1)
    next_line, tail = 1, b""
    with path.open("rb") as handle:
        while True:
            raw = handle.read(block_bytes)
            final = not raw
            data = tail + raw
            if next_line == 1 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            cut = len(data) if final else data.rfind(b"\n") + 1
            data, tail = data[:cut], data[cut:]
            if data:
                problem = None
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    problem = exc.start, "bytes that are not valid utf-8 text"
                nul = data.find(b"\x00")
                if nul >= 0 and (problem is None or nul < problem[0]):
                    problem = nul, "binary data (NUL byte): wrong format or encoding"
                if problem is not None:
                    line = next_line + data.count(b"\n", 0, problem[0])
                    raise LogUnreadable(path, line, problem[1])
                frame = _lines_frame(data, next_line)
                next_line += frame.height
                yield frame, min(handle.tell() / size, 1.0)
            if len(tail) > MAX_LINE_BYTES:
                raise LogUnreadable(path, next_line, _TOO_LONG)
            if final:
                return


def _decoded_blocks(
    path: Path, profile: Profile, block_bytes: int
) -> Iterator[tuple[pl.DataFrame, float]]:
    codec = _codec(profile.encoding)
    size = max(path.stat().st_size, 1)
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    next_line, tail = 1, ""
    with path.open("rb") as handle:
        while True:
            raw = handle.read(block_bytes)
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
            if len(tail) > MAX_LINE_BYTES:  # characters: at least as many bytes
                raise LogUnreadable(path, next_line + len(lines), _TOO_LONG)
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
            yield frame, min(handle.tell() / size, 1.0)
            if final:
                return


def line_blocks(
    path: Path, profile: Profile, block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[pl.DataFrame, float]]:
    """Complete physical lines (line_no, text) without line ends, after ``skip_rows``, in blocks
    of about ``block_bytes``, each with the fraction of the file read so far."""
    if codecs.lookup(profile.encoding).name == "utf-8":
        blocks = _utf8_blocks(path, block_bytes)
    else:
        blocks = _decoded_blocks(path, profile, block_bytes)
    for frame, done in blocks:
        long = frame["text"].str.len_bytes() > MAX_LINE_BYTES
        if long.any():
            raise LogUnreadable(path, _first_line(frame, long)[0], _TOO_LONG)
        if frame.height and profile.skip_rows >= int(frame["line_no"][0]):
            frame = frame.filter(pl.col("line_no") > profile.skip_rows)
        if frame.height:
            yield frame, done


def _record_bytes(lines: pl.DataFrame) -> int:
    """Bytes of ``lines`` joined into one record."""
    if not lines.height:
        return 0
    return int(lines["text"].str.len_bytes().sum()) + lines.height - 1


def _csv_records(
    path: Path, profile: Profile, block_bytes: int
) -> Iterator[tuple[pl.DataFrame, float]]:
    """Non-blank CSV records (line_no of their first line, text), quoted line breaks joined."""
    quote = profile.quote_char
    carry: pl.DataFrame | None = None
    for block, done in line_blocks(path, profile, block_bytes):
        lines = block if carry is None else pl.concat([carry, block])
        carry = None
        if quote is not None and lines["text"].str.contains(quote, literal=True).any():
            quotes = pl.col("text").str.count_matches(quote, literal=True).cast(pl.Int64)
            inside = lines.select(quotes.cum_sum() % 2 == 1)["text"]
            ends = (~inside).arg_true()
            complete = int(ends[-1]) + 1 if len(ends) else 0
            carry, lines = lines.slice(complete), lines.head(complete)
            if _record_bytes(carry) > MAX_LINE_BYTES:
                line = int(carry["line_no"][0])
                raise LogUnreadable(path, line, f"quoted field is not closed within {_MIB}")
            starts = ~inside.head(complete).shift(1, fill_value=False)
            if not starts.all():
                lines = (
                    lines.with_columns(_record=starts.cum_sum())
                    .group_by("_record", maintain_order=True)
                    .agg(pl.col("line_no").first(), pl.col("text").str.join("\n"))
                    .drop("_record")
                )
                long = lines["text"].str.len_bytes() > MAX_LINE_BYTES
                if long.any():
                    line = _first_line(lines, long)[0]
                    raise LogUnreadable(path, line, f"record is longer than {_MIB}")
        records = _not_blank(lines)
        if records.height:
            yield records, done
    if carry is not None and carry.height:
        raise LogUnreadable(path, int(carry["line_no"][0]), "quoted field is never closed")


def _not_blank(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines that hold more than whitespace. Only a line that is empty or starts with
    whitespace can be blank, so only those are stripped to find out."""
    text = pl.col("text")
    maybe = (text.str.len_bytes() == 0) | text.str.contains(r"^\s")
    if not bool(lines.select(maybe.any()).item()):
        return lines
    return lines.filter(~maybe | (text.str.strip_chars() != ""))


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


_REST = "__rest"
"""What follows a record's last expected field (null when it has exactly the header's fields)."""


def _read_csv_part(
    path: Path, records: pl.DataFrame, header: list[str], profile: Profile
) -> pl.DataFrame:
    quote, sep = profile.quote_char, profile.delimiter
    text = pl.col("text")
    quoted = quote is not None and bool(records["text"].str.contains(quote, literal=True).any())
    if not quoted:  # split once into the header's fields and the rest, which must be empty
        split = pl.col("text").str.splitn(sep, len(header) + 1)
        frame = records.select(
            split.struct.rename_fields([*header, _REST]).alias("_fields"),
            pl.col("line_no").alias(SOURCE_LINE),
            pl.col("text").alias(SOURCE_TEXT),
        ).unnest("_fields")
        ragged = frame[_REST].is_not_null() | frame[header[-1]].is_null()
        if ragged.any():
            line, index = _first_line(records, ragged)
            found = str(records["text"][index]).count(sep) + 1
            raise LogUnreadable(path, line, f"expected {len(header)} fields, found {found}")
        return frame.drop(_REST)
    q = re.escape(str(quote))
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


def _csv_raw(
    path: Path, records: pl.DataFrame, header: list[str], profile: Profile, line: int, done: float
) -> Raw:
    frame = _read_csv_part(path, records, header, profile)
    return Raw(frame, line, True, progress=done, literal=True)


def csv_chunks(
    path: Path, profile: Profile, chunk_rows: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[Job]:
    header: list[str] | None = None
    header_line, emitted = 1, False
    for records, done in _csv_records(path, profile, block_bytes):
        if header is None:
            header_line = int(records["line_no"][0])
            header = _csv_header(path, header_line, records["text"][0], profile)
            records = records.slice(1)
        for start in range(0, records.height, chunk_rows):
            part = records.slice(start, chunk_rows)
            yield partial(_csv_raw, path, part, header, profile, header_line, done)
            emitted = True
    if header is None:
        raise LogUnreadable(path, 1, "empty file")
    if not emitted:
        schema = {
            **dict.fromkeys(header, pl.String()),
            SOURCE_LINE: pl.Int64(),
            SOURCE_TEXT: pl.String(),
        }
        empty = Raw(pl.DataFrame(schema=schema), header_line, True)
        yield lambda: empty


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


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings ignored)."""
    depth = deepest = 0
    in_string, escaped_at = False, -1
    for token in _JSON_TOKENS.finditer(text):
        char, at = token.group(), token.start()
        if at == escaped_at:
            continue
        if char == "\\":
            escaped_at = at + 1
        elif char == '"':
            in_string = not in_string
        elif not in_string and char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string:
            depth -= 1
    return deepest


def _check_depth(path: Path, lines: pl.DataFrame, text: pl.Series) -> None:
    """Refuse a row nested deeper than MAX_JSON_DEPTH; only rows with that many opening
    brackets are looked at one by one."""
    brackets = text.str.count_matches(r"[\[{]") > MAX_JSON_DEPTH
    for index in brackets.arg_true():
        if json_depth(text[index]) > MAX_JSON_DEPTH:
            line = int(lines["line_no"][index])
            message = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
            raise LogUnreadable(path, line, message)


def _read_jsonl_part(path: Path, lines: pl.DataFrame) -> pl.DataFrame:
    text = lines["text"].str.strip_chars()
    not_object = ~text.str.starts_with("{")
    if not_object.any():
        line, _ = _first_line(lines, not_object)
        raise LogUnreadable(path, line, "not a JSON object (JSON Lines: one object per line)")
    _check_depth(path, lines, text)
    try:
        inferred = text.str.json_decode(infer_schema_length=None)
        decoded = text.str.json_decode(_all_strings(inferred.dtype))
    except pl.exceptions.PolarsError as exc:
        raise _json_problem(path, lines, exc) from None
    frame = lines.select(pl.col("line_no").alias(SOURCE_LINE), pl.col("text").alias(SOURCE_TEXT))
    if isinstance(decoded.dtype, pl.Struct) and decoded.dtype.fields:
        frame = decoded.struct.unnest().hstack(frame)
    return frame


def _jsonl_raw(path: Path, lines: pl.DataFrame, first: bool, done: float) -> Raw:
    line = int(lines["line_no"][0])
    return Raw(_read_jsonl_part(path, lines), line, first, True, progress=done)


def jsonl_chunks(
    path: Path, profile: Profile, chunk_rows: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[Job]:
    first = True
    for block, done in line_blocks(path, profile, block_bytes):
        lines = _not_blank(block)
        for start in range(0, lines.height, chunk_rows):
            yield partial(_jsonl_raw, path, lines.slice(start, chunk_rows), first, done)
            first = False
    if first:
        raise LogUnreadable(path, 1, "empty file")
