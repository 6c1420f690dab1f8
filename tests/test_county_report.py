"""The county report (county.py, render/county_report.py) through the real batch: a dozen workbooks
in three departments, read back with python-docx, every figure checked against the one this test
computes on its own from what it put in the workbooks."""

from __future__ import annotations

import dataclasses
import io
import shutil
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest

from pipeline.batch import RunOptions, run
from pipeline.batch.county import figures
from pipeline.batch.frames import from_output
from pipeline.batch.pdf import soffice
from pipeline.config import Bureau, Settings
from pipeline.county import RATE_BINS, UNKNOWN_GRADE
from pipeline.display import percent
from pipeline.render.county_report import county_report_docx
from tests.builders import clean_sheets, set_info, write_workbook
from tests.test_decisions_e2e import bump

YEAR = 2023
SETTINGS = dataclasses.replace(Settings(), bureau=Bureau(name="某县财政局", region="某县"))
TITLE = f"某县{YEAR}年度项目支出绩效自评情况报告"
# quantitative lines of the clean project (tests/builders.py), each 10 分: row -> (column E target,
# what "half done" reads as). Zeroing one takes its 10 分 away, halving it 5.
LINES = {1: "0公里", 2: "0份", 7: "0人", 8: "0%"}
HALF = {1: "10公里"}


@dataclasses.dataclass(frozen=True)
class Spec:
    """One project as this test designs it, and its 复核总分 by hand: the clean project's lines are
    10 (budget) + 50 + 27 + 10; the budget line is 10 × 执行率 (at most 100%), each zeroed line
    loses 10 and a halved one 5."""

    file: str
    department: str
    budget: float
    executed: float
    zeroed: tuple[int, ...] = ()
    halved: tuple[int, ...] = ()
    year: int = YEAR

    @property
    def rate(self) -> float:
        return self.executed / self.budget

    @property
    def total(self) -> float:
        return round(10 * min(self.rate, 1) + 87 - 10 * len(self.zeroed) - 5 * len(self.halved), 2)

    @property
    def grade(self) -> str:
        t = self.total
        return "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"

    @property
    def name(self) -> str:
        return f"{self.year}年{self.file}专项项目"


WATER, SCHOOL, ROADS = "县水利局", "县教育局", "县交通运输局"
SPECS = (
    Spec("a1", WATER, 100, 100),
    Spec("a2", WATER, 200, 190),
    Spec("a3", WATER, 50, 35, zeroed=(1,)),
    Spec("b1", SCHOOL, 80, 40, zeroed=(1, 2, 7)),
    Spec("b2", SCHOOL, 120, 102, zeroed=(1, 2, 7, 8)),
    Spec("b3", SCHOOL, 60, 60, halved=(1,)),
    Spec("b4", SCHOOL, 100, 65),
    Spec("c1", ROADS, 300, 270),
    Spec("c2", ROADS, 40, 34, zeroed=(1, 2)),
    Spec("c3", ROADS, 90, 90, year=2022),  # another year: named, not counted
)
COPY = "a3_副本.xlsx"  # a3 sent twice, byte for byte (X003): counted once
BROKEN = "z_损坏.xlsx"  # not a workbook (I001): named, not counted


