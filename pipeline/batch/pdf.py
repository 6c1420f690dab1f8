"""A .docx as PDF through LibreOffice, when it is installed (optional everywhere it is used).

LibreOffice runs headless with a profile of its own in a temporary folder, so a LibreOffice the user
has open neither swallows the conversion nor is disturbed by it. Fonts are embedded by its PDF export.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..render.preview import FONTS_CONF

NAMES = ("soffice", "libreoffice")
TIMEOUT = 300


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def docx_to_pdf(data: bytes, stem: str = "document") -> bytes | None:
    """The PDF of a .docx, or None when LibreOffice is missing or could not convert it."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="jixiao-pdf-") as work:
        folder = Path(work)
        source = folder / f"{stem}.docx"
        source.write_bytes(data)
        # on Linux the official font names (仿宋_GB2312 …) map to installed look-alikes, as `make
        # preview` maps them, so the embedded fonts look like the documents' own
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)} if os.name != "nt" else None
        try:
            subprocess.run(
                [
                    program,
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                check=False,
                capture_output=True,
                timeout=TIMEOUT,
                env=env,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        pdf = folder / f"{stem}.pdf"
        return pdf.read_bytes() if pdf.is_file() else None
