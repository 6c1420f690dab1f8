"""The approved 绩效目标 in the batch's cross-workbook pass: the one place the batch asks about them
(outputs.py).

- `approved_state`: the folder's files and their digests (part of the batch key: a new export redoes
  the X pass) and the console line when there are none (X006–X008 off, said once per run);
- `read_for_pass`: the rows, read only when the X pass runs, and a line when some could not be read;
- `with_reading_problems`: those problems as rows of the findings table that 审核汇总 and
  findings.csv are written from — findings of the batch, named by the approved file, sheet and cell.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..decisions import OPEN
from ..load.approved import ApprovedTargets, approved_files, read_approved
from ..load.container import file_digest
from ..messages import MSG

if TYPE_CHECKING:
    from ..tables import Frames

APPROVED_PROJECT = "（批复绩效目标）"  # the 项目名称 column of a reading problem's row


@dataclass(frozen=True)
class ApprovedState:
    folder: Path | None
    digests: tuple[tuple[str, str], ...] = ()  # (file name, sha256): what the X pass depends on

    @property
    def off(self) -> bool:
        return not self.digests


def approved_state(folder: Path | None, settings: Settings) -> tuple[ApprovedState, list[str]]:
    """The folder's files as the batch key sees them, and the console line when there are none."""
    if folder is None:  # not configured (a library call): nothing to say
        return ApprovedState(None), []
    limit = int(settings.limits.max_file_mb * 1024 * 1024)
    state = ApprovedState(folder, tuple((p.name, file_digest(p, limit)) for p in approved_files(folder)))
    return state, ([MSG["AT_off"].format(folder=folder)] if state.off else [])


def read_for_pass(state: ApprovedState, settings: Settings) -> tuple[ApprovedTargets | None, list[str]]:
    """The approved rows for the X pass (None when off), and a line when some could not be read."""
    if state.folder is None or state.off:
        return None, []
    approved = read_approved(state.folder, settings.limits)
    if not approved.problems:
        return approved, []
    files = "、".join(dict.fromkeys(file for file, _ in approved.problems))
    return approved, [MSG["AT_problems"].format(n=len(approved.problems), files=files)]


def with_reading_problems(frames: Frames, approved: ApprovedTargets | None) -> Frames:
    """`frames` with the approved files' reading problems appended to its findings table."""
    if approved is None or not approved.problems:
        return frames
    import pandas as pd

    from ..tables import FINDING_COLUMNS

    rows = [
        {"file": file, "project": APPROVED_PROJECT, **f.as_dict(), "decision": OPEN}
        for file, f in approved.problems
    ]
    extra = pd.DataFrame(rows).reindex(columns=list(FINDING_COLUMNS)).astype(object)
    extra = extra.where(extra.notna(), None)
    findings = pd.concat([frames.findings, extra], ignore_index=True) if len(frames.findings) else extra
    return dataclasses.replace(frames, findings=findings)
