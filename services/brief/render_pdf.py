"""Write a (redacted) brief as PDF with reportlab Platypus.

Fonts: static Noto Sans and Noto Sans Arabic instances are embedded (subset). Text holding any
right-to-left letter is laid out by :class:`BidiText`: words are broken into lines in logical
order, each line's runs are put in visual order by the Unicode bidi algorithm, Arabic runs are
shaped by HarfBuzz through reportlab, and each right-to-left run is wrapped in a marked-content
span whose ``/ActualText`` holds its characters, so that text extraction (pdftotext, copy and
paste, search) gives back the logical text rather than the shaped glyphs' private code points.
"""

from __future__ import annotations

import functools
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from services.brief.bidi import base_level, has_rtl, strip_controls, visual_runs
from services.brief.model import (
    Contents,
    Document,
    ExportCancelledError,
    Heading,
    Note,
    PageBreak,
    Para,
    QuoteBlock,
    Table,
)
from services.imports import NoProgress, Progress

SANS = "SB-Sans"
SANS_BOLD = "SB-Sans-Bold"
SANS_ITALIC = "SB-Sans-Italic"
ARABIC = "SB-Arabic"
ARABIC_BOLD = "SB-Arabic-Bold"
TABLE_CHUNK = 60  # rows per reportlab Table: long tables get slower per row as they grow
INK = "#1d1d1f"
MUTED = "#5f6368"
ACCENT = "#8a1c1c"
RULE = "#c9ccd1"
ACCENT_NAME = "sourcebookaccent"  # ACCENT, registered by name with reportlab


