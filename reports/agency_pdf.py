"""Agency statement PDF: every represented talent x brand contract, commission and totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from ledger.settlement.document_types import AgencyStatement, ContractBlock
from reports import layout, words
from reports.data import by_currency, corrections, is_draft, num
from reports.format import Formats
from reports.layout import cell_amount, meta_for, para

TITLE = "twinledger agency statement"
COLS = [58 * mm, 24 * mm, 24 * mm, 14 * mm, 25 * mm]
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


def _contract_row(contract: ContractBlock, payout: str, fmt: Formats) -> list[Any]:
    ccy = contract["currency"]
    who = [
        para(contract["talent_name"] or contract["talent"], "cell_bold"),
        para(contract["brand_name"] or contract["brand"], "cell"),
        para(f"{contract['contract']} \u00b7 twin {contract['twin']}", "note"),
    ]
    payout_text = (
        fmt.amount(num(contract, "commission_payout"), payout)
        if contract.get("commission_payout")  # absent where the talent has no agency
        else "\u2013"
    )
    return [
        who,
        cell_amount(fmt.amount(num(contract, "usage"), ccy)),
        cell_amount(fmt.amount(num(contract, "earned"), ccy)),
        para(fmt.percent(num(contract, "commission_rate")), "num"),
        cell_amount(fmt.amount(num(contract, "commission"), ccy)),
        cell_amount(payout_text, "num_bold"),
    ]


def _contracts(doc: AgencyStatement, fmt: Formats) -> list[Flowable]:
    payout = doc["currency"]
    contracts = doc["contracts"]
    head = [
        "Talent / brand / contract",
        "Usage",
        "Earned",
        "Rate",
        "Commission",
        f"Commission in {payout}",
    ]
    rows: list[list[Any]] = [layout.headings(head, 1)]
    rows += [_contract_row(c, payout, fmt) for c in contracts]
    if not contracts:
        rows.append([para("No contracts with activity this period.", "muted"), "", "", "", "", ""])
    first_total = len(rows)
    usage = by_currency(contracts, "usage")
    earned = by_currency(contracts, "earned")
    commission = by_currency(contracts, "commission")
    for currency in usage:
        rows.append(
            [
                para(f"Total {currency}", "cell_bold"),
                para(fmt.money(usage[currency], currency), "num_bold"),
                para(fmt.money(earned[currency], currency), "num_bold"),
                "",
                para(fmt.money(commission[currency], currency), "num_bold"),
                "",
            ]
        )
    in_payout = sum((num(c, "commission_payout") for c in contracts), Decimal(0))
    rows.append(
        [
            para(f"Total commission in {payout}", "cell_bold"),
            "",
            "",
            "",
            "",
            cell_amount(fmt.amount(in_payout, payout), "num_bold"),
        ]
    )
    extra = [
        ("LINEABOVE", (0, first_total), (-1, first_total), 0.8, layout.INK),
        ("BACKGROUND", (0, first_total), (-1, -1), layout.SHADE),
        ("SPAN", (0, len(rows) - 1), (4, len(rows) - 1)),
    ]
    return [
        *layout.heading("Talents and brands", "h2"),
        para(
            "One row per talent and brand contract; amounts in the contract's currency, "
            "the last column converted at the period's rate.",
            "muted",
        ),
        layout.grid(rows, COLS, extra=extra),
    ]


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
