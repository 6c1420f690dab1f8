"""A corpus of hostile and broken workbooks, generated (never checked in as blobs), each with the
finding it must produce.

`CASES` is the list; `case.build(path)` writes the file. A case names the rules that must be among
its findings (`rules`), the rules that must not be (`absent`: I001 for every file that is readable),
words its I001 message must contain (`says`), and an optional `check(result)` for what the loader
must have read. `readable` says whether outputs beyond findings.json are expected.

Sizes are the contract's defaults (config.toml [limits]): 200 MB inflated, 50 sheets, 20,000 rows,
32,767 characters a cell.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.model import Result
from tests.builders import clean_sheets, set_info, write_workbook
from tests.hostile.ooxml import (
    Member,
    biff8_workbook_stream,
    members_of,
    repeated_deflate,
    replaced,
    write_cfb,
    write_zip,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "input_templates" / "示例_子洲县政府办2021.xlsx"
SEED_RULES = frozenset({"S002", "S011"})  # what the seed example always shows (checks.md)

# Text as staff (or an attacker) may type it: Excel would run any of these as a formula if a writer
# stored them as one. `=====` corrupts an XlsxWriter file written with strings_to_formulas on.
FORMULA_LIKE = (
    "=1+1",
    '=HYPERLINK("http://example.invalid/x","点我")',
    "=cmd|' /C calc'!A0",
    "+86-0912-7221234",
    "-5%",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r=3+4",
    "=====",
    "=",
)
# _x000B_ is how Excel stores a vertical tab; _x005F_x000B_ is how it stores the literal text "_x000B_".
# The cell is written with placeholders, then its XML gets these bytes as Excel would write them.
CONTROL_XML = {"〔VT〕": "_x000B_", "〔SOH〕": "_x0001_", "〔LIT〕": "_x005F_x000B_"}
CONTROL_TEXT = "第一行〔VT〕第二行〔SOH〕结束〔LIT〕字面"
EMOJI_RARE = "效果显著👍🏽，𠀀𪚥𰻞字不常见，👨‍👩‍👧 家庭"
RAW_CONTROL = "响铃\x07退格\x08换页\x0c结束\x1f"
LONG_NARRATIVE = ("项目实施以来，各项工作有序推进，绩效目标基本实现。" * 1200)[:30000]


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    build: Callable[[Path], object]
    rules: frozenset[str] = frozenset()  # must be among the findings
    readable: bool = True  # a Project comes back (scored workbook and report expected)
    says: tuple[str, ...] = ()  # words the I001 message must contain
    absent: frozenset[str] = frozenset({"I001"})
    check: Callable[[Result], None] | None = None
    bounded: bool = False  # run under the time / memory / no-calamine guard
    notes: str = ""


def _refused(
    name: str,
    filename: str,
    build: Callable[[Path], object],
    *says: str,
    bounded: bool = False,
    notes: str = "",
) -> Case:
    return Case(
        name,
        filename,
        build,
        frozenset({"I001"}),
        readable=False,
        says=says,
        absent=frozenset(),
        bounded=bounded,
        notes=notes,
    )


# ---------------------------------------------------------------- builders: refused files
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
)
_SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"
_BOMB_SHEET = "xl/worksheets/sheet2.xml"  # 项目信息 in the example


def zip_bomb(path: Path, inflated_mb: int = 260, lie: bool = False) -> None:
    """The example with 项目信息 replaced by `inflated_mb` MB of spaces in one cell (~1000:1).

    lie=True: the zip directory (local and central) claims 120 bytes with the CRC of the first
    120 bytes, so a reader that trusts it sees a small, valid part."""
    deflated, size, crc = repeated_deflate(_SHEET_HEAD, b" " * (1 << 20), inflated_mb, _SHEET_TAIL)
    members = []
    for m in members_of(EXAMPLE):
        if m.name == _BOMB_SHEET:
            declared = {}
            if lie:
                import zlib

                declared = {
                    "declared_size": 120,
                    "declared_crc": zlib.crc32((_SHEET_HEAD + b" " * 120)[:120]),
                }
            m = Member(m.name, deflated=deflated, size=size, crc=crc, **declared)
        members.append(m)
    write_zip(path, members)


def billion_laughs(path: Path, utf16: bool = False, external: bool = False) -> None:
    """sharedStrings.xml with nested entities (10^9 'lol's if expanded), or an external entity."""
    if external:
        dtd = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        use = "&xxe;"
    else:
        levels = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        ]
        dtd = "<!DOCTYPE sst [" + "".join(levels) + "]>"
        use = "&lol9;"
    with_doctype = []
    for m in members_of(EXAMPLE):
        if m.name == "xl/sharedStrings.xml":
            text = m.data.decode("utf-8")
            text = text.replace("?>", "?>" + dtd, 1)
            text = re.sub(r"<t>[^<]*</t>", f"<t>{use}</t>", text, count=3)
            if utf16:
                text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                m = Member(m.name, b"\xff\xfe" + text.encode("utf-16-le"))
            else:
                m = Member(m.name, text.encode("utf-8"))
        with_doctype.append(m)
    write_zip(path, with_doctype)


def encrypted(path: Path) -> None:
    """The example encrypted with a password (ECMA-376 agile encryption in a CFB container)."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # a real CFB container all the same, with the two streams Office writes
        info = (
            b"\x04\x00\x04\x00\x40\x00\x00\x00" + b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
        )
        path.write_bytes(
            write_cfb({"EncryptionInfo": info, "EncryptedPackage": b"\x00" * 8 + bytes(range(256)) * 64})
        )
        return
    out = io.BytesIO()
    with EXAMPLE.open("rb") as fh:
        OOXMLFile(fh).encrypt("子洲2021", out)
    path.write_bytes(out.getvalue())


