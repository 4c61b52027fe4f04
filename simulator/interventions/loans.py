"""Poverty-alleviation microloans (扶贫小额信贷).

A credit loan finances a household project whose returns are business income (and can fail).
The principal is never income; interest not subsidised is a production expense. The fund pays the
interest subsidy and the risk-compensation fund's share of losses.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.scenario.schema import param

KEY = "loans"
LABEL = "microloans"
LABEL_ZH = "扶贫小额信贷"


@dataclass(frozen=True)
class Parameters:
    """Parameters of the microloan instrument."""

    amount_yuan: float = param(
        50_000.0, unit="yuan/household", gt=0, le=50_000,
        doc="Loan amount per household.",
        source="seed 001 §二(一)7 (5万元以下)")
    term_years: int = param(
        3, unit="years", ge=1, le=3,
        doc="Loan term.", source="seed 001 §二(一)7 (3年以内)")
    benchmark_rate: float = param(
        0.0475, unit="1/year", ge=0, le=1,
        doc="Benchmark lending rate charged on the loan.",
        source="parameters.md §3: PBoC 1–5 year benchmark from 24 Oct 2015 (H)")
    interest_subsidy_share: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of the interest paid by the fund (1 = fully subsidised).",
        source="seed 001 §二(一)7 (扶贫资金贴息)")
    project_return_yuan_per_year: float = param(
        6_000.0, unit="yuan/(household·year)", ge=0,
        doc="Mean yearly net business income from the funded project while it runs.",
        source="parameters.md §3 appendix: +6,000 (0–12,000, M/G)")
    project_return_log_sd: float = param(
        0.5, unit="log yuan", ge=0, le=3,
        doc="Spread of project returns between households.", source="guess")
    project_failure_probability_over_term: float = param(
        0.15, unit="share", ge=0, le=1,
        doc="Chance that the project fails during the term and stops yielding income.",
        source="guess: parameters.md §3 (overdue 0.3–1 % official, 10–37 % in weak counties)")
    default_given_failure: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of failed projects whose loan is not repaid.", source="guess")
    risk_fund_loss_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of a defaulted principal paid by the risk-compensation fund.",
        source="guess")
    risk_fund_leverage: float = param(
        10.0, unit="yuan lent per yuan of fund", gt=0,
        doc="Loan volume a yuan of risk-compensation fund supports.",
        source="parameters.md §3: typical 1:10 (G); Chongqing ≈ 1:5.3, Chenzhou ≈ 1:12 (H/L)")
    insurance_premium_rate: float = param(
        0.0, unit="1/year", ge=0, le=1,
        doc="Loan-guarantee insurance premium per year as a share of the loan, paid by the fund.",
        source="seed 001 §二(一)7 (premium subsidies; rate not stated)")
