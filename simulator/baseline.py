"""Baseline household income without any intervention (the registry, moved through time).

Each registry component grows at the trend rate; wages and business income also take a yearly
household shock (lognormal, mean one, persistent from year to year as an AR(1) when the scenario
says so) and follow the household's labour available that month
(illness, disability). Business income and production expenses arrive unevenly over the year
(harvest months); a village disaster destroys a share of that year's business income.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.calendar import FLOAT, Block
from simulator.randomness import standard_normal
from simulator.scenario.model import Scenario
from simulator.shocks import draw_disasters
from simulator.units import MONTHS_PER_YEAR

OWNER = "baseline"


def seasonal_weights(harvest_share: float, harvest_months: tuple[int, ...]) -> np.ndarray:
    """Share of a year's business income received in each calendar month (sums to 1).

    ``harvest_share`` of it arrives in the harvest months (1 = January), the rest evenly.
    """
    weights = np.full(MONTHS_PER_YEAR, (1.0 - harvest_share) / MONTHS_PER_YEAR)
    if harvest_months:
        for month in harvest_months:
            weights[month - 1] += harvest_share / len(harvest_months)
    else:
        weights += harvest_share / MONTHS_PER_YEAR
    return weights.astype(FLOAT)


def baseline_income(block: Block, scenario: Scenario) -> Generator[simpy.Event, Any, None]:
    """Monthly baseline income of every household (income phase)."""
    dynamics = scenario.income
    base = {k: v.astype(FLOAT) for k, v in block.households.base_income.items()}
    expenses = block.households.base_expenses.astype(FLOAT)
    season = seasonal_weights(dynamics.farm_harvest_share, dynamics.harvest_months)
    sigma = FLOAT(dynamics.volatility_log_sd)
    rho = FLOAT(dynamics.volatility_persistence)
    fresh = FLOAT(np.sqrt(1.0 - dynamics.volatility_persistence ** 2))
    disaster_loss = FLOAT(scenario.shocks.disaster_business_loss_share)
    disasters = draw_disasters(block, scenario)  # (reps, villages, years), shared by villages
    village = block.households.village
    shock = business_factor = trend = state = None
    while True:
        yield block.tick("income")
        m = block.month_of_year
        if m == 0:
            trend = FLOAT((1.0 + dynamics.growth_per_year) ** (block.year + 1))
            z = standard_normal(block.uniforms("income_volatility", 1)[0])
            # AR(1) in standard units, stationary from the first year: x = ρ·x + √(1 − ρ²)·z
            state = z if state is None else rho * state + fresh * z
            shock = trend * np.exp(sigma * state - sigma * sigma / 2, dtype=FLOAT)
            hit = disasters[:, village, block.year]
            business_factor = shock * (FLOAT(1) - disaster_loss * hit)
        labour = block.labour_factor
        wages = base["wages"] / MONTHS_PER_YEAR * shock * labour
        business = base["business"] * season[m] * business_factor * labour
        spent = expenses * season[m] * shock
        block.add_income(OWNER, "wages", wages)
        block.add_income(OWNER, "business", business)
        block.add_income(OWNER, "property", base["property"] * (trend / MONTHS_PER_YEAR))
        block.add_income(OWNER, "transfers", base["transfers"] * (trend / MONTHS_PER_YEAR))
        block.add_expense(OWNER, spent)
        # what the household's own labour earns this month, for instruments that replace it
        block.labour_income["wages"] = wages
        block.labour_income["business_net"] = business - spent
        if block.month + 1 >= block.months:
            return
