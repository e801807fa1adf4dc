"""Shared page layout: styles, header block, footer with "Page x of y", draft marker, tables.

Every string that comes from data goes through :func:`para` (or :func:`rich`), which escapes it, so
a name like ``Smith & Sons <Ltd>`` prints exactly as written and is never read as markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import _wsc as _WS

from reports import fonts
from reports.data import Doc, is_draft, party
from reports.format import NBSP, Formats

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
INK = colors.HexColor("#1d2433")
MUTED = colors.HexColor("#5b6475")
RULE = colors.HexColor("#c9cfda")
SHADE = colors.HexColor("#eef1f6")
ACCENT = colors.HexColor("#1f4e8c")
WARN = colors.HexColor("#b3261e")
WARN_SHADE = colors.HexColor("#fbeaea")
DRAFT_TEXT = "DRAFT \u2014 not final"
VERIFY_HINT = "Check this document with: twinledger statements verify FILE"

fonts.register()
_WS_SPLIT = re.compile(f"[{re.escape(_WS)}]+").split


def _style(name: str, size: float, bold: bool = False, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=fonts.BOLD if bold else fonts.REGULAR,
        fontSize=size,
        leading=kw.pop("leading", size * 1.3),
        textColor=kw.pop("textColor", INK),
        splitLongWords=1,
        **kw,
    )


STYLES: dict[str, ParagraphStyle] = {
    "body": _style("body", 9),
    "muted": _style("muted", 8, textColor=MUTED),
    "small": _style("small", 7, textColor=MUTED, leading=8.6),
    "kicker": _style("kicker", 9, bold=True, textColor=ACCENT, spaceAfter=2),
    "title": _style("title", 18, bold=True, leading=22, spaceAfter=4),
    "h2": _style("h2", 12.5, bold=True, spaceBefore=12, spaceAfter=5, textColor=ACCENT),
    "h3": _style("h3", 10.5, bold=True, spaceBefore=8, spaceAfter=3),
    "h4": _style("h4", 9, bold=True, spaceBefore=5, spaceAfter=2, textColor=MUTED),
    "cell": _style("cell", 8.5, leading=10.5),
    "cell_bold": _style("cell_bold", 8.5, bold=True, leading=10.5),
    "num": _style("num", 8.5, leading=10.5, alignment=TA_RIGHT),
    "num_bold": _style("num_bold", 8.5, bold=True, leading=10.5, alignment=TA_RIGHT),
    "head": _style("head", 7.5, bold=True, leading=9.5, textColor=MUTED),
    "head_num": _style(
        "head_num", 7.5, bold=True, leading=9.5, textColor=MUTED, alignment=TA_RIGHT
    ),
    "note": _style("note", 7, leading=8.8, textColor=MUTED),
    "big": _style("big", 12, bold=True, leading=15),
    "big_num": _style("big_num", 12, bold=True, leading=15, alignment=TA_RIGHT),
    "warn": _style("warn", 9, bold=True, textColor=WARN),
}


@lru_cache(maxsize=1 << 16)
def _string_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points; words and labels repeat across cells and documents."""
    return pdfmetrics.stringWidth(text, font, size)