def legacy_xls(path: Path) -> None:
    """A real BIFF8 workbook (xlwt when installed, else a hand-made compound file calamine reads)."""
    cells = [(0, 0, "项目名称"), (0, 1, "旧版格式项目"), (1, 0, "预算年度"), (1, 1, "2021")]
    try:
        import xlwt
    except ImportError:
        path.write_bytes(write_cfb({"Workbook": biff8_workbook_stream("项目信息", cells)}))
        return
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("项目信息")
    for r, c, v in cells:
        ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def ods(path: Path) -> None:
    """A minimal OpenDocument spreadsheet (WPS and LibreOffice save these)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="项目信息"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    write_zip(
        path,
        [
            Member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            Member("META-INF/manifest.xml", manifest.encode()),
            Member("content.xml", content.encode()),
        ],
    )


def csv(path: Path) -> None:
    path.write_bytes("\ufeff项目名称,预算年度\n=1+1,2021\n".encode())


def xltx(path: Path) -> None:
    """The example saved as a template (.xltx): same package, template content type."""
    members = members_of(EXAMPLE)
    types = next(m for m in members if m.name == "[Content_Types].xml").data.replace(
        b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml"
    )
    write_zip(path, replaced(members, "[Content_Types].xml", types))


def example_copy(path: Path) -> None:
    path.write_bytes(EXAMPLE.read_bytes())


def truncated(path: Path) -> None:
    data = EXAMPLE.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def text_renamed(path: Path) -> None:
    path.write_bytes("这不是工作簿，只是改了扩展名的文本。\n".encode() * 20)


def docx_renamed(path: Path) -> None:
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    path.write_bytes(buf.getvalue())


def zip_encrypted_member(path: Path) -> None:
    """The example with every part flagged as ZipCrypto-encrypted (bit 0)."""
    write_zip(path, [Member(m.name, m.data, flags=1) for m in members_of(EXAMPLE)])


def duplicate_part(path: Path) -> None:
    """Two parts named xl/worksheets/sheet2.xml: zipfile reads the last, other readers the first."""
    members = members_of(EXAMPLE)
    first = next(m for m in members if m.name == _BOMB_SHEET)
    write_zip(path, [*members, Member(first.name, first.data.replace(b"2021", b"1999"))])


def too_many_parts(path: Path) -> None:
    """The example plus 20,000 empty parts: each would be opened and measured."""
    write_zip(path, [*members_of(EXAMPLE), *(Member(f"xl/media/空{i}.xml", b"") for i in range(20_000))])


def too_many_sheets(path: Path) -> None:
    sheets = clean_sheets()
    for i in range(60):
        sheets[f"附表{i + 1}"] = [["说明"], [f"第 {i + 1} 张"]]
    write_workbook(path, sheets)


def _raw_sheet(rows_xml: bytes, merges: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows_xml
        + b"</sheetData>"
        + merges
        + b"</worksheet>"
    )


def _with_sheet(path: Path, part: str, sheet_xml: bytes) -> None:
    write_zip(path, replaced(members_of(EXAMPLE), part, sheet_xml))


_PAYMENTS_SHEET = "xl/worksheets/sheet5.xml"  # 支付明细 in the example
_INFO_SHEET = _BOMB_SHEET


def too_many_rows(path: Path) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, 25_002))
    _with_sheet(path, _PAYMENTS_SHEET, _raw_sheet(rows))


def far_cell(path: Path, ref: bytes = b"XFD20000", prefixed: bool = False, no_refs: bool = False) -> None:
    """项目信息 with one value far away: calamine would size a dense grid of 20000 × 16384 cells."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data
    if no_refs:  # rows and cells without `r`: position by counting, as calamine does
        far = (
            b"<row/>" * 19_000 + b"<row>" + b"<c/>" * 16_383 + b'<c t="inlineStr"><is><t>x</t></is></c></row>'
        )
    elif prefixed:
        row = re.sub(rb"\D", b"", ref)
        far = (
            b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="%s">'
            b'<x:c r="%s" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>' % (row, ref)
        )
    else:
        row = re.sub(rb"\D", b"", ref)
        far = b'<row r="%s"><c r="%s" t="inlineStr"><is><t>x</t></is></c></row>' % (row, ref)
    _with_sheet(path, _INFO_SHEET, info.replace(b"</sheetData>", far + b"</sheetData>"))


