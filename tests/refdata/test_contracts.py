"""Contract files (SPEC 1.2): exact parsed values, defaults, versions and the content hash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.domain import Advance, Cap, MinimumGuarantee, Parties, RateRule, Terms, Tier
from ledger.errors import LedgerError
from ledger.refdata.contracts import load_contract_paths, parse_contract

from .conftest import Write

SPEC_CONTRACT = """
    id = "ZEP-2026-001"
    brand = "zephyr"
    twin = "liv-s-twin-1"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["SE", "NO", "DK", "FI"]
    excluded_territories = []
    channels = ["social", "web", "ecommerce"]
    media = ["still", "video"]
    category = "apparel"
    exclusive = false
    agency_commission = "0.20"
    disclosure_required = true
    unauthorized_use_multiplier = "0"
    retainer = "1000.00"

    [minimum_guarantee]
    amount = "6000.00"
    period = "quarter"

    [cap]
    amount = "20000.00"
    period = "month"

    [advance]
    amount = "10000.00"
    paid_on = 2026-01-15

    [[rates]]
    metric = "publications"
    channel = "social"
    media = "*"
    price = "150.00"
    per = 1

    [[rates]]
    metric = "impressions"
    per = 1000
    tier_mode = "graduated"
    tiers = [ { up_to = 1000000, price = "2.50" }, { price = "1.50" } ]

    [[amendments]]
    effective = 2026-07-01
    retainer = "1200.00"
    [[amendments.rates]]
    metric = "publications"
    channel = "social"
    price = "175.00"
"""

MINIMAL = """
    id = "ZEP-MIN"
    brand = "zephyr"
    twin = "liv-s-twin-1"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["WORLD"]
    channels = ["*"]
"""


def test_spec_example_parses_to_exact_values(write: Write, parties: Parties) -> None:
    path = write("zep.toml", SPEC_CONTRACT)
    contract, problems = parse_contract(path, parties)
    assert problems == []
    assert contract is not None
    assert (contract.id, contract.brand, contract.twin, contract.currency) == (
        "ZEP-2026-001",
        "zephyr",
        "liv-s-twin-1",
        "EUR",
    )
    assert (contract.start, contract.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert contract.source == str(path)
    assert contract.revision == 1
    original = Terms(
        territories=("SE", "NO", "DK", "FI"),
        channels=("social", "web", "ecommerce"),
        category="apparel",
        agency_commission=Decimal("0.20"),
        retainer=Decimal("1000.00"),
        minimum_guarantee=MinimumGuarantee(Decimal("6000.00"), "quarter"),
        cap=Cap(Decimal("20000.00"), "month"),
        advance=Advance(Decimal("10000.00"), date(2026, 1, 15)),
        rates=(
            RateRule(1, "publications", "social", "*", Decimal(1), Decimal("150.00")),
            RateRule(
                2,
                "impressions",
                per=Decimal(1000),
                tiers=(Tier(Decimal(1000000), Decimal("2.50")), Tier(None, Decimal("1.50"))),
                tier_mode="graduated",
            ),
        ),
    )
    assert contract.terms == original
    assert str(contract.terms.retainer) == "1000.00"
    (amendment,) = contract.amendments
    assert amendment.effective == date(2026, 7, 1)
    assert amendment.terms.retainer == Decimal("1200.00")
    assert amendment.terms.rates == (
        RateRule(1, "publications", "social", "*", Decimal(1), Decimal("175.00")),
    )
    assert amendment.terms.cap == original.cap
    assert len(contract.content_hash) == 64


def test_defaults(write: Write, parties: Parties) -> None:
    contract, problems = parse_contract(write("min.toml", MINIMAL), parties)
    assert problems == []
    assert contract is not None
    assert contract.terms == Terms(territories=("WORLD",), channels=("*",), category="apparel")
    terms = contract.terms
    assert terms.media == ("still", "video")
    assert terms.excluded_territories == ()
    assert terms.exclusive is False
    assert terms.agency_commission is None
    assert terms.disclosure_required is True
    assert terms.unauthorized_use_multiplier == Decimal(0)
    assert (terms.retainer, terms.minimum_guarantee, terms.cap, terms.advance) == (None,) * 4
    assert terms.rates == ()
    assert contract.amendments == ()


def test_rate_defaults_and_volume_tiers(write: Write, parties: Parties) -> None:
    text = (
        MINIMAL
        + """
    [[rates]]
    metric = "renders"
    price = 2

    [[rates]]
    metric = "video_seconds"
    media = "video"
    tier_mode = "volume"
    tiers = [{ up_to = "10", price = 100 }, { up_to = 20, price = "80" }, { price = 60.5 }]
    """
    )
    contract, problems = parse_contract(write("c.toml", text), parties)
    assert problems == []
    assert contract is not None
    flat, tiered = contract.terms.rates
    assert flat == RateRule(1, "renders", "*", "*", Decimal(1), Decimal(2), (), "graduated")
    assert tiered.rule_no == 2
    assert (tiered.channel, tiered.media, tiered.tier_mode, tiered.price) == (
        "*",
        "video",
        "volume",
        None,
    )
    assert tiered.tiers == (
        Tier(Decimal(10), Decimal(100)),
        Tier(Decimal(20), Decimal(80)),
        Tier(None, Decimal("60.5")),
    )
    assert all(isinstance(t.price, Decimal) for t in tiered.tiers)


def test_versions_of_a_contract_with_two_amendments(write: Write, parties: Parties) -> None:
    text = (
        MINIMAL
        + """
    retainer = "1000"

    [[rates]]
    metric = "publications"
    price = "100"

    [[rates]]
    metric = "renders"
    price = "1"

    [[amendments]]
    effective = 2026-04-01
    retainer = "1200"

    [[amendments]]
    effective = 2026-10-15
    exclusive = true
    [[amendments.rates]]
    metric = "impressions"
    per = 1000
    price = "3"
    [[amendments.rates]]
    metric = "publications"
    channel = "web"
    price = "90"
    """
    )
    contract, problems = parse_contract(write("c.toml", text), parties)
    assert problems == []
    assert contract is not None
    v0, v1, v2 = contract.versions()
    assert (v0.version_no, v0.effective_from, v0.effective_to) == (
        0,
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert (v1.version_no, v1.effective_from, v1.effective_to) == (
        1,
        date(2026, 4, 1),
        date(2026, 10, 14),
    )
    assert (v2.version_no, v2.effective_from, v2.effective_to) == (
        2,
        date(2026, 10, 15),
        date(2026, 12, 31),
    )
    assert [v.terms.retainer for v in (v0, v1, v2)] == [Decimal(1000), Decimal(1200), Decimal(1200)]
    assert [v.terms.exclusive for v in (v0, v1, v2)] == [False, False, True]
    assert v1.terms.rates == v0.terms.rates
    assert [(r.rule_no, r.metric, r.channel) for r in v2.terms.rates] == [
        (1, "impressions", "*"),
        (2, "publications", "web"),
    ]
    assert v2.key == "ZEP-MIN@r1v2"
    assert contract.version_on(date(2026, 10, 14)) == v1


def test_amendment_category_is_checked_and_inherited(write: Write, parties: Parties) -> None:
    text = (
        MINIMAL
        + """
    [[amendments]]
    effective = 2026-06-01
    category = "beauty"

    [[amendments]]
    effective = 2026-09-01
    media = ["still"]
    """
    )
    contract, problems = parse_contract(write("c.toml", text), parties)
    assert problems == []
    assert contract is not None
    assert [a.terms.category for a in contract.amendments] == ["beauty", "beauty"]
    assert contract.amendments[1].terms.media == ("still",)


REORDERED = """
    twin = "liv-s-twin-1"
    brand = "zephyr"
    channels = [ "web", "social", "ecommerce" ]
    end = 2026-12-31
    id = "ZEP-2026-001"
    start = 2026-01-01
    territories = ["NO", "SE", "FI", "DK"]
    currency = "EUR"
    retainer = 1000
    category = "apparel"
    agency_commission = 0.2

    [advance]
    paid_on = 2026-01-15
    amount = "10000"

    [cap]
    period = "month"
    amount = "20000.00"

    [minimum_guarantee]
    period = "quarter"
    amount = 6000.00

    [[rates]]
    price = "150"
    channel = "social"
    metric = "publications"

    [[rates]]
    tiers = [ { price = "2.5", up_to = 1_000_000 }, { price = "1.50" } ]
    per = 1000
    metric = "impressions"

    [[amendments]]
    retainer = "1200.00"
    effective = 2026-07-01
    [[amendments.rates]]
    price = "175.00"
    metric = "publications"
    channel = "social"
