"""The invoicing fields of parties (SPEC 1.1): legal name, address, VAT id, VAT registration."""

from __future__ import annotations

from ledger.domain import Address
from ledger.refdata.parties import parse_parties

from .conftest import Write

FULL = """
    [[agencies]]
    id = "nordlys"
    name = "Nordlys"
    currency = "SEK"
    commission = "0.20"
    legal_name = "Nordlys Model Management AB"
    address.lines = ["Sveavägen 1"]
    address.postal_code = "111 57"
    address.city = "Stockholm"
    address.country = "SE"
    vat_id = "se 5566778899 01"
    tax_registered = true

    [[talents]]
    id = "eleni"
    name = "Ελένη"
    payout_currency = "EUR"
    vat_id = "EL094259216"
    address = { lines = ["Odos 1"], city = "Αθήνα", country = "GR" }

    [[brands]]
    id = "zephyr"
    name = "Zephyr & Co"
    currency = "EUR"
    vat_id = "DE136695976"
    address.lines = ["Hauptstraße 5", "3. OG"]
    address.postal_code = "10115"
    address.city = "Berlin"
    address.country = "DE"
"""


def test_invoicing_fields_parse_to_exact_records(write: Write) -> None:
    parties, problems = parse_parties(write("p.toml", FULL))
    assert problems == []
    [agency] = parties.agencies
    assert agency.legal_name == "Nordlys Model Management AB"
    assert agency.address == Address(("Sveavägen 1",), "111 57", "Stockholm", "SE")
    assert (agency.vat_id, agency.tax_registered) == ("SE556677889901", True)
    [talent] = parties.talents
    assert (talent.vat_id, talent.tax_registered, talent.legal_name) == ("EL094259216", False, None)
    assert talent.address == Address(("Odos 1",), None, "Αθήνα", "GR")
    [brand] = parties.brands
    assert brand.vat_id == "DE136695976"
    assert brand.address == Address(("Hauptstraße 5", "3. OG"), "10115", "Berlin", "DE")


def _problems(write: Write, text: str) -> list[str]:
    path = write("p.toml", text)
    return [str(p).replace(str(path), "p.toml") for p in parse_parties(path)[1]]


def test_a_bad_vat_id_is_refused_naming_party_and_field(write: Write) -> None:
    bad = FULL.replace("DE136695976", "DE136695977")
    assert _problems(write, bad)[0].endswith(
        "p.toml: brands[1] zephyr: vat_id: 'DE136695977' is not a valid DE VAT id "
        "(The number's checksum or check digit is invalid.)"
    )
    no_prefix = FULL.replace('"DE136695976"', '"136695976"')
    assert _problems(write, no_prefix) == [
        "p.toml: brands[1] zephyr: vat_id: '136695976' does not start with a country prefix "
        "such as 'SE' or 'DE'"
    ]
    unknown = FULL.replace('"DE136695976"', '"US123456789"')
    assert _problems(write, unknown) == [
        "p.toml: brands[1] zephyr: vat_id: 'US123456789': no VAT id rules are known for the "
        "prefix 'US'"
    ]


def test_a_vat_id_of_another_country_than_the_address_is_refused(write: Write) -> None:
    moved = FULL.replace(
        'city = "Berlin"\n    address.country = "DE"', 'city = "Paris"\n    address.country = "FR"'
    )
    assert _problems(write, moved) == [
        "p.toml: brands[1] zephyr: vat_id: DE136695976 is a DE VAT id but the address is in FR"
    ]


def test_address_keys_are_checked(write: Write) -> None:
    no_city = FULL.replace('address.city = "Berlin"\n', "")
    assert _problems(write, no_city) == [
        "p.toml: brands[1] zephyr: address.city: required key is missing"
    ]
    bad_country = FULL.replace('address.country = "SE"', 'address.country = "XX"')
    assert _problems(write, bad_country)[0] == (
        "p.toml: agencies[1] nordlys: address.country: 'XX' is not an ISO 3166-1 alpha-2 "
        "country code"
    )
    typo = FULL.replace('postal_code = "111 57"', 'zip = "111 57"')
    assert "agencies[1] nordlys: address.zip: unknown key" in _problems(write, typo)[0]


def test_brands_are_never_tax_registered_and_flags_are_booleans(write: Write) -> None:
    brand = FULL.replace(
        '    currency = "EUR"\n    vat_id',
        '    currency = "EUR"\n    tax_registered = true\n    vat_id',
    )
    assert "brands[1] zephyr: tax_registered: unknown key" in _problems(write, brand)[0]
    text = FULL.replace("tax_registered = true", 'tax_registered = "yes"')
    assert _problems(write, text) == [
        "p.toml: agencies[1] nordlys: tax_registered: must be true or false, not a string"
    ]
