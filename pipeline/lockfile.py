"""One process at a time: a lock file the operating system lets go of when its process ends, however
it ends (killed, window closed). flock on Linux and macOS, msvcrt.locking on Windows. Standard
library only: tools/launch.py uses it too, before anything is installed."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path


class Busy(Exception):
    """Another process holds the lock."""


@contextlib.contextmanager
def holding(path: Path) -> Iterator[bool]:
    """Hold the lock at path; Busy at once when another process has it. Yields False (unlocked)
    on a file system that has no locks (some network shares): the work goes on, as before."""
    if path.is_symlink():  # never open through a link planted there
        path.unlink()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        locked = _lock(fd)
        yield locked
    finally:
        os.close(fd)  # closing the file lets go of the lock, on every system


def _lock(fd: int) -> bool:
    try:
        import msvcrt  # Windows
    except ImportError:
        msvcrt = None
    if msvcrt is not None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:  # one byte, not blocking: a second process gets an error at once
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EDEADLOCK):  # the byte is locked by another process
                raise Busy from None
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Busy from None
    except OSError:
        return False
    return True
