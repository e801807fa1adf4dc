"""CJK names render with the font named by TWINLEDGER_CJK_FONT (docs/fonts.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_samples import pdf_text

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import report_samples
from reports.talent_pdf import render_talent_statement
doc = report_samples.talent_doc()
doc["party"]["name"] = "Kyoto Denim 京都"
doc["party"]["locale"] = "ja"
render_talent_statement(doc, Path(sys.argv[1]))
"""


@pytest.mark.skipif(not CJK_FONT.is_file(), reason="no CJK font installed (.ci/run installs one)")
def test_cjk_name_renders_with_the_configured_font(tmp_path: Path) -> None:
    out = tmp_path / "cjk.pdf"
    env = dict(os.environ, TWINLEDGER_CJK_FONT=str(CJK_FONT))
    subprocess.run([sys.executable, "-c", SCRIPT, str(out), str(Path(__file__).parent)],
                   env=env, check=True)  # fmt: skip
    text = pdf_text(out)
    assert "Kyoto Denim 京都" in text
    assert "2026年3月" in text
