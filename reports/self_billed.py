"""The self-billed invoice on a VAT-registered talent's statement (SPEC 4.3.2): who supplies
whom, each contract's royalties converted into the payout currency, net, VAT and gross, and the
mentions; closed, its EN 16931 data is embedded in the statement PDF as Factur-X."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from reports import layout
from reports.brand_pdf import seller_and_buyer
from reports.data import items, num
from reports.format import Formats
from reports.layout import cell_amount, para

TITLE = {"invoice": "Self-billed invoice", "credit_note": "Self-billed credit note"}
COLS = [32 * mm, 30 * mm, 36 * mm, 32 * mm]
COLS.append(layout.CONTENT_W - sum(COLS))


def vat_label(bill: Mapping[str, Any], fmt: Formats) -> str:
    """The summary's VAT row: what the rate applies to."""
    [vat] = items(bill, "vat")
    what = TITLE[str(bill.get("document"))].lower()
    return f"VAT on your {what} ({fmt.percent(vat.get('rate'))} of the net)"


def section(doc: Mapping[str, Any], fmt: Formats) -> list[Flowable]:
    bill = doc.get("self_billing")
    if not isinstance(bill, Mapping):
        return []
    ccy = str(bill["currency"])
    credit = bill.get("document") == "credit_note"
    number = str(bill.get("number") or "DRAFT")
    by = (bill.get("issued_by") or {}).get("name") or "your agency"
    intro = (
        f"{TITLE[str(bill.get('document'))]} no. {number}, issued on "
        f"{fmt.date(bill.get('issue_date'))} by {by} on your behalf for the royalties you "
        "supply (your share before tax withheld), VAT on top."
    )
    rows: list[list[Any]] = [
        layout.headings(["Contract", "Brand", "Royalties", "Rate", f"Amount ({ccy})"], 2)
    ]
    for line in items(bill, "lines"):
        rows.append(
            [
                para(line.get("contract"), "cell"),
                para(line.get("brand"), "cell"),
                cell_amount(fmt.amount(num(line, "royalties"), str(line.get("currency")))),
                cell_amount(fmt.fx_rate(num(line, "rate"))),
                cell_amount(fmt.amount(num(line, "amount"), ccy)),
            ]
        )
    [vat] = items(bill, "vat")
    totals = [
        ("Net", num(bill, "net"), "cell_bold"),
        (
            f"VAT {fmt.percent(vat.get('rate'))} ({vat.get('category')}) of "
            f"{fmt.amount(num(vat, 'base'), ccy)}",
            num(vat, "amount"),
            "cell",
        ),
        ("Total credited" if credit else "Total", num(bill, "gross"), "cell_bold"),
    ]
    first = len(rows)
    for label, amount, style in totals:
        rows.append([para(label, style), "", "", "", cell_amount(fmt.amount(amount, ccy))])
    extra: list[tuple[Any, ...]] = [("SPAN", (0, r), (3, r)) for r in range(first, len(rows))]
    extra.append(("LINEABOVE", (0, first), (-1, first), 0.8, layout.INK))
    note = (
        "Amounts in the contract's currency x the rate, rounded once, in "
        f"{ccy}; the net is their sum. VAT is the rate x the net, rounded once."
    )
    mentions = [str(bill.get("mention") or "Self-billing")]
    if vat.get("mention"):
        mentions.append(str(vat["mention"]))
    if credit:
        mentions.append("This credit note takes back royalties of earlier months, and their VAT.")
    return [
        *layout.heading(TITLE[str(bill.get("document"))], "h2"),
        para(intro, "muted"),
        seller_and_buyer(bill["seller"], bill["buyer"]),
        Spacer(1, 2 * mm),
        KeepTogether([layout.grid(rows, COLS, extra=extra), para(note, "muted")]),
        *[para(m, "body") for m in mentions],
    ]