class Line(Flowable):
    """Data text in one font, set as a :class:`Paragraph` of the same style would set it.

    Plain text needs no markup parsing: it is broken into lines at spaces the way Paragraph breaks
    them, and each line is drawn as one string. Text with a word wider than a line, or that must
    be split across pages, is handed to a Paragraph."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        core = text.strip(_WS)
        self.line = " ".join(_WS_SPLIT(core) if NBSP in core else core.split())
        self.line_width = -1.0
        self.lines: list[tuple[str, float]] = []
        self.wrapped_at = -1.0
        self.paragraph: Paragraph | None = None

    def _width(self, text: str) -> float:
        return _string_width(text, self.style.fontName, self.style.fontSize)

    def _break(self, first: float, other: float) -> list[tuple[str, float]] | None:
        """Lines of at most ``first`` (then ``other``) points, each with its width, broken as
        Paragraph breaks them (its spaces may shrink by ``spaceShrinkage`` to fit a word); None
        when a word is wider than a line, which Paragraph breaks between characters."""
        space = self._width(" ")
        shrink = space * getattr(self.style, "spaceShrinkage", 0)
        lines: list[tuple[str, float]] = []
        words: list[str] = []
        width = 0.0
        for word in self.line.split(" "):
            word_width = self._width(word)
            if word_width > min(first, other):
                return None
            room = first if not lines else other
            wider = width + space + word_width if words else word_width
            if words and wider > room + shrink * len(words):
                lines.append((" ".join(words), width))
                words, wider = [], word_width
            words.append(word)
            width = wider
        lines.append((" ".join(words), width))
        return lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self.paragraph is not None:
            return self.paragraph.wrap(availWidth, availHeight)
        if availWidth == self.wrapped_at:  # a table wraps each cell twice
            return availWidth, self.style.leading * len(self.lines)
        style = self.style
        if self.line_width < 0:
            self.line_width = self._width(self.line)
        room = availWidth - style.leftIndent - style.rightIndent
        lines: list[tuple[str, float]] | None = [(self.line, self.line_width)]
        if self.line_width >= room - style.firstLineIndent - 0.01:
            lines = self._break(room - style.firstLineIndent, room)
        if lines is None:
            self.paragraph = self._paragraph()
            return self.paragraph.wrap(availWidth, availHeight)
        self.lines, self.wrapped_at = lines, availWidth
        self.width, self.height = availWidth, style.leading * len(lines)
        return self.width, self.height

    def _paragraph(self) -> Paragraph:
        paragraph = Paragraph(escape(self.text), self.style)
        paragraph.keepWithNext = getattr(self, "keepWithNext", 0)
        return paragraph

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.paragraph is None:
            self.paragraph = self._paragraph()
        return self.paragraph.split(availWidth, availHeight)

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        if self.paragraph is not None:
            self.paragraph.drawOn(canvas, x, y, _sW)
            return
        canvas.saveState()
        self._text(canvas, self._hAlignAdjust(x, _sW), y)
        canvas.restoreState()

    def draw(self) -> None:
        self._text(self.canv, 0, 0)

    def _text(self, canvas: Canvas, x: float, y: float) -> None:
        style = self.style
        canvas.setFillColor(style.textColor)
        baseline = y + self.height - style.fontSize
        text = canvas.beginText(x, baseline)
        text.setFont(style.fontName, style.fontSize, style.leading)
        inner = self.width - style.leftIndent - style.rightIndent
        for number, (line, width) in enumerate(self.lines):
            left = x + style.leftIndent + (style.firstLineIndent if number == 0 else 0)
            extra = inner - (style.firstLineIndent if number == 0 else 0) - width
            spaces = line.count(" ") + line.count(NBSP)
            if extra < -1e-8 and spaces:  # a line that fits by shrinking its spaces
                text.setTextOrigin(left, baseline - number * style.leading)
                text.setWordSpace(extra / spaces)
                text.textOut(line)
                text.setWordSpace(0)
                continue
            if style.alignment == TA_RIGHT:
                left += extra
            elif style.alignment == TA_CENTER:
                left += extra / 2
            text.setTextOrigin(left, baseline - number * style.leading)
            text.textOut(line)
        canvas.drawText(text)


def para(text: object, style: str = "body", keep: bool = False) -> Flowable:
    """A paragraph whose text is data: escaped, never interpreted as markup."""
    chunks = fonts.runs(fonts.visual(fonts.clean(text)))
    paragraph: Flowable
    if len(chunks) == 1 and chunks[0][0] is None and chunks[0][1].strip(_WS):
        paragraph = Line(chunks[0][1], STYLES[style])
    else:
        paragraph = Paragraph(fonts.markup(text), STYLES[style])
    if keep:
        paragraph.keepWithNext = 1
    return paragraph


def heading(text: object, style: str = "h2", room: float = 45 * mm) -> list[Flowable]:
    """A heading that starts a new page rather than sit alone at the bottom of one."""
    return [CondPageBreak(room), para(text, style)]


def rich(parts: Sequence[tuple[object, bool]], style: str = "body") -> Paragraph:
    """A paragraph of data pieces, each (text, bold); every piece is escaped."""
    body = "".join(
        f"<b>{fonts.markup(text)}</b>" if bold else fonts.markup(text) for text, bold in parts
    )
    return Paragraph(body, STYLES[style])


@dataclass(frozen=True)
class Meta:
    """What the page furniture needs: ids, dates, draft status and the running header."""

    title: str
    statement_id: str
    verification_code: str
    issued_on: str
    period: str
    draft: bool
    running: str
    author: str = "twinledger clearing house"
    seal: str = ""  # short form of the seal of a closed period, printed in the footer


def _timestamp(meta: Meta) -> TimeStamp:
    stamp = TimeStamp(invariant=1)
    try:
        day = dt.date.fromisoformat(meta.issued_on[:10])
    except ValueError:
        try:
            day = dt.date.fromisoformat(f"{meta.period[:7]}-01")
        except ValueError:
            day = dt.date(2000, 1, 1)
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    stamp.t = int(moment.timestamp())
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


def _canvas_class(meta: Meta) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Keeps every page until the end, then stamps the footer with the page count."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _timestamp(meta)
            self._doc.signature.update(f"{meta.statement_id}/{meta.verification_code}".encode())
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                _footer(self, meta, self._pageNumber, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _footer(canvas: Canvas, meta: Meta, page: int, total: int) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, 19 * mm, PAGE_W - MARGIN, 19 * mm)
    canvas.setFillColor(INK)
    fonts.draw(canvas, MARGIN, 15.5 * mm, meta.statement_id, fonts.BOLD, 7.5)
    label = f"Page {page} of {total}"
    canvas.setFont(fonts.BOLD, 7.5)
    canvas.drawRightString(PAGE_W - MARGIN, 15.5 * mm, label)
    canvas.setFillColor(MUTED)
    canvas.setFont(fonts.REGULAR, 6)
    canvas.drawString(MARGIN, 12 * mm, f"Verification code (SHA-256): {meta.verification_code}")
    if meta.seal:
        canvas.drawRightString(PAGE_W - MARGIN, 12 * mm, f"Seal of {meta.period}: {meta.seal}")
    canvas.drawString(MARGIN, 9.2 * mm, VERIFY_HINT)
    canvas.restoreState()


def _page_chrome(meta: Meta) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if meta.draft:
            canvas.setFillColor(WARN)
            canvas.setFillAlpha(0.10)
            canvas.setFont(fonts.BOLD, 58)
            canvas.translate(PAGE_W / 2, PAGE_H / 2)
            canvas.rotate(50)
            canvas.drawCentredString(0, -20, DRAFT_TEXT)
            canvas.rotate(-50)
            canvas.translate(-PAGE_W / 2, -PAGE_H / 2)
            canvas.setFillAlpha(1)
            canvas.setFont(fonts.BOLD, 8)
            canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 11 * mm, DRAFT_TEXT)
        if canvas.getPageNumber() > 1:
            canvas.setFillColor(MUTED)
            fonts.draw(canvas, MARGIN, PAGE_H - 11 * mm, meta.running, fonts.REGULAR, 7.5)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN, PAGE_H - 13 * mm, PAGE_W - MARGIN, PAGE_H - 13 * mm)
        canvas.restoreState()

    return draw


def build(out: Path, meta: Meta, story: list[Flowable]) -> Path:
    """Lay out ``story`` into a deterministic A4 PDF at ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = BaseDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=17 * mm,
        bottomMargin=24 * mm,
        title=f"{meta.title} {meta.statement_id}",
        author=meta.author,
        subject=f"{meta.title}, {meta.period}",
        creator="twinledger",
        invariant=1,
    )
    frame = Frame(MARGIN, 24 * mm, CONTENT_W, PAGE_H - 41 * mm, id="body", showBoundary=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_chrome(meta))])
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        doc.build(story, canvasmaker=_canvas_class(meta))
    finally:
        rl_config.useA85 = a85
    return out


