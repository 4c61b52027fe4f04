"""What a budget proposal says: its figures and tables, computed once for every format.

The HTML document and the xlsx workbook lay out the same :class:`Table` objects, and every
number in them comes from the summary that ``summary.json`` holds, so the formats cannot
disagree with each other or with the JSON.

Why one long module: it is one table builder per section of the proposal, side by side, so that
a change to what a proposal says happens in one place for every format; the words are in
:mod:`.text`, the reasons of the per-household sheet in :mod:`.reasons`.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import labels
from simulator.bibliography import GRADE_WORDS_ZH, GRADES_EN, GRADES_ZH, references
from simulator.labels import Language
from simulator.parameter_texts import parameter_text, source_text, value_text
from simulator.proposal.text import word
from simulator.schema import to_plain, value_at, walk
from simulator.sensitivity import Sensitivity
from simulator.units import YUAN_PER_WAN  # money in the tables is in 万元
from simulator.vocabulary import CATEGORY_LABELS_ZH

if TYPE_CHECKING:
    from simulator.optimizer.solve import AllocationResult
    from simulator.packages import Plan
    from simulator.results import SimulationResult
    from simulator.scenario.model import Scenario



APPENDIX_SKIPS = ("population.", "origin", "sources")
"""Fields the parameter appendix leaves out: the registry's make-up is the household list's
business, and source notes are shown as the sources of the values they describe."""

COMPUTING_SECTIONS = ("simulation.", "optimizer.", "watch.")
DOCUMENT_FIELDS = frozenset({"name", "name_zh", "description", "description_zh", "county",
                             "issuer", "prepared_on"})
OFFERED_MEASURES = "optimizer.instruments"
"""How the model is computed (the sections) and what the document is called (the fields) are
not what it assumes about the county: they are listed apart, in the method appendix. Which
measures the county offers (:data:`OFFERED_MEASURES`) is a decision, and stays an assumption."""

GOAL_STATE_WORDS = {"out_of_reach": "goal_out_of_reach", "met": "goal_met",
                    "needs_additions": "goal_needs", "unmet": "goal_unmet"}
"""The words for each year's state under the goal "targets" (summary.json ``targets``)."""

EQUITY_LOSS_SHARE = 0.95
"""Share of outcomes within which the equity section states the loss of principal (the 95 % of
the document's other intervals)."""

MAX_FAILURE_COMBINATIONS = 1 << 16
"""Most combinations of enterprise failures enumerated for that loss [count]; beyond it the
section states the loss if every enterprise failed (engineering choice: 16 enterprises)."""

PROBABILITY_TOLERANCE = 1e-12
"""Float noise below which summed chances count as reaching a share."""

MOST_OF_THE_PLAN = 0.9
"""The proposal points out the smallest budget level whose plan adds at least this share of the
stable exits the filed plan adds (a reading aid: 'half the money buys 90 %')."""

OVER_BUDGET_TOLERANCE_WAN = 0.005
"""Excess over a year's budget the proposal does not warn about [万元]: below the last digit its
tables show (0.01 万元)."""


@dataclass
class Table:
    """A titled table; ``kinds`` says how each column is formatted. Built row by row, so it
    is mutable."""

    key: str
    title: str
    columns: list[str]
    kinds: list[str]
    """Per column: 'text', 'int', 'number' (one decimal), 'wan' (万元, two decimals),
    'yuan' (whole yuan), 'share' (percent), 'probability' (three decimals), 'rate' (a
    per-万元 rate, three decimals), 'value' (a parameter value, as many digits as it has)."""
    rows: list[list[Any]] = field(default_factory=list)
    sum_columns: tuple[int, ...] = ()
    """Columns whose last row is the sum of the rows above it (written as a SUM formula in the
    workbook, so an office that edits a row sees the total follow)."""
    list_like: bool = False
    """A long list (households, parameters): filters on its header in the workbook."""
    page_break_column: int | None = None
    """Start a new printed page whenever this column's value changes (one page per village)."""
    row_kinds: dict[int, str] = field(default_factory=dict)
    """Rows whose values (after the first, label column) take another kind than their column's:
    a summary table mixing counts, money and text."""

    def row_of_kinds(self, i: int) -> list[str]:
        """How each cell of row ``i`` is formatted."""
        kind = self.row_kinds.get(i)
        return self.kinds if kind is None else [self.kinds[0], *[kind] * (len(self.kinds) - 1)]

    def add(self, row: list[Any], kind: str | None = None) -> None:
        """Append ``row``; ``kind`` formats its values (not its label) when given."""
        if kind is not None:
            self.row_kinds[len(self.rows)] = kind
        self.rows.append(row)

    def as_columns(self) -> dict[str, list[Any]]:
        """The table as named columns (what :func:`simulator.files.write_table` writes)."""
        return {title: [row[j] for row in self.rows] for j, title in enumerate(self.columns)}


