"""Ingest profiles: a declarative TOML description of how one brand's log maps to canonical events.

Onboarding a brand is writing a profile, not code. See docs/profiles.md for every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.files import REFERENCE_FILE_BYTES, read_input
from ledger.ingest.schema import ALWAYS_REQUIRED, CANONICAL_COLUMNS, LogUnreadable

FORMATS = ("csv", "jsonl", "parquet")
ENCODINGS = ("utf-8", "utf-16", "latin-1")
EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}
_ENCODING_ALIASES = {"utf8": "utf-8", "utf16": "utf-16", "latin1": "latin-1"}
_SCALAR_KEYS = {
    "format": str,
    "delimiter": str,
    "quote_char": str,
    "decimal_separator": str,
    "encoding": str,
    "timezone": str,
    "timestamp_format": str,
    "skip_rows": int,
}
_TABLE_KEYS = ("columns", "values", "defaults", "ignore")

SOURCE_LINE, SOURCE_TEXT = "__line_no", "__original"
_NESTED = (pl.Struct, pl.List, pl.Array)

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Profile:
    """How to read one brand's log. Mappings are kept as sorted pairs so the record stays hashable.

    ``columns``: source column (or dotted JSON path) -> canonical column; ``values``: canonical
    column -> (source value -> canonical value); ``defaults``: canonical column -> constant used
    where the column is absent or empty; ``ignore``: source columns dropped unread.
    """

    name: str = "default"
    source: str = ""
    format: str | None = None
    delimiter: str = ","
    quote_char: str | None = '"'
    decimal_separator: str = "."
    encoding: str = "utf-8"
    timezone: str = "UTC"
    timestamp_format: str | None = None
    columns: Pairs = ()
    values: tuple[tuple[str, Pairs], ...] = ()
    defaults: Pairs = ()
    ignore: tuple[str, ...] = ()
    skip_rows: int = 0

    def format_for(self, path: Path) -> str | None:
        """The file format: the profile's, else from the extension (None when unknown)."""
        return self.format or EXTENSIONS.get(path.suffix.lower())

    @property
    def renames(self) -> dict[str, str]:
        return dict(self.columns)

    @property
    def value_maps(self) -> dict[str, dict[str, str]]:
        return {column: dict(pairs) for column, pairs in self.values}

    @property
    def default_values(self) -> dict[str, str]:
        return dict(self.defaults)


DEFAULT_PROFILE = Profile()


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    return None


def _pairs(
    table: Any, where: str, file: str, problems: list[Problem], *, canonical_keys: bool
) -> Pairs:
    if not isinstance(table, dict):
        problems.append(Problem(file, None, where, "must be a table"))
        return ()
    result = []
    for key, value in table.items():
        text = _text(value)
        if text is None:
            problems.append(Problem(file, where, key, "must be a string"))
        elif canonical_keys and key not in CANONICAL_COLUMNS:
            problems.append(Problem(file, where, key, "unknown canonical column"))
        else:
            result.append((str(key), text))
    return tuple(sorted(result))


