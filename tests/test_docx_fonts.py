"""The Word proposal carries its Chinese font and page numbers, so that it prints as written on
a machine without Chinese fonts (Word, WPS and LibreOffice read embedded fonts)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from simulator.fonts import CJK_FAMILY
from simulator.proposal.docx_fonts import obfuscate


def _embedded_font(document: Path):
    from fontTools.ttLib import TTFont

    package = zipfile.ZipFile(document)
    table = package.read("word/fontTable.xml").decode("utf-8")
    entry = re.search(rf'<w:font w:name="{CJK_FAMILY}">.*?</w:font>', table, re.S)
    assert entry, "the CJK family is not declared in fontTable.xml"
    key = re.search(r'w:fontKey="(\{[0-9A-F-]+\})"', entry.group(0)).group(1)
    relationships = package.read("word/_rels/fontTable.xml.rels").decode("utf-8")
    target = re.search(r'Target="([^"]+)"', relationships).group(1)
    return TTFont(io.BytesIO(obfuscate(package.read(f"word/{target}"), key))), package


def test_docx_embeds_a_truetype_font_with_every_character_it_uses(written: Path) -> None:
    font, package = _embedded_font(written / "proposal.docx")
    assert "glyf" in font and "CFF " not in font  # TrueType outlines: Word accepts no others
    cmap = font.getBestCmap()
    text = "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>",
                              package.read("word/document.xml").decode("utf-8")))
    used = {c for c in text if ord(c) >= 0x2E80}
    assert len(used) > 200  # a Chinese proposal
    assert not {c for c in used if ord(c) not in cmap}
    assert "<w:embedTrueTypeFonts/>" in package.read("word/settings.xml").decode("utf-8")
    styles = package.read("word/styles.xml").decode("utf-8")
    assert f'w:eastAsia="{CJK_FAMILY}"' in styles and "eastAsiaTheme" not in styles
    footer = "".join(package.read(n).decode("utf-8") for n in package.namelist()
                     if n.startswith("word/footer"))
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    assert "第 " in footer and " 页 共 " in footer


def test_obfuscation_is_its_own_inverse_and_reads_the_key_backwards() -> None:
    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    font = bytes(range(40))
    hidden = obfuscate(font, key)
    assert hidden[32:] == font[32:] and hidden != font
    assert obfuscate(hidden, key) == font
    assert hidden[0] == 0 ^ 0xFF and hidden[15] == 15 ^ 0x00 and hidden[16] == 16 ^ 0xFF


def _libreoffice_pdf(document: Path, tmp_path: Path) -> Path:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None or shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        if os.environ.get("TUOPIN_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice and poppler-utils are required but not installed")
        pytest.skip("LibreOffice or poppler-utils not installed (.ci/run installs them)")
    subprocess.run([office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(document)], check=True, capture_output=True, timeout=600)
    return tmp_path / (document.stem + ".pdf")


def test_libreoffice_renders_the_docx_with_the_embedded_font(written: Path,
                                                              tmp_path: Path) -> None:
    pdf = _libreoffice_pdf(written / "proposal.docx", tmp_path)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert re.search(r"NotoSansSC\S*\s.*\byes\b", fonts), fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "以奖代补资金预算方案" in text and "第 1 页 共" in text


@pytest.mark.slow
def test_the_default_scenarios_annex_prints_at_most_two_pages_a_village(tmp_path: Path) -> None:
    """ruyuan-2016's 一户一策 (94 villages, the largest of 94 households), as LibreOffice prints
    the Word document: every village starts a page and takes at most two."""
    from simulator.proposal import propose, write_proposal
    from simulator.scenario import load_scenario

    proposal = propose(load_scenario("ruyuan-2016"), reps=20, sensitivity_reps=4)
    write_proposal(proposal, tmp_path / "out", formats=["docx"])
    pdf = _libreoffice_pdf(tmp_path / "out" / "proposal.docx", tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    heading = re.compile(r"村（(\d+) 户）")
    starts = [i for i, page in enumerate(pages) if heading.search(page)]
    source = proposal.allocation.allocation_table()
    villages = set(zip(source["township"], source["village"], strict=True))
    assert len(starts) == len(villages)
    spans = [b - a for a, b in zip(starts, [*starts[1:], len(pages)], strict=True)]
    assert max(spans) <= 2, sorted(spans)[-5:]
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert "NotoSansSC" in fonts
