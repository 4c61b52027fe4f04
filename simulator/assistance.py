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
   at most ``max_help_yuan_per_person_year`` per member. Monitored, among households judged
   by income (the safety net keeps the others above their line): edge households and registered
   ones that exited before the year (from ``prevention.start_year``), and registered ones still
   poor (from ``prevention.remaining_poor_from_year``). Last year's income for the hardship
   triggers is the income the county recorded (after assistance).

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
    """Index of the first year in which exited and edge households are monitored, or None."""
    remaining_from: int | None
    """Index of the first year in which registered households not yet exited are helped, or
    None."""
    detection_draws: np.ndarray | None
    """(R, H, Y) uniforms deciding whether monitoring finds a flagged household."""
    rigid_spending: np.ndarray
    """(R, H, Y) out-of-pocket medical spending [yuan/year]."""
    detection_probability: float = 0.0
    at_risk_multiple: float = 1.5
    rigid_multiple: float = 1.0
    drop_share: float = 0.5
    help_target_multiple: float = 1.0
    max_help_yuan_per_person: float = 0.0

    @property
    def help_from(self) -> int | None:
        """Index of the first year with any 防返贫 help, or None."""
        years = [y for y in (self.first_year, self.remaining_from) if y is not None]
        return min(years) if years else None

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
    """(R, H, Y) exited (at or above the line) in some earlier year — from the first year of
    防返贫 help on (earlier years are False: nothing reads them)."""


def assist(counted: np.ndarray, rules: AssistanceRules) -> Assisted:
    """Apply the dibao top-up, then 防返贫 help year by year, to counted household incomes
    ``counted`` (R, H, Y) [yuan/year]."""
    if rules.top_up_covered.all():
        guaranteed = np.maximum(counted, rules.standard[None])
    else:
        guaranteed = np.where(rules.top_up_covered[None, :, None],
                              np.maximum(counted, rules.standard[None]), counted)
    top_up = guaranteed - counted
    topped = guaranteed if rules.count_top_up else counted
    first = rules.help_from
    if first is None:
        nothing = np.zeros(counted.shape, dtype=bool)
        return Assisted(topped, topped, top_up, np.zeros_like(counted), nothing, nothing)
    help_paid = np.zeros_like(counted)
    found = np.zeros(counted.shape, dtype=bool)
    exited_before = np.zeros(counted.shape, dtype=bool)
    members = rules.members.astype(counted.dtype)
    for y in range(first):  # exits before any help
        exited_before[..., first] |= topped[..., y] >= rules.lines[:, y] * members
    income = topped.copy()
    followed = np.zeros(counted.shape[:2], dtype=bool)
    judged = rules.judged_by_income[None, :]
    edge = (~rules.registered)[None, :] & judged
    registered = rules.registered[None, :] & judged
    cap = (rules.max_help_yuan_per_person * members)[None, :]
    for y in range(first, counted.shape[-1]):
        if y > first:  # exits up to last year, with last year's help
            last_above = income[..., y - 1] / members >= rules.lines[None, :, y - 1]
            exited_before[..., y] = exited_before[..., y - 1] | last_above
        monitored = np.zeros(counted.shape[:2], dtype=bool)
        if rules.first_year is not None and y >= rules.first_year:
            monitored |= edge | (registered & exited_before[..., y])
        if rules.remaining_from is not None and y >= rules.remaining_from:
            monitored |= registered & ~exited_before[..., y]
        now = income[..., y]
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
        needed = np.where(short > 0, np.minimum(np.ceil(short + 0.5), cap), 0)
        paid = np.where(found_now & rules.with_labour[None, :], needed, 0).astype(now.dtype)
        help_paid[..., y] = paid
        found[..., y] = found_now
        followed = found_now
        if rules.count_help:
            income[..., y] = now + paid
    return Assisted(income, topped, top_up, help_paid, found, exited_before)


def records(assisted: Assisted, registered: np.ndarray, first_year: int | None
            ) -> dict[str, tuple[np.ndarray, slice]]:
    """Name (:data:`TOTALS`) → ((R, H, years) figure, the years it covers): the top-up over
    every year, the rest from the first year of 防返贫 help (zero before it; none at all
    without help)."""
    every = slice(None)
    out = {"dibao_topup_yuan": (assisted.top_up, every)}
    if first_year is None:
        return out
    years = slice(first_year, None)
    paid = assisted.help[..., years]
    helped = paid > 0
    exited = assisted.exited_before[..., years] & registered[None, :, None]
    out.update({"prevention_help_yuan": (paid, years),
                "prevention_found": (assisted.found[..., years], years),
                "prevention_helped": (helped, years),
                "helped_registered_exited": (helped & exited, years),
                "registered_exited": (exited, years)})
    return out
