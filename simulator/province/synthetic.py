"""A synthetic province of any size, as a province file.

Counties are copies of one county scenario's published make-up (by default Ruyuan's registry
counts) at different sizes: county sizes are spread log-normally around the mean (Guizhou 2016:
about 1.5 million registered households in 66 counties, 23,000 a county), the larger half are
tagged deep-poverty counties, the province fund is a share of what the counties could spend and
an earmark sends 70 % of it to the deep-poverty counties, as Qinghai does [Directors2017].
"""

from __future__ import annotations

import numpy as np

COUNTY_SIZE_LOG_SD = 0.5
"""Spread of county sizes (log households): guess — Guangdong's 467,000 registered households
2016–18 and Guizhou's 1.5 million were spread over counties of a few thousand to tens of
thousands of households."""

FUND_SHARE_OF_CEILINGS = 0.7
"""The province fund as a share of what the counties could spend: below one, so the split
matters (a scenario choice)."""

DEEP_POVERTY_EARMARK = 0.7
"""Share of the fund earmarked for deep-poverty counties [Directors2017] (Qinghai)."""


def synthetic_province(households: int, counties: int, *, seed: int = 2016,
                       replications: int = 16, base: str = "ruyuan-2016") -> str:
    """The text of a province file with ``counties`` counties of about ``households``
    households in all, built from the county scenario ``base``."""
    from simulator.scenario import load_scenario

    if counties < 1 or households < counties:
        raise ValueError("expected at least one county and one household per county")
    scenario = load_scenario(base)
    base_households = sum(s.households for s in scenario.population.synthetic.strata)
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, COUNTY_SIZE_LOG_SD, counties)
    sizes = np.maximum(1, np.round(weights / weights.sum() * households)).astype(int)
    deep = sizes >= np.median(sizes)
    ceilings = np.outer(sizes / base_households, scenario.budget.yearly_yuan).sum(axis=0)
    fund = ", ".join(f"{round(v * FUND_SHARE_OF_CEILINGS):_}" for v in ceilings)
    lines = [
        f"# A synthetic province: {counties} counties of {base}'s make-up, "
        f"{int(sizes.sum()):,} households in all",
        "# (written by simulator.province.synthetic.synthetic_province).",
        f'name = "Synthetic province, {counties} counties"',
        f'name_zh = "合成省（{counties}个县）"',
        f"seed = {seed}", f"replications = {replications}", "",
        "[budget]", f"yearly_yuan = [{fund}]", "",
        "[[earmarks]]", 'name = "deep_poverty"', 'group = "deep"',
        f"min_share = {DEEP_POVERTY_EARMARK}", "",
    ]
    for i, (size, is_deep) in enumerate(zip(sizes, deep, strict=True)):
        lines += ["[[counties]]", f'name = "county-{i + 1:03d}"', f'scenario = "{base}"',
                  f"households = {int(size)}"]
        if is_deep:
            lines.append('tags = ["deep"]')
        lines.append("")
    return "\n".join(lines)
