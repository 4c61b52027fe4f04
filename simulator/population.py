"""Synthetic household registries calibrated to a county's published aggregates.

When real 建档立卡 records cannot leave the county office, tuopin builds a registry that
reproduces *exactly* the counts the county publishes — households and people by category and
labour capacity, households with disabled or ill members, houses needing renovation — with
plausible incomes (every registered household below the registration line) and a geography of
townships, poor and non-poor villages. Everything the county does not publish is drawn from the
distributions the scenario states (their parameters are guesses and say so).

The generator is seeded: the same scenario and seed give the same registry, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import special

from simulator.errors import Problem, ScenarioError
from simulator.registry import Registry, load_registry
from simulator.scenario.model import Scenario, Stratum, Synthetic
from simulator.vocabulary import (
    CATEGORIES,
    CATEGORY_LABELS_ZH,
    REGISTRY_INCOME_COLUMNS,
    SAFETY_NET_CATEGORIES,
)

_STREAMS = ("sizes", "geography", "attributes", "income")
"""Independent random streams, one per part of the generator (order is part of the format)."""

POOR_VILLAGE_SHARE_TOLERANCE = 0.05
"""The poor-village share is met township by township and rounded there (townships with only
poor or only non-poor villages cannot follow it), so it is checked approximately."""

_SWAP_LIMIT = 200_000
"""Most swaps tried when matching a people total; far more than any county needs."""


@dataclass(frozen=True)
class CalibrationRow:
    """One aggregate: its target, what the registry has, and whether they agree."""

    aggregate: str
    target: float
    generated: float
    exact: bool = True
    """Whether the aggregate must match exactly (counts) or only approximately (shares)."""
    tolerance: float = 0.0
    aggregate_zh: str = ""
    """The aggregate's name in Chinese (calibration.csv for a Chinese reader)."""

    @property
    def ok(self) -> bool:
        """Whether the generated value meets the target."""
        if self.exact:
            return self.generated == self.target
        return abs(self.generated - self.target) <= self.tolerance


def generate_population(scenario: Scenario, seed: int | None = None) -> Registry:
    """Generate a synthetic registry from ``scenario.population.synthetic``.

    Parameters
    ----------
    scenario : Scenario
        Its synthetic population section states the strata, townships and attribute counts;
        its poverty line section gives the registration line and edge ceiling.
    seed : int, optional
        Root seed; defaults to ``scenario.population.synthetic.seed``.

    Returns
    -------
    Registry
        Households ordered by township and village, ids ``{id_prefix}00001`` onward.

    Raises
    ------
    ScenarioError
        When the stated counts cannot all hold at once (e.g. a people total no choice of
        households can reach).
    """
    spec = scenario.population.synthetic
    if not spec.strata:
        raise ScenarioError([Problem("population.synthetic.strata",
                                     "no strata: nothing to generate")])
    seed = spec.seed if seed is None else seed
    streams = dict(zip(_STREAMS, np.random.SeedSequence(seed).spawn(len(_STREAMS)), strict=True))
    rng = {name: np.random.default_rng(s) for name, s in streams.items()}

    size, laborers, category, stratum_index = _households(rng["sizes"], spec)
    n = len(size)
    township, village, poor_village, order = _geography(rng["geography"], spec, n)
    # Reorder everything by place so the file reads like a county's own list.
    size, laborers, category, stratum_index = (a[order] for a in
                                               (size, laborers, category, stratum_index))
    weights = np.where(laborers > 0, 1.0, spec.no_labour_disability_weight)
    attrs = _attributes(rng["attributes"], spec, size, weights)
    income = _incomes(rng["income"], scenario, spec, size, laborers, category, stratum_index)
    width = max(5, len(str(n)))
    ids = np.array([f"{spec.id_prefix}{i + 1:0{width}d}" for i in range(n)])
    return Registry.from_columns({
        "household_id": ids, "township": township, "village": village,
        "poor_village": poor_village, "size": size, "laborers": laborers,
        "category": category, **attrs, **income,
    }, source=f"synthetic ({scenario.name}, seed {seed})")


