"""What the double-click launchers (生成报告.bat, 自查.bat) do, in Python so it can be tested.

    python tools/launch.py check-python       # the interpreter is new enough (also used by make)
    python tools/launch.py setup [--dev] [--venv DIR]   # make's set-up: .venv, with the test tools
    python tools/launch.py reports [ARGS]     # set up .venv if needed, then `pipeline run ARGS`
    python tools/launch.py check [FILE ...]   # set up .venv if needed, then `pipeline check FILE`

The set-up installs from `wheels/` with no network when the folder is there (`make bundle`), holds a
lock so that a second window waits for the first, and rebuilds a .venv that an interrupted first run
left without pip.

Run by whatever Python the launcher found (`py -3.11`, `py -3`, `python`), which may be too old
for the pipeline: this file uses nothing newer than Python 3.6 so that it can say so in one line.
"""

import contextlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WINDOWS = os.name == "nt"
# Stamps: make's (.[dev] installed) and the launcher's own (the pipeline only); either will do.
STAMPS = (".installed-stamp", ".installed-launcher-stamp")
DOWNLOAD = "https://www.python.org/downloads/"
BITS = struct.calcsize("P") * 8  # 32 or 64
WHEELS = "wheels"  # the offline bundle's dependencies (pipeline/bundle.py)
LOCK = ".venv.lock"  # beside .venv, not in it: a .venv being rebuilt is deleted
WAIT_SECONDS = 15 * 60  # how long a second window waits for the first one's install


def required_version(root=ROOT):
    """(3, 11) from pyproject.toml's requires-python: one source for which Python is needed."""
    with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
        found = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', fh.read(), re.M)
    return (int(found.group(1)), int(found.group(2))) if found else (3, 11)


def python_problem(version, required, executable, windows=WINDOWS, bits=BITS):
    """One Chinese line saying which Python is needed and how to get it; None when this one will do."""
    need = "{}.{}".format(*required)
    if tuple(version[:2]) >= tuple(required) and bits == 64:
        return None
    if bits != 64:  # pandas, numpy, lxml publish no 32-bit wheels: pip would try to compile them
        return (
            f"当前 {executable} 是 32 位 Python，所需的 pandas 等没有 32 位安装包：请卸载它，"
            f"改装 64 位 Python {need} 或更高版本（见 README“安装 Python”），然后重新运行"
        )
    have = "{}.{}.{}".format(*version[:3])
    if ".venv" in executable:
        how = "这个 .venv 是用旧版 Python 建的：请删除 .venv 文件夹后重新运行"
    elif windows:
        how = f"请从 {DOWNLOAD} 安装 64 位 Python {need} 或更高版本（见 README“安装 Python”），然后重新双击"
    else:
        how = f"请安装 Python {need}（Debian/Ubuntu：sudo apt-get install python{need} python{need}-venv），然后重新运行（用 make 时：make reports PYTHON=python{need}）"
    return f"需要 Python {need} 或更高版本，当前 {executable} 是 {have}：{how}"


def venv_python(root=ROOT, windows=WINDOWS, venv=None):
    venv = venv or os.path.join(root, ".venv")
    if windows:
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def needs_install(root=ROOT, venv=None, stamps=STAMPS):
    """True unless a stamp in .venv is newer than pyproject.toml (what make's stamp rule checks)."""
    venv = venv or os.path.join(root, ".venv")
    changed = os.path.getmtime(os.path.join(root, "pyproject.toml"))
    for name in stamps:
        stamp = os.path.join(venv, name)
        if os.path.exists(stamp) and os.path.getmtime(stamp) >= changed:
            return False
    return True


def setup(root=ROOT, call=subprocess.call, python=sys.executable, windows=WINDOWS, dev=False, venv=None):
    """Create .venv and install the pipeline into it when needed; 0 or the exit code to stop with.
    One window at a time: a second one waits here for the first one's install to end."""
    venv = venv or os.path.join(root, ".venv")
    stamps = STAMPS[:1] if dev else STAMPS
    if not needs_install(root, venv, stamps):
        return 0
    try:
        with install_lock(root):
            if not needs_install(root, venv, stamps):  # the other window did it meanwhile
                return 0
            return _install(root, call, python, windows, dev, venv)
    except Waited:
        say(f"另一个窗口的安装已超过 {WAIT_SECONDS // 60} 分钟仍未结束：请关闭那个窗口后重新双击")
        return 3


