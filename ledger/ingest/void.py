"""Withdrawing a batch (`batches void`): a file ingested by mistake stops counting.

The batch's events stay in the store, with their lineage, for the closed periods that covered
them (their figures never change, and `explain` still shows them); from now on no settlement
rates them. If they fall in closed months, the next open month carries the reversal as
prior-period adjustments (SPEC 4.5), which may make a brand's document a credit note. The void is
an entry in the journal's hash chain (no postings), so the audit trail keeps who withdrew what and
why. The same file can then be ingested again, under the right brand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ledger.errors import LedgerError
from ledger.journal import post
from ledger.period import Period
from ledger.storage.db import writing
from ledger.storage.periods import latest_closed
from ledger.storage.repo import iso, now
from ledger.storage.tables import BatchRow
from ledger.workspace import Workspace

MAX_TEXT = 500


@dataclass(frozen=True)
class Voided:
    batch_id: str
    brand: str
    periods: tuple[str, ...]
    settled_in: str  # the period whose settlement carries the reversal
    reason: str
    by: str
    voided_at: str

    def as_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "status": "void",
            "brand": self.brand,
            "periods": list(self.periods),
            "settled_in": self.settled_in,
            "reason": self.reason,
            "by": self.by,
            "voided_at": self.voided_at,
        }


def _text(name: str, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise LedgerError(f"a void needs a {name}")
    if len(text) > MAX_TEXT:
        raise LedgerError(f"the {name} of a void is longer than {MAX_TEXT} characters")
    return text


def void_batch(workspace: Workspace, batch_id: str, reason: str, by: str) -> Voided:
    """Withdraw committed batch ``batch_id``; refused for an unknown, rejected or void batch."""
    reason, by = _text("reason", reason), _text("name of who withdraws it", by)
    with writing(workspace.engine) as session:
        row = session.get(BatchRow, batch_id)
        if row is None:
            raise LedgerError(f"no batch {batch_id!r}")
        if row.status != "committed":
            raise LedgerError(f"batch {batch_id} is {row.status}; only a committed batch is voided")
        periods = tuple(json.loads(row.periods))
        last_closed = latest_closed(session)
        settled_in = (
            Period(last_closed.period).next() if last_closed else (min(periods, default=None))
        )
        stamp = now()
        row.status, row.status_key = "void", row.id
        row.voided_at, row.void_reason, row.voided_by = stamp, reason, by
        session.add(row)
        post(
            session,
            settled_in or stamp.strftime("%Y-%m"),
            "void",
            f"void:{batch_id}",
            f"batch {batch_id} of {row.brand} ({row.source_file}) withdrawn by {by}: {reason}",
            [],
        )
    return Voided(batch_id, row.brand, periods, settled_in or "", reason, by, iso(stamp))
