"""render/wordml/package.py: the report's base parts are built with python-docx once per installation
and read back after, under a name made of everything that makes them (issue 28: python-docx's import
and the build were ~0.2 s of every run before its first worker could start)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from tests.conftest import ROOT

package = importlib.import_module("pipeline.render.wordml.package")
base = importlib.import_module("pipeline.render.wordml.base")


def _fresh(monkeypatch, kept, digest: str):
    monkeypatch.setattr(package, "KEPT", kept)
    monkeypatch.setattr(package, "made_by", lambda: digest)
    package.base_package.cache_clear()


def test_the_base_parts_read_back_are_the_very_ones_built():
    built = base.build()
    assert package.read_base(package.base_bytes(built)) == built
    assert built.static_zip.startswith(b"PK") and "<w:pgSz" in built.sect_pr


def test_built_once_kept_and_read_back_after(tmp_path, monkeypatch):
    _fresh(monkeypatch, tmp_path / "kept", "aaa")
    calls = []
    real = base.build
    monkeypatch.setattr(base, "build", lambda: calls.append(1) or real())
    first = package.base_package()
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["base-aaa.zip"] and calls == [1]
    package.base_package.cache_clear()
    assert package.base_package() == first and calls == [1]  # read back, not built
    package.base_package.cache_clear()


def test_other_code_builds_them_again_and_only_the_new_ones_are_kept(tmp_path, monkeypatch):
    kept = tmp_path / "kept"
    _fresh(monkeypatch, kept, "aaa")
    package.base_package()
    _fresh(monkeypatch, kept, "bbb")
    package.base_package()
    assert [p.name for p in kept.iterdir()] == ["base-bbb.zip"]
    package.base_package.cache_clear()


def test_a_damaged_kept_file_is_built_again(tmp_path, monkeypatch):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "base-ccc.zip").write_bytes(b"PK\x03\x04 not a zip")
    _fresh(monkeypatch, kept, "ccc")
    assert package.base_package() == base.build()
    assert package.read_base((kept / "base-ccc.zip").read_bytes()) == base.build()
    package.base_package.cache_clear()


def test_where_nothing_can_be_kept_they_are_built_each_time(tmp_path, monkeypatch):
    (tmp_path / "file").write_bytes(b"")
    _fresh(monkeypatch, tmp_path / "file" / "kept", "ddd")  # a folder under a file: never made
    assert package.base_package() == base.build()
    package.base_package.cache_clear()


def test_the_name_changes_with_python_docx(tmp_path, monkeypatch):
    """A python-docx upgrade (its __init__.py carries the version) makes another name."""
    fake = tmp_path / "__init__.py"
    fake.write_text('__version__ = "1.2.0"\n')
    monkeypatch.setattr(package, "_origin", lambda name: fake if name == "docx" else None)
    before = package.made_by()
    fake.write_text('__version__ = "1.3.0"\n')
    assert package.made_by() != before
    assert package.made_by() == package.made_by()


def test_a_report_rendered_with_the_base_kept_never_imports_python_docx():
    package.base_package.cache_clear()
    package.base_package()  # kept now, if it was not
    code = (
        "import sys\n"
        "from pipeline.render.report import prepare\n"
        "from pipeline.render.wordml import base_package\n"
        "prepare(); base_package()\n"
        "print(sorted(m for m in ('docx', 'lxml') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr
