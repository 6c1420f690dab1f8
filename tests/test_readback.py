"""Issue 23: a decision is never lost, not even while the batch runs. The read-back happens at the
last moment (a file saved since it was read is read again, or kept aside); a reviewer's file that
cannot be read is set aside, never replaced; archive documents are validated; links in output/ are
never followed; every file read back is bounded like an input."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pipeline.batch import files, run
from pipeline.batch import runner as batch_runner
from pipeline.batch.readback import read_back
from tests.builders import write_workbook
from tests.test_batch import opts, project
from tests.test_decisions_e2e import (
    CONFIRM,
    WAIVE,
    bump,
    by_rule,
    decide,
    findings_json,
    review_rows,
    reviewed_sheets,
    scored,
    stored,
    summary_row,
)


@pytest.fixture
def folders(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    write_workbook(inp / "审.xlsx", reviewed_sheets())
    project(inp / "旁.xlsx", "2023年旁边的项目")
    return inp, out


def conclude(out: Path, file: str, state: str, by: str = "张审核") -> None:
    """As a reviewer does in 审核汇总.xlsx: 审核结论, 审核人, 审核日期; save."""
    wb = openpyxl.load_workbook(out / "审核汇总.xlsx")
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == file:
            row[head.index("审核结论")].value = state
            row[head.index("审核人")].value = by
            row[head.index("审核日期")].value = date(2024, 4, 2)
    wb.save(out / "审核汇总.xlsx")
    bump(out / "审核汇总.xlsx")


def saved_after_read_back(monkeypatch, then) -> None:
    """The reviewer saves right after the run has read their files back (while the workers work)."""

    def read_back_then_save(items, o, manifest, digests=None):
        back = read_back(items, o, manifest, digests)
        then()
        return back

    monkeypatch.setattr(batch_runner, "read_back", read_back_then_save)


# ---------------------------------------------------------------- 1. saved while the run goes on
def test_decisions_saved_while_the_run_goes_on_are_read_again_not_lost(folders, monkeypatch):
    """Issue 23 item 1: both files were replaced; the next run said 未变化 and nothing was stored."""
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)

    def reviewer_saves():
        decide(path, {WAIVE: ("豁免", "简称可接受"), CONFIRM: ("确认", "请改")})
        conclude(out, "审.xlsx", "退回修改")

    saved_after_read_back(monkeypatch, reviewer_saves)
    report = run(opts(inp, out, force=True))
    monkeypatch.undo()
    said = "\n".join(report.notices)
    assert "运行期间保存了审核处理" in said and "运行期间保存了审核结论" in said, said
    assert stored(out)[("P003", "支付明细!D4")][:3] == ("豁免", "简称可接受", "有效")
    assert stored(out)[("P002", "支付明细!B2")][:3] == ("确认", "请改", "有效")
    # this run's outputs already show them
    assert review_rows(scored(out))[WAIVE] == ("豁免", "简称可接受")
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"
    assert summary_row(out, "审.xlsx")["审核结论"] == "退回修改"
    again = run(opts(inp, out))
    assert again.processed == 0 and not again.notices
    assert summary_row(out, "审.xlsx")["审核结论"] == "退回修改"


def test_a_file_saved_in_the_instant_of_replacing_is_kept_aside_not_overwritten(tmp_path):
    """The last check and the replace are one step: a save that lands after the check is kept."""
    target = tmp_path / "out"
    target.mkdir()
    theirs = target / "项目_绩效自评表.xlsx"
    theirs.write_bytes(b"read back")
    expected = files.read_output(theirs, 1 << 20).sha256
    theirs.write_bytes(b"saved again a moment later")
    guard = files.Guard({theirs.name: expected}, 1 << 20)
    files.put_files(target, {theirs.name: b"ours"}, guard)
    assert theirs.read_bytes() == b"ours"
    [aside] = guard.aside
    assert "运行期间保存" in aside and (target / aside).read_bytes() == b"saved again a moment later"
    assert files.original_of(aside) == theirs.name
    # unchanged since it was read: replaced, nothing kept aside
    guard = files.Guard({theirs.name: files.read_output(theirs, 1 << 20).sha256}, 1 << 20)
    files.put_files(target, {theirs.name: b"ours again"}, guard)
    assert guard.aside == [] and theirs.read_bytes() == b"ours again"


def test_a_scored_workbook_kept_aside_is_read_on_the_next_run(folders):
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)
    decide(path, {WAIVE: ("豁免", "简称可接受")})
    aside = files.set_aside(path, files.SAVED_DURING_RUN)
    run(opts(inp, out, force=True))
    assert aside.exists()  # a reviewer's file is never removed
    assert stored(out)[("P003", "支付明细!D4")][:3] == ("豁免", "简称可接受", "有效")
    assert by_rule(findings_json(out), "P003")["decision"]["state"] == "豁免"


# ---------------------------------------------------------------- 2. a reviewer's file we cannot read
@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a save cut short
        lambda data: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),  # protected with a password (OLE2)
    ],
    ids=["cut-short", "password"],
)
def test_a_reviewers_file_that_cannot_be_read_is_set_aside_never_overwritten(folders, damage):
    """Issue 23 item 2: it was overwritten with its typed decisions, the notice saying
    已保存的审核处理不受影响 and showing （BadZipFile: File is not a zip file）."""
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)
    decide(path, {WAIVE: ("豁免", "简称")})
    damaged = damage(path.read_bytes())
    path.write_bytes(damaged)
    bump(path)
    (out / "审核汇总.xlsx").write_bytes(damaged)
    bump(out / "审核汇总.xlsx")
    report = run(opts(inp, out, force=True))
    kept = [p for p in (out / "审").iterdir() if "无法读取" in p.name]
    assert [p.read_bytes() for p in kept] == [damaged]
    assert files.original_of(kept[0].name) == path.name
    [summary_kept] = [p for p in out.iterdir() if "无法读取" in p.name]
    assert summary_kept.read_bytes() == damaged
    said = [n for n in report.notices if "无法读取" in n]
    assert len(said) == 2 and all("没有被覆盖" in n for n in said), report.notices
    assert not any("Error" in n or "不受影响" in n for n in report.notices), report.notices
    assert scored(out).read_bytes()[:2] == b"PK"  # the new one is in place beside it
    # next run: still unreadable, still said, still kept; nothing else is set aside
    report = run(opts(inp, out))
    assert [p.read_bytes() for p in (out / "审").iterdir() if "无法读取" in p.name] == [damaged]
    assert any("仍无法读取" in n for n in report.notices)


# ---------------------------------------------------------------- 3. archive documents
@pytest.mark.parametrize(
    ("bad", "key"),
    [
        ([], "（整个文件）"),
        ({"project": {"year": "2022"}}, "project.year"),
        ({"computed": {"total": "九十"}}, "computed.total"),
        ({"findings": {"rule": "S011"}}, "findings"),
        ({"payments": [{"dates": [2022]}]}, "payments[0].dates[0]"),
        ("[" * 100_000 + "]" * 100_000, "嵌套"),
    ],
    ids=["list", "year-text", "total-text", "findings-object", "date-number", "deep"],
)
def test_an_archive_document_that_is_not_ours_is_one_line_not_a_crash(folders, bad, key):
    """Issue 23 item 3: AttributeError / TypeError / RecursionError on every later run."""
    inp, out = folders
    project(inp / "去年.xlsx", "2022年去年的项目")
    run(opts(inp, out))
    (inp / "去年.xlsx").unlink()  # its outputs stay: the archive
    doc_path = out / "去年" / "findings.json"
    if isinstance(bad, str):
        doc_path.write_text(bad, "utf-8")
    else:
        doc = json.loads(doc_path.read_text("utf-8"))
        doc = (
            bad
            if isinstance(bad, list)
            else {
                **doc,
                **{
                    k: {**(doc.get(k) or {}), **v} if isinstance(v, dict) and k != "findings" else v
                    for k, v in bad.items()
                },
            }
        )
        doc_path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    report = run(opts(inp, out, force=True))
    lines = [n for n in report.notices if "去年/findings.json" in n]
    assert len(lines) == 1 and key in lines[0], report.notices
    assert (out / "审核汇总.xlsx").exists() and summary_row(out, "审.xlsx")


# ---------------------------------------------------------------- 4. links in output/
def test_links_planted_in_output_are_never_followed_and_are_said(folders, tmp_path):
    """Issue 23 item 4: a symlinked 审核汇总.xlsx or findings.csv was a traceback on every run; a
    symlinked scored workbook or findings.json was read through (text from outside output/ reached
    the manifest, findings.csv and the report) and the error blamed the program."""
    inp, out = folders
    run(opts(inp, out))
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = outside / "别处.xlsx"
    other = scored(out)
    decide(other, {WAIVE: ("豁免", "来自输出目录之外")})
    planted.write_bytes(other.read_bytes())
    victim_csv = outside / "victim.csv"
    victim_csv.write_bytes(b"do not touch")
    for name in ("审核汇总.xlsx", "findings.csv"):
        (out / name).unlink()
    (out / "审核汇总.xlsx").symlink_to(planted)
    (out / "findings.csv").symlink_to(victim_csv)
    other.unlink()
    other.symlink_to(planted)
    before = planted.read_bytes()
    report = run(opts(inp, out, force=True))
    assert planted.read_bytes() == before and victim_csv.read_bytes() == b"do not touch"
    for path in (out / "审核汇总.xlsx", out / "findings.csv", scored(out)):
        assert not path.is_symlink() and path.stat().st_size > 100
    assert ("P003", "支付明细!D4") not in stored(out)  # nothing read through the link
    said = [n for n in report.notices if "链接" in n]
    assert len(said) == 3, report.notices
    assert not any("程序缺陷" in n for n in report.notices)
    assert report.unreadable == 0


def test_an_archived_findings_json_that_is_a_link_is_not_read_through(folders, tmp_path):
    inp, out = folders
    project(inp / "去年.xlsx", "2022年去年的项目")
    run(opts(inp, out))
    (inp / "去年.xlsx").unlink()
    outside = tmp_path / "secret.json"
    doc = json.loads((out / "去年" / "findings.json").read_text("utf-8"))
    doc["project"]["name"] = "机密文本"
    outside.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    (out / "去年" / "findings.json").unlink()
    (out / "去年" / "findings.json").symlink_to(outside)
    report = run(opts(inp, out, force=True))
    assert "机密文本" not in (out / "findings.csv").read_text("utf-8-sig")
    assert any("去年/findings.json" in n and "链接" in n for n in report.notices), report.notices


# ---------------------------------------------------------------- 5. bounded read-back
def _with_empty_rows(path: Path, rows: int) -> bytes:
    """The scored workbook with its 审核意见 sheet padded with `rows` empty rows (it compresses
    to almost nothing)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index("审核意见") + 1
    wb.close()
    part = f"xl/worksheets/sheet{index}.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                padding = b"".join(b'<row r="%d"/>' % r for r in range(10_000, 10_000 + rows))
                data = data.replace(b"</sheetData>", padding + b"</sheetData>")
            dst.writestr(info.filename, data)
    return buf.getvalue()


