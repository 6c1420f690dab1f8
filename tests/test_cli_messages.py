"""What a person reads from the command line (issue 18, points 3-5): which config is used and how it
is read, argparse in Chinese, OS errors in Chinese, hints that name a command that works, the
closing line, an empty input folder, a WPS file."""

import errno
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.config import PROJECT_DIR, ConfigError, Settings, find_config, load_settings
from pipeline.load import load
from pipeline.messages import os_reason
from tests.conftest import EXAMPLE, ROOT

# argparse's own English, as it appears in its messages and help (Python 3.11-3.13)
ARGPARSE_ENGLISH = re.compile(
    r"usage:|positional arguments|options:|optional arguments|show this help|the following arguments|"
    r"invalid \w+ value|invalid choice|unrecognized arguments|expected one argument|error:|argument "
)


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


# ---------------------------------------------------------------- 3. which config, and how it is read
def test_config_is_found_here_else_next_to_the_project_else_defaults(tmp_path):
    assert PROJECT_DIR == ROOT
    assert find_config(None, cwd=tmp_path) == ROOT / "config.toml"
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert find_config(None, cwd=tmp_path) == tmp_path / "config.toml"
    assert find_config(tmp_path / "config.toml") == tmp_path / "config.toml"


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_an_explicit_config_that_is_not_a_file_is_refused(tmp_path, what):
    path = tmp_path / "county.toml"
    if what == "folder":
        path.mkdir()
    with pytest.raises(ConfigError, match="--config 指定的配置文件"):
        find_config(path)
    proc = run("run", "--config", path, "--input", tmp_path, "--output", tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.startswith("错误：--config 指定的配置文件")
    assert not (tmp_path / "out").exists()


def test_a_run_from_another_folder_uses_the_projects_config_and_says_so_first(tmp_path):
    out = tmp_path / "out"
    proc = run("run", "--output", out, "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == f"使用配置文件 {ROOT / 'config.toml'}"
    # paths.input = "input" is read next to that config.toml, not in the current folder
    assert (out / EXAMPLE.stem / "findings.json").exists()


def test_relative_paths_in_a_config_start_from_its_folder(tmp_path):
    county = tmp_path / "county"
    (county / "收件").mkdir(parents=True)
    shutil.copy(EXAMPLE, county / "收件" / "a.xlsx")
    (county / "config.toml").write_text('[paths]\ninput = "收件"\noutput = "结果"\n', encoding="utf-8")
    proc = run("run", "--config", county / "config.toml", "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (county / "结果" / "a" / "findings.json").exists()


def test_the_approved_targets_folder_starts_from_the_configs_folder(tmp_path):
    county = tmp_path / "county"
    (county / "收件").mkdir(parents=True)
    (county / "批复").mkdir()
    shutil.copy(EXAMPLE, county / "收件" / "a.xlsx")
    shutil.copy(ROOT / "input_templates" / "批复绩效目标模板.xlsx", county / "批复" / "2021.xlsx")
    config = '[paths]\ninput = "收件"\noutput = "结果"\napproved_targets = "批复"\n'
    (county / "config.toml").write_text(config, encoding="utf-8")
    proc = run("run", "--config", county / "config.toml", "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "不做目标对照" not in proc.stderr
    assert '"X007"' in (county / "结果" / "a" / "findings.json").read_text("utf-8")


def test_without_any_config_the_run_says_it_uses_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.config.PROJECT_DIR", tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    settings, base = cli._settings(None, announce=False)
    assert settings == Settings() and base == Path()


_DEFAULTS = (ROOT / "config.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_a_config_saved_by_notepad_with_a_bom_is_read(tmp_path, encoding, prefix):
    path = tmp_path / "config.toml"
    path.write_bytes(prefix + _DEFAULTS.encode(encoding))
    assert load_settings(path).qualitative == load_settings(ROOT / "config.toml").qualitative
    assert load_settings(path).fingerprint != load_settings(ROOT / "config.toml").fingerprint  # its bytes


def test_a_gbk_config_is_refused_with_one_line_saying_save_as_utf8(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(_DEFAULTS.encode("gbk"))
    with pytest.raises(ConfigError, match="请另存为 UTF-8") as caught:
        load_settings(path)
    assert "\n" not in str(caught.value)
    proc = run("check", "--config", path, EXAMPLE)
    assert proc.returncode == 2 and "请另存为 UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def test_a_toml_syntax_error_is_placed_in_chinese(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[grades]\nexcellent = = 90\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第 2 行第 13 列附近有格式错误"):
        load_settings(path)


# ---------------------------------------------------------------- 4. argparse and the OS, in Chinese
def test_help_is_in_chinese_everywhere():
    for args in ((), ("run",), ("check",), ("template",), ("archive-index",)):
        proc = run(*args, "-h")
        assert proc.returncode == 0
        assert not ARGPARSE_ENGLISH.search(proc.stdout), proc.stdout
        assert proc.stdout.startswith("用法：") and "选项：" in proc.stdout
        # the help column lines up on screen, where a Chinese character is two columns wide
        rows = [m for line in proc.stdout.splitlines() if (m := re.match(r"^(  \S.*?)( {2,})\S", line))]
        assert len({cli._width(m[1]) + len(m[2]) for m in rows}) == 1, proc.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("run", "--jobs", "-1"), "进程数 -1 无效：请写 1 到 61 之间的整数"),
        (("run", "--jobs", "999"), "进程数 999 无效：请写 1 到 61 之间的整数"),
        (("run", "--jobs", "two"), "进程数 two 无效"),
        (("run", "--jobs", "0"), "不写 --jobs 即按核数"),
        (("run", "--date", "2026-13-01"), "日期 2026-13-01 无效：请写成 年-月-日，如 2026-04-30"),
        (("check",), "缺少必需的参数：工作簿"),
        (("runn",), "没有 'runn' 这一项（可选："),
        (("run", "--bogus"), "无法识别的参数：--bogus"),
        (("run", "--input"), "参数 --input：需要一个值"),
    ],
)
def test_usage_errors_are_chinese_and_say_what_to_write(args, words):
    proc = run(*args)
    assert proc.returncode == 2
    assert words in proc.stderr, proc.stderr
    assert not ARGPARSE_ENGLISH.search(proc.stderr), proc.stderr
    assert proc.stderr.startswith("用法：") and f"查看全部参数：{proc.stderr.split()[0][3:]}" in proc.stderr


def test_argparse_is_left_english_for_everyone_else():
    import argparse

    cli._parser().format_help()
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOENT, "文件或目录不存在"),
        (errno.EACCES, "被其他程序（如 Excel、WPS）占用"),
        (errno.ENOSPC, "磁盘空间不足"),
        (errno.EROFS, "只读"),
    ],
)
def test_os_errors_are_said_in_chinese(code, words):
    assert words in os_reason(OSError(code, os.strerror(code)))


