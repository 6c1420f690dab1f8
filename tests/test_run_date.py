"""The run date reaches the checks (issue 13): `--date` is what M003 compares 评价时间 with, in the
worker processes too, so the same input, config and date give the same files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.builders import clean_sheets, write_workbook
from tests.conftest import ROOT


def run_on(tmp_path: Path, day: str) -> list[dict]:
    inp, out = tmp_path / "in", tmp_path / f"out-{day}"
    inp.mkdir(exist_ok=True)
    write_workbook(inp / "clean.xlsx", clean_sheets())  # 评价时间 2024-03-15
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--input",
            inp,
            "--output",
            out,
            "--date",
            day,
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    [doc] = [json.loads(p.read_text("utf-8")) for p in out.glob("*/findings.json")]
    return [f for f in doc["findings"] if f["rule"] == "M003"]


def test_date_reaches_m003_in_the_workers(tmp_path):
    [m003] = run_on(tmp_path, "2024-03-01")  # the evaluation is dated after the run: a future date
    assert m003["cell"] == "B12" and "2024-03-01" in m003["message"]
    assert run_on(tmp_path, "2024-04-01") == []  # the real today (2025 or later) would say nothing either