@dataclass(frozen=True, eq=False)
class Proposal:
    """A budget proposal: the optimised allocation (its evaluation run is also the plan's run,
    for the charts) and the sensitivity of its stable exits."""

    allocation: AllocationResult
    sensitivity: list[Sensitivity]
    sensitivity_reps: int

    @property
    def plan_result(self) -> SimulationResult:
        """The plan's run on the evaluation replications (income paths for the charts)."""
        return self.allocation.plan_run

    @property
    def scenario(self) -> Scenario:
        return self.allocation.scenario

    def summary(self) -> dict[str, Any]:
        """``summary.json``: the allocation summary and the sensitivity analysis."""
        summary = self.allocation.summary()
        summary["sensitivity"] = {
            "replications": self.sensitivity_reps,
            "seed": self.allocation.evaluation_set.result.seed,
            "parameters": [{"path": s.assumption.path, "low": round(s.low_value, 6),
                            "high": round(s.high_value, 6), "change_at_low": s.low,
                            "change_at_high": s.high, "source": s.assumption.source}
                           for s in self.sensitivity]}
        return summary

    def plan_years(self) -> list[str]:
        cands = self.allocation.evaluation_set
        return [str(int(y)) for y in self.scenario.calendar_years[:cands.plan_years]]

    # -- tables ---------------------------------------------------------------------------------

    def tables(self, summary: dict[str, Any], lang: Language) -> dict[str, Table]:
        """Every table of the proposal, from ``summary`` (as written to summary.json)."""
        return {table.key: table for table in (
            self.cover_table(summary, lang), self.instrument_table(summary, lang),
            self.township_table(summary, lang), self.year_table(summary, lang),
            self.assistance_table(summary, lang),
            *([self.frontier_table(summary, lang)] if summary.get("frontier") else []),
            self.comparison_table(summary, lang), self.sensitivity_table(lang),
            self.equity_table(lang),
            self.assumption_table(lang), self.assumption_table(lang, settings=True),
            self.reference_table(lang),
            self.household_table(lang), self.per_household_table(lang))}

    def cover_table(self, summary: dict[str, Any], lang: Language) -> Table:
        """The cover's figures (money in 万元, counts whole, the net fiscal cost with its range
        across outcomes), then where the proposal comes from (:meth:`provenance`)."""
        years = self.plan_years()
        table = Table("cover", word("summary_sheet", lang), [word("item", lang),
                      word("amount", lang)], ["text", "number"])
        wan = word("wan", lang)

        def money(label: str, yuan: float) -> None:
            table.add([_with_unit(label, wan, lang), yuan / YUAN_PER_WAN], "wan")

        request = summary["request"]
        for year in years:
            money(f"{word('asked', lang)} {word('per_year', lang, year=year)}",
                  request["by_year_yuan"][year])
        money(word("asked", lang) + " " + word("total", lang), request["total_yuan"])
        money(word("budget", lang) + " " + word("total", lang),
              sum(summary["budgets_yuan"].values()))
        money(word("unspent", lang) + " " + word("total", lang),
              sum(request["unspent_by_year_yuan"].values()))
        money(word("outlays", lang) + " " + word("total", lang), summary["outlays_total"]["mean"])
        net = summary["net_fiscal_cost"]
        money(word("net_fiscal_cost", lang), net["mean"])
        money(word("net_fiscal_cost", lang) + " " + word("interval", lang) + " "
              + word("low", lang), net["interval_95"][0])
        money(word("net_fiscal_cost", lang) + " " + word("interval", lang) + " "
              + word("high", lang), net["interval_95"][1])
        added = summary["added_stable_exits"]
        table.add([word("added_exits", lang), added["mean"]], "int")
        table.add([word("ci", lang) + " " + word("low", lang), added["ci95"][0]], "int")
        table.add([word("ci", lang) + " " + word("high", lang), added["ci95"][1]], "int")
        table.add([_with_unit(word("cost_per_exit", lang), word("yuan", lang), lang),
                   summary["cost_per_added_stable_exit_yuan"]], "yuan")
        table.add([_with_unit(word("net_cost_per_exit", lang), word("yuan", lang), lang),
                   summary["net_cost_per_added_stable_exit_yuan"]], "yuan")
        stable = summary["stable_exits"]
        table.add([word("expected_exits", lang), stable["mean"]], "int")
        table.add([word("interval", lang) + " " + word("low", lang), stable["interval_95"][0]],
                  "int")
        table.add([word("interval", lang) + " " + word("high", lang), stable["interval_95"][1]],
                  "int")
        table.add([word("by_income", lang), summary["stable_exits_by_income"]["mean"]], "int")
        table.add([word("by_safety_net", lang), summary["stable_exits_by_safety_net"]["mean"]],
                  "int")
        table.add([word("without_support", lang),
                   summary["stable_exits_without_support"]["mean"]], "int")
        table.add([word("supported", lang), self.households_supported()], "int")
        table.add([word("households", lang), summary["households"]], "int")
        for label, value in self.provenance(lang):
            table.add([label, value], "text")
        return table

    def equity_exposure(self) -> list[dict[str, Any]]:
        """The plan's equity principal by enterprise, with what a failure would lose: per
        enterprise its name as the scenario gives it, households, principal [yuan], chance of
        failing over the term, the loss if it fails (the principal not recovered) and the
        expected loss [yuan]."""
        return self._equity_rows

    @cached_property
    def _equity_rows(self) -> list[dict[str, Any]]:
        cands = self.allocation.candidates
        params = self.scenario.instruments.equity
        choice = self.allocation.optimised.choice
        holds = cands.uses("equity")[choice]
        principal = cands.equity_principal()
        assignment, count = cands.enterprise()
        names = [e.name for e in params.enterprises] or ["—"]
        out = []
        for j in range(count):
            members = holds & (assignment == j)
            placed = float(principal[members].sum())
            if placed <= 0:
                continue
            loss = placed * (1 - params.principal_recovery_share)
            out.append({"name": names[min(j, len(names) - 1)], "households": int(members.sum()),
                        "principal_yuan": placed,
                        "failure_chance": params.failure_probability_over_term,
                        "loss_if_failed_yuan": loss,
                        "expected_loss_yuan": loss * params.failure_probability_over_term})
        return out

    def equity_loss_quantile(self, share: float = EQUITY_LOSS_SHARE) -> float:
        """The loss of equity principal [yuan] not exceeded in ``share`` of outcomes, the
        enterprises failing independently (exact over every combination of failures)."""
        rows = self.equity_exposure()
        if not rows:
            return 0.0
        outcomes = [(0.0, 1.0)]
        for row in rows:
            p, loss = row["failure_chance"], row["loss_if_failed_yuan"]
            outcomes = [(total + loss, chance * p) for total, chance in outcomes] + \
                       [(total, chance * (1 - p)) for total, chance in outcomes]
            if len(outcomes) > MAX_FAILURE_COMBINATIONS:
                break  # too many enterprises to enumerate: the bound below is the total
        else:
            reached = 0.0
            for total, chance in sorted(outcomes):
                reached += chance
                if reached >= share - PROBABILITY_TOLERANCE:
                    return total
        return sum(row["loss_if_failed_yuan"] for row in rows)

    def equity_table(self, lang: Language) -> Table:
        """Equity principal by enterprise and what its failure would cost the county."""
        wan = word("wan", lang)
        table = Table("equity", word("equity_sheet", lang),
                      [word("enterprise", lang), word("households", lang),
                       _with_unit(word("principal", lang), wan, lang),
                       word("failure_chance", lang),
                       _with_unit(word("loss_if_failed", lang), wan, lang),
                       _with_unit(word("expected_loss", lang), wan, lang)],
                      ["text", "int", "wan", "share", "wan", "wan"])
        for row in self.equity_exposure():
            table.rows.append([row["name"], row["households"],
                               row["principal_yuan"] / YUAN_PER_WAN, row["failure_chance"],
                               row["loss_if_failed_yuan"] / YUAN_PER_WAN,
                               row["expected_loss_yuan"] / YUAN_PER_WAN])
        return table

    def equity_texts(self, lang: Language) -> list[str]:
        """The equity risk in words: how much goes to how many enterprises, what 95 % of
        outcomes lose at most, and the rules that keep equity from being debt in disguise."""
        rows = self.equity_exposure()
        if not rows:
            return []
        params = self.scenario.instruments.equity
        total = sum(r["principal_yuan"] for r in rows)
        return [word("equity_exposure", lang, enterprises=len(rows),
                     principal=f"{total / YUAN_PER_WAN:,.0f}",
                     expected=f"{sum(r['expected_loss_yuan'] for r in rows) / YUAN_PER_WAN:,.0f}",
                     high=f"{self.equity_loss_quantile() / YUAN_PER_WAN:,.0f}",
                     share=f"{EQUITY_LOSS_SHARE:.0%}",
                     recovery=f"{params.principal_recovery_share:.0%}"),
                source_text(word("equity_rules", lang), lang)]

    def provenance(self, lang: Language) -> list[tuple[str, str]]:
        """Where the proposal comes from, for its cover: the households (synthetic, or the
        registry file with its row count and SHA-256), the scenario, the date, the issuing
        office (编制单位) and the tool's version."""
        from simulator.version import __version__

        registry = self.allocation.registry
        if registry.sha256:
            data = word("registry_file", lang, name=Path(registry.source).name,
                        households=f"{registry.n_households:,}", digest=registry.sha256)
        else:
            data = word("synthetic_data", lang, households=f"{registry.n_households:,}")
        scenario = self.scenario
        marked = [(word("purpose", lang), word("preview_mark", lang))] \
            if scenario.simulation.preview else []
        return [*marked, (word("data_source", lang), data),
                (word("scenario_label", lang), scenario.display_name(lang)),
                (word("prepared_on", lang), self.prepared_on()),
                (word("issuer", lang), scenario.issuer or word("issuer_blank", lang)),
                (word("tool_version", lang), word("tool_name_version", lang,
                                                   version=__version__))]

    def prepared_on(self) -> str:
        """The proposal's date (YYYY-MM-DD): the scenario's ``prepared_on``, else the day given
        by ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), else today."""
        if self.scenario.prepared_on:
            return self.scenario.prepared_on
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isdigit():
            return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date().isoformat()
        return datetime.date.today().isoformat()

    @cached_property
    def allocation_table(self) -> dict[str, list[Any]]:
        """The allocation's per-household table (computed once: the household list, 一户一策
        and allocation.csv all read it)."""
        return self.allocation.allocation_table()

    @cached_property
    def plan(self) -> Plan:
        """The optimised allocation as a plan (one package per household)."""
        return self.allocation.plan

    def households_supported(self) -> int:
        return int(self.plan.supported().sum())

    def people_supported(self) -> int:
        return int(self.allocation.registry.size[self.plan.supported()].sum())

    def instrument_table(self, summary: dict[str, Any], lang: Language) -> Table:
        years = self.plan_years()
        table = Table("instrument", word("by_instrument", lang),
                      [word("instrument", lang), word("households", lang), word("people", lang),
                       *[_with_unit(word("per_year", lang, year=y), word("wan", lang), lang)
                         for y in years],
                       _with_unit(word("total", lang), word("wan", lang), lang)],
                      ["text", "int", "int", *["wan"] * len(years), "wan"])
        counts = self.instrument_counts()
        for key, by_year in summary["outlays_by_instrument"].items():
            households, people = counts.get(key, (0, 0))
            amounts = [by_year[y] / YUAN_PER_WAN for y in years]
            table.rows.append([labels.instrument(key, lang), households, people, *amounts,
                               sum(amounts)])
        total = _total_row(table, lang)
        # A household may get two instruments: the total counts it once (not a sum).
        total[1], total[2] = self.households_supported(), self.people_supported()
        table.sum_columns = tuple(j for j in table.sum_columns if j not in (1, 2))
        table.rows.append(total)
        return table

    def instrument_counts(self) -> dict[str, tuple[int, int]]:
        """Instrument key → (households, people) that receive it."""
        size = self.allocation.registry.size
        out: dict[str, tuple[int, int]] = {}
        for key in {v.key for p in self.plan.packages for v in p.variants}:
            members = self.plan.uses(key)
            out[key] = (int(members.sum()), int(size[members].sum()))
        return out

    def township_table(self, summary: dict[str, Any], lang: Language) -> Table:
        years = self.plan_years()
        table = Table("township", word("by_township", lang),
                      [word("township", lang), word("registered", lang),
                       word("supported", lang), word("coverage", lang),
                       *[_with_unit(word("per_year", lang, year=y), word("wan", lang), lang)
                         for y in years],
                       _with_unit(word("total", lang), word("wan", lang), lang)],
                      ["text", "int", "int", "share", *["wan"] * len(years), "wan"])
        coverage = self.plan.coverage_by_township(self.allocation.registry)
        for town, by_year in summary["outlays_by_township"].items():
            amounts = [by_year[y] / YUAN_PER_WAN for y in years]
            count, helped = coverage.get(town, (0, 0))
            table.rows.append([town, count, helped, helped / count if count else None,
                               *amounts, sum(amounts)])
        total = _total_row(table, lang)
        total[3] = total[2] / total[1] if total[1] else None
        table.rows.append(total)
        return table

    def year_table(self, summary: dict[str, Any], lang: Language) -> Table:
        years = self.plan_years()
        table = Table("year", word("by_year", lang),
                      [word("year", lang), _with_unit(word("budget", lang), word("wan", lang),
                                                      lang),
                       _with_unit(word("outlays", lang), word("wan", lang), lang),
                       _with_unit(word("outlays_interval", lang), word("wan", lang), lang),
                       word("exits_in_year", lang), word("shadow_price", lang)],
                      ["text", "wan", "wan", "text", "int", "probability"])
        for year in years:
            outlays = summary["outlays_by_year"][year]
            low, high = (v / YUAN_PER_WAN for v in outlays["interval_95"])
            table.rows.append([year, summary["budgets_yuan"][year] / YUAN_PER_WAN,
                               outlays["mean"] / YUAN_PER_WAN, f"{low:,.2f}–{high:,.2f}",
                               summary["exits_by_year"][year]["mean"],
                               summary["shadow_price_stable_exits_per_10000_yuan"][year]])
        table.rows.append([word("total", lang), sum(summary["budgets_yuan"].values())
                           / YUAN_PER_WAN, summary["outlays_total"]["mean"] / YUAN_PER_WAN,
                           "", sum(summary["exits_by_year"][y]["mean"] for y in years), None])
        table.sum_columns = (1, 2, 4)
        return table

    def assistance_table(self, summary: dict[str, Any], lang: Language) -> Table:
        """The county's own assistance by simulated year: dibao top-up, households found and
        helped by 防返贫 monitoring, and what the help cost (none of it from the fund)."""
        assistance = summary["county_assistance"]
        prevention = assistance["prevention"]
        table = Table("assistance", word("assistance_title", lang),
                      [word("year", lang),
                       _with_unit(word("dibao_top_up", lang), word("wan", lang), lang),
                       word("found", lang), word("helped", lang),
                       _with_unit(word("help_paid", lang), word("wan", lang), lang)],
                      ["text", "wan", "int", "int", "wan"])
        for year, top_up in assistance["dibao_top_up_yuan_by_year"].items():
            table.rows.append([year, top_up / YUAN_PER_WAN,
                               round(prevention["households_found_by_year"][year]),
                               round(prevention["households_helped_by_year"][year]),
                               prevention["help_yuan_by_year"][year] / YUAN_PER_WAN])
        # money adds up over the years; households found or helped in several years do not
        table.rows.append([word("total", lang), sum(r[1] for r in table.rows), None, None,
                           sum(r[4] for r in table.rows)])
        table.sum_columns = (1, 4)
        return table

    def assistance_texts(self, summary: dict[str, Any], lang: Language) -> list[str]:
        """What the county's assistance is, and the stable exits only its help keeps."""
        prevention = summary["county_assistance"]["prevention"]

        def year(value: int | None) -> str:
            if value is None:
                return word("not_in_horizon", lang)
            return f"{value}年" if lang == "zh" else str(value)

        texts = [word("assistance_intro", lang, monitoring=year(prevention["monitoring_from_year"]),
                      remaining=year(prevention["remaining_poor_from_year"]))]
        kept = summary["county_assistance"]["stable_exits_kept_by_help"]["mean"]
        if kept >= 0.5:
            texts.append(word("assistance_kept", lang, kept=f"{kept:,.0f}"))
        return texts

    def over_budget(self, summary: dict[str, Any]) -> list[tuple[str, float]]:
        """(plan year, 万元) where outlays on fresh replications break the budget rule: the
        mean under the expected rule, the ``confidence`` quantile under the confidence rule."""
        confident = summary["budget_rule"]["rule"] == "confidence"
        out = []
        for year in self.plan_years():
            spent = (summary["outlays_at_confidence_by_year"][year] if confident
                     else summary["outlays_by_year"][year]["mean"])
            excess = spent - summary["budgets_yuan"][year]
            if excess > OVER_BUDGET_TOLERANCE_WAN * YUAN_PER_WAN:
                out.append((year, excess / YUAN_PER_WAN))
        return out

    def budget_rule_text(self, summary: dict[str, Any], lang: Language) -> str:
        """Which budget rule the plan was made under, in words."""
        rule = summary["budget_rule"]
        if rule["rule"] == "confidence":
            return word("budget_rule_confidence", lang, share=f"{rule['confidence']:.0%}")
        return word("budget_rule_expected", lang)

    def prices_text(self, summary: dict[str, Any], lang: Language,
                    capacities_only: bool = False) -> str | None:
        """What one more unit of each binding capacity (and rule) buys, in the units a planner
        uses ("每增加100个岗位/年（年度新增岗位上限），可多稳定脱贫3户"); None when none binds."""
        parts = []
        for entry in summary.get("prices", []):
            if capacities_only and not entry["per_field_unit"]:
                continue
            price = float(entry["stable_exits_per_unit"])
            name = entry["name_zh"] if lang == "zh" else entry["name_en"]
            if entry["per_field_unit"]:
                scale = next((10 ** k for k in range(7) if price * 10 ** k >= 1), 10 ** 6)
                unit = entry["unit_zh"] if lang == "zh" else entry["unit_en"]
                parts.append(word("price_capacity", lang, n=f"{scale:,}", unit=unit, name=name,
                                  x=_rate_text(price * scale)))
            else:
                parts.append(word("price_rule", lang, name=name, x=_rate_text(price)))
        if not parts:
            return None
        sep = "；" if lang == "zh" else "; "
        return word("prices_intro", lang) + sep.join(parts) + ("。" if lang == "zh" else ".")

    def request_texts(self, summary: dict[str, Any], lang: Language) -> list[str]:
        """What is asked against the budget, and each year's unspent money (结余) with what
        stops the plan spending it."""
        request = summary["request"]
        if request["basis"] == "budget":
            return [word("request_budget", lang)]
        texts = [word("request_needed", lang)]
        sep = "、" if lang == "zh" else ", "
        for year, left in request["unspent_by_year_yuan"].items():
            if left <= 0:
                continue
            cause = request["unspent_causes"][year]
            binding = sep.join(parameter_text(path, lang).name for path in cause["binding"])
            texts.append(word("unspent_year", lang, year=year,
                              budget=f"{summary['budgets_yuan'][year] / YUAN_PER_WAN:,.0f}",
                              asked=f"{request['by_year_yuan'][year] / YUAN_PER_WAN:,.0f}",
                              left=f"{left / YUAN_PER_WAN:,.0f}",
                              price=_rate_text(cause["shadow_price_stable_exits_per_10000_yuan"]),
                              binding=binding or word("nothing_binds", lang)))
        return texts

    def limits_text(self, summary: dict[str, Any], lang: Language) -> str | None:
        """The limits the plan runs into, each with where its number comes from — a guessed
        one named as such (None when nothing binds)."""
        limits: dict[str, bool] = {}
        for entry in summary.get("binding_limits", []):
            limits[entry["limit"]] = limits.get(entry["limit"], False) or entry["guess"]
        if not limits:
            return None
        sep = "；" if lang == "zh" else "; "
        parts = [parameter_text(path, lang).name + (word("limit_guess", lang) if guess else "")
                 for path, guess in limits.items()]
        guessed = any(limits.values())
        return word("limits_binding", lang, limits=sep.join(parts)) + (
            word("limits_guess_note", lang) if guessed else "")

    # -- how much to ask for --------------------------------------------------------------------

    def frontier_table(self, summary: dict[str, Any], lang: Language) -> Table:
        """Each budget level of the frontier: budget, outlays (mean and at the confidence
        level, by year), added stable exits with their interval, the share of this plan's
        added exits, what each 万元 beyond the level below buys, and the exit-target shortfall
        in the last plan year (when the scenario sets targets)."""
        years = self.plan_years()
        share = f"{summary['budget_rule']['confidence']:.0%}"
        targets = bool(self.scenario.policy.exit_targets_share_of_people)
        wan = word("wan", lang)
        columns = [word("budget_level", lang), _with_unit(word("budget_total", lang), wan, lang),
                   _with_unit(word("outlays", lang), wan, lang),
                   _with_unit(word("outlays_confident", lang, share=share), wan, lang),
                   word("added_exits", lang), word("ci", lang),
                   word("share_of_plan_col", lang), word("marginal_col", lang),
                   *([word("target_short_col", lang, year=years[-1])] if targets else [])]
        kinds = ["value", "wan", "wan", "text", "int", "text", "share", "rate",
                 *(["int"] if targets else [])]
        table = Table("frontier", word("frontier_sheet", lang), columns, kinds)
        plan_added = summary["added_stable_exits"]["mean"]
        for point in summary["frontier"]:
            at_confidence = point["outlays_at_confidence_by_year_yuan"]
            confident = " / ".join(f"{at_confidence[y] / YUAN_PER_WAN:,.0f}" for y in years)
            added = point["added_stable_exits"]
            table.rows.append([
                point["budget_factor"], sum(point["budgets_yuan"].values()) / YUAN_PER_WAN,
                point["outlays_total_yuan"] / YUAN_PER_WAN, confident, added["mean"],
                _ci(added), added["mean"] / plan_added if plan_added > 0 else None,
                point["added_stable_exits_per_10000_yuan_more"],
                *([point["exit_target_shortfall_people"][years[-1]]] if targets else [])])
        return table

    def asking_texts(self, summary: dict[str, Any], lang: Language) -> list[str]:
        """The sentences of the 'how much to ask for' section: what one more 万元 buys in each
        year, how little of the budget buys most of the plan's added exits, and the smallest
        budget that meets the exit targets."""
        texts = [self.marginal_text(summary, lang)]
        share = self.share_of_plan_text(summary, lang)
        if share:
            texts.append(share)
        texts.append(self.target_text(summary, lang))
        return texts

    def marginal_text(self, summary: dict[str, Any], lang: Language) -> str:
        parts = []
        for year, value in summary["shadow_price_stable_exits_per_10000_yuan"].items():
            if value > 0:
                parts.append(word("marginal_year", lang, year=year, value=_rate_text(value),
                                  per=f"{1 / value:,.0f}"))
            else:
                parts.append(word("marginal_zero", lang, year=year))
        return (word("marginal_intro", lang) + word("marginal_join", lang).join(parts)
                + word("sentence_end", lang))

    def share_of_plan_text(self, summary: dict[str, Any], lang: Language) -> str | None:
        """The smallest frontier level below the budgets asked whose plan adds at least
        :data:`MOST_OF_THE_PLAN` of this plan's added stable exits (None when none does)."""
        plan_added = summary["added_stable_exits"]["mean"]
        if plan_added <= 0:
            return None
        for point in summary.get("frontier", []):
            share = point["added_stable_exits"]["mean"] / plan_added
            if point["budget_factor"] < 1 and share >= MOST_OF_THE_PLAN:
                return word("share_of_plan", lang, factor=f"{point['budget_factor']:g}",
                            share=f"{share:.0%}")
        return None

    def goal_texts(self, summary: dict[str, Any], lang: Language) -> list[str]:
        """Under the goal "targets": how the plan was made, each year's target against what the
        plan reaches, and the additions it takes (empty under the goal "exits")."""
        targets = summary.get("targets")
        if not targets:
            return []
        share = f"{targets['confidence']:.0%}"
        texts = [word("goal_intro", lang, share=share,
                      basis=word(f"goal_basis_{targets['cost_basis']}", lang))]
        end = word("sentence_end", lang)
        for year, entry in targets["by_year"].items():
            state = word(GOAL_STATE_WORDS[entry["state"]], lang,
                         reach=f"{entry['reachable_people']:,.0f}",
                         none=f"{entry['without_support_people']:,.0f}")
            texts.append(word("goal_year", lang, year=year, target=f"{entry['target_people']:,.0f}",
                              state=state, share=share,
                              reached=f"{entry['fresh_people_exited_at_confidence']:,.0f}",
                              met=f"{entry['fresh_share_met']:.0%}") + end)
        if targets["additions"]:
            items = [self._addition_text(a, lang) for a in targets["additions"]]
            texts.append(word("goal_additions", lang,
                              cost=f"{targets['additions_cost_yuan'] / YUAN_PER_WAN:,.1f}",
                              items=word("marginal_join", lang).join(items)))
        if targets["blocked_by"]:
            names = [parameter_text(f, lang).name for f in targets["blocked_by"]]
            texts.append(word("goal_blocked", lang, names=word("list_join", lang).join(names)))
        return texts

    def _addition_text(self, addition: dict[str, Any], lang: Language) -> str:
        field = addition["field"]
        name = addition["name_zh"] if lang == "zh" else field
        if field == "budget.yearly_yuan":
            years = self.plan_years()
            before = word("list_join", lang).join(
                word("amount_in_year", lang, year=y, amount=f"{v / YUAN_PER_WAN:,.0f}")
                for y, v in zip(years, addition["before"], strict=True))
            after = word("list_join", lang).join(
                word("amount_in_year", lang, year=y, amount=f"{v / YUAN_PER_WAN:,.0f}")
                for y, v in zip(years, addition["after"], strict=True))
            return word("goal_addition", lang, name=name, before=before, after=after, unit="")
        if isinstance(addition["after"], list):  # enterprises: their absorption
            before = sum(e["absorption_yuan"] for e in addition["before"]) / YUAN_PER_WAN
            after = sum(e["absorption_yuan"] for e in addition["after"]) / YUAN_PER_WAN
            return word("goal_addition", lang, name=name, before=f"{before:,.0f}",
                        after=f"{after:,.0f}", unit=word("wan", lang))
        unit = addition["unit_zh"] if lang == "zh" else addition["unit_en"]
        return word("goal_addition", lang, name=name, before=f"{addition['before']:,.0f}",
                    after=f"{addition['after']:,.0f}", unit=unit)

    def target_text(self, summary: dict[str, Any], lang: Language) -> str:
        if summary.get("targets"):
            return " ".join(self.goal_texts(summary, lang)[:1])
        target = summary.get("target_budget")
        if target is None:
            return word("targets_none", lang)
        join = word("list_join", lang)
        if target["met"]:
            amounts = join.join(word("amount_in_year", lang, year=y,
                                     amount=f"{v / YUAN_PER_WAN:,.0f}")
                                for y, v in target["budgets_yuan"].items())
            return word("targets_met", lang, factor=f"{target['budget_factor']:.2f}",
                        amounts=amounts)
        shortfall = join.join(f"{v:,.0f}" for v in target["exit_target_shortfall_people"].values())
        return word("targets_unmet", lang, up_to=f"{target['searched_up_to_budget_factor']:g}",
                    shortfall=shortfall)

    def comparison_table(self, summary: dict[str, Any], lang: Language) -> Table:
        table = Table("comparison", word("comparison_sheet", lang),
                      [word("plan", lang), word("added_exits", lang), word("ci", lang),
                       word("stable_exits", lang),
                       _with_unit(word("outlays", lang), word("wan", lang), lang),
                       _with_unit(word("cost_per_exit", lang), word("yuan", lang), lang),
                       word("returns_after_exit", lang),
                       word("gain", lang), word("ci", lang)],
                      ["text", "int", "text", "int", "wan", "yuan", "share", "int", "text"])

        def row(name: str, figures: dict[str, Any], gain: dict[str, Any] | None) -> list[Any]:
            added = figures["added_stable_exits"]
            return [labels.plan(name, lang), added["mean"], _ci(added),
                    figures["stable_exits"]["mean"],
                    figures["outlays_total"]["mean"] / YUAN_PER_WAN,
                    figures["cost_per_added_stable_exit_yuan"],
                    figures["returns_in_year_after_exit_percent"]["mean"] / 100,
                    None if gain is None else gain["mean"], "" if gain is None else _ci(gain)]

        table.rows.append(row("optimised", summary, None))
        for name, baseline in summary["baselines"].items():
            table.rows.append(row(name, baseline, baseline["optimised_gain"]))
        return table

    def programme_text(self, summary: dict[str, Any], lang: Language) -> str | None:
        """What the county's own programme would break: each budget year and capacity it goes
        past, with what it needs and what is allowed (None when it is not a baseline)."""
        programme = summary["baselines"].get("county_programme")
        if programme is None:
            return None
        if not programme["breaks"]:
            return word("programme_within", lang)
        sep = "；" if lang == "zh" else "; "
        items = []
        for row in programme["breaks"]:
            name = _limit_name(row, summary, lang)
            if str(row["constraint"]).startswith("budget_"):
                items.append(word("break_money", lang, name=name,
                                  used=f"{row['used'] / YUAN_PER_WAN:,.0f}",
                                  allowed=f"{row['allowed'] / YUAN_PER_WAN:,.0f}"))
            else:
                items.append(word("break_capacity", lang, name=name, used=f"{row['used']:,.0f}",
                                  allowed=f"{row['allowed']:,.0f}"))
        return word("programme_breaks", lang, items=sep.join(items))

    def coverage_text(self, summary: dict[str, Any], lang: Language) -> str | None:
        """What 帮扶全覆盖 costs against the plan without it (None when the rule is off)."""
        rule = summary.get("coverage_rule")
        if rule is None:
            return None
        given = rule["stable_exits_given_up"]
        money = rule["outlays_difference_yuan"]["mean"] / YUAN_PER_WAN
        return word("coverage_rule", lang, households=f"{rule['households_given_a_measure']:,}",
                    exits=f"{given['mean']:,.0f}", low=f"{given['ci95'][0]:,.0f}",
                    high=f"{given['ci95'][1]:,.0f}",
                    money=word("spends_more" if money <= 0 else "spends_less", lang,
                               amount=f"{abs(money):,.0f}"))

    def sensitivity_table(self, lang: Language) -> Table:
        table = Table("sensitivity", word("sensitivity_sheet", lang),
                      [word("parameter", lang), word("low", lang), word("high", lang),
                       word("change_low", lang), word("ci", lang), word("change_high", lang),
                       word("ci", lang), word("source", lang)],
                      ["text", "text", "text", "number", "text", "number", "text", "text"])
        for row in self.sensitivity:
            unit = _unit_of(row.assumption.path, lang)
            table.rows.append([
                row.assumption.label(lang), _with_value_unit(row.low_value, unit),
                _with_value_unit(row.high_value, unit), row.low["mean"],
                f"{row.low['ci95'][0]:+,.1f} – {row.low['ci95'][1]:+,.1f}", row.high["mean"],
                f"{row.high['ci95'][0]:+,.1f} – {row.high['ci95'][1]:+,.1f}",
                source_text(row.assumption.source_text(lang), lang)])
        return table

    def assumption_table(self, lang: Language, settings: bool = False) -> Table:
        """Every model assumption (or, with ``settings``, every computing setting: replications,
        seeds, solver options, the document's name; :data:`COMPUTING_SECTIONS`): name, value,
        unit, meaning and source. English names the field by its path (what a scenario file
        writes); Chinese by its Chinese name, with every text in Chinese
        (:mod:`simulator.parameter_texts`)."""
        from simulator.scenario.model import Scenario

        key, title = ("settings", "settings_sheet") if settings else \
            ("assumptions", "assumptions_sheet")
        table = Table(key, word(title, lang),
                      [word("path" if lang == "en" else "parameter", lang), word("value", lang),
                       word("unit", lang), word("meaning", lang), word("source", lang)],
                      ["text", "text", "text", "text", "text"], list_like=True)
        for entry in walk(Scenario):
            if "[]" in entry.path or entry.path.startswith(APPENDIX_SKIPS):
                continue
            if _is_setting(entry.path) != settings:
                continue
            value = value_at(self.scenario, entry.path)
            if value is None or (lang == "zh" and entry.path in ("name", "description")):
                continue  # the Chinese documents show name_zh and description_zh instead
            if entry.path in ("name_zh", "description_zh", "issuer", "prepared_on") and \
                    not value:
                continue
            text = parameter_text(entry.path, lang)
            table.rows.append([text.name, value_text(entry.path, to_plain(value), lang),
                               text.unit, source_text(text.meaning, lang),
                               source_text(self.scenario.source_of(entry.path, lang), lang)])
        return table

    def reference_table(self, lang: Language) -> Table:
        """The sources the parameter and sensitivity tables cite, with their addresses
        (参考文献), in order of first citation."""
        raw = [self.scenario.source_of(e.path, lang) for e in self._appendix_entries()]
        raw += [s.assumption.source for s in self.sensitivity]
        table = Table("references", word("references_sheet", lang),
                      [word("short_name", lang), word("reference", lang), word("grade", lang)],
                      ["text", "text", "text"], list_like=True)
        for source in references(raw):
            grade = (f"{GRADE_WORDS_ZH[source.grade]}（{GRADES_ZH[source.grade]}）"
                     if lang == "zh" else f"{source.grade} ({GRADES_EN[source.grade]})")
            table.rows.append([source.short(lang), source.reference(lang), grade])
        return table

    def _appendix_entries(self) -> list[Any]:
        from simulator.scenario.model import Scenario

        return [e for e in walk(Scenario)
                if "[]" not in e.path and not e.path.startswith(APPENDIX_SKIPS)]

    def per_household_table(self, lang: Language) -> Table:
        """一户一策, sorted by township, village and household, one printed page per village
        (two for a large one): each household's measures with the month they start, the money
        with the part placed in an enterprise or a PV plant apart, its chances of a stable exit
        with and without support, a short reason (:mod:`simulator.proposal.reasons`) and a
        column for the head's signature."""
        from simulator.proposal.reasons import household_reasons

        source = self.allocation_table
        reasons = household_reasons(source, self.plan_years(), lang)
        registry = self.allocation.registry
        # (word of the heading, kind, household i's value); the head's name and the registry's
        # own columns a village form carries only where the registry has them
        columns: list[tuple[str, str, Callable[[int], Any]]] = [
            ("township", "text", lambda i: source["township"][i]),
            ("village", "text", lambda i: source["village"][i]),
            ("household_id", "text", lambda i: source["household_id"][i]),
            *([("head_name", "text", lambda i: source["head_name"][i])]
              if "head_name" in source else []),
            ("people_labour", "text",
             lambda i: f"{int(registry.size[i])}/{int(registry.laborers[i])}"),
            *([("poverty_cause", "text", lambda i: str(registry.poverty_cause[i]))]
              if any(registry.poverty_cause) else []),
            ("measures_from", "text", lambda i: self._measures_from(source, i, lang)),
            ("money_total", "yuan", lambda i: round(reasons[i].cost)),
            ("money_placed", "yuan", lambda i: round(float(source["placed_yuan"][i]))),
            ("chances", "text", lambda i: f"{reasons[i].p_with:.0%}/{reasons[i].p_without:.0%}"),
            ("reason", "text", lambda i: reasons[i].short),
            *([("helper", "text", lambda i: str(registry.helper[i]))]
              if any(registry.helper) else []),
            ("head_signature", "text", lambda i: ""),
        ]
        table = Table("per_household", word("per_household_sheet", lang),
                      [word(key, lang) for key, _, _ in columns],
                      [kind for _, kind, _ in columns], list_like=True, page_break_column=1)
        order = sorted(range(len(reasons)), key=lambda i: (source["township"][i],
                                                           source["village"][i],
                                                           source["household_id"][i]))
        table.rows.extend([value(i) for _, _, value in columns] for i in order)
        return table

    def _measures_from(self, source: dict[str, list[Any]], i: int, lang: Language) -> str:
        """Household i's measures by the month they start: 2016年12月起：股权分红、光伏收益；
        2017年1月起：就业奖补 (the header says a job is for one labourer)."""
        from simulator.packages import Package

        if source["package"][i] == "none":
            return _measure(source, i, lang)
        horizon = self.scenario.horizon
        by_month: dict[int, list[str]] = {}
        for variant in Package.parse(source["package"][i]).variants:
            month = horizon.start_month_of(variant.start_year)
            by_month.setdefault(month, []).append(labels.instrument(variant.key, lang))
        joiner, separator = ("、", "；") if lang == "zh" else (", ", "; ")
        return separator.join(
            word("start_month", lang, year=int(horizon.start_year) + month // 12,
                 month=month % 12 + 1) + ("：" if lang == "zh" else ": ") + joiner.join(names)
            for month, names in sorted(by_month.items()))

    def household_table(self, lang: Language) -> Table:
        """Per household: package and why (from the allocation table)."""
        source = self.allocation_table
        years = self.plan_years()
        columns = [("household_id", "household_id", "text"), ("head_name", "head_name", "text"),
                   ("id_number", "id_number", "text"), ("township", "township", "text"),
                   ("village", "village", "text"), ("category", "category", "text"),
                   ("size", "size", "int"), ("package", "package", "text"),
                   *[(f"cost_{y}", "cost_year", "yuan") for y in years],
                   ("p_stable_exit", "p_stable", "probability"),
                   ("p_stable_exit_without_support", "p_none", "probability"),
                   ("best_other_package", "best_other", "text"),
                   ("p_stable_exit_best_other", "p_best_other", "probability"),
                   ("cost_best_other", "cost_best_other", "yuan")]
        columns = [c for c in columns if c[0] in source]
        titles = [word(key, lang, year=name.removeprefix("cost_")) for name, key, _ in columns]
        table = Table("households", word("households_sheet", lang), titles,
                      [kind for _, _, kind in columns], list_like=True)
        count = len(source["household_id"])
        for i in range(count):
            row = []
            for name, _, _ in columns:
                value = source[name][i]
                if name == "package":
                    value = _measure(source, i, lang)
                elif name == "best_other_package":
                    value = labels.package(value, lang)
                elif name == "category" and lang == "zh":
                    value = CATEGORY_LABELS_ZH.get(value, value)
                row.append(value)
            table.rows.append(row)
        return table


