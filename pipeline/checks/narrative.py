"""N rules: what the unit's own report text (报告正文) states, against the table and the data.

Units write the report by editing last year's (or another project's) text, so its figures and even
the project's name go stale. Each rule reads one kind of statement with a narrow pattern and stays
silent on anything it cannot read for certain: a missed statement costs less than a false alarm.
Every finding points at the 内容 cell of the section it was read in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..display import money, show
from ..model import Finding, Project, Scores, Section, Severity
from ..schema import GRADE_WORDS, LEVEL1, LEVEL2
from ..values import half_width
from .budget import written_half_unit
from .registry import BUDGET, TOTAL, Context, finding, rule

_NUMBER = r"\d+(?:\.\d+)?"
_LINK = r"(?:为|是|:|达到|达)?"  # `自评得分为96.5分`, `评价等级:良`
_CLAUSE_END = re.compile(r"[,.;:!?、。]")


def clause_before(text: str, start: int) -> str:
    """The words from the previous punctuation mark up to `start`."""
    ends = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    return text[ends[-1] if ends else 0 : start]


def plain_text(section: Section) -> str:
    """The section as the patterns read it: half-width, line breaks as sentence ends, no spaces."""
    text = re.sub(r"[\r\n]+", "。", half_width(section.text.text))
    return re.sub(r"\s+", "", text)


def same_score(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


# ---------------------------------------------------------------- N001 total score
_TOTAL_CLAIM = re.compile(
    rf"(自评总得分|自评总分|自评得分|自评分数|自评得|综合得分|综合评分|总得分|最终得分|总分){_LINK}({_NUMBER})分"
)

# `数量指标方面共30分，得26分`: read by N003, and never taken as a total by N001
_SUBTOTAL_CLAIM = re.compile(
    rf"([\u4e00-\u9fff]{{2,12}}指标)(?:方面)?(?:共|共计|满分|分值|总分)?{_LINK}({_NUMBER})分"
    rf"[,;、]?(?:实际|自评)?得分?{_LINK}({_NUMBER})分"
)


def total_claim_agrees(claim: float, scores: Scores, ctx: Context) -> bool:
    """The claim is the computed total, or (weights not adding to 100) the unscaled Σ shown beside it."""
    tolerance = ctx.settings.tolerance.score
    unscaled = abs(scores.weight_total - ctx.settings.weights.total) > tolerance
    return same_score(claim, scores.total, tolerance) or (
        unscaled and same_score(claim, scores.raw_total, tolerance)
    )


def is_full_marks(word: str, claim: float, scores: Scores, ctx: Context) -> bool:
    """`总分100分` states the scale (满分), not a result."""
    tolerance = ctx.settings.tolerance.score
    scale = (ctx.settings.weights.total, scores.weight_total)
    return word == "总分" and any(same_score(claim, s, tolerance) for s in scale)


def within_subtotal(text: str, position: int) -> bool:
    return any(m.start() <= position < m.end() for m in _SUBTOTAL_CLAIM.finditer(text))


@rule("N001", Severity.ERROR, needs=(TOTAL,))
def stated_total_matches(p: Project, ctx: Context) -> Iterator[Finding]:
    """报告正文所称自评总分须等于复核总分 | A total score the text states equals the computed total.
    按分数容差比较，不四舍五入：94.55 写成“95分”也算不符，因为取整可能跨过等级线（89.6 写成 90 就从良变成优）。分值合计不是 100 时，与百分制总分并列显示的未折算合计也视为一致。
    """
    scores = ctx.scores
    for section in p.narrative:
        reported: set[float] = set()
        text = plain_text(section)
        for m in _TOTAL_CLAIM.finditer(text):
            claim = float(m.group(2))
            if claim in reported or is_full_marks(m.group(1), claim, scores, ctx):
                continue
            if "指标" in clause_before(text, m.start()) or within_subtotal(text, m.start()):
                continue  # `满意度指标总分10分，自评得分8分` is a subtotal (N003)
            if not total_claim_agrees(claim, scores, ctx):
                reported.add(claim)
                yield finding(
                    "N001",
                    section.text,
                    quote=m.group(0),
                    expected=scores.total,
                    actual=claim,
                    section=section.title,
                    stated=show(claim, ctx.settings.scoring.decimals),
                    total=show(scores.total, ctx.settings.scoring.decimals),
                )


# ---------------------------------------------------------------- N002 grade
_GRADE_CLAIM = re.compile(
    r"(?:等级|自评结果|评价结果)(?:为|是|:|评定为|评为|确定为)[“\"'「『]?"
    f"({'|'.join(sorted(GRADE_WORDS, key=len, reverse=True))})"  # 不合格 before 合格
)


@rule("N002", Severity.ERROR, needs=(TOTAL,))
def stated_grade_matches(p: Project, ctx: Context) -> Iterator[Finding]:
    """报告正文所称评价等级须与复核总分的等级一致 | A grade the text states is the grade of the computed total.
    财政部门依据等级作出处理（第十三条：90 分优、80 分良、60 分中）。
    """
    grade = ctx.scores.grade
    for section in p.narrative:
        reported: set[str] = set()
        for m in _GRADE_CLAIM.finditer(plain_text(section)):
            stated = GRADE_WORDS[m.group(1)]
            if stated != grade and stated not in reported:
                reported.add(stated)
                yield finding(
                    "N002",
                    section.text,
                    quote=m.group(0),
                    expected=grade,
                    actual=stated,
                    section=section.title,
                    stated=m.group(1),
                    total=show(ctx.scores.total, ctx.settings.scoring.decimals),
                    grade=grade,
                )


# ---------------------------------------------------------------- N003 二级指标 subtotals
@dataclass(frozen=True)
class TableSubtotal:
    weight: float | None
    claimed: float
    computed: float | None  # None: a line of the group is unknown (v3)


def table_subtotals(scores: Scores) -> tuple[dict[str, TableSubtotal], dict[str, TableSubtotal]]:
    """Subtotals of the indicator table by 二级 name and by 一级 name."""
    by_level2: dict[str, TableSubtotal] = {}
    by_level1: dict[str, TableSubtotal] = {}
    for s in scores.subtotals:
        for table, key in ((by_level2, s.level2), (by_level1, s.level1)):
            old = table.get(key, TableSubtotal(0.0, 0.0, 0.0))
            unknown = None in (old.weight, old.computed, s.weight, s.computed)  # v3: N003 stays silent
            table[key] = (
                TableSubtotal(None, 0.0, None)
                if unknown
                else TableSubtotal(old.weight + s.weight, old.claimed + s.claimed, old.computed + s.computed)
            )
    return by_level2, by_level1


def indicator_name(words: str, known: set[str]) -> str | None:
    """The longest known 指标 name the captured words end with (`具体如下数量指标` -> `数量指标`)."""
    endings = [name for name in known if words.endswith(name)]
    return max(endings, key=len) if endings else None


@rule("N003", Severity.WARNING)
def stated_subtotals_match(p: Project, ctx: Context) -> Iterator[Finding]:
    """报告正文所称二级指标分值、得分须与指标表一致 | A 二级指标 subtotal the text states matches the table.
    分值和得分都核对；得分与单位自评或复核结果之一相同即可。写一级指标名称（“满意度指标”）的，与其下各行之和比较。
    """
    by_level2, by_level1 = table_subtotals(ctx.scores)
    known = set(LEVEL1) | set(LEVEL2) | set(by_level2) | set(by_level1)
    tolerance, d = ctx.settings.tolerance.score, ctx.settings.scoring.decimals
    for section in p.narrative:
        for m in _SUBTOTAL_CLAIM.finditer(plain_text(section)):
            name = indicator_name(m.group(1), known)
            table = (by_level2.get(name) or by_level1.get(name)) if name else None
            if table is None or table.computed is None:  # unknown group: its I finding said why
                continue
            weight, score = float(m.group(2)), float(m.group(3))
            weight_ok = same_score(weight, table.weight, tolerance)
            score_ok = same_score(score, table.claimed, tolerance) or same_score(
                score, table.computed, tolerance
            )
            if not (weight_ok and score_ok):
                yield finding(
                    "N003",
                    section.text,
                    quote=m.group(0),
                    expected=f"{show(table.weight, d)}/{show(table.claimed, d)}",
                    actual=f"{show(weight, d)}/{show(score, d)}",
                    section=section.title,
                    level2=name,
                    weight=show(weight, d),
                    score=show(score, d),
                    table_weight=show(table.weight, d),
                    table_score=show(table.claimed, d),
                )


# ---------------------------------------------------------------- N004 total / executed funds
# fmt: off
_BUDGET_WORDS = (
    "年初预算数", "年初预算", "全年预算数", "全年预算", "调整后预算", "预算总额", "预算资金总额", "资金总额", "总预算", "共计经费", "经费共计",
    "经费总额", "总经费", "项目总投资", "总投资",
)
_EXECUTED_WORDS = (
    "实际支出", "资金支出", "实际执行", "全年执行数", "全年执行", "累计支出", "共支出", "支出共计", "已支付", "实际使用",
)
_EITHER_WORDS = (
    "共计投入", "共投入", "总投入", "累计投入",
)
# fmt: on
_AMOUNT_WORDS = {
    **dict.fromkeys(_BUDGET_WORDS, "budget"),
    **dict.fromkeys(_EXECUTED_WORDS, "executed"),
    **dict.fromkeys(_EITHER_WORDS, "either"),
}
_AMOUNT_CLAIM = re.compile(
    "(" + "|".join(sorted(map(re.escape, _AMOUNT_WORDS), key=len, reverse=True)) + ")"
    rf"(?:为|是|:|了|达|约|共|共计|合计|总计)?({_NUMBER})万元"
)
# a clause that begins like these is about a part, or another year: `其中…`, `上年实际支出…`
_PART_OR_OTHER_YEAR = ("其中", "包括", "用于", "分别", "上年", "去年", "往年", "同期", "比")


def fund_figures(p: Project) -> dict[str, list[float]]:
    """Every budget / executed amount of 资金情况 (any source row), by kind."""
    budget = [v for r in p.funds.values() for v in (r.initial.value, r.adjusted.value) if v is not None]
    executed = [r.executed.value for r in p.funds.values() if r.executed.value is not None]
    return {"budget": budget, "executed": executed, "either": budget + executed}


def total_figures_text(p: Project, kind: str) -> str:
    total = p.total
    parts = []
    if kind in ("budget", "either") and total and total.budget.value is not None:
        parts.append(f"预算数为 {money(total.budget.value)} 万元")
    if kind in ("executed", "either") and total and total.executed.value is not None:
        parts.append(f"全年执行数为 {money(total.executed.value)} 万元")
    return "、".join(parts)


@rule("N004", Severity.WARNING, needs=(BUDGET,))
def stated_amounts_match(p: Project, ctx: Context) -> Iterator[Finding]:
    """报告正文所称项目总预算、总支出须与资金情况一致 | Total budget / spending the text states matches the data.
    只读取说整体的短语（“共计经费”“全年预算”“实际支出”“共投入”），不读说某一部分（“其中…”）或其他年度的句子；与同类任一资金来源相符即可，按所写位数四舍五入后相同也算一致（120.9967 写成“121万元”）。
    """
    figures = fund_figures(p)
    if not figures["either"] or p.total is None:
        return
    tolerance = ctx.settings.tolerance.money
    for section in p.narrative:
        text = plain_text(section)
        reported: set[str] = set()
        for m in _AMOUNT_CLAIM.finditer(text):
            if any(w in clause_before(text, m.start()) for w in _PART_OR_OTHER_YEAR):
                continue
            kind, stated = _AMOUNT_WORDS[m.group(1)], float(m.group(2))
            allowed = max(tolerance, written_half_unit(m.group(2)))
            described = total_figures_text(p, kind)
            if not described or any(abs(stated - v) <= allowed + 1e-9 for v in figures[kind]):
                continue
            if m.group(0) not in reported:
                reported.add(m.group(0))
                yield finding(
                    "N004",
                    section.text,
                    quote=m.group(0),
                    expected=p.total.executed.value if kind == "executed" else p.total.budget.value,
                    actual=stated,
                    section=section.title,
                    phrase=m.group(0),
                    figures=described,
                )


# ---------------------------------------------------------------- N005 another project's name
_NAME_ENDINGS = ("专项经费", "专项资金", "项目")
_NAME_ENDING = re.compile(r"专项经费|专项资金|项目|经费|资金")
_SELF_REVIEW = re.compile(r"(?:\d{4}年度?)?(?:绩效)?自评")  # `…经费绩效自评`, `…项目2021年绩效自评`
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff、0-9A-Za-z]")
_SUBJECT = re.compile(r"^(?:我|本)(?:单位|办|局|站|院|所|中心|委|部门|室|队|馆|厅|处|科)?")
_YEAR = re.compile(r"^\d{4}年度?")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)、")
_LEADING_WORDS = re.compile(r"^(?:关于|对于|对|在|为)")
# words of a sentence, not of a name: a phrase holding one is not taken as a name
# fmt: off
_SENTENCE_WORDS = (
    "根据", "涉及", "按照", "通过", "用于", "进行", "开展", "实施", "主要", "包括", "结合", "制定", "加强", "确保", "由于", "关于",
    "完成", "落实", "争取", "实现", "安排", "下达", "申请", "组织", "推进", "做好", "加快", "积极", "全面", "认真", "严格",
    "承担", "负责", "参与", "获得", "新增", "共有", "的", "了", "是", "将", "该", "其", "各", "等", "共", "已", "均",
)
# funding words every project shares: `财政专项资金`, `部门预算项目` name no project in particular
_GENERIC_WORDS = (
    "一般公共预算", "政府性基金", "转移支付", "部门预算", "财政", "中央", "省级", "市级", "县级", "本级", "上级", "预算", "部门",
    "专项", "业务", "整体", "支出", "年度", "资金", "经费", "项目", "、",
)
# fmt: on
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,6}?[省市县区旗]")  # 子洲县, 榆林市


@dataclass(frozen=True)
class NamePhrase:
    phrase: str  # as written, with its ending: 文艺活动专项经费
    core: str  # the name part: 文艺活动


def strip_name_prefix(words: str, owners: tuple[str, ...]) -> tuple[str, bool]:
    """Drop numbering, `我单位`, the year, the unit's own name; say whether a year was there.

    The year is what marks a name (`我单位2021年文艺活动专项经费`); `我单位…项目` alone is too often
    the start of an ordinary sentence (`我单位积极争取项目`).
    """
    dated = False
    words = _NUMBERING.sub("", words)
    changed = True
    while changed and words:
        changed = False
        for pattern in (_SUBJECT, _YEAR):
            m = pattern.match(words)
            if m and m.end():
                words, changed = words[m.end() :], True
                dated = dated or pattern is _YEAR
        for owner in owners:
            if owner and words.startswith(owner):
                words, changed = words[len(owner) :], True
        m = _LEADING_WORDS.match(words)
        if m:
            words, changed = words[m.end() :], True
    return words, dated


def is_generic(core: str) -> bool:
    """Nothing but funding words is left: `财政`, `部门预算`."""
    for word in _GENERIC_WORDS:
        core = core.replace(word, "")
    return len(core) < 2


def name_phrases(text: str, owners: tuple[str, ...], min_chars: int) -> Iterator[NamePhrase]:
    """Phrases the text uses as the project's name: `我单位2021年某某专项经费`, `某某经费绩效自评`, `2021年某某项目`."""
    for m in _NAME_ENDING.finditer(text):
        ending = m.group(0)
        self_review = bool(_SELF_REVIEW.match(text, m.end()))
        if ending not in _NAME_ENDINGS and not self_review:
            continue
        start = m.start()
        while start > 0 and _NAME_CHAR.match(text[start - 1]):
            start -= 1
        core, dated = strip_name_prefix(text[start : m.start()], owners)
        if not (dated or self_review) or any(w in core for w in _SENTENCE_WORDS) or is_generic(core):
            continue
        if len(core) >= 2 and len(core + ending) >= min_chars:
            yield NamePhrase(core + ending, core)


