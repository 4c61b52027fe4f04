"""The province proposal (省级分配方案): the county proposal's sections at province level — the
headline, the fund county by county, the province rows and their prices, years and
instruments, the simple rules — as one self-contained HTML document and an xlsx workbook.

Every number comes from the province summary (what ``summary.json`` holds), so the documents
cannot disagree with it or with each other; the layout (CSS, tables, the embedded font subset)
is the county proposal's (:mod:`simulator.proposal.html`, :mod:`simulator.proposal.xlsx`).

    result = optimize_province(load_province("scenarios/provinces/example-province.toml"))
    write_province_proposal(result.summary(), result.province, "out/province")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator import labels
from simulator.bibliography import GRADE_WORDS_ZH, GRADES_EN, GRADES_ZH, references
from simulator.labels import Language
from simulator.proposal.content import Table, _ci, _total_row, _with_unit
from simulator.proposal.text import word
from simulator.province.model import Province
from simulator.units import YUAN_PER_WAN  # money in the tables is in 万元
from simulator.version import __version__

SHEET_ORDER = ("cover", "counties", "province_rows", "year", "instrument", "comparison",
               "references")
"""Sheets of the province workbook, in order."""

PROVINCE_CSS = """
#table-counties td:nth-child(-n+2) { white-space: nowrap; }
"""
"""County names and groups on one line (the per-county table is wide; a name broken into one
character a line is unreadable)."""

GROUP_WORDS: dict[str, tuple[str, str]] = {"deep": ("深度贫困县", "deep-poverty county")}
"""Words for the county tags the bundled provinces use; any other tag is shown as written."""


def group_word(tag: str, lang: Language) -> str:
    zh, en = GROUP_WORDS.get(tag, (tag, tag))
    return zh if lang == "zh" else en


def province_title(summary: dict[str, Any], lang: Language) -> str:
    from simulator.plots import province_name

    return word("province_title", lang, province=province_name(summary, lang))


def _wan(lang: Language) -> str:
    return word("wan", lang)


def cover_table(summary: dict[str, Any], lang: Language) -> Table:
    """The headline: the fund, outlays, net cost, stable exits added and what each cost."""
    wan, yuan = _wan(lang), word("yuan", lang)
    table = Table("cover", word("summary_sheet", lang), [word("item", lang),
                  word("amount", lang)], ["text", "number"])
    rows = table.rows
    budgets = summary["budgets_yuan"] or {}
    for year, amount in budgets.items():
        rows.append([_with_unit(f"{word('province_fund', lang)} "
                                f"{word('per_year', lang, year=year)}", wan, lang),
                     amount / YUAN_PER_WAN])
    if budgets:
        rows.append([_with_unit(f"{word('province_fund', lang)} {word('total', lang)}", wan,
                                lang), sum(budgets.values()) / YUAN_PER_WAN])
    added = summary["added_stable_exits"]
    rows += [
        [_with_unit(f"{word('outlays', lang)} {word('total', lang)}", wan, lang),
         summary["outlays_total"]["mean"] / YUAN_PER_WAN],
        [_with_unit(word("net_fiscal_cost", lang), wan, lang),
         summary["net_fiscal_cost"]["mean"] / YUAN_PER_WAN],
        [word("added_exits", lang), added["mean"]],
        [f"{word('ci', lang)} {word('low', lang)}", added["ci95"][0]],
        [f"{word('ci', lang)} {word('high', lang)}", added["ci95"][1]],
        [_with_unit(word("cost_per_exit", lang), yuan, lang),
         summary["cost_per_added_stable_exit_yuan"]],
        [_with_unit(word("net_cost_per_exit", lang), yuan, lang),
         summary["net_cost_per_added_stable_exit_yuan"]],
        [word("expected_exits", lang), summary["stable_exits"]["mean"]],
        [word("by_income", lang), summary["stable_exits_by_income"]["mean"]],
        [word("by_safety_net", lang), summary["stable_exits_by_safety_net"]["mean"]],
        [word("without_support", lang), summary["stable_exits_without_support"]["mean"]],
        [word("supported", lang), summary["households_supported"]],
        [word("households", lang), summary["households"]],
        [word("people", lang), summary["people"]],
        [word("county", lang), summary["counties"]],
    ]
    return table


def county_table(summary: dict[str, Any], lang: Language) -> Table:
    """One row per county: its group, size, share of the fund by year, marginal return by
    year, the stable exits it adds (with CI) and what each cost."""
    wan = _wan(lang)
    years = list(next(iter(summary["by_county"].values()))["budget_yuan"])
    table = Table("counties", word("counties_sheet", lang),
                  [word("county", lang), word("tags", lang), word("households", lang),
                   word("people", lang),
                   *[_with_unit(word("per_year", lang, year=y), wan, lang) for y in years],
                   _with_unit(word("total", lang), wan, lang), word("county_shadow", lang),
                   word("added_exits", lang), word("ci", lang),
                   _with_unit(word("cost_per_exit", lang), word("yuan", lang), lang)],
                  ["text", "text", "int", "int", *["wan"] * len(years), "wan", "text",
                   "number", "text", "yuan"], list_like=True)
    for name, county in summary["by_county"].items():
        budgets = [county["budget_yuan"][y] / YUAN_PER_WAN for y in years]
        shadow = " / ".join(f"{v:.3f}" for v in
                            county["shadow_price_stable_exits_per_10000_yuan"].values())
        table.rows.append([name, "、".join(group_word(t, lang) for t in county["tags"]),
                           county["households"], county["people"], *budgets, sum(budgets),
                           shadow, county["added_stable_exits"]["mean"],
                           _ci(county["added_stable_exits"]),
                           county["cost_per_added_stable_exit_yuan"]])
    total = _total_row(table, lang)
    # The cost column is a ratio: its total is the province's, not a sum.
    cost = len(table.columns) - 1
    total[cost] = summary["cost_per_added_stable_exit_yuan"]
    total[cost - 1] = _ci(summary["added_stable_exits"])
    table.sum_columns = tuple(j for j in table.sum_columns if j != cost)
    table.rows.append(total)
    return table


def row_name(name: str, figures: dict[str, Any], lang: Language) -> str:
    """A province row in words."""
    if name.startswith("province_budget_"):
        return word("row_budget", lang, year=name.removeprefix("province_budget_"))
    if "group" in figures:
        return word("row_earmark", lang, group=group_word(figures["group"], lang),
                    share=f"{figures['min_share']:.0%}")
    return name


def rows_table(summary: dict[str, Any], lang: Language) -> Table:
    """The province rows: limit, value under the split, shadow price. An earmark's limit and
    value are shares of the money split."""
    table = Table("province_rows", word("rows_sheet", lang),
                  [word("row", lang), word("row_limit", lang), word("row_planned", lang),
                   word("row_dual", lang)], ["text", "text", "text", "probability"])
    for name, figures in summary["province_rows"].items():
        if "group" in figures:
            planned = figures["planned_share"]
            limit, value = (f"≥ {figures['min_share']:.1%}",
                            "" if planned is None else f"{planned:.1%}")
        else:
            limit = f"≤ {figures['rhs_yuan'] / YUAN_PER_WAN:,.2f}"
            value = f"{figures['planned_yuan'] / YUAN_PER_WAN:,.2f}"
        table.rows.append([row_name(name, figures, lang), limit, value,
                           figures["dual_stable_exits_per_10000_yuan"]])
    return table


def year_table(summary: dict[str, Any], lang: Language) -> Table:
    wan = _wan(lang)
    table = Table("year", word("by_year", lang),
                  [word("year", lang), _with_unit(word("province_fund", lang), wan, lang),
                   _with_unit(word("outlays", lang), wan, lang),
                   _with_unit(word("outlays_interval", lang), wan, lang),
                   word("exits_in_year", lang)], ["text", "wan", "wan", "text", "number"])
    budgets = summary["budgets_yuan"] or {}
    for year, outlays in summary["outlays_by_year"].items():
        low, high = (v / YUAN_PER_WAN for v in outlays["interval_95"])
        table.rows.append([year, budgets[year] / YUAN_PER_WAN if year in budgets else None,
                           outlays["mean"] / YUAN_PER_WAN, f"{low:,.2f}–{high:,.2f}",
                           summary["exits_by_year"][year]["mean"]])
    table.rows.append(_total_row(table, lang))
    return table


def instrument_table(summary: dict[str, Any], lang: Language) -> Table:
    wan = _wan(lang)
    years = list(summary["outlays_by_year"])
    table = Table("instrument", word("by_instrument", lang),
                  [word("instrument", lang),
                   *[_with_unit(word("per_year", lang, year=y), wan, lang) for y in years],
                   _with_unit(word("total", lang), wan, lang)],
                  ["text", *["wan"] * len(years), "wan"])
    for key, by_year in summary["outlays_by_instrument"].items():
        amounts = [by_year[y] / YUAN_PER_WAN for y in years]
        table.rows.append([labels.instrument(key, lang), *amounts, sum(amounts)])
    table.rows.append(_total_row(table, lang))
    return table


def comparison_table(summary: dict[str, Any], lang: Language) -> Table:
    table = Table("comparison", word("comparison_sheet", lang),
                  [word("plan", lang), word("added_exits", lang), word("ci", lang),
                   word("stable_exits", lang), _with_unit(word("outlays", lang), _wan(lang), lang),
                   _with_unit(word("cost_per_exit", lang), word("yuan", lang), lang),
                   word("gain", lang), word("ci", lang)],
                  ["text", "number", "text", "number", "wan", "yuan", "number", "text"])
    plans = {"optimised": summary, **summary["baselines"]}
    for name, figures in plans.items():
        gain = figures.get("optimised_gain")
        added = figures["added_stable_exits"]
        table.rows.append([labels.plan(name, lang), added["mean"], _ci(added),
                           figures["stable_exits"]["mean"],
                           figures["outlays_total"]["mean"] / YUAN_PER_WAN,
                           figures["cost_per_added_stable_exit_yuan"],
                           None if gain is None else gain["mean"],
                           "" if gain is None else _ci(gain)])
    return table


def reference_table(province: Province, lang: Language) -> Table:
    """The sources the province file cites (its earmarks'), with their addresses."""
    table = Table("references", word("references_sheet", lang),
                  [word("short_name", lang), word("reference", lang), word("grade", lang)],
                  ["text", "text", "text"], list_like=True)
    for source in references([e.source for e in province.earmarks]):
        grade = (f"{GRADE_WORDS_ZH[source.grade]}（{GRADES_ZH[source.grade]}）"
                 if lang == "zh" else f"{source.grade} ({GRADES_EN[source.grade]})")
        table.rows.append([source.short(lang), source.reference(lang), grade])
    return table


def province_tables(summary: dict[str, Any], province: Province,
                    lang: Language) -> dict[str, Table]:
    """Every table of the province proposal, from ``summary`` (as summary.json has it)."""
    tables = [cover_table(summary, lang), county_table(summary, lang), rows_table(summary, lang),
              year_table(summary, lang), instrument_table(summary, lang),
              comparison_table(summary, lang), reference_table(province, lang)]
    return {table.key: table for table in tables if table.rows}


def province_figures(summary: dict[str, Any], lang: Language) -> dict[str, Any]:
    """The province proposal's charts (matplotlib figures) by name."""
    from simulator import plots

    return {"counties": plots.province_counties(summary, lang=lang),
            "province_comparison": plots.province_comparison(summary, lang=lang)}


def render_province_html(summary: dict[str, Any], tables: dict[str, Table],
                         figures: dict[str, Any], lang: Language) -> str:
    """The complete HTML document; ``figures`` maps each chart name to its rendered
    ``{"png": …, "svg": …}``."""
    from simulator.proposal.html import CSS, _e, _figure, _font_face, _table, _visible_text

    years = list(summary["outlays_by_year"])
    title = province_title(summary, lang)
    subtitle = word("province_subtitle", lang, counties=summary["counties"],
                    households=f"{summary['households']:,}", first=years[0], last=years[-1])
    in_sample = summary["in_sample"]
    gap = word("province_gap", lang, objective=f"{in_sample['objective']:,.1f}",
               bound=f"{in_sample['bound']:,.1f}", gap=f"{in_sample['gap']:.3%}")
    prepared = word("province_prepared", lang, version=__version__, seed=in_sample["seed"],
                    reps=in_sample["replications"])
    parts = [
        f"<h1 id='cover'>{_e(title)}</h1>", f"<p class='subtitle'>{_e(subtitle)}</p>",
        _cover(summary, lang),
        f"<h2 id='counties'>{_e(word('section_counties', lang))}</h2>",
        f"<p>{_e(word('counties_intro', lang))}</p>", _figure(figures["counties"]),
        _table(tables["counties"], small=len(tables["counties"].rows) > 12),
        f"<h2 id='rows'>{_e(word('section_rows', lang))}</h2>",
        f"<p>{_e(word('rows_intro', lang))}</p>", _table(tables["province_rows"]),
        f"<h2 id='years'>{_e(word('section_province_years', lang))}</h2>",
        f"<p>{_e(word('province_years_note', lang))}</p>",
        f"<h3>{_e(word('by_year', lang))}</h3>", _table(tables["year"]),
        f"<h3>{_e(word('by_instrument', lang))}</h3>", _table(tables["instrument"]),
        f"<h2 id='comparison'>{_e(word('section_province_comparison', lang))}</h2>",
        f"<p>{_e(word('province_comparison_intro', lang))}</p>",
        _table(tables["comparison"]), _figure(figures["province_comparison"]),
        f"<h2 id='method'>{_e(word('section_method', lang))}</h2>",
        f"<p>{_e(word('province_method', lang))}</p>", f"<p>{_e(gap)}</p>",
    ]
    if "references" in tables:  # a province file that cites nothing has none
        parts += [f"<h3 id='references'>{_e(word('references_sheet', lang))}</h3>",
                  f"<p>{_e(word('province_references_intro', lang))}</p>",
                  _table(tables["references"], small=True)]
    parts.append(f"<footer>{_e(prepared)}</footer>")
    body = "\n".join(parts)
    font = _font_face(_visible_text(body))
    return (f"<!DOCTYPE html>\n<html lang='{'zh-CN' if lang == 'zh' else 'en'}'>\n<head>\n"
            f"<meta charset='utf-8'>\n<title>{_e(title)}</title>\n"
            f"<style>\n{font}{CSS}{PROVINCE_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n"
            f"</html>\n")


def _cover(summary: dict[str, Any], lang: Language) -> str:
    """Three boxes: the fund, the stable exits added, the cost of each."""
    from simulator.proposal.html import _e, _money, cover_boxes, exits_split

    wan = _wan(lang)
    budgets = summary["budgets_yuan"] or {}
    fund = sum(budgets.values()) / YUAN_PER_WAN if budgets else \
        summary["outlays_total"]["mean"] / YUAN_PER_WAN
    by_year = "".join(f"<div>{_e(word('per_year', lang, year=y))}: {v / YUAN_PER_WAN:,.0f} "
                      f"{_e(wan)}</div>" for y, v in budgets.items())
    added = summary["added_stable_exits"]
    low, high = added["ci95"]
    split = exits_split(summary, lang)
    supported = summary["households_supported"]
    reach = word("province_supported", lang, supported=f"{supported:,}",
                 share=f"{supported / max(summary['households'], 1):.0%}")
    net = word("net_cost_note", lang,
               amount=_money(summary["net_cost_per_added_stable_exit_yuan"], lang))
    boxes = [
        (word("province_fund", lang), f"{fund:,.0f} {wan}", by_year),
        (word("added_exits", lang), f"{added['mean']:,.0f} {word('households_word', lang)}",
         f"<div>{_e(word('added_ci', lang, low=f'{low:,.0f}', high=f'{high:,.0f}'))}</div>"
         f"<div>{_e(split)}</div>"),
        (word("cost_per_exit", lang), _money(summary["cost_per_added_stable_exit_yuan"], lang),
         f"<div>{_e(net)}</div><div>{_e(reach)}</div>"),
    ]
    return cover_boxes(boxes)


def write_province_proposal(summary: dict[str, Any], province: Province,
                            output_dir: str | Path, *, lang: Language = "zh") -> list[Path]:
    """Write ``proposal.html``, ``proposal.xlsx`` and the charts (PNG and SVG) into
    ``output_dir``, each file atomically; the paths written."""
    from simulator.files import CHART_FORMATS, atomic_write_bytes, figure_bytes
    from simulator.proposal import write_charts
    from simulator.proposal.xlsx import render_xlsx

    output_dir = Path(output_dir)
    tables = province_tables(summary, province, lang)
    figures = {name: {fmt: figure_bytes(figure, fmt) for fmt in CHART_FORMATS}
               for name, figure in province_figures(summary, lang).items()}
    written = []
    path = output_dir / "proposal.html"
    atomic_write_bytes(path, render_province_html(summary, tables, figures, lang)
                       .encode("utf-8"))
    written.append(path)
    path = output_dir / "proposal.xlsx"
    atomic_write_bytes(path, render_xlsx(tables, province_title(summary, lang),
                                         order=SHEET_ORDER))
    written.append(path)
    return written + write_charts(figures, output_dir)
