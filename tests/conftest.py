import dataclasses
import functools
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.checks import RULES
from pipeline.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "input_templates" / "示例_子洲县政府办2021.xlsx"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE


# ---------------------------------------------------------------- every rule fires and stays silent somewhere
# Each registered rule is wrapped for the session: we record the tests in which it yielded findings and
# those in which it ran and yielded none. A full run fails if a rule lacks either (issue: "a test that
# fails when a rule has no passing and no failing test").
_OUTCOMES: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"fired": set(), "silent": set()})
_CURRENT = {"test": ""}


def _tracked(rule_id, fn):
    @functools.wraps(fn)
    def wrapper(project, ctx):
        found = list(fn(project, ctx))
        _OUTCOMES[rule_id]["fired" if found else "silent"].add(_CURRENT["test"])
        return iter(found)

    return wrapper


for _id, _rule in list(RULES.items()):
    if _rule.fn is not None:
        RULES[_id] = dataclasses.replace(_rule, fn=_tracked(_id, _rule.fn))


@pytest.fixture(autouse=True)
def _name_the_current_test(request):
    _CURRENT["test"] = request.node.nodeid
    yield
    _CURRENT["test"] = ""


def pytest_sessionfinish(session, exitstatus):
    collected = {Path(str(item.fspath)).name for item in session.items}
    rule_tests = {p.name for p in (ROOT / "tests").glob("test_rules_*.py")}
    if exitstatus != 0 or not rule_tests <= collected or session.config.option.keyword:
        return  # a partial run proves nothing either way
    missing = [
        f"{rid}: {'never fires' if not o['fired'] else 'never stays silent'}"
        for rid, rule in RULES.items()
        if rule.fn is not None
        for o in [_OUTCOMES[rid]]
        if not (o["fired"] and o["silent"])
    ]
    if missing:
        session.config.get_terminal_writer().line(
            "rules without a firing and a silent test: " + "; ".join(missing), red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
