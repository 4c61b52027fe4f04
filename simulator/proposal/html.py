"""The proposal as one self-contained HTML file: inline CSS, inline SVG charts, and a subset of
the CJK font embedded, so it looks the same on any machine and prints cleanly on A4.

Charts are SVG with glyphs drawn as paths (matplotlib's default), so they need no font at all;
the page text uses the embedded font subset (only the characters the page uses, a few tens of
kilobytes) before any installed one.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from simulator.fonts import CJK_FAMILY, cjk_subset
from simulator.labels import Language
from simulator.proposal.content import Proposal, Table
from simulator.proposal.text import PREVIEW_COLOUR, page_of_parts, word
from simulator.units import YUAN_PER_WAN
from simulator.version import __version__

CSS = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "tuopin CJK", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
       "PingFang SC", sans-serif; color: #1a1a1a; max-width: 182mm; margin: 0 auto;
       padding: 8mm 4mm; font-size: 10.5pt; line-height: 1.55; background: #fff; }
h1 { font-size: 19pt; margin: 0 0 2mm; color: #8b0000; }
h2 { font-size: 14pt; border-bottom: 2px solid #8b0000; padding-bottom: 1mm; margin-top: 9mm;
     break-after: avoid; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm; break-after: avoid; }
.subtitle { color: #555; margin: 0 0 6mm; }
.cover { border: 1px solid #ccc; padding: 6mm; margin-bottom: 6mm; break-inside: avoid; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(40mm, 1fr));
            gap: 4mm; }
.provenance { font-size: 8.5pt; margin-top: -3mm; }
.provenance th { width: 22%; }
.figure-box { background: #f6f1ea; padding: 4mm; border-radius: 2mm; }
.figure-box .label { color: #555; font-size: 9.5pt; }
.figure-box .value { font-size: 17pt; font-weight: bold; color: #8b0000; }
.figure-box .note { font-size: 8.5pt; color: #555; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9pt;
        break-inside: auto; }
th, td { border: 1px solid #bbb; padding: 1mm 1.6mm; vertical-align: top; }
th { background: #efe7dc; text-align: left; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #faf7f2; }
tr { break-inside: avoid; }
figure { margin: 3mm 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; }
.preview-mark { border: 2px solid {preview}; color: {preview}; font-weight: bold;
                padding: 2mm 3mm; }
.warning { background: #fff3cd; border-left: 4px solid #e0a800; padding: 2mm 3mm; }
.small { font-size: 8pt; color: #444; table-layout: fixed; }
.small td { overflow-wrap: anywhere; }
.small td, .small th { font-size: 7.5pt; }
footer { margin-top: 8mm; font-size: 8pt; color: #777; }
@media print { body { padding: 0; } h2 { break-before: auto; } }
"""


