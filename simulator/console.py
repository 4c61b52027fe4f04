"""What the ``tuopin`` commands print: summaries in plain text and the progress bar.

Each function returns lines (or a string) and prints nothing itself, so the command layer stays
thin and the texts can be tested or reused without a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from simulator.parameter_texts import value_text
from simulator.population import CalibrationRow
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.statistics import spread
from simulator.units import YUAN_PER_WAN


def describe_population(registry: Registry) -> str:
    return (f"{registry.n_households:,} households, {registry.n_people:,} people "
            f"({registry.source})")


def calibration_text(rows: Sequence[CalibrationRow]) -> str:
    width = max(len(r.aggregate) for r in rows)
    lines = [f"{'aggregate':<{width}}  {'target':>10}  {'generated':>10}  ok",
             f"{'-' * width}  {'-' * 10}  {'-' * 10}  --"]
    for r in rows:
        fmt = (lambda v: f"{v:,.0f}") if r.exact else (lambda v: f"{v:.3f}")
        lines.append(f"{r.aggregate:<{width}}  {fmt(r.target):>10}  {fmt(r.generated):>10}  "
                       f"{'✓' if r.ok else '✗'}")
    return "\n".join(lines)


def calibration_records(rows: Sequence[CalibrationRow]) -> list[dict[str, Any]]:
    return [{"aggregate": r.aggregate, "target": r.target, "generated": r.generated,
             "exact": r.exact, "ok": r.ok} for r in rows]


def registry_notes(registry: Registry, scenario: Scenario) -> list[str]:
    """Things worth a clerk's look that are not errors."""
    notes = []
    line = scenario.poverty_line.registration_line_yuan_per_capita
    registered = registry.category != "edge"
    above = int((registry.per_capita_net_income[registered] >= line).sum())
    if above:
        notes.append(f"{above:,} registered households have per-capita net income at or above "
                     f"the registration line ({line:,.0f} yuan)")
    notes.extend(registry.reading_notes)
    if registry.ignored_columns:
        notes.append("columns not used by tuopin: " + ", ".join(registry.ignored_columns))
    return notes


