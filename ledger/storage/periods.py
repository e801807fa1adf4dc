"""The period repository: which periods are closed, and the refusal to write into one.

A period row is ``draft`` after `settle run` and ``closed`` after `settle close`; a period without
a row is open. Nothing of a closed period, nor of a period before one, is ever settled again.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.period import Period
from ledger.storage.tables import PeriodRow

CLOSED = "closed"
LATE = "late events and corrections are settled in the next open period as prior-period adjustments"


def closes(session: Session) -> list[tuple[str, str]]:
    """Every closed period and when it closed: what a settlement computed from must still hold
    when it is written."""
    query = select(PeriodRow.period, PeriodRow.closed_at).where(PeriodRow.status == CLOSED)
    return sorted((period, str(at)) for period, at in session.exec(query).all())


def is_closed(session: Session, period: str) -> bool:
    row = session.get(PeriodRow, period)
    return row is not None and row.status == CLOSED


def closed_periods(session: Session) -> list[Period]:
    """Every closed period, oldest first."""
    query = select(PeriodRow.period).where(PeriodRow.status == CLOSED)
    return sorted(Period(p) for p in session.exec(query).all())


def closed_rows(session: Session) -> list[PeriodRow]:
    """The rows of every closed period, oldest first."""
    query = select(PeriodRow).where(PeriodRow.status == CLOSED).order_by(col(PeriodRow.period))
    return list(session.exec(query).all())


def latest_closed(session: Session, before: str | None = None) -> PeriodRow | None:
    """The row of the newest closed period (before ``before``, if given)."""
    query = select(PeriodRow).where(PeriodRow.status == CLOSED)
    if before is not None:
        query = query.where(PeriodRow.period < before)
    return session.exec(query.order_by(col(PeriodRow.period).desc())).first()


def first_closed_after(session: Session, period: str) -> str | None:
    query = select(PeriodRow.period).where(PeriodRow.status == CLOSED, PeriodRow.period > period)
    return session.exec(query.order_by(col(PeriodRow.period))).first()


def refuse_if_closed(
    session: Session, period: str, remedy: str = LATE, consequence: str = "it cannot be settled"
) -> None:
    """Refuse ``period`` when it is closed or precedes a closed period."""
    if is_closed(session, period):
        raise LedgerError(f"period {period} is closed; {remedy}")
    later = first_closed_after(session, period)
    if later:
        ending = f"; {consequence}" if consequence else ""
        raise LedgerError(f"period {period} precedes closed period {later}{ending}")
