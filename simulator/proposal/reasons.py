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
"""safety_net · exits_anyway · nothing_helps · not_funded · not_funded_by · coverage_rule ·
policy_rule · for_target · no_gain · best_choice · dearer_alternative · held_back ·
held_back_integer · cheaper_alternative (the keys of :data:`SENTENCES`)"""


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
    measure: str = ""
    """"safety_net" where the fund gives nothing and the safety net carries the household."""
    rule: str = ""
    """"coverage" where 帮扶全覆盖 requires the household to get a measure; the scenario field of
    a policy rule that needs its package (``policy.non_poor_village_gap_max``)."""
    exit_with: float = 0.0
    exit_without: float = 0.0
    """Chance of having exited by the end of the plan (the county's count) with the package and
    with none."""
    limits: str = ""
    """The rows that kept the household from the better package, in words ("" where none)."""
    short: str = ""
    """The same reason without the figures a printed form shows beside it (the measure, its
    cost and chances): what the village's 一户一策 prints."""


def reason(package: str, p_with: float, p_without: float, other: str, p_other: float,
           cost: float, cost_other: float, lang: Language = "zh", *, measure: str = "",
           rule: str = "", exit_with: float = 0.0, exit_without: float = 0.0,
           limits: str = "") -> Reason:
    """The reason for one household (probabilities as shares, costs in yuan over the plan)."""
    name, other_name = labels.package(package, lang), labels.package(other, lang)

    def pct(p: float) -> str:
        return f"{p:.0%}"

    figures = dict(package=name, other=other_name, p_with=pct(p_with), rule=_rule_name(rule, lang),
                   p_without=pct(p_without), p_other=pct(p_other), cost=f"{cost:,.0f}",
                   cost_other=f"{cost_other:,.0f}", extra=f"{cost_other - cost:,.0f}",
                   exit_with=pct(exit_with), exit_without=pct(exit_without), limits=limits)
    gain = p_with - p_without
    if package == "none":
        if measure == "safety_net":
            kind = "safety_net"
        elif p_without >= LIKELY:
            kind = "exits_anyway"
        elif p_other - p_without < SMALL_GAIN:
            kind = "nothing_helps"
        else:
            kind = "not_funded_by" if limits else "not_funded"
    elif gain < SMALL_GAIN:
        if rule == "coverage":
            kind = "coverage_rule"
        elif rule:
            kind = "policy_rule"
        elif exit_with - exit_without >= SMALL_GAIN:
            kind = "for_target"
        else:
            kind = "no_gain"
    elif p_other <= p_with and cost_other >= cost:
        kind = "best_choice"
    elif p_other > p_with and cost_other > cost:
        kind = "dearer_alternative"
    elif p_other > p_with:
        kind = "held_back" if limits else "held_back_integer"
    else:
        kind = "cheaper_alternative"
    text = SENTENCES[kind][0 if lang == "zh" else 1].format(**figures)
    # the printed list names packages with 、 (股权分红、光伏收益), which keeps a line short
    listed = labels.package(other, lang, joiner="、" if lang == "zh" else ", ")
    short = SHORT_SENTENCES[kind][0 if lang == "zh" else 1].format(**{**figures,
                                                                      "other": listed})
    return Reason(kind, text, package, p_with, p_without, other, p_other, cost, cost_other,
                  measure, rule, exit_with, exit_without, limits, short)


