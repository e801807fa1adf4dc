"""No missing glyphs, ever: a document either draws every character or is refused in one line."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from report_samples import talent_doc

from ledger.errors import LedgerError
from reports import fonts, render_statement

needs_no_cjk_font = pytest.mark.skipif(
    bool(fonts._fallback_cmap()), reason="a CJK font is set up (TWINLEDGER_CJK_FONT)"
)


def test_format_characters_are_not_drawn_and_not_missing() -> None:
    assert fonts.missing("Zoë \u200fאבג\u200d Σοφία Анна") == ""


@needs_no_cjk_font
def test_a_name_no_font_can_draw_is_refused_naming_party_text_and_font(tmp_path: Path) -> None:
    doc = copy.deepcopy(talent_doc())
    doc["party"]["name"] = "京都 Kyoto"
    with pytest.raises(LedgerError) as refused:
        render_statement(doc, tmp_path)
    message = str(refused.value)
    assert message == (
        f"statement {doc['statement_id']} of 京都 Kyoto: '京都 Kyoto' has characters (京都) that "
        "DejaVu Sans lacks, and no CJK font is set up; install a font that has them (e.g. "
        "fonts-wqy-microhei) and point TWINLEDGER_CJK_FONT at it (docs/fonts.md)"
    )
    assert len(message.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written


@needs_no_cjk_font
def test_a_locale_whose_dates_no_font_can_draw_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(talent_doc())
    doc["party"]["locale"] = "ja"
    with pytest.raises(LedgerError, match=r"has characters \(年月\)"):
        render_statement(doc, tmp_path)
