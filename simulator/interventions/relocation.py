"""Poverty-alleviation relocation (易地扶贫搬迁): households of villages without production
conditions (一方水土养不起一方人) move to a resettlement site near towns and jobs.

The fund pays the housing subsidy per person [Chongqing2015] and the reward per newly built house
[Ruyuan2016] when the move is decided. From the month the household moves in, it gives up a share
of its own net farm income — the land is now far away — and with it that share of the village's
disaster exposure (a disaster destroys farm income it no longer earns); its labourers gain access
to wage work near the site. The housing subsidy is a fixed-purpose subsidy, never counted as
household income [IncomeCounting].

Everything this instrument is lives in this module: parameters (with their Chinese texts), income
sources, budget lines, eligibility, the SimPy process, the settings of its contract tests. It has
no capacity rows: resettlement-site places are the county's villages list.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Line, Source
from simulator.schema import param
from simulator.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.scenario.model import Scenario

KEY = "relocation"
LABEL = "relocation"
LABEL_ZH = "易地扶贫搬迁"
INCOME_SOURCES = ("relocation_wages", "business")
"""Wages of work near the resettlement site; the share of its own farm income the household
gives up (negative business income)."""
SOURCES = {"relocation_wages": Source(
    "wages", "wages from work near the resettlement site", zh="搬迁后务工收入")}
LINES = {
    "relocation_housing": Line("易地搬迁住房补助", "relocation housing subsidy",
                               "housing subsidy per person relocated"),
    "relocation_house_reward": Line("新建住房奖励", "new-house reward",
                                    "reward per household that builds its new house"),
}
BRINGS_IN_BY_ORGANISATION = False
ZERO_EFFECT = ("instruments.relocation.subsidy_yuan_per_person=0",
               "instruments.relocation.house_reward_yuan_per_household=0",
               "instruments.relocation.farm_income_given_up_share=0",
               "instruments.relocation.wage_gain_yuan_per_laborer_year=0")
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
ACTIVE = ('instruments.relocation.villages=["*"]',)
"""Every village of the test scenario lacks production conditions: its households are eligible."""
SENSITIVITY: tuple = ()
"""Its parameters in the sensitivity analysis: none so far (no published range for the farm
income given up or the wage gain after relocation has been found)."""


def _zh(name: str, unit: str, meaning: str, source: str) -> dict[str, str]:
    return {"name": name, "unit": unit, "meaning": meaning, "source": source}


@dataclass(frozen=True)
class Parameters:
    """Parameters of poverty-alleviation relocation."""

    villages: tuple[str, ...] = param(
        (), unit="",
        doc="Villages without production conditions whose registered households may be "
            "relocated, written 'township/village'; shell patterns are allowed ('乙镇/*' for a "
            "township's villages, '*' for every village). Empty: nobody is relocated.",
        source="scenario",
        zh=_zh("易地搬迁村", "",
               "不具备生产条件（一方水土养不起一方人）、其建档立卡户可易地扶贫搬迁的村，"
               "写作“镇/村”；可用通配符（“乙镇/*”为该镇各村，“*”为所有村）。"
               "空表示无人搬迁。", "情景设定"))
    subsidy_yuan_per_person: float = param(
        8_000.0, unit="yuan/person", ge=0,
        doc="Housing subsidy the fund pays per person relocated.",
        source="[Chongqing2015]",
        zh=_zh("易地搬迁人均住房补助", "元/人", "每搬迁一人由资金支付的住房补助。",
               "[Chongqing2015]"))
    house_reward_yuan_per_household: float = param(
        10_000.0, unit="yuan/household", ge=0,
        doc="Reward per relocated household for its newly built house.",
        source="[Ruyuan2016]",
        zh=_zh("新建住房奖励", "元/户", "每户搬迁户新建住房的奖励。", "[Ruyuan2016]"))
    move_months: int = param(
        12, unit="months", ge=0, le=60,
        doc="Months from the decision to move (when the fund pays) to moving in: building the "
            "resettlement site and the house.",
        source="guess: about a year of construction",
        zh=_zh("搬迁建设周期", "月", "从决定搬迁（资金拨付）到入住所需的月数：安置点与住房建设。",
               "估计：建设约需一年"))
    farm_income_given_up_share: float = param(
        0.8, unit="share", ge=0, le=1,
        doc="Share of the household's own net farm income given up after the move (the land is "
            "now far away); the same share of the village's disaster losses no longer hits it.",
        source="guess: most farm land is left behind",
        zh=_zh("搬迁后放弃的原有农业收入比例", "比例",
               "搬迁入住后不再获得的原有家庭经营净收入比例（土地离安置点较远）；"
               "原村自然灾害造成的损失也按同一比例不再影响该户。", "估计：大部分耕地留在原村"))
    wage_gain_yuan_per_laborer_year: float = param(
        6_000.0, unit="yuan/(labourer·year)", ge=0,
        doc="Wages each labourer gains from work near the resettlement site, scaled by the "
            "labour the household has each month (illness, disability).",
        source="guess: about half a year of local work",
        zh=_zh("搬迁后每个劳动力年务工增收", "元/（劳动力·年）",
               "安置点附近务工使每个劳动力每年增加的工资收入，按该户当月可用劳动力（疾病、残疾）折算。",
               "估计：约半年的本地务工收入"))


def parameters(scenario: Scenario) -> Parameters:
    """The relocation parameters of a scenario."""
    return scenario.instruments.relocation


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households of the villages the scenario lists as without production conditions."""
    patterns = parameters(scenario).villages
    places = [f"{town}/{village}" for town, village
              in zip(households.township.tolist(), households.village.tolist(), strict=True)]
    return np.array([any(fnmatchcase(place, p) for p in patterns) for place in places],
                    dtype=bool)


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Pay for the move when it is decided; from moving in, give up farm income and gain
    wage work."""
    params = parameters(scenario)
    size = block.households.size.astype(FLOAT)
    laborers = np.maximum(block.households.laborers, 0).astype(FLOAT)
    yield from block.at(start_month, "instruments")
    block.pay(owner, "relocation_housing", FLOAT(params.subsidy_yuan_per_person) * size)
    block.pay(owner, "relocation_house_reward",
              np.full(block.households.n, FLOAT(params.house_reward_yuan_per_household)))
    moved_in = start_month + params.move_months
    if moved_in >= block.months:
        return
    if moved_in > start_month:  # moving in the month of the decision needs no wait
        yield from block.at(moved_in, "instruments")
    given_up = FLOAT(params.farm_income_given_up_share)
    wage = FLOAT(params.wage_gain_yuan_per_laborer_year / MONTHS_PER_YEAR) * laborers
    while True:
        block.add_income(owner, "business", -given_up * block.labour_income["business_net"])
        block.add_income(owner, "relocation_wages", wage * block.labour_factor)
        if block.month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: none."""
    return []
