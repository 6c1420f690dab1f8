"""Workbook -> model. Reading knows nothing of checks or rendering."""

from .container import file_digest
from .workbook import Loaded, load, sha256_of

__all__ = ["Loaded", "file_digest", "load", "sha256_of"]
