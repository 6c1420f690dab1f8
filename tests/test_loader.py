"""The loader reads what staff type and turns every problem into an I-finding with its cell."""

import zipfile
from datetime import date

import openpyxl
import pytest

from pipeline.config import Settings
from pipeline.load import load
from tests.builders import clean_sheets, load_sheets, write_workbook


def findings_of(loaded, *rules):
    return [(f.rule, f.location) for f in loaded.findings if not rules or f.rule in rules]


def test_the_clean_project_loads_without_findings_and_with_cell_addresses(tmp_path):
    loaded = load(write_workbook(tmp_path / "c.xlsx", clean_sheets()), Settings())
    assert loaded.findings == []
    p = loaded.project
    assert p.info.name.value == "2023年农村饮水安全工程维修养护项目"
    assert p.info.year.value == 2023
    assert p.info.eval_date.value == date(2024, 3, 15)
    assert p.total.executed.value == 95.0
    assert str(p.total.executed.ref) == "资金情况!D2"
    assert [pay.amount.value for pay in p.payments] == [30, 25, 20, 20]
    assert str(p.payments[2].amount.ref) == "支付明细!F4"
    assert p.payments[0].dates.value == (date(2023, 3, 10),)
    assert len(p.indicators) == 10
    assert p.indicators[0].level1.name == "产出指标"
    assert str(p.indicators[0].weight.ref) == "绩效指标!G2"
    assert [s.title for s in p.narrative][:2] == ["项目基本情况", "项目建设内容"]
    assert [m.name for m in p.team] == ["李明", "王芳"]


def test_merged_indicator_labels_repeat_on_every_row(tmp_path):
    sheets = clean_sheets()
    for row in sheets["绩效指标"][2:7]:
        row[0] = None
    sheets["绩效指标"][1][0] = "产出指标(50分)"
    p = load_sheets(tmp_path, sheets, merges={"绩效指标": ["A2:A7"]})
    assert [i.level1.name for i in p.indicators[:6]] == ["产出指标"] * 6
    assert [i.level1.weight for i in p.indicators[:6]] == [50.0] * 6


def test_shuffled_columns_yuan_headers_blank_rows_and_a_title_row_load_to_the_same_values(tmp_path):
    sheets = clean_sheets()
    header, *rows = sheets["支付明细"]
    order = [5, 3, 0, 6, 1, 4, 2]
    shuffled = [[r[i] for i in order] for r in [header, *rows]]
    shuffled[0][0] = "支付金额（元）"
    for r in shuffled[1:]:
        r[0] = f"{r[0] * 10000:,.0f}元" if r is shuffled[1] else r[0] * 10000
    sheets["支付明细"] = [
        ["支付明细表"],
        [],
        shuffled[0],
        shuffled[1],
        [],
        shuffled[2],
        shuffled[3],
        shuffled[4],
    ]
    p = load_sheets(tmp_path, sheets)
    assert [pay.amount.value for pay in p.payments] == [30, 25, 20, 20]
    assert p.payments[0].items.value == ("管网维修",)


def test_full_width_digits_and_unit_strings_in_cells(tmp_path):
    sheets = clean_sheets()
    sheets["资金情况"][1] = ["年度资金总额 ", "１００", "100 万元", "950,000元", "９５％"]
    p = load_sheets(tmp_path, sheets)
    assert (p.total.initial.value, p.total.adjusted.value, p.total.executed.value, p.total.rate.value) == (
        100,
        100,
        95,
        pytest.approx(0.95),
    )


def test_random_bytes_named_xlsx_is_i001(tmp_path):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"\x00\x01not a workbook at all" * 50)
    loaded = load(path, Settings())
    assert loaded.project is None
    assert findings_of(loaded) == [("I001", "")]
    assert "不是 Excel 工作簿" in loaded.findings[0].message


