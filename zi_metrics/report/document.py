"""The document frame of every report: fonts, paragraph styles, A4 pages with a running header,
the demo banner on every page that shows demo data, "page x of y", and the PDF's metadata."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from zi_metrics import palette
from zi_metrics.i18n import t

PAGE_WIDTH, PAGE_HEIGHT = A4  # 595.3 x 841.9 points
MARGIN_X = 16 * mm
MARGIN_TOP = 22 * mm  # room for the running header (and the demo banner)
MARGIN_BOTTOM = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

# Fonts: a TrueType family embedded in the PDF (subset), so Indonesian text, "≥", "–" and "·"
# print the same on every machine. DejaVu Sans (Debian's fonts-dejavu-core) also has the pass /
# fail marks; Bitstream Vera ships inside ReportLab and is the fallback that is always there.
_FAMILIES = (
    ("/usr/share/fonts/truetype/dejavu", ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                                          "DejaVuSans-BoldOblique.ttf")),
    (str(Path(__import__("reportlab").__file__).parent / "fonts"), ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf",
                                                                     "VeraBI.ttf")),
)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str
    pass_mark: str  # markup for the pass / fail symbols (a glyph of the font, or ZapfDingbats)
    fail_mark: str


@cache
def fonts() -> Fonts:
    """Register the first font family found (see ``_FAMILIES``) once per process."""
    for folder, files in _FAMILIES:
        paths = [Path(folder) / f for f in files]
        if not all(p.is_file() for p in paths):
            continue
        names = ("ZiSans", "ZiSans-Bold", "ZiSans-Italic", "ZiSans-BoldItalic")
        for name, path in zip(names, paths, strict=True):
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily("ZiSans", normal=names[0], bold=names[1], italic=names[2],
                                      boldItalic=names[3])
        glyphs = TTFont("_probe", str(paths[0])).face.charToGlyph
        if ord(palette.PASS_SYMBOL) in glyphs and ord(palette.FAIL_SYMBOL) in glyphs:
            marks = (palette.PASS_SYMBOL, palette.FAIL_SYMBOL)
        else:  # ZapfDingbats is one of the 14 fonts every PDF reader has: 4 = check, 8 = cross
            marks = ('<font name="ZapfDingbats">4</font>', '<font name="ZapfDingbats">8</font>')
        return Fonts(names[0], names[1], names[2], *marks)
    raise RuntimeError("no font for the PDF report: ReportLab's own fonts folder is missing")


@cache
def styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    base = ParagraphStyle("body", fontName=f.regular, fontSize=9, leading=11.5, alignment=TA_LEFT)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=f.bold, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=f.bold, fontSize=8, leading=10,
                               textColor=colors.white),
        "head_right": ParagraphStyle("head_right", parent=base, fontName=f.bold, fontSize=8, leading=10,
                                     textColor=colors.white, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=base, fontName=f.bold, fontSize=17, leading=21, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13,
                                   textColor=colors.HexColor("#404040"), spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=f.bold, fontSize=11.5, leading=14, spaceBefore=10,
                             spaceAfter=4, textColor=colors.HexColor(palette.PRIMARY)),
        "h3": ParagraphStyle("h3", parent=base, fontName=f.bold, fontSize=9.5, leading=12, spaceBefore=6,
                             spaceAfter=3),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=2, spaceAfter=1.5),
        "note": ParagraphStyle("note", parent=base, fontName=f.italic, fontSize=7.5, leading=9.5,
                               textColor=colors.HexColor("#404040")),
    }


def esc(value: Any) -> str:
    """Data as literal Paragraph text: a unit's name is data, and Paragraph reads markup."""
    return html.escape(str(value), quote=False)


def para(text: str, style: str = "body") -> Paragraph:
    """A Paragraph of already-escaped ``text`` (markup allowed) in one of :func:`styles`."""
    return Paragraph(text, styles()[style])


@dataclass(frozen=True)
class PageDecor:
    running_title: str  # top left of every page
    banner: str | None  # the demo warning: a band across the top of every page, or None
    lang: str


class Banner(Flowable):
    """Switches the demo banner on or off from this page on (a section of a report that mixes
    demo and real units carries the banner only on the pages that show demo data)."""

    width = height = 0

    def __init__(self, text: str | None):
        super().__init__()
        self.text = text

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._zi_banner = self.text  # saved with the page's state (see _NumberedCanvas)


class _NumberedCanvas(Canvas):
    """Draws "page x of y" once the page count is known (every page is kept until the save)."""

    def __init__(self, *args: Any, decor: PageDecor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._decor = decor
        self._zi_banner = decor.banner
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_decor(total)
            super().showPage()
        super().save()

    def _draw_decor(self, total: int) -> None:
        f, d = fonts(), self._decor
        self.saveState()
        top = PAGE_HEIGHT - 9 * mm
        banner = self._zi_banner
        if banner:
            self.setFillColor(colors.HexColor("#FBE3D6"))
            self.setStrokeColor(colors.HexColor(palette.VERMILLION))
            self.rect(MARGIN_X, top - 3.2 * mm, CONTENT_WIDTH, 6.4 * mm, fill=1, stroke=1)
            self.setFillColor(colors.HexColor("#8A2E00"))
            self.setFont(f.bold, 8)
            self.drawCentredString(PAGE_WIDTH / 2, top - 1.1 * mm, banner)
        if d.banner or banner:  # the same room on every page of a document that has a banner
            top -= 6.5 * mm
        self.setFillColor(colors.HexColor("#606060"))
        self.setFont(f.regular, 7.5)
        self.drawString(MARGIN_X, top - 2 * mm, d.running_title[:140])
        self.setStrokeColor(colors.HexColor("#BFBFBF"))
        self.setLineWidth(0.4)
        self.line(MARGIN_X, top - 3.5 * mm, PAGE_WIDTH - MARGIN_X, top - 3.5 * mm)
        self.drawRightString(PAGE_WIDTH - MARGIN_X, 8 * mm,
                             t("xlsx.page_of", d.lang, page=self._pageNumber, pages=total))
        self.drawString(MARGIN_X, 8 * mm, t("app.title", d.lang))
        self.restoreState()


def build_pdf(story: Sequence[Any], *, title: str, subject: str, lang: str, banner: str | None,
              running_title: str, keywords: Sequence[str] = (), per_section: bool = False) -> bytes:
    """The PDF bytes of ``story`` on A4 pages, with title, author, subject and language metadata.
    ``banner``: the demo warning, with room for it on every page; on every page, or with
    ``per_section`` only from where a :class:`Banner` flowable in the story switches it on."""
    decor = PageDecor(running_title, banner, lang)
    buf = io.BytesIO()
    top = MARGIN_TOP + (6.5 * mm if banner else 0)
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=top, bottomMargin=MARGIN_BOTTOM,
        title=title, author=t("app.title", lang), subject=subject, creator=t("app.title", lang),
        producer="ReportLab", keywords=list(keywords), lang=lang, initialFontName=fonts().regular)
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, PAGE_HEIGHT - top - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    def canvas(*a: Any, **k: Any) -> _NumberedCanvas:
        c = _NumberedCanvas(*a, decor=decor, **k)
        if per_section:
            c._zi_banner = None
        return c

    doc.build(list(story), canvasmaker=canvas)
    return buf.getvalue()
