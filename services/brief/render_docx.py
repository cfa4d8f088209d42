"""Write a (redacted) brief as .docx with python-docx.

python-docx has no footnote API: the footnotes part (``word/footnotes.xml``), its relationship
and its content type are written here, and each quote's meta line carries a real
``w:footnoteReference``. Right-to-left paragraphs carry ``w:bidi``; Arabic runs carry ``w:rtl``
and the complex-script font. Document properties carry only what the brief says (no user name).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from services.brief.bidi import base_level, has_rtl, rtl_spans, strip_controls
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

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
LATIN_FONT = "Noto Sans"
ARABIC_FONT = "Noto Sans Arabic"
ACCENT = "8A1C1C"
MUTED = "5F6368"


def _runs_xml(text: str, rpr: str = "") -> str:
    """``w:r`` elements for ``text``, Arabic stretches marked ``w:rtl``."""
    text = strip_controls(text)
    out = []
    pos = 0
    spans = rtl_spans(text) if has_rtl(text) else []
    for start, end in [*spans, (len(text), len(text))]:
        if start > pos:
            out.append(_run(text[pos:start], rpr, False))
        if end > start:
            out.append(_run(text[start:end], rpr, True))
        pos = end
    return "".join(out)


def _run(text: str, rpr: str, rtl: bool) -> str:
    props = rpr + ("<w:rtl/>" if rtl else "")
    parts = text.split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}{body}</w:r>"


def _ppr(text: str, extra: str = "", ltr: bool = False) -> str:
    bidi = "<w:bidi/>" if not ltr and base_level(text) else ""
    return f"<w:pPr>{extra}{bidi}</w:pPr>" if (extra or bidi) else ""


KEEP = "<w:keepNext/>"


def _pp(text: str, style: str, extra: str = "", ltr: bool = False) -> str:
    """Paragraph properties with a style (and ``w:bidi`` when the text reads right to left).

    ``ltr`` keeps a left-to-right paragraph even when the text starts with an Arabic word (the
    running header, citation notes: English lines that may begin with an Arabic title).
    """
    return _ppr(text, f'<w:pStyle w:val="{style}"/>{extra}', ltr)


class _Writer:
    """Appends raw WordprocessingML paragraphs to the body (much faster than the object API)."""

    def __init__(self, document: Any) -> None:
        from docx.oxml import parse_xml

        self.document = document
        self.body = document.element.body
        self.sect = self.body[-1]  # the final w:sectPr stays last
        self.parse = parse_xml
        self.buffer: list[str] = []

    def add(self, xml: str) -> None:
        self.buffer.append(xml)
        if len(self.buffer) >= 200:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        frag = self.parse(f'<w:body xmlns:w="{W_NS}">{"".join(self.buffer)}</w:body>')
        for child in list(frag):
            self.sect.addprevious(child)
        self.buffer.clear()

    def para(self, text: str, style: str | None = None, rpr: str = "", extra_ppr: str = "") -> None:
        st = f'<w:pStyle w:val="{style}"/>' if style else ""
        self.add(f"<w:p>{_ppr(text, st + extra_ppr)}{_runs_xml(text, rpr)}</w:p>")


def _footnotes_xml(notes: tuple[Note, ...]) -> bytes:
    items = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
        'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
        'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/>'
        "</w:r></w:p></w:footnote>",
    ]
    for n in notes:
        text = n.text()
        items.append(
            f'<w:footnote w:id="{n.number}"><w:p>'
            f"{_pp(text, 'FootnoteText', ltr=True)}"
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f"{_runs_xml(' ' + text)}</w:p></w:footnote>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{W_NS}">{"".join(items)}</w:footnotes>'
    ).encode()


def _add_footnotes_part(document: Any, notes: tuple[Note, ...]) -> None:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(
        PackURI("/word/footnotes.xml"), FOOTNOTES_CT, _footnotes_xml(notes), document.part.package
    )
    document.part.relate_to(part, FOOTNOTES_RT)
    settings = document.settings.element
    from docx.oxml import parse_xml

    pr = parse_xml(
        f'<w:footnotePr xmlns:w="{W_NS}"><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
        f"</w:footnotePr>"
    )
    _settings_before_compat(settings, pr)


def _settings_before_compat(settings: Any, element: Any) -> None:
    """Insert ``element`` just before ``w:compat``.

    That is where CT_Settings' schema order puts ``updateFields`` and ``footnotePr`` (Word
    refuses settings out of order).
    """
    compat = settings.find(f"{{{W_NS}}}compat")
    if compat is not None:
        compat.addprevious(element)
    else:
        settings.append(element)


FONT_CT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _obfuscate(data: bytes, key: str) -> bytes:
    """A font's bytes obfuscated for a .docx (ECMA-376 Part 1, 17.8.1).

    The first 32 bytes are XORed with the GUID ``key``'s bytes in reverse order.
    """
    k = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ k[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def _embed_fonts(document: Any, arabic: bool) -> None:
    """Embed Noto Sans (and Noto Sans Arabic when the brief holds Arabic) in the .docx.

    Word and LibreOffice then show the brief in the same faces as the PDF on machines that do
    not have them installed. Fonts go into ``word/fonts/*.odttf`` (obfuscated as the format
    requires), linked from ``word/fontTable.xml``; ``w:embedTrueTypeFonts`` is set.
    """
    import uuid

    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    from services.fonts import static_fonts

    f = static_fonts()
    faces = [(LATIN_FONT, (("embedRegular", f.sans_regular), ("embedBold", f.sans_bold)))]
    if arabic:
        faces.append(
            (ARABIC_FONT, (("embedRegular", f.arabic_regular), ("embedBold", f.arabic_bold)))
        )
    table = next(
        r.target_part for r in document.part.rels.values() if r.reltype.endswith("/fontTable")
    )
    from lxml import etree

    root = etree.fromstring(table.blob)
    w = f"{{{W_NS}}}"
    n = 0
    for name, files in faces:
        for el in root.findall(f"{w}font"):
            if el.get(f"{w}name") == name:
                root.remove(el)
        font_el = etree.SubElement(root, f"{w}font", {f"{w}name": name})
        etree.SubElement(font_el, f"{w}charset", {f"{w}val": "00"})
        etree.SubElement(font_el, f"{w}family", {f"{w}val": "swiss"})
        etree.SubElement(font_el, f"{w}pitch", {f"{w}val": "variable"})
        for tag, path in files:
            n += 1
            key = "{" + str(uuid.uuid4()).upper() + "}"
            part = Part(
                PackURI(f"/word/fonts/font{n}.odttf"),
                FONT_CT,
                _obfuscate(path.read_bytes(), key),
                document.part.package,
            )
            rid = table.relate_to(part, FONT_RT)
            etree.SubElement(font_el, f"{w}{tag}", {f"{{{R_NS}}}id": rid, f"{w}fontKey": key})
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = document.settings.element
    from docx.oxml import parse_xml

    flag = parse_xml(f'<w:embedTrueTypeFonts xmlns:w="{W_NS}"/>')
    private = parse_xml(f'<w:removePersonalInformation xmlns:w="{W_NS}"/>')
    zoom = settings.find(f"{w}zoom")
    # Schema order: zoom, removePersonalInformation, ..., embedTrueTypeFonts, ..., proofState.
    if zoom is not None:
        zoom.addnext(private)
        private.addnext(flag)
    else:
        settings.insert(0, flag)
        settings.insert(0, private)


def _styles(document: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles = document.styles

    def fonts(style: Any, size: float | None = None, bold: bool | None = None) -> None:
        style.font.name = LATIN_FONT
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.insert(0, rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
            rfonts.set(qn(attr), LATIN_FONT)
        rfonts.set(qn("w:cs"), ARABIC_FONT)
        for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(a), None)
        if size:
            style.font.size = Pt(size)
            szcs = rpr.makeelement(qn("w:szCs"), {qn("w:val"): str(int(size * 2))})
            rpr.append(szcs)
        if bold is not None:
            style.font.bold = bold

    normal = styles["Normal"]
    fonts(normal, 10)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.2
    for name, size, color in (("Heading 1", 15, ACCENT), ("Heading 2", 11.5, "1D1D1F")):
        st = styles[name]
        fonts(st, size, True)
        st.font.color.rgb = RGBColor.from_string(color)
        st.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 10)
        st.paragraph_format.space_after = Pt(5)
    for name, size, bold, color, indent in (
        ("SB Quote", 10.5, False, "1D1D1F", 14),
        ("SB Meta", 8.5, False, MUTED, 14),
        ("SB Small", 8.5, False, "1D1D1F", 0),
        ("SB Lead", 11.5, False, "1D1D1F", 0),
        ("SB Cell", 8.5, False, "1D1D1F", 0),
        ("SB Cover Title", 26, True, "1D1D1F", 0),
        ("SB Cover Sub", 15, False, MUTED, 0),
        ("SB Classification", 11, True, ACCENT, 0),
        ("FootnoteText", 8.5, False, "1D1D1F", 0),
        ("SB Header", 8, False, MUTED, 0),
    ):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        fonts(st, size, bold)
        st.font.color.rgb = RGBColor.from_string(color)
        if indent:
            st.paragraph_format.left_indent = Pt(indent)
    styles["SB Quote"].paragraph_format.space_before = Pt(6)
    styles["SB Quote"].paragraph_format.space_after = Pt(1)
    styles["SB Meta"].paragraph_format.space_after = Pt(6)
    styles["SB Cell"].paragraph_format.space_after = Pt(0)
    styles["FootnoteText"].paragraph_format.space_after = Pt(0)


def _style_id(name: str) -> str:
    return name.replace(" ", "")


def _field(code: str, cached: str) -> str:
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{cached}'
        f'<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def render_docx(
    doc: Document, path: Path | str, progress: Progress | None = None, embed_fonts: bool = True
) -> Path:
    """Write ``doc`` (which must be redacted) to ``path`` as .docx with real footnotes.

    ``embed_fonts`` puts the Noto faces into the file (about 1.3 MB; 1.7 MB with Arabic).
    """
    import docx
    from docx.shared import Cm

    if not doc.redacted:
        raise ValueError("refusing to write an unredacted brief")
    progress = progress or NoProgress()
    path = Path(path)
    document = docx.Document()
    _styles(document)
    _properties(document, doc)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.1))
    text_width = 21.0 - 4.2  # cm
    section.different_first_page_header_footer = True
    hp = section.header.paragraphs[0]
    # A thin rule under the running header, as in the PDF.
    rule = '<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="C9CCD1"/></w:pBdr>'
    _fill(hp, doc.header, "SBHeader", rule)
    fp = section.footer.paragraphs[0]
    _fill(fp, "", "SBHeader")
    from docx.oxml import parse_xml

    for x in parse_xml(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:jc w:val="right"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">Page </w:t></w:r>'
        f"{_field('PAGE', '<w:r><w:t>1</w:t></w:r>')}"
        f"</w:p>"
    ):
        fp._p.append(x)

    w = _Writer(document)
    c = doc.cover
    w.add('<w:p><w:pPr><w:spacing w:before="2800"/></w:pPr></w:p>')
    w.para(c.title, "SBCoverTitle")
    w.para(c.subtitle, "SBCoverSub")
    w.add('<w:p><w:pPr><w:spacing w:before="600"/></w:pPr></w:p>')
    if c.author:
        w.para(c.author)
    w.para(c.date)
    w.para(c.classification, "SBClassification")
    w.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    headings = [b for b in doc.blocks if isinstance(b, Heading)]
    n = len(doc.blocks)
    bookmark = 0
    for i, b in enumerate(doc.blocks):
        if i % 200 == 0:
            if progress.cancelled():
                raise ExportCancelledError
            progress.report(0.1 + 0.7 * i / max(n, 1), "Writing the Word file")
        if isinstance(b, Heading):
            bookmark += 1
            name = f"_Toc_{b.key}"
            w.add(
                f"<w:p>{_pp(b.text, f'Heading{b.level}', KEEP)}"
                f'<w:bookmarkStart w:id="{bookmark}" w:name="{name}"/>{_runs_xml(b.text)}'
                f'<w:bookmarkEnd w:id="{bookmark}"/></w:p>'
            )
        elif isinstance(b, Para):
            w.para(b.text, {"lead": "SBLead", "small": "SBSmall"}.get(b.style))
        elif isinstance(b, QuoteBlock):
            text = b.text if has_rtl(b.text) else f"“{b.text}”"
            w.add(f"<w:p>{_pp(text, 'SBQuote', KEEP)}{_runs_xml(text)}</w:p>")
            meta = "— " + " · ".join(x for x in (b.speaker, b.date, b.status) if x)
            ref = (
                f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{b.note}"/></w:r>'
            )
            w.add(f"<w:p>{_pp(meta, 'SBMeta')}{_runs_xml(meta)}{ref}</w:p>")
            if b.translation:
                w.para(f"Translation: {b.translation}", "SBMeta")
            if b.remark:
                w.para(f"Note: {b.remark}", "SBMeta")
        elif isinstance(b, Table):
            w.add(_table_xml(b, text_width))
        elif isinstance(b, Contents):
            # Each entry's page number is a PAGEREF field to the heading's bookmark: Word and
            # LibreOffice fill it in when they lay the document out.
            tab = int(text_width * 567)
            entries = "".join(
                f'<w:p><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{tab}"/>'
                f'</w:tabs><w:spacing w:after="{60 if h.level == 1 else 20}"/>'
                f'<w:ind w:left="{(h.level - 1) * 280}"/></w:pPr>'
                f'<w:hyperlink w:anchor="_Toc_{h.key}">{_runs_xml(h.text)}'
                f"<w:r><w:tab/></w:r>"
                f"{_pageref(h.key)}"
                f"</w:hyperlink></w:p>"
                for h in headings
            )
            w.para("Contents", "Heading1")
            w.add(entries)
            # Word shows a PAGEREF's stored value until it updates fields: ask it to on open
            # (LibreOffice computes them as it lays the document out).
            _settings_before_compat(
                document.settings.element,
                parse_xml(f'<w:updateFields xmlns:w="{W_NS}" w:val="true"/>'),
            )
        elif isinstance(b, PageBreak):
            w.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
    w.flush()
    if doc.notes:
        _add_footnotes_part(document, doc.notes)
    if embed_fonts:
        from services.brief.precheck import document_text

        _embed_fonts(document, has_rtl(document_text(doc)))
    progress.report(0.9, "Saving the Word file")
    document.save(str(path))
    progress.report(1.0, "Word file written")
    return path


def _pageref(key: str) -> str:
    """A PAGEREF field to the heading bookmark ``_Toc_<key>`` (cached value: 1)."""
    return _field("PAGEREF _Toc_" + key + " \\h", "<w:r><w:t>1</w:t></w:r>")


def _fill(paragraph: Any, text: str, style: str, extra_ppr: str = "") -> None:
    from docx.oxml import parse_xml

    ppr = _pp(text, style, extra_ppr, ltr=True)
    frag = parse_xml(f'<w:p xmlns:w="{W_NS}">{ppr}{_runs_xml(text)}</w:p>')
    p = paragraph._p
    for child in list(p):
        p.remove(child)
    for child in list(frag):
        p.append(child)


def _table_xml(t: Table, text_width_cm: float) -> str:
    twips = [int(w * text_width_cm * 567) for w in t.widths]
    grid = "".join(f'<w:gridCol w:w="{x}"/>' for x in twips)
    border = (
        '<w:tblBorders><w:top w:val="single" w:sz="4" w:color="C9CCD1"/>'
        '<w:bottom w:val="single" w:sz="4" w:color="C9CCD1"/>'
        '<w:insideH w:val="single" w:sz="4" w:color="C9CCD1"/></w:tblBorders>'
    )
    head_rpr = "<w:b/><w:bCs/>"
    head_border = '<w:tcBorders><w:bottom w:val="single" w:sz="8" w:color="1D1D1F"/></w:tcBorders>'

    def row(cells: tuple[str, ...], header: bool) -> str:
        trpr = (
            "<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"
            if header
            else "<w:trPr><w:cantSplit/></w:trPr>"
        )
        tcs = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{twips[i]}" w:type="dxa"/>{head_border if header else ""}'
            f"</w:tcPr>"
            f"<w:p>{_pp(c, 'SBCell')}"
            f"{_runs_xml(c, head_rpr if header else '')}</w:p></w:tc>"
            for i, c in enumerate(cells)
        )
        return f"<w:tr>{trpr}{tcs}</w:tr>"

    rows = "".join(row(r, False) for r in t.rows)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/>{border}'
        f'<w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="40" w:type="dxa"/>'
        f'<w:left w:w="60" w:type="dxa"/><w:bottom w:w="60" w:type="dxa"/>'
        f'<w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{row(t.headers, True)}{rows}</w:tbl>"
        '<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p>'
    )


_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>Sourcebook</Application><DocSecurity>0</DocSecurity></Properties>"
)


def _properties(document: Any, doc: Document) -> None:
    # python-docx's template carries a thumbnail of its own blank page: file managers would
    # show it as the brief's preview.
    rels = document.part.package.rels
    for rid in [k for k, r in rels.items() if r.reltype.endswith("/thumbnail")]:
        rels.pop(rid)
    # The template's extended properties name another application (Microsoft Macintosh Word
    # 14), its template and a one-page word count of its own: write ours instead.
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = _APP_XML.encode("utf-8")
    cp = document.core_properties
    p = doc.properties
    cp.title = p.title
    cp.subject = p.subject
    cp.author = p.author
    cp.last_modified_by = ""
    cp.comments = ""
    cp.keywords = p.keywords
    cp.category = ""
    cp.revision = 1
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    cp.created = now
    cp.modified = now
