"""What each command writes, as library functions next to :func:`simulator.proposal.write_proposal`:
a simulation's summary, household table and charts; an allocation's table, summary and charts;
a scenario comparison; a calibration report; and the provenance a manifest records.

Every function writes into the directory it is given (the command's staging directory, see
:mod:`simulator.outputs`) and returns the paths it wrote.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.files import sha256_of, write_json, write_table
from simulator.population import CalibrationRow
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.version import __version__


def provenance(scenario: Scenario | None, registry_path: Path | None, seed: int | None, *,
               replications: int | None = None, plan_path: Path | None = None,
               command: str | None = None) -> dict[str, Any]:
    """What the manifest records about how an output was made: version, command (default: this
    process's ``tuopin`` command line), seed, the scenario files and registry with their
    SHA-256, replications and plan file."""
    if command is None:
        command = " ".join(["tuopin", *map(shlex.quote, sys.argv[1:])])
    info: dict[str, Any] = {"tuopin_version": __version__, "command": command, "seed": seed}
    if scenario is not None and scenario.origin is not None:
        origin = scenario.origin
        info["scenario"] = {
            "path": str(origin.path),
            "sha256_resolved": origin.sha256,
            "files": {str(p): sha256_of(p) for p in origin.files},
            "overrides": list(origin.overrides),
        }
        if registry_path is None and origin.registry_path is not None:
            registry_path = origin.registry_path
    if registry_path is not None:
        info["registry"] = {"path": str(registry_path), "sha256": sha256_of(registry_path)}
    else:
        info["registry"] = {"synthetic": True}
    if replications is not None:
        info["replications"] = replications
    if plan_path is not None:
        info["plan"] = {"path": str(plan_path), "sha256": sha256_of(plan_path)}
    return info


def write_calibration_table(path: Path, rows: Sequence[CalibrationRow],
                            header: str = "en") -> Path:
    """calibration.csv: each aggregate of a synthetic registry against its target, with
    English (``header="en"``, for scripts) or Chinese headers and values."""
    zh = header == "zh"
    names = ("汇总项", "目标值", "生成值", "是否一致") if zh else \
        ("aggregate", "target", "generated", "ok")
    yes_no = ("是", "否") if zh else ("true", "false")
    columns = ([r.aggregate_zh if zh else r.aggregate for r in rows],
               [f"{r.target:g}" for r in rows], [f"{r.generated:g}" for r in rows],
               [yes_no[0] if r.ok else yes_no[1] for r in rows])
    return write_table(path, dict(zip(names, columns, strict=True)))


def plan_figures(result: SimulationResult, output_dir: Path, lang: str) -> list[Path]:
    """The figures of one simulated plan: income fan chart, exits and outlays by year."""
    from simulator import plots
    from simulator.files import save_figure

    outputs: list[Path] = []
    for stem, draw in (("income_fan", plots.income_fan), ("exits_by_year", plots.exits_by_year),
                       ("outlays_by_year", plots.outlays_by_year)):
        outputs += save_figure(draw(result, lang=lang), output_dir, stem)
    return outputs


def write_simulation_outputs(result: SimulationResult, summary: dict[str, Any],
                             output_dir: Path, lang: str = "zh") -> list[Path]:
    """Write summary.json, households.csv and the PNG/SVG plots of a simulation."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return [write_json(output_dir / "summary.json", summary),
            write_table(output_dir / "households.csv", result.household_table()),
            *plan_figures(result, output_dir, lang)]


def write_allocation_outputs(allocation: Any, summary: dict[str, Any],
                             output_dir: Path, lang: str = "zh") -> list[Path]:
    """Write allocation.csv, summary.json and the optimiser's plots (PNG and SVG)."""
    from simulator import plots
    from simulator.files import save_figure

    output_dir.mkdir(parents=True, exist_ok=True)
    outputs = [write_table(output_dir / "allocation.csv", allocation.allocation_table()),
               write_json(output_dir / "summary.json", summary)]
    outputs += save_figure(plots.baseline_comparison(allocation, lang=lang), output_dir,
                           "comparison")
    if allocation.frontier:
        outputs += save_figure(plots.frontier(allocation, lang=lang), output_dir, "frontier")
    # the plan's own figures, from its run on the same fresh replications it was evaluated on
    return outputs + plan_figures(allocation.plan_run, output_dir, lang)


def write_comparison_outputs(comparison: Any, summary: dict[str, Any], output_dir: Path,
                             lang: str = "zh") -> list[Path]:
    """comparison.csv, summary.json and the comparison charts (PNG and SVG)."""
    from simulator import plots
    from simulator.files import save_figure

    outputs = [write_table(output_dir / "comparison.csv", comparison.table(lang)),
               write_json(output_dir / "summary.json", summary)]
    for stem, draw in (("compare_stable_exits", plots.compare_stable_exits),
                       ("compare_exits_by_year", plots.compare_exits_by_year),
                       ("compare_differences", plots.compare_differences)):
        outputs += save_figure(draw(comparison, lang=lang), output_dir, stem)
    return outputs


def write_calibration_outputs(calibration: Any, summary: dict[str, Any], output_dir: Path,
                              final_dir: Path, targets_name: str) -> list[Path]:
    """The calibrated scenario, calibration.csv, calibration.html and summary.json;
    ``final_dir`` is where they will end up (the calibrated scenario refers to it)."""
    from simulator.calibration.report import outputs as report_outputs
    from simulator.files import atomic_write_bytes

    written: list[Path] = []
    for name, content in report_outputs(calibration, final_dir, targets_name).items():
        path = output_dir / name
        if isinstance(content, dict):
            written.append(write_table(path, content))
        else:
            atomic_write_bytes(path, content.encode("utf-8") if isinstance(content, str)
                               else content)
            written.append(path)
    written.append(write_json(output_dir / "summary.json", summary))
    return written
