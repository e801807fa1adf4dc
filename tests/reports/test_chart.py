"""The earnings chart: round tick amounts, one bar and one amount per brand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from report_samples import pdf_text, squash
from reportlab.platypus import SimpleDocTemplate

from reports import layout
from reports.chart import EarningsChart, ticks
from reports.format import Formats


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 1, [0, 1]),
        (0, 7, [0, 2, 4, 6]),
        (0, 100, [0, 50, 100]),
        (0, 99, [0, 50]),
        (0, 1999, [0, 500, 1000, 1500]),
        (0, 250_000, [0, 100_000, 200_000]),
        (-5_000, 120_000, [0, 50_000, 100_000]),
        (-120_000, 5_000, [-100_000, -50_000, 0]),
        (0, 30_487_679, [0, 10_000_000, 20_000_000, 30_000_000]),
    ],
)
def test_ticks_fall_on_round_amounts(low: int, high: int, expected: list[int]) -> None:
    assert ticks(low, high) == expected


def test_chart_shows_each_brand_and_amount(tmp_path: Path) -> None:
    bars = [
        ("Zephyr & Co", Decimal("128000.12")),
        ("Νίκη Maison Étoile", Decimal("45000")),
        ("Returns Ltd", Decimal("-12000.50")),
    ]
    path = tmp_path / "chart.pdf"
    SimpleDocTemplate(str(path)).build(
        [EarningsChart(bars, "EUR", Formats("en"), layout.CONTENT_W)]
    )
    text = pdf_text(path)
    for expected in [
        "Zephyr & Co",
        "Νίκη Maison Étoile",
        "EUR 128,000.12",
        "EUR 45,000.00",
        "EUR −12,000.50",
        "EUR 100,000.00",
        "Earned by brand, shown in EUR",
    ]:
        assert squash(expected) in text