def merge_everything(path: Path) -> None:
    """A merge over A20:XFD19000 in 项目信息: nothing but blanks, but 311 million of them if filled."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data
    merges = b'<mergeCells count="1"><mergeCell ref="A20:XFD19000"/></mergeCells>'
    info = re.sub(rb"<mergeCells.*?</mergeCells>", b"", info, flags=re.S)
    _with_sheet(path, _INFO_SHEET, info.replace(b"</sheetData>", b"</sheetData>" + merges))


def cell_too_long(path: Path) -> None:
    """40,000 characters in one cell: more than Excel allows (XlsxWriter truncates, so write the XML)."""
    sheets = clean_sheets()
    sheets["报告正文"][1][1] = "〔LONG〕"
    write_workbook(path, sheets)
    members = members_of(path)
    strings = next(m for m in members if m.name == "xl/sharedStrings.xml").data
    write_zip(
        path,
        replaced(
            members, "xl/sharedStrings.xml", strings.replace("〔LONG〕".encode(), "超长".encode() * 20_000)
        ),
    )


# ---------------------------------------------------------------- builders: readable files
def macros(path: Path) -> None:
    """The example as a macro-enabled workbook whose VBA would create a file if anything ran it."""
    marker = path.with_name("MACRO_RAN")
    vba = write_cfb(
        {
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisWorkbook/&H00000000\r\n'
            b"Module=Module1\r\n",
            "Module1": f'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\n    Open "{marker}" For Output As #1\r\n'
            f"    Close #1\r\n    Shell \"sh -c 'touch {marker}'\"\r\nEnd Sub\r\n".encode(),
        }
    )
    members = members_of(EXAMPLE)
    types = next(m for m in members if m.name == "[Content_Types].xml").data
    types = types.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    types = types.replace(
        b"<Default ",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
        1,
    )
    rels = next(m for m in members if m.name == "xl/_rels/workbook.xml.rels").data.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
        b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
    )
    members = replaced(replaced(members, "[Content_Types].xml", types), "xl/_rels/workbook.xml.rels", rels)
    write_zip(path, [*members, Member("xl/vbaProject.bin", vba)])


def many_payments(path: Path, n: int = 10_000) -> None:
    """10,000 payments in 元 that add up to the 95 万元 executed, none a duplicate, none over budget."""
    sheets = clean_sheets()
    total_yuan = 950_000
    amounts = [47 + i % 97 for i in range(n - 1)]  # 95 元 on average
    amounts.append(total_yuan - sum(amounts))
    assert amounts[-1] > 0
    pipes = 550_000  # 管网维修's 55 万元 of its 60; 水质检测 gets exactly its 40
    rows, paid = [], 0
    for i, yuan in enumerate(amounts):
        if paid < pipes < paid + yuan:  # split the row that would cross, the rest goes to the last row
            amounts[-1] += paid + yuan - pipes
            yuan = amounts[i] = pipes - paid
        item = "管网维修" if paid < pipes else "水质检测"
        paid += yuan
        day = date.fromordinal(date(2023, 1, 1).toordinal() + i % 365)
        rows.append([i + 1, day, "一般公共预算资金", item, f"第 {i + 1} 笔", yuan, f"记-{i + 1:05d}"])
    sheets["支付明细"] = [
        ["序号", "支付日期", "资金性质", "分项名称", "用途", "支付金额（元）", "凭证号"],
        *rows,
    ]
    write_workbook(path, sheets)


def many_indicators(path: Path, n: int = 500) -> None:
    """500 indicator rows of 0.18 分 each (90) + 预算执行率 10 = 100."""
    sheets = clean_sheets()
    header = sheets["绩效指标"][0]
    level = (
        [("产出指标", "数量指标")] * 250
        + [("效益指标", "社会效益指标")] * 150
        + [("满意度指标", "服务对象满意度指标")] * 100
    )
    rows = [
        [l1, l2, f"指标{i + 1:03d}", "定量", "≥1次", "1次", 0.18, 0.18, ""]
        for i, (l1, l2) in enumerate(level[:n])
    ]
    sheets["绩效指标"] = [header, *rows]
    write_workbook(path, sheets)


def long_narrative(path: Path) -> None:
    sheets = clean_sheets()
    sheets["报告正文"][5][1] = LONG_NARRATIVE  # 项目管理情况
    write_workbook(path, sheets)


def formula_like_text(path: Path) -> None:
    """Every text field that reaches an output starts like a formula, a DDE call or a sign."""
    sheets = clean_sheets()
    set_info(sheets, "项目名称", FORMULA_LIKE[1])
    set_info(sheets, "实施单位", FORMULA_LIKE[2])
    set_info(sheets, "评价工作组负责人", FORMULA_LIKE[5])
    for row, text in zip(sheets["绩效指标"][1:], FORMULA_LIKE, strict=False):
        row[2] = text  # 三级指标
        row[8] = text  # 偏差原因
    for row, text in zip(sheets["支付明细"][1:], FORMULA_LIKE[4:], strict=False):
        row[4] = text  # 用途
        row[6] = text  # 凭证号
    for row, text in zip(sheets["报告正文"][1:], FORMULA_LIKE, strict=False):
        row[1] = text + "。" + row[1]
    sheets["自评小组"].append([FORMULA_LIKE[8], FORMULA_LIKE[0], FORMULA_LIKE[3], "成员"])
    sheets["绩效目标"].append([2, FORMULA_LIKE[6], FORMULA_LIKE[7]])
    write_workbook(path, sheets)


def control_characters(path: Path) -> None:
    """_x000B_ escapes as Excel stores them, raw control characters, emoji and rare CJK."""
    sheets = clean_sheets()
    set_info(sheets, "项目名称", "2023年农村饮水𠀀安全工程👍维修养护项目")
    set_info(sheets, "联系人", RAW_CONTROL)
    sheets["报告正文"][1][1] = CONTROL_TEXT
    sheets["报告正文"][2][1] = EMOJI_RARE
    sheets["报告正文"][3][1] = RAW_CONTROL + "项目全年预算100万元，实际支出95万元，执行率95%。"
    sheets["绩效指标"][9][8] = EMOJI_RARE + RAW_CONTROL
    sheets["自评小组"][1][0] = "李𠀀明"
    write_workbook(path, sheets)
    members = members_of(path)
    strings = next(m for m in members if m.name == "xl/sharedStrings.xml").data.decode()
    for placeholder, escape in CONTROL_XML.items():
        strings = strings.replace(placeholder, escape)
    write_zip(path, replaced(members, "xl/sharedStrings.xml", strings.encode()))


def odd_sheet_names(path: Path) -> None:
    """Trailing spaces, an ideographic space, full-width brackets in names; hidden extra sheets."""
    sheets = clean_sheets()
    renamed = {
        "项目信息": "项目信息 ",
        "资金情况": "资金情况\u3000",
        "支付明细": " 支付明细",
        "绩效指标": "绩效指标  ",
    }
    sheets = {renamed.get(k, k): v for k, v in sheets.items()}
    sheets["（备用）"] = [["备用"]]
    write_workbook(path, sheets)
    _hide(path, {"（备用）"})


def hidden_duplicate(path: Path) -> None:
    """A hidden, stale `绩效指标 (2)` (other weights) beside the real sheet: the real one is read."""
    sheets = clean_sheets()
    stale = [list(r) for r in sheets["绩效指标"]]
    for r in stale[1:]:
        r[6], r[7] = 99, 99
    sheets["绩效指标 (2)"] = stale
    write_workbook(path, sheets)
    _hide(path, {"绩效指标 (2)"})


def hidden_twin(path: Path) -> None:
    """A hidden `绩效指标` (stale) and a visible `绩效指标 ` (current): the visible one wins."""
    sheets = clean_sheets()
    current = sheets.pop("绩效指标")
    stale = [list(r) for r in current]
    for r in stale[1:]:
        r[6], r[7] = 99, 99
    sheets["绩效指标"] = stale
    sheets["绩效指标 "] = current
    write_workbook(path, sheets)
    _hide(path, {"绩效指标"})


def _hide(path: Path, names: set[str]) -> None:
    members = members_of(path)
    wb = next(m for m in members if m.name == "xl/workbook.xml").data.decode()
    for n in names:
        wb = wb.replace(f'<sheet name="{n}"', f'<sheet name="{n}" state="hidden"', 1)
    write_zip(path, replaced(members, "xl/workbook.xml", wb.encode()))


def named(project: str) -> Callable[[Path], object]:
    def build(path: Path) -> None:
        sheets = clean_sheets()
        set_info(sheets, "项目名称", project)
        write_workbook(path, sheets)

    return build


# ---------------------------------------------------------------- builders: bounded work (issue 14)
# Each was minutes to hours (or gigabytes) for a scan that backtracked or listed every cell; each is
# legal or nearly so, and must take well under a second.
def comment_full_of_cell_starts(path: Path, opener: bytes = b"<c ", times: int = 40_000) -> None:
    """An XML comment in 项目信息 holding `<c ` (or another tag start) many times, never closed
    by `>`: LibreOffice opens it; a scan for `<c …>` that may run to the next `>` is quadratic."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data
    comment = b"<!-- " + opener * times + b" -->"
    _with_sheet(path, _INFO_SHEET, info.replace(b"</sheetData>", comment + b"</sheetData>", 1))


