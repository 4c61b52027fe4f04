"""Monte Carlo statistics: spread across replications, paired differences over the same
replications, and the headline figures a plan is judged by.

A leaf module (numpy only): results, the optimiser, comparisons and plots all use it, and it uses
none of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

INTERVAL = (2.5, 97.5)
"""Percentiles across replications reported as the 95 % interval."""


def spread(values: np.ndarray) -> dict[str, Any]:
    """Mean, 95 % interval across replications and standard error of the mean of (reps,) values."""
    values = np.asarray(values, dtype=float)
    low, high = np.percentile(values, INTERVAL)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return {"mean": two_decimals(values.mean()),
            "interval_95": [two_decimals(low), two_decimals(high)], "se": two_decimals(se)}


Z_95 = 1.959963984540054
"""Two-sided 95 % quantile of the standard normal (interval of a mean difference)."""


def paired(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Mean of a − b over the same replications, its 95 % confidence interval and spread."""
    difference = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    se = difference.std(ddof=1) / np.sqrt(len(difference)) if len(difference) > 1 else 0.0
    mean = float(difference.mean())
    return {"mean": round(mean, 2), "ci95": [round(float(mean - Z_95 * se), 2),
                                             round(float(mean + Z_95 * se), 2)],
            "se": round(float(se), 2)}


def two_decimals(value: float) -> float:
    """A figure rounded to two decimals, as a plain float (summaries and JSON)."""
    return float(round(float(value), 2))


def cost_per(cost: np.ndarray, gained: np.ndarray) -> float | None:
    """Mean cost over mean gain [yuan per stable exit], or None when nothing is gained."""
    gain = float(np.mean(gained))
    return two_decimals(float(np.mean(cost)) / gain) if gain > 0 else None


def headline(stable: np.ndarray, without_support: np.ndarray, outlays: np.ndarray,
             net_cost: np.ndarray, county_help: np.ndarray | None = None) -> dict[str, Any]:
    """The figures a plan is judged by, from (R,) values over the same replications.

    A stable exit that would have happened with no support at all (a safety-net exit, or a
    household already near the line) is not bought by the plan: the headline is the stable
    exits the plan *adds* over no support (a paired difference) and the cost per added stable
    exit — gross (every yuan paid out, equity principal included) and net (less the principal
    the county keeps or recovers).

    Parameters
    ----------
    stable, without_support : (R,) stable exits with the plan and with no support [households]
    outlays, net_cost : (R,) the fund's gross outlays, and what they cost net of the principal
        the county keeps [yuan]
    county_help : (R,), optional
        The county's 防返贫 help under the plan [yuan]: in the net fiscal cost (the county pays
        it), not in the cost per added stable exit (the help is given whatever the plan, and
        the exits it keeps are not counted as the plan's).
    """
    added = np.asarray(stable, dtype=float) - np.asarray(without_support, dtype=float)
    help_paid = np.zeros_like(np.asarray(net_cost, dtype=float)) if county_help is None \
        else np.asarray(county_help, dtype=float)
    return {
        "added_stable_exits": paired(stable, without_support),
        "cost_per_added_stable_exit_yuan": cost_per(outlays, added),
        "net_cost_per_added_stable_exit_yuan": cost_per(net_cost, added),
        "stable_exits_without_support": spread(without_support),
        "outlays_total": spread(outlays),
        "net_fiscal_cost": spread(np.asarray(net_cost, dtype=float) + help_paid),
        "county_help_yuan": spread(help_paid),
    }