# ---------------------------------------------------------------------------------------------
# households: sizes and labour


def _households(rng: np.random.Generator, spec: Synthetic
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sizes, laborers, categories, strata = [], [], [], []
    for index, stratum in enumerate(spec.strata):
        if stratum.households == 0:
            continue
        size = 1 + distribute(rng, stratum.people - stratum.households,
                              np.full(stratum.households, spec.max_household_size - 1),
                              rng.gamma(spec.size_dispersion, size=stratum.households))
        if stratum.with_labour:
            labour = 1 + rng.binomial(size - 1, spec.laborer_share_of_other_members)
        else:
            labour = np.zeros(stratum.households, dtype=np.int64)
        sizes.append(size)
        laborers.append(labour)
        categories.append(np.full(stratum.households, stratum.category))
        strata.append(np.full(stratum.households, index))
    return (np.concatenate(sizes).astype(np.int64), np.concatenate(laborers).astype(np.int64),
            np.concatenate(categories), np.concatenate(strata))


def distribute(rng: np.random.Generator, total: int, capacity: np.ndarray,
               weights: np.ndarray | None = None) -> np.ndarray:
    """Spread ``total`` units over slots, at most ``capacity[i]`` in slot ``i``.

    Units go to slots in proportion to ``weights`` (uniform when None); units that would overflow
    a full slot are dealt again among slots with room, so the result sums exactly to ``total``.
    """
    capacity = np.asarray(capacity, dtype=np.int64)
    if total > capacity.sum():
        raise ValueError(f"cannot place {total} units in slots holding {capacity.sum()}")
    weights = np.ones(len(capacity)) if weights is None else np.asarray(weights, dtype=float)
    placed = np.zeros(len(capacity), dtype=np.int64)
    remaining = int(total)
    while remaining > 0:
        room = capacity - placed
        w = np.where(room > 0, weights, 0.0)
        if w.sum() <= 0:
            w = (room > 0).astype(float)
        draw = rng.multinomial(remaining, w / w.sum())
        accepted = np.minimum(draw, room)
        placed += accepted
        remaining -= int(accepted.sum())
    return placed


# ---------------------------------------------------------------------------------------------
# geography


def _largest_remainder(total: int, weights: Sequence[float]) -> np.ndarray:
    """Integer counts proportional to ``weights`` that add up to ``total`` exactly."""
    weights = np.asarray(weights, dtype=float)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    short = total - counts.sum()
    counts[np.argsort(-(quotas - counts), kind="stable")[:short]] += 1
    return counts


def _geography(rng: np.random.Generator, spec: Synthetic, n: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Township, village and poor-village flag per household, and the order sorting by place."""
    per_township = _largest_remainder(n, [t.household_share for t in spec.townships])
    shuffled = rng.permutation(n)  # which household goes where
    township = np.empty(n, dtype=object)
    village = np.empty(n, dtype=object)
    poor = np.zeros(n, dtype=bool)
    village_number = np.zeros(n, dtype=np.int64)
    township_number = np.zeros(n, dtype=np.int64)
    start = 0
    for t_index, (town, count) in enumerate(zip(spec.townships, per_township, strict=True)):
        members = shuffled[start:start + count]
        start += count
        if town.poor_villages == town.villages:
            poor_share = 1.0
        elif town.poor_villages == 0:
            poor_share = 0.0
        else:
            poor_share = spec.poor_village_household_share
        n_poor = round(poor_share * count)
        in_poor = np.zeros(count, dtype=bool)
        in_poor[:n_poor] = True
        rng.shuffle(in_poor)
        # poor villages are numbered first: 1..poor_villages, then the others
        number = np.where(in_poor, rng.integers(0, max(town.poor_villages, 1), size=count),
                          town.poor_villages + rng.integers(
                              0, max(town.villages - town.poor_villages, 1), size=count))
        township[members] = town.name
        village[members] = [f"{town.name}{k + 1:02d}村" for k in number]
        poor[members] = in_poor
        village_number[members] = number
        township_number[members] = t_index
    order = np.lexsort((village_number, township_number))
    return (township[order].astype(str), village[order].astype(str), poor[order], order)


# ---------------------------------------------------------------------------------------------
# attributes: disability, illness, housing, PV site


def _choose_with_people(rng: np.random.Generator, size: np.ndarray, weights: np.ndarray,
                        households: int, people: int | None, field: str) -> np.ndarray:
    """Choose ``households`` households (weighted) whose sizes add up to ``people`` exactly."""
    n = len(size)
    chosen = np.zeros(n, dtype=bool)
    if households == 0:
        if people:
            raise ScenarioError([Problem(field, f"expected 0 people when no household is "
                                         f"targeted, found {people:,}")])
        return chosen
    picked = rng.choice(n, size=households, replace=False, p=weights / weights.sum())
    chosen[picked] = True
    if people is None:
        return chosen
    ordered = np.sort(size)
    low, high = int(ordered[:households].sum()), int(ordered[-households:].sum())
    if not low <= people <= high:
        raise ScenarioError([Problem(field, f"no {households:,} households of the generated "
                                     f"sizes hold {people:,} people (possible: {low:,} to "
                                     f"{high:,})")])
    gap = people - int(size[chosen].sum())
    for _ in range(_SWAP_LIMIT):
        if gap == 0:
            return chosen
        inside = np.flatnonzero(chosen)
        out = np.flatnonzero(~chosen)
        i = inside[rng.integers(len(inside))]
        delta = size[out] - size[i]  # change in the total if i is swapped for each outsider
        useful = out[(np.sign(delta) == np.sign(gap)) & (np.abs(delta) <= abs(gap))]
        if len(useful) == 0:
            continue
        j = useful[rng.integers(len(useful))]
        chosen[i], chosen[j] = False, True
        gap -= int(size[j] - size[i])
    raise ScenarioError([Problem(field, f"could not reach {people:,} people in "
                                 f"{households:,} households")])


def _attributes(rng: np.random.Generator, spec: Synthetic, size: np.ndarray,
                weights: np.ndarray) -> dict[str, np.ndarray]:
    n = len(size)
    path = "population.synthetic"
    disabled_households = _choose_with_people(
        rng, size, weights, spec.disabled_households, spec.people_in_disabled_households,
        f"{path}.people_in_disabled_households")
    disabled = np.where(
        disabled_households,
        1 + rng.binomial(size - 1, spec.extra_disabled_member_probability), 0)

    ill_households = _choose_with_people(rng, size, weights, spec.ill_households, None,
                                         f"{path}.ill_households")
    ill = ill_households.astype(np.int64)
    if spec.ill_people is not None and spec.ill_households:
        extra = spec.ill_people - spec.ill_households
        room = np.where(ill_households, size - 1, 0)
        if extra > room.sum():
            most = int(room.sum()) + spec.ill_households
            raise ScenarioError([Problem(f"{path}.ill_people",
                                         f"expected at most {most:,} ill people in the chosen "
                                         f"households, found {spec.ill_people:,}")])
        ill = ill + distribute(rng, extra, room)

    housing = np.zeros(n, dtype=bool)
    housing[rng.choice(n, size=spec.housing_renovation_households, replace=False,
                       p=weights / weights.sum())] = True
    pv_site = np.zeros(n, dtype=bool)
    pv_site[rng.choice(n, size=round(spec.pv_site_share * n), replace=False)] = True
    return {"disabled": disabled.astype(np.int64), "chronically_ill": ill,
            "housing_renovation": housing, "pv_site": pv_site}


# ---------------------------------------------------------------------------------------------
# incomes


def truncated_lognormal(rng: np.random.Generator, median: np.ndarray, log_sd: np.ndarray,
                        low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Draw lognormal values restricted to ``[low, high)`` by inverting the CDF."""
    mu = np.log(median)
    sd = np.maximum(log_sd, 1e-9)
    a = special.ndtr((np.log(np.maximum(low, 1e-9)) - mu) / sd)
    b = special.ndtr((np.log(high) - mu) / sd)
    u = a + (b - a) * rng.random(len(mu))
    value = np.exp(mu + sd * special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)))
    return np.clip(value, low, np.nextafter(high, 0))


