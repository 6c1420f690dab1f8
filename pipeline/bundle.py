"""`make bundle` / `jixiao bundle` (outputs.md v3): one zip for an office whose network reaches no
package index. It holds the project (what git tracks), its launchers, and `wheels/`: every
dependency, the test and build ones included, as wheels for 64-bit Windows (CPython 3.11–3.13) and
for this machine. tools/launch.py and the Makefile install from `wheels/` with no network.

pip evaluates environment markers (`colorama; sys_platform == "win32"`) on the machine it runs on,
not on `--platform`: a set downloaded here for Windows lacks what only Windows needs. So the set is
walked again with each target's markers, and what is missing is fetched, until nothing is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

try:  # comes with pytest (the dev install); pip carries its own copy otherwise
    from packaging import markers, tags, utils
    from packaging.requirements import Requirement
    from packaging.version import Version
except ImportError:  # pragma: no cover - a launcher-only install
    from pip._vendor.packaging import markers, tags, utils  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef]

WHEELS = "wheels"
WINDOWS_VERSIONS = ((3, 11), (3, 12), (3, 13))
# what markers see on 64-bit Windows (the python_version keys are added per target)
_WINDOWS = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_release": "10",
    "platform_version": "10.0.19045",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


class BundleError(Exception):
    """The bundle could not be built: the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """One interpreter the wheels must serve: its pip options, markers and wheel tags."""

    name: str  # as said to a person: "Windows 64 位 Python 3.12"
    pip_args: tuple[str, ...]
    environment: dict[str, str]
    tags: frozenset[tags.Tag]


def windows(version: tuple[int, int]) -> Target:
    dotted = "{}.{}".format(*version)
    cp = "cp{}{}".format(*version)
    found = [
        *tags.cpython_tags(version, abis=[cp, "abi3", "none"], platforms=["win_amd64"]),
        *tags.compatible_tags(version, interpreter=cp, platforms=["win_amd64"]),
    ]
    return Target(
        name=f"Windows 64 位 Python {dotted}",
        pip_args=("--platform", "win_amd64", "--python-version", dotted, "--implementation", "cp"),
        environment={**_WINDOWS, "python_version": dotted, "python_full_version": f"{dotted}.0"},
        tags=frozenset(found),
    )


def this_machine() -> Target:
    return Target(
        name="本机 Python {}.{}".format(*sys.version_info[:2]),
        pip_args=(),
        environment=markers.default_environment(),
        tags=frozenset(tags.sys_tags()),
    )


def requirements(root: Path) -> list[str]:
    """What `pip install -e .[dev]` needs, from pyproject.toml: build, run and test requirements."""
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    project = data["project"]
    return [
        *data["build-system"]["requires"],
        *project["dependencies"],
        *(r for extra in project.get("optional-dependencies", {}).values() for r in extra),
    ]


def missing(folder: Path, wanted: Iterable[str], target: Target) -> list[str]:
    """The requirements (and theirs, with the target's markers) that no wheel in folder serves."""
    wheels: dict[str, list[tuple[str, Path]]] = {}
    for path in folder.glob("*.whl"):
        name, version, _, found = utils.parse_wheel_filename(path.name)
        if found & target.tags:
            wheels.setdefault(name, []).append((str(version), path))
    todo = [(Requirement(text), "") for text in wanted]
    seen: set[tuple[str, str]] = set()
    lacking: list[str] = []
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({**target.environment, "extra": extra}):
            continue
        name = utils.canonicalize_name(req.name)
        fits = [(v, p) for v, p in wheels.get(name, []) if req.specifier.contains(v, prereleases=True)]
        if not fits:
            lacking.append(str(Requirement(f"{req.name}{req.specifier}")))
            continue
        wheel = max(fits, key=lambda f: Version(f[0]))[1]  # the one pip --no-index would pick
        for extra_wanted in ("", *sorted(req.extras)):
            if (wheel.name, extra_wanted) not in seen:
                seen.add((wheel.name, extra_wanted))
                todo += [(Requirement(r), extra_wanted) for r in _requires(wheel)]
    return sorted(set(lacking))


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        text = z.read(meta).decode("utf-8")
    head = text.split("\n\n", 1)[0]
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("Requires-Dist:")]


Run = Callable[[list[str]], int]


def fetch_wheels(root: Path, folder: Path, run: Run, say: Callable[[str], None]) -> None:
    """Every wheel for every target into folder. This machine first with `pip wheel`, which also
    builds a wheel from a package published only as source: a pure-Python one then serves Windows too."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = requirements(root)
    pip = [sys.executable, "-m", "pip"]
    quiet = ["-q", "--disable-pip-version-check", "--find-links", str(folder)]
    here = this_machine()
    say(f"下载依赖：{here.name} …")
    if run([*pip, "wheel", *quiet, "-w", str(folder), *wanted]) != 0:
        raise BundleError(
            f"{here.name} 的依赖下载失败（见上面 pip 的输出）：请确认本机能连上软件包索引后重试"
        )
    for target in [here, *map(windows, WINDOWS_VERSIONS)]:
        if target is not here:
            say(f"下载依赖：{target.name} …")
            line = [*pip, "download", *quiet, "--only-binary=:all:", *target.pip_args, "-d", str(folder)]
            if run([*line, *wanted]) != 0:
                raise BundleError(
                    f"{target.name} 的依赖下载失败（见上面 pip 的输出）：某个依赖可能没有该版本的 wheel"
                )
        for _ in range(5):  # what pip's markers left out (each round may bring new requirements)
            lacking = missing(folder, wanted, target)
            if not lacking:
                break
            say(f"补充 {target.name} 需要的：{'、'.join(lacking)}")
            download = [*pip, "download", *quiet, "--only-binary=:all:", "--no-deps", *target.pip_args]
            if run([*download, "-d", str(folder), *lacking]) != 0:
                raise BundleError(f"{target.name} 缺少 {'、'.join(lacking)}，下载失败（见上面 pip 的输出）")
        else:
            raise BundleError(f"{target.name} 的依赖仍不完整：{'、'.join(lacking)}")


def project_files(root: Path) -> list[str]:
    """What git tracks (not a user's workbooks in input/, nor .venv, output/, dist/)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        raise BundleError(f"{root} 不是 git 检出的项目目录：请在项目的 git 仓库中运行 make bundle") from None
    return sorted(name for name in listed.split("\0") if name and (root / name).is_file())


def write_zip(root: Path, folder: Path, dest: Path) -> Path:
    """The project and the wheels under one top folder, written to a temporary name then renamed."""
    top = dest.stem
    part = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
        for name in project_files(root):
            z.write(root / name, f"{top}/{name}")
        for wheel in sorted(folder.glob("*.whl")):
            # wheels are zips already: stored, not compressed again
            z.write(wheel, f"{top}/{WHEELS}/{wheel.name}", compress_type=zipfile.ZIP_STORED)
    os.replace(part, dest)
    return dest


def build(root: Path, dist: Path, run: Run, say: Callable[[str], None]) -> Path:
    """dist/<name>-<version>-offline.zip; the wheels are kept in dist/wheels for the next build."""
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    dist.mkdir(parents=True, exist_ok=True)
    folder = dist / WHEELS
    fetch_wheels(root, folder, run, say)
    return write_zip(root, folder, dist / f"{project['name']}-{project['version']}-offline.zip")
