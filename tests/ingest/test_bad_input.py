"""A corpus of bad input: each case gets its documented refusal or quarantine reason, nothing is
lost (rows_read = accepted + duplicates + restated + rejected + skipped) and a refused file
stores nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.imports import import_parties
from ledger.ingest.batch import ingest_file
from ledger.ingest.schema import REASONS
from tests.conftest import Books
from tests.ledger import fixtures

H = (
    "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,duration_s,"
    "ai_disclosure"
)
OK = "ok,2026-03-02T10:00:00Z,publication,w1,a1,social,SE,still,1,,true"
BERLIN = 'timezone = "Europe/Berlin"\n'


def pub(**values: str) -> str:
    """A publication row with some columns replaced."""
    row = dict(zip(H.split(","), OK.split(","), strict=True)) | {"event_id": "e1"} | values
    return ",".join(row.values())


@dataclass(frozen=True)
class Case:
    data: str | bytes
    name: str = "log.csv"
    profile: str | None = None
    refused: str | None = None  # part of the refusal message
    line: int | None = None  # the line the refusal names
    counts: tuple[int, int, int, int] | None = None  # rows_read, accepted, duplicates, rejected
    reasons: list[tuple[int, str]] = field(default_factory=list)


def rows(*lines: str) -> str:
    return "\n".join([H, *lines]) + "\n"


def rejected(row: str, reason: str) -> Case:
    return Case(rows(OK, row), counts=(2, 1, 0, 1), reasons=[(3, reason)])


CASES: dict[str, Case] = {
    "empty-file": Case(b"", refused="empty file", line=1),
    "only-a-bom": Case(b"\xef\xbb\xbf", refused="empty file", line=1),
    "blank-lines-only": Case("\n  \r\n\n", refused="empty file", line=1),
    "empty-jsonl": Case("", name="log.jsonl", refused="empty file", line=1),
    "header-only": Case(H + "\n", counts=(0, 0, 0, 0)),
    "binary-garbage": Case(bytes(range(256)) * 8, refused="NUL byte", line=1),
    "png-named-csv": Case(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", refused="not valid utf-8"),
    "utf16-without-profile": Case(rows(OK).encode("utf-16"), refused="not valid utf-8", line=1),
    "latin1-without-profile": Case(
        rows(pub(asset_id="caf\xe9")).encode("latin-1"), refused="not valid utf-8", line=2
    ),
    "wrong-delimiter": Case(rows(OK).replace(",", ";"), refused="unknown column", line=1),
    "missing-required-column": Case(
        "event_id,occurred_at,kind,asset_id\ne1,2026-03-01T00:00:00Z,render,a1\n",
        refused="missing required column 'twin_id'",
        line=1,
    ),
    "unknown-column": Case(
        rows(OK + ",x").replace("ai_disclosure", "ai_disclosure,twinn", 1),
        refused="unknown column 'twinn'",
        line=1,
    ),
    "duplicate-column": Case(
        "event_id,event_id,occurred_at\n", refused="duplicate column 'event_id'", line=1
    ),
    "unnamed-column": Case("event_id,,occurred_at\n", refused="column 2 has no name", line=1),
    "too-many-fields": Case(
        rows(OK, OK + ",extra"), refused="expected 11 fields, found 12", line=3
    ),
    "too-few-fields": Case(rows(OK, "e2,2026-03-02T10:00:00Z"), refused="found 2", line=3),
    "unclosed-quote": Case(rows(OK, pub(asset_id='"a1')), refused="never closed", line=3),
    "csv-holding-json": Case('{"event_id": "e1"}\n', refused="unknown column", line=1),
    "truncated-json-line": Case(
        '{"event_id": "e1", "occurred_at": "2026-03-02T10:00:00Z", "kind": "render", '
        '"twin_id": "w1", "asset_id": "a1"}\n{"event_id": "e2", "occ',
        name="log.jsonl",
        refused="malformed JSON",
        line=2,
    ),
    "json-array-file": Case('[{"event_id": "e1"}]\n', name="log.jsonl", refused="not a JSON"),
    "jsonl-nested-without-path": Case(
        '{"event_id": "e1", "occurred_at": "2026-03-02T10:00:00Z", "kind": "render", '
        '"twin_id": {"id": "w1"}, "asset_id": "a1"}\n',
        name="log.jsonl",
        refused="nested values",
    ),
    "text-named-parquet": Case(rows(OK), name="log.parquet", refused="not a readable Parquet"),
    "unknown-extension": Case(rows(OK), name="log.txt", refused="unknown log format"),
    "missing-value-event-id": rejected(pub(event_id=""), "MISSING_VALUE"),
    "missing-value-occurred-at": rejected(pub(occurred_at=""), "MISSING_VALUE"),
    "publication-without-territory": rejected(pub(territory=""), "MISSING_VALUE"),
    "publication-without-disclosure": rejected(pub(ai_disclosure=""), "MISSING_VALUE"),
    "video-without-duration": rejected(pub(media="video"), "MISSING_VALUE"),
    "unknown-kind": rejected(pub(kind="download"), "UNKNOWN_KIND"),
    "over-long-asset-id": rejected(pub(asset_id="a" * 257), "TOO_LONG"),
    "event-in-year-0001": rejected(pub(occurred_at="0001-01-01T00:00:00Z"), "DATE_OUT_OF_RANGE"),
    "event-in-year-9999": rejected(pub(occurred_at="9999-12-31T23:59:59Z"), "DATE_OUT_OF_RANGE"),
    "quantity-above-a-trillion": rejected(pub(quantity="1000000000001"), "QUANTITY_TOO_LARGE"),
    "over-long-line": Case(rows(OK, pub(asset_id="a" * (1 << 20))), refused="longer than", line=3),
    "unknown-twin": rejected(pub(twin_id="nobody"), "UNKNOWN_TWIN"),
    "unreadable-timestamp": rejected(pub(occurred_at="yesterday"), "BAD_TIMESTAMP"),
    "impossible-date": rejected(pub(occurred_at="2026-02-30T10:00:00Z"), "BAD_TIMESTAMP"),
    "bad-offset": rejected(pub(occurred_at="2026-03-02T10:00:00+25:00"), "BAD_TIMESTAMP"),
    "dst-gap": Case(
        rows(OK, pub(occurred_at="2026-03-29T02:30:00")),
        profile=BERLIN,
        counts=(2, 1, 0, 1),
        reasons=[(3, "NONEXISTENT_TIME")],
    ),
    "dst-fold": Case(
        rows(OK, pub(occurred_at="2026-10-25T02:30:00")),
        profile=BERLIN,
        counts=(2, 1, 0, 1),
        reasons=[(3, "AMBIGUOUS_TIME")],
    ),
    "dst-fold-settled-by-offset": Case(
        rows(OK, pub(occurred_at="2026-10-25T02:30:00+01:00")), profile=BERLIN, counts=(2, 2, 0, 0)
    ),
    "unknown-media": rejected(pub(media="gif"), "UNKNOWN_MEDIA"),
    "unknown-channel": rejected(pub(channel="radio"), "UNKNOWN_CHANNEL"),
    "unknown-territory": rejected(pub(territory="XX"), "UNKNOWN_TERRITORY"),
    "fractional-quantity": rejected(pub(kind="impressions", quantity="2.5"), "BAD_QUANTITY"),
    "quantity-with-thousands": rejected(pub(quantity='"1,000"'), "BAD_QUANTITY"),
    "quantity-not-a-number": rejected(pub(quantity="many"), "BAD_QUANTITY"),
    "negative-quantity": rejected(pub(kind="impressions", quantity="-5"), "NEGATIVE_QUANTITY"),
    "negative-duration": rejected(pub(media="video", duration_s="-3"), "BAD_DURATION"),
    "too-precise-duration": rejected(pub(media="video", duration_s="1.2345"), "BAD_DURATION"),
    "bad-boolean": rejected(pub(ai_disclosure="maybe"), "BAD_BOOLEAN"),
    "event-id-reused-with-other-content": Case(
        rows(OK, pub(event_id="ok", asset_id="a2")),
        counts=(2, 1, 0, 1),
        reasons=[(3, "CONFLICTING_DUPLICATE")],
    ),
    "event-id-repeated-identically": Case(rows(OK, OK), counts=(2, 1, 1, 0)),
    "every-row-rejected": Case(
        rows(pub(channel="radio"), pub(event_id="e2", territory="XX")),
        counts=(2, 0, 0, 2),
        reasons=[(2, "UNKNOWN_CHANNEL"), (3, "UNKNOWN_TERRITORY")],
    ),
    "ad-name-off-the-naming-convention": Case(
        rows(OK, pub(asset_id="zz")),
        profile="[extract.asset_id]\npattern = '^(?P<asset_id>a\\d+)$'\n",
        counts=(2, 1, 0, 1),
        reasons=[(3, "EXTRACT_NO_MATCH")],
    ),
    "text-named-xlsx": Case(rows(OK), name="log.xlsx", refused="not a readable XLSX"),
    "unknown-encoding-in-data": Case(
        rows(pub(asset_id="\x81")).encode("latin-1"),
        profile='encoding = "cp1252"\n',
        refused="not valid cp1252",
        line=2,
    ),
    "blank-lines-between-rows": Case(
        H + "\n" + OK + "\n\n   \n" + pub(event_id="e2") + "\n",
        counts=(2, 2, 0, 0),
    ),
}


@pytest.fixture
def workspace(books: Books) -> Books:
    import_parties(books.workspace, books.write("parties.toml", fixtures.PARTIES))
    return books


def _stored(books: Books) -> tuple[int, list[Path], list[Path]]:
    with books.workspace.engine.connect() as conn:
        batches = conn.exec_driver_sql("SELECT count(*) FROM batches").scalar()
    events = list(books.workspace.path("events").rglob("*.parquet"))
    return int(batches or 0), events, list(books.workspace.path("tmp").iterdir())


def test_the_corpus_covers_every_reason() -> None:
    covered = {reason for case in CASES.values() for _, reason in case.reasons}
    assert covered == set(REASONS)
    assert len(CASES) >= 40


@pytest.mark.parametrize("case_id", list(CASES))
def test_bad_input(workspace: Books, case_id: str) -> None:
    case = CASES[case_id]
    log = workspace.files / case.name
    log.write_bytes(case.data if isinstance(case.data, bytes) else case.data.encode("utf-8"))
    profile = None
    if case.profile is not None:
        profile = str(workspace.write("profile.toml", case.profile))
    if case.refused is not None:
        with pytest.raises(LedgerError) as info:
            ingest_file(workspace.workspace, log, "b1", profile)
        message = str(info.value)
        assert message.startswith(str(log)) and case.refused in message, message
        if case.line is not None:
            assert f": line {case.line}: " in message, message
        assert _stored(workspace) == (0, [], [])
        return
    result = ingest_file(workspace.workspace, log, "b1", profile)
    assert result.rows_read == (
        result.accepted + result.duplicates + result.restated + result.rejected + result.skipped
    )
    assert (result.rows_read, result.accepted, result.duplicates, result.rejected) == case.counts
    quarantined: list[tuple[int, str]] = []
    if result.quarantine:
        text = (workspace.root / result.quarantine).read_text(encoding="utf-8").splitlines()
        quarantined = [(int(row.split(",")[0]), row.split(",")[1]) for row in text[1:]]
    assert quarantined == case.reasons
