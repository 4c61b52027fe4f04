"""Figures of simulation results. Functions take a result (and optionally an axis) and return
a matplotlib Figure; they never save or show (see :func:`simulator.files.save_figure`).

Labels are in Chinese by default (``lang="zh"``) or English (``lang="en"``), drawn with the
bundled CJK font (:mod:`simulator.fonts`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import labels
from simulator.fonts import use_cjk_font
from simulator.labels import Language
from simulator.statistics import INTERVAL, paired
from simulator.units import YUAN_PER_WAN  # outlays are drawn in 万元

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from simulator.compare import Comparison
    from simulator.optimizer import AllocationResult
    from simulator.results import SimulationResult
    from simulator.sensitivity import Sensitivity

FAN_PERCENTILES = (5, 25, 50, 75, 95)
"""Percentiles of per-capita income drawn in the fan chart."""


def literal(text: str) -> str:
    """User text (scenario, township, plan names) as matplotlib draws it literally: a ``$`` is
    escaped, since two of them would otherwise start TeX math (which may fail to parse)."""
    return str(text).replace("$", r"\$")


def chart_figure(**kwargs: Any) -> Figure:
    """A new matplotlib Figure that notebooks display as a picture.

    Figures are made without pyplot (no global state, nothing shown by accident), and Jupyter
    displays a bare Figure only as ``<Figure size 700x420 with 1 Axes>``; this one also knows
    how to draw itself as PNG (``_repr_png_``), so every chart the API returns is seen."""
    return _chart_class()(**kwargs)


@functools.cache
def _chart_class() -> type:
    from matplotlib.figure import Figure

    from simulator.files import figure_bytes

    class Chart(Figure):
        """A Figure that draws itself as PNG in a notebook."""

        def _repr_png_(self) -> bytes:
            return figure_bytes(self, "png")

    return Chart


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.2)) -> tuple[Figure, Axes]:
    use_cjk_font()
    if ax is not None:
        return ax.figure, ax
    figure = chart_figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def income_fan(result: SimulationResult, k: int = 0, ax: Axes | None = None,
               with_labour_only: bool = True, lang: Language = "zh") -> Figure:
    """Fan chart of counted per-capita income by year (households × replications) vs the line."""
    figure, ax = _axes(ax)
    years = result.years
    income = result.per_capita[k]
    if with_labour_only and (result.registry.laborers > 0).any():
        income = income[:, result.registry.laborers > 0]
    flat = income.reshape(-1, income.shape[-1])
    bands = np.percentile(flat, FAN_PERCENTILES, axis=0)
    ax.fill_between(years, bands[0], bands[4], alpha=0.2, color="tab:blue",
                    label=labels.text("band_outer", lang))
    ax.fill_between(years, bands[1], bands[3], alpha=0.35, color="tab:blue",
                    label=labels.text("band_inner", lang))
    ax.plot(years, bands[2], color="tab:blue", label=labels.text("median", lang))
    ax.plot(years, result.lines, color="tab:red", linestyle="--",
            label=labels.text("exit_line", lang))
    ax.set_xticks(years)
    ax.set_xlabel(labels.text("year", lang))
    ax.set_ylabel(labels.text("income_axis", lang))
    who = labels.text("with_labour" if with_labour_only else "all_households", lang)
    scenario = literal(result.scenario.display_name(lang))
    ax.set_title(labels.text("income_title", lang, scenario=scenario, who=who))
    ax.legend(loc="upper left", fontsize="small")
    return figure


def exits_by_year(result: SimulationResult, k: int = 0, ax: Axes | None = None,
                  lang: Language = "zh") -> Figure:
    """Households exiting each year (mean, 95 % interval across replications)."""
    figure, ax = _axes(ax)
    years = result.years
    exits = result.exits_by_year(k)
    mean = exits.mean(axis=0)
    low, high = np.percentile(exits, INTERVAL, axis=0)
    ax.bar(years, mean, color="tab:green", yerr=_error_bars(mean, low, high), capsize=4)
    stable = result.stable_exit_households(k)
    ax.set_xticks(years)
    ax.set_xlabel(labels.text("year", lang))
    ax.set_ylabel(labels.text("households_exiting", lang))
    stable_low, stable_high = np.percentile(stable, INTERVAL)
    ax.set_title(labels.text("exits_title", lang, mean=f"{stable.mean():,.0f}",
                             low=f"{stable_low:,.0f}", high=f"{stable_high:,.0f}"))
    return figure


def outlays_by_year(result: SimulationResult, k: int = 0, ax: Axes | None = None,
                    lang: Language = "zh") -> Figure:
    """Fund outlays per year by budget line (means, 万元), with the yearly budgets."""
    figure, ax = _axes(ax)
    years = result.years
    bottom_pos = np.zeros(len(years))
    bottom_neg = np.zeros(len(years))
    for line, amount in result.outlays_by_line(k).items():
        mean = amount.mean(axis=0) / YUAN_PER_WAN
        positive = np.maximum(mean, 0)
        negative = np.minimum(mean, 0)
        if positive.any():
            ax.bar(years, positive, bottom=bottom_pos, label=labels.line(line, lang))
            bottom_pos += positive
        if negative.any():
            ax.bar(years, negative, bottom=bottom_neg, label=labels.line(line, lang),
                   hatch="//")
            bottom_neg += negative
    budgets = np.asarray(result.scenario.budget.yearly_yuan) / YUAN_PER_WAN
    ax.plot(years[:len(budgets)], budgets, "k_", markersize=30, markeredgewidth=2,
            label=labels.text("budget", lang))
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xticks(years)
    ax.set_xlabel(labels.text("year", lang))
    ax.set_ylabel(labels.text("outlays_axis", lang))
    ax.set_title(labels.text("outlays_title", lang))
    ax.legend(fontsize="x-small", ncols=2)
    return figure


def _error_bars(mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[np.ndarray]:
    """Distances from the means to the interval's ends, as matplotlib's error bars take them.
    Never negative: where every replication has the same value, a percentile may differ from
    the mean in the last bit, and matplotlib rejects a negative error."""
    return [np.maximum(mean - low, 0.0), np.maximum(high - mean, 0.0)]


def _stable_exit_bars(ax: Axes, values: list[np.ndarray], names: list[str],
                      colours: list[str], lang: Language) -> None:
    """Horizontal bars of mean stable exits added over no support per plan, with the 95 %
    confidence interval of each mean (what the comparison table beside the chart shows)."""
    intervals = [paired(v, np.zeros_like(v)) for v in values]
    means = np.array([v.mean() for v in values])
    low, high = np.array([i["ci95"] for i in intervals]).T
    positions = np.arange(len(values))
    ax.barh(positions, means, xerr=_error_bars(means, low, high), color=colours, capsize=4)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlabel(labels.text("added_exits_axis", lang))


def baseline_comparison(allocation: AllocationResult, ax: Axes | None = None,
                        lang: Language = "zh") -> Figure:
    """Out-of-sample stable exits the optimised plan and each baseline add over no support
    (95 % intervals)."""
    figure, ax = _axes(ax)
    plans = [allocation.optimised, *allocation.baselines.values()]
    without = allocation.evaluation_set.result.stable_exits_without_support()
    _stable_exit_bars(ax, [p.stable_exits - without for p in plans],
                      [labels.plan(p.name, lang) for p in plans],
                      ["tab:green"] + ["tab:gray"] * (len(plans) - 1), lang)
    ax.set_title(labels.text("comparison_title", lang,
                             scenario=literal(allocation.scenario.display_name(lang))))
    return figure


def frontier(allocation: AllocationResult, ax: Axes | None = None,
             lang: Language = "zh") -> Figure:
    """Budget–added-stable-exits curve: each budget level's optimised plan on the fresh
    replications (mean and 95 % interval of the paired difference over no support), with the
    filed plan marked."""
    figure, ax = _axes(ax)
    points = allocation.frontier
    without = allocation.evaluation_set.result.stable_exits_without_support()
    totals = [sum(p.budgets) / YUAN_PER_WAN for p in points]
    added = [paired(p.evaluation.stable_exits, without) for p in points]
    ax.plot(totals, [a["mean"] for a in added], "o-", color="tab:green",
            label=labels.text("frontier_levels", lang))
    ax.fill_between(totals, [a["ci95"][0] for a in added], [a["ci95"][1] for a in added],
                    color="tab:green", alpha=0.2, label=labels.text("ci95", lang))
    plan = paired(allocation.optimised.stable_exits, without)
    ax.plot([float(np.sum(allocation.budgets)) / YUAN_PER_WAN], [plan["mean"]], "*",
            color="tab:red", markersize=12, label=labels.text("frontier_plan", lang))
    ax.set_xlabel(labels.text("frontier_axis", lang))
    ax.set_ylabel(labels.text("added_exits_axis", lang))
    ax.set_ylim(bottom=0)
    ax.set_title(labels.text("frontier_title", lang))
    ax.legend(loc="lower right", fontsize="small")
    return figure


def province_name(summary: dict[str, Any], lang: Language) -> str:
    """A province summary's name in ``lang`` (its Chinese name, where it has one, in Chinese)."""
    return (summary.get("province_zh") or summary["province"]) if lang == "zh" \
        else summary["province"]


