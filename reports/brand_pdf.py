"""Brand invoices and credit notes: one PDF per currency of the brand's period.

A currency whose amount for the period is negative (corrections that take back more than the
month charges) gets a credit note, not a negative invoice: its own number, the earlier documents
it corrects and why, and the amount credited as a positive total.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ledger.settlement.documents import brand_document_number, brand_documents_of
from reports import layout
from reports.data import Doc, is_draft, items, num, party, section
from reports.format import Formats
from reports.layout import meta_for, para

TITLE = "twinledger invoice"
CREDIT_TITLE = "twinledger credit note"
DEFAULT_TERMS = "Payment due within 30 days"
DEFAULT_ISSUER = {"name": "twinledger clearing house"}
COLS = [50 * mm] + [(layout.CONTENT_W - 50 * mm) / 6] * 6


def currencies(doc: Doc) -> list[str]:
    """The invoice currencies: the summary's ``due`` keys, else the contracts' currencies."""
    due = section(section(doc, "summary"), "due")
    found = [str(c) for c in due] or [str(c.get("currency") or "") for c in items(doc, "contracts")]
    return sorted(dict.fromkeys(c for c in found if c))


# The document's name in the brand's language; other languages read the English words.
DOCUMENT_WORDS = {
    "en": ("Invoice", "Credit note"),
    "de": ("Rechnung", "Gutschrift"),
    "fr": ("Facture", "Avoir"),
    "it": ("Fattura", "Nota di credito"),
    "es": ("Factura", "Nota de crédito"),
    "pt": ("Fatura", "Nota de crédito"),
    "nl": ("Factuur", "Creditnota"),
    "sv": ("Faktura", "Kreditfaktura"),
    "da": ("Faktura", "Kreditnota"),
    "nb": ("Faktura", "Kreditnota"),
    "no": ("Faktura", "Kreditnota"),
    "fi": ("Lasku", "Hyvityslasku"),
    "pl": ("Faktura", "Faktura korygująca"),
}

CHANGES = {
    "late_events": "Late events",
    "amendment": "Amendment",
    "withdrawn_batch": "Withdrawn batch",
    "recomputed": "Recomputed",
    "manual_adjustment": "Manual adjustment",
}


def document_of(doc: Doc, currency: str) -> Mapping[str, Any]:
    """The invoice or credit note of ``currency`` in a brand statement document."""
    for document in brand_documents_of(doc):
        if document.get("currency") == currency:
            return document
    number = brand_document_number(str(doc.get("statement_id") or ""), "invoice", currency)
    return {"document": "invoice", "number": number, "currency": currency}


def invoice_number(doc: Doc, currency: str) -> str:
    return str(document_of(doc, currency)["number"])


def document_word(locale: object, credit: bool) -> str:
    language = str(locale or "en").replace("-", "_").split("_")[0].lower()
    return DOCUMENT_WORDS.get(language, DOCUMENT_WORDS["en"])[1 if credit else 0]


def file_name(doc: Doc, currency: str) -> str:
    """The PDF of a currency is named after the statement, ``{statement_id}-{CCY}.pdf``,
    whether it is an invoice or a credit note."""
    return f"{doc.get('statement_id') or ''}-{currency}.pdf"


def _parties(doc: Doc) -> Table:
    issuer = doc.get("issuer") if isinstance(doc.get("issuer"), Mapping) else DEFAULT_ISSUER
    assert isinstance(issuer, Mapping)
    brand = party(doc)
    left = [para("From", "head"), para(issuer.get("name") or "", "cell_bold")]
    left += [
        para(f"{k.replace('_', ' ')}: {v}" if k != "address" else v, "cell")
        for k, v in issuer.items()
        if k != "name" and v not in (None, "")
    ]
    right = [para("Bill to", "head"), para(brand.get("name") or brand.get("id") or "", "cell_bold")]
    right.append(para(f"Brand id: {brand.get('id') or ''}", "cell"))
    box = Table([[left, right]], colWidths=[layout.CONTENT_W / 2] * 2)
    box.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return box


def _charge_cells(row: Mapping[str, Any], ccy: str, fmt: Formats) -> list[Any]:
    """Usage, retainer, cap, MG, advance (charged less recouped) and the amount due."""
    advance = num(row, "advance_paid") - num(row, "advance_recouped")
    values = [
        num(row, k) for k in ("usage", "retainer", "cap_adjustment", "minimum_guarantee_topup")
    ]
    cells = [para(fmt.money(v, ccy), "num") for v in [*values, advance]]
    return [*cells, para(fmt.money(num(row, "brand_due"), ccy), "num_bold")]


def _line(contract: Mapping[str, Any], ccy: str, fmt: Formats) -> list[Any]:
    who = [
        para(contract.get("contract") or "", "cell_bold"),
        para(f"Twin {contract.get('twin') or ''}", "note"),
    ]
    if contract.get("talent_name") or contract.get("talent"):
        who.append(para(contract.get("talent_name") or contract.get("talent"), "note"))
    return [who, *_charge_cells(contract, ccy, fmt)]


def _correction(
    contract: Mapping[str, Any], adjustment: Mapping[str, Any], ccy: str, fmt: Formats
) -> list[Any]:
    who = [
        para(contract.get("contract") or "", "cell_bold"),
        para(f"Correction to {fmt.period(adjustment.get('period'))}", "note"),
    ]
    return [who, *_charge_cells(adjustment, ccy, fmt)]


def _manual_rows(doc: Doc, ccy: str, fmt: Formats) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for manual in items(doc, "manual_adjustments"):
        if str(manual.get("currency") or "") != ccy:
            continue
        who = [para("Manual adjustment", "cell_bold"), para(manual.get("reason") or "", "note")]
        amount = para(fmt.money(num(manual, "amount"), ccy), "num_bold")
        rows.append([who, "", "", "", "", "", amount])
    return rows


def _lines(doc: Doc, ccy: str, fmt: Formats, credit: bool) -> list[Flowable]:
    """One table whose "Amount due" column sums to the total: this month's charge per contract,
    then each correction to an earlier month with the same columns, then manual adjustments."""
    contracts = [c for c in items(doc, "contracts") if str(c.get("currency") or "") == ccy]
    head = [
        "Contract / twin / talent",
        "Usage",
        "Retainer",
        "Cap",
        "Minimum guarantee",
        "Advance",
        "Amount due",
    ]
    rows: list[list[Any]] = [layout.headings(head, 1)]
    rows += [_line(c, ccy, fmt) for c in contracts]
    extra: list[tuple[Any, ...]] = []
    corrections = [
        _correction(c, a, ccy, fmt) for c in contracts for a in items(c, "prior_period_adjustments")
    ]
    corrections += _manual_rows(doc, ccy, fmt)
    if corrections:
        extra.append(("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.8, layout.INK))
        rows += corrections
    due = section(section(doc, "summary"), "due")
    total = (
        num(due, ccy) if ccy in due else sum((num(c, "brand_due") for c in contracts), num({}, ""))
    )
    last = len(rows)
    label, shown = ("Total credited", -total) if credit else ("Total due", total)
    rows.append([para(label, "big"), "", "", "", "", para(fmt.amount(shown, ccy), "big_num"), ""])
    extra += [
        ("SPAN", (0, last), (4, last)),
        ("SPAN", (5, last), (6, last)),
        ("BACKGROUND", (0, last), (-1, last), layout.SHADE),
        ("LINEABOVE", (0, last), (-1, last), 1.2, layout.INK),
        ("TOPPADDING", (0, last), (-1, last), 6),
        ("BOTTOMPADDING", (0, last), (-1, last), 6),
    ]
    note = (
        f"Amounts in {ccy}. Advance = advance charged this period less advance recouped "
        "from earnings. Amount due = usage + retainer + cap + minimum guarantee + advance."
    )
    if corrections:
        note += (
            " Corrections to earlier months follow this month's charges; the total is their sum."
        )
    if credit:
        note += (
            " Corrections take back more than this month charges, so the total is credited to you."
        )
    return [
        *layout.heading("Charges", "h2"),
        para(note, "muted"),
        layout.grid(rows, COLS, extra=extra),
    ]


def _reasons(document: Mapping[str, Any], ccy: str, fmt: Formats) -> list[Flowable]:
    """Why the earlier months changed: one row per contract and month corrected."""
    rows: list[list[Any]] = [layout.headings(["Contract", "Month", "What changed", "Amount"], 3)]
    for reason in items(document, "reasons"):
        changes = "; ".join(
            f"{CHANGES.get(str(c.get('change')), str(c.get('change')))}: {c.get('detail') or ''}"
            for c in items(reason, "changes")
        )
        rows.append(
            [
                para(reason.get("contract") or "", "cell"),
                para(fmt.period(reason.get("period")), "cell"),
                para(changes, "cell"),
                para(fmt.amount(num(reason, "amount"), ccy), "num"),
            ]
        )
    if len(rows) == 1:
        return []
    widths = [35 * mm, 30 * mm, layout.CONTENT_W - 97 * mm, 32 * mm]
    return [KeepTogether([*layout.heading("What changed", "h2"), layout.grid(rows, widths)])]


def render_brand_invoice(doc: dict[str, Any], currency: str, out: Path) -> Path:
    """One document: the brand's invoice, or credit note, in ``currency`` for the period."""
    fmt = Formats(party(doc).get("locale"))
    document = document_of(doc, currency)
    credit = document.get("document") == "credit_note"
    number = str(document["number"])
    word = document_word(party(doc).get("locale"), credit)
    facts: list[tuple[str, object]] = [
        ("Credit note no." if credit else "Invoice no.", number),
        ("Period", fmt.period(doc.get("period"))),
        ("Currency", currency),
        ("Issued", fmt.date(doc.get("issued_on"))),
        ("Statement", doc.get("statement_id") or ""),
        ("Status", "Draft" if is_draft(doc) else "Final (period closed)"),
    ]
    corrected = [str(c.get("number") or "") for c in items(document, "corrects")]
    if credit:
        facts.append(("Corrects", ", ".join(n for n in corrected if n) or "earlier months"))
    kicker = CREDIT_TITLE if credit else TITLE
    english = document_word("en", credit)
    if word != english:  # the title keeps the English word beside the brand's own
        kicker = f"{kicker} · {word}"
    story = layout.header(kicker, f"{word if credit else english} {number}", facts, is_draft(doc))
    story += [_parties(doc), Spacer(1, 2 * mm)]
    story += _lines(doc, currency, fmt, credit)
    story += _reasons(document, currency, fmt)
    if credit:
        terms = (
            f"Nothing is due. The {fmt.amount(num(document, 'total'), currency)} credited is "
            f"set off against your next invoices in {currency}."
        )
    else:
        terms = str(doc.get("payment_terms") or DEFAULT_TERMS)
    story += [*layout.heading("Payment", "h2"), para(terms, "body")]
    title = CREDIT_TITLE if credit else TITLE
    return layout.build(Path(out), meta_for(doc, fmt, title, suffix=f"-{currency}"), story)


def render_brand_invoices(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render one PDF per currency (invoice or credit note), named ``{statement_id}-{CCY}.pdf``."""
    out_dir = Path(out_dir)
    return [
        render_brand_invoice(doc, ccy, out_dir / file_name(doc, ccy)) for ccy in currencies(doc)
    ]