def sheets(spec: Spec) -> dict:
    s = clean_sheets()
    b, e = spec.budget, spec.executed
    set_info(s, "项目名称", spec.name)
    set_info(s, "主管部门", spec.department)
    set_info(s, "实施单位", f"{spec.department}{spec.file}中心")
    set_info(s, "预算年度", spec.year)
    set_info(s, "评价时间", date(spec.year + 1, 3, 15))
    set_info(s, "自评总分", spec.total)
    set_info(s, "自评等级", spec.grade)
    s["资金情况"][1:] = [
        ["年度资金总额", b, b, e, e / b],
        ["财政拨款", b, b, e, e / b],
        ["上年结转资金", 0, 0, 0, None],
        ["其他资金", 0, 0, 0, None],
    ]
    s["分项预算"][1:] = [[1, "管网维修", b * 0.6, ""], [2, "水质检测", b * 0.4, ""]]
    s["支付明细"][1:] = [
        [1, date(spec.year, 5, 10), "一般公共预算资金", "管网维修", "维修", e * 0.6, f"{spec.file}-1"],
        [2, date(spec.year, 9, 5), "一般公共预算资金", "水质检测", "检测", e * 0.4, f"{spec.file}-2"],
    ]
    s["支出结构"][1:] = [["维修（护）费", e]]
    for row in spec.zeroed:
        s["绩效指标"][row][5], s["绩效指标"][row][7] = LINES[row], 0
        s["绩效指标"][row][8] = "未完成：资金不足，下一年度补足"
    for row in spec.halved:
        s["绩效指标"][row][5], s["绩效指标"][row][7] = HALF[row], 5
        s["绩效指标"][row][8] = "部分完成：工期延误，下一年度完成"
    s["报告正文"][1:] = [[r[0], f"{spec.file}：{r[1]}"] for r in s["报告正文"][1:]]
    return s


def make_batch(src: Path) -> None:
    src.mkdir()
    for spec in SPECS:
        s = sheets(spec)
        if spec.file == "b4":  # one voucher in two projects' payments (X001, both ways)
            s["支付明细"][1][6] = "a1-1"
        write_workbook(src / f"{spec.file}.xlsx", s)
    shutil.copyfile(src / "a3.xlsx", src / COPY)
    (src / BROKEN).write_bytes(b"this is not a workbook")


def go(src: Path, out: Path):
    return run(RunOptions(src, out, SETTINGS, 2, False, False, date(2025, 4, 1)))


# ---------------------------------------------------------------- reading the report back
def report(out: Path, title: str = TITLE) -> docx.document.Document:
    return docx.Document(str(out / f"{title}.docx"))


def paragraphs(d) -> list[str]:
    return [p.text for p in d.paragraphs if p.text.strip()]


def rows(table) -> list[list[str]]:
    out = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a cell spanning grid columns comes once
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        out.append(cells)
    return out


def table_headed(d, *head: str) -> list[list[str]]:
    """The one table whose header row starts with `head`."""
    (table,) = [t for t in d.tables if rows(t)[0][: len(head)] == list(head)]
    return rows(table)


def bars(d, first: str) -> dict[str, int]:
    """label -> grid columns of the chart's filled cells."""
    (table,) = [t for t in d.tables if t.rows[0].cells[0].text == first]
    out = {}
    for row in table.rows[1:]:
        filled = [tc for tc in row._tr.tc_lst if 'w:fill="7F7F7F"' in tc.xml]
        out[row.cells[0].text] = sum(tc.grid_span for tc in filled)
    return out


def money(x: float) -> str:
    return f"{x:.2f}"


def pct(x: float) -> str:
    return f"{round(x * 100, 2):g}%"


@pytest.fixture(scope="module")
def dozen(tmp_path_factory) -> Path:
    """The dozen workbooks, run once: output/ (the tests using it only read it)."""
    root = tmp_path_factory.mktemp("dozen")
    make_batch(root / "in")
    go(root / "in", root / "out")
    return root / "out"


