"""Parties file (SPEC 1.1): parsed values, defaults, and one test per validation rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain import Agency, Brand, Parties, Talent, Twin
from ledger.refdata.parties import merge_parties, parse_parties

from .conftest import Write

AGENCY = """
    [[agencies]]
    id = "nordlys"
    name = "Nordlys"
    currency = "SEK"
    commission = "0.20"
"""


def test_spec_example_parses_to_exact_records(parties: Parties) -> None:
    assert parties.agencies == (
        Agency("nordlys", "Nordlys Model Management", "SEK", Decimal("0.20"), "en"),
    )
    liv, ana = parties.talents
    assert liv == Talent(
        id="liv-s",
        name="Liv Sandström",
        payout_currency="SEK",
        agency="nordlys",
        withholding_rate=Decimal("0"),
        min_payout=Decimal("500.00"),
        restricted_categories=("alcohol", "politics"),
    )
    assert str(liv.min_payout) == "500.00"
    assert ana == Talent("ana-k", "Ана Ковалёва", "EUR")
    assert parties.brands[0] == Brand("zephyr", "Zephyr & Co", "EUR", "apparel", "en")
    assert parties.twins == (
        Twin("liv-s-twin-1", "liv-s", date(2026, 1, 10), date(2026, 12, 1)),
        Twin("ana-k-twin-1", "ana-k"),
    )


def test_defaults_numbers_and_locales(write: Write) -> None:
    path = write(
        "p.toml",
        """
        [[agencies]]
        id = "a1"
        name = "A"
        currency = "JPY"
        commission = 0.15
        locale = "sv-SE"

        [[talents]]
        id = "t1"
        name = "Ελένη"
        payout_currency = "EUR"
        min_payout = 100
        locale = "el"

        [[brands]]
        id = "b1"
        name = "B"
        currency = "USD"
        locale = "ja"
        """,
    )
    parties, problems = parse_parties(path)
    assert problems == []
    assert parties.agencies[0].commission == Decimal("0.15")
    assert isinstance(parties.agencies[0].commission, Decimal)
    assert parties.agencies[0].locale == "sv_SE"
    talent = parties.talents[0]
    assert (talent.agency, talent.withholding_rate, talent.min_payout) == (None, 0, Decimal(100))
    assert talent.restricted_categories == ()
    assert talent.locale == "el"
    assert (parties.brands[0].category, parties.brands[0].locale) == ("general", "ja")


def test_references_may_point_at_stored_parties(write: Write) -> None:
    stored = Parties(
        agencies=(Agency("nordlys", "N", "SEK", Decimal("0.2")),),
        talents=(Talent("liv-s", "Liv", "SEK"),),
    )
    path = write(
        "p.toml",
        """
        [[talents]]
        id = "ana-k"
        name = "Ana"
        payout_currency = "EUR"
        agency = "nordlys"

        [[twins]]
        id = "liv-s-twin-2"
        talent = "liv-s"
        """,
    )
    parties, problems = parse_parties(path, existing=stored)
    assert problems == []
    assert parties.talents[0].agency == "nordlys"
    assert parties.twins[0].talent == "liv-s"


def test_merge_parties_upserts_by_id() -> None:
    old = Parties(
        agencies=(Agency("a", "Old", "SEK", Decimal("0.2")), Agency("b", "B", "EUR", Decimal(0))),
        brands=(Brand("z", "Z", "EUR"),),
    )
    new = Parties(
        agencies=(
            Agency("c", "C", "USD", Decimal("0.1")),
            Agency("a", "New", "SEK", Decimal("0.25")),
        ),
        twins=(Twin("t", "x"),),
    )
    merged = merge_parties(old, new)
    assert [(a.id, a.name) for a in merged.agencies] == [("a", "New"), ("b", "B"), ("c", "C")]
    assert merged.brands == old.brands
    assert merged.twins == new.twins


def _problems(write: Write, text: str) -> list[str]:
    path = write("parties.toml", text)
    _, problems = parse_parties(path)
    return [str(p).replace(str(path), "parties.toml") for p in problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'id = "Nordlys"',
            "parties.toml: agencies[1] Nordlys: id: 'Nordlys' is not a valid id: use 1 to 64 "
            "lowercase letters, digits or '-', starting with a letter or digit",
        ),
        (
            'id = "-x"',
            "parties.toml: agencies[1] -x: id: '-x' is not a valid id: use 1 to 64 "
            "lowercase letters, digits or '-', starting with a letter or digit",
        ),
        (
            'currency = "EURO"',
            "parties.toml: agencies[1] nordlys: currency: 'EURO' is not an ISO 4217 currency code",
        ),
        (
            'commission = "1.5"',
            "parties.toml: agencies[1] nordlys: commission: must be between 0 and 1, got 1.5",
        ),
        (
            "commission = true",
            "parties.toml: agencies[1] nordlys: commission: must be a number or a decimal string "
            'such as "0.20", not a boolean',
        ),
        (
            'commission = "abc"',
            "parties.toml: agencies[1] nordlys: commission: 'abc' is not a decimal number",
        ),
        (
            'locale = "xx"',
            "parties.toml: agencies[1] nordlys: locale: 'xx' is not a locale "
            "(such as 'en', 'sv_SE' or 'ja')",
        ),
        (
            'name = "  "',
            "parties.toml: agencies[1] nordlys: name: must not be empty",
        ),
        (
            'name = "Nord\\nlys"',
            "parties.toml: agencies[1] nordlys: name: must not contain control characters such "
            "as line breaks",
        ),
        (
            "comission = 0.2",
            "parties.toml: agencies[1] nordlys: comission: unknown key; did you mean 'commission'?",
        ),
    ],
)
def test_agency_field_rules(write: Write, text: str, expected: str) -> None:
    key = text.split(" = ")[0]
    lines = [line for line in AGENCY.splitlines() if not line.strip().startswith(key + " ")]
    assert _problems(write, "\n".join([*lines, "    " + text])) == [expected]


def test_required_keys_are_named(write: Write) -> None:
    problems = _problems(write, '[[talents]]\nid = "liv-s"\n')
    assert problems == [
        "parties.toml: talents[1] liv-s: name: required key is missing",
        "parties.toml: talents[1] liv-s: payout_currency: required key is missing",
    ]


def test_talent_rules(write: Write) -> None:
    text = """
        [[talents]]
        id = "ok"
        name = "Ok"
        payout_currency = "SEK"

        [[talents]]
        id = "liv-s"
        name = "Liv"
        payout_currency = "SEK"
        agency = "nowhere"
        withholding_rate = "-0.1"
        min_payout = "-1"
        restricted_categories = "alcohol"
    """
    assert _problems(write, text) == [
        "parties.toml: talents[2] liv-s: agency: unknown agency 'nowhere'",
        "parties.toml: talents[2] liv-s: withholding_rate: must be between 0 and 1, got -0.1",
        "parties.toml: talents[2] liv-s: min_payout: must be at least 0, got -1",
        "parties.toml: talents[2] liv-s: restricted_categories: must be an array of strings, "
        "not a string",
    ]


def test_twin_rules(write: Write) -> None:
    text = """
        [[twins]]
        id = "t1"
        talent = "nobody"
        created_on = "2026-01-10"

        [[twins]]
        id = "t2"
        talent = "nobody"
        created_on = 2026-02-01
        revoked_on = 2026-01-01T00:00:00
    """
    assert _problems(write, text) == [
        "parties.toml: twins[1] t1: talent: unknown talent 'nobody'",
        "parties.toml: twins[1] t1: created_on: must be a TOML date such as 2026-01-10 "
        "(write it unquoted), not a string",
        "parties.toml: twins[2] t2: talent: unknown talent 'nobody'",
        "parties.toml: twins[2] t2: revoked_on: must be a TOML date such as 2026-01-10, "
        "not a date-time",
    ]


def test_revoked_before_created(write: Write) -> None:
    text = """
        [[talents]]
        id = "liv-s"
        name = "Liv"
        payout_currency = "SEK"

        [[twins]]
        id = "t1"
        talent = "liv-s"
        created_on = 2026-02-01
        revoked_on = 2026-01-31
    """
    assert _problems(write, text) == [
        "parties.toml: twins[1] t1: revoked_on: 2026-01-31 is before created_on 2026-02-01"
    ]


def test_duplicate_ids_and_shared_party_id_space(write: Write) -> None:
    text = (
        AGENCY
        + AGENCY
        + """
        [[brands]]
        id = "nordlys"
        name = "Nordlys Brand"
        currency = "EUR"
    """
    )
    assert _problems(write, text) == [
        "parties.toml: agencies[2] nordlys: id: duplicate id 'nordlys'; agencies[1] nordlys "
        "already uses it",
        "parties.toml: brands[1] nordlys: id: duplicate id 'nordlys'; agencies[1] nordlys "
        "already uses it",
    ]


def test_id_used_by_a_stored_party_of_another_kind(write: Write) -> None:
    stored = Parties(brands=(Brand("nordlys", "N", "EUR"),))
    path = write("p.toml", AGENCY)
    _, problems = parse_parties(path, existing=stored)
    assert [str(p) for p in problems] == [
        f"{path}: agencies[1] nordlys: id: id 'nordlys' is already used by the stored brand"
    ]


def test_unknown_section_and_every_problem_is_returned(write: Write) -> None:
    text = """
        [[agency]]
        id = "x"

        [[brands]]
        id = "b1"
        name = "B"
        currency = "XXX"

        [[brands]]
        id = "b2"
        name = "B"
        currency = "EUR"
        categroy = "apparel"
    """
    assert _problems(write, text) == [
        "parties.toml: agency: unknown key; did you mean 'agencies'?",
        "parties.toml: brands[1] b1: currency: 'XXX' is not an ISO 4217 currency code",
        "parties.toml: brands[2] b2: categroy: unknown key; did you mean 'category'?",
    ]


def test_records_with_problems_are_left_out(write: Write) -> None:
    path = write("p.toml", AGENCY + '\n[[brands]]\nid = "b"\nname = "B"\ncurrency = "?"\n')
    parties, problems = parse_parties(path)
    assert [a.id for a in parties.agencies] == ["nordlys"]
    assert parties.brands == ()
    assert len(problems) == 1


def test_toml_syntax_error_names_line_and_column(write: Write) -> None:
    path = write("bad.toml", '[[agencies]]\nid = "x"\nname = \n')
    parties, problems = parse_parties(path)
    assert parties == Parties()
    assert [str(p) for p in problems] == [
        f"{path}: line 3, column 8: TOML syntax error: Invalid value"
    ]


def test_unreadable_file(tmp_path) -> None:
    path = tmp_path / "missing.toml"
    _, problems = parse_parties(path)
    assert [str(p) for p in problems] == [f"{path}: no such file"]
