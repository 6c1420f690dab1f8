"""A workbook's findings.json read back from output/ (a skipped workbook's, an earlier year's in the
archive): input like any other. Read as an input is (a regular file within the size limit, never
through a link), parsed with its nesting bounded, and checked to have the shape render/findings_json.py
writes wherever the batch reads it (frames.py, the X rules, --strict). A document that is not what we
wrote is one line and is left out, never a crash of every later run."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..load.container import Refused
from ..messages import MSG, os_reason
from .files import FINDINGS_JSON, read_output

# Kinds of value, as findings.json holds them
TEXT = "text"  # a string or null
SCALAR = "scalar"  # text, a finite number, true/false or null (a cell's value as typed)
NUMBER = "number"  # a finite number or null
INT = "int"  # an integer or null (a row, a year)
AT = "at"  # [sheet, cell] or null

_FINDING = {
    "rule": TEXT,
    "severity": TEXT,
    "sheet": TEXT,
    "cell": TEXT,
    "message": TEXT,
    "expected": SCALAR,
    "actual": SCALAR,
    "decision": {"state": TEXT, "note": TEXT, "by": TEXT, "at": TEXT, "typed": TEXT, "problem": TEXT},
    "other": {"file": TEXT, "sheet": TEXT, "cell": TEXT},
}
SHAPE: dict = {
    "file": TEXT,
    "sha256": TEXT,
    "project": {"name": SCALAR, "year": INT, "unit": SCALAR, "department": SCALAR, "name_at": AT},
    "computed": {
        "budget": NUMBER,
        "executed": NUMBER,
        "execution_rate": NUMBER,
        "budget_score": NUMBER,
        "indicator_score": NUMBER,
        "total": NUMBER,
        "grade": TEXT,
        "weight_total": NUMBER,
    },
    "claimed": {"total": SCALAR, "grade": SCALAR},
    "findings": [_FINDING],
    "payments": [
        {
            "row": INT,
            "dates": [TEXT],
            "dates_at": AT,
            "amount": NUMBER,
            "amount_at": AT,
            "fund_type": TEXT,
            "items": [TEXT],
            "voucher": TEXT,
            "voucher_at": AT,
        }
    ],
    "indicators": [
        {
            "row": INT,
            "level1": TEXT,
            "level2": TEXT,
            "level3": TEXT,
            "level3_at": AT,
            "target": TEXT,
            "target_at": AT,
            "actual": TEXT,
            "weight": NUMBER,
            "claimed": NUMBER,
            "computed": NUMBER,
            "deviation": TEXT,
            "deviation_at": AT,
        }
    ],
    "narrative": [{"title": TEXT, "text": TEXT, "at": AT}],
    "review": {"problems": [{"source": TEXT, "message": TEXT}]},
}


class Invalid(Exception):
    """A findings.json that is not what this program writes: the message says where, in words."""


def load_doc(folder: Path, max_bytes: int) -> dict:
    """The findings.json of a workbook folder, checked. Raises Invalid (with what is wrong) or
    OSError (none there)."""
    try:
        data = read_output(folder / FINDINGS_JSON, max_bytes).data
    except Refused as e:
        raise Invalid(e.reason) from None
    try:
        doc = json.loads(data)
    except RecursionError:  # nested past the interpreter's limit: the C parser stops cleanly
        raise Invalid(MSG["RUN_doc_nesting"]) from None
    except ValueError:
        raise Invalid(MSG["RUN_doc_not_json"]) from None
    problem = check(doc, SHAPE, "")
    if problem:
        raise Invalid(problem)
    return doc


def read_checked(folder: Path, max_bytes: int) -> tuple[dict | None, str]:
    """(the document, '') or (None, why it cannot be used)."""
    try:
        return load_doc(folder, max_bytes), ""
    except Invalid as e:
        return None, str(e)
    except OSError as e:
        return None, os_reason(e)


def check(value: object, shape: object, where: str) -> str:
    """'' when `value` has `shape` (keys not in the shape are not read, so not checked); else what
    is wrong, naming the key."""
    if isinstance(shape, dict):
        if value is None and where:
            return ""
        if not isinstance(value, dict):
            return MSG["RUN_doc_shape"].format(key=where or "（整个文件）", want="对象（{…}）")
        for key, inner in shape.items():
            problem = check(value.get(key), inner, f"{where}.{key}" if where else key)
            if problem:
                return problem
        return ""
    if isinstance(shape, list):
        if value is None:
            return ""
        if not isinstance(value, list):
            return MSG["RUN_doc_shape"].format(key=where, want="列表（[…]）")
        for n, item in enumerate(value):
            problem = check(item, shape[0], f"{where}[{n}]")
            if problem:
                return problem
        return ""
    return "" if _is(value, shape) else MSG["RUN_doc_shape"].format(key=where, want=_WANT[shape])


_WANT = {TEXT: "文本", SCALAR: "文本或数字", NUMBER: "数字", INT: "整数", AT: "[工作表, 单元格]"}


def _is(value: object, kind: str) -> bool:
    if value is None:
        return True
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == TEXT:
        return isinstance(value, str)
    if kind == SCALAR:
        return isinstance(value, (str, bool)) or (number and math.isfinite(value))  # type: ignore[arg-type]
    if kind == NUMBER:
        return number and math.isfinite(value)  # type: ignore[arg-type]
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == AT:
        return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
    return False
