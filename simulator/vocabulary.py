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

IncomeSource = Literal[
    "wages", "business", "property", "transfers",
    "equity_dividends", "pv_returns", "employment_wages", "loan_project",
    "industry_income", "household_reward", "dibao_topup",
]

INCOME_SOURCES: dict[str, str] = {
    "wages": "wage income in the registry (工资性收入)",
    "business": "household business income in the registry, gross of expenses (家庭经营收入)",
    "property": "property income in the registry (财产性收入)",
    "transfers": "regular transfers in the registry: pensions, dibao, wubao (转移性收入)",
    "equity_dividends": "dividends on equity invested for the household (property income)",
    "pv_returns": "revenue of the household's PV capacity (property income)",
    "employment_wages": "wages from a job found through the employment instrument",
    "loan_project": "net business income of the project a microloan funds",
    "industry_income": "business income of an industry the household develops for the reward",
    "household_reward": "one-off industry reward paid to the household (以奖代补)",
    "dibao_topup": "dibao top-up paid to households without labour capacity (safety net)",
}
"""Every income source tuopin tracks. Loan principal is not among them: it is never income."""

REGISTRY_INCOME_COLUMNS: tuple[str, ...] = ("wages", "business", "property", "transfers")
"""Income components a registry records for the baseline year."""

INCOME_CATEGORIES: tuple[str, ...] = ("wages", "business", "property", "transfers")
"""The four components of household income in the national statistics (工资性, 经营净, 财产净,
转移净收入), in which published income structures are given."""

INCOME_CATEGORY: dict[str, str] = {
    "wages": "wages",
    "business": "business",
    "property": "property",
    "transfers": "transfers",
    "equity_dividends": "property",
    "pv_returns": "property",
    "employment_wages": "wages",
    "loan_project": "business",
    "industry_income": "business",
    "household_reward": "transfers",
    "dibao_topup": "transfers",
}
"""The statistical component each income source belongs to (production expenses are deducted
from business income: 经营净收入). Dividends and PV revenue are asset income (财产性收入); the
industry reward and the dibao top-up are transfers."""
