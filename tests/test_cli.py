"""The command line as staff and their IT person use it: messages that say what to do, exit codes."""

import shutil
import subprocess
import sys

import pytest

from tests.builders import clean_sheets, write_workbook
from tests.conftest import EXAMPLE, ROOT


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_check_prints_findings_grouped_by_severity_with_cells():
    proc = cli("check", EXAMPLE)
    assert proc.returncode == 0
    out = proc.stdout
    assert "复核总分 94.55 分，等级“优”" in out
    assert out.index("【错误】") < out.index("【警告】") < out.index("【提示】")
    assert "S011  项目信息!B13" in out and "P006  支付明细!D5" in out


def test_check_strict_exits_1_when_there_is_an_error():
    assert cli("check", "--strict", EXAMPLE).returncode == 1


def test_check_strict_exits_0_on_a_clean_workbook(tmp_path):
    path = write_workbook(tmp_path / "clean.xlsx", clean_sheets())
    proc = cli("check", "--strict", path)
    assert proc.returncode == 0, proc.stdout
    assert "【错误】" not in proc.stdout


@pytest.mark.parametrize("where", ["missing.xlsx", "."])
def test_check_a_wrong_path_is_one_line_and_exit_2(where):
    proc = cli("check", where)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("错误：")
    assert "Traceback" not in proc.stderr


def test_check_a_broken_file_is_a_finding_not_a_crash(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    proc = cli("check", path)
    assert proc.returncode == 0
    assert "I001" in proc.stdout and "Traceback" not in proc.stderr


def test_run_with_a_missing_input_folder_exits_2_saying_what_to_do(tmp_path):
    proc = cli("run", "--input", tmp_path / "nope", "--output", tmp_path / "out")
    assert proc.returncode == 2
    first, error = proc.stderr.splitlines()  # which config, then one line saying what is wrong
    assert first == "使用配置文件 config.toml" and error.startswith("错误：找不到输入目录")
    assert not (tmp_path / "out").exists()


def test_run_strict_exits_1_when_a_workbook_has_an_error_and_writes_everything(tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "in" / EXAMPLE.name)
    proc = cli("run", "--strict", "--jobs", "1", "--input", tmp_path / "in", "--output", tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stdout.startswith("处理 1 个工作簿：1 成功，0 无法读取；错误 3 条，警告 10 条；用时")
    folder = tmp_path / "out" / EXAMPLE.stem
    assert (folder / "findings.json").exists()
    assert (
        len(list(folder.glob("*_绩效自评表.xlsx"))) == 1
        and len(list(folder.glob("*_绩效自评报告.docx"))) == 1
    )
    assert (tmp_path / "out" / "审核汇总.xlsx").exists() and (tmp_path / "out" / "findings.csv").exists()


def test_rules_prints_the_catalogue():
    proc = cli("rules")
    assert proc.returncode == 0 and "| P001 | 错误 |" in proc.stdout


def test_no_command_shows_help_and_exits_2():
    proc = cli()
    assert proc.returncode == 2 and "run" in proc.stdout
