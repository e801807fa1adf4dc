"""Anchored seals of closed periods (docs/audit.md).

Every close seals, in its write transaction, the state the period closed on: the journal head
(seq and hash), the batches it covered with their counts and the sha256 of their event files, the
period row, its contract_settlements rows, its statements' verification codes and the parties it
was settled with. Each seal names the hash of the seal before it, so removing, editing or
replacing one breaks the chain. Seals are kept in the ``seals`` table and, outside the database,
as ``seals/<period>.json`` in the workspace; issued PDFs print a short form. With a seal key
(``TWINLEDGER_SEAL_KEY``, or a file named by ``seal_key_file`` in workspace.toml) each seal also
carries an HMAC-SHA256, so that hashes recomputed without the key no longer verify.

``ledger.seal_check`` compares the books with their seals (the cheap part of `audit verify`).
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

from ledger.domain import Address, Agency, Brand, Parties, Talent, Twin
from ledger.errors import LedgerError
from ledger.journal import journal_digest
from ledger.settlement.compute import COMPONENTS
from ledger.storage.db import driver_rows, writing
from ledger.storage.events import events_sha256, publish
from ledger.storage.periods import CLOSED
from ledger.storage.repo import iso, load_parties, now
from ledger.storage.tables import (
    BatchRow,
    JournalEntryRow,
    PeriodRow,
    SealRow,
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
SETTLEMENT_FIELDS = COMPONENTS  # the figures of a contract_settlements row

Body = dict[str, Any]


def canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def sha256_text(text: str) -> str:
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


def _sealed_legal(record: Mapping[str, Any], registrable: bool = True) -> dict[str, Any]:
    """The invoicing fields of a sealed party (absent from seals made before they existed)."""
    address = record.get("address")
    values: dict[str, Any] = {
        "legal_name": record.get("legal_name"),
        "address": None
        if not address
        else Address(
            tuple(address["lines"]), address["postal_code"], address["city"], address["country"]
        ),
        "vat_id": record.get("vat_id"),
    }
    if registrable:
        values["tax_registered"] = bool(record.get("tax_registered", False))
    return values


def sealed_parties(body: Mapping[str, Any]) -> Parties:
    """The parties a sealed period was settled with, as domain records."""
    doc = body["parties"]
    day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return Parties(
        agencies=tuple(
            Agency(
                a["id"],
                a["name"],
                a["currency"],
                Decimal(a["commission"]),
                a["locale"],
                **_sealed_legal(a),
            )
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
                **_sealed_legal(t),
            )
            for t in doc["talents"]
        ),
        brands=tuple(
            Brand(
                b["id"],
                b["name"],
                b["currency"],
                b["category"],
                b["locale"],
                **_sealed_legal(b, False),
            )
            for b in doc["brands"]
        ),
        twins=tuple(
            Twin(w["id"], w["talent"], day(w["created_on"]), day(w["revoked_on"]), w["locale"])
            for w in doc["twins"]
        ),
    )


def batch_fields(row: BatchRow) -> Body:
    return {name: getattr(row, name) for name in BATCH_FIELDS} | {"brand": row.brand}


def settlement_figures(session: Session, period: str) -> dict[str, Body]:
    """``contract|origin`` -> revision, currency and each figure as text, of ``period``'s
    contract_settlements rows (driver rows: seal checks read every closed period's rows)."""
    rows = driver_rows(
        session,
        f"SELECT contract, origin, revision, currency, {', '.join(SETTLEMENT_FIELDS)} "
        "FROM contract_settlements WHERE period = ?",
        period,
    )
    return {
        f"{contract}|{origin}": {"revision": revision, "currency": currency}
        | {
            name: value if isinstance(value, str) else str(value)  # text on SQLite
            for name, value in zip(SETTLEMENT_FIELDS, values, strict=True)
        }
        for contract, origin, revision, currency, *values in rows
    }


def statement_codes(session: Session, period: str) -> dict[str, str]:
    rows = driver_rows(
        session,
        "SELECT statement_id, verification_code FROM statements WHERE period = ?",
        period,
    )
    return dict(sorted(rows))


def period_fields(row: PeriodRow) -> Body:
    return {
        "status": row.status,
        "batches": json.loads(row.batches),
        "contracts": json.loads(row.contracts),
        "events_rated": row.events_rated,
        "summary_sha256": sha256_text(row.summary),
    }


def _head(session: Session) -> Body:
    """The journal head: its seq and hash, and the digest of the entries up to it
    (``journal_digest``), by which a settlement's integrity check starts after them."""
    last = session.exec(
        select(JournalEntryRow).order_by(col(JournalEntryRow.seq).desc()).limit(1)
    ).first()
    if last is None:
        return {"seq": 0, "hash": GENESIS}
    return {"seq": last.seq, "hash": last.hash, "digest": journal_digest(session, last.seq)}


def load_seals(session: Session) -> list[SealRow]:
    return list(session.exec(select(SealRow).order_by(col(SealRow.position))).all())


def sealed_batches(bodies: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, Body]]:
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
        if row.status == CLOSED and row.period not in sealed:
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
    assert row is not None and row.status == CLOSED
    already = sealed_batches([json.loads(s.body) for s in seals])
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
        batches[batch_id] = batch_fields(batch)
    prev = seals[-1].hash if seals else GENESIS
    stamp = now()
    body = {
        "version": 1,
        "period": period,
        "position": len(seals) + 1,
        "prev": prev,
        "sealed_at": iso(stamp),
        "period_row": period_fields(row),
        "journal": _head(session),
        "batches": batches,
        "settlements": settlement_figures(session, period),
        "statements": statement_codes(session, period),
        "parties": _parties(load_parties(session)),
    }
    text = canonical(body)
    digest = sha256_text(text)
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


def file_doc(seal: SealRow, body: Body | None = None) -> Body:
    """What the seal file of ``seal`` holds (``body``: its body, when already decoded)."""
    return {
        "seal": json.loads(seal.body) if body is None else body,
        "hash": seal.hash,
        "hmac": seal.hmac,
    }


def _write_file(workspace: Workspace, seal: SealRow) -> None:
    tmp = workspace.path("tmp", f"seal-{seal.period}.json.part")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(file_doc(seal), sort_keys=True, ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    publish(tmp, seal_path(workspace, seal.period))


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


def read_file(path: Path) -> Body | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("seal"), dict) else None
