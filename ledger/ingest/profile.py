"""Ingest profiles: a declarative TOML description of how one brand's log maps to canonical events.

Onboarding a brand is writing a profile, not code. See docs/profiles.md for every key.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.files import REFERENCE_FILE_BYTES, read_input
from ledger.ingest.schema import ALWAYS_REQUIRED, CANONICAL_COLUMNS, LogUnreadable
from ledger.storage.events import connect

FORMATS = ("csv", "jsonl", "parquet", "xlsx")
THOUSANDS_SEPARATORS = (",", ".", " ", "'")
EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
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
    "thousands_separator": str,
    "sheet": str,
    "restate": bool,
}
_TABLE_KEYS = ("columns", "values", "defaults", "ignore", "identity", "drop", "extract")
IDENTITY_HEX = 32
"""Hex digits kept of an identity digest (128 bits)."""

SOURCE_LINE, SOURCE_TEXT = "__line_no", "__original"
IDENTITY, NO_MATCH = "__identity", "no_match"
_NESTED = (pl.Struct, pl.List, pl.Array)

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Drop:
    """Rows whose trimmed value of source ``column`` equals ``equals`` or matches the regular
    expression ``matches`` (searched anywhere in the value) are dropped before mapping."""

    column: str
    equals: str | None = None
    matches: str | None = None


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
    thousands_separator: str | None = None
    sheet: str | None = None
    restate: bool = False
    identity: tuple[str, ...] = ()
    drops: tuple[Drop, ...] = ()
    extracts: Pairs = ()

    @property
    def source_columns(self) -> set[str]:
        """Source columns the profile reads besides its renames (identity, drops, extracts)."""
        return {*self.identity, *(d.column for d in self.drops), *dict(self.extracts)}

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


def _text_codec(name: str) -> bool:
    """True when Python knows ``name`` as a codec between bytes and text."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True))


def _regex(pattern: Any, file: str, where: str, key: str, problems: list[Problem]) -> bool:
    """True when ``pattern`` is a regular expression both Python and Polars read."""
    if not isinstance(pattern, str):
        problems.append(Problem(file, where, key, "must be a string"))
        return False
    try:
        re.compile(pattern)
        pl.Series([""]).str.contains(pattern)
    except (re.error, pl.exceptions.PolarsError) as exc:
        problems.append(Problem(file, where, key, f"invalid regular expression ({exc})"))
        return False
    return True


def _identity(data: dict[str, Any], file: str, problems: list[Problem]) -> tuple[str, ...]:
    table = data.get("identity", {})
    if not isinstance(table, dict) or set(table) - {"columns"}:
        unknown = sorted(set(table) - {"columns"}) if isinstance(table, dict) else []
        for key in unknown:
            problems.append(Problem(file, "identity", key, "unknown key"))
        if not isinstance(table, dict):
            problems.append(Problem(file, None, "identity", "must be a table"))
        return ()
    columns = table.get("columns", [])
    if (
        not isinstance(columns, list)
        or not all(isinstance(item, str) and item for item in columns)
        or ("columns" in table and not columns)
    ):
        problems.append(Problem(file, "identity", "columns", "must be a list of column names"))
        return ()
    if len(set(columns)) != len(columns):
        problems.append(Problem(file, "identity", "columns", "names a column twice"))
    return tuple(columns)


def _drops(data: dict[str, Any], file: str, problems: list[Problem]) -> tuple[Drop, ...]:
    rules = data.get("drop", [])
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        problems.append(Problem(file, None, "drop", "must be an array of tables ([[drop]])"))
        return ()
    drops = []
    for number, rule in enumerate(rules, 1):
        where = f"drop[{number}]"
        for key in sorted(set(rule) - {"column", "equals", "matches"}):
            problems.append(Problem(file, where, key, "unknown key"))
        column = rule.get("column")
        if not isinstance(column, str) or not column:
            problems.append(Problem(file, where, "column", "must name a source column"))
            continue
        if ("equals" in rule) == ("matches" in rule):
            problems.append(Problem(file, where, None, "give exactly one of equals or matches"))
            continue
        equals = _text(rule["equals"]) if "equals" in rule else None
        if "equals" in rule and equals is None:
            problems.append(Problem(file, where, "equals", "must be a string"))
            continue
        matches = rule.get("matches")
        if matches is not None and not _regex(matches, file, where, "matches", problems):
            continue
        drops.append(Drop(column, equals, matches))
    return tuple(drops)


