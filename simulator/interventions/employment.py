"""Employment awards (就业扶贫 / 转移就业).

Employers that keep a registered poor worker are rewarded after the job has lasted; the household
earns wages. Jobs that end early cost the fund nothing but give the household less.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simulator.scenario.schema import param

KEY = "employment"
LABEL = "employment awards"
LABEL_ZH = "就业奖补"


@dataclass(frozen=True)
class Parameters:
    """Parameters of the employment-award instrument."""

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