def province_counties(summary: dict[str, Any], lang: Language = "zh",
                      highlight: str = "deep") -> Figure:
    """Each county of a province summary (``tuopin province``): its share of the fund over the
    plan years and the stable exits it adds over no support (mean, 95 % CI), counties tagged
    ``highlight`` in their own colour. Drawn from the summary alone, as summary.json has it."""
    from matplotlib.patches import Patch

    counties = summary["by_county"]
    names = list(counties)
    height = max(3.0, 0.8 + 0.24 * len(names))
    figure = chart_figure(figsize=(8.0, height), layout="constrained")
    use_cjk_font()
    budget_ax, added_ax = figure.subplots(1, 2, sharey=True)
    positions = np.arange(len(names))
    colours = ["tab:red" if highlight in c.get("tags", []) else "tab:gray"
               for c in counties.values()]
    budgets = [sum(c["budget_yuan"].values()) / YUAN_PER_WAN for c in counties.values()]
    budget_ax.barh(positions, budgets, color=colours)
    budget_ax.set_yticks(positions, [literal(n) for n in names])
    budget_ax.invert_yaxis()
    budget_ax.set_xlabel(labels.text("province_budget_axis", lang))
    added = [c["added_stable_exits"] for c in counties.values()]
    means = np.array([a["mean"] for a in added])
    low, high = np.array([a["ci95"] for a in added]).T
    added_ax.barh(positions, means, xerr=_error_bars(means, low, high), color=colours, capsize=2)
    added_ax.set_xlabel(labels.text("added_exits_axis", lang))
    if any(c == "tab:red" for c in colours):
        budget_ax.legend(handles=[Patch(color="tab:red",
                                        label=labels.text("deep_poverty_county", lang)),
                                  Patch(color="tab:gray", label=labels.text("other_county", lang))],
                         fontsize="small", loc="lower right")
    figure.suptitle(labels.text("province_counties_title", lang,
                                province=literal(province_name(summary, lang))))
    return figure