def test_a_scored_workbook_that_expands_to_millions_of_empty_rows_is_refused_in_seconds(folders):
    """Issue 23 item 5: 262 KB expanding to 150 MB of empty rows ran past 45 s at 2.4 GB."""
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)
    decide(path, {WAIVE: ("豁免", "简称")})
    path.write_bytes(_with_empty_rows(path, 2_000_000))
    bump(path)
    started = time.perf_counter()
    report = run(opts(inp, out))
    assert time.perf_counter() - started < 30
    assert any("无法读取" in n and "没有被覆盖" in n for n in report.notices), report.notices


def test_rows_past_the_limit_are_refused_even_inside_the_size_limits(folders):
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)
    path.write_bytes(_with_empty_rows(path, 100_000))  # ratio and size well inside the limits
    bump(path)
    report = run(opts(inp, out))
    assert any("超过 80100 行" in n for n in report.notices), report.notices


def test_a_huge_file_in_output_is_refused_by_its_size_before_a_byte_is_read(folders, monkeypatch):
    """Issue 23 item 5: a 1 GB file in output/ was read into memory for hashing first."""
    inp, out = folders
    run(opts(inp, out))
    path = scored(out)
    path.unlink()
    with open(path, "wb") as fh:  # sparse: 200 MB that take no disk
        fh.truncate(200 * 1024 * 1024)
    biggest = []
    real = os.read

    def counting_read(fd, n):
        data = real(fd, n)
        biggest.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    report = run(opts(inp, out, jobs=1))
    monkeypatch.undo()
    assert sum(biggest) < 50 * 1024 * 1024, sum(biggest)
    assert any("超过上限" in n for n in report.notices), report.notices


