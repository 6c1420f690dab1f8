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
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.config import Report, Settings
from pipeline.decisions import WAIVED, key_of, resolve
from pipeline.evaluate import evaluate
from pipeline.model import Cell, Decision, Result, Section
from pipeline.render import form, report, wordml
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
            text = "".join(
                "↵" if el.tag == qn("w:br") else (el.text or "") for el in tc.iter(qn("w:t"), qn("w:br"))
            )
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
    # the cover, the body, 附件1 on landscape pages (the 版心 turned), then 附件2
    assert len(doc.sections) == 4
    for n, section in enumerate(doc.sections):
        margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
        if n == 2:
            assert (section.page_width.twips, section.page_height.twips) == (16838, 11906)
            assert section.orientation == WD_ORIENT.LANDSCAPE
            assert [m.twips for m in margins] == [1587, 1587, 2098, 1984]  # 225 × 156 mm 版心
            continue
        assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
        assert [m.twips for m in margins] == [2098, 1984, 1587, 1474]  # 37 / 35 / 28 / 26 mm
    # page numbers start at 1 in the body and run on through the appendices
    starts = [s._sectPr.find(qn("w:pgNumType")) for s in doc.sections]
    assert [x.get(qn("w:start")) if x is not None else None for x in starts] == [None, "1", None, None]


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
    assert [t.replace("\n", "") for t in texts(doc, "Title")] == [f"{name}项目2021年绩效自评报告"]


def test_headings_follow_the_seed_outline(doc: DocumentObject):
    assert texts(doc, "Heading 1") == OUTLINE
    assert texts(doc, "Heading 2")[:2] == ["（一）项目基本情况、建设内容", "（二）项目目标"]


def test_body_footers_hold_a_page_field_and_the_cover_has_none(doc: DocumentObject):
    cover, body = doc.sections[:2]
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
    assert len(tables) >= 5
    form_table = tables_after(doc, "项目支出绩效自评表")[0]  # 附件1: one table, its head block first
    for tbl in tables:
        grid = [int(col.get(qn("w:w"))) for col in tbl.iter(qn("w:gridCol"))]
        assert sum(grid) == (12756 if tbl is form_table else 8844)  # 225 mm landscape, 156 mm
        first_row = tbl.find(qn("w:tr"))
        assert (first_row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None) == (tbl is not form_table)


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
    rows = form_rows(doc)
    assert (
        next(r for r in rows if r[3].startswith("指标2："))[8] == "8"
    )  # sheet row 3: the claim stands in 附件1, as in the scored workbook's form


def form_rows(doc: DocumentObject) -> list[list[str]]:
    """附件1: one table, as the official form is (head block, then the indicators)."""
    return table_rows(tables_after(doc, "项目支出绩效自评表")[0])


def test_appendix_1_is_the_scored_workbooks_form_on_the_same_grid(doc: DocumentObject, example: Result):
    """One source: every cell the workbook's form places (bar its title, year line and note) is the
    cell 附件1 shows at the same row and column, with the same span."""
    lay = form.form_layout(example, example.scores)
    rows = form_rows(doc)
    first = min(item.r0 for item in lay.items if item.style not in ("title", "subtitle", "note"))
    shown = 0
    for item in lay.items:
        if item.style in ("title", "subtitle", "note"):
            continue
        row = rows[item.r0 - first]
        assert len(row) == len(form.FORM_WIDTHS)
        assert all(c == "~" for c in row[item.c0 + 1 : item.c1 + 1]), (item, row)
        if item.r1 > item.r0:
            assert rows[item.r1 - first][item.c0] == "^", item
        if isinstance(item.value, str) and item.value.strip():
            assert row[item.c0] == item.value.replace("\n", "↵"), item
            shown += 1
    assert shown > 60
    labels = [r[0] for r in rows]
    assert {
        "项目名称",
        "主管部门",
        "项目资金↵（万元）",
        "年度↵总体↵目标",
        "绩效↵指标",
        "总分",
        "等级",
    } <= set(labels)
    funds = next(r for r in rows if r[1] == "年度资金总额")
    assert funds[3:9] == ["121", "", "121", "10", "100%", "10"]  # 年初/全年预算数/执行数/分值/执行率/得分
    assert [r[1] for r in rows if r[1].startswith(("其中", "　"))] == [
        "其中：当年财政拨款",
        "　　　上年结转资金",
        "　　　其他资金",
    ]
    # one table: no row of the head block or the indicators keeps the whole table with the next page
    table = tables_after(doc, "项目支出绩效自评表")[0]
    kept = [tr for tr in table.iter(qn("w:tr")) if tr.find(f".//{qn('w:keepNext')}") is not None]
    assert len(kept) < len(list(table.iter(qn("w:tr")))) / 2