def province_comparison(summary: dict[str, Any], ax: Axes | None = None,
                        lang: Language = "zh") -> Figure:
    """Stable exits the province plan and each simple rule (within the same county shares) add
    over no support, province totals (mean and 95 % CI of the paired difference)."""
    figure, ax = _axes(ax)
    plans = {"optimised": summary, **summary["baselines"]}
    added = [p["added_stable_exits"] for p in plans.values()]
    means = np.array([a["mean"] for a in added])
    low, high = np.array([a["ci95"] for a in added]).T
    positions = np.arange(len(plans))
    ax.barh(positions, means, xerr=_error_bars(means, low, high), capsize=4,
            color=["tab:green"] + ["tab:gray"] * (len(plans) - 1))
    ax.set_yticks(positions, [labels.plan(name, lang) for name in plans])
    ax.invert_yaxis()
    ax.set_xlabel(labels.text("added_exits_axis", lang))
    ax.set_title(labels.text("province_comparison_title", lang,
                             province=literal(province_name(summary, lang))))
    return figure


def tornado(rows: list[Sensitivity], ax: Axes | None = None, lang: Language = "zh") -> Figure:
    """Change in stable exits when each assumption takes its low or high value (widest first)."""
    figure, ax = _axes(ax, size=(7.0, 0.5 * len(rows) + 1.6))
    positions = np.arange(len(rows))
    low = [row.low["mean"] for row in rows]
    high = [row.high["mean"] for row in rows]
    ax.barh(positions, low, color="tab:orange", label=labels.text("low_value", lang))
    ax.barh(positions, high, color="tab:blue", alpha=0.8, label=labels.text("high_value", lang))
    ax.set_yticks(positions, [row.assumption.label(lang) for row in rows])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(labels.text("tornado_axis", lang))
    ax.set_title(labels.text("tornado_title", lang))
    ax.legend(loc="lower right", fontsize="small")
    return figure


