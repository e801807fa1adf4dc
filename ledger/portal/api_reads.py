"""What the HTTP API reads for a party: its batches, the exceptions and documents of a period,
a document's PDF and e-invoice XML. Whatever is not the party's raises ``library.NotFound``,
exactly as what does not exist (the API answers 404)."""

from __future__ import annotations

import csv
from typing import Any

from sqlmodel import select

from ledger import statements
from ledger.errors import LedgerError
from ledger.portal import library
from ledger.portal.access import Party
from ledger.settlement.documents import brand_documents_of, document_suffix
from ledger.storage.db import reading
from ledger.storage.repo import all_batches, batch_doc
from ledger.storage.tables import BatchRow, TalentRow
from ledger.workspace import Workspace
from reports.facturx_pdf import can_embed
from reports.ubl import ubl_xml


def batches(workspace: Workspace, party: Party) -> list[dict[str, Any]]:
    """The brand's batches, as `batches list --json` shows them (none for other parties)."""
    if party.type != "brand":
        return []
    with reading(workspace.engine) as session:
        return [batch_doc(b) for b in all_batches(session) if b.brand == party.id]


QUARANTINE_ROWS = 10_000


def batch(workspace: Workspace, party: Party, batch_id: str) -> dict[str, Any]:
    """One of the brand's batches with its quarantined rows (the first ``QUARANTINE_ROWS``)."""
    if party.type != "brand" or len(batch_id) > 100:
        raise library.NotFound()
    with reading(workspace.engine) as session:
        row = session.get(BatchRow, batch_id)
    if row is None or row.brand != party.id:
        raise library.NotFound()
    doc = batch_doc(row)
    rows: list[dict[str, str]] = []
    if row.quarantine:
        path = workspace.path(row.quarantine)
        if path.is_file():
            with path.open(newline="", encoding="utf-8") as handle:
                for n, record in enumerate(csv.DictReader(handle)):
                    if n == QUARANTINE_ROWS:
                        doc["quarantine_truncated"] = True
                        break
                    rows.append(record)
    doc["quarantine_rows"] = rows
    return doc


def _talents_of(workspace: Workspace, agency: str) -> set[str]:
    with reading(workspace.engine) as session:
        return set(session.exec(select(TalentRow.id).where(TalentRow.agency == agency)).all())


def exceptions(workspace: Workspace, party: Party, period: str) -> list[dict[str, Any]]:
    """A settled period's exceptions that concern the party: a brand's own, a talent's twins',
    an agency's talents'."""
    if not library.is_period(period):
        raise library.NotFound()
    try:
        rows = statements.exceptions(workspace, period)
    except LedgerError:
        raise library.NotFound() from None
    if party.type == "brand":
        return [r for r in rows if r["brand"] == party.id]
    talents = {party.id} if party.type == "talent" else _talents_of(workspace, party.id)
    return [r for r in rows if r["talent"] in talents]


def own_statement(workspace: Workspace, party: Party, period: str) -> dict[str, Any]:
    """The party's own statement document of a closed period."""
    if party.type == "brand":
        return library.brand_statement(workspace, party, period)
    return library.own_document(workspace, party, period)


def documents(workspace: Workspace, party: Party, period: str) -> list[dict[str, Any]]:
    """The party's documents of a closed period, with the API addresses of their files."""
    doc = own_statement(workspace, party, period)
    base = f"/api/v1/periods/{period}/documents"
    if party.type != "brand":
        summary = doc.get("summary") or {}
        return [
            {
                "document": "statement",
                "statement_id": doc["statement_id"],
                "currency": doc.get("currency"),
                "payable": summary.get("payable"),
                "pdf": f"{base}/statement.pdf",
                "xml": None,
            }
        ]
    found = []
    for d in brand_documents_of(doc):
        suffix = document_suffix(doc, d)
        found.append(
            {
                "document": d["document"],
                "number": d.get("number"),
                "currency": d.get("currency"),
                "total": d.get("total"),
                "issue_date": d.get("issue_date"),
                "due_date": d.get("due_date"),
                "pdf": f"{base}/{suffix}.pdf",
                "xml": f"{base}/{suffix}.xml" if can_embed(d) else None,
            }
        )
    return found


def pdf(workspace: Workspace, party: Party, period: str, name: str) -> library.Pdf:
    """A document's PDF: a brand's by its currency suffix, a talent's or agency's ``statement``."""
    if party.type == "brand":
        doc = library.brand_document(workspace, party, period, name)
        return library.pdf_file(workspace, doc, name)
    if name != "statement":
        raise library.NotFound(name)
    return library.pdf_file(workspace, library.own_document(workspace, party, period))


def xml(workspace: Workspace, party: Party, period: str, name: str) -> tuple[str, bytes]:
    """The UBL 2.1 XML of a brand's closed invoice or credit note with e-invoice data."""
    if party.type != "brand":
        raise library.NotFound()
    doc = library.brand_document(workspace, party, period, name)
    for d in brand_documents_of(doc):
        if document_suffix(doc, d) == name and can_embed(d):
            return f"{doc['statement_id']}-{name}.xml", ubl_xml(doc, d)
    raise library.NotFound()