def _check_scalars(data: dict[str, Any], file: str, problems: list[Problem]) -> None:
    def bad(key: str, message: str) -> None:
        problems.append(Problem(file, None, key, message))

    for key, kind in _SCALAR_KEYS.items():
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool)):
            bad(key, f"must be {'an integer' if kind is int else 'a string'}")
    if problems:
        return
    if data.get("format", "csv") not in FORMATS:
        bad("format", f"must be one of {', '.join(FORMATS)}")
    if len(data.get("delimiter", ",")) != 1:
        bad("delimiter", "must be one character")
    if len(data.get("quote_char", '"')) > 1:
        bad("quote_char", "must be one character (or empty for no quoting)")
    if data.get("decimal_separator", ".") not in (".", ","):
        bad("decimal_separator", "must be '.' or ','")
    if data.get("encoding", "utf-8") not in ENCODINGS:
        bad("encoding", f"must be one of {', '.join(ENCODINGS)}")
    if data.get("skip_rows", 0) < 0:
        bad("skip_rows", "must be >= 0")
    try:
        ZoneInfo(data.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        bad("timezone", f"unknown IANA timezone '{data.get('timezone')}'")


def profile_from_dict(data: dict[str, Any], *, name: str, file: str) -> Profile:
    """Build a profile from parsed TOML; every problem names the file and the key."""
    problems = [
        Problem(file, None, key, "unknown key")
        for key in data
        if key not in _SCALAR_KEYS and key not in _TABLE_KEYS
    ]
    data = dict(data)
    if isinstance(data.get("encoding"), str):
        lowered = data["encoding"].lower()
        data["encoding"] = _ENCODING_ALIASES.get(lowered, lowered)
    _check_scalars(data, file, problems)
    columns = _pairs(data.get("columns", {}), "columns", file, problems, canonical_keys=False)
    for source, target in columns:
        if target not in CANONICAL_COLUMNS:
            problems.append(Problem(file, "columns", source, f"unknown column '{target}'"))
    targets = [target for _, target in columns]
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        problems.append(Problem(file, "columns", None, f"two columns map to '{target}'"))
    raw_values = data.get("values", {})
    values: list[tuple[str, Pairs]] = []
    if not isinstance(raw_values, dict):
        problems.append(Problem(file, None, "values", "must be a table of tables"))
    else:
        for column, table in raw_values.items():
            if column not in CANONICAL_COLUMNS:
                problems.append(Problem(file, "values", column, "unknown canonical column"))
                continue
            pairs = _pairs(table, f"values.{column}", file, problems, canonical_keys=False)
            values.append((column, pairs))
    defaults = _pairs(data.get("defaults", {}), "defaults", file, problems, canonical_keys=True)
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        problems.append(Problem(file, None, "ignore", "must be a list of column names"))
        ignore = []
    if problems:
        raise ValidationFailed(problems)
    quote = data.get("quote_char", '"')
    return Profile(
        name=name,
        source=file,
        format=data.get("format"),
        delimiter=data.get("delimiter", ","),
        quote_char=quote or None,
        decimal_separator=data.get("decimal_separator", "."),
        encoding=data.get("encoding", "utf-8"),
        timezone=data.get("timezone", "UTC"),
        timestamp_format=data.get("timestamp_format"),
        columns=columns,
        values=tuple(sorted(values)),
        defaults=defaults,
        ignore=tuple(ignore),
        skip_rows=data.get("skip_rows", 0),
    )


def load_profile(name_or_path: str, profiles_dir: Path) -> Profile:
    """Load a profile by bare name (``profiles_dir/NAME.toml``) or by path."""
    candidate = Path(name_or_path)
    is_path = candidate.suffix == ".toml" or len(candidate.parts) > 1
    path = candidate if is_path else profiles_dir / f"{name_or_path}.toml"
    file = str(path)
    if not path.exists():
        raise ValidationFailed([Problem(file, None, None, "profile not found")])
    try:
        text = read_input(path, REFERENCE_FILE_BYTES).decode("utf-8-sig")
        data = tomllib.loads(text)
    except LedgerError as exc:
        raise ValidationFailed([Problem(None, None, None, str(exc))]) from None
    except UnicodeDecodeError:
        raise ValidationFailed([Problem(file, None, None, "the file is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed([Problem(file, None, None, f"invalid TOML: {exc}")]) from None
    except ValueError:  # an integer beyond Python's limit of 4300 digits for int("...")
        message = "a number has more than 4300 digits"
        raise ValidationFailed([Problem(file, None, None, message)]) from None
    except RecursionError:
        message = "arrays or tables nested too deeply to read"
        raise ValidationFailed([Problem(file, None, None, message)]) from None
    return profile_from_dict(data, name=path.stem, file=file)


def _locate(frame: pl.DataFrame, source: str) -> tuple[pl.Expr, Any] | None:
    """The column, or the nested field of a dotted path like ``meta.twin.id``."""
    if source in frame.columns:
        return pl.col(source), frame.schema[source]
    root, *parts = source.split(".")
    if not parts or root not in frame.columns:
        return None
    expr: pl.Expr = pl.col(root)
    dtype: Any = frame.schema[root]
    for part in parts:
        fields = {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else {}
        if part not in fields:
            return None
        expr, dtype = expr.struct.field(part), fields[part]
    return expr, dtype


def apply_profile(
    frame: pl.DataFrame,
    profile: Profile,
    *,
    file: Path,
    line: int | None,
    strict_columns: bool = True,
    keyed_rows: bool = False,
) -> pl.DataFrame:
    """Rename, trim, value-map and default: every canonical column as a string (null if empty).

    ``frame`` holds the source columns plus SOURCE_LINE and SOURCE_TEXT. ``line`` locates column
    problems; with ``keyed_rows`` (JSON Lines) a column is located at the first row that has it.
    ``strict_columns``: a missing always-required column refuses the file (else rows are rejected).
    """
    renames, maps, defaults = profile.renames, profile.value_maps, profile.default_values
    found: dict[str, tuple[str, pl.Expr, Any]] = {}
    used = {SOURCE_LINE, SOURCE_TEXT, *profile.ignore}
    for source, target in renames.items():
        used.add(source if source in frame.columns else source.split(".")[0])
        located = _locate(frame, source)
        if located is not None:
            found[target] = (source, *located)
    for name in CANONICAL_COLUMNS:
        if name in frame.columns and name not in renames.values():
            found[name] = (name, pl.col(name), frame.schema[name])
            used.add(name)
    for column in frame.columns:
        if column not in used:
            present = frame.filter(pl.col(column).is_not_null())[SOURCE_LINE]
            where = int(present[0]) if keyed_rows and len(present) else line
            hint = "map it under [columns] or list it in ignore"
            raise LogUnreadable(file, where, f"unknown column '{column}' ({hint})", column)
    exprs = []
    for name in CANONICAL_COLUMNS:
        if name not in found:
            if name in ALWAYS_REQUIRED and name not in defaults and strict_columns:
                sources = [source for source, target in renames.items() if target == name]
                mapped = f" (mapped from '{sources[0]}')" if sources else ""
                raise LogUnreadable(file, line, f"missing required column '{name}'{mapped}", name)
            exprs.append(pl.lit(defaults.get(name), pl.String).alias(name))
            continue
        source, expr, dtype = found[name]
        if isinstance(dtype, _NESTED):
            message = f"column '{source}' holds nested values; map one field with a dotted path"
            raise LogUnreadable(file, line, message, source)
        text = expr.cast(pl.String).str.strip_chars()
        text = pl.when(text != "").then(text)
        if name in maps:
            text = text.replace(maps[name])
        if name in defaults:
            text = text.fill_null(pl.lit(defaults[name]))
        exprs.append(text.alias(name))
    return frame.select(*exprs, line_no=pl.col(SOURCE_LINE), original=pl.col(SOURCE_TEXT))
