"""Every exception kind of SPEC 3 on the three-brand month, exactly as `exceptions --json` lists
them; one event with two flags; events stopped at step 1 or 2 get no further flags."""

from __future__ import annotations

from typing import Any

from tests.conftest import Books

from .conftest import HYPERLINK, PERIOD

Month = tuple[Books, dict[str, Any]]


def row(kind: str, brand: str, twin: str, contract: str | None, event: str, at: str, detail: str):
    return {
        "kind": kind,
        "brand": brand,
        "twin": twin,
        "contract": contract,
        "event_id": event,
        "occurred_at": at,
        "detail": detail,
    }


LIV, ZOE = "liv-s-twin-1", "zoe-l-twin-1"
UNVERIFIED = "has no render by this brand for this twin at or before its publication"


def of_kind(books: Books, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = books.ok("exceptions", PERIOD, "--kind", kind)["exceptions"]
    return rows


def events(books: Books, event_id: str) -> list[str]:
    rows = books.ok("exceptions", PERIOD)["exceptions"]
    return [r["kind"] for r in rows if r["event_id"] == event_id]


def test_settle_counts_every_kind(month: Month) -> None:
    _, settled = month
    assert settled["events_rated"] == 25
    assert settled["exceptions"] == {
        "EXCLUSIVITY_CONFLICT": 2,
        "MISSING_DISCLOSURE": 1,
        "OUT_OF_SCOPE": 2,
        "RESTRICTED_CATEGORY": 1,
        "UNLICENSED": 2,
        "UNPRICED": 1,
        "UNVERIFIED_ASSET": 2,
    }


def test_unlicensed_without_contract_and_after_revocation(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "UNLICENSED") == [
        row(
            "UNLICENSED",
            "smith",
            LIV,
            None,
            "S-P5",
            "2026-09-06T12:00:00Z",
            "no contract licenses twin liv-s-twin-1 to brand smith on 2026-09-06",
        ),
        row(
            "UNLICENSED",
            "smith",
            ZOE,
            "SMI-1",
            "S-P4",
            "2026-09-25T09:00:00Z",
            "twin zoe-l-twin-1 revoked on 2026-09-20 (consent withdrawn)",
        ),
    ]


def test_restricted_category(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "RESTRICTED_CATEGORY") == [
        row(
            "RESTRICTED_CATEGORY",
            "hanami",
            LIV,
            "HAN-1",
            "+1",
            "2026-09-08T08:00:00Z",
            "category alcohol is restricted by the talent",
        )
    ]


def test_out_of_scope_channel_and_territory(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "OUT_OF_SCOPE") == [
        row(
            "OUT_OF_SCOPE",
            "zephyr",
            LIV,
            "ZEP-1",
            "Z-P5",
            "2026-09-06T10:00:00Z",
            "channel email not licensed",
        ),
        row(
            "OUT_OF_SCOPE",
            "hanami",
            LIV,
            "HAN-1",
            "@SUM(A1)",
            "2026-09-07T08:00:00Z",
            "territory NO not licensed",
        ),
    ]


def test_missing_disclosure(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "MISSING_DISCLOSURE") == [
        row(
            "MISSING_DISCLOSURE",
            "zephyr",
            LIV,
            "ZEP-1",
            "Z-P6",
            "2026-09-07T10:00:00Z",
            "published without an AI disclosure",
        )
    ]


def test_unverified_asset_never_rendered_or_rendered_later(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "UNVERIFIED_ASSET") == [
        row(
            "UNVERIFIED_ASSET",
            "zephyr",
            LIV,
            "ZEP-1",
            "Z-P7",
            "2026-09-08T10:00:00Z",
            f"asset a9 {UNVERIFIED}",
        ),
        row(
            "UNVERIFIED_ASSET",
            "zephyr",
            LIV,
            "ZEP-1",
            "Z-P8",
            "2026-09-10T10:00:00Z",
            f"asset a3 {UNVERIFIED}",
        ),
    ]


def test_exclusivity_conflict_names_both_brands(month: Month) -> None:
    books, _ = month
    detail = (
        "brand zephyr holds exclusive contract ZEP-1 for category apparel in {}; "
        "used by brand hanami"
    )
    assert of_kind(books, "EXCLUSIVITY_CONFLICT") == [
        row(
            "EXCLUSIVITY_CONFLICT",
            "hanami",
            LIV,
            "HAN-1",
            HYPERLINK,
            "2026-09-06T08:00:00Z",
            detail.format("SE"),
        ),
        row(
            "EXCLUSIVITY_CONFLICT",
            "hanami",
            LIV,
            "HAN-1",
            "@SUM(A1)",
            "2026-09-07T08:00:00Z",
            detail.format("NO"),
        ),
    ]


def test_unpriced(month: Month) -> None:
    books, _ = month
    assert of_kind(books, "UNPRICED") == [
        row(
            "UNPRICED",
            "smith",
            ZOE,
            "SMI-1",
            "S-P3",
            "2026-09-05T09:00:00Z",
            "no rate prices this publication (channel web, media still)",
        )
    ]


def test_one_event_out_of_scope_and_in_exclusivity_conflict(month: Month) -> None:
    books, _ = month
    assert sorted(events(books, "@SUM(A1)")) == ["EXCLUSIVITY_CONFLICT", "OUT_OF_SCOPE"]


def test_stopped_at_step_1_gets_no_further_flags(month: Month) -> None:
    books, _ = month
    # S-P4: revoked twin; also FR (out of territory), web (unpriced), no disclosure, no render.
    assert events(books, "S-P4") == ["UNLICENSED"]
    # S-P5: no contract, no disclosure, asset never rendered.
    assert events(books, "S-P5") == ["UNLICENSED"]


def test_stopped_at_step_2_gets_no_further_flags(month: Month) -> None:
    books, _ = month
    # +1: restricted category, no disclosure, asset never rendered.
    assert events(books, "+1") == ["RESTRICTED_CATEGORY"]


def test_filters_by_brand_and_talent(month: Month) -> None:
    books, _ = month
    by_talent = books.ok("exceptions", PERIOD, "--talent", "zoe-l")["exceptions"]
    assert [r["event_id"] for r in by_talent] == ["S-P3", "S-P4"]
    by_brand = books.ok("exceptions", PERIOD, "--brand", "zephyr")["exceptions"]
    assert [r["event_id"] for r in by_brand] == ["Z-P5", "Z-P6", "Z-P7", "Z-P8"]
