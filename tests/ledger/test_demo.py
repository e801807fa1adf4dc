"""The demo settles a real month and leaves readable PDFs with names in their own scripts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.demo import run_demo
from ledger.statements import documents
from ledger.workspace import Workspace
from reports import issue
from reports.issue import verify_pdf


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return run_demo(tmp_path_factory.mktemp("demo") / "ws", issue.render)


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


def test_every_sample_contract_lies_inside_its_twins_consent(demo: dict[str, object]) -> None:
    assert demo["contract_warnings"] == []
    docs = documents(Workspace.open(Path(str(demo["workspace"]))), "2026-10", "liv-s")
    [liv] = docs
    assert [(c["contract"], [r["id"] for r in c["consents"]]) for c in liv["contracts"]] == [
        ("ZEP-2026-001", ["liv-s-2026"])
    ]
    pdfs = {Path(p).name: p for p in demo["pdfs"]}  # type: ignore[attr-defined]
    text = " ".join(_text(pdfs["ST-2026-10-T-liv-s.pdf"]).split())
    assert "Relies on consent liv-s-2026, signed 2026-05-12" in text


def test_pdfs_show_names_exactly(demo: dict[str, object]) -> None:
    pdfs = {Path(p).name: p for p in demo["pdfs"]}  # type: ignore[attr-defined]
    assert "Liv Sandström" in _text(pdfs["ST-2026-10-T-liv-s.pdf"])
    assert "Zoë Łukasiewicz" in _text(pdfs["ST-2026-10-T-zoe-l.pdf"])
    assert "Σοφία Παπαδοπούλου" in _text(pdfs["ST-2026-10-T-sofia-p.pdf"])
    assert "Анна Кузнецова" in _text(pdfs["ST-2026-10-T-anna-k.pdf"])
    assert "Smith & Sons <Ltd>" in _text(pdfs["ST-2026-10-T-zoe-l.pdf"])
    assert "Smith & Sons <Ltd>" in _text(pdfs["ST-2026-10-B-smith-GBP.pdf"])


def test_statements_verify_accepts_the_pdf_and_rejects_a_forgery(
    demo: dict[str, object], tmp_path: Path
) -> None:
    from reports import render_statement

    workspace = Workspace.open(Path(str(demo["workspace"])))
    pdf = workspace.path("statements", "2026-10", "ST-2026-10-T-liv-s.pdf")
    assert verify_pdf(workspace, pdf)["matches"] is True  # its sha256 was recorded at render
    with workspace.engine.begin() as conn:  # as if rendered before the record existed:
        conn.exec_driver_sql("DELETE FROM issued_files")
    assert verify_pdf(workspace, pdf)["matches"] is True  # re-rendering gives the same bytes
    doc = documents(workspace, "2026-10", "liv-s")[0]
    doc["summary"]["payable"] = "999999.00"  # an edited figure under the genuine code
    [forged] = render_statement(doc, tmp_path)
    result = verify_pdf(workspace, forged)
    assert result["matches"] is False
    assert result["reason"] == "the PDF's content differs from the statement the ledger issued"


def test_explain_every_demo_line_adds_up(demo: dict[str, object]) -> None:
    from typer.testing import CliRunner

    from ledger.cli import app

    workspace = Workspace.open(Path(str(demo["workspace"])))
    seen = 0
    for period in ("2026-09", "2026-10"):
        for doc in documents(workspace, period):
            if doc["party"]["type"] != "brand":
                continue
            for block in doc["contracts"]:
                for line in block["lines"]:
                    result = CliRunner().invoke(
                        app, ["--workspace", str(workspace.root), "explain", line["line_id"],
                              "--json"])  # fmt: skip
                    assert result.exit_code == 0, result.stderr
                    explained = json.loads(result.stdout)
                    assert explained["amount"] == line["amount"], line["line_id"]
                    assert explained["quantity"] == line["quantity"], line["line_id"]
                    total = sum(Decimal(e["quantity"]) for e in explained["events"])
                    assert total == Decimal(line["quantity"])
                    seen += 1
    assert seen >= 20


def test_talent_pdfs_show_every_brand_total_and_exception(demo: dict[str, object]) -> None:
    workspace = Workspace.open(Path(str(demo["workspace"])))
    for doc in documents(workspace, "2026-10"):
        if doc["party"]["type"] != "talent":
            continue
        text = _text(workspace.path("statements", "2026-10", f"{doc['statement_id']}.pdf"))
        flat = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
        for block in doc["contracts"]:
            assert block["brand_name"] in flat
            assert _digits(block["earned"]) in _digits(flat), (doc["statement_id"], block)
        assert _digits(doc["summary"]["payable"]) in _digits(flat)
        for exception in doc["exceptions"]:
            assert exception["event_id"] in flat.replace(" ", "")


def _digits(text: str) -> str:
    """Only the digits: locale grouping and decimal marks differ, the digits do not."""
    return "".join(ch for ch in text if ch.isdigit())


def test_every_demo_invoice_embeds_factur_x_that_validates(demo: dict[str, object]) -> None:
    from facturx import get_xml_from_pdf, xml_check_xsd

    invoices = sorted(Path(p) for p in demo["pdfs"] if "-B-" in Path(p).name)  # type: ignore[attr-defined]
    assert [p.name for p in invoices if "2026-10" in p.name] == [
        "ST-2026-10-B-hanami-anna-k-JPY.pdf",
        "ST-2026-10-B-hanami-athena-JPY.pdf",
        "ST-2026-10-B-smith-GBP.pdf",
        "ST-2026-10-B-zephyr-anna-k-EUR.pdf",
        "ST-2026-10-B-zephyr-nordlys-EUR.pdf",
    ]
    for pdf in invoices:
        name, xml = get_xml_from_pdf(pdf.read_bytes(), check_xsd=False)
        assert name == "factur-x.xml", pdf.name
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def test_the_summary_names_the_pdfs_from_the_current_directory(
    demo: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from ledger.cli.usage import print_summary

    workspace = Path(str(demo["workspace"]))
    monkeypatch.chdir(workspace.parent)
    print_summary(demo)
    shown = [line for line in capsys.readouterr().out.splitlines() if line.endswith(".pdf")]
    assert len(shown) == len(demo["pdfs"]) == 21  # type: ignore[arg-type]
    assert all(line.startswith(f"  {workspace.name}/statements/20") for line in shown)
    monkeypatch.chdir(tmp_path)  # not above the workspace: the path as it is
    print_summary(demo)
    shown = [line for line in capsys.readouterr().out.splitlines() if line.endswith(".pdf")]
    assert shown == [f"  {pdf}" for pdf in demo["pdfs"]]  # type: ignore[attr-defined]
