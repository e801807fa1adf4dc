"""Withdrawal of a talent's consent to a twin (`twins revoke`).

The twin's ``revoked_on`` is set, so rating makes its uses from that day on UNLICENSED (as a
``revoked_on`` in the parties file does); the withdrawal is recorded with its reason, and a
``twin.revoked`` webhook message goes, in the same transaction, to every brand with a contract
for the twin and to the talent's agency.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from ledger.errors import LedgerError
from ledger.storage.api_tables import TwinRevocationRow
from ledger.storage.db import writing
from ledger.storage.periods import latest_closed
from ledger.storage.repo import iso, now
from ledger.storage.tables import ContractRow, TalentRow, TwinRow
from ledger.webhooks.outbox import enqueue
from ledger.workspace import Workspace

MAX_REASON = 500


def licensed_brands(session: Session, twin: str) -> list[str]:
    """Every brand with a contract (any revision) for the twin."""
    query = select(ContractRow.brand).where(ContractRow.twin == twin).distinct()
    return sorted(set(session.exec(query).all()))


def revoke_twin(workspace: Workspace, twin_id: str, on: date, reason: str) -> dict[str, Any]:
    """Record that consent to ``twin_id`` is withdrawn from ``on`` on; returns what was recorded
    and who was told."""
    reason = reason.strip()
    if not reason:
        raise LedgerError("a withdrawal needs a reason")
    if len(reason) > MAX_REASON:
        raise LedgerError(f"reason: is {len(reason)} characters long; at most {MAX_REASON}")
    with writing(workspace.engine) as session:
        twin = session.get(TwinRow, twin_id)
        if twin is None:
            raise LedgerError(f"unknown twin {twin_id!r}")
        if twin.revoked_on is not None and twin.revoked_on <= on:
            raise LedgerError(f"twin {twin_id} is revoked already, on {twin.revoked_on}")
        if twin.created_on is not None and on < twin.created_on:
            raise LedgerError(f"{on} is before the twin was created ({twin.created_on})")
        closed = latest_closed(session)
        if closed is not None and on.strftime("%Y-%m") <= closed.period:
            raise LedgerError(
                f"{on} is in closed period {closed.period}; a withdrawal takes effect in an "
                "open period"
            )
        recorded_at = now()
        twin.revoked_on = on
        session.add(twin)
        session.add(
            TwinRevocationRow(twin=twin_id, revoked_on=on, reason=reason, recorded_at=recorded_at)
        )
        talent = session.get(TalentRow, twin.talent)
        agency = talent.agency if talent is not None else None
        brands = licensed_brands(session, twin_id)
        data = {
            "twin": twin_id,
            "talent": twin.talent,
            "revoked_on": on.isoformat(),
            "recorded_at": iso(recorded_at),
        }
        for brand in brands:
            enqueue(session, "brand", brand, "twin.revoked", data)
        if agency:
            enqueue(session, "agency", agency, "twin.revoked", data)
    return data | {"reason": reason, "brands": brands, "agency": agency}
