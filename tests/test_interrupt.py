"""SIGINT to the batch's main process only, as `timeout -s INT` or a service manager sends it
(issue 18, point 6): the batch says so and exits within seconds, every time; no worker outlives
it; the next run repairs what was half done."""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.batch import discover
from tests.conftest import EXAMPLE, ROOT
from tests.test_batch import _cli, assert_complete

LIMIT = 5.0  # seconds from SIGINT to exit


def _inputs(folder: Path) -> None:
    folder.mkdir()
    for i in range(30):
        shutil.copyfile(EXAMPLE, folder / f"子洲_{i:02d}.xlsx")
    (folder / "子洲_99.xlsx").write_bytes(EXAMPLE.read_bytes()[:5000])  # a damaged copy among them


def _group_gone(pgid: int, seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    os.killpg(pgid, signal.SIGKILL)
    return False


def _written_since(out: Path, wall: float) -> int:
    """Workbooks done by this run (the folder keeps the previous runs' files)."""
    count = 0
    for path in out.glob("*/findings.json"):
        with contextlib.suppress(FileNotFoundError):  # being replaced right now
            count += path.stat().st_mtime >= wall
    return count


def interrupt_once(inp: Path, out: Path, after: int) -> tuple[float, str]:
    """Start a batch, SIGINT its main process once `after` workbooks are done (0: during start-up);
    (seconds to exit, stderr). Fails when it outlives LIMIT or leaves a process behind."""
    proc = subprocess.Popen(
        _cli(inp, out, "--force"),
        cwd=ROOT,
        start_new_session=True,  # its own group: the signal goes to the main process only
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started, wall = time.monotonic(), time.time()
    if after == 0:
        time.sleep(0.4)
    while after and _written_since(out, wall) < after and time.monotonic() - started < 120:
        assert proc.poll() is None, "the run finished before it could be interrupted"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGINT)
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"still running {LIMIT} s after SIGINT") from None
    seconds = time.monotonic() - sent
    assert _group_gone(proc.pid), "a worker (or the fork server) outlived the interrupted batch"
    assert proc.returncode in (0, 130), err  # 0: it had just finished
    if proc.returncode == 130:
        assert err.strip().splitlines()[-1].startswith("已中断。"), err
        assert "Traceback" not in err, err
    return seconds, err


def _repaired(inp: Path, out: Path) -> None:
    done = subprocess.run(_cli(inp, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "处理 31 个工作簿" in done.stdout
    assert_complete(out, discover(inp))
    again = subprocess.run(_cli(inp, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "（31 个未变化" in again.stdout


def test_sigint_to_the_main_process_stops_the_batch_within_seconds_and_the_next_run_repairs(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    _inputs(inp)
    seconds, err = interrupt_once(inp, out, after=3)
    assert seconds < LIMIT and "已中断" in err
    assert len(list(out.glob("*/findings.json"))) < 31, "the run finished before it was interrupted"
    _repaired(inp, out)


@pytest.mark.slow
def test_twenty_interrupts_in_a_row_each_exit_within_five_seconds(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    _inputs(inp)
    timings = []
    for run in range(20):
        after = (0, 1, 4, 9, 16)[run % 5]
        seconds, _ = interrupt_once(inp, out, after)
        timings.append(seconds)
        print(f"run {run + 1:2d}: SIGINT after {after:2d} workbooks -> exited in {seconds:.2f} s", flush=True)
    print(f"slowest {max(timings):.2f} s, mean {sum(timings) / len(timings):.2f} s", flush=True)
    assert max(timings) < LIMIT, timings
    _repaired(inp, out)
