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
from simulator.fonts import CJK_FAMILY
from simulator.labels import Language
from simulator.proposal.content import Proposal, Table
from simulator.proposal.docx_fonts import embed_cjk_font
from simulator.proposal.html import format_cell
from simulator.proposal.text import PREVIEW_COLOUR, page_of_parts, word

A4_CM = (21.0, 29.7)
"""Width and height of an A4 page, portrait [cm]."""

CHART_WIDTH_CM = 16.0
"""Width of a chart on an A4 page with 2.5 cm margins [cm]."""


ANNEX_FONT_PT = 7.0
"""Font size of the 一户一策 lists [pt]."""

ANNEX_LINE_PT = 8.5
"""Exact line height in the 一户一策 lists [pt]: about 50 one-line rows to a landscape page, so
that the largest village (94 households in ruyuan-2016) takes two."""

ANNEX_SIDE_MARGIN_CM = 1.2
ANNEX_TOP_MARGIN_CM = 1.2
"""Margins of the annex's landscape pages [cm]."""

ANNEX_COLUMN_CM = {"household_id": 1.8, "head_name": 1.5, "people_labour": 1.3,
                   "measures_from": 7.4, "money_total": 1.6, "money_placed": 1.8,
                   "chances": 1.8, "head_signature": 1.4, "poverty_cause": 1.5, "helper": 1.5}
"""Width of each annex column but the reason, which takes the rest [cm]."""

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
    section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
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
    if proposal.scenario.simulation.preview:
        from docx.shared import RGBColor

        mark = document.add_paragraph().add_run(word("preview_mark", lang))
        mark.bold, mark.font.color.rgb = True, RGBColor.from_string(PREVIEW_COLOUR.lstrip("#"))
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
    for text in proposal.equity_texts(lang):
        document.add_paragraph(text)
    if tables["equity"].rows:
        _table(document, tables["equity"])
    document.add_paragraph(word("assumptions_intro", lang))
    _table(document, tables["assumptions"])
    document.add_heading(word("references_sheet", lang), level=2)
    document.add_paragraph(word("references_intro", lang))
    _table(document, tables["references"])
    document.add_heading(word("section_method", lang), level=1)
    document.add_paragraph(word("method", lang))
    document.add_paragraph(word("settings_intro", lang))
    _table(document, tables["settings"])
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
            fonts.set(qn(f"w:{script}"), CJK_FAMILY)


def _page_numbers(section: Any, lang: Language) -> None:
    """"第 X 页 共 Y 页" centred in the footer (later sections inherit it)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, between, after = page_of_parts(lang)
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


def _table(document: Any, table: Table, widths: list[float] | None = None) -> None:
    """A table with a bold header row, cells formatted as in the HTML. With ``widths`` [cm],
    a printed list (一户一策): fixed column widths, a small font in exact lines, and the header
    row repeated on every page the table runs to."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    rows = table.rows[:LONG_TABLE_ROWS]
    printed = widths is not None and len(rows) > 1
    # a printed list's rows are copies of its first, texts changed: python-docx formats each
    # cell through several lookups, most of the annex's writing time
    grid = document.add_table(rows=2 if printed else 1 + len(rows), cols=len(table.columns))
    grid.style = "Table Grid"
    if widths is not None:
        grid.autofit = False
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        grid._tbl.tblPr.append(layout)
        for column, width in zip(grid.columns, widths, strict=True):
            column.width = Cm(width)
        grid.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    size, line = Pt(ANNEX_FONT_PT), Pt(ANNEX_LINE_PT)

    def fill(cell: Any, text: str, j: int, bold: bool = False) -> None:
        # A new table's cells each hold one empty paragraph; a run is added to it. (Setting
        # ``cell.text`` clears and rebuilds the cell, and looking cells up row by row searches
        # the table's XML each time: together most of the household annex's writing time.)
        paragraph = cell.paragraphs[0]
        if widths is not None:
            cell.width = Cm(widths[j])
            _exact_lines(paragraph, line)
        if text:
            run = paragraph.add_run(text)
            run.bold = bold or None
            if widths is not None:
                run.font.size = size

    for j, (heading, cell) in enumerate(zip(table.columns, grid.rows[0].cells, strict=True)):
        fill(cell, str(heading), j, bold=True)
    texts = [[format_cell(value, kind) for value, kind in zip(row, table.row_of_kinds(i),
                                                                strict=True)]
             for i, row in enumerate(rows)]
    if printed:
        for j, cell in enumerate(grid.rows[1].cells):
            fill(cell, TEMPLATE_TEXT, j)  # one run in every cell, for the copies' texts
        _copy_rows(grid, texts)
        return
    for row_texts, grid_row in zip(texts, grid.rows[1:], strict=True):
        for j, (text, cell) in enumerate(zip(row_texts, grid_row.cells, strict=True)):
            fill(cell, text, j)


