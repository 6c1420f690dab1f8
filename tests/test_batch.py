"""The batch: names that are safe anywhere, discovery, order, incremental runs, atomic outputs, and a
run killed mid-way that the next run repairs."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import SimpleNamespace

import docx
import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.batch import (
    BatchReport,
    InputMissing,
    OutputIsInput,
    OutputNotWritable,
    RunOptions,
    archive_index,
    discover,
    files,
    plan,
    pool,
    run,
)
from pipeline.batch.files import FALLBACK_NAME, atomic_write, output_name, safe_name
from pipeline.batch.manifest import FILENAME
from pipeline.config import Settings
from pipeline.load import sha256_of
from tests.builders import clean_sheets, set_info, write_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "input_templates" / "示例_子洲县政府办2021.xlsx"
FORBIDDEN = set('/\\:*?"<>|')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


# ---------------------------------------------------------------- safe names
def assert_safe(name: str, limit: int = 100) -> None:
    assert name and len(name) <= limit and len(name.encode("utf-8")) <= 200
    assert not FORBIDDEN & set(name)
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in name)
    assert name[0] not in ". " and name[-1] not in ". "
    assert name.split(".")[0].strip().upper() not in RESERVED
    assert name not in (".", "..")
    base = Path("/srv/output")
    assert (base / name).parent == base
    assert PureWindowsPath("C:/out", name).parent == PureWindowsPath("C:/out")
    assert PurePosixPath("/out", name).parent == PurePosixPath("/out")


@given(st.text())
@hsettings(max_examples=400, deadline=None)
def test_safe_name_of_any_text_is_valid_everywhere_and_stays_in_its_folder(text):
    name = safe_name(text)
    assert_safe(name)
    assert safe_name(name) == name  # idempotent: a safe name is its own safe name


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1), st.integers(min_value=1, max_value=100))
@hsettings(max_examples=200, deadline=None)
def test_safe_name_keeps_to_any_limit(text, limit):
    assert_safe(safe_name(text, limit=limit), limit=limit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", FALLBACK_NAME),
        ("", FALLBACK_NAME),
        ("  . ", FALLBACK_NAME),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Lpt1 .doc", "_Lpt1 .doc"),
        ("COM10", "COM10"),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("第一行\n第二行\t\x00end", "第一行 第二行 end"),
        (".隐藏的项目.", "隐藏的项目"),
        ("2021年子洲县政府办项目", "2021年子洲县政府办项目"),
    ],
)
def test_safe_name_examples(text, expected):
    assert safe_name(text) == expected


def test_long_names_are_cut_to_100_characters_and_200_bytes():
    assert safe_name("x" * 300) == "x" * 100
    cjk = safe_name("项" * 300)
    assert len(cjk.encode("utf-8")) <= 200 and set(cjk) == {"项"}
    name = output_name("项目" * 100, "_绩效自评报告.docx")
    assert name.endswith("_绩效自评报告.docx") and len(name) <= 100 and len(name.encode()) <= 200


# ---------------------------------------------------------------- discovery
def test_discover_takes_spreadsheets_sorted_and_skips_lock_files_hidden_files_and_folders(tmp_path):
    for name in [
        "b.xlsx",
        "a.XLSM",
        "c.xls",
        "d.csv",
        "e.ods",
        "f.et",
        "g.xlsb",
        "h.xltx",
        "~$b.xlsx",
        ".hidden.xlsx",
        "notes.txt",
        "README",
    ]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder.xlsx").mkdir()
    assert [p.name for p in discover(tmp_path)] == [
        "a.XLSM",
        "b.xlsx",
        "c.xls",
        "d.csv",
        "e.ods",
        "f.et",
        "g.xlsb",
        "h.xltx",
    ]


# ---------------------------------------------------------------- helpers
def opts(
    inp: Path, out: Path, jobs: int = 2, force: bool = False, settings: Settings | None = None
) -> RunOptions:
    return RunOptions(inp, out, settings or Settings(), jobs, force, False, date(2024, 4, 1))


def project(path: Path, name: str) -> Path:
    sheets = clean_sheets()
    old = sheets["项目信息"][1][1]
    set_info(sheets, "项目名称", name)
    for row in sheets["报告正文"][1:]:
        row[1] = row[1].replace(old, name)
    return write_workbook(path, sheets)


def outputs_of(out: Path) -> dict[str, float]:
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if ".tmp-" in p.name]


def assert_complete(out: Path, inputs: list[Path]) -> None:
    """Every input has a folder with a valid findings.json; a readable one, an xlsx and a docx that
    open; the batch files open; no temporary file is left."""
    entries = {e["input"]: e for e in archive_index(out)}
    for path in inputs:
        entry = entries[path.name]
        folder = out / entry["folder"]
        doc = json.loads((folder / "findings.json").read_text("utf-8"))
        assert doc["file"] == path.name
        for o in entry["outputs"]:
            assert (out / o["path"]).is_file()
        if entry["status"] == "ok":
            [xlsx] = folder.glob("*_绩效自评表.xlsx")
            [report] = folder.glob("*_绩效自评报告.docx")
            openpyxl.load_workbook(xlsx, read_only=True).close()
            assert docx.Document(str(report)).paragraphs
    openpyxl.load_workbook(out / "审核汇总.xlsx", read_only=True).close()
    assert (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert temp_files(out) == []


@pytest.fixture
def folder(tmp_path) -> Path:
    """input/ with four workbooks: three readable ones and one that is not a workbook."""
    inp = tmp_path / "input"
    inp.mkdir()
    project(inp / "甲.xlsx", "2023年甲镇道路维修项目")
    project(inp / "乙.xlsx", "2023年乙镇饮水工程项目")
    shutil.copyfile(EXAMPLE, inp / "子洲.xlsx")
    (inp / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    return inp


# ---------------------------------------------------------------- a run
COUNTY_REPORT = "2023年度项目支出绩效自评情况报告.docx"  # the bureau's own (county.py): 2 of 3 are 2023


def test_a_run_writes_every_folder_and_the_batch_files(folder, tmp_path):
    out = tmp_path / "output"
    report = run(opts(folder, out))
    assert (report.total, report.processed, report.skipped, report.unreadable) == (4, 4, 0, 1)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["findings.csv", "子洲", "审核汇总.xlsx", "旧格式", "甲", "乙", COUNTY_REPORT]
    )
    assert sorted(p.name for p in (out / "甲").iterdir()) == [
        "2023年甲镇道路维修项目_绩效自评报告.docx",
        "2023年甲镇道路维修项目_绩效自评表.xlsx",
        "findings.json",
    ]
    assert [p.name for p in (out / "旧格式").iterdir()] == ["findings.json"]
    assert json.loads((out / "旧格式" / "findings.json").read_text("utf-8"))["findings"][0]["rule"] == "I001"
    assert_complete(out, discover(folder))
    docs = [json.loads(p.read_text("utf-8")) for p in out.glob("*/findings.json")]
    severities = [f["severity"] for d in docs for f in d["findings"]]
    assert (report.errors, report.warnings, report.infos) == tuple(
        severities.count(s) for s in ("错误", "警告", "提示")
    )
    assert report.any_error is (report.errors > 0)
    assert report.closing_line().startswith("处理 4 个工作簿：3 成功，1 无法读取；")


def test_results_are_in_input_order_whatever_the_number_of_workers(folder, tmp_path):
    run(opts(folder, tmp_path / "one", jobs=1))
    run(opts(folder, tmp_path / "two", jobs=2))
    csv_one = (tmp_path / "one" / "findings.csv").read_bytes()
    assert csv_one == (tmp_path / "two" / "findings.csv").read_bytes()
    book = openpyxl.load_workbook(tmp_path / "two" / "审核汇总.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    names = [p.name for p in discover(folder)]
    listed = [next(v for v in row if v in names) for row in rows if any(v in names for v in row)]
    assert listed == names


def test_closing_line_follows_outputs_md():
    report = BatchReport(212, 212, 0, 4, 37, 95, 3, 14.2, (), True)
    assert (
        report.closing_line()
        == "处理 212 个工作簿：208 成功，4 无法读取；错误 37 条，警告 95 条；用时 14.2 秒"
    )
    skipped = BatchReport(212, 12, 200, 4, 37, 95, 3, 1.0, (), True).closing_line()
    assert skipped.startswith("处理 212 个工作簿（200 个未变化，沿用上次结果）：208 成功")


# ---------------------------------------------------------------- incremental
def test_an_unchanged_run_skips_everything_and_keeps_the_outputs(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    before = outputs_of(out)
    report = run(opts(folder, out))
    assert (report.processed, report.skipped) == (0, 4)
    assert outputs_of(out) == before  # not even the batch files were rewritten
    assert report.closing_line().startswith("处理 4 个工作簿（4 个未变化，沿用上次结果）：3 成功，1 无法读取")


def test_editing_one_input_redoes_only_that_one(folder, tmp_path):
    out = tmp_path / "output"
    first = run(opts(folder, out))
    before = outputs_of(out)
    project(folder / "甲.xlsx", "2023年甲镇桥梁维修项目")
    report = run(opts(folder, out))
    assert (report.processed, report.skipped) == (1, 3)
    after = outputs_of(out)
    changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
    assert changed == {"甲/findings.json", "findings.csv", "审核汇总.xlsx", COUNTY_REPORT}
    # the renamed project's files replace the old ones
    assert sorted(p.name for p in (out / "甲").iterdir()) == [
        "2023年甲镇桥梁维修项目_绩效自评报告.docx",
        "2023年甲镇桥梁维修项目_绩效自评表.xlsx",
        "findings.json",
    ]
    # the batch files still cover the whole folder
    assert report.total == 4 and (report.errors, report.warnings) == (first.errors, first.warnings)
    csv_text = (out / "findings.csv").read_text("utf-8-sig")
    assert "子洲.xlsx" in csv_text and "旧格式.xls" in csv_text


def test_force_redoes_everything(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    before = outputs_of(out)
    report = run(opts(folder, out, force=True))
    assert (report.processed, report.skipped) == (4, 0)
    after = outputs_of(out)
    assert all(after[k] != before[k] for k in before)


def test_a_changed_config_or_version_redoes_everything(folder, tmp_path, monkeypatch):
    out = tmp_path / "output"
    run(opts(folder, out))
    assert run(opts(folder, out, settings=Settings(fingerprint="another config"))).processed == 4
    monkeypatch.setattr(plan, "VERSION", "9.9.9")
    assert run(opts(folder, out, settings=Settings(fingerprint="another config"))).processed == 4


def test_another_run_date_redoes_everything(folder, tmp_path):
    """M003 and the report's date depend on --date: the same input, config and date give the same files."""
    out = tmp_path / "output"
    run(opts(folder, out))
    assert run(opts(folder, out)).processed == 0
    later = dataclasses.replace(opts(folder, out), run_date=date(2024, 4, 2))
    assert run(later).processed == 4


