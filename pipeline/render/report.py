"""The narrative report (绩效自评报告) as a .docx, laid out after GB/T 9704-2012.

Three layers, each replaceable on its own:
1. `_context(result)` turns the finished `Result` into display strings (figures formatted, the
   unit's text cleaned and split into paragraphs). Every figure comes from `result.scores` or is a
   value the unit typed; nothing is recomputed here.
2. `templates/report.txt.j2` (and the chapters it includes) writes the wording and decides the
   outline. It renders to lines tagged `@p`, `@h1`, `@tr` … (documented in the template itself):
   a county edits the text or moves chapters there, without touching Python. The unit's text
   reaches the template as data and is never parsed as a template or as a tag.
3. `wordml/` turns the tagged lines into WordprocessingML and wraps them in the package (GB/T 9704
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
from ..decisions import WAIVED, Conclusion
from ..display import day, fixed, percent, show, wan, wan_column
from ..model import Cell, Finding, Indicator, IndicatorScore, Result, Severity, Unknown
from ..schema import FUND_TOTAL, FUNDS
from ..values import half_width
from . import form
from .final import final_context
from .scored_workbook import resolver
from .wordml import (
    COMMENT_MARKS,
    COMMENT_OPEN,
    LANDSCAPE_WIDTH,
    LINE_BREAK,
    OTHER_TAGS,
    PARAGRAPH_TAGS,
    STANDINS,
    GridCell,
    Line,
    ReportTemplateError,
    Writer,
    base_package,
    commented,
    grid_table,
    package,
)

TEMPLATES = Path(__file__).parent / "templates"
MAIN_TEMPLATE = "report.txt.j2"


# ================================================================ entry point
def report_docx(
    result: Result, run_date: dt.date, settings: Settings, final: Conclusion | None = None
) -> bytes:
    """The 绩效自评报告 of one scored workbook, as .docx bytes (same input + config + date → same bytes).

    `final`: the 通过 it is signed with — the 定稿 (outputs.md v3): no comments and no open list,
    an 附件 审核情况 instead; otherwise the 审核稿, which says so on its cover."""
    if result.scores is None:
        raise ValueError("无法读取的工作簿没有评分结果，不生成报告")
    open_findings = _not_waived(result)
    notes = Comments(() if final else open_findings, silent=final is not None)
    context = _context(result, run_date, settings, notes, open_findings)
    context["final"] = final_context(result, final, settings) if final is not None else None
    text = _environment().get_template(MAIN_TEMPLATE).render(context)
    writer = Writer(blocks={"form": _form_grid(result, open_findings, notes)})
    body = writer.write(_parse(text))
    info = result.project.info
    used = {cid: notes.texts[cid] for cid in writer.comment_ids()}
    title = _inline(info.name.text) + "绩效自评报告" + ("（定稿）" if final else "")
    return package(
        body, title, _inline(info.unit.text), run_date, None if final else used, writer.last_sect_pr
    )


def _not_waived(result: Result) -> list[Finding]:
    """The findings the report shows as open: a finding the reviewer waived (豁免) is listed as
    waived, never marked in the text."""
    return [f for f in result.findings if result.review.state(f) != WAIVED]


def prepare() -> None:
    """Build the base package and compile the templates now (a pool initializer, or a benchmark's
    warm-up, calls this; otherwise the first report of each process pays ~0.25 s for it)."""
    base_package()
    _environment().get_template(MAIN_TEMPLATE)


# ================================================================ comments (批注)
class Comments:
    """The findings on a cell whose text the report prints, as Word comments on that text.

    One comment per anchor (a sentence, a table cell), listing every finding that lands there.
    """

    def __init__(self, findings: Iterable[Finding], silent: bool = False):
        self.silent = silent  # the 定稿: no comment at all, not even a reviewer's 调整 note
        self.by_cell: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            if f.sheet and f.cell:
                self.by_cell.setdefault((f.sheet, f.cell.replace("$", "")), []).append(f)
        self.texts: dict[int, list[str]] = {}
        self._ids: dict[object, int] = {}

    def on(self, cell: Cell | None) -> list[Finding]:
        ref = cell.ref if cell is not None else None
        return list(self.by_cell.get((ref.sheet, ref.cell), ())) if ref is not None and ref.cell else []

    def mark(self, text: str, findings: Iterable[Finding], anchor: object, extra: str = "") -> str:
        """`text` carrying one comment for `findings` (and an `extra` line of ours), unchanged when
        there is neither."""
        findings = list(dict.fromkeys(findings))
        if self.silent:
            return text
        if not (findings or extra) or not text or COMMENT_OPEN in text:
            if text and extra and COMMENT_OPEN in text:  # already marked: add the line to its comment
                cid = self._ids.get(anchor)
                if cid is not None and extra not in self.texts[cid]:
                    self.texts[cid].append(extra)
            return text
        cid = self._ids.get(anchor)
        if cid is None:
            cid = self._ids[anchor] = len(self._ids)
            self.texts[cid] = []
        for f in sorted(findings, key=lambda f: (f.severity.rank, f.rule)):
            line = f"【{f.severity.value} {f.rule}】{_inline(f.message)}"
            if line not in self.texts[cid]:
                self.texts[cid].append(line)
        if extra and extra not in self.texts[cid]:
            self.texts[cid].append(extra)
        return commented(text, cid)

    def cell_text(self, text: str, cell: Cell | None) -> str:
        return self.mark(text, self.on(cell), ("cell", id(cell)))


_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+|$)")


def _plain(text: str) -> str:
    """A sentence as the narrative rules read it (checks/narrative.plain_text): half-width, no spaces."""
    return re.sub(r"\s+", "", half_width(text))


def _narrative(section, notes: Comments) -> list[str]:
    """The section's paragraphs; a sentence holding the words a finding quotes carries its comment
    (a finding that quotes nothing, or words not found, marks the section's first paragraph)."""
    paras = _paragraphs(section.text.text)
    findings = notes.on(section.text)
    if not findings or not paras:
        return paras
    sentences = [[m.group(0) for m in _SENTENCE.finditer(p) if m.group(0)] for p in paras]
    placed: dict[tuple[int, int], list[Finding]] = {}
    for f in findings:
        quote = f.quote
        at = next(
            (
                (i, j)
                for i, para in enumerate(sentences)
                for j, sentence in enumerate(para)
                if quote and quote in _plain(sentence)
            ),
            None,
        )
        if at is None:  # the words run over a sentence end, or the finding quotes nothing
            i = next((i for i, p in enumerate(paras) if quote and quote in _plain(p)), 0)
            at = (i, -1)
        placed.setdefault(at, []).append(f)
    out = []
    for i, para in enumerate(sentences):
        if (i, -1) in placed:
            out.append(notes.mark(paras[i], placed[(i, -1)], (section.title, i, -1)))
            continue
        out.append(
            "".join(notes.mark(s, placed.get((i, j), ()), (section.title, i, j)) for j, s in enumerate(para))
        )
    return out


# ================================================================ 1. display values
def _context(
    result: Result,
    run_date: dt.date,
    settings: Settings,
    notes: Comments | None = None,
    open_findings: list[Finding] | None = None,
) -> dict:
    """The template's variables. `open_findings`: the findings the reviewer has not waived (as
    report_docx found them); the rest are listed as waived."""
    p, s = result.project, result.scores
    assert s is not None
    info = p.info
    notes = notes or Comments(())
    d = settings.scoring.decimals

    def score(x: float | None) -> str:
        return show(x, d)

    claimed_total, claimed_grade = info.claimed_total.value, info.claimed_grade.value
    scores_by_row = {sc.row: sc for sc in s.indicators}
    indicators = [_indicator(i, scores_by_row.get(i.row), score, notes) for i in p.indicators]
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
                "unknown": t.computed is None,  # v3: a line of the group is 无法复核
                "claimed_differs": t.claimed_differs,
                "full": not mine
                and t.computed is not None,  # no line lost points (a line without any score counts as lost)
                "lost": mine,
            }
        )
    placed = {id(i) for t in subtotals for i in t["lost"]}
    narrative = {sec.title: _narrative(sec, notes) for sec in p.narrative}
    review = result.review
    kept = _not_waived(result) if open_findings is None else open_findings
    listed = set(kept)
    waived = [f for f in result.findings if f not in listed]
    seq_at = _payment_numbers(result)
    findings = _findings(kept, settings, seq_at) if settings.report.include_findings else []
    waived_list = (
        [{**_finding(f, seq_at), "note": _inline(review.decided[f].note)} for f in waived]
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
            "eval_date": day(info.eval_date.value) or _inline(info.eval_date.text),
        },
        "scores": {
            "total": score(s.total),
            "grade": s.grade,
            "raw_total": score(s.raw_total),
            "weight_total": score(s.weight_total),
            "scale": score(s.scale),
            "rescaled": s.rescaled,
            "budget": wan(s.budget),
            "executed": wan(s.executed),
            "rate": percent(s.execution_rate),
            "budget_weight": score(s.budget_weight),
            "budget_score": score(s.budget_score),
            "indicator_weight": score(s.indicator_weight),
            "indicator_score": score(s.indicator_score),
            "adjusted": s.adjusted,
            # v3 (scoring.md "Unknown figures"): the cells that block the total, what was verified
            "unknown": not s.known,
            "blocking": _cells(s.unknown),
            "budget_blocking": ""
            if s.budget_score is not None
            else _cells(u for u in s.unknown if u.sheet == FUNDS.name),
            "verified": {
                "lines": s.verified.lines,
                "score": fixed(s.verified.score, d),
                "weight": score(s.verified.weight),
            }
            if s.verified
            else None,
        },
        "claimed": {
            "total": score(claimed_total),
            "grade": _inline(claimed_grade or ""),
            "total_differs": s.claimed_total_differs,
            "grade_differs": s.claimed_grade_differs,
        },
        "funds": _funds(result),
        "subitems": [
            {"name": _inline(i.name.text), "amount": wan(i.amount.value) or _inline(i.amount.text)}
            for i in p.subitems
        ],
        "structure": [
            {
                "category": _inline(r.category.text),
                "amount": wan(r.amount.value) or _inline(r.amount.text),
            }
            for r in p.structure
        ],
        "payments": [_payment(pay, notes) for pay in p.payments],
        "payments_total": _payments_total(result),
        "goals": [
            {"seq": _inline(g.seq), "expected": _inline(g.expected.text), "actual": _inline(g.actual.text)}
            for g in p.goals
        ],
        "indicators": indicators,
        "subtotals": subtotals,
        "other_lost": [i for i in lost if id(i) not in placed],
        "unverified": [i for i in indicators if i["unverified"]],
        "unknown": [i for i in indicators if i["unknown"]],
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
        "adjusted": [i for i in indicators if i["adjusted"]],  # with the reviewer's reason, if any
        "finding_counts": [
            (sev, sum(f["severity"] == sev for f in findings)) for sev in settings.report.findings_severities
        ],
        # the severities the list leaves out (提示), counted so the total agrees with the workbook's
        "unlisted": [
            (sev.value, n)
            for sev in Severity
            if sev.value not in settings.report.findings_severities
            and (n := sum(f.severity is sev for f in kept))
        ]
        if settings.report.include_findings
        else [],
        "region": _inline(settings.bureau.region),
        "run_date": day(run_date),
    }