TEMPLATE_TEXT = "—"
"""The text of a printed list's template row (replaced in every copy)."""


def _copy_rows(grid: Any, texts: list[list[str]]) -> None:
    """The table's rows after the header: one copy of its template row (its second, one run
    in each cell) per row of ``texts``, each run holding that row's text; the template goes."""
    import copy

    from docx.oxml.ns import qn

    template = grid.rows[1]._tr
    preserve = qn("xml:space")
    for row_texts in texts:
        row = copy.deepcopy(template)
        for element, text in zip(row.iter(qn("w:t")), row_texts, strict=True):
            element.text = text
            if text != text.strip():  # Word drops spaces at either end unless told
                element.set(preserve, "preserve")
        template.addprevious(row)
    template.getparent().remove(template)


def _per_household_annex(document: Any, table: Table, lang: Language) -> None:
    """一户一策 as an annex on A4 landscape, for the village cadres who carry it out: a page
    per village (two for a large one), township and village in the heading rather than in
    every row, columns sized to their content, the header row repeated on a second page, and
    the lines the village signs below its list."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(A4_CM[1]), Cm(A4_CM[0])
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(ANNEX_SIDE_MARGIN_CM))
    for side in ("top_margin", "bottom_margin"):
        setattr(section, side, Cm(ANNEX_TOP_MARGIN_CM))
    document.add_heading(word("per_household_annex", lang), level=1)
    document.add_paragraph(word("per_household_intro", lang))
    columns, kinds = table.columns[2:], table.kinds[2:]
    widths = _annex_widths(columns, lang)
    # rows come sorted by township, village, household (content.per_household_table)
    villages = itertools.groupby(table.rows, key=lambda row: (row[0], row[1]))
    for n, ((township, village), rows) in enumerate(villages):
        rows = [row[2:] for row in rows]
        heading = document.add_heading(
            f"{township} {village}（{len(rows)} {word('households_word', lang)}）", level=2)
        # a new page from the heading on (a page-break paragraph left a blank page behind a
        # village whose list filled its last page)
        heading.paragraph_format.page_break_before = n > 0
        _table(document, Table(table.key, table.title, columns, kinds, rows), widths)
        document.add_paragraph(word("village_signatures", lang))


def _annex_widths(columns: list[str], lang: Language) -> list[float]:
    """Column widths of the annex's village tables [cm]: the reason takes what the others
    leave of the landscape page."""
    fixed = {word(key, lang): width for key, width in ANNEX_COLUMN_CM.items()}
    taken = sum(fixed.get(c, 0.0) for c in columns)
    usable = A4_CM[1] - 2 * ANNEX_SIDE_MARGIN_CM
    return [fixed.get(c, usable - taken) for c in columns]


def _exact_lines(paragraph: Any, height: Any) -> None:
    """Single lines of exactly ``height``, no space around the paragraph."""
    from docx.enum.text import WD_LINE_SPACING

    formatting = paragraph.paragraph_format
    formatting.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    formatting.line_spacing = height
    formatting.space_before = formatting.space_after = 0


def _version() -> str:
    from simulator.version import __version__

    return __version__


__all__ = ["render_docx"]
