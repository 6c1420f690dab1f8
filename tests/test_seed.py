"""The shipped 子洲县 example shows what checks.md says the seed must show, and nothing false.

The M/B/P/N findings are pinned exactly; of the S family only the contract's minimum is required,
so that the indicator rules can grow without touching this file.
"""

from __future__ import annotations

import pytest

from pipeline.config import Settings
from pipeline.evaluate import evaluate
from tests.builders import TODAY, rules_at
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.skipif(not EXAMPLE.exists(), reason="示例工作簿尚未生成")

SEED_MBPN = [
    ("N001", "报告正文!B7"),  # 自评得95分, the table adds to 94 (94.55 on a 100-point scale)
    ("N003", "报告正文!B7"),  # 成本指标 10/10 in the text, 30/30 in the table
    ("N003", "报告正文!B7"),  # 社会效益指标 30/30 in the text, 10/10 in the table
    ("N005", "报告正文!B7"),  # 文艺活动专项经费
    ("P003", "支付明细!D6"),  # 全县公务用车定位系统服务平台维护费 vs 子洲县公务用车信息化平台维护费
    ("P006", "支付明细!D5"),  # row 4 pays three 分项
    ("P008", "支付明细!B5"),  # 12.07、12.09、…
    ("P008", "支付明细!B6"),  # 12.09、12.10
]


@pytest.fixture(scope="module")
def seed():
    return evaluate(EXAMPLE, Settings(), today=TODAY)


def test_seed_shows_the_contract_minimum(seed):
    found = {f.rule for f in seed.findings}
    assert {"S002", "S003", "S011", "N001", "N003", "N005", "P003", "P006", "P008"} <= found


def test_seed_money_adds_up_everywhere(seed):
    assert rules_at(seed, "B001", "P001", "P007") == []


def test_seed_m_b_p_n_findings_are_pinned(seed):
    mbpn = sorted((f.rule, f.location) for f in seed.findings if f.rule[0] in "MBPN")
    assert mbpn == sorted(SEED_MBPN)


def test_seed_messages_name_the_figures(seed):
    messages = {f.rule: f.message for f in seed.findings}
    assert "95 分" in messages["N001"] and "94.55 分" in messages["N001"]
    assert "文艺活动专项经费" in messages["N005"]
    assert "子洲县公务用车信息化平台维护费" in messages["P003"]
