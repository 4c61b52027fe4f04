"""Employment awards (就业扶贫 / 转移就业).

Employers that keep a registered poor worker are rewarded after the job has lasted; the household
earns wages. Jobs that end early cost the fund nothing but give the household less.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Assumption, Line, Source
from simulator.randomness import monthly_probability, standard_normal
from simulator.schema import param

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.scenario.model import Scenario

KEY = "employment"
LABEL = "employment awards"
LABEL_ZH = "就业奖补"
INCOME_SOURCES = ("employment_wages", "wages", "business")
"""Wages of the placed job; the registry's wages and business income it replaces (negative)."""
SOURCES = {"employment_wages": Source(
    "wages", "wages from a job found through the employment instrument")}
LINES = {
    "training": Line("订单式培训", "training", "order-based training of the job seeker"),
    "employment_awards": Line("就业奖补", "employment awards",
                              "awards to employers, paid after the job lasted (verified)"),
}
BRINGS_IN_BY_ORGANISATION = True
CAPACITIES = {
    "job_slots_per_year": (int | None, param(
        None, unit="jobs/year", ge=0,
        doc="New placements employers can offer per year; left out means unlimited.",
        source="scenario")),
}
"""Its fields of the scenario's ``[capacities]`` table (read by :func:`capacity_rows`)."""
CAPACITY_COSTS = {
    "job_slots_per_year": (float | None, param(
        None, unit="yuan per job slot added to every plan year", ge=0,
        doc="What raising capacities.job_slots_per_year by one costs the county over the plan "
            "(one more placement an employer offers in every plan year: awards or workshop "
            "subsidies); left out means job slots cannot be added.",
        source="scenario",
        zh={"name": "新增岗位单位成本", "unit": "元/个（每个规划年度各增加1个）",
            "meaning": "「年度新增岗位上限」每增加1个（每个规划年度多1个安置岗位）"
                       "县里在规划期内需付出的成本"
                       "（对用工单位的奖补或扶贫车间补贴）；不填表示岗位不能增加。",
            "source": "情景设定。"}),
        "capacities.job_slots_per_year"),
}
"""What one more unit of its capacity costs (``[capacity_costs]``, ``--goal targets``)."""
ZERO_EFFECT = ("instruments.employment.placement_probability_trained_per_month=0",
               "instruments.employment.placement_probability_per_month=0",
               "instruments.employment.training=false")
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
SENSITIVITY = (
    Assumption("instruments.employment.separation_probability_per_year", "就业岗位流失率",
               "job separation (retention)", 0.25, 0.50, False,
               "[CaoZhao]: job separation 25–50 %/yr",
               "[CaoZhao]：每年离职率25–50 %"),
    Assumption("instruments.employment.replaced_income_share", "务工挤占的原有收入比例",
               "income a job replaces", 0.0, 1.0, False,
               "guess: the exit schedule does not pin it down, so it is not fitted; from none "
               "of the worker's own income given up to all of it",
               "估计：脱贫进度数字无法确定此值，故不作校准；从务工不挤占原有收入到全部挤占"),
)
"""Its parameters in the sensitivity analysis (tornado chart), with published ranges."""


