"""The scenario: one county plan, as frozen, validated sections.

This module is the one home of every model default: each field carries its unit, meaning and
source (a citation of the bibliography in ``simulator/data/bibliography.toml`` such as
``[Ruyuan2016 §一(三)]``, "scenario", "engineering choice" or "guess"). ``tuopin show
--defaults`` prints it. Instrument parameters live beside their instruments in
:mod:`simulator.interventions`.

Why one long module: it is declarations (each field a ``param`` with its unit, range, meaning
and source, a few lines each), read top to bottom as the scenario file is; splitting it would
scatter the one place an expert checks every default against its source.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from simulator.errors import did_you_mean
from simulator.interventions import INSTRUMENTS, OFFERED_BY_DEFAULT, Instruments
from simulator.schema import Report, assembled_section, param, section, table_array
from simulator.units import MONTHS_PER_YEAR
from simulator.vocabulary import COUNTED_BY_DEFAULT, Category, IncomeSource

INSTRUMENT_KEYS: tuple[str, ...] = tuple(m.KEY for m in INSTRUMENTS)
"""Every instrument's key, in the instruments' order."""
InstrumentKey = Literal[INSTRUMENT_KEYS]  # type: ignore[valid-type]
"""An instrument's key (``"pv"``, ``"employment"``, …)."""