def _indicator(i: Indicator, sc: IndicatorScore | None, score, notes: Comments) -> dict:
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
        "unverified": sc is not None and sc.computed is None and not sc.unknown,
        "unknown": _cells(sc.unknown) if sc is not None else "",  # v3: what blocks this line
        "claimed_differs": sc is not None and sc.claimed_differs,
        "lost": sc is not None and sc.lost,
        "note": _inline(sc.adjust_reason) if sc is not None else "",  # why a reviewer's 调整
        "deviation": notes.cell_text(_inline(i.deviation.text).rstrip("。；;，, "), i.deviation),
    }


def _cells(unknown: Iterable[Unknown]) -> str:
    """The cells that block a figure, as a sentence names them: 资金情况!D2（年度资金总额·全年执行数）."""
    return "、".join(f"{u.location}（{u.what}）" for u in unknown)


# 附件1 on a landscape page, as the official form is printed (the 225 mm 版心 turned): the workbook's
# grid, widths in mm; the first column holds 项目资金 / 年度总体目标 / 绩效指标 four characters a line
FORM_WIDTHS_MM = (17, 20, 22, 36, 24, 24, 12, 18, 18, 34)
_FORM_ROLE = {"label": "label", "head": "head", "text": "text", "unknown": "unknown"}  # the rest: centred
_FORM_SKIP = ("title", "subtitle", "note")  # the appendix title, year line and note are paragraphs


