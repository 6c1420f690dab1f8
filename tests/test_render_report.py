"""The Word report, read back with python-docx: GB/T 9704 layout, outline, figures, and a golden text dump.

Regenerate the golden after a reviewed change with `UPDATE_GOLDEN=1 pytest tests/test_render_report.py`.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from pipeline.config import Report, Settings
from pipeline.evaluate import evaluate
from pipeline.model import Cell, Result, Section
from pipeline.render import report, wordml
from pipeline.render.findings_json import document as findings_document
from pipeline.render.report import ReportTemplateError, report_docx
from tests.builders import TODAY, clean_sheets, run_sheets

GOLDEN = Path(__file__).parent / "golden" / "example_report.txt"
RUN_DATE = date(2024, 5, 6)
OUTLINE = [
    "一、项目概况",
    "二、项目资金使用及管理情况",
    "三、项目评价及绩效分析",
    "四、存在问题与改进措施",
    "五、自评小组",
]


# ---------------------------------------------------------------- reading the .docx back
def open_docx(data: bytes) -> DocumentObject:
    return Document(io.BytesIO(data))


def paragraphs(doc: DocumentObject) -> list[tuple[str, str]]:
    """(style name, text) of the body's paragraphs, tables left out."""
    return [(p.style.name, p.text) for p in doc.paragraphs]


def texts(doc: DocumentObject, style: str) -> list[str]:
    return [text for name, text in paragraphs(doc) if name == style]


def table_rows(tbl) -> list[list[str]]:
    """A w:tbl as rows of cell texts on the grid: `~` continues a horizontal span, `^` a vertical merge."""
    rows = []
    for tr in tbl.iter(qn("w:tr")):
        cells: list[str] = []
        for tc in tr.iter(qn("w:tc")):
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                text = "^"
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            cells.append(text)
            cells.extend("~" * (int(span.get(qn("w:val"))) - 1 if span is not None else 0))
        rows.append(cells)
    return rows


def tables_after(doc: DocumentObject, heading: str) -> list:
    """The w:tbl elements that follow the paragraph whose text is `heading`."""
    body = list(doc.element.body.iterchildren())
    start = next(i for i, el in enumerate(body) if el.tag == qn("w:p") and Paragraph(el, doc).text == heading)
    return [el for el in body[start:] if el.tag == qn("w:tbl")]


def text_dump(data: bytes) -> str:
    """One line per paragraph `[style] text`; tables as TSV between [table] and [/table]."""
    doc = open_docx(data)
    lines = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc)
            lines.append(f"[{p.style.name}] {p.text}".replace("\n", " ↵ ").rstrip())
        elif el.tag == qn("w:tbl"):
            lines.append("[table]")
            lines.extend("\t".join(row) for row in table_rows(el))
            lines.append("[/table]")
    return "\n".join(lines) + "\n"


