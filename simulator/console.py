"""What the ``tuopin`` commands print: summaries in plain text and the progress bar.

Each function returns lines (or a string) and prints nothing itself, so the command layer stays
thin and the texts can be tested or reused without a terminal.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from simulator import labels
from simulator.console_words import joined, say
from simulator.messages import message_zh
from simulator.optimizer.rows import describe_row
from simulator.parameter_texts import parameter_text, value_text
from simulator.population import CalibrationRow
from simulator.progress import stage_text
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.statistics import spread
from simulator.units import YUAN_PER_WAN


def describe_population(registry: Registry, lang: str = "en") -> str:
    return say("population", lang, households=registry.n_households, people=registry.n_people,
               source=source_text(registry.source, lang))


def source_text(source: str, lang: str) -> str:
    """Where the households come from: a file as named, or the synthetic registry in words."""
    synthetic = re.fullmatch(r"synthetic \((?P<name>.+), seed (?P<seed>\d+)\)", source)
    if synthetic and lang == "zh":
        return say("synthetic_source", lang, name=synthetic["name"], seed=synthetic["seed"])
    return source


def calibration_text(rows: Sequence[CalibrationRow], lang: str = "en") -> str:
    """The synthetic registry's aggregates against their targets, as a text table."""
    names = [r.aggregate_zh if lang == "zh" else r.aggregate for r in rows]
    heading = say("calibration_columns", lang).split("|")
    width = max(_width(n) for n in [*names, heading[0]])
    lines = [f"{_pad(heading[0], width)}  {_pad(heading[1], 10, right=True)}  "
             f"{_pad(heading[2], 10, right=True)}  {heading[3]}",
             f"{'-' * width}  {'-' * 10}  {'-' * 10}  --"]
    for name, r in zip(names, rows, strict=True):
        fmt = (lambda v: f"{v:,.0f}") if r.exact else (lambda v: f"{v:.3f}")
        lines.append(f"{_pad(name, width)}  {fmt(r.target):>10}  {fmt(r.generated):>10}  "
                     f"{'✓' if r.ok else '✗'}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a text takes in a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` filled with spaces to ``width`` terminal columns (on the left when ``right``)."""
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def calibration_records(rows: Sequence[CalibrationRow]) -> list[dict[str, Any]]:
    return [{"aggregate": r.aggregate, "target": r.target, "generated": r.generated,
             "exact": r.exact, "ok": r.ok} for r in rows]


def registry_notes(registry: Registry, scenario: Scenario, lang: str = "en") -> list[str]:
    """Things worth a clerk's look that are not errors."""
    notes = []
    line = scenario.poverty_line.registration_line_yuan_per_capita
    registered = registry.category != "edge"
    above = int((registry.per_capita_net_income[registered] >= line).sum())
    if above:
        notes.append(say("income_above_line", lang, n=above, line=line))
    notes.extend((message_zh(note) or note) if lang == "zh" else note
                 for note in registry.reading_notes)
    if registry.ignored_columns:
        notes.append(say("unused_columns", lang, columns=joined(
            list(registry.ignored_columns), lang)))
    return notes


def simulation_lines(result: SimulationResult, summary: dict[str, Any],
                     lang: str = "en") -> list[str]:
    lines = [say("simulated", lang, reps=result.reps, seed=result.seed)]
    lines += headline_lines(summary, lang=lang)
    lines.append("  " + say("returns", lang, n=summary["returns_to_poverty"]["mean"]))
    return lines


def headline_lines(summary: dict[str, Any], indent: str = "  ", lang: str = "en") -> list[str]:
    """The honest headline: stable exits added over no support and what each one costs."""
    added = summary["added_stable_exits"]
    low, high = added["ci95"]
    stable = summary["stable_exits"]
    stable = stable.get("households", stable)
    lines = [say("added", lang, mean=added["mean"], low=low, high=high),
             say("cost", lang, gross=yuan_text(summary["cost_per_added_stable_exit_yuan"], lang),
                 net=yuan_text(summary["net_cost_per_added_stable_exit_yuan"], lang)),
             say("stable", lang, n=stable["mean"],
                 income=summary["stable_exits_by_income"]["mean"],
                 net=summary["stable_exits_by_safety_net"]["mean"],
                 alone=summary["stable_exits_without_support"]["mean"]),
             say("outlays", lang, gross=summary["outlays_total"]["mean"] / YUAN_PER_WAN,
                 net=summary["net_fiscal_cost"]["mean"] / YUAN_PER_WAN)]
    if "county_assistance" in summary:
        lines += assistance_lines(summary["county_assistance"], "", lang)
    return [indent + line for line in lines]


def assistance_lines(assistance: dict[str, Any], indent: str = "  ",
                     lang: str = "en") -> list[str]:
    """The county's own assistance, apart from the fund: dibao top-up and 防返贫 help."""
    prevention = assistance["prevention"]
    helped = {y: n for y, n in prevention["households_helped_by_year"].items() if n}
    top_up = sum(assistance["dibao_top_up_yuan_by_year"].values())
    lines = [indent + say("assistance", lang, wan=top_up / YUAN_PER_WAN)]
    if helped:
        years = joined([say("helped_year", lang, year=y, n=n) for y, n in helped.items()], lang)
        paid = sum(prevention["help_yuan_by_year"].values())
        lines.append(indent + say("prevention", lang, years=years, wan=paid / YUAN_PER_WAN,
                                  kept=assistance["stable_exits_kept_by_help"]["mean"]))
    return lines


def _broken_text(row: dict[str, Any], plan_years: list[str], lang: str) -> str:
    """``the 2016 budget: 12,202 万元 used, 4,000 万元 allowed`` (money rows in 万元)."""
    name = describe_row(str(row["constraint"]), row.get("limit"), plan_years, lang)
    if str(row["constraint"]).startswith("budget_"):
        return say("broken_money", lang, row=name, used=row["used"] / YUAN_PER_WAN,
                   allowed=row["allowed"] / YUAN_PER_WAN)
    return say("broken", lang, row=name, used=row["used"], allowed=row["allowed"])


def _field_names(paths: list[str], lang: str) -> str:
    """Scenario fields by their names in ``lang`` (their paths in English)."""
    return joined([parameter_text(path, "zh").name if lang == "zh" else path
                   for path in paths], lang)


def target_lines(targets: dict[str, Any], lang: str = "en") -> list[str]:
    """The goal "targets" in words: each year's target, what can be reached, what the plan
    reaches, and the additions it takes with the --set that makes each."""
    confidence = f"{targets['confidence']:.0%}"
    basis = say("basis_gross" if targets["cost_basis"] == "gross" else "basis_net", lang)
    lines = [say("goal_targets", lang, basis=basis, confidence=confidence)]
    for year, entry in targets["by_year"].items():
        reach = say(f"state_{entry['state']}", lang, n=entry["reachable_people"])
        lines.append("  " + say("target_year", lang, year=year, target=entry["target_people"],
                                reach=reach, exited=entry["fresh_people_exited_at_confidence"],
                                confidence=confidence, share=f"{entry['fresh_share_met']:.0%}"))
    if targets["additions"]:
        lines.append("  " + say("additions", lang,
                                wan=targets["additions_cost_yuan"] / YUAN_PER_WAN))
        for addition in targets["additions"]:
            field = addition["field"]
            text_lang = "zh" if lang == "zh" else "en"
            lines.append("    " + say("addition", lang, name=_field_names([field], lang),
                                      before=value_text(field, addition["before"], text_lang),
                                      after=value_text(field, addition["after"], text_lang)))
        lines.append("  " + say("plan_with", lang)
                     + " ".join(f"--set '{s}'" for s in targets["set"]))
    if targets["blocked_by"]:
        lines.append("  " + say("blocked", lang) + _field_names(targets["blocked_by"], lang))
    return lines


def allocation_lines(summary: dict[str, Any], timings: dict[str, float],
                     lang: str = "en") -> list[str]:
    lines: list[str] = []
    if summary.get("targets"):
        lines += target_lines(summary["targets"], lang)
    in_sample = summary["in_sample"]
    gap = in_sample["gap"]
    lines.append(say("optimised", lang, objective=say(f"objective_{summary['objective']}", lang),
                     solver=summary["solver"], status=status_text(in_sample["status"], lang),
                     gap=say("gap_none", lang) if gap is None else f"{gap:.4%}",
                     build=timings["build_seconds"], solve=timings["solve_seconds"]))
    lines.append("  " + say("fresh", lang))
    lines += headline_lines(summary, indent="    ", lang=lang)
    lines.append("    " + _request_text(summary["request"], lang))
    returns = summary["returns_in_year_after_exit_percent"]
    lines.append("    " + say("fall_back", lang, mean=returns["mean"],
                              low=returns["interval_95"][0], high=returns["interval_95"][1]))
    plan_years = list(summary["budgets_yuan"])
    for name, baseline in summary["baselines"].items():
        gain = baseline["optimised_gain"]
        lines.append("  " + say("baseline", lang, name=plan_name(name, lang),
                                added=baseline["added_stable_exits"]["mean"],
                                cost=yuan_text(baseline["cost_per_added_stable_exit_yuan"], lang),
                                gain=gain["mean"], low=gain["ci95"][0], high=gain["ci95"][1]))
        if baseline.get("breaks"):
            lines.append("      " + say("breaks", lang) + ("；" if lang == "zh" else "; ").join(
                _broken_text(b, plan_years, lang) for b in baseline["breaks"]))
    prices = joined([say("year_value", lang, year=y, value=f"{v:.4f}") for y, v in
                     summary["shadow_price_stable_exits_per_10000_yuan"].items()], lang)
    lines.append("  " + say("shadow_prices", lang, prices=prices))
    rule = summary.get("coverage_rule")
    if rule:
        given = rule["stable_exits_given_up"]
        more = -rule["outlays_difference_yuan"]["mean"] / YUAN_PER_WAN
        spends = say("spends_more" if more >= 0 else "spends_less", lang, wan=abs(more))
        lines.append("  " + say("coverage", lang, households=rule["households_given_a_measure"],
                                given=given["mean"], low=given["ci95"][0], high=given["ci95"][1],
                                spends=spends))
    for entry in summary.get("prices", []):
        price = float(entry["stable_exits_per_unit"])
        name = entry["name_zh"] if lang == "zh" else entry["limit"]
        if entry["per_field_unit"]:
            unit = entry["unit_zh"] if lang == "zh" else entry["unit_en"]
            lines.append("  " + say("binds_unit", lang, name=name, row=entry["constraint"],
                                    price=price, unit=unit))
        else:
            lines.append("  " + say("binds_rule", lang, name=name, row=entry["constraint"],
                                    price=price))
    if summary.get("frontier"):
        levels = ("；" if lang == "zh" else "; ").join(
            say("frontier_level", lang, factor=p["budget_factor"],
                added=p["added_stable_exits"]["mean"]) for p in summary["frontier"])
        lines.append("  " + say("frontier", lang, levels=levels))
    target = summary.get("target_budget")
    if target is not None:
        if target["met"]:
            amounts = joined([say("year_value", lang, year=y, value=wan_text(v))
                              for y, v in target["budgets_yuan"].items()], lang)
            lines.append("  " + say("targets_met_from", lang, factor=target["budget_factor"],
                                    amounts=amounts))
        else:
            short = joined([say("year_value", lang, year=y, value=f"{v:,.0f}") for y, v
                            in target["exit_target_shortfall_people"].items()], lang)
            lines.append("  " + say("targets_not_met", lang,
                                    factor=target["searched_up_to_budget_factor"], short=short))
    return lines


def _request_text(request: dict[str, Any], lang: str) -> str:
    """What is asked for, by year, and the money left unspent with what stops its use."""
    asked = joined([say("asked_year", lang, year=y, wan=v / YUAN_PER_WAN)
                    for y, v in request["by_year_yuan"].items()], lang)
    text = say("asked", lang, basis=say(f"request_{request['basis']}", lang), asked=asked)
    unspent = {y: v for y, v in request["unspent_by_year_yuan"].items() if v > 0}
    if not unspent:
        return text
    limits = sorted({b for y in unspent for b in request["unspent_causes"][y]["binding"]})
    why = (say("limited_by", lang, limits=_field_names(limits, lang)) if limits
           else say("not_worth", lang))
    years = joined([say("asked_year", lang, year=y, wan=v / YUAN_PER_WAN)
                    for y, v in unspent.items()], lang)
    return text + say("unspent", lang, years=years, why=why)


STATUS_ZH = {"Optimal": "最优", "Feasible (time limit)": "可行（到达时间上限）",
             "Not solved": "未求得", "Infeasible": "无可行解"}
"""The solver's status in Chinese."""


def status_text(status: str, lang: str) -> str:
    return STATUS_ZH.get(status, status) if lang == "zh" else status


def plan_name(key: str, lang: str) -> str:
    """A baseline allocation by its name in ``lang`` (its key in English, as summary.json)."""
    return labels.plan(key, "zh") if lang == "zh" else key


def runner_text(description: str, lang: str) -> str:
    """Where a province's counties ran (:mod:`simulator.province.runners`), in ``lang``."""
    if lang != "zh":
        return description
    local = re.fullmatch(r"a local Dask cluster of (\d+) worker processes", description)
    if local:
        return f"本机的 Dask 集群（{local[1]} 个工作进程）"
    remote = re.fullmatch(r"the Dask cluster at (.+)", description)
    if remote:
        return f"Dask 集群 {remote[1]}"
    return "本进程" if description == "this process" else description


def wan_text(yuan: float) -> str:
    """An amount in 万元, as the proposal shows money."""
    return f"{yuan / YUAN_PER_WAN:,.0f}万"


def yuan_text(value: float | None, lang: str = "en") -> str:
    return say("nothing_added", lang) if value is None else say("yuan", lang, value=value)


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

    def __init__(self, label: str, lang: str = "en") -> None:
        self.lang = lang
        self.label, self.unit = stage_text(label, "households", lang)
        self.active = sys.stderr.isatty()
        self.open = False

    def stage(self, label: str, unit: str) -> None:
        self.label, self.unit = stage_text(label, unit, self.lang)
        if not self.active:
            return
        self._end_line()
        if not unit:  # nothing to count: the label alone says what is running
            sys.stderr.write(f"{self.label} …")
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
