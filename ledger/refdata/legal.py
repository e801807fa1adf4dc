"""The invoicing data of a party (SPEC 1.1): legal name, postal address, VAT id, VAT registration.

All optional at import; an invoice that legally needs one of them is refused at `settle close`
(``ledger.settlement.invoicing``). A VAT id is checked with python-stdnum against the rules of the
country its prefix names (``SE…``, ``DE…``, ``EL…`` for Greece, ``NO…MVA``, ``GB…``, ``CHE…``)
and stored in its compact form with the prefix.
"""

from __future__ import annotations

from typing import Any

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

from ledger.domain import Address, Agency, Talent
from ledger.refdata.countries import is_territory
from ledger.refdata.tomlread import Fields

KEYS = ("legal_name", "address", "vat_id")
"""The invoicing keys every agency, talent and brand may have."""
REGISTRABLE = ("tax_registered",)
"""Keys of the parties that supply services to brands (talents and agencies)."""
_ADDRESS_KEYS = ("lines", "postal_code", "city", "country")
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
"""VAT id prefixes that are not the ISO country code of the address."""


def vat_country(vat_id: str) -> str:
    """The ISO 3166-1 country of a (compact) VAT id: its prefix, with Greece's EL as GR."""
    prefix = vat_id[:2].upper()
    return _VAT_PREFIX_COUNTRY.get(prefix, prefix)


def check_vat_id(value: str) -> tuple[str | None, str | None]:
    """(compact VAT id, None) when valid, else (None, why it is not)."""
    text = value.strip().upper()
    prefix = text[:2]
    if len(text) < 3 or not prefix.isalpha():
        return None, f"{value!r} does not start with a country prefix such as 'SE' or 'DE'"
    try:
        if vat_country(prefix).lower() in eu_vat.MEMBER_STATES:
            return str(eu_vat.validate(text)), None
        module = get_cc_module(prefix.lower(), "vat")
        if module is None:
            return None, f"{value!r}: no VAT id rules are known for the prefix {prefix!r}"
        number = str(module.validate(text))
        return (number if number.startswith(prefix) else prefix + number), None
    except ValidationError as error:
        return None, f"{value!r} is not a valid {prefix} VAT id ({error})"


def _address(f: Fields) -> Address | None:
    table = f.table_at("address")
    if table is None:
        return None
    nested = f.nested("address", table)
    before = len(f.problems)
    nested.check_keys(("lines", "city", "country"), ("postal_code",))
    lines = nested.texts("lines", non_empty=True)
    postal_code = nested.text("postal_code")
    city = nested.name("city")
    country = nested.text("country")
    if country is not None and not is_territory(country):
        nested.problem("country", f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if len(f.problems) > before or lines is None or city is None or country is None:
        return None
    for line in lines:
        if any(ord(c) < 32 for c in line):
            nested.problem("lines", "must not contain control characters such as line breaks")
            return None
    return Address(lines, postal_code, city, country)


def legal_fields(f: Fields, registrable: bool) -> dict[str, Any]:
    """The invoicing keys of one party record as keyword arguments of its domain record
    (problems recorded on ``f``)."""
    values: dict[str, Any] = {
        "legal_name": f.name("legal_name"),
        "address": _address(f),
        "vat_id": None,
    }
    raw = f.text("vat_id")
    if raw is not None:
        vat_id, why = check_vat_id(raw)
        if why is not None:
            f.problem("vat_id", why)
        values["vat_id"] = vat_id
        address = values["address"]
        if vat_id and address is not None and vat_country(vat_id) != address.country:
            f.problem(
                "vat_id",
                f"{vat_id} is a {vat_country(vat_id)} VAT id but the address is in "
                f"{address.country}",
            )
    if registrable:
        values["tax_registered"] = bool(f.flag("tax_registered"))
    return values


def legal_gaps(party: Agency | Talent) -> list[str]:
    """The fields an invoice names its seller (or a self-billed one its buyer) by, that
    ``party`` lacks: legal name, address, VAT id."""
    fields = (
        ("legal_name", party.legal_name),
        ("address", party.address),
        ("vat_id", party.vat_id),
    )
    return [field for field, value in fields if not value]