def test_a_dozen_workbooks_in_three_departments_every_figure_as_computed_here(dozen):
    out = dozen
    d = report(out)
    text = "\n".join(paragraphs(d))
    counted = [s for s in SPECS if s.year == YEAR]  # c3 is 2022; a3's copy and the broken file are not specs
    assert len(counted) == 9
    budget, executed = sum(s.budget for s in counted), sum(s.executed for s in counted)
    # scope: projects, departments, units, money, overall rate (Σ执行 ÷ Σ预算, not a mean of rates)
    assert (
        f"纳入本报告统计的{YEAR}年度项目 9 个，涉及主管部门 3 个、实施单位 9 个。纳入统计项目全年预算数合计 "
        f"{money(budget)} 万元，全年执行数合计 {money(executed)} 万元，总体预算执行率 {pct(executed / budget)}"
    ) in text
    assert "本次共收到项目支出绩效自评表 12 份" in text
    assert "预算年度为2022年度（c3.xlsx），不属于本年度" in text
    assert f"1 份文件无法读取（{BROKEN}）" in text
    # the copy 审核汇总 counts (tables.held_twice: none is 通过 yet, so the later one)
    assert f"（{COPY}、a3.xlsx），按一个项目统计，以 {COPY} 为准" in text
    # the grade chart: counts, shares adding up to 100% as printed, money; the duplicate once
    grades = {r[0]: r[1:4] for r in table_headed(d, "等级")[1:]}
    want = {g: [s for s in counted if s.grade == g] for g in ("优", "良", "中", "差")}
    assert {g: int(v[0]) for g, v in grades.items()} == {
        **{g: len(ss) for g, ss in want.items()},
        UNKNOWN_GRADE: 0,
    }
    assert want["良"] == [SPECS[2]] and grades["良"][2] == money(50)  # a3 once, not 100 for two files
    for g, ss in want.items():
        assert grades[g][2] == money(sum(s.budget for s in ss))
        assert grades[g][1] == percent(len(ss) / 9, 1)  # 5/9 -> 55.6%
    assert bars(d, "等级") == {"优": 30, "良": 6, "中": 12, "差": 6, UNKNOWN_GRADE: 0}
    # the 执行率 chart: bins of outputs.md v3
    bins = {r[0]: int(r[1]) for r in table_headed(d, "执行率")[1:]}
    edges = [
        (label, lo if lo is not None else -1, hi if hi is not None else 99) for label, lo, hi in RATE_BINS
    ]
    assert bins == {label: sum(lo <= s.rate < hi for s in counted) for label, lo, hi in edges}
    assert list(bins.values()) == [1, 2, 2, 2, 2]
    # one row per 主管部门, and the 合计 row
    dept = {r[0]: r for r in table_headed(d, "主管部门")[1:]}
    docs = {f: findings_doc(out, f) for f in [s.file for s in counted]}
    for name in (WATER, SCHOOL, ROADS):
        ss = [s for s in counted if s.department == name]
        sev = [f["severity"] for s in ss for f in docs[s.file]["findings"]]
        b, e = sum(s.budget for s in ss), sum(s.executed for s in ss)
        assert dept[name] == [
            name,
            str(len(ss)),
            money(b),
            pct(e / b),
            f"{round(sum(s.total for s in ss) / len(ss), 2):g}",
            *(str(sum(s.grade == g for s in ss)) for g in ("优", "良", "中", "差")),
            "0",
            str(sev.count("错误")),
            str(sev.count("警告")),
        ]
    every = [f["severity"] for s in counted for f in docs[s.file]["findings"]]
    assert dept["合计"] == [
        "合计",
        "9",
        money(budget),
        pct(executed / budget),
        f"{round(sum(s.total for s in counted) / 9, 2):g}",
        *(str(len(want[g])) for g in ("优", "良", "中", "差")),
        "0",
        str(every.count("错误")),
        str(every.count("警告")),
    ]
    # 中/差 and the cross-project findings
    low = table_headed(d, "项目名称", "主管部门", "执行率")  # graded 中 or 差
    assert [r[0] for r in low[1:]] == [s.name for s in sorted(counted, key=lambda s: s.total) if s.total < 80]
    assert "同一凭证号出现在两个工作簿的支付明细中（1 处）" in text
    # 附件: one row per counted project, in input order
    annex = table_headed(d, "序号")
    assert [r[1:] for r in annex[1:]] == [
        [s.name, s.department, money(s.budget), pct(s.rate), f"{s.total:g}", f"{s.total:g}", s.grade, "待审"]
        for s in counted
    ]
    # the review has not started: the cover says so and how many remain
    assert "审核状态：审核中，尚有 9 个项目未审结" in text
    assert "审核通过 0 个，退回修改 0 个，待审 9 个" in text


