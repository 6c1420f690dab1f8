"""Every sentence the pipeline says to a person, in one place (Chinese, one sentence, with the numbers).

Keys are `<rule>` or `<rule>_<case>`; values are str.format templates. Rules and the CLI look up
wording here and never build sentences of their own.
"""

from __future__ import annotations

MSG: dict[str, str] = {
    # ------------------------------------------------------------ R: the scored workbook and the batch summary
    "R_form_note": "注：自评得分为单位填报，复核得分按财预〔2020〕10号复核计算；填色单元格有审核意见"
    "（红：错误，黄：警告，蓝：提示），详见批注和“审核意见”表。",
    "R_unknown": "无法复核",  # v3: a figure the workbook does not give (scoring.md "Unknown figures")
    "R_rescaled": "分值合计 {weight} 分（应为 {scale} 分），按百分制折算：{raw} ÷ {weight} × {scale} = {total}",
    "R_budget_line": "执行率 {rate}（全年执行数 {executed} 万元 ÷ 预算数 {budget} 万元）",
    "R_no_findings": "未发现问题",
    "R_held_twice": "与 {other} 是同一项目（X003），只计入一次：合计与“按主管部门”按 {other} 计",
    "R_held_twice_note": "注：{n} 个工作簿与另一工作簿是同一项目（X003），已只计一次，未计入：{files}",
    "R_no_year_over_year": "本批工作簿中没有可与往年对比的项目（同一项目往年的输出不在 output/ 中）",
    # ------------------------------------------------------------ D: reviewer decisions (审核处理)
    "D_state_unknown": "审核处理“{value}”（{cell}）不是 {states} 之一，未采用，按{open}处理：请从下拉列表中选择",
    "D_adjust_no_score": "{cell} 选择了“调整”，但审核说明中没有调整后的得分，未采用：请在审核说明中填写得分（如“7”）",
    "D_adjust_unclear": "{cell} 选择了“调整”，但审核说明“{note}”没有写明唯一的调整后得分，未采用："
    "请只写得分（如“7”）或写“调整为7分”",
    "D_adjust_range": "{cell} 调整后的得分 {value} 不在 0–{weight} 分（该指标分值）之间，未采用：请更正",
    "D_adjust_not_qualitative": "{cell} 选择了“调整”，但该条审核意见不在定性指标的行上，未采用："
    "“调整”只用于改定性指标的复核得分（或补上无法读取的数值），其他请选择确认或豁免",
    "D_conclusion_unknown": "审核结论“{value}”（{cell}）不是 {states} 之一，按{pending}处理：请从下拉列表中选择",
    "D_damaged": "文件已损坏，或不是本程序生成的格式",
    "D_too_many_rows": "行数超过上限 {limit}，不像本程序生成的文件",
    "D_too_slow": "读取超过 {seconds:g} 秒，已停止",
    "D_unreadable": "审核处理无法读取：{file}（{error}）；该文件正被打开，本次未替换它：关闭后重新运行即可",
    "D_set_aside": "审核处理无法读取：{file}（{error}）；该文件没有被覆盖，已原样改名为 {aside}："
    "其中的审核处理尚未录入，请用 Excel/WPS 打开它，另存为原文件名后重新运行",
    "D_aside_unreadable": "审核处理仍无法读取：{file}（{error}）：请用 Excel/WPS 打开它，另存为 {original} 后重新运行",
    "D_saved_during_run": "{file}：审核人在本次运行期间保存了审核处理，已重新读取，新的输出已包含这 {n} 条",
    "D_kept_aside": "{file} 在本次运行即将替换它时又被保存，已原样保留为 {aside}（未覆盖）：下次运行会读取其中的审核处理",
    "D_link_replaced": "输出目录中的 {file} 是一个链接（快捷方式），已删除该链接并写入新文件；链接指向的文件未被读取或改动",
    "D_summary_reread": "{file}：审核人在本次运行期间保存了审核结论，已重新读取并写入新的汇总",
    "D_not_stored": "{file}：运行期间保存的审核处理无法存入清单（{error}）；它们已写入新的评分表，下次运行会再次读取",
    "D_problem": "审核处理未采用：{file} {message}",
    "D_locked": "{file} 正被其他程序打开（如 Excel），本次未更新该工作簿的输出，原有文件和审核处理均保留：关闭后重新运行即可",
    "D_retired_note": "审核意见已不再出现（单位已修改工作簿），原审核处理失效",
    "D_adjusted_line": "审核调整：复核得分 {value}（{note}）",
    "D_adjusted_total": "含审核调整",
    "D_none": "没有审核处理记录",
    # ------------------------------------------------------------ FINAL: the 定稿 (outputs.md v3)
    "FINAL_blocked": "{file} 审核结论为“通过”，但仍有未处理的“错误”，未生成定稿：{blockers}"
    "（请在评分表“审核意见”中豁免或请单位改正后重新运行）",
    "FINAL_no_soffice": "未找到 LibreOffice，{n} 份定稿未生成 PDF：{files}（安装 LibreOffice 后重新运行即可补齐；"
    '不需要 PDF 时在 config.toml [archive] 设 pdf = "off"）',
    "FINAL_pdf_failed": "LibreOffice 未能把 {n} 份定稿转为 PDF：{files}（重新运行会再试）",
    "FINAL_pdf_required": 'config.toml [archive] pdf = "required"，但有 {n} 份定稿没有 PDF（见上）：退出码 1',
    "RUN_step_assess": "读取、检查",  # the progress bar's first step (a terminal only)
    "RUN_step_render": "生成文件",
    "RUN_locked": "；{n} 个文件正被打开，未更新：{files}",
    # ------------------------------------------------------------ I: reading the workbook
    "I001_open": "无法打开文件（{error}）：请确认文件存在且未被其他程序占用",
    "I001_encrypted": "工作簿设有打开密码，无法读取：请在 Excel/WPS 中取消密码后另存为 .xlsx 再提交",
    "I001_xls": "这是旧版 .xls 格式（或其他 OLE2 文件）：请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）再提交",
    "I001_et": "这是 WPS 表格文件（{suffix}），无法读取：请在 WPS 中“另存为”Excel 工作簿（.xlsx）再提交",
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
    "I001_area": "工作表“{sheet}”的数据区域达 {rows} 行 × {cols} 列，超过上限 {limit} 个单元格："
    "请删除远处的无关单元格后重新保存",
    "I001_ratio": "工作簿解压后约 {mb:.0f} MB，是文件大小的 {ratio:.0f} 倍，超过压缩比上限 {limit:g} 倍（疑似异常文件）："
    "请删除无关内容后重新保存",
    "I001_link": "这是一个链接（快捷方式），不是文件本身，拒绝读取：本程序不跟随输出目录中的链接",
    "I001_not_regular": "这不是普通文件（可能是管道、设备或套接字），拒绝读取：请把工作簿另存为普通的 .xlsx 文件",
    "I001_utf16": "工作簿的部件 {part} 以 UTF-16 编码保存，本程序无法可靠读取（会误读为空表）："
    "请用 Excel/WPS 打开后另存为 .xlsx 再提交",
    "I001_xml": "工作簿的部件 {part} 中有残缺的 XML 标记（引号未闭合或标记未结束），拒绝读取："
    "请用 Excel/WPS 打开后另存为 .xlsx 再提交",
    "I001_row_elements": "工作表的行（含空行）超过 {limit} 行，不像本程序生成的文件，拒绝读取",
    "I001_cells": "工作簿的单元格超过 {limit} 个（config.toml 的 [limits] max_cells，疑似异常文件）："
    "请删除无关的单元格和工作表后重新保存",
    "I001_timeout": "处理该工作簿超过 {seconds:g} 秒仍未完成，已停止（config.toml 的 [limits] max_seconds）："
    "请检查工作簿中是否有大量无关内容，用 Excel/WPS 打开后另存为 .xlsx 再提交。其他工作簿不受影响",
    "I001_bomb_lie": "工作簿压缩包登记的部件 {part} 大小与实际内容不符（疑似异常文件），拒绝解压："
    "请用 Excel/WPS 打开后另存为 .xlsx 再提交",
    "I001_parts": "工作簿压缩包中有 {n} 个部件，超过上限 {limit}（疑似异常文件）：请用 Excel/WPS 打开后另存为 .xlsx 再提交",
    "I001_zip_encrypted": "工作簿中的部件被加密，无法读取：请在 Excel/WPS 中取消密码后另存为 .xlsx 再提交",
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
    # ---- S: indicators and scores
    "S001_over": "“{name}”自评得分 {claimed} 分高于分值 {weight} 分：自评得分不能超过分值，请更正",
    "S001_negative": "“{name}”自评得分 {claimed} 分为负数：自评得分应在 0 至分值 {weight} 分之间，请更正",
    "S002": "绩效指标分值合计 {indicators} 分，加预算执行率 {budget} 分共 {weight_total} 分，不等于 {scale} 分："
    "请调整各指标分值（复核总分已按 {scale} 分制折算）",
    "S003": "{level1}分值合计 {written} 分，与财预〔2020〕10号的 {standard} 分不一致：无特殊情况请按 {standard} 分设置，"
    "确需调整请说明理由",
    "S003_missing": "绩效指标中没有{level1}，财预〔2020〕10号为其设 {standard} 分：请补充{level1}",
    "S004": "“{label}”标注 {written} 分，但其下各指标分值合计 {rows} 分：请更正标注或各指标分值",
    "S005": "定量指标“{name}”按评分规则应得 {computed} 分（{formula}），自评 {claimed} 分：请按实际完成比例重新计分",
    "S006": "定性指标“{name}”实际完成值为“{done}”，按完成程度“{level}”得分一般在 {low}–{high} 分之间，自评 {claimed} 分："
    "复核得分仍按自评 {claimed} 分计；请补充说明，或由审核人员决定是否调整",
    "S007": "“{name}”扣了 {lost} 分（分值 {weight}、自评 {claimed}），偏差原因分析及改进措施却未填写：请说明未完成原因和改进措施",
    "S008_text": "定量指标“{name}”的实际完成值“{done}”不是数值，无法与年度指标值“{target}”比较、核验得分："
    "请填写实际完成的数值和单位",
    "S008_several": "定量指标“{name}”的实际完成值“{done}”含有多个数字，无法确定哪一个是完成值、核验得分："
    "请只填写实际完成的数值和单位（说明文字写入偏差原因）",
    "S008_deadline": "时限指标“{name}”的实际完成值“{done}”看不出是否在“{target}”内完成，无法核验得分："
    "请填写完成日期，或写明“按时完成”“延期至…”",
    "S008_blank": "定量指标“{name}”的实际完成值未填写，无法与年度指标值“{target}”比较、核验得分：请填写实际完成的数值和单位",
    "S008_unit": "定量指标“{name}”年度指标值的单位是“{target_unit}”，实际完成值的单位是“{actual_unit}”，无法比较："
    "请统一单位后重新填写",
    "S009": "定量指标“{name}”实际完成 {done}，超出年度指标值 {target} 的 {over}（提示阈值 {margin}）："
    "请说明超额完成的原因，并检查年初指标值是否设置偏低",
    "S010_words": "“{name}”得满分 {weight} 分，但偏差原因写有“{word}”：请核实是否应扣分，或修改偏差原因说明",
    "S010_below": "“{name}”实际完成 {done}，未达到年度指标值“{target}”，却得满分 {weight} 分：请按完成比例扣分或说明理由",
    "S011": "自评总分 {claimed} 分与复核总分 {computed} 分不一致，差异在：{lines}（{arithmetic}）：请按复核结果更正自评总分",
    "S011_line": "绩效指标第 {row} 行“{name}”{kind}复核 {final} 分、自评 {claimed} 分",
    "S011_budget": "预算执行率复核 {score} 分（分值 {weight} 分）",
    "S011_budget_implied": "预算执行率复核 {score} 分（自评总分减各行自评得分为 {implied} 分）",
    "S011_budget_unknown": "预算执行率得分无法计算（按 0 计）",
    "S011_rescaled": "分值合计 {weight} 分，按 {scale} 分制折算",
    "S011_capped": "执行率偏低，总分按规定不超过 {cap} 分",
    "S011_sum": "各行复核得分与自评得分相同，各项得分之和为 {total} 分",
    "S012": "自评等级“{claimed}”与复核总分 {total} 分对应的等级“{computed}”不一致：请更正自评等级",
    "S013_weight": "第 {row} 行指标“{name}”未填分值，不计入总分：请填写分值",
    "S013_weight_scored": "第 {row} 行指标“{name}”填了自评得分却未填分值，本行和总分无法复核：请填写分值",
    "S013_claimed": "第 {row} 行指标“{name}”填了分值却未填自评得分，本行得分无法核验，总分无法复核：请填写自评得分",
    "S013_level3": "第 {row} 行未填三级指标名称：请填写具体的三级指标",
    "S014": "成本指标“{name}”的年度指标值“{target}”写成了下限（{comparator}），成本应设上限：请改用“≤”或“不高于”",
    "S015": "“{name}”是不超过 100% 的比率，{what}却为 {value}：请核实并更正",
    "S016": "定量指标“{name}”的年度指标值“{target}”没有单位：请写明单位（如次、人、%、万元）",
    "S017_closest": "{level}“{written}”不是财预〔2020〕10号规定的指标名称，已按最接近的“{closest}”计分："
    "请改为“{closest}”",
    "S017_unknown": "{level}“{written}”不是财预〔2020〕10号规定的指标名称，无法确定应归入哪一项（最接近的是“{closest}”），"
    "按原名计分：请改为规定的名称",
    "S017_none": "{level}“{written}”不是财预〔2020〕10号规定的指标名称，按原名计分：请改为规定的名称",
    "S018": "定性指标“{name}”完成程度填“{level}”，对应得分区间为 {band}（分值 {weight} 分的 {share}），自评 {claimed} 分"
    "不在其中：两处填报相互矛盾，请更正完成程度或自评得分；复核得分暂按自评 {claimed} 分计",
    "S019": "各项指标复核得分合计 {score} 分，占指标分值 {weight} 分的 {score_rate}，而预算执行率只有 {rate}，"
    "高出 {gap}（超过 {limit}）：资金大量未用、指标却接近满分，请核实自评得分是否偏高",
    # ---- M: project information
    "M001_length": "统一社会信用代码“{code}”有 {n} 位，应为 18 位：请按营业执照或事业单位法人证书核对",
    "M001_chars": "统一社会信用代码“{code}”含有代码中不使用的字符“{chars}”（GB 32100-2015 不用 I、O、S、V、Z）：请按证书核对",
    "M001_check": "统一社会信用代码“{code}”的校验位应为“{check}”，说明代码中有抄错的字符：请按证书核对",
    "M002": "联系电话“{phone}”既不是 11 位手机号，也不是带区号的固定电话（如 0912-7221234）：请补全号码",
    "M003_early": "评价时间 {date} 在 {year} 预算年度结束之前，而完成结果评价须在年度结束后进行：请核对评价时间或评价类型",
    "M003_future": "评价时间 {date} 晚于本次审核日期 {today}：请核对评价时间",
    # ---- B: budget (资金情况, 分项预算)
    "B001": "年度资金总额的{column} {total} 万元，与财政拨款、上年结转资金、其他资金之和 {parts} 万元相差 {diff} 万元：请核对资金来源各行",
    "B002": "{source}全年执行数 {executed} 万元超过预算数 {budget} 万元（超出 {diff} 万元）：请核对执行数，或说明超预算支出的依据",
    "B003": "{source}所填执行率 {stated} 与全年执行数 {executed} 万元 ÷ 预算数 {budget} 万元 = {computed} 不符：请改为 {computed}",
    "B004": "分项预算合计 {added} 万元，与年度资金总额的预算数 {reference} 万元相差 {diff} 万元：请核对分项预算各行",
    "B005": "{what}为负数（{amount} 万元）：金额不应为负，请按净额填报并在说明中写明冲减原因",
    "B006": "预算执行率 {rate} 低于 {threshold}，但资金使用及管理情况、资金调整情况和偏差原因都没有说明资金未执行的原因"
    "（只写执行数或执行率不算说明）：请补充原因及改进措施",
    # ---- P: payments (支付明细, 支出结构)
    "P001": "支付明细合计 {added} 万元，与资金情况全年执行数 {reference} 万元相差 {diff} 万元：请核对支付明细是否漏记或重记",
    "P002_year": "第 {row} 行支付日期 {dates} 不在 {year} 预算年度内：请核对支付日期",
    "P002_after": "第 {row} 行支付日期 {dates} 晚于评价时间 {evaluated}：请核对支付日期或评价时间",
    "P003": "第 {row} 行分项名称“{item}”与分项预算中的名称都不一致（最接近的是“{closest}”）：请改为分项预算中的名称",
    "P004": "分项“{item}”的支付合计 {paid} 万元，超过其预算金额 {budget} 万元（超出 {diff} 万元）：请核对支付所属分项或分项预算",
    "P005": "第 {row} 行与第 {first} 行的支付日期、金额 {amount} 万元和分项完全相同：请确认是否重复录入",
    "P006": "第 {row} 行一笔支付同时记在 {n} 个分项（{items}）下，无法分摊到各分项、不核对其分项超支：建议按分项拆分为多行",
    "P007": "支出结构合计 {added} 万元，与资金情况全年执行数 {reference} 万元相差 {diff} 万元：请核对支出结构各行",
    "P008": "第 {row} 行支付日期“{raw}”没有写年份，已按预算年度 {year} 年读取：请补全年份",
    # ---- N: the narrative (报告正文)
    "N001": "报告正文“{section}”称自评得分 {stated} 分，而复核总分为 {total} 分：请改为 {total} 分",
    "N002": "报告正文“{section}”称评价等级为“{stated}”，而复核总分 {total} 分对应的等级为“{grade}”：请改为“{grade}”",
    "N003": "报告正文“{section}”称{level2}共 {weight} 分、得 {score} 分，而绩效指标表中{level2}分值 {table_weight} 分、得分 {table_score} 分：请按指标表改正",
    "N004": "报告正文“{section}”写“{phrase}”，而资金情况中年度资金总额的{figures}：请按资金情况改正",
    "N005": "报告正文“{section}”把项目称为“{phrase}”，与项目名称“{name}”不符，疑为沿用其他项目或往年报告的文字：请改为本项目名称",
    # ---- X: across the workbooks of one batch (and the archive's earlier years)
    "X001": "凭证号“{voucher}”也出现在 {other}（{where}）{more}的支付明细中：请确认同一张凭证是否在两个项目中重复列支",
    "X002": "本行支付（{dates}，{amount} 万元，{fund}）与同一实施单位的 {other}（{where}）{more}中的一笔完全相同："
    "请确认是否一笔支付被两个项目同时列报",
    "X003_same": "{other}{more}也是“{name}”（{unit}，{year} 年度）的自评表：同一项目有两份工作簿，请确认以哪一份为准",
    "X003_copy": "{other}{more}与本文件逐字节相同（重复提交的副本）：请确认以哪一份为准并删除另一份",
    "X004": "“{name}”年度指标值“{target}”比 {prev_year} 年度的“{prev_target}”（{other}，{where}）要求更低："
    "财预〔2020〕10号要求绩效指标不得无故调低，请说明理由",
    "X005": "{what}与 {prev_year} 年度同一项目的{prev_what}（{other}，{where}）一字不差：请按本年度实际情况重新撰写",
    "X_more": "等 {n} 个工作簿",
    # X006–X008 (checks/approved.py): against the bureau's approved 绩效目标
    "X006": "“{name}”的年度指标值“{target}”与批复的{which}“{approved}”不一致：{how}",
    "X006_approved": "指标值",
    "X006_adjusted": "调整后指标值",
    "X006_lower": "自评表的目标比批复的低，更容易达到，自评得分因此偏易",
    "X006_higher": "自评表的上限比批复的高，更容易达到，自评得分因此偏易",
    "X006_weaker": "自评表的比较符比批复的宽（如“大于”改成了“不低于”），更容易达到，自评得分因此偏易",
    "X006_later": "自评表的完成时限比批复的晚，更容易达到，自评得分因此偏易",
    "X006_harder": "自评表的目标比批复的要求更高，请确认以哪一个为准",
    "X006_text": "二者都是文字表述且不相同，请核对是否按批复的目标自评",
    "X006_unit": "二者单位不同，无法比较高低，请核对是否按批复的目标自评",
    "X006_kind": "一个是数值目标、一个不是，无法比较高低，请核对是否按批复的目标自评",
    "X006_direction": "二者比较方向相反（一个是下限、一个是上限），请核对是否按批复的目标自评",
    "X007": "批复的三级指标“{name}”（{approved}）不在自评表的绩效指标中：批复的指标都应自评，未完成的也不能删去",
    "X008": "三级指标“{name}”（{target}）不在本项目批复的绩效目标中：请说明新增的来由，或按批复的指标自评",
    "X008_not_found": "批复绩效目标中找不到本项目（项目编码，或项目名称、实施单位、预算年度均对不上），未做目标对照",
    "X_equal_lines": "（其余 {n} 条三级指标与批复一致）",
    "AT_off": "未提供批复绩效目标（{folder} 不存在或其中没有 .xlsx 文件），不做目标对照（X006–X008）",
    "AT_problems": "批复绩效目标中有 {n} 处无法读取（{files}），已列入审核汇总的“全部审核意见”",
    # ------------------------------------------------------------ the batch run (operational, not findings)
    "RUN_closing": "处理 {total} 个工作簿{skipped}：{ok} 成功，{unreadable} 无法读取；错误 {errors} 条，警告 {warnings} 条；用时 {seconds:.1f} 秒",
    "RUN_where": "；结果在 {output}，汇总见 {summary}",
    "RUN_empty": "输入目录 {path} 中没有工作簿：请把各单位填好的工作簿（.xlsx）直接放进这个目录{subfolders}，然后再运行",
    "RUN_empty_subfolders": "（子文件夹中的文件不会被处理，找到子文件夹：{names}）",
    "RUN_interrupted": "已中断。已写好的输出保留；再次运行会补齐未完成的部分。",
    "RUN_config_used": "使用配置文件 {path}",
    "RUN_config_default": "未找到 config.toml，使用内置默认配置（可用 --config 指定配置文件）",
    "RUN_skipped": "（{n} 个未变化，沿用上次结果）",
    "RUN_input_missing": "找不到输入目录 {path}：请创建它并放入要处理的工作簿，或用 --input 指定目录",
    "RUN_input_not_dir": "输入路径 {path} 不是目录：请用 --input 指定存放工作簿的目录",
    "RUN_input_unreadable": "无法读取输入目录 {path}（{error}）：请检查权限",
    "RUN_output_not_dir": "输出路径 {path} 已存在且不是目录：请删除或改名，或用 --output 指定其他目录",
    "RUN_output_is_input": "输出目录与输入目录相同（{path}）：请用 --output 指定另一个目录",
    "RUN_output_unwritable": "无法写入输出目录 {path}（{error}）：请检查权限和磁盘空间，或用 --output 指定其他目录",
    "RUN_already_running": "另一个批处理正在写入 {path}：请等它结束后再运行",
    "RUN_doc_shape": "{key} 应为{want}",
    "RUN_doc_nesting": "嵌套层数过深",
    "RUN_doc_not_json": "不是有效的 JSON",
    "RUN_doc_invalid": "提示：{path} 不是本程序写出的格式（{why}），未计入汇总和跨年度比对：删除该文件夹，或放回原工作簿重新运行",
    "RUN_findings_unreadable": "findings.json 无法读取，请用 --force 重新运行",
    "RUN_unwritten": "{name} 无法写入（{reason}）：{todo}",
    "RUN_unwritten_busy": "请在 Excel/WPS 中关闭该文件后重新运行",
    "RUN_unwritten_busy_or_denied": "请关闭打开该文件的程序（Excel/WPS），并确认该文件不是只读，然后重新运行",
    "RUN_unwritten_full": "请清理磁盘空间后重新运行",
    "RUN_unwritten_denied": "请检查该文件及所在目录是否只读、是否有写入权限，然后重新运行",
    "RUN_unwritten_blocked": "请把占着该位置的同名文件或目录移走、改名后重新运行",
    "RUN_unwritten_other": "请检查输出目录后重新运行",
    "RUN_unwritten_line": "警告：{path} 无法写入（{reason}）：{todo}。该工作簿的上次输出全部保留，其他工作簿照常处理",
    "RUN_unwritten_batch": "警告：{path} 无法写入（{reason}）：{todo}。保留上次的 {name}，其他输出已写好",
    "RUN_closing_unwritten": "；未能写入（原文件保留）：{files}",
    "RUN_manifest_unwritable": "警告：清单 {path} 无法写入（{error}）：本次输出已写好，但下次运行会重新处理这些工作簿；{todo}",
    "RUN_manifest_unopenable": "无法打开或写入清单 {path}（{error}）：本次没有改写任何输出；{todo}",
    "RUN_decisions_unwritable": "清单 {path} 无法写入（{error}），读回的审核处理无法保存：本次没有改写任何输出；{todo}",
    "RUN_manifest_busy": "清单 {path} 正被另一个程序写入（等了 {seconds:g} 秒仍未释放），本次运行已停止："
    "已写好的输出和已读取的审核处理都保留；请关闭占用它的程序（或等另一次运行结束）后重新运行",
    "RUN_manifest_rebuilt": "提示：清单 {path} {why}，已另存为 {copy} 并重建：本次会重新处理全部工作簿",
    "RUN_manifest_damaged": "已损坏",
    "RUN_manifest_foreign": "不是本程序这一版本的格式",
    "RUN_manifest_link": "提示：清单 {path} 是一个链接，已删除该链接（不动它指向的文件）并新建清单",
    "RUN_skipped_dot": "提示：已跳过 {name}：文件名以“.”开头（隐藏文件），如需处理请去掉开头的“.”",
    "RUN_skipped_special": "提示：已跳过 {name}：它不是普通文件（管道、设备、套接字或失效的链接）",
    "RUN_input_in_output": "输入目录 {input} 位于输出目录 {output} 之内（或就是同一目录）：输出可能覆盖输入，"
    "之后的运行也会把输出当作输入；请把输入目录移到输出目录之外，或用 --output 指定另一个目录",
    "RUN_output_in_input": "输出目录 {output} 位于输入目录 {input} 之内：之后的运行会把输出当作输入；"
    "请用 --output 指定输入目录之外的目录",
    "RUN_worker_died": "处理进程意外退出，可能是内存不足",
    "RUN_worker_silent": "处理进程未返回结果",
    "BUNDLE_done": "已写好离线安装包 {path}（{mb:.0f} MB）：拷到目标电脑解压后双击“生成报告.bat”即可，安装时不需要联网（见 README“离线安装”）",
    "CLI_no_output": "找不到输出目录 {path}：{run}，或用 --output 指定批处理的输出目录",
    "CLI_nothing_yet": "{path} 中还没有处理记录：{run}",
    "CLI_run_hint": "先运行 make reports（或 {command} run）",
    "CLI_run_hint_windows": "先双击“生成报告.bat”（或运行 {command} run）",
    "CLI_unwritable": "无法写入 {path}（{reason}）：请换一个位置或文件名后重试",
    "CLI_export_not_dir": "{path} 已存在且是文件，不是目录：请指定一个目录（不存在时会自动创建）",
    "CLI_no_pyarrow": "导出 parquet 需要 pyarrow（约 55 MB 下载、170 MB 安装，未列为依赖，离线安装包中也没有）："
    "请先运行 {python} -m pip install pyarrow，或改用 --format csv",
    "CLEAN_done": "已删除 {path} 中 {n} 个生成的文件；审核处理记录（.manifest.sqlite）保留{edited}{unknown}",
    "CLEAN_kept_edited": "；{n} 个生成后被改过的文件保留（多为审核人填写过）：{files}",
    "CLEAN_kept_unknown": "；{n} 个不是本程序生成的文件保留",
    "CLEAN_no_manifest": "{path} 中没有处理清单，无法区分生成的文件和其他文件，未删除任何文件：如确需清空，请手工删除",
    "CLEAN_nothing": "{path} 中没有要删除的文件",
    "CLI_check_one": "check 一次检查一个工作簿（多出的：{extra}）：请逐个检查，或把它们放进一个目录后用 run --input 目录 一起处理",
    "CLI_run_no_files": "run 处理整个输入目录，不接收文件名（{extra}）：检查一个工作簿请用 check 文件；"
    "处理这些工作簿请把它们放进输入目录（或一个新目录，用 run --input 目录）",
    "CRASH_fault": "程序出错（{error}）：这是程序缺陷，不是你的操作或工作簿的问题；请把错误日志发给维护人员",
    "CRASH_memory": "内存不足，程序已停止：请关闭其他程序后重试，或用 --jobs 1 少开几个处理进程",
    "CRASH_os": "读写文件时出错（{reason}）{path}：请检查该文件或目录（权限、磁盘空间、网络共享）后重试",
    "CRASH_log": "。详细信息在 {path}（加 --debug 可直接显示）",
    "CRASH_no_log": "。错误日志无法写入：加 --debug 可显示详细信息",
    "RUN_unreadable_named": "；无法读取的：{files}（原因见各自文件夹中的 findings.json）",
    "RUN_unreadable_more": " 等 {n} 个",
    "RUN_program_fault": "处理该工作簿时程序出错（{error}）：这是程序缺陷，不是工作簿的问题；请把该工作簿和 findings.json 发给维护人员。其他工作簿不受影响",
    # 审核汇总 目标对照 when it has no rows
    "TARGETS_NONE": "批复绩效目标中没有本批次的项目",
    "TARGETS_OFF": "未提供批复绩效目标（config.toml 的 [paths] approved_targets 目录），未做目标对照",
}

# What the operating system said, in Chinese (strerror is English, or the Windows code page's language).
OS_REASONS = {
    "ENOENT": "文件或目录不存在",
    "EACCES": "没有访问权限，或文件正被其他程序（如 Excel、WPS）占用",
    "EPERM": "操作不被允许（没有权限）",
    "EBUSY": "文件正被其他程序占用",
    "ETXTBSY": "文件正被其他程序占用",
    "EISDIR": "这是一个目录，不是文件",
    "ENOTDIR": "路径中有一段不是目录",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "超出磁盘配额",
    "EROFS": "磁盘或目录是只读的",
    "ENAMETOOLONG": "文件名或路径太长",
    "ELOOP": "路径中的符号链接太多（可能循环）",
    "EMFILE": "同时打开的文件太多",
    "ENFILE": "同时打开的文件太多",
    "EIO": "读写磁盘时出错（设备或网络共享可能有问题）",
    "EEXIST": "文件已存在",
    "EINVAL": "文件名或参数无效",
    "ENXIO": "设备不存在或未就绪",
    "ETIMEDOUT": "连接超时（网络共享可能不可用）",
    "EHOSTDOWN": "网络共享所在的电脑不可用",
}
# Windows error numbers that have no errno of their own (sharing and lock violations: open in Excel)
WINERROR_REASONS = {32: "文件正被其他程序（如 Excel、WPS）占用", 33: "文件的一部分被其他程序锁定"}


def os_reason(error: OSError) -> str:
    """The OS error as Chinese words, e.g. 文件或目录不存在; an unknown one keeps its own text."""
    import errno

    winerror = getattr(error, "winerror", None)
    if winerror in WINERROR_REASONS:
        return WINERROR_REASONS[winerror]
    name = errno.errorcode.get(error.errno or 0, "")
    return OS_REASONS.get(name) or error.strerror or str(error) or type(error).__name__


# The spreadsheet reader's errors (python-calamine), as I001_engine says them
ENGINE_WORDS = {
    "XmlError": "工作表的 XML 内容有误",
    "ZipError": "压缩包结构错误",
    "PasswordError": "文件设有打开密码",
    "CalamineError": "内容无法解析",
    "ValueError": "内容无法解析",
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
