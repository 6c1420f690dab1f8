"""findings.json (outputs.md): the machine-readable result of one workbook.

Its shape is `FindingsDoc`, and `build` is the one place that writes it: for a scored workbook
(`document`), and for one that could not be read or broke the program (`failure_doc`, `refusal_doc`).

Beyond the contract's keys it carries, cell by cell, what the batch-wide tables and the X rules
need of a workbook (`payments`, `narrative`, the targets and 偏差原因 of `indicators`): a workbook
skipped as unchanged, or kept in the archive from an earlier year, is seen by them through this
file, never by reading the workbook again (batch/frames.py).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import NotRequired, TypedDict

from ..decisions import as_dict
from ..load.rules import loader_finding
from ..messages import MSG
from ..model import Cell, CellRef, Decision, Finding, Result


class ProjectDoc(TypedDict):
    name: object
    year: object
    unit: object
    department: object
    name_at: NotRequired[list[str] | None]  # [sheet, cell] of 项目名称 (X003 points there)
    code: NotRequired[object]  # v3: 项目编码, when the workbook gives it (X006–X008 match on it)


class ClaimedDoc(TypedDict):
    total: object
    grade: object


class FindingDoc(TypedDict):
    rule: str
    severity: str  # 错误 / 警告 / 提示
    sheet: str
    cell: str
    message: str
    expected: float | str | None
    actual: float | str | None
    other: NotRequired[dict]  # an X finding: {"file", "sheet", "cell"} of the other workbook
    decision: NotRequired[dict]  # the reviewer's (state, note, by, at); absent = 待核实


class FindingsDoc(TypedDict):
    file: str
    sha256: str
    project: ProjectDoc
    computed: dict | None  # None: the workbook could not be scored
    claimed: ClaimedDoc
    indicators: list[dict]
    payments: NotRequired[list[dict]]  # 支付明细 rows with their cells (X001, X002)
    narrative: NotRequired[list[dict]]  # 报告正文 sections with their cells (X005)
    findings: list[FindingDoc]
    error: NotRequired[str]  # a program fault: its traceback
    review: NotRequired[dict]  # decisions retired (已失效) and those that could not be applied


def build(
    file: str,
    sha256: str,
    findings: Iterable[Finding],
    *,
    project: ProjectDoc | None = None,
    claimed: ClaimedDoc | None = None,
    computed: dict | None = None,
    indicators: list[dict] | None = None,
    payments: list[dict] | None = None,
    narrative: list[dict] | None = None,
    error: str = "",
) -> FindingsDoc:
    doc: FindingsDoc = {
        "file": file,
        "sha256": sha256,
        "project": project or {"name": None, "year": None, "unit": None, "department": None},
        "computed": computed,
        "claimed": claimed or {"total": None, "grade": None},
        "indicators": indicators or [],
        "findings": [f.as_dict() for f in findings],  # type: ignore[misc]
    }
    if payments is not None:
        doc["payments"] = payments
    if narrative is not None:
        doc["narrative"] = narrative
    if error:
        doc["error"] = error
    return doc


def _at(where: Cell | CellRef | None) -> list[str] | None:
    """[sheet, cell] of a value, or None."""
    ref = where.ref if isinstance(where, Cell) else where
    return [ref.sheet, ref.cell] if ref is not None else None


def document(result: Result) -> FindingsDoc:
    p = result.project
    s = result.scores
    info = p.info
    computed = None
    indicators = []
    if s is not None:
        computed = {
            "budget": s.budget,
            "executed": s.executed,
            "execution_rate": s.execution_rate,
            "budget_weight": s.budget_weight,
            "budget_score": s.budget_score,
            "indicator_weight": s.indicator_weight,
            "indicator_score": s.indicator_score,
            "weight_total": s.weight_total,
            "raw_total": s.raw_total,
            "total": s.total,
            "grade": s.grade,
            **({"adjusted": True} if s.adjusted else {}),
            # v3: 总分 unknown (scoring.md "Unknown figures"): the cells that block it, what was verified
            **(
                {"unknown": [u.as_dict() for u in s.unknown], "verified": s.verified.as_dict()}
                if s.verified is not None
                else {}
            ),
            "subtotals": [
                {
                    "level1": t.level1,
                    "level2": t.level2,
                    "weight": t.weight,
                    "claimed": t.claimed,
                    "computed": t.computed,
                }
                for t in s.subtotals
            ],
        }
        by_row = {i.row: i for i in p.indicators}
        for sc in s.indicators:
            ind = by_row.get(sc.row)
            indicators.append(
                {
                    "row": sc.row,
                    "level1": ind.level1.name if ind else "",
                    "level2": ind.level2.name if ind else "",
                    "level3": ind.level3.text if ind else "",
                    "kind": sc.kind,
                    "method": sc.method,
                    "weight": sc.weight,
                    "claimed": sc.claimed,
                    "computed": sc.computed,
                    **({"unknown": [u.as_dict() for u in sc.unknown]} if sc.unknown else {}),
                    "band": list(sc.band) if sc.band else None,
                    "level": sc.level,
                    "arithmetic": sc.arithmetic,
                    "level3_at": _at(ind.level3) if ind else None,
                    "target": ind.target.text if ind else "",
                    "target_at": _at(ind.target) if ind else None,
                    # what reads a bare target (X006 compares it with the approved one)
                    **({"unit": ind.unit.text} if ind and ind.unit.text else {}),
                    **(
                        {"nature": ind.comparator.text or ind.nature.text}
                        if ind and (ind.comparator.text or ind.nature.text)
                        else {}
                    ),
                    "actual": ind.actual.text if ind else "",
                    "deviation": ind.deviation.text if ind else "",
                    "deviation_at": _at(ind.deviation) if ind else None,
                    **({"adjusted": True} if sc.adjusted else {}),
                }
            )
    doc = build(
        p.file,
        p.sha256,
        result.findings,
        project={
            "name": info.name.value,
            "year": info.year.value,
            "unit": info.unit.value,
            "department": info.department.value,
            "name_at": _at(info.name),
            **({"code": info.project_code.value} if info.project_code.value else {}),
        },
        claimed={"total": info.claimed_total.value, "grade": info.claimed_grade.value},
        computed=computed,
        indicators=indicators,
        payments=[
            {
                "row": pay.row,
                "dates": [d.isoformat() for d in pay.dates.value or ()],
                "dates_at": _at(pay.dates),
                "amount": pay.amount.value,
                "amount_at": _at(pay.amount),
                "fund_type": pay.fund_type,
                "items": list(pay.items.value or ()),
                "voucher": pay.voucher,
                "voucher_at": _at(pay.voucher_ref),
            }
            for pay in p.payments
        ],
        narrative=[{"title": sec.title, "text": sec.text.text, "at": _at(sec.text)} for sec in p.narrative],
    )
    review = result.review
    for f, out in zip(result.findings, doc["findings"], strict=True):
        d = review.decided.get(f)
        if d is not None:
            out["decision"] = as_dict(d)
    if review.retired or review.problems:
        doc["review"] = {
            "retired": [_retired(d) for d in review.retired],
            "problems": [{"source": d.source, "message": d.problem} for d in review.problems],
        }
    return doc


def _retired(d: Decision) -> dict:
    k = d.key
    where = k.location.split("!", 1)
    return {
        "rule": k.rule,
        "sheet": where[0],
        "cell": where[1] if len(where) > 1 else "",
        "expected": k.expected,
        "actual": k.actual,
        "decision": as_dict(d),
        "retired": d.retired,
    }


def encode(doc: FindingsDoc | dict) -> bytes:
    """Strict JSON (RFC 8259): a number that is not finite is written as null, never as NaN. The
    characters that reorder or hide text (bidi overrides, zero-width) are kept, as \\u escapes, so
    an editor or terminal showing the file shows them for what they are."""
    try:  # nearly always finite: the copy that makes it so only when the encoder says it is not
        text = json.dumps(doc, ensure_ascii=False, indent=2, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(doc), ensure_ascii=False, indent=2, default=str, allow_nan=False)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


# Cf characters (soft hyphen, bidi controls, zero-width, BOM …) and the line/paragraph separators
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_bytes(result: Result) -> bytes:
    return encode(document(result))


# ---------------------------------------------------------------- a workbook without a result
def failure_doc(file: str, digest: str, error: str, trace: str = "") -> FindingsDoc:
    """The findings.json of a workbook the program failed on: one I001 saying so."""
    message = MSG["RUN_program_fault"].format(error=error.splitlines()[-1] if error else "未知错误")
    return build(file, digest, [loader_finding("I001", "", "", message)], error=trace)


def refusal_doc(file: str, digest: str, message: str) -> FindingsDoc:
    """The findings.json of a workbook refused without being read through (处理超时): one I001."""
    return build(file, digest, [loader_finding("I001", "", "", message)])
