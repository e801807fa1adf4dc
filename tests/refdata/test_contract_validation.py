"""Contract validation (SPEC 1.2): each rule gives a problem naming file, record and key."""

from __future__ import annotations

import pytest

from ledger.domain import Parties, Talent
from ledger.refdata.contracts import parse_contract

from .conftest import Write

BASE = {
    "id": '"ZEP-1"',
    "brand": '"zephyr"',
    "twin": '"liv-s-twin-1"',
    "currency": '"EUR"',
    "start": "2026-01-01",
    "end": "2026-12-31",
    "territories": '["SE", "NO"]',
    "channels": '["social", "web"]',
}


def problems_of(write: Write, parties: Parties, tail: str = "", **top: str | None) -> list[str]:
    """Problems of BASE with top-level keys replaced (None removes one) and ``tail`` appended."""
    values = {**BASE, **top}
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    path = write("c.toml", "\n".join(lines) + "\n" + tail)
    contract, problems = parse_contract(path, parties)
    assert (contract is None) == bool(problems)
    return [str(p).replace(str(path), "c.toml") for p in problems]


def one(write: Write, parties: Parties, tail: str = "", **top: str | None) -> str:
    (problem,) = problems_of(write, parties, tail, **top)
    return problem


def test_base_is_valid(write: Write, parties: Parties) -> None:
    assert problems_of(write, parties) == []


def test_required_keys(write: Write, parties: Parties) -> None:
    assert problems_of(write, parties, territories=None, currency=None) == [
        "c.toml: contract ZEP-1: currency: required key is missing",
        "c.toml: contract ZEP-1: territories: required key is missing",
    ]


def test_every_problem_is_returned(write: Write, parties: Parties) -> None:
    assert problems_of(write, parties, brand='"nope"', end="2025-01-01", currency='"EU"') == [
        "c.toml: contract ZEP-1: brand: unknown brand 'nope'",
        "c.toml: contract ZEP-1: currency: 'EU' is not an ISO 4217 currency code",
        "c.toml: contract ZEP-1: end: 2025-01-01 is before start 2026-01-01",
    ]


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (
            {"id": '"ZEP 1"'},
            "contract ZEP 1: id: 'ZEP 1' may hold only letters, digits, '-', '_' and '.'",
        ),
        ({"id": '""'}, "contract: id: must not be empty"),
        ({"twin": '"ghost"'}, "contract ZEP-1: twin: unknown twin 'ghost'"),
        ({"end": "2025-12-31"}, "contract ZEP-1: end: 2025-12-31 is before start 2026-01-01"),
        (
            {"start": '"2026-01-01"'},
            "contract ZEP-1: start: must be a TOML date such as "
            "2026-01-10 (write it unquoted), not a string",
        ),
        (
            {"territories": '["SE", "XX"]'},
            "contract ZEP-1: territories: 'XX' is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            {"territories": '["WORLD", "SE"]'},
            "contract ZEP-1: territories: WORLD covers every territory; give it alone",
        ),
        ({"territories": "[]"}, "contract ZEP-1: territories: must not be empty"),
        (
            {"excluded_territories": '["WORLD"]'},
            "contract ZEP-1: excluded_territories: 'WORLD' "
            "is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            {"channels": '["social", "radio"]'},
            "contract ZEP-1: channels: 'radio' is not a "
            "channel; use social, web, ecommerce, email, print, ooh, tv, cinema, in_store or ['*']",
        ),
        (
            {"channels": '["*", "web"]'},
            "contract ZEP-1: channels: '*' means every channel; give it alone",
        ),
        (
            {"media": '["still", "gif"]'},
            "contract ZEP-1: media: 'gif' is not a medium; use still, video",
        ),
        (
            {"category": '"alcohol"'},
            "contract ZEP-1: category: 'alcohol' is restricted by talent liv-s",
        ),
        ({"exclusive": '"yes"'}, "contract ZEP-1: exclusive: must be true or false, not a string"),
        (
            {"agency_commission": '"1.01"'},
            "contract ZEP-1: agency_commission: must be between 0 and 1, got 1.01",
        ),
        (
            {"unauthorized_use_multiplier": "-2"},
            "contract ZEP-1: unauthorized_use_multiplier: must be at least 0, got -2",
        ),
        ({"retainer": '"-0.01"'}, "contract ZEP-1: retainer: must be at least 0, got -0.01"),
        (
            {"teritories": '["SE"]'},
            "contract ZEP-1: teritories: unknown key; did you mean 'territories'?",
        ),
    ],
)
def test_top_level_rules(
    write: Write, parties: Parties, top: dict[str, str], expected: str
) -> None:
    assert one(write, parties, **top) == "c.toml: " + expected


