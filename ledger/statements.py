"""Issued statement documents: look-up, rendering to PDF and verification of a PDF."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ledger.errors import LedgerError
from ledger.seal import short
from ledger.settlement.documents import verification_code
from ledger.settlement.periods import check_period
from ledger.storage.db import reading, writing
from ledger.storage.repo import now
from ledger.storage.tables import IssuedFileRow, PeriodRow, SealRow, StatementRow
from ledger.workspace import Workspace

PARTY_ORDER = {"talent": 0, "agency": 1, "brand": 2}
POOL_MIN_DOCUMENTS = 16
"""Below this many documents per core, rendering stays in this process."""
CODE_RE = re.compile(r"Verification code \(SHA-256\):\s*([0-9a-f]{64})")


def _settled(workspace: Workspace, period: str) -> None:
    check_period(period)
    with reading(workspace.engine) as session:
        if session.get(PeriodRow, period) is None:
            raise LedgerError(
                f"period {period} has not been settled; run `twinledger settle run {period}` first"
            )


def exceptions(workspace: Workspace, period: str) -> list[dict[str, Any]]:
    """The exceptions of a draft or closed period: kind, brand, twin, talent, contract, event_id,
    occurred_at, detail."""
    import pyarrow.parquet as pq

    _settled(workspace, period)
    rows: list[dict[str, Any]] = pq.read_table(
        workspace.path("settlements", period, "exceptions.parquet")
    ).to_pylist()
    return rows


def documents(
    workspace: Workspace, period: str, party: str | None = None, party_type: str | None = None
) -> list[dict[str, Any]]:
    """The statement documents of a draft or closed period: one party's, one type of party's
    (talent, agency or brand), or all."""
    _settled(workspace, period)
    if party_type is not None and party_type not in PARTY_ORDER:
        raise LedgerError(f"unknown party type {party_type!r}; expected talent, agency or brand")
    with reading(workspace.engine) as session:
        query = select(StatementRow).where(StatementRow.period == period)
        if party is not None:
            query = query.where(StatementRow.party_id == party)
        if party_type is not None:
            query = query.where(StatementRow.party_type == party_type)
        rows = session.exec(query.order_by(col(StatementRow.party_id))).all()
    if party is not None and not rows:
        kind = f"{party_type} " if party_type else ""
        raise LedgerError(f"no {kind}statement for party {party!r} in {period}")
    rows = sorted(rows, key=lambda r: (PARTY_ORDER[r.party_type], r.party_id))
    return [json.loads(r.document) for r in rows]


def _printed(workspace: Workspace, period: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents as they are printed: a closed period's carry the short form of its seal."""
    with reading(workspace.engine) as session:
        sealed = session.get(SealRow, period)
    if sealed is None:
        return docs
    return [doc | {"seal": short(sealed.hash)} for doc in docs]


def render(
    workspace: Workspace,
    period: str,
    party: str | None = None,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    party_type: str | None = None,
) -> list[Path]:
    """Render PDFs of the period's statements (one party's, one type of party's, or all);
    returns the files written, in document order.

    Many documents are rendered by a pool of ``workers`` processes (default: one per core);
    each PDF is the same as a one-process render would write.
    """
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_all_start_methods, get_context

    from reports import render_statement

    docs = _printed(workspace, period, documents(workspace, period, party, party_type))
    out_dir = out or workspace.path("statements", period)
    out_dir.mkdir(parents=True, exist_ok=True)
    if workers is None:
        workers = min(os.cpu_count() or 1, len(docs) // POOL_MIN_DOCUMENTS)
    issued: list[tuple[dict[str, Any], list[Path]]] = []
    if workers <= 1:
        for n, doc in enumerate(docs, start=1):
            written = render_statement(doc, out_dir)
            issued.append((doc, written))
            if progress:
                progress(n, len(docs))
    else:
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
            rendered = pool.map(partial(render_statement, out_dir=out_dir), docs, chunksize=2)
            for n, (doc, written) in enumerate(zip(docs, rendered, strict=True), start=1):
                issued.append((doc, written))
                if progress:
                    progress(n, len(docs))
    _record(workspace, issued)
    return [f for _, written in issued for f in written]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(workspace: Workspace, issued: list[tuple[dict[str, Any], list[Path]]]) -> None:
    """Remember the sha256 of every PDF rendered, for `statements verify`."""
    rows = {
        _sha256(f): (doc["statement_id"], doc["period"], f.name)
        for doc, written in issued
        for f in written
    }
    with writing(workspace.engine) as session:
        known = set(session.exec(select(IssuedFileRow.sha256)).all())
        stamp = now()
        for sha, (statement_id, period, name) in sorted(rows.items()):
            if sha not in known:
                session.add(
                    IssuedFileRow(
                        sha256=sha,
                        statement_id=statement_id,
                        period=period,
                        file_name=name,
                        rendered_at=stamp,
                    )
                )


def read_pdf_code(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "".join(page.extract_text() or "" for page in reader.pages[:1])
    except (PdfReadError, OSError, ValueError) as exc:
        raise LedgerError(f"{path}: not a readable PDF ({exc})") from None
    match = CODE_RE.search(text)
    if not match:
        raise LedgerError(f"{path}: no twinledger verification code found")
    return match.group(1)


def verify_pdf(workspace: Workspace, path: Path) -> dict[str, Any]:
    """Whether the PDF is a statement this ledger issued: its bytes are a rendering the ledger
    recorded, or its verification code names a statement whose data still hashes to it and
    which renders to exactly these bytes."""
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    with reading(workspace.engine) as session:
        issued = session.get(IssuedFileRow, _sha256(path))
    code = read_pdf_code(path)
    with reading(workspace.engine) as session:
        row = session.exec(
            select(StatementRow).where(StatementRow.verification_code == code)
        ).first()
    if row is None:
        return {
            "file": str(path),
            "verification_code": code,
            "matches": False,
            "reason": "no statement in this ledger has this verification code",
        }
    doc = json.loads(row.document)
    result: dict[str, Any] = {
        "file": str(path),
        "verification_code": code,
        "matches": False,
        "statement_id": row.statement_id,
        "period": row.period,
        "status": doc.get("status"),
        "reason": None,
    }
    if verification_code(doc) != code:
        return result | {"reason": "the ledger's data no longer hashes to this code"}
    if issued is not None and issued.statement_id == row.statement_id:
        return result | {"matches": True}
    [printed] = _printed(workspace, row.period, [doc])
    if not _same_as_issued(printed, path.read_bytes()):
        return result | {"reason": "the PDF's content differs from the statement the ledger issued"}
    return result | {"matches": True}


def _same_as_issued(doc: dict[str, Any], pdf: bytes) -> bool:
    """Rendering is deterministic: the issued document renders to exactly these bytes."""
    import tempfile

    from reports import render_statement

    with tempfile.TemporaryDirectory() as tmp:
        return any(f.read_bytes() == pdf for f in render_statement(doc, Path(tmp)))
