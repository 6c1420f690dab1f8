"""Output files: their names, and how they are written.

Names come from `safe_name`: valid on every file system, never a path. Each file is written to a
temporary name in its folder, made durable and renamed into place, so a run killed at any moment
(or a power cut) leaves the old good file or the new good file (outputs.md); `clean_temp` removes
what a killed run left.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import EllipsisType

from ..load.container import Input, Refused, read_input
from ..messages import MSG
from ..render.findings_json import FindingsDoc, encode

FINDINGS_JSON = "findings.json"  # one per workbook folder
SUMMARY_XLSX = "审核汇总.xlsx"  # the batch files, in output/
FINDINGS_CSV = "findings.csv"
SCORED_SUFFIX = "_绩效自评表.xlsx"
REPORT_SUFFIX = "_绩效自评报告.docx"


# ---------------------------------------------------------------- names
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"{p}{d}" for p in ("COM", "LPT") for d in "0123456789¹²³"),
}
FALLBACK_NAME = "未命名项目"


def safe_name(text: str, limit: int = 100, max_bytes: int = 200) -> str:
    """A file or folder name valid on every file system, at most `limit` characters and `max_bytes`
    bytes of UTF-8 (ext4 allows 255; the rest is room for the temporary name); never empty."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if ch in "\t\n\r\v\f\x85\u2028\u2029" else ch for ch in text)
    # Cf: bidi overrides (U+202E makes `xslx.exe` look like `exe.xlsx`), zero-width characters
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch == " "
    )
    text = re.sub(r"\s+", " ", _FORBIDDEN.sub("_", text))
    text = _cut(text, limit, max_bytes).strip(" .")
    if not text:
        return _cut(FALLBACK_NAME, limit, max_bytes)
    if text.split(".")[0].rstrip(" ").upper() in _RESERVED:
        text = _cut("_" + text, limit, max_bytes).rstrip(" .")
    return text


def _cut(text: str, limit: int, max_bytes: int) -> str:
    text = text[:limit]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def output_name(project: str, suffix: str) -> str:
    """`<safe 项目名称><suffix>` within 100 characters / 200 bytes whatever the project is called."""
    stem = safe_name(project, limit=100 - len(suffix), max_bytes=200 - len(suffix.encode("utf-8")))
    return stem + suffix


# ---------------------------------------------------------------- reading a file under output/
def read_output(path: Path, max_bytes: int) -> Input:
    """A file under output/ read back, as an input is read (a regular file within the size limit,
    without blocking, hashed as read) and never through a link. Raises Refused or OSError."""
    return read_input(path, max_bytes, follow_links=False)


def digest_now(path: Path, max_bytes: int) -> str | None:
    """sha256 of what is at `path` now: None when nothing is; '' when what is there cannot be read
    as a plain file (a link, a folder, over the size limit): never the digest of anything read."""
    if not os.path.lexists(path):
        return None
    try:
        return read_output(path, max_bytes).sha256
    except (Refused, OSError):
        return "" if os.path.lexists(path) else None


# A reviewer's file that is not replaced keeps its name with why and when: the scored workbook
# saved while a run was replacing it, or one that could not be read (outputs.md: never lost).
SAVED_DURING_RUN, UNREADABLE = "运行期间保存", "无法读取"
_ASIDE = re.compile(r"^(?P<stem>.+)（(?:运行期间保存|无法读取) \d{8}-\d{6}(?:-\d+)?）(?P<suffix>\.[^.]+)$")


def original_of(name: str) -> str | None:
    """The name a file set aside had (`X_绩效自评表.xlsx`), or None if it is not one set aside."""
    found = _ASIDE.match(name)
    return found["stem"] + found["suffix"] if found else None


def set_aside(path: Path, why: str) -> Path:
    """Rename `path` beside itself under a name that says why and when (never over another file)."""
    stem, suffix = os.path.splitext(path.name)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    for n in range(1, 100):
        tail = "" if n == 1 else f"-{n}"
        aside = path.with_name(f"{stem}（{why} {stamp}{tail}）{suffix}")
        if not os.path.lexists(aside):
            os.rename(path, aside)
            return aside
    raise FileExistsError(errno.EEXIST, "no free name to set the file aside", str(path))


# ---------------------------------------------------------------- atomic files
_TEMP = re.compile(r"^\..+\.tmp-\d+$")


