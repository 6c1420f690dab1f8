"""The shipped example loads to the seed report's figures, however messily it is written."""

from datetime import date

import pytest

from pipeline.config import Settings
from pipeline.load import load
from tests.fixtures.messy import write_messy_example

SEED_PAYMENTS = [19.6970, 4.5578, 0.0640, 62.1212, 34.56]
# (三级指标, 分值, 自评得分) of the seed's 自评表, in order
SEED_INDICATORS = [
    ("指标1：全县机关事业单位公车信息系统", 10, 10),
    ("指标2：涉及全县党政机关事业单位", 10, 8),
    ("指标3：全政府大院机关单位", 5, 3),
    ("指标4：服务于全县人民", 5, 5),
    ("指标1：有效监督监测公车运行", 2.5, 2.5),
    ("指标2：文件传输及阅览批示", 2.5, 2.5),
    ("指标3：保障通讯及办公", 2.5, 2.5),
    ("指标4：网站升级版，可以多端口登录", 2.5, 2.5),
    ("指标1：及时准确摸底车辆状况", 5, 5),
    ("指标2：及时能够签收传阅", 5, 5),
    ("指标1：降低公车运行成本", 10, 10),
    ("指标2：降低纸质打印、邮寄费用", 10, 10),
    ("指标3：减低办公成本", 5, 5),
    ("指标4：降低群众办事了解程序所花费的成本，降低办公运行成本", 5, 5),
    ("指标1：提升群众满意度", 10, 10),
    ("", 10, 8),
]


def values(p):
    """What a project says, without where it says it: two spellings of one project compare equal."""
    return {
        "info": {
            k: getattr(p.info, k).value
            for k in (
                "name",
                "year",
                "department",
                "unit",
                "credit_code",
                "leader",
                "phone",
                "eval_date",
                "claimed_total",
                "claimed_grade",
            )
        },
        "funds": {
            k: (f.initial.value, f.adjusted.value, f.executed.value, f.rate.value) for k, f in p.funds.items()
        },
        "subitems": [(s.name.value, s.amount.value) for s in p.subitems],
        "payments": [(pay.dates.value, pay.items.value, round(pay.amount.value, 6)) for pay in p.payments],
        "structure": [(s.category.value, s.amount.value) for s in p.structure],
        "indicators": [
            (
                i.level1.name,
                i.level2.name,
                i.level2.weight,
                i.level3.text,
                i.target.text,
                i.actual.text,
                i.weight.value,
                i.claimed.value,
                i.deviation.text,
            )
            for i in p.indicators
        ],
        "goals": [(g.expected.text, g.actual.text) for g in p.goals],
        "narrative": [(s.title, s.text.text) for s in p.narrative],
        "team": [(m.name, m.title) for m in p.team],
    }


@pytest.fixture(scope="module")
def example(example_path):
    loaded = load(example_path, Settings())
    assert [f.rule for f in loaded.findings] == ["I007"]  # 全年预算数 is blank in the seed
    return loaded.project


def test_example_funds_are_the_seeds(example):
    total = example.total
    assert (total.initial.value, total.adjusted.value, total.executed.value) == (121, None, 121)
    assert total.budget.value == 121
    assert [s.amount.value for s in example.subitems] == [25, 30, 36, 30]
    assert [s.amount.value for s in example.structure] == [67, 19.44, 34.56]


def test_example_payments_are_the_seeds_and_add_up_to_121(example):
    amounts = [p.amount.value for p in example.payments]
    assert amounts == pytest.approx(SEED_PAYMENTS, abs=1e-9)
    assert round(sum(amounts), 4) == 121.0
    assert example.payments[3].dates.value[0] == date(2021, 12, 7) and example.payments[3].year_assumed
    assert len(example.payments[3].items.value) == 3


def test_example_indicators_are_the_seeds_16_rows(example):
    rows = [(i.level3.text, i.weight.value, i.claimed.value) for i in example.indicators]
    assert rows == SEED_INDICATORS
    assert sum(w for _, w, _ in rows) == 100 and sum(s for _, _, s in rows) == 94
    assert [i.level2.weight for i in example.indicators[:4]] == [30] * 4


def test_example_keeps_the_seeds_own_errors_in_its_narrative(example):
    analysis = example.section("绩效目标完成情况分析").text.text
    assert "95分" in analysis and "文艺活动专项经费" in analysis


def test_the_messy_spelling_of_the_example_loads_to_the_same_values(tmp_path, example):
    write_messy_example(tmp_path / "messy.xlsx")
    messy = load(tmp_path / "messy.xlsx", Settings())
    assert [f.rule for f in messy.findings] == ["I007"]
    assert values(messy.project) == values(example)
