"""findings.json (outputs.md): the machine-readable result of one workbook."""

from __future__ import annotations

import json
import math
import re

from ..model import Result


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
                }
            )
    return doc


def to_bytes(result: Result) -> bytes:
    return strict_json(document(result))


def strict_json(doc: dict) -> bytes:
    """Strict JSON (RFC 8259): a number that is not finite is written as null, never as NaN. The
    characters that reorder or hide text (bidi overrides, zero-width) are kept, as \\u escapes, so
    an editor or terminal showing the file shows them for what they are."""
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
