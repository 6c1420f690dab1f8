"""Tagged lines (the rendered jinja2 outline) -> the children of <w:body>: headings numbered, the
落款, the cover's section, 附件 labels, template tables and blocks built elsewhere (附件1's form)."""

from __future__ import annotations

import re

from .layout import BODY_PT, TITLE_CHARS
from .package import base_package
from .runs import (
    REFERENCE,
    Line,
    ReportTemplateError,
    balanced_lines,
    chinese_number,
    keep_with_next,
    paragraph,
    text_chars,
    text_runs,
)
from .tables import TemplateTable

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
    "landscape",
    "end-landscape",
}


# Where a title may break inside the project's name (GB/T 9704 7.3.3: 词意完整): after 暨 and a
# clause's punctuation, and after a word that closes a noun (…系统, …项目) unless punctuation
# follows (a line never ends in 、: an enumeration is not cut at its commas) or the work done on it
# (系统|运行维护 would cut 系统运行维护).
_TITLE_BREAK = re.compile(
    "(?<=[，,；;：:暨])|(?<=项目|工程|系统|大楼|机关|单位|维护|建设|管理|服务|经费|资金|专项|通讯|改造"
    "|采购|补助|补贴|中心|设施|设备)(?![、，,；;：:。）)”」]|$|维|建|管|改|采|运|服|升|养|修|项)"
)
_UNIT_NUMBERING = re.compile(
    r"\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d)|[①-⑳])"
)
_COMMENT_HEAD = re.compile("^(?:\ue010\\d+\ue011)+")