def atomic_write(path: Path, data: bytes) -> str:
    """Write `data` to `path` via a temporary file in the same folder; returns its sha256."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def clean_temp(output: Path) -> None:
    """Remove the temporary files a killed run left behind (output/ and one level below)."""
    with os.scandir(output) as top:
        for entry in top:
            if _TEMP.match(entry.name):
                Path(entry.path).unlink(missing_ok=True)
            elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                with os.scandir(entry.path) as inner:
                    for leftover in inner:
                        if _TEMP.match(leftover.name):
                            Path(leftover.path).unlink(missing_ok=True)


class WriteFailed(Exception):
    """A set of files could not all be put in place. `name` is the file (or folder) that failed,
    `reason` the words for why (被其他程序打开 / 磁盘已满 / 无写入权限 …) and `line` the whole sentence
    with what to do. `replaced` lists what was already in place (empty unless a rename failed
    after another had succeeded: the old files stay otherwise)."""

    def __init__(self, name: str, error: OSError | None, replaced: tuple[tuple[str, str], ...] = ()):
        self.name = name
        self.reason, self.todo = write_problem(error)
        self.replaced = replaced
        super().__init__(MSG["RUN_unwritten"].format(name=name, reason=self.reason, todo=self.todo))


def write_problem(error: OSError | None) -> tuple[str, str]:
    """(why, what to do) for an error writing an output, in the user's words."""
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG):
        return "磁盘已满", MSG["RUN_unwritten_full"]
    if getattr(error, "winerror", None) in (32, 33) or code in (errno.EBUSY, errno.ETXTBSY):
        return "被其他程序打开", MSG["RUN_unwritten_busy"]
    if isinstance(error, PermissionError):
        if code == errno.EACCES:  # what Windows says for a file Excel or WPS holds open, too
            return "被其他程序打开或无写入权限", MSG["RUN_unwritten_busy_or_denied"]
        return "无写入权限", MSG["RUN_unwritten_denied"]  # EPERM: read-only or immutable
    if isinstance(error, (IsADirectoryError, NotADirectoryError, FileExistsError)) or error is None:
        return "同名的文件或目录占着这个位置", MSG["RUN_unwritten_blocked"]
    return (error.strerror or str(error)) if error else "未知原因", MSG["RUN_unwritten_other"]


def write_folder(
    target: Path, files: dict[str, bytes], guard: Guard | None = None, signed: dict | None = None
) -> tuple[tuple[str, str], ...]:
    """A workbook's files into its own folder under output/ (made if need be), as one set (put_files)."""
    _make_folder(target)
    return put_files(target, files, guard, signed)


def stage_folder(target: Path, files: dict[str, bytes]) -> Staged:
    """A workbook's files staged in its own folder under output/ (made if need be): see stage."""
    _make_folder(target)
    return stage(target, files)


def _make_folder(target: Path) -> None:
    if target.is_symlink():  # never write through a link planted in output/
        target.unlink()
    try:
        target.mkdir(exist_ok=True)
    except FileExistsError:  # a file where the folder should be
        raise WriteFailed(target.name, None) from None
    except OSError as e:
        raise WriteFailed(target.name, e) from None
    if not target.is_dir() or target.is_symlink():
        raise WriteFailed(target.name, None)


class Guard:
    """The reviewer's files among a set (scored workbooks, 审核汇总.xlsx): name -> the sha256 of the
    file that was read back (None: there was none). Just before one is replaced it must still be
    that file; one saved since is set aside under a name that says so, never replaced (`aside`).
    Links found in place of an output are removed, never written through (`links`)."""

    def __init__(self, expected: Mapping[str, str | None], max_bytes: int):
        self.expected = dict(expected)
        self.max_bytes = max_bytes
        self.aside: list[str] = []
        self.links: list[str] = []


def put_files(
    target: Path, files: dict[str, bytes], guard: Guard | None = None, signed: dict | None = None
) -> tuple[tuple[str, str], ...]:
    """Put files in place as one set: every new file is written under a temporary name and made
    durable, and every old one it replaces is checked to be replaceable before the first is
    renamed, so a full disk or a file open in Excel leaves every old file as it was. Raises
    WriteFailed; returns ((name, sha256), …). A link where a file goes is replaced, never followed.
    `signed`: filled with name -> the stat signature of each file put in place (digests.py), taken
    at once and only while it is still the very file written (its inode). A worker puts several
    sets in place with one sync for all (stage, make_durable, commit, close_sets)."""
    staged = stage(target, files)
    try:
        make_durable([staged])
    except BaseException:
        discard(staged)
        raise
    try:
        return commit(staged, guard, signed)
    finally:
        close_sets([staged])


