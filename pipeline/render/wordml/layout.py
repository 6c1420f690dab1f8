"""The GB/T 9704-2012 page in numbers (twips, points, characters) and the report's fonts: what the
renderers need at every report. page.py writes them into the base package with python-docx, which a
report never needs (wordml/package.py keeps what it builds)."""

from __future__ import annotations

import math

# ---------------------------------------------------------------- GB/T 9704-2012 page, in twips
PAGE_W, PAGE_H = 11906, 16838  # A4
TEXT_WIDTH = 8844  # 版心 156 mm
# a landscape section: the 版心 turned (225 × 156 mm), 订口 (28 mm) at the top, the page number below
LANDSCAPE_WIDTH = 12756  # 225 mm
LANDSCAPE_MARGINS = '<w:pgMar w:top="1587" w:right="1984" w:bottom="1587" w:left="2098" w:header="850" w:footer="680" w:gutter="0"/>'
CHARS_PER_LINE, BODY_PT, TITLE_PT = 28, 16, 22
TITLE_CHARS = TEXT_WIDTH // 20 / TITLE_PT  # 20 characters of 2号 on a title line
LINE_PITCH = 560  # twips: the fixed 28 pt body line (22 lines in the 225 mm 版心)
# 28 characters a line: the 版心 (442.2 pt) holds 27 of 16 pt, so body text is condensed by a whole
# number of twentieths of a point until 28 fit (-5: 15.75 pt a character, 441 pt a line). A docGrid
# charSpace would do it in Word, but LibreOffice gives every 16 pt character two 15.79 pt grid
# cells (14 a line); condensed spacing lays out the same in Word, WPS and LibreOffice.
CHAR_SPACING = -math.ceil((BODY_PT - TEXT_WIDTH / 20 / CHARS_PER_LINE) * 20)

FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
LATIN = "Times New Roman"
# Fall-backs Word/WPS use when the official font is missing (fontTable altName); previews on
# Linux map them to Noto CJK through fontconfig, so no Linux font name is written into the file.
FONT_TABLE = {FANGSONG: "仿宋", KAITI: "楷体", HEITI: "SimHei", XIAOBIAOSONG: "宋体", SONGTI: "SimSun"}
COMMENT_REFERENCE = "CommentReference"  # the character style of the comment mark
