"""Workbook -> model. Reading knows nothing of checks or rendering."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .container import file_digest

if TYPE_CHECKING:
    from .workbook import Loaded, load, sha256_of

__all__ = ["Loaded", "file_digest", "load", "sha256_of"]


def __getattr__(name: str):
    # the reader (calamine, the sheet parsers) only when a workbook is read: an unchanged re-run
    # hashes files and reads none, and its start-up is most of its time
    if name in ("Loaded", "load", "sha256_of"):
        from . import workbook

        return getattr(workbook, name)
    raise AttributeError(name)
