"""Loading ingest profiles from TOML: defaults, every key, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import ValidationFailed
from ledger.ingest.profile import DEFAULT_PROFILE, Profile, load_profile

FULL = """
format = "csv"
delimiter = ";"
quote_char = "'"
decimal_separator = ","
encoding = "latin-1"
timezone = "Europe/Oslo"
timestamp_format = "%d/%m/%Y %H:%M"
skip_rows = 2
ignore = ["notes", "internal_id"]

[columns]
"Id" = "event_id"
"meta.twin" = "twin_id"

[values.channel]
IG = "social"
"Web shop" = "ecommerce"

[values.ai_disclosure]
J = true
N = false

[defaults]
kind = "publication"
quantity = 1
"""


def write_profile(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write_profile(profiles, "nordic", FULL)
    profile = load_profile("nordic", profiles)
    assert profile == Profile(
        name="nordic",
        source=str(profiles / "nordic.toml"),
        format="csv",
        delimiter=";",
        quote_char="'",
        decimal_separator=",",
        encoding="latin-1",
        timezone="Europe/Oslo",
        timestamp_format="%d/%m/%Y %H:%M",
        columns=(("Id", "event_id"), ("meta.twin", "twin_id")),
        values=(
            ("ai_disclosure", (("J", "true"), ("N", "false"))),
            ("channel", (("IG", "social"), ("Web shop", "ecommerce"))),
        ),
        defaults=(("kind", "publication"), ("quantity", "1")),
        ignore=("notes", "internal_id"),
        skip_rows=2,
    )
    assert profile.renames == {"Id": "event_id", "meta.twin": "twin_id"}
    assert profile.value_maps["channel"]["IG"] == "social"
    assert profile.default_values == {"kind": "publication", "quantity": "1"}
    assert hash(profile)


def test_load_by_path(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "brand", 'delimiter = "\\t"\nquote_char = ""\n')
    profile = load_profile(str(path), tmp_path / "elsewhere")
    assert (profile.name, profile.delimiter, profile.quote_char) == ("brand", "\t", None)


def test_defaults_and_format_from_extension() -> None:
    assert Profile() == DEFAULT_PROFILE
    assert (DEFAULT_PROFILE.delimiter, DEFAULT_PROFILE.timezone) == (",", "UTC")
    for name, fmt in [
        ("a.csv", "csv"),
        ("a.JSONL", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.json", "jsonl"),
        ("a.parquet", "parquet"),
        ("a.txt", None),
    ]:
        assert DEFAULT_PROFILE.format_for(Path(name)) == fmt
    assert Profile(format="csv").format_for(Path("a.txt")) == "csv"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('delimter = ";"', "delimter: unknown key"),
        ('[columns]\nId = "evnt_id"', "columns: Id: unknown column 'evnt_id'"),
        ('[values.chanel]\nIG = "social"', "values: chanel: unknown canonical column"),
        ('[defaults]\nknd = "render"', "defaults: knd: unknown canonical column"),
        ('format = "xls"', "format: must be one of csv, jsonl, parquet, xlsx"),
        ('delimiter = ";;"', "delimiter: must be one character"),
        ('decimal_separator = "·"', "decimal_separator: must be '.' or ','"),
        ('encoding = "ebcdic"', "encoding: unknown text encoding 'ebcdic'"),
        ('timezone = "Mars/Olympus"', "timezone: unknown IANA timezone 'Mars/Olympus'"),
        ("skip_rows = -1", "skip_rows: must be >= 0"),
        ("skip_rows = true", "skip_rows: must be an integer"),
        ('ignore = "notes"', "ignore: must be a list of column names"),
        ('[columns]\nA = "kind"\nB = "kind"', "columns: two columns map to 'kind'"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, problem: str) -> None:
    path = write_profile(tmp_path, "bad", text)
    with pytest.raises(ValidationFailed) as info:
        load_profile("bad", tmp_path)
    assert str(info.value) == f"{path}: {problem}"


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match=r"nope\.toml: profile not found"):
        load_profile("nope", tmp_path)
    write_profile(tmp_path, "broken", "format = ")
    with pytest.raises(ValidationFailed, match=r"broken\.toml: invalid TOML"):
        load_profile("broken", tmp_path)
