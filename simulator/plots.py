"""Figures of simulation results. Functions take a result (and optionally an axis) and return
a matplotlib Figure; they never save or show (see :func:`simulator.files.save_figure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from simulator.optimizer import AllocationResult
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


def baseline_comparison(allocation: AllocationResult, ax: Axes | None = None) -> Figure:
    """Out-of-sample stable exits of the optimised plan and each baseline (95 % intervals)."""
    figure, ax = _axes(ax)
    plans = [allocation.optimised, *allocation.baselines.values()]
    labels = {"optimised": "optimised", "by_village": "per-village equal split",
              "uniform_reward": "uniform 1,500 reward", "greedy": "greedy cost-effectiveness"}
    means = [p.stable_exits.mean() for p in plans]
    low = [np.percentile(p.stable_exits, 2.5) for p in plans]
    high = [np.percentile(p.stable_exits, 97.5) for p in plans]
    positions = np.arange(len(plans))
    ax.barh(positions, means, xerr=[np.subtract(means, low), np.subtract(high, means)],
            color=["tab:green"] + ["tab:gray"] * (len(plans) - 1), capsize=4)
    ax.set_yticks(positions, [labels.get(p.name, p.name) for p in plans])
    ax.invert_yaxis()
    ax.set_xlabel("stable exits (households), fresh replications")
    ax.set_title(f"{allocation.scenario.name}: optimised plan against baselines")
    return figure


def frontier(allocation: AllocationResult, ax: Axes | None = None) -> Figure:
    """Budget–stable-exits curve: in-sample optimum and out-of-sample evaluation."""
    figure, ax = _axes(ax)
    points = allocation.frontier
    totals = [sum(p.budgets) / YUAN_PER_WAN for p in points]
    ax.plot(totals, [p.in_sample for p in points], "o--", color="tab:gray",
            label="in-sample optimum")
    means = [p.out_of_sample["mean"] for p in points]
    low = [p.out_of_sample["interval_95"][0] for p in points]
    high = [p.out_of_sample["interval_95"][1] for p in points]
    ax.plot(totals, means, "o-", color="tab:green", label="fresh replications (mean)")
    ax.fill_between(totals, low, high, color="tab:green", alpha=0.2, label="95 % interval")
    ax.set_xlabel("budget over the plan years (10,000 yuan)")
    ax.set_ylabel("stable exits (households)")
    ax.set_title("Budget–stable-exits frontier")
    ax.legend(loc="lower right", fontsize="small")
    return figure
