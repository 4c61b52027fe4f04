"""一户一策: why each household got its package, in one sentence a village cadre can read out.

Every sentence is made from the figures printed beside it (the chance of a stable exit with the
package, without support and with the best package the household did not get, and the costs),
and says only what those figures show; :func:`reason_holds` checks that, and the tests run it
over every household.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator import labels
from simulator.labels import Language

LIKELY = 0.9
"""Chance of a stable exit without support from which a household is said to need none."""

SMALL_GAIN = 0.05
"""Gain in that chance below which no package is said to help."""

Kind = str
"""exits_anyway · nothing_helps · not_funded · best_choice · dearer_alternative ·
held_back · cheaper_alternative"""


@dataclass(frozen=True)
class Reason:
    """One household's reason, with the figures it rests on."""

    kind: Kind
    text: str
    package: str
    p_with: float
    p_without: float
    other: str
    p_other: float
    cost: float
    cost_other: float


def reason(package: str, p_with: float, p_without: float, other: str, p_other: float,
           cost: float, cost_other: float, lang: Language = "zh") -> Reason:
    """The reason for one household (probabilities as shares, costs in yuan over the plan)."""
    name, other_name = labels.package(package, lang), labels.package(other, lang)

    def pct(p: float) -> str:
        return f"{p:.0%}"

    figures = dict(package=name, other=other_name, p_with=pct(p_with),
                   p_without=pct(p_without), p_other=pct(p_other), cost=f"{cost:,.0f}",
                   cost_other=f"{cost_other:,.0f}", extra=f"{cost_other - cost:,.0f}")
    if package == "none":
        if p_without >= LIKELY:
            kind = "exits_anyway"
        elif p_other - p_without < SMALL_GAIN:
            kind = "nothing_helps"
        else:
            kind = "not_funded"
    elif p_other <= p_with and cost_other >= cost:
        kind = "best_choice"
    elif p_other > p_with and cost_other > cost:
        kind = "dearer_alternative"
    elif p_other > p_with:
        kind = "held_back"
    else:
        kind = "cheaper_alternative"
    text = SENTENCES[kind][0 if lang == "zh" else 1].format(**figures)
    return Reason(kind, text, package, p_with, p_without, other, p_other, cost, cost_other)


SENTENCES: dict[Kind, tuple[str, str]] = {
    "exits_anyway": ("不扶持也有 {p_without} 的把握稳定脱贫，资金用于更需要的农户。",
                     "Exits stably with no support in {p_without} of outcomes; the money goes "
                     "where it is needed more."),
    "nothing_helps": ("可享受的扶持方式都不能明显提高稳定脱贫把握（最好的{other}为 {p_other}，不扶持为 "
                      "{p_without}），宜由兜底或其他政策保障。",
                      "No package it may take raises its chance much (best: {other}, "
                      "{p_other}; without support {p_without}); the safety net or other "
                      "policies must carry it."),
    "not_funded": ("{other}可使稳定脱贫把握由 {p_without} 提高到 {p_other}，需 {cost_other} 元；"
                   "预算或名额有限，每元资金在其他农户身上效果更大，本期未安排。",
                   "{other} would raise its chance from {p_without} to {p_other} for "
                   "{cost_other} yuan; with money and places limited, each yuan does more for "
                   "other households, so it gets nothing this time."),
    "best_choice": ("{package}使稳定脱贫把握由 {p_without} 提高到 {p_with}，费用 {cost} 元；其他方式"
                    "（如{other}，{p_other}，{cost_other} 元）效果不更好、费用不更低。",
                    "{package} raises its chance from {p_without} to {p_with} for {cost} yuan; "
                    "no other package (e.g. {other}: {p_other}, {cost_other} yuan) does "
                    "better for less."),
    "dearer_alternative": ("{package}使稳定脱贫把握由 {p_without} 提高到 {p_with}，费用 {cost} 元；"
                           "{other}可达 {p_other}，但要多花 {extra} 元，同样的钱用在其他农户身上效果更大。",
                           "{package} raises its chance from {p_without} to {p_with} for {cost} "
                           "yuan; {other} would reach {p_other} but cost {extra} yuan more, "
                           "which does more for other households."),
    "held_back": ("{other}稳定脱贫把握更高（{p_other}）且不更贵，但受就业名额、光伏用地、企业股本或当年预算等"
                  "限制，改为{package}（{p_without} → {p_with}）。",
                  "{other} would give a likelier stable exit ({p_other}) for no more money, but "
                  "places, land, equity or that year's budget are limited, so it gets "
                  "{package} ({p_without} → {p_with})."),
    "cheaper_alternative": ("{package}使稳定脱贫把握由 {p_without} 提高到 {p_with}，费用 {cost} 元；"
                            "更便宜的{other}只能达到 {p_other}。",
                            "{package} raises its chance from {p_without} to {p_with} for {cost} "
                            "yuan; the cheaper {other} reaches only {p_other}."),
}
"""Each kind of reason in Chinese and English; the figures are filled in."""


def reason_holds(r: Reason) -> bool:
    """Whether the sentence's claim is true of its own figures."""
    checks: dict[Kind, Any] = {
        "exits_anyway": r.package == "none" and r.p_without >= LIKELY,
        "nothing_helps": r.package == "none" and r.p_other - r.p_without < SMALL_GAIN,
        "not_funded": r.package == "none" and r.p_other - r.p_without >= SMALL_GAIN,
        "best_choice": r.package != "none" and r.p_other <= r.p_with
        and r.cost_other >= r.cost,
        "dearer_alternative": r.package != "none" and r.p_other > r.p_with
        and r.cost_other > r.cost,
        "held_back": r.package != "none" and r.p_other > r.p_with and r.cost_other <= r.cost,
        "cheaper_alternative": r.package != "none" and r.p_other <= r.p_with
        and r.cost_other < r.cost,
    }
    return bool(checks[r.kind])


def household_reasons(table: dict[str, list[Any]], years: list[str],
                      lang: Language = "zh") -> list[Reason]:
    """A reason for every household of an allocation table
    (:meth:`~simulator.optimizer.solve.AllocationResult.allocation_table`)."""
    out = []
    for i in range(len(table["household_id"])):
        cost = sum(float(table[f"cost_{year}"][i]) for year in years)
        out.append(reason(table["package"][i], float(table["p_stable_exit"][i]),
                          float(table["p_stable_exit_without_support"][i]),
                          table["best_other_package"][i],
                          float(table["p_stable_exit_best_other"][i]), cost,
                          float(table["cost_best_other"][i]), lang))
    return out