def score_text(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def example(example_path: Path) -> Result:
    return evaluate(example_path, Settings(), today=TODAY)


@pytest.fixture(scope="module")
def example_docx(example: Result) -> bytes:
    return report_docx(example, RUN_DATE, Settings())


@pytest.fixture(scope="module")
def doc(example_docx: bytes) -> DocumentObject:
    return open_docx(example_docx)


def with_narrative(result: Result, **sections: str) -> Result:
    kept = [s for s in result.project.narrative if s.title not in sections]
    added = [Section(title, Cell(text, None, text)) for title, text in sections.items()]
    project = dataclasses.replace(result.project, narrative=tuple(kept + added))
    return dataclasses.replace(result, project=project)


# ---------------------------------------------------------------- GB/T 9704 layout
def test_every_section_is_a4_with_the_gbt9704_margins(doc: DocumentObject):
    assert len(doc.sections) == 2  # the cover, then the body
    for section in doc.sections:
        assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
        margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
        assert [m.twips for m in margins] == [2098, 1984, 1587, 1474]  # 37 / 35 / 28 / 26 mm


def test_body_style_is_sanhao_fangsong_with_two_character_indent_and_fixed_28pt_lines(doc: DocumentObject):
    normal = doc.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.name == "Times New Roman"  # digits and Latin
    assert normal.font.size == Pt(16)
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Pt(28)
    assert fmt.first_line_indent == Pt(32)


@pytest.mark.parametrize(
    ("style", "east_asia", "size"),
    [
        ("Title", "方正小标宋简体", 22),
        ("Heading 1", "黑体", 16),
        ("Heading 2", "楷体_GB2312", 16),
        ("表格文字", "仿宋_GB2312", 12),
        ("表格文字（小）", "仿宋_GB2312", 10.5),
        ("Footer", "宋体", 14),
    ],
)
def test_title_heading_and_table_styles_carry_their_chinese_fonts(
    doc: DocumentObject, style, east_asia, size
):
    st = doc.styles[style]
    assert st.element.rPr.rFonts.get(qn("w:eastAsia")) == east_asia
    assert st.font.size == Pt(size)


def test_title_is_centred_and_names_project_and_year(doc: DocumentObject, example: Result):
    assert doc.styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    name = example.project.info.name.value
    assert texts(doc, "Title") == [f"{name}项目2021年绩效自评报告"]


def test_headings_follow_the_seed_outline(doc: DocumentObject):
    assert texts(doc, "Heading 1") == OUTLINE
    assert texts(doc, "Heading 2")[:2] == ["（一）项目基本情况、建设内容", "（二）项目目标"]


def test_body_footers_hold_a_page_field_and_the_cover_has_none(doc: DocumentObject):
    cover, body = doc.sections
    assert cover.footer.is_linked_to_previous  # no footer of its own: the cover is not numbered
    for footer in (body.footer, body.even_page_footer):
        xml = footer._element.xml
        assert re.search(r'w:instr=" PAGE\b', xml) or "PAGE" in "".join(footer._element.itertext())
        assert "— " in xml and " —" in xml
    pg_num = body._sectPr.find(qn("w:pgNumType"))
    assert pg_num is not None and pg_num.get(qn("w:start")) == "1"
    assert doc.settings.odd_and_even_pages_header_footer


def test_tables_fit_the_text_width_and_repeat_their_header_row(doc: DocumentObject):
    tables = list(doc.element.body.iter(qn("w:tbl")))
    assert len(tables) >= 4
    for tbl in tables:
        grid = [int(col.get(qn("w:w"))) for col in tbl.iter(qn("w:gridCol"))]
        assert sum(grid) == 8844  # 156 mm
        first_row = tbl.find(qn("w:tr"))
        assert first_row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


# ---------------------------------------------------------------- figures come from the scores
def test_total_and_grade_sentence_states_the_computed_result(doc: DocumentObject, example: Result):
    computed = findings_document(example)["computed"]
    sentence = next(t for t in texts(doc, "Normal") if t.startswith("经复核"))
    assert f"{score_text(computed['total'])}分" in sentence
    assert f"绩效等级为“{computed['grade']}”" in sentence
    # the unit claimed 94 (the computed total is 94.55 on the 110-point table): the report says so
    assert "单位自评总分为94分" in sentence and "以复核结果为准" in sentence


def test_one_sentence_per_subtotal_and_the_reasons_for_lost_points(doc: DocumentObject, example: Result):
    body = texts(doc, "Normal")
    for t in example.scores.subtotals:
        assert any(
            s.startswith(f"{t.level2}方面共{score_text(t.weight)}分，复核得分{score_text(t.computed)}分")
            for s in body
        ), t
    quantity = next(s for s in body if s.startswith("数量指标方面"))
    assert (
        "“指标2：涉及全县党政机关事业单位”分值10分，复核得分8分，偏差原因：硬件配置，影响传输以及软件升级"
        in quantity
    )


def test_unverifiable_scores_and_a_different_claimed_grade_are_said_in_words(example: Result):
    scores = example.scores
    unverified = [dataclasses.replace(s, computed=None) if s.row == 3 else s for s in scores.indicators]
    info = dataclasses.replace(example.project.info, claimed_grade=Cell("良", None, "良"))
    changed = dataclasses.replace(
        example,
        project=dataclasses.replace(example.project, info=info),
        # what scoring decides of a 良 claim against an 优 total: the report says it, it does not re-decide
        scores=dataclasses.replace(scores, indicators=tuple(unverified), claimed_grade_differs=True),
    )
    doc = open_docx(report_docx(changed, RUN_DATE, Settings()))
    body = texts(doc, "Normal")
    total = next(t for t in body if t.startswith("经复核"))
    assert "单位自评总分为94分、等级为“良”，与复核结果不一致" in total
    quantity = next(s for s in body if s.startswith("数量指标方面"))
    assert "“指标2：涉及全县党政机关事业单位”分值10分，实际完成值无法核验，按单位自评8分计" in quantity
    assert (
        "另有1项指标的实际完成值无法核验（“指标2：涉及全县党政机关事业单位”），暂按单位自评得分计入"
        in "".join(body)
    )
    (table,) = tables_after(doc, "项目支出绩效自评表")[:1]
    assert table_rows(table)[3][7] == "无法核验"


def test_score_table_lists_every_indicator_row_with_its_weight(doc: DocumentObject, example: Result):
    (table,) = tables_after(doc, "项目支出绩效自评表")[:1]
    rows = table_rows(table)
    assert rows[0][:9] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "自评得分",
        "复核得分",
        "偏差原因分析及改进措施",
    ]
    assert rows[1][:3] == ["预算执行率", "~", "~"] and rows[1][5] == "10"
    indicator_rows = rows[2:-3]  # then 合计, 总分（百分制）, 等级
    assert [(r[2], r[5]) for r in indicator_rows] == [
        (i.level3.text, score_text(i.weight.value)) for i in example.project.indicators
    ]
    total_row, grade_row = rows[-2], rows[-1]
    assert total_row[0] == "总分（百分制）" and total_row[7] == score_text(example.scores.total)
    assert grade_row[0] == "等级" and grade_row[7] == example.scores.grade