class Writer:
    """Tagged lines -> the children of <w:body> (the final sectPr is added by `_package`)."""

    def __init__(self, blocks: dict[str, str] | None = None) -> None:
        self.blocks = blocks or {}  # `@form` etc.: blocks built elsewhere, placed where the template says
        self.out: list[str] = []
        self.h1 = self.h2 = self.appendix = 0
        self.table: TemplateTable | None = None
        self.closing: list[str] = []
        self.after_table = False
        self.sections = 0  # sections closed so far after the cover's (their sectPr written)
        self.landscape = False  # inside @landscape … @end-landscape
        self.section_ends = ""  # a section that ends here: its sectPr goes before the next paragraph
        self.new_page = False  # a section break just started a page: no page break before

    def write(self, lines: list[Line]) -> str:
        appendices = [line.text for line in lines if line.tag == "appendix"]
        for line in lines:
            if self.table is not None and line.tag not in ("th", "tr", "end-table"):
                raise ReportTemplateError(f"报告模板第 {line.number} 行：表格未以 @end-table 结束")
            if line.tag != "closing":
                self._flush_closing()
            if self.section_ends and line.tag not in ("closing", "end-landscape"):
                self._close_section()
            _HANDLERS.get(line.tag, Writer._paragraph)(self, line, appendices)
        if self.table is not None:
            raise ReportTemplateError("报告模板：最后一个表格未以 @end-table 结束")
        self._flush_closing()
        self._flush_table_gap(paragraph_follows=False)
        return "".join(self.out)

    @property
    def last_sect_pr(self) -> str | None:
        """The body's last section (package's `sect_pr`): None = the base one (one body section)."""
        base = base_package()
        if self.section_ends:  # the body ends in the landscape section
            return self.section_ends
        return base.continued_sect_pr if self.sections else None

    def _landscape(self, line: Line, appendices: list[str]) -> None:
        """What follows, to @end-landscape, is set on landscape pages (附件1's form)."""
        self._flush_table_gap(paragraph_follows=True)
        base = base_package()
        self._end_section(base.sect_pr if self.sections == 0 else base.continued_sect_pr)
        self.landscape = True

    def _end_landscape(self, line: Line, appendices: list[str]) -> None:
        self.landscape = False
        self.section_ends = base_package().landscape_sect_pr  # written before what follows, if anything

    def _close_section(self) -> None:
        sect, self.section_ends = self.section_ends, ""
        self._flush_table_gap(paragraph_follows=True)
        self._end_section(sect)

    def _end_section(self, sect: str) -> None:
        """The section ends with the last paragraph written (Word keeps a section's properties in
        its last paragraph); after a table, an empty one-point paragraph carries them."""
        last = self.out[-1] if self.out else ""
        if self.after_table or not last.startswith("<w:p>"):
            self.out.append(f'<w:p><w:pPr><w:pStyle w:val="TableGap"/>{sect}</w:pPr></w:p>')
            self.after_table = False
        elif last.startswith("<w:p><w:pPr>"):
            self.out[-1] = last.replace("</w:pPr>", sect + "</w:pPr>", 1)
        else:
            self.out[-1] = f"<w:p><w:pPr>{sect}</w:pPr>" + last[len("<w:p>") :]
        self.sections += 1
        self.new_page = True

    def comment_ids(self) -> list[int]:
        """The comments the written body anchors, in order."""
        return [int(m) for m in REFERENCE.findall("".join(self.out))]

    def _paragraph(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.out.append(paragraph(PARAGRAPH_TAGS[line.tag], line.text))

    def _unit(self, line: Line, appendices: list[str]) -> None:
        """A paragraph of the unit's own text: one the unit numbered (一、 （一） 1. 1、 （1）) is set as
        an indented item, so its numbering never reads as a heading of this document."""
        self._flush_table_gap(paragraph_follows=True)
        numbered = _UNIT_NUMBERING.match(_COMMENT_HEAD.sub("", line.text)) is not None
        self.out.append(paragraph("UnitItem" if numbered else "Normal", line.text))

    def _title(self, line: Line, appendices: list[str]) -> None:
        """A long title breaks only where the template put `|` and at word ends inside the name."""
        self._flush_table_gap(paragraph_follows=True)
        pieces = [p for part in line.text.split("|") for p in _TITLE_BREAK.split(part.strip()) if p]
        lines = balanced_lines(pieces, TITLE_CHARS)
        runs = "<w:r><w:br/></w:r>".join(text_runs(text) for text in lines)
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
            self.out[i] = keep_with_next(self.out[i])
            if "<w:t" in self.out[i] and '"Attachments"' not in self.out[i]:
                break
        date_width = text_chars(self.closing[-1])
        for i, text in enumerate(self.closing):
            right = 4.0 if i == len(self.closing) - 1 else max(4 + (date_width - text_chars(text)) / 2, 0)
            ind = f'<w:ind w:right="{round(right * BODY_PT * 20)}" w:rightChars="{round(right * 100)}"/>'
            keep = "<w:keepNext/>" if i < len(self.closing) - 1 else ""  # 署名 and date on one page
            self.out.append(paragraph("Closing", text, keep + ind))
        self.closing = []

    def _flush_table_gap(self, paragraph_follows: bool) -> None:
        """Word needs a paragraph between two tables and after a table that ends the body; before any
        other paragraph it would be an empty line (and, after the last table, an orphan page)."""
        if self.after_table and not paragraph_follows:
            self.out.append(paragraph("TableGap", ""))
        self.after_table = False

    def _h1(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.h1, self.h2 = self.h1 + 1, 0
        self.out.append(paragraph("Heading1", f"{chinese_number(self.h1)}、{line.text}"))

    def _h2(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.h2 += 1
        self.out.append(paragraph("Heading2", f"（{chinese_number(self.h2)}）{line.text}"))

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
        runs = "<w:r><w:br/></w:r>".join(text_runs(item) for item in items)
        self.out.append(f'<w:p><w:pPr><w:pStyle w:val="Attachments"/></w:pPr>{runs}</w:p>')

    def _appendix(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=True)
        self.appendix += 1
        label = "附件" if len(appendices) == 1 else f"附件{self.appendix}"
        # a section break has just started the page: a page break before would leave one blank
        extra = '<w:pageBreakBefore w:val="0"/>' if self.new_page else ""
        self.new_page = False
        self.out.append(paragraph("AppendixLabel", label, extra))
        self.out.append(paragraph("AppendixTitle", line.text))

    def _table(self, line: Line, appendices: list[str]) -> None:
        self._flush_table_gap(paragraph_follows=False)
        self.table = TemplateTable(line)

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

    def _in_table(self, line: Line) -> TemplateTable:
        if self.table is None:
            raise ReportTemplateError(
                f"报告模板第 {line.number} 行：@{line.tag} 不在 @table 与 @end-table 之间"
            )
        return self.table


_HANDLERS = {tag: getattr(Writer, "_" + tag.replace("-", "_")) for tag in OTHER_TAGS}
