"""Every figure a document derives can be redone from the figures printed beside it (issue:
documents a reader can check with a calculator). The demo's two months and a generated ledger
with tiers, a multiplier, a cap, a minimum guarantee, an advance, payouts in other currencies,
corrections to a closed month, a credit note and a manual adjustment are rendered; the text of
every PDF is extracted and its arithmetic redone from the extracted numbers alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ledger.demo import run_demo
from ledger.statements import documents
from ledger.workspace import Workspace
from reports import brand_pdf, issue
from tests.conftest import Books
from tests.reports import arithmetic, arithmetic_ledger

Check = Callable[[str, str], Counter[str]]
CHECKS: dict[str, Check] = {
    "talent": arithmetic.check_talent,
    "agency": arithmetic.check_agency,
    "brand": arithmetic.check_brand,
}


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _check_period(workspace: Workspace, period: str) -> Counter[str]:
    """Check every PDF of the closed ``period``; returns how many documents of each kind
    (and of credit notes) were checked."""
    checked: Counter[str] = Counter()
    for doc in documents(workspace, period):
        kind, locale = doc["party"]["type"], doc["party"]["locale"]
        folder = workspace.path("statements", period)
        if kind == "brand":
            for document in doc["documents"]:
                path = folder / brand_pdf.file_name(doc, document)
                found = CHECKS[kind](_text(path), locale)
                charged = [c for c in doc["contracts"] if c["contract"] in document["contracts"]]
                corrections = sum(len(c["prior_period_adjustments"]) for c in charged)
                assert found["row"] == len(charged) + corrections, (path.name, found)
                assert found["vat"] == len(document["vat"]), (path.name, found)
                checked[document["document"]] += 1
            continue
        path = folder / f"{doc['statement_id']}.pdf"
        found = CHECKS[kind](_text(path), locale)
        assert found["contract"] == len(doc["contracts"]), (path.name, found)
        assert found["balance"] == 1
        checked[kind] += 1
    return checked


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    root = tmp_path_factory.mktemp("arithmetic")
    (root / "in").mkdir()
    books = Books(Workspace.init(root / "ws"), root / "in")
    for period in arithmetic_ledger.build(books):
        books.ok("statements", "render", period)
    yield books
    books.workspace.engine.dispose()


def test_the_demo_months_add_up(tmp_path: Path) -> None:
    run_demo(tmp_path / "demo", issue.render)
    workspace = Workspace.open(tmp_path / "demo")
    invoices = {"2026-09": 4, "2026-10": 5}  # one per issuer, brand and currency
    for period, count in invoices.items():
        checked = _check_period(workspace, period)
        assert checked == Counter(talent=4, agency=2, invoice=count), (period, checked)


@pytest.mark.parametrize("period", ["2026-03", "2026-04"])
def test_a_generated_ledger_adds_up(generated: Books, period: str) -> None:
    checked = _check_period(generated.workspace, period)
    expected: dict[str, Any] = {
        "2026-03": Counter(talent=2, agency=1, invoice=4),
        "2026-04": Counter(talent=2, agency=1, invoice=3, credit_note=1),
    }
    assert checked == expected[period]


def test_the_generated_ledger_exercises_every_kind_of_figure(generated: Books) -> None:
    """The generated months print tiers, a multiplier, a cap, an MG top-up, an advance, FX
    conversions, corrections and a manual adjustment: the checks above are not vacuous."""
    folder = generated.workspace.path("statements")
    t1 = _text(folder / "2026-04" / "ST-2026-04-T-t1.pdf")
    march = _text(folder / "2026-03" / "ST-2026-03-T-t1.pdf")
    counts = arithmetic.check_talent(t1, "sv") + arithmetic.check_talent(march, "sv")
    assert counts["tier"] >= 6 and counts["conversion"] == 4 and counts["correction"] == 2
    for phrase in ("Cap adjustment", "Minimum guarantee top-up", "Advance paid this period",
                   "Manual adjustments", "each x 1,5 EUR 60,00"):  # fmt: skip
        assert phrase in " ".join((march + t1).split()), phrase


def test_a_wrong_figure_is_caught() -> None:
    """The checker fails on a printed total that does not follow from its parts."""
    good = (
        "Charges\nAmounts in EUR.\nK1\n 100.00 0.00 0.00 0.00 0.00 100.00\n"
        "Total due EUR 100.00\nPayment\n"
    )
    assert arithmetic.check_brand("x\n" + good, "en")["total"] == 1
    with pytest.raises(AssertionError, match=r"Total due: printed 100\.01"):
        arithmetic.check_brand(
            "x\n" + good.replace("Total due EUR 100.00", "Total due EUR 100.01"), "en"
        )
    with pytest.raises(AssertionError, match="amount due"):
        arithmetic.check_brand("x\n" + good.replace(" 0.00 100.00\n", " 0.00 100.02\n"), "en")