def instruction_full_of_cell_starts(path: Path, times: int = 20_000) -> None:
    """A processing instruction (legal anywhere in the content) holding `<c ` and `<row ` openers."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data
    pi = b"<?pi " + b"<c <row " * times + b"?>"
    _with_sheet(path, _INFO_SHEET, info.replace(b"</sheetData>", pi + b"</sheetData>", 1))


def workbook_xml_full_of_sheet_starts(path: Path, letters: int = 100_000) -> None:
    """workbook.xml with a comment holding `<sheet ` and 100,000 letters: read as a sheet entry,
    its attributes were split by a pattern that backtracked over every run of letters."""
    members = members_of(EXAMPLE)
    book = next(m for m in members if m.name == "xl/workbook.xml").data
    comment = b"<!-- <sheet <Relationship " + b"a" * letters + b" -->"
    write_zip(path, replaced(members, "xl/workbook.xml", book.replace(b"<sheets>", comment + b"<sheets>", 1)))


def long_digit_label(path: Path, digits: int = 30_000) -> None:
    """A 二级指标 of 30,000 digits and a letter: the weight-in-label pattern backtracked on it."""
    sheets = clean_sheets()
    sheets["绩效指标"][1][1] = "7" * digits + "项"
    write_workbook(path, sheets)


def utf16_sheet(path: Path) -> None:
    """项目信息 as UTF-16 (legal XML; calamine reads it as an empty sheet)."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data.decode("utf-8")
    info = info.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    _with_sheet(path, _INFO_SHEET, info.encode("utf-16"))


