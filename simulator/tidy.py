"""Tidy tables of results for notebooks: one row per observation, one column per variable.

pandas is optional (``pip install 'tuopin[notebooks]'``); everything else in tuopin works
without it. Result objects call these through their ``to_frame`` methods::

    result.to_frame("replications")    # one row per option and replication
    allocation.to_frame("plans")       # optimised plan and baselines, per replication

Money is in yuan, counts are households unless a column says people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from simulator.compare import Comparison
    from simulator.optimizer.solve import AllocationResult
    from simulator.population import CalibrationRow
    from simulator.results import SimulationResult
    from simulator.sensitivity import Sensitivity


def pandas() -> Any:
    """The pandas module, or an ImportError that says how to install it."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("tidy tables need pandas: pip install 'tuopin[notebooks]'") from exc
    return pd


SIMULATION_VIEWS = ("replications", "years", "outlays", "households")


def simulation_frame(result: SimulationResult, what: str = "replications") -> pd.DataFrame:
    """A simulation as a tidy table.

    ``what``:
    * ``"replications"`` — option, replication, stable_exits, stable_exit_people,
      returns_to_poverty, outlays_total [yuan];
    * ``"years"`` — option, replication, year, exits, outlays [yuan];
    * ``"outlays"`` — option, replication, year, line, yuan;
    * ``"households"`` — option and the per-household table (P(stable exit), mean income).
    """
    pd = pandas()
    options = range(result.n_options)
    if what == "replications":
        return pd.concat([pd.DataFrame({
            "option": result.option_name(k), "replication": np.arange(result.reps),
            "stable_exits": result.stable_exit_households(k),
            "stable_exit_people": result.stable_exit_people(k),
            "returns_to_poverty": result.returns(k),
            "outlays_total": result.outlays_by_year(k).sum(axis=1)}) for k in options],
            ignore_index=True)
    if what == "years":
        frames = []
        for k in options:
            exits, outlays = result.exits_by_year(k), result.outlays_by_year(k)
            replication, year = np.meshgrid(np.arange(result.reps), result.years, indexing="ij")
            frames.append(pd.DataFrame({
                "option": result.option_name(k), "replication": replication.ravel(),
                "year": year.ravel(), "exits": exits.ravel(), "outlays": outlays.ravel()}))
        return pd.concat(frames, ignore_index=True)
    if what == "outlays":
        frames = []
        for k in options:
            for line, amount in result.outlays_by_line(k).items():
                replication, year = np.meshgrid(np.arange(result.reps), result.years,
                                                indexing="ij")
                frames.append(pd.DataFrame({
                    "option": result.option_name(k), "replication": replication.ravel(),
                    "year": year.ravel(), "line": line, "yuan": amount.ravel()}))
        return pd.concat(frames, ignore_index=True)
    if what == "households":
        return pd.concat([pd.DataFrame({"option": result.option_name(k),
                                        **result.household_table(k)}) for k in options],
                         ignore_index=True)
    raise ValueError(f"unknown view {what!r}; choose from {', '.join(SIMULATION_VIEWS)}")


ALLOCATION_VIEWS = ("households", "plans")


def allocation_frame(allocation: AllocationResult, what: str = "households") -> pd.DataFrame:
    """An optimisation as a tidy table.

    ``what``:
    * ``"households"`` — the allocation table: package, cost by year, P(stable exit) with it,
      without support and with the best other package;
    * ``"plans"`` — plan (optimised and each baseline), replication, stable_exits,
      added_stable_exits (over no support, same replication), outlays_total [yuan], on the
      fresh evaluation replications.
    """
    pd = pandas()
    if what == "households":
        return pd.DataFrame(allocation.allocation_table())
    if what == "plans":
        plans = [allocation.optimised, *allocation.baselines.values()]
        without = allocation.evaluation_set.result.stable_exits_without_support()
        return pd.concat([pd.DataFrame({
            "plan": plan.name, "replication": np.arange(len(plan.stable_exits)),
            "stable_exits": plan.stable_exits,
            "added_stable_exits": plan.stable_exits - without,
            "outlays_total": plan.outlays.sum(axis=1)})
            for plan in plans], ignore_index=True)
    raise ValueError(f"unknown view {what!r}; choose from {', '.join(ALLOCATION_VIEWS)}")


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """scenario, replication, stable_exits, added_stable_exits (over no support),
    outlays_total [yuan] on the common replications."""
    pd = pandas()
    return pd.concat([pd.DataFrame({
        "scenario": name, "replication": np.arange(comparison.reps),
        "stable_exits": outcome.stable_exits,
        "added_stable_exits": outcome.result.added_stable_exits(0),
        "outlays_total": outcome.result.outlays_by_year(0).sum(axis=1)})
        for name, outcome in zip(comparison.names(), comparison.outcomes, strict=True)],
        ignore_index=True)


def sensitivity_frame(rows: list[Sensitivity]) -> pd.DataFrame:
    """parameter, side (low/high), value, change in stable exits (mean, 95 % CI)."""
    pd = pandas()
    records = []
    for row in rows:
        for side, value, change in (("low", row.low_value, row.low),
                                    ("high", row.high_value, row.high)):
            records.append({"parameter": row.assumption.path, "side": side, "value": value,
                            "change_mean": change["mean"], "change_ci_low": change["ci95"][0],
                            "change_ci_high": change["ci95"][1]})
    return pd.DataFrame.from_records(records)


def calibration_frame(rows: list[CalibrationRow]) -> pd.DataFrame:
    """aggregate, target, generated, exact, tolerance, ok — one row per published aggregate."""
    pd = pandas()
    return pd.DataFrame.from_records([
        {"aggregate": r.aggregate, "target": r.target, "generated": r.generated,
         "exact": r.exact, "tolerance": r.tolerance, "ok": r.ok} for r in rows])
