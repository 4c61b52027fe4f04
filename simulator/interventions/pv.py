"""Photovoltaic returns (光伏扶贫).

A small PV plant is built for a household (Ruyuan: a company builds 3 kW free of charge on land
the county provides at 1:4); the household is paid for the electricity sold. Returns depend on
sunshine (region, year), panel degradation, the tariff actually paid and settlement delays.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.scenario.schema import param

KEY = "pv"
LABEL = "photovoltaic returns"
LABEL_ZH = "光伏扶贫收益"


@dataclass(frozen=True)
class Parameters:
    """Parameters of the photovoltaic instrument."""

    kw_per_household: float = param(
        3.0, unit="kW/household", gt=0, le=100,
        doc="Capacity whose revenue goes to one household.",
        source="seed 001 §二(一)9 (3 kW per household)")
    specific_yield_kwh_per_kwp: float = param(
        1_000.0, unit="kWh/(kWp·year)", gt=0, le=3_000,
        doc="Yearly energy per kW of panels in an average year, before degradation.",
        source="parameters.md §1b: south China 950 (800–1,150), Guangdong 1,000–1,150 (M/G); "
               "1,000 reproduces seed 001's ≈3,000 yuan on 3 kW at 0.98 yuan/kWh")
    tariff_yuan_per_kwh: float = param(
        0.98, unit="yuan/kWh", ge=0, le=5,
        doc="Tariff received per kWh, fixed for 20 years.",
        source="parameters.md §1c: 2016 zone-III benchmark 0.98 (H)")
    subsidy_share_of_tariff: float = param(
        0.6, unit="share", ge=0, le=1,
        doc="Part of the tariff that is renewable subsidy, the part that is paid late.",
        source="parameters.md §1c: subsidy ≈ 60–70 % of the tariff (M/G)")
    settlement_delay_probability: float = param(
        0.0, unit="1/year", ge=0, le=1,
        doc="Chance that a year's subsidy part is settled late.",
        source="parameters.md §1c: poverty-PV delays not found; guess 0–30 %")
    settlement_delay_months: int = param(
        6, unit="months", ge=0, le=60,
        doc="How late a delayed subsidy part is paid.",
        source="parameters.md §1c: guess 0–12 months")
    degradation_first_year: float = param(
        0.025, unit="share", ge=0, le=1,
        doc="Output lost in the first year.", source="parameters.md §1b (H)")
    degradation_per_year: float = param(
        0.007, unit="1/year", ge=0, le=1,
        doc="Output lost each later year.", source="parameters.md §1b (H)")
    yield_year_sd: float = param(
        0.08, unit="share", ge=0, le=1,
        doc="Year-to-year standard deviation of the county's yield (weak sun years hit every "
            "plant together).",
        source="guess")
    household_share_of_revenue: float = param(
        1.0, unit="share", ge=0, le=1,
        doc="Share of the revenue of the household's kW that reaches the household.",
        source="parameters.md §1d: household systems pay all income to the household (M)")
    land_kw_per_household: float = param(
        15.0, unit="kW/household", gt=0,
        doc="Land the county provides per household: its 3 kW plus 12 kW for the company (1:4).",
        source="seed 001 §二(一)9")
    site_min_kw: float = param(
        300.0, unit="kW", gt=0,
        doc="Smallest PV site the company builds (≈10 mu of land).",
        source="seed 001 §二(一)9")
    fund_capex_yuan_per_kw: float = param(
        0.0, unit="yuan/kW", ge=0,
        doc="Capital cost the fund pays per kW for the household's share (0 when a company "
            "builds for free, as in Ruyuan; ≈7,500 when the fund builds).",
        source="seed 001 §二(一)9 (company builds free); parameters.md §1c (7.5 yuan/W, 2016)")
    site_fixed_cost_yuan: float = param(
        30_000.0, unit="yuan/site", ge=0,
        doc="Fixed cost to the fund of opening a site (land levelling, grid connection).",
        source="guess")
