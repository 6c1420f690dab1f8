"""Issue 27: what stood between a clerk and a result, tried as a new user would. The commands run from
the project folder without --output (as the README shows them), messages that fit the system they
are read on, arguments that are not what a command takes, make clean, and whatever escapes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pipeline import __main__ as entry
from pipeline import cli
from pipeline.batch import run
from tests.builders import write_workbook
from tests.conftest import EXAMPLE, ROOT
from tests.test_batch import opts
from tests.test_decisions_e2e import DECISIONS, WAIVE, by_rule, decide, findings_json, reviewed_sheets, scored


def jixiao(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("错误：")
    return proc.stderr


@pytest.fixture
def office(tmp_path):
    """A project folder as the README sets it up: config.toml, input/, output/ with a reviewer's 豁免."""
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    write_workbook(inp / "审.xlsx", reviewed_sheets())
    shutil.copy(EXAMPLE, inp / "旁.xlsx")
    run(opts(inp, out))
    decide(scored(out), DECISIONS)
    run(opts(inp, out))
    return tmp_path


# ---------------------------------------------------------------- 1. decisions and export without --output
def test_decisions_and_export_work_from_the_project_folder_without_output(office):
    listed = jixiao("decisions", cwd=office)
    assert listed.returncode == 0, listed.stderr
    assert "P003" in listed.stdout and "豁免" in listed.stdout
    exported = jixiao("decisions", "--export", "审核处理记录.xlsx", cwd=office)  # the README's example
    assert exported.returncode == 0, exported.stderr
    wb = openpyxl.load_workbook(office / "审核处理记录.xlsx", read_only=True)
    assert len(list(wb.active.iter_rows(values_only=True))) == 1 + len(DECISIONS)
    wb.close()
    for fmt in ("csv",):
        done = jixiao("export", "导出", "--format", fmt, cwd=office)
        assert done.returncode == 0, done.stderr
        assert any((office / "导出").glob(f"*.{fmt}"))


def test_export_and_decisions_to_a_place_they_cannot_write_say_so_in_one_line(office):
    (office / "占位.txt").write_text("x")
    assert "不是目录" in one_error_line(jixiao("export", "占位.txt", cwd=office))
    assert "无法写入" in one_error_line(jixiao("export", "占位.txt/下面", cwd=office))
    line = one_error_line(jixiao("decisions", "--export", "没有这个目录/记录.xlsx", cwd=office))
    assert "无法写入" in line and "文件或目录不存在" in line


def test_decisions_of_an_output_folder_that_is_not_there_is_an_error_not_no_decisions(tmp_path):
    line = one_error_line(jixiao("decisions", "--output", tmp_path / "nonexist", cwd=tmp_path))
    assert "找不到输出目录" in line and "没有审核处理记录" not in line