def _measure(source: dict[str, list[Any]], i: int, lang: Language) -> str:
    """Household i's measure in words: its package, or 政策兜底 where the fund gives it nothing
    and the safety net carries it."""
    if source.get("measure", [None] * (i + 1))[i] == "safety_net":
        return labels.SAFETY_NET_MEASURE[lang]
    return labels.package(source["package"][i], lang)


def _limit_name(row: dict[str, Any], summary: dict[str, Any], lang: Language) -> str:
    """A broken row in words: a budget by its plan year, a capacity by its field's name (and
    the plan year of a yearly capacity)."""
    name = str(row["constraint"])
    years = list(summary["budgets_yuan"])
    if name.startswith("budget_"):
        year = years[int(name.rsplit("_", 1)[1])]
        return f"{year}年预算" if lang == "zh" else f"{year} budget"
    text = parameter_text(row["limit"], lang).name if row.get("limit") else name
    suffix = name.rsplit("_", 1)[-1]
    if name.startswith("job_slots_") and suffix.isdigit():
        year = years[int(suffix)]
        return f"{year}年{text}" if lang == "zh" else f"{text} {year}"
    return text


def _with_unit(text: str, unit: str, lang: Language) -> str:
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"


def _interval(block: dict[str, Any]) -> str:
    low, high = block["interval_95"]
    return f"{low:,.0f}–{high:,.0f}"


