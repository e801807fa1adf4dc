"""Small contracts for the economics tests."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from ledger.domain import Amendment, Contract, Terms

BASE_TERMS = Terms(territories=("SE",), channels=("social",))


def make_contract(
    start: date = date(2026, 1, 1),
    end: date = date(2026, 12, 31),
    currency: str = "EUR",
    amendments: tuple[tuple[date, dict], ...] = (),
    **terms,
) -> Contract:
    """A contract with BASE_TERMS updated by ``terms``; each amendment restates some of them."""
    base = replace(BASE_TERMS, **terms)
    versions = []
    current = base
    for effective, changes in amendments:
        current = replace(current, **changes)
        versions.append(Amendment(effective, current))
    return Contract("C-1", "zephyr", "liv-s-twin-1", currency, start, end, base, tuple(versions))


def usage(**by_month: str) -> dict[str, Decimal]:
    """usage(jan="100.00") -> {"2026-01": Decimal("100.00")}."""
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    return {f"2026-{months.index(k) + 1:02d}": Decimal(v) for k, v in by_month.items()}