# ---------------------------------------------------------------- durability, in sets
# Every file is on disk before it is renamed into place, and its rename before the set is reported
# put in place (and so before the manifest records it): after a power cut an output is the old
# good file or the new good one. On Linux one syncfs does that for every set of a worker's chunk,
# as git's core.fsyncMethod=batch does for its objects: fsync per file and per folder was four
# journal commits a workbook, ~10 % of a batch's time. Elsewhere (Windows, macOS) each file is
# fsynced as it is written and each folder after its renames, as before.


_SYNCFS: Callable[[int], int] | None | EllipsisType = ...  # libc's syncfs, found at the first write


def _find_syncfs() -> Callable[[int], int] | None:
    global _SYNCFS
    if _SYNCFS is ...:
        _SYNCFS = None
        if sys.platform.startswith("linux"):
            import ctypes  # not on the unchanged re-run's path, which writes nothing

            with contextlib.suppress(OSError, AttributeError):
                syncfs = ctypes.CDLL(None, use_errno=True).syncfs
                syncfs.argtypes, syncfs.restype = [ctypes.c_int], ctypes.c_int
                _SYNCFS = syncfs
    return _SYNCFS


class Staged:
    """A set of files written under temporary names in their folder, not yet in place."""

    def __init__(self, target: Path):
        self.target = target
        self.files: list[tuple[str, Path, Path, str]] = []  # (name, temp, final, sha256)
        self.inodes: dict[str, int] = {}
        # The folder, opened before the first write: a syncfs through it reports the write-back
        # errors of its file system since (Linux ≥ 5.8). None where a folder cannot be opened.
        self.fd: int | None = None
        self.synced = False  # each file fsynced as written: no syncfs needed

    def device(self) -> int | None:
        return os.fstat(self.fd).st_dev if self.fd is not None else None


def stage(target: Path, files: dict[str, bytes]) -> Staged:
    """Write each file under a temporary name in `target`. Raises WriteFailed (nothing is left)."""
    staged = Staged(target)
    with contextlib.suppress(OSError):  # Windows cannot open a folder
        staged.fd = os.open(target, os.O_RDONLY)
    staged.synced = _find_syncfs() is None or staged.fd is None
    try:
        for name, data in files.items():
            path = target / name
            if os.path.basename(name) != name or name in ("", ".", ".."):  # safe_name makes this impossible
                raise ValueError(f"refusing to write outside {target}: {name!r}")
            tmp = _temp_name(path)
            try:
                with open(tmp, "wb") as fh:
                    staged.files.append((name, tmp, path, hashlib.sha256(data).hexdigest()))
                    fh.write(data)
                    if staged.synced:
                        fh.flush()
                        os.fsync(fh.fileno())
                    staged.inodes[name] = os.fstat(fh.fileno()).st_ino
            except OSError as e:
                raise WriteFailed(name, e) from None
    except BaseException:
        discard(staged)
        raise
    return staged


def make_durable(sets: list[Staged]) -> None:
    """Every temporary file of `sets` on disk: one syncfs per file system. Raises WriteFailed
    (for the first set's folder) if the file system reports an error: which file it hit is not
    known, so no set of the group is put in place."""
    _syncfs([s for s in sets if not s.synced], _fsync_files)


# what a file system says when it has no syncfs of its own (some FUSE and network file systems)
_NO_SYNCFS = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


def _syncfs(sets: list[Staged], instead: Callable[[Staged], None]) -> None:
    """One syncfs per file system of `sets` (none of them `synced`). Where the file system cannot,
    `instead` for each of its sets, and each file fsynced as written from then on (as on Windows)."""
    global _SYNCFS
    by_device: dict[int | None, list[Staged]] = {}
    for s in sets:
        by_device.setdefault(s.device(), []).append(s)
    for group in by_device.values():
        first = group[0]  # the first of a file system opened its folder first: it sees the most
        syncfs = _find_syncfs()
        if syncfs is not None:
            if syncfs(first.fd) == 0:
                continue
            import ctypes

            error = ctypes.get_errno()
            if error not in _NO_SYNCFS:
                raise WriteFailed(first.target.name, OSError(error, os.strerror(error)))
            _SYNCFS = None
        for same in group:
            instead(same)


