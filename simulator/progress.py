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
