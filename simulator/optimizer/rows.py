"""The linear rows that couple households in the allocation model, as numpy coefficients.

Budgets, capacities and policy rules each sum something over all households' choices; they are
the only rows besides "one package per household" and the PV-site rows. Budgets and policy rules
are written here; each instrument's capacities in its own module (``capacity_rows``). All are
read by both solvers of the allocation problem — the PuLP model (:mod:`simulator.optimizer.model`)
turns them into constraints and the Lagrangian decomposition (:mod:`simulator.optimizer.lagrangian`)
prices them — and by the greedy baseline, which keeps them. No solver is imported here.

A row's coefficient on x[h,k] is ``full[h,k] + household[h] · package[k]``: most rows are
rank one (a household attribute times a package attribute), which keeps them small at 100,000
households; budgets and exit targets need a full (H, K) matrix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.interventions import INSTRUMENTS
from simulator.optimizer.candidates import CandidateSet
from simulator.units import YUAN_PER_WAN

MONEY_UNIT = YUAN_PER_WAN
"""Money rows are written in 万元: coefficients near one keep the LP well scaled
(in yuan, budget rows have coefficients of 1e4–1e5 against an objective of probabilities)."""

BUDGET_CONSTRAINT = "budget_{year}"

BUDGET_FIELD = "budget.yearly_yuan"
EXIT_TARGETS_FIELD = "policy.exit_targets_share_of_people"
SITE_CAP_FIELD = "capacities.pv_sites_per_township_max"
"""Scenario fields rows name as their limits, where code beyond the row builders reads them."""


@dataclass(frozen=True, eq=False)
class Row:
    """One coupling row: Σ coefficient[h,k]·x[h,k] (sense) rhs."""

    name: str
    kind: str
    """'budget' (the PV sites opened in ``year`` add their fixed cost), 'capacity', 'policy'
    (may get an elastic slack when infeasibility is diagnosed) or 'exit_target' (soft: a
    penalised shortfall variable is added)."""
    sense: str
    """'<=' or '>='."""
    rhs: float
    full: np.ndarray | None = None
    """(H, K) coefficients, or None."""
    household: np.ndarray | None = None
    """(H,) household factor of the rank-one part, or None."""
    package: np.ndarray | None = None
    """(K,) package factor of the rank-one part, or None."""
    year: int = 0
    """Plan year of a budget or exit-target row."""
    elastic: str | None = None
    """Name of the elastic slack of a policy row in infeasibility diagnosis."""
    limit: str | None = None
    """Dotted path of the scenario field that sets the row's limit (``capacities.
    job_slots_per_year``), so that a binding row can say where its number comes from."""
    per_limit: float | None = None
    """How much the row's right-hand side grows per unit of :attr:`limit` (1 for job slots;
    leverage ÷ 10,000 for the loan risk fund in yuan against loan volume in 万元): its price
    times this is the price of one more unit of the field; None where the row's limit is not
    one field's value (a policy rule's), whose price is per unit of the row."""

    def coefficient(self, household: int, package: int) -> float:
        """The coefficient of one pair (household, package)."""
        value = 0.0
        if self.full is not None:
            value += float(self.full[household, package])
        if self.household is not None:
            value += float(self.household[household] * self.package[package])
        return value

    def dense(self, shape: tuple[int, int]) -> np.ndarray:
        """(H, K) the coefficient of every pair."""
        out = np.zeros(shape)
        if self.full is not None:
            out += self.full
        if self.household is not None:
            out += np.outer(self.household, self.package)
        return out

    def at(self, households: np.ndarray, packages: np.ndarray) -> np.ndarray:
        """Coefficients of the pairs (households[i], packages[i])."""
        out = np.zeros(len(households))
        if self.full is not None:
            out += self.full[households, packages]
        if self.household is not None:
            out += self.household[households] * self.package[packages]
        return out


def coupling_rows(cands: CandidateSet, budgets: Sequence[float]) -> list[Row]:
    """Every coupling row of the allocation model for these candidates and yearly budgets."""
    return [*_budget_rows(cands, budgets), *_capacity_rows(cands), *_policy_rows(cands)]


def _budget_rows(cands: CandidateSet, budgets: Sequence[float]) -> list[Row]:
    # Kept under the confidence rule too: the upper-tail mean is never below the mean.
    return [Row(BUDGET_CONSTRAINT.format(year=year), "budget", "<=",
                float(budgets[year]) / MONEY_UNIT, full=cands.cost[:, :, year] / MONEY_UNIT,
                year=year, limit=BUDGET_FIELD, per_limit=1 / MONEY_UNIT)
            for year in range(cands.plan_years)]


def _capacity_rows(cands: CandidateSet) -> list[Row]:
    """Each instrument's capacity rows, as its module declares them (``capacity_rows``)."""
    return [row for module in INSTRUMENTS for row in module.capacity_rows(cands)]


