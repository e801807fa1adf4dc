"""Bar chart of earnings by brand, fed with exact integer minor units.

The chart is drawn straight on the canvas (a few rectangles, lines and strings) rather than
through reportlab's graphics widgets, which cost a fifth of a statement's rendering time. It
keeps their layout: one horizontal bar per brand, brand names right-aligned before the bars, a
value axis below with ticks at round amounts (1, 2 or 5 times a power of ten, at most five).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from reportlab.platypus import Flowable

from ledger.money import minor_units, round_money
from reports import fonts, layout
from reports.format import Formats

LABEL_CHARS = 30
MAX_TICKS = 5
LABEL_W = 44 * layout.mm
BAR_H, BAR_GAP = 10.0, 6.0
AXIS_Y = 32.0
CAPTION = "Earned by brand, shown in {currency} at this statement's exchange rates"


def _label(text: str) -> str:
    flat = " ".join(fonts.visual(fonts.clean(text)).split())
    return flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1] + "\u2026"


def _units(amount: Decimal, currency: str) -> int:
    return int(round_money(amount, currency).scaleb(minor_units(currency)))


def tick_step(low: int, high: int, most: int = MAX_TICKS) -> int:
    """The smallest step of 1, 2 or 5 times a power of ten (in minor units) that puts at most
    ``most`` ticks between ``low`` and ``high``."""
    raw = max(high - low, 1) / (most - 1)
    power = 10 ** max(math.floor(math.log10(raw)), 0)
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)


def ticks(low: int, high: int) -> list[int]:
    step = tick_step(low, high)
    first = -(-low // step) * step
    return list(range(first, high + 1, step))


class EarningsChart(Flowable):
    """One horizontal bar per brand; ``bars`` are (brand name, amount in ``currency``)."""

    def __init__(
        self, bars: Sequence[tuple[str, Decimal]], currency: str, fmt: Formats, width: float
    ) -> None:
        super().__init__()
        self.labels = [_label(name) for name, _ in bars]
        self.values = [_units(amount, currency) for _, amount in bars]
        self.currency, self.fmt = currency, fmt
        self.digits = minor_units(currency)
        self.plot_h = (BAR_H + BAR_GAP) * len(bars) + 8
        self.width, self.height = width, self.plot_h + 44

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def _money(self, units: int) -> str:
        return self.fmt.amount(Decimal(units).scaleb(-self.digits), self.currency)

    def draw(self) -> None:
        canvas = self.canv
        low, high = min(0, *self.values), max(1, *self.values)
        plot_w = self.width - LABEL_W - 62

        def x_of(value: int) -> float:
            return LABEL_W + (value - low) / (high - low) * plot_w

        top = AXIS_Y + self.plot_h
        canvas.saveState()
        canvas.setLineWidth(0.25)
        canvas.setStrokeColor(layout.SHADE)
        marks = ticks(low, high)
        for value in marks:
            canvas.line(x_of(value), AXIS_Y, x_of(value), top)
        canvas.setLineWidth(1)
        canvas.setStrokeColor(layout.RULE)
        canvas.line(LABEL_W, AXIS_Y, LABEL_W + plot_w, AXIS_Y)
        canvas.line(LABEL_W, AXIS_Y, LABEL_W, top)
        canvas.setFont(fonts.REGULAR, 6.5)
        canvas.setFillColor(layout.INK)
        for value in marks:
            canvas.line(x_of(value), AXIS_Y, x_of(value), AXIS_Y - 5)
            canvas.drawCentredString(x_of(value), AXIS_Y - 5 - 6.5 * 0.93, self._money(value))
        scale = self.plot_h / ((BAR_H + BAR_GAP) * len(self.values))
        zero = x_of(0)
        for index, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
            slot = len(self.values) - 1 - index  # the first brand at the top
            bottom = AXIS_Y + scale * (slot * (BAR_H + BAR_GAP) + BAR_GAP / 2)
            middle = bottom + scale * BAR_H / 2
            end = x_of(value)
            canvas.setFillColor(layout.ACCENT)
            canvas.rect(min(zero, end), bottom, abs(end - zero), scale * BAR_H, stroke=0, fill=1)
            canvas.setFillColor(layout.INK)
            canvas.setFont(fonts.REGULAR, 6.5)
            canvas.drawString(max(zero, end) + 3, middle - 6.5 * 0.35, self._money(value))
            font = fonts.label_font(label)
            canvas.setFont(font, 7.5)
            canvas.drawRightString(LABEL_W - 4, middle - 7.5 * 0.35, label)
        canvas.setFillColor(layout.MUTED)
        canvas.setFont(fonts.REGULAR, 7)
        canvas.drawString(0, 4, CAPTION.format(currency=self.currency))
        canvas.restoreState()
