"""M rules: the project information sheet (项目信息) — credit code, phone number, evaluation date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from ..model import Finding, Project, Severity
from ..values import half_width
from .registry import Context, finding, rule

# GB 32100-2015: the 31 characters of a 统一社会信用代码 (no I, O, S, V, Z) and the check weights
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
# 0912-7221234, (0912)7221234, 09127221234, 029-88881234转123
_LANDLINE = re.compile(
    r"^(?:\(0\d{2,3}\)|0\d{2,3}-?)[2-9]\d{6,7}(?:(?:-|转|ext\.?|x)\d{1,6})?$", re.IGNORECASE
)
_PHONE_SEPARATORS = re.compile(r"[、,;/，；]|或")


def credit_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 computed from the first 17."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


@rule("M001", Severity.WARNING)
def credit_code_valid(p: Project, ctx: Context) -> Iterator[Finding]:
    """统一社会信用代码须为 GB 32100-2015 的 18 位代码且校验位正确 | The credit code must be a valid GB 32100-2015 code.
    代码抄错就指向了别的单位或不存在的单位；校验位几乎能发现所有抄写错误。
    """
    cell = p.info.credit_code
    code = re.sub(r"\s+", "", half_width(cell.text)).upper()
    if not code:
        return
    if len(code) != 18:
        yield finding("M001", cell, "M001_length", actual=code, code=code, n=len(code))
        return
    wrong = "".join(dict.fromkeys(ch for ch in code if ch not in CREDIT_CHARS))
    if wrong:
        yield finding("M001", cell, "M001_chars", actual=code, code=code, chars=wrong)
        return
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        yield finding(
            "M001", cell, "M001_check", expected=expected, actual=code[17], code=code, check=expected
        )


def phone_valid(number: str) -> bool:
    """An 11-digit mobile number, or a landline with its area code (extension allowed)."""
    mobile = re.sub(r"[\s-]", "", number)
    landline = re.sub(r"\s*-\s*|\s+", "-", number.strip()).replace("（", "(").replace("）", ")")
    return bool(_MOBILE.match(mobile) or _LANDLINE.match(landline))


@rule("M002", Severity.INFO)
def phone_dialable(p: Project, ctx: Context) -> Iterator[Finding]:
    """联系电话应为 11 位手机号或带区号的固定电话 | The phone is a mobile number or a landline with area code.
    审核人员要回电核实；固定电话缺区号或号码少一位就打不通。
    """
    cell = p.info.phone
    text = half_width(cell.text)
    if not text:
        return
    numbers = [n.strip() for n in _PHONE_SEPARATORS.split(text) if n.strip()]
    if not all(phone_valid(n) for n in numbers):
        yield finding("M002", cell, actual=cell.text, phone=cell.text)


def only_process_evaluation(eval_type: str) -> bool:
    """True when the 评价类型 names 项目实施过程评价 and not 项目完成结果评价."""
    return "过程" in eval_type and "结果" not in eval_type


@rule("M003", Severity.ERROR)
def evaluation_date_plausible(p: Project, ctx: Context) -> Iterator[Finding]:
    """评价时间须在预算年度结束之后且不晚于今天 | The evaluation date falls after the budget year and not in the future.
    完成结果评价评的是已经结束的年度，不能早于年度结束；晚于今天（本次运行日期，--date）多半是笔误。
    """
    evaluated, year = p.info.eval_date.value, p.info.year.value
    if evaluated is None:
        return
    today = ctx.today
    if evaluated > today:
        yield finding(
            "M003",
            p.info.eval_date,
            "M003_future",
            expected=today.isoformat(),
            actual=evaluated.isoformat(),
            date=evaluated.isoformat(),
            today=today.isoformat(),
        )
    elif (
        year is not None
        and evaluated <= date(year, 12, 31)
        and not only_process_evaluation(p.info.eval_type.text)
    ):
        yield finding(
            "M003",
            p.info.eval_date,
            "M003_early",
            expected=f"{year + 1}-01-01 起",
            actual=evaluated.isoformat(),
            date=evaluated.isoformat(),
            year=year,
        )
