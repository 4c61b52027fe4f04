"""The proposal as PDF: the HTML printed on A4 by the system's Chromium (or Chrome).

The HTML is already laid out for A4 (``@page`` rules, page breaks before sections), so printing
it is the faithful route: the PDF has exactly the pages the HTML prints to, with the embedded
font. Chromium stamps the print time into the file; it is replaced by a fixed date so the same
proposal gives the same bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from simulator.errors import TuopinError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executables tried, in order, to print the HTML."""

PRINT_TIMEOUT_SECONDS = 120
"""Longest a print may take before it is given up."""

QUIET_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync")
"""A browser that prints and does nothing else: no network, no first-run, no sync."""

FIXED_DATE = b"D:20000101000000+00'00'"
"""Creation and modification date written into the PDF (reproducible bytes)."""


def browser() -> str | None:
    """The Chromium-family browser that prints, or None when none is installed."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_pdf(html: str) -> bytes:
    """Print ``html`` (a complete, self-contained document) to PDF on A4."""
    executable = browser()
    if executable is None:
        raise TuopinError("the PDF is printed by Chromium, which is not installed (Debian: "
                          "apt install chromium); ask for --format html,xlsx instead")
    with tempfile.TemporaryDirectory(prefix="tuopin-pdf-") as work:
        page = Path(work) / "proposal.html"
        page.write_text(html, encoding="utf-8")
        target = Path(work) / "proposal.pdf"
        command = [executable, *QUIET_FLAGS, "--no-pdf-header-footer",
                   f"--print-to-pdf={target}",
                   f"--user-data-dir={Path(work) / 'profile'}", page.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_SECONDS,
                           check=False)
        except subprocess.TimeoutExpired as exc:
            raise TuopinError(f"printing the PDF took more than {PRINT_TIMEOUT_SECONDS} s") \
                from exc
        if not target.is_file() or target.stat().st_size == 0:
            raise TuopinError(f"{Path(executable).name} did not print the PDF")
        return _fixed_dates(target.read_bytes())


def page_count(pdf: bytes) -> int:
    """Pages in a PDF (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _fixed_dates(pdf: bytes) -> bytes:
    """Replace the creation and modification dates by :data:`FIXED_DATE`, keeping every byte
    offset (the cross-reference table points into the file)."""
    def fixed(match: re.Match[bytes]) -> bytes:
        original = match.group(0)
        return (b"(" + FIXED_DATE + b")").ljust(len(original), b" ")[:len(original)]

    return re.sub(rb"\(D:\d{14}[^)]*\)", fixed, pdf)