def render_html(proposal: Proposal, summary: dict[str, Any], tables: dict[str, Table],
                figures: dict[str, Any], lang: Language) -> str:
    """The complete HTML document; ``figures`` maps each chart name to its rendered
    ``{"png": …, "svg": …}``."""
    years = proposal.plan_years()
    county = proposal.scenario.county or proposal.scenario.display_name(lang)
    title = word("title", lang, county=county)
    subtitle = word("subtitle", lang, scenario=proposal.scenario.display_name(lang), first=years[0],
                    last=years[-1])
    prepared = word("prepared", lang, version=__version__, seed=summary["out_of_sample"]["seed"],
                    reps=summary["out_of_sample"]["replications"])
    warnings = [word("over_budget", lang, year=year, amount=f"{amount:,.2f}")
                for year, amount in proposal.over_budget(summary)]
    parts = [
        *([f"<p class='preview-mark' id='preview-mark'>{_e(word('preview_mark', lang))}</p>"]
          if proposal.scenario.simulation.preview else []),
        f"<h1 id='cover'>{_e(title)}</h1>",
        f"<p class='subtitle'>{_e(subtitle)}</p>",
        _cover(proposal, summary, lang),
        _provenance(proposal, lang),
        *[f"<p class='warning'>{_e(text)}</p>"
          for text in [proposal.prices_text(summary, lang, capacities_only=True)] if text],
        *[f"<p>{_e(text)}</p>" for text in proposal.goal_texts(summary, lang)],
        f"<h2 id='allocation'>{_e(word('section_allocation', lang))}</h2>",
        f"<p>{_e(word('allocation_intro', lang))}</p>",
        f"<p>{_e(proposal.budget_rule_text(summary, lang))}</p>",
        *[f"<p>{_e(text)}</p>" for text in proposal.request_texts(summary, lang)],
        *[f"<p>{_e(text)}</p>" for text in [proposal.prices_text(summary, lang)] if text],
        *[f"<p>{_e(text)}</p>" for text in [proposal.coverage_text(summary, lang)] if text],
        *[f"<p>{_e(text)}</p>" for text in [proposal.limits_text(summary, lang)] if text],
        *[f"<p class='warning'>{_e(text)}</p>" for text in warnings],
        f"<h3>{_e(word('by_instrument', lang))}</h3>", _table(tables["instrument"]),
        f"<h3>{_e(word('by_township', lang))}</h3>", _table(tables["township"]),
        f"<h3>{_e(word('by_year', lang))}</h3>", _table(tables["year"]),
        f"<h3>{_e(word('assistance_title', lang))}</h3>",
        *[f"<p>{_e(text)}</p>" for text in proposal.assistance_texts(summary, lang)],
        _table(tables["assistance"]),
        _figure(figures["outlays_by_year"]), _figure(figures["exits_by_year"]),
        _figure(figures["income_fan"]),
        f"<p>{_e(word('households_sheet_note', lang))}</p>",
        f"<p>{_e(word('per_household_note', lang))}</p>",
        *_asking(proposal, summary, tables, figures, lang),
        f"<h2 id='comparison'>{_e(word('section_comparison', lang))}</h2>",
        f"<p>{_e(word('comparison_intro', lang))}</p>", _table(tables["comparison"]),
        *[f"<p>{_e(text)}</p>" for text in [proposal.programme_text(summary, lang)] if text],
        _figure(figures["comparison"]),
        f"<h2 id='sensitivity'>{_e(word('section_sensitivity', lang))}</h2>",
        f"<p>{_e(word('sensitivity_intro', lang))}</p>", _figure(figures["tornado"]),
        _table(tables["sensitivity"], small=True),
        f"<h2 id='risks'>{_e(word('section_risks', lang))}</h2>",
        f"<p>{_e(word('risks', lang))}</p>",
        *[f"<p>{_e(text)}</p>" for text in proposal.equity_texts(lang)],
        *([_table(tables["equity"])] if tables["equity"].rows else []),
        f"<p>{_e(word('assumptions_intro', lang))}</p>",
        _table(tables["assumptions"], small=True),
        f"<h3 id='references'>{_e(word('references_sheet', lang))}</h3>",
        f"<p>{_e(word('references_intro', lang))}</p>",
        _table(tables["references"], small=True),
        f"<h2 id='method'>{_e(word('section_method', lang))}</h2>",
        f"<p>{_e(word('method', lang))}</p>",
        f"<p>{_e(word('settings_intro', lang))}</p>",
        _table(tables["settings"], small=True),
        f"<footer>{_e(prepared)}</footer>",
    ]
    body = "\n".join(parts)
    page_rule, page_words = _page_numbers(lang)
    font = _font_face(_visible_text(body) + page_words)
    return (f"<!DOCTYPE html>\n<html lang='{'zh-CN' if lang == 'zh' else 'en'}'>\n<head>\n"
            f"<meta charset='utf-8'>\n<title>{_e(title)}</title>\n"
            f"<style>\n{font}{CSS.replace('{preview}', PREVIEW_COLOUR)}{page_rule}</style>\n"
            f"</head>\n<body>\n{body}\n</body>\n"
            "</html>\n")


