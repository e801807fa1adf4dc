"""The conversion table of a payee statement: each contract's amount of the month plus its
corrections to earlier months, converted once into the payee's currency at the printed rate.

Talent and agency statements both print it, so that the payee's "this period" total is the
printed sum of printed conversions (SPEC 4.3: each contract is converted and rounded on its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reports import layout
from reports.data import items, num
from reports.format import Formats
from reports.layout import cell_amount, para

COLS = [44 * mm, 23 * mm, 23 * mm, 23 * mm, 30 * mm]
COLS.append(layout.CONTENT_W - sum(COLS))


class Conversion(NamedTuple):
    """One contract's row: amounts in ``currency``, ``converted`` in the payee's currency."""

    contract: str
    currency: str
    this_month: Decimal
    corrections: Decimal
    rate: Decimal | None
    converted: Decimal


def conversions(
    contracts: Sequence[Mapping[str, Any]],
    key: str,
    converted_key: str,
    rate_of: Callable[[Mapping[str, Any]], Decimal | None],
) -> list[Conversion]:
    """A row per contract that has ``converted_key``: ``key`` this month, the sum of ``key`` over
    its prior-period adjustments, the rate ``rate_of(contract)`` and the converted amount."""
    rows = []
    for c in contracts:
        if c.get(converted_key) in (None, ""):
            continue
        corrections = sum((num(a, key) for a in items(c, "prior_period_adjustments")), Decimal(0))
        rows.append(
            Conversion(
                str(c.get("contract") or ""),
                str(c.get("currency") or ""),
                num(c, key),
                corrections,
                rate_of(c),
                num(c, converted_key),
            )
        )
    return rows


def needed(rows: Sequence[Conversion], payout: str) -> bool:
    """Whether the table says anything a reader needs: some amount changes currency."""
    return any(row.currency != payout for row in rows)


def table(
    rows: Sequence[Conversion], payout: str, fmt: Formats, intro: str, total_label: str
) -> list[Flowable]:
    """The table, its intro line and the total row (the sum of the converted amounts)."""
    if not rows:
        return []
    head = ["Contract", "This month", "Corrections", "Total", "Rate", f"In {payout}"]
    grid: list[list[Any]] = [layout.headings(head, 1)]
    for row in rows:
        shown = fmt.fx_rate(row.rate) if row.rate is not None else "?"
        grid.append(
            [
                para(f"{row.contract} ({row.currency})", "cell"),
                cell_amount(fmt.money(row.this_month, row.currency)),
                cell_amount(fmt.money(row.corrections, row.currency)),
                cell_amount(fmt.money(row.this_month + row.corrections, row.currency)),
                layout.token(shown, COLS[4], "num"),
                cell_amount(fmt.amount(row.converted, payout), "num_bold"),
            ]
        )
    total = sum((row.converted for row in rows), Decimal(0))
    grid.append(
        [
            para(total_label, "cell_bold"),
            "",
            "",
            "",
            "",
            cell_amount(fmt.amount(total, payout), "num_bold"),
        ]
    )
    last = len(grid) - 1
    extra = [
        ("LINEABOVE", (0, last), (-1, last), 0.8, layout.INK),
        ("BACKGROUND", (0, last), (-1, -1), layout.SHADE),
        ("SPAN", (0, last), (4, last)),
    ]
    return [Spacer(1, 3 * mm), para(intro, "muted"), layout.grid(grid, COLS, extra=extra)]
