"""Unit aliases used in signatures, so a reader sees what a number measures.

They are plain ``float``/``int`` aliases — documentation, not runtime checks. Conversions between
units (years ↔ months, per household ↔ per capita) happen once, where a scenario is loaded or a
registry is read, never deep inside model code.
"""

from __future__ import annotations

from typing import TypeAlias

Yuan: TypeAlias = float
"""Money in yuan (CNY), nominal."""

YuanPerYear: TypeAlias = float
"""A yearly flow of money in yuan."""

YuanPerCapitaYear: TypeAlias = float
"""Yuan per resident household member per year (人均)."""

Months: TypeAlias = int
"""A duration in months (the engine's time step)."""

Years: TypeAlias = int
"""A duration in years."""

Share: TypeAlias = float
"""A fraction in [0, 1]."""

MONTHS_PER_YEAR: int = 12
"""Calendar months in a year."""

YUAN_PER_WAN: float = 10_000.0
"""Yuan in one 万元, the unit county budgets and proposals are written in."""

BYTES_PER_MB = 1024 * 1024
"""Bytes in one megabyte, as sizes are shown (files, the run cache)."""

AMOUNT_UNITS = {"亿元": 1e8, "亿": 1e8, "万元": YUAN_PER_WAN, "万": YUAN_PER_WAN, "元": 1.0}
"""Units an amount on the command line may carry (the longest spelling is tried first)."""


def parse_amount(text: str) -> float:
    """``5000万`` → 50,000,000 yuan; a bare number is yuan."""
    text = text.strip().replace("_", "")
    for unit, factor in AMOUNT_UNITS.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