def report_repeats(items: tuple[str, ...], path: str, report: Report) -> None:
    """Report every item of a list field that repeats an earlier one."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            report(f"{path}[{index}]", f"'{item}' is listed twice")
        seen.add(item)

MAX_REPLICATIONS = 100_000
"""Most Monte Carlo replications a run may ask for: beyond it, the per-household results of
even a small county would not fit in memory."""


@dataclass(frozen=True)
class Horizon:
    """When the plan runs."""

    start_year: int = param(
        2016, unit="calendar year", ge=1949, le=2100,
        doc="First simulated year. Registry incomes describe the year before it.",
        source="[Ruyuan2016 §一(三)] (three-year campaign 2016–2018)")
    years: int = param(
        5, unit="years", ge=1, le=50,
        doc="Simulated years, including the monitoring years after the last plan year.",
        source="[Ruyuan2016 §一(三)] plan years 2016–2018, plus 2 monitoring years "
               "(exit_rule.monitoring_years) so 2018 exits can be confirmed stable")
    plan_years: int = param(
        3, unit="years", ge=1, le=50,
        doc="Years in which the fund allocates money (the first years of the horizon).",
        source="[Ruyuan2016 §一(三)]")
    plan_start_month: int = param(
        1, unit="calendar month (1 = January)", ge=1, le=12,
        doc="Month of the first plan year from which the plan's money can be spent (the plan's "
            "adoption); packages starting in later plan years start in January.",
        source="scenario (Ruyuan's plan was adopted on 29 November 2016: December)")

    def check(self, path: str, report: Report) -> None:
        if self.plan_years > self.years:
            report(f"{path}.plan_years", f"expected at most horizon.years ({self.years}), "
                   f"found {self.plan_years}")

    @property
    def calendar_years(self) -> np.ndarray:
        """The simulated calendar years, e.g. ``[2016, …, 2020]``."""
        return np.arange(self.start_year, self.start_year + self.years)

    def start_month_of(self, plan_year: int) -> int:
        """Month index (since the horizon start) in which a package starting in plan year
        ``plan_year`` (0 = the first) begins."""
        first = self.plan_start_month - 1 if plan_year == 0 else 0
        return plan_year * MONTHS_PER_YEAR + first


@dataclass(frozen=True)
class PovertyLine:
    """Lines by year: the exit line, the registration line and the edge band."""

    values_yuan_per_capita: tuple[float, ...] = param(
        (), unit="yuan/(person·year)", gt=0,
        doc="Exit line for each simulated year. When given, the base/growth form is not used.",
        source="scenario")
    base_yuan_per_capita: float = param(
        7_365.0, unit="yuan/(person·year)", gt=0,
        doc="Exit line in base_year; other years grow or shrink by growth_per_year.",
        source="[Ruyuan2016 §一(三)]: 45 % of the projected 2018 provincial rural average (≈7,365)")
    base_year: int = param(
        2018, unit="calendar year", ge=1949, le=2100,
        doc="Year in which the exit line equals base_yuan_per_capita.",
        source="[Ruyuan2016 §一(三)]")
    growth_per_year: float = param(
        0.07, unit="1/year", ge=-0.5, le=1,
        doc="Yearly growth of the exit line (the provincial rural average it is 45 % of).",
        source="[Ruyuan2016 §一(三)] (≥ 7 % a year)")
    registration_line_yuan_per_capita: float = param(
        4_000.0, unit="yuan/(person·year)", gt=0,
        doc="Registration line: registered households are below it in the registry year.",
        source="[Ruyuan2016 §一(二)] (2015 per-capita income below 4,000)")
    edge_ceiling_yuan_per_capita: float = param(
        4_000.0, unit="yuan/(person·year)", gt=0,
        doc="Edge households have income at or above the registration line and below this.",
        source="[Changchun2018 §三]")
    national_base_yuan_per_capita: float = param(
        2_800.0, unit="yuan/(person·year)", gt=0,
        doc="National poverty standard used for household exit decisions in national_base_year; "
            "later years grow by national_growth_per_year (≈ 4,000 in 2020). Safety-net "
            "households are judged against it when safety_net.exit_line = 'national'.",
        source="[ExitStandard6pct]: 2,800 yuan in 2014 escalated 6 % a year, the exit "
               "standard many provinces used; 2020 ≈ 4,000 [PovertyLine2020]")
    national_base_year: int = param(
        2014, unit="calendar year", ge=1949, le=2100,
        doc="Year of national_base_yuan_per_capita.", source="as national_base_yuan_per_capita")
    national_growth_per_year: float = param(
        0.06, unit="1/year", ge=-0.5, le=1,
        doc="Yearly escalation of the national exit standard.",
        source="as national_base_yuan_per_capita (6 % a year)")
    at_risk_multiple: float = param(
        1.5, unit="× exit line", ge=1,
        doc="Exited households below this multiple of the line are flagged at risk of return.",
        source="[Monitoring2020]: monitoring threshold 1.5 × line")

    def check(self, path: str, report: Report) -> None:
        if self.edge_ceiling_yuan_per_capita < self.registration_line_yuan_per_capita:
            report(f"{path}.edge_ceiling_yuan_per_capita",
                   "expected at least registration_line_yuan_per_capita "
                   f"({self.registration_line_yuan_per_capita:g}), "
                   f"found {self.edge_ceiling_yuan_per_capita:g}")

    def by_year(self, calendar_years: np.ndarray) -> np.ndarray:
        """Exit line for each of ``calendar_years`` [yuan/(person·year)]."""
        from simulator.accounting import line_from_growth

        if self.values_yuan_per_capita:
            return np.asarray(self.values_yuan_per_capita, dtype=float)
        return line_from_growth(self.base_yuan_per_capita, self.base_year,
                                self.growth_per_year, calendar_years)

    def national_by_year(self, calendar_years: np.ndarray) -> np.ndarray:
        """National exit standard for each of ``calendar_years`` [yuan/(person·year)]."""
        from simulator.accounting import line_from_growth

        return line_from_growth(self.national_base_yuan_per_capita, self.national_base_year,
                                self.national_growth_per_year, calendar_years)


@dataclass(frozen=True)
class ExitRule:
    """How exit and stable exit are decided."""

    counted_sources: tuple[IncomeSource, ...] = param(
        COUNTED_BY_DEFAULT, unit="",
        doc="Income sources that count towards exit. One-off rewards do not count by default; "
            "loan principal is never income and cannot be listed.",
        source="[IncomeCounting]; [Changchun2018 §三] (what counts)")
    monitoring_years: int = param(
        2, unit="years", ge=1, le=20,
        doc="Years after the exit year in which income must stay at or above the line for the "
            "exit to be stable.",
        source="guess: stable means the line holds through the monitoring years; 2 or 3 years "
               "in use ([ExitMechanism2016]: support stays unchanged for a period after exit)")
    safety_net_exit: bool = param(
        True, unit="",
        doc="Households without labour capacity exit through dibao coverage (政策兜底) once their "
            "guaranteed income meets the line safety_net.exit_line names; false judges them "
            "against the exit line like everyone else.",
        source="[Ruyuan2016 §一(三)]")

    def check(self, path: str, report: Report) -> None:
        report_repeats(self.counted_sources, f"{path}.counted_sources", report)


@dataclass(frozen=True)
class IncomeDynamics:
    """How baseline incomes move from year to year without any intervention."""

    growth_per_year: float = param(
        0.07, unit="1/year", ge=-0.5, le=1,
        doc="Trend growth of household incomes.",
        source="[Ruyuan2016 §一(三)] (rural incomes grow ≥ 7 % a year)")
    volatility_log_sd: float = param(
        0.30, unit="log yuan", ge=0, le=3,
        doc="Standard deviation of a household's yearly log-income shock (its stationary "
            "spread, whatever its persistence).",
        source="guess: 0.25–0.45; transient poverty dominates rural incomes [Ward2016]")
    volatility_persistence: float = param(
        0.0, unit="correlation from one year to the next", ge=0, lt=1,
        doc="How much of last year's log-income shock carries into this year (AR(1)): 0 = a "
            "fresh shock every year; near 1 = good and bad years last.",
        source="guess: transient poverty dominates in rural China [Ward2016]")
    farm_harvest_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of business income that arrives in the harvest months rather than evenly.",
        source="guess")
    harvest_months: tuple[int, ...] = param(
        (7, 10), unit="calendar months (1 = January)", ge=1, le=12,
        doc="Months in which the harvest share of business income arrives.",
        source="guess: early and late rice harvests in south China")


@dataclass(frozen=True)
class Shocks:
    """Household and village shocks (instrument-specific risks sit with each instrument)."""

    illness_probability_per_person_year: float = param(
        0.16, unit="1/(person·year)", ge=0, le=1,
        doc="Chance per year that a person without chronic illness needs inpatient care "
            "(chronically ill people: × chronic_illness_relative_risk).",
        source="guess, set so that admissions average ≈ 20.8 % of the registered poor a "
               "year with Ruyuan's 30 % chronically ill [Liu2023]")
    chronic_illness_relative_risk: float = param(
        2.0, unit="× hazard", ge=1, le=20,
        doc="How many times likelier a chronically ill person (registry column "
            "chronically_ill) is to need inpatient care in a year.",
        source="guess")
    medical_cost_yuan_per_episode: float = param(
        6_000.0, unit="yuan/episode", ge=0,
        doc="Medical cost of one inpatient episode before reimbursement.",
        source="guess (county-hospital admissions cost about 5,000–7,000 yuan around 2016)")
    out_of_pocket_share: float = param(
        0.319, unit="share", ge=0, le=1,
        doc="Share of medical cost the household pays after reimbursement.",
        source="[Liu2023]: 31.9 % for the registered poor in 2018")
    inpatient_out_of_pocket_cap_share: float | None = param(
        0.10, unit="share of inpatient cost", ge=0, le=1,
        doc="Most a registered household pays of an inpatient episode's cost after basic "
            "medical insurance, critical-illness insurance and medical assistance (健康扶贫), "
            "from out_of_pocket_cap_from_year on; edge households are not covered. Left out: "
            "no cap.",
        source="[HealthPoverty2018]: registered poor patients' inpatient out-of-pocket share "
               "held at about 10 %")
    out_of_pocket_cap_from_year: int = param(
        2018, unit="calendar year", ge=1949, le=2100,
        doc="First year of the out-of-pocket cap.",
        source="[HealthPoverty2018] (the three-year action 2018–2020)")
    work_months_lost_per_episode: float = param(
        2.0, unit="months/episode", ge=0, le=12,
        doc="Months of labour income a sick labourer without chronic illness loses.",
        source="guess")
    chronic_work_months_lost_per_episode: float = param(
        4.0, unit="months/episode", ge=0, le=12,
        doc="Months of labour income a chronically ill labourer loses per episode (recovery "
            "is slower).",
        source="guess")
    chronic_outpatient_cost_yuan_per_person_year: float = param(
        2_000.0, unit="yuan/(person·year)", ge=0,
        doc="Outpatient and drug spending of a chronically ill person before reimbursement.",
        source="guess")
    outpatient_out_of_pocket_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of outpatient spending the household pays after reimbursement.",
        source="[Ruyuan2016 §二(一)6]: outpatient reimbursement ≥ 50 % for the registered poor")
    disability_probability_per_person_year: float = param(
        0.005, unit="1/(person·year)", ge=0, le=1,
        doc="Chance per person per year of becoming disabled and leaving work.", source="guess")
    disaster_probability_per_village_year: float = param(
        0.05, unit="1/(village·year)", ge=0, le=1,
        doc="Chance per village per year of a disaster that hits every household in it.",
        source="guess")
    disaster_business_loss_share: float = param(
        0.3, unit="share", ge=0, le=1,
        doc="Share of a year's business income a disaster destroys.", source="guess")


@dataclass(frozen=True)
class Rewards:
    """以奖代补 rewards paid after verification [Jishou2016]."""

    household_industry_yuan: float = param(
        1_500.0, unit="yuan (per person or per household)", ge=0,
        doc="Reward to a household that develops its own industry and passes verification.",
        source="[Jishou2016] (人均1500元 / 1500元/户)")
    household_industry_basis: Literal["per_person", "per_household"] = param(
        "per_person", unit="",
        doc="Whether the household reward is per member or per household ([Jishou2016] says both).",
        source="[Jishou2016]")
    industry_success_probability: float = param(
        0.7, unit="share", ge=0, le=1,
        doc="Chance that a household's own industry passes verification.", source="guess")
    industry_setup_months: int = param(
        6, unit="months", ge=0, le=36,
        doc="Months from starting a household industry to its verification.", source="guess")
    industry_income_yuan_per_year: float = param(
        3_000.0, unit="yuan/(household·year)", ge=0,
        doc="Net business income of a verified household industry.", source="guess")
    organisation_direct_yuan_per_person: float = param(
        100.0, unit="yuan/person", ge=0,
        doc="One-off reward to an organisation per poor person it helps directly.",
        source="[Jishou2016]")
    organisation_equity_yuan_per_person: float = param(
        300.0, unit="yuan/person", ge=0,
        doc="One-off reward to an organisation per poor person it brings into an entrusted or "
            "equity scheme.",
        source="[Jishou2016]")
    verification_delay_months: int = param(
        2, unit="months", ge=0, le=24,
        doc="Months between meeting a reward's condition and the township paying it.",
        source="guess: [Jishou2016] (乡级报账制, verification by ≥ 2 units)")


@dataclass(frozen=True)
class SafetyNet:
    """Dibao for households without labour capacity (政策兜底): the standard and the exit rule."""

    dibao_standard_yuan_per_capita: float = param(
        3_744.0, unit="yuan/(person·year)", ge=0,
        doc="Rural dibao standard in standard_base_year: covered households (those without "
            "labour capacity) are topped up to it; other years grow by standard_growth_per_year "
            "unless standard_values_yuan_per_capita gives them.",
        source="[DibaoStandards]: national average rural dibao standard 2016, 3,744 yuan")
    standard_base_year: int = param(
        2016, unit="calendar year", ge=1949, le=2100,
        doc="Year of dibao_standard_yuan_per_capita.",
        source="as dibao_standard_yuan_per_capita")
    standard_growth_per_year: float = param(
        0.123, unit="1/year", ge=-0.5, le=1,
        doc="Yearly growth of the dibao standard.",
        source="[DibaoStandards]: national average rural dibao standard 3,744 (2016) → "
               "5,962 yuan (2020), 12.3 % a year; 503.8 yuan/month in Q1 2021 [Dibao2021]")
    standard_values_yuan_per_capita: tuple[float, ...] = param(
        (), unit="yuan/(person·year)", ge=0,
        doc="Dibao standard for each simulated year; when given, the base/growth form is not "
            "used.",
        source="scenario (the province's or county's published standards)")
    covers: Literal["without_labour", "every_eligible"] = param(
        "every_eligible", unit="",
        doc="Who the dibao top-up covers: 'every_eligible' — every household whose counted "
            "income falls below the standard, with labour capacity or without (应保尽保; a "
            "household with labour is still judged against the exit line, and an exit only the "
            "top-up makes is a safety-net exit); 'without_labour' — only households without "
            "labour capacity. Its cost is the county's social assistance, never the fund's.",
        source="[Ruyuan2016 §二(一)8]: households with labour that meet the dibao conditions "
               "are all brought into dibao (应保尽保)")
    exit_line: Literal["national", "exit"] = param(
        "national", unit="",
        doc="Which line a covered household's guaranteed income must meet for a safety-net "
            "exit: 'national' (the national exit standard, poverty_line.national_*: dibao and "
            "poverty lines merged, 两线合一) or 'exit' (the scenario's own exit line).",
        source="[StateCouncil2016No70]: dibao standards below the national poverty "
               "standard are to reach it, and covered poor households exit through the safety net")

    def by_year(self, calendar_years: np.ndarray) -> np.ndarray:
        """Dibao standard for each of ``calendar_years`` [yuan/(person·year)]."""
        from simulator.accounting import line_from_growth

        if self.standard_values_yuan_per_capita:
            return np.asarray(self.standard_values_yuan_per_capita, dtype=float)
        return line_from_growth(self.dibao_standard_yuan_per_capita, self.standard_base_year,
                                self.standard_growth_per_year, calendar_years)


@dataclass(frozen=True)
class Budget:
    """Money the fund can spend."""

    yearly_yuan: tuple[float, ...] = param(
        (60_000_000.0, 45_000_000.0, 30_000_000.0), unit="yuan/year", ge=0,
        doc="Budget for each plan year.",
        source="guess: [Ruyuan2016] gives no total; equity alone asks ≈107 million over 3 years")
    rule: Literal["expected", "confidence"] = param(
        "expected", unit="",
        doc="Whether expected outlays must fit the budget, or outlays must fit it in at least "
            "`confidence` of replications.",
        source="scenario choice")
    confidence: float = param(
        0.95, unit="share", gt=0, lt=1,
        doc="Share of replications in which outlays must fit the budget (rule = 'confidence') "
            "and, under optimizer.goal = 'targets', in which each year's exit target must be "
            "met.",
        source="scenario choice")
    request: Literal["needed", "budget"] = param(
        "needed", unit="",
        doc="What the proposal asks for each year: 'needed' — what the plan spends at the "
            "budget rule's level (the confidence quantile, or the mean), rounded up to whole "
            "万元, with the rest of the budget shown as unspent (结余) and what stops the plan "
            "spending it; 'budget' — the budget itself (a county whose budget is already "
            "allocated).",
        source="scenario choice: asking for money a plan cannot spend is what the 2017 audit "
               "of poverty funds called idle funds (资金闲置) [Audit2017]")


Capacities = assembled_section(
    "Capacities",
    [(name, kind, spec) for module in INSTRUMENTS
     for name, (kind, spec) in module.CAPACITIES.items()],
    "Physical and financial limits on what the fund can buy: each instrument declares its own "
    "(its module's ``CAPACITIES``).", __name__)


CapacityCosts = assembled_section(
    "CapacityCosts",
    [(name, kind, spec) for module in INSTRUMENTS
     for name, (kind, spec, _limit) in module.CAPACITY_COSTS.items()],
    "What raising each limit by one unit costs the county, for the cheapest additions that "
    "meet the exit targets (``--goal targets``): each instrument declares its own (its module's "
    "``CAPACITY_COSTS``); a cost left out means the limit cannot be raised.", __name__)


@dataclass(frozen=True)
class Policy:
    """Rules the allocation must respect."""

    organisation_coverage_min_share: float = param(
        0.0, unit="share of registered poor people", ge=0, le=1,
        doc="Least share of registered poor people brought in by organisations.",
        source="[Jishou2016] (Jishou: ≥ 20 %); 0 = no such rule")
    non_poor_village_gap_max: float = param(
        0.05, unit="share", ge=0, le=1,
        doc="Largest allowed gap in coverage between poor households in poor and non-poor "
            "villages (不落一户).",
        source="[Jishou2016] (equal treatment); tolerance is a guess")
    exit_targets_share_of_people: tuple[float, ...] = param(
        (0.333, 0.40, 0.267), unit="share of registered people", ge=0, le=1,
        doc="Share of registered people to exit in each plan year (soft targets).",
        source="[Ruyuan2016 §一(三)] (33.3 / 40 / 26.7 %)")
    every_household_a_measure: bool = param(
        False, unit="",
        doc="帮扶全覆盖: every registered household with labour capacity gets at least one of "
            "the fund's measures (the optimised plan may not leave it without); households the "
            "safety net carries have 政策兜底 as theirs. The proposal reports what the rule "
            "costs against the plan without it.",
        source="[Ruyuan2016 §二(一)]: measures reach every household (九个到户, 因户施策); "
               "the rule is the scenario's choice")
    household_cap_yuan: float | None = param(
        None, unit="yuan/household", ge=0,
        doc="Most the fund may spend on one household over the plan; left out means no cap.",
        source="scenario")
    first_year_return_max_share: float | None = param(
        None, unit="share of supported households exiting by income", ge=0, le=1,
        doc="Most of the plan's supported households that exit by income may fall back below "
            "the line in the year after their exit (返贫): exits bought must last. Counted "
            "with expected values over the replications the optimiser sees; left out means "
            "no such rule.",
        source="≈ 5 % of 2016's exits returned to poverty nationally, fewer every year "
               "after [SCIO2019]; the cap is the scenario's choice")

    def check(self, path: str, report: Report) -> None:
        total = sum(self.exit_targets_share_of_people)
        if total > 1.0 + 1e-6:
            report(f"{path}.exit_targets_share_of_people",
                   f"expected shares adding up to at most 1, found a total of {total:.3f}")


@dataclass(frozen=True)
class Prevention:
    """防返贫监测帮扶: help for households found slipping below the line, inside the simulation.

    From ``start_year`` on, each year the county's monitoring (village cadres and each
    household's 帮扶责任人) finds, with ``detection_probability_per_year``, the monitored
    households the official triggers flag — the same triggers as ``tuopin watch``: income below
    ``poverty_line.at_risk_multiple`` × the line, or sudden hardship (``watch.*``) — among exited
    and edge households, and from ``remaining_poor_from_year`` registered households not yet
    exited. A household once found stays monitored while the triggers still flag it. Found
    households with labour capacity whose counted income is below ``help_target_multiple`` × the
    line get help that raises it there, at most ``max_help_yuan_per_person_year`` per member,
    paid as public-welfare post
    wages (counted income, source ``prevention_help``); households without labour capacity are
    covered by the dibao top-up. The help is the county's money, outside the fund: its cost is
    on its own line and in the net fiscal cost, and stable exits it keeps are reported apart.
    """

    start_year: int | None = param(
        2019, unit="calendar year", ge=1949, le=2100,
        doc="First year of monitoring and help; left out: none.",
        source="[Monitoring2020]: about 5 million people at risk identified in 2019, 0.3 "
               "million more in 2020; [PreventionMechanism2020]")
    detection_probability_per_year: float = param(
        0.9, unit="share of flagged households per year", ge=0, le=1,
        doc="Chance that monitoring finds a household the triggers flag, in the year they "
            "flag it (a household already found is followed with certainty).",
        source="guess: every registered household had a 帮扶责任人 who visited it, and "
               "returns fell to thousands a year nationally by 2019 [ReturnsNational]")
    remaining_poor_from_year: int | None = param(
        2019, unit="calendar year", ge=1949, le=2100,
        doc="First year in which registered households that have not yet exited are found and "
            "helped the same way (the campaign's last push); left out: never.",
        source="guess: with the monitoring of exited households")
    help_target_multiple: float = param(
        1.0, unit="× exit line", gt=0, le=5,
        doc="Help raises a found household's counted per-capita income to this multiple of "
            "the year's line (found households above it are monitored, not paid).",
        source="guess: help is set household by household to what keeps it above the line "
               "(一户一策) [PreventionMechanism2020]")
    max_help_yuan_per_person_year: float = param(
        3_000.0, unit="yuan/(person·year)", ge=0,
        doc="Most help a household receives in a year, per resident member.",
        source="guess: about a public-welfare post's wage, 750 yuan a month "
               "[WelfarePosts2020], for a household of three")

    def active_from(self, calendar_years: np.ndarray) -> int | None:
        """Index of the first simulated year with monitoring of exited and edge households,
        or None."""
        return _year_index_from(self.start_year, calendar_years)

    def remaining_poor_from(self, calendar_years: np.ndarray) -> int | None:
        """Index of the first simulated year in which households not yet exited are helped,
        or None."""
        return _year_index_from(self.remaining_poor_from_year, calendar_years)


def _year_index_from(year: int | None, calendar_years: np.ndarray) -> int | None:
    """Index of the first of ``calendar_years`` on or after ``year`` (None: none, or no
    year)."""
    if year is None:
        return None
    later = np.nonzero(np.asarray(calendar_years) >= year)[0]
    return int(later[0]) if len(later) else None


@dataclass(frozen=True)
class Watch:
    """Return-to-poverty monitoring (防返贫监测): the official triggers and the watch list."""

    rigid_spending_multiple: float = param(
        1.0, unit="× last year's household net income", gt=0,
        doc="Rigid spending in a year (out-of-pocket medical costs and disaster losses) above "
            "this multiple of last year's household net income flags sudden severe hardship.",
        source="[Anhui2020Monitoring]: rigid spending that clearly exceeds last year's income "
               "(刚性支出明显超过上年度收入); 1 reads it literally, local rules differ")
    income_drop_share: float = param(
        0.5, unit="share of last year's household net income", gt=0, le=1,
        doc="A fall in household net income from one year to the next of at least this share "
            "flags sudden severe hardship.",
        source="guess: the official wording is a sharp fall in income (收入大幅缩减) "
               "[Anhui2020Monitoring], with no figure")
    list_share_of_people: float = param(
        0.05, unit="share of the registry's people", gt=0, le=1,
        doc="Size K of the model's watch list: this share of the registry's households, "
            "riskiest first — as many people as this share of its people at the mean "
            "household size.",
        source="[Monitoring2020]: about 5 m people at risk, ≈ 5 % of the people lifted out")
    record_income_log_sd: float = param(
        0.15, unit="log yuan", gt=0,
        doc="How far a recorded yearly income may be from a simulated one: each simulated "
            "path is weighted by how well its income matches the records (log-normal "
            "measurement error of a record).",
        source="guess: village cadres' income checks are approximate")
    record_medical_log_sd: float = param(
        0.5, unit="log(1 + yuan)", gt=0,
        doc="The same for recorded out-of-pocket medical spending.", source="guess")
    prior_replications: float = param(
        300.0, unit="replications", ge=0,
        doc="A household's record-weighted risk counts as if it rested on its effective "
            "replications (1 / Σ w²) against this many replications of the unweighted risk: "
            "the fewer replications match its records, the closer its risk stays to the "
            "unweighted one.",
        source="engineering choice (backtest of changchun-edge, 50 histories: precision at "
               "K 56 % unshrunk, 62 % at 30 or 300; deciles calibrated only at 300, as the "
               "model's income shocks do not persist and matching last year's income adds "
               "little but Monte Carlo noise)")
    backtest_replications: int = param(
        2000, unit="replications", ge=1, le=MAX_REPLICATIONS,
        doc="Replications of the model's paths in a backtest: each household's risk carries "
            "Monte Carlo noise (sd ≈ 0.011 at 2,000), which inflates the riskiest decile.",
        source="engineering choice")


@dataclass(frozen=True)
class Simulation:
    """Monte Carlo settings."""

    replications: int = param(
        200, unit="replications", ge=1, le=MAX_REPLICATIONS,
        doc="Monte Carlo replications per run.",
        source="engineering choice (a CVaR over 200 replications is stable to about 1 %)")
    seed: int = param(
        2016, unit="", ge=0,
        doc="Root seed of every random stream; the CLI's --seed overrides it.",
        source="scenario")
    block_households: int = param(
        0, unit="households", ge=0,
        doc="Households simulated together in one block (memory vs speed; results do not "
            "depend on it); 0 chooses about 500,000 household-replications per block.",
        source="engineering choice (benchmarks/engine.py)")
    preview: bool = param(
        False, unit="",
        doc="A preview (预览): a quick run at few replications to try settings; every "
            "document it writes is marked as not for filing.",
        source="the planner's choice")


@dataclass(frozen=True)
class Optimizer:
    """How the allocation is optimised."""

    goal: Literal["exits", "targets"] = param(
        "exits", unit="",
        doc="'exits': the most stable exits the budgets buy (the objective below); 'targets': "
            "the least-cost allocation that meets every yearly exit target in budget.confidence "
            "of replications — or, where the budgets and limits allow none, the cheapest "
            "additions of money and capacity (priced in [capacity_costs]) that would. The CLI's "
            "--goal overrides it.",
        source="the county's choice")
    goal_cost: Literal["gross", "net"] = param(
        "gross", unit="",
        doc="What 'targets' minimises: gross outlays, or outlays net of the money that comes "
            "back to the county (equity principal it keeps or recovers).",
        source="the county's choice")
    objective: Literal["expected", "cvar"] = param(
        "expected", unit="",
        doc="Maximise expected stable exits, or expected stable exits minus a weighted CVaR "
            "shortfall across replications.",
        source="engineering choice")
    cvar_alpha: float = param(
        0.9, unit="share", gt=0, lt=1,
        doc="CVaR level: the mean of the worst (1 − alpha) share of replications is penalised.",
        source="guess")
    cvar_weight: float = param(
        0.5, unit="", ge=0,
        doc="Weight of the CVaR shortfall against expected stable exits.", source="guess")
    solver: Literal["highs", "cbc"] = param(
        "highs", unit="", doc="MILP solver used through PuLP.", source="engineering choice")
    time_limit_seconds: float = param(
        60.0, unit="s", gt=0, doc="Solver time limit.", source="engineering choice")
    mip_gap: float = param(
        1e-4, unit="share", ge=0, le=1,
        doc="Relative optimality gap at which the solver stops (1e-4 = 0.01 %).",
        source="engineering choice")
    max_instruments_per_package: int = param(
        2, unit="instruments", ge=1, le=5,
        doc="Largest number of instruments combined in one candidate package.",
        source="engineering choice (singles and pairs: 15 combinations of 5 instruments)")
    start_years: Literal["all", "first"] = param(
        "all", unit="",
        doc="Whether candidate packages may start in any plan year (spreading spending over "
            "the yearly budgets) or only in the first.",
        source="engineering choice")
    exit_target_penalty: float = param(
        0.05, unit="stable exits per person short", ge=0,
        doc="Weight of a shortfall against the yearly exit targets (soft targets).",
        source="guess: small enough that stable exits come first")
    cvar_tolerance: float = param(
        1e-3, unit="stable exits", gt=0,
        doc="Cutting planes stop when the modelled CVaR term is this close to the true one.",
        source="engineering choice")
    evaluation_seed_offset: int = param(
        1_000_003, unit="", ge=1,
        doc="The chosen plan is re-evaluated on fresh random numbers: seed + this offset.",
        source="engineering choice (out-of-sample evaluation)")
    frontier_budget_factors: tuple[float, ...] = param(
        (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0), unit="× yearly budgets", gt=0,
        doc="Budget multiples solved for the budget–stable-exits frontier (--frontier).",
        source="engineering choice")
    instruments: tuple[InstrumentKey, ...] = param(
        OFFERED_BY_DEFAULT, unit="",
        doc="The instruments the county offers: the optimised plan and the simple rules it is "
            "compared with give only these (by default the six of the county programmes: an "
            "instrument added to tuopin later is offered only where a scenario names it).",
        source="the county's choice")

    def check(self, path: str, report: Report) -> None:
        report_repeats(self.instruments, f"{path}.instruments", report)


@dataclass(frozen=True)
class Stratum:
    """A group of households with one category and labour status, and exact counts."""

    name: str = param("", unit="", doc="Label used in the calibration table.", source="scenario")
    category: Category = param(
        "general", unit="", doc="Household category.", source="[Ruyuan2016 §一(二)]")
    with_labour: bool = param(
        True, unit="", doc="Whether households have at least one able worker.",
        source="[Ruyuan2016 §一(二)]")
    households: int = param(0, unit="households", ge=0, le=2_000_000,
                            doc="Households in the group (at most 2 million: a whole province "
                                "such as Guizhou, ≈ 1.5 million, fits in one group).",
                            source="scenario")
    people: int = param(0, unit="people", ge=0, le=20_000_000,
                        doc="Resident members of those households.", source="scenario")
    income_median_yuan_per_capita: float = param(
        2_800.0, unit="yuan/(person·year)", gt=0,
        doc="Median per-capita net income in the registry year (before truncation to the "
            "group's band).",
        source="guess (registered households lie below the 4,000 registration line)")
    income_log_sd: float = param(
        0.35, unit="log yuan", ge=0, le=3,
        doc="Spread of per-capita income within the group.", source="guess")

    def check(self, path: str, report: Report) -> None:
        if self.people < self.households:
            report(f"{path}.people", f"expected at least households ({self.households}), "
                   f"found {self.people}")


@dataclass(frozen=True)
class Township:
    """A township (乡镇) with its villages."""

    name: str = param("", unit="", doc="Township name.", source="scenario")
    villages: int = param(1, unit="villages", ge=1, doc="Administrative villages.",
                          source="scenario")
    poor_villages: int = param(0, unit="villages", ge=0,
                               doc="Of which designated poor villages (贫困村).",
                               source="scenario")
    household_share: float = param(
        1.0, unit="weight", gt=0,
        doc="Relative share of the county's listed households living in this township.",
        source="scenario")

    def check(self, path: str, report: Report) -> None:
        if self.poor_villages > self.villages:
            report(f"{path}.poor_villages", f"expected at most villages ({self.villages}), "
                   f"found {self.poor_villages}")


@dataclass(frozen=True)
class Synthetic:
    """A synthetic registry calibrated to published county aggregates."""

    id_prefix: str = param("H", unit="", doc="Prefix of generated household ids.",
                           source="scenario")
    seed: int = param(
        2016, unit="", ge=0,
        doc="Seed of the synthetic registry (kept apart from the simulation seed, so re-running "
            "a simulation with fresh random numbers keeps the same households).",
        source="scenario")
    strata: tuple[Stratum, ...] = table_array(
        "Household groups with exact household and people counts; the category and labour "
        "totals are their sums.", source="scenario")
    townships: tuple[Township, ...] = table_array(
        "Townships and villages households are spread over.", source="scenario")
    poor_village_household_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of households living in designated poor villages.", source="guess")
    disabled_households: int = param(
        0, unit="households", ge=0, doc="Households with at least one disabled member.",
        source="scenario")
    people_in_disabled_households: int | None = param(
        None, unit="people", ge=0,
        doc="Members of those households in total; left out means not targeted.",
        source="scenario")
    ill_households: int = param(0, unit="households", ge=0,
                                doc="Households with at least one ill member.",
                                source="scenario")
    ill_people: int | None = param(None, unit="people", ge=0,
                                   doc="Ill people in total; left out means not targeted.",
                                   source="scenario")
    housing_renovation_households: int = param(
        0, unit="households", ge=0, doc="Households whose house needs renovation.",
        source="scenario")
    pv_site_share: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of households for which a PV-site place is available.",
        source="[Ruyuan2016 §二(一)9] (land provided for every household)")
    max_household_size: int = param(10, unit="people", ge=1, le=50,
                                    doc="Largest generated household.", source="guess")
    size_dispersion: float = param(
        3.0, unit="", gt=0,
        doc="Gamma shape of household-size variation (smaller = more varied sizes).",
        source="guess")
    laborer_share_of_other_members: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="In households with labour, chance that each member beyond the first able worker "
            "is also a labourer.",
        source="guess")
    extra_disabled_member_probability: float = param(
        0.1, unit="share", ge=0, le=1,
        doc="Chance that each further member of a disabled household is also disabled.",
        source="guess")
    no_labour_disability_weight: float = param(
        3.0, unit="× weight", gt=0,
        doc="How much likelier a household without labour is to be disabled, ill or badly "
            "housed than one with labour.",
        source="guess: illness, disability and lack of labour go together [Liu2023]")
    income_floor_yuan_per_capita: float = param(
        300.0, unit="yuan/(person·year)", ge=0,
        doc="Lowest generated per-capita net income.", source="guess")
    labour_income_shares: tuple[float, ...] = param(
        (0.35, 0.36, 0.014, 0.276), unit="shares of net income", ge=0, le=1,
        doc="Wages, business (net), property and transfers as shares of net income for "
            "households with labour.",
        source="[NBS2020]: income structure of poor areas, 2019")
    no_labour_income_shares: tuple[float, ...] = param(
        (0.05, 0.15, 0.01, 0.79), unit="shares of net income", ge=0, le=1,
        doc="The same for households without labour (mostly transfers).",
        source="guess: non-labour households rely on transfers [Lin2022]")
    income_share_concentration: float = param(
        20.0, unit="", gt=0,
        doc="Dirichlet concentration of a household's income shares around those means.",
        source="guess")
    production_expense_share_of_business: float = param(
        0.3, unit="share of gross business income", ge=0, lt=1,
        doc="Production expenses as a share of gross business income.", source="guess")

    def check(self, path: str, report: Report) -> None:
        households = sum(s.households for s in self.strata)
        people = sum(s.people for s in self.strata)
        for name in ("labour_income_shares", "no_labour_income_shares"):
            shares = getattr(self, name)
            if len(shares) != 4 or abs(sum(shares) - 1.0) > 1e-6:
                report(f"{path}.{name}", "expected 4 shares (wages, business, property, "
                       f"transfers) adding up to 1, found {list(shares)}")
        for name, value, limit, limit_name in (
            ("disabled_households", self.disabled_households, households, "households"),
            ("ill_households", self.ill_households, households, "households"),
            ("housing_renovation_households", self.housing_renovation_households, households,
             "households"),
            ("people_in_disabled_households", self.people_in_disabled_households, people,
             "people"),
        ):
            if value is not None and value > limit:
                report(f"{path}.{name}", f"expected at most the strata's {limit_name} "
                       f"({limit:,}), found {value:,}")
        if self.people_in_disabled_households is not None and \
                self.people_in_disabled_households < self.disabled_households:
            report(f"{path}.people_in_disabled_households", "expected at least "
                   f"disabled_households ({self.disabled_households:,}), "
                   f"found {self.people_in_disabled_households:,}")
        if self.ill_people is not None and self.ill_people < self.ill_households:
            report(f"{path}.ill_people", f"expected at least ill_households "
                   f"({self.ill_households:,}), found {self.ill_people:,}")
        if self.poor_village_household_share > 0 and self.townships and \
                not any(t.poor_villages for t in self.townships):
            report(f"{path}.poor_village_household_share",
                   "expected 0 when no township has poor villages, "
                   f"found {self.poor_village_household_share:g}")
        if self.poor_village_household_share < 1 and self.townships and \
                all(t.poor_villages == t.villages for t in self.townships):
            report(f"{path}.poor_village_household_share",
                   "expected 1 when every village is a poor village, "
                   f"found {self.poor_village_household_share:g}")
        if self.strata and not self.townships:
            report(f"{path}.townships", "expected at least one township "
                   "([[population.synthetic.townships]]) to place households in, found none")
        for index, stratum in enumerate(self.strata):
            if stratum.households and stratum.people > stratum.households * self.max_household_size:
                report(f"{path}.strata[{index}].people",
                       f"expected at most households × max_household_size "
                       f"({stratum.households * self.max_household_size:,}), "
                       f"found {stratum.people:,}")


@dataclass(frozen=True)
class PlanRule:
    """The county's own rule for who gets what (the plan simulated when none is given)."""

    with_labour: tuple[str, ...] = param(
        ("equity", "pv", "employment", "industry"), unit="instrument keys",
        doc="Instruments every household with labour capacity takes (where eligible).",
        source="[Ruyuan2016 §二(一)1,2,3,9] (equity, at least one own industry with a reward, one "
               "member in employment and PV for every household with labour)")
    without_labour: tuple[str, ...] = param(
        (), unit="instrument keys",
        doc="Instruments every household without labour capacity takes (where eligible); "
            "these households exit through the safety net.",
        source="[Ruyuan2016 §一(三)]")

    def check(self, path: str, report: Report) -> None:
        from simulator.interventions import BY_KEY

        for name in ("with_labour", "without_labour"):
            for index, key in enumerate(getattr(self, name)):
                if key not in BY_KEY:
                    report(f"{path}.{name}[{index}]", f"expected one of "
                           f"{', '.join(repr(k) for k in BY_KEY)}, found {key!r}"
                           + did_you_mean(key, BY_KEY))


