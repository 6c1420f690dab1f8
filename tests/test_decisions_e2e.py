"""What a reviewer does, end to end, with openpyxl (and LibreOffice, when installed) standing in for
Excel: record 审核处理 in the scored workbook, save, rerun; the unit corrects its workbook; --force; a
run killed mid-way. The decisions reach every output and are never lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest

from pipeline.batch import run
from pipeline.batch.manifest import Manifest
from tests.builders import clean_sheets, write_workbook
from tests.test_batch import _cli, _wait_for_group_to_end, opts, project

ROOT = Path(__file__).resolve().parent.parent
WAIVE = ("P003", "支付明细", "D4")  # a 警告: 分项名称 written short
CONFIRM = ("P002", "支付明细", "B2")  # an 错误: a payment dated in the year before
ADJUST = ("S006", "绩效指标", "H10")  # a 警告 on a 定性 line: 9 claimed where the band is 6–8


def reviewed_sheets(fixed: bool = False) -> dict:
    sheets = clean_sheets()
    sheets["支付明细"][3][3] = "水质检测费"
    sheets["支付明细"][1][1] = date(2023, 3, 10) if fixed else date(2022, 3, 10)
    sheets["绩效指标"][9][7] = 9
    return sheets


@pytest.fixture
def folders(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    write_workbook(inp / "审.xlsx", reviewed_sheets())
    project(inp / "旁.xlsx", "2023年旁边的项目")
    return inp, out


def scored(out: Path, folder: str = "审") -> Path:
    [path] = (out / folder).glob("*_绩效自评表.xlsx")
    return path


def report_text(out: Path, folder: str = "审") -> str:
    [path] = (out / folder).glob("*_绩效自评报告.docx")
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def findings_json(out: Path, folder: str = "审") -> dict:
    return json.loads((out / folder / "findings.json").read_text("utf-8"))


def decide(path: Path, decisions: dict[tuple[str, str, str], tuple[str, str]], by: str = "张审核") -> None:
    """As a reviewer does in Excel: pick 审核处理, type 审核说明, save (the author property is theirs)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["审核意见"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    found = set()
    for row in ws.iter_rows(min_row=2):
        key = (row[col["规则"]].value, row[col["工作表"]].value, row[col["单元格"]].value)
        if key in decisions:
            row[col["审核处理"]].value, row[col["审核说明"]].value = decisions[key]
            found.add(key)
    assert found == set(decisions), f"rows not in 审核意见: {set(decisions) - found}"
    wb.properties.lastModifiedBy = by
    wb.save(path)
    bump(path)


def bump(path: Path) -> None:
    """A save a moment later than the last one (file times here have one-second resolution)."""
    later = time.time() + 2
    os.utime(path, (later, later))


def review_rows(path: Path) -> dict[tuple, tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["审核意见"].iter_rows(values_only=True))
    wb.close()
    col = {h: i for i, h in enumerate(rows[0])}
    return {
        (r[col["规则"]], r[col["工作表"]], r[col["单元格"]]): (r[col["审核处理"]], r[col["审核说明"]])
        for r in rows[1:]
    }


def summary_row(out: Path, file: str) -> dict:
    wb = openpyxl.load_workbook(out / "审核汇总.xlsx", read_only=True)
    rows = list(wb["汇总"].iter_rows(values_only=True))
    wb.close()
    return next(dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] == file)


def stored(out: Path) -> dict[tuple, tuple]:
    m = Manifest(out)
    try:
        return {
            (d.key.rule, d.key.location): (d.state, d.note, d.status, d.by) for d in m.decisions("审.xlsx")
        }
    finally:
        m.close()


def by_rule(doc: dict, rule: str) -> dict:
    return next(f for f in doc["findings"] if f["rule"] == rule)


DECISIONS = {
    WAIVE: ("豁免", "分项名称为简称，核实无误"),
    CONFIRM: ("确认", "支付日期不在预算年度"),
    ADJUST: ("调整", "7"),
}


