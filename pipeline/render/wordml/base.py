"""The base parts of every report, built with python-docx: styles, page set-up, footers with the PAGE
field, fonts, settings, pruned to what the report uses. Only wordml/package.py imports this, when
the parts it keeps were made by other code than this (or are not there)."""

from __future__ import annotations

import io
import re
import zipfile

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Twips
from lxml import etree

from .layout import FONT_TABLE, LATIN, LINE_PITCH, PAGE_H, PAGE_W
from .package import APP, COMMENT_AUTHOR, COMMENTS_PART, W_NS, ZIP_STAMP, Base
from .page import FOOTER_DISTANCE, KEEP_STYLES, MARGINS, define_styles, page_number

# parts of python-docx's default package the report does not use
DROP_PARTS = ("stylesWithEffects", "webSettings", "customXml", "thumbnail", "numbering")
_XMLNS = re.compile(r'\s+xmlns:\w+="[^"]*"')


def build() -> Base:
    """Styles, page setup and footers, built with python-docx and pruned."""
    doc = Document()
    define_styles(doc)
    # python-docx ≥ 1.2 makes the comments part and its relationship; each report writes its own
    doc.add_comment(doc.add_paragraph().add_run("-"), "-", author=COMMENT_AUTHOR)
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), FOOTER_DISTANCE
    doc.settings.odd_and_even_pages_header_footer = True
    # GB/T 9704: "— 1 —", 4号宋体, odd pages right and even pages left, one character in
    page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    sect = section._sectPr
    sect.insert(sect.index(sect.find(qn("w:cols"))), parse_xml(f'<w:pgNumType {nsdecls("w")} w:start="1"/>'))
    # GB/T 9704: 22 lines a page on a line grid of the fixed 28 pt body line; 28 characters a line
    # come from the body styles' character spacing (CHAR_SPACING). Titles, tables and footers are
    # off the grid (their styles say so).
    grid = sect.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    # the body starts on an odd page: printed duplex, "— 1 —" is never on the back of the cover
    sect.insert(sect.index(sect.find(qn("w:pgSz"))), parse_xml(f'<w:type {nsdecls("w")} w:val="oddPage"/>'))
    for attr in list(sect.attrib):
        del sect.attrib[attr]  # rsids
    sect_pr = _XMLNS.sub("", etree.tostring(sect, encoding="unicode"))  # document.xml declares w: and r:
    cover_inner = "".join(
        _XMLNS.sub("", etree.tostring(child, encoding="unicode"))
        for child in sect
        if child.tag
        not in (qn("w:footerReference"), qn("w:headerReference"), qn("w:pgNumType"), qn("w:type"))
    )

    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf) as zf:
        raw = {name: zf.read(name) for name in zf.namelist()}
    parts: dict[str, bytes] = {"[Content_Types].xml": b""}
    for name, data in raw.items():
        if any(d in name for d in DROP_PARTS) or name == "[Content_Types].xml":
            continue
        parts[name] = data
    parts["[Content_Types].xml"] = _prune_rels(raw["[Content_Types].xml"])
    parts["_rels/.rels"] = _prune_rels(raw["_rels/.rels"])
    parts["word/_rels/document.xml.rels"] = _prune_rels(raw["word/_rels/document.xml.rels"])
    parts["word/styles.xml"] = _prune_styles(raw["word/styles.xml"])
    parts["word/fontTable.xml"] = _font_table()
    parts["word/settings.xml"] = raw["word/settings.xml"].replace(
        b'w:eastAsia="ja-JP"', b'w:eastAsia="zh-CN"'
    )
    parts["docProps/app.xml"] = APP.encode("utf-8")
    plain = {
        **parts,
        "[Content_Types].xml": _prune_rels(parts["[Content_Types].xml"], "comments"),
        "word/_rels/document.xml.rels": _prune_rels(parts["word/_rels/document.xml.rels"], "comments"),
    }
    return Base(_static_zip(parts), _static_zip(plain), sect_pr, cover_inner)


def _static_zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if name not in ("word/document.xml", "docProps/core.xml", COMMENTS_PART):
                zf.writestr(zipfile.ZipInfo(name, ZIP_STAMP), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _prune_rels(data: bytes, *also: str) -> bytes:
    root = etree.fromstring(data)
    for child in list(root):
        target = child.get("Target") or child.get("PartName") or ""
        if any(d in target for d in (*DROP_PARTS, *also)) or child.get("Extension") == "jpeg":
            root.remove(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _prune_styles(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for child in list(root):
        if child.tag == qn("w:latentStyles") or (
            child.tag == qn("w:style") and child.get(qn("w:styleId")) not in KEEP_STYLES
        ):
            root.remove(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _font_table() -> bytes:
    fonts = [
        f'<w:font w:name="{LATIN}"><w:charset w:val="00"/><w:family w:val="roman"/>'
        '<w:pitch w:val="variable"/></w:font>'
    ]
    for name, alt in FONT_TABLE.items():
        fonts.append(
            f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            '<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:fonts xmlns:w="{W_NS}">{"".join(fonts)}</w:fonts>'
    ).encode()
