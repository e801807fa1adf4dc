"""What closed periods issued for each contract and month: the basis of prior-period adjustments.

Every closed settlement row of a contract for a month (its own figures, or an adjustment carried
by a later period) adds to what was issued for that month, component by component, exactly.
A settlement reads these rows for every month of the ledger's history, so they are read as the
database driver returns them and each distinct amount is converted to a Decimal once.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal

from sqlmodel import Session

from ledger.settlement.compute import COMPONENTS
from ledger.storage.db import driver_rows


def issued_before(
    session: Session, before: str, closed: set[str]
) -> dict[str, dict[str, dict[str, Decimal]]]:
    """contract id -> month -> component -> what the ``closed`` periods before ``before``
    issued for it (a month never issued is absent)."""
    rows = driver_rows(
        session,
        f"SELECT period, contract, origin, {', '.join(COMPONENTS)} FROM contract_settlements "
        "WHERE period < ?",
        before,
    )
    zero = Decimal(0)
    known: dict[Hashable, Decimal] = {}  # amount as the driver gives it -> 0 + its Decimal
    issued: dict[str, dict[str, dict[str, Decimal]]] = {}
    for period, contract, origin, *amounts in rows:
        if period not in closed:
            continue
        for amount in amounts:
            if amount not in known:  # decimal text on SQLite, Decimal on PostgreSQL
                known[amount] = zero + Decimal(amount)
        months = issued.setdefault(contract, {})
        values = months.get(origin)
        if values is None:
            months[origin] = {name: known[a] for name, a in zip(COMPONENTS, amounts, strict=True)}
        else:
            for name, amount in zip(COMPONENTS, amounts, strict=True):
                values[name] += known[amount]
    return issued