def _fsync_files(staged: Staged) -> None:
    for name, tmp, _, _ in staged.files:
        try:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise WriteFailed(name, e) from None
    staged.synced = True  # its folder is fsynced after the renames (close_sets)


def _fsync_folder(staged: Staged) -> None:
    with contextlib.suppress(OSError):  # its files are in place already: nothing to undo
        os.fsync(staged.fd)


def commit(
    staged: Staged, guard: Guard | None = None, signed: dict | None = None
) -> tuple[tuple[str, str], ...]:
    """Rename a staged set into place (see put_files); the temporary files are gone after."""
    try:
        for name, _, path, _ in staged.files:
            _check_replaceable(name, path)
        replaced: list[tuple[str, str]] = []
        for name, tmp, path, digest in staged.files:
            try:
                if os.path.islink(path) and guard is not None:
                    guard.links.append(name)
                if guard is not None and name in guard.expected and not os.path.islink(path):
                    _replace_guarded(tmp, path, guard.expected[name], guard)
                else:
                    os.replace(tmp, path)  # over a link: the link is replaced, never its target
            except OSError as e:
                raise WriteFailed(name, e, tuple(sorted(replaced))) from None
            replaced.append((name, digest))
            if signed is not None:
                _sign(signed, name, path, staged.inodes.get(name))
    finally:
        discard(staged, close=False)
    return tuple(sorted(replaced))


def discard(staged: Staged, close: bool = True) -> None:
    """Remove what is left of a staged set's temporary files (all of them, unless committed)."""
    for _, tmp, _, _ in staged.files:
        tmp.unlink(missing_ok=True)
    if close:
        close_sets([staged], sync=False)


def close_sets(sets: list[Staged], sync: bool = True) -> None:
    """Make the renames of `sets` durable (one syncfs per file system, else each folder's fsync)
    and close their folders."""
    try:
        if sync:
            with contextlib.suppress(WriteFailed):  # in place already: nothing to undo
                _syncfs([s for s in sets if not s.synced], _fsync_folder)
            for s in sets:
                if s.synced and s.fd is not None:
                    _fsync_folder(s)
    finally:
        for s in sets:
            if s.fd is not None:
                os.close(s.fd)
                s.fd = None


def _sign(signed: dict, name: str, path: Path, inode: int | None) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    if inode is not None and st.st_ino == inode and stat.S_ISREG(st.st_mode):
        signed[name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _replace_guarded(tmp: Path, path: Path, expected: str | None, guard: Guard) -> None:
    """Replace a reviewer's file only if it is still the one read back. The file is first renamed
    aside (so a save that lands now lands on it, not on ours), then compared; ours is then put in
    place without overwriting anything (a save in that instant is set aside too)."""
    held = set_aside(path, SAVED_DURING_RUN) if os.path.lexists(path) else None
    if held is not None and digest_now(held, guard.max_bytes) == expected:
        held.unlink()  # ours, or the one read back: nothing in it is lost
    elif held is not None:
        guard.aside.append(held.name)
    for _ in range(3):
        try:
            os.link(tmp, path)  # never over a file that appeared a moment ago
        except FileExistsError:
            guard.aside.append(set_aside(path, SAVED_DURING_RUN).name)
            continue
        except OSError:  # no hard links here (FAT, some network shares)
            os.replace(tmp, path)
            return
        tmp.unlink(missing_ok=True)
        return
    os.replace(tmp, path)


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _check_replaceable(name: str, path: Path) -> None:
    """An existing file must be one that can be replaced: not a directory, not held open by
    another program (Windows refuses to open it for writing), not read-only or immutable. Opening
    it for writing changes nothing in it."""
    if path.is_symlink():  # renaming over a link replaces the link, never its target
        return
    if path.is_dir():
        raise WriteFailed(name, IsADirectoryError(errno.EISDIR, "is a directory"))
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return
    except OSError as e:
        if e.errno in (errno.ENXIO, errno.ENODEV):  # a FIFO with no reader: replaceable
            return
        raise WriteFailed(name, e) from None
    os.close(fd)


def write_failure(target: Path, doc: FindingsDoc) -> tuple[tuple[str, str], ...]:
    try:
        return write_folder(target, {FINDINGS_JSON: encode(doc)})
    except (WriteFailed, ValueError):
        return ()
