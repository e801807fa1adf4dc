"""Bank accounts: IBAN and BIC, checked with schwifty (checksum, country structure, BIC form)
and kept in their compact form (``DE89370400440532013000``)."""

from __future__ import annotations

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from ledger.refdata.tomlread import Fields


def _reason(error: Exception) -> str:
    text = str(error).rstrip(".")
    return text[:1].lower() + text[1:]


def iban_problem(value: str) -> str | None:
    """Why ``value`` is not an IBAN (None: it is one)."""
    try:
        IBAN(value)
    except SchwiftyException as error:
        return f"{value!r} is not a valid IBAN: {_reason(error)}"
    return None


def in_sepa_zone(value: str) -> bool:
    """Whether a valid IBAN's country takes SEPA credit transfers."""
    return bool(IBAN(value).in_sepa_zone)


def compact_iban(value: str) -> str:
    return str(IBAN(value).compact)


def bic_problem(value: str) -> str | None:
    try:
        BIC(value)
    except SchwiftyException as error:
        return f"{value!r} is not a valid BIC: {_reason(error)}"
    return None


def compact_bic(value: str) -> str:
    return str(BIC(value).compact)


def bank_account(f: Fields) -> tuple[str | None, str | None]:
    """The record's optional ``iban`` and ``bic``, compact; a bad one is a problem on its key."""
    iban, bic = f.text("iban"), f.text("bic")
    if iban is not None and (problem := iban_problem(iban)) is not None:
        f.problem("iban", problem)
        iban = None
    if bic is not None and (problem := bic_problem(bic)) is not None:
        f.problem("bic", problem)
        bic = None
    if bic is not None and iban is None and not f.has("iban"):
        f.problem("bic", "a BIC needs an iban beside it")
    return (
        compact_iban(iban) if iban is not None else None,
        compact_bic(bic) if bic is not None else None,
    )
