"""Hostile FX files: implausible rates, huge fields and files, and paths that are not files are
refused with one line naming the file (and the line, currency and value), never a traceback."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from ledger.refdata.ecb import MAX_BYTES, read_ecb_file
from tests.conftest import Books


def problems_of(path: Path) -> list[str]:
    _, problems = read_ecb_file(path)
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1e400", "a rate must lie between 0.000001 and 1000000000 units per EUR"),
        ("1e-400", "a rate must lie between 0.000001 and 1000000000 units per EUR"),
        ("0.0000009", "a rate must lie between 0.000001 and 1000000000 units per EUR"),
        ("1000000000.5", "a rate must lie between 0.000001 and 1000000000 units per EUR"),
        ("0", "a rate must be a positive number"),
        ("-1.08", "a rate must be a positive number"),
        ("NaN", "a rate must be a positive number"),
        ("Infinity", "a rate must be a positive number"),
        ("1.08000000000001", "a rate has at most 12 significant digits"),
        ("0.0000012345678", "a rate has at most 12 decimal places"),
    ],
)
def test_an_implausible_rate_names_file_line_currency_and_value(
    tmp_path: Path, value: str, why: str
) -> None:
    path = tmp_path / "fx.csv"
    path.write_text(f"Date,GBP,USD,\n2026-04-30,0.8612,1.0912,\n2026-04-29,0.86,{value},\n")
    assert problems_of(path) == [f"{path}: line 3: column 3 (USD): {why}, got {value!r}"]


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("0.000001", "0.000001"),
        ("1000000000", "1000000000"),
        ("1e5", "100000"),
        ("17420.91", "17420.91"),
        ("1.23456789012", "1.23456789012"),
    ],
)
def test_rates_at_and_inside_the_bounds_are_kept(tmp_path: Path, value: str, kept: str) -> None:
    path = tmp_path / "fx.csv"
    path.write_text(f"Date,USD,\n2026-04-30,{value},\n")
    table, problems = read_ecb_file(path)
    assert problems == []
    assert [str(v) for _, _, v in table.rows()] == [kept]


def test_a_10_mb_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fx.csv"
    path.write_text("Date,USD,\n2026-04-30," + "1" * 10_000_000 + ",\n")
    assert problems_of(path) == [
        f"{path}: line 2: not a readable CSV line: field larger than field limit (131072)"
    ]


def test_a_long_value_within_the_csv_field_limit_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "fx.csv"
    path.write_text("Date,USD,\n2026-04-30," + "9" * 100_000 + ",\n")
    assert problems_of(path) == [
        f"{path}: line 2: column 2 (USD): '{'9' * 40}'... (100000 characters) is not a rate: "
        "too long"
    ]


def test_a_file_over_64_mib_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no 64 MiB written
    assert problems_of(path) == [
        f"{path}: {MAX_BYTES + 1} bytes; an FX file may have at most {MAX_BYTES} (64 MiB)"
    ]


def test_a_zip_member_over_64_mib_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("eurofxref-hist.csv", b"0" * (MAX_BYTES + 1))
    assert archive.stat().st_size < 1_000_000
    assert problems_of(archive) == [
        f"{archive}: eurofxref-hist.csv: {MAX_BYTES + 1} bytes uncompressed; "
        f"an FX file may have at most {MAX_BYTES} (64 MiB)"
    ]


def test_a_broken_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    [message] = problems_of(archive)
    assert message.startswith(f"{archive}: not a readable zip archive: ")


def test_devices_fifos_and_directories_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert problems_of(Path("/dev/zero")) == [
        "/dev/zero: a character device, not a regular file: refusing to read it"
    ]
    assert problems_of(fifo) == [f"{fifo}: a FIFO, not a regular file: refusing to read it"]
    assert problems_of(tmp_path) == [
        f"{tmp_path}: a directory, not a regular file: refusing to read it"
    ]
    assert problems_of(tmp_path / "missing.csv") == [f"{tmp_path / 'missing.csv'}: no such file"]


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "fx.csv"
    path.write_bytes(b"Date,USD,\n2026-04-30,1.08\xff,\n")
    assert problems_of(path) == [f"{path}: not UTF-8 text: invalid start byte"]


def test_a_flood_of_bad_lines_stops_after_100_problems(tmp_path: Path) -> None:
    path = tmp_path / "fx.csv"
    path.write_text("Date,USD,\n" + "x,1,\n" * 100_000)
    found = problems_of(path)
    assert len(found) == 101
    assert found[-1] == f"{path}: stopped reading after 100 problems"


# -- through the command line: refused, nothing stored, settlement not reached ---------------


@pytest.mark.parametrize("value", ["1e400", "1e-400"])
def test_cli_refuses_an_implausible_rate_and_stores_nothing(books: Books, value: str) -> None:
    path = books.write("fx.csv", f"Date,USD,\n2026-04-30,1.0912,\n2026-04-29,{value},\n")
    before = books.digest()
    message = books.refused("fx", "import", path)
    assert message == (
        f"error: {path}: line 3: column 2 (USD): a rate must lie between 0.000001 and "
        f"1000000000 units per EUR, got {value!r}"
    )
    assert books.digest() == before


@pytest.mark.parametrize("target", ["/dev/zero", "dir", "big"])
def test_cli_refuses_what_it_cannot_read_in_one_line(books: Books, target: str) -> None:
    if target == "dir":
        path = books.files
    elif target == "big":
        path = books.write("big.csv", "Date,USD,\n2026-04-30," + "1" * 10_000_000 + ",\n")
    else:
        path = Path(target)
    message = books.refused("fx", "import", path)
    assert message.startswith(f"error: {path}: ")