@dataclass(frozen=True)
class Parameters:
    """Parameters of the employment-award instrument."""

    training: bool = param(
        True, unit="",
        doc="Whether the fund trains job seekers first (faster placement, training cost).",
        source="[Ruyuan2016 §二(一)3] (free order-based training)")
    placement_probability_per_month: float = param(
        0.08, unit="1/month", ge=0, le=1,
        doc="Chance per month that a job-seeking labourer without training finds a job.",
        source="guess")
    placement_probability_trained_per_month: float = param(
        0.15, unit="1/month", ge=0, le=1,
        doc="Same, after the free order-based training.",
        source="guess: [Ruyuan2016 §二(一)3] offers order-based training")
    training_cost_yuan_per_person: float = param(
        1_000.0, unit="yuan/person", ge=0,
        doc="Cost to the fund of training one labourer.",
        source="[Deyang]: training allowance 50 yuan/day × 20 days (guess)")
    wage_yuan_per_month: float = param(
        2_000.0, unit="yuan/month", ge=0,
        doc="Median monthly wage of a placed poor labourer in the first simulated year.",
        source="[Workshops2017]: poverty workshops 1,500–2,500 yuan/month")
    wage_log_sd: float = param(
        0.25, unit="log yuan", ge=0, le=3,
        doc="Spread of wages between workers.", source="guess")
    training_months: int = param(
        1, unit="months", ge=0, le=24,
        doc="Months of training before a trained job seeker starts looking (no training: 0).",
        source="order-based training of about 20 days [Deyang]")
    separation_probability_per_year: float = param(
        0.40, unit="1/year", ge=0, le=1,
        doc="Chance per year that a job ends (the worker leaves that employer).",
        source="migrants average 27.3 months per job → 35–45 %/year (derived) [CaoZhao]")
    job_to_job_share: float = param(
        0.6, unit="share of separations", ge=0, le=1,
        doc="Share of job endings followed at once by another job (the worker changes "
            "employer); the rest fall into unemployment and search again.",
        source="guess: migrants change jobs often, mostly without a spell of "
               "unemployment [CaoZhao]")
    wage_growth_per_year: float = param(
        0.065, unit="1/year", ge=-0.5, le=1,
        doc="Yearly growth of placed workers' wages (wage_yuan_per_month is the first "
            "simulated year's).",
        source="migrant-worker monthly income 3,275 (2016) → 3,962 yuan (2019), 6.5 % a "
               "year [NBSMigrants2018]")
    replaced_income_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of the placed labourer's own part of the household's baseline labour income "
            "(wages and net farm income, divided by its labourers) that is given up while the "
            "labourer works the placed job: a placement counts only its gain over what it "
            "replaces.",
        source="guess")
    award_rule: Literal["retained_12_months", "consecutive_months"] = param(
        "retained_12_months", unit="",
        doc="When the employer award is earned: per worker-year kept ≥ 12 months (Ruyuan), or "
            "once after a run of consecutive months at a minimum wage (Jishou).",
        source="[Ruyuan2016 §二(一)3]; [Jishou2016]")
    award_yuan_per_worker: float = param(
        2_000.0, unit="yuan/worker", ge=0,
        doc="Award paid to the employer when the rule is met.",
        source="[Ruyuan2016 §二(一)3] (2,000 per worker per year)")
    award_months_required: int = param(
        12, unit="months", ge=1, le=60,
        doc="Months the job must last before the award is earned.",
        source="[Ruyuan2016 §二(一)3] (≥ 1 year)")
    award_min_wage_yuan_per_month: float = param(
        0.0, unit="yuan/month", ge=0,
        doc="Lowest monthly wage that counts towards the award months.",
        source="[Ruyuan2016 §二(一)3] sets none; Jishou: 1,500 [Jishou2016]")
    award_repeats_yearly: bool = param(
        True, unit="",
        doc="Whether the award is paid again for each further year kept (Ruyuan) or once "
            "(Jishou).",
        source="[Ruyuan2016 §二(一)3]; [Jishou2016]")


