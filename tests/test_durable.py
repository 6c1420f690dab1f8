"""batch/files.py: every output is on disk before it is renamed into place, and its rename before it
is reported (so before the manifest records it), with one sync for a whole chunk of workbooks."""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from pipeline.batch import files, workers
from pipeline.batch.workers import LOCKED
from tests.builders import clean_sheets, write_workbook
from tests.test_workers import _state


class Disk:
    """A stand-in for syncfs that notes, at each sync, which files are under `root` (temporary or
    in place), and every rename (or link) since; it fails when told to."""

    def __init__(self, root, monkeypatch, fail: int = 0):
        self.root, self.events, self.fail, self.errno = root, [], fail, errno.EIO
        monkeypatch.setattr(files, "_SYNCFS", self)
        for name in ("replace", "link"):  # a scored workbook is put in place by a link (Guard)
            monkeypatch.setattr(files.os, name, self._noting(getattr(os, name)))

    def _noting(self, real):
        def put(src, dst):
            self.events.append(("rename", os.path.basename(dst)))
            return real(src, dst)

        return put

    def __call__(self, fd: int) -> int:
        assert os.fstat(fd).st_dev == os.stat(self.root).st_dev
        self.events.append(("sync", sorted(p.name for p in self.root.rglob("*") if p.is_file())))
        if self.fail:
            self.fail -= 1
            ctypes.set_errno(self.errno)
            return -1
        return 0

    def syncs(self) -> list[list[str]]:
        return [names for kind, names in self.events if kind == "sync"]


def test_put_files_syncs_the_temporary_files_before_any_rename_and_the_renames_before_it_returns(
    tmp_path, monkeypatch
):
    disk = Disk(tmp_path, monkeypatch)
    put = files.put_files(tmp_path, {"a.json": b"1", "b.xlsx": b"2"})
    assert [name for name, _ in put] == ["a.json", "b.xlsx"]
    kinds = [kind for kind, _ in disk.events]
    assert kinds == ["sync", "rename", "rename", "sync"]
    before, after = disk.syncs()
    assert before == sorted([f".a.json.tmp-{os.getpid()}", f".b.xlsx.tmp-{os.getpid()}"])
    assert after == ["a.json", "b.xlsx"]


def test_a_failed_sync_puts_nothing_in_place_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    (tmp_path / "a.json").write_bytes(b"old")
    Disk(tmp_path, monkeypatch, fail=1)
    with pytest.raises(files.WriteFailed) as raised:
        files.put_files(tmp_path, {"a.json": b"new"})
    assert "Input/output error" in raised.value.reason
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").read_bytes() == b"old"


def test_without_syncfs_each_file_is_fsynced_before_its_rename_and_the_folder_after(tmp_path, monkeypatch):
    """Windows and macOS: as before, one fsync per file as it is written, one per folder."""
    monkeypatch.setattr(files, "_SYNCFS", None)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync-dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync-file")
        return real_fsync(fd)

    def replace(src, dst):
        events.append("rename")
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    files.put_files(tmp_path, {"a.json": b"1", "b.xlsx": b"2"})
    assert events == ["fsync-file", "fsync-file", "rename", "rename", "fsync-dir"]


def _chunk(tmp_path, monkeypatch, names):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    out.mkdir()
    state = _state(out, monkeypatch, slots=len(names))
    tasks = []
    for slot, name in enumerate(names):
        path = write_workbook(inp / f"{name}.xlsx", clean_sheets())
        tasks.append((slot, slot, str(path), path.name, "", name, (), "", (), {}, None, ""))
    return out, state, tasks