def findings_doc(out: Path, folder: str) -> dict:
    import json

    return json.loads((out / folder / "findings.json").read_bytes())


def conclude(out: Path, states: dict[str, str]) -> None:
    """A reviewer sets 审核结论 in 审核汇总.xlsx and saves it."""
    wb = openpyxl.load_workbook(out / "审核汇总.xlsx")
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in states:
            row[head.index("审核结论")].value = states[row[0].value]
            row[head.index("审核人")].value = "张审核"
            row[head.index("审核日期")].value = date(2025, 4, 2)
    wb.save(out / "审核汇总.xlsx")
    bump(out / "审核汇总.xlsx")


def test_the_reviewers_conclusions_reach_the_report_and_the_last_one_makes_it_final(tmp_path):
    make_batch(tmp_path / "in")
    out = tmp_path / "out"
    go(tmp_path / "in", out)
    counted = [f"{s.file}.xlsx" for s in SPECS if s.year == YEAR]
    # the reviewer marks the copy of a3: that one is counted; b2 goes back to its unit
    conclude(out, {COPY: "通过", "a1.xlsx": "通过", "b2.xlsx": "退回修改"})
    go(tmp_path / "in", out)
    text = "\n".join(paragraphs(report(out)))
    assert f"（{COPY}、a3.xlsx），按一个项目统计，以 {COPY} 为准" in text
    assert "审核状态：审核中，尚有 7 个项目未审结" in text
    assert "审核通过 2 个，退回修改 1 个，待审 6 个" in text
    returned = table_headed(report(out), "项目名称", "主管部门", "复核总分")  # 退回修改
    assert [r[0] for r in returned[1:]] == [SPECS[4].name]
    assert not list(out.glob("*.pdf"))
    conclude(out, {f: "通过" for f in [*counted, COPY] if f != "a3.xlsx"})
    go(tmp_path / "in", out)
    text = "\n".join(paragraphs(report(out)))
    assert "审核状态：定稿（9 个项目全部审核通过）" in text and "审核中" not in text
    pdf = out / f"{TITLE}.pdf"
    assert pdf.is_file() == (soffice() is not None)
    if pdf.is_file():
        assert pdf.read_bytes().startswith(b"%PDF")
    # b2 is sent back after all: the report is under review again, and a PDF saying final is gone
    conclude(out, {"b2.xlsx": "退回修改"})
    go(tmp_path / "in", out)
    assert "审核状态：审核中，尚有 1 个项目未审结" in "\n".join(paragraphs(report(out)))
    assert not pdf.exists()


def test_a_total_that_is_unknown_counts_in_the_money_and_apart_in_the_grades(dozen):
    """无法复核 (scoring.md v3, issue 22) is not on this branch yet: the tables are given a project whose
    findings.json says total null, grade null, as issue 22 writes it."""
    frames = from_output(dozen)
    p = frames.projects
    unknown = p["file"] == "b3.xlsx"  # 优 (92) on its own, 60 万元
    p.loc[unknown, ["total", "grade"]] = None
    fig = figures(dataclasses.replace(frames, projects=p), SETTINGS, {}, date(2025, 4, 1))
    counted = [s for s in SPECS if s.year == YEAR]
    known = [s for s in counted if s.file != "b3"]
    assert fig.projects == 9 and fig.budget == sum(s.budget for s in counted)
    assert {s.label: s.projects for s in fig.grades} == {"优": 4, "良": 1, "中": 2, "差": 1, UNKNOWN_GRADE: 1}
    assert fig.scored == 8 and fig.mean_total == pytest.approx(sum(s.total for s in known) / 8)
    school = next(d for d in fig.departments_table if d.department == SCHOOL)
    assert (school.projects, school.grades, school.unknown) == (4, (1, 0, 1, 1), 1)
    assert school.mean_total == pytest.approx(sum(s.total for s in known if s.department == SCHOOL) / 3)
    d = docx.Document(io.BytesIO(county_report_docx(fig)))
    grades = {r[0]: r[1:4] for r in table_headed(d, "等级")[1:]}
    assert grades[UNKNOWN_GRADE] == ["1", "11.1%", money(60)]
    text = "\n".join(paragraphs(d))
    assert "另有 1 个项目（占 11.1%）因工作簿缺少或无法读取计分所需的数据，复核总分无法确定" in text
    assert "评价等级为“无法复核”的 1 个项目（2023年b3专项项目）" in text
    annex = {r[1]: r for r in table_headed(d, "序号")[1:]}
    assert annex[SPECS[5].name][6:8] == ["—", UNKNOWN_GRADE]