def _extracts(data: dict[str, Any], file: str, problems: list[Problem]) -> Pairs:
    table = data.get("extract", {})
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        problems.append(Problem(file, None, "extract", 'must be tables like [extract."COLUMN"]'))
        return ()
    result = []
    for source, rule in table.items():
        where = f"extract.{source}"
        for key in sorted(set(rule) - {"pattern"}):
            problems.append(Problem(file, where, key, "unknown key"))
        pattern = rule.get("pattern")
        if pattern is None:
            problems.append(Problem(file, where, "pattern", "missing"))
            continue
        if not _regex(pattern, file, where, "pattern", problems):
            continue
        groups = list(re.compile(pattern).groupindex)
        if not groups:
            problems.append(Problem(file, where, "pattern", "has no named group (?P<column>...)"))
        for group in groups:
            if group not in CANONICAL_COLUMNS:
                problems.append(Problem(file, where, "pattern", f"unknown column '{group}'"))
        result.append((source, pattern))
    return tuple(sorted(result))


def extracted_columns(pattern: str) -> list[str]:
    """The canonical columns a pattern's named groups fill."""
    return list(re.compile(pattern).groupindex)


def _check_scalars(data: dict[str, Any], file: str, problems: list[Problem]) -> None:
    def bad(key: str, message: str) -> None:
        problems.append(Problem(file, None, key, message))

    names = {int: "an integer", str: "a string", bool: "true or false"}
    for key, kind in _SCALAR_KEYS.items():
        value = data.get(key)
        if key in data and (
            not isinstance(value, kind) or (kind is not bool) is isinstance(value, bool)
        ):
            bad(key, f"must be {names[kind]}")
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
    if not _text_codec(data.get("encoding", "utf-8")):
        bad("encoding", f"unknown text encoding '{data.get('encoding')}'")
    thousands = data.get("thousands_separator")
    if thousands is not None and thousands not in THOUSANDS_SEPARATORS:
        bad("thousands_separator", "must be ',', '.', ' ' or \"'\"")
    elif thousands is not None and thousands == data.get("decimal_separator", "."):
        bad("thousands_separator", "must differ from decimal_separator")
    if "sheet" in data and data.get("format", "xlsx") != "xlsx":
        bad("sheet", 'only applies to format = "xlsx"')
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
        lowered = data["encoding"].strip().lower()
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
    identity = _identity(data, file, problems)
    drops = _drops(data, file, problems)
    extracts = _extracts(data, file, problems)
    sources: dict[str, list[str]] = {}
    for source, target in columns:
        sources.setdefault(target, []).append(f"[columns] '{source}'")
    for source, pattern in extracts:
        for target in extracted_columns(pattern) if pattern else []:
            sources.setdefault(target, []).append(f"[extract] '{source}'")
    if identity:
        sources.setdefault("event_id", []).append("[identity]")
    for target, given in sorted(sources.items()):
        if len(given) > 1 and not all(g.startswith("[columns]") for g in given):
            where = " and ".join(given)
            problems.append(Problem(file, None, None, f"'{target}' is filled by {where}"))
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
        thousands_separator=data.get("thousands_separator"),
        sheet=data.get("sheet"),
        restate=data.get("restate", False),
        identity=identity,
        drops=drops,
        extracts=extracts,
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
    trim: bool = True,
) -> pl.DataFrame:
    """Rename, trim, value-map and default: every canonical column as a string (null if empty).

    ``frame`` holds the source columns plus SOURCE_LINE and SOURCE_TEXT. ``line`` locates column
    problems; with ``keyed_rows`` (JSON Lines) a column is located at the first row that has it.
    ``strict_columns``: a missing always-required column refuses the file (else rows are rejected).
    ``trim`` false: no value has whitespace at either end (``textread.needs_trimming``), so the
    trimming is left out.
    """
    renames, maps, defaults = profile.renames, profile.value_maps, profile.default_values
    found: dict[str, tuple[str, pl.Expr, Any]] = {}
    used = {SOURCE_LINE, SOURCE_TEXT, IDENTITY, NO_MATCH, *profile.ignore, *profile.source_columns}
    frame = _with_profile_columns(frame, profile, file=file, line=line, strict=strict_columns)
    if profile.identity:
        found["event_id"] = ("[identity]", pl.col(IDENTITY), pl.String())
    for source, pattern in profile.extracts:
        groups = _source_text(source).str.extract_groups(pattern)
        for name in extracted_columns(pattern):
            found[name] = (source, groups.struct.field(name), pl.String())
    for source, target in renames.items():
        used.add(source if source in frame.columns else source.split(".")[0])
        located = _locate(frame, source)
        if located is not None:
            found[target] = (source, *located)
    for name in CANONICAL_COLUMNS:
        if name in frame.columns and name not in renames.values() and name not in found:
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
        text = expr.cast(pl.String)
        text = text.str.strip_chars() if trim else text
        text = pl.when(text != "").then(text)
        if name in maps:
            text = text.replace(maps[name])
        if name in defaults:
            text = text.fill_null(pl.lit(defaults[name]))
        if name in ("quantity", "duration_s") and profile.thousands_separator:
            text = _without_thousands(text, profile)
        exprs.append(text.alias(name))
    extra = [pl.col(NO_MATCH)] if profile.extracts else []
    return frame.select(*exprs, *extra, line_no=pl.col(SOURCE_LINE), original=pl.col(SOURCE_TEXT))


