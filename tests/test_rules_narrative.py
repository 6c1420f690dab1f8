"""N rules (checks/narrative.py): statements in 报告正文 against the computed scores and the data.

报告正文 of the clean project: 内容 in column B; rows 2 项目基本情况, 3 项目建设内容, 4 资金使用及管理情况,
5 项目管理情况, 6 绩效目标完成情况分析, 7 存在问题, 8 改进措施, 9 其他需要说明的问题.
The scores are the clean project's real ones (total 96.5, 优), bent by hand where a test needs it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.checks import RULES, Context
from pipeline.config import Settings
from pipeline.model import Scores, Subtotal
from pipeline.scoring import score
from tests.builders import TODAY, clean_sheets, load_sheets, rules_at, run_sheets, set_info

N_RULES = ("N001", "N002", "N003", "N004", "N005")
SECTION_ROWS = {
    "项目基本情况": 2,
    "项目建设内容": 3,
    "资金使用及管理情况": 4,
    "资金调整情况": 5,
    "项目管理情况": 6,
    "绩效目标完成情况分析": 7,
    "存在问题": 8,
    "改进措施": 9,
    "其他需要说明的问题": 10,
}
ANALYSIS = "报告正文!B7"

# 子洲县: the seed's name, and its table's 二级 subtotals (分值, 得分)
SEED_NAME = (
    "全县党政机关事业单位综合办公暨公文流转系统、政府门户网站维护、政府大楼光纤通讯、公务用车信息化平台维护"
)
SEED_SUBTOTALS = (
    Subtotal("产出指标", "数量指标", 30, 26, 26),
    Subtotal("产出指标", "质量指标", 10, 10, 10),
    Subtotal("产出指标", "时效指标", 10, 10, 10),
    Subtotal("产出指标", "成本指标", 30, 30, 30),
    Subtotal("效益指标", "社会效益指标", 10, 10, 10),
    Subtotal("满意度指标", "服务对象满意度指标", 10, 8, 8),
)
SEED_ANALYSIS = (
    "我单位2021年文艺活动专项经费绩效自评得95分，等级为“优”。\n"
    "自评主要涉及项目数量指标、质量指标、时效指标、成本指标、社会效益指标和满意度指标等6个方面，具体如下：\n"
    "数量指标方面共 30 分，得 26 分，主要原因是硬件配置，影响传输及系统升级，网络故障；质量指标方面共 10 分，得 10 分；"
    "时效指标方面共 10 分，得 10 分；成本指标方面共 10 分，得 10 分；社会效益指标方面共 30 分，得 30 分；"
    "满意度指标方面共 10 分，得 8 分，主要原因是问卷调查对于网站公开的及时性和访问量。"
)


def with_text(**sections: str) -> dict[str, list[list]]:
    """The clean sheets with these 报告正文 sections rewritten."""
    sheets = clean_sheets()
    for title, text in sections.items():
        sheets["报告正文"][SECTION_ROWS[title] - 1][1] = text
    return sheets


def check(
    tmp_path: Path, sheets: dict[str, list[list]], *rule_ids: str, **bent_scores
) -> list[tuple[str, str]]:
    """Run the N rules on `sheets`, with the real scores replaced where `bent_scores` says."""
    settings = Settings()
    project = load_sheets(tmp_path, sheets)
    scores: Scores = dataclasses.replace(score(project, settings), **bent_scores)
    ctx = Context(settings, scores, TODAY)
    return [(f.rule, f.location) for rid in rule_ids or N_RULES for f in RULES[rid].fn(project, ctx)]


def test_clean_project_has_no_n_findings(tmp_path):
    assert rules_at(run_sheets(tmp_path, clean_sheets()), *N_RULES) == []


# ---------------------------------------------------------------- N001
@pytest.mark.parametrize(
    "text",
    [
        "我单位2021年项目绩效自评得95分。",
        "经自评，本项目自评得分为95分。",
        "项目总分95分。",
        "综合得分：95 分",
    ],
)
def test_n001_stated_total_differs(tmp_path, text):
    sheets = with_text(绩效目标完成情况分析=text)
    assert check(tmp_path, sheets, "N001", total=94.55, raw_total=104.0, weight_total=110.0) == [
        ("N001", ANALYSIS)
    ]


def test_n001_no_rounding_allowance_for_a_total(tmp_path):
    """95 for 94.55 is wrong even though 94.55 rounds to 95: a rounded total can cross a grade line."""
    sheets = with_text(绩效目标完成情况分析="自评得95分。")
    assert check(tmp_path, sheets, "N001", total=94.55) == [("N001", ANALYSIS)]
    assert check(tmp_path, with_text(绩效目标完成情况分析="自评得94.55分。"), "N001", total=94.55) == []


def test_n001_the_unscaled_sum_is_accepted_when_weights_do_not_add_to_100(tmp_path):
    sheets = with_text(绩效目标完成情况分析="自评得分104分。")
    assert check(tmp_path, sheets, "N001", total=94.55, raw_total=104.0, weight_total=110.0) == []
    assert check(tmp_path, sheets, "N001", total=94.55, raw_total=104.0, weight_total=100.0) == [
        ("N001", ANALYSIS)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "满分总分100分，自评得分96.5分。",
        "满意度指标总分10分，自评得分8分。",
        "数量指标方面共20分，得20分。",
        "项目共计经费100万元。",
    ],
)
def test_n001_full_marks_and_subtotals_are_not_totals(tmp_path, text):
    assert check(tmp_path, with_text(绩效目标完成情况分析=text), "N001") == []


# ---------------------------------------------------------------- N002
@pytest.mark.parametrize("text", ["等级为“良”。", "评价等级：良好", "自评结果为合格"])
def test_n002_stated_grade_differs(tmp_path, text):
    assert check(tmp_path, with_text(绩效目标完成情况分析=text), "N002") == [("N002", ANALYSIS)]


@pytest.mark.parametrize("text", ["等级为“优”。", "评价等级：优秀", "按等级划分标准，项目运行良好。"])
def test_n002_stated_grade_agrees_or_is_not_a_grade(tmp_path, text):
    assert check(tmp_path, with_text(绩效目标完成情况分析=text), "N002") == []


def test_n002_follows_the_computed_grade(tmp_path):
    sheets = with_text(绩效目标完成情况分析="等级为“优”。")
    assert check(tmp_path, sheets, "N002", total=89.6, grade="良") == [("N002", ANALYSIS)]


# ---------------------------------------------------------------- N003
def test_n003_the_seed_swaps_two_subtotals(tmp_path):
    sheets = with_text(绩效目标完成情况分析=SEED_ANALYSIS)
    found = check(tmp_path, sheets, "N003", subtotals=SEED_SUBTOTALS)
    assert found == [("N003", ANALYSIS), ("N003", ANALYSIS)]


def test_n003_names_the_indicator_and_both_figures(tmp_path):
    sheets = with_text(绩效目标完成情况分析="成本指标方面共 10 分，得 10 分。")
    project = load_sheets(tmp_path, sheets)
    scores = dataclasses.replace(score(project, Settings()), subtotals=SEED_SUBTOTALS)
    [f] = RULES["N003"].fn(project, Context(Settings(), scores, TODAY))
    assert "成本指标共 10 分、得 10 分" in f.message and "分值 30 分、得分 30 分" in f.message


def test_n003_a_score_may_match_the_recomputed_figure(tmp_path):
    sheets = with_text(绩效目标完成情况分析="数量指标方面共30分，得24分。")
    bent = (Subtotal("产出指标", "数量指标", 30, 26, 24),)
    assert check(tmp_path, sheets, "N003", subtotals=bent) == []


def test_n003_a_level1_name_is_the_sum_of_its_rows(tmp_path):
    sheets = with_text(绩效目标完成情况分析="产出指标共80分，得76分；满意度指标方面共 10 分，得 8 分。")
    assert check(tmp_path, sheets, "N003", subtotals=SEED_SUBTOTALS) == []
    sheets = with_text(绩效目标完成情况分析="产出指标共50分，得48分。")
    assert check(tmp_path, sheets, "N003", subtotals=SEED_SUBTOTALS) == [("N003", ANALYSIS)]


def test_n003_an_indicator_absent_from_the_table_is_not_guessed(tmp_path):
    sheets = with_text(绩效目标完成情况分析="生态效益指标方面共10分，得10分。")
    assert check(tmp_path, sheets, "N003", subtotals=SEED_SUBTOTALS) == []


# ---------------------------------------------------------------- N004
@pytest.mark.parametrize(
    ("section", "text"),
    [
        ("项目基本情况", "本项目共计经费 120 万元。"),
        ("资金使用及管理情况", "项目全年预算100万元，实际支出90万元。"),
        ("资金使用及管理情况", "共投入110万元。"),
    ],
)
def test_n004_a_stated_total_differs(tmp_path, section, text):
    assert check(tmp_path, with_text(**{section: text}), "N004") == [
        ("N004", f"报告正文!B{SECTION_ROWS[section]}")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "项目全年预算100万元，实际支出95万元，执行率95%。",
        "共投入100万元，资金支出95.00万元。",
        "其中财政资金支出76万元，上年结转资金支出19万元。",  # a source row
        "其中管网维修经费60万元，水质检测经费 40 万元。",  # parts are not totals
        "上年实际支出80万元，本年有所增加。",  # another year
        "包括设备更换19.44万元、委托服务支出34.56万元。",
    ],
)
def test_n004_agreeing_statements_and_parts_are_silent(tmp_path, text):
    assert check(tmp_path, with_text(资金使用及管理情况=text), "N004") == []


def test_n004_a_figure_agrees_when_rounded_as_written(tmp_path):
    sheets = with_text(资金使用及管理情况="实际支出95万元。")
    sheets["资金情况"][1][3] = 94.6
    assert check(tmp_path, sheets, "N004") == []


# ---------------------------------------------------------------- N005
def test_n005_the_seed_calls_the_project_by_another_name(tmp_path):
    sheets = with_text(项目基本情况=f"{SEED_NAME}项目共计经费 121 万元。", 绩效目标完成情况分析=SEED_ANALYSIS)
    set_info(sheets, "项目名称", SEED_NAME)
    set_info(sheets, "实施单位", "子洲县人民政府办公室")
    project = load_sheets(tmp_path, sheets)
    findings = list(RULES["N005"].fn(project, Context(Settings(), score(project, Settings()), TODAY)))
    assert [(f.location, f.actual) for f in findings] == [(ANALYSIS, "文艺活动专项经费")]


@pytest.mark.parametrize(
    "text",
    [
        "我单位2022年城乡供水一体化项目绩效自评得分96.5分。",
        "文化下乡专项资金绩效自评报告",
    ],
)
def test_n005_another_project_named(tmp_path, text):
    assert check(tmp_path, with_text(绩效目标完成情况分析=text), "N005") == [("N005", ANALYSIS)]


@pytest.mark.parametrize(
    "text",
    [
        "我单位2023年农村饮水安全工程维修养护项目绩效自评得分96.5分。",  # the name itself
        "我局2022年农村饮水安全工程维修养护项目完成管网维修。",  # last year's edition of the same project
        "本单位2023年饮水安全维修项目进展顺利。",  # a shortening
        "依托城乡供水一体化项目，完善管网布局。",  # a project mentioned, not named as ours
        "我单位根据项目计划开展检测；自评主要涉及项目数量指标；科学制定项目方案。",
        "我单位制定了专项经费管理办法。",
        "我单位积极争取上级项目支持。",  # no year: an ordinary sentence
        "我单位2023年度财政专项资金、部门预算项目均按期支付。",  # funding words, not a name
        "2023年争取上级项目两个。",
    ],
)
def test_n005_the_project_itself_or_no_name_at_all(tmp_path, text):
    assert check(tmp_path, with_text(绩效目标完成情况分析=text), "N005") == []


def test_n005_the_seeds_own_sentences_are_not_flagged(tmp_path):
    sheets = with_text(
        项目基本情况=f"{SEED_NAME}项目共计经费 121 万元。一、子洲县人民政府办公室关于党政机关综合办公暨公文流转系统项目结合"
        "子洲县政府政务应用现状。二、子洲县人民政府办公室关于子洲县政府门户网站改版项目积极响应国务院办公厅要求。",
        项目建设内容="2021年我办根据项目计划，开展公文流转系统安全与及时检测。",
        资金使用及管理情况=f"我办2021年{SEED_NAME}专项经费主要用于单位各项维护升级等支出。本级财政预算的项目资金全部用于单位维护系统等支出。",
        项目管理情况=f"我单位制定了专项经费管理办法。\n我单位{SEED_NAME}项目经费主要用于单位设备维护以及网站升级等。",
    )
    set_info(sheets, "项目名称", SEED_NAME)
    set_info(sheets, "实施单位", "子洲县人民政府办公室")
    assert check(tmp_path, sheets, "N005") == []


def test_n005_shortest_name_comes_from_settings(tmp_path):
    sheets = with_text(绩效目标完成情况分析="我单位2021年文艺专项经费绩效自评。")  # 6 characters
    assert check(tmp_path, sheets, "N005") == [("N005", ANALYSIS)]
    project = load_sheets(tmp_path, sheets, name="u.xlsx")
    strict = dataclasses.replace(Settings(), checks=dataclasses.replace(Settings().checks, name_min_chars=7))
    assert list(RULES["N005"].fn(project, Context(strict, score(project, strict), TODAY))) == []
