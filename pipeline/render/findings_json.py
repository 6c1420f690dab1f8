"""findings.json (outputs.md): the machine-readable result of one workbook.

Beyond the contract's keys it carries, cell by cell, what the batch-wide tables and the X rules
need of a workbook (`payments`, `narrative`, the targets and 偏差原因 of `indicators`): a workbook
skipped as unchanged, or kept in the archive from an earlier year, is seen by them through this
file, never by reading the workbook again (batchframes.py).
"""

from __future__ import annotations

import json

from ..model import Cell, CellRef, Result


def _at(where: Cell | CellRef | None) -> list[str] | None:
    """[sheet, cell] of a value, or None."""
    ref = where.ref if isinstance(where, Cell) else where
    return [ref.sheet, ref.cell] if ref is not None else None


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
            "name_at": _at(info.name),
        },
        "computed": None,
        "claimed": {"total": info.claimed_total.value, "grade": info.claimed_grade.value},
        "indicators": [],
        "payments": [
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
        "narrative": [
            {"title": sec.title, "text": sec.text.text, "at": _at(sec.text)} for sec in p.narrative
        ],
        "findings": [f.as_dict() for f in result.findings],
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
                    "level3_at": _at(ind.level3) if ind else None,
                    "target": ind.target.text if ind else "",
                    "target_at": _at(ind.target) if ind else None,
                    "actual": ind.actual.text if ind else "",
                    "deviation": ind.deviation.text if ind else "",
                    "deviation_at": _at(ind.deviation) if ind else None,
                }
            )
    return doc


def to_bytes(result: Result) -> bytes:
    return json.dumps(document(result), ensure_ascii=False, indent=2, default=str).encode("utf-8")
