"""Names shared by the scenario, the registry and the accounting."""

from __future__ import annotations

from typing import Literal

Category = Literal["general", "dibao", "wubao", "edge"]

CATEGORIES: tuple[str, ...] = ("general", "dibao", "wubao", "edge")
"""Household categories: 一般贫困户, 低保贫困户, 五保贫困户 (registered) and 贫困边缘户 (edge)."""

CATEGORY_LABELS_ZH: dict[str, str] = {
    "general": "一般贫困户",
    "dibao": "低保贫困户",
    "wubao": "五保贫困户",
    "edge": "贫困边缘户",
}

REGISTERED_CATEGORIES: tuple[str, ...] = ("general", "dibao", "wubao")
"""Categories of the official registry (建档立卡); edge households are watched, not registered."""

SAFETY_NET_CATEGORIES: tuple[str, ...] = ("dibao", "wubao")
"""Categories covered by the minimum-living guarantee or five-guarantees (政策兜底)."""

REGISTRY_SOURCES: dict[str, str] = {
    "wages": "wage income in the registry (工资性收入)",
    "business": "household business income in the registry, gross of expenses (家庭经营收入)",
    "property": "property income in the registry (财产性收入)",
    "transfers": "regular transfers in the registry: pensions, dibao, wubao (转移性收入)",
}
"""Income sources a registry records, in the national statistics' four components."""

SAFETY_NET_SOURCES: dict[str, str] = {
    "dibao_topup": "dibao top-up paid to households whose income is below the dibao standard "
                   "(safety net)",
    "prevention_help": "防返贫 help: public-welfare post wages for households found slipping "
                       "below the line",
}
"""Income the county's own assistance adds — the engine's dibao top-up and 防返贫 help, not an
instrument the fund buys."""


def _instrument_sources() -> dict:
    from simulator.interventions import INSTRUMENTS

    return {name: source for module in INSTRUMENTS for name, source in module.SOURCES.items()}


_INSTRUMENT_SOURCES = _instrument_sources()


INCOME_SOURCES: dict[str, str] = {
    **REGISTRY_SOURCES,
    **{name: source.doc for name, source in _INSTRUMENT_SOURCES.items()},
    **SAFETY_NET_SOURCES,
}
"""Every income source tuopin tracks: the registry's, each instrument's own (declared in its
module, :data:`simulator.interventions.base.Source`) and the safety net's. Loan principal is not
among them: it is never income."""

IncomeSource = Literal[tuple(INCOME_SOURCES)]  # type: ignore[valid-type]
"""An income source name (a scenario's ``exit_rule.counted_sources`` is checked against it)."""

COUNTED_BY_DEFAULT: tuple[str, ...] = tuple(
    name for name in INCOME_SOURCES
    if name not in _INSTRUMENT_SOURCES or _INSTRUMENT_SOURCES[name].counted_by_default)
"""Sources the exit rule counts unless a scenario says otherwise: all but those an instrument
declares as not counted (one-off rewards)."""

REGISTRY_INCOME_COLUMNS: tuple[str, ...] = ("wages", "business", "property", "transfers")
"""Income components a registry records for the baseline year."""

INCOME_CATEGORIES: tuple[str, ...] = ("wages", "business", "property", "transfers")
"""The four components of household income in the national statistics (工资性, 经营净, 财产净,
转移净收入), in which published income structures are given."""

INCOME_CATEGORY: dict[str, str] = {
    **{name: name for name in REGISTRY_SOURCES},
    **{name: source.category for name, source in _INSTRUMENT_SOURCES.items()},
    "dibao_topup": "transfers",
    "prevention_help": "wages",
}
"""The statistical component each income source belongs to (production expenses are deducted
from business income: 经营净收入). Dividends and PV revenue are asset income (财产性收入); the
industry reward and the dibao top-up are transfers; 防返贫 help is paid as public-welfare post
wages."""