@cache
def register_fonts() -> frozenset[str]:
    """Register the embedded fonts with reportlab once; returns the Arabic face's characters."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from services.fonts import static_fonts

    f = static_fonts()
    pdfmetrics.registerFont(TTFont(SANS, str(f.sans_regular)))
    pdfmetrics.registerFont(TTFont(SANS_BOLD, str(f.sans_bold)))
    pdfmetrics.registerFont(TTFont(SANS_ITALIC, str(f.sans_italic)))
    pdfmetrics.registerFont(TTFont(ARABIC, str(f.arabic_regular), shapable=True))
    pdfmetrics.registerFont(TTFont(ARABIC_BOLD, str(f.arabic_bold), shapable=True))
    # Link colours in Paragraph markup are looked up by name: a "#rrggbb" string is parsed
    # anew (through ast) for every link, which cost a tenth of a 1,000-quote dossier.
    from reportlab.lib.colors import HexColor, toColor

    toColor.extraColorsNS[ACCENT_NAME] = HexColor(ACCENT)
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS_ITALIC)
    addMapping(SANS, 1, 1, SANS_BOLD)
    ar = pdfmetrics.getFont(ARABIC)
    return frozenset(chr(c) for c in ar.face.charToGlyph if c < 0x3000)


def _utf16_hex(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()


def _is_r(ch: str) -> bool:
    return ch >= "\u0590" and unicodedata.bidirectional(ch) in ("R", "AL", "NSM")


def _actual_text(logical: str) -> str:
    """ActualText for a right-to-left stretch given in logical order.

    Text extractors (poppler's pdftotext among them) spread an ActualText string over the span
    left to right, then reverse each run of right-to-left letters (with the spaces inside it)
    in place, leaving punctuation where it stands. So each such run is stored reversed and the
    rest in logical order; a closing LRM stops the run from swallowing a bracket that follows.
    """
    out: list[str] = []
    i, n = 0, len(logical)
    while i < n:
        if _is_r(logical[i]):
            j = last = i
            while j < n and (logical[j] == " " or _is_r(logical[j])):
                if logical[j] != " ":
                    last = j
                j += 1
            out.append(logical[i : last + 1][::-1])
            i = last + 1
        else:
            out.append(logical[i])
            i += 1
    return "".join(out) + "\u200e"


# --- Mixed-direction paragraphs


def _make_bidi_text() -> type:
    """Build the BidiText flowable class (reportlab is imported lazily)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import shapeStr
    from reportlab.platypus.flowables import Flowable

    arabic_has = register_fonts()
    mirror: dict[str, str] = {}
    from bidi.mirror import MIRRORED

    mirror.update(MIRRORED)

    # Briefs repeat names and phrases: shaping and measuring a word once is enough.
    @functools.lru_cache(maxsize=20000)
    def _shaped(text: str, font: str, size: float) -> tuple[Any, float]:
        s = shapeStr(text, font, size)
        data = getattr(s, "__shapeData__", None)
        if data is None:  # HarfBuzz changed nothing: plain string
            return s, float(pdfmetrics.stringWidth(text, font, size))
        return s, float(sum(d.x_advance for d in data) * size / 1000)

    @functools.lru_cache(maxsize=20000)
    def _measured(text: str, base: int, latin: str, arabic: str, size: float) -> float:
        total = 0.0
        for r in visual_runs(text, base, arabic_has):
            if r.arabic:
                total += _shaped(r.text, arabic, size)[1]
            else:
                total += float(pdfmetrics.stringWidth(r.text, latin, size))
        return total

    class BidiText(Flowable):  # type: ignore[misc]
        """A paragraph of mixed left-to-right and right-to-left text, without markup.

        Attributes:
            text: The logical text.
            size: Font size (points).
            leading: Line height (points).
            bold: Whether to use the bold faces.
            color: Text colour.
            base: Paragraph direction (0 LTR, 1 RTL), from the first strong letter by default.
            suffix: (text, link destination) drawn at the paragraph's logical end, as a
                superscript link (the citation number).
            anchor: A named destination placed at the paragraph's top.
        """

        def __init__(
            self,
            text: str,
            size: float = 10,
            leading: float = 14,
            bold: bool = False,
            color: str = INK,
            base: int | None = None,
            suffix: tuple[str, str] | None = None,
            links: tuple[tuple[str, str, bool], ...] = (),
            anchor: str | None = None,
            indent: float = 0,
            space_before: float = 0,
            space_after: float = 0,
            lines: list[str] | None = None,
        ) -> None:
            super().__init__()
            self.text = " ".join(strip_controls(text).split(" "))
            self.size = size
            self.leading = leading
            self.bold = bold
            self.color = color
            self.base = base_level(self.text) if base is None else base
            self.suffix = suffix
            self.anchor = anchor
            self.indent = indent
            self.spaceBefore = space_before
            self.spaceAfter = space_after
            self._lines = lines
            self.links = links
            self._linked: set[str] = set()
            self._width = 0.0
            self.latin = SANS_BOLD if bold else SANS
            self.arabic = ARABIC_BOLD if bold else ARABIC

        # --- Measuring

        def _shape(self, text: str) -> tuple[Any, float]:
            """The text shaped in the Arabic face (visual order) and its width."""
            return _shaped(text, self.arabic, self.size)

        def _measure(self, text: str) -> float:
            return _measured(text, self.base, self.latin, self.arabic, self.size)

        def _break(self, width: float) -> list[str]:
            lines: list[str] = []
            for para in self.text.split("\n"):
                words = para.split()
                line: list[str] = []
                cur = 0.0
                space = pdfmetrics.stringWidth(" ", self.latin, self.size)
                for w in words:
                    ww = self._measure(w)
                    while ww > width and len(w) > 1:  # a word wider than the column
                        cut = max(1, int(len(w) * width / ww) - 1)
                        if line:
                            lines.append(" ".join(line))
                            line, cur = [], 0.0
                        lines.append(w[:cut])
                        w = w[cut:]
                        ww = self._measure(w)
                    if line and cur + space + ww > width:
                        lines.append(" ".join(line))
                        line, cur = [], 0.0
                    cur += (space if line else 0) + ww
                    line.append(w)
                lines.append(" ".join(line))
            return lines

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self._width = avail_width
            if self._lines is None:
                self._lines = self._break(avail_width - self.indent - self._suffix_width())
            # As a Paragraph: the leading below the last baseline holds its descenders.
            self.height = len(self._lines) * self.leading
            return avail_width, self.height

        def _suffix_width(self) -> float:
            if not self.suffix:
                return 0.0
            return float(pdfmetrics.stringWidth(self.suffix[0], SANS, self.size * 0.65)) + 2

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            self.wrap(avail_width, avail_height)
            assert self._lines is not None
            n = int(avail_height // self.leading)
            if n <= 0 or n >= len(self._lines):
                return [] if n <= 0 else [self]
            kw: dict[str, Any] = dict(
                size=self.size,
                leading=self.leading,
                bold=self.bold,
                color=self.color,
                base=self.base,
                indent=self.indent,
                links=self.links,
            )
            first = BidiText(self.text, anchor=self.anchor, lines=self._lines[:n], **kw)
            kw["links"] = tuple(link for link in self.links if link[2])  # addresses only
            rest = BidiText(self.text, suffix=self.suffix, lines=self._lines[n:], **kw)
            first.spaceBefore = self.spaceBefore
            rest.spaceAfter = self.spaceAfter
            return [first, rest]

        # --- Drawing

        def draw(self) -> None:
            canv = self.canv
            assert self._lines is not None
            self._linked = set()
            if self.anchor:
                canv.bookmarkHorizontal(self.anchor, 0, self.height)
            y = self.height - self.size
            if not self.base and not has_rtl(self.text):
                self._draw_plain(y)
                return
            canv._code.append(_fill_op(self.color))
            for i, line in enumerate(self._lines):
                runs = visual_runs(line, self.base, arabic_has)
                shaped = []
                total = 0.0
                for r in runs:
                    if r.arabic:
                        s, w = self._shape(r.text)
                        shaped.append((r, s, self.arabic, w))
                    else:
                        s = r.text
                        if r.rtl:  # neutrals and Latin-face digits inside a RTL stretch
                            s = "".join(mirror.get(c, c) for c in reversed(s))
                        w = float(pdfmetrics.stringWidth(s, self.latin, self.size))
                        shaped.append((r, s, self.latin, w))
                    total += w
                last = i == len(self._lines) - 1
                sw = self._suffix_width() if (last and self.suffix) else 0.0
                if self.base:  # right to left: the indent is on the right, where lines start
                    x = self._width - self.indent - total
                    if sw:
                        self._draw_suffix(x - sw, y)
                else:
                    x = self.indent
                k = 0
                while k < len(shaped):
                    r = shaped[k][0]
                    if not r.rtl:
                        x = self._show(shaped[k], x, y)
                        k += 1
                        continue
                    # A right-to-left stretch (Arabic runs with their spaces and punctuation):
                    # one marked-content span whose ActualText gives text extractors the
                    # logical characters (see _actual_text).
                    end = k
                    while end < len(shaped) and shaped[end][0].rtl:
                        end += 1
                    group = shaped[k:end]
                    actual = _actual_text("".join(g[0].text for g in reversed(group)))
                    canv._code.append(f"/Span <</ActualText <{_utf16_hex(actual)}>>> BDC")
                    for item in group:
                        x = self._show(item, x, y)
                    canv._code.append("EMC")
                    k = end
                if sw and not self.base:
                    self._draw_suffix(x + 1.5, y)
                y -= self.leading

        def _draw_plain(self, y: float) -> None:
            """Left-to-right text: the whole paragraph in one text object (fast).

            Link words (the note's number, addresses) change colour inside the text object and
            get their link rectangles from measured widths; the citation number is drawn as a
            raised, smaller run at the end of the same object.
            """
            assert self._lines is not None
            canv = self.canv
            t = canv.beginText(self.indent, y)
            t.setFont(self.latin, self.size, self.leading)
            code = t._code
            code.append(_fill_op(self.color))
            if not self.links:
                for line in self._lines:
                    t.textLine(line)
                end_x = self.indent + pdfmetrics.stringWidth(self._lines[-1], self.latin, self.size)
            else:
                for k, line in enumerate(self._lines):
                    end_x = self._plain_linked_line(t, line, y - k * self.leading)
            if self.suffix:
                last_y = y - (len(self._lines) - 1) * self.leading
                text, dest = self.suffix
                small = self.size * 0.65
                x = end_x + 1.5
                t.setTextOrigin(x, last_y + self.size * 0.35)
                t.setFont(SANS, small)
                code.append(_fill_op(ACCENT))
                t.textOut(text)
                w = pdfmetrics.stringWidth(text, SANS, small)
                _link(canv, (x, last_y, x + w, last_y + self.size), dest=dest)
            canv.drawText(t)

        def _plain_linked_line(self, t: Any, line: str, y: float) -> float:
            """One left-to-right line with link words, into text object ``t``; returns its end."""
            t.setTextOrigin(self.indent, y)
            return self._linked_words(t, line, self.latin, float(self.indent), y)

        def _linked_words(self, t: Any, text: str, font: str, x: float, y: float) -> float:
            """Write ``text`` from ``x`` into text object ``t``; returns where it ends.

            Link words are drawn in the accent colour with a link each; the plain words
            between links go in one piece.
            """
            canv, size = self.canv, self.size
            pos = x
            plain: list[str] = []  # words since the last link, drawn in one go
            for word in text.split(" "):
                link = self._link_for(word) if word else None
                if link is None:
                    plain.append(word)
                    continue
                before = " ".join(plain) + (" " if plain else "")
                plain = []
                if before:
                    t.textOut(before)
                    pos += pdfmetrics.stringWidth(before, font, size)
                w = pdfmetrics.stringWidth(word, font, size)
                t._code.append(_fill_op(ACCENT))
                t.textOut(word)
                t._code.append(_fill_op(self.color))
                dest, is_url = link
                rect = (pos, y - size * 0.25, pos + w, y + size)
                if is_url:
                    _link(canv, rect, uri=dest)
                else:
                    _link(canv, rect, dest=dest)
                pos += w
                plain = [""]  # the space after the link word
            if plain and plain != [""]:
                rest = " ".join(plain)
                t.textOut(rest)
                pos += pdfmetrics.stringWidth(rest, font, size)
            return pos

        def _show(self, item: tuple[Any, Any, str, float], x: float, y: float) -> float:
            run, text, font, width = item
            if self.links and not run.rtl:
                return self._show_linked(text, font, x, y, width)
            t = self.canv.beginText(x, y)
            t.setFont(font, self.size)
            t.textOut(text)
            self.canv.drawText(t)
            return x + width

        def _link_for(self, word: str) -> tuple[str, bool] | None:
            for target, dest, is_url in self.links:
                if is_url:
                    # A long address broken over lines is linked piece by piece.
                    if word == target or (len(word) >= 8 and word in target):
                        return dest, True
                elif word == target and target not in self._linked:
                    # A plain link (the note's number) is its first occurrence only.
                    self._linked.add(target)
                    return dest, False
            return None

        def _show_linked(self, text: str, font: str, x: float, y: float, width: float) -> float:
            """A left-to-right run whose link words are drawn in the accent colour and linked."""
            t = self.canv.beginText(x, y)
            t.setFont(font, self.size)
            self._linked_words(t, text, font, x, y)
            self.canv.drawText(t)
            return x + width

        def _draw_suffix(self, x: float, y: float) -> None:
            assert self.suffix is not None
            canv = self.canv
            text, dest = self.suffix
            small = self.size * 0.65
            canv._code.append(_fill_op(ACCENT))
            canv.setFont(SANS, small)
            canv.drawString(x, y + self.size * 0.35, text)
            w = pdfmetrics.stringWidth(text, SANS, small)
            _link(canv, (x, y, x + w, y + self.size), dest=dest)
            canv._code.append(_fill_op(self.color))

    return BidiText


@cache
def _bidi_class() -> type:
    return _make_bidi_text()


# --- Styles


@cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    base = ParagraphStyle("body", fontName=SANS, fontSize=10, leading=14, textColor=HexColor(INK))
    s = {
        "body": ParagraphStyle("body", parent=base, spaceAfter=6),
        "lead": ParagraphStyle("lead", parent=base, fontSize=11.5, leading=16, spaceAfter=8),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontName=SANS_BOLD, fontSize=8.5),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=14,
            spaceAfter=8,
            textColor=HexColor(ACCENT),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "quote": ParagraphStyle(
            "quote", parent=base, fontSize=10.5, leading=15, leftIndent=14, spaceBefore=6
        ),
        "meta": ParagraphStyle(
            "meta",
            parent=base,
            fontSize=8.5,
            leading=11,
            leftIndent=14,
            textColor=HexColor(MUTED),
            spaceAfter=6,
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11, spaceAfter=3),
        "cover_title": ParagraphStyle(
            "cover_title", parent=base, fontName=SANS_BOLD, fontSize=26, leading=32
        ),
        "cover_sub": ParagraphStyle(
            "cover_sub", parent=base, fontSize=15, leading=20, textColor=HexColor(MUTED)
        ),
        "cover_class": ParagraphStyle(
            "cover_class",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=11,
            textColor=HexColor(ACCENT),
        ),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10.5, leading=16),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9, leading=12, leftIndent=14),
    }
    return s