def parameters(scenario: Scenario) -> Parameters:
    """The employment parameters of a scenario."""
    return scenario.instruments.employment


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity: one labourer seeks a job."""
    return np.asarray(households.laborers) > 0


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """One labourer per household trains, looks for a job, works, changes jobs or loses work.

    A job ends at the separation rate; with ``job_to_job_share`` the worker moves straight to
    another employer (wage kept, tenure restarts), otherwise the worker is unemployed and
    searches again. Wages grow at ``wage_growth_per_year``. While working the placed job, the
    household gives up ``replaced_income_share`` of that labourer's part of its own baseline
    labour income. The employer award is paid only once the rule is verifiably met: per 12
    months with one employer (Ruyuan) or once after a run of consecutive months at a minimum
    wage (Jishou).
    """
    params = parameters(scenario)
    place = FLOAT(params.placement_probability_trained_per_month if params.training
                  else params.placement_probability_per_month)
    separate = FLOAT(monthly_probability(params.separation_probability_per_year))
    moves_on = separate * FLOAT(params.job_to_job_share)
    sigma = FLOAT(params.wage_log_sd)
    delay = scenario.rewards.verification_delay_months
    laborers = np.maximum(block.households.laborers, 0).astype(FLOAT)
    gives_up = FLOAT(params.replaced_income_share) * np.divide(
        FLOAT(1), laborers, out=np.zeros_like(laborers), where=laborers > 0)
    employed = np.zeros(block.shape, dtype=bool)
    tenure = np.zeros(block.shape, dtype=np.int32)       # months with the current employer
    qualifying = np.zeros(block.shape, dtype=np.int32)   # consecutive months meeting the rule
    awarded = np.zeros(block.shape, dtype=bool)          # for one-off awards
    wage = np.zeros(block.shape, dtype=FLOAT)            # in first-simulated-year yuan
    draws: dict[str, np.ndarray] = {}
    yield from block.at(start_month, "instruments")
    searching_from = start_month
    if params.training:
        block.pay(owner, "training",
                  np.full(block.shape, params.training_cost_yuan_per_person, dtype=FLOAT))
        searching_from += params.training_months
    while True:
        m = block.month_of_year
        if m == 0 or not draws:
            for name in ("job_search", "job_separation", "job_wage"):
                draws[name] = block.uniforms(name)
        u_end = draws["job_separation"][m]
        ends = employed & (u_end < separate)
        falls = ends & (u_end >= moves_on)   # the rest of the endings move straight on
        employed &= ~falls
        tenure[ends] = 0
        qualifying[ends] = 0
        if block.month >= searching_from:
            found = ~employed & ~falls & (draws["job_search"][m] < place)
            if found.any():
                where = np.nonzero(found)
                z = standard_normal(draws["job_wage"][m][where])
                wage[where] = FLOAT(params.wage_yuan_per_month) * np.exp(sigma * z, dtype=FLOAT)
                employed |= found
        growth = FLOAT((1.0 + params.wage_growth_per_year) ** block.year)
        earned = wage * (growth * block.labour_factor) * employed
        block.add_income(owner, "employment_wages", earned)
        given_up = gives_up * employed
        block.add_income(owner, "wages", -given_up * block.labour_income["wages"])
        block.add_income(owner, "business", -given_up * block.labour_income["business_net"])
        tenure += employed
        counts = employed & (earned >= params.award_min_wage_yuan_per_month)
        qualifying = np.where(counts, qualifying + 1, 0)
        if params.award_rule == "retained_12_months":
            due = employed & (tenure > 0) & (tenure % params.award_months_required == 0)
        else:
            due = qualifying == params.award_months_required
            qualifying[due] = 0 if params.award_repeats_yearly else qualifying[due]
        if not params.award_repeats_yearly:
            due &= ~awarded
            awarded |= due
        if due.any():
            block.pay(owner, "employment_awards",
                      due * FLOAT(params.award_yuan_per_worker), delay)
        if block.month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: job slots in each plan year
    (``capacities.job_slots_per_year``)."""
    from simulator.optimizer.rows import Row

    slots = cands.scenario.capacities.job_slots_per_year
    if slots is None:
        return []
    rows = []
    for year in range(cands.plan_years):
        uses = cands.uses("employment", year)
        if uses.any():
            rows.append(Row(f"job_slots_{year}", "capacity", "<=", float(slots),
                            household=np.ones(cands.n_households), package=uses.astype(float),
                            limit="capacities.job_slots_per_year", per_limit=1.0))
    return rows