def test_a_windows_sharing_violation_says_the_file_is_open_elsewhere():
    error = PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。")
    error.winerror = 32
    assert os_reason(error) == "文件正被其他程序（如 Excel、WPS）占用"


def test_a_workbook_that_cannot_be_opened_says_why_in_chinese(tmp_path):
    loaded = load(tmp_path / "gone.xlsx", Settings())
    [finding] = loaded.findings
    assert finding.message.startswith("无法打开文件（文件或目录不存在）")
    assert "No such file" not in finding.message


def test_the_hint_names_a_command_that_really_works(tmp_path):
    proc = run("check", tmp_path)
    assert proc.returncode == 2
    hint = re.search(r"请用 (.+) run --input", proc.stderr)
    assert hint, proc.stderr
    works = subprocess.run(
        [*shlex.split(hint[1]), "rules"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert works.returncode == 0 and "| P001 |" in works.stdout


def test_the_console_command_names_itself(monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(Path(sys.executable).parent / "jixiao")])
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=os.pathsep)
    assert cli.command() == "jixiao"
    monkeypatch.setattr(sys, "argv", ["/x/pipeline/__main__.py"])
    assert cli.command().endswith(" -m pipeline") and "python" in cli.command()


# ---------------------------------------------------------------- 5. the closing line, empty input, WPS
def test_the_closing_line_says_where_the_results_are(tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "in" / "a.xlsx")
    proc = run("run", "--jobs", "1", "--input", "in", "--output", "结果", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("处理 1 个工作簿") and last.endswith(
        f"；结果在 结果{os.sep}，汇总见 {Path('结果', '审核汇总.xlsx')}"
    )


@pytest.mark.parametrize("subfolders", [[], ["2021年", "收件箱"]])
def test_an_empty_input_folder_says_what_to_put_there(tmp_path, subfolders):
    inp = tmp_path / "input"
    inp.mkdir()
    for name in subfolders:
        (inp / name).mkdir()
        shutil.copy(EXAMPLE, inp / name / "a.xlsx")
    (inp / "说明.txt").write_text("x", encoding="utf-8")
    proc = run("run", "--input", inp, "--output", tmp_path / "out")
    assert proc.returncode == 0
    line = proc.stdout.strip()
    assert line.startswith(f"输入目录 {inp} 中没有工作簿：请把各单位填好的工作簿（.xlsx）直接放进这个目录")
    assert ("子文件夹中的文件不会被处理，找到子文件夹：2021年、收件箱" in line) == bool(subfolders)


@pytest.mark.parametrize("suffix", [".et", ".ett"])
def test_a_wps_file_is_named_as_such(tmp_path, suffix):
    path = tmp_path / f"项目{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)  # WPS saves OLE2, like .xls
    [finding] = load(path, Settings()).findings
    assert finding.rule == "I001" and "WPS 表格文件" in finding.message and "另存为" in finding.message
    assert "旧版 .xls" not in finding.message