def simulation_lines(result: SimulationResult, summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    lines.append(f"county plan simulated: {result.reps} replications, seed {result.seed}")
    lines += headline_lines(summary)
    lines.append(f"  returns to poverty {summary['returns_to_poverty']['mean']:,.0f} households")
    return lines


def headline_lines(summary: dict[str, Any], indent: str = "  ") -> list[str]:
    """The honest headline: stable exits added over no support and what each one costs."""
    lines: list[str] = []
    added = summary["added_stable_exits"]
    low, high = added["ci95"]
    lines.append(f"{indent}stable exits added over no support: {added['mean']:+,.0f} households "
                 f"(95 % CI {low:+,.0f} to {high:+,.0f})")
    lines.append(f"{indent}cost per added stable exit: "
                 f"{yuan_text(summary['cost_per_added_stable_exit_yuan'])} gross, "
                 f"{yuan_text(summary['net_cost_per_added_stable_exit_yuan'])} net of equity "
                 f"principal the county keeps")
    stable = summary["stable_exits"]
    stable = stable.get("households", stable)
    lines.append(f"{indent}stable exits {stable['mean']:,.0f} households: "
                 f"{summary['stable_exits_by_income']['mean']:,.0f} by income, "
                 f"{summary['stable_exits_by_safety_net']['mean']:,.0f} through the safety net; "
                 f"{summary['stable_exits_without_support']['mean']:,.0f} with no support at all")
    lines.append(f"{indent}outlays {summary['outlays_total']['mean'] / YUAN_PER_WAN:,.0f} 万元 "
                 f"gross, net fiscal cost "
                 f"{summary['net_fiscal_cost']['mean'] / YUAN_PER_WAN:,.0f} 万元")
    if "county_assistance" in summary:
        lines += assistance_lines(summary["county_assistance"], indent)
    return lines


def assistance_lines(assistance: dict[str, Any], indent: str = "  ") -> list[str]:
    """The county's own assistance, apart from the fund: dibao top-up and 防返贫 help."""
    prevention = assistance["prevention"]
    helped = {y: n for y, n in prevention["households_helped_by_year"].items() if n}
    top_up = sum(assistance["dibao_top_up_yuan_by_year"].values())
    lines = [f"{indent}county's own assistance (not the fund's): dibao top-up "
             f"{top_up / YUAN_PER_WAN:,.0f} 万元 over the horizon"]
    if helped:
        years = ", ".join(f"{y}: {n:,.0f}" for y, n in helped.items())
        paid = sum(prevention["help_yuan_by_year"].values())
        kept = assistance["stable_exits_kept_by_help"]["mean"]
        lines.append(f"{indent}防返贫 help: households helped {years}; "
                     f"{paid / YUAN_PER_WAN:,.0f} 万元 (in the net fiscal cost); {kept:,.0f} "
                     f"stable exits only the help keeps")
    return lines


def _broken_text(row: dict[str, Any]) -> str:
    """``budget_1: 12,202 万元 used, 4,000 万元 allowed`` (money rows in 万元)."""
    if str(row["constraint"]).startswith("budget_"):
        return (f"{row['constraint']}: {row['used'] / YUAN_PER_WAN:,.0f} 万元 used, "
                f"{row['allowed'] / YUAN_PER_WAN:,.0f} 万元 allowed")
    return f"{row['constraint']}: {row['used']:,.0f} used, {row['allowed']:,.0f} allowed"


def target_lines(targets: dict[str, Any]) -> list[str]:
    """The goal "targets" in words: each year's target, what can be reached, what the plan
    reaches, and the additions it takes with the --set that makes each."""
    confidence = targets["confidence"]
    basis = "gross" if targets["cost_basis"] == "gross" else "net"
    lines = [f"goal: the least-cost plan ({basis} outlays) meeting each year's exit target in "
             f"{confidence:.0%} of replications"]
    for year, entry in targets["by_year"].items():
        reach = {"out_of_reach": "out of reach: the most any allocation has exited by then "
                                 f"is {entry['reachable_people']:,.0f} on average",
                 "met": "met within the budgets and limits",
                 "needs_additions": "needs the additions below",
                 "unmet": "not met even with more money and capacity"}[entry["state"]]
        lines.append(f"  {year}: target {entry['target_people']:,.0f} people exited; {reach}; "
                     f"the plan has {entry['fresh_people_exited_at_confidence']:,.0f} exited in "
                     f"{confidence:.0%} of fresh replications (meets it in "
                     f"{entry['fresh_share_met']:.0%})")
    if targets["additions"]:
        lines.append("  the cheapest additions that meet them "
                     f"(their own cost {targets['additions_cost_yuan'] / YUAN_PER_WAN:,.1f} 万元, "
                     "money added counted in the plan's outlays):")
        for addition in targets["additions"]:
            field = addition["field"]
            lines.append(f"    {field}: {value_text(field, addition['before'], 'en')} → "
                         f"{value_text(field, addition['after'], 'en')}")
        lines.append("  to plan with them: " + " ".join(f"--set '{s}'" for s in targets["set"]))
    if targets["blocked_by"]:
        lines.append("  out of reach even with more money and capacity; what still binds: "
                     + ", ".join(targets["blocked_by"]))
    return lines


def allocation_lines(summary: dict[str, Any], timings: dict[str, float]) -> list[str]:
    lines: list[str] = []
    if summary.get("targets"):
        lines += target_lines(summary["targets"])
    in_sample = summary["in_sample"]
    gap = in_sample["gap"]
    lines.append(f"optimised ({summary['objective']}, {summary['solver']}): "
                 f"{in_sample['status']}, gap {'n/a' if gap is None else f'{gap:.4%}'}, "
                 f"build {timings['build_seconds']:.1f} s, "
                 f"solve {timings['solve_seconds']:.1f} s")
    lines.append("  on fresh replications:")
    lines += headline_lines(summary, indent="    ")
    request = summary["request"]
    asked = ", ".join(f"{y}: {v / YUAN_PER_WAN:,.0f}" for y, v in request["by_year_yuan"].items())
    unspent = {y: v for y, v in request["unspent_by_year_yuan"].items() if v > 0}
    limits = sorted({b for y in unspent for b in request["unspent_causes"][y]["binding"]})
    lines.append(f"    asked ({request['basis']}): {asked} 万元"
                 + ("; unspent " + ", ".join(f"{y}: {v / YUAN_PER_WAN:,.0f}"
                                            for y, v in unspent.items()) + " 万元, "
                    + ("limited by " + ", ".join(limits) if limits
                       else "nothing more is worth buying at its price")
                    if unspent else ""))
    returns = summary["returns_in_year_after_exit_percent"]
    lines.append(f"    of the households exiting by income, {returns['mean']:.1f} % fall back in "
                 f"the year after their exit (95 % interval {returns['interval_95'][0]:.1f} to "
                 f"{returns['interval_95'][1]:.1f} %)")
    for name, baseline in summary["baselines"].items():
        gain = baseline["optimised_gain"]
        lines.append(f"  vs {name}: {baseline['added_stable_exits']['mean']:+,.0f} added stable "
                     f"exits at {yuan_text(baseline['cost_per_added_stable_exit_yuan'])} each; "
                     f"optimised gain {gain['mean']:+,.1f} (95 % CI {gain['ci95'][0]:+,.1f} to "
                     f"{gain['ci95'][1]:+,.1f})")
        if baseline.get("breaks"):
            lines.append("      breaks " + "; ".join(_broken_text(b) for b in baseline["breaks"]))
    prices = ", ".join(f"{y}: {v:.4f}" for y, v in
                       summary["shadow_price_stable_exits_per_10000_yuan"].items())
    lines.append(f"  extra stable exits per extra 10,000 yuan: {prices}")
    rule = summary.get("coverage_rule")
    if rule:
        given = rule["stable_exits_given_up"]
        money = rule["outlays_difference_yuan"]["mean"]
        more = -money / YUAN_PER_WAN
        spends = f"spends {abs(more):,.0f} 万元 {'more' if more >= 0 else 'less'} than"
        lines.append(f"  帮扶全覆盖 (every registered household with labour a measure): "
                     f"{rule['households_given_a_measure']:,} households given one; it costs "
                     f"{given['mean']:,.1f} stable exits (95 % CI {given['ci95'][0]:,.1f} to "
                     f"{given['ci95'][1]:,.1f}) and {spends} the plan without it")
    for entry in summary.get("prices", []):
        unit = f" per {entry['unit_en']}" if entry["per_field_unit"] else " per unit of the rule"
        lines.append(f"  binds: {entry['limit']} ({entry['constraint']}): "
                     f"{float(entry['stable_exits_per_unit']):.4g} stable exits{unit}")
    if summary.get("frontier"):
        levels = "; ".join(f"{p['budget_factor']:g}×: {p['added_stable_exits']['mean']:+,.0f}"
                           for p in summary["frontier"])
        lines.append(f"  budget frontier (added stable exits): {levels}")
    target = summary.get("target_budget")
    if target is not None:
        if target["met"]:
            amounts = ", ".join(f"{y}: {wan_text(v)}" for y, v in target["budgets_yuan"].items())
            lines.append(f"  exit targets met from {target['budget_factor']:.2f}× the budgets "
                         f"({amounts})")
        else:
            short = ", ".join(f"{y}: {v:,.0f}" for y, v
                              in target["exit_target_shortfall_people"].items())
            lines.append(f"  exit targets not met up to {target['searched_up_to_budget_factor']:g}"
                         f"× the budgets (people short: {short})")
    return lines


def wan_text(yuan: float) -> str:
    """An amount in 万元, as the proposal shows money."""
    return f"{yuan / YUAN_PER_WAN:,.0f}万"


def yuan_text(value: float | None) -> str:
    return "n/a (nothing added)" if value is None else f"{value:,.0f} yuan"


def spread_text(values: Any) -> str:
    """Mean and 95 % interval across replications, as text."""
    block = spread(values)
    low, high = block["interval_95"]
    return f"{block['mean']:,.1f} (95 %: {low:,.0f}–{high:,.0f})"


PROGRESS_BAR_WIDTH = 30
"""Characters in the terminal progress bar."""


class ProgressBar:
    """Progress on stderr when it is a terminal, silent otherwise: one line per stage of the
    run (a :class:`simulator.progress.StageReporter`), with a bar for stages that count."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.unit = "households"
        self.active = sys.stderr.isatty()
        self.open = False

    def stage(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        if not self.active:
            return
        self._end_line()
        if not unit:  # nothing to count: the label alone says what is running
            sys.stderr.write(f"{label} …")
            sys.stderr.flush()
            self.open = True

    def __call__(self, done: int, total: int) -> None:
        if not self.active:
            return
        width = PROGRESS_BAR_WIDTH
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done:,}/{total:,} {self.unit}")
        self.open = done < total
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def finish(self) -> None:
        """End the last stage's line."""
        if self.active:
            self._end_line()

    def _end_line(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            self.open = False
