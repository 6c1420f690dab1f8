"""The sha256 of a file, taken again only when the file may have changed since it was last taken.

An unchanged re-run hashes every input and every output to know that nothing changed: at 2,000
workbooks, some 8,000 files read in full, most of the run. Like git's index, the manifest keeps each
file's stat signature (size, mtime, ctime, inode) beside the sha256 taken of it; while the signature
is the same the file is the same. Any write changes mtime, and ctime, which no program can set back
(POSIX; on Windows st_ctime is the creation time, so there mtime and size stand for it: Excel and WPS
save a new file, new times). A signature is only trusted when the file's times are older than the
moment it was stored by more than a file system's coarsest tick (FAT: 2 s): a file changed within the
same tick as it was hashed would otherwise look unchanged (git's "racy" files).

Only what decides whether to redo work looks here (the inputs, the outputs of an unchanged
workbook, the batch files). What guards a reviewer's file at the moment of replacing it always reads
the file (files.Guard, workers._Fresh).
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from ..load.container import file_digest

TICK_NS = 2_000_000_000  # FAT's mtime resolution, the coarsest a county office's disk may have

Signature = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


class Digests:
    """sha256 by path, from `known` (the manifest's stats: path -> (signature, sha256, stored_ns))
    where the signature still holds; what was hashed in this run is in `taken`, for the manifest."""

    def __init__(self, known: dict[bytes, tuple[Signature, str, int]] | None = None):
        self.known = known or {}
        self.taken: dict[bytes, tuple[Signature, str]] = {}
        self.looked: set[bytes] = set()  # every path asked for: the rest of `known` is forgotten

    def digest(self, path: Path, max_bytes: int, *, follow_links: bool = True) -> str:
        """As load.container.file_digest: '' for anything that is not a regular file within
        `max_bytes` (a link too, unless `follow_links`)."""
        key = _key(path)
        self.looked.add(key)
        try:
            st = os.stat(key) if follow_links else os.lstat(key)
        except OSError:
            self.looked.discard(key)  # nothing there: forgotten
            return file_digest(path, max_bytes, follow_links=follow_links)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return file_digest(path, max_bytes, follow_links=follow_links)
        sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        hit = self.known.get(key)
        if hit is not None and hit[0] == sig and hit[2] - max(sig[1], sig[2]) > TICK_NS:
            return hit[1]
        digest = file_digest(path, max_bytes, follow_links=follow_links)
        if digest:  # stat taken before the read: a change while reading changes it for next time
            self.taken[key] = (sig, digest)
        return digest

    def now(self, path: Path, max_bytes: int) -> str | None:
        """As files.digest_now (a file under output/, never through a link): None when nothing is
        at `path`, '' when what is there cannot be read as a plain file."""
        if not os.path.lexists(path):
            return None
        digest = self.digest(path, max_bytes, follow_links=False)
        return digest if digest or os.path.lexists(path) else None

    def wrote(self, path: Path, signature: Signature, digest: str) -> None:
        """A file this run put in place, as signed the moment it was (files.put_files), with the
        sha256 of the bytes written: the next run need not read it."""
        self.taken[_key(path)] = (tuple(signature), digest)

    def stored(self) -> tuple[list[tuple[bytes, Signature, str, int]], list[bytes]]:
        """(rows to store, each stamped now; paths to forget: those this run neither asked for nor
        wrote — gone, renamed, or no longer an input or an output it checks — so the table holds
        the files of the last run, not of every run)."""
        now = time.time_ns()
        forget = self.known.keys() - self.looked - self.taken.keys()
        return [(k, sig, d, now) for k, (sig, d) in self.taken.items()], sorted(forget)


def _key(path: Path) -> bytes:
    """The absolute path as the file system has it: a name that is not UTF-8 is a key too."""
    return os.fsencode(os.path.abspath(path))
