"""Public-welfare posts (公益岗位): village cleaner, forest ranger, road keeper.

A labourer of the household who cannot migrate takes a post in the village and is paid a
monthly wage from the month the post starts, as long as the household has labour to give (a
sick worker is not paid). Posts are part-time — a few days a month — so the worker keeps the
household's own work: nothing is given up. The wage is paid by the fund, or — where the county
says so — out of the village PV station's revenue, which national rules direct mostly to such
posts [WhitePaper2021]: then the fund pays nothing and the money reaches the household as wages,
not as asset income.

Everything this instrument is lives in this module: parameters (with their Chinese texts),
income sources, budget lines, eligibility, the SimPy process and its capacity rows (posts per
village). It is not offered by default (``optimizer.instruments``).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Assumption, Line, Source
from simulator.schema import param

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.scenario.model import Scenario

KEY = "posts"
LABEL = "public-welfare posts"
LABEL_ZH = "公益岗位"
INCOME_SOURCES = ("post_wages",)
SOURCES = {"post_wages": Source("wages", "wages of a public-welfare post (公益岗位)",
                                zh="公益岗位工资")}
LINES = {
    "post_wages": Line("公益岗位工资", "public-welfare post wages",
                       "monthly wages of the posts, when the fund pays them"),
}
BRINGS_IN_BY_ORGANISATION = False
CAPACITIES = {
    "posts_per_village": (int | None, param(
        None, unit="posts/village", ge=0,
        doc="Most public-welfare posts each administrative village can offer over the plan; "
            "left out means unlimited.",
        source="guess: national figures give 4.33 million posts for the rural poor "
               "[PostsTotal2020], not how many a village can offer",
        zh={"name": "每村公益岗位数", "unit": "个/村",
            "meaning": "规划期内每个行政村最多能提供的公益岗位数；不填表示不限。",
            "source": "估计：全国公益岗位吸纳贫困人口433万人[PostsTotal2020]，"
                      "未公布每村可设岗位数"})),
}
"""Its fields of the scenario's ``[capacities]`` table (read by :func:`capacity_rows`)."""
CAPACITY_COSTS = {
    "posts_per_village": (float | None, param(
        None, unit="yuan per post added to every village", ge=0,
        doc="What allowing one more public-welfare post in every village costs the county over "
            "the plan, beyond the post's wages (which its package pays); left out means posts "
            "cannot be added.",
        source="scenario",
        zh={"name": "新增公益岗位单位成本", "unit": "元（每村多1个岗位）",
            "meaning": "「每村公益岗位数」每增加1个县里在工资之外需付出的成本"
                       "（工资已计入帮扶方案）；"
                       "不填表示岗位不能增加。",
            "source": "情景设定。"}),
        "capacities.posts_per_village"),
}
"""What one more unit of its capacity costs (``[capacity_costs]``, ``--goal targets``)."""
ZERO_EFFECT = ("instruments.posts.wage_yuan_per_month=0",)
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay)."""
SENSITIVITY = (
    Assumption("instruments.posts.wage_yuan_per_month", "公益岗位月工资", "public-post wage",
               300.0, 1_000.0, False,
               "[WelfarePosts2020]: 400–750 yuan a month, 300–1,000 in reports",
               "[WelfarePosts2020]：每月400–750元，各地报道为300–1,000元"),
)
"""Its parameters in the sensitivity analysis (tornado chart), with published ranges."""


@dataclass(frozen=True)
class Parameters:
    """Parameters of public-welfare posts."""

    wage_yuan_per_month: float = param(
        750.0, unit="yuan/month", ge=0,
        doc="Wage of one post, paid every month the household has labour to work it.",
        source="[WelfarePosts2020]: 750 yuan a month on average (Huoshan); 400–667 elsewhere",
        zh={"name": "公益岗位月工资", "unit": "元/月",
            "meaning": "每个岗位的月工资，该户当月有劳动力上岗即发放。",
            "source": "[WelfarePosts2020]：霍山平均每月750元；其他地方400–667元"})
    paid_from: Literal["fund", "village_pv"] = param(
        "fund", unit="",
        doc="Who pays the wages: the fund ('fund', booked as post_wages), or the village PV "
            "station's revenue ('village_pv': no fund outlay).",
        source="[WhitePaper2021]: village PV revenue is used mostly for public-welfare posts",
        zh={"name": "公益岗位工资来源", "unit": "",
            "meaning": "工资由谁支付：扶贫资金（记入公益岗位工资科目），或村级光伏电站收益"
                       "（不占用扶贫资金）。",
            "source": "[WhitePaper2021]：村级光伏电站收益主要用于设置公益岗位",
            "values": {"fund": "扶贫资金", "village_pv": "村级光伏电站收益"}})


def parameters(scenario: Scenario) -> Parameters:
    """The post parameters of a scenario."""
    return scenario.instruments.posts


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity (a post needs someone to work it)."""
    return np.asarray(households.laborers) > 0


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Pay the post's wage every month from its start, scaled by the labour the household has
    that month (illness, disability); the fund pays it unless the village PV station does."""
    params = parameters(scenario)
    wage = FLOAT(params.wage_yuan_per_month)
    from_fund = params.paid_from == "fund"
    yield from block.at(start_month, "instruments")
    while True:
        earned = wage * block.labour_factor
        block.add_income(owner, "post_wages", earned)
        if from_fund:
            block.pay(owner, "post_wages", earned)
        if block.month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: the posts each village can offer
    (``capacities.posts_per_village``), one row per village with eligible households."""
    from simulator.optimizer.rows import Row

    cap = cands.scenario.capacities.posts_per_village
    uses = cands.uses(KEY)
    if cap is None or not uses.any():
        return []
    registry = cands.registry
    places = np.char.add(np.char.add(registry.township.astype(str), "/"),
                         registry.village.astype(str))
    _names, village = np.unique(places, return_inverse=True)
    return [Row(f"posts_village_{v}", "capacity", "<=", float(cap),
                household=(village == v).astype(float), package=uses.astype(float),
                limit="capacities.posts_per_village", per_limit=1.0)
            for v in range(village.max() + 1)]
