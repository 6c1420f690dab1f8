"""WordprocessingML for the report: GB/T 9704 page and styles, tagged lines -> body XML, the package.

`report.py` decides what the report says (display values, the jinja2 outline); this module decides
how it looks. The package around the body (styles, page setup, footers with the PAGE field, fonts,
settings) is built once per process with python-docx (`base_package()`), pruned to what the report uses,
and reused for every report; a report only adds its `document.xml` and `core.xml`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, Twips
from lxml import etree

AUTHOR = "项目支出绩效自评工具"

# Characters that carry structure in the tagged lines. Data passing through `{{ … }}` has them
# swapped for private-use stand-ins (and line breaks for spaces), so whatever a unit typed can
# never start a tag, split a table cell or span one; the writer swaps them back.
STANDINS = str.maketrans({"@": "\ue001", "|": "\ue002", "~": "\ue003"})
_RESTORE = str.maketrans({"\ue001": "@", "\ue002": "|", "\ue003": "~"})

# ---------------------------------------------------------------- GB/T 9704-2012 page, in twips
PAGE_W, PAGE_H = 11906, 16838  # A4
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH = 8844  # 版心 156 mm
FOOTER_DISTANCE = Mm(23)  # the page number sits about 7 mm below the 版心
CHARS_PER_LINE, BODY_PT, TITLE_PT = 28, 16, 22
TITLE_CHARS = TEXT_WIDTH // 20 / TITLE_PT  # 20 characters of 2号 on a title line
LINE_PITCH = 560  # twips: the fixed 28 pt body line (22 lines in the 225 mm 版心)
# 28 characters a line: the 版心 (442.2 pt) holds 27 of 16 pt, so body text is condensed by a whole
# number of twentieths of a point until 28 fit (-5: 15.75 pt a character, 441 pt a line). A docGrid
# charSpace would do it in Word, but LibreOffice gives every 16 pt character two 15.79 pt grid
# cells (14 a line); condensed spacing lays out the same in Word, WPS and LibreOffice.
CHAR_SPACING = -math.ceil((BODY_PT - TEXT_WIDTH / 20 / CHARS_PER_LINE) * 20)

FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
LATIN = "Times New Roman"
# Fall-backs Word/WPS use when the official font is missing (fontTable altName); previews on
# Linux map them to Noto CJK through fontconfig, so no Linux font name is written into the file.
FONT_TABLE = {FANGSONG: "仿宋", KAITI: "楷体", HEITI: "SimHei", XIAOBIAOSONG: "宋体", SONGTI: "SimSun"}


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
    StyleSpec("Note", "说明", italic=True, **_BODY),
    # the unit's own numbered paragraphs (一、… 1. …): indented under our text, so they read as items
    # of the unit's text and never as headings of this document
    StyleSpec("UnitItem", "单位条目", left=2, first_line=2),
    # a caption saying that what follows is the unit's text as written
    StyleSpec("UnitNote", "单位原文说明", KAITI, size=14, line=26, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=2),
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
COMMENT_REFERENCE = "CommentReference"  # the character style of the comment mark
KEEP_STYLES = {s.style_id for s in STYLES} | {
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    COMMENT_REFERENCE,
}

# tag -> paragraph style of the tagged line
PARAGRAPH_TAGS = {
    "p": "Normal",
    "cover-title": "CoverTitle",
    "cover": "CoverLine",
    "note": "Note",
    "unit-item": "UnitItem",
    "unit-note": "UnitNote",
    "center": "Centered",
    "caption": "TableCaption",
    "to": "Addressee",
    "blank": "Normal",
}
OTHER_TAGS = {
    "h1",
    "h2",
    "title",
    "closing",
    "form",
    "block",
    "unit",
    "end-cover",
    "attachments",
    "appendix",
    "table",
    "th",
    "tr",
    "end-table",
}


class ReportTemplateError(ValueError):
    """The report template produced a line the writer cannot lay out (names the line)."""


class Line(NamedTuple):
    tag: str
    text: str
    number: int  # line of the rendered template, for error messages


# ================================================================ 3. WordprocessingML
CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99)."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return CN_DIGITS[n]
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


_STANDIN = re.compile("[\ue001-\ue003]")


def _t(text: str) -> str:
    if _STANDIN.search(text) is not None:
        text = text.translate(_RESTORE)
    return escape(text)


# A Word comment (批注) anchored on part of a text: report.py wraps the words in these marks,
# `\ue010<id>\ue011words\ue012`, and the run writer turns them into a comment range and its mark.
COMMENT_OPEN, COMMENT_ID_END, COMMENT_CLOSE = "\ue010", "\ue011", "\ue012"
LINE_BREAK = "\ue004"  # a line break inside a table cell (one date a line)
COMMENT_MARKS = re.compile("[\ue004\ue010-\ue012]")  # every mark of ours: never taken from the unit's text
_COMMENTED = re.compile("\ue010(\\d+)\ue011(.*?)\ue012", re.S)
_REFERENCE = re.compile(r'<w:commentReference w:id="(\d+)"/>')


def commented(text: str, comment_id: int) -> str:
    """`text` marked to carry comment `comment_id` (see `package(comments=…)`)."""
    return f"{COMMENT_OPEN}{comment_id}{COMMENT_ID_END}{text}{COMMENT_CLOSE}" if text else text


def _plain_run(text: str) -> str:
    if LINE_BREAK in text:
        return "<w:r><w:br/></w:r>".join(_plain_run(part) for part in text.split(LINE_BREAK))
    return f'<w:r><w:t xml:space="preserve">{_t(text)}</w:t></w:r>' if text else ""


def _run(text: str) -> str:
    if COMMENT_OPEN not in text:
        return _plain_run(text)
    out, at = [], 0
    for m in _COMMENTED.finditer(text):
        out.append(_plain_run(text[at : m.start()]))
        cid = m.group(1)
        out.append(
            f'<w:commentRangeStart w:id="{cid}"/>{_plain_run(m.group(2))}<w:commentRangeEnd w:id="{cid}"/>'
            f'<w:r><w:rPr><w:rStyle w:val="{COMMENT_REFERENCE}"/></w:rPr><w:commentReference w:id="{cid}"/></w:r>'
        )
        at = m.end()
    out.append(_plain_run(text[at:]))
    return re.sub(
        "[\ue010-\ue012]", "", "".join(out)
    )  # a stray mark (a template cut a marked text) shows nothing


def text_chars(text: str) -> float:
    """Width in characters of the body font: CJK and full-width one, digits and Latin half."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "“”‘’—…" else 1.0 for ch in text)


