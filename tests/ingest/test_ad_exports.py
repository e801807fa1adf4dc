"""Ad-platform exports: thousands separators, a totals row, no event id, naming-convention ad
names, Windows-1252 and XLSX, all through one profile (docs/profiles.md)."""

from __future__ import annotations

import hashlib
import json
import textwrap
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from ledger.errors import ValidationFailed
from ledger.ingest.parse import ParsedLog, parse_log, preview
from ledger.ingest.profile import Profile, profile_from_dict
from ledger.ingest.schema import LogUnreadable

PROFILE = """
    thousands_separator = ","
    encoding = "cp1252"
    sheet = "Report"
    ignore = ["Reporting ends", "Link clicks", "Amount spent (EUR)"]

    [identity]
    columns = ["Reporting starts", "Ad name", "Country"]

    [[drop]]
    column = "Ad name"
    equals = "Total"

    [extract."Ad name"]
    pattern = '^(?P<twin_id>[^_]+)__(?P<asset_id>[^_]+)__(?P<channel>.+)$'

    [columns]
    "Reporting starts" = "occurred_at"
    "Country" = "territory"
    "Impressions" = "quantity"

    [values.channel]
    IG_feed = "social"
    IG_story = "social"

    [defaults]
    kind = "impressions"
"""

HEADER = [
    "Reporting starts",
    "Reporting ends",
    "Ad name",
    "Country",
    "Impressions",
    "Link clicks",
    "Amount spent (EUR)",
]
# (day, ad name, country, impressions, clicks, spent); None = the totals row
ROWS: list[tuple[str | None, str, str | None, int, int | None, str | None]] = [
    ("2026-03-01", "zoe-twin__Z-Å1__IG_feed", "SE", 10000, 120, "50.00"),
    ("2026-03-02", "zoe-twin__Z-Å1__IG_feed", "SE", 12500, 99, "62.10"),
    ("2026-03-02", "zoe-twin__Z-B2__IG_story", "DK", 4200, 10, "20.00"),
    ("2026-03-03", "zoe-twin Z-B2 story", "DK", 100, 1, "1.00"),
    (None, "Total", None, 26800, None, None),
]


def profile(text: str = PROFILE) -> Profile:
    return profile_from_dict(tomllib.loads(textwrap.dedent(text)), name="ads", file="ads.toml")


