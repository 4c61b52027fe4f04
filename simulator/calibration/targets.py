"""Target files: published figures with their sources, and the parameters a fit may move.

A target file (TOML, ``scenarios/targets/*.toml``) lists

* ``[[targets]]``: a published figure — which simulated figure it is compared with
  (:data:`simulator.calibration.figures.FIGURES`), its value, the band the simulated mean must
  fall in, its source, and whether it is used to ``fit`` parameters or held out for
  ``validation`` (never seen by the fit);
* ``[[parameters]]``: the scenario fields the fit may move, each within a range. Only fields
  whose schema source is a guess or a low-confidence figure may be fitted: a sourced official
  figure is data, not a free parameter.

It is validated like a scenario: every problem names the file, the field path, what was
expected and what was found.
"""

from __future__ import annotations

import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from simulator.bibliography import bibliography, cited_keys
from simulator.calibration.figures import FIGURES
from simulator.errors import Problem, ScenarioError, did_you_mean
from simulator.scenario.model import Scenario
from simulator.schema import ProblemCollector, Report, build, param, table_array, walk

Figure = Literal["exit_share_of_people", "return_rate_after_exit", "return_rate_in_year",
                 "return_rate_change", "return_rate_after_exit_through",
                 "below_line_share_of_people", "prevention_helped_share",
                 "labour_share_smallest_rise", "inpatient_incidence", "income_share"]
Component = Literal["wages", "business", "property", "transfers"]

_UNCERTAIN = re.compile(r"\bguess\b|\((?:[^()]*[,/ ])?[LG](?:/[LGM])?\)", re.IGNORECASE)
"""A schema source that is a guess, or a figure of low (L) or guessed (G) confidence."""


def is_uncertain(source: str) -> bool:
    """Whether a schema source marks its value as a guess or a low-confidence figure: "guess",
    a grade L or G in brackets, or a citation of a low-grade (L) source of the bibliography."""
    if _UNCERTAIN.search(source):
        return True
    known = bibliography()
    return any(known[key].grade == "L" for key in cited_keys(source) if key in known)


@dataclass(frozen=True)
class Target:
    """One published figure the model is compared with."""

    name: str = param("", unit="", doc="Short identifier of the target.", source="target file")
    figure: Figure = param(
        "exit_share_of_people", unit="", doc="Simulated figure it is compared with.",
        source="simulator.calibration.figures")
    year: int | None = param(None, unit="calendar year", ge=1949, le=2100,
                             doc="Calendar year, for figures by year.", source="target file")
    years_after_exit: int | None = param(
        None, unit="years", ge=1, le=20, doc="Years after exit, for return rates.",
        source="target file")
    component: Component | None = param(
        None, unit="", doc="Income component, for income shares.", source="target file")
    value: float = param(0.0, unit="as the figure", doc="The published value.",
                         source="target file")
    low: float = param(0.0, unit="as the figure", doc="Lowest simulated mean accepted.",
                       source="target file")
    high: float = param(0.0, unit="as the figure", doc="Highest simulated mean accepted.",
                        source="target file")
    use: Literal["fit", "validation"] = param(
        "fit", unit="", doc="Used in fitting, or held out to validate the fit.",
        source="target file")
    source: str = param("", unit="", doc="Where the published value comes from.",
                        source="target file")

    def check(self, path: str, report: Report) -> None:
        _function, needed, _ = FIGURES[self.figure]
        for argument in needed:
            if getattr(self, argument) is None:
                report(f"{path}.{argument}", f"expected a value: figure '{self.figure}' needs "
                       f"{', '.join(needed)}, found none")
        if not self.low < self.high:
            report(f"{path}.high", f"expected more than low ({self.low:g}), found {self.high:g}")
        elif not self.low <= self.value <= self.high:
            report(f"{path}.value", f"expected a value inside its band [{self.low:g}, "
                   f"{self.high:g}], found {self.value:g}")
        if not self.source.strip():
            report(f"{path}.source", "expected where the published value comes from, found "
                   "nothing")

    @property
    def arguments(self) -> dict[str, Any]:
        """The figure's arguments (year, years after exit, component)."""
        _function, needed, _ = FIGURES[self.figure]
        return {k: getattr(self, k) for k in needed}

    @property
    def scale(self) -> float:
        """Half the band's width: deviations are measured in these units in the fit."""
        return (self.high - self.low) / 2.0