def balanced_lines(pieces: list[str], width: float) -> list[str]:
    """Join pieces (each ending at a word boundary) into lines of at most `width` characters, as few
    lines as possible and as even as possible (GB/T 9704 7.3.3: 词意完整, 梯形或菱形)."""
    n = len(pieces)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)  # from piece i: (cost, end of its first line)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            w = text_chars("".join(pieces[i:j]))
            if w > width and j > i + 1:
                break
            # fewer lines first, then even lengths
            options.append((best[j][0] + 1000 + (width - min(w, width)) ** 2, j))
        best[i] = min(options)
    lines, i = [], 0
    while i < n:
        j = best[i][1]
        lines.append("".join(pieces[i:j]))
        i = j
    return lines


_TITLE_BREAK = re.compile("(?<=[、，,；;：:暨])")
_UNIT_NUMBERING = re.compile(
    r"\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d)|[①-⑳])"
)
_COMMENT_HEAD = re.compile("^(?:\ue010\\d+\ue011)+")


_PSTYLE = re.compile(r"(<w:pStyle [^>]*/>)")


def _keep_with_next(p: str) -> str:
    """A written paragraph, kept on the page of the next one."""
    if "<w:keepNext/>" in p:
        return p
    if p.startswith("<w:p><w:pPr>"):
        if _PSTYLE.search(p):
            return _PSTYLE.sub(r"\1<w:keepNext/>", p, count=1)
        return p.replace("<w:pPr>", "<w:pPr><w:keepNext/>", 1)
    return p.replace("<w:p>", "<w:p><w:pPr><w:keepNext/></w:pPr>", 1)