def _policy_rows(cands: CandidateSet) -> list[Row]:
    policy = cands.scenario.policy
    size = cands.registry.size.astype(float)
    registered = cands.registered()
    people = float(size[registered].sum())
    rows = []
    if policy.organisation_coverage_min_share > 0:
        rows.append(Row("organisation_coverage", "policy", ">=",
                        policy.organisation_coverage_min_share * people,
                        household=np.where(registered, size, 0.0),
                        package=cands.organisation().astype(float),
                        elastic="organisation_coverage",
                        limit="policy.organisation_coverage_min_share"))
    poor = cands.registry.poor_village & registered
    other = ~cands.registry.poor_village & registered
    if poor.any() and other.any() and policy.non_poor_village_gap_max < 1:
        # Coverage share in poor villages minus coverage share in non-poor villages.
        share = np.where(poor, 1.0 / poor.sum(), 0.0) - np.where(other, 1.0 / other.sum(), 0.0)
        supported = cands.supported().astype(float)
        gap = policy.non_poor_village_gap_max
        rows.append(Row("equal_treatment_poor_ahead", "policy", "<=", gap, household=share,
                        package=supported, elastic="gap_poor_ahead",
                        limit="policy.non_poor_village_gap_max"))
        rows.append(Row("equal_treatment_nonpoor_ahead", "policy", ">=", -gap, household=share,
                        package=supported, elastic="gap_nonpoor_ahead",
                        limit="policy.non_poor_village_gap_max"))
    excess = cands.return_excess()
    if excess is not None:
        rows.append(Row("first_year_returns", "policy", "<=", 0.0, full=excess,
                        elastic="first_year_returns",
                        limit="policy.first_year_return_max_share"))
    targets = np.cumsum(policy.exit_targets_share_of_people)
    weight = np.where(registered, size, 0.0)[:, None]
    for year, target in enumerate(targets[:cands.plan_years]):
        rows.append(Row(f"exit_target_{year}", "exit_target", ">=", float(target) * people,
                        full=weight * cands.p_exit_by[:, :, year], year=year,
                        limit=EXIT_TARGETS_FIELD))
    return rows


SITE_CAP_ROW = re.compile(r"^pv_site_cap_\d+$")
"""The PuLP model's cap on a township's PV sites (:mod:`simulator.optimizer.sites`)."""


def binding_limits(cands: CandidateSet, budgets: Sequence[float], names: Sequence[str]
                   ) -> list[dict[str, object]]:
    """For each binding row of ``names``, the scenario field that sets its limit, that field's
    source, and whether the source is a guess or a low-confidence figure (a guessed capacity
    that decides the allocation must be named as such wherever it binds). The yearly exit
    targets are left out: they are what the plan aims at, not a limit on what it buys."""
    from simulator.calibration.targets import is_uncertain

    limits = {row.name: row.limit for row in coupling_rows(cands, budgets)
              if row.kind != "exit_target"}
    out = []
    for name in names:
        limit = limits.get(name)
        if limit is None and SITE_CAP_ROW.match(name):
            limit = SITE_CAP_FIELD
        if limit is None:
            continue
        source = cands.scenario.source_of(limit)
        out.append({"constraint": name, "limit": limit, "source": source,
                    "guess": is_uncertain(source)})
    return out