def quoted_angle_far_cell(path: Path) -> None:
    """A far cell hidden behind a `<` inside a quoted attribute: a reader that honours the quotes
    sees XFD20000, one that stops at the `<` does not."""
    info = next(m for m in members_of(EXAMPLE) if m.name == _INFO_SHEET).data
    far = b'<row r="20000"><c x="<" r="XFD20000" t="inlineStr"><is><t>x</t></is></c></row>'
    _with_sheet(path, _INFO_SHEET, info.replace(b"</sheetData>", far + b"</sheetData>", 1))


def many_cells(path: Path, times: int = 1500) -> None:
    """~1.5 MB inside every size and ratio limit: ~190 MB of formatting-only cells (16 million) in
    支付明细 plus 1.4 MB of noise that does not compress. Listing every cell reference took 2.2 GB."""
    import random

    chunk = b'<c r="A1" s="0"/>' * 7_000  # 119 KB
    deflated, size, crc = repeated_deflate(
        _SHEET_HEAD.replace(b'<row r="1"><c r="A1" t="inlineStr"><is><t>', b'<row r="1">'),
        chunk,
        times,
        b"</row></sheetData></worksheet>",
    )
    noise = random.Random(14).randbytes(1_400_000)
    members = [
        Member(m.name, deflated=deflated, size=size, crc=crc) if m.name == _PAYMENTS_SHEET else m
        for m in members_of(EXAMPLE)
    ]
    write_zip(path, [*members, Member("xl/media/noise.bin", noise)])


