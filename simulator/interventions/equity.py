"""Equity dividends (资产收益 / 入股分红 / 股份帮扶).

The fund invests a principal in an enterprise on a household's behalf; the household receives a
yearly dividend (property income), for the part of the year the equity was held. Enterprises can
stop paying or fail; every shareholder of one enterprise is hit together. The principal is an
asset, not money spent for good: after the term it becomes a county fund, so the net fiscal cost
counts only what failures lose.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Assumption, Line, Source
from simulator.randomness import Streams, probability_per_period
from simulator.schema import param, table_array
from simulator.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.registry import Registry
    from simulator.scenario.model import Scenario

KEY = "equity"
LABEL = "equity dividends"
LABEL_ZH = "股权分红"
INCOME_SOURCES = ("equity_dividends",)
SOURCES = {"equity_dividends": Source(
    "property", "dividends on equity invested for the household (property income)")}
LINES = {
    "equity_principal": Line("入股本金", "equity principal",
                             "principal invested on the household's behalf", placed=True),
    "organisation_rewards": Line(
        "带动主体奖励", "organisation rewards",
        "one-off reward per poor person brought into the equity scheme"),
}
RECOVERIES = {
    "equity_recoveries": Line("企业失败后回收股金", "equity recovered after failures",
                              "principal recovered from failed enterprises"),
    "equity_principal_kept": Line(
        "转为县扶贫基金的入股本金", "equity principal kept by the county",
        "principal the county keeps: it becomes a county fund at the end of the term (or is "
        "still invested at the horizon's end)"),
}
"""Money that comes back to the county: not spending, so it never relaxes a yearly budget, but it
makes the net fiscal cost smaller than the gross outlay."""
BRINGS_IN_BY_ORGANISATION = True
CAPACITY_COSTS = {
    "enterprise_absorption_yuan": (float | None, param(
        None, unit="yuan per yuan of principal", ge=0,
        doc="What it costs the county to have an enterprise absorb one more yuan of household "
            "principal (beyond the principal itself, which its package pays); left out means "
            "the enterprises' absorption cannot be raised.",
        source="scenario",
        zh={"name": "企业多吸纳入股资金的单位成本", "unit": "元/元",
            "meaning": "让入股企业每多吸纳1元农户入股资金县里需另外付出的成本"
                       "（入股本金已计入帮扶方案）；"
                       "不填表示企业吸纳能力不能增加。",
            "source": "情景设定。"}),
        "instruments.equity.enterprises"),
}
"""What one more unit of its enterprises' absorption costs (``[capacity_costs]``,
``--goal targets``)."""
ZERO_EFFECT = ("instruments.equity.principal_yuan_per_person=0",
               "rewards.organisation_equity_yuan_per_person=0")
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
SENSITIVITY = (
    Assumption("instruments.equity.dividend_rate", "入股分红率", "equity dividend rate",
               0.05, 0.12, False,
               "[SichuanCoop], [Hubei2017], [Dongguo]: dividends promised 5–12 %/yr",
               "[SichuanCoop]、[Hubei2017]、[Dongguo]：承诺分红率每年5–12 %"),
    Assumption("instruments.equity.failure_probability_over_term", "企业经营失败概率",
               "enterprise failure", 0.02, 0.10, False,
               "guess: 2–10 % lose principal over the term [Boullenois2020]",
               "估计：期内2–10 %的企业损失本金[Boullenois2020]"),
)
"""Its parameters in the sensitivity analysis (tornado chart), with published ranges."""


@dataclass(frozen=True)
class Enterprise:
    """An enterprise that takes poor households' equity."""

    name: str = param("enterprise", unit="", doc="Name shown in reports.", source="scenario")
    absorption_yuan: float = param(
        0.0, unit="yuan", ge=0,
        doc="Most equity principal the enterprise can take in (absorption capacity).",
        source="scenario (county's agreements with enterprises)")
    dividend_rate: float | None = param(
        None, unit="1/year", ge=0, le=1,
        doc="This enterprise's dividend rate; when left out, equity.dividend_rate applies.",
        source="scenario")


