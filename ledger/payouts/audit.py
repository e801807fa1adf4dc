"""What `audit verify` checks of payout runs: each run's journal entries are exactly those its
state calls for, moving exactly its totals, which are the sum of its transfers; and a run that is
not cancelled pays exactly the payables of its period's closed statements."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from sqlmodel import Session, select

from ledger.journal import PAYOUTS_DUE, PAYOUTS_IN_TRANSIT, JournalEntry, Posting, load_entries
from ledger.payouts import service
from ledger.storage.tables import PayoutRunRow

_STEPS = {
    service.KIND_CREATE: ("", PAYOUTS_DUE, PAYOUTS_IN_TRANSIT),
    service.KIND_CANCEL: (":cancel", PAYOUTS_IN_TRANSIT, PAYOUTS_DUE),
    service.KIND_CONFIRM: (":confirm", PAYOUTS_IN_TRANSIT, None),
}
_NEEDED = {
    service.CREATED: {service.KIND_CREATE},
    service.CANCELLED: {service.KIND_CREATE, service.KIND_CANCEL},
    service.CONFIRMED: {service.KIND_CREATE, service.KIND_CONFIRM},
}


def _postings(entry: JournalEntry) -> Counter[tuple[str, str, Decimal]]:
    return Counter((p.account, p.currency, p.amount) for p in entry.postings)


def _expected(row: PayoutRunRow, kind: str) -> Counter[tuple[str, str, Decimal]]:
    _, debit, credit = _STEPS[kind]
    moves: list[Posting] = []
    for ccy, amount in service.run_totals(row).items():
        moves += [
            Posting(debit, ccy, amount),
            Posting(credit or row.payer_account, ccy, -amount),
        ]
    return Counter((p.account, p.currency, p.amount) for p in moves)


def check(session: Session) -> list[str]:
    problems = []
    runs = {row.id: row for row in session.exec(select(PayoutRunRow))}
    found: dict[str, dict[str, JournalEntry]] = {run_id: {} for run_id in runs}
    for entry in load_entries(session, kind=_STEPS):  # payout runs' entries only
        run_id = entry.reference.removesuffix(_STEPS[entry.kind][0])
        if run_id not in runs:
            problems.append(f"journal entry {entry.seq} ({entry.reference}) names no payout run")
            continue
        if entry.kind in found[run_id]:
            problems.append(f"payout run {run_id} has more than one {entry.kind} entry")
        found[run_id][entry.kind] = entry
    for run_id, row in sorted(runs.items()):
        needed = _NEEDED.get(row.state, set())
        if set(found[run_id]) != needed:
            problems.append(
                f"payout_runs row {run_id} is {row.state} but the journal holds "
                f"{sorted(found[run_id]) or 'no entry'} for it"
            )
        for kind, entry in found[run_id].items():
            if _postings(entry) != _expected(row, kind):
                problems.append(
                    f"journal entry {entry.seq} ({entry.reference}) does not move the totals "
                    f"of payout run {run_id}"
                )
        problems += _transfers(session, row)
    return problems


def _transfers(session: Session, row: PayoutRunRow) -> list[str]:
    transfers = json.loads(row.transfers)
    paid = Counter((t["statement"], t["currency"], Decimal(t["amount"])) for t in transfers)
    sums: dict[str, Decimal] = {}
    for t in transfers:
        sums[t["currency"]] = sums.get(t["currency"], Decimal(0)) + Decimal(t["amount"])
    problems = []
    if sums != service.run_totals(row):
        problems.append(f"payout_runs row {row.id}: its totals differ from its transfers")
    if row.state != service.CANCELLED:
        due = Counter(
            (p.statement, p.currency, p.amount) for p in service.payables(session, row.period)
        )
        if paid != due:
            problems.append(
                f"payout_runs row {row.id}: its transfers differ from the payables of the "
                f"closed statements of {row.period}"
            )
    return problems
