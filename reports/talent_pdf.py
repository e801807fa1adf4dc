"""Talent statement PDF: summary first, a chart, then every line by brand and contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from ledger.money import round_money
from ledger.settlement.document_types import ContractBlock, Line, TalentStatement
from reports import conversions, layout, self_billed, words
from reports.chart import EarningsChart
from reports.data import (
    by_currency,
    corrections,
    fx_rate,
    is_draft,
    num,
)
from reports.facturx_pdf import can_embed, embed
from reports.format import Formats
from reports.layout import cell_amount, meta_for, para

Row = Mapping[str, Any]
DASH = "\u2013"
INFINITY = "\u221e"
LINE_COLS = [38 * mm, 28 * mm, 20 * mm, 24 * mm, 34 * mm]
LINE_COLS.append(layout.CONTENT_W - sum(LINE_COLS))


def facts(doc: TalentStatement, fmt: Formats) -> list[tuple[str, object]]:
    agency = doc["agency"]
    status = "Draft" if is_draft(doc) else "Final (period closed)"
    return [
        ("Period", fmt.period(doc["period"])),
        ("Agency", (agency["name"] or agency["id"]) if agency else "None (self-represented)"),
        ("Paid in", doc["currency"]),
        ("Statement no.", doc["statement_id"]),
        ("Issued", fmt.date(doc["issued_on"])),
        ("Status", status),
    ]


def _brand_groups(contracts: Sequence[ContractBlock]) -> list[tuple[str, list[ContractBlock]]]:
    groups: dict[str, list[ContractBlock]] = {}
    for contract in contracts:
        groups.setdefault(contract["brand"], []).append(contract)
    return list(groups.items())


def _brand_name(contract: ContractBlock) -> str:
    return contract["brand_name"] or contract["brand"]


def _summary_rows(doc: TalentStatement, fmt: Formats) -> list[tuple[str, str, str]]:
    summary, ccy = doc["summary"], doc["currency"]
    contracts = doc["contracts"]
    rows = [
        (
            "Opening balance (carried from earlier months)",
            fmt.amount(num(summary, "opening_balance"), ccy),
            "",
        )
    ]
    for _, group in _brand_groups(contracts):
        for currency, total in by_currency(group, "earned").items():
            rows.append((f"Earned from {_brand_name(group[0])}", fmt.amount(total, currency), ""))
    for currency, total in by_currency(contracts, "advance_paid").items():
        if total:
            rows.append(("Advance paid to you this period", fmt.amount(total, currency), ""))
    deductions = [
        ("advance_recouped", "Less advance already paid to you (recouped)"),
        ("commission", "Less agency commission"),
        ("withholding", "Less tax withheld"),
    ]
    for key, label in deductions:
        for currency, total in by_currency(contracts, key).items():
            if total or key != "advance_recouped":
                rows.append((label, fmt.amount(-total, currency), ""))
    for currency, total in by_currency(contracts, "talent_net").items():
        rows.append((f"Your share in {currency}", fmt.amount(total, currency), "bold"))
    for currency, total in corrections(contracts, "talent_net").items():
        rows.append(
            (
                f"Corrections to earlier months, your share in {currency}",
                fmt.amount(total, currency),
                "",
            )
        )
    for rate in summary["fx_rates"]:
        text = (
            f"1 {rate['from']} = {fmt.fx_rate(num(rate, 'rate'))} {rate['to']}"
            f" (rate of {fmt.date(rate['date'])})"
        )
        rows.append(("Exchange rate used", text, ""))
    rows.append(
        (f"Net this period, in {ccy}", fmt.amount(num(summary, "net_this_period"), ccy), "bold")
    )
    if num(summary, "adjustments"):
        rows.append(("Manual adjustments", fmt.amount(num(summary, "adjustments"), ccy), ""))
    bill = doc.get("self_billing")
    if bill:
        rows.append((self_billed.vat_label(bill, fmt), fmt.amount(num(summary, "vat"), ccy), ""))
    rows += [
        ("Balance", fmt.amount(num(summary, "balance"), ccy), ""),
        ("Carried forward to next month", fmt.amount(num(summary, "carried_forward"), ccy), ""),
        ("Payable to you", fmt.amount(num(summary, "payable"), ccy), "big"),
    ]
    paid = doc.get("previous_payout")
    if paid:
        rows.insert(
            1,
            (
                f"Last payout ({paid['period']}), paid on {fmt.date(paid['paid_on'])}",
                fmt.amount(num(paid, "amount"), paid["currency"]),
                "",
            ),
        )
    return rows


def summary_section(doc: TalentStatement, fmt: Formats) -> list[Flowable]:
    summary, ccy = doc["summary"], doc["currency"]
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    for index, (label, value, kind) in enumerate(_summary_rows(doc, fmt)):
        if kind == "big":
            rows.append([para(label, "big"), para(value, "big_num")])
            extra += [
                ("BACKGROUND", (0, index), (-1, index), layout.SHADE),
                ("LINEABOVE", (0, index), (-1, index), 1.2, layout.INK),
                ("TOPPADDING", (0, index), (-1, index), 6),
                ("BOTTOMPADDING", (0, index), (-1, index), 6),
            ]
        else:
            bold = kind == "bold"
            rows.append(
                [
                    para(label, "cell_bold" if bold else "cell"),
                    para(value, "num_bold" if bold else "num"),
                ]
            )
    story: list[Flowable] = [
        *layout.heading("Summary", "h2"),
        layout.grid(rows, [layout.CONTENT_W - 70 * mm, 70 * mm], header_rows=0, extra=extra),
    ]
    converted = conversions.conversions(
        doc["contracts"], "talent_net", "talent_net_payout", lambda c: fx_rate(c, summary, ccy)
    )
    if conversions.needed(converted, ccy):
        intro = (
            f"Your share paid in {ccy}: each contract's share (this month and its corrections "
            "to earlier months) x the rate, rounded once."
        )
        story += conversions.table(converted, ccy, fmt, intro, f"Net this period, in {ccy}")
    notes = words.balance_notes(summary, ccy, fmt, "Your")
    notes += words.withholding_note(doc["contracts"], fmt)
    if any(c["prior_period_adjustments"] for c in doc["contracts"]):
        notes.append(
            "This statement also corrects earlier months: see 'Corrections to earlier months'."
        )
    story += [Spacer(1, 2 * mm)] + [para(n, "body") for n in notes]
    return story


def chart_section(doc: TalentStatement, fmt: Formats) -> list[Flowable]:
    ccy, summary = doc["currency"], doc["summary"]
    bars: dict[str, tuple[str, Decimal]] = {}
    missing = []
    for brand, group in _brand_groups(doc["contracts"]):
        total = Decimal(0)
        for contract in group:
            rate = fx_rate(contract, summary, ccy)
            if rate is None:
                missing.append(_brand_name(contract))
                continue
            total += num(contract, "earned") * rate
        bars[brand] = (_brand_name(group[0]), round_money(total, ccy))
    if not bars:
        return []
    story: list[Flowable] = [
        *layout.heading("Earnings by brand", "h2"),
        EarningsChart(list(bars.values()), ccy, fmt, layout.CONTENT_W),
    ]
    if missing:
        story.append(para("No exchange rate for: " + ", ".join(missing), "note"))
    return [KeepTogether(story)]


def _per(per: Decimal, fmt: Formats) -> str:
    return "each" if per == 1 else f"per {fmt.number(per)}"


def _line_rate(line: Line, currency: str, fmt: Formats) -> str:
    details = line["details"]  # its keys depend on the pricing model: read as optional
    if details.get("tiers"):
        return f"tiered ({details.get('pricing') or details.get('tier_mode') or 'graduated'})"
    if details.get("price") not in (None, ""):
        per = num(details, "per") or Decimal(1)
        return f"{fmt.price(num(details, 'price'), currency)} {_per(per, fmt)}"
    return str(line["rate"] or "")


def _rate_cell(line: Line, currency: str, fmt: Formats) -> list[Flowable]:
    """The rate, and on its own line the multiplier of a use outside the licence ("x 1,5")."""
    cell = [cell_amount(_line_rate(line, currency, fmt))]
    multiplier = num(line["details"], "multiplier")
    if multiplier not in (0, 1):
        cell.append(para(f"x {fmt.number(multiplier)}", "num"))
    return cell


def _line_notes(line: Line, currency: str, fmt: Formats) -> str:
    details = line["details"]
    parts = []
    breakdown = [b for b in details.get("breakdown") or [] if isinstance(b, Mapping)]
    if breakdown:
        cells = [
            f"{words.scope(b.get('channel'))} \u00b7 {b.get('territory') or DASH} \u00b7 "
            f"{words.scope(b.get('media'))}: {fmt.number(num(b, 'quantity'))}"
            for b in breakdown
        ]
        parts.append("By channel and territory: " + "; ".join(cells))
    tiers = [t for t in details.get("tiers") or [] if isinstance(t, Mapping)]
    per = _per(num(details, "per") or Decimal(1), fmt)
    multiplier = num(details, "multiplier")
    if multiplier not in (0, 1):
        per += f" x {fmt.number(multiplier)}"
    if tiers:
        cells = [
            f"{fmt.number(num(t, 'from'))}{DASH}"
            f"{fmt.number(num(t, 'up_to')) if t.get('up_to') not in (None, '') else INFINITY}: "
            f"{fmt.number(num(t, 'units'))} at {fmt.price(num(t, 'price'), currency)} {per} = "
            f"{fmt.price(num(t, 'amount'), currency)}"
            for t in tiers
        ]
        parts.append("Tiers: " + "; ".join(cells))
    parts.append(f"Line {line['line_id']}")
    return "  |  ".join(parts)


def _contract_totals(
    contract: ContractBlock, payout: str, fmt: Formats
) -> list[tuple[str, str, bool]]:
    ccy = contract["currency"]
    rows: list[tuple[str, str, bool]] = [("Usage", fmt.amount(num(contract, "usage"), ccy), False)]
    optional = [
        ("retainer", "Retainer"),
        ("cap_adjustment", "Cap adjustment"),
        ("minimum_guarantee_topup", "Minimum guarantee top-up"),
    ]
    rows += [
        (label, fmt.amount(num(contract, k), ccy), False)
        for k, label in optional
        if num(contract, k)
    ]
    rows.append(("Earned", fmt.amount(num(contract, "earned"), ccy), True))
    if num(contract, "advance_paid"):
        rows.append(
            ("Advance paid this period", fmt.amount(num(contract, "advance_paid"), ccy), False)
        )
    if num(contract, "advance_recouped"):
        rows.append(
            ("Less advance recouped", fmt.amount(-num(contract, "advance_recouped"), ccy), False)
        )
    rows += [
        ("Brand pays", fmt.amount(num(contract, "brand_due"), ccy), False),
        (
            f"Less agency commission ({fmt.percent(num(contract, 'commission_rate'))})",
            fmt.amount(-num(contract, "commission"), ccy),
            False,
        ),
        (
            f"Less tax withheld ({fmt.percent(num(contract, 'withholding_rate'))})",
            fmt.amount(-num(contract, "withholding"), ccy),
            False,
        ),
        ("Your share", fmt.amount(num(contract, "talent_net"), ccy), True),
    ]
    corrected = sum(
        (num(a, "talent_net") for a in contract["prior_period_adjustments"]), Decimal(0)
    )
    if contract["prior_period_adjustments"]:
        total = num(contract, "talent_net") + corrected
        rows += [
            ("Corrections to earlier months, your share", fmt.amount(corrected, ccy), False),
            ("Your share, corrections included", fmt.amount(total, ccy), True),
        ]
    if ccy != payout and contract["talent_net_payout"]:
        fx = contract["fx"]
        rate = fmt.fx_rate(num(fx, "rate")) if fx and fx["rate"] else "?"
        rows.append(
            (
                f"In {payout} (x {rate}, rounded)",
                fmt.amount(num(contract, "talent_net_payout"), payout),
                True,
            )
        )
    return rows


def contract_block(contract: ContractBlock, payout: str, fmt: Formats) -> list[Flowable]:
    ccy = contract["currency"]
    ids = (contract["contract"], contract["twin"])
    heading = f"Contract {ids[0]} \u00b7 twin {ids[1]} \u00b7 {ccy}"
    rows: list[list[Any]] = [
        layout.headings(["Metric", "Channel", "Media", "Quantity", "Rate", "Amount"], 3)
    ]
    extra: list[tuple[Any, ...]] = []
    for line in contract["lines"]:
        top = len(rows)
        metric: list[Any] = [para(words.metric(line["metric"]), "cell")]
        if line["out_of_scope"]:
            metric.append(para("Outside the licence", "warn"))
            extra.append(("BACKGROUND", (0, top), (-1, top + 1), layout.WARN_SHADE))
        rows.append(
            [
                metric,
                para(words.scope(line["channel"]), "cell"),
                para(words.scope(line["media"]), "cell"),
                para(fmt.number(num(line, "quantity")), "num"),
                _rate_cell(line, ccy, fmt),
                cell_amount(fmt.amount(num(line, "amount"), ccy)),
            ]
        )
        rows.append([para(_line_notes(line, ccy, fmt), "note"), "", "", "", "", ""])
        extra += [
            ("SPAN", (0, top + 1), (-1, top + 1)),
            ("NOSPLIT", (0, top), (-1, top + 1)),
            ("LINEBELOW", (0, top), (-1, top), 0, layout.colors.white),
            ("TOPPADDING", (0, top + 1), (-1, top + 1), 0),
            ("LEFTPADDING", (0, top + 1), (-1, top + 1), 10),
        ]
    if len(rows) == 1:
        rows.append([para("No priced usage this period.", "muted"), "", "", "", "", ""])
        extra.append(("SPAN", (0, 1), (-1, 1)))
    totals: list[list[Any]] = []
    for label, value, bold in _contract_totals(contract, payout, fmt):
        totals.append(
            [
                para(label, "cell_bold" if bold else "cell"),
                cell_amount(value, "num_bold" if bold else "num"),
            ]
        )
    total_cols = [layout.CONTENT_W - LINE_COLS[-1], LINE_COLS[-1]]
    return [
        *layout.heading(heading, "h4", room=35 * mm),
        *[para(text, "note") for text in words.provenance_notes(contract)],
        layout.grid(rows, LINE_COLS, extra=extra),
        KeepTogether(
            layout.grid(
                totals,
                total_cols,
                header_rows=0,
                extra=[("LINEABOVE", (0, 0), (-1, 0), 0.8, layout.INK)],
            )
        ),
        Spacer(1, 3 * mm),
    ]


def detail_section(doc: TalentStatement, fmt: Formats) -> list[Flowable]:
    story: list[Flowable] = [*layout.heading("Detail by brand", "h2")]
    payout = doc["currency"]
    groups = _brand_groups(doc["contracts"])
    if not groups:
        return [*story, para("No contracts with activity this period.", "muted")]
    for _, group in groups:
        story += layout.heading(_brand_name(group[0]), "h3")
        for contract in group:
            story += contract_block(contract, payout, fmt)
    return story


def adjustments_section(doc: TalentStatement, fmt: Formats) -> list[Flowable]:
    rows: list[list[Any]] = [
        layout.headings(
            [
                "Brand / contract",
                "Month",
                "Earned",
                "Advance recouped",
                "Commission",
                "Withholding",
                "Your share",
            ],
            2,
        )
    ]
    for contract in doc["contracts"]:
        ccy = contract["currency"]
        for adj in contract["prior_period_adjustments"]:
            rows.append(
                [
                    [
                        para(_brand_name(contract), "cell"),
                        para(contract["contract"], "note"),
                    ],
                    para(fmt.period(adj["period"]), "cell"),
                    *[
                        cell_amount(fmt.amount(num(adj, k), ccy))
                        for k in ("earned", "advance_recouped", "commission", "withholding")
                    ],
                    cell_amount(fmt.amount(num(adj, "talent_net"), ccy), "num_bold"),
                ]
            )
    if len(rows) == 1:
        return []
    widths = [40 * mm, 24 * mm]
    widths += [(layout.CONTENT_W - sum(widths)) / 5] * 5
    intro = "Late usage or contract changes that reach back into months already closed."
    return [
        *layout.heading("Corrections to earlier months", "h2"),
        para(intro, "muted"),
        layout.grid(rows, widths),
    ]


def render_talent_statement(doc: TalentStatement, out: Path) -> Path:
    """Render a talent statement document (``statements data --json``) to a PDF at ``out``."""
    fmt = Formats(doc["party"]["locale"])
    story = layout.header(
        "twinledger statement", doc["party"]["name"], facts(doc, fmt), is_draft(doc)
    )
    story += summary_section(doc, fmt)
    story += self_billed.section(doc, fmt)
    story += chart_section(doc, fmt)
    story += detail_section(doc, fmt)
    story += adjustments_section(doc, fmt)
    agency = doc.get("agency")
    follow_up = (
        f"{agency.get('name') or 'Your agency'} follows these up with the brand."
        if isinstance(agency, Mapping) and agency
        else "You represent yourself: take these up with the brand, or ask the clearing house."
    )
    intro = f"Uses of your twin that the ledger flagged. {follow_up}"
    story += words.exceptions_section(doc, fmt, intro)
    path = layout.build(Path(out), meta_for(doc, fmt, "twinledger statement"), story)
    bill = doc.get("self_billing")
    if bill and not is_draft(doc) and can_embed(bill):  # Factur-X of the self-billed invoice
        path.write_bytes(embed(path.read_bytes(), doc, bill))
    return path
