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
from functools import cached_property

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

    @cached_property
    def watched(self) -> np.ndarray:
        """(W,) indices of the households monitoring can follow: those judged by income."""
        return np.flatnonzero(self.judged_by_income)

    @cached_property
    def watched_rigid_spending(self) -> np.ndarray:
        """(Y, R, W) :attr:`rigid_spending` of the :attr:`watched`, year-first."""
        return np.ascontiguousarray(np.moveaxis(self.rigid_spending[:, self.watched], -1, 0))

    @cached_property
    def watched_detection_draws(self) -> np.ndarray:
        """(Y, R, W) :attr:`detection_draws` of the :attr:`watched`, year-first."""
        return np.ascontiguousarray(np.moveaxis(self.detection_draws[:, self.watched], -1, 0))

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
    """A package's counted incomes after the county's assistance, and what it took.

    防返贫 help is kept for the households monitoring follows (:attr:`AssistanceRules.watched`,
    W of them) year-first — how it is computed; :attr:`help` and :attr:`found` give it for
    every household."""

    before_help: np.ndarray
    """(R, H, Y) the counted income after the top-up, before 防返贫 help."""
    top_up: np.ndarray
    """(R, H, Y) dibao top-up paid [yuan/year]."""
    rules: AssistanceRules
    watched_help: np.ndarray | None = None
    """(Y, R, W) help paid to the watched households [yuan/year], or None without help."""
    watched_found: np.ndarray | None = None
    """(Y, R, W) watched households found by monitoring."""
    watched_exited: np.ndarray | None = None
    """(Y, R, W) watched households exited before each year, from the first year of help
    (their exits with the help)."""
    watched_lifted: np.ndarray | None = None
    """(Y, R, W) watched households the counted help lifted to their line that year."""

    @property
    def help_counts(self) -> bool:
        """Whether the exit rule counts the help (else it is paid but adds no counted income)."""
        return self.rules.count_help

    def _every_household(self, watched: np.ndarray | None, dtype: type) -> np.ndarray:
        out = np.zeros(self.before_help.shape, dtype=dtype)
        if watched is not None:
            out[:, self.rules.watched] = np.moveaxis(watched, 0, -1)
        return out

    @cached_property
    def help(self) -> np.ndarray:
        """(R, H, Y) 防返贫 help paid [yuan/year]."""
        return self._every_household(self.watched_help, self.before_help.dtype)

    @cached_property
    def found(self) -> np.ndarray:
        """(R, H, Y) found by monitoring."""
        return self._every_household(self.watched_found, bool)

    @property
    def income(self) -> np.ndarray:
        """(R, H, Y) counted household net income after assistance [yuan/year]."""
        return self.before_help + self.help if self.help_counts else self.before_help

    @cached_property
    def exited_before(self) -> np.ndarray:
        """(R, H, Y) exited (at or above the line) in some earlier year, from the first year
        of 防返贫 help on (earlier years are False: nothing reads them): monitored households'
        with their help, the others' on their income."""
        out = np.zeros(self.before_help.shape, dtype=bool)
        rules = self.rules
        if rules.help_from is None:
            return out
        lines = rules.lines * rules.members[:, None]
        ever = np.zeros(out.shape[:2], dtype=bool)
        for y in range(1, out.shape[-1]):
            ever |= self.before_help[..., y - 1] >= lines[:, y - 1]
            if y >= rules.help_from:
                out[..., y] = ever
        if self.watched_exited is not None:
            first = rules.help_from
            out[:, rules.watched, first:] = np.moveaxis(self.watched_exited[first:], 0, -1)
        return out


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
    watched = rules.watched
    if first is None or not len(watched):
        return Assisted(topped, top_up, rules)
    reps, _households, years = counted.shape
    # Only households judged by income are monitored: the loop works on their columns alone,
    # year-first so that each year's (replications × households) slice is contiguous.
    income = np.moveaxis(topped[:, watched], -1, 0).copy()  # (Y, R, W)
    lines = (rules.lines[watched] * rules.members[watched, None]).T.astype(counted.dtype)
    registered = rules.registered[watched]
    edge = ~registered
    labour = rules.with_labour[watched]
    cap = (rules.max_help_yuan_per_person * rules.members[watched]).astype(counted.dtype)
    exited = np.zeros((years, reps, len(watched)), dtype=bool)
    paid = np.zeros_like(income)
    found = np.zeros(income.shape, dtype=bool)
    lifted = np.zeros(income.shape, dtype=bool)
    for y in range(first):  # exits before any help
        exited[first] |= income[y] >= lines[y]
    for y in range(first, years):
        if y > first:  # exits up to last year, with last year's help
            exited[y] = exited[y - 1] | (income[y - 1] >= lines[y - 1])
        monitored = np.zeros((reps, len(watched)), dtype=bool)
        if rules.first_year is not None and y >= rules.first_year:
            monitored |= edge | (registered & exited[y])
        if rules.remaining_from is not None and y >= rules.remaining_from:
            monitored |= registered & ~exited[y]
        now = income[y]
        flagged = in_monitoring_band(now, lines[y], rules.at_risk_multiple)
        if y > 0:
            spending, falling = sudden_hardship(rules.watched_rigid_spending[y], now,
                                                income[y - 1], rules.rigid_multiple,
                                                rules.drop_share)
            flagged |= spending | falling
        followed = found[y - 1] if y > first else False
        found[y] = monitored & flagged & (followed | (rules.watched_detection_draws[y]
                                                      < rules.detection_probability))
        # paid in whole yuan, rounded up past the target: float32 incomes just short of the
        # line by a rounding error would otherwise stay below it
        short = rules.help_target_multiple * lines[y] - now
        np.copyto(paid[y], np.minimum(np.ceil(short + 0.5), cap),
                  where=found[y] & labour & (short > 0))
        if rules.count_help:
            now += paid[y]
            lifted[y] = (paid[y] > 0) & (now >= lines[y])
    return Assisted(topped, top_up, rules, paid, found, exited, lifted)


@dataclass(frozen=True, eq=False)
class Record:
    """One figure of :func:`records`: (R, H, years) for every household, or (years, R, W)
    year-first for the watched households alone (the others' are zero)."""

    figure: np.ndarray
    years: slice
    """The simulated years it covers (zero in the others)."""
    watched_only: bool = False


def records(assisted: Assisted, registered: np.ndarray, first_year: int | None,
            totals: bool = True) -> dict[str, Record]:
    """Name (:data:`TOTALS`) → its :class:`Record`: the top-up over every year, the rest from
    the first year of 防返贫 help (zero before it; none at all without help); the figures kept
    only as totals, when ``totals``."""
    out = {"dibao_topup_yuan": Record(assisted.top_up, slice(None))}
    if first_year is None:
        return out
    years = slice(first_year, None)
    exited = assisted.exited_before[..., years] & registered[None, :, None] if totals else None
    if totals:  # every registered household counts, monitored or not
        out["registered_exited"] = Record(exited, years)
    if assisted.watched_help is None:  # no household here is monitored
        return out
    paid = assisted.watched_help[years]
    helped = paid > 0
    out.update({"prevention_help_yuan": Record(paid, years, True),
                "prevention_found": Record(assisted.watched_found[years], years, True),
                "prevention_helped": Record(helped, years, True)})
    if totals:
        helped_exited = np.moveaxis(helped, 0, -1) \
            & exited[:, assisted.rules.watched]  # (R, W, years)
        out["helped_registered_exited"] = Record(np.moveaxis(helped_exited, -1, 0), years,
                                                 True)
    return out