@dataclass(frozen=True)
class Parameters:
    """Parameters of the equity-dividend instrument."""

    principal_yuan_per_person: float = param(
        20_000.0, unit="yuan/person", ge=0,
        doc="Principal invested per entitled person: 10,000 upper-level special funds plus a "
            "1:1 county match.",
        source="[Ruyuan2016 §二(一)1] (≥ 10,000 per person, 1:1 county match)")
    principal_basis: Literal["per_labour_household_member", "per_laborer"] = param(
        "per_labour_household_member", unit="",
        doc="Who is counted: every member of a household with labour capacity (Ruyuan counts "
            "all 5,352 people of such households), or each labourer.",
        source="[Ruyuan2016 §二(一)1] (人均投入 over the 5,352 people with labour capacity)")
    upper_level_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of the principal that is upper-level money (the rest is the county match).",
        source="[Ruyuan2016 §二(一)1] (10,000 + 10,000)")
    dividend_rate: float = param(
        0.10, unit="1/year", ge=0, le=1,
        doc="Dividend per year as a share of principal (Ruyuan aims at 2,000 on 20,000).",
        source="[Ruyuan2016 §二(一)1]; published guaranteed rates 6 % [Hubei2017] to 12 % "
               "[Dongguo]")
    dividend_month: int = param(
        12, unit="month of year", ge=1, le=12,
        doc="Calendar month in which the yearly dividend is paid.",
        source="guess: dividends are paid once a year [Ruyuan2016 §二(一)1]")
    term_years: int = param(
        3, unit="years", ge=1, le=30,
        doc="Years before the principal converts to a county fund.",
        source="[Ruyuan2016 §二(一)1]")
    dividend_share_after_term: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of the dividend the household keeps after the term, once the principal has "
            "become a county fund: 1 = support unchanged after exit; 0.5 = only the county "
            "match keeps paying the household; 0 = dividends stop.",
        source="[Ruyuan2016 §二(一)1]: after the term the upper-level money becomes a "
               "county fund 'to keep consolidating exits'; after exit, support policies stay "
               "unchanged for a period [ExitMechanism2016]; no policy or help is withdrawn "
               "after exit (四个不摘) [FourNots2019]")
    underpay_probability_per_year: float = param(
        0.10, unit="1/year", ge=0, le=1,
        doc="Chance that an enterprise pays no dividend in a year (all its shareholders at once).",
        source="guess: 5–20 % of schemes underpay in a year; no published rate [Boullenois2020], "
               "[Audit2017]")
    failure_probability_over_term: float = param(
        0.05, unit="share", ge=0, le=1,
        doc="Chance that an enterprise fails during the term and stops paying for good.",
        source="guess: 2–10 % lose principal over 3–5 years; no published rate [Boullenois2020]")
    principal_recovery_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of principal the county recovers from a failed enterprise.",
        source="guess")
    enterprises: tuple[Enterprise, ...] = table_array(
        "Enterprises that can take equity; none listed means one county-wide enterprise "
        "without an absorption limit.", source="scenario")


def parameters(scenario: Scenario) -> Parameters:
    """The equity parameters of a scenario."""
    return scenario.instruments.equity


def entitled_people(households: Households | Any, params: Parameters) -> np.ndarray:
    """People counted for the principal: members of a labour household, or its labourers."""
    if params.principal_basis == "per_laborer":
        return households.laborers.astype(FLOAT)
    return np.where(households.laborers > 0, households.size, 0).astype(FLOAT)


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity ([Ruyuan2016]: equity for people with labour capacity)."""
    return np.asarray(households.laborers) > 0


def enterprise_assignment(registry: Registry, scenario: Scenario) -> tuple[np.ndarray, int]:
    """Which enterprise would hold each household's equity, and how many enterprises there are.

    Eligible households are spread over enterprises in registry order, in proportion to their
    absorption capacities; with no enterprises listed, one county-wide enterprise holds all.
    """
    params = scenario.instruments.equity
    enterprises = params.enterprises
    assignment = np.zeros(registry.n_households, dtype=np.int64)
    if not enterprises:
        return assignment, enterprise_count(params)
    capacity = np.array([e.absorption_yuan for e in enterprises], dtype=float)
    if capacity.sum() <= 0:
        capacity = np.ones(len(enterprises))
    eligible_at = np.flatnonzero(eligible(registry, scenario))
    if len(eligible_at):
        position = (np.arange(len(eligible_at)) + 0.5) / len(eligible_at)
        edges = np.cumsum(capacity) / capacity.sum()
        assignment[eligible_at] = np.minimum(np.searchsorted(edges, position),
                                             len(enterprises) - 1)
    return assignment, enterprise_count(params)


def enterprise_count(params: Parameters) -> int:
    """Enterprises taking equity: those listed, or one county-wide enterprise when none is."""
    return max(1, len(params.enterprises))


def prepare(registry: Registry, scenario: Scenario) -> dict[str, np.ndarray]:
    """Household facts the process needs, prepared once per run over the whole registry: the
    enterprise that would hold each household's equity, and the number of enterprises."""
    assignment, _count = enterprise_assignment(registry, scenario)
    return {"enterprise": assignment}


