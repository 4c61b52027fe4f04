"""The official triggers of return-to-poverty monitoring (防返贫监测), as array rules.

One home for the rules that ``tuopin watch`` applies to a county's records
(:mod:`simulator.watch.rules`) and the simulation applies to its own incomes when it gives
防返贫 help (:mod:`simulator.assistance`):

* **sudden severe hardship** (突发严重困难户): rigid spending (out-of-pocket medical costs,
  disaster losses) above ``rigid_multiple`` × last year's household net income, or a fall in
  household net income of at least ``drop_share`` from one year to the next
  [Anhui2020Monitoring];
* **income in the monitoring band**: per-capita net income below ``at_risk_multiple`` × the
  line (1.5 × in the national rule [Monitoring2020]) — an unstable exited household (脱贫不稳定户)
  when registered, an edge household prone to poverty (边缘易致贫户) when not.

Pure numpy: any shape, elementwise; NaN (an income not recorded) triggers nothing.
"""

from __future__ import annotations

import numpy as np


def sudden_hardship(rigid_spending: np.ndarray, income: np.ndarray, income_before: np.ndarray,
                    rigid_multiple: float, drop_share: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(rigid spending above the limit, income fallen by the share) — the two hardship triggers.

    Parameters
    ----------
    rigid_spending : array
        This year's rigid spending [yuan/year].
    income, income_before : arrays
        Household net income this year and the year before [yuan/year].
    rigid_multiple : float
        Rigid spending above this multiple of last year's income triggers [×].
    drop_share : float
        A fall of at least this share of last year's income triggers [share].
    """
    income_before = np.asarray(income_before)
    with np.errstate(invalid="ignore"):
        spending = np.asarray(rigid_spending) > rigid_multiple * np.maximum(income_before, 0.0)
        falling = (income_before > 0) & (np.asarray(income) <= (1.0 - drop_share)
                                          * income_before)
    return spending, falling


def in_monitoring_band(per_capita_income: np.ndarray, line: np.ndarray | float,
                       at_risk_multiple: float) -> np.ndarray:
    """Per-capita net income below ``at_risk_multiple`` × the line [yuan/(person·year)]."""
    with np.errstate(invalid="ignore"):
        return np.asarray(per_capita_income) < at_risk_multiple * np.asarray(line)
