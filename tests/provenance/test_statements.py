"""The statement, the agency reconciliation and its exports show, per contract, the consent it
relies on and how many uses carried verified content credentials."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import Books

from .conftest import Assets
from .test_rating import settle

DOC = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CONSENT = f"""
    [[consents]]
    id = "liv-all"
    twin = "w1"
    purpose = "Advertising by licensed brands"
    rate_basis = "per publication"
    start = 2026-01-01
    end = 2026-12-31
    signed_on = 2025-12-15
    document_sha256 = "{DOC}"
    scope = {{ territories = ["WORLD"], channels = ["*"], categories = ["*"] }}
"""
CONSENT_REF = {"id": "liv-all", "signed_on": "2025-12-15", "document_sha256": DOC}


def test_statement_data_and_pdf_show_consent_and_credentials(
    books: Books, assets: Assets, tmp_path: Path
) -> None:
    settle(books, assets, consents=CONSENT)
    contracts = books.ok("statements", "data", "2026-03", "--party", "t1")["contracts"]
    by_id = {c["contract"]: c for c in contracts}
    # b1's eight publications: P1, P2, P5, P7, P8 match a verified credential (by asset id or
    # content hash); P3 (tampered), P4 and P6 (nothing on file) do not
    assert by_id["C1"]["content_credentials"] == {"verified": 5, "uses": 8}
    assert "content_credentials" not in by_id["C2"]  # b2 has no assets on file
    assert by_id["C1"]["consents"] == by_id["C2"]["consents"] == [CONSENT_REF]
    rendered = books.ok("statements", "render", "2026-03", "--party", "t1", "--out", tmp_path)
    [pdf] = rendered["files"]
    text = " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages)
    text = " ".join(text.split())
    assert "5 of 8 uses carried verified content credentials" in text
    assert text.count("Relies on consent liv-all, signed 2025-12-15") == 2
    agency = books.ok("statements", "render", "2026-03", "--party", "ag", "--out", tmp_path)
    [pdf] = agency["files"]
    text = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(pdf).pages).split())
    assert "5 of 8 uses carried verified content credentials" in text
    assert text.count("Relies on consent liv-all, signed 2025-12-15") == 2


def test_reconciliation_and_its_exports_have_the_column(
    books: Books, assets: Assets, tmp_path: Path
) -> None:
    settle(books, assets, consents=CONSENT)
    rec = books.ok("reconcile", "2026-03", "--agency", "ag")
    assert rec["contracts"] == [
        {
            "contract": "C1",
            "talent": "t1",
            "brand": "b1",
            "twin": "w1",
            "consents": ["liv-all"],
            "content_credentials": {"verified": 5, "uses": 8},
        },
        {
            "contract": "C2",
            "talent": "t1",
            "brand": "b2",
            "twin": "w1",
            "consents": ["liv-all"],
            "content_credentials": None,
        },
    ]
    csv_file, xlsx_file = tmp_path / "rec.csv", tmp_path / "rec.xlsx"
    books.ok(
        "reconcile", "2026-03", "--agency", "ag",
        "--export", f"csv={csv_file}", "--export", f"xlsx={xlsx_file}",
    )  # fmt: skip
    with csv_file.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["section"] == "contract"]
    assert [
        (r["contract"], r["consents"], r["credentials_verified"], r["credentials_uses"])
        for r in rows
    ] == [("C1", "liv-all", "5", "8"), ("C2", "liv-all", "", "")]
    sheet = load_workbook(xlsx_file)["Contracts"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["talent", "brand", "twin", "contract", "consents", "credentials_verified",
         "credentials_uses"],
        ["t1", "b1", "w1", "C1", "liv-all", 5, 8],
        ["t1", "b2", "w1", "C2", "liv-all", None, None],
    ]  # fmt: skip
    table = books.cli("reconcile", "2026-03", "--agency", "ag")
    assert table.exit_code == 0
    assert "Consents and content credentials by contract" in table.stdout
    assert "5 of 8" in table.stdout


def test_a_consent_imported_after_the_draft_outdates_it(books: Books, assets: Assets) -> None:
    settle(books, assets, verify=False)
    books.ok("consents", "import", books.write("consents.toml", CONSENT))
    assert "changed since its draft" in books.refused("settle", "close", "2026-03")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    [c1] = [
        c
        for c in books.ok("statements", "data", "2026-03", "--party", "t1")["contracts"]
        if c["contract"] == "C1"
    ]
    assert c1["consents"] == [CONSENT_REF]
