"""render/deflate.py: the outputs' parts deflated by ISA-L where it is there and proven, else zlib;
either way a zip every reader reads back to the bytes written."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from pipeline.render import deflate
from pipeline.render.deflate import SAMPLE, Zip

isal = pytest.importorskip("isal.isal_zlib", reason="isal is not installed here")


def _zip(parts) -> bytes:
    buffer = io.BytesIO()
    with Zip(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            zf.writestr(zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_isal_is_used_where_installed_and_its_zip_reads_back():
    assert deflate.ENGINE == "isal"
    xml = b'<row r="1"><c r="A1" s="3" t="s"><v>12</v></c></row>' * 500
    data = _zip([("xl/worksheets/sheet1.xml", xml)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(xml) // 5
        assert zf.read(info) == xml and zf.testzip() is None
    # ISA-L's stream, not zlib's: the same part deflated by zlib at level 1 differs
    raw = data[30 + len(info.filename) : 30 + len(info.filename) + info.compress_size]
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert raw != c.compress(xml) + c.flush()
    assert zlib.decompress(raw, -15) == xml


def test_a_broken_fast_engine_is_not_used(monkeypatch):
    class Broken:  # deflates to bytes that inflate to something else
        @staticmethod
        def compressobj(*args):
            c = zlib.compressobj(1, zlib.DEFLATED, -15)

            class Wrong:
                def compress(self, data):
                    return c.compress(data[::-1])

                def flush(self):
                    return c.flush()

            return Wrong()

    monkeypatch.setattr(zipfile, "_get_compressor", zipfile._get_compressor)  # put back afterwards
    monkeypatch.setattr(deflate, "_isal", Broken)
    assert deflate.install() == "zlib"  # the proof failed: zipfile deflates with zlib again
    assert zipfile._get_compressor is deflate._ZIPFILE_OWN
    with zipfile.ZipFile(io.BytesIO(_zip(SAMPLE))) as zf:
        assert [(n, zf.read(n)) for n, _ in SAMPLE] == list(SAMPLE)


def test_other_compressions_are_zipfiles_own():
    assert deflate._compressor(zipfile.ZIP_STORED) is None
    assert type(deflate._compressor(zipfile.ZIP_BZIP2)).__name__ == "BZ2Compressor"


@pytest.mark.parametrize(
    ("zlib_level", "isal_level"), [(None, 2), (-1, 2), (0, 0), (1, 1), (3, 1), (6, 2), (9, 3)]
)
def test_zlib_levels_map_onto_isal_levels_by_speed(zlib_level, isal_level):
    assert deflate._isal_level(zlib_level) == isal_level
