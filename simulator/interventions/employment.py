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
from simulator.randomness import monthly_probability, standard_normal
from simulator.scenario.schema import param

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.scenario.model import Scenario

KEY = "employment"
LABEL = "employment awards"
LABEL_ZH = "就业奖补"
INCOME_SOURCES = ("employment_wages",)
LINES = {
    "training": "order-based training of the job seeker",
    "employment_awards": "awards to employers, paid after the job lasted (verified)",
}
BRINGS_IN_BY_ORGANISATION = True


@dataclass(frozen=True)
class Parameters:
    """Parameters of the employment-award instrument."""

    training: bool = param(
        True, unit="",
        doc="Whether the fund trains job seekers first (faster placement, training cost).",
        source="seed 001 §二(一)3 (free order-based training)")
    placement_probability_per_month: float = param(
        0.08, unit="1/month", ge=0, le=1,
        doc="Chance per month that a job-seeking labourer without training finds a job.",
        source="guess")
    placement_probability_trained_per_month: float = param(
        0.15, unit="1/month", ge=0, le=1,
        doc="Same, after the free order-based training.",
        source="guess: seed 001 §二(一)3 offers order-based training")
    training_cost_yuan_per_person: float = param(
        1_000.0, unit="yuan/person", ge=0,
        doc="Cost to the fund of training one labourer.",
        source="parameters.md §4: training allowance 50 yuan/day (Deyang, H) × 20 days (guess)")
    wage_yuan_per_month: float = param(
        2_000.0, unit="yuan/month", ge=0,
        doc="Median monthly wage of a placed poor labourer.",
        source="parameters.md §4: poverty workshops 1,500–2,500 yuan/month (M)")
    wage_log_sd: float = param(
        0.25, unit="log yuan", ge=0, le=3,
        doc="Spread of wages between workers.", source="guess")
    separation_probability_per_year: float = param(
        0.40, unit="1/year", ge=0, le=1,
        doc="Chance per year that a job ends.",
        source="parameters.md §4: 27.3 months per job → 35–45 %/year (M, derived)")
    award_rule: Literal["retained_12_months", "consecutive_months"] = param(
        "retained_12_months", unit="",
        doc="When the employer award is earned: per worker-year kept ≥ 12 months (Ruyuan), or "
            "once after a run of consecutive months at a minimum wage (Jishou).",
        source="seed 001 §二(一)3; seed 000")
    award_yuan_per_worker: float = param(
        2_000.0, unit="yuan/worker", ge=0,
        doc="Award paid to the employer when the rule is met.",
        source="seed 001 §二(一)3 (2,000 per worker per year)")
    award_months_required: int = param(
        12, unit="months", ge=1, le=60,
        doc="Months the job must last before the award is earned.",
        source="seed 001 §二(一)3 (≥ 1 year)")
    award_min_wage_yuan_per_month: float = param(
        0.0, unit="yuan/month", ge=0,
        doc="Lowest monthly wage that counts towards the award months.",
        source="seed 001 §二(一)3 sets none; Jishou: 1,500 (seed 000)")
    award_repeats_yearly: bool = param(
        True, unit="",
        doc="Whether the award is paid again for each further year kept (Ruyuan) or once "
            "(Jishou).",
        source="seed 001 §二(一)3; seed 000")


def parameters(scenario: Scenario) -> Parameters:
    """The employment parameters of a scenario."""
    return scenario.instruments.employment


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity: one labourer seeks a job."""
    return np.asarray(households.laborers) > 0


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """One labourer per household looks for a job, works, may lose it and look again.

    The employer award is paid only once the rule is verifiably met: per 12 months kept
    (Ruyuan) or once after a run of consecutive months at a minimum wage (Jishou).
    """
    params = parameters(scenario)
    place = FLOAT(params.placement_probability_trained_per_month if params.training
                  else params.placement_probability_per_month)
    separate = FLOAT(monthly_probability(params.separation_probability_per_year))
    sigma = FLOAT(params.wage_log_sd)
    delay = scenario.rewards.verification_delay_months
    employed = np.zeros(block.shape, dtype=bool)
    tenure = np.zeros(block.shape, dtype=np.int32)       # months in the current job
    qualifying = np.zeros(block.shape, dtype=np.int32)   # consecutive months meeting the rule
    awarded = np.zeros(block.shape, dtype=bool)          # for one-off awards
    wage = np.zeros(block.shape, dtype=FLOAT)
    draws: dict[str, np.ndarray] = {}
    yield from block.at(start_month, "instruments")
    if params.training:
        block.pay(owner, "training",
                  np.full(block.shape, params.training_cost_yuan_per_person, dtype=FLOAT))
    while True:
        m = block.month_of_year
        if m == 0 or not draws:
            for name in ("job_search", "job_separation", "job_wage"):
                draws[name] = block.uniforms(name)
        leaves = employed & (draws["job_separation"][m] < separate)
        employed &= ~leaves
        tenure[leaves] = 0
        qualifying[leaves] = 0
        found = ~employed & ~leaves & (draws["job_search"][m] < place)
        if found.any():
            where = np.nonzero(found)
            z = standard_normal(draws["job_wage"][m][where])
            wage[where] = FLOAT(params.wage_yuan_per_month) * np.exp(sigma * z, dtype=FLOAT)
            employed |= found
        earned = wage * block.labour_factor * employed
        block.add_income(owner, "employment_wages", earned)
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