def _unit_of(path: str, lang: Language) -> str:
    """A parameter's unit in the reader's language ("" where it has none)."""
    try:
        return parameter_text(path, lang).unit
    except KeyError:
        return ""


def _with_value_unit(value: Any, unit: str) -> str:
    """A parameter value rounded as a reader wants it (three significant digits, whole for
    large amounts) with its unit: 0.072905 → "0.0729 元/千瓦时"."""
    number = float(value)
    text = f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"
    return f"{text} {unit}".strip()


def _is_setting(path: str) -> bool:
    """Whether a scenario field is a computing setting rather than a model assumption."""
    if path == OFFERED_MEASURES:
        return False
    return path in DOCUMENT_FIELDS or path.startswith(COMPUTING_SECTIONS)


def _ci(paired: dict[str, Any]) -> str:
    """A paired difference's 95 % confidence interval as text, in whole households."""
    return f"{paired['ci95'][0]:+,.0f} – {paired['ci95'][1]:+,.0f}"


def _total_row(table: Table, lang: Language) -> list[Any]:
    """Column sums of the numeric columns, 'Total' in the first (those columns are recorded as
    :attr:`Table.sum_columns`; a caller that replaces a total with something else removes it)."""
    row: list[Any] = [word("total", lang)]
    sums = []
    for j, kind in enumerate(table.kinds[1:], start=1):
        if kind in ("int", "wan", "yuan", "number"):
            row.append(sum(r[j] or 0 for r in table.rows))
            sums.append(j)
        else:
            row.append(None)
    table.sum_columns = tuple(sums)
    return row


def _rate_text(value: float) -> str:
    """A small rate with two significant digits (0.0053, 0.18, 1.5)."""
    return f"{value:.2g}" if value < 1 else f"{value:,.2f}"


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_value_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
