"""The narrative report (绩效自评报告) as a .docx, laid out after GB/T 9704-2012.

Three layers, each replaceable on its own:
1. `_context(result)` turns the finished `Result` into display strings (figures formatted, the
   unit's text cleaned and split into paragraphs). Every figure comes from `result.scores` or is a
   value the unit typed; nothing is recomputed here.
2. `templates/report.txt.j2` (and the chapters it includes) writes the wording and decides the
   outline. It renders to lines tagged `@p`, `@h1`, `@tr` … (documented in the template itself):
   a county edits the text or moves chapters there, without touching Python. The unit's text
   reaches the template as data and is never parsed as a template or as a tag.
3. `wordml.py` turns the tagged lines into WordprocessingML and wraps them in the package (GB/T 9704
   page and styles, built once per process with python-docx). That keeps one report at a few
   milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jinja2

from ..config import Settings
from ..decisions import WAIVED
from ..display import fixed, percent, show
from ..model import Finding, Indicator, IndicatorScore, Result
from .wordml import (
    OTHER_TAGS,
    PARAGRAPH_TAGS,
    STANDINS,
    Line,
    ReportTemplateError,
    Writer,
    base_package,
    package,
)

TEMPLATES = Path(__file__).parent / "templates"
MAIN_TEMPLATE = "report.txt.j2"


# ================================================================ entry point
def report_docx(result: Result, run_date: dt.date, settings: Settings) -> bytes:
    """The 绩效自评报告 of one scored workbook, as .docx bytes (same input + config + date → same bytes)."""
    if result.scores is None:
        raise ValueError("无法读取的工作簿没有评分结果，不生成报告")
    text = _environment().get_template(MAIN_TEMPLATE).render(_context(result, run_date, settings))
    body = Writer().write(_parse(text))
    info = result.project.info
    return package(body, _inline(info.name.text) + "绩效自评报告", _inline(info.unit.text), run_date)


def prepare() -> None:
    """Build the base package and compile the templates now (a pool initializer, or a benchmark's
    warm-up, calls this; otherwise the first report of each process pays ~0.25 s for it)."""
    base_package()
    _environment().get_template(MAIN_TEMPLATE)


# ================================================================ 1. display values
def _context(result: Result, run_date: dt.date, settings: Settings) -> dict:
    p, s = result.project, result.scores
    assert s is not None
    info = p.info
    d = settings.scoring.decimals

    def score(x: float | None) -> str:
        return show(x, d)

    claimed_total, claimed_grade = info.claimed_total.value, info.claimed_grade.value
    scores_by_row = {sc.row: sc for sc in s.indicators}
    indicators = [_indicator(i, scores_by_row.get(i.row), score) for i in p.indicators]
    lost = [i for i in indicators if i["lost"]]
    subtotals = []
    for t in s.subtotals:
        mine = [i for i in lost if (i["level1"], i["level2"]) == (t.level1, t.level2)]
        subtotals.append(
            {
                "level1": t.level1,
                "level2": t.level2,
                "weight": score(t.weight),
                "computed": score(t.computed),
                "claimed": score(t.claimed),
                "claimed_differs": t.claimed_differs,
                "lost": mine,
            }
        )
    placed = {id(i) for t in subtotals for i in t["lost"]}
    narrative = {sec.title: _paragraphs(sec.text.text) for sec in p.narrative}
    review = result.review
    waived = [f for f in result.findings if review.state(f) == WAIVED]
    kept = [f for f in result.findings if review.state(f) != WAIVED]
    findings = _findings(kept, settings) if settings.report.include_findings else []
    waived_list = (
        [{**_finding(f), "note": _inline(review.decided[f].note)} for f in waived]
        if settings.report.include_findings
        else []
    )
    return {
        "project": {
            "name": _inline(info.name.text),
            "year": str(info.year.value) if info.year.value is not None else "",
            "unit": _inline(info.unit.text),
            "department": _inline(info.department.text),
            "credit_code": _inline(info.credit_code.text),
            "eval_type": _inline(info.eval_type.text),
            "leader": _inline(info.leader.text),
            "contact": _inline(info.contact.text),
            "phone": _inline(info.phone.text),
            "eval_date": _date(info.eval_date.value) or _inline(info.eval_date.text),
        },
        "scores": {
            "total": score(s.total),
            "grade": s.grade,
            "raw_total": score(s.raw_total),
            "weight_total": score(s.weight_total),
            "scale": score(s.scale),
            "rescaled": s.rescaled,
            "budget": show(s.budget, 4),
            "executed": show(s.executed, 4),
            "rate": percent(s.execution_rate),
            "budget_weight": score(s.budget_weight),
            "budget_score": score(s.budget_score),
            "indicator_weight": score(s.indicator_weight),
            "indicator_score": score(s.indicator_score),
            "adjusted": s.adjusted,
        },
        "claimed": {
            "total": score(claimed_total),
            "grade": _inline(claimed_grade or ""),
            "total_differs": s.claimed_total_differs,
            "grade_differs": s.claimed_grade_differs,
        },
        "funds": _funds(result),
        "subitems": [
            {"name": _inline(i.name.text), "amount": show(i.amount.value, 4) or _inline(i.amount.text)}
            for i in p.subitems
        ],
        "structure": [
            {
                "category": _inline(r.category.text),
                "amount": show(r.amount.value, 4) or _inline(r.amount.text),
            }
            for r in p.structure
        ],
        "payments": [_payment(pay) for pay in p.payments],
        "payments_total": _payments_total(result),
        "goals": [
            {"seq": _inline(g.seq), "expected": _inline(g.expected.text), "actual": _inline(g.actual.text)}
            for g in p.goals
        ],
        "indicators": indicators,
        "subtotals": subtotals,
        "other_lost": [i for i in lost if id(i) not in placed],
        "unverified": [i for i in indicators if i["unverified"]],
        "narrative": {title: paras for title, paras in narrative.items() if paras},
        "team": [
            {
                "name": _inline(m.name),
                "title": _inline(m.title),
                "unit": _inline(m.unit),
                "role": _inline(m.role),
            }
            for m in p.team
        ],
        "include_findings": settings.report.include_findings,
        "findings": findings,
        "waived": waived_list,
        "adjusted": [  # the reviewer's reason, when the 审核说明 says more than the score
            {**i, "note": _inline(d.note) if d.note.strip() != i["final"] else ""}
            for i in indicators
            if i["adjusted"] and (d := review.adjustments.get(i["row"])) is not None
        ],
        "finding_counts": [
            (sev, sum(f["severity"] == sev for f in findings)) for sev in settings.report.findings_severities
        ],
        "run_date": _date(run_date),
    }


def _indicator(i: Indicator, sc: IndicatorScore | None, score) -> dict:
    weight = sc.weight if sc else i.weight.value
    final = sc.final if sc else i.claimed.value
    computed = sc.computed if sc else None
    return {
        "row": i.row,
        "level1": i.level1.name or _inline(i.level1.raw),
        "level2": i.level2.name or _inline(i.level2.raw),
        "level3": _inline(i.level3.text),
        # what a sentence calls the indicator: 三级指标, else its target, else its 二级指标
        "label": _inline(i.level3.text or i.target.text or i.level2.name),
        "target": _inline(i.target.text),
        "actual": _inline(i.actual.text),
        "weight": score(weight),
        "claimed": score(i.claimed.value),
        "computed": score(computed),
        "final": score(final),
        "method": sc.method if sc else "",
        "adjusted": sc is not None and sc.adjusted,  # a reviewer's 调整 set this 复核得分 (审核调整)
        "unverified": sc is not None and sc.computed is None,
        "claimed_differs": sc is not None and sc.claimed_differs,
        "lost": sc is not None and sc.lost,
        "deviation": _inline(i.deviation.text).rstrip("。；;，, "),
    }


def _funds(result: Result) -> dict:
    """The 资金情况 rows as typed: the 年度资金总额 row, and the sources (all-blank rows left out)."""
    rows = []
    for f in result.project.funds.values():
        if all(c.value is None for c in (f.initial, f.adjusted, f.executed)):
            continue
        rows.append(
            {
                "source": f.source,
                "total": f.source == "年度资金总额",
                "initial": show(f.initial.value, 4),
                "adjusted": show(f.adjusted.value, 4),
                "budget": show(f.budget.value, 4),
                "executed": show(f.executed.value, 4),
                "adjusted_blank": f.adjusted.value is None,
                "adjusted_differs": (
                    f.adjusted.value is not None
                    and f.initial.value is not None
                    and abs(f.adjusted.value - f.initial.value) > 1e-9
                ),
            }
        )
    total = next((r for r in rows if r["total"]), None)
    return {"total": total, "sources": [r for r in rows if not r["total"]]}


def _payment(pay) -> dict:
    if pay.dates.value:  # 2021.12.7、12.9: the year once, as staff write it
        first = pay.dates.value[0]
        dates = "、".join(
            f"{d.year}.{d.month}.{d.day}" if d is first or d.year != first.year else f"{d.month}.{d.day}"
            for d in pay.dates.value
        )
    else:
        dates = _inline(pay.dates.text)
    items = "、".join(pay.items.value) if pay.items.value else pay.items.text
    purpose = pay.purpose if pay.purpose and pay.purpose != items else ""
    return {
        "seq": _inline(pay.seq),
        "dates": dates,
        "fund_type": _inline(pay.fund_type),
        "item": _inline("；".join(x for x in (items, purpose) if x)),
        "amount": fixed(pay.amount.value, 4) or _inline(pay.amount.text),
    }


def _payments_total(result: Result) -> str:
    paid = result.scores.paid if result.scores else None
    return "" if paid is None else fixed(paid, 4)


def _findings(findings: Iterable[Finding], settings: Settings) -> list[dict]:
    wanted = set(settings.report.findings_severities)
    return [_finding(f) for f in findings if f.severity.value in wanted]


def _finding(f: Finding) -> dict:
    return {
        "severity": f.severity.value,
        "rule": f.rule,
        "location": _inline(f.location),
        "message": _inline(f.message),
    }


# ---------------------------------------------------------------- formatting and cleaning
def _date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if isinstance(d, dt.date) else ""


_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# anything that needs cleaning, or swapping for a stand-in, in one test (most strings have none)
_SPECIAL = re.compile("[\x00-\x1f\x85\u2028\u2029\ud800-\udfff\ufffe\uffff@|~\ue001-\ue003]")


def clean(text: str) -> str:
    """Text XML can hold: line breaks (\\r, \\v, \\f, U+2028 …) become \\n, tabs spaces, other control
    characters and lone surrogates are dropped."""
    text = _LINE_BREAKS.sub("\n", text)
    return _NOT_XML.sub("", text).replace("\t", " ")


def _inline(text: str) -> str:
    if not text:
        return ""
    if _SPECIAL.search(text) is None:
        return text.strip()
    return " ".join(part.strip() for part in clean(text).split("\n") if part.strip())


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in clean(text or "").split("\n") if line.strip()]


# ================================================================ 2. the template


def _finalize(value: object) -> str:
    if value is None:
        raise ReportTemplateError("模板输出了空值（None）：请用 {% if … %} 判断后再输出")
    if isinstance(value, float):
        value = show(value, 4)
    text = value if isinstance(value, str) else str(value)
    if _SPECIAL.search(text) is None:
        return text
    return _inline(text).translate(STANDINS)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=False,  # a line ending in {% endif %} must keep its line break
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def _parse(text: str) -> list[Line]:
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.strip()
        if not raw:
            continue
        if raw.startswith("@"):
            tag, _, rest = raw[1:].partition(" ")
            if tag not in PARAGRAPH_TAGS and tag not in OTHER_TAGS:
                raise ReportTemplateError(f"报告模板第 {number} 行：未知标记 @{tag}（{raw[:40]}）")
        else:
            tag, rest = "p", raw
        lines.append(Line(tag, rest.strip(), number))
    return lines
