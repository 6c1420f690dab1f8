"""`python -m pipeline` and the `jixiao` console command ([project.scripts] in pyproject.toml).

Whatever escapes the command line (a program fault, memory, a disk gone) ends as one Chinese line
naming the cause and the next step; the traceback goes to a log file under output/ that the line
names, and to the screen as well with --debug."""

import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

from .messages import MSG, os_reason


def console() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the program is still loading: nothing to clean up
        print(MSG["RUN_interrupted"], file=sys.stderr, flush=True)
        # A half-done import can leave the interpreter's shutdown to end in the signal (exit -2,
        # seen 3 times in 20): leave now, with the code the contract's callers expect.
        os._exit(130)
    try:
        return main()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as error:
        return crashed(error, debug="--debug" in sys.argv[1:])


def crashed(error: BaseException, debug: bool = False) -> int:
    text = "".join(traceback.format_exception(error))
    if debug:
        print(text, file=sys.stderr, end="")
    log = write_log(text)
    where = MSG["CRASH_log"].format(path=log) if log else MSG["CRASH_no_log"]
    print(cause(error) + where, file=sys.stderr, flush=True)
    return 2


def cause(error: BaseException) -> str:
    """The one line: what happened, and what to do."""
    if isinstance(error, MemoryError):
        return MSG["CRASH_memory"]
    if isinstance(error, OSError):
        return MSG["CRASH_os"].format(reason=os_reason(error), path=error.filename or "")
    return MSG["CRASH_fault"].format(error=f"{type(error).__name__}: {error}"[:200])


def write_log(text: str) -> Path | None:
    """output/错误日志-<time>.log (config.toml's output folder when it can be read), else the
    system's temporary folder; None when no file can be written at all."""
    name = f"错误日志-{datetime.now():%Y%m%d-%H%M%S}.log"
    for folder in (_output_folder(), Path(os.environ.get("TEMP") or "/tmp")):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(f"{' '.join(sys.argv)}\n{sys.version}\n\n{text}", encoding="utf-8")
            return path.resolve()
        except OSError:
            continue
    return None


def _output_folder() -> Path | None:
    try:
        from .config import find_config, load_settings

        config = find_config(None)
        return config.parent / load_settings(config).paths.output if config else Path("output")
    except Exception:  # the config may be what failed: the project's own output/
        return Path(__file__).resolve().parent.parent / "output"


if __name__ == "__main__":
    sys.exit(console())
