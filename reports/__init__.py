"""Documents rendered from ledger data: PDF statements and spreadsheet exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from ledger.errors import LedgerError
from ledger.settlement.document_types import AgencyStatement, TalentStatement
from reports.agency_pdf import render_agency_statement
from reports.brand_pdf import render_brand_invoices
from reports.fonts import MissingGlyphs
from reports.talent_pdf import render_talent_statement

__all__ = [
    "render_agency_statement",
    "render_brand_invoices",
    "render_statement",
    "render_talent_statement",
]


def render_statement(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render a statement document to PDF(s) in ``out_dir``; returns the files written.

    Talent and agency: ``{statement_id}.pdf``. Brand: one invoice per currency,
    ``{statement_id}-{CCY}.pdf``. A ``seal`` key (not part of the issued document) is printed
    in the footer: the short form of the seal of the closed period.
    """
    out_dir = Path(out_dir)
    kind = str((doc.get("party") or {}).get("type") or "")
    statement_id = str(doc.get("statement_id") or "")
    if (
        not statement_id
        or "/" in statement_id
        or "\\" in statement_id
        or statement_id.startswith(".")
    ):
        raise ValueError(f"statement_id {statement_id!r} cannot be used as a file name")
    try:
        if kind == "talent":
            talent = cast(TalentStatement, doc)  # a talent's stored document
            return [render_talent_statement(talent, out_dir / f"{statement_id}.pdf")]
        if kind == "agency":
            agency = cast(AgencyStatement, doc)  # an agency's stored document
            return [render_agency_statement(agency, out_dir / f"{statement_id}.pdf")]
        if kind == "brand":
            return render_brand_invoices(doc, out_dir)
    except MissingGlyphs as exc:
        name = (doc.get("party") or {}).get("name") or (doc.get("party") or {}).get("id")
        raise LedgerError(f"statement {statement_id} of {name}: {exc}") from None
    raise ValueError(f"unknown party type {kind!r}; expected talent, agency or brand")
