"""Fonts for the PDFs: DejaVu Sans (shipped in reports/fonts/) plus an optional CJK fallback.

DejaVu covers Latin, Greek and Cyrillic. When ``TWINLEDGER_CJK_FONT`` names a TrueType file, runs
of characters DejaVu lacks but that font has are set in it instead of showing missing glyphs.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ledger.errors import LedgerError

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FALLBACK = "TwinledgerCJK"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every character whose bidi class is R or AL lies in these blocks (checked over all of Unicode
# in tests/reports/test_names.py); text without any is left to right throughout.
_MAYBE_RTL = re.compile(
    "[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


@cache
def register() -> None:
    """Register the fonts with reportlab once per process."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    _fallback_cmap()


def _cmap(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


@cache
def _dejavu_cmap() -> frozenset[int]:
    register()
    return _cmap(REGULAR) & _cmap(BOLD)


@cache
def _fallback_cmap() -> frozenset[int]:
    path = os.environ.get("TWINLEDGER_CJK_FONT", "").strip()
    if not path or not Path(path).is_file():
        return frozenset()
    try:
        pdfmetrics.registerFont(TTFont(FALLBACK, path))
        return _cmap(FALLBACK)
    except Exception:
        return frozenset()


class MissingGlyphs(LedgerError):
    """Text that no font of the document can draw: it would print as empty boxes."""

    def __init__(self, text: str, missing: str) -> None:
        super().__init__(text, missing)
        self.text, self.missing = text, missing

    def __str__(self) -> str:
        lacks = (
            "neither DejaVu Sans nor the font in TWINLEDGER_CJK_FONT has"
            if _fallback_cmap()
            else "DejaVu Sans lacks, and no CJK font is set up"
        )
        return (
            f"{self.text!r} has characters ({self.missing}) that {lacks}; install a font that "
            "has them (e.g. fonts-wqy-microhei) and point TWINLEDGER_CJK_FONT at it (docs/fonts.md)"
        )


def missing(text: str) -> str:
    """The characters of ``text`` that no font of the documents can draw (empty: all drawn).
    Invisible format characters (bidi marks, zero-width joiners) are not drawn and not counted."""
    if text.isascii():
        return ""
    cmap, fallback = _dejavu_cmap(), _fallback_cmap()
    lacking = {
        ch
        for ch in set(text)
        if ord(ch) not in cmap
        and ord(ch) not in fallback
        and not ch.isspace()
        and unicodedata.category(ch) != "Cf"
    }
    return "".join(sorted(lacking))


def check(text: str) -> str:
    """``text``, or ``MissingGlyphs`` when a character of it cannot be drawn."""
    lacking = missing(text)
    if lacking:
        raise MissingGlyphs(text, lacking)
    return text


def covered(text: str) -> bool:
    """True when DejaVu has a glyph for every non-whitespace character of ``text``."""
    cmap = _dejavu_cmap()
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def clean(text: object) -> str:
    """Data as printable text: control characters (other than tab and newlines) become spaces."""
    return _CONTROL.sub(" ", "" if text is None else str(text))


def _rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def visual(text: str) -> str:
    """Right-to-left runs (Hebrew, Arabic) in display order; a minimal bidi, without shaping."""
    if text.isascii() or not _MAYBE_RTL.search(text) or not any(_rtl(ch) for ch in text):
        return text
    out, run = [], ""
    for ch in text:
        if _rtl(ch) or (run and (ch == " " or unicodedata.combining(ch))):
            run += ch
            continue
        out.append(_flush(run))
        run = ""
        out.append(ch)
    out.append(_flush(run))
    return "".join(out)


def _flush(run: str) -> str:
    core = run.rstrip(" ")
    clusters: list[str] = []
    for ch in core:
        if clusters and unicodedata.combining(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return "".join(reversed(clusters)) + run[len(core) :]


def runs(text: str) -> list[tuple[str | None, str]]:
    """Split text into (font, chunk); font None = the running font, else the fallback font.
    Text with a character no font has is refused (``MissingGlyphs``), never drawn as boxes."""
    check(text)
    fallback = _fallback_cmap()
    if not fallback:
        return [(None, text)] if text else []
    cmap = _dejavu_cmap()
    out: list[tuple[str | None, str]] = []
    for ch in text:
        code = ord(ch)
        font = FALLBACK if code not in cmap and code in fallback else None
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return out


def markup(text: object) -> str:
    """Paragraph markup that prints ``text`` literally, with the fallback font where needed."""
    parts = []
    for font, chunk in runs(visual(clean(text))):
        safe = escape(chunk)
        parts.append(safe if font is None else f'<font face="{font}">{safe}</font>')
    return "".join(parts)


def label_font(text: str, base: str = REGULAR) -> str:
    """One font for a plain graphics label: the fallback only if it is the only one that fits."""
    check(text)
    if covered(text) or not _fallback_cmap():
        return base
    needed = {ord(ch) for ch in text if not ch.isspace()}
    return FALLBACK if needed <= _fallback_cmap() else base


def draw(canvas: object, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw plain text on a canvas, switching to the fallback font for runs DejaVu lacks."""
    for run_font, chunk in runs(visual(clean(text))):
        face = run_font or font
        canvas.setFont(face, size)  # type: ignore[attr-defined]
        canvas.drawString(x, y, chunk)  # type: ignore[attr-defined]
        x += pdfmetrics.stringWidth(chunk, face, size)