SENTENCES: dict[Kind, tuple[str, str]] = {
    "safety_net": ("政策兜底：由低保/特困供养保障，不占用本资金（不扶持时稳定脱贫把握 {p_without}）。",
                   "Safety net: dibao or 特困供养 carries it, not this fund (stable exit with no "
                   "support in {p_without} of outcomes)."),
    "exits_anyway": ("不扶持也有 {p_without} 的把握稳定脱贫，资金用于更需要的农户。",
                     "Exits stably with no support in {p_without} of outcomes; the money goes "
                     "where it is needed more."),
    "nothing_helps": ("可享受的扶持方式都不能明显提高稳定脱贫把握（最好的{other}为 {p_other}，不扶持为 "
                      "{p_without}），宜由兜底或其他政策保障。",
                      "No package it may take raises its chance much (best: {other}, "
                      "{p_other}; without support {p_without}); the safety net or other "
                      "policies must carry it."),
    "not_funded": ("{other}可使稳定脱贫把握由 {p_without} 提高到 {p_other}，需 {cost_other} 元；"
                   "每元资金在其他农户身上效果更大，本期未安排。",
                   "{other} would raise its chance from {p_without} to {p_other} for "
                   "{cost_other} yuan; each yuan does more for other households, so it gets "
                   "nothing this time."),
    "not_funded_by": ("{other}可使稳定脱贫把握由 {p_without} 提高到 {p_other}，需 {cost_other} 元；"
                      "受{limits}限制，本期未安排。",
                      "{other} would raise its chance from {p_without} to {p_other} for "
                      "{cost_other} yuan; {limits} limit(s) it, so it gets nothing this time."),
    "coverage_rule": ("按帮扶全覆盖要求安排{package}（{cost} 元）：稳定脱贫把握由 {p_without} 到 {p_with}，"
                      "提高有限，但每户须有帮扶措施。",
                      "{package} ({cost} yuan) because every household must have a measure "
                      "(帮扶全覆盖): its chance moves only from {p_without} to {p_with}."),
    "policy_rule": ("按“{rule}”的要求安排{package}（{cost} 元）：稳定脱贫把握由 {p_without} 到 {p_with}，"
                    "提高有限，但不安排将突破该项规定。",
                    "{package} ({cost} yuan) because the rule {rule} needs it: its chance moves "
                    "only from {p_without} to {p_with}, but without it the plan would break "
                    "the rule."),
    "for_target": ("为完成年度脱贫目标安排{package}（{cost} 元）：规划期内脱贫的把握由 {exit_without} 提高到 "
                   "{exit_with}，但稳定脱贫把握只由 {p_without} 到 {p_with}，脱贫后需重点监测。",
                   "{package} ({cost} yuan) for the yearly exit targets: its chance of exiting "
                   "within the plan rises from {exit_without} to {exit_with}, but of a stable "
                   "exit only from {p_without} to {p_with}; watch it after exit."),
    "no_gain": ("安排{package}（{cost} 元），但稳定脱贫把握只由 {p_without} 到 {p_with}，规划期内脱贫把握 "
                "{exit_without} → {exit_with}，效果有限。",
                "{package} ({cost} yuan), though its chance of a stable exit moves only from "
                "{p_without} to {p_with} (of exiting within the plan {exit_without} → "
                "{exit_with})."),
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
    "held_back": ("{other}稳定脱贫把握更高（{p_other}）且不更贵，但受{limits}限制，改为{package}"
                  "（{p_without} → {p_with}）。",
                  "{other} would give a likelier stable exit ({p_other}) for no more money, but "
                  "{limits} limit(s) it, so it gets {package} ({p_without} → {p_with})."),
    "held_back_integer": ("{other}稳定脱贫把握更高（{p_other}）且不更贵；在预算和各项限额下，"
                          "整体最优的安排给了本户{package}（{p_without} → {p_with}），其他农户用同样的名额效果更大。",
                          "{other} would give a likelier stable exit ({p_other}) for no more "
                          "money; under the budgets and limits, the best plan as a whole gives "
                          "it {package} ({p_without} → {p_with}), the places doing more "
                          "elsewhere."),
    "cheaper_alternative": ("{package}使稳定脱贫把握由 {p_without} 提高到 {p_with}，费用 {cost} 元；"
                            "更便宜的{other}只能达到 {p_other}。",
                            "{package} raises its chance from {p_without} to {p_with} for {cost} "
                            "yuan; the cheaper {other} reaches only {p_other}."),
}
"""Each kind of reason in Chinese and English; the figures are filled in."""