def name_core(name: str) -> str:
    """A name without years, place, punctuation or a generic ending: what makes it this project."""
    name = re.sub(r"\d{4}年度?", "", half_width(name))
    name = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", name)
    name = re.sub(r"(?:专项经费|专项资金|项目经费|项目资金|项目|经费|资金)$", "", name)
    return _PLACE.sub("", name)


def pairs(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def same_project(core: str, name: str, overlap: float) -> bool:
    """The phrase is (part of) the project name: contained, or enough of its character pairs in it."""
    core, name = name_core(core), name_core(name)
    if not core or core in name or name in core:
        return True
    phrase_pairs = pairs(core)
    return bool(phrase_pairs) and sum(pr in name for pr in phrase_pairs) / len(phrase_pairs) >= overlap


@rule("N005", Severity.WARNING)
def project_named_consistently(p: Project, ctx: Context) -> Iterator[Finding]:
    """报告正文不应以其他名称称呼本项目 | The text does not call the project by another name.
    多半是沿用了往年或其他项目报告的文字。只在正文明确称呼本项目的地方读取（“我单位2021年…专项经费”“…经费绩效自评”）；该名称包含在项目名称中，或与项目名称有足够多相同的相邻两字（config 中 checks.name_overlap），才算本项目。
    """
    name = p.info.name.text
    if not name:
        return
    owners = tuple(re.sub(r"\s+", "", half_width(c.text)) for c in (p.info.unit, p.info.department) if c.text)
    checks = ctx.settings.checks
    for section in p.narrative:
        reported: set[str] = set()
        for found in name_phrases(plain_text(section), owners, checks.name_min_chars):
            if found.phrase in reported or same_project(found.core, name, checks.name_overlap):
                continue
            reported.add(found.phrase)
            yield finding(
                "N005",
                section.text,
                quote=found.phrase,
                expected=name,
                actual=found.phrase,
                section=section.title,
                phrase=found.phrase,
                name=name,
            )
