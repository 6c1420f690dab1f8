"""config.toml -> frozen, validated settings.

Every weight, tolerance, threshold, keyword list and method choice of scoring.md and checks.md
lives here with the default the contract names; config.toml overrides any of them. A key that is
unknown or of the wrong type stops the run with a message naming it (ConfigError -> exit 2).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import math
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """config.toml is missing, unreadable, or holds a bad key or value."""


@dataclass(frozen=True)
class Paths:
    input: str = "input"
    output: str = "output"
    # v3: the bureau's approved 绩效目标 (X006–X008); a missing or empty folder turns them off
    approved_targets: str = "targets"


@dataclass(frozen=True)
class Tolerance:
    money: float = 0.0001  # 万元: one yuan
    score: float = 0.01
    rate: float = 0.0001  # 执行率 as a fraction: 0.01 percentage point (B003)


@dataclass(frozen=True)
class Weights:
    budget_execution: float = 10.0  # 预算执行率 分值
    output: float = 50.0  # 产出指标
    benefit: float = 30.0  # 效益指标
    satisfaction: float = 10.0  # 满意度指标
    total: float = 100.0


@dataclass(frozen=True)
class Scoring:
    budget_method: str = "proportional"  # proportional | banded
    # banded: (lowest rate, share of 分值), highest first; below the last band -> 0
    budget_bands: tuple[tuple[float, float], ...] = ((1.0, 1.0), (0.9, 0.9), (0.8, 0.8), (0.6, 0.6))
    at_most_method: str = "ratio"  # ratio: 分值×target÷actual | linear: falls to 0 at twice the target
    overshoot_margin: float = 0.20  # S009
    decimals: int = 2
    # 二级指标 whose bare-number targets mean "at most" (a % target on a 时效 row is a rate: at least)
    at_most_level2: tuple[str, ...] = (
        "成本指标",
        "经济成本指标",
        "社会成本指标",
        "生态环境成本指标",
        "时效指标",
    )
    # "less is better": a 三级指标 naming a negative event is "at most", whatever the comparator says…
    less_is_better_words: tuple[str, ...] = (
        "事故",
        "投诉",
        "违规",
        "违纪",
        "差错",
        "纠纷",
        "上访",
        "信访",
        "故障率",
        "发生率",
        "失败率",
        "返工",
        "停机",
        "死亡率",
        "辍学",
        "流失率",
        "超标",
        "损失",
        "不合格率",
        "差评",
        "退货",
        "漏检",
        "误诊",
        "感染率",
    )
    # …unless it counts what is done about the event (`投诉办结率`, `事故隐患整改率`)
    less_is_better_exceptions: tuple[str, ...] = (
        "处理",
        "办结",
        "解决",
        "整改",
        "查处",
        "回复",
        "答复",
        "修复",
        "排查",
        "调处",
        "化解",
        "下降",
        "降低",
        "减少",
        "培训",
        "宣传",
        "演练",
        "检查",
        "防控",
        "应急",
        "响应",
        "处置",
        "满意",
        "挽回",
        "劝返",
        "控制",
        "预防",
        "防范",
        "达标",
    )
    # 时效指标 deadlines (`12月底前`): words that say the deadline was met / missed
    deadline_met_words: tuple[str, ...] = ("按时", "按期", "如期", "提前", "准时", "及时完成", "完成")
    deadline_missed_words: tuple[str, ...] = (
        "未按时",
        "未按期",
        "未能按",
        "没有按",
        "不能按",
        "延期",
        "逾期",
        "推迟",
        "延迟",
        "滞后",
        "拖延",
        "超期",
        "未完成",
        "尚未",
    )
    # optional (off by default): points deducted for a large deviation either way, as
    # [deviation at least, points] pairs, e.g. [[0.3, 2]]: |实际÷目标−1| ≥ 30% -> −2
    deviation_penalty: tuple[tuple[float, float], ...] = ()
    # optional (off by default): [执行率 below, 总分 at most] pairs, e.g. [[0.8, 89], [0.7, 79]]
    total_caps: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Grades:
    excellent: float = 90.0  # 优
    good: float = 80.0  # 良
    pass_: float = 60.0  # 中; below -> 差


@dataclass(frozen=True)
class Qualitative:
    achieved: tuple[str, ...] = (
        "完成",
        "达成",
        "达到",
        "通过",
        "正常运行",
        "正常运转",
        "顺畅",
        "有效",
        "及时",
        "合格",
        "满足",
        "实现",
        "健全",
        "到位",
        "良好",
        "落实",
        "未发生",
        "显著",
        "明显",
        "满意",
        "符合",
        "建成",
        "已建立",
        "成效",
        "正常",
        "改善",
        "提升",
    )
    partial: tuple[str, ...] = (
        "基本",
        "部分",
        "较好",
        "一般",
        "大部分",
        "有所",
        "有待",
        "初步",
        "未按期",
        "未按时",
        "延期",
        "逾期",
        "推迟",
        "不够",
        "欠缺",
        "不足",
    )
    failed: tuple[str, ...] = (
        "未完成",
        "未达成",
        "未达到",
        "未通过",
        "较差",
        "滞后",
        "未实现",
        "不合格",
        "未落实",
        "不到位",
        "不健全",
        "没有完成",
        "没有达到",
        "没有实现",
    )
    # v3: 基本 that begins a noun is no verdict (基本生活 …): the rest of the text decides
    basic_nouns: tuple[str, ...] = (
        "基本生活",
        "基本公共",
        "基本医疗",
        "基本养老",
        "基本农田",
        "基本建设",
        "基本药物",
        "基本情况",
        "基本需求",
        "基本保障",
    )
    achieved_band: tuple[float, float] = (0.8, 1.0)
    partial_band: tuple[float, float] = (0.6, 0.8)
    failed_band: tuple[float, float] = (0.0, 0.6)


@dataclass(frozen=True)
class Checks:
    low_execution: float = 0.90  # B006
    score_execution_gap: float = 0.15  # S019: Σ指标得分率 may exceed 执行率 by at most this
    capped_rate_words: tuple[str, ...] = (
        "合格率",
        "满意度",
        "覆盖率",
        "完成率",
        "达标率",
        "执行率",
        "知晓率",
        "到位率",
        "及格率",
        "入学率",
        "使用率",
        "验收率",
        "通过率",
        "准确率",
        "正确率",
        "出勤率",
        "参保率",
        "普及率",
    )
    shortfall_words: tuple[str, ...] = (
        "未完成",
        "未达",
        "不足",
        "滞后",
        "故障",
        "影响",
        "延误",
        "偏低",
        "较差",
    )
    name_min_chars: int = 6  # N005: shortest phrase taken as a project name
    name_overlap: float = 0.5  # N005: share of a phrase's character pairs found in the project name
    # B006: words that give a cause for a low execution rate (stating the rate is no explanation)
    execution_reason_words: tuple[str, ...] = (
        "由于",
        "因",
        "原因",
        "结余",
        "结转",
        "未支付",
        "未拨付",
        "未使用",
        "未完成支付",
        "尚未",
        "滞后",
        "延期",
        "推迟",
        "收回",
        "调减",
        "疫情",
        "影响",
        "未到位",
        "未验收",
        "质保金",
        "尾款",
        "待支付",
        "待拨付",
        "待结算",
        "未结算",
        "决算",
        "审计",
        "尚在",
        "正在实施",
        "跨年",
        "支付条件",
        "剩余资金",
    )
    # S009: a 偏差原因 that says nothing (`无`, `/`) gives no reason
    no_reason_texts: tuple[str, ...] = (
        "无",
        "无偏差",
        "没有偏差",
        "无差异",
        "不适用",
        "/",
        "-",
        "—",
        "——",
        "／",
    )


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 50.0
    max_uncompressed_mb: float = 200.0
    max_compression_ratio: float = 200.0
    max_sheets: int = 50
    max_rows: int = 20000
    max_cell_chars: int = 32767
    # calamine builds a dense grid of (last row × last column) cells, ~32 bytes each, before Python
    # sees a value (one cell at XFD20000 asks for 10 GB): a sheet's area and the cell elements of all
    # sheets are held to this. 2 million is 100 columns of a 20000-row sheet; the template uses < 15.
    max_cells: int = 2_000_000
    max_seconds: float = 60.0  # a workbook still being worked on after this is stopped (I001)


@dataclass(frozen=True)
class Report:
    include_findings: bool = True  # 附：审核意见 in the Word report; off for a final copy
    findings_severities: tuple[str, ...] = ("错误", "警告")


@dataclass(frozen=True)
class Bureau:
    name: str = ""  # 审核单位 (e.g. 子洲县财政局): the county report's 落款
    region: str = ""  # 地区 (e.g. 子洲县): the county report's title; blank -> a title without it


@dataclass(frozen=True)
class Archive:
    pdf: str = "auto"  # a PDF beside the 定稿: auto (when LibreOffice is found) / off / required


@dataclass(frozen=True)
class Settings:
    paths: Paths = field(default_factory=Paths)
    tolerance: Tolerance = field(default_factory=Tolerance)
    weights: Weights = field(default_factory=Weights)
    scoring: Scoring = field(default_factory=Scoring)
    grades: Grades = field(default_factory=Grades)
    qualitative: Qualitative = field(default_factory=Qualitative)
    checks: Checks = field(default_factory=Checks)
    limits: Limits = field(default_factory=Limits)
    report: Report = field(default_factory=Report)
    bureau: Bureau = field(default_factory=Bureau)
    archive: Archive = field(default_factory=Archive)
    fingerprint: str = ""  # sha256 of the config file's bytes ('' = defaults)

    @property
    def level1_weights(self) -> dict[str, float]:
        w = self.weights
        return {"产出指标": w.output, "效益指标": w.benefit, "满意度指标": w.satisfaction}


_CHOICES = {
    ("scoring", "budget_method"): ("proportional", "banded"),
    ("scoring", "at_most_method"): ("ratio", "linear"),
    ("archive", "pdf"): ("auto", "off", "required"),
}
# TOML keys that are Python keywords or read better in the file
_TOML_NAMES = {"pass": "pass_"}


CONFIG_NAME = "config.toml"
# The project folder: where config.toml ships (an editable install, a clone, the Windows launcher).
PROJECT_DIR = Path(__file__).resolve().parent.parent


def find_config(explicit: Path | str | None, cwd: Path | None = None) -> Path | None:
    """Which config file a run uses: --config (which must exist), else ./config.toml, else the
    project's own config.toml (so a run from another folder still uses the county's settings),
    else None (the contract's defaults)."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            what = "是目录，不是文件" if path.is_dir() else "不存在"
            raise ConfigError(
                f"--config 指定的配置文件 {path} {what}：请检查路径，或去掉 --config 使用默认配置"
            )
        return path
    for folder in (Path() if cwd is None else cwd, PROJECT_DIR):  # Path(): shown as plain config.toml
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def load_settings(path: Path | str | None) -> Settings:
    """Read config.toml; None -> the contract's defaults."""
    if path is None:
        return Settings()
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}：请检查 --config 参数，或从仓库恢复 config.toml") from None
    except OSError as e:
        from .messages import os_reason

        raise ConfigError(f"无法读取配置文件 {path}（{os_reason(e)}）：请检查权限") from None
    try:
        doc = tomllib.loads(decode_config(data, path))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"配置文件 {path} 不是有效的 TOML：{_where(e)}") from None
    settings = _build(Settings, doc, "")
    _check_optional_scoring(settings)
    from .config_checks import validate  # beside this module: the values that make sense together

    validate(settings)
    return dataclasses.replace(settings, fingerprint=hashlib.sha256(data).hexdigest())


