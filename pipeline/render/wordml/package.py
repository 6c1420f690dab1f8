"""The .docx around the body: the base parts (styles, page set-up, footers with the PAGE field,
fonts, settings) built once per process with python-docx and pruned to what the report uses; a
report only adds its document.xml, core.xml and comments."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Twips
from lxml import etree

from ... import AUTHOR
from .. import DEFLATE_LEVEL
from .page import (
    COMMENT_REFERENCE,
    FONT_TABLE,
    FOOTER_DISTANCE,
    KEEP_STYLES,
    LANDSCAPE_MARGINS,
    LATIN,
    LINE_PITCH,
    MARGINS,
    PAGE_H,
    PAGE_W,
    define_styles,
    page_number,
)
from .runs import plain_run, xml_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOC_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{author}</dc:creator>"
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    f"<Application>{AUTHOR}</Application></Properties>"
)
COMMENTS_PART = "word/comments.xml"
COMMENTS_OPEN = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments xmlns:w="{W_NS}">'
COMMENT_AUTHOR = "财政复核"
# parts of python-docx's default package the report does not use
DROP_PARTS = ("stylesWithEffects", "webSettings", "customXml", "thumbnail", "numbering")


_XMLNS = re.compile(r'\s+xmlns:\w+="[^"]*"')
ZIP_STAMP = (1980, 1, 1, 0, 0, 0)  # zip entry times are fixed: the same report is the same bytes


@dataclass(frozen=True)
class _Base:
    static_zip: bytes  # every part but document.xml and core.xml, compressed
    plain_zip: bytes  # the same without the comments part's relationship and content type (定稿)
    sect_pr: str  # the body's final <w:sectPr> (footers, page numbers from 1)
    cover_sect_pr: str  # the inside of the cover's sectPr (same page, no footer)

    @property
    def continued_sect_pr(self) -> str:
        """A later portrait section: a new page, numbers running on."""
        return self.sect_pr.replace('<w:pgNumType w:start="1"/>', "").replace(
            '<w:type w:val="oddPage"/>', '<w:type w:val="nextPage"/>'
        )

    @property
    def landscape_sect_pr(self) -> str:
        """A landscape section (附件1, the form as the official one is printed): the 版心 turned, 225 ×
        156 mm, the binding edge (订口) at the top; numbers running on."""
        return re.sub(
            r"<w:pgMar [^>]*/>",
            LANDSCAPE_MARGINS,
            self.continued_sect_pr.replace(
                f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>',
                f'<w:pgSz w:w="{PAGE_H}" w:h="{PAGE_W}" w:orient="landscape"/>',
            ),
        )


def package(
    body: str,
    title: str,
    subject: str,
    run_date: dt.date,
    comments: dict[int, list[str]] | None = None,
    sect_pr: str | None = None,
) -> bytes:
    """The .docx: the shared base parts, this report's body, its comments and core properties.

    `comments` maps a comment id the body anchors (`commented()`) to its paragraphs; None: the
    package has no comments part at all (the 定稿). `sect_pr`: the last section's properties when
    the body has sections of its own (Writer.last_sect_pr).
    """
    base = base_package()
    document = DOC_OPEN + body + (sect_pr or base.sect_pr) + "</w:body></w:document>"
    stamp = f"{run_date.isoformat()}T00:00:00Z"
    notes = "".join(
        f'<w:comment w:id="{cid}" w:author="{xml_text(COMMENT_AUTHOR)}" w:initials="{xml_text(COMMENT_AUTHOR)}" w:date="{stamp}">'
        + "".join(
            '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
            + (
                f'<w:r><w:rPr><w:rStyle w:val="{COMMENT_REFERENCE}"/></w:rPr><w:annotationRef/></w:r>'
                if n == 0
                else ""
            )
            + plain_run(text)
            + "</w:p>"
            for n, text in enumerate(paras)
        )
        + "</w:comment>"
        for cid, paras in sorted((comments or {}).items())
    )
    core = CORE.format(
        title=xml_text(title),
        subject=xml_text(subject),
        author=AUTHOR,
        stamp=stamp,
    )
    # the static parts were deflated once (in `_base`), at zlib's default; a report appends its own
    out = io.BytesIO(base.static_zip if comments is not None else base.plain_zip)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (
            ("word/document.xml", document),
            ("docProps/core.xml", core),
            *(((COMMENTS_PART, COMMENTS_OPEN + notes + "</w:comments>"),) if comments is not None else ()),
        ):
            zf.writestr(
                zipfile.ZipInfo(name, ZIP_STAMP), data.encode("utf-8"), zipfile.ZIP_DEFLATED, DEFLATE_LEVEL
            )
    return out.getvalue()


@lru_cache(maxsize=1)
def base_package() -> _Base:
    """Styles, page setup and footers, built once per process with python-docx and pruned."""
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
    return _Base(_static_zip(parts), _static_zip(plain), sect_pr, cover_inner)


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
