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

from ledger.settlement.documents import (
    brand_document_number,
    brand_documents_of,
    document_suffix,
)
from reports import layout
from reports.data import Doc, is_draft, items, num, party, section
from reports.facturx_pdf import can_embed, embed
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


def documents_of(doc: Doc) -> list[dict[str, Any]]:
    """The invoices and credit notes of a brand statement document (for one listing none,
    one invoice per currency)."""
    listed = brand_documents_of(doc)
    if listed:
        return listed
    return [
        {"document": "invoice", "number": number, "currency": ccy}
        for ccy in currencies(doc)
        for number in [brand_document_number(str(doc.get("statement_id") or ""), "invoice", ccy)]
    ]


def document_word(locale: object, credit: bool) -> str:
    language = str(locale or "en").replace("-", "_").split("_")[0].lower()
    return DOCUMENT_WORDS.get(language, DOCUMENT_WORDS["en"])[1 if credit else 0]


def file_name(doc: Doc, document: Mapping[str, Any]) -> str:
    """A document's PDF is named after the statement, ``{statement_id}-{CCY}.pdf``, invoice or
    credit note; when several issuers invoice the brand in one currency, each one's is
    ``{statement_id}-{ISSUER}-{CCY}.pdf``."""
    return f"{doc.get('statement_id') or ''}-{document_suffix(doc, document)}.pdf"


def _card(label: str, card: Mapping[str, Any]) -> list[Flowable]:
    """A seller or buyer as the invoice names it: legal name, address, VAT id."""
    cells = [
        para(label, "head"),
        para(card.get("legal_name") or card.get("name") or "", "cell_bold"),
    ]
    if card.get("legal_name") and card.get("legal_name") != card.get("name"):
        cells.append(para(card.get("name"), "note"))
    address = card.get("address") or {}
    for line in address.get("lines") or []:
        cells.append(para(line, "cell"))
    if address:
        place = " ".join(str(p) for p in (address.get("postal_code"), address.get("city")) if p)
        cells.append(para(f"{place}, {address.get('country') or ''}", "cell"))
    if card.get("vat_id"):
        cells.append(para(f"VAT id: {card['vat_id']}", "cell"))
    return cells


def seller_and_buyer(seller: Mapping[str, Any], buyer: Mapping[str, Any]) -> Table:
    """The invoice's two parties side by side: "From" the seller, "Bill to" the buyer."""
    box = Table(
        [[_card("From", seller), _card("Bill to", buyer)]], colWidths=[layout.CONTENT_W / 2] * 2
    )
    box.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return box


def _parties(doc: Doc, document: Mapping[str, Any]) -> Table:
    if isinstance(document.get("seller"), Mapping) and isinstance(document.get("buyer"), Mapping):
        return seller_and_buyer(document["seller"], document["buyer"])
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


