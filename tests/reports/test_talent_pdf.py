from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from report_samples import pdf_text

from reports import fonts, render_statement
from reports.fonts import MissingGlyphs
from reports.talent_pdf import render_talent_statement


def test_talent_statement_content(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    [path] = render_statement(talent_doc, tmp_path)
    assert path.name == "ST-2026-03-T-liv-s.pdf"
    text = pdf_text(path)
    pages = len(PdfReader(str(path)).pages)
    for expected in [
        "twinledger statement",
        "Liv Sandström",
        "Nordlys Model Management",
        "March 2026",
        "ST-2026-03-T-liv-s",
        "Apr 1, 2026",
        "Payable to you SEK 48,537.03",
        "Earned from Zephyr & Co EUR 5,675.00",
        "Earned from Smith & Sons <Ltd> SEK 8,000.00",
        "1 EUR = 11.2345 SEK",
        f"Page 1 of {pages}",
        f"Page {pages} of {pages}",
        "3f" * 32,
        "Used outside the licence (territory US not licensed)",
        "no contract <b>covers</b> 2026-03-09",
        "Outside the licence",
        "Corrections to earlier months",
        "By channel and territory: social · SE · still: 8",
        "Tiers: 0–1,000,000: 1,000,000 at EUR 2.50 per 1,000 = EUR 2,500.00",
    ]:
        assert expected in text, expected
    assert text.count("DRAFT — not final") >= pages


def test_closed_statement_has_no_draft_marker(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    talent_doc["status"] = "closed"
    text = pdf_text(render_talent_statement(talent_doc, tmp_path / "s.pdf"))
    assert "DRAFT" not in text
    assert "Final (period closed)" in text


def test_carried_forward_is_explained(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    talent_doc["summary"].update(
        {
            "balance": "320.00",
            "carried_forward": "320.00",
            "payable": "0.00",
            "min_payout": "500.00",
        }
    )
    text = pdf_text(render_talent_statement(talent_doc, tmp_path / "s.pdf"))
    assert "below your minimum payout of SEK 500.00, so it is carried to next month" in text
    assert "Payable to you SEK 0.00" in text


def test_rerender_is_byte_identical(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    first = render_talent_statement(talent_doc, tmp_path / "a.pdf").read_bytes()
    second = render_talent_statement(talent_doc, tmp_path / "b.pdf").read_bytes()
    assert first == second
    assert b"D:20260401000000" in first


def test_different_statements_have_different_ids(
    talent_doc: dict[str, Any], tmp_path: Path
) -> None:
    first = render_talent_statement(talent_doc, tmp_path / "a.pdf")
    talent_doc["verification_code"] = "ab" * 32
    second = render_talent_statement(talent_doc, tmp_path / "b.pdf")
    assert PdfReader(str(first)).trailer["/ID"] != PdfReader(str(second)).trailer["/ID"]


def test_empty_statement(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    talent_doc.update({"contracts": [], "exceptions": [], "agency": None})
    talent_doc["summary"]["fx_rates"] = []
    text = pdf_text(render_talent_statement(talent_doc, tmp_path / "s.pdf"))
    assert "No contracts with activity this period." in text
    assert "None (self-represented)" in text
    assert "Page 1 of 1" in text


def test_many_lines_span_pages(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    contract = talent_doc["contracts"][0]
    contract["lines"] = contract["lines"] * 40
    path = render_talent_statement(talent_doc, tmp_path / "s.pdf")
    pages = len(PdfReader(str(path)).pages)
    assert pages > 3
    text = pdf_text(path)
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text


@pytest.mark.parametrize(
    ("locale", "payable", "issued", "period"),
    [
        ("en", "SEK 48,537.03", "Apr 1, 2026", "March 2026"),
        ("de", "SEK 48.537,03", "01.04.2026", "März 2026"),
        ("sv", "SEK 48 537,03", "1 apr. 2026", "mars 2026"),
        ("ja", "SEK 48,537.03", "2026/04/01", "2026年3月"),
    ],
)
def test_the_same_statement_in_four_locales(
    talent_doc: dict[str, Any],
    tmp_path: Path,
    locale: str,
    payable: str,
    issued: str,
    period: str,
) -> None:
    talent_doc["party"]["locale"] = locale
    if fonts.missing(period):  # the CJK month needs a CJK font (see docs/fonts.md)
        with pytest.raises(MissingGlyphs):
            render_talent_statement(talent_doc, tmp_path / f"{locale}.pdf")
        return
    out = render_talent_statement(talent_doc, tmp_path / f"{locale}.pdf")
    text = " ".join(pdf_text(out).replace("\u202f", " ").replace("\xa0", " ").split())
    assert payable in text
    assert issued in text
    assert period in text


def test_a_long_exception_list_is_cut_with_counts(
    talent_doc: dict[str, Any], tmp_path: Path
) -> None:
    first = talent_doc["exceptions"][0]
    kinds = ["OUT_OF_SCOPE", "UNLICENSED"]
    talent_doc["exceptions"] = [
        dict(first, event_id=f"ev-{n:02d}", kind=kinds[n % 2]) for n in range(45)
    ]
    text = pdf_text(render_talent_statement(talent_doc, tmp_path / "many.pdf"))
    assert "ev-29" in text and "ev-30" not in text
    assert "and 15 more, 45 in all (used outside the licence: 23, used without a licence: 22)" in (
        " ".join(text.split())
    )


def test_counts_in_the_data_give_the_total(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    """Statement data lists the first 30 exceptions and counts all of them by kind."""
    first = talent_doc["exceptions"][0]
    talent_doc["exceptions"] = [dict(first, event_id=f"ev-{n:02d}") for n in range(30)]
    talent_doc["exception_counts"] = {"OUT_OF_SCOPE": 1200, "UNLICENSED": 34}
    text = pdf_text(render_talent_statement(talent_doc, tmp_path / "counted.pdf"))
    assert "ev-29" in text
    assert (
        "and 1204 more, 1234 in all (used outside the licence: 1200, used without a licence: 34)"
        in (" ".join(text.split()))
    )
