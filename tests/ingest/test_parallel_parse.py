"""Blocks of a log are checked on several threads: the result must not depend on how many."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.ingest import parse
from ledger.ingest.schema import CANONICAL_COLUMNS, LogUnreadable, validate

HEADER = (
    "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,duration_s,"
    "campaign,category,ai_disclosure,content_hash"
)
TWINS = {"tw-1", "tw-2"}


def _log(tmp_path: Path, rows: int) -> Path:
    lines = [HEADER]
    for n in range(rows):
        twin = "ghost" if n % 97 == 5 else f"tw-{1 + n % 2}"
        stamp = (
            f"2026-03-{1 + n % 28:02d}T10:{n % 60:02d}:00Z",
            f"2026-03-{1 + n % 28:02d} 11:{n % 60:02d}:00+01:00",
            f"2026-03-{1 + n % 28:02d}T10:{n % 60:02d}:00.250Z",
        )[n % 3]
        event = f"e{n % 1900}"  # ids repeat: duplicates inside and across chunks
        lines.append(f"{event},{stamp},impressions,{twin},a1,social,SE,,{n % 1900},,,,,")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _parse(path: Path, threads: int, monkeypatch: pytest.MonkeyPatch) -> list[parse.ParsedLog]:
    monkeypatch.setattr(parse, "workers", lambda: threads)
    monkeypatch.setattr(parse, "BLOCK_BYTES", 4096)
    return list(parse.iter_parse_log(path, brand_category="apparel", twins=TWINS, chunk_rows=700))


def test_same_chunks_on_one_thread_and_on_four(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _log(tmp_path, 3000)
    one, four = _parse(path, 1, monkeypatch), _parse(path, 4, monkeypatch)
    assert len(one) > 4
    assert [c.rows_read for c in one] == [c.rows_read for c in four]
    assert all(c.rows_read <= 700 for c in one) and sum(c.rows_read for c in one) == 3000
    for a, b in zip(one, four, strict=True):
        assert a.events.equals(b.events)
        assert a.rejected.equals(b.rejected)
        assert a.in_file_duplicates == b.in_file_duplicates
        assert a.rows_read == a.events.height + a.in_file_duplicates + a.rejected.height
    lines = [n for c in four for n in c.events["line_no"].to_list()]
    assert lines == sorted(lines)


def test_first_error_in_file_order_whatever_finishes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _log(tmp_path, 3000)
    text = path.read_text().splitlines()
    text[2000] += ",extra"
    text[2500] += ",extra"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(LogUnreadable, match=r"line 2001: expected 14 fields, found 15"):
        _parse(path, 4, monkeypatch)


def test_in_order_keeps_order_and_bounds_work_in_flight() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02 if n % 3 == 0 else 0.001)
        with lock:
            running -= 1
        return n * n

    assert list(parse.in_order(slow, range(20), 3)) == [n * n for n in range(20)]
    assert 1 < most <= 3


def test_in_order_raises_earlier_items_errors_before_the_sources() -> None:
    def items() -> Iterator[int]:
        yield from range(3)
        raise LogUnreadable("log.csv", 99, "source broke")

    def fn(n: int) -> int:
        if n == 1:
            time.sleep(0.02)
            raise LogUnreadable("log.csv", 7, "item broke")
        return n

    got: list[int] = []
    with pytest.raises(LogUnreadable, match="line 7: item broke"):
        for value in parse.in_order(fn, items(), 2):
            got.append(value)
    assert got == [0]


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-01T00:08:31Z",
        "2026-10-01T00:08:31.5Z",
        "2026-10-01T00:08:31z",
        "2026-10-01T00:08:60Z",
        "2026-10-01T00:08:31+02:00",
        "2026-10-01T00:08:31-0530",
        "2026-10-01 00:08:31Z",
        "2026-10-01T24:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-10-01T00:08:31Zx",
        "2026-10-01",
        "2026-03-29T02:30:00",
    ],
)
def test_quick_timestamp_formats_read_as_the_general_reading(text: str) -> None:
    """Values the quick formats read get the same instant as the general reading; the others
    fall through to it."""
    from ledger.ingest import schema

    frame = pl.DataFrame(
        {
            "occurred_at": [text, "not a time"],
            "line_no": [1, 2],
        }
    )
    quick = schema._with_timestamps(frame, "Europe/Berlin", None)
    general = frame
    for stage in schema._timestamps("Europe/Berlin", None):
        general = general.with_columns(**stage)
    columns = ["line_no", "_ts", "_bad_ts", "_gap", "_fold"]
    assert quick.select(columns).equals(general.select(columns))


def test_validate_accepts_the_same_rows_with_and_without_quick_formats() -> None:
    given = {
        "event_id": ["a", "b", "c"],
        "occurred_at": ["2026-03-01T10:00:00Z", "2026-03-01T10:00:00.5+01:00", "junk"],
        "kind": ["render"] * 3,
        "twin_id": ["tw-1"] * 3,
        "asset_id": ["x"] * 3,
        "original": ["", "", ""],
    }
    empty = {name: [None] * 3 for name in CANONICAL_COLUMNS if name not in given}
    mapped = pl.DataFrame(given | empty).cast(pl.String).with_columns(line_no=pl.Series([2, 3, 4]))
    events, rejected = validate(mapped, brand_category="apparel", twins=TWINS)
    assert events["occurred_at"].dt.to_string("%Y-%m-%dT%H:%M:%S%.3f").to_list() == [
        "2026-03-01T10:00:00.000",
        "2026-03-01T09:00:00.500",
    ]
    assert rejected.select("line_no", "reason").rows() == [(4, "BAD_TIMESTAMP")]


def test_in_order_gives_every_earlier_result_before_the_sources_error() -> None:
    def items() -> Iterator[int]:
        yield from range(3)
        raise LogUnreadable("log.csv", 99, "source broke")

    got: list[int] = []
    with pytest.raises(LogUnreadable, match="line 99: source broke"):
        for value in parse.in_order(lambda n: n * 10, items(), 4):
            got.append(value)
    assert got == [0, 10, 20]


WHITESPACE = {  # row number -> (column, raw CSV field, value read): each kind of space at an end
    3: ("campaign", " spring", "spring"),
    40: ("campaign", "summer\t", "summer"),
    77: ("asset_id", "a1\u00a0", "a1"),  # no-break space: not ASCII
    110: ("campaign", '"fall\n"', "fall"),  # a quoted line break ends the value
    150: ("campaign", "\u3000winter", "winter"),  # ideographic space
}


def _spaced_log(tmp_path: Path) -> Path:
    lines = [HEADER]
    for n in range(200):
        column, field, _ = WHITESPACE.get(n, ("", "", ""))
        asset = field if column == "asset_id" else "a1"
        campaign = field if column == "campaign" else f"c{n}"
        lines.append(
            f"e{n},2026-03-{1 + n % 28:02d}T10:00:00Z,impressions,tw-1,{asset},social,SE,,"
            f"{n},,{campaign},,,"
        )
    path = tmp_path / "spaced.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_blocks_without_whitespace_skip_trimming_and_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _spaced_log(tmp_path)
    monkeypatch.setattr(parse, "BLOCK_BYTES", 1024)  # about ten rows a block
    checked: list[bool] = []
    real = parse.needs_trimming

    def noted(raw: parse.Raw) -> bool:
        checked.append(real(raw))
        return checked[-1]

    monkeypatch.setattr(parse, "needs_trimming", noted)
    fast = list(parse.iter_parse_log(path, brand_category="apparel", twins=TWINS))
    assert True in checked and False in checked and checked.count(True) <= len(WHITESPACE)
    monkeypatch.setattr(parse, "needs_trimming", lambda raw: True)
    always = list(parse.iter_parse_log(path, brand_category="apparel", twins=TWINS))
    for a, b in zip(fast, always, strict=True):
        assert a.events.equals(b.events) and a.rejected.equals(b.rejected)
    events = pl.concat([c.events for c in fast])
    assert events.height == 200
    for n, (column, _, value) in WHITESPACE.items():
        row = events.filter(pl.col("event_id") == f"e{n}")
        assert row[column].to_list() == [value]


_BLANKISH = [" ", "\t", "\x0b", "\x0c", "\r", "\u00a0", "\u3000", "\u2028", "\x85", "\x1c", "a"]


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.text(alphabet=st.sampled_from([*_BLANKISH, ",", "é", "\x01", "~"]), max_size=4),
        min_size=1,
        max_size=12,
    )
)
def test_only_blank_lines_are_dropped_as_stripping_every_line_would(lines: list[str]) -> None:
    """A line is blank when stripping it leaves nothing; only lines that are empty or start
    with whitespace are stripped to find out."""
    from ledger.ingest.textread import _not_blank

    frame = pl.DataFrame({"line_no": list(range(len(lines))), "text": lines})
    stripped = frame.filter(pl.col("text").str.strip_chars() != "")
    assert _not_blank(frame).equals(stripped)