def _form_grid(result: Result, findings: list[Finding], notes: Comments) -> str:
    """附件1: the scored workbook's 项目支出绩效自评表 grid (workbook.form_layout), as one Word table
    across the landscape 版心, as the official form is one table. A finding on a value the form
    shows becomes a comment on that cell, as in the workbook."""
    s = result.scores
    assert s is not None
    lay = form.form_layout(result, s)
    marks = form.form_marks(lay, findings, resolver(result.project.sheets))
    items = [item for item in lay.items if item.style not in _FORM_SKIP]
    cells = []
    for item in items:
        role = _FORM_ROLE.get(item.style, "center")
        text = _form_value(item.value, item.style, role, s.decimals)
        anchor = ("form", item.r0, item.c0)
        text = notes.mark(text, marks.notes.get((item.r0, item.c0), ()), anchor)
        if (
            item.r0,
            item.c0,
        ) in lay.notes:  # a reviewer's 调整: said on the printed form, explained in a comment
            text = notes.mark(
                f"{text}（{form.ADJUSTED_LABEL}）", (), anchor, extra=lay.notes[(item.r0, item.c0)]
            )
        elif (item.r0, item.c0) in lay.unknown:  # 无法复核: the comment names the cells that block it
            text = notes.mark(text, (), anchor, extra=lay.unknown[(item.r0, item.c0)])
        cells.append(GridCell(item.r0, item.c0, item.r1, item.c1, text, role))
    return grid_table(FORM_WIDTHS_MM, cells, text_width=LANDSCAPE_WIDTH)


