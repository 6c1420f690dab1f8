"""Workbook -> model. Reading knows nothing of checks or rendering."""

from .workbook import Loaded, load, sha256_of

__all__ = ["Loaded", "load", "sha256_of"]
