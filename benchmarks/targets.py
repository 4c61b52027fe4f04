"""The performance targets, printed the same way by every benchmark: figure, what was measured
in this run, the target, and whether it is met."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TargetRow:
    """One target row: ``measured`` and ``target`` are already worded with their units."""

    figure: str
    measured: str
    target: str
    met: bool


def print_targets(title: str, rows: Sequence[TargetRow]) -> None:
    """Print the rows under ``title`` as an aligned table."""
    width = max(len(row.figure) for row in rows)
    measured = max(len("measured"), *(len(row.measured) for row in rows))
    target = max(len("target"), *(len(row.target) for row in rows))
    print(f"\n{title}")
    print(f"{'figure':<{width}}  {'measured':>{measured}}  {'target':>{target}}  status")
    for row in rows:
        print(f"{row.figure:<{width}}  {row.measured:>{measured}}  {row.target:>{target}}  "
              f"{'met' if row.met else 'not met'}")
