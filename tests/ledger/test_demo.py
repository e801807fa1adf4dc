"""The demo settles a real month and leaves readable PDFs with names in their own scripts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.demo import run_demo
from ledger.statements import documents, verify_pdf
from ledger.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return run_demo(tmp_path_factory.mktemp("demo") / "ws")


def _text(path: str | Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_demo_settles_and_closes_the_month(demo: dict[str, object]) -> None:
    settlement = demo["settlement"]
    assert isinstance(settlement, dict)
    assert settlement["status"] == "closed"
    assert settlement["contracts"] == 5
    assert set(settlement["totals"]) == {"EUR", "GBP", "JPY"}
    assert set(settlement["exceptions"]) >= {
        "OUT_OF_SCOPE",
        "UNLICENSED",
        "MISSING_DISCLOSURE",
        "UNVERIFIED_ASSET",
        "EXCLUSIVITY_CONFLICT",
    }
    ingested = demo["ingested"]
    assert isinstance(ingested, list)
    resend = ingested[-1]
    assert (resend["accepted"], resend["duplicates"]) == (0, 12)


def test_pdfs_show_names_exactly(demo: dict[str, object]) -> None:
    pdfs = {Path(p).name: p for p in demo["pdfs"]}  # type: ignore[attr-defined]
    assert "Liv Sandström" in _text(pdfs["ST-2026-10-T-liv-s.pdf"])
    assert "Zoë Łukasiewicz" in _text(pdfs["ST-2026-10-T-zoe-l.pdf"])
    assert "Σοφία Παπαδοπούλου" in _text(pdfs["ST-2026-10-T-sofia-p.pdf"])
    assert "Анна Кузнецова" in _text(pdfs["ST-2026-10-T-anna-k.pdf"])
    assert "Smith & Sons <Ltd>" in _text(pdfs["ST-2026-10-T-zoe-l.pdf"])
    assert "Smith & Sons <Ltd>" in _text(pdfs["ST-2026-10-B-smith-GBP.pdf"])


def test_pdf_totals_match_statement_data(demo: dict[str, object]) -> None:
    workspace = Workspace.open(Path(str(demo["workspace"])))
    for doc in documents(workspace, "2026-10"):
        if doc["party"]["type"] != "talent":
            continue
        text = _text(workspace.path("statements", "2026-10", f"{doc['statement_id']}.pdf"))
        flat = text.replace("\u202f", " ").replace("\xa0", " ")
        payable = Decimal(doc["summary"]["payable"])
        digits = f"{payable:,.2f}"
        variants = {digits, digits.replace(",", " ").replace(".", ","), digits.replace(",", ".")}
        assert any(v in flat for v in variants) or (
            digits.replace(",", " ").replace(".", ",") in flat
        ), (doc["statement_id"], digits)
        assert doc["verification_code"] in flat.replace("\n", "")


def test_statements_verify_accepts_the_pdf_and_rejects_a_forgery(
    demo: dict[str, object], tmp_path: Path
) -> None:
    from reports import render_statement

    workspace = Workspace.open(Path(str(demo["workspace"])))
    pdf = workspace.path("statements", "2026-10", "ST-2026-10-T-liv-s.pdf")
    assert verify_pdf(workspace, pdf)["matches"] is True
    doc = documents(workspace, "2026-10", "liv-s")[0]
    doc["summary"]["payable"] = "999999.00"  # an edited figure under the genuine code
    [forged] = render_statement(doc, tmp_path)
    result = verify_pdf(workspace, forged)
    assert result["matches"] is False
    assert result["reason"] == "the PDF's content differs from the statement the ledger issued"