def _page_numbers(lang: Language) -> tuple[str, str]:
    """The printed page's footer rule (第 X 页 共 Y 页, a CSS page-margin box, printed by the
    browser and in the PDF) and its words (for the font subset)."""
    before, between, after = page_of_parts(lang)
    content = " ".join(part for part in (_css_string(before), "counter(page)",
                                         _css_string(between), "counter(pages)",
                                         _css_string(after)) if part != "\"\"")
    rule = ("@page { @bottom-center { content: " + content + "; font-family: 'tuopin CJK', "
            "sans-serif; font-size: 8pt; color: #777; } }\n")
    return rule, before + between + after


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (characters kept as they are: the page is UTF-8)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _provenance(proposal: Proposal, lang: Language) -> str:
    """Where the proposal comes from (data, scenario, date, 编制单位, version), under the
    cover's figures."""
    rows = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>"
                   for label, value in proposal.provenance(lang))
    return f"<table class='provenance' id='provenance'><tbody>{rows}</tbody></table>"


def _asking(proposal: Proposal, summary: dict[str, Any], tables: dict[str, Table],
            figures: dict[str, Any], lang: Language) -> list[str]:
    """Section 2, how much to ask for (only when the proposal has the budget frontier)."""
    if "frontier" not in tables:
        return []
    share = f"{summary['budget_rule']['confidence']:.0%}"
    return [f"<h2 id='asking'>{_e(word('section_asking', lang))}</h2>",
            *[f"<p>{_e(text)}</p>" for text in proposal.asking_texts(summary, lang)],
            _figure(figures["frontier"]),
            f"<p>{_e(word('frontier_intro', lang, share=share))}</p>",
            _table(tables["frontier"])]


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _money(yuan: float | None, lang: Language) -> str:
    """An amount in yuan with its unit, or a dash when there is none (nothing added)."""
    return "—" if yuan is None else f"{yuan:,.0f} {word('yuan', lang)}"


def _cover(proposal: Proposal, summary: dict[str, Any], lang: Language) -> str:
    years = proposal.plan_years()
    budgets = {year: amount / YUAN_PER_WAN for year, amount in summary["budgets_yuan"].items()}
    request = summary["request"]
    needed = {year: amount / YUAN_PER_WAN for year, amount in request["by_year_yuan"].items()}
    asked = "".join(f"<div>{_e(word('per_year', lang, year=y))}: "
                    f"{needed[y]:,.0f} {_e(word('wan', lang))}"
                    + (f" ({_e(word('budget', lang))} {budgets[y]:,.0f})"
                       if needed[y] < budgets[y] else "") + "</div>" for y in years)
    added = summary["added_stable_exits"]
    low, high = added["ci95"]
    split = exits_split(summary, lang)
    fiscal = summary["net_fiscal_cost"]

    def wan(yuan: float) -> str:
        return f"{yuan / YUAN_PER_WAN:,.0f}"

    low_cost, high_cost = fiscal["interval_95"]
    fiscal_note = word("fiscal_cover", lang, low=wan(low_cost), high=wan(high_cost),
                       gross=wan(summary["outlays_total"]["mean"]))

    supported = proposal.households_supported()
    share = supported / max(summary["households"], 1)
    of_total = word("of_total", lang, total=f"{summary['households']:,}", share=f"{share:.0%}")
    net = word("net_cost_note", lang,
               amount=_money(summary["net_cost_per_added_stable_exit_yuan"], lang))
    reach = f"{word('supported', lang)} {supported:,} {of_total}"
    rule = summary.get("coverage_rule")
    if rule:
        reach += word("measures_cover", lang, households=f"{rule['households_with_a_measure']:,}",
                      safety_net=f"{rule['households_with_the_safety_net_as_measure']:,}")
    boxes = [
        (word("asked", lang), f"{sum(needed.values()):,.0f} {word('wan', lang)}", asked),
        (word("added_exits", lang), f"{added['mean']:,.0f} {word('households_word', lang)}",
         f"<div>{_e(word('added_ci', lang, low=f'{low:,.0f}', high=f'{high:,.0f}'))}</div>"
         f"<div>{_e(split)}</div>"),
        (word("cost_per_exit", lang),
         _money(summary["cost_per_added_stable_exit_yuan"], lang),
         f"<div>{_e(net)}</div>"
         f"<div>{_e(reach)}</div>"),
        (word("net_fiscal_cost", lang), f"{wan(fiscal['mean'])} {word('wan', lang)}",
         f"<div>{_e(fiscal_note)}</div>"),
    ]
    return cover_boxes(boxes)


