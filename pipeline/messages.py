"""Every sentence the pipeline says to a person, in one place (Chinese, one sentence, with the numbers).

Keys are `<rule>` or `<rule>_<case>`; values are str.format templates. Rules and the CLI look up
wording here and never build sentences of their own.
"""

from __future__ import annotations

MSG: dict[str, str] = {
    # ------------------------------------------------------------ I: reading the workbook
    "I001_open": "无法打开文件（{error}）：请确认文件存在且未被其他程序占用",
    "I001_encrypted": "工作簿设有打开密码，无法读取：请在 Excel/WPS 中取消密码后另存为 .xlsx 再提交",
    "I001_xls": "这是旧版 .xls 格式（或其他 OLE2 文件）：请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）再提交",
    "I001_suffix": "不支持 {suffix} 格式：请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）再提交",
    "I001_too_big": "文件大小 {mb:.1f} MB，超过上限 {limit:g} MB：请删除无关工作表、图片后重新保存",
    "I001_not_zip": "文件内容不是 Excel 工作簿（可能已损坏，或扩展名被改成了 .xlsx）：请用 Excel/WPS 打开确认后重新保存",
    "I001_corrupt": "工作簿文件已损坏（压缩包结构错误），无法读取：请用 Excel/WPS 打开修复后另存为 .xlsx",
    "I001_not_workbook": "压缩包中没有工作簿内容（xl/workbook.xml），不是 Excel 工作簿：请用填报模板重新填写",
    "I001_bomb": "工作簿解压后约 {mb:.0f} MB，超过上限 {limit:g} MB（疑似异常文件）：请删除无关内容后重新保存",
    "I001_entities": "工作簿的 XML 中含有实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取：请用 Excel/WPS 打开后另存为 .xlsx",
    "I001_sheets": "工作簿有 {n} 个工作表，超过上限 {limit}：请只保留填报模板中的工作表",
    "I001_rows": "工作表“{sheet}”有 {n} 行，超过上限 {limit} 行：请删除多余的行后重新保存",
    "I001_cell": "工作表“{sheet}”的单元格 {cell} 有 {n} 个字符，超过上限 {limit}：请精简内容",
    "I001_engine": "读取工作簿时出错（{error}）：请用 Excel/WPS 打开后另存为 .xlsx 再提交",
    "I002": "缺少工作表“{sheet}”{found}：请按填报模板补齐该工作表",
    "I002_near": "（找到相近的“{near}”，请把工作表名改为“{sheet}”）",
    "I002_found": "（工作簿中的工作表：{names}）",
    "I003": "工作表“{sheet}”缺少“{column}”列：请按填报模板的表头补齐",
    "I004": "“{label}”未填写：此项为必填",
    "I004_row": "第 {row} 行“{label}”未填写：此项为必填",
    "I004_fund_total": "资金情况中没有“年度资金总额”一行：请按模板填写年度资金总额",
    "I005": "{label}“{text}”{reason}，无法读取：请填写{kind}",
    "I006": "“{label}”是公式，但文件保存时未计算结果（值未知）：请在 Excel/WPS 中打开并保存一次",
    "I007": "全年预算数未填写，以年初预算数 {initial} 万元作为预算基数",
}

KIND_WORDS = {
    "money": "金额（数字，默认单位万元）",
    "number": "数字",
    "rate": "百分比（如 100% 或 1）",
    "date": "日期（如 2021-09-18）",
    "dates": "日期（如 2021-09-18，多个日期用、分隔）",
    "year": "四位年份（如 2021）",
    "grade": "优、良、中或差",
    "text": "文本",
}
