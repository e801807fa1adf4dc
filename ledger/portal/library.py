"""What a signed-in party may see: its own documents of closed periods, and for an agency those
of the talents it represented in that period.

Every look-up starts from the party of the session and a period; nothing from a request names a
file. A document that is not the party's is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ledger.errors import LedgerError
from ledger.period import Period, PeriodError
from ledger.portal.access import Party
from ledger.settlement.documents import brand_documents_of, document_suffix
from ledger.storage.db import reading
from ledger.storage.periods import closed_periods as closed_in
from ledger.storage.tables import StatementRow
from ledger.workspace import Workspace
from reports import exports, issue

CURRENCY_RE = re.compile(r"[A-Z]{3}")
SUFFIX_RE = re.compile(r"(?:[a-z0-9][a-z0-9-]{0,63}-)?[A-Z]{3}")
"""A brand document's PDF name after the statement id: ``EUR`` or ``nordlys-EUR``."""
PARTY_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class NotFound(Exception):
    """Nothing this party may see is here."""


@dataclass(frozen=True)
class Document:
    """One downloadable file of a closed period."""

    kind: str  # statement | invoice | talent_statement | reconciliation
    period: str
    title: str
    subject: Party  # whose document it is
    statement_id: str
    file_name: str
    url: str
    amount: str | None = None  # payable or due, as a decimal string
    currency: str | None = None
    note: str | None = None
    issued_on: str | None = None


@dataclass
class PeriodView:
    period: str
    own: list[Document] = field(default_factory=list)
    talents: list[Document] = field(default_factory=list)
    reconciliation: list[Document] = field(default_factory=list)


def closed_periods(workspace: Workspace) -> list[str]:
    """Closed periods, newest first."""
    with reading(workspace.engine) as session:
        return sorted(closed_in(session), reverse=True)


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
    except PeriodError:
        return False
    return True


def _checked_period(workspace: Workspace, period: str) -> str:
    if not _is_period(period) or period not in closed_periods(workspace):
        raise NotFound(period)
    return period


def _docs(
    workspace: Workspace, periods: list[str], party_type: str, party_id: str | None = None
) -> list[dict[str, Any]]:
    if not periods:
        return []
    query = select(StatementRow).where(
        col(StatementRow.period).in_(periods), StatementRow.party_type == party_type
    )
    if party_id is not None:
        query = query.where(StatementRow.party_id == party_id)
    with reading(workspace.engine) as session:
        rows = session.exec(query.order_by(col(StatementRow.party_id))).all()
    return [json.loads(row.document) for row in rows]


def _party_of(doc: dict[str, Any]) -> Party:
    party = doc["party"]
    return Party(
        party["type"], party["id"], party.get("name") or party["id"], party.get("locale") or "en"
    )


def _statement(doc: dict[str, Any], owner: Party) -> Document:
    period, subject = doc["period"], _party_of(doc)
    summary = doc.get("summary") or {}
    carried = summary.get("carried_forward")
    note = None
    if (
        subject.type == "talent"
        and carried not in (None, "0", "0.00")
        and summary.get("payable") in ("0", "0.00", "0.000")
    ):
        note = "below the minimum payout: carried forward to next month"
    if subject.type == "talent" and owner.type == "agency":
        url = f"/periods/{period}/talents/{subject.id}/statement.pdf"
        kind, title = "talent_statement", subject.name
    else:
        url = f"/periods/{period}/statement.pdf"
        kind, title = "statement", "Statement" if subject.type == "talent" else "Agency statement"
    return Document(
        kind=kind,
        period=period,
        title=title,
        subject=subject,
        statement_id=doc["statement_id"],
        file_name=f"{doc['statement_id']}.pdf",
        url=url,
        amount=summary.get("payable"),
        currency=doc.get("currency"),
        note=note,
        issued_on=doc.get("issued_on"),
    )


def _invoices(doc: dict[str, Any]) -> list[Document]:
    """A brand's invoice or credit note per currency (the PDF is named after the statement)."""
    return [
        Document(
            kind="invoice",
            period=doc["period"],
            title=f"{'Credit note' if d['document'] == 'credit_note' else 'Invoice'} in {currency}"
            + (f" from {d['issuer']['name']}" if d.get("issuer") else ""),
            subject=_party_of(doc),
            statement_id=str(d["number"] or doc["statement_id"]),
            file_name=f"{doc['statement_id']}-{suffix}.pdf",
            url=f"/periods/{doc['period']}/invoices/{suffix}.pdf",
            amount=d["total"],
            currency=currency,
            note="credited to you" if d["document"] == "credit_note" else None,
            issued_on=doc.get("issued_on"),
        )
        for d in brand_documents_of(doc)
        for currency, suffix in [(str(d["currency"]), document_suffix(doc, d))]
    ]


