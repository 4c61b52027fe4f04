"""The county's own assistance, applied to a package's counted incomes: the dibao top-up and
防返贫 help — pure numpy, no random numbers drawn here.

Neither is additive over instruments (each depends on the income the package leaves), so the
engine applies both to each package's yearly incomes after the instruments' contributions are
summed, in this order:

1. **Dibao top-up** (应保尽保): covered households whose counted income falls below the year's
   dibao standard × members are raised to it — households without labour capacity, and under
   ``safety_net.covers = "every_eligible"`` every household [Ruyuan2016 §二(一)8].
2. **防返贫 help** (from ``prevention.start_year``): year by year, the monitored households the
   official triggers (:mod:`simulator.triggers`) flag are found with the detection chance (a
   household found before is followed while the triggers still flag it); found households with
   labour capacity whose income is below ``help_target_multiple`` × their line are raised to it,
   at most ``max_help_yuan_per_household_year``. Monitored, among households judged by income
   (the safety net keeps the others above their line): edge households, registered ones that
   exited before the year, and — with ``also_poor_not_yet_exited`` — the registered ones still
   poor. Last year's income for the hardship triggers is the income the county recorded
   (after assistance).

Both are the county's money, never the fund's: what they cost, and the stable exits only they
make or keep, are reported apart from what the fund's plan adds. A source the exit rule does not
count (``dibao_topup``, ``prevention_help``) is still paid but lifts no household over the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.triggers import in_monitoring_band, sudden_hardship

FIELDS: tuple[str, ...] = ("dibao_topup_yuan", "prevention_help_yuan", "prevention_found",
                           "prevention_helped")
"""Per household-year figures of assistance, kept as means over replications per household
(any allocation's expected figures) and as sums over households per replication (a plan's
spread): yuan paid as dibao top-up and as 防返贫 help; found by monitoring (1/0); paid help
(1/0)."""

TOTALS: tuple[str, ...] = (*FIELDS, "helped_registered_exited", "registered_exited")
"""Per replication and year, summed over households: the :data:`FIELDS`, and the registered
households that had exited before the year — all of them, and those helped."""

KEPT: tuple[str, ...] = ("stable_kept_by_help", "stable_made_by_top_up")
"""Stable exits only the county's assistance makes: kept by 防返贫 help (not stable without it),
and — households judged by income — made by the dibao top-up (not stable on their own
income)."""


@dataclass(frozen=True, eq=False)
class AssistanceRules:
    """One block's fixed inputs to :func:`assist` (the same for every package).

    Shapes: R replications, H households, Y years.
    """

    members: np.ndarray
    """(H,) resident members."""
    with_labour: np.ndarray
    """(H,) at least one labourer (only they can take a public-welfare post)."""
    registered: np.ndarray
    """(H,) on the registry (edge households are not)."""
    judged_by_income: np.ndarray
    """(H,) judged against the exit line: the households monitoring follows (those that exit
    through the safety net are kept above their line by the dibao top-up)."""
    top_up_covered: np.ndarray
    """(H,) households the dibao top-up covers."""
    standard: np.ndarray
    """(H, Y) guaranteed household income: the dibao standard × members [yuan/year]."""
    lines: np.ndarray
    """(H, Y) the line each household is judged against [yuan/(person·year)]."""
    count_top_up: bool
    """Whether the exit rule counts the top-up (``dibao_topup``)."""
    count_help: bool
    """Whether the exit rule counts the help (``prevention_help``)."""
    first_year: int | None
    """Index of the first year of 防返贫 help, or None."""
    detection_draws: np.ndarray | None
    """(R, H, Y) uniforms deciding whether monitoring finds a flagged household."""
    rigid_spending: np.ndarray
    """(R, H, Y) out-of-pocket medical spending [yuan/year]."""
    detection_probability: float = 0.0
    also_not_yet_exited: bool = True
    at_risk_multiple: float = 1.5
    rigid_multiple: float = 1.0
    drop_share: float = 0.5
    help_target_multiple: float = 1.0
    max_help_yuan: float = 0.0

    @property
    def top_up_can_make_exits(self) -> bool:
        """Whether the top-up can lift a household judged by income to its line in some year
        (else exits made by the top-up are not looked for)."""
        per_capita = self.standard / self.members[:, None]
        return bool(np.any(self.top_up_covered[:, None] & self.with_labour[:, None]
                           & (per_capita >= self.lines)))


@dataclass(frozen=True, eq=False)
class Assisted:
    """A package's counted incomes after the county's assistance, and what it took."""

    income: np.ndarray
    """(R, H, Y) counted household net income after assistance [yuan/year]."""
    before_help: np.ndarray
    """(R, H, Y) the same after the top-up, before 防返贫 help."""
    top_up: np.ndarray
    """(R, H, Y) dibao top-up paid [yuan/year]."""
    help: np.ndarray
    """(R, H, Y) 防返贫 help paid [yuan/year]."""
    found: np.ndarray
    """(R, H, Y) found by monitoring."""
    exited_before: np.ndarray
    """(R, H, Y) exited (at or above the line) in some earlier year."""


def assist(counted: np.ndarray, rules: AssistanceRules) -> Assisted:
    """Apply the dibao top-up, then 防返贫 help year by year, to counted household incomes
    ``counted`` (R, H, Y) [yuan/year]."""
    top_up = np.where(rules.top_up_covered[None, :, None],
                      np.maximum(rules.standard[None] - counted, 0), 0).astype(counted.dtype)
    topped = counted + top_up if rules.count_top_up else counted
    help_paid = np.zeros_like(counted)
    found = np.zeros(counted.shape, dtype=bool)
    members = rules.members.astype(counted.dtype)
    above = (topped / members[None, :, None]) >= rules.lines[None]
    exited_before = np.zeros(counted.shape, dtype=bool)
    exited_before[..., 1:] = np.logical_or.accumulate(above[..., :-1], axis=-1)
    if rules.first_year is None or rules.first_year >= counted.shape[-1]:
        return Assisted(topped, topped, top_up, help_paid, found, exited_before)
    income = topped.copy()
    followed = np.zeros(counted.shape[:2], dtype=bool)
    monitored_always = (~rules.registered & rules.judged_by_income)[None, :]
    registered = (rules.registered & rules.judged_by_income)[None, :]
    for y in range(rules.first_year, counted.shape[-1]):
        if y > 0:  # exits up to last year, with last year's help
            last_above = income[..., y - 1] / members >= rules.lines[None, :, y - 1]
            exited_before[..., y] = exited_before[..., y - 1] | last_above
        now = income[..., y]
        monitored = monitored_always | (registered & (exited_before[..., y]
                                                      | rules.also_not_yet_exited))
        band = in_monitoring_band(now / members, rules.lines[None, :, y],
                                  rules.at_risk_multiple)
        flagged = monitored & band
        if y > 0:
            spending, falling = sudden_hardship(rules.rigid_spending[..., y], now,
                                                income[..., y - 1], rules.rigid_multiple,
                                                rules.drop_share)
            flagged |= monitored & (spending | falling)
        found_now = flagged & (followed | (rules.detection_draws[..., y]
                                           < rules.detection_probability))
        target = rules.help_target_multiple * rules.lines[:, y] * members
        # paid in whole yuan, rounded up past the target: float32 incomes just short of the
        # line by a rounding error would otherwise stay below it
        short = target[None, :] - now
        needed = np.where(short > 0, np.minimum(np.ceil(short + 0.5), rules.max_help_yuan), 0)
        paid = np.where(found_now & rules.with_labour[None, :], needed, 0).astype(now.dtype)
        help_paid[..., y] = paid
        found[..., y] = found_now
        followed = found_now
        if rules.count_help:
            income[..., y] = now + paid
    return Assisted(income, topped, top_up, help_paid, found, exited_before)


def records(assisted: Assisted, registered: np.ndarray) -> dict[str, np.ndarray]:
    """(R, H, Y) per household-year figures named in :data:`TOTALS` (helped and found as
    0/1)."""
    helped = assisted.help > 0
    exited = assisted.exited_before & registered[None, :, None]
    return {"dibao_topup_yuan": assisted.top_up, "prevention_help_yuan": assisted.help,
            "prevention_found": assisted.found, "prevention_helped": helped,
            "helped_registered_exited": helped & exited, "registered_exited": exited}
