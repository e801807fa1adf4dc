"""Brand invoices: one PDF per currency the brand owes in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from reports import layout
from reports.data import Doc, is_draft, items, num, party, section
from reports.format import Formats
from reports.layout import meta_for, para

TITLE = "twinledger invoice"
DEFAULT_TERMS = "Payment due within 30 days"
DEFAULT_ISSUER = {"name": "twinledger clearing house"}
COLS = [50 * mm] + [(layout.CONTENT_W - 50 * mm) / 6] * 6


def currencies(doc: Doc) -> list[str]:
    """The invoice currencies: the summary's ``due`` keys, else the contracts' currencies."""
    due = section(section(doc, "summary"), "due")
    found = [str(c) for c in due] or [str(c.get("currency") or "") for c in items(doc, "contracts")]
    return sorted(dict.fromkeys(c for c in found if c))


def invoice_number(doc: Doc, currency: str) -> str:
    return f"{doc.get('statement_id') or ''}-{currency}"


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


def _line(contract: Mapping[str, Any], ccy: str, fmt: Formats) -> list[Any]:
    who = [
        para(contract.get("contract") or "", "cell_bold"),
        para(f"Twin {contract.get('twin') or ''}", "note"),
    ]
    if contract.get("talent_name") or contract.get("talent"):
        who.append(para(contract.get("talent_name") or contract.get("talent"), "note"))
    advance = num(contract, "advance_paid") - num(contract, "advance_recouped")
    values = [
        num(contract, k) for k in ("usage", "retainer", "cap_adjustment", "minimum_guarantee_topup")
    ]
    cells = [para(fmt.money(v, ccy), "num") for v in [*values, advance]]
    return [who, *cells, para(fmt.money(num(contract, "brand_due"), ccy), "num_bold")]


def _lines(doc: Doc, ccy: str, fmt: Formats) -> list[Flowable]:
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
    due = section(section(doc, "summary"), "due")
    total = (
        num(due, ccy) if ccy in due else sum((num(c, "brand_due") for c in contracts), num({}, ""))
    )
    last = len(rows)
    rows.append(
        [para("Total due", "big"), "", "", "", "", para(fmt.amount(total, ccy), "big_num"), ""]
    )
    extra = [
        ("SPAN", (0, last), (4, last)),
        ("SPAN", (5, last), (6, last)),
        ("BACKGROUND", (0, last), (-1, last), layout.SHADE),
        ("LINEABOVE", (0, last), (-1, last), 1.2, layout.INK),
        ("TOPPADDING", (0, last), (-1, last), 6),
        ("BOTTOMPADDING", (0, last), (-1, last), 6),
    ]
    note = (
        f"Amounts in {ccy}. Advance = advance charged this period less advance recouped "
        "from earnings."
    )
    return [
        *layout.heading("Charges", "h2"),
        para(note, "muted"),
        layout.grid(rows, COLS, extra=extra),
    ]


def _adjustments(doc: Doc, ccy: str, fmt: Formats) -> list[Flowable]:
    rows: list[list[Any]] = [layout.headings(["Contract", "Month", "Earned", "Amount due"], 2)]
    for contract in items(doc, "contracts"):
        if str(contract.get("currency") or "") != ccy:
            continue
        for adj in items(contract, "prior_period_adjustments"):
            rows.append(
                [
                    para(contract.get("contract") or "", "cell"),
                    para(fmt.period(adj.get("period")), "cell"),
                    para(fmt.amount(num(adj, "earned"), ccy), "num"),
                    para(fmt.amount(num(adj, "brand_due"), ccy), "num"),
                ]
            )
    if len(rows) == 1:
        return []
    widths = [60 * mm, 40 * mm, 37 * mm, layout.CONTENT_W - 137 * mm]
    return [
        KeepTogether(
            [*layout.heading("Corrections to earlier months", "h2"), layout.grid(rows, widths)]
        )
    ]


def render_brand_invoice(doc: dict[str, Any], currency: str, out: Path) -> Path:
    """One invoice: the brand's charges in ``currency`` for the period."""
    fmt = Formats(party(doc).get("locale"))
    number = invoice_number(doc, currency)
    facts: list[tuple[str, object]] = [
        ("Invoice no.", number),
        ("Period", fmt.period(doc.get("period"))),
        ("Currency", currency),
        ("Issued", fmt.date(doc.get("issued_on"))),
        ("Statement", doc.get("statement_id") or ""),
        ("Status", "Draft" if is_draft(doc) else "Final (period closed)"),
    ]
    story = layout.header(TITLE, f"Invoice {number}", facts, is_draft(doc))
    story += [_parties(doc), Spacer(1, 2 * mm)]
    story += _lines(doc, currency, fmt)
    story += _adjustments(doc, currency, fmt)
    terms = doc.get("payment_terms") or DEFAULT_TERMS
    story += [*layout.heading("Payment", "h2"), para(terms, "body")]
    return layout.build(Path(out), meta_for(doc, fmt, TITLE, suffix=f"-{currency}"), story)


def render_brand_invoices(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render one invoice PDF per currency, named ``{statement_id}-{CCY}.pdf``."""
    out_dir = Path(out_dir)
    return [
        render_brand_invoice(doc, ccy, out_dir / f"{invoice_number(doc, ccy)}.pdf")
        for ccy in currencies(doc)
    ]