def write_csv(
    path: Path, rows: list[tuple[str | None, str, str | None, int, int | None, str | None]]
) -> Path:
    lines = [",".join(f'"{h}"' if " (" in h else h for h in HEADER)]
    for day, ad, country, impressions, clicks, spent in rows:
        lines.append(
            ",".join(
                [
                    day or "",
                    day or "",
                    ad,
                    country or "",
                    f'"{impressions:,}"',
                    "" if clicks is None else str(clicks),
                    "" if spent is None else f"€{spent}",
                ]
            )
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def write_xlsx(
    path: Path, rows: list[tuple[str | None, str, str | None, int, int | None, str | None]]
) -> Path:
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Notes").write(0, 0, "exported by the ads manager")
    sheet = book.add_worksheet("Report")
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    thousands = book.add_format({"num_format": "#,##0"})
    sheet.write_row(0, 0, HEADER)
    for number, (day, ad, country, impressions, clicks, spent) in enumerate(rows, 1):
        if day is not None:
            as_date = datetime.combine(date.fromisoformat(day), datetime.min.time())
            sheet.write_datetime(number, 0, as_date, day_format)
            sheet.write_datetime(number, 1, as_date, day_format)
        sheet.write_string(number, 2, ad)
        if country is not None:
            sheet.write_string(number, 3, country)
        sheet.write_number(number, 4, impressions, thousands)
        if clicks is not None:
            sheet.write_number(number, 5, clicks)
        if spent is not None:
            sheet.write_number(number, 6, float(spent))
    book.close()
    return path


def expected_id(day: str, ad: str, country: str) -> str:
    text = json.dumps([day, ad, country], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def parse(path: Path, chosen: Profile) -> ParsedLog:
    parsed = parse_log(path, brand_category="apparel", twins=["zoe-twin"], profile=chosen)
    assert parsed.rows_read == (
        parsed.events.height + parsed.in_file_duplicates + parsed.rejected.height + parsed.skipped
    )
    return parsed


FEED, STORY = "zoe-twin__Z-Å1__IG_feed", "zoe-twin__Z-B2__IG_story"
EXPECTED = [
    # event_id, day, asset_id, territory, quantity, line
    (expected_id("2026-03-01", FEED, "SE"), "2026-03-01", "Z-Å1", "SE", 10000, 2),
    (expected_id("2026-03-02", FEED, "SE"), "2026-03-02", "Z-Å1", "SE", 12500, 3),
    (expected_id("2026-03-02", STORY, "DK"), "2026-03-02", "Z-B2", "DK", 4200, 4),
]


def rows_of(parsed: ParsedLog) -> list[tuple[object, ...]]:
    return [
        (
            r["event_id"],
            r["occurred_at"].date().isoformat(),
            r["asset_id"],
            r["territory"],
            r["quantity"],
            r["line_no"],
        )
        for r in parsed.events.iter_rows(named=True)
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_ads_manager_export_maps_row_by_row(tmp_path: Path, fmt: str) -> None:
    writer = write_csv if fmt == "csv" else write_xlsx
    parsed = parse(writer(tmp_path / f"export.{fmt}", ROWS), profile())
    assert (parsed.rows_read, parsed.events.height, parsed.rejected.height, parsed.skipped) == (
        5,
        3,
        1,
        1,
    )
    assert rows_of(parsed) == EXPECTED
    events = parsed.events
    assert set(events["kind"]) == {"impressions"}
    assert set(events["twin_id"]) == {"zoe-twin"}
    assert set(events["channel"]) == {"social"}
    assert events["occurred_at"][0] == datetime(2026, 3, 1, tzinfo=UTC)
    [rejected] = parsed.rejected.iter_rows(named=True)
    assert (rejected["line_no"], rejected["reason"], rejected["message"]) == (
        5,
        "EXTRACT_NO_MATCH",
        "'Ad name' value 'zoe-twin Z-B2 story' does not match its extract pattern",
    )


def test_csv_and_xlsx_of_the_same_report_give_the_same_events(tmp_path: Path) -> None:
    from_csv = parse(write_csv(tmp_path / "export.csv", ROWS), profile())
    from_xlsx = parse(write_xlsx(tmp_path / "export.xlsx", ROWS), profile())
    assert from_csv.events.equals(from_xlsx.events)


def test_xlsx_reads_the_first_sheet_by_default_and_names_a_missing_one(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "export.xlsx", ROWS)
    xlsx = PROFILE.replace('sheet = "Report"', "")
    with pytest.raises(LogUnreadable) as first:
        parse(book, profile(xlsx))
    assert str(first.value) == f"{book}: line 1: missing column 'Ad name' (named in [[drop]])"
    with pytest.raises(LogUnreadable) as missing:
        parse(book, profile('sheet = "Daily"\n' + xlsx))
    assert str(missing.value) == f"{book}: no sheet 'Daily' (sheets: 'Notes', 'Report')"


def test_xlsx_cells_map_exactly(tmp_path: Path) -> None:
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["id", "at", "n", "secs", "disclosed"])
    sheet.write_number(1, 0, 7)
    sheet.write_datetime(1, 1, datetime(2026, 3, 1, 10, 30), stamp)
    sheet.write_number(1, 2, 123456789012)
    sheet.write_number(1, 3, 7.25)
    sheet.write_boolean(1, 4, True)
    book.close()
    text = """
        format = "xlsx"
        [columns]
        id = "event_id"
        at = "occurred_at"
        n = "quantity"
        secs = "duration_s"
        disclosed = "ai_disclosure"
        [defaults]
        kind = "publication"
        twin_id = "zoe-twin"
        asset_id = "a1"
        channel = "social"
        territory = "SE"
        media = "video"
    """
    [row] = preview(path, profile(text), 1)
    assert (row["event_id"], row["occurred_at"], row["quantity"], row["duration_s"]) == (
        "7",
        "2026-03-01T10:30:00",
        "123456789012",
        "7.25",
    )
    assert (row["ai_disclosure"], row["reason"]) == ("true", None)


@pytest.mark.parametrize(
    ("thousands", "decimal", "value", "expected"),
    [
        (",", ".", "1,234,567", 1234567),
        (".", ",", "1.234.567", 1234567),
        (" ", ".", "12 500", 12500),
        ("'", ".", "12'500", 12500),
        (",", ".", "700", 700),
    ],
)
def test_thousands_separators(
    tmp_path: Path, thousands: str, decimal: str, value: str, expected: int
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "event_id;occurred_at;kind;twin_id;asset_id;channel;territory;quantity;duration_s\n"
        f"e1;2026-03-01;impressions;zoe-twin;a1;social;SE;{value};1{thousands}500{decimal}25\n",
        encoding="utf-8",
    )
    chosen = profile(
        f"""
        delimiter = ";"
        decimal_separator = "{decimal}"
        thousands_separator = "{thousands}"
        """
    )
    parsed = parse(log, chosen)
    assert parsed.rejected.height == 0, parsed.rejected.to_dicts()
    assert parsed.events["quantity"].to_list() == [expected]
    assert str(parsed.events["duration_s"][0]) == "1500.250"


def test_a_badly_grouped_number_is_rejected(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,quantity\n"
        'e1,2026-03-01,impressions,zoe-twin,a1,social,SE,"10,00"\n',
        encoding="utf-8",
    )
    parsed = parse(log, profile('thousands_separator = ","'))
    assert parsed.rejected.select("reason", "message").rows() == [
        ("BAD_QUANTITY", "quantity '10,00' is not a whole number")
    ]


def test_drop_by_regular_expression_counts_skipped_rows(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,quantity\n"
        "e1,2026-03-01,impressions,zoe-twin,a1,social,SE,5\n"
        "subtotal SE,2026-03-01,impressions,zoe-twin,a1,social,SE,5\n"
        "Subtotal DK,2026-03-01,impressions,zoe-twin,a1,social,DK,5\n",
        encoding="utf-8",
    )
    chosen = profile(
        """
        [[drop]]
        column = "event_id"
        matches = "(?i)^subtotal"
        """
    )
    parsed = parse(log, chosen)
    assert (parsed.rows_read, parsed.events.height, parsed.skipped) == (3, 1, 2)


@pytest.mark.parametrize("encoding", ["cp1252", "shift_jis", "gb18030", "UTF-16"])
def test_any_python_text_codec_is_an_encoding(tmp_path: Path, encoding: str) -> None:
    log = tmp_path / "log.csv"
    asset = "Å1" if encoding == "cp1252" else "資産1"
    log.write_bytes(
        (
            "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,quantity\n"
            f"e1,2026-03-01,impressions,zoe-twin,{asset},social,SE,5\n"
        ).encode(encoding)
    )
    parsed = parse(log, profile(f'encoding = "{encoding}"'))
    assert parsed.events["asset_id"].to_list() == [asset]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('encoding = "klingon"', "ads.toml: encoding: unknown text encoding 'klingon'"),
        ('encoding = "base64"', "ads.toml: encoding: unknown text encoding 'base64'"),
        (
            'thousands_separator = "_"',
            "ads.toml: thousands_separator: must be ',', '.', ' ' or \"'\"",
        ),
        (
            'thousands_separator = "."',
            "ads.toml: thousands_separator: must differ from decimal_separator",
        ),
        ('format = "csv"\nsheet = "Report"', 'ads.toml: sheet: only applies to format = "xlsx"'),
        ("restate = 1", "ads.toml: restate: must be true or false"),
        ('[identity]\ncolums = ["a"]', "ads.toml: identity: colums: unknown key"),
        ("[identity]\ncolumns = []", "ads.toml: identity: columns: must be a list of column names"),
        ('[[drop]]\ncolumn = "a"', "ads.toml: drop[1]: give exactly one of equals or matches"),
        (
            '[[drop]]\ncolumn = "a"\nequals = "x"\nregex = "y"',
            "ads.toml: drop[1]: regex: unknown key",
        ),
        (
            '[[drop]]\ncolumn = "a"\nmatches = "("',
            "ads.toml: drop[1]: matches: invalid regular expression",
        ),
        (
            '[extract.a]\npattern = "(?P<twin>.+)"',
            "ads.toml: extract.a: pattern: unknown column 'twin'",
        ),
        (
            '[extract.a]\npattern = ".+"',
            "ads.toml: extract.a: pattern: has no named group (?P<column>...)",
        ),
        (
            '[extract.a]\npattern = "(?P<twin_id>.+)"\n[columns]\nb = "twin_id"',
            "ads.toml: 'twin_id' is filled by [columns] 'b' and [extract] 'a'",
        ),
        (
            '[identity]\ncolumns = ["a"]\n[columns]\nid = "event_id"',
            "ads.toml: 'event_id' is filled by [columns] 'id' and [identity]",
        ),
    ],
)
def test_profile_key_errors_name_the_file_and_key(text: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        profile(text)
    assert any(str(p).startswith(problem) for p in failed.value.problems), [
        str(p) for p in failed.value.problems
    ]


def test_a_missing_identity_column_refuses_the_file(tmp_path: Path) -> None:
    log = tmp_path / "export.csv"
    log.write_text("Day,Ad name,Impressions\n2026-03-01,zoe-twin__a1__IG_feed,5\n")
    chosen = profile(PROFILE.replace('encoding = "cp1252"', "").replace(
        '"Reporting starts" = "occurred_at"', '"Day" = "occurred_at"').replace(
        'ignore = ["Reporting ends", "Link clicks", "Amount spent (EUR)"]', ""))  # fmt: skip
    with pytest.raises(LogUnreadable) as refused:
        parse(log, chosen)
    assert str(refused.value) == (
        f"{log}: line 1: missing column 'Reporting starts' (named in [identity])"
    )


def test_identity_digests_do_not_depend_on_the_chunking(tmp_path: Path) -> None:
    log = write_csv(tmp_path / "export.csv", ROWS)
    whole = parse(log, profile())
    pieces = parse_log(
        log, brand_category="apparel", twins=["zoe-twin"], profile=profile(), chunk_rows=1
    )
    assert whole.events["event_id"].to_list() == pieces.events["event_id"].to_list()
    assert pl.Series(whole.events["event_id"]).str.len_chars().to_list() == [32, 32, 32]
