"""The batch wing: every workbook in input/ -> output/, in parallel, incrementally, atomically.

- plan.py: check the folders, take the lock, find and hash the inputs, give each a folder; what is unchanged
- reviewer.py, readback.py: the reviewer's decisions read back into the manifest before anything is replaced
- workers.py: what a worker does: read, score and check a workbook (kept in a spill file), then render
  it with its X findings, writing its own folder; pool.py: the long-lived workers, kept for both steps
- digests.py: a file's sha256 taken again only when its stat signature changed (the unchanged re-run)
- manifest.py: the record (sqlite) of what produced what, and of the reviewer's decisions (manifest_schema.py: its tables)
- files.py: output names, atomic writes
- frames.py: the batch-wide tables' rows, from each workbook's findings.json (tables.py: their shape)
- second_pass.py: the X rules over the whole folder, between the two steps; others whose X findings changed are redone
- approved.py: the bureau's approved 绩效目标 (X006–X008) as the second pass and the batch files use them
- outputs.py: 审核汇总.xlsx, findings.csv and the county report (county.py, pdf.py); the archive index
- runner.py: `run`, the flow through all of them

A workbook that breaks the code (an exception, or even a worker process dying) gets a findings.json
saying so and the batch goes on. Operational problems (no input folder, an output folder that cannot
be written) raise a BatchError before any work is done. A workbook whose output another program holds
open (a lock file beside it, or a write refused) is left as it was and named in the closing line.
"""

from .files import FINDINGS_CSV, SUMMARY_XLSX, atomic_write
from .interface import (
    AlreadyRunning,
    BatchError,
    BatchReport,
    BatchTiming,
    InputMissing,
    OutputIsInput,
    OutputNotWritable,
    RunOptions,
    WorkerSample,
)
from .outputs import archive_index
from .plan import discover
from .runner import run

__all__ = [
    "FINDINGS_CSV",
    "SUMMARY_XLSX",
    "AlreadyRunning",
    "BatchError",
    "BatchReport",
    "BatchTiming",
    "InputMissing",
    "OutputIsInput",
    "OutputNotWritable",
    "RunOptions",
    "WorkerSample",
    "archive_index",
    "atomic_write",
    "discover",
    "run",
]