# ---------------------------------------------------------------- 6. a manifest another program holds
def _hold(out: Path):
    import sqlite3

    holder = sqlite3.connect(out / ".manifest.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as an open sqlite3 shell in a transaction does
    return holder


def test_a_manifest_held_by_another_writer_is_waited_for_once_then_said(folders, monkeypatch):
    """Issue 23 item 6: every write waited the full SQLite timeout (2 workbooks: 153 s)."""
    from pipeline.batch import BatchError
    from pipeline.batch import manifest as manifest_module

    monkeypatch.setattr(manifest_module, "BUSY_WAIT", 1.0, raising=False)
    inp, out = folders
    run(opts(inp, out))
    holder = _hold(out)
    try:
        started = time.perf_counter()
        with pytest.raises(BatchError) as e:
            run(opts(inp, out, force=True))
        assert time.perf_counter() - started < 10
        assert "另一个程序" in str(e.value) and "\n" not in str(e.value)
        # taken while the run goes on: the first write waits once, then the run stops saying so
        holder.execute("ROLLBACK")

        def then() -> None:
            holder.execute("BEGIN IMMEDIATE")

        saved_after_read_back(monkeypatch, then)
        started = time.perf_counter()
        with pytest.raises(BatchError) as e:
            run(opts(inp, out, force=True))
        assert time.perf_counter() - started < 20
        assert "另一个程序" in str(e.value)
    finally:
        holder.close()
    monkeypatch.undo()
    report = run(opts(inp, out))  # let go: the run catches up
    assert report.unreadable == 0 and (out / "审核汇总.xlsx").exists()


# ---------------------------------------------------------------- 7. a full disk
@pytest.fixture
def tiny_disk(tmp_path):
    """A 400 KB file system (tmpfs; needs the right to mount: skipped elsewhere)."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_tiny_output_disk_is_lines_not_a_traceback(tmp_path, tiny_disk):
    """Issue 23 item 7: the first run on a tiny disk ended in AttributeError: 'NoneType' object has
    no attribute 'sha256' (a workbook written in the first pass whose second pass found the disk full)."""
    from tests.test_batch import project as named

    inp = tmp_path / "input"
    inp.mkdir()
    for n in range(4):  # one project four times: X003, so a second pass
        named(inp / f"副本{n}.xlsx", "2023年同一个项目")
    report = run(opts(inp, tiny_disk / "out", jobs=1))
    assert report.unwritten, report
    assert any("磁盘已满" in n for n in report.notices)


def test_a_full_disk_at_the_manifest_says_the_disk_is_full_even_as_a_disk_io_error(tmp_path, monkeypatch):
    """Issue 23 item 7: SQLite says only （disk I/O error） on some systems."""
    import shutil
    import sqlite3

    from pipeline.batch.manifest import Manifest, Record

    manifest = Manifest(tmp_path)

    class IOFull:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql.startswith(("INSERT", "DELETE", "BEGIN")):
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.execute(sql, *args)

        def executemany(self, sql, *args):
            raise sqlite3.OperationalError("disk I/O error")

    real = manifest._db
    manifest._db = IOFull(real)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))
    record = Record("a.xlsx", "0" * 64, "", "v", "a", "ok", 0, 0, 0, "2024-01-01T00:00:00", (("x", "y"),))
    manifest.record(record)
    manifest._db = real
    manifest.close()
    assert len(manifest.notes) == 1 and "磁盘已满" in manifest.notes[0], manifest.notes


# ---------------------------------------------------------------- 9. words, not the parser's text
def _with_broken_sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook one of whose sheets' XML does not parse (an unclosed tag), everything else intact."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data = data.replace(b"</sheetData>", b"<row><c><v>1</c></row></sheetData>", 1)
            dst.writestr(info.filename, data)
    return buf.getvalue()


def test_no_parser_text_reaches_the_user(folders, tmp_path):
    """Issue 23 item 9: ParseError: undefined entity &xxe;, XMLSyntaxError, 读取工作簿时出错（XmlError）."""
    from pipeline.config import Settings
    from pipeline.evaluate import evaluate

    inp, out = folders
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(_with_broken_sheet_xml(inp / "审.xlsx"))
    result = evaluate(broken, Settings(), today=date(2024, 4, 1))
    [i001] = [f for f in result.findings if f.rule == "I001"]
    assert "Error" not in i001.message and "内容有误" in i001.message, i001.message
    # read back: a scored workbook with an entity declaration, and one whose XML is broken
    run(opts(inp, out))
    path = scored(out)
    good = path.read_bytes()
    path.write_bytes(_with_broken_sheet_xml(path, "xl/worksheets/sheet2.xml"))  # 审核意见
    bump(path)
    report = run(opts(inp, out))
    said = [n for n in report.notices if "无法读取" in n]
    assert said and not any("Error" in n for n in report.notices), report.notices
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)
            dst.writestr(info.filename, data)
    scored(out).write_bytes(buf.getvalue())
    bump(scored(out))
    report = run(opts(inp, out))
    said = [n for n in report.notices if "无法读取" in n]
    assert said and "实体声明" in said[0] and "Error" not in said[0], report.notices
