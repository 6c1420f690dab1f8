"""decisions.py on its own: keys, reading a reviewer's file, what a read-back changes, validation,
matching and retiring, and the manifest that keeps them (schema v1, upgraded from v0)."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import decisions as dm
from pipeline.batch import reviewer
from pipeline.batch.manifest import Manifest, Record
from pipeline.batch.manifest_schema import SCHEMA_VERSION
from pipeline.evaluate import evaluate
from pipeline.model import Decision, DecisionKey, Finding, Severity
from pipeline.render.scored_workbook import scored_workbook
from tests.builders import TODAY, clean_sheets, write_workbook

NOW = "2024-04-02T10:00:00"


# ---------------------------------------------------------------- keys
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (94, "94"),
        (94.0, "94"),
        ("94", "94"),
        (" 94.55 ", "94.55"),
        (94.55, "94.55"),
        ("6–8", "6–8"),
        ("12.07、12.09", "12.07、12.09"),
        (date(2022, 3, 10), "2022-03-10"),
        (datetime(2022, 3, 10), "2022-03-10"),  # a date cell read back
        (datetime(2022, 3, 10, 9, 30), "2022-03-10 09:30:00"),
    ],
)
def test_value_text_makes_one_value_of_what_a_cell_round_trip_gives(value, text):
    assert dm.value_text(value) == text


@given(
    st.one_of(
        st.none(), st.integers(-(10**9), 10**9), st.floats(allow_nan=False, allow_infinity=False), st.text()
    )
)
def test_value_text_is_stable_on_its_own_output(value):
    once = dm.value_text(value)
    assert dm.value_text(once) == once


def test_a_key_is_the_same_from_a_finding_and_from_findings_json():
    f = Finding("S011", Severity.ERROR, "项目信息", "$b$13", "…", 94.55, 94)
    as_json = {"rule": "S011", "sheet": "项目信息", "cell": "B13", "expected": 94.55, "actual": 94.0}
    assert dm.key_of("a.xlsx", f) == dm.key_of_dict("a.xlsx", as_json)
    assert dm.key_of("a.xlsx", f).location == "项目信息!B13"


@pytest.mark.parametrize(
    ("note", "score"),
    [
        ("7", 7.0),
        ("7分", 7.0),
        ("调整为7.5分，因验收资料不全", 7.5),
        ("７", 7.0),
        ("-1", -1.0),
        ("同意", None),
        ("", None),
    ],
)
def test_the_adjusted_score_is_the_first_number_of_the_note(note, score):
    assert dm.adjusted_score(note) == score


# ---------------------------------------------------------------- reading back
def scored_file(tmp_path, sheets=None):
    path = write_workbook(tmp_path / "t.xlsx", sheets or problem_sheets())
    result = evaluate(path, dm_settings(), today=TODAY)
    out = tmp_path / "scored.xlsx"
    out.write_bytes(scored_workbook(result))
    return result, out


def dm_settings():
    from pipeline.config import Settings

    return Settings()


def problem_sheets():
    sheets = clean_sheets()
    sheets["支付明细"][3][3] = "水质检测费"  # P003 警告 at 支付明细!D4
    sheets["支付明细"][1][1] = date(2022, 3, 10)  # P002 错误 at 支付明细!B2
    sheets["绩效指标"][9][7] = 9  # S006 警告 at 绩效指标!H10 (定性, band 6–8)
    return sheets


def test_a_scored_workbook_reads_back_one_blank_entry_per_finding_with_its_key(tmp_path):
    result, path = scored_file(tmp_path)
    saved, entries = reviewer.read_scored(path)
    assert len(entries) == len(result.findings) and all(e.blank for e in entries)
    assert {(e.rule, e.location, e.expected, e.actual) for e in entries} == {
        (k.rule, k.location, k.expected, k.actual) for k in (dm.key_of("t.xlsx", f) for f in result.findings)
    }
    assert saved.at and entries[0].cell.startswith("H")


def test_columns_moved_by_the_reviewer_are_found_by_their_headers(tmp_path):
    _, path = scored_file(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["审核意见"]
    ws.insert_cols(1)  # a column of their own in front
    ws["A1"] = "我的备注"
    ws["I2"], ws["J2"] = "豁免", "已核实"
    wb.save(path)
    _, entries = reviewer.read_scored(path)
    assert (entries[0].state, entries[0].note, entries[0].cell) == ("豁免", "已核实", "I2")


def test_a_workbook_from_before_v2_or_not_a_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "审核意见"
    wb.active.append(["严重程度", "规则", "工作表", "单元格", "审核意见", "应为", "实为"])
    wb.active.append(["错误", "S011", "项目信息", "B13", "…", 94.55, 94])
    wb.save(tmp_path / "old.xlsx")
    assert reviewer.read_scored(tmp_path / "old.xlsx")[1] == []
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(reviewer.Unreadable):
        reviewer.read_scored(tmp_path / "bad.xlsx")
    with pytest.raises(reviewer.Unreadable):
        reviewer.read_scored(tmp_path / "gone.xlsx")


def test_the_author_property_is_who_decided(tmp_path):
    _, path = scored_file(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.properties.lastModifiedBy = "张审核"
    wb.save(path)
    assert reviewer.read_scored(path)[0].by == "张审核"


# ---------------------------------------------------------------- what a read-back changes
KEY = DecisionKey("a.xlsx", "P003", "支付明细!D4", "水质检测", "水质检测费")


def entry(state="豁免", note="简称"):
    return reviewer.Entry(KEY.rule, KEY.location, KEY.expected, KEY.actual, state, note, "H5")


def stored(state="豁免", note="简称", at="2024-04-01T09:00:00"):
    return Decision(KEY, state, note, "李", at, "a/x.xlsx!H5")


def test_changes_stores_new_and_changed_decisions_only():
    saved = reviewer.Saved("张", "2024-04-02T09:00:00")
    [new] = reviewer.changes("a.xlsx", [entry()], {}, saved, "a/x.xlsx")
    assert (new.state, new.note, new.by, new.at, new.source) == (
        "豁免",
        "简称",
        "张",
        saved.at,
        "a/x.xlsx!H5",
    )
    assert reviewer.changes("a.xlsx", [entry("待核实", "")], {}, saved, "a/x.xlsx") == []  # no decision
    assert reviewer.changes("a.xlsx", [entry("", "")], {}, saved, "a/x.xlsx") == []
    assert reviewer.changes("a.xlsx", [entry()], {KEY: stored()}, saved, "a/x.xlsx") == []  # the same
    [reset] = reviewer.changes("a.xlsx", [entry("待核实", "")], {KEY: stored()}, saved, "a/x.xlsx")
    assert reset.state == "待核实"  # setting one back is a decision too


def test_a_file_older_than_the_stored_decision_does_not_override_it():
    old = reviewer.Saved("张", "2024-03-01T09:00:00")
    assert reviewer.changes("a.xlsx", [entry("确认", "")], {KEY: stored()}, old, "a/x.xlsx") == []


def test_conclusions_unknown_values_are_kept_and_flagged():
    saved = reviewer.Saved("张", NOW)
    found = reviewer.conclusion_changes(
        [
            reviewer.ConclusionEntry("a.xlsx", "通过", "张", "2024-04-02", "Q2"),
            reviewer.ConclusionEntry("b.xlsx", "待审", "", "", "Q3"),
            reviewer.ConclusionEntry("c.xlsx", "通过了", "", "", "Q4"),
        ],
        {},
        saved,
        "审核汇总.xlsx",
    )
    assert [(c.file, c.state, bool(c.problem)) for c in found] == [
        ("a.xlsx", "通过", False),
        ("c.xlsx", "通过了", True),
    ]


# ---------------------------------------------------------------- resolve: validation, matching, retiring
def decision_on(result, rule, state, note=""):
    f = next(f for f in result.findings if f.rule == rule)
    return Decision(dm.key_of(result.project.file, f), state, note, "张", NOW, f"x!H{rule[-1]}")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = write_workbook(tmp_path_factory.mktemp("d") / "t.xlsx", problem_sheets())
    return evaluate(path, dm_settings(), today=TODAY)


def test_a_valid_decision_applies_to_its_finding(result):
    waive = decision_on(result, "P003", "豁免", "简称")
    review = dm.resolve(result.project, result.findings, [waive], result.scores, NOW)
    p003 = next(f for f in result.findings if f.rule == "P003")
    assert review.state(p003) == "豁免" and review.retired == () and review.problems == ()
    assert all(review.state(f) == "待核实" for f in result.findings if f is not p003)


@pytest.mark.parametrize(
    ("rule", "state", "note", "says"),
    [
        ("P003", "豁兔", "", "不是 待核实/确认/豁免/调整"),
        ("S006", "调整", "同意", "没有调整后的得分"),
        ("S006", "调整", "12", "不在 0–10 分"),
        ("S006", "调整", "-1", "不在 0–10 分"),
        ("P002", "调整", "5", "不在定性指标的行上"),
    ],
)
def test_a_decision_that_cannot_be_applied_counts_as_open_and_says_why(result, rule, state, note, says):
    d = decision_on(result, rule, state, note)
    review = dm.resolve(result.project, result.findings, [d], result.scores, NOW)
    f = next(f for f in result.findings if f.rule == rule)
    assert review.state(f) == "待核实" and review.adjustments == {}
    [problem] = review.problems
    assert says in problem.problem and problem.state == state  # what was typed is kept


@pytest.mark.parametrize("note", ["10", "0", "10.0分"])
def test_an_adjustment_to_either_end_of_the_range_is_valid(result, note):
    """Guards the bounds of a 调整: 0 and the line's whole 分值 (10) are scores a reviewer may give
    (0–分值 inclusive); only a score outside them is refused (12, −1 above)."""
    d = decision_on(result, "S006", "调整", note)
    review = dm.resolve(result.project, result.findings, [d], result.scores, NOW)
    assert review.problems == ()
    assert review.adjustments.keys() == {10}
    assert dm.adjustments_of(review) == {10: (float(note.rstrip("分")), note)}


def test_a_valid_adjustment_sets_the_line_and_so_the_total(tmp_path, result):
    d = decision_on(result, "S006", "调整", "7分")
    adjusted = evaluate(
        write_workbook(tmp_path / "t.xlsx", problem_sheets()),
        dm_settings(),
        today=TODAY,
        decisions=[d],
        now=NOW,
    )
    line = adjusted.scores.for_row(10)
    before = result.scores.for_row(10)
    assert (line.computed, line.adjusted, line.claimed) == (7, True, 9)
    assert "审核调整为 7" in line.arithmetic
    assert adjusted.scores.adjusted and not result.scores.adjusted
    assert adjusted.scores.total == pytest.approx(result.scores.total - (before.computed - 7))
    assert adjusted.review.adjustments.keys() == {10}


def test_a_decision_whose_finding_is_gone_is_retired_with_its_text(result):
    gone = Decision(
        DecisionKey("t.xlsx", "B001", "资金情况!B2", "100", "90"), "确认", "请改", "张", NOW, "x!H2"
    )
    earlier = Decision(KEY, "豁免", "旧", "李", NOW, "x!H3", status=dm.RETIRED, retired="2024-01-01T00:00:00")
    review = dm.resolve(result.project, result.findings, [gone, earlier], result.scores, NOW)
    assert [(d.key.rule, d.status, d.retired, d.note) for d in review.retired] == [
        ("P003", "已失效", "2024-01-01T00:00:00", "旧"),
        ("B001", "已失效", NOW, "请改"),
    ]


def test_the_digest_changes_with_a_decision_and_not_with_order():
    a, b = (
        stored(),
        Decision(DecisionKey("a.xlsx", "P002", "支付明细!B2", "", "2022-03-10"), "确认", "", "张", NOW, "s"),
    )
    assert dm.digest([a, b]) == dm.digest([b, a]) != dm.digest([a])
    assert dm.digest([]) == ""
    assert dm.digest([a]) != dm.digest([stored(note="别的")])


# ---------------------------------------------------------------- the manifest keeps them
def test_the_manifest_stores_replaces_and_retires_never_deletes(tmp_path):
    m = Manifest(tmp_path)
    first = stored()
    m.save_decisions([first])
    second = Decision(KEY, "确认", "", "张", "2024-04-02T09:00:00", "a/x.xlsx!H5")
    m.save_decisions([second])
    m.retire([Decision(KEY, "确认", "", "张", second.at, "", status=dm.RETIRED, retired=NOW)])
    m.close()
    m = Manifest(tmp_path)  # reopened: it was committed
    assert [(d.state, d.status) for d in m.decisions("a.xlsx")] == [("豁免", "已更改"), ("确认", "已失效")]
    m.forget(["a.xlsx"])  # an input that is gone: its decisions stay in the record
    assert len(m.decisions()) == 2
    m.close()


def test_a_round_1_manifest_is_upgraded_in_place(tmp_path):
    db = sqlite3.connect(tmp_path / ".manifest.sqlite")
    db.executescript(
        """
        CREATE TABLE workbooks (file TEXT PRIMARY KEY, sha256 TEXT NOT NULL, config TEXT NOT NULL,
            version TEXT NOT NULL, folder TEXT NOT NULL, status TEXT NOT NULL, errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL, infos INTEGER NOT NULL, done TEXT NOT NULL);
        CREATE TABLE outputs (file TEXT NOT NULL REFERENCES workbooks(file) ON DELETE CASCADE,
            name TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (file, name));
        INSERT INTO workbooks VALUES ('a.xlsx', 'abc', '', 'v', 'a', 'ok', 1, 0, 0, '2024-01-01');
        """
    )
    db.commit()
    db.close()
    m = Manifest(tmp_path)
    assert m.records()["a.xlsx"].decisions == ""  # kept, and a redo is due only if decisions appear
    (version,) = m._db.execute("PRAGMA user_version").fetchone()
    assert version == SCHEMA_VERSION
    m.record(Record("b.xlsx", "d", "", "v", "b", "ok", 0, 0, 0, NOW, (), "x1"))
    assert m.records()["b.xlsx"].decisions == "x1"
    m.close()


def test_read_summary_reads_the_conclusion_columns(tmp_path):
    from pipeline.batch.frames import Entry, build
    from pipeline.render.summary import summary_workbook

    doc = {"file": "a.xlsx", "project": {}, "computed": None, "findings": []}
    data = summary_workbook(build([Entry("a.xlsx", "a", None, doc)]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("审核结论") + 1).value == "待审"
    ws.cell(2, head.index("审核结论") + 1).value = "通过"
    ws.cell(2, head.index("审核日期") + 1).value = datetime(2024, 4, 2)
    wb.save(tmp_path / "s.xlsx")
    _, [e] = reviewer.read_summary(tmp_path / "s.xlsx")
    assert (e.file, e.state, e.day) == ("a.xlsx", "通过", "2024-04-02")


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from(["{}", "{}分", "调整为{}分，因资料不全", " {} "]),
)
def test_the_adjusted_score_reads_any_score_as_written(value, form):
    assert dm.adjusted_score(form.format(value)) == pytest.approx(float(value))
