"""The proposal as a Word document (.docx, opens in Word and WPS): the same sections, tables
and charts as the HTML, for offices that edit and file documents in Word.

Written with python-docx (a well-kept library: the Office Open XML of a Word file is not worth
writing by hand). Charts are the same figures as PNG; tables come from the same
:class:`~simulator.proposal.content.Table` objects, formatted as in the HTML. The file is
reproducible: fixed document dates and zip timestamps.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

from simulator.files import reproducible_zip
from simulator.labels import Language
from simulator.proposal.content import Proposal, Table
from simulator.proposal.docx_fonts import EMBEDDED_FAMILY, embed_cjk_font
from simulator.proposal.html import format_cell
from simulator.proposal.text import word

CHART_WIDTH_CM = 16.0
"""Width of a chart on an A4 page with 2.5 cm margins [cm]."""


LONG_TABLE_ROWS = 400
"""Tables longer than this (the household list) stay in the workbook, not the document."""


def render_docx(proposal: Proposal, summary: dict[str, Any], tables: dict[str, Table],
                figures: dict[str, Any], lang: Language) -> bytes:
    """The document's bytes; ``figures`` maps each chart name to its rendered
    ``{"png": …, "svg": …}``."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    document.core_properties.author = "tuopin"
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    _set_fonts(document)
    _page_numbers(section, lang)

    years = proposal.plan_years()
    county = proposal.scenario.county or proposal.scenario.display_name(lang)
    title = word("title", lang, county=county)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(word("subtitle", lang, scenario=proposal.scenario.display_name(lang),
                                first=years[0], last=years[-1]))
    _table(document, tables["cover"])
    binding = proposal.prices_text(summary, lang, capacities_only=True)
    if binding:
        document.add_paragraph(binding)
    for text in proposal.goal_texts(summary, lang):
        document.add_paragraph(text)

    def chart(name: str) -> None:
        document.add_picture(io.BytesIO(figures[name]["png"]),
                             width=Cm(CHART_WIDTH_CM))

    document.add_heading(word("section_allocation", lang), level=1)
    document.add_paragraph(word("allocation_intro", lang))
    document.add_paragraph(proposal.budget_rule_text(summary, lang))
    for text in proposal.request_texts(summary, lang):
        document.add_paragraph(text)
    for text in (proposal.prices_text(summary, lang), proposal.coverage_text(summary, lang)):
        if text:
            document.add_paragraph(text)
    limits = proposal.limits_text(summary, lang)
    if limits:
        document.add_paragraph(limits)
    for year, amount in proposal.over_budget(summary):
        document.add_paragraph(word("over_budget", lang, year=year, amount=f"{amount:,.2f}"))
    for key, heading in (("instrument", "by_instrument"), ("township", "by_township"),
                         ("year", "by_year")):
        document.add_heading(word(heading, lang), level=2)
        _table(document, tables[key])
    document.add_heading(word("assistance_title", lang), level=2)
    for text in proposal.assistance_texts(summary, lang):
        document.add_paragraph(text)
    _table(document, tables["assistance"])
    for name in ("outlays_by_year", "exits_by_year", "income_fan"):
        chart(name)
    document.add_paragraph(word("households_sheet_note", lang))
    document.add_paragraph(word("per_household_note", lang))
    if "frontier" in tables:
        document.add_heading(word("section_asking", lang), level=1)
        for text in proposal.asking_texts(summary, lang):
            document.add_paragraph(text)
        chart("frontier")
        document.add_paragraph(word("frontier_intro", lang,
                                    share=f"{summary['budget_rule']['confidence']:.0%}"))
        _table(document, tables["frontier"])
    document.add_heading(word("section_comparison", lang), level=1)
    document.add_paragraph(word("comparison_intro", lang))
    _table(document, tables["comparison"])
    programme = proposal.programme_text(summary, lang)
    if programme:
        document.add_paragraph(programme)
    chart("comparison")
    document.add_heading(word("section_sensitivity", lang), level=1)
    document.add_paragraph(word("sensitivity_intro", lang))
    chart("tornado")
    _table(document, tables["sensitivity"])
    document.add_heading(word("section_risks", lang), level=1)
    document.add_paragraph(word("risks", lang))
    document.add_paragraph(word("assumptions_intro", lang))
    _table(document, tables["assumptions"])
    document.add_heading(word("references_sheet", lang), level=2)
    document.add_paragraph(word("references_intro", lang))
    _table(document, tables["references"])
    document.add_heading(word("section_method", lang), level=1)
    document.add_paragraph(word("method", lang))
    document.add_paragraph(word("prepared", lang, version=_version(),
                                seed=summary["out_of_sample"]["seed"],
                                reps=summary["out_of_sample"]["replications"]))
    _per_household_annex(document, tables["per_household"], lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return reproducible_zip(embed_cjk_font(buffer.getvalue()))


def _set_fonts(document: Any) -> None:
    """Every style in the embedded CJK family (Latin and East Asian text alike): the template's
    headings name theme fonts, which would override a family set on Normal alone."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for properties in [run_defaults, *styles.iter(qn("w:rPr"))]:
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        for attribute in list(fonts.attrib):
            if attribute.endswith("Theme"):
                del fonts.attrib[attribute]
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{script}"), EMBEDDED_FAMILY)


def _page_numbers(section: Any, lang: Language) -> None:
    """"第 X 页 共 Y 页" centred in the footer (later sections inherit it)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, between, after = word("page_of", lang, page="\0", pages="\0").split("\0")
    for text, field in ((before, "PAGE"), (between, "NUMPAGES"), (after, None)):
        if text:
            paragraph.add_run(text)
        if field:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            placeholder = OxmlElement("w:t")
            placeholder.text = "1"
            run.append(placeholder)
            simple.append(run)
            paragraph._p.append(simple)


def _table(document: Any, table: Table) -> None:
    """A table with a bold header row, cells formatted as in the HTML."""
    rows = table.rows[:LONG_TABLE_ROWS]
    grid = document.add_table(rows=1 + len(rows), cols=len(table.columns))
    grid.style = "Table Grid"
    # A new table's cells each hold one empty paragraph; a run is added to it. (Setting
    # ``cell.text`` clears and rebuilds the cell, and looking cells up row by row searches the
    # table's XML each time: together most of the household annex's writing time.)
    for heading, cell in zip(table.columns, grid.rows[0].cells, strict=True):
        cell.paragraphs[0].add_run(str(heading)).bold = True
    for i, (row, grid_row) in enumerate(zip(rows, grid.rows[1:], strict=True)):
        for value, kind, cell in zip(row, table.row_of_kinds(i), grid_row.cells, strict=True):
            text = format_cell(value, kind)
            if text:
                cell.paragraphs[0].add_run(text)


def _per_household_annex(document: Any, table: Table, lang: Language) -> None:
    """一户一策 as an annex on A4 landscape: one page per village (township and village in
    the heading, not repeated in every row), for the village cadres who carry it out."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    document.add_heading(word("per_household_annex", lang), level=1)
    document.add_paragraph(word("per_household_intro", lang))
    # rows come sorted by township, village, household (content.per_household_table)
    villages = itertools.groupby(table.rows, key=lambda row: (row[0], row[1]))
    for n, ((township, village), rows) in enumerate(villages):
        if n:
            document.add_page_break()
        document.add_heading(f"{township} {village}", level=2)
        _table(document, Table(table.key, table.title, table.columns[2:], table.kinds[2:],
                               [row[2:] for row in rows]))


def _version() -> str:
    from simulator.version import __version__

    return __version__


__all__ = ["render_docx"]
