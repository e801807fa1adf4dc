"""Hostile numbers and strings in reference data and commands are refused at the door (SPEC 8).

Each refusal exits 1 with one line naming the file, record, key and (shortened) value; nothing is
stored, and a later `settle run` never meets the value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import Books
from tests.ledger import fixtures

HUGE = "1" * 100_000
HUGE_SHOWN = "1" * 40 + "…(100000 characters)"
C1_PRICE = 'price = "150.00"'


def contract(books: Books, old: str, new: str) -> str:
    """The refusal of `contracts validate` and of `contracts import` (the same line) for C1
    with ``old`` replaced by ``new``; nothing is imported."""
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    assert old in fixtures.C1
    path = books.write("C1.toml", fixtures.C1.replace(old, new, 1))
    validated = books.refused("contracts", "validate", path)
    imported = books.refused("contracts", "import", path)
    assert validated == imported
    assert books.ok("contracts", "list") == {"contracts": []}
    prefix = f"error: {path}: contract C1: "
    assert imported.startswith(prefix), imported
    return imported.removeprefix(prefix)


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ('price = "1e30"', "rates[1].price: must be at most 1000000000000, got 1E+30"),
        ('price = "1e400"', "rates[1].price: must be at most 1000000000000, got 1E+400"),
        ("price = 1e400", "rates[1].price: must be at most 1000000000000, got 1E+400"),
        (f'price = "{HUGE}"', f"rates[1].price: must be at most 1000000000000, got {HUGE_SHOWN}"),
        (
            'price = "0.00000000001"',
            "rates[1].price: has more than 10 decimal places, got 1E-11",
        ),
        ('price = "150.00"\nper = "1e-30"', "rates[1].per: must be a whole number, got 1E-30"),
        ('price = "150.00"\nper = "2.5"', "rates[1].per: must be a whole number, got 2.5"),
        (
            'price = "150.00"\nper = "1e10"',
            "rates[1].per: must be at most 1000000000, got 1E+10",
        ),
    ],
)
def test_out_of_range_prices_and_per_are_refused(books: Books, new: str, expected: str) -> None:
    assert contract(books, C1_PRICE, new) == expected


def test_a_hundred_thousand_digit_integer_is_refused(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    path = books.write("C1.toml", fixtures.C1.replace(C1_PRICE, f"price = {HUGE}", 1))
    assert books.refused("contracts", "import", path) == (
        f"error: {path}: a number has more than 4300 digits"
    )


AMOUNTS = 'unauthorized_use_multiplier = "0.5"'


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ('retainer = "1e400"', "retainer: must be at most 1000000000000, got 1E+400"),
        (
            'retainer = "1000.005"',
            "retainer: has more than 2 decimal places (EUR's minor unit), got 1000.005",
        ),
        (
            '[minimum_guarantee]\namount = "1e400"\nperiod = "month"',
            "minimum_guarantee.amount: must be at most 1000000000000, got 1E+400",
        ),
        (
            '[cap]\namount = "1000000000000.01"\nperiod = "month"',
            "cap.amount: must be at most 1000000000000, got 1000000000000.01",
        ),
        (
            "[advance]\namount = 1e13\npaid_on = 2026-01-15",
            "advance.amount: must be at most 1000000000000, got 1E+13",
        ),
        (
            'unauthorized_use_multiplier = "1e6"',
            "unauthorized_use_multiplier: must be at most 100, got 1E+6",
        ),
        (
            'agency_commission = "1e-400"',
            "agency_commission: has more than 10 decimal places, got 1E-400",
        ),
        (f'category = "{"c" * 201}"', "category: is 201 characters long; at most 200"),
    ],
)
def test_out_of_range_contract_amounts_are_refused(books: Books, terms: str, expected: str) -> None:
    indented = terms.replace("\n", "\n    ")
    if terms.startswith("["):  # a table: after the top-level keys, before [[rates]]
        assert contract(books, "[[rates]]", f"{indented}\n\n    [[rates]]") == expected
    elif terms.startswith("unauthorized_use_multiplier"):  # C1 has one: replace it
        assert contract(books, AMOUNTS, terms) == expected
    else:
        assert contract(books, AMOUNTS, f"{AMOUNTS}\n    {indented}") == expected


def test_amounts_within_the_limits_import_and_settle(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    text = fixtures.C1.replace(AMOUNTS, f'{AMOUNTS}\nretainer = "1000000000000.00"', 1).replace(
        C1_PRICE, 'price = "0.0035"', 1
    )
    books.ok("contracts", "import", books.write("C1.toml", text))
    books.ok("ingest", books.write("b1.csv", fixtures.B1_LOG), "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    data = books.ok("statements", "data", "2026-03", "--party", "t1")
    [c1] = data["contracts"]
    assert c1["retainer"] == "1000000000000.00"
    # p1 and p2 (social) at 0.0035 each; p3 and p5 (web) at 100.00; p4 (US) is out of scope,
    # at 0.0035 x 0.5.
    publications = [line for line in c1["lines"] if line["metric"] == "publications"]
    assert sorted(line["amount"] for line in publications) == ["0.00", "0.01", "200.00"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('min_payout = "1000.00"', 'min_payout = "1e400"',
         "talents[2] t2: min_payout: must be at most 1000000000000, got 1E+400"),
        ('min_payout = "1000.00"', 'min_payout = "1000.001"',
         "talents[2] t2: min_payout: has more than 2 decimal places (EUR's minor unit), "
         "got 1000.001"),
        ('withholding_rate = "0.10"', 'withholding_rate = "0.1000000000001"',
         "talents[1] t1: withholding_rate: has more than 10 decimal places, got 0.1000000000001"),
        ('name = "Анна"', f'name = "{"A" * 10_000_000}"',
         "talents[2] t2: name: is 10000000 characters long; at most 200"),
        ('category = "beauty"', f'category = "{"b" * 201}"',
         "brands[2] b2: category: is 201 characters long; at most 200"),
    ],
)  # fmt: skip
def test_out_of_range_party_values_are_refused(
    books: Books, old: str, new: str, expected: str
) -> None:
    assert old in fixtures.PARTIES
    path = books.write("parties.toml", fixtures.PARTIES.replace(old, new, 1))
    assert books.refused("parties", "import", path) == f"error: {path}: {expected}"
    assert books.ok("contracts", "list") == {"contracts": []}


def test_a_talent_name_of_the_longest_length_imports_and_renders(books: Books) -> None:
    name = "Ж" * 200
    books.ok(
        "parties", "import", books.write("parties.toml", fixtures.PARTIES.replace("Анна", name))
    )
    books.write("contracts/C2.toml", fixtures.C2)
    books.ok("contracts", "import", books.files / "contracts")
    books.ok("ingest", books.write("b2.csv", fixtures.B2_LOG), "--brand", "b2")
    books.ok("settle", "run", "2026-03")
    assert books.ok("statements", "data", "2026-03", "--party", "t2")["party"]["name"] == name
    out = books.files / "out"
    books.ok("statements", "render", "2026-03", "--party", "t2", "--out", out)
    assert [p.name for p in out.iterdir()] == ["ST-2026-03-T-t2.pdf"]


def test_list_of_strings_is_bounded(books: Books) -> None:
    categories = ", ".join(f'"c{n}"' for n in range(1001))
    text = fixtures.PARTIES.replace(
        'min_payout = "1000.00"', f"restricted_categories = [{categories}]"
    )
    path = books.write("parties.toml", text)
    assert books.refused("parties", "import", path) == (
        f"error: {path}: talents[2] t2: restricted_categories: has 1001 items; at most 1000"
    )


@pytest.mark.parametrize("hours", ["0", "8761", "100000000"])
def test_access_grant_ttl_is_bounded(books: Books, hours: str) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    assert books.refused("access", "grant", "--party", "t1", "--ttl-hours", hours) == (
        f"error: a sign-in link lasts 1 to 8760 hours (a year), not {hours}"
    )
    assert books.ok("access", "list")["grants"] == []


def test_access_grant_for_a_year_is_accepted(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    grant = books.ok("access", "grant", "--party", "t1", "--ttl-hours", "8760")
    assert grant["party"] == {"type": "talent", "id": "t1"}
    created = datetime.fromisoformat(grant["created_at"])
    assert datetime.fromisoformat(grant["expires_at"]) - created == timedelta(hours=8760)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1e400", "an adjustment is at most 1000000000000 either way, not 1e400"),
        (f"-{HUGE}", f"an adjustment is at most 1000000000000 either way, not -{HUGE_SHOWN[:39]}"
         "…(100001 characters)"),
    ],
)  # fmt: skip
def test_adjustment_amounts_are_bounded(books: Books, amount: str, expected: str) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    message = books.refused(
        "adjust", "2026-03", "--party", "t1", "--amount", amount, "--currency", "EUR",
        "--reason", "bonus", "--by", "anna",
    )  # fmt: skip
    assert message == f"error: {expected}"


def test_adjustment_reason_is_bounded(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    message = books.refused(
        "adjust", "2026-03", "--party", "t1", "--amount", "10.00", "--currency", "EUR",
        "--reason", "r" * 501, "--by", "anna",
    )  # fmt: skip
    assert message == "error: an adjustment's reason is 501 characters; at most 500"


def test_a_computed_amount_beyond_28_digits_is_refused_not_rounded(books: Books) -> None:
    """The most each value may be, many times over: settle refuses the period in one line."""
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    text = fixtures.C1.replace('per = 1000\n    price = "2.50"', 'price = "1000000000000"')
    books.ok("contracts", "import", books.write("C1.toml", text))
    rows = [
        f"i{n},2026-03-15T12:00:00Z,impressions,w1,a1,web,NO,still,1000000000000,"
        for n in range(100)
    ]
    books.ok("ingest", books.write("b1.csv", "\n".join([fixtures.HEADER, *rows]) + "\n"),
             "--brand", "b1")  # fmt: skip
    assert books.refused("settle", "run", "2026-03") == (
        "error: EUR amount 100000000000000000000000000 is too large to compute exactly "
        "(more than 28 significant digits)"
    )
    assert books.ok("settle", "status", "2026-03")["status"] == "open"
