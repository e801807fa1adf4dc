"""Bar chart of earnings by brand (reportlab graphics), fed with exact integer minor units."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String

from ledger.money import minor_units, round_money
from reports import fonts, layout
from reports.format import Formats

LABEL_CHARS = 30


def _label(text: str) -> str:
    flat = " ".join(fonts.visual(fonts.clean(text)).split())
    return flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1] + "\u2026"


def _units(amount: Decimal, currency: str) -> int:
    return int(round_money(amount, currency).scaleb(minor_units(currency)))


def earnings_chart(
    bars: Sequence[tuple[str, Decimal]], currency: str, fmt: Formats, width: float
) -> Drawing:
    """One horizontal bar per brand; ``bars`` are (brand name, amount in ``currency``)."""
    labels = [_label(name) for name, _ in bars]
    values = [_units(amount, currency) for _, amount in bars]
    digits = minor_units(currency)

    def money(value: Any) -> str:
        units = Decimal(round(value))
        return fmt.amount(units.scaleb(-digits), currency)

    label_w = 44 * layout.mm
    bar_h = 16
    plot_h = bar_h * len(bars) + 8
    height = plot_h + 44
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 32
    chart.width = width - label_w - 62
    chart.height = plot_h
    chart.data = [values[::-1]]
    chart.bars[0].fillColor = layout.ACCENT
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 6
    chart.valueAxis.valueMin = min(0, *values)
    chart.valueAxis.valueMax = max(1, *values)
    chart.valueAxis.labels.fontName = fonts.REGULAR
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = money
    chart.valueAxis.maximumTicks = 5
    chart.valueAxis.strokeColor = layout.RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = layout.SHADE
    chart.categoryAxis.categoryNames = labels[::-1]
    chart.categoryAxis.labels.fontName = fonts.REGULAR
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = layout.RULE
    chart.categoryAxis.visibleTicks = 0
    chart.barLabelFormat = money
    chart.barLabels.fontName = fonts.REGULAR
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    for index, text in enumerate(labels[::-1]):
        chart.categoryAxis.labels[index].fontName = fonts.label_font(text)
    drawing.add(chart)
    caption = f"Earned by brand, shown in {currency} at this statement's exchange rates"
    drawing.add(String(0, 4, caption, fontName=fonts.REGULAR, fontSize=7, fillColor=layout.MUTED))
    return drawing
