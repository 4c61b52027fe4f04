"""Photovoltaic returns (光伏扶贫).

A small PV plant is built for a household (Ruyuan: a company builds 3 kW free of charge on land
the county provides at 1:4); the household is paid for the electricity sold. Returns depend on
sunshine (region, year), panel degradation, the tariff actually paid and settlement delays.
"""

from __future__ import annotations

import math
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

KEY = "pv"
LABEL = "photovoltaic returns"
LABEL_ZH = "光伏收益"
INCOME_SOURCES = ("pv_returns",)
SOURCES = {"pv_returns": Source("property",
                                "revenue of the household's PV capacity (property income)")}
LINES = {
    "pv_capex": Line("光伏建设投入", "PV capital cost",
                     "capital cost of the household's PV capacity paid by the fund", placed=True),
    "pv_sites": Line("光伏电站场地", "PV site fixed cost",
                     "fixed cost of a village PV site, paid in the year the optimiser opens it"),
}
BRINGS_IN_BY_ORGANISATION = False
CAPACITIES = {
    "pv_land_kw": (float | None, param(
        None, unit="kW", ge=0,
        doc="PV capacity the county's land allows in total; left out means unlimited.",
        source="[Ruyuan2016 §二(一)9] (44,160 kW for 2,944 households)")),
    "pv_sites_per_township_max": (int | None, param(
        None, unit="sites/township", ge=0,
        doc="Most PV sites per township; left out means unlimited.",
        source="[Ruyuan2016 §二(一)9] (2–3 pilot sites per town to start)")),
}
"""Its fields of the scenario's ``[capacities]`` table (read by :func:`capacity_rows` and the
site rules)."""
CAPACITY_COSTS = {
    "pv_land_kw": (float | None, param(
        None, unit="yuan/kW", ge=0,
        doc="What one more kW of PV land costs the county over the plan (the land it gives the "
            "PV company); left out means the land cannot be added.",
        source="scenario",
        zh={"name": "新增光伏用地单位成本", "unit": "元/kW",
            "meaning": "「光伏用地容量上限」每增加1 kW县里需付出的成本（提供给光伏企业的土地）；"
                       "不填表示用地不能增加。",
            "source": "情景设定。"}),
        "capacities.pv_land_kw"),
    "pv_sites_per_township_max": (float | None, param(
        None, unit="yuan per site allowed in every township", ge=0,
        doc="What allowing one more PV site in every township costs the county (planning and "
            "grid connection; each site's own fixed cost is counted where it opens); left out "
            "means the cap cannot be raised.",
        source="scenario",
        zh={"name": "放宽每乡镇电站上限的单位成本", "unit": "元（每乡镇多1个电站）",
            "meaning": "「每乡镇光伏电站上限」每增加1个县里需付出的成本"
                       "（规划、并网；电站本身的固定成本在建站时计入）；"
                       "不填表示上限不能放宽。",
            "source": "情景设定。"}),
        "capacities.pv_sites_per_township_max"),
}
"""What one more unit of each capacity costs (``[capacity_costs]``, ``--goal targets``)."""
ZERO_EFFECT = ("instruments.pv.tariff_yuan_per_kwh=0", "instruments.pv.om_cost_yuan_per_kw_year=0",
               "instruments.pv.fund_capex_yuan_per_kw=0")
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
SENSITIVITY = (
    Assumption("instruments.pv.tariff_yuan_per_kwh", "光伏上网电价", "PV tariff", 0.867, 1.1, True,
               "[Tariff2017]: low 0.85/0.98, the 2017+ zone III tariff against 2016's; "
               "high: guess, +10 %",
               "[Tariff2017]：低值为0.85/0.98，即2017年起三类资源区电价与2016年电价之比；"
               "高值为估计，上浮10 %"),
    Assumption("instruments.pv.specific_yield_kwh_per_kwp", "光伏年发电量", "PV specific yield",
               0.85, 1.15, True, "[EnergyPortal2015]: specific yield ±15 %",
               "[EnergyPortal2015]：各地年发电量相差约±15 %"),
)
"""Its parameters in the sensitivity analysis (tornado chart), with published ranges."""