def _check_optional_scoring(settings: Settings) -> None:
    """The provincial options of scoring.md v2 (off by default) must say something a score can use."""
    for low, points in settings.scoring.deviation_penalty:
        if not 0 < low <= 10 or points > settings.weights.total:
            raise ConfigError(
                f"config.toml: scoring.deviation_penalty 的 [{low:g}, {points:g}] 无效："
                "应为 [偏差比例（如 0.3 表示 30%）, 扣分]"
            )
    for below, cap in settings.scoring.total_caps:
        if not 0 < below <= 1 or cap > settings.weights.total:
            raise ConfigError(
                f"config.toml: scoring.total_caps 的 [{below:g}, {cap:g}] 无效："
                f"应为 [执行率下限（0–1）, 总分上限（不超过 {settings.weights.total:g}）]"
            )


def decode_config(data: bytes, path: Path) -> str:
    """The text of a config file as Notepad may save it: UTF-8 with or without a BOM, or "Unicode"
    (UTF-16 with a BOM). ANSI (GBK on Chinese Windows) is refused, not guessed: a wrong guess would
    silently change keywords."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"配置文件 {path} 不是 UTF-8 编码（可能是 ANSI/GBK）："
            "请另存为 UTF-8（记事本：文件 → 另存为 → 编码选 UTF-8）后重试"
        ) from None


def _where(error: tomllib.TOMLDecodeError) -> str:
    """tomllib says "Invalid value (at line 3, column 9)": the place, in Chinese."""
    at = re.search(r"at line (\d+), column (\d+)", str(error))
    if at:
        return f"第 {at[1]} 行第 {at[2]} 列附近有格式错误（检查引号、等号、方括号是否成对）"
    return "文件末尾有格式错误（检查引号、方括号是否成对）"


def _build(cls: type, doc: dict, where: str):
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "fingerprint"}
    values = {}
    for key, raw in doc.items():
        name = _TOML_NAMES.get(key, key)
        if name not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"（是否想写 {close[0]}？）" if close else ""
            raise ConfigError(f"config.toml: 未知的键 {where}{key}{hint}")
        values[name] = _coerce(hints[name], raw, f"{where}{key}", (where.rstrip("."), key))
    return cls(**values)


def _coerce(hint, raw, key: str, choice_key: tuple[str, str]):
    if dataclasses.is_dataclass(hint):
        if not isinstance(raw, dict):
            raise ConfigError(f"config.toml: [{key}] 应为一个表（section）")
        return _build(hint, raw, key + ".")
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(raw, list):
            raise ConfigError(f"config.toml: {key} 应为列表")
        inner = args[0]
        if typing.get_origin(inner) is tuple:  # pairs
            if not all(isinstance(p, list) and len(p) == 2 for p in raw):
                raise ConfigError(f"config.toml: {key} 应为 [下限, 比例] 这样的数对列表")
            return tuple(tuple(_scalar(float, x, key) for x in p) for p in raw)
        if len(args) == 2 and args[1] is not Ellipsis:  # fixed pair
            if len(raw) != 2:
                raise ConfigError(f"config.toml: {key} 应为两个数 [下限, 上限]")
            return tuple(_scalar(args[0], x, key) for x in raw)
        return tuple(_scalar(inner, x, key) for x in raw)
    value = _scalar(hint, raw, key)
    allowed = _CHOICES.get(choice_key)
    if allowed and value not in allowed:
        raise ConfigError(f"config.toml: {key} = {value!r} 无效，可选：{' / '.join(allowed)}")
    return value


def _scalar(hint, raw, key: str):
    if hint is float and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not math.isfinite(raw):  # TOML allows nan and inf; no setting here means either
            raise ConfigError(f"config.toml: {key} = {raw} 不是有限的数，请填写具体数值")
        if raw < 0:
            raise ConfigError(f"config.toml: {key} 不能为负数")
        return float(raw)
    if hint is int and isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise ConfigError(f"config.toml: {key} 不能为负数")
        return raw
    if hint is bool and isinstance(raw, bool):
        return raw
    if hint is str and isinstance(raw, str):
        return raw
    want = {float: "数字", int: "整数", bool: "true/false", str: "文本"}.get(hint, str(hint))
    raise ConfigError(f"config.toml: {key} 应为{want}，而不是 {raw!r}")
