"""The GB/T 9704-2012 page and the report's paragraph styles: sizes, fonts, indents, the line grid.
Styles are declared as data (`STYLES`) and written into the base package with python-docx."""

from __future__ import annotations

from dataclasses import dataclass

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from .layout import (
    BODY_PT,
    CHAR_SPACING,
    COMMENT_REFERENCE,
    FANGSONG,
    HEITI,
    KAITI,
    LATIN,
    SONGTI,
    XIAOBIAOSONG,
)

# ---------------------------------------------------------------- GB/T 9704-2012 page, with python-docx
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
FOOTER_DISTANCE = Mm(23)  # the page number sits about 7 mm below the 版心


@dataclass(frozen=True)
class StyleSpec:
    """One paragraph style. Sizes in points; indents in characters of the style's own size."""

    style_id: str
    name: str
    east_asia: str = FANGSONG
    latin: str = LATIN
    size: float = 16
    bold: bool = False
    italic: bool = False
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY
    first_line: float = 0  # characters
    left: float = 0  # characters
    right: float = 0  # characters
    hanging: float = 0  # characters
    line: float | None = 28  # exact line spacing in pt; None = single
    before: float = 0
    after: float = 0
    outline: int | None = None
    keep_next: bool = False
    page_break_before: bool = False
    builtin: bool = False
    # on the document grid (28 characters a line): body text only. A 22 pt title would take two
    # grid cells a character, and single-spaced table rows would snap to the body line pitch.
    grid: bool = True


_BODY = {"first_line": 2}
_CELL = {"line": None, "align": WD_ALIGN_PARAGRAPH.LEFT, "grid": False}
# Formats in one table. Built-in styles keep their ids (Word's navigation pane and TOC know them).
# fmt: off
STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("Normal", "Normal", builtin=True, **_BODY),
    StyleSpec("Title", "Title", XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line=35, after=28,
              builtin=True, grid=False),
    StyleSpec("Heading1", "Heading 1", HEITI, outline=0, keep_next=True, builtin=True, **_BODY),
    StyleSpec("Heading2", "Heading 2", KAITI, outline=1, keep_next=True, builtin=True, **_BODY),
    StyleSpec("Footer", "Footer", SONGTI, SONGTI, size=14, line=None, builtin=True, grid=False),
    StyleSpec("CoverTitle", "封面标题", XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line=35,
              before=72, after=56, grid=False),
    StyleSpec("CoverLine", "封面项目", left=2, line=34, align=WD_ALIGN_PARAGRAPH.LEFT),
    # 公文 never uses italics: a note in our own voice is set in 楷体, as GB/T 9704 sets the second level
    StyleSpec("Note", "说明", KAITI, **_BODY),
    # the unit's own numbered paragraphs (一、… 1. …): first line indented two characters as any 公文
    # paragraph (GB/T 9704), a style of their own so they are never taken for headings of this document
    StyleSpec("UnitItem", "单位条目", first_line=2),
    # a caption saying that what follows is the unit's text as written
    StyleSpec("UnitNote", "单位原文说明", KAITI, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=2),
    StyleSpec("Centered", "居中", align=WD_ALIGN_PARAGRAPH.CENTER),
    StyleSpec("Closing", "落款", align=WD_ALIGN_PARAGRAPH.RIGHT, right=4),
    StyleSpec("Attachments", "附件说明", left=5, hanging=3, align=WD_ALIGN_PARAGRAPH.LEFT),
    StyleSpec("AppendixLabel", "附件标注", HEITI, align=WD_ALIGN_PARAGRAPH.LEFT, page_break_before=True),
    StyleSpec("AppendixTitle", "附件标题", XIAOBIAOSONG, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, line=30,
              before=6, after=6, grid=False),
    StyleSpec("TableCaption", "表格说明", size=12, line=None, align=WD_ALIGN_PARAGRAPH.LEFT, after=3, grid=False,
              keep_next=True),
    StyleSpec("Addressee", "主送机关", align=WD_ALIGN_PARAGRAPH.LEFT),
    StyleSpec("TableText", "表格文字", size=12, **_CELL),
    StyleSpec("TableHead", "表头", HEITI, size=12, **_CELL),
    StyleSpec("TableTextSmall", "表格文字（小）", size=10.5, **_CELL),
    StyleSpec("TableHeadSmall", "表头（小）", HEITI, size=10.5, **_CELL),
    StyleSpec("CommentText", "annotation text", SONGTI, size=10.5, **_CELL),
    # the paragraph Word needs after a table that ends the body: one point high, so it never makes a page
    StyleSpec("TableGap", "表后空段", size=1, line=1, grid=False),
)
# fmt: on
KEEP_STYLES = {s.style_id for s in STYLES} | {
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    COMMENT_REFERENCE,
}


