"""Household industry reward (产业奖补): the 以奖代补 reward for developing one's own industry.

A household with labour capacity develops its own industry with an organisation's direct help;
after the set-up months it is verified, and if it passes, the township pays the household reward
(1,500 yuan per person or per household, [Jishou2016]) and the organisation's direct-help reward,
and the industry yields business income from then on. Households that fail verification get no
fund support. The parameters live in the scenario's ``[rewards]`` table.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calendar import FLOAT, Block
from simulator.interventions.base import Line, Source
from simulator.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    import simpy

    from simulator.calendar import Households
    from simulator.optimizer.candidates import CandidateSet
    from simulator.optimizer.rows import Row
    from simulator.scenario.model import Rewards, Scenario

KEY = "industry"
LABEL = "household industry reward"
LABEL_ZH = "产业奖补"
INCOME_SOURCES = ("industry_income", "household_reward")
SOURCES = {
    "industry_income": Source(
        "business", "business income of an industry the household develops for the reward"),
    "household_reward": Source(
        "transfers", "one-off industry reward paid to the household (以奖代补)",
        counted_by_default=False),
}
LINES = {
    "household_rewards": Line("农户产业奖补", "household rewards",
                              "reward to households whose own industry passed verification"),
    "organisation_rewards": Line(
        "带动主体奖励", "organisation rewards",
        "one-off reward per poor person an organisation helps directly"),
}
BRINGS_IN_BY_ORGANISATION = True
ZERO_EFFECT = ("rewards.industry_success_probability=0",)
"""Scenario overrides under which the instrument has no effect at all (no income, no outlay):
the contract test checks that it then changes nothing."""
SENSITIVITY: tuple = ()
"""Its parameters in the sensitivity analysis: none so far (no published range for the success
rate of verified household industries has been found)."""
Parameters = None  # its parameters are the scenario's [rewards] table


def parameters(scenario: Scenario) -> Rewards:
    """The reward parameters of a scenario."""
    return scenario.rewards


def eligible(households: Households | Any, scenario: Scenario) -> np.ndarray:
    """Households with labour capacity (an industry needs someone to run it)."""
    return np.asarray(households.laborers) > 0


def process(block: Block, owner: str, start_month: int, scenario: Scenario
            ) -> Generator[simpy.Event, Any, None]:
    """Set up, verify, reward, and yield business income if the industry passed."""
    rewards = parameters(scenario)
    size = block.households.size.astype(FLOAT)
    yield from block.at(start_month, "instruments")
    passes = block.uniforms("industry", 1)[0] < rewards.industry_success_probability
    if rewards.industry_setup_months:
        if start_month + rewards.industry_setup_months >= block.months:
            return
        yield from block.at(start_month + rewards.industry_setup_months, "instruments")
    per = size if rewards.household_industry_basis == "per_person" else FLOAT(1)
    reward = passes * (FLOAT(rewards.household_industry_yuan) * per)
    delay = rewards.verification_delay_months
    block.pay(owner, "household_rewards", reward, delay)
    block.receive_later(owner, "household_reward", reward, delay)
    block.pay(owner, "organisation_rewards",
              passes * (FLOAT(rewards.organisation_direct_yuan_per_person) * size), delay)
    monthly = passes * FLOAT(rewards.industry_income_yuan_per_year / MONTHS_PER_YEAR)
    while True:
        block.add_income(owner, "industry_income", monthly)
        if block.month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands: CandidateSet) -> list[Row]:
    """Its rows in the allocation model: none (organisations' reach is a policy row)."""
    return []
