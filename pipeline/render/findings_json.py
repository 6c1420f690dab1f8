"""findings.json (outputs.md): the machine-readable result of one workbook."""

from __future__ import annotations

import json

from ..decisions import as_dict
from ..model import Decision, Finding, Result, Review


def _finding(f: Finding, review: Review) -> dict:
    """A finding; with the reviewer's decision when there is one (absent = 待核实, outputs.md)."""
    out = f.as_dict()
    d = review.decided.get(f)
    if d is not None:
        out["decision"] = as_dict(d)
    return out


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


def document(result: Result) -> dict:
    p = result.project
    s = result.scores
    info = p.info
    doc: dict = {
        "file": p.file,
        "sha256": p.sha256,
        "project": {
            "name": info.name.value,
            "year": info.year.value,
            "unit": info.unit.value,
            "department": info.department.value,
        },
        "computed": None,
        "claimed": {"total": info.claimed_total.value, "grade": info.claimed_grade.value},
        "indicators": [],
        "findings": [_finding(f, result.review) for f in result.findings],
    }
    if result.review.retired or result.review.problems:
        doc["review"] = {
            "retired": [_retired(d) for d in result.review.retired],
            "problems": [{"source": d.source, "message": d.problem} for d in result.review.problems],
        }
    if s is not None:
        doc["computed"] = {
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
            doc["indicators"].append(
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
                    "band": list(sc.band) if sc.band else None,
                    "level": sc.level,
                    "arithmetic": sc.arithmetic,
                    **({"adjusted": True} if sc.adjusted else {}),
                }
            )
    return doc


def to_bytes(result: Result) -> bytes:
    return json.dumps(document(result), ensure_ascii=False, indent=2, default=str).encode("utf-8")