def running_text(name: str, period: str, limit: int = 90) -> str:
    text = " ".join(fonts.clean(name).split())
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return f"twinledger \u00b7 {text} \u00b7 {period}"


def header(
    kicker: str, name: object, facts: Sequence[tuple[str, object]], draft: bool
) -> list[Flowable]:
    """The first-page header: kicker, the party's name (wrapping), a grid of facts."""
    story: list[Flowable] = [para(kicker, "kicker"), para(name, "title")]
    cells = [[para(label, "head"), para(value, "cell")] for label, value in facts]
    half = (len(cells) + 1) // 2
    left, right = cells[:half], cells[half:]
    rows = [left[i] + (right[i] if i < len(right) else [para(""), para("")]) for i in range(half)]
    grid = Table(rows, colWidths=[28 * mm, 57 * mm, 30 * mm, CONTENT_W - 115 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        )
    )
    story += [Spacer(1, 2 * mm), grid, Spacer(1, 3 * mm)]
    if draft:
        story.append(banner(DRAFT_TEXT + ": figures may still change before the period is closed."))
    return story


def banner(text: str) -> Table:
    box = Table([[para(text, "warn")]], colWidths=[CONTENT_W])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), WARN_SHADE),
                ("BOX", (0, 0), (-1, -1), 0.8, WARN),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return box


