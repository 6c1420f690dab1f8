"""`make bundle` (outputs.md v3, issue 27): the zip's contents, and the check that the wheels serve
each target with that target's markers (pip evaluates them for the machine it runs on: downloaded
here for Windows, tqdm's `colorama; platform_system == "Windows"` is left out)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from pipeline import bundle
from tests.conftest import ROOT


def wheel(folder: Path, name: str, version: str, tag: str, requires: tuple[str, ...] = ()) -> Path:
    path = folder / f"{name}-{version}-{tag}.whl"
    meta = "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            f"{name}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{meta}\nlong description\nRequires-Dist: x\n",
        )
    return path


@pytest.fixture
def linux_set(tmp_path):
    """What `pip download --platform win_amd64` brings when run on Linux: no colorama."""
    wheel(tmp_path, "tqdm", "4.70.1", "py3-none-any", ('colorama; platform_system == "Windows"',))
    wheel(tmp_path, "pandas", "3.1.1", "cp312-cp312-win_amd64", ("numpy>=1.26", 'tzdata; extra == "tz"'))
    wheel(tmp_path, "numpy", "2.5.5", "cp312-cp312-win_amd64")
    wheel(tmp_path, "numpy", "2.4.6", "cp311-cp311-manylinux_2_28_x86_64")
    return tmp_path


def test_what_only_windows_needs_is_found_missing_with_windows_markers(linux_set):
    target = bundle.windows((3, 12))
    assert bundle.missing(linux_set, ["tqdm", "pandas>=2.1"], target) == ["colorama"]
    wheel(linux_set, "colorama", "0.4.6", "py2.py3-none-any")
    assert bundle.missing(linux_set, ["tqdm", "pandas>=2.1"], target) == []


def test_a_wheel_for_another_python_or_system_does_not_count(linux_set):
    wheel(linux_set, "colorama", "0.4.6", "py2.py3-none-any")
    assert bundle.missing(linux_set, ["pandas"], bundle.windows((3, 11))) == ["pandas"]
    assert bundle.missing(linux_set, ["numpy<2.5"], bundle.windows((3, 12))) == ["numpy<2.5"]


def test_an_extra_brings_its_own_requirements(linux_set):
    assert bundle.missing(linux_set, ["pandas[tz]"], bundle.windows((3, 12))) == ["tzdata"]


def test_the_bundle_wants_what_make_installs_build_run_and_test():
    wanted = bundle.requirements(ROOT)
    for name in ("setuptools", "pandas", "python-calamine", "pytest", "pytest-xdist", "hypothesis", "ruff"):
        assert any(r.startswith(name) for r in wanted), name


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout (an unpacked offline bundle)")
def test_the_project_part_is_what_git_tracks_launchers_and_all():
    files = bundle.project_files(ROOT)
    for needed in ("生成报告.bat", "自查.bat", "tools/launch.py", "Makefile", "pyproject.toml", "README.md"):
        assert needed in files
    assert not any(f.startswith((".venv/", "dist/", "wheels/")) for f in files)
    assert [f for f in files if f.startswith("output/")] == ["output/.gitkeep"]


def test_the_zip_holds_the_tracked_files_and_the_wheels_under_one_folder(tmp_path):
    root = tmp_path / "project"
    (root / "input").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\n")
    (root / "input" / "示例.xlsx").write_bytes(b"the example")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    (root / "input" / "某单位.xlsx").write_bytes(b"a unit's workbook, never shipped")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "tqdm", "4.70.1", "py3-none-any")
    made = bundle.write_zip(root, wheels, tmp_path / "jixiao-ziping-0.1.0-offline.zip")
    with zipfile.ZipFile(made) as z:
        names = sorted(z.namelist())
        stored = z.getinfo(names[-1]).compress_type
    top = "jixiao-ziping-0.1.0-offline/"
    assert names == [
        top + "input/示例.xlsx",
        top + "pyproject.toml",
        top + "wheels/tqdm-4.70.1-py3-none-any.whl",
    ]
    assert stored == zipfile.ZIP_STORED  # a wheel is a zip already
    assert not list(tmp_path.glob("*.part"))


def test_outside_a_git_checkout_the_bundle_says_where_to_build_it(tmp_path):
    with pytest.raises(bundle.BundleError, match="git"):
        bundle.project_files(tmp_path)
