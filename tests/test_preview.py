"""make preview (point 18 of issue 15): which files, where their pages go, and the font mapping.
LibreOffice itself is not run here (minutes, and not on every machine)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.render import wordml
from pipeline.render.preview import FONTS_CONF, PDF_FILTER, SUMMARY_FOLDER, sources


def test_every_output_and_the_batch_summary_are_previewed_one_folder_per_input(tmp_path: Path):
    for folder in ("甲单位2021", "乙单位2021"):  # two inputs whose projects share one name
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "同名项目_绩效自评报告.docx").write_bytes(b"x")
        (tmp_path / folder / "同名项目_绩效自评表.xlsx").write_bytes(b"x")
        (tmp_path / folder / "findings.json").write_text("{}")
    (tmp_path / "审核汇总.xlsx").write_bytes(b"x")
    found = sources(tmp_path, "审核汇总.xlsx")
    assert [(p.name, folder) for p, folder in found] == [
        ("同名项目_绩效自评报告.docx", "乙单位2021"),
        ("同名项目_绩效自评表.xlsx", "乙单位2021"),
        ("同名项目_绩效自评报告.docx", "甲单位2021"),
        ("同名项目_绩效自评表.xlsx", "甲单位2021"),
        ("审核汇总.xlsx", SUMMARY_FOLDER),
    ]


def test_the_official_fonts_map_to_distinct_look_alikes():
    """仿宋 / 楷体 / 黑体 / 小标宋 each get a different first choice, so headings look like headings."""
    root = ET.parse(FONTS_CONF).getroot()
    first = {alias.find("family").text: alias.find("prefer/family").text for alias in root.iter("alias")}
    official = (wordml.FANGSONG, wordml.KAITI, wordml.HEITI, wordml.XIAOBIAOSONG)
    assert all(name in first for name in official)
    assert len({first[name] for name in official}) == len(official)
    assert first[wordml.FANGSONG] == "FandolFang" and first[wordml.KAITI] == "FandolKai"


def test_word_previews_keep_the_blank_page_before_an_odd_page_section():
    assert '"IsSkipEmptyPages":{"type":"boolean","value":"false"}' in PDF_FILTER