def test_payments_table_has_a_total_row(doc: DocumentObject):
    (table,) = tables_after(doc, "（四）项目资金主要用途")[:1]
    rows = table_rows(table)
    assert rows[0] == ["序号", "支付日期", "资金性质", "分项名称/用途", "金额（万元）"]
    assert rows[-1] == ["合计", "~", "~", "~", "121.0000"]


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
    # … nor the year when the name already has it (round 3, issue 24)
    assert texts(doc, "Title") == ["2023年农村饮水安全工程维修养护项目\n绩效自评报告"]


# ---------------------------------------------------------------- findings appendix and settings
def test_findings_appendix_lists_errors_and_warnings(doc: DocumentObject, example: Result):
    assert "审核意见" in texts(doc, "附件标题")
    (table,) = tables_after(doc, "审核意见")
    rows = table_rows(table)
    assert rows[0] == ["序号", "级别", "规则", "位置", "问题说明"]
    listed = [(r[1], r[2], re.sub("（序号.*）$", "", r[3])) for r in rows[1:]]
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


# ---------------------------------------------------------------- issue 15: print, sign, archive
def anchored(doc: DocumentObject) -> dict[int, str]:
    """comment id -> the text between its commentRangeStart and commentRangeEnd."""
    out: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for el in doc.element.body.iter(qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:t")):
        if el.tag == qn("w:commentRangeStart"):
            open_ids.add(int(el.get(qn("w:id"))))
        elif el.tag == qn("w:commentRangeEnd"):
            open_ids.discard(int(el.get(qn("w:id"))))
        else:
            for cid in open_ids:
                out.setdefault(cid, []).append(el.text or "")
    return {cid: "".join(parts) for cid, parts in out.items()}


def test_comments_sit_on_the_sentences_the_narrative_findings_contradict(doc: DocumentObject):
    """Point 1: read back with python-docx: each N finding is a comment on its sentence, naming the
    computed figure; the two swapped subtotals each get their own clause."""
    spans = anchored(doc)
    comments = {c.comment_id: c.text for c in doc.comments}
    by_text = {spans[cid]: comments[cid] for cid in spans}
    total = by_text["我单位2021年文艺活动专项经费绩效自评得95分，等级为“优”。"]
    assert "N001" in total and "94.55" in total and "N005" in total  # both findings on that sentence
    assert (
        "N003" in by_text["成本指标方面共 10 分，得 10 分；"]
        and "30 分" in by_text["成本指标方面共 10 分，得 10 分；"]
    )
    assert "N003" in by_text["社会效益指标方面共 30 分，得 30 分；"]
    assert all(c.author == wordml.COMMENT_AUTHOR for c in doc.comments)
    # a payment row's finding is a comment on its cell (P003 on the 分项名称 of 序号5)
    assert "P003" in by_text["全县公务用车定位系统服务平台维护费"]
    assert set(spans) == set(comments)  # every comment is anchored, every anchor has its comment


def test_a_report_without_findings_has_no_comments(tmp_path: Path):
    result = run_sheets(tmp_path, clean_sheets())
    doc = open_docx(report_docx(dataclasses.replace(result, findings=()), RUN_DATE, Settings()))
    assert list(doc.comments) == [] and not anchored(doc)


def test_a_waived_finding_is_listed_as_waived_and_comments_no_text(example: Result, doc: DocumentObject):
    """Guards the reviewer's 豁免 in the report: the waived finding leaves every comment (on the
    narrative and on 附件1's form) and appears only in the 已豁免 list with the reviewer's note."""
    p003 = next(f for f in example.findings if f.rule == "P003")
    assert any("P003" in c.text for c in doc.comments)  # commented while open
    waive = Decision(
        key_of(example.project.file, p003), WAIVED, "简称，核实无误", "张", "2024-05-06T09:00:00", "x!H2"
    )
    review = resolve(example.project, example.findings, [waive], example.scores, "2024-05-06T09:00:00")
    waived = open_docx(report_docx(dataclasses.replace(example, review=review), RUN_DATE, Settings()))
    assert not any("P003" in c.text for c in waived.comments)
    assert len(waived.comments) == len(doc.comments) - 1  # P003 was alone on its cell
    body = "\n".join(p.text for p in waived.paragraphs)
    assert "简称，核实无误" in body


def test_unit_text_cannot_forge_a_comment_mark(example: Result):
    forged = with_narrative(example, 项目管理情况="制度\ue0107\ue011健全\ue012完善\ue004。")
    doc = open_docx(report_docx(forged, RUN_DATE, Settings()))
    assert "制度7健全完善。" in texts(doc, "Normal")  # the marks dropped, the text kept


def test_other_matters_are_marked_as_the_units_own_text(doc: DocumentObject):
    """Point 2: the unit's second indicator set is quoted under a label saying 附件1 is what counts."""
    body = paragraphs(doc)
    at = body.index(("Heading 2", "（三）其他需要说明的问题"))
    assert body[at + 1][0] == "单位原文说明" and "以附件1" in body[at + 1][1]


def test_body_lines_hold_28_characters_and_a_page_22_lines(doc: DocumentObject):
    """Point 4: 156 mm of 16 pt text condensed to 28 characters; a 28 pt line grid gives 22 lines."""
    normal = doc.styles["Normal"].element.rPr.find(qn("w:spacing"))
    pitch = 16 + int(normal.get(qn("w:val"))) / 20
    width_pt = 8844 / 20
    assert int(width_pt // pitch) == 28  # 28 fit, 29 do not
    for name in ("Heading 1", "Heading 2", "说明", "单位条目", "落款"):
        assert doc.styles[name].element.rPr.find(qn("w:spacing")) is not None, name
    grid = doc.sections[1]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and int(grid.get(qn("w:linePitch"))) == 560
    assert int((225 / 25.4 * 72) // 28) == 22
    # off the grid: titles and tables (a 22 pt character would take two cells, table rows would snap)
    for name in ("Title", "表格文字", "表格文字（小）", "附件标题"):
        snap = doc.styles[name].element.pPr.find(qn("w:snapToGrid"))
        assert snap is not None and snap.get(qn("w:val")) == "0", name


def test_a_long_title_breaks_at_word_boundaries_in_balanced_lines(doc: DocumentObject):
    """Point 5: breaks after 暨 and at word ends inside the name, never mid-word, and (round 3)
    never after 、: no line ends in a comma of an enumeration."""
    (title,) = texts(doc, "Title")
    lines = title.split("\n")
    assert lines == [
        "全县党政机关事业单位综合办公暨",
        "公文流转系统、政府门户网站维护、政府大楼",
        "光纤通讯、公务用车信息化平台维护",
        "项目2021年绩效自评报告",
    ]
    assert all(wordml.text_chars(line) <= wordml.TITLE_CHARS for line in lines)


def test_balanced_lines_prefer_even_lines_and_never_cut_a_piece():
    assert wordml.balanced_lines(["一二三四", "五六", "七八九十"], 6) == ["一二三四", "五六七八九十"]
    assert wordml.balanced_lines(["一二三四五六七八"], 4) == [
        "一二三四五六七八"
    ]  # too long: one line, Word wraps it


def test_no_empty_paragraph_after_a_table_and_the_last_one_is_followed_by_the_review_date(
    doc: DocumentObject,
):
    """Point 6: the 审核日期 follows the 附件2 table directly (no empty paragraph, no orphan page)."""
    body = [el for el in doc.element.body.iterchildren() if el.tag != qn("w:sectPr")]
    assert body[-2].tag == qn("w:tbl")
    assert Paragraph(body[-1], doc).text.startswith("审核日期：")
    for before, after in zip(body, body[1:], strict=False):
        if before.tag == qn("w:tbl") and after.tag == qn("w:p"):
            p = Paragraph(after, doc)
            assert p.text or p.style.name == "表后空段", p.style.name


def test_fund_adjustment_text_sits_under_its_own_section(example: Result):
    """Point 7: 报告正文 资金调整情况 goes under （二）项目资金调整情况, not under 项目管理情况."""
    changed = with_narrative(example, 资金调整情况="年度内无资金调整。")
    body = paragraphs(open_docx(report_docx(changed, RUN_DATE, Settings())))
    at = body.index(("Heading 2", "（二）项目资金调整情况"))
    end = body.index(("Heading 2", "（三）项目管理情况"))
    assert ("Normal", "年度内无资金调整。") in body[at:end]


def test_the_units_numbered_paragraphs_are_indented_items_not_headings(doc: DocumentObject):
    """Point 8: 一、 / 1. / 1、 paragraphs of the unit are 单位条目, ours are headings; a 单位条目 is
    indented on its first line only, as any 公文 paragraph (round 3, issue 24)."""
    items = texts(doc, "单位条目")
    assert any(t.startswith("一、子洲县人民政府办公室") for t in items)
    assert any(t.startswith("1. 办公流程化电子化") for t in items)
    assert not any(t.startswith("一、子洲县") for t in texts(doc, "Heading 1"))
    style = doc.styles["单位条目"].element.pPr.find(qn("w:ind"))
    assert style.get(qn("w:leftChars")) == "0" and style.get(qn("w:firstLineChars")) == "200"
    assert texts(doc, "Heading 1") == OUTLINE


def test_payment_dates_are_written_in_full_one_a_line_and_rows_named_by_their_number(doc: DocumentObject):
    """Point 9: each date in full (leading zeros kept), one a line; 附件2 names 序号 beside the row."""
    rows = table_rows(tables_after(doc, "（四）项目资金主要用途")[0])
    assert rows[1][1] == "2021.09.18"
    assert rows[4][1] == "2021.12.07↵2021.12.09↵2021.12.15↵2021.12.13↵2021.12.12"
    findings = table_rows(tables_after(doc, "审核意见")[0])
    assert any(r[2] == "P008" and r[3] == "支付明细!B5（序号4）" for r in findings)


def test_body_starts_on_an_odd_page_the_signature_is_centred_over_the_date_and_cells_are_padded(
    doc: DocumentObject,
):
    """Point 10: oddPage section, 署名 centred over the date (GB/T 9704 7.3.5.1), cell padding."""
    body_type = doc.sections[1]._sectPr.find(qn("w:type"))
    assert body_type.get(qn("w:val")) == "oddPage"
    closing = [p for p in doc.paragraphs if p.style.name == "落款" and not p.text.startswith("审核")]
    unit, date_ = closing
    right = {p.text: int(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) / 100 for p in closing}
    assert right[date_.text] == 4
    assert unit._p.pPr.find(qn("w:keepNext")) is not None  # never a date alone on the last page
    # centres coincide: right indent + half the width
    assert right[unit.text] + wordml.text_chars(unit.text) / 2 == pytest.approx(
        right[date_.text] + wordml.text_chars(date_.text) / 2
    )
    for tbl in doc.element.body.iter(qn("w:tbl")):
        mar = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}")
        assert (
            int(mar.find(qn("w:top")).get(qn("w:w"))) > 0 and int(mar.find(qn("w:bottom")).get(qn("w:w"))) > 0
        )


def test_a_line_without_a_readable_score_is_never_called_full_marks(example: Result):
    """Point 11: an unverified line with no claim lost its points; its subtotal sentence says so."""
    scores = example.scores
    row = next(i.row for i in example.project.indicators if i.level2.name == "社会效益指标")
    lines = tuple(
        # as scoring decides such a line (tests/test_scoring.py): lost, whatever its 分值
        dataclasses.replace(s, computed=None, claimed=None, lost=True) if s.row == row else s
        for s in scores.indicators
    )
    subtotals = tuple(
        dataclasses.replace(t, computed=0.0, claimed=0.0) if t.level2 == "社会效益指标" else t
        for t in scores.subtotals
    )
    changed = dataclasses.replace(
        example, scores=dataclasses.replace(scores, indicators=lines, subtotals=subtotals)
    )
    body = texts(open_docx(report_docx(changed, RUN_DATE, Settings())), "Normal")
    social = next(t for t in body if t.startswith("社会效益指标方面"))
    assert "均得满分" not in social and "复核得分0分" in social and "计0分" in social


def test_a_title_never_breaks_inside_a_compound_nor_after_an_enumeration_comma():
    """Round 3 (issue 24, point 4): 运行维护 stays whole; no title line ends in 、."""
    w = wordml.Writer()
    w.write(report._parse("@title 2022年县级政务信息系统运行维护项目||绩效自评报告"))
    assert "<w:br/>" in w.out[0]
    lines = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", w.out[0])
    assert lines == ["2022年县级政务信息系统运行维护项目", "绩效自评报告"]


def test_no_italics_no_unit_note_over_a_bare_none_and_no_error_sentence_without_errors(
    tmp_path: Path, example: Result
):
    """Round 3 (issue 24, points 6 and 8): 公文 never uses italics; "以下为单位填写的原文…" stands only
    above text of the unit's, in the body size; "“错误”须在定稿前改正" only when there is an 错误."""
    doc = open_docx(report_docx(run_sheets(tmp_path, clean_sheets()), RUN_DATE, Settings()))
    styles = doc.styles.element.xml
    assert "<w:i/>" not in styles and 'w:i w:val="1"' not in styles
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "其他需要说明的问题" not in body and "以下为单位填写的原文" not in body  # the unit wrote "无。"
    assert doc.styles["单位原文说明"].font.size == Pt(16)
    only_warnings = dataclasses.replace(
        example, findings=tuple(f for f in example.findings if f.severity.value != "错误")
    )
    body = "\n".join(p.text for p in open_docx(report_docx(only_warnings, RUN_DATE, Settings())).paragraphs)
    assert "“错误”须在定稿前改正" not in body and "共发现警告10条" in body and "“警告”须逐条核实" in body


def test_findings_json_is_strict_json_a_number_not_finite_written_as_null():
    import json

    from pipeline.render.findings_json import encode

    doc = {"a": float("nan"), "b": [1.5, float("inf")], "c": (float("-inf"), "\u200b"), "d": 2}
    text = encode(doc).decode("utf-8")
    assert json.loads(text) == {"a": None, "b": [1.5, None], "c": [None, "\u200b"], "d": 2}
    assert "NaN" not in text and "Infinity" not in text and "\\u200b" in text
    finite = {"a": 1.25, "b": ["x", None]}  # nothing to replace: written as the encoder writes it
    assert encode(finite) == json.dumps(finite, ensure_ascii=False, indent=2).encode("utf-8")


@given(st.text())
@hsettings(max_examples=300, deadline=None)
def test_xml_text_escapes_as_saxutils_does(text: str):
    from xml.sax.saxutils import escape

    from pipeline.render.wordml.runs import STANDINS, xml_text

    # what a template's data carries as stand-ins comes back as the characters they stand for
    carried = text.translate(STANDINS)
    restored = carried.translate({ord(v): chr(k) for k, v in STANDINS.items()})
    assert xml_text(carried) == escape(restored)
