"""Household and village shocks: illness, disability and disasters (domain §7).

Illness (因病致贫, the main cause of poverty) strikes members at a yearly hazard; an ill labourer
stops working for some months, and the household pays its share of the medical bill (recorded,
but not deducted from per-capita net income, which by the official definition deducts only
production expenses). Disability takes a labourer out of work for good. A disaster hits every
household of a village in the same replication and year (shared shock).
Instrument-specific risks (enterprise failure, job loss, weak sun years, failed loan projects)
live with their instruments.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.calendar import FLOAT, Block
from simulator.scenario.model import Scenario
from simulator.units import MONTHS_PER_YEAR

OWNER = "shocks"


def household_monthly_probability(per_person_year: float, members: np.ndarray) -> np.ndarray:
    """Chance that at least one of ``members`` people is hit in a month [1/month].

    Each person has a constant yearly hazard ``per_person_year``; a household of n members is hit
    in a month with probability 1 − (1 − p)^(n/12).
    """
    return (1.0 - np.power(1.0 - per_person_year, members / MONTHS_PER_YEAR)).astype(FLOAT)


def draw_disasters(block: Block, scenario: Scenario) -> np.ndarray:
    """Whether each village is hit by a disaster in each year: bool (reps, villages, years).

    Drawn over all villages of the registry, so every block sees the same disasters.
    """
    p = scenario.shocks.disaster_probability_per_village_year
    villages = block.households.n_villages
    hits = [block.streams.shared_uniforms("disaster", year, block.reps, villages)[:, :, 0] < p
            for year in range(block.years)]
    return np.stack(hits, axis=-1)


def illness_and_disability(block: Block, scenario: Scenario
                           ) -> Generator[simpy.Event, Any, None]:
    """Monthly illness and disability shocks; keeps ``block.labour_factor`` up to date."""
    shocks = scenario.shocks
    households = block.households
    size = households.size.astype(FLOAT)
    laborers = np.maximum(households.laborers, 0).astype(FLOAT)
    p_ill = household_monthly_probability(shocks.illness_probability_per_person_year, size)
    p_disabled = household_monthly_probability(shocks.disability_probability_per_person_year,
                                               size)
    labourer_share = np.divide(laborers, size, out=np.zeros_like(size), where=size > 0)
    per_labourer = np.divide(1.0, laborers, out=np.zeros_like(size), where=laborers > 0)
    oop_cost = FLOAT(shocks.medical_cost_yuan_per_episode * shocks.out_of_pocket_share)
    lost_months = FLOAT(shocks.work_months_lost_per_episode)
    sick_months_left = np.zeros(block.shape, dtype=FLOAT)
    sick_share = np.zeros(block.shape, dtype=FLOAT)
    disabled_share = np.zeros(block.shape, dtype=FLOAT)
    draws: dict[str, np.ndarray] = {}
    while True:
        yield block.tick("shocks")
        m = block.month_of_year
        if m == 0:
            for name in ("illness", "illness_who", "disability", "disability_who"):
                draws[name] = block.uniforms(name)
        episode = draws["illness"][m] < p_ill
        labourer_hit = episode & (draws["illness_who"][m] < labourer_share)
        sick_months_left = np.where(labourer_hit, lost_months, sick_months_left)
        sick_share = np.where(labourer_hit, per_labourer, sick_share)
        block.add_extra("medical_out_of_pocket", episode * oop_cost)
        disabled = (draws["disability"][m] < p_disabled) & \
            (draws["disability_who"][m] < labourer_share)
        disabled_share = np.minimum(disabled_share + disabled * per_labourer, FLOAT(1))
        sick_now = sick_share * np.minimum(sick_months_left, FLOAT(1))
        np.multiply(FLOAT(1) - disabled_share, FLOAT(1) - sick_now, out=block.labour_factor)
        sick_months_left = np.maximum(sick_months_left - FLOAT(1), FLOAT(0))
        if block.month + 1 >= block.months:
            return