def test_payments_table_has_a_total_row(doc: DocumentObject):
    (table,) = tables_after(doc, "（四）项目资金主要用途")[:1]
    rows = table_rows(table)
    assert rows[0] == ["序号", "支付日期", "资金性质", "分项名称/用途", "支付金额（万元）"]
    assert rows[-1] == ["合计", "~", "~", "~", "121.0000"]
    assert rows[4][1] == "2021.12.7、12.9、12.15、12.13、12.12"  # the year written once, as staff do


# ---------------------------------------------------------------- the unit's text is data
def test_unit_text_is_never_a_template_nor_a_tag_and_is_cleaned_of_xml_illegal_characters(example: Result):
    bad = with_narrative(
        example,
        项目管理情况="制度{{ 7*7 }}健全\x0b第二段\x00\x1f\ud800结束{% if x %}",
        存在问题="@h1 不是标题 | 不是单元格 ~",
    )
    info = dataclasses.replace(bad.project.info, contact=Cell("王\x0c彪|~", None, "王\x0c彪|~"))
    bad = dataclasses.replace(bad, project=dataclasses.replace(bad.project, info=info))
    doc = open_docx(report_docx(bad, RUN_DATE, Settings()))
    body = texts(doc, "Normal")
    assert "制度{{ 7*7 }}健全" in body and "第二段结束{% if x %}" in body  # \v split the paragraph
    assert "@h1 不是标题 | 不是单元格 ~" in body
    assert "联系人：王 彪|~" in texts(doc, "封面项目")
    assert texts(doc, "Heading 1") == OUTLINE
    assert not any("49" in t for t in body if "制度" in t)


def test_missing_narrative_sections_become_a_note_and_a_missing_team_drops_its_chapter(tmp_path: Path):
    sheets = clean_sheets()
    sheets["报告正文"] = [row for row in sheets["报告正文"] if row[0] not in ("存在问题", "项目管理情况")]
    del sheets["自评小组"], sheets["支付明细"]
    result = run_sheets(tmp_path, sheets)
    doc = open_docx(report_docx(result, RUN_DATE, Settings()))
    notes = texts(doc, "说明")
    assert "（单位未填写“存在问题”）" in notes and "（单位未填写“项目管理情况”）" in notes
    assert texts(doc, "Heading 1") == OUTLINE[:4]
    assert "（四）项目资金主要用途" not in texts(doc, "Heading 2")
    assert "（一）改进措施" in texts(doc, "Heading 2")  # numbering closes up over the missing section


