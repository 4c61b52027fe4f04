"""Progress of a long run: named stages, each counting its own units.

Library functions take ``progress``, which is either

* a plain callable ``progress(done, total)``: the engine calls it as households are simulated
  (the callback notebooks have always passed), or
* a stage reporter (:class:`StageReporter`): the same callable with a ``stage(label, unit)``
  method, told when each stage of the run starts — simulating candidates, solving, evaluating
  on fresh replications, the budget frontier, the sensitivity runs, writing documents — so a
  progress bar can cover the whole run, not only the simulations.

:func:`stage` announces a stage to either kind and returns the callback to pass on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

Progress = Callable[[int, int], None]
"""Callback ``progress(done, total)`` in the units of the current stage."""


@runtime_checkable
class StageReporter(Protocol):
    """A progress callback that is also told when each stage starts."""

    def stage(self, label: str, unit: str) -> None:
        """A stage called ``label`` starts; its counts are in ``unit`` (e.g. households)."""

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` units of the current stage are finished."""


def stage(progress: Progress | None, label: str, unit: str = "households") -> Progress | None:
    """Tell ``progress`` that stage ``label`` starts (when it listens for stages) and return
    the callback to pass to the stage's work: ``progress`` itself, so that a plain callback
    keeps hearing about household simulations only."""
    if isinstance(progress, StageReporter):
        progress.stage(label, unit)
        return progress
    return progress if unit == "households" else None


def step(progress: Progress | None, done: int, total: int) -> None:
    """Report ``done`` of ``total`` to a stage reporter (plain callbacks count households
    only, so they are not told about other units)."""
    if isinstance(progress, StageReporter):
        progress(done, total)


STAGES_ZH: dict[str, str] = {
    "simulating every package (in-sample)": "模拟每户每种扶持方案（测算用）",
    "solving the allocation": "求解最优分配",
    "the plan without the coverage rule": "求解不设帮扶全覆盖要求的方案（测算该要求的代价）",
    "simulating every package (fresh replications)": "用新的随机数检验每种方案",
    "the plan's incomes (fresh replications)": "用新的随机数计算本方案各户的收入",
    "budget frontier": "预算—脱贫曲线",
    "smallest budget meeting the exit targets": "测算达到脱贫目标所需的最少预算",
    "meeting the exit targets at least cost": "以最低成本达到脱贫目标",
    "sensitivity": "敏感性分析",
    "writing the proposal": "写出预算方案",
    "income paths of the best alternatives": "计算其他方案的收入路径",
    "simulating candidates": "模拟候选方案",
    "writing outputs": "写出结果",
}
"""Chinese names of the run's stages, for the terminal's progress bar and the web page; a
stage not listed shows its English name."""

UNITS_ZH: dict[str, str] = {"households": "户", "simulations": "次模拟", "levels": "个预算水平"}
"""Chinese words of the units stages count in."""


def stage_text(label: str, unit: str, lang: str) -> tuple[str, str]:
    """A stage's label and unit in ``lang``."""
    if lang == "en":
        return label, unit
    return STAGES_ZH.get(label, label), UNITS_ZH.get(unit, unit)