@dataclass(frozen=True)
class FitParameter:
    """A scenario field the fit may move, within a range."""

    path: str = param("", unit="", doc="Dotted scenario path of the field.",
                      source="target file")
    low: float = param(0.0, unit="as the field", doc="Smallest value tried.",
                       source="target file")
    high: float = param(0.0, unit="as the field", doc="Largest value tried.",
                        source="target file")

    def check(self, path: str, report: Report) -> None:
        entries = {e.path: e for e in walk(Scenario)}
        entry = entries.get(self.path)
        if entry is None:
            report(f"{path}.path", f"expected a scenario field, found {self.path!r}"
                   + did_you_mean(self.path, entries))
            return
        hints = _hint(self.path)
        if hints is not float:
            report(f"{path}.path", f"expected a field holding a number (float), found "
                   f"{self.path!r} ({entry.type_text})")
            return
        if not is_uncertain(entry.doc.source):
            report(f"{path}.path", f"expected a field whose source is a guess or a "
                   f"low-confidence figure, found {self.path!r} sourced to: {entry.doc.source}")
        if not self.low < self.high:
            report(f"{path}.high", f"expected more than low ({self.low:g}), found {self.high:g}")
            return
        for name in ("low", "high"):
            value = getattr(self, name)
            if entry.doc.violated_by(value):
                report(f"{path}.{name}", f"expected a value {entry.doc.range_text()} (the "
                       f"field's own range), found {value:g}")


def _hint(path: str) -> Any:
    """The declared type of the scenario field at ``path``."""
    cls: Any = Scenario
    hint: Any = None
    for part in path.split("."):
        hint = typing.get_type_hints(cls)[part]
        cls = hint
    return hint


@dataclass(frozen=True)
class Targets:
    """A target file: what to fit, to which published figures, and how."""

    name: str = param("", unit="", doc="What the targets describe.", source="target file")
    calibrated_name: str = param(
        "", unit="", doc="Name of the calibrated scenario (default: the scenario's name with "
        "'(calibrated)').", source="target file")
    calibrated_name_zh: str = param(
        "", unit="", doc="Its Chinese name (default: the scenario's Chinese name with "
        "'（校准）').", source="target file")
    replications: int = param(
        50, unit="replications", ge=2, le=100_000,
        doc="Replications per evaluation while fitting (common random numbers: the same ones "
            "for every trial).", source="engineering choice")
    report_replications: int = param(
        200, unit="replications", ge=2, le=100_000,
        doc="Replications of the out-of-sample run the report is made from.",
        source="engineering choice")
    max_evaluations: int = param(
        200, unit="simulations", ge=1, le=100_000,
        doc="Most simulations the fit may run.", source="engineering choice")
    parameters: tuple[FitParameter, ...] = table_array("Scenario fields the fit may move.")
    targets: tuple[Target, ...] = table_array("Published figures.")

    def check(self, path: str, report: Report) -> None:
        if not any(t.use == "fit" for t in self.targets):
            report("targets", "expected at least one target with use = \"fit\", found none")
        if not self.parameters:
            report("parameters", "expected at least one parameter to fit, found none")
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.name in seen or not target.name:
                report(f"targets[{index}].name", f"expected a unique, non-empty name, found "
                       f"{target.name!r}")
            seen.add(target.name)
        paths = [p.path for p in self.parameters]
        for index, path_ in enumerate(paths):
            if paths.index(path_) != index:
                report(f"parameters[{index}].path", f"'{path_}' is listed twice")

    @property
    def fitted(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.use == "fit")

    @property
    def held_out(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.use == "validation")


def load_targets(path: str | Path) -> Targets:
    """Read and validate a target file; every problem names the file and the field path."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ScenarioError(f"cannot read the target file: {exc.strerror}", str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"expected a UTF-8 text file, found an undecodable byte at offset "
                            f"{exc.start}", str(path)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", str(path)) from exc
    collector = ProblemCollector(lambda _path: str(path))
    targets = build(Targets, data, "", collector)
    if collector.problems:
        raise ScenarioError([Problem(p, message, source)
                             for p, message, source in collector.problems])
    return targets


__all__ = ["FitParameter", "Target", "Targets", "is_uncertain", "load_targets"]
