"""Invoice and credit note numbers (SPEC 4.3.1): gapless series, one counter row per series.

``take`` runs inside the `settle close` transaction. It makes sure the series' row exists
(insert, ignoring a row another transaction made), then advances it with one
``UPDATE … SET last = last + 1 … RETURNING last``: the update locks the row until the close
commits, so concurrent closes on PostgreSQL wait for each other's numbers instead of sharing
one, and a close that rolls back gives its numbers back. A number once committed is never
given again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from ledger.storage.tables import DocumentNumberRow


def _ensure(session: Session, series: str) -> None:
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(maker(DocumentNumberRow).values(series=series, last=0).on_conflict_do_nothing())


def take(session: Session, series: Iterable[str]) -> list[int]:
    """The next number of each series, in order (a series named twice advances twice)."""
    taken = []
    for name in series:
        _ensure(session, name)
        statement = (
            update(DocumentNumberRow)
            .where(col(DocumentNumberRow.series) == name)
            .values(last=col(DocumentNumberRow.last) + 1)
            .returning(col(DocumentNumberRow.last))
        )
        taken.append(int(session.execute(statement).scalar_one()))
    return taken


def last_numbers(session: Session) -> dict[str, int]:
    """Every series and the last number it gave."""
    return {row.series: row.last for row in session.exec(select(DocumentNumberRow))}
