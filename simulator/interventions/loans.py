"""Poverty-alleviation microloans (扶贫小额信贷).

A credit loan finances a household project whose returns are business income (and can fail).
The principal is never income; interest not subsidised is a production expense. The fund pays the
interest subsidy and the risk-compensation fund's share of losses.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Assumption, Line, Source
from simulator.randomness import standard_normal
from simulator.schema import param
from simulator.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.scenario.model import Scenario

KEY = "loans"
LABEL = "microloans"
LABEL_ZH = "小额信贷"
INCOME_SOURCES = ("loan_project",)
SOURCES = {"loan_project": Source(
    "business", "net business income of the project a microloan funds")}
LINES = {
    "loan_interest_subsidy": Line("贷款贴息", "loan interest subsidy",
                                  "interest paid by the fund"),
    "loan_insurance": Line("贷款保证保险", "loan insurance",
                           "loan-guarantee insurance premium paid by the fund"),
    "loan_risk_compensation": Line("风险补偿金", "loan risk compensation",
                                   "risk-compensation fund's share of defaulted principal"),
}
BRINGS_IN_BY_ORGANISATION = False
CAPACITIES = {
    "loan_risk_fund_yuan": (float | None, param(
        None, unit="yuan", ge=0,
        doc="Risk-compensation fund; loan volume ≤ fund × loans.risk_fund_leverage. Left out "
            "means unlimited.",
        source="[Ruyuan2016 §二(一)7]; Henan 50 million per county [Directors2017]")),
}
"""Its fields of the scenario's ``[capacities]`` table (read by :func:`capacity_rows`)."""
CAPACITY_COSTS = {
    "loan_risk_fund_yuan": (float | None, param(
        None, unit="yuan per yuan of risk fund", ge=0,
        doc="What one more yuan in the risk-compensation fund costs the county (1: the fund "
            "is the county's money set aside); left out means the fund cannot be raised.",
        source="scenario",
        zh={"name": "风险补偿金增加成本", "unit": "元/元",
            "meaning": "「信贷风险补偿金」每增加1元县里需付出的成本（补偿金由县财政安排，即1）；"
                       "不填表示不能增加。",
            "source": "情景设定。"}),
        "capacities.loan_risk_fund_yuan"),
}
"""What one more unit of its capacity costs (``[capacity_costs]``, ``--goal targets``)."""
ZERO_EFFECT = ("instruments.loans.benchmark_rate=0",
               "instruments.loans.project_return_yuan_per_year=0",
               "instruments.loans.project_failure_probability_over_term=0")
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
SENSITIVITY = (
    Assumption("instruments.loans.project_failure_probability_over_term", "贷款项目失败概率",
               "loan project failure", 0.005, 0.35, False,
               "[Kashgar2020]: microcredit loss up to 37 % (stress case in weak counties)",
               "[Kashgar2020]：小额信贷损失最高达37 %（薄弱县的压力情形）"),
)
"""Its parameters in the sensitivity analysis (tornado chart), with published ranges."""


