"""Anchored seals of closed periods (docs/audit.md).

Every close seals, in its write transaction, the state the period closed on: the journal head
(seq and hash), the batches it covered with their counts and the sha256 of their event files, the
period row, its contract_settlements rows, its statements' verification codes and the parties it
was settled with. Each seal names the hash of the seal before it, so removing, editing or
replacing one breaks the chain. Seals are kept in the ``seals`` table and, outside the database,
as ``seals/<period>.json`` in the workspace; issued PDFs print a short form. With a seal key
(``TWINLEDGER_SEAL_KEY``, or a file named by ``seal_key_file`` in workspace.toml) each seal also
carries an HMAC-SHA256, so that hashes recomputed without the key no longer verify.

``check`` compares the ledger with its seals (the cheap part of `audit verify`); it returns one
line per problem, naming the table, row, period or file that changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.domain import Agency, Brand, Parties, Talent, Twin
from ledger.errors import LedgerError
from ledger.money import format_amount
from ledger.storage.db import writing
from ledger.storage.events import events_sha256, publish
from ledger.storage.repo import iso, load_parties, now
from ledger.storage.tables import (
    BatchRow,
    ContractSettlementRow,
    JournalEntryRow,
    PeriodRow,
    SealRow,
    StatementRow,
)
from ledger.workspace import Workspace

GENESIS = "0" * 64
KEY_ENV = "TWINLEDGER_SEAL_KEY"
KEY_SETTING = "seal_key_file"
SEALS_DIR = "seals"
SHORT = 16
"""Hex digits of a seal's hash printed on statements."""
BATCH_FIELDS = ("status", "events_path", "events_sha256", "rows_read", "accepted", "duplicates",
                "rejected")  # fmt: skip
SETTLEMENT_FIELDS = (
    "usage",
    "retainer",
    "cap_adjustment",
    "minimum_guarantee_topup",
    "earned",
    "advance_paid",
    "advance_recouped",
    "brand_due",
    "commission",
    "withholding",
    "talent_net",
)

Body = dict[str, Any]


def canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seal_key(workspace: Workspace) -> bytes | None:
    """The seal key: ``$TWINLEDGER_SEAL_KEY``, else the file ``seal_key_file`` in workspace.toml
    names (relative to the workspace), else None (seals are hashed only)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode()
    name = workspace.settings.get(KEY_SETTING)
    if not name:
        return None
    path = workspace.root / str(name)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise LedgerError(f"{path}: the seal key file cannot be read ({exc.strerror})") from None
    if not key:
        raise LedgerError(f"{path}: the seal key file is empty")
    return key


def mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def seal_path(workspace: Workspace, period: str) -> Path:
    return workspace.path(SEALS_DIR, f"{period}.json")


def short(digest: str) -> str:
    return digest[:SHORT]


# -- what a seal holds -----------------------------------------------------------------------


def _parties(parties: Parties) -> Body:
    return json.loads(canonical(asdict(parties)))


def sealed_parties(body: Mapping[str, Any]) -> Parties:
    """The parties a sealed period was settled with, as domain records."""
    doc = body["parties"]
    day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return Parties(
        agencies=tuple(
            Agency(a["id"], a["name"], a["currency"], Decimal(a["commission"]), a["locale"])
            for a in doc["agencies"]
        ),
        talents=tuple(
            Talent(
                id=t["id"],
                name=t["name"],
                payout_currency=t["payout_currency"],
                agency=t["agency"],
                withholding_rate=Decimal(t["withholding_rate"]),
                min_payout=Decimal(t["min_payout"]),
                restricted_categories=tuple(t["restricted_categories"]),
                locale=t["locale"],
            )
            for t in doc["talents"]
        ),
        brands=tuple(
            Brand(b["id"], b["name"], b["currency"], b["category"], b["locale"])
            for b in doc["brands"]
        ),
        twins=tuple(
            Twin(w["id"], w["talent"], day(w["created_on"]), day(w["revoked_on"]), w["locale"])
            for w in doc["twins"]
        ),
    )


def _batch(row: BatchRow) -> Body:
    return {name: getattr(row, name) for name in BATCH_FIELDS} | {"brand": row.brand}


def _settlements(session: Session, period: str) -> dict[str, Body]:
    rows = session.exec(
        select(ContractSettlementRow).where(col(ContractSettlementRow.period) == period)
    )
    return {
        f"{r.contract}|{r.origin}": {"revision": r.revision, "currency": r.currency}
        | {name: str(getattr(r, name)) for name in SETTLEMENT_FIELDS}
        for r in rows
    }


def _statements(session: Session, period: str) -> dict[str, str]:
    rows = session.exec(
        select(StatementRow.statement_id, StatementRow.verification_code).where(
            col(StatementRow.period) == period
        )
    )
    return dict(sorted(rows.all()))


def _period(row: PeriodRow) -> Body:
    return {
        "status": row.status,
        "batches": json.loads(row.batches),
        "contracts": json.loads(row.contracts),
        "events_rated": row.events_rated,
        "summary_sha256": _sha256(row.summary),
    }


def _head(session: Session) -> Body:
    last = session.exec(
        select(JournalEntryRow).order_by(col(JournalEntryRow.seq).desc()).limit(1)
    ).first()
    return {"seq": last.seq, "hash": last.hash} if last else {"seq": 0, "hash": GENESIS}


def load_seals(session: Session) -> list[SealRow]:
    return list(session.exec(select(SealRow).order_by(col(SealRow.position))).all())


def _sealed_batches(bodies: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, Body]]:
    """Every sealed batch: id -> (the period whose seal holds it, its sealed fields)."""
    found: dict[str, tuple[str, Body]] = {}
    for body in bodies:
        for batch_id, fields in body.get("batches", {}).items():
            found.setdefault(batch_id, (body["period"], fields))
    return found


# -- sealing ---------------------------------------------------------------------------------


def seal_period(workspace: Workspace, session: Session, period: str) -> list[Path]:
    """Seal the closed ``period`` inside the caller's write transaction (after its journal was
    posted), and any closed period before it that has no seal yet. The seal files are written
    before the transaction commits; returns them, for the caller to remove on a failure."""
    if session.get(PeriodRow, period) is None:
        raise LedgerError(f"period {period} is not closed; it cannot be sealed")
    return seal_unsealed(workspace, session, until=period)


def seal_unsealed(workspace: Workspace, session: Session, until: str | None = None) -> list[Path]:
    """Seal every closed period (up to ``until``) that has no seal, oldest first: at each close,
    and for books closed before seals existed. Returns the seal files written."""
    seals = load_seals(session)
    sealed = {s.period for s in seals}
    key = seal_key(workspace)
    written = []
    for row in session.exec(select(PeriodRow).order_by(col(PeriodRow.period))).all():
        if until is not None and row.period > until:
            break
        if row.status == "closed" and row.period not in sealed:
            seals.append(_seal_one(workspace, session, row.period, seals, key))
            written.append(seal_path(workspace, row.period))
    return written


def seal_closed(workspace: Workspace) -> list[str]:
    """Seal, in one transaction, the closed periods of books closed before seals existed (run
    when the workspace is upgraded). Books with any seal, in the table or as a file, are left as
    they are: a closed period without its seal there is a problem for `audit verify`, not
    something to repair. Returns the periods sealed."""
    folder = workspace.path(SEALS_DIR)
    if folder.is_dir() and any(folder.glob("*.json")):
        return []
    written: list[Path] = []
    try:
        with writing(workspace.engine) as session:
            if load_seals(session):
                return []
            written = seal_unsealed(workspace, session)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return [p.stem for p in written]


def _seal_one(
    workspace: Workspace, session: Session, period: str, seals: list[SealRow], key: bytes | None
) -> SealRow:
    row = session.get(PeriodRow, period)
    assert row is not None and row.status == "closed"
    already = _sealed_batches([json.loads(s.body) for s in seals])
    batches: dict[str, Body] = {}
    for batch_id in json.loads(row.batches):
        if batch_id in already:
            continue
        batch = session.get(BatchRow, batch_id)
        if batch is None:
            raise LedgerError(f"period {period} covers batch {batch_id}, which is not stored")
        if batch.events_sha256 is None and batch.events_path:
            batch.events_sha256 = events_sha256(workspace.path(batch.events_path))
            session.add(batch)
        batches[batch_id] = _batch(batch)
    prev = seals[-1].hash if seals else GENESIS
    stamp = now()
    body = {
        "version": 1,
        "period": period,
        "position": len(seals) + 1,
        "prev": prev,
        "sealed_at": iso(stamp),
        "period_row": _period(row),
        "journal": _head(session),
        "batches": batches,
        "settlements": _settlements(session, period),
        "statements": _statements(session, period),
        "parties": _parties(load_parties(session)),
    }
    text = canonical(body)
    digest = _sha256(text)
    seal = SealRow(
        period=period,
        position=len(seals) + 1,
        body=text,
        hash=digest,
        hmac=mac(key, digest) if key else None,
        sealed_at=stamp,
    )
    session.add(seal)
    session.flush()
    _write_file(workspace, seal)
    return seal


def _file_doc(seal: SealRow) -> Body:
    return {"seal": json.loads(seal.body), "hash": seal.hash, "hmac": seal.hmac}


def _write_file(workspace: Workspace, seal: SealRow) -> None:
    tmp = workspace.path("tmp", f"seal-{seal.period}.json.part")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_file_doc(seal), sort_keys=True, ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    publish(tmp, seal_path(workspace, seal.period))


def period_seal(session: Session, period: str) -> SealRow | None:
    return session.get(SealRow, period)


# -- checking --------------------------------------------------------------------------------


def check(workspace: Workspace, session: Session) -> list[str]:
    """Every difference between the ledger and its seals (empty = the seals hold)."""
    problems: list[str] = []
    seals = load_seals(session)
    bodies: list[Body] = []
    prev = GENESIS
    key = seal_key(workspace)
    for n, seal in enumerate(seals, start=1):
        found, body = _check_seal(seal, n, prev, key)
        problems += found
        if body is not None:
            bodies.append(body)
        prev = seal.hash
    problems += _check_files(workspace, session, seals)
    sealed = {s.period for s in seals}
    for row in session.exec(select(PeriodRow).where(PeriodRow.status == "closed")):
        if row.period not in sealed:
            problems.append(f"periods row {row.period} is closed but has no seal")
    problems += _check_journal(session, bodies)
    for body in bodies:
        problems += _check_period(session, body)
    problems += _check_batches(session, bodies)
    return problems


def _check_seal(
    seal: SealRow, position: int, prev: str, key: bytes | None
) -> tuple[list[str], Body | None]:
    name = f"seals row {seal.period}"
    if seal.position != position:
        return [f"{name}: it is seal {seal.position}, expected {position} (one was removed)"], None
    if _sha256(seal.body) != seal.hash:
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


_SHAPE = {
    "period": str,
    "prev": str,
    "period_row": dict,
    "journal": dict,
    "batches": dict,
    "settlements": dict,
    "statements": dict,
    "parties": dict,
}


def is_seal(body: object) -> bool:
    """Whether ``body`` has the parts a seal is checked by (of the right kinds)."""
    if not isinstance(body, dict):
        return False
    if not all(isinstance(body.get(k), kind) for k, kind in _SHAPE.items()):
        return False
    head, row = body["journal"], body["period_row"]
    return (
        isinstance(head.get("seq"), int)
        and isinstance(head.get("hash"), str)
        and {"status", "batches", "contracts", "events_rated"} <= set(row)
    )


def _read_file(path: Path) -> Body | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("seal"), dict) else None


def _check_files(workspace: Workspace, session: Session, seals: Sequence[SealRow]) -> list[str]:
    problems = []
    folder = workspace.path(SEALS_DIR)
    for seal in seals:
        path = seal_path(workspace, seal.period)
        shown = workspace.relative(path)
        if not path.exists():
            problems.append(f"{shown} is missing (the seal of {seal.period} is kept there)")
            continue
        doc = _read_file(path)
        if doc is None:
            problems.append(f"{shown} is not a readable seal")
        elif doc != _file_doc(seal):
            problems.append(f"{shown} differs from the seals row of {seal.period}")
    known = {s.period for s in seals}
    last = seals[-1].hash if seals else GENESIS
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.stem in known:
            continue
        doc = _read_file(path)
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
    row = session.get(PeriodRow, period)
    if body.get("prev") != last or (row is not None and row.status == "closed"):
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
    current = _period(row)
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
    problems = []
    current = _settlements(session, period)
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
    problems = []
    current = _statements(session, period)
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
    for batch_id, (period, sealed) in sorted(_sealed_batches(bodies).items()):
        row = session.get(BatchRow, batch_id)
        if row is None:
            problems.append(f"batches row {batch_id} is missing (sealed by {period})")
            continue
        current = _batch(row)
        for field in sorted(sealed):
            if current.get(field) != sealed[field]:
                problems.append(
                    f"batches row {batch_id}: {field} is {current.get(field)}, sealed as "
                    f"{sealed[field]} (by {period})"
                )
    return problems