"""


def _hash(write: Write, parties: Parties, name: str, text: str) -> str:
    contract, problems = parse_contract(write(name, text), parties)
    assert problems == []
    assert contract is not None
    return contract.content_hash


def test_content_hash_ignores_layout_but_not_values(write: Write, parties: Parties) -> None:
    original = _hash(write, parties, "a.toml", SPEC_CONTRACT)
    assert _hash(write, parties, "b.toml", REORDERED) == original
    assert _hash(write, parties, "c.toml", SPEC_CONTRACT) == original
    changed_price = SPEC_CONTRACT.replace('price = "175.00"', 'price = "175.01"')
    assert _hash(write, parties, "d.toml", changed_price) != original
    changed_tier = SPEC_CONTRACT.replace("up_to = 1000000", "up_to = 1000001")
    assert _hash(write, parties, "e.toml", changed_tier) != original
    changed_date = SPEC_CONTRACT.replace("effective = 2026-07-01", "effective = 2026-07-02")
    assert _hash(write, parties, "f.toml", changed_date) != original


@pytest.mark.parametrize("old", ['retainer = "1000.00"', 'category = "apparel"', "per = 1000"])
def test_content_hash_changes_with_any_value(write: Write, parties: Parties, old: str) -> None:
    key = old.split(" = ")[0]
    new = {"retainer": 'retainer = "999.99"', "category": 'category = "beauty"', "per": "per = 100"}
    original = _hash(write, parties, "a.toml", SPEC_CONTRACT)
    assert _hash(write, parties, "b.toml", SPEC_CONTRACT.replace(old, new[key])) != original


def test_load_contract_paths(tmp_path: Path) -> None:
    folder = tmp_path / "contracts"
    folder.mkdir()
    for name in ("b.toml", "a.toml", "notes.txt"):
        (folder / name).write_text("")
    (folder / "sub.toml").mkdir()
    assert load_contract_paths(folder) == [folder / "a.toml", folder / "b.toml"]
    assert load_contract_paths(folder / "notes.txt") == [folder / "notes.txt"]
    with pytest.raises(LedgerError, match="no such file or directory"):
        load_contract_paths(tmp_path / "nowhere")
