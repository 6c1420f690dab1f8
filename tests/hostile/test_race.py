"""Issue 23 item 1, as a fault test: a reviewer saves decisions (in the scored workbook) and a
审核结论 (in 审核汇总.xlsx) while a run replaces both, at many different moments and in both ways
programs save (in place, as openpyxl does; or a new file renamed over the old, as Excel does). After
each run and one quiet run more, the last thing the reviewer saved is what the manifest holds, and
the outputs show it: nothing saved while the batch ran is lost. Marked slow (RACE_ROUNDS, default
12, each two runs): `make fuzz` runs it, the normal suite does not."""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from pipeline.batch import run
from pipeline.batch.manifest import Manifest
from tests.builders import write_workbook
from tests.test_batch import opts, project
from tests.test_decisions_e2e import WAIVE, by_rule, findings_json, reviewed_sheets, scored, summary_row

ROUNDS = int(os.environ.get("RACE_ROUNDS", "12"))


def save(path: Path, edit, atomic: bool) -> None:
    """The reviewer's program saves: in place (truncate and write), or a new file renamed over."""
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.properties.lastModifiedBy = "张审核"
    if not atomic:
        wb.save(path)
        return
    tmp = path.with_name("~$saving.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def waive(note: str):
    def edit(wb) -> None:
        ws = wb["审核意见"]
        col = {c.value: i for i, c in enumerate(ws[1])}
        for row in ws.iter_rows(min_row=2):
            if (row[col["规则"]].value, row[col["工作表"]].value, row[col["单元格"]].value) == WAIVE:
                row[col["审核处理"]].value, row[col["审核说明"]].value = "豁免", note

    return edit


def conclude(state: str):
    def edit(wb) -> None:
        ws = wb["汇总"]
        col = {c.value: i for i, c in enumerate(ws[1])}
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "审.xlsx":
                row[col["审核结论"]].value = state

    return edit


def stored(out: Path) -> tuple[str, str]:
    m = Manifest(out)
    try:
        [note] = [d.note for d in m.decisions("审.xlsx") if d.status == "有效" and d.key.rule == WAIVE[0]]
        return note, m.conclusions()["审.xlsx"].state
    finally:
        m.close()


@pytest.mark.slow
def test_a_save_racing_a_run_is_never_lost(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    write_workbook(inp / "审.xlsx", reviewed_sheets())
    for n in range(3):  # more work, so the saves land at every stage of the run
        project(inp / f"旁{n}.xlsx", f"2023年旁边的项目{n}")
    run(opts(inp, out))
    rng = random.Random(23)
    started = time.perf_counter()
    run(opts(inp, out, force=True))
    duration = time.perf_counter() - started
    states = ["通过", "退回修改"]
    for i in range(ROUNDS):
        note, state = f"第{i}次核实", states[i % 2]
        atomic = bool(i % 3 == 1)
        delays = sorted(rng.uniform(0, duration * 1.1) for _ in range(2))
        errors: list[BaseException] = []

        def reviewer(note=note, state=state, atomic=atomic, delays=delays, errors=errors) -> None:
            try:
                time.sleep(delays[0])
                save(scored(out), waive(note), atomic)
                time.sleep(delays[1] - delays[0])
                save(out / "审核汇总.xlsx", conclude(state), atomic)
            except BaseException as e:  # a file between rename-aside and its replacement: try once more
                time.sleep(0.2)
                try:
                    save(scored(out), waive(note), atomic)
                    save(out / "审核汇总.xlsx", conclude(state), atomic)
                except BaseException as again:
                    errors.append(again)
                    raise e from again

        thread = threading.Thread(target=reviewer)
        thread.start()
        run(opts(inp, out, force=True))
        thread.join()
        assert not errors, errors
        run(opts(inp, out))  # a quiet run: whatever was kept aside is read now
        assert stored(out) == (note, state), f"round {i}: delays {delays}, atomic={atomic}"
        assert by_rule(findings_json(out), "P003")["decision"]["note"] == note
        assert summary_row(out, "审.xlsx")["审核结论"] == state
    kept = [p.name for p in (out / "审").iterdir() if "运行期间保存" in p.name]
    shutil.rmtree(tmp_path / "output", ignore_errors=True)
    print(f"{ROUNDS} rounds; kept aside: {len(kept)}")
