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
