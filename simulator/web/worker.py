"""The job a web run does, in its own worker process: ``tuopin run``'s main job
(:func:`simulator.cli.runs.main_job`), reporting progress through a queue.

Besides the proposal, the run writes two files only the web page reads (:data:`WEB_RESULTS`,
:data:`WEB_PATHS`): the cover table and the household list with each household's reason in both
languages, and each household's income paths under its package and under the best package it
did not get (a plan run of those packages on the evaluation's random numbers, so the two paths
are paired). Everything is computed by the library functions the proposal uses.
"""

from __future__ import annotations

import io
import json
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import TuopinError
from simulator.files import atomic_write_bytes, finite_or_null, json_default
from simulator.labels import LANGUAGES
from simulator.web.settings import INCOME_BAND, PROGRESS_STEP, WEB_PATHS, WEB_RESULTS, WORKERS

Message = tuple[Any, ...]
"""What the worker puts on its queue: ``("progress", label, unit, done, total)``,
``("done",)``, ``("failed", [(source, where, message), ...])`` or ``("crashed", text)``."""


@dataclass(frozen=True)
class JobSpec:
    """What one web run computes (plain values: it crosses to the worker process)."""

    scenario: str
    """A bundled scenario's name or the path of the uploaded scenario file."""
    overrides: tuple[str, ...]
    """``dotted.path=value`` strings from the form, validated like ``--set``."""
    registry_path: str | None
    """The uploaded registry, or None for the scenario's own population."""
    output_dir: str
    lang: str
    formats: tuple[str, ...]
    registry_name: str | None = None
    """The uploaded registry's own file name (the proposal's cover names it)."""


class QueueProgress:
    """A :class:`simulator.progress.StageReporter` that sends stages and counts to the page's
    server over a queue — as the terminal's progress bar is fed — at most once per
    :data:`PROGRESS_STEP` of a stage."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.label, self.unit = "", ""
        self.last_share = -1.0

    def stage(self, label: str, unit: str) -> None:
        self.label, self.unit, self.last_share = label, unit, -1.0
        self.queue.put(("progress", label, unit, 0, 0))

    def __call__(self, done: int, total: int) -> None:
        share = done / max(total, 1)
        if share - self.last_share >= PROGRESS_STEP or done >= total:
            self.last_share = share
            self.queue.put(("progress", self.label, self.unit, int(done), int(total)))


def run_job(spec: JobSpec, queue: Any) -> None:
    """The worker process's entry point: run the job and say how it ended on ``queue``."""
    try:
        _run(spec, QueueProgress(queue))
    except TuopinError as exc:
        queue.put(("failed", [(p.source, p.where, p.message) for p in exc.problems]))
    except Exception:  # a bug in tuopin: the page shows the traceback
        queue.put(("crashed", traceback.format_exc()))
    else:
        queue.put(("done",))


def _run(spec: JobSpec, progress: QueueProgress) -> None:
    from simulator.cache import caching, user_cache
    from simulator.cli.runs import main_job
    from simulator.scenario import load_scenario

    loaded = load_scenario(spec.scenario, spec.overrides)

    def extra(proposal: Any, summary: dict[str, Any], directory: Path) -> list[Path]:
        return web_outputs(proposal, summary, directory, progress)

    with caching(user_cache()):  # a planner's next run with another budget reuses this one's
        main_job(loaded, Path(spec.registry_path) if spec.registry_path else None,
                 Path(spec.output_dir), reps=None, seed=None, workers=WORKERS, lang=spec.lang,
                 progress=progress, formats=spec.formats, extra=extra,
                 registry_name=spec.registry_name)


def web_outputs(proposal: Any, summary: dict[str, Any], directory: Path,
                progress: Any = None) -> list[Path]:
    """Write :data:`WEB_RESULTS` and :data:`WEB_PATHS` into ``directory``; return their paths."""
    from simulator.engine import simulate
    from simulator.packages import plan_from_packages
    from simulator.progress import stage
    from simulator.proposal.reasons import household_reasons

    allocation = proposal.allocation
    table = allocation.allocation_table()
    years = proposal.plan_years()
    scenario = allocation.scenario
    plan_run = allocation.plan_run
    alternative = simulate(
        scenario, plan_from_packages(table["best_other_package"], allocation.registry,
                                     "best other"),
        registry=allocation.registry, reps=plan_run.reps, seed=plan_run.seed, workers=WORKERS,
        progress=stage(progress, "income paths of the best alternatives"))
    cover = {lang: _cover_rows(proposal.cover_table(summary, lang)) for lang in LANGUAGES}
    record = {
        "scenario": {**{lang: scenario.display_name(lang) for lang in LANGUAGES},
                     "county": scenario.county},
        "preview": scenario.simulation.preview,
        "plan_years": years,
        "calendar_years": [int(y) for y in scenario.calendar_years],
        "exit_line": [float(v) for v in scenario.lines_yuan_per_capita],
        "cover": cover,
        "households": table,
        "reasons": {lang: [r.text for r in household_reasons(table, years, lang)]
                    for lang in LANGUAGES},
        "seed": plan_run.seed,
        "reps": plan_run.reps,
        "added_stable_exits": [float(v) for v in plan_run.added_stable_exits(0)],
    }
    results = directory / WEB_RESULTS
    atomic_write_bytes(results, json.dumps(finite_or_null(record), ensure_ascii=False,
                                           default=json_default).encode("utf-8"))
    low, high = INCOME_BAND
    arrays = {}
    for name, run in (("plan", plan_run), ("alternative", alternative)):
        incomes = run.per_capita[0]  # (R, H, Y)
        arrays[f"{name}_mean"] = incomes.mean(axis=0)
        arrays[f"{name}_low"] = np.percentile(incomes, low, axis=0)
        arrays[f"{name}_high"] = np.percentile(incomes, high, axis=0)
    paths = directory / WEB_PATHS
    packed = io.BytesIO()
    np.savez_compressed(packed, **arrays)
    atomic_write_bytes(paths, packed.getvalue())
    return [results, paths]


def _cover_rows(table: Any) -> list[list[Any]]:
    """The cover's rows as the page shows them: counts of households whole."""
    rows = []
    for i, row in enumerate(table.rows):
        kind = table.row_of_kinds(i)[1]
        value = row[1]
        if kind == "int" and isinstance(value, int | float):
            value = round(value)
        rows.append([row[0], value])
    return rows