# Styles laid out by BidiText even for left-to-right text: no markup parsing.
_PLAIN_STYLES = frozenset({"cell", "cellhead", "body", "lead", "small", "quote", "h1", "h2"})


def _para(text: str, style: str, plain: bool = False, **bidi: Any) -> Any:
    """A BidiText (our own line layout, no markup parsing) or a reportlab Paragraph.

    Text holding right-to-left letters, ``plain`` text and the styles of ``_PLAIN_STYLES`` go to
    BidiText; the rest (cover and contents lines) to a Paragraph.
    """
    from reportlab.platypus import Paragraph

    st = _styles()[style]
    if plain or style in _PLAIN_STYLES or has_rtl(text):
        return _bidi_class()(
            text,
            size=st.fontSize,
            leading=st.leading,
            bold=st.fontName == SANS_BOLD,
            color=st.textColor,
            indent=st.leftIndent,
            space_before=st.spaceBefore,
            space_after=st.spaceAfter,
            **bidi,
        )
    body = escape(strip_controls(text)).replace("\n", "<br/>")
    anchor = bidi.get("anchor")
    if anchor:
        body = f'<a name="{anchor}"/>' + body
    return Paragraph(body, st)


# --- The document


def render_pdf(doc: Document, path: Path | str, progress: Progress | None = None) -> Path:
    """Write ``doc`` (which must be redacted) to ``path`` as PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageTemplate,
        Spacer,
    )
    from reportlab.platypus import PageBreak as RLPageBreak

    if not doc.redacted:
        raise ValueError("refusing to write an unredacted brief")
    progress = progress or NoProgress()
    path = Path(path)
    register_fonts()
    _styles()
    width, height = A4
    margin = 2.1 * cm
    text_width = width - 2 * margin

    # The header and the notes are English lines that may start with an Arabic title: they
    # keep a left-to-right base so that they read (and align) like the rest of the brief.
    header_flow = _para(doc.header, "small", base=0) if doc.header else None

    def body_page(canv: Any, d: Any) -> None:
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        top = height - margin + 0.9 * cm
        canv.line(margin, top - 4, width - margin, top - 4)
        if header_flow is not None:
            header_flow.wrap(text_width, 20)
            header_flow.drawOn(canv, margin, top)
        canv.setFont(SANS, 8)
        canv.setFillColor(MUTED)
        canv.drawRightString(width - margin, margin - 1.0 * cm, f"Page {d.page}")
        canv.restoreState()

    def cover_page(canv: Any, d: Any) -> None:
        canv.saveState()
        canv.setFillColor(ACCENT)
        canv.rect(0, height - 1.2 * cm, width, 1.2 * cm, stroke=0, fill=1)
        canv.restoreState()

    placed = [0]
    total = [1]
    pages: dict[str, int] = {}
    toc_keys: list[tuple[str, float]] = []  # (heading key, font size of its entry)
    live: Progress = progress

    class _Doc(BaseDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, f: Any) -> None:  # noqa: N802 - reportlab hook
            placed[0] += 1
            if placed[0] % 25 == 0:
                if live.cancelled():
                    raise ExportCancelledError
                done = min(placed[0] / total[0], 1.0)
                live.report(0.3 + 0.65 * done, "Writing the PDF")
            info = getattr(f, "_sb_heading", None)
            if info is None:
                return
            level, text, key = info
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level - 1, closed=level > 1)
            pages[key] = self.page

        def _endBuild(self) -> None:  # noqa: N802 - reportlab internals
            # The contents' page numbers are form XObjects drawn where the contents stand and
            # defined here, once every heading's page is known: one layout pass instead of the
            # two or three a TableOfContents needs.
            self._doSave = 0
            super()._endBuild()
            canv = self.canv
            for key, size in toc_keys:
                canv.beginForm(_toc_form(key), -80, -10, 10, 30)
                canv.setFont(SANS, size)
                canv.setFillColor(INK)
                canv.drawRightString(0, 0, str(pages.get(key, "")))
                canv.endForm()
            canv.save()

    # No frame padding: tables as wide as the text must not stick out of it.
    frame = Frame(
        margin,
        margin,
        text_width,
        height - 2 * margin,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    rl = _Doc(
        str(path),
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=doc.properties.title,
        author=doc.properties.author,
        subject=doc.properties.subject,
        keywords=doc.properties.keywords,
        creator="Sourcebook",
        producer="Sourcebook",
        # The canvas starts every page in this font: the default (Helvetica) would be a
        # referenced, unembedded font in the file.
        initialFontName=SANS,
        invariant=1,
        pageCompression=1,
    )
    rl.addPageTemplates(
        [
            PageTemplate("cover", [frame], onPage=cover_page),
            PageTemplate("body", [frame], onPage=body_page),
        ]
    )

    story: list[Any] = []
    c = doc.cover
    story += [
        Spacer(1, 5 * cm),
        _para(c.title, "cover_title"),
        Spacer(1, 0.4 * cm),
        _para(c.subtitle, "cover_sub"),
        Spacer(1, 1.6 * cm),
    ]
    if c.author:
        story.append(_para(c.author, "body"))
    story += [_para(c.date, "body"), Spacer(1, 0.8 * cm), _para(c.classification, "cover_class")]
    story += [NextPageTemplate("body"), RLPageBreak()]

    n = len(doc.blocks)
    for i, b in enumerate(doc.blocks):
        if i % 200 == 0:
            if progress.cancelled():
                raise ExportCancelledError
            progress.report(0.05 + 0.25 * i / max(n, 1), "Laying out the PDF")
        if isinstance(b, Heading):
            f = _para(b.text, "h1" if b.level == 1 else "h2")
            f._sb_heading = (b.level, b.text, b.key)
            f.keepWithNext = 1
            story.append(f)
        elif isinstance(b, Para):
            story.append(_para(b.text, b.style))
        elif isinstance(b, QuoteBlock):
            story.append(_stack(_quote_flowables(b)))
        elif isinstance(b, Table):
            story += _tables(b, text_width)
        elif isinstance(b, Contents):
            entries = [(h.level, h.text, h.key) for h in doc.blocks if isinstance(h, Heading)]
            if doc.notes:
                entries.append((1, "Notes", "notes"))
            toc_keys = [
                (key, _styles()["toc1" if level == 1 else "toc2"].fontSize)
                for level, _, key in entries
            ]
            story.append(_para("Contents", "h1"))
            story += [_toc_entry(level, text, key) for level, text, key in entries]
        elif isinstance(b, PageBreak):
            story.append(RLPageBreak())
    if doc.notes:
        h = _para("Notes", "h1")
        h._sb_heading = (1, "Notes", "notes")
        story.append(h)
        story += [_note_flowable(note) for note in doc.notes]

    progress.report(0.3, "Writing the PDF")
    total[0] = len(story)
    rl.build(story)
    progress.report(1.0, "PDF written")
    return path


def _toc_form(key: str) -> str:
    return f"toc-{key}"


def _toc_entry(level: int, text: str, key: str) -> Any:
    """One line of the contents: the heading (a link to it) and its page number (a form)."""
    from reportlab.platypus.flowables import Flowable

    inner = _para(text, "toc1" if level == 1 else "toc2")
    number_width = 40.0

    class _TocEntry(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.width = avail_width
            _w, h = inner.wrap(avail_width - number_width, avail_height)
            self.height = h
            return avail_width, h

        def draw(self) -> None:
            canv = self.canv
            inner.drawOn(canv, 0, 0)
            size = getattr(inner, "size", None) or inner.style.fontSize
            canv.saveState()
            canv.translate(self.width, self.height - size)
            canv.doForm(_toc_form(key))
            canv.restoreState()
            _link(canv, (0, 0, self.width, self.height), dest=key)

    entry = _TocEntry()
    entry.spaceBefore = 4 if level == 1 else 0
    return entry


@cache
def _stack_class() -> type:
    from reportlab.platypus.flowables import Flowable

    class Stack(Flowable):  # type: ignore[misc]
        """Flowables kept on one page, laid out once (a quote and its lines).

        Not a KeepTogether: reportlab will not keep a heading with a container, and a container
        wraps its content several times. A stack too tall for a whole page splits into its parts.
        """

        def __init__(self, parts: list[Any]) -> None:
            super().__init__()
            self.parts = parts
            self.spaceBefore = parts[0].getSpaceBefore()
            self.spaceAfter = parts[-1].getSpaceAfter()
            self._wrapped: tuple[float, float] | None = None
            self._sizes: list[tuple[float, float, float]] = []

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            if self._wrapped and self._wrapped[0] == avail_width:
                return self._wrapped
            self._sizes = []
            total = 0.0
            for i, f in enumerate(self.parts):
                _w, h = f.wrap(avail_width, 1e6)
                gap = f.getSpaceBefore() if i else 0.0
                after = f.getSpaceAfter() if i < len(self.parts) - 1 else 0.0
                self._sizes.append((gap, h, after))
                total += gap + h + after
            self.width = avail_width
            self.height = total
            self._wrapped = (avail_width, total)
            return self._wrapped

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            frame = getattr(self, "_frame", None)
            full = frame._aH if frame is not None else 0  # noqa: SLF001
            self.wrap(avail_width, avail_height)
            if self.height > full > 0 and avail_height >= full - 1:
                return list(self.parts)  # taller than a page: let the parts break
            return []

        def draw(self) -> None:
            y = self.height
            for f, (gap, h, after) in zip(self.parts, self._sizes, strict=True):
                y -= gap + h
                f.drawOn(self.canv, 0, y)
                y -= after

    return Stack


def _stack(parts: list[Any]) -> Any:
    return _stack_class()(parts)


def _quote_flowables(b: QuoteBlock) -> list[Any]:
    text = b.text if has_rtl(b.text) else f"“{b.text}”"
    out = [_para(text, "quote")]
    meta = " · ".join(x for x in (b.speaker, b.date, b.status) if x)
    # The citation number is a superscript link to its note; the line is the note's way back.
    out.append(
        _para(
            "— " + meta,
            "meta",
            plain=True,
            suffix=(str(b.note), f"note-{b.note}"),
            anchor=f"ref-{b.note}",
        )
    )
    if b.translation:
        out.append(_para(f"Translation: {b.translation}", "meta"))
    if b.remark:
        out.append(_para(f"Note: {b.remark}", "meta"))
    return out


@cache
def _link_class() -> type:
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfbase.pdfdoc import (
        PDFDestinationFit,
        PDFDestinationXYZ,
        PDFObject,
        PDFString,
    )

    class Link(PDFObject):  # type: ignore[misc]
        """A link annotation (to a named destination or to an address) written as one string.

        reportlab's linkRect and linkURL build a dictionary of name, array and string objects
        per link and format each of them when the file is saved: for the ~3,900 links of a
        1,000-quote dossier that cost more than drawing all of its text. The annotation is the
        same: a borderless /Link with /Dest [page /XYZ left top zoom] (or /Fit), or a /URI
        action.
        """

        def __init__(self, rect: tuple[float, ...], dest: Any = None, uri: str | None = None):
            self.rect: bytes = fp_str(*rect).encode("ascii")
            self.dest = dest
            self.uri = uri

        def format(self, document: Any) -> bytes:
            target: bytes
            if self.uri is not None:
                s: bytes = PDFString(self.uri).format(document)
                target = b"/A << /S /URI /Type /Action /URI " + s + b" >>"
            else:
                target = b"/Dest " + self._dest(document)
            return (
                b"<< /Border [ 0 0 0 ] "
                + target
                + b" /Rect [ "
                + self.rect
                + b" ] /Subtype /Link /Type /Annot >>"
            )

        def _dest(self, document: Any) -> bytes:
            d = self.dest
            f = d.fmt
            if d.page is None or f is None:
                return bytes(d.format(document))  # reportlab's message names the target
            page: bytes = document.Reference(d.page).format(document)
            if type(f) is PDFDestinationXYZ and None not in (f.left, f.top, f.zoom):
                nums: bytes = fp_str(f.left, f.top, f.zoom).encode("ascii")
                return b"[ " + page + b" /XYZ " + nums + b" ]"
            if type(f) is PDFDestinationFit:
                return b"[ " + page + b" /Fit ]"
            return bytes(d.format(document))

    return Link


def _link(
    canv: Any, rect: tuple[float, float, float, float], dest: str = "", uri: str = ""
) -> None:
    """A borderless link over ``rect`` (in the current user space) to ``dest`` or ``uri``."""
    box = canv._absRect(rect, 1)
    if uri:
        ann = _link_class()(box, uri=uri)
    else:
        ann = _link_class()(box, dest=canv._bookmarkReference(dest))
    canv._addAnnotation(ann)


@functools.lru_cache(maxsize=64)
def _fill_op(color: Any) -> str:
    """The PDF operator that sets ``color`` (a reportlab colour or "#rrggbb") as the fill.

    Written straight into text objects: reportlab's setFillColor parses a colour string anew on
    every call, and a 1,000-quote dossier sets colours some ten thousand times.
    """
    from reportlab.lib.colors import toColor
    from reportlab.lib.rl_accel import fp_str

    c = toColor(color)
    return f"{fp_str(c.red, c.green, c.blue)} rg"


def _note_flowable(n: Note) -> Any:
    """A citation note: its number links back to the quote, its address to the web."""
    links: tuple[tuple[str, str, bool], ...] = ((f"{n.number}.", f"ref-{n.number}", False),)
    if n.url:
        links += ((n.url, n.url, True),)
    return _para(
        f"{n.number}. {n.text()}",
        "note",
        plain=True,
        anchor=f"note-{n.number}",
        base=0,
        links=links,
    )


def _tables(b: Table, text_width: float) -> list[Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    widths = [w * text_width for w in b.widths]
    style = TableStyle(
        [
            # Tables set their cell font even when every cell is a Paragraph; without this
            # an unembedded Helvetica is referenced.
            ("FONTNAME", (0, 0), (-1, -1), SANS),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(INK)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, HexColor(RULE)),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    out = []
    rows = [[_para(cell, "cell") for cell in row] for row in b.rows]
    for start in range(0, max(len(rows), 1), TABLE_CHUNK):
        chunk = rows[start : start + TABLE_CHUNK]
        head = [_para(h, "cellhead") for h in b.headers]
        t = RLTable([head, *chunk], colWidths=widths, repeatRows=1, style=style)
        out.append(t)
    return out
