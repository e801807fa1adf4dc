"""Names are data: every one renders, and text DejaVu covers comes back exactly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from report_samples import pdf_text, squash

from ledger.errors import LedgerError
from reports import fonts, render_statement

NAMES = [
    "Zoë Łukasiewicz",
    "Σοφία Παπαδοπούλου",
    "Анна Кузнецова",
    "Smith & Sons <Ltd>",
    "<b>bold</b>",
    "&amp; &lt; &#169; &nbsp;",
    '<img src="/etc/passwd"/>',
    "<font color=red>red</font>",
    "</para><para>",
    "<br/>line",
    "<a href='javascript:alert(1)'>x</a>",
    "דנה לוי",
    "ليلى حداد",
    "Ame\u0301lie Cafe\u0301",
    "a\u200db\u200dc",
    "family 👩\u200d👩\u200d👧",
    "Renée 🌸",
    "N" * 300,
    " ".join(["Maximiliane"] * 30),
    'O\'Brien "The Face"',
    "back\\slash\\name",
    "%s %d %(name)s",
    "{0} {name} {{}}",
    "line one\nline two",
    "tab\tseparated\tname",
    "control\x00\x07chars",
    "Ærøskøbing Åsa",
    "Ðorđe Šćepanović",
    "İstanbul ıi",
    "Nguyễn Thị Ánh",
    "=SUM(A1:A9)",
    "李小龍",
    "山田 花子",
    "\u202eevil rtl override",
    "   padded   ",
    "",
]


def _with_names(doc: dict[str, Any], name: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["party"]["name"] = name
    doc["agency"] = {"id": "a", "name": name}
    for contract in doc["contracts"]:
        contract["brand_name"] = name
        contract["talent_name"] = name
    for exc in doc.get("exceptions", []):
        exc["detail"] = name
    return doc


def _refused_unless_drawable(name: str) -> bool:
    """A name some font lacks glyphs for is refused (never printed as boxes): True if so."""
    return bool(fonts.missing(fonts.clean(name)))


@pytest.mark.parametrize("name", NAMES)
def test_name_renders_literally(name: str, talent_doc: dict[str, Any], tmp_path: Path) -> None:
    if _refused_unless_drawable(name):
        with pytest.raises(LedgerError, match="TWINLEDGER_CJK_FONT"):
            render_statement(_with_names(talent_doc, name), tmp_path)
        assert list(tmp_path.iterdir()) == []
        return
    [path] = render_statement(_with_names(talent_doc, name), tmp_path)
    text = pdf_text(path)
    printable = squash(fonts.clean(name))
    if fonts.covered(printable) and printable and len(printable) < 100 and "\u202e" not in name:
        assert printable in text


@pytest.mark.parametrize("name", NAMES)
def test_name_in_agency_and_brand_documents(
    name: str, agency_doc: dict[str, Any], brand_doc: dict[str, Any], tmp_path: Path
) -> None:
    if _refused_unless_drawable(name):
        for doc in (agency_doc, brand_doc):
            with pytest.raises(LedgerError, match="TWINLEDGER_CJK_FONT"):
                render_statement(_with_names(doc, name), tmp_path)
        return
    paths = render_statement(_with_names(agency_doc, name), tmp_path)
    paths += render_statement(_with_names(brand_doc, name), tmp_path)
    printable = squash(fonts.clean(name))
    if fonts.covered(printable) and 0 < len(printable) < 60 and "\u202e" not in name:
        for path in paths:
            assert printable in pdf_text(path)


def test_markup_is_never_interpreted(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    doc = _with_names(talent_doc, '<img src="/etc/passwd"/> & <b>x</b>')
    [path] = render_statement(doc, tmp_path)
    assert '<img src="/etc/passwd"/> & <b>x</b>' in pdf_text(path)


def test_long_names_wrap_instead_of_clipping(talent_doc: dict[str, Any], tmp_path: Path) -> None:
    name = " ".join(["Maximiliane-Charlotte"] * 12)
    [path] = render_statement(_with_names(talent_doc, name), tmp_path)
    assert squash(name) in pdf_text(path)


def test_scripts_are_covered_by_dejavu() -> None:
    for name in ["Zoë Łukasiewicz", "Σοφία", "Анна", "Smith & Sons <Ltd>"]:
        assert fonts.covered(name)
    assert not fonts.covered("李小龍")


def test_font_files_ship_with_the_package() -> None:
    for name in ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"]:
        assert (fonts.FONT_DIR / name).is_file()


def test_corpus_is_large_enough() -> None:
    assert len(NAMES) >= 30


def test_every_right_to_left_character_is_in_the_quick_check() -> None:
    """``fonts.visual`` skips text the quick pattern does not match: it must match every
    character of bidi class R or AL."""
    import sys
    import unicodedata

    missed = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.bidirectional(chr(code)) in ("R", "AL")
        and not fonts._MAYBE_RTL.match(chr(code))
    ]
    assert missed == []
