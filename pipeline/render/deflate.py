"""The zip every .xlsx and .docx we write is put in: its parts deflated at DEFLATE_LEVEL, by ISA-L
(python-isal) where it is installed, else by zlib, as zipfile does.

A scored workbook and its report are ~140 KB of XML in ~23 parts; zlib at level 1 deflates them in
~1.0–1.3 ms, ISA-L at its level 1 in ~0.35 ms, to the same size (27.07 / 26.82 KB; the bench
corpus, every part's stream made anew as a zip makes it). Both write plain deflate, which every
reader of .xlsx and .docx reads (ECMA-376 part 2 allows stored and deflated parts only).

zipfile has no option for another compressor: `Zip` replaces the one zipfile makes for each part
(`_open_to_write`, `_ZipWriteFile._compressor`, unchanged from Python 3.6 to 3.13). At import a
small zip is written that way and read back by plain zipfile (which checks every part's CRC);
unless every part comes back as written, `Zip` deflates with zlib: slower, never wrong.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from . import DEFLATE_LEVEL

try:  # optional: pyproject installs it where a wheel exists (Windows and Linux, x86-64 and ARM)
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - exercised where isal is not installed
    _isal = None

ENGINE = "zlib"  # which one deflates: set below, once the fast one is proven here


class Zip(zipfile.ZipFile):
    """A ZipFile whose deflated parts are deflated at DEFLATE_LEVEL by ENGINE. xlsxwriter and
    wordml/package.py pass each part as a ZipInfo, which zipfile would deflate at its own default."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        level = DEFLATE_LEVEL if compresslevel is None else compresslevel
        super().writestr(zinfo_or_arcname, data, compress_type, level)

    def _open_to_write(self, zinfo, force_zip64=False):
        dest = super()._open_to_write(zinfo, force_zip64)
        if ENGINE == "isal" and zinfo.compress_type == zipfile.ZIP_DEFLATED:
            level = zinfo._compresslevel if zinfo._compresslevel is not None else DEFLATE_LEVEL
            # ISA-L has levels 0–3; zlib's 1–9 map onto them by speed (1 -> 1, 6 -> 2, 9 -> 3)
            dest._compressor = _isal.compressobj(_isal_level(level), zlib.DEFLATED, -15)
        return dest


def _isal_level(level: int) -> int:
    return 0 if level <= 0 else 1 if level <= 3 else 2 if level <= 7 else 3


SAMPLE = (  # parts like ours: repetitive XML, a tiny one, an empty one, one past a deflate block
    ("a.xml", b'<?xml version="1.0"?><c r="A1" s="3" t="s"><v>0</v></c>' * 200),
    ("b.xml", "绩效自评表".encode()),
    ("empty", b""),
    ("c.bin", bytes(range(256)) * 600),
)


def works() -> bool:
    """The fast engine's zip reads back, with plain zipfile, to the parts written."""
    buffer = io.BytesIO()
    try:
        with Zip(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in SAMPLE:
                zf.writestr(zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
            return zf.testzip() is None and all(zf.read(name) == data for name, data in SAMPLE)
    except Exception:  # an internal that moved, a broken build of the library
        return False


if _isal is not None:
    ENGINE = "isal"
    if not works():
        ENGINE = "zlib"
