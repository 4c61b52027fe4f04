"""What ``tuopin calibrate`` writes: the calibrated scenario, a table, a chart and one page.

* ``<name>.toml`` — the calibrated scenario: it ``extends`` the raw one and sets only the fitted
  values, each with a ``[[sources]]`` note saying what it was fitted to;
* ``calibration.csv`` — one row per target: published value and band, source, fit or
  validation, simulated mean and 95 % interval for the raw and the calibrated scenario;
* ``calibration.html`` — one self-contained page (inline CSS and SVG) with the chart and both
  tables;
* ``calibration.svg`` / ``.png`` — the chart.

Nothing here computes a new number: everything comes from the :class:`Calibration`.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import tomli_w
from matplotlib.figure import Figure

from simulator.calibration.fit import Calibration, TargetCheck, comparison_table
from simulator.files import figure_bytes
from simulator.plots import chart_figure, literal
from simulator.scenario.loader import bundled_scenarios_dir
from simulator.schema import to_plain
from simulator.version import __version__

RAW_SUFFIX = "-raw"
"""A raw scenario named ``x-raw.toml`` is calibrated into ``x.toml``; any other ``x.toml``
into ``x-calibrated.toml``."""


def calibrated_file_name(raw_path: Path | None, name: str) -> str:
    """File name of the calibrated scenario."""
    stem = raw_path.stem if raw_path is not None else name.lower().replace(" ", "-")
    if stem.endswith(RAW_SUFFIX):
        return stem[: -len(RAW_SUFFIX)] + ".toml"
    return stem + "-calibrated.toml"


def _extends(raw_path: Path, output_dir: Path) -> str:
    """How the calibrated file names the raw one: a bundled scenario by name, else by a path
    relative to the output directory."""
    bundled = bundled_scenarios_dir().resolve()
    if raw_path.resolve().parent == bundled:
        return raw_path.name
    return Path(os.path.relpath(raw_path.resolve(), output_dir.resolve())).as_posix()


def scenario_toml(calibration: Calibration, output_dir: Path, targets_file: str) -> str:
    """The calibrated scenario file: extends the raw one, sets the fitted values and says,
    for each, what it was fitted to."""
    raw = calibration.raw
    raw_path = raw.origin.path if raw.origin is not None else None
    if raw_path is None:
        raise ValueError("the raw scenario must come from a file to be extended")
    fitted_to = (f"fitted by tuopin calibrate (simulated method of moments, Nelder–Mead, "
                 f"{calibration.targets.replications} replications, seed {calibration.seed}) "
                 f"to published figures (target file {targets_file}, with their sources): "
                 f"{calibration.fitted_to()}")
    data: dict[str, Any] = {"extends": _extends(raw_path, output_dir),
                            "name": calibration.calibrated.name}
    if calibration.calibrated.name_zh:
        data["name_zh"] = calibration.calibrated.name_zh
    for path, value in calibration.fitted_values.items():
        table = data
        *sections, leaf = path.split(".")
        for section in sections:
            table = table.setdefault(section, {})
        table[leaf] = value
    kept = [to_plain(note) for note in raw.sources if note.path not in calibration.fitted_values]
    fitted_to_zh = (f"按已公布数字校准（模拟矩估计，{calibration.targets.replications}次重复，"
                    f"随机种子{calibration.seed}）：{calibration.fitted_to('zh')}")
    data["sources"] = kept + [{"path": path, "text": fitted_to, "text_zh": fitted_to_zh}
                              for path in calibration.fitted_values]
    header = [
        f"# {calibration.calibrated.name}: {raw_path.name} with its uncertain parameters "
        "fitted to published figures.",
        f"# Written by `tuopin calibrate {raw_path.stem} --targets {targets_file} --seed "
        f"{calibration.seed}`: the same",
        "# command writes this file again, byte for byte. Its report (calibration.html) sets "
        "every target,",
        "# fitted and held out, beside the simulation; the README shows the table.",
    ]
    return "\n".join(header) + "\n\n" + tomli_w.dumps(data)


def table(calibration: Calibration) -> dict[str, list[Any]]:
    """``calibration.csv``: one row per target, raw and calibrated side by side."""
    return comparison_table({"raw": calibration.raw_checks, "calibrated": calibration.checks})


def chart(calibration: Calibration) -> Figure:
    """Every target on one scale: distance from the published value in half-bands.

    The grey bar is the accepted band, the black tick the published value, the hollow circle
    the raw scenario and the filled circle (with its 95 % interval) the calibrated one; fitted
    targets in blue, held-out validation targets in orange.
    """
    checks = calibration.checks
    raw = {c.target.name: c for c in calibration.raw_checks}
    figure = chart_figure(figsize=(7.5, 0.42 * len(checks) + 1.4))
    ax = figure.subplots()
    for row, check in enumerate(checks):
        t = check.target
        y = len(checks) - 1 - row
        colour = "C0" if t.use == "fit" else "C1"

        def scaled(value: float, target: Any = t) -> float:
            return (value - target.value) / target.scale

        ax.barh(y, scaled(t.high) - scaled(t.low), left=scaled(t.low), height=0.6,
                color="#dddddd")
        ax.plot([0, 0], [y - 0.3, y + 0.3], color="black", lw=1.2)
        ax.plot(scaled(raw[t.name].mean), y, "o", mfc="none", mec="#777777")
        low, high = (scaled(v) for v in check.interval)
        ax.plot([low, high], [y, y], color=colour, lw=1.5)
        ax.plot(scaled(check.mean), y, "o", color=colour)
    ax.set_yticks(range(len(checks)))
    ax.set_yticklabels([literal(f"{c.target.name} ({c.target.use})") for c in reversed(checks)],
                       fontsize=8)
    ax.set_xlabel("simulated − published, in half-bands (grey: accepted band)")
    ax.axvline(0, color="black", lw=0.5)
    limit = max(3.0, *(abs((c.mean - c.target.value) / c.target.scale) + 0.5 for c in checks))
    ax.set_xlim(-min(limit, 10.0), min(limit, 10.0))
    ax.set_title(f"{literal(calibration.calibrated.name)}: targets on fresh random numbers "
                 f"({calibration.targets.report_replications} replications)", fontsize=9)
    figure.tight_layout()
    return figure


CSS = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; color: #1a1a1a;
       line-height: 1.5; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.4rem; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.yes { color: #1a7f37; font-weight: bold; } .no { color: #b42318; font-weight: bold; }
.note { color: #555; font-size: 0.9rem; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1 else f"{value:,.4g}"


def _rows(checks: list[TargetCheck], raw: dict[str, TargetCheck]) -> str:
    out = []
    for c in checks:
        t = c.target
        verdict = "<span class='yes'>yes</span>" if c.inside else "<span class='no'>no</span>"
        out.append(
            f"<tr><td>{_e(t.name)}</td><td>{_e(c.description)}</td>"
            f"<td class='num'>{_fmt(t.value)}</td>"
            f"<td class='num'>{_fmt(t.low)} – {_fmt(t.high)}</td>"
            f"<td class='num'>{_fmt(raw[t.name].mean)}</td>"
            f"<td class='num'>{_fmt(c.mean)} ({_fmt(c.interval[0])} – {_fmt(c.interval[1])})"
            f"</td><td>{verdict}</td><td>{_e(t.source)}</td></tr>")
    return "".join(out)


def page(calibration: Calibration, svg: bytes) -> str:
    """``calibration.html``: one self-contained page."""
    raw = {c.target.name: c for c in calibration.raw_checks}
    head = ("<tr><th>target</th><th>figure</th><th>published</th><th>band</th>"
            "<th>raw scenario</th><th>calibrated (95 % interval)</th><th>inside band</th>"
            "<th>source</th></tr>")
    fitted = [c for c in calibration.checks if c.target.use == "fit"]
    held_out = [c for c in calibration.checks if c.target.use == "validation"]
    parameters = "".join(
        f"<tr><td>{_e(p.path)}</td><td class='num'>{_fmt(calibration.starting_values[p.path])}"
        f"</td><td class='num'>{_fmt(calibration.fitted_values[p.path])}</td>"
        f"<td class='num'>{_fmt(p.low)} – {_fmt(p.high)}</td></tr>"
        for p in calibration.targets.parameters)
    svg_text = svg.decode("utf-8")
    svg_text = svg_text[svg_text.index("<svg"):]
    inside = sum(c.inside for c in calibration.checks)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{_e(calibration.calibrated.name)}: calibration</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(calibration.calibrated.name)}: calibration</h1>\n"
        f"<p class='note'>{_e(calibration.raw.name)} fitted by the simulated method of moments "
        f"(Nelder–Mead on common random numbers, {calibration.targets.replications} "
        f"replications, seed {calibration.seed}; {calibration.simulations} simulations; "
        f"objective {calibration.objective_start:.3f} → {calibration.objective:.3f} squared "
        f"half-bands). Every figure below is from fresh random numbers (seed "
        f"{calibration.evaluation_seed}, {calibration.targets.report_replications} "
        f"replications) under the scenario's own programme. {inside} of "
        f"{len(calibration.checks)} targets fall inside their band. tuopin {_e(__version__)}."
        "</p>\n"
        f"<figure>{svg_text}</figure>\n"
        "<h2>Targets used in fitting</h2>\n"
        f"<table>{head}{_rows(fitted, raw)}</table>\n"
        "<h2>Held-out targets (validation: never used in fitting)</h2>\n"
        f"<table>{head}{_rows(held_out, raw)}</table>\n"
        "<h2>Fitted parameters</h2>\n<table><tr><th>field</th><th>raw value</th>"
        f"<th>fitted</th><th>range searched</th></tr>{parameters}</table>\n"
        "</body>\n</html>\n")


def outputs(calibration: Calibration, output_dir: Path, targets_file: str
            ) -> dict[str, bytes | str | dict[str, list[Any]]]:
    """File name → content of everything ``tuopin calibrate`` writes (the caller writes them
    atomically)."""
    figure = chart(calibration)
    svg = figure_bytes(figure, "svg")
    raw_path = calibration.raw.origin.path if calibration.raw.origin is not None else None
    return {
        calibrated_file_name(raw_path, calibration.calibrated.name):
            scenario_toml(calibration, output_dir, targets_file),
        "calibration.csv": table(calibration),
        "calibration.html": page(calibration, svg),
        "calibration.svg": svg,
        "calibration.png": figure_bytes(figure, "png"),
    }


__all__ = ["calibrated_file_name", "chart", "outputs", "page", "scenario_toml", "table"]