def test_a_chunk_of_workbooks_is_made_durable_with_one_sync_before_its_renames_and_one_after(
    tmp_path, monkeypatch
):
    out, state, tasks = _chunk(tmp_path, monkeypatch, ["甲", "乙", "丙"])
    disk = Disk(out, monkeypatch)
    try:
        outcomes = workers._work_chunk(tasks)
    finally:
        state["writer"].shutdown()
    assert [o.status for o in outcomes] == ["ok"] * 3
    before, after = disk.syncs()
    assert len(before) == 9 and all(".tmp-" in name for name in before)  # 3 files of 3 workbooks
    assert len(after) == 9 and not any(".tmp-" in name for name in after)
    kinds = [kind for kind, _ in disk.events]
    assert kinds == ["sync", *["rename"] * 9, "sync"]
    for outcome, name in zip(outcomes, ["甲", "乙", "丙"], strict=True):
        assert sorted(n for n, _ in outcome.outputs) == sorted(p.name for p in (out / name).iterdir())


def test_a_sync_that_fails_leaves_every_workbook_of_the_chunk_as_it_was(tmp_path, monkeypatch):
    """The file system reports an error and cannot say which file it hit: none of the chunk goes in
    place, each is said like a file that could not be written, and no temporary file is left."""
    out, state, tasks = _chunk(tmp_path, monkeypatch, ["甲", "乙"])
    (out / "甲").mkdir()
    (out / "甲" / "findings.json").write_bytes(b"old")
    Disk(out, monkeypatch, fail=1)
    try:
        outcomes = workers._work_chunk(tasks)
    finally:
        state["writer"].shutdown()
    assert [o.status for o in outcomes] == [LOCKED, LOCKED]
    assert [o.doc["locked"] for o in outcomes] == ["甲", "乙"]
    assert all("Input/output error" in o.doc["reason"] for o in outcomes)
    assert [p.name for p in (out / "甲").iterdir()] == ["findings.json"]
    assert (out / "甲" / "findings.json").read_bytes() == b"old"
    assert list((out / "乙").iterdir()) == []


def test_one_workbook_that_cannot_be_put_in_place_does_not_hold_back_the_rest_of_its_chunk(
    tmp_path, monkeypatch
):
    """A folder where 乙's findings.json should go: 乙 is said, 甲 and 丙 land, one sync each side."""
    out, state, tasks = _chunk(tmp_path, monkeypatch, ["甲", "乙", "丙"])
    (out / "乙" / "findings.json").mkdir(parents=True)
    disk = Disk(out, monkeypatch)
    try:
        outcomes = workers._work_chunk(tasks)
    finally:
        state["writer"].shutdown()
    assert [o.status for o in outcomes] == ["ok", LOCKED, "ok"]
    assert outcomes[1].doc["locked"] == "乙/findings.json"
    assert len(disk.syncs()) == 2
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    assert len(list((out / "丙").iterdir())) == 3


def test_a_file_system_without_syncfs_gets_each_file_fsynced_instead_not_a_failed_batch(
    tmp_path, monkeypatch
):
    """Some FUSE and network file systems answer syncfs with ENOSYS or EINVAL: that is no write
    error. Each temporary file is fsynced instead, before its rename, the folder after; and from
    then on each file as it is written, as where there is no syncfs at all."""
    disk = Disk(tmp_path, monkeypatch, fail=99)
    disk.errno = errno.ENOSYS
    fsynced = []
    real_fsync = os.fsync

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}")
        fsynced.append((os.path.basename(target), [k for k, _ in disk.events].count("rename")))
        return real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    files.put_files(tmp_path, {"a.json": b"1", "b.xlsx": b"2"})
    pid = os.getpid()
    # each temporary file before any rename, the folder after both
    assert fsynced == [(f".a.json.tmp-{pid}", 0), (f".b.xlsx.tmp-{pid}", 0), (tmp_path.name, 2)]
    assert (tmp_path / "a.json").read_bytes() == b"1" and (tmp_path / "b.xlsx").read_bytes() == b"2"
    assert files._SYNCFS is None and len(disk.syncs()) == 1  # not asked again
    fsynced.clear()
    files.put_files(tmp_path, {"c.json": b"3"})
    assert fsynced == [(f".c.json.tmp-{pid}", 2), (tmp_path.name, 3)]
