"""Money: Decimal construction, ISO 4217 minor units and the one rounding rule.

Every amount in twinledger is a ``Decimal``. Floats are refused at construction so that a binary
fraction can never leak into a ledger figure. Rounding happens only where SPEC 4.2 says (once per
priced line and per economic component), always to the currency's ISO 4217 minor unit with
ROUND_HALF_EVEN.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.core import get_global

from ledger.errors import LedgerError

# ISO 4217 minor units (the standard's own table, not CLDR's display digits: HUF, IDR, COP are 2,
# IQD is 3). Every active code is listed so that an unknown currency is an error, never a guess.
# BGN is not: Bulgaria adopted the euro on 2026-01-01 and the lev ceased to be legal tender on
# 2026-01-31, so it is a withdrawn code (below) like HRK.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR
    LRD LSL MAD MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB
    PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG
    """.split(),
        2,
    ),
    **dict.fromkeys(
        """
    BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF
    """.split(),
        0,
    ),
    **dict.fromkeys(
        """
    BHD IQD JOD KWD LYD OMR TND
    """.split(),
        3,
    ),
    **dict.fromkeys(
        """
    CLF UYW
    """.split(),
        4,
    ),
    # MGA's minor unit (iraimbilanja = 1/5 ariary) is not decimal; ISO 4217 lists it as 2.
    "MGA": 2,
}


def _withdrawn() -> frozenset[str]:
    """Codes of currencies that a territory once used and no longer does (ISO 4217 list three).

    Taken from CLDR's history of each territory's currencies, as Babel ships it, rather than kept
    by hand: CLDR records each currency a territory used with the date it ceased to be tender
    (CYP to 2008-01-31, HRK to 2023-01-14, BGN to 2026-01-31, ...). The set also holds a few
    pre-ISO codes that CLDR gives to old currencies; none of them is an active code. The codes
    taken out of the active table above are added whatever CLDR version is installed.
    """
    history = get_global("territory_currencies")
    ended = {code for entries in history.values() for code, _, until, *_ in entries if until}
    return frozenset((ended | {"BGN", "HRK"}) - MINOR_UNITS.keys())


# Withdrawn ISO 4217 codes: valid in historic data (the ECB's rate history has columns for CYP,
# EEK, TRL, HRK, ...) but never the currency of a party or a contract.
WITHDRAWN: frozenset[str] = _withdrawn()


# Bounds of the figures that reference data may give (SPEC 8). Amounts stay far inside the 28
# significant digits of Decimal's default context, so sums and products of them stay exact.
MAX_AMOUNT = Decimal(10) ** 12
"""The largest amount (retainer, minimum guarantee, cap, advance, min_payout, price)."""
PRICE_PLACES = 10
"""Decimal places a price may have: prices per unit may be finer than the minor unit."""
MAX_SHOWN = 40
"""Characters of a refused value quoted in a message; longer values are shortened."""


class MoneyError(ValueError):
    """A value that cannot be money (a float, garbage text, an unknown currency)."""


class AmountOutOfRange(LedgerError):
    """A computed amount too large to be rounded exactly (beyond 28 significant digits)."""


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` as quoted in a message: a huge value keeps its start and says how long it is.

    >>> shorten("1" * 100_000)
    '1111111111111111111111111111111111111111…(100000 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} characters)"


def decimal_places(value: Decimal) -> int:
    """Decimal places that carry a digit: "150.00" has 0, "0.0035" has 4, "1E+3" has 0."""
    _, digits, exponent = value.as_tuple()
    places = -int(exponent)
    end = len(digits)
    while places > 0 and end > 1 and digits[end - 1] == 0:
        end, places = end - 1, places - 1
    return max(places, 0)


def dec(value: object) -> Decimal:
    """Exact Decimal from a str, int or Decimal; floats are refused.

    >>> dec("150.00")
    Decimal('150.00')
    """
    if isinstance(value, bool | float):
        raise MoneyError(f"{value!r} is a float; give money and rates as strings or integers")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a decimal number") from None
    else:
        raise MoneyError(f"{value!r} is not a decimal number")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return result


def is_currency(code: str) -> bool:
    """An active ISO 4217 code: the only kind a party or a contract may use."""
    return code in MINOR_UNITS


def is_withdrawn_currency(code: str) -> bool:
    """An ISO 4217 code of a currency no longer in use (CYP, DEM, HRK, BGN, ...)."""
    return code in WITHDRAWN


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r} (not an ISO 4217 code)") from None


@functools.cache
def quantum(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal (0.01, 1, 0.001): asked for once per amount
    rounded, so kept per currency."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half to even (the only rounding rule of the ledger).

    An amount too large to round exactly raises ``AmountOutOfRange``: it is refused, never
    rounded to something else.
    """
    try:
        return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN) + 0
    except InvalidOperation:
        shown = shorten(str(amount))
        raise AmountOutOfRange(
            f"{currency} amount {shown} is too large to compute exactly "
            "(more than 28 significant digits)"
        ) from None


def format_amount(amount: Decimal, currency: str) -> str:
    """Plain machine form in the currency's minor units: "4358.39", "500000", "1.250"."""
    return str(round_money(amount, currency))


def zero(currency: str) -> Decimal:
    return round_money(Decimal(0), currency)