def test_the_example_batch_without_a_region_has_a_neutral_title(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (example,) = (Path(__file__).parent.parent / "input").glob("*.xlsx")
    shutil.copyfile(example, src / example.name)
    run(RunOptions(src, tmp_path / "out", Settings(), 1, False, False, date(2025, 4, 1)))
    d = report(tmp_path / "out", "2021年度项目支出绩效自评情况报告")
    text = "\n".join(paragraphs(d))
    assert "关于2021年度项目支出绩效自评情况的报告" in text and "县人民政府：" in text
    assert "纳入本报告统计的2021年度项目 1 个" in text and "审核中，尚有 1 个项目未审结" in text
    assert not any(p.text.startswith("某县") for p in d.paragraphs)


def test_a_county_report_deleted_is_written_again_by_a_run_that_has_nothing_else_to_do(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (example,) = (Path(__file__).parent.parent / "input").glob("*.xlsx")
    shutil.copyfile(example, src / example.name)
    options = RunOptions(src, tmp_path / "out", Settings(), 1, False, False, date(2025, 4, 1))
    run(options)
    path = tmp_path / "out" / "2021年度项目支出绩效自评情况报告.docx"
    written = path.read_bytes()
    path.unlink()
    assert run(options).processed == 0
    assert path.read_bytes() == written


def test_a_bureau_key_misspelt_stops_with_its_name(tmp_path):
    from pipeline.config import ConfigError, load_settings

    path = tmp_path / "config.toml"
    path.write_text('[bureau]\nname = "子洲县财政局"\nregoin = "子洲县"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bureau.regoin.*region"):
        load_settings(path)
    path.write_text('[bureau]\nname = "子洲县财政局"\nregion = "子洲县"\n', encoding="utf-8")
    assert load_settings(path).bureau == Bureau("子洲县财政局", "子洲县")


def test_a_bar_is_as_long_as_its_count_against_the_largest():
    from pipeline.render.county_report import BAR_STEPS, bar_steps

    assert [bar_steps(n, 9) for n in (0, 1, 3, 9)] == [0, 3, 10, BAR_STEPS]
    assert bar_steps(1, 1000) == 1  # one project is never an empty bar


def test_the_county_report_rendered_elsewhere_or_here_is_the_same_and_a_failed_worker_falls_back(dozen):
    from concurrent.futures import Future

    from pipeline.batch.county import report_files

    frames = from_output(dozen)
    expected = county_report_docx(figures(frames, SETTINGS, {}, date(2025, 4, 1)))
    asked = []

    def failing(fn, *args):  # a worker that died with the job
        asked.append(fn)
        future: Future = Future()
        future.set_exception(RuntimeError("worker died"))
        return future

    def done_elsewhere(fn, *args):
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    for elsewhere in (None, lambda fn, *args: None, failing, done_elsewhere):
        files = report_files(frames, SETTINGS, {}, date(2025, 4, 1), elsewhere)
        (build,) = [b for name, b in files.items() if name.endswith(".docx")]
        assert build() == expected
    (given,) = asked  # what a worker is given renders the same report
    assert given(figures(frames, SETTINGS, {}, date(2025, 4, 1))) == expected
    # the batch rendered it in a worker of its pool: the same bytes
    assert (dozen / f"{TITLE}.docx").read_bytes() == expected