@dataclass(frozen=True)
class Parameters:
    """Parameters of the photovoltaic instrument."""

    construction_months: int = param(
        6, unit="months", ge=0, le=60,
        doc="Months from the plan's decision to build until the plant generates (siting, "
            "land, building, grid connection).",
        source="guess: [Ruyuan2016 §二(一)9] starts with 2–3 pilot sites per town, then rolls out")
    kw_per_household: float = param(
        3.0, unit="kW/household", gt=0, le=100,
        doc="Capacity whose revenue goes to one household.",
        source="[Ruyuan2016 §二(一)9] (3 kW per household)")
    specific_yield_kwh_per_kwp: float = param(
        1_000.0, unit="kWh/(kWp·year)", gt=0, le=3_000,
        doc="Yearly energy per kW of panels in an average year, before degradation.",
        source="guess within published ranges: south China 950 (800–1,150), Guangdong "
               "1,000–1,150 [EnergyPortal2015], [Nanchang2018]; "
               "1,000 reproduces [Ruyuan2016]'s ≈3,000 yuan on 3 kW at 0.98 yuan/kWh")
    tariff_yuan_per_kwh: float = param(
        0.98, unit="yuan/kWh", ge=0, le=5,
        doc="Tariff received per kWh, fixed for 20 years.",
        source="[Tariff2016]: 2016 zone-III benchmark")
    subsidy_share_of_tariff: float = param(
        0.6, unit="share", ge=0, le=1,
        doc="Part of the tariff that is renewable subsidy, the part that is paid late.",
        source="guess: the subsidy is ≈ 60–70 % of the tariff [Tariff2016], [Tariff2017]")
    settlement_delay_probability: float = param(
        0.0, unit="1/year", ge=0, le=1,
        doc="Chance that a year's subsidy part is settled late.",
        source="guess: 0–30 %; payments are late for renewables [SubsidyBacklog], poverty PV paid "
               "first [PVPriority2017]")
    settlement_delay_months: int = param(
        6, unit="months", ge=0, le=60,
        doc="How late a delayed subsidy part is paid.",
        source="guess: 0–12 months [SubsidyBacklog], [PVPriority2017]")
    degradation_first_year: float = param(
        0.025, unit="share", ge=0, le=1,
        doc="Output lost in the first year.", source="[Degradation2017]")
    degradation_per_year: float = param(
        0.007, unit="1/year", ge=0, le=1,
        doc="Output lost each later year.", source="[Degradation2017]")
    yield_year_sd: float = param(
        0.08, unit="share", ge=0, le=1,
        doc="Year-to-year standard deviation of the county's yield (weak sun years hit every "
            "plant together).",
        source="guess")
    om_cost_yuan_per_kw_year: float = param(
        50.0, unit="yuan/(kW·year)", ge=0,
        doc="Operation and maintenance cost deducted from the household's PV income.",
        source="guess: 0.05 yuan/W/year (0.03–0.10); 0.07 for commercial rooftops [PVCost2017]")
    weak_year_probability: float = param(
        0.1, unit="1/year", ge=0, le=1,
        doc="Chance that a year is a weak sun year for the whole county.", source="guess")
    weak_year_yield_factor: float = param(
        0.85, unit="share", ge=0, le=1,
        doc="Yield of a weak sun year relative to an average year.",
        source="guess: regional yields vary ±15 % [EnergyPortal2015]")
    household_share_of_revenue: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of the revenue of the household's kW that reaches the household.",
        source="household systems pay all income to the household [Nanchang2018]")
    land_kw_per_household: float = param(
        15.0, unit="kW/household", gt=0,
        doc="Land the county provides per household: its 3 kW plus 12 kW for the company (1:4).",
        source="[Ruyuan2016 §二(一)9]")
    site_min_kw: float = param(
        300.0, unit="kW", gt=0,
        doc="Smallest PV site the company builds (≈10 mu of land).",
        source="[Ruyuan2016 §二(一)9]")
    fund_capex_yuan_per_kw: float = param(
        0.0, unit="yuan/kW", ge=0,
        doc="Capital cost the fund pays per kW for the household's share (0 when a company "
            "builds for free, as in Ruyuan; ≈7,500 when the fund builds).",
        source="[Ruyuan2016 §二(一)9] (company builds free); 7.5 yuan/W in 2016 [PVCapex2016]")
    site_fixed_cost_yuan: float = param(
        30_000.0, unit="yuan/site", ge=0,
        doc="Fixed cost to the fund of opening a site (land levelling, grid connection).",
        source="guess")