# ---------------------------------------------------------------- 4. arguments a command does not take
def test_a_word_a_command_does_not_take_points_to_that_commands_help(tmp_path):
    proc = jixiao("run", "--foo", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.rstrip().endswith("run -h")


def test_check_says_it_takes_one_file_and_run_says_it_takes_none(tmp_path):
    proc = jixiao("check", "a.xlsx", "b.xlsx", cwd=tmp_path)
    assert proc.returncode == 2 and "一次检查一个工作簿" in proc.stderr and "b.xlsx" in proc.stderr
    proc = jixiao("run", "a.xlsx", cwd=tmp_path)
    assert proc.returncode == 2 and "不接收文件名" in proc.stderr and "check" in proc.stderr


def test_the_closing_line_names_the_workbooks_it_could_not_read(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(EXAMPLE, inp / "好.xlsx")
    for i in range(7):
        (inp / f"坏{i}.xlsx").write_bytes(b"PK\x03\x04 truncated")
    line = run(opts(inp, tmp_path / "out")).closing_line()
    assert "7 无法读取" in line and "坏0.xlsx、坏1.xlsx" in line and "等 7 个" in line
    assert "好.xlsx" not in line


# ---------------------------------------------------------------- 6. messages fit the system they are read on
def test_hints_name_the_windows_launcher_on_windows_and_make_elsewhere():
    assert "生成报告.bat" in cli._run_hint(windows=True) and "make" not in cli._run_hint(windows=True)
    assert "make reports" in cli._run_hint(windows=False)


def test_the_pyarrow_hint_is_a_command_that_works_on_windows_too(office):
    hook = office / "hook"
    hook.mkdir()
    (hook / "pyarrow.py").write_text("raise ImportError('no pyarrow here')\n")
    proc = jixiao(
        "export", "导出", "--format", "parquet", cwd=office, env={"PYTHONPATH": f"{hook}{os.pathsep}{ROOT}"}
    )
    line = one_error_line(proc)
    assert "-m pip install pyarrow" in line and "/bin/pip" not in line and "make" not in line


# ---------------------------------------------------------------- 7. make clean keeps the reviewers' work
def test_make_clean_runs_the_pipelines_clean():
    recipe = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "-m pipeline clean" in recipe and "rm -rf" not in recipe


def test_clean_keeps_the_manifest_and_what_a_reviewer_edited_and_decisions_survive(office):
    out = office / "output"
    edited = scored(out)
    decide(edited, {WAIVE: ("豁免", "简称，已核实")})  # after the last run: not yet read back
    done = jixiao("clean", cwd=office)
    assert done.returncode == 0, done.stderr
    assert "保留" in done.stdout and edited.name in done.stdout
    assert (out / ".manifest.sqlite").exists() and edited.exists()  # a reviewer's file
    assert not (out / "审" / "findings.json").exists() and not (out / "旁").exists()  # generated only
    rerun = jixiao("run", "--jobs", "1", "--date", "2024-04-01", cwd=office)
    assert rerun.returncode == 0, rerun.stderr
    decision = by_rule(findings_json(out), WAIVE[0])["decision"]
    assert (decision["state"], decision["note"]) == ("豁免", "简称，已核实")
    assert by_rule(findings_json(out), "P002")["decision"]["state"] == "确认"  # from the manifest
    listed = jixiao("decisions", cwd=office)
    assert "豁免" in listed.stdout and "没有审核处理记录" not in listed.stdout


def test_clean_without_a_manifest_deletes_nothing_and_says_why(tmp_path):
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "别人的.docx").write_text("x")
    done = jixiao("clean", "--output", tmp_path / "output", cwd=tmp_path)
    assert done.returncode == 0 and "未删除任何文件" in done.stdout
    assert (tmp_path / "output" / "别人的.docx").exists()


# ---------------------------------------------------------------- whatever escapes: one line and a log
def test_a_program_fault_is_one_chinese_line_naming_the_log_with_the_traceback(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    monkeypatch.chdir(tmp_path)  # the config here: the log goes to its output folder

    def broken(argv=None):
        raise AttributeError("'tuple' object has no attribute 'paths'")

    monkeypatch.setattr(cli, "main", broken)
    monkeypatch.setattr(sys, "argv", ["jixiao", "decisions"])
    assert entry.console() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("程序出错（AttributeError") and "Traceback" not in err
    [log] = (tmp_path / "output").glob("错误日志-*.log")
    assert str(log) in err and "Traceback" in log.read_text("utf-8") and "--debug" in err
    monkeypatch.setattr(sys, "argv", ["jixiao", "--debug", "decisions"])
    assert entry.console() == 2
    assert "Traceback" in capsys.readouterr().err  # shown too with --debug


def test_a_full_disk_and_memory_are_said_as_what_they_are():
    assert "磁盘空间不足" in entry.cause(OSError(28, "No space left on device", "output/x"))
    assert "内存不足" in entry.cause(MemoryError())


def test_the_console_command_catches_a_real_fault_end_to_end(tmp_path):
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import pipeline.cli as c\ndef boom(a):\n    raise ValueError('boom')\nc._rules = boom\n"
    )
    proc = jixiao("rules", cwd=tmp_path, env={"PYTHONPATH": f"{hook}{os.pathsep}{ROOT}"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "ValueError: boom" in proc.stderr
    assert list((tmp_path / "output").glob("错误日志-*.log"))
