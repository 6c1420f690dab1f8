"""The zip every .xlsx and .docx we write is put in: its parts deflated at DEFLATE_LEVEL, by ISA-L
(python-isal) where it is installed, else by zlib, as zipfile does.

A scored workbook is ~70 KB of XML in ~21 parts, its report ~70 KB more in 2–3; zipfile makes a
zlib stream for each part, and at that size making the stream costs about what deflating it does.
Written into a zip as zipfile writes it, a scored workbook's parts take ~1.15 ms with zlib at
level 1 and ~0.65 ms with ISA-L at its level 1, to the same size (22.55 / 22.22 KB). Both write
plain deflate, which every reader of .xlsx and .docx reads (ECMA-376 part 2 allows stored and
deflated parts only).

zipfile has no option for another compressor, and replacing the one it made for a part after it
made it costs more than it saves (the zlib stream is made anyway). So, on import, zipfile's
`_get_compressor` (unchanged from Python 3.6 to 3.13) is wrapped: deflated parts get an ISA-L
stream, anything else what zipfile gives. That holds for every zip this process writes, which is
harmless (the same deflate format), and only once a small zip written that way has been read back
by zipfile (which checks every part's CRC) to every part as written: else zlib, slower, never wrong.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from . import DEFLATE_LEVEL

try:  # optional: pyproject installs it where a wheel exists (64-bit x86 and ARM)
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - exercised where isal is not installed
    _isal = None

_ZIPFILE_OWN = getattr(zipfile, "_get_compressor", None)


class Zip(zipfile.ZipFile):
    """A ZipFile whose parts are deflated at DEFLATE_LEVEL: xlsxwriter and wordml/package.py pass
    each part as a ZipInfo, which zipfile would deflate at its own default (level 6)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        level = DEFLATE_LEVEL if compresslevel is None else compresslevel
        super().writestr(zinfo_or_arcname, data, compress_type, level)


def _isal_level(level: int | None) -> int:
    """zlib's levels (None, -1: its default, 6) onto ISA-L's 0–3, by speed."""
    level = 6 if level is None or level < 0 else level
    return 0 if level == 0 else 1 if level <= 3 else 2 if level <= 7 else 3


def _compressor(compress_type, compresslevel=None):
    if compress_type == zipfile.ZIP_DEFLATED:
        return _isal.compressobj(_isal_level(compresslevel), zlib.DEFLATED, -15)
    return _ZIPFILE_OWN(compress_type, compresslevel)


SAMPLE = (  # parts like ours: repetitive XML, a tiny one, an empty one, one past a deflate block
    ("a.xml", b'<?xml version="1.0"?><c r="A1" s="3" t="s"><v>0</v></c>' * 200),
    ("b.xml", "绩效自评表".encode()),
    ("empty", b""),
    ("c.bin", bytes(range(256)) * 600),
)


def works() -> bool:
    """A zip written as zipfile now writes one reads back, with zipfile, to the parts written."""
    buffer = io.BytesIO()
    try:
        with Zip(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in SAMPLE:
                zf.writestr(zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
            return zf.testzip() is None and all(zf.read(name) == data for name, data in SAMPLE)
    except Exception:  # an internal that moved, a broken build of the library
        return False


def install() -> str:
    """ISA-L for the deflated parts of every zip written from now on, if it is there and proven
    here; the engine that deflates them now: "isal" or "zlib"."""
    if _isal is None or _ZIPFILE_OWN is None:
        return "zlib"
    zipfile._get_compressor = _compressor
    if works():
        return "isal"
    zipfile._get_compressor = _ZIPFILE_OWN
    return "zlib"


ENGINE = install()