def _source_text(source: str) -> pl.Expr:
    text = pl.col(source).cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def _without_thousands(text: pl.Expr, profile: Profile) -> pl.Expr:
    """Remove the thousands separator from a number grouped by threes (``10,000``, ``1.234,5``);
    any other value is left as it is (and is then rejected if it is not a number)."""
    sep, dec = re.escape(str(profile.thousands_separator)), re.escape(profile.decimal_separator)
    grouped = text.str.contains(rf"^[+-]?\d{{1,3}}(?:{sep}\d{{3}})+(?:{dec}\d*)?$")
    plain = text.str.replace_all(str(profile.thousands_separator), "", literal=True)
    return pl.when(grouped.fill_null(False)).then(plain).otherwise(text)


def drop_rows(
    frame: pl.DataFrame, profile: Profile, *, file: Path, line: int | None, strict: bool = True
) -> pl.DataFrame:
    """The rows that no ``[[drop]]`` rule of the profile drops (compare the heights to count).

    A rule's column absent from the file refuses it; with ``strict`` false (a later block of
    JSON Lines, whose rows name their own keys) the rule drops nothing there.
    """
    if not profile.drops:
        return frame
    dropped = pl.lit(False)
    for rule in profile.drops:
        if rule.column not in frame.columns and not strict:
            continue
        if rule.column not in frame.columns:
            message = f"missing column '{rule.column}' (named in [[drop]])"
            raise LogUnreadable(file, line, message, rule.column)
        value = _source_text(rule.column)
        if rule.equals is not None:
            hit = value == rule.equals.strip()
        else:
            hit = value.str.contains(str(rule.matches))
        dropped = dropped | hit.fill_null(False)
    return frame.filter(~dropped)


def _with_profile_columns(
    frame: pl.DataFrame, profile: Profile, *, file: Path, line: int | None, strict: bool
) -> pl.DataFrame:
    """Add the identity digest (IDENTITY) and the extract check (NO_MATCH) the profile asks for."""
    needed = [*profile.identity, *dict(profile.extracts)]
    absent = [name for name in needed if name not in frame.columns]
    if absent and strict:
        what = "[identity]" if absent[0] in profile.identity else "[extract]"
        raise LogUnreadable(
            file, line, f"missing column '{absent[0]}' (named in {what})", absent[0]
        )
    if absent:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(name) for name in absent)
    if profile.identity:
        frame = frame.with_columns(identity_digests(frame, profile.identity).alias(IDENTITY))
    if profile.extracts:
        failed: Any = pl
        for source, pattern in profile.extracts:
            matched = _source_text(source).str.contains(pattern).fill_null(False)
            message = pl.format(
                f"'{source}' value '{{}}' does not match its extract pattern",
                _source_text(source).fill_null(""),
            )
            failed = failed.when(~matched).then(message)
        frame = frame.with_columns(failed.otherwise(pl.lit(None, pl.String)).alias(NO_MATCH))
    return frame


def identity_digests(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.Series:
    """Each row's event id from its identity columns: the first IDENTITY_HEX hex digits of the
    sha256 of the UTF-8 compact JSON array of the values as text, trimmed, "" when empty
    (what ``json.dumps(values, ensure_ascii=False, separators=(",", ":"))`` writes)."""
    values = [pl.col(name).cast(pl.String).str.strip_chars().fill_null("") for name in columns]
    encoded = pl.struct(pl.concat_list(values).alias("v")).struct.json_encode()
    arrays = frame.select(encoded.str.slice(5).str.strip_suffix("}").alias("j"))
    con = connect()
    try:
        con.register("identity_rows", arrays.to_arrow())
        digests = con.sql(
            f"SELECT left(sha256(j), {IDENTITY_HEX}) AS d FROM identity_rows"
        ).to_arrow_table()
    finally:
        con.close()
    return pl.Series(IDENTITY, digests.column("d"), dtype=pl.String)
