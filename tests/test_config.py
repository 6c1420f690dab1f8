"""config.toml: the shipped file is the contract's defaults; a bad key stops with its name."""

import dataclasses
import subprocess
import sys

import pytest

from pipeline.config import ConfigError, Settings, load_settings
from tests.conftest import ROOT


def test_the_shipped_config_holds_exactly_the_documented_defaults():
    shipped = load_settings(ROOT / "config.toml")
    assert dataclasses.replace(shipped, fingerprint="") == Settings()
    assert len(shipped.fingerprint) == 64


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("[scoring]\nat_most_methd = 'ratio'\n", "scoring.at_most_methd"),
        ("[scoring]\nat_most_method = 'cubic'\n", "scoring.at_most_method"),
        ("[weights]\noutput = 'fifty'\n", "weights.output"),
        ("[weights]\noutput = -5\n", "weights.output"),
        ("[qualitative]\nachieved_band = [0.8]\n", "qualitative.achieved_band"),
        ("[nonsense]\n", "nonsense"),
        ("[paths]\napproved_targets = ' '\n", "paths.approved_targets"),
        ("[paths]\napproved_target = 'targets'\n", "paths.approved_target"),
        ("[grades\n", "TOML"),
    ],
)
def test_a_bad_key_or_value_is_named(tmp_path, toml, names):
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        load_settings(path)


def test_a_misspelt_key_suggests_the_right_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[scoring]\nat_most_methd = 'ratio'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at_most_method"):
        load_settings(path)


def test_a_partial_config_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[grades]\nexcellent = 95\npass = 50\n", encoding="utf-8")
    s = load_settings(path)
    assert (s.grades.excellent, s.grades.good, s.grades.pass_) == (95.0, 80.0, 50.0)
    assert s.weights == Settings().weights


def test_the_cli_exits_2_with_one_line_naming_the_bad_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[weights]\nbudget = 10\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--config",
            str(path),
            "--input",
            str(tmp_path),
            "--output",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    used, error = proc.stderr.splitlines()  # which config file, then the one line naming the key
    assert used == f"使用配置文件 {path}" and "weights.budget" in error
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("[scoring]\ndeviation_penalty = [[30, 2]]\n", "scoring.deviation_penalty"),  # 30 for 0.3
        ("[scoring]\ndeviation_penalty = [0.3, 2]\n", "scoring.deviation_penalty"),  # not pairs
        ("[scoring]\ntotal_caps = [[80, 89]]\n", "scoring.total_caps"),
        ("[scoring]\ntotal_caps = [[0.8, 189]]\n", "scoring.total_caps"),
    ],
)
def test_the_optional_provincial_rules_are_validated(tmp_path, toml, names):
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        load_settings(path)


def test_the_optional_provincial_rules_load_when_well_formed(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[scoring]\ndeviation_penalty = [[0.3, 2]]\ntotal_caps = [[0.8, 89], [0.7, 79]]\n", "utf-8"
    )
    scoring = load_settings(path).scoring
    assert scoring.deviation_penalty == ((0.3, 2.0),)
    assert scoring.total_caps == ((0.8, 89.0), (0.7, 79.0))
