"""What the approved 绩效目标 add to a batch's main process (issue 26), timed on synthetic tables:

    python -m tests.time_approved [--n 2000] [--rows 40000]

n workbooks (copies of tests/builders.py's clean project, each its own name and unit, 20 indicators)
and an approved-targets export of `rows` rows over the same projects (one in ten targets changed, one
project in fifty missing from it). Prints, in seconds: reading the export, the X pass without and with
approved targets, 审核汇总.xlsx without and with 目标对照. The workers' part of the batch is untouched.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from datetime import date
from pathlib import Path

from pipeline.batch.frames import Entry, build
from pipeline.checks.approved import comparison_view, target_comparison
from pipeline.checks.cross import CrossContext, run_cross
from pipeline.config import Limits, Settings
from pipeline.evaluate import evaluate
from pipeline.load.approved import read_approved
from pipeline.render.findings_json import document
from pipeline.render.summary import summary_workbook
from tests.builders import clean_sheets, write_workbook
from tests.test_rules_approved import HEADER


def synthetic(n: int, rows: int, folder: Path) -> tuple[list[Entry], Path]:
    path = folder / "clean.xlsx"
    write_workbook(path, clean_sheets())
    base = document(evaluate(path, Settings(), today=date(2025, 1, 1)))
    extra = copy.deepcopy(base["indicators"])
    for i in extra:
        i["level3"] += "（二期）"
    base["indicators"] = base["indicators"] + extra  # 20 lines
    entries, approved = [], []
    per = max(1, rows // n)
    for k in range(n):
        doc = copy.deepcopy(base)
        doc["project"] |= {"name": f"2023年第{k}号项目", "unit": f"县第{k}单位"}
        doc["sha256"], doc["payments"], doc["narrative"] = f"{k:064x}", [], []  # X001–X005: nothing to find
        entries.append(Entry(f"p{k}.xlsx", f"p{k}", None, doc))
        if k % 50 == 49:
            continue  # not approved: X008 on its name
        for j, ind in enumerate(doc["indicators"][:per]):
            target = ind["target"] if (k + j) % 10 else "≥1000000次"
            approved.append(
                [
                    "",
                    f"2023年第{k}号项目",
                    f"县第{k}单位",
                    2023,
                    ind["level1"],
                    ind["level2"],
                    ind["level3"],
                    target,
                    "",
                ]
            )
    targets = folder / "targets"
    targets.mkdir()
    write_workbook(targets / "批复.xlsx", {"批复绩效目标": [["2023年度绩效目标批复表"], HEADER, *approved]})
    return entries, targets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=40000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        entries, targets = synthetic(args.n, args.rows, Path(tmp))
        frames = build(entries)
        t = time.process_time()
        approved = read_approved(targets, Limits())
        read = time.process_time() - t
        t = time.process_time()
        off = run_cross(frames, CrossContext(Settings()))
        cross_off = time.process_time() - t
        ctx = CrossContext(Settings(), approved)
        t = time.process_time()
        on = run_cross(frames, ctx)
        cross_on = time.process_time() - t
        table = comparison_view(target_comparison(frames, ctx))
        t = time.process_time()
        summary_workbook(frames)
        summary_off = time.process_time() - t
        t = time.process_time()
        summary_workbook(frames, targets=table)
        summary_on = time.process_time() - t
    n_on = sum(len(v) for v in on.values())
    n_off = sum(len(v) for v in off.values())
    print(
        f"{args.n} workbooks, {len(approved.rows)} approved rows, {len(table)} lines of 目标对照, X findings {n_off} -> {n_on}"
    )
    print(f"read the export        {read:6.2f} s")
    print(
        f"X pass                 {cross_off:6.2f} s without, {cross_on:6.2f} s with approved targets (+{cross_on - cross_off:.2f})"
    )
    print(
        f"审核汇总.xlsx          {summary_off:6.2f} s without, {summary_on:6.2f} s with 目标对照 (+{summary_on - summary_off:.2f})"
    )
    print(f"added to the main process: {read + cross_on - cross_off + summary_on - summary_off:.2f} s")


if __name__ == "__main__":
    main()