@dataclass(frozen=True)
class Parameters:
    """Parameters of the microloan instrument."""

    amount_yuan: float = param(
        50_000.0, unit="yuan/household", gt=0, le=50_000,
        doc="Loan amount per household.",
        source="[Ruyuan2016 §二(一)7] (5万元以下)")
    term_years: int = param(
        3, unit="years", ge=1, le=3,
        doc="Loan term.", source="[Ruyuan2016 §二(一)7] (3年以内)")
    benchmark_rate: float = param(
        0.0475, unit="1/year", ge=0, le=1,
        doc="Benchmark lending rate charged on the loan.",
        source="[PBoC2015]: 1–5 year benchmark")
    interest_subsidy_share: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of the interest paid by the fund (1 = fully subsidised).",
        source="[Ruyuan2016 §二(一)7] (扶贫资金贴息)")
    project_return_yuan_per_year: float = param(
        6_000.0, unit="yuan/(household·year)", ge=0,
        doc="Mean yearly net business income from the funded project while it runs.",
        source="guess: +6,000 (0–12,000); success stories report up to +12,000 [Yanchi2017]")
    project_lead_months: int = param(
        6, unit="months", ge=0, le=36,
        doc="Months from disbursement until the funded project yields income (a crop or "
            "livestock cycle).",
        source="guess")
    project_return_log_sd: float = param(
        0.5, unit="log yuan", ge=0, le=3,
        doc="Spread of project returns between households.", source="guess")
    project_failure_probability_over_term: float = param(
        0.15, unit="share", ge=0, le=1,
        doc="Chance that the project fails during the term and stops yielding income.",
        source="guess: overdue 0.3–1 % officially [Chongqing2019], up to 37 % in weak counties "
               "[Kashgar2020]")
    project_continues_after_term: bool = param(
        True, unit="",
        doc="Whether a project that has not failed keeps yielding income after the loan is "
            "repaid.",
        source="guess")
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
        source="guess: typically 1:10; Chongqing ≈ 1:5.3 [Chongqing2019]")
    insurance_premium_rate: float = param(
        0.0, unit="1/year", ge=0, le=1,
        doc="Loan-guarantee insurance premium per year as a share of the loan, paid by the fund.",
        source="[Ruyuan2016 §二(一)7] (premium subsidies; rate not stated)")


def parameters(scenario: Scenario) -> Parameters:
    """The microloan parameters of a scenario."""
    return scenario.instruments.loans


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity (borrowers aged 18–65 who can run a project)."""
    return np.asarray(households.laborers) > 0


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Disburse, pay interest (subsidised share by the fund), yield project income, default.

    The principal is never income. The unsubsidised interest is a production expense.
    """
    params = parameters(scenario)
    term = params.term_years * MONTHS_PER_YEAR
    yield from block.at(start_month, "instruments")
    u = block.uniforms("loan_project", 4)
    fails = u[0] < params.project_failure_probability_over_term
    fail_month = np.where(fails, start_month + np.floor(u[1] * term), np.inf)
    defaults = fails & (u[2] < params.default_given_failure)
    sigma = params.project_return_log_sd
    median = params.project_return_yuan_per_year * np.exp(-sigma * sigma / 2)
    monthly_return = FLOAT(median / MONTHS_PER_YEAR) * np.exp(
        FLOAT(sigma) * standard_normal(u[3]), dtype=FLOAT)
    amount = FLOAT(params.amount_yuan)
    monthly_interest = amount * FLOAT(params.benchmark_rate / MONTHS_PER_YEAR)
    subsidy = FLOAT(params.interest_subsidy_share)
    premium = amount * FLOAT(params.insurance_premium_rate / MONTHS_PER_YEAR)
    end = start_month + term
    yields_from = start_month + params.project_lead_months
    while True:
        month = block.month
        if month >= yields_from and (month < end or params.project_continues_after_term):
            block.add_income(owner, "loan_project", monthly_return * (month < fail_month))
        if month < end:
            outstanding = ~(defaults & (month >= fail_month))
            block.pay(owner, "loan_interest_subsidy", monthly_interest * subsidy * outstanding)
            block.add_expense(owner, monthly_interest * (FLOAT(1) - subsidy) * outstanding)
            if params.insurance_premium_rate:
                block.pay(owner, "loan_insurance", premium * outstanding)
            defaulting = defaults & (fail_month == month)
            if defaulting.any():
                block.pay(owner, "loan_risk_compensation",
                          defaulting * amount * FLOAT(params.risk_fund_loss_share))
        if month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: loan volume within the risk fund × leverage
    (``capacities.loan_risk_fund_yuan``)."""
    from simulator.optimizer.rows import MONEY_UNIT, Row

    fund = cands.scenario.capacities.loan_risk_fund_yuan
    if fund is None:
        return []
    loans = cands.scenario.instruments.loans
    return [Row("loan_volume", "capacity", "<=", fund * loans.risk_fund_leverage / MONEY_UNIT,
                household=np.ones(cands.n_households),
                package=cands.uses("loans") * loans.amount_yuan / MONEY_UNIT,
                limit="capacities.loan_risk_fund_yuan",
                per_limit=loans.risk_fund_leverage / MONEY_UNIT)]
