"""Windows without make (issue 18, points 1-2): the console command, the double-click launchers and
tools/launch.py, which holds their logic so that it can run here. cmd.exe itself cannot run here:
what these tests check of the .bat files is what cmd.exe needs of them (CRLF, ASCII until chcp)."""

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT

_spec = importlib.util.spec_from_file_location("launch", ROOT / "tools" / "launch.py")
launch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launch)

LAUNCHERS = {"生成报告.bat": "reports", "自查.bat": "check"}


# ---------------------------------------------------------------- the .bat files
@pytest.mark.parametrize(("name", "command"), LAUNCHERS.items())
def test_a_launcher_is_what_cmd_exe_can_read_and_runs_the_python_part(name, command):
    data = (ROOT / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), "a BOM makes cmd.exe choke on the first line"
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines), "every line ends in CRLF (LF alone breaks labels and goto)"
    chcp = lines.index(b"chcp 65001 >nul")
    assert all(line.isascii() for line in lines[:chcp]), "nothing but ASCII before the code page is UTF-8"
    text = data.decode("utf-8")
    assert f"%PY% tools\\launch.py {command} %*" in text
    # the project folder, wherever the file was double-clicked from (pushd: a network share too)
    assert 'pushd "%~dp0" 2>nul || goto nofolder' in text and "\ncd /d" not in text
    assert text.index("py -3.11") < text.index("py -3 ") < text.index("python -c")
    assert "pause" in text  # the window stays open with the closing line


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout (an unpacked offline bundle)")
def test_git_keeps_the_launchers_crlf_whatever_the_platform():
    for name in LAUNCHERS:
        attrs = subprocess.run(
            ["git", "check-attr", "eol", "text", "--", name], cwd=ROOT, capture_output=True, text=True
        ).stdout
        assert attrs.count(": eol: crlf") == 1 and attrs.count(": text: set") == 1, attrs


# ---------------------------------------------------------------- the console command
def test_pyproject_declares_the_console_command_and_it_runs_from_another_folder(tmp_path):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts == {"jixiao": "pipeline.__main__:console"}
    jixiao = Path(sys.executable).parent / ("jixiao.exe" if os.name == "nt" else "jixiao")
    assert jixiao.exists(), "make installs the package into .venv, with its console command"
    proc = subprocess.run(
        [jixiao, "check", EXAMPLE], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"使用配置文件 {ROOT / 'config.toml'}")
    assert "复核总分 94.55 分" in proc.stdout


# ---------------------------------------------------------------- tools/launch.py
def test_the_required_python_comes_from_pyproject():
    assert launch.required_version(ROOT) == (3, 11)
    assert (
        tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["requires-python"] == ">=3.11"
    )


@pytest.mark.parametrize("windows", [True, False])
def test_an_old_python_gets_one_chinese_line_saying_which_and_how(windows):
    line = launch.python_problem((3, 10, 13), (3, 11), "C:\\Python310\\python.exe", windows=windows)
    assert "\n" not in line and line.startswith(
        "需要 Python 3.11 或更高版本，当前 C:\\Python310\\python.exe 是 3.10.13"
    )
    assert ("python.org" in line) == windows and ("PYTHON=python3.11" in line) != windows
    assert launch.python_problem((3, 11, 0), (3, 11), "python") is None
    assert launch.python_problem((3, 13, 1), (3, 11), "python") is None
    assert "删除 .venv" in launch.python_problem((3, 10, 1), (3, 11), "/p/.venv/bin/python")


def _old_python() -> str | None:
    for name in ("python3.10", "python3.9", "python3.8"):
        found = shutil.which(name)
        if found and subprocess.run([found, "-c", ""], capture_output=True).returncode == 0:
            return found
    for version in ("3.10", "3.9", "3.8"):
        for found in Path("/root/.pyenv/versions").glob(f"{version}*/bin/python"):
            return str(found)
    return None