def define_styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    defaults.getparent().replace(
        defaults,
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
            f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{FANGSONG}" w:cs="{LATIN}"/>'
            '<w:kern w:val="2"/><w:sz w:val="32"/><w:szCs w:val="32"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            '<w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault>'
            "</w:docDefaults>"
        ),
    )
    for spec in STYLES:
        if spec.builtin:
            style = styles[spec.name]
            el = style.element
            for tag in ("w:pPr", "w:rPr", "w:link", "w:rsid", "w:next"):
                for child in el.findall(qn(tag)):
                    el.remove(child)
        else:
            style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
            style.style_id = spec.style_id
        if spec.style_id != "Normal":
            style.base_style = styles["Normal"]
        style.quick_style = spec.style_id in ("Normal", "Title", "Heading1", "Heading2", "Note")
        _apply(style, spec)
    mark = styles.add_style("annotation reference", WD_STYLE_TYPE.CHARACTER)
    mark.style_id = COMMENT_REFERENCE
    mark.font.size = Pt(10.5)


def _apply(style, spec: StyleSpec) -> None:
    font = style.font
    font.size = Pt(spec.size)
    font.bold = spec.bold or None
    font.italic = spec.italic or None
    font.name = spec.latin  # the Latin slots only ...
    rfonts = style.element.rPr.find(qn("w:rFonts"))
    rfonts.set(qn("w:eastAsia"), spec.east_asia)  # ... the Chinese text needs eastAsia
    rfonts.set(qn("w:cs"), spec.latin)
    fmt = style.paragraph_format
    fmt.alignment = spec.align
    char = Pt(spec.size)
    fmt.first_line_indent = (
        char * spec.first_line if spec.first_line else (-char * spec.hanging if spec.hanging else Pt(0))
    )
    fmt.left_indent = char * spec.left
    fmt.right_indent = char * spec.right
    fmt.space_before, fmt.space_after = Pt(spec.before), Pt(spec.after)
    if spec.line is None:
        fmt.line_spacing = 1.0
    else:
        fmt.line_spacing = Pt(spec.line)  # a Length means "exactly"
    fmt.keep_with_next = spec.keep_next or None
    fmt.page_break_before = spec.page_break_before or None
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    # Indents in characters too, as Word's own dialog sets them. Word lets a *Chars attribute win
    # over its twips twin and inherits it attribute by attribute, so every style states all of
    # them: otherwise a table cell would inherit Normal's two-character first-line indent.
    for attr, chars in (
        ("firstLineChars", spec.first_line),
        ("leftChars", spec.left),
        ("rightChars", spec.right),
    ):
        ind.set(qn(f"w:{attr}"), str(round(chars * 100)))
    if spec.hanging:
        ind.set(qn("w:hangingChars"), str(round(spec.hanging * 100)))
    if spec.outline is not None:
        ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{spec.outline}"/>'))
    if not spec.grid:
        ppr.append(parse_xml(f'<w:snapToGrid {nsdecls("w")} w:val="0"/>'))
    elif spec.size == BODY_PT:
        style.element.rPr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="{CHAR_SPACING}"/>'))
        _reorder_rpr(style.element.rPr)
    _reorder(ppr)


# CT_PPrBase child order (the schema is a sequence): put what we appended where Word expects it
# fmt: off
_PPR_ORDER = [qn(f"w:{t}") for t in (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
    "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")]
# fmt: on


_RPR_ORDER = [
    qn(f"w:{t}")
    for t in (
        "rStyle",
        "rFonts",
        "b",
        "bCs",
        "i",
        "iCs",
        "caps",
        "smallCaps",
        "strike",
        "dstrike",
        "outline",
        "shadow",
        "emboss",
        "imprint",
        "noProof",
        "snapToGrid",
        "vanish",
        "webHidden",
        "color",
        "spacing",
        "w",
        "kern",
        "position",
        "sz",
        "szCs",
        "highlight",
        "u",
        "effect",
        "bdr",
        "shd",
        "fitText",
        "vertAlign",
        "rtl",
        "cs",
        "em",
        "lang",
        "eastAsianLayout",
        "specVanish",
        "oMath",
    )
]


def _reorder_rpr(rpr) -> None:
    for child in sorted(rpr, key=lambda c: _RPR_ORDER.index(c.tag) if c.tag in _RPR_ORDER else 99):
        rpr.append(child)


def _reorder(ppr) -> None:
    children = sorted(ppr, key=lambda c: _PPR_ORDER.index(c.tag) if c.tag in _PPR_ORDER else 99)
    for child in children:
        ppr.append(child)


def page_number(paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph.style = "Footer"
    paragraph.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(14)
    else:
        paragraph.paragraph_format.left_indent = Pt(14)
    paragraph.add_run("— ")
    paragraph._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE \\* MERGEFORMAT "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
    )
    paragraph.add_run(" —")
