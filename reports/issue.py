"""Issuing statement PDFs: atomic rendering, the record of every file issued, serving a closed
statement's PDF as issued, and verifying a PDF against the ledger.

Every PDF is rendered into a scratch folder on the same file system, its sha256 recorded with the
verification code of the document it shows, then fsynced and renamed into place: a reader, or a
kill at any moment, never finds an empty or partial PDF, nor one the ledger has no record of.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ledger.errors import LedgerError
from ledger.files import STATEMENT_FILE_BYTES, check_input
from ledger.settlement.documents import verification_code
from ledger.statements import documents, folder, period_status, printed
from ledger.storage.db import reading, writing
from ledger.storage.events import file_sha256, fsync_dir, fsync_file
from ledger.storage.periods import CLOSED
from ledger.storage.repo import now
from ledger.storage.tables import IssuedFileRow, StatementRow
from ledger.workspace import Workspace
from reports import render_statement

POOL_MIN_DOCUMENTS = 16
"""Below this many documents per core, rendering stays in this process."""
CODE_RE = re.compile(r"Verification code \(SHA-256\):\s*([0-9a-f]{64})")
_issue_lock = threading.Lock()


def render(
    workspace: Workspace,
    period: str,
    party: str | None = None,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    party_type: str | None = None,
    einvoice: str | None = None,
) -> list[Path]:
    """Render PDFs of the period's statements (one party's, one type of party's, or all);
    returns the files written, in document order. With ``einvoice="ubl"`` every closed invoice
    and credit note also gets its UBL 2.1 XML beside its PDF (same name, ``.xml``).

    Without ``out`` the PDFs go to the period's folder (see ``folder``). Every file is written
    whole or not at all. Many documents are rendered by a pool of ``workers`` processes
    (default: one per core); each PDF is the same as a one-process render would write.
    """
    docs = printed(workspace, period, documents(workspace, period, party, party_type))
    status = period_status(workspace, period)
    out_dir = out or folder(workspace, period, status)
    issued_dir = workspace.path("statements").resolve()
    if status != CLOSED and out_dir.resolve().is_relative_to(issued_dir):
        raise LedgerError(
            f"{out_dir}: the statements folder holds issued statements only; {period} is a "
            f"draft (its PDFs go to {folder(workspace, period, status)} by default)"
        )
    files = _render_docs(workspace, docs, out_dir, progress, workers)
    if einvoice == "ubl":
        files += _write_ubl(docs, out_dir)
    elif einvoice is not None:
        raise LedgerError(f"unknown e-invoice format {einvoice!r}; known: ubl")
    return files


def _write_ubl(docs: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """The UBL XML of every closed brand document with e-invoice data, each written whole."""
    from reports.brand_pdf import documents_of, file_name
    from reports.facturx_pdf import can_embed
    from reports.ubl import ubl_xml

    written = []
    for doc in docs:
        if (doc.get("party") or {}).get("type") != "brand" or doc.get("status") != CLOSED:
            continue
        for document in documents_of(doc):
            if not can_embed(document):
                continue
            target = out_dir / Path(file_name(doc, document)).with_suffix(".xml").name
            scratch = target.with_name(f".{target.name}.part")
            scratch.write_bytes(ubl_xml(doc, document))
            fsync_file(scratch)
            os.replace(scratch, target)
            written.append(target)
    if written:
        fsync_dir(out_dir)
    return written


def _render_docs(
    workspace: Workspace,
    docs: list[dict[str, Any]],
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Render into a scratch directory on the same file system, record every file's sha256,
    then move each file into ``out_dir`` (fsync, rename): a reader, or a kill at any moment,
    never leaves an empty or partial PDF in ``out_dir``, nor one the ledger has no record of."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_all_start_methods, get_context

    out_dir.mkdir(parents=True, exist_ok=True)
    if workers is None:
        workers = min(os.cpu_count() or 1, len(docs) // POOL_MIN_DOCUMENTS)
    scratch = _scratch(workspace, out_dir)
    try:
        issued: list[tuple[dict[str, Any], list[Path]]] = []
        if workers <= 1:
            for n, doc in enumerate(docs, start=1):
                issued.append((doc, render_statement(doc, scratch)))
                if progress:
                    progress(n, len(docs))
        else:
            method = "fork" if "fork" in get_all_start_methods() else "spawn"
            with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
                rendered = pool.map(partial(render_statement, out_dir=scratch), docs, chunksize=2)
                for n, (doc, written) in enumerate(zip(docs, rendered, strict=True), start=1):
                    issued.append((doc, written))
                    if progress:
                        progress(n, len(docs))
        _record(workspace, issued)
        files = [f for _, written in issued for f in written]
        for f in files:
            fsync_file(f)
            os.replace(f, out_dir / f.name)
        fsync_dir(out_dir)
        return [out_dir / f.name for f in files]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch(workspace: Workspace, out_dir: Path) -> Path:
    """A fresh directory to render into, on the file system of ``out_dir`` so that a rename
    moves a file into place: the workspace's tmp/, else a hidden folder inside ``out_dir``."""
    tmp = workspace.path("tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    same_disk = tmp.stat().st_dev == out_dir.stat().st_dev
    return Path(tempfile.mkdtemp(prefix=".render-", dir=tmp if same_disk else out_dir))


def _record(workspace: Workspace, issued: list[tuple[dict[str, Any], list[Path]]]) -> None:
    """Remember the sha256 of every PDF rendered and the document it shows, for `statements
    verify` and for `issued_pdf`. Renderings already recorded (by this or a concurrent render)
    are kept as they are; one recorded before codes were kept gets its code."""
    from sqlalchemy import update
    from sqlalchemy.dialects import postgresql, sqlite

    stamp = now()
    rows = {}
    for doc, written in issued:
        for f in written:
            sha = file_sha256(f)
            rows[sha] = {
                "sha256": sha,
                "statement_id": doc["statement_id"],
                "period": doc["period"],
                "file_name": f.name,
                "rendered_at": stamp,
                "verification_code": doc["verification_code"],
            }
    if not rows:
        return
    with writing(workspace.engine) as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(IssuedFileRow)
            .values(sorted(rows.values(), key=lambda r: r["sha256"]))
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        legacy = session.exec(
            select(IssuedFileRow.sha256).where(col(IssuedFileRow.verification_code).is_(None))
        ).all()
        for sha in sorted(set(legacy) & set(rows)):
            session.execute(
                update(IssuedFileRow)
                .where(col(IssuedFileRow.sha256) == sha)
                .values(verification_code=rows[sha]["verification_code"])
            )


def issued_pdf(workspace: Workspace, doc: dict[str, Any], file_name: str) -> bytes:
    """The bytes of a closed statement's PDF ``file_name`` in the statements folder, as issued.

    A file there that is missing, empty, a draft, or not byte for byte a rendering recorded for
    this document is rendered again from the stored document (atomically) first; what is
    returned is always bytes whose sha256 the ledger recorded for this document.
    """
    if doc.get("status") != "closed":
        raise LedgerError(f"statement {doc['statement_id']} is a draft; it is not issued")
    path = folder(workspace, str(doc["period"]), "closed") / file_name
    data = _issued_bytes(workspace, path, doc)
    if data is not None:
        return data
    with _issue_lock:
        data = _issued_bytes(workspace, path, doc)
        if data is None:
            _render_docs(workspace, printed(workspace, str(doc["period"]), [doc]), path.parent)
            data = _issued_bytes(workspace, path, doc)
    if data is None:
        raise LedgerError(f"{path}: statement {doc['statement_id']} renders no such file")
    return data


def _issued_bytes(workspace: Workspace, path: Path, doc: dict[str, Any]) -> bytes | None:
    """The file's bytes if they are a recorded rendering of ``doc``; None otherwise."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data:
        return None
    with reading(workspace.engine) as session:
        row = session.get(IssuedFileRow, hashlib.sha256(data).hexdigest())
    if row is None or row.statement_id != doc["statement_id"] or row.file_name != path.name:
        return None
    code = row.verification_code
    if code is None:  # recorded before the document's code was kept: the printed code decides
        try:
            code = read_pdf_code(path)
        except LedgerError:
            return None
    return data if code == doc["verification_code"] else None


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
    """Whether the PDF is a statement this ledger issued: a closed period's statement whose
    bytes are a rendering the ledger recorded for it, or which its stored document still renders
    to exactly. A draft, even a current one, is not an issued statement."""
    check_input(path, STATEMENT_FILE_BYTES)
    with reading(workspace.engine) as session:
        issued = session.get(IssuedFileRow, file_sha256(path))
    code = read_pdf_code(path)
    with reading(workspace.engine) as session:
        row = session.exec(
            select(StatementRow).where(StatementRow.verification_code == code)
        ).first()
    if row is None:
        reason = "no statement in this ledger has this verification code"
        if issued is not None:
            reason = (
                f"a superseded draft of statement {issued.statement_id}: the ledger's "
                "statement no longer has these figures"
            )
        return {"file": str(path), "verification_code": code, "matches": False, "reason": reason}
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
    if doc.get("status") != "closed":
        return result | {
            "reason": f"a DRAFT: {row.period} is not closed, so nothing of it is issued yet"
        }
    if (
        issued is not None
        and issued.statement_id == row.statement_id
        and issued.verification_code in (None, code)
    ):
        return result | {"matches": True}
    [shown] = printed(workspace, row.period, [doc])
    if not _same_as_issued(shown, path.read_bytes()):
        return result | {"reason": "the PDF's content differs from the statement the ledger issued"}
    return result | {"matches": True}


def _same_as_issued(doc: dict[str, Any], pdf: bytes) -> bool:
    """Rendering is deterministic: the issued document renders to exactly these bytes."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return any(f.read_bytes() == pdf for f in render_statement(doc, Path(tmp)))
