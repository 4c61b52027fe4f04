"""Figures of simulation results. Functions take a result (and optionally an axis) and return
a matplotlib Figure; they never save or show (see :func:`simulator.files.save_figure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from simulator.results import SimulationResult

FAN_PERCENTILES = (5, 25, 50, 75, 95)
"""Percentiles of per-capita income drawn in the fan chart."""

YUAN_PER_WAN = 10_000
"""Outlays are drawn in 万元 (10,000 yuan), the unit county budgets use."""


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.2)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def income_fan(result: SimulationResult, k: int = 0, ax: Axes | None = None,
               with_labour_only: bool = True) -> Figure:
    """Fan chart of counted per-capita income by year (households × replications) vs the line."""
    figure, ax = _axes(ax)
    years = result.years
    income = result.per_capita[k]
    if with_labour_only and (result.registry.laborers > 0).any():
        income = income[:, result.registry.laborers > 0]
    flat = income.reshape(-1, income.shape[-1])
    bands = np.percentile(flat, FAN_PERCENTILES, axis=0)
    ax.fill_between(years, bands[0], bands[4], alpha=0.2, color="tab:blue",
                    label="5–95 % of households")
    ax.fill_between(years, bands[1], bands[3], alpha=0.35, color="tab:blue",
                    label="25–75 %")
    ax.plot(years, bands[2], color="tab:blue", label="median")
    ax.plot(years, result.lines, color="tab:red", linestyle="--", label="exit line")
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("counted per-capita net income (yuan/person/year)")
    who = "households with labour" if with_labour_only else "all households"
    ax.set_title(f"{result.scenario.name}: income of {who}")
    ax.legend(loc="upper left", fontsize="small")
    return figure


def exits_by_year(result: SimulationResult, k: int = 0, ax: Axes | None = None) -> Figure:
    """Households exiting each year (mean, 95 % interval across replications)."""
    figure, ax = _axes(ax)
    years = result.years
    exits = result.exits_by_year(k)
    mean = exits.mean(axis=0)
    low, high = np.percentile(exits, (2.5, 97.5), axis=0)
    ax.bar(years, mean, color="tab:green", yerr=[mean - low, high - mean], capsize=4)
    stable = result.stable_exit_households(k)
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("households exiting")
    ax.set_title(f"Exits by year — stable exits {stable.mean():,.0f} "
                 f"(95 %: {np.percentile(stable, 2.5):,.0f}–{np.percentile(stable, 97.5):,.0f})")
    return figure


def outlays_by_year(result: SimulationResult, k: int = 0, ax: Axes | None = None) -> Figure:
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
            ax.bar(years, positive, bottom=bottom_pos, label=line)
            bottom_pos += positive
        if negative.any():
            ax.bar(years, negative, bottom=bottom_neg, label=line, hatch="//")
            bottom_neg += negative
    budgets = np.asarray(result.scenario.budget.yearly_yuan) / YUAN_PER_WAN
    ax.plot(years[:len(budgets)], budgets, "k_", markersize=30, markeredgewidth=2,
            label="budget")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("outlays (10,000 yuan)")
    ax.set_title("Fund outlays by budget line (mean across replications)")
    ax.legend(fontsize="x-small", ncols=2)
    return figure
