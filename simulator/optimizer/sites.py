"""PV sites (村级光伏电站): the one home of their rules in the optimiser.

A PV household needs a place on a site in its own township from the year its PV starts. A site
serves :func:`~simulator.interventions.pv.households_per_site` households (site size over land
per household), costs ``instruments.pv.site_fixed_cost_yuan`` when it opens, and a township may
open at most ``capacities.pv_sites_per_township_max`` sites; the fewest sites serving ``n``
households is ⌈n / households per site⌉.

Read by the PuLP model (integer site variables), the Lagrangian decomposition (their LP
relaxation: a share of a site per household, a cap on a township's PV households), the candidate
set (the sites a choice opens and their cost) and the greedy baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.interventions.pv import households_per_site
from simulator.scenario.model import Scenario


@dataclass(frozen=True)
class SiteRules:
    """The PV-site rules of one scenario."""

    households_per_site: int
    """Households one site serves."""
    fixed_cost_yuan: float
    """Fixed cost of opening one site [yuan]."""
    cap_per_township: int | None
    """Most sites one township may open (None: no cap)."""

    @classmethod
    def of(cls, scenario: Scenario) -> SiteRules:
        pv = scenario.instruments.pv
        return cls(households_per_site(pv), float(pv.site_fixed_cost_yuan),
                   scenario.capacities.pv_sites_per_township_max)

    @property
    def lumpy(self) -> bool:
        """Whether sites matter to the allocation (a fixed cost or a cap): only then does the
        model need site variables."""
        return self.fixed_cost_yuan > 0 or self.cap_per_township is not None

    def sites_for(self, served: np.ndarray | float) -> np.ndarray:
        """The fewest sites serving ``served`` households."""
        return np.ceil(np.asarray(served, dtype=float) / self.households_per_site)

    def new_sites(self, served: int) -> int:
        """Sites one more household opens when ``served`` households are served already."""
        return int(self.sites_for(served + 1) - self.sites_for(served))

    def allows(self, sites: float) -> bool:
        """Whether a township may have ``sites`` sites."""
        return self.cap_per_township is None or sites <= self.cap_per_township

    @property
    def cost_per_household(self) -> float:
        """A household's share of a site's fixed cost (the LP relaxation) [yuan]."""
        return self.fixed_cost_yuan / self.households_per_site

    @property
    def households_cap(self) -> float | None:
        """Most PV households one township may have (None: no cap)."""
        if self.cap_per_township is None:
            return None
        return float(self.cap_per_township * self.households_per_site)


def sites_opened(scenario: Scenario, townships: np.ndarray, pv_start: np.ndarray,
                 plan_years: int) -> dict[tuple[str, int], int]:
    """The fewest PV sites that serve the households whose PV starts in plan year
    ``pv_start`` (H,) (−1: no PV): (township, plan year) → sites opened that year (a
    household's PV needs its site from its start year)."""
    rules = SiteRules.of(scenario)
    opened = {}
    for town in sorted(set(np.asarray(townships).tolist())):
        members = townships == town
        served = np.cumsum([int((pv_start[members] == year).sum())
                            for year in range(plan_years)])
        new = np.diff(rules.sites_for(served), prepend=0.0)
        opened.update({(town, year): int(n) for year, n in enumerate(new) if n})
    return opened


def site_costs(scenario: Scenario, townships: np.ndarray, pv_start: np.ndarray,
               plan_years: int) -> np.ndarray:
    """(P,) fixed cost of the sites of :func:`sites_opened`, charged to the plan year each
    opens [yuan]."""
    cost = SiteRules.of(scenario).fixed_cost_yuan
    out = np.zeros(plan_years)
    if cost > 0:
        for (_town, year), n in sites_opened(scenario, townships, pv_start,
                                             plan_years).items():
            out[year] += n * cost
    return out


def plan_pv_start(plan: Any, n_households: int) -> np.ndarray:
    """(H,) the plan year each household's PV starts under ``plan`` (a
    :class:`~simulator.packages.Plan`), −1 where it has none."""
    starts = np.array([next((v.start_year for v in package.variants if v.key == "pv"), -1)
                       for package in plan.packages], dtype=np.int64)
    return starts[plan.assignment] if len(starts) else np.full(n_households, -1)