@dataclass(frozen=True)
class Population:
    """Who the plan is for: a registry file, or a synthetic registry."""

    registry: str | None = param(
        None, unit="path",
        doc="Registry file (CSV or .xlsx), relative to the scenario file. When given, the "
            "synthetic section is not used.",
        source="scenario")
    synthetic: Synthetic = section(Synthetic, "Synthetic registry calibrated to aggregates.")


@dataclass(frozen=True)
class SourceNote:
    """Where a value this scenario sets comes from, replacing the schema's source (for
    instance a value fitted by ``tuopin calibrate``)."""

    path: str = param("", unit="", doc="Dotted path of the field.", source="scenario")
    text: str = param("", unit="", doc="The value's source.", source="scenario")
    text_zh: str = param("", unit="", doc="The same in Chinese, for Chinese documents.",
                         source="scenario")


@dataclass(frozen=True)
class Origin:
    """Where a loaded scenario came from (not part of the schema; not written by ``show``)."""

    path: Path | None
    """The scenario file named by the user, or None for a scenario built in code."""
    files: tuple[Path, ...] = ()
    """That file and every file it extends, most derived first."""
    overrides: tuple[str, ...] = ()
    """``--set`` overrides applied, in order."""
    sha256: str = ""
    """Hash of the fully resolved scenario (after extends and overrides)."""
    registry_path: Path | None = None
    """population.registry resolved against the file that named it."""


