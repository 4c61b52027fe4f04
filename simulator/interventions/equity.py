"""Equity dividends (资产收益 / 入股分红 / 股份帮扶).

The fund invests a principal in an enterprise on a household's behalf; the household receives a
yearly dividend (property income). Enterprises can stop paying or fail; every shareholder of one
enterprise is hit together. After the term the upper-level money becomes a county fund.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simulator.scenario.schema import param, table_array

KEY = "equity"
LABEL = "equity dividends"
LABEL_ZH = "资产收益分红"


@dataclass(frozen=True)
class Enterprise:
    """An enterprise that takes poor households' equity."""

    name: str = param("enterprise", unit="", doc="Name shown in reports.", source="scenario")
    absorption_yuan: float = param(
        0.0, unit="yuan", ge=0,
        doc="Most equity principal the enterprise can take in (absorption capacity).",
        source="scenario (county's agreements with enterprises)")
    dividend_rate: float | None = param(
        None, unit="1/year", ge=0, le=1,
        doc="This enterprise's dividend rate; when left out, equity.dividend_rate applies.",
        source="scenario")


@dataclass(frozen=True)
class Parameters:
    """Parameters of the equity-dividend instrument."""

    principal_yuan_per_person: float = param(
        20_000.0, unit="yuan/person", ge=0,
        doc="Principal invested per entitled person: 10,000 upper-level special funds plus a "
            "1:1 county match.",
        source="seed 001 §二(一)1 (≥ 10,000 per person, 1:1 county match)")
    principal_basis: Literal["per_labour_household_member", "per_laborer"] = param(
        "per_labour_household_member", unit="",
        doc="Who is counted: every member of a household with labour capacity (Ruyuan counts "
            "all 5,352 people of such households), or each labourer.",
        source="seed 001 §二(一)1 (人均投入 over the 5,352 people with labour capacity)")
    upper_level_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of the principal that is upper-level money (the rest is the county match).",
        source="seed 001 §二(一)1 (10,000 + 10,000)")
    dividend_rate: float = param(
        0.10, unit="1/year", ge=0, le=1,
        doc="Dividend per year as a share of principal (Ruyuan aims at 2,000 on 20,000).",
        source="seed 001 §二(一)1; published guaranteed rates 5–12 % (parameters.md §2)")
    dividend_month: int = param(
        12, unit="month of year", ge=1, le=12,
        doc="Calendar month in which the yearly dividend is paid.",
        source="guess: domain §5 says dividends are paid once a year")
    term_years: int = param(
        3, unit="years", ge=1, le=30,
        doc="Years before the principal converts to a county fund.",
        source="seed 001 §二(一)1")
    underpay_probability_per_year: float = param(
        0.10, unit="1/year", ge=0, le=1,
        doc="Chance that an enterprise pays no dividend in a year (all its shareholders at once).",
        source="guess: parameters.md §2 (5–20 % of schemes underpay in a year, G)")
    failure_probability_over_term: float = param(
        0.05, unit="share", ge=0, le=1,
        doc="Chance that an enterprise fails during the term and stops paying for good.",
        source="guess: parameters.md §2 (2–10 % lose principal over 3–5 years, G)")
    principal_recovery_share: float = param(
        0.5, unit="share", ge=0, le=1,
        doc="Share of principal the county recovers from a failed enterprise.",
        source="guess")
    enterprises: tuple[Enterprise, ...] = table_array(
        "Enterprises that can take equity; none listed means one county-wide enterprise "
        "without an absorption limit.", source="scenario")
