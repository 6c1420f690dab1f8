"""`make clean` (outputs.md v3): remove what the pipeline wrote and nobody has changed since. The
manifest (it holds the reviewers' 审核处理) stays, and so does every file whose bytes are no longer
the ones written: a scored workbook a reviewer filled in, a 审核汇总 with 审核结论. A file the
manifest does not know is not ours to delete."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .batch import archive_index
from .batch.files import clean_temp
from .load import file_digest


@dataclass(frozen=True)
class Cleaned:
    removed: int
    edited: tuple[str, ...]  # written by the pipeline, changed since (by a reviewer): kept
    unknown: int  # files the manifest does not list: kept
    manifest: bool  # there was a manifest (without one nothing is deleted)


def clean(output: Path) -> Cleaned:
    if not output.is_dir():
        return Cleaned(0, (), 0, manifest=False)
    entries = archive_index(output)
    if not entries:
        return Cleaned(0, (), sum(1 for _ in _files(output)), manifest=False)
    clean_temp(output)
    written = {e["path"]: e["sha256"] for entry in entries for e in entry["outputs"]}
    removed, edited = 0, []
    for name, digest in sorted(written.items()):
        path = output / name
        if not path.is_file() or path.is_symlink():
            continue
        if file_digest(path) == digest:
            path.unlink()
            removed += 1
        else:
            edited.append(name)
    unknown = sum(1 for p in _files(output) if p.relative_to(output).as_posix() not in written)
    for folder in sorted({(output / n).parent for n in written}, reverse=True):
        if folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return Cleaned(removed, tuple(edited), unknown, manifest=True)


def _files(output: Path):
    """Every file below output but ours to keep anyway: the manifest, the lock, .gitkeep."""
    for folder, _, names in os.walk(output):
        for name in names:
            if not name.startswith("."):
                yield Path(folder) / name