def parameters(scenario: Scenario) -> Parameters:
    """The PV parameters of a scenario."""
    return scenario.instruments.pv


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households for which a PV-site place is available."""
    return np.asarray(households.pv_site, dtype=bool)


def households_per_site(params: Parameters) -> int:
    """Households one PV site serves: site size over land per household (300 / 15 = 20)."""
    return max(1, math.floor(params.site_min_kw / params.land_kw_per_household))


def degradation_factor(params: Parameters, age_years: int) -> float:
    """Output relative to new panels in the ``age_years``-th year of operation (0 = first)."""
    return (1.0 - params.degradation_first_year) * (1.0 - params.degradation_per_year) ** age_years


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Build, then monthly generation and settlement; the subsidy part is paid late in delay
    years. The fund pays its capital share when building starts; the plant generates from
    ``construction_months`` later, and its age (degradation) counts from then."""
    params = parameters(scenario)
    reps = block.reps
    kw = FLOAT(params.kw_per_household)
    yield from block.at(start_month, "instruments")
    block.pay(owner, "pv_capex",
              np.full(block.shape, params.fund_capex_yuan_per_kw * params.kw_per_household,
                      dtype=FLOAT))
    if params.construction_months:
        start_month += params.construction_months
        if start_month >= block.months:
            return
        yield from block.at(start_month, "instruments")
    weather = delayed = None
    county = [block.streams.entity("weather")]  # one sun and one settlement office per county

    def county_draw(source: str) -> np.ndarray:
        return block.streams.shared_uniforms(source, block.year, reps, county)[:, :, 0]

    while True:
        month = block.month
        if weather is None or block.month_of_year == 0:
            z = standard_normal(county_draw("pv_weather").astype(FLOAT))
            weak = county_draw("pv_weak_year") < params.weak_year_probability
            weather = np.maximum(FLOAT(1) + FLOAT(params.yield_year_sd) * z, FLOAT(0)) \
                * np.where(weak, FLOAT(params.weak_year_yield_factor), FLOAT(1))
            delayed = (county_draw("pv_settlement")
                       < params.settlement_delay_probability).astype(FLOAT)
        age = (month - start_month) // MONTHS_PER_YEAR
        kwh = kw * FLOAT(params.specific_yield_kwh_per_kwp / MONTHS_PER_YEAR
                         * degradation_factor(params, age)) * weather  # (reps, 1)
        revenue = kwh * FLOAT(params.tariff_yuan_per_kwh * params.household_share_of_revenue)
        subsidy = revenue * FLOAT(params.subsidy_share_of_tariff)
        on_time = revenue - subsidy * delayed
        block.add_income(owner, "pv_returns", np.broadcast_to(on_time, block.shape))
        if delayed.any():
            block.receive_later(owner, "pv_returns",
                                np.broadcast_to(subsidy * delayed, block.shape),
                                params.settlement_delay_months)
        block.add_expense(owner, FLOAT(params.om_cost_yuan_per_kw_year / MONTHS_PER_YEAR) * kw)
        if month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: PV land (``capacities.pv_land_kw``). The site rules
    are :mod:`simulator.optimizer.sites`."""
    from simulator.optimizer.rows import Row

    capacities, pv = cands.scenario.capacities, cands.scenario.instruments.pv
    if capacities.pv_land_kw is None:
        return []
    return [Row("pv_land", "capacity", "<=", float(capacities.pv_land_kw),
                household=np.ones(cands.n_households),
                package=cands.uses("pv") * float(pv.land_kw_per_household),
                limit="capacities.pv_land_kw", per_limit=1.0)]
