"""What the double-click launchers (生成报告.bat, 自查.bat) do, in Python so it can be tested.

    python tools/launch.py check-python       # the interpreter is new enough (also used by make)
    python tools/launch.py reports [ARGS]     # set up .venv if needed, then `pipeline run ARGS`
    python tools/launch.py check [FILE ...]   # set up .venv if needed, then `pipeline check FILE`

Run by whatever Python the launcher found (`py -3.11`, `py -3`, `python`), which may be too old
for the pipeline: this file uses nothing newer than Python 3.6 so that it can say so in one line.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WINDOWS = os.name == "nt"
# Stamps: make's (.[dev] installed) and the launcher's own (the pipeline only); either will do.
STAMPS = (".installed-stamp", ".installed-launcher-stamp")
DOWNLOAD = "https://www.python.org/downloads/"


def required_version(root=ROOT):
    """(3, 11) from pyproject.toml's requires-python: one source for which Python is needed."""
    with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
        found = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', fh.read(), re.M)
    return (int(found.group(1)), int(found.group(2))) if found else (3, 11)


def python_problem(version, required, executable, windows=WINDOWS):
    """One Chinese line saying which Python is needed and how to get it; None when this one will do."""
    if tuple(version[:2]) >= tuple(required):
        return None
    need = "{}.{}".format(*required)
    have = "{}.{}.{}".format(*version[:3])
    if ".venv" in executable:
        how = "这个 .venv 是用旧版 Python 建的：请删除 .venv 文件夹后重新运行"
    elif windows:
        how = f"请从 {DOWNLOAD} 下载安装 Python {need}（安装时勾选“Add python.exe to PATH”），然后重新双击"
    else:
        how = f"请安装 Python {need}（Debian/Ubuntu：sudo apt-get install python{need} python{need}-venv），然后重新运行（用 make 时：make reports PYTHON=python{need}）"
    return f"需要 Python {need} 或更高版本，当前 {executable} 是 {have}：{how}"


def venv_python(root=ROOT, windows=WINDOWS):
    if windows:
        return os.path.join(root, ".venv", "Scripts", "python.exe")
    return os.path.join(root, ".venv", "bin", "python")


def needs_install(root=ROOT):
    """True unless a stamp in .venv is newer than pyproject.toml (what make's stamp rule checks)."""
    changed = os.path.getmtime(os.path.join(root, "pyproject.toml"))
    for name in STAMPS:
        stamp = os.path.join(root, ".venv", name)
        if os.path.exists(stamp) and os.path.getmtime(stamp) >= changed:
            return False
    return True


def setup(root=ROOT, call=subprocess.call, python=sys.executable, windows=WINDOWS):
    """Create .venv and install the pipeline into it when needed; 0 or the exit code to stop with."""
    target = venv_python(root, windows)
    if not os.path.exists(target):
        say("首次运行：正在创建运行环境 .venv …")
        if call([python, "-m", "venv", os.path.join(root, ".venv")]) != 0 or not os.path.exists(target):
            say(
                "创建运行环境失败：请确认 Python 安装完整（Debian/Ubuntu 需另装 python3-venv），"
                "删除 .venv 文件夹后重试"
            )
            return 3
    if needs_install(root):
        say("正在安装所需程序（首次约需一两分钟，需要联网）…")
        pip = [target, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", root]
        if call(pip, cwd=root) != 0:
            say("安装失败（原因见上面 pip 的输出，多为网络不通）：请联网后重试，或请信息化人员配置 pip 镜像")
            return 3
        with open(os.path.join(root, ".venv", STAMPS[1]), "w"):
            pass
    return 0


def pipeline_commands(command, args, root=ROOT, windows=WINDOWS, ask=input):
    """The `python -m pipeline …` command lines a launcher runs."""
    python = venv_python(root, windows)
    if command == "reports":
        return [[python, "-m", "pipeline", "run", *args]]
    files = [a.strip().strip('"') for a in args if a.strip()]
    if not files:
        say("请把要自查的工作簿（.xlsx）拖到“自查.bat”的图标上；或现在把它拖进本窗口，再按回车：")
        try:
            answer = ask("")
        except EOFError:
            answer = ""
        # a path dragged into the window arrives quoted when it has spaces
        files = [f for f in re.findall(r'"([^"]+)"|(\S+)', answer) for f in f if f]
    if not files:
        say("没有收到工作簿，未做检查")
    # absolute: the pipeline runs in the project folder, not where a relative path was typed
    return [[python, "-m", "pipeline", "check", os.path.abspath(f)] for f in files]


def say(line):
    print(line, flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command not in ("check-python", "reports", "check"):
        say("用法：python tools/launch.py check-python | reports [参数] | check [工作簿 ...]")
        return 2
    problem = python_problem(sys.version_info, required_version(), sys.executable)
    if problem:
        say(problem)
        return 3
    if command == "check-python":
        return 0
    code = setup()
    if code:
        return code
    code = 0
    for line in pipeline_commands(command, args):
        code = max(code, run_child(line))
    return code


def run_child(line):
    """Run the pipeline in the project folder (its config.toml, input/, output/, wherever the
    launcher was started); Ctrl-C reaches the pipeline too (same console): this process only waits."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call(line, cwd=ROOT)
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    sys.exit(main())
