"""The batch wing: every workbook in input/ -> output/, in parallel, incrementally, atomically.

- plan.py: check the folders, take the lock, find and hash the inputs, give each a folder; what is unchanged
- reviewer.py, readback.py: the reviewer's decisions read back into the manifest before anything is replaced
- workers.py: what a worker does: read, score and check a workbook (kept in its memory, else in a spill file), then render
  it with its X findings, writing its own folder; pool.py: the long-lived workers, kept for both steps
- warm.py: imported by the fork server only: the Word base document built once, inherited by every worker
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

import importlib

# What each name is, by module: imported when first asked for (PEP 562), so that a worker, which
# needs only workers.py, does not import the runner, the manifest and the batch files' renderers.
_WHERE = {
    "FINDINGS_CSV": "files",
    "SUMMARY_XLSX": "files",
    "atomic_write": "files",
    "AlreadyRunning": "interface",
    "BatchError": "interface",
    "BatchReport": "interface",
    "BatchTiming": "interface",
    "InputMissing": "interface",
    "OutputIsInput": "interface",
    "OutputNotWritable": "interface",
    "RunOptions": "interface",
    "WorkerSample": "interface",
    "archive_index": "outputs",
    "discover": "plan",
    "run": "runner",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