def test_restricted_category_inherited_from_the_brand(write: Write, parties: Parties) -> None:
    restricting = Parties(
        agencies=parties.agencies,
        talents=(Talent("liv-s", "Liv", "SEK", "nordlys", restricted_categories=("apparel",)),),
        brands=parties.brands,
        twins=parties.twins,
    )
    assert one(write, restricting) == (
        "c.toml: contract ZEP-1: category: 'apparel' (the brand's category, as the contract "
        "gives none) is restricted by talent liv-s"
    )


def test_commission_for_a_talent_without_agency(write: Write, parties: Parties) -> None:
    assert one(write, parties, twin='"ana-k-twin-1"', agency_commission='"0.1"') == (
        "c.toml: contract ZEP-1: agency_commission: talent ana-k has no agency to receive a "
        "commission of 0.1"
    )


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "[minimum_guarantee]\namount = 100\nperiod = 'week'\n",
            "minimum_guarantee.period: 'week' is not a period; "
            "use one of month, quarter, year, term",
        ),
        (
            "[minimum_guarantee]\namount = -1\nperiod = 'year'\n",
            "minimum_guarantee.amount: must be at least 0, got -1",
        ),
        (
            "[minimum_guarantee]\namount = 1\nperiod = 'year'\nperoid = 'x'\n",
            "minimum_guarantee.peroid: unknown key; did you mean 'period'?",
        ),
        ("[cap]\namount = '-5'\nperiod = 'month'\n", "cap.amount: must be at least 0, got -5"),
        ("[cap]\namount = '5'\n", "cap.period: required key is missing"),
        (
            "[cap]\namount = '5'\nperiod = 'term'\nsoft = true\n",
            "cap.soft: unknown key; allowed: amount, period",
        ),
        ("[advance]\namount = '500'\n", "advance.paid_on: required key is missing"),
        ("[advance]\npaid_on = 2026-01-15\n", "advance.amount: required key is missing"),
        (
            "[advance]\namount = '5'\npaid_on = 2026-01-15\nrecoup = 1\n",
            "advance.recoup: unknown key; allowed: amount, paid_on",
        ),
    ],
)
def test_guarantee_cap_and_advance_rules(
    write: Write, parties: Parties, tail: str, expected: str
) -> None:
    assert one(write, parties, tail) == "c.toml: contract ZEP-1: " + expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (
            "metric = 'clicks'\nprice = 1",
            "rates[1].metric: 'clicks' is not a metric; use one of renders, publications, "
            "impressions, video_seconds",
        ),
        ("price = 1", "rates[1].metric: required key is missing"),
        (
            "metric = 'renders'\nchannel = 'radio'\nprice = 1",
            "rates[1].channel: 'radio' is not a channel; use one of social, web, ecommerce, email, "
            "print, ooh, tv, cinema, in_store, *",
        ),
        (
            "metric = 'renders'\nmedia = 'gif'\nprice = 1",
            "rates[1].media: 'gif' is not a medium; use one of still, video, *",
        ),
        ("metric = 'renders'\nprice = 1\nper = 0", "rates[1].per: must be greater than 0, got 0"),
        ("metric = 'renders'\nprice = '-1'", "rates[1].price: must be at least 0, got -1"),
        ("metric = 'renders'", "rates[1].price: give a price or tiers"),
        (
            "metric = 'renders'\nprice = 1\ntiers = [{ price = 1 }]",
            "rates[1].tiers: give either price or tiers, not both",
        ),
        ("metric = 'renders'\ntiers = []", "rates[1].tiers: must have at least one tier"),
        (
            "metric = 'renders'\ntiers = [{ price = 2 }, { price = 1 }]",
            "rates[1].tiers[1].up_to: required on every tier but the last",
        ),
        (
            "metric = 'renders'\ntiers = [{ up_to = 10, price = 2 }, { up_to = 20, price = 1 }]",
            "rates[1].tiers[2].up_to: the last tier is open-ended: leave out up_to",
        ),
        (
            "metric = 'renders'\ntiers = [{ up_to = 10, price = 2 }, { up_to = 10, price = 1 }, "
            "{ price = 0 }]",
            "rates[1].tiers[2].up_to: 10 must be greater than the previous tier's 10",
        ),
        (
            "metric = 'renders'\ntiers = [{ up_to = 0, price = 2 }, { price = 1 }]",
            "rates[1].tiers[1].up_to: must be greater than 0, got 0",
        ),
        (
            "metric = 'renders'\ntiers = [{ up_to = 5, price = '-2' }, { price = 1 }]",
            "rates[1].tiers[1].price: must be at least 0, got -2",
        ),
        (
            "metric = 'renders'\ntiers = [{ up_to = 5, price = 2, prize = 1 }, { price = 1 }]",
            "rates[1].tiers[1].prize: unknown key; did you mean 'price'?",
        ),
        (
            "metric = 'renders'\ntiers = [{ price = 1 }]\ntier_mode = 'stepped'",
            "rates[1].tier_mode: 'stepped' is not a tier mode; use one of graduated, volume",
        ),
        (
            "metric = 'renders'\nprice = 1\ntier_mode = 'volume'",
            "rates[1].tier_mode: applies only to a rate with tiers",
        ),
        (
            "metric = 'renders'\nprice = 1\nchanel = 'web'",
            "rates[1].chanel: unknown key; did you mean 'channel'?",
        ),
    ],
)
def test_rate_rules(write: Write, parties: Parties, rate: str, expected: str) -> None:
    assert one(write, parties, f"[[rates]]\n{rate}\n") == "c.toml: contract ZEP-1: " + expected