def assert_decisions_shown(out: Path, before: dict) -> None:
    """Each decision where the issue says it shows: findings.json, the form, 审核意见, the report, 审核汇总."""
    doc = findings_json(out)
    assert by_rule(doc, "P003")["decision"] == {
        "state": "豁免",
        "note": "分项名称为简称，核实无误",
        "by": "张审核",
        "at": by_rule(doc, "P003")["decision"]["at"],
    }
    assert by_rule(doc, "P002")["decision"]["state"] == "确认"
    assert by_rule(doc, "S006")["decision"]["state"] == "调整"
    # 调整 sets the line's 复核得分, and so the total and grade
    line = next(i for i in doc["indicators"] if i["row"] == 10)
    assert line["computed"] == 7 and line["adjusted"] is True
    old_line = next(i for i in before["indicators"] if i["row"] == 10)
    assert doc["computed"]["total"] == pytest.approx(before["computed"]["total"] - (old_line["computed"] - 7))
    assert doc["computed"]["adjusted"] is True
    # the form shows 7 with the note 审核调整; 评分明细 names the method
    wb = openpyxl.load_workbook(scored(out))
    form = wb["项目支出绩效自评表"]
    cell = next(c for row in form.iter_rows() for c in row if c.comment and "审核调整" in c.comment.text)
    assert cell.value == 7
    assert "审核调整" in [c.value for row in wb["评分明细"].iter_rows() for c in row]
    # 审核意见 shows the decisions, so the reviewer sees what they decided
    rows = review_rows(scored(out))
    for key, value in DECISIONS.items():
        assert rows[key] == value
    # the report: the waived warning left the list for the short 已豁免 list; the adjustment is said
    text = report_text(out)
    assert "已豁免（审核说明）" in text and "豁免：分项名称为简称，核实无误" in text
    listed = [line for line in text.splitlines() if "P003" in line]
    assert listed and all("豁免" in line for line in listed)
    assert "经审核调整复核得分的定性指标：“长效管护机制”复核得分 7 分。" in text  # the note is only the score
    assert "7（审核调整）" in text and "含审核调整" in text  # 附件1, the score table
    # 审核汇总: per workbook the counts by 审核处理 (调整 counts as 确认)
    row = summary_row(out, "审.xlsx")
    n = len(doc["findings"])
    assert (row["确认"], row["豁免"], row["待核实"]) == (2, 1, n - 3)
    assert row["复核总分"] == pytest.approx(doc["computed"]["total"])


