"""Plain data text is set by ``layout.Line``: it must break and draw exactly as a Paragraph."""

from __future__ import annotations

import pytest
from reportlab.platypus import Paragraph

from reports import layout

TEXTS = [
    "By channel and territory: out of home \u00b7 JP \u00b7 still: 28,985,228; social \u00b7 KR "
    "\u00b7 still: 29,684,130 | Tiers: 0\u20131,000,000: 1,000,000 at GBP 2.50 per 1,000 = "
    "GBP 2,500.00; 1,000,000\u20135,000,000: 4,000,000 at GBP 2.00 per 1,000 = GBP 8,000.00",
    "Used outside the licence (territory BR not licensed)",
    "SEK\u00a011,000.00 and SEK\u00a02,310.00 held back",
    "Σοφία Παπαδοπούλου, Анна Кузнецова and Zoë Łukasiewicz signed with Maison Étoile",
    "one",
]


@pytest.mark.parametrize("style", ["note", "cell", "num", "muted", "num_bold", "title"])
@pytest.mark.parametrize("text", TEXTS)
def test_breaks_like_a_paragraph_at_every_width(style: str, text: str) -> None:
    compared = 0
    for step in range(0, 1200, 7):
        width = 30 + step * 0.37
        paragraph = Paragraph(text, layout.STYLES[style])
        paragraph.wrap(width, 10_000)
        line = layout.Line(text, layout.STYLES[style])
        _, height = line.wrap(width, 10_000)
        if line.paragraph is not None:  # a word wider than the line: Paragraph sets it
            continue
        compared += 1
        assert [t for t, _ in line.lines] == [" ".join(w) for _, w in paragraph.blPara.lines]
        assert height == paragraph.height
    assert compared > 50


def test_a_word_wider_than_the_line_is_left_to_paragraph() -> None:
    line = layout.Line("x" * 200, layout.STYLES["cell"])
    line.wrap(100, 1000)
    assert line.paragraph is not None
