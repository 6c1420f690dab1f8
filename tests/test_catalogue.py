"""docs/rules.md is generated from the registry; every contract rule is registered, documented, tested."""

import re

from pipeline.checks import RULES
from pipeline.checks.catalogue import rules_markdown
from pipeline.model import Severity
from tests.conftest import ROOT

CHECKS_MD = ROOT.parent / "shared" / "spec" / "checks.md"
# checks.md v2 (the I–N families), as a fallback when the shared folder is not beside the clone
CONTRACT_IDS = (
    {f"I00{i}" for i in range(1, 8)}
    | {"M001", "M002", "M003"}
    | {f"B00{i}" for i in range(1, 7)}
    | {f"P00{i}" for i in range(1, 9)}
    | {f"S0{i:02d}" for i in range(1, 20)}  # v3: S018, S019
    | {f"N00{i}" for i in range(1, 6)}
    | {f"X00{i}" for i in range(1, 9)}  # v2: across workbooks; v3: X006–X008, the approved targets
)


def contract() -> dict[str, str]:
    """{rule id: severity} as checks.md states them."""
    if not CHECKS_MD.exists():
        return {}
    return dict(
        re.findall(r"^\| ([IMBPSNX]\d{3}) \| (错误|警告|提示) \|", CHECKS_MD.read_text("utf-8"), re.M)
    )


def test_every_contract_rule_is_registered_with_its_severity():
    assert set(RULES) == CONTRACT_IDS
    for rule_id, severity in contract().items():
        assert RULES[rule_id].severity == Severity(severity), rule_id


def test_every_rule_has_a_summary_and_a_reason_in_chinese():
    for r in RULES.values():
        assert " | " in r.summary, r.id
        assert re.search(r"[\u4e00-\u9fff]", r.why), f"{r.id}: the 为什么 column is for finance staff"


def test_docs_rules_md_is_current():
    checked_in = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert checked_in.strip() == rules_markdown().strip(), "docs/rules.md is stale: run `make docs`"


def test_loader_rules_are_asserted_somewhere_in_the_tests():
    tests = "".join(p.read_text("utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    for rule_id in (r for r in RULES if r.startswith("I")):
        assert f'"{rule_id}"' in tests, f"no test asserts {rule_id}"