def _para(style: str, text: str, ppr_extra: str = "") -> str:
    style_el = f'<w:pStyle w:val="{style}"/>' if style != "Normal" else ""
    ppr = f"<w:pPr>{style_el}{ppr_extra}</w:pPr>" if style_el or ppr_extra else ""
    return f"<w:p>{ppr}{_run(text)}</w:p>"


@dataclass
class _Column:
    width: int  # twips
    align: str  # left / center / right
    merge: bool  # equal cells above one another are merged


_ALIGN = {"l": "left", "c": "center", "r": "right"}
_CELL_MARGIN = 57  # 1 mm each side
_CELL_PAD = 45  # 0.8 mm above and below the text: a ruled line never touches it
_BORDER = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
_TABLE_BORDERS = (
    "<w:tblBorders>"
    + "".join(_BORDER.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + "</w:tblBorders>"
)


class Writer:
    """Tagged lines -> the children of <w:body> (the final sectPr is added by `_package`)."""

    def __init__(self, blocks: dict[str, str] | None = None) -> None:
        self.blocks = blocks or {}  # `@form` etc.: blocks built elsewhere, placed where the template says
        self.out: list[str] = []
        self.h1 = self.h2 = self.appendix = 0
        self.table: _Table | None = None
        self.closing: list[str] = []
        self.after_table = False

    def write(self, lines: list[Line]) -> str:
        appendices = [line.text for line in lines if line.tag == "appendix"]
        for line in lines:
            if self.table is not None and line.tag not in ("th", "tr", "end-table"):
                raise ReportTemplateError(f"报告模板第 {line.number} 行：表格未以 @end-table 结束")
            if line.tag != "closing":
                self._flush_closing()
            _HANDLERS.get(line.tag, Writer._paragraph)(self, line, appendices)
        if self.table is not None:
            raise ReportTemplateError("报告模板：最后一个表格未以 @end-table 结束")
        self._flush_closing()
        self._flush_table_gap(paragraph_follows=False)
        return "".join(self.out)

    def comment_ids(self) -> list[int]:
        """The comments the written body anchors, in order."""
        return [int(m) for m in _REFERENCE.findall("".join(self.out))]

    def _paragraph(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.out.append(_para(PARAGRAPH_TAGS[line.tag], line.text))

    def _unit(self, line: Line, appendices: list[str]) -> None:
        """A paragraph of the unit's own text: one the unit numbered (一、 （一） 1. 1、 （1）) is set as
        an indented item, so its numbering never reads as a heading of this document."""
        self._flush_table_gap(paragraph_follows=True)
        numbered = _UNIT_NUMBERING.match(_COMMENT_HEAD.sub("", line.text)) is not None
        self.out.append(_para("UnitItem" if numbered else "Normal", line.text))

    def _title(self, line: Line, appendices: list[str]) -> None:
        """A long title breaks only where the template put `|` and after punctuation inside the name."""
        self._flush_table_gap(paragraph_follows=True)
        pieces = [p for part in line.text.split("|") for p in _TITLE_BREAK.split(part.strip()) if p]
        lines = balanced_lines(pieces, TITLE_CHARS)
        runs = "<w:r><w:br/></w:r>".join(_run(text) for text in lines)
        self.out.append(f'<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>{runs}</w:p>')

    def _closing(self, line: Line, appendices: list[str]) -> None:
        self.closing.append(line.text)

    def _flush_closing(self) -> None:
        """落款 (GB/T 9704 7.3.5.1): the date right-indented four characters, the 署名 above it centred
        over the date."""
        if not self.closing:
            return
        self._flush_table_gap(paragraph_follows=True)
        # the 落款 never has a page to itself: the blank lines, 附件说明 and the last line of text
        # before it travel with it
        for i in range(len(self.out) - 1, -1, -1):
            if not self.out[i].startswith("<w:p>"):
                break
            self.out[i] = _keep_with_next(self.out[i])
            if "<w:t" in self.out[i] and '"Attachments"' not in self.out[i]:
                break
        date_width = text_chars(self.closing[-1])
        for i, text in enumerate(self.closing):
            right = 4.0 if i == len(self.closing) - 1 else max(4 + (date_width - text_chars(text)) / 2, 0)
            ind = f'<w:ind w:right="{round(right * BODY_PT * 20)}" w:rightChars="{round(right * 100)}"/>'
            keep = "<w:keepNext/>" if i < len(self.closing) - 1 else ""  # 署名 and date on one page
            self.out.append(_para("Closing", text, keep + ind))
        self.closing = []

    def _flush_table_gap(self, paragraph_follows: bool) -> None:
        """Word needs a paragraph between two tables and after a table that ends the body; before any
        other paragraph it would be an empty line (and, after the last table, an orphan page)."""
        if self.after_table and not paragraph_follows:
            self.out.append(_para("TableGap", ""))
        self.after_table = False

    def _h1(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.h1, self.h2 = self.h1 + 1, 0
        self.out.append(_para("Heading1", f"{chinese_number(self.h1)}、{line.text}"))

    def _h2(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.h2 += 1
        self.out.append(_para("Heading2", f"（{chinese_number(self.h2)}）{line.text}"))

    def _end_cover(self, line: Line, appendices: list[str]) -> None:
        # The cover is a section of its own without a footer; page numbers start at 1 after it.
        sect = f"<w:sectPr>{base_package().cover_sect_pr}</w:sectPr>"
        last = self.out[-1] if self.out else ""
        if last.startswith("<w:p>"):
            if last.startswith("<w:p><w:pPr>"):
                self.out[-1] = last.replace("</w:pPr>", sect + "</w:pPr>", 1)
            else:
                self.out[-1] = f"<w:p><w:pPr>{sect}</w:pPr>" + last[len("<w:p>") :]
        else:
            self.out.append(f"<w:p><w:pPr>{sect}</w:pPr></w:p>")

    def _attachments(self, line: Line, appendices: list[str]) -> None:
        if not appendices:
            return
        self._flush_table_gap(paragraph_follows=True)
        label = line.text or "附件："
        if len(appendices) == 1:
            items = [label + appendices[0]]
        else:
            items = [f"{label if n == 1 else ''}{n}.{title}" for n, title in enumerate(appendices, start=1)]
        runs = "<w:r><w:br/></w:r>".join(_run(item) for item in items)
        self.out.append(f'<w:p><w:pPr><w:pStyle w:val="Attachments"/></w:pPr>{runs}</w:p>')

    def _appendix(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.appendix += 1
        label = "附件" if len(appendices) == 1 else f"附件{self.appendix}"
        self.out.append(_para("AppendixLabel", label))
        self.out.append(_para("AppendixTitle", line.text))

    def _table(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=False)
        self.table = _Table(line)

    def _th(self, line: Line, appendices: list[str]) -> None:
        self._in_table(line).row(line, header=True)

    def _tr(self, line: Line, appendices: list[str]) -> None:
        self._in_table(line).row(line, header=False)

    def _end_table(self, line: Line, appendices: list[str]) -> None:
        self.out.append(self._in_table(line).xml())
        self.table = None
        self.after_table = True

    def _form(self, line: Line, appendices: list[str]) -> None:
        xml = self.blocks.get("form")
        if xml is None:
            raise ReportTemplateError(
                f"报告模板第 {line.number} 行：@form 只能用于附件1（项目支出绩效自评表）"
            )
        self._raw(xml, is_table=True)

    def _block(self, line: Line, appendices: list[str]) -> None:
        """`@block NAME`: a table built elsewhere (the county report's charts), placed here."""
        xml = self.blocks.get(line.text)
        if xml is None:
            raise ReportTemplateError(f"报告模板第 {line.number} 行：没有名为“{line.text}”的图表或表格")
        self._raw(xml, is_table=True)

    def _raw(self, xml: str, is_table: bool) -> None:
        """A block built elsewhere (附件1's form grid), placed like a table or a paragraph."""
        self._flush_closing()
        self._flush_table_gap(paragraph_follows=not is_table)
        self.out.append(xml)
        self.after_table = is_table

    def _in_table(self, line: Line) -> _Table:
        if self.table is None:
            raise ReportTemplateError(
                f"报告模板第 {line.number} 行：@{line.tag} 不在 @table 与 @end-table 之间"
            )
        return self.table


_HANDLERS = {tag: getattr(Writer, "_" + tag.replace("-", "_")) for tag in OTHER_TAGS}


class _Table:
    """`@table [small] 12:c:m 28 …` then `@th` / `@tr` rows: widths in mm, scaled to the 版心 width."""

    def __init__(self, line: Line) -> None:
        tokens = line.text.split()
        self.small = bool(tokens) and tokens[0] == "small"
        specs = tokens[1:] if self.small else tokens
        columns = []
        for spec in specs:
            width, *flags = spec.split(":")
            try:
                mm = float(width)
            except ValueError:
                raise ReportTemplateError(
                    f"报告模板第 {line.number} 行：列宽“{spec}”应为毫米数，如 12:c"
                ) from None
            align = next((_ALIGN[f] for f in flags if f in _ALIGN), "left")
            columns.append((mm, align, "m" in flags))
        if not columns:
            raise ReportTemplateError(f"报告模板第 {line.number} 行：@table 后应写各列宽度")
        total = sum(mm for mm, _, _ in columns)
        widths = [round(TEXT_WIDTH * mm / total) for mm, _, _ in columns]
        widths[-1] += TEXT_WIDTH - sum(widths)
        self.columns = [_Column(w, a, m) for w, (_, a, m) in zip(widths, columns, strict=True)]
        self.edges = [sum(widths[:i]) for i in range(len(widths) + 1)]  # a span's width: edge - edge
        self.rows: list[tuple[bool, list[tuple[str, int]]]] = []  # (header, [(text, span)])
        self.line = line

    def row(self, line: Line, header: bool) -> None:
        cells: list[tuple[str, int]] = []
        for raw in line.text.split("|"):
            text = raw.strip()
            if text == "~" and cells:
                prev_text, span = cells[-1]
                cells[-1] = (prev_text, span + 1)
            else:
                cells.append((text, 1))
        width = sum(span for _, span in cells)
        if width > len(self.columns):
            raise ReportTemplateError(
                f"报告模板第 {line.number} 行：{width} 个单元格，多于 @table 的 {len(self.columns)} 列"
            )
        cells.extend(("", 1) for _ in range(len(self.columns) - width))
        self.rows.append((header, cells))

    def xml(self) -> str:
        grid = "".join(f'<w:gridCol w:w="{c.width}"/>' for c in self.columns)
        parts = [
            "<w:tbl><w:tblPr>"
            f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>{_TABLE_BORDERS}'
            '<w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:top w:w="{_CELL_PAD}" w:type="dxa"/><w:left w:w="{_CELL_MARGIN}" w:type="dxa"/>'
            f'<w:bottom w:w="{_CELL_PAD}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
            ' w:noHBand="1" w:noVBand="1"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        ]
        text_style = "TableTextSmall" if self.small else "TableText"
        head_style = "TableHeadSmall" if self.small else "TableHead"
        above: list[tuple[int, str, tuple]] = []  # per grid column of the previous body row: merge key
        for header, cells in self.rows:
            parts.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>")
            col, key, keys = 0, (), []
            for text, span in cells:
                column = self.columns[col]
                width = self.edges[col + span] - self.edges[col]
                key = (*key, text) if column.merge else key
                merge = ""
                if column.merge and not header and span == 1 and text:
                    prev = above[col] if col < len(above) else None
                    merge = "<w:vMerge/>" if prev and prev[2] == key else '<w:vMerge w:val="restart"/>'
                keys.extend([(col, text, key)] * span)
                span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
                align = "center" if header else column.align
                body = "" if merge == "<w:vMerge/>" else _run(text)
                style = head_style if header else text_style
                parts.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{merge}'
                    f'<w:vAlign w:val="center"/></w:tcPr>'
                    f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:jc w:val="{align}"/></w:pPr>{body}</w:p></w:tc>'
                )
                col += span
            above = [] if header else keys
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        return "".join(parts)


@dataclass(frozen=True)
class GridCell:
    """One cell of a grid laid out elsewhere (the official form): rows and columns it spans, its text
    (comment marks allowed) and its role: label / head (bold, centred), text (left), center, number."""

    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    role: str


# a filled cell: a table head, or a bar of a chart drawn as a table (the county report)
_SHADE = {
    role: f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    for role, fill in (("head", "F2F2F2"), ("bar", "7F7F7F"))
}
_ROLE_ALIGN = {"label": "center", "vlabel": "center", "head": "center", "text": "left", "center": "center"}


def grid_table(
    widths_mm: tuple[float, ...],
    cells: list[GridCell],
    header_rows: tuple[int, ...] = (),
    bottom: bool = True,
    whole: bool = False,
) -> str:
    """A table from placed cells (spans and merges as laid out), in the 五号 table styles.
    `header_rows`: rows repeated at the top of every page the table runs onto (they must open the
    table); `bottom=False`: no bottom rule, for a table that another continues right below;
    `whole`: the table is kept on one page (a chart)."""
    total = sum(widths_mm)
    widths = [round(TEXT_WIDTH * w / total) for w in widths_mm]
    widths[-1] += TEXT_WIDTH - sum(widths)
    edges = [sum(widths[:i]) for i in range(len(widths) + 1)]
    at: dict[tuple[int, int], GridCell] = {}
    for cell in cells:
        for r in range(cell.r0, cell.r1 + 1):
            at[(r, cell.c0)] = cell
    rows = sorted({r for cell in cells for r in range(cell.r0, cell.r1 + 1)})
    # a row inside a group merged down an inner column (a 二级指标) keeps with the next: groups are
    # not split over pages where they fit on one (the outermost column's label may run on)
    together = {r for cell in cells if cell.c0 > 0 for r in range(cell.r0, cell.r1)}
    if whole:
        together.update(rows[:-1])
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    borders = _TABLE_BORDERS if bottom else _TABLE_BORDERS.replace(_BORDER.format("bottom"), "")
    parts = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>{borders}'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="{_CELL_PAD}" w:type="dxa"/><w:left w:w="{_CELL_MARGIN}" w:type="dxa"/>'
        f'<w:bottom w:w="{_CELL_PAD}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    for r in rows:
        head = "<w:tblHeader/>" if r in header_rows else ""
        parts.append(f"<w:tr><w:trPr><w:cantSplit/>{head}</w:trPr>")
        c = 0
        while c < len(widths):
            cell = at.get((r, c))
            span = cell.c1 - cell.c0 + 1 if cell else 1
            width = edges[c + span] - edges[c]
            span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
            merge = ""
            if cell and cell.r1 > cell.r0:
                merge = '<w:vMerge w:val="restart"/>' if r == cell.r0 else "<w:vMerge/>"
            body = _run(cell.text) if cell and r == cell.r0 else ""
            keep = "<w:keepNext/>" if r in together else ""
            role = cell.role if cell else "text"
            style = "TableHeadSmall" if role in ("label", "vlabel", "head") else "TableTextSmall"
            shade = _SHADE.get(role, "")
            # a label down a narrow merged column reads top to bottom, as printed forms have it
            vertical = '<w:textDirection w:val="tbRlV"/>' if role == "vlabel" else ""
            parts.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{merge}{shade}'
                f'{vertical}<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}'
                f'<w:jc w:val="{_ROLE_ALIGN.get(role, "left")}"/></w:pPr>{body}</w:p></w:tc>'
            )
            c += span
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


# ================================================================ the package around the body
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
    sect_pr: str  # the body's final <w:sectPr> (footers, page numbers from 1)
    cover_sect_pr: str  # the inside of the cover's sectPr (same page, no footer)


def package(
    body: str, title: str, subject: str, run_date: dt.date, comments: dict[int, list[str]] | None = None
) -> bytes:
    """The .docx: the shared base parts, this report's body, its comments and core properties.

    `comments` maps a comment id the body anchors (`commented()`) to its paragraphs.
    """
    base = base_package()
    document = DOC_OPEN + body + base.sect_pr + "</w:body></w:document>"
    stamp = f"{run_date.isoformat()}T00:00:00Z"
    notes = "".join(
        f'<w:comment w:id="{cid}" w:author="{_t(COMMENT_AUTHOR)}" w:initials="{_t(COMMENT_AUTHOR)}" w:date="{stamp}">'
        + "".join(
            '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
            + (
                f'<w:r><w:rPr><w:rStyle w:val="{COMMENT_REFERENCE}"/></w:rPr><w:annotationRef/></w:r>'
                if n == 0
                else ""
            )
            + _plain_run(text)
            + "</w:p>"
            for n, text in enumerate(paras)
        )
        + "</w:comment>"
        for cid, paras in sorted((comments or {}).items())
    )
    core = CORE.format(
        title=_t(title),
        subject=_t(subject),
        author=AUTHOR,
        stamp=stamp,
    )
    # the static parts are compressed once (in `_base`); a report appends its own two parts
    out = io.BytesIO(base.static_zip)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            zipfile.ZipInfo("word/document.xml", ZIP_STAMP), document.encode("utf-8"), zipfile.ZIP_DEFLATED
        )
        zf.writestr(
            zipfile.ZipInfo("docProps/core.xml", ZIP_STAMP), core.encode("utf-8"), zipfile.ZIP_DEFLATED
        )
        zf.writestr(
            zipfile.ZipInfo(COMMENTS_PART, ZIP_STAMP),
            (COMMENTS_OPEN + notes + "</w:comments>").encode("utf-8"),
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


@lru_cache(maxsize=1)
def base_package() -> _Base:
    """Styles, page setup and footers, built once per process with python-docx and pruned."""
    doc = Document()
    _define_styles(doc)
    # python-docx ≥ 1.2 makes the comments part and its relationship; each report writes its own
    doc.add_comment(doc.add_paragraph().add_run("-"), "-", author=COMMENT_AUTHOR)
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), FOOTER_DISTANCE
    doc.settings.odd_and_even_pages_header_footer = True
    # GB/T 9704: "— 1 —", 4号宋体, odd pages right and even pages left, one character in
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
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
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if name not in ("word/document.xml", "docProps/core.xml", COMMENTS_PART):
                zf.writestr(zipfile.ZipInfo(name, ZIP_STAMP), data, zipfile.ZIP_DEFLATED)
    return _Base(out.getvalue(), sect_pr, cover_inner)


def _define_styles(doc) -> None:
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


def _page_number(paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
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


def _prune_rels(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for child in list(root):
        target = child.get("Target") or child.get("PartName") or ""
        if any(d in target for d in DROP_PARTS) or child.get("Extension") == "jpeg":
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