def _contracts(doc: Doc, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The contract blocks a document charges: those it lists, else its currency's."""
    ccy = str(document.get("currency") or "")
    listed = document.get("contracts")
    return [
        c
        for c in items(doc, "contracts")
        if str(c.get("currency") or "") == ccy
        and (not isinstance(listed, list) or c.get("contract") in listed)
    ]


def _lines(doc: Doc, document: Mapping[str, Any], fmt: Formats, credit: bool) -> list[Flowable]:
    """One table whose "Amount due" column sums to the net: this month's charge per contract,
    then each correction to an earlier month with the same columns; then VAT and the total."""
    ccy = str(document.get("currency") or "")
    contracts = _contracts(doc, document)
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
    if "net" not in document:  # a document from before VAT also listed manual adjustments
        corrections += _manual_rows(doc, ccy, fmt)
    if corrections:
        extra.append(("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.8, layout.INK))
        rows += corrections
    due = section(section(doc, "summary"), "due")
    if "net" in document:  # net, VAT per rate (on its base), gross
        shown = num(document, "gross")
        # the document's amounts are what it asks or credits: positive on both
        credited = " credited" if credit else ""
        net = num(document, "net")
        rows.append(_total_row(f"Net{credited}", net, ccy, fmt, "cell_bold"))
        for vat in items(document, "vat"):
            rate = num(vat, "rate") * 100
            label = (
                f"VAT{credited} {fmt.number(rate)} % ({vat.get('category') or ''}) "
                f"of {fmt.money(num(vat, 'base'), ccy)}"
            )
            rows.append(_total_row(label, num(vat, "amount"), ccy, fmt, "cell"))
    else:
        total = (
            num(due, ccy)
            if ccy in due
            else sum((num(c, "brand_due") for c in contracts), num({}, ""))
        )
        shown = -total if credit else total
    last = len(rows)
    label = "Total credited" if credit else "Total due"
    rows.append([para(label, "big"), "", "", "", "", para(fmt.amount(shown, ccy), "big_num"), ""])
    for row in range(last - len(items(document, "vat")) - 1 if "net" in document else last, last):
        extra += [("SPAN", (0, row), (4, row)), ("SPAN", (5, row), (6, row))]
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
        summed = "net" if "net" in document else "total"
        note += (
            " Corrections to earlier months follow this month's charges; the Amount due column"
            f" sums to the {summed}."
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


def _total_row(label: str, amount: Any, ccy: str, fmt: Formats, style: str) -> list[Any]:
    return [para(label, style), "", "", "", "", para(fmt.amount(amount, ccy), "num"), ""]


def _mentions(document: Mapping[str, Any]) -> list[Flowable]:
    mentions = [str(v.get("mention")) for v in items(document, "vat") if v.get("mention")]
    return [para(m, "body") for m in dict.fromkeys(mentions)]


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


def render_brand_invoice(doc: dict[str, Any], document: Mapping[str, Any], out: Path) -> Path:
    """One document of the brand's period: an invoice or a credit note."""
    fmt = Formats(party(doc).get("locale"))
    currency = str(document.get("currency") or "")
    credit = document.get("document") == "credit_note"
    number = str(document.get("number") or "DRAFT")  # a draft has no number yet
    word = document_word(party(doc).get("locale"), credit)
    facts: list[tuple[str, object]] = [
        ("Credit note no." if credit else "Invoice no.", number),
        ("Period", fmt.period(doc.get("period"))),
        ("Currency", currency),
        ("Issued", fmt.date(document.get("issue_date") or doc.get("issued_on"))),
    ]
    if document.get("due_date") and not credit:
        facts.append(("Due", fmt.date(document.get("due_date"))))
    facts += [
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
    story += [_parties(doc, document), Spacer(1, 2 * mm)]
    story += _lines(doc, document, fmt, credit)
    story += _mentions(document)
    story += _reasons(document, currency, fmt)
    if credit:
        terms = (
            f"Nothing is due. The {fmt.amount(num(document, 'total'), currency)} credited is "
            f"set off against your next invoices in {currency}."
        )
    elif document.get("due_date"):  # the contract's payment terms decide the due date
        terms = f"Payment due by {fmt.date(document.get('due_date'))}."
    else:
        terms = str(doc.get("payment_terms") or DEFAULT_TERMS)
    story += [*layout.heading("Payment", "h2"), para(terms, "body")]
    title = CREDIT_TITLE if credit else TITLE
    suffix = Path(file_name(doc, document)).stem.removeprefix(str(doc.get("statement_id") or ""))
    path = layout.build(Path(out), meta_for(doc, fmt, title, suffix=suffix), story)
    if not is_draft(doc) and can_embed(document):  # Factur-X: the EN 16931 data inside
        path.write_bytes(embed(path.read_bytes(), doc, document))
    return path


def render_brand_invoices(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render one PDF per invoice or credit note, named as ``file_name`` says."""
    out_dir = Path(out_dir)
    return [
        render_brand_invoice(doc, document, out_dir / file_name(doc, document))
        for document in documents_of(doc)
    ]