def _represented(workspace: Workspace, agency_id: str, periods: list[str]) -> list[dict[str, Any]]:
    """Talent statements that name this agency (the agency of record in that period)."""
    return [
        doc
        for doc in _docs(workspace, periods, "talent")
        if ((doc.get("agency") or {}).get("id")) == agency_id
    ]


def overview(
    workspace: Workspace, party: Party, periods: list[str] | None = None
) -> list[PeriodView]:
    """Everything the party may download, by closed period (newest first)."""
    periods = closed_periods(workspace) if periods is None else periods
    views = {period: PeriodView(period) for period in periods}
    for doc in _docs(workspace, periods, party.type, party.id):
        view = views[doc["period"]]
        view.own += _invoices(doc) if party.type == "brand" else [_statement(doc, party)]
        if party.type == "agency":
            view.reconciliation = [
                Document(
                    kind="reconciliation",
                    period=view.period,
                    title=f"Reconciliation ({fmt.upper()})",
                    subject=party,
                    statement_id=doc["statement_id"],
                    file_name=f"reconciliation-{view.period}-{party.id}.{fmt}",
                    url=f"/periods/{view.period}/reconciliation.{fmt}",
                )
                for fmt in exports.EXPORT_FORMATS
            ]
    if party.type == "agency":
        for doc in _represented(workspace, party.id, periods):
            views[doc["period"]].talents.append(_statement(doc, party))
        for view in views.values():
            view.talents.sort(key=lambda d: d.title.casefold())
    return [view for view in views.values() if view.own or view.talents]


def own_document(workspace: Workspace, party: Party, period: str) -> dict[str, Any]:
    """The party's own statement document of a closed period (talent or agency)."""
    _checked_period(workspace, period)
    if party.type not in ("talent", "agency"):
        raise NotFound(period)
    docs = _docs(workspace, [period], party.type, party.id)
    if len(docs) != 1:
        raise NotFound(period)
    return docs[0]


def brand_statement(workspace: Workspace, brand: Party, period: str) -> dict[str, Any]:
    """A brand's own statement document of a closed period (its invoices and credit notes)."""
    _checked_period(workspace, period)
    if brand.type != "brand":
        raise NotFound(period)
    docs = _docs(workspace, [period], "brand", brand.id)
    if len(docs) != 1:
        raise NotFound(period)
    return docs[0]


def is_period(text: str) -> bool:
    return _is_period(text)


def talent_document(
    workspace: Workspace, agency: Party, period: str, talent_id: str
) -> dict[str, Any]:
    """A represented talent's statement, for that talent's agency only."""
    _checked_period(workspace, period)
    if agency.type != "agency" or not PARTY_ID_RE.fullmatch(talent_id):
        raise NotFound(talent_id)
    docs = _docs(workspace, [period], "talent", talent_id)
    if len(docs) != 1 or (docs[0].get("agency") or {}).get("id") != agency.id:
        raise NotFound(talent_id)
    return docs[0]


def brand_document(
    workspace: Workspace, brand: Party, period: str, currency: str
) -> dict[str, Any]:
    _checked_period(workspace, period)
    if brand.type != "brand" or not SUFFIX_RE.fullmatch(currency):
        raise NotFound(currency)
    docs = _docs(workspace, [period], "brand", brand.id)
    if len(docs) != 1 or currency not in {
        document_suffix(docs[0], d) for d in brand_documents_of(docs[0])
    }:
        raise NotFound(currency)
    return docs[0]


@dataclass(frozen=True)
class Pdf:
    """A PDF as it is downloaded: its file name and bytes."""

    name: str
    content: bytes


def pdf_file(workspace: Workspace, doc: dict[str, Any], currency: str | None = None) -> Pdf:
    """The PDF of a closed statement document, as issued: the file in the workspace's statements
    directory when its bytes are a rendering recorded for this document, else rendered there
    again first (a missing, empty, truncated or stale draft file is never served). The name
    comes from the stored document, never from a request."""
    period, statement_id = doc["period"], str(doc["statement_id"])
    name = f"{statement_id}-{currency}.pdf" if currency else f"{statement_id}.pdf"
    base = workspace.path("statements", period).resolve()
    if (base / name).resolve().parent != base or not _is_period(period):
        raise NotFound(name)
    try:
        return Pdf(name, issue.issued_pdf(workspace, doc, name))
    except LedgerError:
        raise NotFound(name) from None


def reconciliation_export(workspace: Workspace, agency: str, period: str, fmt: str) -> bytes:
    """The agency's reconciliation of a period (`twinledger reconcile`) as CSV or XLSX, written by
    the one export path (reports.exports), which neutralises spreadsheet formulas. A format not
    in the registry is not found."""
    from ledger.reconcile import reconcile

    try:
        export = exports.export_format(fmt)
    except exports.UnknownFormat:
        raise NotFound(fmt) from None
    rec = reconcile(workspace, period, agency, None)
    with tempfile.TemporaryDirectory() as tmp:
        return export.write(Path(tmp) / f"reconciliation.{fmt}", rec).read_bytes()