def compare_stable_exits(comparison: Comparison, ax: Axes | None = None,
                         lang: Language = "zh") -> Figure:
    """Stable exits each compared scenario adds over no support, on the common replications
    (95 % intervals)."""
    figure, ax = _axes(ax, size=(7.0, 0.6 * len(comparison.outcomes) + 1.6))
    _stable_exit_bars(ax, [o.result.added_stable_exits(0) for o in comparison.outcomes],
                      [literal(name) for name in comparison.names()],
                      [f"C{i}" for i in range(len(comparison.outcomes))], lang)
    ax.set_title(labels.text("compare_title", lang))
    return figure


def compare_differences(comparison: Comparison, ax: Axes | None = None,
                        lang: Language = "zh") -> Figure:
    """Each later scenario's added stable exits minus the first's, paired over the common
    replications, with the 95 % confidence interval of that difference (much narrower than the
    scenarios' own spreads side by side)."""
    names = comparison.names()
    differences = comparison.differences()
    figure, ax = _axes(ax, size=(7.0, 0.6 * len(differences) + 1.8))
    means = np.array([d["added_stable_exits"]["mean"] for d in differences])
    low = np.array([d["added_stable_exits"]["ci95"][0] for d in differences])
    high = np.array([d["added_stable_exits"]["ci95"][1] for d in differences])
    positions = np.arange(len(differences))
    ax.barh(positions, means, xerr=_error_bars(means, low, high), capsize=4,
            color=[f"C{i + 1}" for i in positions])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(positions, [literal(n) for n in names[1:]])
    ax.invert_yaxis()
    ax.set_xlabel(labels.text("differences_axis", lang))
    ax.set_title(labels.text("differences_title", lang, first=literal(names[0])))
    return figure


def compare_exits_by_year(comparison: Comparison, ax: Axes | None = None,
                          lang: Language = "zh") -> Figure:
    """Exits by year of each compared scenario, overlaid (means across replications)."""
    figure, ax = _axes(ax)
    for i, (name, outcome) in enumerate(zip(comparison.names(), comparison.outcomes,
                                            strict=True)):
        years = outcome.result.years
        ax.plot(years, outcome.result.exits_by_year(0).mean(axis=0), "o-", color=f"C{i}",
                label=literal(name))
        ax.set_xticks(years)
    ax.set_xlabel(labels.text("year", lang))
    ax.set_ylabel(labels.text("households_exiting", lang))
    ax.legend(fontsize="small")
    return figure