def test_a_reviewers_decisions_reach_every_output_and_survive_fixes_force_and_kill(folders):
    inp, out = folders
    run(opts(inp, out))
    before = findings_json(out)
    assert {f["rule"] for f in before["findings"]} >= {"P002", "P003", "S006"}
    assert all("decision" not in f for f in before["findings"])
    assert review_rows(scored(out))[WAIVE] == ("待核实", None)

    # 1. the reviewer decides three findings and saves; the next run shows each decision
    decide(scored(out), DECISIONS)
    neighbour = {p.name: p.stat().st_mtime_ns for p in (out / "旁").iterdir()}
    report = run(opts(inp, out))
    assert (report.processed, report.skipped) == (1, 1)  # only the decided one is re-rendered
    assert {p.name: p.stat().st_mtime_ns for p in (out / "旁").iterdir()} == neighbour
    assert_decisions_shown(out, before)
    assert stored(out)[("P002", "支付明细!B2")] == ("确认", "支付日期不在预算年度", "有效", "张审核")
    assert report.notices == ()

    # nothing changed: nothing is redone
    assert run(opts(inp, out)).processed == 0

    # 2. the unit corrects the payment date: that decision retires (listed), the others stay
    write_workbook(inp / "审.xlsx", reviewed_sheets(fixed=True))
    run(opts(inp, out))
    doc = findings_json(out)
    assert "P002" not in {f["rule"] for f in doc["findings"]}
    [retired] = doc["review"]["retired"]
    assert (retired["rule"], retired["cell"], retired["decision"]["state"]) == ("P002", "B2", "确认")
    assert stored(out)[("P002", "支付明细!B2")][2] == "已失效"
    wb = openpyxl.load_workbook(scored(out), read_only=True)
    record = list(wb["审核记录"].iter_rows(values_only=True))
    wb.close()
    assert record[1][:3] == ("已失效", "P002", "支付明细!B2") and "支付日期不在预算年度" in record[1]
    assert by_rule(doc, "P003")["decision"]["state"] == "豁免"
    assert by_rule(doc, "S006")["decision"]["state"] == "调整"
    assert next(i for i in doc["indicators"] if i["row"] == 10)["computed"] == 7

    # 3. --force redoes everything and keeps every decision
    run(opts(inp, out, force=True))
    doc = findings_json(out)
    assert by_rule(doc, "P003")["decision"]["state"] == "豁免"
    assert by_rule(doc, "S006")["decision"]["state"] == "调整"
    assert doc["review"]["retired"][0]["rule"] == "P002"

    # 4. a run killed mid-way (SIGKILL, batch and workers), then a normal run: all kept
    for i in range(12):
        project(inp / f"填充_{i:02d}.xlsx", f"2023年填充项目{i}")
    proc = subprocess.Popen(
        _cli(inp, out, "--force"),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("填充_*/findings.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    _wait_for_group_to_end(proc.pid)
    assert len(list(out.glob("填充_*/findings.json"))) < 12, "the run finished before it was killed"
    done = subprocess.run(_cli(inp, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    doc = findings_json(out)
    assert by_rule(doc, "P003")["decision"]["state"] == "豁免"
    assert by_rule(doc, "S006")["decision"]["state"] == "调整"
    assert {k: v[2] for k, v in stored(out).items()} == {
        ("P003", "支付明细!D4"): "有效",
        ("S006", "绩效指标!H10"): "有效",
        ("P002", "支付明细!B2"): "已失效",
    }


def test_decisions_survive_a_deleted_or_corrupt_scored_workbook(folders):
    inp, out = folders
    run(opts(inp, out))
    decide(scored(out), {WAIVE: ("豁免", "简称")})
    run(opts(inp, out))
    scored(out).unlink()  # deleted: the manifest still has the decision
    run(opts(inp, out))
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"
    path = scored(out)
    path.write_bytes(b"PK\x03\x04 not really a workbook")  # damaged: one line, decision kept
    report = run(opts(inp, out))
    assert len(report.notices) == 1 and "审核处理无法读取" in report.notices[0]
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"
    assert review_rows(scored(out))[WAIVE] == ("豁免", "简称")


def test_values_that_cannot_be_applied_are_told_to_the_reviewer_not_a_crash(folders):
    inp, out = folders
    run(opts(inp, out))
    before = findings_json(out)
    decide(scored(out), {WAIVE: ("豁兔", ""), ADJUST: ("调整", "12分"), CONFIRM: ("调整", "5")})
    report = run(opts(inp, out))
    doc = findings_json(out)
    problems = {p["source"].rsplit("!", 1)[-1]: p["message"] for p in doc["review"]["problems"]}
    assert len(problems) == 3 and len(report.notices) == 3
    assert any("不是 待核实/确认/豁免/调整" in m for m in problems.values())
    assert any("不在 0–10 分" in m for m in problems.values())
    assert any("不在定性指标的行上" in m for m in problems.values())
    # none applied: the scores are those before, each counts as 待核实, and the typed text is kept
    assert doc["computed"]["total"] == before["computed"]["total"]
    assert by_rule(doc, "P003")["decision"] == {
        **by_rule(doc, "P003")["decision"],
        "state": "待核实",
        "typed": "豁兔",
    }
    assert review_rows(scored(out))[WAIVE] == ("豁兔", None)
    # --strict still counts the 错误 whose 调整 could not be applied
    assert report.any_error


def test_strict_counts_only_confirmed_and_open_errors(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    sheets = clean_sheets()
    sheets["支付明细"][1][1] = date(2022, 3, 10)  # P002, the only 错误
    write_workbook(inp / "审.xlsx", sheets)
    assert run(opts(inp, out)).any_error
    decide(scored(out), {CONFIRM: ("确认", "")})
    assert run(opts(inp, out)).any_error
    decide(scored(out), {CONFIRM: ("豁免", "已另行核实凭证")})
    report = run(opts(inp, out))
    assert not report.any_error and report.errors == 1  # still counted in the closing line
    assert run(opts(inp, out)).any_error is False  # and when skipped as unchanged


def test_a_conclusion_in_the_summary_is_read_back_and_kept(folders):
    inp, out = folders
    run(opts(inp, out))
    wb = openpyxl.load_workbook(out / "审核汇总.xlsx")
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "审.xlsx":
            row[head.index("审核结论")].value = "退回修改"
            row[head.index("审核人")].value = "张审核"
            row[head.index("审核日期")].value = date(2024, 4, 2)
    wb.save(out / "审核汇总.xlsx")
    bump(out / "审核汇总.xlsx")
    run(opts(inp, out))
    row = summary_row(out, "审.xlsx")
    assert (row["审核结论"], row["审核人"], row["审核日期"]) == ("退回修改", "张审核", "2024-04-02")
    assert summary_row(out, "旁.xlsx")["审核结论"] == "待审"
    run(opts(inp, out, force=True))
    assert summary_row(out, "审.xlsx")["审核结论"] == "退回修改"
    (out / "审核汇总.xlsx").write_bytes(b"damaged")  # one line; the stored conclusion stays
    report = run(opts(inp, out))
    assert len(report.notices) == 1 and "审核汇总.xlsx" in report.notices[0]
    assert summary_row(out, "审.xlsx")["审核结论"] == "退回修改"


def test_a_scored_workbook_still_open_is_left_as_it_was_and_named(folders):
    inp, out = folders
    run(opts(inp, out))
    decide(scored(out), {WAIVE: ("豁免", "简称")})
    path = scored(out)
    lock = path.with_name("~$" + path.name)  # Excel's owner file: the reviewer still has it open
    lock.write_bytes(b"reviewer")
    kept = path.read_bytes()
    write_workbook(inp / "审.xlsx", reviewed_sheets(fixed=True))  # even with a changed input
    report = run(opts(inp, out))
    assert path.read_bytes() == kept
    assert len([n for n in report.notices if "正被其他程序打开" in n]) == 1
    assert "1 个文件正被打开" in report.closing_line() and path.name in report.closing_line()
    assert (report.processed, report.skipped, report.total) == (0, 1, 2)  # held open: not "unchanged"
    assert stored(out)[("P003", "支付明细!D4")][0] == "豁免"
    lock.unlink()  # closed: the next run catches up
    report = run(opts(inp, out))
    assert report.locked == () and by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"
    assert "P002" not in {f["rule"] for f in findings_json(out)["findings"]}


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed on this machine")
def test_decisions_in_a_workbook_resaved_by_libreoffice(folders, tmp_path):
    inp, out = folders
    run(opts(inp, out))
    before = findings_json(out)
    decide(scored(out), DECISIONS)
    path = scored(out)
    converted = tmp_path / "lo"
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(converted),
            str(path),
        ],
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    resaved = converted / path.name
    assert resaved.read_bytes() != path.read_bytes()
    shutil.copyfile(resaved, path)
    bump(path)
    run(opts(inp, out))
    doc = findings_json(out)
    assert by_rule(doc, "P003")["decision"]["state"] == "豁免"
    assert by_rule(doc, "P002")["decision"]["state"] == "确认"
    assert next(i for i in doc["indicators"] if i["row"] == 10)["computed"] == 7
    assert doc["computed"]["total"] < before["computed"]["total"]
    # then the same story as in Excel: the unit fixes the 错误, --force, all kept
    write_workbook(inp / "审.xlsx", reviewed_sheets(fixed=True))
    run(opts(inp, out))
    run(opts(inp, out, force=True))
    assert {k: v[2] for k, v in stored(out).items()} == {
        ("P003", "支付明细!D4"): "有效",
        ("S006", "绩效指标!H10"): "有效",
        ("P002", "支付明细!B2"): "已失效",
    }


def test_the_decisions_command_lists_and_exports_the_record(folders, tmp_path):
    inp, out = folders
    run(opts(inp, out))
    decide(scored(out), DECISIONS)
    run(opts(inp, out))
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "decisions", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "P003" in done.stdout and "豁免" in done.stdout and "张审核" in done.stdout
    export = tmp_path / "审核处理记录.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "decisions", "--output", str(out), "--export", str(export)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(export, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()  # a read-only workbook left open warns later, inside whichever test runs then
    assert len(rows) == 1 + 3 and {r[1] for r in rows[1:]} == {"P002", "P003", "S006"}


def test_a_scored_workbook_excel_will_not_let_go_of_is_kept_and_named(folders, tmp_path):
    """On Windows, replacing a workbook Excel has open fails (PermissionError): a hook makes the
    workers' file writes fail that way for one scored workbook, in a real run."""
    inp, out = folders
    run(opts(inp, out))
    decide(scored(out), {WAIVE: ("豁免", "简称")})
    kept = {p.name: p.read_bytes() for p in (out / "审").iterdir()}
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "real = os.replace\n"
        "def replace(src, dst, *a, **k):\n"
        "    if str(dst).endswith('_绩效自评表.xlsx') and os.path.basename(os.path.dirname(dst)) == '审':\n"
        "        raise PermissionError(13, 'Permission denied', str(dst))\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = replace\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    done = subprocess.run(
        _cli(inp, out, "--force"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert "1 个文件正被打开" in last and "审/" in last and "未变化" not in last
    assert len([line for line in done.stderr.splitlines() if "正被其他程序打开" in line]) == 1
    assert {p.name: p.read_bytes() for p in (out / "审").iterdir()} == kept  # nothing of it replaced
    assert (out / "旁" / "findings.json").exists()  # the others went on
    assert stored(out)[("P003", "支付明细!D4")][0] == "豁免"
    run(opts(inp, out))  # closed: caught up
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"


def test_a_lost_manifest_does_not_lose_what_the_scored_workbooks_say(folders):
    inp, out = folders
    run(opts(inp, out))
    decide(scored(out), {WAIVE: ("豁免", "简称")})
    for suffix in ("", "-wal", "-shm"):  # the record gone (deleted, or unreadable and started afresh)
        Path(str(out / ".manifest.sqlite") + suffix).unlink(missing_ok=True)
    run(opts(inp, out))
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"
    assert stored(out)[("P003", "支付明细!D4")][:2] == ("豁免", "简称")