def test_an_ole2_file_is_i001_saying_save_as_xlsx(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    loaded = load(path, Settings())
    assert findings_of(loaded) == [("I001", "")]
    assert ".xls" in loaded.findings[0].message and "另存为" in loaded.findings[0].message


def test_an_encrypted_workbook_is_i001_saying_remove_the_password(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le")
    )
    loaded = load(path, Settings())
    assert findings_of(loaded) == [("I001", "")]
    assert "密码" in loaded.findings[0].message


def test_a_zip_that_is_not_a_workbook_is_i001(tmp_path):
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert findings_of(load(path, Settings())) == [("I001", "")]


def test_a_missing_sheet_is_i002_naming_the_near_miss(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标表"] = sheets.pop("绩效指标")
    loaded = load(write_workbook(tmp_path / "m.xlsx", sheets), Settings())
    assert findings_of(loaded) == [("I002", "绩效指标")]
    assert "绩效指标表" in loaded.findings[0].message
    assert loaded.project.indicators == ()
    assert not loaded.project.has("绩效指标")


def test_a_sheet_name_with_spaces_or_full_width_characters_is_found(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标 "] = sheets.pop("绩效指标")
    p = load_sheets(tmp_path, sheets)
    assert len(p.indicators) == 10
    assert p.indicators[0].weight.ref.sheet == "绩效指标 "


def test_a_missing_column_is_i003(tmp_path):
    sheets = clean_sheets()
    for row in sheets["支付明细"]:
        del row[5]
    loaded = load(write_workbook(tmp_path / "c.xlsx", sheets), Settings())
    assert findings_of(loaded) == [("I003", "支付明细")]
    assert "支付明细.amount" in loaded.project.missing


def test_required_info_left_blank_is_i004_at_its_cell(tmp_path):
    sheets = clean_sheets()
    sheets["项目信息"][1][1] = None  # 项目名称
    loaded = load(write_workbook(tmp_path / "c.xlsx", sheets), Settings())
    assert findings_of(loaded) == [("I004", "项目信息!B2")]


def test_an_unreadable_amount_is_i005_at_its_cell_never_zero(tmp_path):
    sheets = clean_sheets()
    sheets["支付明细"][2][5] = "二十五万"
    loaded = load(write_workbook(tmp_path / "c.xlsx", sheets), Settings())
    assert findings_of(loaded) == [("I005", "支付明细!F3")]
    assert "二十五万" in loaded.findings[0].message
    assert loaded.project.payments[1].amount.value is None


def test_formulas_saved_without_cached_values_are_i006(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", clean_sheets())
    wb = openpyxl.load_workbook(path)
    wb["资金情况"]["D2"] = "=SUM(D3:D5)"  # openpyxl stores formulas with no cached value
    wb.save(path)
    loaded = load(path, Settings())
    assert findings_of(loaded) == [("I006", "资金情况!D2")]
    assert loaded.project.total.executed.value is None


def test_blank_full_year_budget_uses_the_initial_budget_with_a_note(tmp_path):
    sheets = clean_sheets()
    sheets["资金情况"][1][2] = None
    loaded = load(write_workbook(tmp_path / "c.xlsx", sheets), Settings())
    assert findings_of(loaded) == [("I007", "资金情况!C2")]
    assert loaded.project.total.budget.value == 100


def test_a_total_row_staff_add_is_not_counted_as_a_payment(tmp_path):
    sheets = clean_sheets()
    sheets["支付明细"].append([None, None, None, None, "合计", 95, None])
    p = load_sheets(tmp_path, sheets)
    assert len(p.payments) == 4


def test_a_part_compressed_with_a_method_excel_never_uses_is_i001(tmp_path):
    source = write_workbook(tmp_path / "c.xlsx", clean_sheets())
    odd = tmp_path / "bz.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(odd, "w") as zout:
        for info in zin.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename.startswith("xl/worksheets/") else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, zin.read(info), compress_type=method)
    assert findings_of(load(odd, Settings())) == [("I001", "")]


def test_level_labels_written_once_above_their_group_fill_the_rows_below(tmp_path):
    """Not merged, just left blank below the first row of a group: the rows belong to that group."""
    sheets = clean_sheets()
    rows = sheets["绩效指标"]
    for r in (2, 3, 4, 5, 6):  # 产出指标 on row 2 only; 数量指标 on row 2 only, 质量指标 on row 4 only
        rows[r][0] = None
    rows[2][1] = rows[4][1] = None
    project = load_sheets(tmp_path, sheets)
    names = [(i.level1.name, i.level2.name) for i in project.indicators[:6]]
    assert names == [
        ("产出指标", "数量指标"),
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("产出指标", "质量指标"),
        ("产出指标", "时效指标"),
        ("产出指标", "成本指标"),
    ]


def test_the_v2_indicator_columns_are_read_under_their_aliases(tmp_path):
    """预算管理一体化 export: 指标值 / 计量单位 / 全年实际值 / 得分, a comparator column of its own."""
    sheets = clean_sheets()
    sheets["绩效指标"] = [
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标方向",
            "指标值",
            "计量单位",
            "全年实际值",
            "分值",
            "得分",
            "偏差原因",
        ],
        ["产出指标", "质量指标", "设备停机率", "定量", "≤", 1, "%", 0.4, 10, 10, ""],
    ]
    [ind] = load_sheets(tmp_path, sheets).indicators
    assert (ind.comparator.text, ind.target.text, ind.unit.text, ind.actual.text) == ("≤", "1", "%", "0.4")
    assert (ind.weight.value, ind.claimed.value) == (10, 10)