def _incomes(rng: np.random.Generator, scenario: Scenario, spec: Synthetic, size: np.ndarray,
             laborers: np.ndarray, category: np.ndarray, stratum_index: np.ndarray
             ) -> dict[str, np.ndarray]:
    line = scenario.poverty_line
    strata: tuple[Stratum, ...] = spec.strata
    median = np.array([strata[i].income_median_yuan_per_capita for i in stratum_index])
    log_sd = np.array([strata[i].income_log_sd for i in stratum_index])
    is_edge = category == "edge"
    low = np.where(is_edge, line.registration_line_yuan_per_capita,
                   spec.income_floor_yuan_per_capita)
    high = np.where(is_edge, line.edge_ceiling_yuan_per_capita,
                    line.registration_line_yuan_per_capita)
    per_capita = truncated_lognormal(rng, median, log_sd, low, high)
    net = per_capita * size

    shares = np.empty((len(size), len(REGISTRY_INCOME_COLUMNS)))
    for has_labour, mean in ((True, spec.labour_income_shares),
                             (False, spec.no_labour_income_shares)):
        rows = (laborers > 0) == has_labour
        mean = np.asarray(mean, dtype=float)
        positive = mean > 0
        shares[rows] = 0.0
        if rows.any():
            draws = rng.dirichlet(spec.income_share_concentration * mean[positive],
                                  size=int(rows.sum()))
            shares[np.ix_(rows, positive)] = draws
    wages, business_net, property_, transfers = (np.round(net * shares[:, k])
                                                 for k in range(len(REGISTRY_INCOME_COLUMNS)))
    expense_share = spec.production_expense_share_of_business
    business = np.round(business_net / (1.0 - expense_share))
    expenses = business - business_net
    components = np.stack([wages, business, property_, transfers], axis=1)

    # Whole-yuan rounding can move a household across a band edge by a few yuan; move its
    # largest component back inside. The bands are [low, high) in per-capita terms.
    net_rounded = components.sum(axis=1) - expenses
    lowest_net = np.ceil(low * size)
    highest_net = np.ceil(high * size) - 1
    shift = np.where(net_rounded > highest_net, highest_net - net_rounded,
                     np.where(net_rounded < lowest_net, lowest_net - net_rounded, 0.0))
    largest = np.argmax(components, axis=1)
    components[np.arange(len(size)), largest] += shift
    return {"wages": components[:, 0], "business": components[:, 1],
            "property": components[:, 2], "transfers": components[:, 3],
            "production_expenses": expenses}


