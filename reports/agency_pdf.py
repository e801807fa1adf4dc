"""Agency statement PDF: every represented talent x brand contract, commission and totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from ledger.settlement.document_types import AgencyStatement
from reports import conversions, layout, words
from reports.data import Doc, by_currency, corrections, is_draft, items, num, section
from reports.format import Formats
from reports.layout import cell_amount, meta_for, para

TITLE = "twinledger agency statement"
COLS = [52 * mm, 25 * mm, 25 * mm, 25 * mm, 18 * mm]
COLS.append(layout.CONTENT_W - sum(COLS))


def _facts(doc: AgencyStatement, fmt: Formats) -> list[tuple[str, object]]:
    talents = {c["talent"] for c in doc["contracts"]}
    return [
        ("Period", fmt.period(doc["period"])),
        ("Paid in", doc["currency"]),
        ("Talents", fmt.number(len(talents))),
        ("Statement no.", doc["statement_id"]),
        ("Issued", fmt.date(doc["issued_on"])),
        ("Status", "Draft" if is_draft(doc) else "Final (period closed)"),
    ]


def _summary(doc: AgencyStatement, fmt: Formats) -> list[Flowable]:
    summary, ccy = doc["summary"], doc["currency"]
    rows: list[list[Any]] = []
    for currency, total in by_currency(doc["contracts"], "commission").items():
        rows.append(
            [
                para(f"Commission earned in {currency}", "cell"),
                para(fmt.amount(total, currency), "num"),
            ]
        )
    for currency, total in corrections(doc["contracts"], "commission").items():
        rows.append(
            [
                para(f"Corrections to earlier months in {currency}", "cell"),
                para(fmt.amount(total, currency), "num"),
            ]
        )
    for rate in summary.get("fx_rates", []):
        text = (
            f"1 {rate['from']} = {fmt.fx_rate(num(rate, 'rate'))} {rate['to']}"
            f" (rate of {fmt.date(rate['date'])})"
        )
        rows.append([para("Exchange rate used", "cell"), para(text, "num")])
    rows.append(
        [
            para(f"Commission this period, in {ccy}", "cell_bold"),
            para(fmt.amount(num(summary, "commission"), ccy), "num_bold"),
        ]
    )
    paid = doc.get("previous_payout")
    if paid:
        rows.append(
            [
                para(
                    f"Last payout ({paid['period']}), paid on {fmt.date(paid['paid_on'])}", "cell"
                ),
                para(fmt.amount(num(paid, "amount"), paid["currency"]), "num"),
            ]
        )
    if "balance" in summary:  # documents issued before agencies carried balances have none
        for label, key in (
            ("Opening balance (carried from earlier months)", "opening_balance"),
            ("Manual adjustments", "adjustments"),
            ("Balance", "balance"),
            ("Carried forward to next month", "carried_forward"),
        ):
            if key != "adjustments" or num(summary, key):
                rows.append([para(label, "cell"), para(fmt.amount(num(summary, key), ccy), "num")])
    last = len(rows)
    rows.append(
        [
            para("Payable to the agency", "big"),
            para(fmt.amount(num(summary, "payable"), ccy), "big_num"),
        ]
    )
    extra = [
        ("BACKGROUND", (0, last), (-1, last), layout.SHADE),
        ("LINEABOVE", (0, last), (-1, last), 1.2, layout.INK),
        ("TOPPADDING", (0, last), (-1, last), 6),
        ("BOTTOMPADDING", (0, last), (-1, last), 6),
    ]
    table = layout.grid(rows, [layout.CONTENT_W - 70 * mm, 70 * mm], header_rows=0, extra=extra)
    notes = words.balance_notes(summary, ccy, fmt, "The agency's") if "balance" in summary else []
    return [*layout.heading("Summary", "h2"), table] + [para(n, "body") for n in notes]


def _who(contract: Mapping[str, Any]) -> list[Flowable]:
    return [
        para(contract.get("talent_name") or contract.get("talent") or "", "cell_bold"),
        para(contract.get("brand_name") or contract.get("brand") or "", "cell"),
        para(f"{contract.get('contract') or ''} \u00b7 twin {contract.get('twin') or ''}", "note"),
        *[para(text, "note") for text in words.provenance_notes(contract)],
    ]


def _advance(contract: Mapping[str, Any]) -> Decimal:
    """Advance charged this month less advance recouped: what turns earned into the base."""
    return num(contract, "advance_paid") - num(contract, "advance_recouped")


def _contract_row(contract: Mapping[str, Any], fmt: Formats) -> list[Any]:
    ccy = str(contract.get("currency") or "")
    return [
        _who(contract),
        cell_amount(fmt.amount(num(contract, "earned"), ccy)),
        cell_amount(fmt.amount(_advance(contract), ccy)),
        cell_amount(fmt.amount(num(contract, "brand_due"), ccy)),
        para(fmt.percent(num(contract, "commission_rate")), "num"),
        cell_amount(fmt.amount(num(contract, "commission"), ccy), "num_bold"),
    ]


def _contracts(doc: Doc, fmt: Formats) -> list[Flowable]:
    contracts = items(doc, "contracts")
    head = ["Talent / brand / contract", "Earned", "Advance", "Base", "Rate", "Commission"]
    rows: list[list[Any]] = [layout.headings(head, 1)]
    rows += [_contract_row(c, fmt) for c in contracts]
    if not contracts:
        rows.append([para("No contracts with activity this period.", "muted"), "", "", "", "", ""])
    first_total = len(rows)
    totals = {k: by_currency(contracts, k) for k in ("earned", "brand_due", "commission")}
    for currency, earned in totals["earned"].items():
        advance = sum((_advance(c) for c in contracts if c.get("currency") == currency), Decimal(0))
        rows.append(
            [
                para(f"Total {currency}", "cell_bold"),
                para(fmt.money(earned, currency), "num_bold"),
                para(fmt.money(advance, currency), "num_bold"),
                para(fmt.money(totals["brand_due"][currency], currency), "num_bold"),
                "",
                para(fmt.money(totals["commission"][currency], currency), "num_bold"),
            ]
        )
    extra = [
        ("LINEABOVE", (0, first_total), (-1, first_total), 0.8, layout.INK),
        ("BACKGROUND", (0, first_total), (-1, -1), layout.SHADE),
    ]
    return [
        *layout.heading("Talents and brands", "h2"),
        para(
            "One row per talent and brand contract, in the contract's currency. Base = earned "
            "+ advance (an advance charged this month, less the advance recouped from earnings); "
            "commission = base x rate.",
            "muted",
        ),
        layout.grid(rows, COLS, extra=extra),
        *_conversions(doc, fmt),
    ]


def _commission_rate(doc: Doc, contract: Mapping[str, Any]) -> Decimal | None:
    """The rate the contract's commission was converted at: its own, else the summary's."""
    source, target = str(contract.get("currency") or ""), str(doc.get("currency") or "")
    if source == target:
        return Decimal(1)
    fx = contract.get("commission_fx")
    if isinstance(fx, Mapping) and fx.get("rate") not in (None, ""):
        return num(fx, "rate")
    for rate in section(doc, "summary").get("fx_rates") or []:
        if isinstance(rate, Mapping) and (rate.get("from"), rate.get("to")) == (source, target):
            return num(rate, "rate")
    return None


def _conversions(doc: Doc, fmt: Formats) -> list[Flowable]:
    payout = str(doc.get("currency") or "")
    rows = conversions.conversions(
        items(doc, "contracts"),
        "commission",
        "commission_payout",
        lambda c: _commission_rate(doc, c),
    )
    intro = (
        f"Commission paid in {payout}: each contract's total (this month and its corrections "
        "to earlier months) x the rate, rounded once."
    )
    return conversions.table(rows, payout, fmt, intro, f"Commission in {payout}")


def _adjustments(doc: AgencyStatement, fmt: Formats) -> list[Flowable]:
    rows: list[list[Any]] = [
        layout.headings(["Talent / brand / contract", "Month", "Earned", "Commission"], 2)
    ]
    for contract in doc["contracts"]:
        ccy = contract["currency"]
        for adj in contract["prior_period_adjustments"]:
            rows.append(
                [
                    [
                        para(contract["talent_name"] or contract["talent"], "cell_bold"),
                        para(
                            f"{contract['brand_name'] or contract['brand']} \u00b7 "
                            f"{contract['contract']}",
                            "note",
                        ),
                    ],
                    para(fmt.period(adj["period"]), "cell"),
                    cell_amount(fmt.amount(num(adj, "earned"), ccy)),
                    cell_amount(fmt.amount(num(adj, "commission"), ccy)),
                ]
            )
    if len(rows) == 1:
        return []
    widths = [80 * mm, 30 * mm]
    widths += [(layout.CONTENT_W - sum(widths)) / 2] * 2
    return [
        KeepTogether(
            [*layout.heading("Corrections to earlier months", "h2"), layout.grid(rows, widths)]
        )
    ]


def render_agency_statement(doc: AgencyStatement, out: Path) -> Path:
    """Render an agency statement document (``statements data --json``) to a PDF at ``out``."""
    fmt = Formats(doc["party"]["locale"])
    story = layout.header(TITLE, doc["party"]["name"], _facts(doc, fmt), is_draft(doc))
    story += _summary(doc, fmt)
    story += _contracts(doc, fmt)
    story += _adjustments(doc, fmt)
    intro = "Uses the ledger flagged for the talents you represent; raise them with the brand."
    story += words.exceptions_section(doc, fmt, intro)
    return layout.build(Path(out), meta_for(doc, fmt, TITLE), story)
