"""VAT on the royalties a brand is invoiced (SPEC 4.3.1): which case applies, at which rate.

B2B services follow the general place-of-supply rule (Article 44, Directive 2006/112/EC):
- issuer and customer in the same country: that country's standard rate (`domestic`, category S);
- customer in another EU member state (issuer in the EU): reverse charge, 0 % (category AE);
- customer outside the EU: outside the scope of EU VAT, 0 % (category O);
- an issuer not registered for VAT charges none (category O).
VAT is computed on a document's net total per rate and rounded once, half-even, in the currency's
minor unit. Pure: no storage, no configuration files (the rates come in as a mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ledger.domain import Address
from ledger.money import round_money
from ledger.vat_rates import EU, STANDARD_RATES

__all__ = ["EU", "STANDARD_RATES", "Treatment", "treatment", "vat_amount"]

REVERSE_CHARGE = (
    "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC)"
)
OUTSIDE_EU = (
    "Outside the scope of EU VAT: services to a customer established outside the EU "
    "(Article 44, Directive 2006/112/EC)"
)
OUTSIDE_SCOPE = "VAT not charged: the place of supply is outside the issuer's country"
NOT_REGISTERED = "VAT not charged: the issuer is not registered for VAT"


@dataclass(frozen=True)
class Treatment:
    """How one document is taxed. ``case`` is domestic, reverse_charge, outside_eu,
    outside_scope, not_registered or unknown (an address or a rate is missing: the document
    cannot be closed, ``ledger.settlement.invoicing`` names what is missing)."""

    case: str
    category: str  # EN 16931 / UNTDID 5305: S, AE, O
    rate: Decimal
    mention: str | None
    country: str | None  # the issuer's country, where its VAT is payable


def treatment(
    issuer_registered: bool,
    issuer_address: Address | None,
    customer_address: Address | None,
    rates: Mapping[str, Decimal],
) -> Treatment:
    """The VAT case of a supply from the issuer to the customer (a brand)."""
    if not issuer_registered:
        return Treatment("not_registered", "O", Decimal(0), NOT_REGISTERED, None)
    if issuer_address is None or customer_address is None:
        return Treatment("unknown", "S", Decimal(0), None, None)
    home, away = issuer_address.country, customer_address.country
    if home == away:
        if home not in rates:
            return Treatment("unknown", "S", Decimal(0), None, home)
        return Treatment("domestic", "S", rates[home], None, home)
    if home in EU and away in EU:
        return Treatment("reverse_charge", "AE", Decimal(0), REVERSE_CHARGE, home)
    if away not in EU:
        return Treatment("outside_eu", "O", Decimal(0), OUTSIDE_EU, home)
    return Treatment("outside_scope", "O", Decimal(0), OUTSIDE_SCOPE, home)


def vat_amount(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """VAT on a net total at one rate, rounded once (half-even, minor units); signs kept."""
    return round_money(net * rate, currency)