def clean(path: Path) -> None:
    write_workbook(path, clean_sheets())


# ---------------------------------------------------------------- checks on what was read
def _name_is(text: str) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert r.project.info.name.value == text, r.project.info.name

    return check


def _payments(n: int) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert len(r.project.payments) == n
        assert not [f for f in r.findings if f.rule in ("P001", "P004", "P005", "I005")], r.findings[:5]

    return check


def _indicators(n: int) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert len(r.project.indicators) == n
        assert r.scores is not None and abs(r.scores.weight_total - 100) < 0.01, r.scores

    return check


def _narrative(title: str, text: str) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        section = next(s for s in r.project.narrative if s.title == title)
        assert section.text.value == text

    return check


def _formula_text(r: Result) -> None:
    p = r.project
    assert p.info.name.value == FORMULA_LIKE[1]
    assert p.info.unit.value == FORMULA_LIKE[2]
    level3 = [i.level3.raw for i in p.indicators]
    # leading tabs / CRs may be trimmed as whitespace; the formula-like rest must survive verbatim
    assert [t.strip() for t in level3[: len(FORMULA_LIKE)]] == [t.strip() for t in FORMULA_LIKE]


def _control_text(r: Result) -> None:
    p = r.project
    assert p.info.name.value == "2023年农村饮水𠀀安全工程👍维修养护项目"
    texts = {s.title: s.text.value for s in p.narrative}
    assert "👍🏽" in texts["项目建设内容"] and "𠀀" in texts["项目建设内容"]
    assert "第一行" in texts["项目基本情况"] and "字面" in texts["项目基本情况"]


def _all_sheets_found(r: Result) -> None:
    assert not [f for f in r.findings if f.rule in ("I002", "I003")], r.findings
    assert len(r.project.indicators) == 10 and len(r.project.payments) == 4