@pytest.mark.skipif(_old_python() is None, reason="no Python older than 3.11 on this machine")
def test_make_and_the_launcher_stop_at_once_on_an_old_python(tmp_path):
    old = _old_python()
    proc = subprocess.run(
        [old, ROOT / "tools" / "launch.py", "reports"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3 and proc.stdout.count("\n") == 1 and "需要 Python 3.11" in proc.stdout
    venv = tmp_path / "venv"
    proc = subprocess.run(
        ["make", "-s", "reports", f"PYTHON={old}", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "需要 Python 3.11" in proc.stdout
    assert not venv.exists(), "nothing installed: the version is checked before pip"


class Calls:
    """Stands in for subprocess.call: records the command lines, plays venv and pip."""

    def __init__(self, root: Path, codes=()):
        self.root, self.codes, self.lines = root, list(codes), []

    def __call__(self, line, cwd=None, stdout=None, stderr=None):
        if line[1:] == ["-m", "pip", "--version"]:  # the venv is complete when its python has pip
            return 0 if Path(line[0]).exists() and not (self.root / "no-pip").exists() else 1
        self.lines.append([str(x) for x in line])
        code = self.codes.pop(0) if self.codes else 0
        if line[1:3] == ["-m", "venv"] and code == 0:
            python = Path(launch.venv_python(str(self.root)))
            python.parent.mkdir(parents=True)
            python.write_text("")
        return code


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('requires-python = ">=3.11"\n')
    return tmp_path


def test_setup_creates_the_venv_installs_once_and_then_only_runs(tmp_path):
    root = _project(tmp_path)
    calls = Calls(root)
    assert launch.setup(str(root), calls, "py311") == 0
    assert calls.lines[0] == ["py311", "-m", "venv", str(root / ".venv")]
    assert calls.lines[1][:3] == [launch.venv_python(str(root)), "-m", "pip"] and calls.lines[1][-2:] == [
        "-e",
        str(root),
    ]
    again = Calls(root)
    assert launch.setup(str(root), again, "py311") == 0 and again.lines == []  # stamp is fresh
    os.utime(root / "pyproject.toml", (2e9, 2e9))  # pyproject changed: install again
    assert launch.setup(str(root), again, "py311") == 0 and [line[2] for line in again.lines] == ["pip"]


def test_a_stamp_left_by_make_counts(tmp_path):
    root = _project(tmp_path)
    python = Path(launch.venv_python(str(root)))
    python.parent.mkdir(parents=True)
    python.write_text("")
    (root / ".venv" / ".installed-stamp").write_text("")
    calls = Calls(root)
    assert launch.setup(str(root), calls, "py") == 0 and calls.lines == []


@pytest.mark.parametrize(("codes", "words"), [([1], "创建运行环境失败"), ([0, 1], "安装失败")])
def test_a_failed_set_up_stops_with_a_chinese_line(tmp_path, capsys, codes, words):
    root = _project(tmp_path)
    assert launch.setup(str(root), Calls(root, codes), "py") == 3
    assert words in capsys.readouterr().out
    assert not (root / ".venv" / launch.STAMPS[1]).exists()


def test_the_commands_a_launcher_runs(tmp_path):
    py = launch.venv_python(str(tmp_path), windows=True)
    assert py.endswith(os.path.join(".venv", "Scripts", "python.exe"))
    assert launch.pipeline_commands("reports", [], str(tmp_path), windows=True) == [
        [py, "-m", "pipeline", "run"]
    ]
    dropped = launch.pipeline_commands("check", ["C:\\单位\\a.xlsx", "b.xlsx"], str(tmp_path), windows=True)
    assert [c[3:] for c in dropped] == [
        ["check", os.path.abspath("C:\\单位\\a.xlsx")],
        ["check", os.path.abspath("b.xlsx")],
    ]


def test_check_without_a_dropped_file_asks_for_one_and_takes_a_pasted_path(tmp_path, capsys):
    answer = '"C:\\My Files\\项目 一.xlsx" D:\\b.xlsx'
    lines = launch.pipeline_commands("check", [], str(tmp_path), windows=True, ask=lambda _: answer)
    assert [c[4] for c in lines] == [
        os.path.abspath("C:\\My Files\\项目 一.xlsx"),
        os.path.abspath("D:\\b.xlsx"),
    ]
    assert "拖" in capsys.readouterr().out
    assert launch.pipeline_commands("check", [], str(tmp_path), ask=lambda _: "") == []
    assert "没有收到工作簿" in capsys.readouterr().out


def test_the_launcher_checks_a_dropped_workbook_from_another_folder(tmp_path):
    """The whole Python part as 自查.bat runs it (the project's .venv is set up: no pip)."""
    shutil.copy(EXAMPLE, tmp_path / "我的 项目.xlsx")
    proc = subprocess.run(
        [sys.executable, ROOT / "tools" / "launch.py", "check", "我的 项目.xlsx"],  # relative to cwd
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "复核总分 94.55 分" in proc.stdout and "使用配置文件 config.toml" in proc.stderr


# ---------------------------------------------------------------- issue 27: offline, interrupted, impatient
def test_with_a_wheels_folder_the_install_uses_it_and_no_network_and_says_so(tmp_path, capsys):
    root = _project(tmp_path)
    (root / "wheels").mkdir()
    calls = Calls(root)
    assert launch.setup(str(root), calls, "py311") == 0
    pip = calls.lines[-1]
    assert pip[pip.index("--no-index") + 1 :][:2] == ["--find-links", str(root / "wheels")]
    assert "离线安装" in capsys.readouterr().out


def test_make_installs_the_test_tools_from_wheels_too(tmp_path):
    root = _project(tmp_path)
    (root / "wheels").mkdir()
    calls = Calls(root)
    assert launch.setup(str(root), calls, "py311", dev=True) == 0
    assert calls.lines[-1][-2:] == ["-e", f"{root}[dev]"] and "--no-index" in calls.lines[-1]
    assert (root / ".venv" / ".installed-stamp").exists()
    recipe = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed-stamp"], cwd=ROOT, capture_output=True, text=True
    )
    assert "tools/launch.py setup --dev" in recipe.stdout  # make sets up through the same code


def test_a_venv_an_interrupted_first_run_left_without_pip_is_rebuilt_saying_so(tmp_path, capsys):
    root = _project(tmp_path)
    calls = Calls(root)
    assert launch.setup(str(root), calls, "py311") == 0  # the first run
    (root / ".venv" / launch.STAMPS[1]).unlink()  # interrupted before the stamp …
    (root / "no-pip").write_text("")  # … while venv was still creating pip
    (root / ".venv" / "leftover").write_text("")
    capsys.readouterr()
    again = Calls(root)
    (root / "no-pip").unlink()  # the rebuilt one has pip
    os.rename(root / ".venv", root / ".venv-half")
    shutil.copytree(root / ".venv-half", root / ".venv")
    (root / "no-pip").write_text("")

    def pip_comes_back(line, cwd=None, stdout=None, stderr=None):
        if line[1:3] == ["-m", "venv"]:
            (root / "no-pip").unlink()
        return again(line, cwd, stdout, stderr)

    assert launch.setup(str(root), pip_comes_back, "py311") == 0
    assert "不完整" in capsys.readouterr().out
    assert [line[1:3] for line in again.lines] == [["-m", "venv"], ["-m", "pip"]]
    assert not (root / ".venv" / "leftover").exists()  # the half-built one was deleted first


def test_a_real_venv_without_pip_is_seen_as_half_built(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "v"], check=True)
    python = launch.venv_python(str(tmp_path), venv=str(tmp_path / "v"))
    assert os.path.exists(python) and not launch._has_pip(python, subprocess.call)
    assert launch._has_pip(sys.executable, subprocess.call)


def test_the_launchers_use_a_venv_only_once_its_install_finished():
    for name in LAUNCHERS:
        text = (ROOT / name).read_bytes().decode("utf-8")
        assert 'if defined READY if exist ".venv\\Scripts\\python.exe"' in text
        assert text.index(".installed-launcher-stamp") < text.index("py -3.11 -c")


def test_a_second_window_waits_for_the_first_ones_install(tmp_path, capsys):
    root = _project(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
            "from pipeline.lockfile import holding\n"
            "with holding(Path(sys.argv[2])):\n print('held', flush=True); time.sleep(2)",
            str(ROOT),
            str(root / launch.LOCK),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"
    started = time.monotonic()
    with launch.install_lock(str(root), wait=60, pause=0.1):
        waited = time.monotonic() - started
    holder.wait()
    holder.stdout.close()
    assert waited > 0.5 and "另一个窗口正在安装" in capsys.readouterr().out
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
            "from pipeline.lockfile import holding\nwith holding(Path(sys.argv[2])): time.sleep(30)",
            str(ROOT),
            str(root / launch.LOCK),
        ],
    )
    time.sleep(1)
    try:
        with pytest.raises(launch.Waited), launch.install_lock(str(root), wait=0.3, pause=0.1):
            pass
    finally:
        holder.kill()
        holder.wait()
    with launch.install_lock(str(root), wait=0):  # a killed holder holds nothing
        pass


def test_ctrl_c_during_the_first_install_is_one_line(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(launch, "setup", interrupted)
    assert launch.main(["reports"]) == 130
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "已中断安装" in out


@pytest.mark.parametrize("offline", [True, False])
def test_a_failed_install_says_the_likely_cause_for_how_it_installed(offline):
    line = launch.install_failed(offline)
    assert ("wheels" in line and "联网" not in line) if offline else ("联网" in line and "离线安装包" in line)


def test_a_32_bit_python_is_told_before_anything_is_installed():
    line = launch.python_problem((3, 12, 4), (3, 11), "C:\\Python312-32\\python.exe", windows=True, bits=32)
    assert "32 位" in line and "64 位" in line and "\n" not in line
    assert launch.python_problem((3, 12, 4), (3, 11), "python", bits=64) is None


def test_a_python_the_bundles_wheels_do_not_serve_is_told_which_ones_do(tmp_path):
    for name in (
        "pandas-3.1.1-cp311-cp311-win_amd64.whl",
        "pandas-3.1.1-cp313-cp313-win_amd64.whl",
        "x-1-py3-none-any.whl",
    ):
        (tmp_path / name).write_text("")
    line = launch.wheels_problem(str(tmp_path), (3, 14), windows=True)
    assert "3.11、3.13" in line and "3.14" in line
    assert launch.wheels_problem(str(tmp_path), (3, 13), windows=True) is None


def test_a_workbook_dropped_on_the_reports_launcher_says_where_it_goes(tmp_path, capsys):
    dropped = shutil.copy(EXAMPLE, tmp_path / "单位.xlsx")
    assert launch.main(["reports", str(dropped)]) == 2
    out = capsys.readouterr().out
    assert "input" in out and "自查.bat" in out and "无法识别" not in out


def test_opened_inside_a_zip_or_on_a_share_the_launcher_says_what_to_do():
    for name in LAUNCHERS:
        text = (ROOT / name).read_bytes().decode("utf-8")
        assert 'if not exist "tools\\launch.py" goto unzipped' in text
        assert text.index("goto unzipped") < text.index("call :findpython")
        assert "全部解压缩" in text and "复制到本机磁盘" in text