def _form_value(value: object, style: str, role: str, decimals: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if role == "vlabel":
            return _inline(value.replace("\n", ""))
        # the 其中 lines keep their leading full-width spaces: they align under 当年财政拨款
        return LINE_BREAK.join(
            part[: len(part) - len(part.lstrip("　"))] + _inline(part) for part in value.split("\n")
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if style == "money":
            return wan(float(value))
        if style == "percent":
            return percent(float(value))
        return show(float(value), decimals)
    return _inline(str(value))


def _funds(result: Result) -> dict:
    """The 资金情况 rows as typed: the 年度资金总额 row, and the sources (all-blank rows left out)."""
    rows = []
    for f in result.project.funds.values():
        if all(c.value is None for c in (f.initial, f.adjusted, f.executed)):
            continue
        rows.append(
            {
                "source": f.source,
                "total": f.source == FUND_TOTAL,
                "initial": wan(f.initial.value),
                "adjusted": wan(f.adjusted.value),
                "budget": wan(f.budget.value),
                "executed": wan(f.executed.value),
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


def _payment(pay, notes: Comments) -> dict:
    if pay.dates.value:  # one date a line, each in full: 2021.12.07
        dates = LINE_BREAK.join(f"{d.year}.{d.month:02d}.{d.day:02d}" for d in pay.dates.value)
    else:
        dates = _inline(pay.dates.text)
    items = "、".join(pay.items.value) if pay.items.value else pay.items.text
    purpose = pay.purpose if pay.purpose and pay.purpose != items else ""
    return {
        "seq": _inline(pay.seq),
        "dates": notes.cell_text(dates, pay.dates),
        "fund_type": _inline(pay.fund_type),
        "item": notes.cell_text(_inline("；".join(x for x in (items, purpose) if x)), pay.items),
        "amount": notes.cell_text(wan_column(pay.amount.value) or _inline(pay.amount.text), pay.amount),
    }


def _payments_total(result: Result) -> str:
    paid = result.scores.paid if result.scores else None
    return wan_column(paid)


def _findings(
    findings: Iterable[Finding], settings: Settings, seq_at: dict[tuple[str, int], str]
) -> list[dict]:
    wanted = set(settings.report.findings_severities)
    return [_finding(f, seq_at) for f in findings if f.severity.value in wanted]


def _payment_numbers(result: Result) -> dict[tuple[str, int], str]:
    """(支付明细 sheet, row) -> the 序号 the report's payment table shows for that row."""
    return {
        (pay.amount.ref.sheet, pay.row): pay.seq
        for pay in result.project.payments
        if pay.amount.ref and pay.seq
    }


def _finding(f: Finding, seq_at: dict[tuple[str, int], str]) -> dict:
    # a payment row is named by the 序号 the reader sees in the table, beside the sheet's own row
    location = _inline(f.location)
    row = re.fullmatch(r"[A-Z]+(\d+)", f.cell or "")
    seq = seq_at.get((f.sheet, int(row.group(1)))) if row else None
    if seq:
        location += f"（序号{_inline(seq)}）"
    return {
        "severity": f.severity.value,
        "rule": f.rule,
        "location": location,
        "message": _inline(f.message),
    }


# ---------------------------------------------------------------- formatting and cleaning
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# anything that needs cleaning, or swapping for a stand-in, in one test (most strings have none)
_SPECIAL = re.compile("[\x00-\x1f\x85\u2028\u2029\ud800-\udfff\ufffe\uffff@|~\ue001-\ue012]")


def clean(text: str) -> str:
    """Text XML can hold: line breaks (\\r, \\v, \\f, U+2028 …) become \\n, tabs spaces, other control
    characters and lone surrogates are dropped."""
    text = _LINE_BREAKS.sub("\n", text)
    return _NOT_XML.sub("", text).replace("\t", " ")


def _inline(text: str, marks: bool = False) -> str:
    """One line of the unit's text (its own private-use marks dropped; `marks`: keep ours)."""
    if not text:
        return ""
    if _SPECIAL.search(text) is None:
        return text.strip()
    text = clean(text)
    if not marks:
        text = COMMENT_MARKS.sub("", text)
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in COMMENT_MARKS.sub("", clean(text or "")).split("\n") if line.strip()]


# ================================================================ 2. the template


def _finalize(value: object) -> str:
    if value is None:
        raise ReportTemplateError("模板输出了空值（None）：请用 {% if … %} 判断后再输出")
    if isinstance(value, float):
        value = wan(value)  # a float the template computed: to the yuan, as amounts are shown
    text = value if isinstance(value, str) else str(value)
    if _SPECIAL.search(text) is None:
        return text
    return _inline(text, marks=True).translate(STANDINS)


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