def test_equally_specific_rates(write: Write, parties: Parties) -> None:
    tail = """
[[rates]]
metric = "publications"
channel = "social"
price = 1
[[rates]]
metric = "publications"
price = 2
[[rates]]
metric = "publications"
channel = "social"
media = "*"
price = 3
"""
    assert one(write, parties, tail) == (
        "c.toml: contract ZEP-1: rates[3]: same metric, channel and media (publications, "
        "social, *) as rates[1]; two rates equally specific for the same use are ambiguous"
    )


def test_tiers_increase_for_several_bands(write: Write, parties: Parties) -> None:
    tail = (
        "[[rates]]\nmetric = 'impressions'\n"
        "tiers = [{up_to = 100, price = 3}, {up_to = 50, price = 2}, {up_to = 80, price = 1},"
        " {price = 0}]\n"
    )
    assert one(write, parties, tail) == (
        "c.toml: contract ZEP-1: rates[1].tiers[2].up_to: 50 must be greater than the previous "
        "tier's 100"
    )


@pytest.mark.parametrize(
    ("amendments", "expected"),
    [
        (
            "[[amendments]]\neffective = 2027-01-01\n",
            "amendments[1].effective: 2027-01-01 is outside the term 2026-01-01 to 2026-12-31",
        ),
        (
            "[[amendments]]\neffective = 2025-06-01\n",
            "amendments[1].effective: 2025-06-01 is outside the term 2026-01-01 to 2026-12-31",
        ),
        (
            "[[amendments]]\neffective = 2026-01-01\n",
            "amendments[1].effective: 2026-01-01 is the contract's start; write terms that apply "
            "from the start in the contract itself",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\n[[amendments]]\neffective = 2026-06-01\n",
            "amendments[2].effective: 2026-06-01 is not after the previous amendment's 2026-06-01",
        ),
        (
            "[[amendments]]\neffective = 2026-08-01\n[[amendments]]\neffective = 2026-06-01\n",
            "amendments[2].effective: 2026-06-01 is not after the previous amendment's 2026-08-01",
        ),
        ("[[amendments]]\nretainer = 1\n", "amendments[1].effective: required key is missing"),
        (
            "[[amendments]]\neffective = 2026-06-01\nend = 2027-06-30\n",
            "amendments[1].end: end is fixed for the whole contract and cannot be amended; change "
            "the contract itself",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\nretainr = 1\n",
            "amendments[1].retainr: unknown key; did you mean 'retainer'?",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\ncategory = 'politics'\n",
            "amendments[1].category: 'politics' is restricted by talent liv-s",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\nterritories = ['SE', 'QQ']\n",
            "amendments[1].territories: 'QQ' is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\n"
            "[amendments.cap]\namount = 1\nperiod = 'day'\n",
            "amendments[1].cap.period: 'day' is not a period; "
            "use one of month, quarter, year, term",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\n[[amendments.rates]]\nmetric = 'renders'\n"
            "price = 1\ntiers = [{price = 1}]\n",
            "amendments[1].rates[1].tiers: give either price or tiers, not both",
        ),
        (
            "[[amendments]]\neffective = 2026-06-01\n[[amendments.rates]]\nmetric = 'renders'\n"
            "price = 1\n[[amendments.rates]]\nmetric = 'renders'\nprice = 2\n",
            "amendments[1].rates[2]: same metric, channel and media (renders, *, *) as rates[1]; "
            "two rates equally specific for the same use are ambiguous",
        ),
    ],
)
def test_amendment_rules(write: Write, parties: Parties, amendments: str, expected: str) -> None:
    assert one(write, parties, amendments) == "c.toml: contract ZEP-1: " + expected


def test_toml_syntax_error(write: Write, parties: Parties) -> None:
    path = write("broken.toml", 'id = "X"\nbrand = "zephyr"\nstart = 2026-13-01\n')
    contract, problems = parse_contract(path, parties)
    assert contract is None
    assert [str(p) for p in problems] == [
        f"{path}: line 3, column 13: TOML syntax error: "
        "Expected newline or end of document after a statement"
    ]


def test_toml_unterminated_string(write: Write, parties: Parties) -> None:
    path = write("broken.toml", 'id = "X')
    _, problems = parse_contract(path, parties)
    assert [str(p) for p in problems] == [
        f"{path}: end of file: TOML syntax error: Unterminated string"
    ]
