"""The seed project, transcribed faithfully: the values `template.write_example` writes into the
standard workbook (input_templates/示例_子洲县政府办2021.xlsx), in the shape the template lays out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline import schema

Value = str | int | float | date | None
Row = dict[str, Value]


@dataclass(frozen=True)
class WorkbookData:
    """Values to write into the layout: info by InfoField.key, table rows by sheet name."""

    info: dict[str, Value] = field(default_factory=dict)
    tables: dict[str, tuple[Row, ...]] = field(default_factory=dict)


# 子洲县人民政府办公室《……项目2021年绩效自评报告》(shared/reference): every figure and sentence as the
# unit wrote it, its errors included (a 95-point claim for a 94-point table, 成本指标 said to be worth
# 10 分, a payment whose 分项 matches no budget item, ...). Only PDF line-wrap artefacts are removed.
PROJECT_NAME = (
    "全县党政机关事业单位综合办公暨公文流转系统、政府门户网站维护、政府大楼光纤通讯、公务用车信息化平台维护"
)
UNIT = "子洲县人民政府办公室"
_DOCS_SYSTEM = "全县党政机关事业单位综合办公暨公文流转系统"
_MIXED_ITEMS = "政府门户网站维护、子洲县公务用车信息化平台维护费、全县党政机关事业单位综合办公暨公文流转系统"
_CAR_PLATFORM = "全县公务用车定位系统服务平台维护费"
_PUBLIC_FUND = "一般公共预算资金"
# 年度总体目标 of the 自评表, and its 实际完成情况, split on the unit's own numbers
_OVERALL_GOALS = (
    "1、为了实现“公车运行”全省一张网”要求。",
    "2、为了实现全县无纸化办公，保障文件传阅的及时性、保密性。",
    "3、根据办公场地的需求，政府办公大院的光纤通讯费，电子办公，降低办公运行成本，降低“三公经费”支出，"
    "减少办公支出。",
    "4、政府门户网站达到国家对于政府门户网站的要求及考核指标。",
)
_ACHIEVED_LEAD = "2021年子洲县人民政府办公室充分发挥职能能与单位职能实现"
_ACHIEVED = (
    "1、公务用车“全省一张网”；",
    "2、全县公文流转电子化传阅；",
    "3、运用电子办公降低办公运行成本；",
    "4、完成上级对县政府门户网站考核的各项指标。",
)
# 年度目标 of the second table (2021年专项业务经费（项目）绩效完成表), and its 全年实际完成情况
_ANNUAL_GOAL = (
    "协助政府领导组织起草或审核以政府、政府办名义发布的公文督促检查政府各部门、各乡镇（街道）"
    "对政府决定事项和上级机关文件及领导重要批示的贯彻落实情况。"
)
_ACHIEVED_BY_GOAL = (_ACHIEVED_LEAD + _ACHIEVED[0], *_ACHIEVED[1:])
_ANNUAL_ACHIEVED = f"{_ACHIEVED_LEAD}，根据政府办系统工作任务安排进行全力保障办公室运转{''.join(_ACHIEVED)}"


def _indicator(
    level1: str,
    level2: str,
    level3: str,
    target: str,
    actual: str,
    weight: float,
    claimed: float,
    deviation: str = "",
) -> Row:
    return {
        "level1": level1,
        "level2": level2,
        "level3": level3,
        "nature": None,
        "target": target,
        "actual": actual,
        "weight": weight,
        "claimed": claimed,
        "deviation": deviation or None,
    }


_OUT, _QTY, _QLT = "产出指标", "数量指标(30分)", "质量指标(10分)"
_TIME, _COST = "时效指标(10分)", "成本指标(30分)"
# the 自评表's 16 indicator rows; 分值 add to 100 and 得分 to 94 (the form has no 预算执行率 line)
# fmt: off
EXAMPLE_INDICATORS: tuple[Row, ...] = (
    _indicator(_OUT, _QTY, "指标1：全县机关事业单位公车信息系统", "上级考核", "通过", 10, 10),
    _indicator(_OUT, _QTY, "指标2：涉及全县党政机关事业单位", "公文流转顺畅", "正常运转", 10, 8,
               "硬件配置，影响传输以及软件升级"),
    _indicator(_OUT, _QTY, "指标3：全政府大院机关单位", "网络顺畅", "正常运转", 5, 3,
               "全县网络故障及硬件故障"),
    _indicator(_OUT, _QTY, "指标4：服务于全县人民",
               "政府门户网站、涉及政府所有信息公开查询的主要途径", "正常运行", 5, 5),
    _indicator(_OUT, _QLT, "指标1：有效监督监测公车运行", "公车运行情况的监督", "有效监督", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标2：文件传输及阅览批示", "党政机关单位，高效、优质，传回文件",
               "传输安全及时", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标3：保障通讯及办公", "办公及通讯畅通", "通讯顺畅", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标4：网站升级版，可以多端口登录", "达到国家对于政府门户网站的要求",
               "正常运行", 2.5, 2.5),
    _indicator(_OUT, _TIME, "指标1：及时准确摸底车辆状况", "及时掌握公车运行情况", "及时观测", 5, 5),
    _indicator(_OUT, _TIME, "指标2：及时能够签收传阅", "及时、准确接收文件及上级指示", "及时性", 5, 5),
    _indicator(_OUT, _COST, "指标1：降低公车运行成本", "降低公车运行成本", "公务用车运行成本", 10, 10),
    _indicator(_OUT, _COST, "指标2：降低纸质打印、邮寄费用", "降低办公成本、提升办公效率",
               "办公成本", 10, 10),
    _indicator(_OUT, _COST, "指标3：减低办公成本", "电子办公，降低办公运行成本", "办公成本", 5, 5),
    _indicator(_OUT, _COST, "指标4：降低群众办事了解程序所花费的成本，降低办公运行成本",
               "降低办公运行成本", "办公成本", 5, 5),
    _indicator("效益指标", "社会效益指标(10分)", "指标1：提升群众满意度", "提升政府公信力",
               "政府公信力及访问量", 10, 10),
    _indicator("满意度指标", "服务对象满意度指标(10分)", "", "及时准确发布各类民生信息",
               "访问量及问卷调查", 10, 8, "问卷调查对于门户网站公开的及时性及访问量"),
)
# fmt: on

# The second table's indicators: (一级, 二级, 指标内容, 年度指标值, 全年完成值, 未完成原因和改进措施).
# The PDF lost the 二级 cell of the first row and the 一级 cell of the 社会效益 row; they are filled
# from their position on the standard form (数量指标, 效益指标).
_SECOND_TABLE_INDICATORS = (
    (
        "产出指标",
        "数量指标",
        "督促检查政府各部门、各乡镇(街道)对政府决定事项和上级机关文件及领导重要批示的贯彻落实情况",
        "≥36次",
        "按时完成",
        "客观原因及疫情影响,调整督导督查",
    ),
    ("产出指标", "质量指标", "足额投入业务活动经费", "≥100%", "足额投放", ""),
    ("产出指标", "时效指标", "完成时限", "12月份", "按时完成", ""),
    ("产出指标", "成本指标", "压缩经费支出", "降低办公成本", "同比已降低", ""),
    ("效益指标", "社会效益指标", "网站访问及点击量", "≥1.68万/每月", "超额完成", ""),
    ("满意度指标", "服务对象满意度指标(10分)", "群众满意度", "大于95%", "90%", ""),
)


def _second_table_line(level1: str, level2: str, content: str, target: str, actual: str, reason: str) -> str:
    fields = (
        ("一级指标", level1),
        ("二级指标", level2),
        ("指标内容", content),
        ("年度指标值", target),
        ("全年完成值", actual),
        ("未完成原因和改进措施", reason),
    )
    return "；".join(f"{name}：{value}" for name, value in fields if value)


_NARRATIVE_TEXTS: dict[str, str] = {
    "项目基本情况": "\n".join(
        (
            f"{PROJECT_NAME}项目共计经费 121 万元，分别是：",
            "1、全县党政机关事业单位综合办公暨公文流转系统，经费 25 万元；",
            "2、政府门户网站维护，经费：30 万元；",
            "3、子洲县公务用车信息化平台维护费，经费:36 万元；",
            "4、县政府大院通讯光纤，经费：30 万元；",
            "主要有以下几个方面：",
            "一、子洲县人民政府办公室关于党政机关综合办公暨公文流转系统项目结合子洲县政府政务应用现状，"
            "以及全国各级党政单位的政务应用经验，子洲县电子政务政务办公业务总体需求基出包括以下五个方面：",
            "1. 办公流程化电子化：优化办公审批流程，实现各使用单位公文流转全程电子化，降低工作强度，"
            "提高办事效率。",
            "2. 资料电子化：各使用单位的资料、数据、文献等实现电子化管理。公文流转结束后实现公文自动归档，"
            "提高信息资源利用率，降低工作成本，增强各部门业务的耦合性和协同性。",
            "3. 监督电子化：公文流转历史的电子化，将各种跨部门、跨单位的办公事务流程审批状态进行内部公开，"
            "有效提升单位内部工作的监察效果。",
            "4. 工作移动化：充分融合 4G、4G+、云计算技术，利用移动办公，使广大公务员从办公室、PC 机和"
            "有线网络中解脱出来，有效解决以往因出差、会议、有线网络等限制造成的“卡件”、“死件”、“无期件”、"
            "“遗忘件”、“过时效件”等现象的发生。",
            "5. 提醒智能化：通过工作待办提醒等多种方式提升各种公务事宜的办理及沟通效率。",
            "二、子洲县人民政府办公室关于子洲县政府门户网站改版项目积极响应国务院办公厅对于政府网站建设要求，"
            "严格按照全国政府网站普查标准和省市级政府网站/政务公开考核要求，以涉及群众利益、社会普遍关注的"
            "领域为重点，围绕权力运行全流程、政务服务全过程，全面梳理公开事项，细化公开内容，强化公开平台"
            "建设。同时，对子洲县政府门户网站进行改版建设，充分利用现代信息技术，以促进服务资源整合共享为"
            "核心，以用户需求为中心、以服务公众为导向，以政府信息公开为主线，以创新应用服务模式为突破口，"
            "以完善服务渠道为重要支撑，全面提升网站运行效率，增强网站系统安全性和稳定性，构建可灵活扩展的"
            "网站架构，创新服务模式，将政府网站建成更加全面的政务公开平台、更加权威的政策发布解读和舆论引导"
            "平台、更加及时的回应关切和便民服务平台，打造一流的、创新高效的政府门户网站。",
            "三、根据办公场地的需求，政府办公大院的光纤通讯费，电子办公，降低办公运行成本，降低“三公经费”"
            "支出，减少办公支出。",
            "四、保障政府大院楼内所有单位办公运行顺畅。",
        )
    ),
    "项目建设内容": (
        "2021年我办根据项目计划，开展公文流转系统安全与及时检测、门户网站安全性检测、公务用车平台安全性"
        "检测、大楼光纤通讯顺畅性检测等检验维护升级性能。"
    ),
    "资金使用及管理情况": "\n".join(
        (
            f"我办2021年{PROJECT_NAME}专项经费主要用于单位各项维护升级等支出，包括设备更换、维护升级、"
            "委托服务其他商品服务支出等，共投入121万元。",
            "本级财政预算的项目资金全部用于单位维护系统等支出，资金支出121万元，包括：包括设备升级维护67万元、"
            "设备更换19.44万元、委托服务支出34.56万元等。",
            "项目根据计划如期实施，在资金实际执行和管理中遵守各项财经制度，并严格按财务制度报销项目经费。",
        )
    ),
    # the seed report's 三（二）项目资金调整情况 (workbook v2 gives it its own row)
    "资金调整情况": f"我单位{PROJECT_NAME}项目经费主要用于单位设备维护以及网站升级等，无资金调整情况。",
    "项目管理情况": "我单位制定了专项经费管理办法。",
    "绩效目标完成情况分析": "\n".join(
        (
            "我单位2021年文艺活动专项经费绩效自评得95分，等级为“优”。",
            "自评主要涉及项目数量指标、质量指标、时效指标、成本指标、社会效益指标和满意度指标等6个方面，"
            "具体如下：",
            "数量指标方面共 30 分，得 26 分，主要原因是硬件配置，影响传输及系统升级，网络故障；"
            "质量指标方面共 10 分，得 10 分；时效指标方面共 10 分，得 10 分；成本指标方面共 10 分，得 10 分；"
            "社会效益指标方面共 30 分，得 30 分；满意度指标方面共 10 分，得 8 分，"
            "主要原因是问卷调查对于网站公开的及时性和访问量。",
        )
    ),
    "存在问题": "专项维护等由于硬件等客观因素，下一步将强硬件改造",
    "改进措施": "科学制定项目方案，下一步将强硬件改造。提升使用的流畅性，安全性、及时性。",
    "其他需要说明的问题": "\n".join(
        (
            "2021年专项业务经费（项目）绩效完成表",
            f"项目名称：{PROJECT_NAME}",
            f"主管部门：{UNIT}",
            "资金金额：实施期资金总额：121万元；其中：财政拨款121万元",
            f"年度目标（年初设定目标）：{_ANNUAL_GOAL}",
            f"全年实际完成情况：{_ANNUAL_ACHIEVED}",
            "年度绩效指标：",
            *(_second_table_line(*row) for row in _SECOND_TABLE_INDICATORS),
            f"总体目标：1、为了实现公车运行”全省一张网”要求。{''.join(_OVERALL_GOALS[1:])}",
            f"年度目标：{_ANNUAL_GOAL}",
        )
    ),
}


def _payment(seq: str, paid_on: date | str, item: str, amount: float) -> Row:
    # the seed's table has one 用途 column: it names the sub-item(s) paid, so 分项名称 repeats it
    return {
        "seq": seq,
        "date": paid_on,
        "fund_type": _PUBLIC_FUND,
        "item": item,
        "purpose": item,
        "amount": amount,
        "voucher": None,
    }


EXAMPLE = WorkbookData(
    info={
        "name": PROJECT_NAME,
        "year": 2021,
        "department": UNIT,
        "department_code": None,
        "unit": UNIT,
        "credit_code": "11610831016093803P",
        "eval_type": "项目实施过程评价、项目完成结果评价",
        "leader": "张虎敦",
        "contact": "王彪",
        "phone": "15596598899",
        "eval_date": date(2022, 4, 12),
        "claimed_total": 94,
        "claimed_grade": "优",
        "project_code": None,  # the seed report gives none
    },
    tables={
        schema.FUNDS.name: (
            {"source": schema.FUND_TOTAL, "initial": 121, "adjusted": None, "executed": 121, "rate": 1},
            {"source": "财政拨款", "initial": 121, "adjusted": None, "executed": 121, "rate": 1},
            {"source": "上年结转资金", "initial": None, "adjusted": None, "executed": None, "rate": None},
            {"source": "其他资金", "initial": None, "adjusted": None, "executed": None, "rate": None},
        ),
        schema.SUBITEMS.name: (
            {"seq": "1", "name": _DOCS_SYSTEM, "amount": 25, "note": None},
            {"seq": "2", "name": "政府门户网站维护", "amount": 30, "note": None},
            {"seq": "3", "name": "子洲县公务用车信息化平台维护费", "amount": 36, "note": None},
            {"seq": "4", "name": "县政府大院通讯光纤", "amount": 30, "note": None},
        ),
        schema.PAYMENTS.name: (
            _payment("1", date(2021, 9, 18), _DOCS_SYSTEM, 19.6970),
            _payment("2", date(2021, 9, 18), _DOCS_SYSTEM, 4.5578),
            _payment("3", date(2021, 11, 24), _DOCS_SYSTEM, 0.0640),
            _payment("4", "12.07、12.09、12.15、12.13、12.12", _MIXED_ITEMS, 62.1212),
            _payment("5", "12.09、12.10", _CAR_PLATFORM, 34.56),
        ),
        schema.STRUCTURE.name: (
            {"category": "设备升级维护", "amount": 67},
            {"category": "设备更换", "amount": 19.44},
            {"category": "委托服务", "amount": 34.56},
        ),
        schema.GOALS.name: (
            *(
                {"seq": str(i), "expected": goal, "actual": done}
                for i, (goal, done) in enumerate(zip(_OVERALL_GOALS, _ACHIEVED_BY_GOAL, strict=True), start=1)
            ),
            {"seq": "5", "expected": _ANNUAL_GOAL, "actual": _ANNUAL_ACHIEVED},
        ),
        schema.INDICATORS.name: EXAMPLE_INDICATORS,
        schema.NARRATIVE.name: tuple(
            {"section": section, "text": _NARRATIVE_TEXTS[section]} for section in schema.NARRATIVE_SECTIONS
        ),
        schema.TEAM.name: (
            {"name": "张虎敦", "title": "主任", "unit": UNIT, "role": "组长"},
            {"name": "张进胜", "title": "副主任", "unit": UNIT, "role": "成员"},
            {"name": "王彪", "title": "主任科员", "unit": UNIT, "role": "成员"},
        ),
    },
)


# The seed report's second target table ("（二）项目目标", 年初设定目标) as approved 绩效目标 in the
# bureau's export layout (schema.APPROVED): the example rows of input_templates/批复绩效目标模板.xlsx.
# Its indicators are not the 自评表's — which is what X007/X008 show when it is put in targets/.
APPROVED_EXAMPLE: tuple[Row, ...] = tuple(
    {
        "code": None,
        "name": PROJECT_NAME,
        "unit": UNIT,
        "year": 2021,
        "level1": level1,
        "level2": level2,
        "level3": content,
        "target": target,
        "adjusted": None,
        "nature": None,
        "measure": None,
    }
    for level1, level2, content, target, _actual, _reason in _SECOND_TABLE_INDICATORS
)