def _install(root, call, python, windows, dev, venv):
    target = venv_python(root, windows, venv)
    if os.path.exists(venv) and not _has_pip(target, call):
        if _inside(venv):
            say(f"运行环境 {venv} 不完整（上次安装被中断）：请关闭本窗口，删除 .venv 文件夹后重新双击")
            return 3
        say("运行环境 .venv 不完整（上次安装被中断），正在删除并重建 …")
        shutil.rmtree(venv, ignore_errors=True)
        if os.path.exists(venv):
            say(f"无法删除不完整的运行环境 {venv}：请关闭使用它的窗口和程序，手工删除该文件夹后重试")
            return 3
    if not os.path.exists(target):
        say("首次运行：正在创建运行环境 .venv …")
        if call([python, "-m", "venv", venv]) != 0 or not _has_pip(target, call):
            shutil.rmtree(venv, ignore_errors=True)  # never leave a .venv without pip behind
            say("创建运行环境失败：请确认 Python 安装完整（Debian/Ubuntu 需另装 python3-venv），然后重试")
            return 3
    wheels = os.path.join(root, WHEELS)
    offline = os.path.isdir(wheels)
    if offline:
        problem = wheels_problem(wheels, sys.version_info, windows)
        if problem:
            say(problem)
            return 3
        say(f"正在从 {WHEELS} 文件夹离线安装所需程序（不需要联网，首次约需一两分钟）…")
        source = ["--no-index", "--find-links", wheels]
    else:
        say("正在安装所需程序（首次约需一两分钟，需要联网）…")
        source = []
    what = root + "[dev]" if dev else root
    pip = [target, "-m", "pip", "install", "-q", "--disable-pip-version-check", *source, "-e", what]
    if call(pip, cwd=root) != 0:
        say(install_failed(offline))
        return 3
    with open(os.path.join(venv, STAMPS[0] if dev else STAMPS[1]), "w"):
        pass
    say("安装完成。")
    return 0


def _has_pip(target, call):
    """The venv's python exists and can run pip: what an interrupted `python -m venv` lacks."""
    if not os.path.exists(target):
        return False
    with open(os.devnull, "w") as quiet:
        return call([target, "-m", "pip", "--version"], stdout=quiet, stderr=quiet) == 0


def _inside(venv):
    """This very interpreter runs from venv (Windows cannot delete a running python.exe)."""
    return os.path.realpath(sys.prefix) == os.path.realpath(venv)


def wheels_problem(wheels, version, windows=WINDOWS):
    """The bundle's wheels are for some Pythons only: one line when this one is not among them."""
    names = os.listdir(wheels)
    found = sorted({int(m.group(1)) for n in names for m in [re.search(r"-cp3(\d+)-cp3\1-", n)] if m})
    here = "win_amd64" if windows else {"darwin": "macosx"}.get(sys.platform, "linux")
    served = sorted({v for v in found if any(f"-cp3{v}-" in n and here in n for n in names)})
    if not served or version[1] in served:
        return None
    which = "、".join(f"3.{v}" for v in served)
    return (
        f"{WHEELS} 文件夹中的安装包只适用于 Python {which}，本机是 {version[0]}.{version[1]}："
        f"请安装 Python {which} 中的一个（见 README“安装 Python”），删除 .venv 文件夹后重新双击"
    )


def install_failed(offline):
    if offline:
        return (
            f"安装失败（原因见上面 pip 的输出）：{WHEELS} 文件夹可能不完整，请重新拷贝离线安装包"
            "并完整解压后重试"
        )
    return (
        "安装失败（原因见上面 pip 的输出）：多为连不上软件包索引。请联网后重试，请信息化人员配置 pip 镜像，"
        f"或改用离线安装包（带 {WHEELS} 文件夹，见 README“离线安装”）"
    )


class Waited(Exception):
    """Another window's install did not end in time."""


@contextlib.contextmanager
def install_lock(root, wait=WAIT_SECONDS, pause=2.0):
    """Held while .venv is created and installed into; a second window waits for it, then goes on."""
    sys.path.insert(0, root)  # pipeline/lockfile.py: standard library only
    try:
        from pipeline.lockfile import Busy, holding
    finally:
        sys.path.remove(root)
    deadline = time.monotonic() + wait
    told = False
    while True:
        entered = False
        try:
            with holding(Path(root) / LOCK):
                entered = True
                yield
            return
        except Busy:
            if entered:
                raise
            if not told:
                say("另一个窗口正在安装运行环境，等它完成 …")
                told = True
            if time.monotonic() > deadline:
                raise Waited() from None
            time.sleep(pause)


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
    if command not in ("check-python", "setup", "reports", "check"):
        say(
            "用法：python tools/launch.py check-python | setup [--dev] [--venv 目录] | reports [参数] | check [工作簿 ...]"
        )
        return 2
    problem = python_problem(sys.version_info, required_version(), sys.executable)
    if problem:
        say(problem)
        return 3
    if command == "check-python":
        return 0
    try:
        if command == "setup":  # make's: the test tools too, into the folder make names
            venv = args[args.index("--venv") + 1] if "--venv" in args else None
            return setup(dev="--dev" in args, venv=venv and os.path.abspath(venv))
        dropped = [a for a in args if not a.startswith("-") and os.path.isfile(a.strip('"'))]
        if command == "reports" and dropped:
            say(
                f"“生成报告”处理 {os.path.join(ROOT, 'input')} 文件夹中的全部工作簿，不接收拖来的文件："
                "请把工作簿复制到该文件夹后双击“生成报告.bat”；只想检查一个工作簿，请把它拖到“自查.bat”上"
            )
            return 2
        code = setup()
    except KeyboardInterrupt:  # Ctrl-C while installing: one line, and the next run starts over
        say("已中断安装：下次运行会重新安装（不完整的 .venv 会自动重建）")
        return 130
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
