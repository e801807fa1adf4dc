"""Overlapping contracts (error) and exclusivity conflicts between brands (warning)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ledger.domain import Amendment, Contract, Terms
from ledger.refdata.contracts import exclusivity_warnings, validate_against_existing
from ledger.refdata.overlaps import territory_set

TERMS = Terms(territories=("SE", "NO"), channels=("*",), category="apparel")


def contract(
    contract_id: str,
    brand: str = "zephyr",
    start: date = date(2026, 1, 1),
    end: date = date(2026, 12, 31),
    twin: str = "liv-s-twin-1",
    **terms: Any,
) -> Contract:
    return Contract(
        contract_id,
        brand,
        twin,
        "EUR",
        start,
        end,
        replace(TERMS, **terms),
        source=f"{contract_id}.toml",
    )


def test_overlap_for_the_same_brand_and_twin_names_both_and_the_dates() -> None:
    new = contract("ZEP-2", start=date(2026, 6, 1), end=date(2027, 5, 31))
    problems = validate_against_existing(new, [contract("ZEP-1")])
    assert [str(p) for p in problems] == [
        "ZEP-2.toml: contract ZEP-2: start: term 2026-06-01 to 2027-05-31 overlaps contract "
        "ZEP-1 (2026-01-01 to 2026-12-31) for brand zephyr and twin liv-s-twin-1 from "
        "2026-06-01 to 2026-12-31"
    ]


def test_no_overlap_problem_when_anything_differs() -> None:
    new = contract("ZEP-2", start=date(2027, 1, 1), end=date(2027, 12, 31))
    existing = [
        contract("ZEP-1"),
        contract("AUR-1", brand="aurora"),
        contract("ZEP-3", twin="ana-k-twin-1"),
    ]
    assert validate_against_existing(new, existing) == []
    assert validate_against_existing(contract("ZEP-1"), [contract("ZEP-1")]) == []
    touching = contract("ZEP-2", start=date(2026, 12, 31), end=date(2027, 1, 31))
    assert len(validate_against_existing(touching, [contract("ZEP-1")])) == 1


def test_only_the_newest_revision_of_a_stored_contract_counts() -> None:
    old = contract("ZEP-1")
    newer = replace(contract("ZEP-1", end=date(2026, 5, 31)), revision=2)
    new = contract("ZEP-2", start=date(2026, 6, 1))
    assert validate_against_existing(new, [old, newer]) == []


def test_exclusive_contract_meeting_another_brand() -> None:
    new = contract("AUR-1", brand="aurora", start=date(2026, 3, 1), territories=("NO", "DK"))
    existing = [contract("ZEP-1", exclusive=True)]
    assert exclusivity_warnings(new, existing) == [
        "Contract AUR-1 (brand aurora) and contract ZEP-1 (brand zephyr) both license twin "
        "liv-s-twin-1 for apparel in NO from 2026-03-01 to 2026-12-31, and ZEP-1 is exclusive."
    ]


def test_no_warning_without_shared_category_territory_time_or_exclusivity() -> None:
    zep = contract("ZEP-1", exclusive=True)
    assert exclusivity_warnings(contract("AUR-1", brand="aurora", category="beauty"), [zep]) == []
    assert exclusivity_warnings(contract("AUR-1", brand="aurora", territories=("DK",)), [zep]) == []
    later = contract("AUR-1", brand="aurora", start=date(2027, 1, 1), end=date(2027, 2, 1))
    assert exclusivity_warnings(later, [zep]) == []
    assert exclusivity_warnings(contract("AUR-1", brand="aurora"), [contract("ZEP-1")]) == []
    assert exclusivity_warnings(contract("ZEP-2", exclusive=True), [zep]) == []
    other_twin = contract("AUR-1", brand="aurora", twin="ana-k-twin-1")
    assert exclusivity_warnings(other_twin, [zep]) == []


def test_world_overlaps_every_territory_minus_exclusions() -> None:
    world = contract(
        "AUR-1",
        brand="aurora",
        territories=("WORLD",),
        excluded_territories=("SE",),
        exclusive=True,
    )
    assert exclusivity_warnings(world, [contract("ZEP-1", territories=("SE",))]) == []
    (warning,) = exclusivity_warnings(world, [contract("ZEP-1", territories=("SE", "NO"))])
    assert "in NO from 2026-01-01 to 2026-12-31, and AUR-1 is exclusive." in warning
    both = contract("ZEP-1", territories=("WORLD",), exclusive=True)
    (warning,) = exclusivity_warnings(world, [both])
    assert "in AD, AE, AF, AG, AI, AL and 242 more territories" in warning
    assert warning.endswith("and both are exclusive.")
    everywhere = contract("AUR-2", brand="aurora", territories=("WORLD",))
    (warning,) = exclusivity_warnings(everywhere, [both])
    assert "in every territory" in warning
    assert territory_set(world.terms) == territory_set(both.terms) - {"SE"}


def test_exclusivity_follows_amendments() -> None:
    amended = replace(TERMS, exclusive=True)
    zep = replace(contract("ZEP-1"), amendments=(Amendment(date(2026, 9, 1), amended),))
    new = contract("AUR-1", brand="aurora")
    assert exclusivity_warnings(new, [zep]) == [
        "Contract AUR-1 (brand aurora) and contract ZEP-1 (brand zephyr) both license twin "
        "liv-s-twin-1 for apparel in NO, SE from 2026-09-01 to 2026-12-31, and ZEP-1 is exclusive."
    ]