# ---------------------------------------------------------------------------------------------
# the households a command works on


def population_of(scenario: Scenario, registry_path: str | Path | None = None,
                  seed: int | None = None) -> Registry:
    """The households a scenario is about.

    A registry file given here wins; otherwise the scenario's ``population.registry`` file;
    otherwise a synthetic registry generated with ``seed``.
    """
    if registry_path is not None:
        return load_registry(registry_path)
    origin = scenario.origin
    if scenario.population.registry is not None:
        path = origin.registry_path if origin is not None and origin.registry_path else \
            Path(scenario.population.registry)
        if not path.is_file():
            source = str(origin.path) if origin is not None else ""
            raise ScenarioError([Problem("population.registry",
                                         f"registry file not found: {path}", source)])
        return load_registry(path)
    return generate_population(scenario, seed)


# ---------------------------------------------------------------------------------------------
# calibration


def calibration_table(registry: Registry, scenario: Scenario) -> list[CalibrationRow]:
    """Each aggregate the scenario states, its target, and what ``registry`` has.

    Works on any registry — generated or real — so a county can check its own records against
    the figures it published.
    """
    spec = scenario.population.synthetic
    rows: list[CalibrationRow] = []
    strata = spec.strata
    labour = registry.with_labour

    def add(name: str, name_zh: str, target: float, generated: float, exact: bool = True,
            tolerance: float = 0.0) -> None:
        rows.append(CalibrationRow(name, target, generated, exact, tolerance, name_zh))

    add("households", "户数", sum(s.households for s in strata), registry.n_households)
    add("people", "人数", sum(s.people for s in strata), registry.n_people)
    for cat in CATEGORIES:
        members = [s for s in strata if s.category == cat]
        if not members:
            continue
        mask = registry.category == cat
        zh = CATEGORY_LABELS_ZH[cat]
        add(f"{cat} households", f"{zh}户数", sum(s.households for s in members),
            int(mask.sum()))
        add(f"{cat} people", f"{zh}人数", sum(s.people for s in members),
            int(registry.size[mask].sum()))
    for has_labour, word, zh in ((True, "with", "有"), (False, "without", "无")):
        members = [s for s in strata if s.with_labour == has_labour]
        mask = labour == has_labour
        add(f"households {word} labour", f"{zh}劳动能力户数",
            sum(s.households for s in members), int(mask.sum()))
        add(f"people in households {word} labour", f"{zh}劳动能力户人数",
            sum(s.people for s in members), int(registry.size[mask].sum()))
    no_labour = ~labour
    safety = np.isin(registry.category, SAFETY_NET_CATEGORIES)
    for mask_name, zh, mask, members in (
        ("without labour, dibao/wubao", "无劳动能力低保/特困", no_labour & safety,
         [s for s in strata if not s.with_labour and s.category in SAFETY_NET_CATEGORIES]),
        ("without labour, general", "无劳动能力一般贫困",
         no_labour & (registry.category == "general"),
         [s for s in strata if not s.with_labour and s.category == "general"]),
    ):
        if members:
            add(f"households {mask_name}", f"{zh}户数", sum(s.households for s in members),
                int(mask.sum()))
            add(f"people {mask_name}", f"{zh}户人数", sum(s.people for s in members),
                int(registry.size[mask].sum()))
    for index, stratum in enumerate(strata):
        name = stratum.name or f"stratum {index + 1}"
        zh = stratum.name or f"第{index + 1}层"
        mask = (registry.category == stratum.category) & (labour == stratum.with_labour)
        if sum(1 for s in strata if (s.category, s.with_labour)
               == (stratum.category, stratum.with_labour)) == 1:
            add(f"{name}: households", f"{zh}：户数", stratum.households, int(mask.sum()))
            add(f"{name}: people", f"{zh}：人数", stratum.people, int(registry.size[mask].sum()))
    disabled = registry.disabled > 0
    add("households with a disabled member", "有残疾成员的户数", spec.disabled_households,
        int(disabled.sum()))
    if spec.people_in_disabled_households is not None:
        add("people in households with a disabled member", "有残疾成员户的人数",
            spec.people_in_disabled_households, int(registry.size[disabled].sum()))
    add("households with illness", "有患病成员的户数", spec.ill_households,
        int((registry.chronically_ill > 0).sum()))
    if spec.ill_people is not None:
        add("ill people", "患病人数", spec.ill_people, int(registry.chronically_ill.sum()))
    add("households needing housing renovation", "需要住房改造的户数",
        spec.housing_renovation_households, int(registry.housing_renovation.sum()))
    registered = registry.category != "edge"
    line = scenario.poverty_line.registration_line_yuan_per_capita
    pc = registry.per_capita_net_income
    add(f"registered households at or above the registration line ({line:,.0f})",
        f"人均纯收入不低于识别标准（{line:,.0f}元）的建档立卡户数", 0,
        int((pc[registered] >= line).sum()))
    if (~registered).any():
        ceiling = scenario.poverty_line.edge_ceiling_yuan_per_capita
        outside = (pc[~registered] < line) | (pc[~registered] >= ceiling)
        add(f"edge households outside [{line:,.0f}, {ceiling:,.0f})",
            f"人均纯收入不在 {line:,.0f}–{ceiling:,.0f} 元之间的边缘户数", 0, int(outside.sum()))
    if spec.townships:
        add("share of households in poor villages", "贫困村农户占比",
            spec.poor_village_household_share, round(float(registry.poor_village.mean()), 4),
            exact=False, tolerance=POOR_VILLAGE_SHARE_TOLERANCE)
    return rows
