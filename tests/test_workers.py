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


# ---------------------------------------------------------------- the first step kept in memory
def test_the_first_step_keeps_up_to_keep_max_in_memory_then_writes_spill_files(tmp_path, monkeypatch):
    """Issue 28: a worker keeps what the first step made of a workbook in its memory (no spill file
    written and read back: ~2.5 ms of a workbook's ~28) up to KEEP_BYTES, then writes spill files;
    either way the second step renders the same bytes as the whole work."""
    import os

    path = write_workbook(tmp_path / "甲.xlsx", clean_sheets())
    state = _state(tmp_path / "out", monkeypatch, slots=3)
    state["holders"] = [0] * 3
    monkeypatch.setattr(workers, "_KEPT", {})
    monkeypatch.setattr(workers, "_HELD", [0])
    run_date = date(2024, 4, 1)
    assessed = assess(path, Settings(), run_date)
    footprint = workers._footprint(assessed, to_bytes(conclude(assessed, Settings(), run_date, (), "")))
    monkeypatch.setattr(workers, "KEEP_BYTES", 2 * footprint + footprint // 2)  # room for two
    spill = [str(tmp_path / str(slot)) for slot in range(3)]
    for slot in range(3):
        workers._assess(path, path.name, "", (), "", spill[slot], slot)
    assert sorted(workers._KEPT) == [0, 1] and state["holders"] == [os.getpid(), os.getpid(), 0]
    assert [os.path.exists(s) for s in spill] == [False, False, True]
    _, whole, _, _ = workers._compute(path, path.name, "", (), "", ())
    for slot in range(3):
        kept = workers._unspill(spill[slot], slot)
        assert workers._compute(path, path.name, "", (), "", (), kept=kept)[1] == whole
    assert workers._KEPT == {} and workers._HELD == [0] and not os.path.exists(spill[2])


_KEPT = (None, b"", 0)  # what a worker keeps of a first step, as far as a plan looks


def test_a_first_step_is_counted_by_its_sheets_too_not_only_its_findings(tmp_path):
    """A sheet of many cells that no finding mentions (so a small findings.json) is kept in memory
    as read: its footprint counts it, and a worker past KEEP_BYTES spills it instead."""
    from types import SimpleNamespace

    path = write_workbook(tmp_path / "甲.xlsx", clean_sheets())
    assessed = assess(path, Settings(), date(2024, 4, 1))
    wide = SimpleNamespace(
        project=SimpleNamespace(sheets={**assessed.project.sheets, "附表": [[1.0] * 1000] * 1000})
    )
    assert workers._footprint(wide, b"{}") - workers._footprint(assessed, b"{}") == 128 * 1_000_000
    assert workers._footprint(SimpleNamespace(project=None), b"{}") == 12


def _claimed(picked: list[tuple]) -> list[int]:
    return [task[0] for task in picked]


def test_workers_claim_each_workbook_of_the_second_step_once_their_own_first(tmp_path, monkeypatch):
    """Two workers claim from one plan: each first the workbooks it keeps in memory, then those no
    worker keeps; every workbook goes to exactly one of them."""
    me, other = 1001, 1002
    monkeypatch.setattr(workers, "_STATE", {"holders": [me, me, other, other, 0, 0]})
    tasks = [(slot, slot, f"{slot}.xlsx") for slot in range(6)]  # a plan goes by the slot only
    plan = str(tmp_path / "plan")
    monkeypatch.setattr(workers, "_KEPT", {0: _KEPT, 1: _KEPT})
    mine = workers._Plan(plan, tasks)
    monkeypatch.setattr(workers, "_KEPT", {2: _KEPT, 3: _KEPT})
    theirs = workers._Plan(plan, tasks)
    assert _claimed(mine.claim(1)) == [0]
    assert _claimed(theirs.claim(1)) == [2]
    assert _claimed(mine.claim(2)) == [1, 4]  # its own, then one that no worker keeps
    assert _claimed(theirs.claim(4)) == [3, 5]  # none of mine: I render them
    assert mine.claim(4) == [] and theirs.claim(4) == []


def test_a_worker_with_nothing_left_takes_what_another_keeps_rather_than_wait(tmp_path, monkeypatch):
    """At the end of the second step an idle worker takes workbooks the other keeps (and reads,
    scores and checks them again) rather than leave them all to it; a claim that cannot be
    written (the spill folder gone) is taken too, never left undone."""
    monkeypatch.setattr(workers, "_STATE", {"holders": [1002, 1002, 1002]})
    tasks = [(slot, slot, f"{slot}.xlsx") for slot in range(3)]
    monkeypatch.setattr(workers, "_KEPT", {})
    idle = workers._Plan(str(tmp_path / "plan"), tasks)
    assert _claimed(idle.claim(2)) == [0, 1]
    monkeypatch.setattr(workers, "_KEPT", {0: _KEPT, 1: _KEPT, 2: _KEPT})
    keeper = workers._Plan(str(tmp_path / "plan"), tasks)
    assert _claimed(keeper.claim(4)) == [2]
    gone = workers._Plan(str(tmp_path / "gone" / "plan"), tasks)
    assert _claimed(gone.claim(3)) == [0, 1, 2]


def test_the_second_step_claimed_from_a_plan_renders_every_workbook_once(tmp_path, monkeypatch):
    """pool._plan writes the second step's tasks for the workers; _pull_chunk claims and renders
    them: every workbook once, from memory where the first step kept it, to the same files."""
    from pipeline.batch import pool

    inp, out, spill = tmp_path / "input", tmp_path / "output", tmp_path / "spill"
    for folder in (inp, out, spill):
        folder.mkdir()
    paths = [write_workbook(inp / f"{n}.xlsx", clean_sheets()) for n in "甲乙丙"]
    state = _state(out, monkeypatch, slots=3)
    state["holders"] = [0] * 3
    monkeypatch.setattr(workers, "_KEPT", {})
    monkeypatch.setattr(workers, "_HELD", [0])
    monkeypatch.setattr(workers, "_PLANS", {})
    tasks = [
        (slot, slot, str(p), p.name, "", p.stem, (), "", (), {}, None, str(spill / str(slot)))
        for slot, p in enumerate(paths)
    ]
    try:
        workers._assess_chunk(tasks[:2])  # the third kept by no one: done whole in the second step
        assert sorted(workers._KEPT) == [0, 1] and not any(spill.iterdir())
        plan = pool._plan(tasks, str(spill))
        outcomes = workers._pull_chunk(plan, 2) + workers._pull_chunk(plan, 2)
        assert workers._pull_chunk(plan, 2) == []
    finally:
        state["writer"].shutdown()
    assert sorted(o.index for o in outcomes) == [0, 1, 2]
    assert all(o.status == "ok" and len(o.outputs) == 3 for o in outcomes)
    assert [o.as_assessed for o in sorted(outcomes, key=lambda o: o.index)] == [True, True, False]
    assert workers._KEPT == {}