SHORT_SENTENCES: dict[Kind, tuple[str, str]] = {
    "safety_net": ("低保/特困供养保障，不占用本资金。", "Dibao or 特困供养 carries it, not this fund."),
    "exits_anyway": ("不扶持也能稳定脱贫，资金用于更需要的农户。",
                     "Exits stably without support; the money goes where it is needed more."),
    "nothing_helps": ("各种扶持都不能明显提高把握（最好的{other}为 {p_other}），由兜底等政策保障。",
                      "No package helps much (best: {other}, {p_other}); the safety net or "
                      "other policies carry it."),
    "not_funded": ("{other}可达 {p_other}（{cost_other} 元），资金用在别户效果更大。",
                   "{other} would reach {p_other} ({cost_other} yuan); the money does more "
                   "elsewhere."),
    "not_funded_by": ("{other}可达 {p_other}（{cost_other} 元），受{limits}限制未安排。",
                      "{other} would reach {p_other} ({cost_other} yuan); {limits} limit(s) it."),
    "coverage_rule": ("帮扶全覆盖要求每户有措施；对稳定脱贫提高有限。",
                      "Every household must have a measure (帮扶全覆盖); it helps little."),
    "policy_rule": ("按“{rule}”的要求安排；对稳定脱贫提高有限。",
                    "The rule {rule} needs it; it helps little."),
    "for_target": ("为完成年度脱贫目标（规划期内脱贫 {exit_without} → {exit_with}）；脱贫后需重点监测。",
                   "For the yearly exit targets (exit within the plan {exit_without} → "
                   "{exit_with}); watch it after exit."),
    "no_gain": ("效果有限（规划期内脱贫 {exit_without} → {exit_with}）。",
                "It helps little (exit within the plan {exit_without} → {exit_with})."),
    "best_choice": ("其他方式（如{other}，{p_other}，{cost_other} 元）不更好也不更省。",
                    "No other package (e.g. {other}: {p_other}, {cost_other} yuan) does better "
                    "for less."),
    "dearer_alternative": ("{other}可达 {p_other}，但要多花 {extra} 元。",
                           "{other} would reach {p_other} for {extra} yuan more, which does "
                           "more elsewhere."),
    "held_back": ("{other}把握更高（{p_other}）且不更贵，但受{limits}限制。",
                  "{other} would do better ({p_other}) for no more, but {limits} limit(s) it."),
    "held_back_integer": ("{other}把握更高（{p_other}）且不更贵，但同样的名额用在其他农户身上效果更大。",
                          "{other} would do better ({p_other}) for no more, but the places do "
                          "more elsewhere."),
    "cheaper_alternative": ("更便宜的{other}只能达到 {p_other}。",
                            "The cheaper {other} reaches only {p_other}."),
}
"""Each kind of reason, shortened for the printed 一户一策 (its columns show the measure, the
cost and the chances)."""


def reason_holds(r: Reason) -> bool:
    """Whether the sentence's claim is true of its own figures."""
    gain = r.p_with - r.p_without
    checks: dict[Kind, Any] = {
        "safety_net": r.package == "none" and r.measure == "safety_net",
        "exits_anyway": r.package == "none" and r.p_without >= LIKELY,
        "nothing_helps": r.package == "none" and r.p_other - r.p_without < SMALL_GAIN,
        "not_funded": r.package == "none" and r.p_other - r.p_without >= SMALL_GAIN,
        "not_funded_by": r.package == "none" and r.p_other - r.p_without >= SMALL_GAIN
        and bool(r.limits),
        "coverage_rule": r.package != "none" and r.rule == "coverage" and gain < SMALL_GAIN,
        "policy_rule": r.package != "none" and r.rule not in ("", "coverage")
        and gain < SMALL_GAIN,
        "for_target": r.package != "none" and gain < SMALL_GAIN
        and r.exit_with - r.exit_without >= SMALL_GAIN,
        "no_gain": r.package != "none" and gain < SMALL_GAIN,
        "best_choice": r.package != "none" and r.p_other <= r.p_with
        and r.cost_other >= r.cost,
        "dearer_alternative": r.package != "none" and r.p_other > r.p_with
        and r.cost_other > r.cost,
        "held_back": r.package != "none" and r.p_other > r.p_with and r.cost_other <= r.cost
        and bool(r.limits),
        "held_back_integer": r.package != "none" and r.p_other > r.p_with
        and r.cost_other <= r.cost,
        "cheaper_alternative": r.package != "none" and r.p_other <= r.p_with
        and r.cost_other < r.cost,
    }
    return bool(checks[r.kind])


def _rule_name(rule: str, lang: Language) -> str:
    """A policy rule's name in the reader's language (its scenario field in English)."""
    if rule in ("", "coverage"):
        return rule
    from simulator.parameter_texts import parameter_text

    return parameter_text(rule, lang).name


def household_reasons(table: dict[str, list[Any]], years: list[str],
                      lang: Language = "zh") -> list[Reason]:
    """A reason for every household of an allocation table
    (:meth:`~simulator.optimizer.solve.AllocationResult.allocation_table`)."""
    out = []
    limits = table[f"limited_by_{lang}"]
    for i in range(len(table["household_id"])):
        cost = sum(float(table[f"cost_{year}"][i]) for year in years)
        out.append(reason(table["package"][i], float(table["p_stable_exit"][i]),
                          float(table["p_stable_exit_without_support"][i]),
                          table["best_other_package"][i],
                          float(table["p_stable_exit_best_other"][i]), cost,
                          float(table["cost_best_other"][i]), lang,
                          measure=table["measure"][i], rule=table["rule"][i],
                          exit_with=float(table["p_exit_in_plan"][i]),
                          exit_without=float(table["p_exit_in_plan_without_support"][i]),
                          limits=limits[i]))
    return out
