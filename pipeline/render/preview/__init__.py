"""`make preview`: the outputs as LibreOffice prints them, PDF and one PNG a page, for a look by eye.

One folder per input (its output folder's name, which is unique) so that two projects of the same
name never overwrite each other's pages; the batch's 审核汇总.xlsx gets a folder of its own.
The documents keep the official font names (仿宋_GB2312 …); `fonts.conf` maps each to a different
installed look-alike for the preview only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FONTS_CONF = Path(__file__).parent / "fonts.conf"
SUMMARY_FOLDER = "审核汇总"
# PDF export keeps the blank page LibreOffice inserts before an odd-page section: what duplex prints
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
PNG_DPI = "70"


@dataclass(frozen=True)
class Preview:
    source: Path
    pdf: Path | None  # None when LibreOffice could not convert it
    pages: tuple[Path, ...]


def sources(output: Path, summary_name: str) -> list[tuple[Path, str]]:
    """(file, preview folder name) of every report, scored workbook and the batch summary."""
    found = [(p, p.parent.name) for p in sorted(output.glob("*/*")) if p.suffix in (".xlsx", ".docx")]
    summary = output / summary_name
    if summary.is_file():
        found.append((summary, SUMMARY_FOLDER))
    return found


def render(soffice: str, files: list[tuple[Path, str]], target: Path) -> list[Preview]:
    """Convert each file to PDF, then every page to PNG (pdftoppm, when installed)."""
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    pdftoppm = shutil.which("pdftoppm")
    out = []
    # a profile of its own: a LibreOffice the user has open does not swallow the conversion
    with tempfile.TemporaryDirectory(prefix="preview-lo-") as profile:
        for source, folder in files:
            where = target / folder
            where.mkdir(parents=True, exist_ok=True)
            pdf = where / (source.stem + ".pdf")
            pdf.unlink(missing_ok=True)
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={Path(profile).as_uri()}",
                    "--headless",
                    "--convert-to",
                    PDF_FILTER if source.suffix == ".docx" else "pdf",
                    "--outdir",
                    str(where),
                    str(source),
                ],
                check=False,
                capture_output=True,
                timeout=300,
                env=env,
            )
            if not pdf.exists():
                out.append(Preview(source, None, ()))
                continue
            for old in where.glob(f"{source.stem}-*.png"):
                old.unlink()
            if pdftoppm:  # every page, not the first two
                subprocess.run(
                    [pdftoppm, "-png", "-r", PNG_DPI, str(pdf), str(where / source.stem)],
                    check=False,
                    capture_output=True,
                    timeout=300,
                )
            pages = tuple(sorted(where.glob(f"{source.stem}-*.png")))
            out.append(Preview(source, pdf, pages))
    return out
