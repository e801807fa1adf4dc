"""Rating with asset credentials (SPEC 3 step 4): a verified credential declaring AI generation
counts as a disclosure; a disclosure the log claims but no verified AI credential backs is
DISCLOSURE_UNVERIFIED (only for brands that registered assets); a publication with no render
and no verified credential stays UNVERIFIED_ASSET."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests import shared
from tests.conftest import Books
from tests.shared import contract, party, rate

from .conftest import Assets

PARTIES = shared.parties(
    party("agencies", id="ag", name="Agency", currency="EUR", commission="0.20"),
    party("talents", id="t1", name="Liv", agency="ag", payout_currency="EUR"),
    party("brands", id="b1", name="Brand One", currency="EUR"),
    party("brands", id="b2", name="Brand Two", currency="EUR"),
    party("twins", id="w1", talent="t1"),
)
HEADER = shared.HEADER + ",content_hash"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log(*rows: tuple[str, str, str, str, str]) -> str:
    """(event_id, day, kind, asset_id, ai_disclosure, content_hash) rows in March 2026."""
    lines = [HEADER]
    for event, day, kind, asset, disclosed, *hashed in rows:
        where = ",," if kind == "render" else ",social,SE"
        lines.append(
            f"{event},2026-03-{day}T12:00:00Z,{kind},w1,{asset}{where},still,,{disclosed},"
            + (hashed[0] if hashed else "")
        )
    return "\n".join(lines) + "\n"


def settle(
    books: Books, assets: Assets, *, verify: bool = True, consents: str | None = None
) -> dict[str, Any]:
    books.ok("parties", "import", books.write("p.toml", PARTIES))
    if consents is not None:
        books.ok("consents", "import", books.write("consents.toml", consents))
    price = rate("publications", price="10.00")
    books.ok(
        "contracts", "import", books.write("c1.toml", contract("C1", "b1", "w1", "EUR", price))
    )
    books.ok(
        "contracts", "import", books.write("c2.toml", contract("C2", "b2", "w1", "EUR", price))
    )
    if verify:
        books.ok("assets", "verify", assets.ai, assets.captured, assets.tampered, "--brand", "b1")
    b1 = log(
        ("R1", "02", "render", "a-ai", ""),
        ("R2", "02", "render", "a-cap", ""),
        ("R3", "02", "render", "a-bad", ""),
        ("R4", "02", "render", "a-nocred", ""),
        ("P1", "03", "publication", "a-ai", "false"),  # AI credential: disclosed
        ("P2", "04", "publication", "a-cap", "true"),  # credential declares no AI
        ("P3", "05", "publication", "a-bad", "true"),  # credential invalid
        ("P4", "06", "publication", "a-nocred", "true"),  # no credential on file
        ("P5", "07", "publication", "a-ghost", "true", sha(assets.ai)),  # no render; hash: AI
        ("P6", "08", "publication", "a-ghost", "true", "sha256:" + "0" * 64),  # nothing matches
        ("P7", "09", "publication", "a-cap", "false"),  # not disclosed, no AI credential
        ("P8", "10", "publication", "a-none", "true", "SHA256:" + sha(assets.ai).upper()),
    )
    books.ok("ingest", books.write("b1.csv", b1), "--brand", "b1")
    b2 = log(
        ("S1", "02", "render", "a-ai", ""),
        ("Q1", "03", "publication", "a-ai", "true"),  # a brand without assets: as before
        ("Q2", "04", "publication", "x", "false"),
    )
    books.ok("ingest", books.write("b2.csv", b2), "--brand", "b2")
    settled: dict[str, Any] = books.ok("settle", "run", "2026-03")
    return settled


def flagged(books: Books, period: str = "2026-03") -> list[tuple[str, str, str, str]]:
    rows = books.ok("exceptions", period)["exceptions"]
    return [(r["kind"], r["brand"], r["event_id"], r["detail"]) for r in rows]


UNVERIFIED = "has no render by this brand for this twin at or before its publication"


def test_a_month_mixing_the_credentials_gives_exactly_these_exceptions(
    books: Books, assets: Assets
) -> None:
    settled = settle(books, assets)
    assert flagged(books) == [
        ("DISCLOSURE_UNVERIFIED", "b1", "P2", "AI disclosure of asset a-cap unverified: "
         "its content credential declares no AI generation"),
        ("MISSING_DISCLOSURE", "b2", "Q2", "published without an AI disclosure"),
        ("UNVERIFIED_ASSET", "b2", "Q2", f"asset x {UNVERIFIED}"),
        ("DISCLOSURE_UNVERIFIED", "b1", "P3", "AI disclosure of asset a-bad unverified: "
         "its content credential is not verified"),
        ("DISCLOSURE_UNVERIFIED", "b1", "P4", "AI disclosure of asset a-nocred unverified: "
         "no content credential on file"),
        ("DISCLOSURE_UNVERIFIED", "b1", "P6", "AI disclosure of asset a-ghost unverified: "
         "no content credential on file"),
        ("UNVERIFIED_ASSET", "b1", "P6", f"asset a-ghost {UNVERIFIED}"),
        ("MISSING_DISCLOSURE", "b1", "P7", "published without an AI disclosure"),
    ]  # fmt: skip
    assert settled["exceptions"] == {
        "DISCLOSURE_UNVERIFIED": 4,
        "MISSING_DISCLOSURE": 2,
        "UNVERIFIED_ASSET": 2,
    }
    only = books.ok("exceptions", "2026-03", "--kind", "DISCLOSURE_UNVERIFIED")["exceptions"]
    assert [r["event_id"] for r in only] == ["P2", "P3", "P4", "P6"]
    assert {(r["contract"], r["twin"]) for r in only} == {("C1", "w1")}
    # flags only: every publication is priced as before (8 of b1, 2 of b2 at 10.00)
    assert settled["totals"]["EUR"]["brand_due"] == "100.00"


def test_without_asset_records_the_exceptions_are_as_before(books: Books, assets: Assets) -> None:
    settle(books, assets, verify=False)
    assert [(k, b, e) for k, b, e, _ in flagged(books)] == [
        ("MISSING_DISCLOSURE", "b1", "P1"),
        ("MISSING_DISCLOSURE", "b2", "Q2"),
        ("UNVERIFIED_ASSET", "b2", "Q2"),
        ("UNVERIFIED_ASSET", "b1", "P5"),
        ("UNVERIFIED_ASSET", "b1", "P6"),
        ("MISSING_DISCLOSURE", "b1", "P7"),
        ("UNVERIFIED_ASSET", "b1", "P8"),
    ]


def test_verifying_an_asset_after_the_draft_outdates_it(books: Books, assets: Assets) -> None:
    settle(books, assets, verify=False)
    books.ok("assets", "verify", assets.ai, "--brand", "b1")
    assert "changed since its draft" in books.refused("settle", "close", "2026-03")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")


def test_an_incremental_month_after_a_close_flags_as_a_full_one(
    books: Books, assets: Assets
) -> None:
    settle(books, assets)
    books.ok("settle", "close", "2026-03")
    assert books.ok("audit", "verify", "--deep")["ok"] is True
    april = log(
        ("A1", "03", "publication", "a-ai", "false"),  # rendered in March, AI credential
        ("A2", "04", "publication", "a-nocred", "true"),  # rendered in March, no credential
        ("A3", "05", "publication", "a-new", "true", sha(assets.ai)),  # no render, hash: AI
        ("A4", "06", "publication", "a-cap", "true"),  # credential declares no AI
    ).replace("2026-03-", "2026-04-")
    books.ok("ingest", books.write("b1-04.csv", april), "--brand", "b1")
    incremental = books.ok("settle", "run", "2026-04")
    flags = flagged(books, "2026-04")
    data = books.ok("statements", "data", "2026-04", "--party", "t1")
    full = books.ok("settle", "run", "2026-04", "--full")
    assert full == incremental
    assert flagged(books, "2026-04") == flags == [
        ("DISCLOSURE_UNVERIFIED", "b1", "A2", "AI disclosure of asset a-nocred unverified: "
         "no content credential on file"),
        ("DISCLOSURE_UNVERIFIED", "b1", "A4", "AI disclosure of asset a-cap unverified: "
         "its content credential declares no AI generation"),
    ]  # fmt: skip
    assert books.ok("statements", "data", "2026-04", "--party", "t1") == data
    [c1] = [c for c in data["contracts"] if c["contract"] == "C1"]
    assert c1["content_credentials"] == {"verified": 3, "uses": 4}