def broken_rows(cands: CandidateSet, budgets: Sequence[float], choice: np.ndarray
                ) -> list[dict[str, object]]:
    """The budget and capacity rows an allocation ``choice`` (H,) breaks in expectation — a
    budget's PV-site costs included — each with its limit's field, what the allocation uses and
    what the row allows (money in yuan, capacities in their own units)."""
    households = np.arange(cands.n_households)
    sites = cands.site_costs(choice) / MONEY_UNIT
    out = []
    for row in coupling_rows(cands, budgets):
        if row.kind not in ("budget", "capacity"):
            continue
        used = float(row.at(households, choice).sum())
        if row.kind == "budget":
            used += float(sites[row.year])
        over = used - row.rhs if row.sense == "<=" else row.rhs - used
        if over > 1e-6 * max(1.0, abs(row.rhs)):
            scale = MONEY_UNIT if row.kind == "budget" else 1.0
            out.append({"constraint": row.name, "limit": row.limit,
                        "used": round(used * scale, 2), "allowed": round(row.rhs * scale, 2)})
    return out


def row_prices(cands: CandidateSet, budgets: Sequence[float], rows: Sequence[Row],
               multipliers: Sequence[float]) -> list[dict[str, object]]:
    """The hard rows (capacities and policy rules) with a positive price at the LP optimum,
    most valuable first: what one more unit of the limit's field buys in expected stable exits
    (per unit of the row where the row is no one field's value), with the field's Chinese and
    English names and units."""
    from simulator.parameter_texts import parameter_text

    out = []
    for row, price in zip(rows, multipliers, strict=True):
        if row.kind not in ("capacity", "policy") or price <= 1e-9 or row.limit is None:
            continue
        per_unit = float(price) * (row.per_limit if row.per_limit is not None else 1.0)
        zh, en = parameter_text(row.limit, "zh"), parameter_text(row.limit, "en")
        out.append({"constraint": row.name, "limit": row.limit, "name_zh": zh.name,
                    "name_en": row.limit, "per_field_unit": row.per_limit is not None,
                    "unit_zh": zh.unit if row.per_limit is not None else "",
                    "unit_en": en.unit if row.per_limit is not None else "",
                    "stable_exits_per_unit": round(per_unit, 6)})
    return sorted(out, key=lambda entry: -float(entry["stable_exits_per_unit"]))


def describe_row(name: str, limit: str | None, plan_years: Sequence[str],
                 lang: str = "zh") -> str:
    """A row in a planner's words: a budget by its plan year (2017年预算), a yearly capacity by
    its field's name and year, any other by its field's name."""
    from simulator.parameter_texts import parameter_text

    suffix = name.rsplit("_", 1)[-1]
    year = plan_years[int(suffix)] if suffix.isdigit() and int(suffix) < len(plan_years) \
        else None
    if name.startswith("budget_") and year is not None:
        return f"{year}年预算" if lang == "zh" else f"the {year} budget"
    text = parameter_text(limit, "zh" if lang == "zh" else "en").name if limit else name
    if name.startswith("job_slots_") and year is not None:
        return f"{year}年{text}" if lang == "zh" else f"{text} ({year})"
    return text


def limiting_rows(cands: CandidateSet, budgets: Sequence[float], prices: Sequence[float],
                  rows: Sequence[Row], choice: np.ndarray, better: np.ndarray
                  ) -> list[list[Row]]:
    """For each household, the priced rows (a positive LP dual) that its ``better`` package
    would use more of than its ``choice`` — what kept it from the better one."""
    households = np.arange(cands.n_households)
    out: list[list[Row]] = [[] for _ in households]
    for row, price in zip(rows, prices, strict=True):
        if price <= 1e-9 or row.kind == "exit_target":
            continue
        more = row.at(households, better) - row.at(households, choice)
        if row.sense == ">=":
            more = -more
        for h in np.flatnonzero(more > 1e-9):
            out[h].append(row)
    return out