def grid(
    rows: list[list[Any]],
    widths: Sequence[float],
    header_rows: int = 1,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A data table: light rules, a repeated header row, padding tuned for 8.5 pt cells."""
    table = Table(rows, colWidths=list(widths), repeatRows=header_rows, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]
    if header_rows:
        style += [
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
            ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
        ]
    table.setStyle(TableStyle(style + list(extra)))
    return table


def headings(labels: Sequence[str], numeric_from: int) -> list[Flowable]:
    return [para(t, "head_num" if i >= numeric_from else "head") for i, t in enumerate(labels)]


MIN_TOKEN_SIZE = 5.5
"""The smallest type an identifier is set in to keep it on one line."""


def token(text: object, width: float, style: str = "cell") -> Flowable:
    """An identifier (event id, contract, batch) in a grid cell ``width`` wide: set on one line,
    in smaller type if it must, so that it never breaks mid-token."""
    plain = fonts.clean(text)
    base = STYLES[style]
    room = width - 6  # the grid's left and right padding
    size = base.fontSize
    needed = pdfmetrics.stringWidth(plain, base.fontName, size)
    if needed <= room or not plain:
        return para(plain, style)
    size = max(MIN_TOKEN_SIZE, size * room / needed)
    small = ParagraphStyle(f"{style}-{size:.2f}", parent=base, fontSize=size, leading=size * 1.25)
    return Paragraph(fonts.markup(plain), small)


def cell_amount(text: str, style: str = "num") -> Flowable:
    """An amount in a narrow cell: it may break between the currency code and the number."""
    return para(text.replace(NBSP, " ", 1), style)


def meta_for(doc: Doc, fmt: Formats, title: str, suffix: str = "") -> Meta:
    name = str(party(doc).get("name") or party(doc).get("id") or "")
    return Meta(
        title=title,
        statement_id=str(doc.get("statement_id") or "") + suffix,
        verification_code=str(doc.get("verification_code") or ""),
        issued_on=str(doc.get("issued_on") or ""),
        period=str(doc.get("period") or ""),
        draft=is_draft(doc),
        running=running_text(name, fmt.period(doc.get("period"))),
        seal=str(doc.get("seal") or ""),
    )