def exits_split(summary: dict[str, Any], lang: Language) -> str:
    """Stable exits in all, by income, through the safety net, and with no support, in words."""
    return word("exits_split", lang, total=f"{summary['stable_exits']['mean']:,.0f}",
                income=f"{summary['stable_exits_by_income']['mean']:,.0f}",
                safety=f"{summary['stable_exits_by_safety_net']['mean']:,.0f}",
                without=f"{summary['stable_exits_without_support']['mean']:,.0f}")


def cover_boxes(boxes: list[tuple[str, str, str]]) -> str:
    """The cover's headline boxes: (label, value, note as HTML) each."""
    cells = "".join(f"<div class='figure-box'><div class='label'>{_e(label)}</div>"
                    f"<div class='value'>{_e(value)}</div><div class='note'>{note}</div></div>"
                    for label, value, note in boxes)
    return f"<section class='cover'><div class='figures'>{cells}</div></section>"


def format_cell(value: Any, kind: str) -> str:
    """A table cell as text (shared with tests that read the HTML back)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # a label or a note in a column of numbers
        return value
    if kind == "int":
        return f"{round(value):,}"
    if kind == "number":
        return f"{value:,.1f}"
    if kind == "wan":
        return f"{value:,.2f}"
    if kind == "yuan":
        return f"{value:,.0f}"
    if kind == "share":
        return f"{value:.1%}"
    if kind in ("probability", "rate"):
        return f"{value:.3f}"
    if kind == "value":
        return f"{value:g}"
    return str(value)


def _table(table: Table, small: bool = False) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    rows = []
    for i, row in enumerate(table.rows):
        total = i == len(table.rows) - 1 and table.key in ("instrument", "township", "year")
        cells = "".join(
            f"<td class='num'>{_e(format_cell(v, k))}</td>" if k != "text"
            else f"<td>{_e(format_cell(v, k))}</td>" for v, k in zip(row, table.row_of_kinds(i),
                                                                       strict=True))
        opening = "<tr class='total'>" if total else "<tr>"
        rows.append(f"{opening}{cells}</tr>")
    css = " class='small'" if small else ""
    return (f"<table id='table-{table.key}'{css}><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _figure(chart: dict[str, bytes]) -> str:
    """A chart (its rendered formats) as inline SVG."""
    svg = chart["svg"].decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: inline SVG needs neither
    return f"<figure>{svg}</figure>"


def _visible_text(body: str) -> str:
    """Characters of the document outside tags (the SVG draws its own glyphs)."""
    import re

    without_svg = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_svg))


def _font_face(text: str) -> str:
    """An @font-face rule with the CJK font cut down to the characters of ``text``."""
    data = base64.b64encode(cjk_subset(text, flavor="woff")).decode("ascii")
    return (f"@font-face {{ font-family: 'tuopin CJK'; src: url(data:font/woff;base64,{data}) "
            f"format('woff'); }} /* {CJK_FAMILY}, SIL Open Font License, subset */\n")