@dataclass(frozen=True)
class Scenario:
    """One county plan: rules, instruments, money and population.

    Build it with :func:`simulator.scenario.load_scenario`; every field is validated and
    documented (``tuopin show --defaults``).
    """

    name: str = param("unnamed scenario", unit="", doc="Short name shown in reports.",
                      source="scenario")
    name_zh: str = param(
        "", unit="", doc="Name shown in Chinese documents and charts (default: the county and "
        "the plan years).", source="scenario")
    county: str = param("", unit="", doc="County (县) the plan is for.", source="scenario")
    description: str = param("", unit="", doc="What the scenario is about.", source="scenario")
    description_zh: str = param("", unit="", doc="The same in Chinese, for Chinese documents.",
                                source="scenario")
    issuer: str = param("", unit="",
                        doc="编制单位: the office that issues the proposal (e.g. 乳源瑶族自治县"
                            "扶贫开发办公室), on its cover; empty leaves a line to fill in.",
                        source="scenario")
    prepared_on: str = param("", unit="date (YYYY-MM-DD)",
                             doc="The proposal's date, on its cover; empty: the day it is "
                                 "written (or SOURCE_DATE_EPOCH's).", source="scenario")
    horizon: Horizon = section(Horizon, "When the plan runs.")
    poverty_line: PovertyLine = section(PovertyLine, "Exit, registration and edge lines.")
    exit_rule: ExitRule = section(ExitRule, "How exit and stable exit are decided.")
    income: IncomeDynamics = section(IncomeDynamics, "Baseline income dynamics.")
    population: Population = section(Population, "Registry or synthetic population.")
    shocks: Shocks = section(Shocks, "Household and village shocks.")
    instruments: Instruments = section(Instruments, "The four instruments' parameters.")
    rewards: Rewards = section(Rewards, "以奖代补 household and organisation rewards.")
    safety_net: SafetyNet = section(SafetyNet, "Dibao top-up.")
    budget: Budget = section(Budget, "Yearly budgets.")
    capacities: Capacities = section(Capacities, "Land, jobs, equity and loan limits.")
    capacity_costs: CapacityCosts = section(
        CapacityCosts, "What one more unit of each limit costs (--goal targets).")
    policy: Policy = section(Policy, "Policy rules on the allocation.")
    prevention: Prevention = section(
        Prevention, "防返贫 monitoring and help inside the simulation (from 2019).")
    watch: Watch = section(Watch, "Return-to-poverty monitoring and the watch list.")
    simulation: Simulation = section(Simulation, "Monte Carlo settings.")
    optimizer: Optimizer = section(Optimizer, "Optimiser settings.")
    plan: PlanRule = section(PlanRule, "The county's own allocation rule.")
    sources: tuple[SourceNote, ...] = table_array(
        "Sources of values this scenario sets, replacing the schema's (e.g. values fitted by "
        "`tuopin calibrate`).", source="scenario")
    origin: Origin | None = field(default=None, compare=False, repr=False)

    def check(self, path: str, report: Report) -> None:
        horizon = self.horizon
        line = self.poverty_line
        if self.prepared_on:
            try:
                datetime.date.fromisoformat(self.prepared_on)
            except ValueError:
                report("prepared_on", f"expected a date as YYYY-MM-DD (2017-03-01), found "
                       f"{self.prepared_on!r}")
        if line.values_yuan_per_capita and len(line.values_yuan_per_capita) != horizon.years:
            report("poverty_line.values_yuan_per_capita",
                   f"expected one value per simulated year ({horizon.years}), "
                   f"found {len(line.values_yuan_per_capita)}")
        standards = self.safety_net.standard_values_yuan_per_capita
        if standards and len(standards) != horizon.years:
            report("safety_net.standard_values_yuan_per_capita",
                   f"expected one value per simulated year ({horizon.years}), "
                   f"found {len(standards)}")
        if self.exit_rule.monitoring_years >= horizon.years:
            report("exit_rule.monitoring_years",
                   f"expected fewer than horizon.years ({horizon.years}) so that some exit can "
                   f"be confirmed stable, found {self.exit_rule.monitoring_years}")
        if len(self.budget.yearly_yuan) != horizon.plan_years:
            report("budget.yearly_yuan", f"expected one budget per plan year "
                   f"({horizon.plan_years}), found {len(self.budget.yearly_yuan)}")
        targets = self.policy.exit_targets_share_of_people
        if targets and len(targets) != horizon.plan_years:
            report("policy.exit_targets_share_of_people",
                   f"expected one target per plan year ({horizon.plan_years}) or none, "
                   f"found {len(targets)}")
        from simulator.schema import walk

        leaves = [e.path for e in walk(Scenario) if "[]" not in e.path]
        for index, note in enumerate(self.sources):
            if note.path not in leaves:
                report(f"sources[{index}].path", f"expected a scenario field, found "
                       f"{note.path!r}" + did_you_mean(note.path, leaves))
        if self.population.registry is None and not self.population.synthetic.strata:
            report("population", "expected either population.registry (a registry file) or "
                   "population.synthetic.strata (a synthetic population), found neither")

    @property
    def calendar_years(self) -> np.ndarray:
        """Simulated calendar years."""
        return self.horizon.calendar_years

    def display_name(self, lang: str) -> str:
        """The name documents and charts show: ``name`` in English; in Chinese ``name_zh``, else
        the county and the plan years (e.g. 乳源瑶族自治县 2016–2018年)."""
        if lang != "zh":
            return self.name
        if self.name_zh:
            return self.name_zh
        first = self.horizon.start_year
        last = first + self.horizon.plan_years - 1
        years = f"{first}年" if first == last else f"{first}–{last}年"
        return f"{self.county or '本县'} {years}"

    def source_of(self, path: str, lang: str = "en") -> str:
        """The source of the value at ``path``: this scenario's note for it, else the
        schema's (in Chinese: the note's ``text_zh``, else the Chinese parameter texts)."""
        from simulator.parameter_texts import parameter_text

        for note in self.sources:
            if note.path == path:
                if lang != "zh":
                    return note.text
                return note.text_zh or "本情景另行设定（说明见英文版）"
        return parameter_text(path, "zh" if lang == "zh" else "en").source

    @property
    def lines_yuan_per_capita(self) -> np.ndarray:
        """Exit line for each simulated year [yuan/(person·year)]."""
        return self.poverty_line.by_year(self.calendar_years)

    @property
    def dibao_standards_yuan_per_capita(self) -> np.ndarray:
        """Dibao standard for each simulated year [yuan/(person·year)]."""
        return self.safety_net.by_year(self.calendar_years)

    @property
    def safety_net_lines_yuan_per_capita(self) -> np.ndarray:
        """Line a covered household's guaranteed income must meet for a safety-net exit, for
        each simulated year [yuan/(person·year)] (``safety_net.exit_line``)."""
        if self.safety_net.exit_line == "national":
            return self.poverty_line.national_by_year(self.calendar_years)
        return self.lines_yuan_per_capita
