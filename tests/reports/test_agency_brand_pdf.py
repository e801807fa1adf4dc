from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_samples import pdf_text

from reports import render_statement


def test_agency_statement(agency_doc: dict[str, Any], tmp_path: Path) -> None:
    [path] = render_statement(agency_doc, tmp_path)
    assert path.name == "ST-2026-03-A-nordlys.pdf"
    text = pdf_text(path)
    for expected in [
        "twinledger agency statement",
        "Nordlys Model Management",
        "mars 2026",
        "Liv Sandström",
        "Анна Кузнецова",
        "Σοφία Παπαδοπούλου",
        "Smith & Sons <Ltd>",
        "EUR 935,00",
        "SEK 10 504,26",
        "Payable to the agency SEK 13 704,26",
        "Total EUR 5 675,00 −1 000,00 4 675,00 935,00",  # earned, advance, base, commission
        "Total SEK 16 000,00 0,00 16 000,00 3 200,00",
        "Commission in SEK SEK 13 704,26",
        "Used outside the licence (territory US not licensed)",
        "Page 1 of 2",
    ]:
        assert expected in text, expected
    assert "DRAFT" not in text


def test_brand_gets_one_invoice_per_currency(brand_doc: dict[str, Any], tmp_path: Path) -> None:
    paths = render_statement(brand_doc, tmp_path)
    assert [p.name for p in paths] == ["ST-2026-03-B-zephyr-EUR.pdf", "ST-2026-03-B-zephyr-JPY.pdf"]
    eur, jpy = (pdf_text(p) for p in paths)
    assert "Invoice ST-2026-03-B-zephyr-EUR" in eur
    assert "Total due EUR 4.675,00" in eur
    assert "ZEP-2026-001" in eur and "ZEP-JP-2026-002" not in eur
    assert "Invoice ST-2026-03-B-zephyr-JPY" in jpy
    assert "Total due JPY 500.000" in jpy
    assert "Zoë Łukasiewicz" in jpy and "ZEP-2026-001" not in jpy
    for text in (eur, jpy):
        assert "Zephyr & Co" in text
        assert "Payment due within 30 days" in text
        assert "twinledger clearing house" in text


def test_brand_terms_and_issuer(brand_doc: dict[str, Any], tmp_path: Path) -> None:
    brand_doc["payment_terms"] = "Net 14 <days> & no discount"
    brand_doc["issuer"] = {"name": "Clearing & Co <AB>", "address": "Box 1, Stockholm"}
    text = pdf_text(render_statement(brand_doc, tmp_path)[0])
    assert "Net 14 <days> & no discount" in text
    assert "Clearing & Co <AB>" in text and "Box 1, Stockholm" in text


def test_brand_rerender_is_byte_identical(brand_doc: dict[str, Any], tmp_path: Path) -> None:
    first = [p.read_bytes() for p in render_statement(brand_doc, tmp_path / "a")]
    second = [p.read_bytes() for p in render_statement(brand_doc, tmp_path / "b")]
    assert first == second


@pytest.mark.parametrize("party_type", ["", "auditor"])
def test_unknown_party_type_is_refused(
    party_type: str, talent_doc: dict[str, Any], tmp_path: Path
) -> None:
    talent_doc["party"]["type"] = party_type
    with pytest.raises(ValueError, match="party type"):
        render_statement(talent_doc, tmp_path)


def test_statement_id_must_be_a_file_name(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    talent_doc["statement_id"] = "../escape"
    with pytest.raises(ValueError, match="file name"):
        render_statement(talent_doc, tmp_path)