def enterprise_keys(streams: Streams, params: Parameters) -> list[int]:
    """Random-number key of each enterprise: by county and name (the county-wide enterprise
    when none is listed), so its fortunes do not depend on the other enterprises listed; two
    listed under one name are told apart by their order."""
    names = [e.name for e in params.enterprises] or [""]
    return [streams.entity("enterprise", name, names[:i].count(name))
            for i, name in enumerate(names)]


def enterprise_failure_months(block: Block, params: Parameters) -> np.ndarray:
    """Month in which each enterprise fails for good (beyond the horizon = never), (reps, E)."""
    hazard = float(probability_per_period(params.failure_probability_over_term,
                                          params.term_years * MONTHS_PER_YEAR))
    u = block.streams.shared_uniforms("enterprise_failure", 0, block.reps,
                                      enterprise_keys(block.streams, params))[:, :, 0]
    if hazard <= 0:
        return np.full(u.shape, np.iinfo(np.int32).max, dtype=np.int64)
    if hazard >= 1:
        return np.zeros(u.shape, dtype=np.int64)
    return np.floor(np.log1p(-u) / np.log1p(-hazard)).astype(np.int64)


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Invest, pay yearly dividends while the enterprise pays, recover principal on failure."""
    params = parameters(scenario)
    households = block.households
    principal = (params.principal_yuan_per_person * entitled_people(households, params))
    enterprise = households.facts[KEY]["enterprise"]
    rates = np.array([e.dividend_rate if e.dividend_rate is not None else params.dividend_rate
                      for e in params.enterprises] or [params.dividend_rate], dtype=FLOAT)
    yearly_dividend = principal * rates[enterprise]  # (households,)
    fails_at = enterprise_failure_months(block, params)[:, enterprise]  # (reps, households)
    rewards = scenario.rewards
    yield from block.at(start_month, "instruments")
    block.pay(owner, "equity_principal", np.broadcast_to(principal, block.shape))
    block.pay(owner, "organisation_rewards",
              np.broadcast_to(rewards.organisation_equity_yuan_per_person * households.size
                              * (principal > 0), block.shape).astype(FLOAT),
              rewards.verification_delay_months)
    term_end = start_month + params.term_years * MONTHS_PER_YEAR
    # the county books the surviving principal as its own at the end of the term, or at the
    # horizon's end if the term runs past it; failures before then recover a share
    kept_at = min(term_end, block.months) - 1
    while True:
        month = block.month
        if month <= kept_at:
            failing = fails_at == month
            if failing.any():
                block.recover(owner, "equity_recoveries",
                              params.principal_recovery_share * principal * failing)
        if month == kept_at:
            block.recover(owner, "equity_principal_kept", principal * (fails_at > month))
        if block.month_of_year == params.dividend_month - 1:
            months_held = min(MONTHS_PER_YEAR, month - start_month + 1)
            share = 1.0 if month < term_end else params.dividend_share_after_term
            u = block.streams.shared_uniforms("enterprise_underpay", block.year, block.reps,
                                              enterprise_keys(block.streams, params))[:, :, 0]
            pays = (u[:, enterprise] >= params.underpay_probability_per_year) & \
                (fails_at > month)
            block.add_income(owner, "equity_dividends",
                             yearly_dividend * FLOAT(share * months_held / MONTHS_PER_YEAR)
                             * pays)
        if month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: the principal each enterprise can absorb."""
    from simulator.optimizer.rows import MONEY_UNIT, Row

    enterprises = cands.scenario.instruments.equity.enterprises
    if not enterprises:
        return []
    assignment, _ = cands.enterprise()
    principal = cands.equity_principal() / MONEY_UNIT
    uses = cands.uses("equity").astype(float)
    rows = []
    for e, enterprise in enumerate(enterprises):
        members = assignment == e
        if members.any() and uses.any() and enterprise.absorption_yuan > 0:
            rows.append(Row(f"enterprise_absorption_{e}", "capacity", "<=",
                            enterprise.absorption_yuan / MONEY_UNIT,
                            household=np.where(members, principal, 0.0), package=uses,
                            limit="instruments.equity.enterprises"))
    return rows
