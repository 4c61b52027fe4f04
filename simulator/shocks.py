"""Household and village shocks: illness, disability and disasters.

Illness (因病致贫, the main cause of poverty) strikes members at a yearly hazard, higher for the
chronically ill; an ill labourer stops working for some months (longer when chronically ill), and
the household pays its share of the medical bill (for registered households at most the
health-assistance cap from its first year) and of chronic outpatient care (recorded as
刚性支出, but not deducted from per-capita net income, which by the official definition deducts
only production expenses). Disability takes a labourer out of work for good. A disaster hits every
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
from simulator.scenario.model import Scenario, Shocks
from simulator.units import MONTHS_PER_YEAR
from simulator.vocabulary import REGISTERED_CATEGORIES

OWNER = "shocks"


def household_monthly_probability(per_person_year: float, members: np.ndarray) -> np.ndarray:
    """Chance that at least one of ``members`` people is hit in a month [1/month].

    Each person has a constant yearly hazard ``per_person_year``; a household of n members is hit
    in a month with probability 1 − (1 − p)^(n/12).
    """
    return (1.0 - np.power(1.0 - per_person_year, members / MONTHS_PER_YEAR)).astype(FLOAT)


def illness_hazards(shocks: Shocks, size: np.ndarray, chronically_ill: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Monthly chance of an inpatient episode in each household, and the chance that an episode
    is a chronically ill member's.

    A person without chronic illness needs inpatient care at the yearly rate p, a chronically
    ill person at min(rr·p, 1) (rr = ``chronic_illness_relative_risk``). With constant hazards
    h = −ln(1 − p) per person and year, a household of n_h healthy and n_c chronically ill
    members has an episode in a month with probability 1 − exp(−(n_h·h_h + n_c·h_c)/12), and the
    episode is a chronically ill member's with probability n_c·h_c / (n_h·h_h + n_c·h_c).

    Returns
    -------
    (p_episode, chronic_share) : arrays of shape (households,) [1/month], [share]
    """
    p = shocks.illness_probability_per_person_year
    p_chronic = min(p * shocks.chronic_illness_relative_risk, 1.0)
    ill = np.minimum(np.maximum(chronically_ill, 0), size).astype(float)
    healthy = size.astype(float) - ill
    h_healthy = _hazard(p)
    h_chronic = _hazard(p_chronic)
    total = healthy * h_healthy + ill * h_chronic
    p_episode = 1.0 - np.exp(-total / MONTHS_PER_YEAR)
    chronic_share = np.divide(ill * h_chronic, total, out=np.zeros_like(total), where=total > 0)
    return p_episode.astype(FLOAT), chronic_share.astype(FLOAT)


def _hazard(p: float) -> float:
    """Constant yearly hazard of a yearly probability; a sure event gets a hazard so large that
    an episode is certain every month."""
    return float(-np.log1p(-p)) if p < 1 else 1e6


def inpatient_out_of_pocket_by_year(scenario: Scenario, category: np.ndarray) -> np.ndarray:
    """(years, households) what a household pays of one inpatient episode [yuan/episode]:
    its out-of-pocket share of the cost, capped for registered households from the cap's
    first year (健康扶贫, ``shocks.inpatient_out_of_pocket_cap_share``)."""
    shocks = scenario.shocks
    share = np.full((scenario.horizon.years, len(category)), shocks.out_of_pocket_share)
    cap = shocks.inpatient_out_of_pocket_cap_share
    if cap is not None:
        capped_years = scenario.calendar_years >= shocks.out_of_pocket_cap_from_year
        registered = np.isin(category, REGISTERED_CATEGORIES)
        share[np.ix_(capped_years, registered)] = min(cap, shocks.out_of_pocket_share)
    return (shocks.medical_cost_yuan_per_episode * share).astype(FLOAT)


def draw_disasters(block: Block, scenario: Scenario) -> np.ndarray:
    """Whether each village is hit by a disaster in each year: bool (reps, villages, years).

    Each village's draws are its own (keyed by its name), so every block sees the same
    disasters; only the villages of the block's households are drawn (the rest stay False).
    """
    p = scenario.shocks.disaster_probability_per_village_year
    households = block.households
    present = np.unique(households.village)
    keys = households.village_keys[present]
    hits = np.zeros((block.reps, households.n_villages, block.years), dtype=bool)
    for year in range(block.years):
        hits[:, present, year] = block.streams.shared_uniforms("disaster", year, block.reps,
                                                               keys)[:, :, 0] < p
    return hits


def illness_and_disability(block: Block, scenario: Scenario
                           ) -> Generator[simpy.Event, Any, None]:
    """Monthly illness and disability shocks; keeps ``block.labour_factor`` up to date.

    One uniform decides whether a household has an inpatient episode this month and a second
    who it is: below the labourer share a labourer, and — read again within that part — a
    chronically ill member with the chronic share (so one number gives both, independently).
    A sick labourer stops working for some months (longer when chronically ill). The household
    pays its share of the bill, and chronically ill members also pay for outpatient care every
    month; both are recorded as medical out-of-pocket spending (刚性支出), which the official
    income definition does not deduct.
    """
    shocks = scenario.shocks
    households = block.households
    size = households.size.astype(FLOAT)
    laborers = np.maximum(households.laborers, 0).astype(FLOAT)
    p_ill, chronic_share = illness_hazards(shocks, households.size, households.chronically_ill)
    p_disabled = household_monthly_probability(shocks.disability_probability_per_person_year,
                                               size)
    labourer_share = np.divide(laborers, size, out=np.zeros_like(size), where=size > 0)
    per_labourer = np.divide(1.0, laborers, out=np.zeros_like(size), where=laborers > 0)
    inpatient_oop = inpatient_out_of_pocket_by_year(scenario, households.category)  # (Y, H)
    outpatient_oop = (np.minimum(np.maximum(households.chronically_ill, 0), households.size)
                      * (shocks.chronic_outpatient_cost_yuan_per_person_year
                         * shocks.outpatient_out_of_pocket_share / MONTHS_PER_YEAR)
                      ).astype(FLOAT)
    lost_months = FLOAT(shocks.work_months_lost_per_episode)
    chronic_lost_months = FLOAT(shocks.chronic_work_months_lost_per_episode)
    # Where the "who" uniform u lies below the labourer share, u / share is again uniform.
    labourer_scale = np.divide(1.0, labourer_share, out=np.zeros_like(size),
                               where=labourer_share > 0)
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
        who = draws["illness_who"][m]
        labourer_hit = episode & (who < labourer_share)
        if labourer_hit.any():
            chronic = who * labourer_scale < chronic_share
            months = np.where(chronic, chronic_lost_months, lost_months)
            sick_months_left = np.where(labourer_hit, months, sick_months_left)
            sick_share = np.where(labourer_hit, per_labourer, sick_share)
        block.add_extra("inpatient_episodes", episode)
        block.add_extra("medical_out_of_pocket",
                        episode * inpatient_oop[block.year] + outpatient_oop)
        disabled = (draws["disability"][m] < p_disabled) & \
            (draws["disability_who"][m] < labourer_share)
        disabled_share = np.minimum(disabled_share + disabled * per_labourer, FLOAT(1))
        sick_now = sick_share * np.minimum(sick_months_left, FLOAT(1))
        np.multiply(FLOAT(1) - disabled_share, FLOAT(1) - sick_now, out=block.labour_factor)
        sick_months_left = np.maximum(sick_months_left - FLOAT(1), FLOAT(0))
        if block.month + 1 >= block.months:
            return
