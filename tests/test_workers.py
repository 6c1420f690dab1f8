"""batch/workers.py in this process: what one chunk of workbooks gives back when a write goes wrong."""

from __future__ import annotations

import json
from datetime import date

from pipeline.batch import workers
from pipeline.batch.manifest import FAILED
from pipeline.config import Settings
from pipeline.evaluate import assess, conclude
from pipeline.render.findings_json import to_bytes
from pipeline.render.report import report_docx
from pipeline.render.scored_workbook import scored_workbook
from tests.builders import clean_sheets, write_workbook


def test_a_write_guard_refusing_a_name_fails_that_workbook_not_the_chunk(tmp_path, monkeypatch):
    """put_files refuses (ValueError) a name that would land outside the workbook's folder: that
    workbook gets a findings.json saying the program failed on it (one I001), and the others of its
    chunk are written as usual — not a KeyError that loses the whole chunk."""
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    out.mkdir()
    good, bad = (
        write_workbook(inp / "甲.xlsx", clean_sheets()),
        write_workbook(inp / "乙.xlsx", clean_sheets()),
    )
    state = _state(out, monkeypatch, slots=2)
    real_name = workers.output_name
    calls = []

    def escaping(project: str, suffix: str) -> str:  # the second workbook's scored workbook escapes
        calls.append(suffix)
        return "../逃出.xlsx" if len(calls) == 3 else real_name(project, suffix)

    monkeypatch.setattr(workers, "output_name", escaping)
    tasks = [
        (0, 0, str(good), good.name, "", "甲", (), "", (), {}, None, ""),
        (1, 1, str(bad), bad.name, "", "乙", (), "", (), {}, None, ""),
    ]
    try:
        first, second = workers._work_chunk(tasks)
    finally:
        state["writer"].shutdown()
    assert first.status == "ok" and len(first.outputs) == 3
    assert second.status == FAILED
    assert [name for name, _ in second.outputs] == ["findings.json"]
    doc = json.loads((out / "乙" / "findings.json").read_bytes())
    assert [f["rule"] for f in doc["findings"]] == ["I001"]
    assert "refusing to write outside" in doc["findings"][0]["message"]
    assert not (out / "逃出.xlsx").exists()


def _state(out, monkeypatch, slots: int = 1) -> dict:
    state = {
        "settings": Settings(),
        "run_date": date(2024, 4, 1),
        "output": out,
        "started": [0.0] * slots,
        "pids": [0] * slots,
        "assess": assess,
        "conclude": conclude,
        "to_bytes": to_bytes,
        "report_docx": report_docx,
        "scored_workbook": scored_workbook,
    }
    monkeypatch.setattr(workers, "_STATE", state)
    return state


X002 = {
    "rule": "X002",
    "severity": "警告",
    "sheet": "支付明细",
    "cell": "F2",
    "message": "另一个项目也列了这笔支付",
    "expected": None,
    "actual": None,
    "other": {"file": "乙.xlsx", "sheet": "支付明细", "cell": "F2"},
}


def test_the_second_step_renders_from_the_spill_file_what_the_whole_work_renders(tmp_path, monkeypatch):
    """Issue 28: the first step keeps a workbook read, scored and checked; the second renders it
    from that (the input is not read again: here it is gone) with its X findings, to the very bytes
    the whole work gives; without X findings, the first step's findings.json is used as it is."""
    path = write_workbook(tmp_path / "甲.xlsx", clean_sheets())
    _state(tmp_path, monkeypatch)
    for extras in ((), (X002,)):
        status, whole, doc, _ = workers._compute(path, path.name, "", (), "", extras)
        spill = str(tmp_path / "0")
        first, first_doc, _ = workers._assess(path, path.name, "", (), "", spill)
        assert first == status and [f["rule"] for f in first_doc["findings"]] == [
            f["rule"] for f in doc["findings"] if f["rule"] != "X002"
        ]
        moved = path.rename(tmp_path / "gone.xlsx")
        kept = workers._unspill(spill)
        again, files, doc2, _ = workers._compute(path, path.name, "", (), "", extras, kept=kept)
        moved.rename(path)
        assert again == status and files == whole and doc2 == doc
        assert not (tmp_path / "0").exists()  # read once, then removed
    assert "X002" in [f["rule"] for f in json.loads(files["findings.json"])["findings"]]


def test_the_forkserver_preloads_modules_that_exist():
    """A name that is not a module is skipped without a word by the fork server, and every worker
    then imports the pipeline itself (round 3 preloaded a `pipeline.workers` that had moved)."""
    import importlib.util

    from pipeline.batch import pool

    ctx = pool._context()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    names = forkserver._forkserver._preload_modules  # what set_forkserver_preload was given
    assert names and all(importlib.util.find_spec(n) is not None for n in names), names


def test_a_pool_that_breaks_while_being_handed_work_is_a_broken_round_not_a_crash(tmp_path, monkeypatch):
    """Workers that die as they start (here: the first chunk's future says so, then submit refuses)
    make the round report a broken pool, which the caller answers by running each workbook alone."""
    import threading
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool
    from types import SimpleNamespace

    from pipeline.batch import pool

    class Dying:
        def __init__(self, refuse_at: int):
            self.calls, self.refuse_at = 0, refuse_at

        def submit(self, fn, tasks):
            self.calls += 1
            if self.calls >= self.refuse_at:
                raise BrokenProcessPool("a child process terminated abruptly")
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return future

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    options = SimpleNamespace(settings=Settings(), run_date=date(2024, 4, 1), output=tmp_path, jobs=2)
    items = [
        SimpleNamespace(
            index=i, path=tmp_path / f"{i}.xlsx", name=f"{i}.xlsx", digest="", folder=str(i),
            decisions=(), extras=(), seen={}, conclusion=None,
        )
        for i in range(3)
    ]  # fmt: skip
    settled = []
    for refuse_at in (1, 2):  # before any chunk was handed out, or after the first
        workers = pool.Pool(options, 2, len(items))
        monkeypatch.setattr(workers, "executor", lambda refuse_at=refuse_at: Dying(refuse_at))
        started, done, broken, killed = pool._round(
            workers, items, 1, options, lambda it, o: settled.append(it.index), threading.Event()
        )
        assert broken and not killed and not done and started == [False] * 3
    assert settled == []
