"""batch/digests.py: a file's sha256 is taken again only when its stat signature says it may differ."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date

import pytest

from pipeline.batch import digests as digests_module
from pipeline.batch.digests import TICK_NS, Digests, _key
from pipeline.batch.files import put_files

LIMIT = 1 << 20


def _sig(path):
    st = os.lstat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _counting(monkeypatch) -> list:
    reads = []
    real = digests_module.file_digest

    def counted(path, *args, **kwargs):
        reads.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(digests_module, "file_digest", counted)
    return reads


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"one")
    stored = max(_sig(path)[1:3]) + TICK_NS + 1
    known = {_key(path): (_sig(path), "recorded", stored)}
    reads = _counting(monkeypatch)
    assert Digests(known).digest(path, LIMIT) == "recorded" and reads == []


def test_a_file_written_again_is_read_again_even_with_its_old_size_and_mtime(tmp_path, monkeypatch):
    """Same size, mtime put back (os.utime): ctime and, here, the inode still tell it changed."""
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"one")
    old = _sig(path)
    known = {_key(path): (old, "recorded", max(old[1:3]) + TICK_NS + 1)}
    time.sleep(0.01)
    tmp = tmp_path / "new"
    tmp.write_bytes(b"two")  # the same size, saved as Excel saves: a new file renamed over it
    os.replace(tmp, path)
    os.utime(path, ns=(old[1], old[1]))
    reads = _counting(monkeypatch)
    assert Digests(known).digest(path, LIMIT) == hashlib.sha256(b"two").hexdigest() and len(reads) == 1


def test_a_signature_stored_within_a_tick_of_the_change_is_not_trusted(tmp_path, monkeypatch):
    """A file changed in the same tick as it was hashed would keep its signature on a FAT disk."""
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"one")
    known = {_key(path): (_sig(path), "recorded", max(_sig(path)[1:3]) + TICK_NS // 2)}
    reads = _counting(monkeypatch)
    assert Digests(known).digest(path, LIMIT) == hashlib.sha256(b"one").hexdigest() and len(reads) == 1


@pytest.mark.skipif(os.name == "nt", reason="os.symlink needs privileges on Windows")
def test_a_link_under_output_is_never_a_digest_even_if_once_recorded(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_bytes(b"one")
    link = tmp_path / "a.xlsx"
    link.symlink_to(target)
    known = {_key(link): (_sig(target), "recorded", time.time_ns() + 10 * TICK_NS)}
    assert Digests(known).digest(link, LIMIT, follow_links=False) == ""
    assert Digests(known).now(link, LIMIT) == ""
    assert Digests().now(tmp_path / "none", LIMIT) is None


def test_files_put_in_place_are_signed_as_written_and_not_read_on_the_next_run(tmp_path, monkeypatch):
    signed: dict = {}
    [(name, digest)] = put_files(tmp_path, {"甲_绩效自评表.xlsx": b"ours"}, None, signed)
    assert signed[name] == _sig(tmp_path / name)
    written = Digests()
    written.wrote(tmp_path / name, signed[name], digest)
    rows, gone = written.stored()
    # the next run, more than a tick later (as `stored` is stamped then)
    known = {k: (sig, d, at + TICK_NS + 1) for k, sig, d, at in rows}
    reads = _counting(monkeypatch)
    assert Digests(known).digest(tmp_path / name, LIMIT, follow_links=False) == digest and reads == []
    assert gone == []


def test_an_unchanged_rerun_reads_no_output_and_an_edited_one_is_redone(tmp_path, monkeypatch):
    """End to end: the second run takes every digest from the manifest's stats (a third finds the
    output a reviewer's program wrote in place, size and mtime kept, and redoes that workbook)."""
    from pipeline.batch import RunOptions, run
    from pipeline.config import Settings
    from tests.builders import clean_sheets, write_workbook

    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    write_workbook(inp / "甲.xlsx", clean_sheets())

    def opts():
        return RunOptions(
            inp, out, Settings(), jobs=1, force=False, progress=False, run_date=date(2024, 4, 1)
        )

    run(opts())
    monkeypatch.setattr(digests_module, "TICK_NS", -(10**12))  # no waiting out a tick in a test
    reads = _counting(monkeypatch)
    run(opts())  # stores the signatures of what it hashed
    reads.clear()
    second = run(opts())
    assert second.processed == 0 and reads == []
    findings = out / "甲" / "findings.json"
    before = _sig(findings)
    data = findings.read_bytes()
    with open(findings, "r+b") as fh:  # in place: same inode, same size
        fh.write(data[:-1] + b" ")
    os.utime(findings, ns=(before[1], before[1]))
    assert run(opts()).processed == 1


def test_what_a_run_neither_asked_for_nor_wrote_is_forgotten(tmp_path):
    """The stats table holds the files of the last run: a removed input, an old output name."""
    kept, gone, removed = tmp_path / "kept.xlsx", tmp_path / "old_绩效自评表.xlsx", tmp_path / "removed.xlsx"
    for p in (kept, gone):
        p.write_bytes(b"x")
    stamp = max(_sig(kept)[1:3]) + TICK_NS + 1
    known = {_key(p): (_sig(kept), "d", stamp) for p in (kept, gone, removed)}
    d = Digests(known)
    assert d.digest(kept, LIMIT) == "d"  # asked for: kept
    assert d.digest(removed, LIMIT) == ""  # asked for, but nothing is there: forgotten
    rows, forget = d.stored()
    assert rows == [] and forget == sorted([_key(gone), _key(removed)])
