"""One batch at a time per output folder, on Windows as on Linux (issue 27, item 5): a lock the
operating system lets go of when the process ends. cmd.exe and Windows cannot run here: the
Windows branch runs against a stand-in msvcrt whose locking() behaves as Windows' does (one byte,
LK_NBLCK fails at once with EACCES while another open file holds it)."""

from __future__ import annotations

import errno
import fcntl
import signal
import subprocess
import sys
import types

import pytest

from pipeline import lockfile
from pipeline.batch import AlreadyRunning
from pipeline.batch.plan import lock_output as _lock
from tests.conftest import ROOT


@pytest.fixture
def windows(monkeypatch):
    """msvcrt as on Windows, and no fcntl (Windows has none)."""
    calls = []

    def locking(fd, mode, nbytes):
        calls.append((mode, nbytes))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PermissionError(errno.EACCES, "Permission denied") from None

    fake = types.SimpleNamespace(locking=locking, LK_NBLCK=2)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setitem(sys.modules, "fcntl", None)
    return calls


def test_on_windows_a_second_run_on_the_same_output_is_refused(tmp_path, windows):
    with _lock(tmp_path), pytest.raises(AlreadyRunning, match="另一个批处理正在写入"), _lock(tmp_path):
        pass
    assert windows and all(call == (2, 1) for call in windows)  # LK_NBLCK, one byte: never waits
    with _lock(tmp_path):  # let go of at the end: the next run goes ahead
        pass


def test_on_windows_a_file_system_without_locks_goes_on_unlocked(tmp_path, monkeypatch):
    def locking(fd, mode, nbytes):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setitem(sys.modules, "msvcrt", types.SimpleNamespace(locking=locking, LK_NBLCK=2))
    with lockfile.holding(tmp_path / ".lock") as locked:
        assert locked is False


HOLD = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
    "from pipeline.batch.plan import lock_output as _lock\n"
    "with _lock(Path(sys.argv[2])):\n print('held', flush=True); time.sleep(60)"
)


def test_the_lock_of_a_killed_run_is_gone_with_it(tmp_path):
    """Closing the window ends the process without any clean-up: the lock must not outlive it."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ROOT), str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(AlreadyRunning), _lock(tmp_path):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with _lock(tmp_path):
        pass
