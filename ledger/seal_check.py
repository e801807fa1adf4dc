"""The cheap half of `audit verify`: the books against the seals of their closed periods.

The seal chain (consecutive positions, each seal hashing to its hash and naming the previous one,
its HMAC when a seal key is configured), each seal file equal to its row, every closed period
sealed, the journal entry at each seal's head unchanged, and each sealed period row, settlement
row, statement code and batch as sealed. One line per problem, naming the table and row, the
period or the file that changed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from ledger.lake import Relocation, relocations
from ledger.money import format_amount
from ledger.seal import (
    GENESIS,
    SEALS_DIR,
    SETTLEMENT_FIELDS,
    Body,
    batch_fields,
    file_doc,
    is_seal,
    load_seals,
    mac,
    period_fields,
    read_file,
    seal_key,
    seal_path,
    sealed_batches,
    settlement_figures,
    sha256_text,
    statement_codes,
)
from ledger.storage.periods import closed_periods, is_closed
from ledger.storage.tables import BatchRow, JournalEntryRow, PeriodRow, SealRow
from ledger.workspace import Workspace


def check(workspace: Workspace, session: Session) -> list[str]:
    """Every difference between the ledger and its seals (empty = the seals hold)."""
    return inspect(workspace, session)[0]


def inspect(workspace: Workspace, session: Session) -> tuple[list[str], list[Body]]:
    """Every difference between the ledger and its seals, and the seals' bodies that could be
    read, oldest first."""
    problems: list[str] = []
    seals = load_seals(session)
    bodies: list[Body] = []
    decoded: dict[str, Body] = {}
    prev = GENESIS
    key = seal_key(workspace)
    for n, seal in enumerate(seals, start=1):
        found, body = _check_seal(seal, n, prev, key)
        problems += found
        if body is not None:
            bodies.append(body)
            decoded[seal.period] = body
        prev = seal.hash
    problems += _check_files(workspace, session, seals, decoded)
    sealed = {s.period for s in seals}
    for period in closed_periods(session):
        if period not in sealed:
            problems.append(f"periods row {period} is closed but has no seal")
    problems += _check_journal(session, bodies)
    for body in bodies:
        problems += _check_period(session, body)
    problems += _check_batches(session, bodies)
    return problems, bodies


def _check_seal(
    seal: SealRow, position: int, prev: str, key: bytes | None
) -> tuple[list[str], Body | None]:
    name = f"seals row {seal.period}"
    if seal.position != position:
        return [f"{name}: it is seal {seal.position}, expected {position} (one was removed)"], None
    if sha256_text(seal.body) != seal.hash:
        return [f"{name}: its content no longer hashes to its recorded hash"], None
    try:
        body = json.loads(seal.body)
    except ValueError:
        body = None
    if not is_seal(body):
        return [f"{name}: its content is not a seal"], None
    problems = []
    if body.get("prev") != prev or body.get("period") != seal.period:
        problems.append(f"{name}: not chained to the seal before it (one was removed or replaced)")
    if key is not None:
        if seal.hmac is None:
            problems.append(f"{name}: it carries no HMAC though a seal key is configured")
        elif not hmac.compare_digest(seal.hmac, mac(key, seal.hash)):
            problems.append(
                f"{name}: its HMAC does not verify under the seal key (it was recomputed "
                "without the key)"
            )
    return problems, body


def _check_files(
    workspace: Workspace,
    session: Session,
    seals: Sequence[SealRow],
    decoded: Mapping[str, Body],
) -> list[str]:
    """Each seal file as its row (``decoded``: the rows' bodies already read)."""
    problems = []
    folder = workspace.path(SEALS_DIR)
    for seal in seals:
        path = seal_path(workspace, seal.period)
        shown = workspace.relative(path)
        if not path.exists():
            problems.append(f"{shown} is missing (the seal of {seal.period} is kept there)")
            continue
        doc = read_file(path)
        if doc is None:
            problems.append(f"{shown} is not a readable seal")
        elif doc != file_doc(seal, decoded.get(seal.period)):
            problems.append(f"{shown} differs from the seals row of {seal.period}")
    known = {s.period for s in seals}
    last = seals[-1].hash if seals else GENESIS
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.stem in known:
            continue
        doc = read_file(path)
        if doc is not None and _interrupted(session, path.stem, doc["seal"], last):
            continue
        problems.append(
            f"{workspace.relative(path)} has no seals row (the seal of {path.stem} was removed "
            "from the database)"
        )
    return problems


def _interrupted(session: Session, period: str, body: Mapping[str, Any], last: str) -> bool:
    """A seal file left by a close that was killed before its transaction committed: the period
    is not closed and the journal head it names was never committed."""
    if body.get("prev") != last or is_closed(session, period):
        return False
    if not is_seal(body):
        return False
    head = body["journal"]
    entry = session.get(JournalEntryRow, head["seq"])
    return entry is None or entry.hash != head.get("hash")


def _check_journal(session: Session, bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    """Entries up to each seal's journal head must be there and unchanged: the earliest seal
    whose head is missing or has another hash names the range that was cut or rewritten."""
    low = 1
    for body in bodies:
        head = body["journal"]
        seq = int(head["seq"])
        if seq == 0:
            continue
        entry = session.get(JournalEntryRow, seq)
        if entry is None:
            return [
                f"journal_entries: entry {seq}, the head sealed by {body['period']}, is missing "
                "(the journal was cut after it was sealed)"
            ]
        if entry.hash != head["hash"]:
            return [
                f"journal_entries: entries {low}..{seq} were rewritten after the seal of "
                f"{body['period']} (entry {seq} no longer has the sealed hash)"
            ]
        low = seq + 1
    return []


def _check_period(session: Session, body: Mapping[str, Any]) -> list[str]:
    period = body["period"]
    problems = []
    row = session.get(PeriodRow, period)
    if row is None:
        return [f"periods row {period} is missing (sealed as closed)"]
    current = period_fields(row)
    for name, sealed in body["period_row"].items():
        if current[name] != sealed:
            shown = "its settle summary" if name == "summary_sha256" else name
            if name == "status":
                problems.append(f"periods row {period}: status is {row.status}, sealed as {sealed}")
            else:
                problems.append(f"periods row {period}: {shown} differs from the seal")
    problems += _check_settlements(session, period, body["settlements"])
    problems += _check_statements(session, period, body["statements"])
    return problems


def _check_settlements(session: Session, period: str, sealed: Mapping[str, Body]) -> list[str]:
    current = settlement_figures(session, period)
    if current == sealed:  # every row as sealed, to the character
        return []
    problems = []
    for key in sorted(set(sealed) | set(current)):
        contract, origin = key.split("|", 1)
        name = f"contract_settlements row ({period}, {contract}, {origin})"
        if key not in current:
            problems.append(f"{name} is missing (sealed by {period})")
            continue
        if key not in sealed:
            problems.append(f"{name} was added after the seal of {period}")
            continue
        now_, then = current[key], sealed[key]
        if now_ == then:  # as sealed, to the character
            continue
        ccy = str(then["currency"])
        changes = []
        for field in ("revision", "currency"):
            if now_[field] != then[field]:
                changes.append(f"{field} is {now_[field]}, sealed as {then[field]}")
        for field in SETTLEMENT_FIELDS:
            if Decimal(now_[field]) != Decimal(then[field]):
                changes.append(
                    f"{field} is {format_amount(Decimal(now_[field]), ccy)}, sealed as "
                    f"{format_amount(Decimal(then[field]), ccy)}"
                )
        if changes:
            problems.append(f"{name}: " + "; ".join(changes))
    return problems


def _check_statements(session: Session, period: str, sealed: Mapping[str, str]) -> list[str]:
    current = statement_codes(session, period)
    if current == sealed:
        return []
    problems = []
    for statement_id in sorted(set(sealed) | set(current)):
        name = f"statements row {statement_id}"
        if statement_id not in current:
            problems.append(f"{name} is missing (sealed by {period})")
        elif statement_id not in sealed:
            problems.append(f"{name} was added after the seal of {period}")
        elif current[statement_id] != sealed[statement_id]:
            problems.append(
                f"{name}: its verification code differs from the one sealed by {period} "
                "(the statement was replaced)"
            )
    return problems


def _check_batches(session: Session, bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    problems = []
    voided = _voided(session)
    moved = relocations(session)
    rows = {row.id: row for row in session.exec(select(BatchRow))}
    for batch_id, (period, sealed) in sorted(sealed_batches(bodies).items()):
        row = rows.get(batch_id)
        if row is None:
            problems.append(f"batches row {batch_id} is missing (sealed by {period})")
            continue
        current = batch_fields(row)
        if _moved_to(sealed, moved.get(batch_id, [])) == (row.events_path, row.events_sha256):
            # moved into the lake, recorded in the journal
            current["events_path"] = sealed.get("events_path")
            current["events_sha256"] = sealed.get("events_sha256")
        if sealed.get("status") == "committed" and current["status"] == "void":
            if batch_id in voided:  # withdrawn by `batches void`, recorded in the journal
                current["status"] = "committed"
            else:
                problems.append(
                    f"batches row {batch_id}: status is void, but no void of it is in the journal"
                )
                continue
        for field in sorted(sealed):
            if current.get(field) != sealed[field]:
                problems.append(
                    f"batches row {batch_id}: {field} is {current.get(field)}, sealed as "
                    f"{sealed[field]} (by {period})"
                )
    return problems


def _moved_to(sealed: Mapping[str, Any], moves: Sequence[Relocation]) -> tuple[Any, Any]:
    """Where the journal's moves took the event files a seal names."""
    at = (sealed.get("events_path"), sealed.get("events_sha256"))
    for move in moves:
        if (move.old_path, move.old_sha256) == at:
            at = (move.new_path, move.new_sha256)
    return at


def _voided(session: Session) -> set[str]:
    """Batches withdrawn by `batches void`: each has a `void` entry in the hash-chained journal."""
    references = session.exec(
        select(JournalEntryRow.reference).where(JournalEntryRow.kind == "void")
    ).all()
    return {r.removeprefix("void:") for r in references}