def test_clean_project_report_agrees_with_its_scores(tmp_path: Path):
    result = run_sheets(tmp_path, clean_sheets())
    doc = open_docx(report_docx(result, RUN_DATE, Settings()))
    sentence = next(t for t in texts(doc, "Normal") if t.startswith("经复核"))
    assert sentence.startswith(f"经复核，本项目绩效自评总分为{score_text(result.scores.total)}分")
    assert "复核结果与单位自评结果一致" in sentence
    # the title does not say 项目 twice when the name already ends with it
    assert texts(doc, "Title") == ["2023年农村饮水安全工程维修养护项目2023年绩效自评报告"]


# ---------------------------------------------------------------- findings appendix and settings
def test_findings_appendix_lists_errors_and_warnings(doc: DocumentObject, example: Result):
    assert "审核意见" in texts(doc, "附件标题")
    (table,) = tables_after(doc, "审核意见")
    rows = table_rows(table)
    assert rows[0] == ["序号", "级别", "规则", "位置", "问题说明"]
    listed = [(r[1], r[2], r[3]) for r in rows[1:]]
    wanted = [
        (f.severity.value, f.rule, f.location)
        for f in example.findings
        if f.severity.value in ("错误", "警告")
    ]
    assert listed == wanted and ("错误", "S011", "项目信息!B13") in listed
    assert texts(doc, "附件说明") == ["附件：1.项目支出绩效自评表\n2.审核意见"]


def test_include_findings_false_drops_the_findings_appendix(example: Result):
    settings = dataclasses.replace(Settings(), report=Report(include_findings=False))
    doc = open_docx(report_docx(example, RUN_DATE, settings))
    assert texts(doc, "附件标题") == ["项目支出绩效自评表"]
    assert texts(doc, "附件标注") == ["附件"]
    assert texts(doc, "附件说明") == ["附件：项目支出绩效自评表"]
    assert not any("S011" in "".join(el.itertext()) for el in doc.element.body.iter(qn("w:tbl")))


def test_same_input_and_date_give_the_same_bytes_and_pinned_properties(example: Result, example_docx: bytes):
    assert report_docx(example, RUN_DATE, Settings()) == example_docx
    props = open_docx(example_docx).core_properties
    assert props.created == props.modified == datetime(2024, 5, 6, tzinfo=UTC)
    assert props.revision == 1 and props.author == wordml.AUTHOR
    later = open_docx(report_docx(example, date(2024, 6, 1), Settings()))
    assert later.core_properties.created == datetime(2024, 6, 1, tzinfo=UTC)


def test_a_template_line_with_an_unknown_tag_names_the_line():
    with pytest.raises(ReportTemplateError, match="第 2 行.*@tilte"):
        report._parse("@title 标题\n@tilte 错字")


def test_unreadable_workbook_gets_no_report(example: Result):
    with pytest.raises(ValueError):
        report_docx(dataclasses.replace(example, scores=None), RUN_DATE, Settings())


# ---------------------------------------------------------------- golden text dump
def test_example_report_matches_the_reviewed_golden_text(example_docx: bytes):
    actual = text_dump(example_docx)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden", "actual", lineterm=""
        )
        pytest.fail("报告文本与 golden 不一致（确认无误后以 UPDATE_GOLDEN=1 重新生成）：\n" + "\n".join(diff))


def test_a_deduction_under_one_point_is_said_in_the_text(tmp_path):
    """outputs.md: every line that lost points is named; 0.05 of 10 is a deduction like any other."""
    sheets = clean_sheets()
    sheets["绩效指标"][1][5] = "19.9公里"  # ≥20公里: 10 × 19.9 / 20 = 9.95
    sheets["绩效指标"][1][7] = 9.95
    sheets["绩效指标"][1][8] = "一处管线改线，少修 0.1 公里"
    result = run_sheets(tmp_path, sheets)
    [line] = [sc for sc in result.scores.indicators if sc.row == 2]
    assert (line.weight, line.final) == (10, 9.95)
    body = texts(open_docx(report_docx(result, RUN_DATE, Settings())), "Normal")
    quantity = next(s for s in body if s.startswith("数量指标方面"))
    assert "“维修管网长度”分值10分，复核得分9.95分，偏差原因：一处管线改线，少修 0.1 公里" in quantity
    assert "均得满分" not in quantity