def test_a_missing_or_altered_output_is_redone(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    [report_docx] = (out / "乙").glob("*.docx")
    report_docx.unlink()
    (out / "甲" / "findings.json").write_text("{}", "utf-8")
    (out / "findings.csv").unlink()
    report = run(opts(folder, out))
    assert report.processed == 2
    assert_complete(out, discover(folder))


def test_a_workbook_done_in_time_is_never_stopped_for_its_time(folder, tmp_path, monkeypatch):
    """The pool's watch reads each worker's start time while the worker may set it to -1 (computed).
    Here the main process always looks at the clock at the worst moment (as one preempted under load
    does, rarely): only once the workers have computed what they were on. A workbook done well
    within max_seconds must not come out as 处理超时, recorded unreadable and skipped as unchanged
    next time (once seen in CI: 乙 was)."""
    starts = []
    real_context = pool._context

    class Watched:  # the real context; the start-time arrays it makes are kept here
        def __init__(self, ctx):
            self.ctx = ctx

        def __getattr__(self, name):
            return getattr(self.ctx, name)

        def Array(self, kind, size, lock=True):
            array = self.ctx.Array(kind, size, lock=lock)
            if kind == "d":
                starts.append(array)
            return array

    def late_clock() -> float:
        deadline = time.monotonic() + 10
        while any(t > 0 for t in starts[-1]) and time.monotonic() < deadline:
            time.sleep(0.01)
        return time.monotonic()

    monkeypatch.setattr(pool, "_context", lambda: Watched(real_context()))
    monkeypatch.setattr(pool, "time", SimpleNamespace(monotonic=late_clock))
    out = tmp_path / "output"
    report = run(opts(folder, out))
    assert report.unreadable_files == ("旧格式.xls",)
    for name in ("甲", "乙", "子洲"):
        assert len(list((out / name).glob("*_绩效自评报告.docx"))) == 1
    monkeypatch.undo()
    assert run(opts(folder, out)).skipped == 4


def test_a_removed_input_is_reported_and_its_outputs_stay(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    (folder / "乙.xlsx").unlink()
    report = run(opts(folder, out))
    assert report.removed == ("乙.xlsx",) and report.total == 3 and report.processed == 0
    assert (out / "乙" / "findings.json").exists()
    assert "乙.xlsx" not in (out / "findings.csv").read_text("utf-8-sig")
    # a new input called 乙 later does not overwrite the kept folder of the removed one
    project(folder / "乙.xlsm", "2024年乙镇新项目")
    run(opts(folder, out))
    assert (out / "乙 (2)" / "findings.json").exists()
    shutil.rmtree(out / "乙")  # once its outputs are gone, it is no longer reported
    assert run(opts(folder, out)).removed == ()


def test_inputs_whose_names_collide_get_their_own_folders_and_keep_them(tmp_path):
    inp = tmp_path / "input"
    inp.mkdir()
    for name in [
        "报告.xlsx",
        "报告.xlsm",
        "REPORT.xlsx",
        "report.xlsx",
        "a:b.xlsx",
        "a_b.xlsx",
        "审核汇总.xlsx.xlsx",
    ]:
        project(inp / name, f"项目{name}")
    out = tmp_path / "output"
    run(opts(inp, out))
    folders = {e["input"]: e["folder"] for e in archive_index(out) if e["folder"]}
    assert len(set(f.casefold() for f in folders.values())) == 7
    assert folders["审核汇总.xlsx.xlsx"] != "审核汇总.xlsx"
    assert (out / "审核汇总.xlsx").is_file()
    run(opts(inp, out, force=True))
    assert {e["input"]: e["folder"] for e in archive_index(out) if e["folder"]} == folders


def test_outputs_stay_inside_the_output_folder_whatever_the_project_is_called(tmp_path):
    inp = tmp_path / "input"
    inp.mkdir()
    project(inp / "a.xlsx", "../../../etc/evil")
    project(inp / "b.xlsx", "CON")
    project(inp / "c.xlsx", "项目\n" + "名" * 200)
    out = tmp_path / "deep" / "output"
    run(opts(inp, out))
    written = [p for p in tmp_path.rglob("*") if p.is_file() and inp not in p.parents]
    assert all(out in p.parents for p in written)
    for p in out.glob("*/*"):
        assert_safe(p.name)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux keeps file names as bytes")
def test_a_file_name_in_gbk_is_shown_as_chinese(tmp_path):
    inp = tmp_path / "input"
    inp.mkdir()
    gbk = os.fsdecode(os.fsencode(inp) + b"/" + "中文项目.xlsx".encode("gbk"))
    project(Path(gbk), "2023年中文项目")
    out = tmp_path / "output"
    report = run(opts(inp, out))
    assert (report.total, report.processed, report.unreadable) == (1, 1, 0)  # read, not refused
    doc = json.loads((out / "中文项目" / "findings.json").read_text("utf-8"))
    assert doc["file"] == "中文项目.xlsx"
    assert doc["project"]["name"] == "2023年中文项目"
    assert [e["input"] for e in archive_index(out)][:1] == ["中文项目.xlsx"]
    assert run(opts(inp, out)).skipped == 1


def test_a_damaged_manifest_means_everything_is_redone(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    (out / FILENAME).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(out / FILENAME) + suffix).unlink(missing_ok=True)
    report = run(opts(folder, out))
    assert report.processed == 4
    assert run(opts(folder, out)).processed == 0


# ---------------------------------------------------------------- errors before any work
def test_a_missing_input_folder_stops_before_anything_is_written(tmp_path):
    with pytest.raises(InputMissing, match="找不到输入目录"):
        run(opts(tmp_path / "nope", tmp_path / "output"))
    assert not (tmp_path / "output").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputMissing, match="不是目录"):
        run(opts(tmp_path / "file", tmp_path / "output"))


def test_an_output_that_cannot_be_written_stops_before_any_work(folder, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputNotWritable, match="不是目录"):
        run(opts(folder, tmp_path / "a-file"))
    with pytest.raises(OutputNotWritable, match="无法写入输出目录"):
        run(opts(folder, tmp_path / "a-file" / "output"))
    with pytest.raises(OutputIsInput):
        run(opts(folder, folder))


# ---------------------------------------------------------------- atomic files
def test_atomic_write_replaces_whole_files_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_temporary_files_of_a_killed_run_are_cleaned(folder, tmp_path):
    out = tmp_path / "output"
    run(opts(folder, out))
    (out / ".审核汇总.xlsx.tmp-4242").write_bytes(b"half")
    (out / "甲" / ".findings.json.tmp-77").write_bytes(b"half")
    run(opts(folder, out))
    assert temp_files(out) == []


def test_a_bug_for_one_workbook_is_reported_in_its_findings_json_and_the_batch_goes_on(tmp_path):
    """A subprocess whose renderer raises for one workbook and kills its worker for another."""
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    for name in ["bug.xlsx", "crash.xlsx", "fine1.xlsx", "fine2.xlsx"]:
        project(inp / name, f"项目 {name}")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "import pipeline.render.report as r\n"
        "real = r.report_docx\n"
        "def report_docx(result, *a):\n"
        "    if result.project.file == 'bug.xlsx':\n"
        "        raise ZeroDivisionError('boom')\n"
        "    if result.project.file == 'crash.xlsx':\n"
        "        os._exit(9)\n"
        "    return real(result, *a)\n"
        "r.report_docx = report_docx\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    code = (
        "from tests.test_batch import opts; from pipeline.batch import run; from pathlib import Path; "
        f"print(run(opts(Path({str(inp)!r}), Path({str(out)!r}), jobs=2)).closing_line())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("处理 4 个工作簿：2 成功，2 无法读取")
    for name, words in (("bug", "ZeroDivisionError: boom"), ("crash", "处理进程意外退出")):
        doc = json.loads((out / name / "findings.json").read_text("utf-8"))
        assert [f["rule"] for f in doc["findings"]] == ["I001"] and words in doc["findings"][0]["message"]
    for name in ("fine1", "fine2"):
        assert len(list((out / name).iterdir())) == 3
    # without the hook the next run redoes the two failures (and only them)
    report = run(opts(inp, out))
    assert (report.processed, report.unreadable) == (2, 0)
    assert_complete(out, discover(inp))


# ---------------------------------------------------------------- killed mid-way
def _cli(inp: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--input",
        str(inp),
        "--output",
        str(out),
        "--jobs",
        "2",
        "--date",
        "2024-04-01",
        *extra,
    ]


def _wait_for_group_to_end(pgid: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    os.killpg(pgid, signal.SIGKILL)
    raise AssertionError("worker processes outlived the killed batch")


@pytest.mark.parametrize(("kill_after", "whom"), [(1, "all"), (12, "all"), (12, "main")])
def test_a_run_killed_mid_way_is_repaired_by_the_next_run(tmp_path, kill_after, whom):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    for i in range(30):
        shutil.copyfile(EXAMPLE, inp / f"子洲_{i:02d}.xlsx")
    (inp / "子洲_99.xlsx").write_bytes(EXAMPLE.read_bytes()[:5000])  # a damaged copy among them
    proc = subprocess.Popen(
        _cli(inp, out, "--force"),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/findings.json"))) < kill_after and time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be killed"
        time.sleep(0.01)
    if whom == "all":
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and every worker, at once
    else:
        os.kill(proc.pid, signal.SIGKILL)  # the batch only: its workers must not outlive it
    proc.wait()
    _wait_for_group_to_end(proc.pid)
    assert len(list(out.glob("*/findings.json"))) < 31, "the run finished before it was killed"

    done = subprocess.run(_cli(inp, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "处理 31 个工作簿" in done.stdout
    assert_complete(out, discover(inp))
    # and the repaired state is a clean one: nothing left to do
    again = subprocess.run(_cli(inp, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "（31 个未变化" in again.stdout


# ---------------------------------------------------------------- archive index
def test_archive_index_says_what_produced_what(folder, tmp_path):
    out = tmp_path / "output"
    assert archive_index(out) == []
    run(opts(folder, out))
    entries = archive_index(out)
    assert [e["input"] for e in entries] == [*(p.name for p in discover(folder)), "（全部输入）"]
    for e in entries:
        assert e["version"] and e["time"] and e["outputs"]
        for o in e["outputs"]:
            assert sha256_of(out / o["path"]) == o["sha256"]
    assert (out / FILENAME).exists()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "archive-index", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "子洲.xlsx" in done.stdout


class _HalfWrite:
    """A file whose write stops half-way with the disk full (or the power gone)."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data: bytes) -> int:
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_a_write_that_fails_half_way_leaves_the_old_file_byte_for_byte(tmp_path, monkeypatch):
    """outputs.md: an interrupted run never leaves a half-written file where a good one was."""
    old = b"PK\x03\x04 the good scored workbook of the last run " * 1000
    target = tmp_path / "甲_绩效自评表.xlsx"
    target.write_bytes(old)
    half_open = lambda *a, **k: _HalfWrite(open(*a, **k))  # noqa: E731, SIM115 - _HalfWrite closes it
    monkeypatch.setattr(files, "open", half_open, raising=False)
    with pytest.raises(OSError):
        atomic_write(target, b"the new one " * 5000)
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # and no temporary file left


@pytest.mark.parametrize("user", [None, "4"])
def test_the_batch_imports_numpy_without_openblas_threads_unless_the_user_set_them(user):
    # OpenBLAS starts one thread per core at numpy's import; the batch tables do no matrix products.
    code = (
        "import os, threading\n"
        "from pipeline.batch.runner import import_meanwhile\n"
        "import_meanwhile()\n"
        "[t.join() for t in threading.enumerate() if t.name == 'import-meanwhile']\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if user:
        env["OPENBLAS_NUM_THREADS"] = user
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == (user or "1")