def _current_indicators(r: Result) -> None:
    assert [i.weight.value for i in r.project.indicators] == [10, 10, 5, 5, 10, 10, 10, 10, 10, 10]
    assert r.project.indicators[0].weight.ref.sheet in ("绩效指标", "绩效指标 ")


def _seed(r: Result) -> None:
    assert r.project.info.name.value and len(r.project.payments) == 5


# ---------------------------------------------------------------- the corpus
LONG_STEM = "子洲县人民政府办公室" * 8  # 80 CJK characters: 240 bytes, near ext4's 255-byte limit

CASES: list[Case] = [
    # refused: the file is not a workbook we may read
    _refused(
        "zip_bomb",
        "zip_bomb.xlsx",
        zip_bomb,
        "解压后",
        bounded=True,
        notes="260 MB of spaces in 项目信息 deflated to ~270 KB; refused from the zip directory",
    ),
    _refused(
        "zip_bomb_lying_directory",
        "zip_bomb_lying.xlsx",
        lambda p: zip_bomb(p, 260, lie=True),
        bounded=True,
        notes="the directory claims 120 bytes with a matching CRC; inflation stops at 121",
    ),
    _refused("billion_laughs", "billion_laughs.xlsx", billion_laughs, "实体", bounded=True),
    _refused(
        "billion_laughs_utf16",
        "billion_laughs_utf16.xlsx",
        lambda p: billion_laughs(p, utf16=True),
        bounded=True,
        notes="UTF-16 hides <!DOCTYPE from a byte search",
    ),
    _refused("external_entity", "xxe.xlsx", lambda p: billion_laughs(p, external=True), "实体", bounded=True),
    _refused("encrypted", "加密的工作簿.xlsx", encrypted, "密码"),
    _refused("legacy_xls", "旧版格式.xls", legacy_xls, ".xls", "另存为"),
    _refused("legacy_xls_renamed", "旧版格式改名.xlsx", legacy_xls, ".xls", "另存为"),
    _refused("template_xltx", "模板.xltx", xltx, ".xltx", "另存为"),
    _refused("ods", "表格.ods", ods, ".ods", "另存为"),
    _refused("ods_renamed", "表格改名.xlsx", ods, "xl/workbook.xml"),
    _refused("csv", "导出.csv", csv, ".csv", "另存为"),
    _refused("text_renamed", "文本改名.xlsx", text_renamed, "不是 Excel 工作簿"),
    _refused("docx_renamed", "报告改名.xlsx", docx_renamed, "xl/workbook.xml"),
    _refused("empty_file", "空文件.xlsx", empty),
    _refused("truncated", "截断.xlsx", truncated, "损坏"),
    _refused("zip_encrypted_parts", "压缩包加密.xlsx", zip_encrypted_member, "密码"),
    _refused("duplicate_part", "重复部件.xlsx", duplicate_part, "损坏"),
    _refused("too_many_parts", "部件太多.xlsx", too_many_parts, "部件", "上限", bounded=True),
    _refused("too_many_sheets", "工作表太多.xlsx", too_many_sheets, "工作表", "上限"),
    _refused("too_many_rows", "行太多.xlsx", too_many_rows, "行", "上限", bounded=True),
    _refused(
        "far_cell",
        "远处单元格.xlsx",
        far_cell,
        "上限",
        bounded=True,
        notes="one value at XFD20000: calamine alone would ask for 10 GB and abort the process",
    ),
    _refused(
        "far_cell_prefixed",
        "远处单元格_前缀.xlsx",
        lambda p: far_cell(p, prefixed=True),
        "上限",
        bounded=True,
        notes="`x:c` elements: a scan for `<c` alone misses them",
    ),
    _refused(
        "far_cell_no_refs",
        "远处单元格_无坐标.xlsx",
        lambda p: far_cell(p, no_refs=True),
        "上限",
        bounded=True,
        notes="rows and cells without `r` attributes, positioned by counting",
    ),
    _refused("cell_too_long", "单元格过长.xlsx", cell_too_long, "字符", "上限"),
    # bounded work (issue 14): each in well under a second
    _refused("utf16_sheet", "UTF16工作表.xlsx", utf16_sheet, "UTF-16", "另存为"),
    _refused(
        "quoted_angle_far_cell",
        "引号中的尖括号.xlsx",
        quoted_angle_far_cell,
        "XML",
        bounded=True,
        notes='<c x="<" r="XFD20000">: refused, never guessed at',
    ),
    _refused(
        "many_cells",
        "一千六百万单元格.xlsx",
        many_cells,
        "单元格",
        "max_cells",
        bounded=True,
        notes="16 million formatting-only cells, 190 MB inflated from 1.5 MB: every limit but max_cells holds",
    ),
    # read: the data comes back, the text survives, nothing runs
    Case(
        "macros_xlsm",
        "带宏.xlsm",
        macros,
        SEED_RULES,
        check=_seed,
        notes="vbaProject.bin with an Auto_Open that would create MACRO_RAN beside the file",
    ),
    Case("merge_everything", "合并全表.xlsx", merge_everything, SEED_RULES, check=_seed, bounded=True),
    Case("comment_cell_starts", "注释中的单元格.xlsx", comment_full_of_cell_starts, SEED_RULES, bounded=True),
    Case(
        "comment_formula_cells",
        "注释中的公式.xlsx",
        lambda p: comment_full_of_cell_starts(p, b"<f/><c>", 20_000),
        SEED_RULES,
        bounded=True,
    ),
    Case(
        "comment_prefixed_rows",
        "注释中的行.xlsx",
        lambda p: comment_full_of_cell_starts(p, b"<x:row <x:c r=", 15_000),
        SEED_RULES,
        bounded=True,
    ),
    Case(
        "instruction_cell_starts",
        "处理指令中的单元格.xlsx",
        instruction_full_of_cell_starts,
        SEED_RULES,
        bounded=True,
    ),
    Case(
        "workbook_sheet_starts",
        "注释中的工作表.xlsx",
        workbook_xml_full_of_sheet_starts,
        SEED_RULES,
        bounded=True,
    ),
    Case("label_30000_digits", "三万位数字标签.xlsx", long_digit_label, frozenset(), bounded=True),
    Case("payments_10000", "一万笔支付.xlsx", many_payments, check=_payments(10_000)),
    Case(
        "narrative_30000", "三万字正文.xlsx", long_narrative, check=_narrative("项目管理情况", LONG_NARRATIVE)
    ),
    Case("indicators_500", "五百个指标.xlsx", many_indicators, check=_indicators(500)),
    Case("formula_like_text", "公式样文本.xlsx", formula_like_text, check=_formula_text),
    Case("control_characters", "控制字符.xlsx", control_characters, check=_control_text),
    Case("odd_sheet_names", "工作表名含空格.xlsx", odd_sheet_names, check=_all_sheets_found),
    Case("hidden_duplicate", "隐藏的副本.xlsx", hidden_duplicate, check=_current_indicators),
    Case("hidden_twin", "隐藏的同名表.xlsx", hidden_twin, check=_current_indicators),
    Case("file_name_spaces_hash_percent", "a b #1 %20 100%.xlsx", clean),
    Case("file_name_long", LONG_STEM + ".xlsx", clean),
    Case("file_name_double_suffix", "项目.xlsx.xlsx", clean),
    Case("file_name_leading_space", " 前导空格 .xlsx", clean),
    Case("project_dotdot", "项目名_上级目录.xlsx", named("../../etc"), check=_name_is("../../etc")),
    Case("project_con", "项目名_CON.xlsx", named("CON"), check=_name_is("CON")),
    Case(
        "project_punctuation", "项目名_符号.xlsx", named('a/b:c*?"<>|\\d'), check=_name_is('a/b:c*?"<>|\\d')
    ),
    Case("project_long", "项目名_超长.xlsx", named("农" * 300), check=_name_is("农" * 300)),
    Case("project_dot", "项目名_点.xlsx", named(". ."), check=_name_is(". .")),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
assert len({c.filename.casefold() for c in CASES}) == len(CASES), "file names must be unique"
