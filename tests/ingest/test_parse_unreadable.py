"""File-level problems raise LogUnreadable with one line naming the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.ingest.parse import LogUnreadable, parse_log
from ledger.ingest.profile import Profile

HEADER = "event_id,occurred_at,kind,twin_id,asset_id"
ROW = "r1,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1"


def refused(path: Path, profile: Profile | None = None) -> str:
    with pytest.raises(LogUnreadable) as info:
        parse_log(path, brand_category="apparel", twins={"liv-s-twin-1"}, profile=profile)
    assert isinstance(info.value, LedgerError)
    message = str(info.value)
    assert "\n" not in message
    return message


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_missing_required_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, "log.csv", "event_id,occurred_at,kind,asset_id\nr1,2026-03-01,render,a\n"
    )
    assert refused(path) == f"{path}: line 1: missing required column 'twin_id'"


def test_missing_renamed_column_says_where_it_was_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "event_id,occurred_at,kind,asset_id\n")
    profile = Profile(columns=(("Zwilling", "twin_id"),))
    message = f"{path}: line 1: missing required column 'twin_id' (mapped from 'Zwilling')"
    assert refused(path, profile) == message


def test_header_after_skipped_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "Export 2026-03\n\nevent_id,kind\n")
    message = f"{path}: line 3: missing required column 'occurred_at'"
    assert refused(path, Profile(skip_rows=1)) == message


def test_missing_column_in_jsonl(tmp_path: Path) -> None:
    path = write(tmp_path, "log.jsonl", '\n{"event_id": "a", "occurred_at": "2026-03-01"}\n')
    assert refused(path) == f"{path}: line 2: missing required column 'kind'"


@pytest.mark.parametrize("name", ["log.csv", "log.jsonl"])
@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n \r\n"])
def test_empty_file(tmp_path: Path, name: str, data: bytes) -> None:
    path = write(tmp_path, name, data)
    assert refused(path) == f"{path}: line 1: empty file"


def test_header_only_is_an_empty_log(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", HEADER + "\n")
    parsed = parse_log(path, brand_category="apparel", twins=set())
    assert (parsed.rows_read, parsed.events.height, parsed.rejected.height) == (0, 0, 0)


def test_garbage_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", (HEADER + "\n" + ROW + "\n").encode() + b"\xff\xfe\x00\x81\n")
    assert refused(path) == f"{path}: line 3: bytes that are not valid utf-8 text"


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", HEADER + "\n" + ROW + "\n\x00\x00\x01\x02\n")
    message = f"{path}: line 3: binary data (NUL byte): wrong format or encoding"
    assert refused(path) == message


def test_not_parquet(tmp_path: Path) -> None:
    path = write(tmp_path, "log.parquet", HEADER + "\n")
    assert refused(path).startswith(f"{path}: not a readable Parquet file")


def test_bad_json_line(tmp_path: Path) -> None:
    good = '{"event_id": "a", "occurred_at": "2026-03-01", "kind": "render", "twin_id": "t"}'
    path = write(tmp_path, "log.jsonl", good + "\n" + good + "\n" + '{"event_id": "b",\n')
    assert refused(path).startswith(f"{path}: line 3: malformed JSON: ")


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, "log.json", '[{"event_id": "a"}]\n')
    message = f"{path}: line 1: not a JSON object (JSON Lines: one object per line)"
    assert refused(path) == message


def test_ragged_csv_row(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", f'{HEADER}\n{ROW}\n"r2,x",2026-03-01,render,t,a,extra\n')
    assert refused(path) == f"{path}: line 3: expected 5 fields, found 6"


def test_unterminated_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", f'{HEADER}\n{ROW}\n"r2,2026-03-01,render,t,a\n{ROW}\n')
    assert refused(path) == f"{path}: line 3: quoted field is never closed"


def test_unknown_column(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", f"{HEADER},campain\n{ROW},x\n")
    message = (
        f"{path}: line 1: unknown column 'campain' (map it under [columns] or list it in ignore)"
    )
    assert refused(path) == message
    parsed = parse_log(
        path, brand_category="apparel", twins={"liv-s-twin-1"}, profile=Profile(ignore=("campain",))
    )
    assert parsed.events.height == 1


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", f"{HEADER},kind\n{ROW},x\n")
    assert refused(path) == f"{path}: line 1: duplicate column 'kind'"


def test_unknown_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "log.ods", "x")
    assert refused(path) == f"{path}: unknown log format '.ods'; give a profile format"
