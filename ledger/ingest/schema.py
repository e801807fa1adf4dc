"""The canonical usage event, the rejected-row record, and the rules that decide between them.

``validate`` turns mapped rows (every canonical column as a trimmed string, null when empty) into
typed events and rejected rows; ``dedupe`` settles event ids repeated inside one file. Both are
Polars expressions over whole columns: no Python code touches a single row.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from ledger.domain import CHANNELS, KINDS, MEDIA
from ledger.errors import LedgerError
from ledger.refdata.countries import COUNTRIES

EVENT_SCHEMA = pl.Schema(
    {
        "event_id": pl.String(),
        "occurred_at": pl.Datetime("us", "UTC"),
        "kind": pl.String(),
        "twin_id": pl.String(),
        "asset_id": pl.String(),
        "channel": pl.String(),
        "territory": pl.String(),
        "media": pl.String(),
        "quantity": pl.Int64(),
        "duration_s": pl.Decimal(18, 3),
        "campaign": pl.String(),
        "category": pl.String(),
        "ai_disclosure": pl.Boolean(),
        "content_hash": pl.String(),
        "line_no": pl.Int64(),
    }
)
REJECTED_SCHEMA = pl.Schema(
    {"line_no": pl.Int64(), "original": pl.String(), "reason": pl.String(), "message": pl.String()}
)
CANONICAL_COLUMNS: tuple[str, ...] = tuple(name for name in EVENT_SCHEMA if name != "line_no")
ALWAYS_REQUIRED: tuple[str, ...] = ("event_id", "occurred_at", "kind", "twin_id", "asset_id")

MAX_FIELD_BYTES = 256
"""The longest value (UTF-8 bytes, after trimming) of any canonical column but ``campaign``."""
MAX_CAMPAIGN_BYTES = 1024
"""The longest ``campaign`` (free text)."""
FIELD_LIMITS: dict[str, int] = {
    name: MAX_CAMPAIGN_BYTES if name == "campaign" else MAX_FIELD_BYTES
    for name in CANONICAL_COLUMNS
}
MAX_QUANTITY = 10**12
"""The largest quantity of one row (a trillion impressions)."""
EARLIEST_EVENT = date(2000, 1, 1)
"""No event before this day (UTC) is accepted."""
DAYS_AHEAD = 366
"""No event later than this many days after the day of the ingest (UTC) is accepted."""

REASONS: dict[str, str] = {
    "EXTRACT_NO_MATCH": "a source column does not match the profile's extract pattern",
    "MISSING_VALUE": "a required column is empty (always required, or required by the row's kind)",
    "TOO_LONG": "a value is longer than its column allows (campaign 1024 bytes, others 256)",
    "UNKNOWN_KIND": "kind is not render, publication or impressions",
    "UNKNOWN_TWIN": "twin_id is not a registered twin",
    "BAD_TIMESTAMP": "occurred_at cannot be read as a timestamp",
    "NONEXISTENT_TIME": "a naive occurred_at falls in a DST gap of the profile's timezone",
    "AMBIGUOUS_TIME": "a naive occurred_at falls in a DST fold of the profile's timezone",
    "DATE_OUT_OF_RANGE": "occurred_at is before 2000-01-01 or more than 366 days after today",
    "UNKNOWN_MEDIA": "media is not still or video",
    "UNKNOWN_CHANNEL": "channel is not one of the canonical channels",
    "UNKNOWN_TERRITORY": "territory is not an ISO 3166-1 alpha-2 code",
    "BAD_QUANTITY": "quantity is not a whole number",
    "NEGATIVE_QUANTITY": "quantity is below zero",
    "QUANTITY_TOO_LARGE": "quantity is above 1,000,000,000,000",
    "BAD_DURATION": "duration_s is not a number >= 0 with at most 3 decimals",
    "BAD_BOOLEAN": "ai_disclosure is not true/false/1/0/yes/no",
    "CONFLICTING_DUPLICATE": "event_id repeats an earlier row of the file with different content",
}
"""Reason codes in the order rows are checked: a row gets the first that applies."""


class LogUnreadable(LedgerError):
    """A log that cannot be read as a whole. The message names the file, line and column."""

    def __init__(self, file: Path | str, line: int | None, message: str, column: str | None = None):
        self.file, self.line, self.column = str(file), line, column
        where = self.file if line is None else f"{self.file}: line {line}"
        super().__init__(f"{where}: {message}")


_ISO = (
    r"^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(:\d{2}(?:[.,]\d{1,9})?)?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
_MAX_OFFSET_HOURS = 18
_QUICK_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.f%#z")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")
_c = pl.col


def _naive_iso() -> tuple[pl.Expr, pl.Expr]:
    """The naive datetime and the UTC offset in minutes (null when naive) from ``_parts``; the
    datetime is null when the offset is out of range."""
    parts = _c("_parts")
    text = pl.concat_str(
        parts.struct.field("1"),
        pl.lit("T"),
        parts.struct.field("2").fill_null("00:00"),
        parts.struct.field("3").fill_null(":00").str.replace(",", ".", literal=True),
    )
    naive = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    offset = parts.struct.field("4").str.to_uppercase().replace("Z", "+00:00")
    digits = offset.str.replace_all(":", "", literal=True)
    hours = digits.str.slice(1, 2).cast(pl.Int64)
    extra = digits.str.slice(3, 2).replace("", "0").fill_null("0").cast(pl.Int64)
    minutes = hours * 60 + extra
    signed = pl.when(digits.str.starts_with("-")).then(-minutes).otherwise(minutes)
    valid = (hours <= _MAX_OFFSET_HOURS) & (extra < 60)
    return pl.when(valid.fill_null(True)).then(naive), signed


def _timestamps(timezone: str, timestamp_format: str | None) -> list[dict[str, pl.Expr]]:
    """Column stages: UTC timestamp ``_ts`` and the flags ``_bad_ts``, ``_gap``, ``_fold``."""
    aware_format = timestamp_format is not None and bool(re.search(r"%[:#]?z", timestamp_format))
    stages = []
    if timestamp_format is None:
        naive, offset = _naive_iso()
        stages.append({"_parts": _c("occurred_at").str.extract_groups(_ISO)})
        parsed = {"_naive": naive, "_offset": offset}
        aware = (_c("_naive") - pl.duration(minutes=_c("_offset"))).dt.replace_time_zone("UTC")
        has_offset = _c("_offset").is_not_null()
    else:
        text = _c("occurred_at").str.to_datetime(timestamp_format, strict=False, time_unit="us")
        parsed = {"_naive": text.dt.replace_time_zone(None) if aware_format else text}
        aware = text if aware_format else _c("_naive").dt.replace_time_zone("UTC")
        has_offset = pl.lit(aware_format)
    naive = _c("_naive")
    local = ~has_offset & naive.is_not_null()
    zoned = {
        "_strict": naive.dt.replace_time_zone(timezone, ambiguous="null", non_existent="null"),
        "_earliest": naive.dt.replace_time_zone(
            timezone, ambiguous="earliest", non_existent="null"
        ),
    }
    final = {
        "_ts": pl.when(has_offset)
        .then(aware.dt.convert_time_zone("UTC"))
        .otherwise(_c("_strict").dt.convert_time_zone("UTC")),
        "_bad_ts": naive.is_null(),
        "_gap": local & _c("_earliest").is_null(),
        "_fold": local & _c("_earliest").is_not_null() & _c("_strict").is_null(),
    }
    return [*stages, parsed, zoned, final]


def event_window(today: date | None = None) -> tuple[datetime, datetime]:
    """The instants (UTC) an event may occur in: from the first, up to (not including) the last."""
    today = today or datetime.now(UTC).date()
    last_day = today + timedelta(days=DAYS_AHEAD + 1)
    return (
        datetime.combine(EARLIEST_EVENT, datetime.min.time(), UTC),
        datetime.combine(last_day, datetime.min.time(), UTC),
    )


def _over_long(mapped: pl.DataFrame) -> dict[str, int]:
    """The columns of ``mapped`` holding a value longer than FIELD_LIMITS allows, with the limit.

    One pass over the string lengths (kept by Polars beside the data): the per-row TOO_LONG
    checks are added only for these columns, so clean logs pay nothing more.
    """
    longest = mapped.select(
        pl.col(name).str.len_bytes().max() for name in FIELD_LIMITS if name in mapped.columns
    ).row(0, named=True)
    return {
        name: FIELD_LIMITS[name]
        for name, size in longest.items()
        if size is not None and size > FIELD_LIMITS[name]
    }


def _checks(
    twins: Collection[str] | None,
    timezone: str,
    decimal_separator: str,
    window: tuple[datetime, datetime],
    over_long: dict[str, int],
    extracted: bool = False,
) -> list[tuple[pl.Expr, str, pl.Expr]]:
    """(failing condition, reason, message) in the documented order; ``over_long`` the columns
    that need the TOO_LONG check."""
    sep = re.escape(decimal_separator)
    kind, media = _c("kind"), _c("media")
    published = kind.is_in(["publication", "impressions"])
    needed = {
        "channel": published,
        "territory": published,
        "ai_disclosure": kind == "publication",
        "duration_s": (kind == "publication") & (media == "video"),
    }
    quantity = _c("quantity")
    whole = quantity.str.contains(rf"^[+-]?\d{{1,18}}(?:{sep}0+)?$")
    checks = (
        [(_c("no_match").is_not_null(), "EXTRACT_NO_MATCH", _c("no_match"))] if extracted else []
    )
    checks += [
        (_c(name).is_null(), "MISSING_VALUE", pl.lit(f"missing value for column '{name}'"))
        for name in ALWAYS_REQUIRED
    ]
    checks += [
        (
            _c(name).str.len_bytes() > limit,
            "TOO_LONG",
            pl.format(f"{name} is {{}} bytes long; at most {limit}", _c(name).str.len_bytes()),
        )
        for name, limit in over_long.items()
    ]
    first, last = window
    last_day = (last - timedelta(days=1)).date()
    checks += [
        (~kind.is_in(KINDS), "UNKNOWN_KIND", pl.format("unknown kind '{}'", kind)),
        (
            pl.lit(False) if twins is None else ~_c("twin_id").is_in(list(twins)),
            "UNKNOWN_TWIN",
            pl.format("unknown twin '{}'", _c("twin_id")),
        ),
        (
            _c("_bad_ts"),
            "BAD_TIMESTAMP",
            pl.format("cannot read timestamp '{}'", _c("occurred_at")),
        ),
        (
            _c("_gap"),
            "NONEXISTENT_TIME",
            pl.format("'{}' does not exist in {} (DST gap)", _c("occurred_at"), pl.lit(timezone)),
        ),
        (
            _c("_fold"),
            "AMBIGUOUS_TIME",
            pl.format(
                "'{}' occurs twice in {} (DST fold); give a UTC offset",
                _c("occurred_at"),
                pl.lit(timezone),
            ),
        ),
        (
            (_c("_ts") < first) | (_c("_ts") >= last),
            "DATE_OUT_OF_RANGE",
            pl.format(
                f"occurred_at '{{}}' is outside the accepted dates {first.date()} to {last_day}",
                _c("occurred_at"),
            ),
        ),
        (~media.is_in(MEDIA), "UNKNOWN_MEDIA", pl.format("unknown media '{}'", media)),
    ]
    checks += [
        (
            condition & _c(name).is_null(),
            "MISSING_VALUE",
            pl.lit(f"missing value for column '{name}'"),
        )
        for name, condition in needed.items()
    ]
    checks += [
        (
            published & ~_c("channel").is_in(CHANNELS),
            "UNKNOWN_CHANNEL",
            pl.format("unknown channel '{}'", _c("channel")),
        ),
        (
            published & ~_c("territory").is_in(sorted(COUNTRIES)),
            "UNKNOWN_TERRITORY",
            pl.format("unknown territory '{}'", _c("territory")),
        ),
        (
            quantity.is_not_null() & ~whole,
            "BAD_QUANTITY",
            pl.format("quantity '{}' is not a whole number", quantity),
        ),
        (
            quantity.str.starts_with("-") & (_c("_quantity") != 0),
            "NEGATIVE_QUANTITY",
            pl.format("quantity '{}' is negative", quantity),
        ),
        (
            _c("_quantity") > MAX_QUANTITY,
            "QUANTITY_TOO_LARGE",
            pl.format(f"quantity '{{}}' is above {MAX_QUANTITY:,}", quantity),
        ),
        (
            _c("duration_s").is_not_null()
            & ~_c("duration_s").str.contains(rf"^\d{{1,15}}(?:{sep}\d{{1,3}})?$"),
            "BAD_DURATION",
            pl.format("duration_s '{}' is not seconds >= 0 with <= 3 decimals", _c("duration_s")),
        ),
        (
            _c("ai_disclosure").is_not_null()
            & ~_c("ai_disclosure").str.to_lowercase().is_in(_TRUE + _FALSE),
            "BAD_BOOLEAN",
            pl.format("ai_disclosure '{}' is not true/false/1/0/yes/no", _c("ai_disclosure")),
        ),
    ]
    return checks


def _first(checks: list[tuple[pl.Expr, str, pl.Expr]], message: bool) -> pl.Expr:
    """The reason code (or message) of the first failing check; null when every check passes."""
    chain: Any = pl
    for condition, reason, text in checks:
        chain = chain.when(condition.fill_null(False)).then(text if message else pl.lit(reason))
    return chain.otherwise(pl.lit(None, pl.String))


def _with_timestamps(
    frame: pl.DataFrame, timezone: str, timestamp_format: str | None
) -> pl.DataFrame:
    """Add ``_ts`` and the flags ``_bad_ts``, ``_gap``, ``_fold`` (see ``_timestamps``).

    ISO 8601 values with an offset (the usual machine export) are read by the quickest format
    that reads them, whole seconds in UTC first; only the other rows go through the general
    reading. Every quick format reads a value exactly as the general reading would.
    """
    flags = {"_bad_ts": pl.lit(False), "_gap": pl.lit(False), "_fold": pl.lit(False)}
    general = _timestamps(timezone, timestamp_format)
    done: list[pl.DataFrame] = []
    rest = frame
    if timestamp_format is None:
        for quick in _QUICK_FORMATS:
            parsed = rest.with_columns(
                _ts=_c("occurred_at").str.to_datetime(
                    quick, strict=False, time_unit="us", time_zone="UTC"
                )
            )
            slow = parsed["_ts"].is_null()
            if not slow.any():
                rest = parsed.clear()
                done.append(parsed.with_columns(**flags))
                break
            done.append(parsed.filter(~slow).with_columns(**flags))
            rest = parsed.filter(slow).drop("_ts")
    if rest.height or not done:
        for stage in general:
            rest = rest.with_columns(**stage)
        done.append(rest.select(*frame.columns, "_ts", *flags))
    parts = [part for part in done if part.height] or done[-1:]
    if len(parts) == 1:
        return parts[0]
    return pl.concat([part.select(parts[0].columns) for part in parts]).sort("line_no")


def validate(
    mapped: pl.DataFrame,
    *,
    brand_category: str,
    twins: Collection[str] | None,
    timezone: str = "UTC",
    timestamp_format: str | None = None,
    decimal_separator: str = ".",
    window: tuple[datetime, datetime] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split mapped rows into (events + an ``original`` column, rejected rows).

    ``mapped`` holds every canonical column as a trimmed string (null when empty) plus ``line_no``
    and ``original``. ``twins=None`` skips the twin check (for previews). ``window``: the
    instants events may occur in (default ``event_window()``, relative to today).
    """
    window = window or event_window()
    extracted = "no_match" in mapped.columns
    checks = _checks(twins, timezone, decimal_separator, window, _over_long(mapped), extracted)
    kind = _c("kind").str.to_lowercase()
    render = kind == "render"
    frame = (
        _with_timestamps(mapped, timezone, timestamp_format)
        .with_columns(
            kind=kind,
            media=_c("media").str.to_lowercase().fill_null("still"),
            channel=pl.when(render).then(None).otherwise(_c("channel").str.to_lowercase()),
            territory=pl.when(render).then(None).otherwise(_c("territory").str.to_uppercase()),
            category=_c("category").str.to_lowercase().fill_null(brand_category),
            _quantity=_c("quantity").str.extract(r"^([+-]?\d+)").cast(pl.Int64, strict=False),
        )
        .with_columns(_reason=_first(checks, False))
    )
    rejected = frame.filter(_c("_reason").is_not_null()).select(
        "line_no", "original", reason="_reason", message=_first(checks, True)
    )
    disclosure = _c("ai_disclosure").str.to_lowercase()
    events = frame.filter(_c("_reason").is_null()).select(
        "event_id",
        occurred_at="_ts",
        **{name: _c(name) for name in ("kind", "twin_id", "asset_id", "channel", "territory")},
        media="media",
        quantity=_c("_quantity").fill_null(1),
        duration_s=_c("duration_s")
        .str.replace(decimal_separator, ".", literal=True)
        .cast(pl.Decimal(18, 3)),
        campaign="campaign",
        category="category",
        ai_disclosure=pl.when(disclosure.is_in(_TRUE))
        .then(True)
        .when(disclosure.is_in(_FALSE))
        .then(False),
        content_hash="content_hash",
        line_no="line_no",
        original="original",
    )
    return events.cast(EVENT_SCHEMA), rejected.cast(REJECTED_SCHEMA)


def dedupe(checked: pl.DataFrame) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Keep the first row of each event_id: (events, exact repeats, conflicting repeats).

    ``checked`` is ``validate``'s events frame (with ``original``), in line order.
    """
    if checked["event_id"].hash().n_unique() == checked.height:
        no_conflicts = pl.DataFrame(schema=REJECTED_SCHEMA)
        return checked.select(*EVENT_SCHEMA), 0, no_conflicts
    content = pl.struct(*CANONICAL_COLUMNS)
    first = _c("event_id").is_first_distinct()
    same = content.eq_missing(content.first().over("event_id"))
    marked = checked.with_columns(
        _first=first, _same=same, _first_line=_c("line_no").first().over("event_id")
    )
    events = marked.filter("_first").select(*EVENT_SCHEMA)
    duplicates = marked.filter(~_c("_first") & _c("_same")).height
    conflicts = marked.filter(~_c("_first") & ~_c("_same")).select(
        "line_no",
        "original",
        reason=pl.lit("CONFLICTING_DUPLICATE"),
        message=pl.format(
            "event_id '{}' repeats line {} with different content",
            _c("event_id"),
            _c("_first_line"),
        ),
    )
    return events, duplicates, conflicts
