"""The ``tuopin`` command: a thin layer over the library functions notebooks call.

Each command parses its options, calls one public function, writes its outputs atomically with a
``manifest.json`` beside them, and prints a short summary (or JSON with ``--json``).

Exit codes: 0 ok; 1 the input was wrong (bad scenario, registry or option); 2 internal error
(a bug in tuopin: the traceback is printed).
"""

from __future__ import annotations

import json
import math
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from simulator.console import (
    ProgressBar,
    allocation_lines,
    calibration_records,
    calibration_text,
    describe_population,
    registry_notes,
    simulation_lines,
    spread_text,
    yuan_text,
)
from simulator.errors import TuopinError
from simulator.files import (
    finite_or_null,
    json_default,
    record_outputs,
    sha256_of,
)
from simulator.outputs import OutputError, OutputRun, check_output_path
from simulator.population import calibration_table, population_of
from simulator.registry import columns_table, load_registry, write_registry
from simulator.scenario import bundled_scenarios, load_scenario
from simulator.scenario.model import MAX_REPLICATIONS
from simulator.scenario.render import scenario_to_toml, schema_as_records, schema_as_toml
from simulator.units import parse_amount
from simulator.version import __version__
from simulator.writers import (
    provenance,
    write_allocation_outputs,
    write_calibration_outputs,
    write_calibration_table,
    write_comparison_outputs,
    write_simulation_outputs,
)

DEFAULT_SCENARIO = "ruyuan-2016.toml"
"""The scenario ``tuopin run`` uses when none is named."""

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERNAL_ERROR = 0, 1, 2



# ---------------------------------------------------------------------------------------------
# shared options and helpers

def _set_option(function: Any) -> Any:
    return click.option(
        "--set", "overrides", multiple=True, metavar="PATH=VALUE",
        help="Override a scenario field, e.g. --set instruments.pv.tariff_yuan_per_kwh=0.75 "
             "(repeatable; validated like the file).")(function)


def _registry_option(function: Any) -> Any:
    return click.option(
        "--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Use this registry file (CSV or .xlsx) instead of the scenario's population.")(
        function)


def _workers_option(function: Any) -> Any:
    return click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Worker processes for the engine runs; results do not depend "
                             "on it.")(function)


def _lang_option(function: Any) -> Any:
    return click.option("--lang", type=click.Choice(["zh", "en"]), default="zh",
                        show_default=True,
                        help="Language of charts and documents: Chinese or English.")(function)


def _json_option(function: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print a machine-readable summary on stdout.")(function)


def _emit_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(finite_or_null(payload), ensure_ascii=False, indent=2,
                          default=json_default, allow_nan=False))




def _echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)


def _record(run: OutputRun, outputs: list[Path], provenance: dict[str, Any], as_json: bool,
            run_record: dict[str, Any] | None = None, **payload: Any) -> list[Path]:
    """Commit the staged outputs with their manifest (all or nothing); with --json, print the
    final paths and ``payload``. Returns the final paths, the manifest last."""
    final = run.commit(outputs, provenance, run_record)
    if as_json:
        _emit_json({"ok": True, "output_dir": run.target, "manifest": final[-1],
                    "outputs": final[:-1], **payload})
    for note in run.notes:
        click.echo(f"note: {note}", err=True)
    return final










# ---------------------------------------------------------------------------------------------
# commands

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tuopin")
def cli() -> None:
    """tuopin (脱贫): simulate and optimise a poverty-exit budget.

    \b
    Examples:
      tuopin run                                   # the default scenario, outputs in out/
      tuopin validate scenarios/*.toml
      tuopin show ruyuan-2016 --set instruments.pv.tariff_yuan_per_kwh=0.75
      tuopin population ruyuan-2016 -o households.csv --seed 1
    """


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@_set_option
@_registry_option
@_json_option
def validate(scenarios: tuple[str, ...], overrides: tuple[str, ...], registry_path: Path | None,
             as_json: bool) -> None:
    """Check scenario files (and a registry file) and report every problem.

    SCENARIOS are files or names of bundled scenarios. Exit code 1 if anything is wrong.

    \b
    Example:
      tuopin validate scenarios/ruyuan-2016.toml --registry households.csv
    """
    results = []
    for name in scenarios:
        scenario = load_scenario(name, overrides)
        entry: dict[str, Any] = {"scenario": str(scenario.origin.path), "name": scenario.name,
                                 "ok": True}
        years = scenario.calendar_years
        text = (f"ok: {scenario.origin.path} — {scenario.name}: {years[0]}–{years[-1]}, "
                f"{scenario.horizon.plan_years} plan years")
        registry = None
        if registry_path is not None or scenario.population.registry is not None:
            registry = population_of(scenario, registry_path)
            text += f"; registry {describe_population(registry)}"
            entry["registry"] = {"households": registry.n_households,
                                 "people": registry.n_people, "source": registry.source,
                                 "ignored_columns": list(registry.ignored_columns)}
            entry["notes"] = registry_notes(registry, scenario)
        else:
            spec = scenario.population.synthetic
            text += (f"; synthetic population of {sum(s.households for s in spec.strata):,} "
                     f"households, {sum(s.people for s in spec.strata):,} people")
        results.append(entry)
        if not as_json:
            click.echo(text)
            for note in entry.get("notes", []):
                click.echo(f"  note: {note}")
    if as_json:
        _emit_json({"ok": True, "scenarios": results})


@cli.command()
@click.argument("scenario", required=False)
@_set_option
@_registry_option
@click.option("--defaults", is_flag=True,
              help="Print the whole schema: every field with its default, unit and source.")
@click.option("--columns", is_flag=True, help="Print the registry column and alias table.")
@_json_option
def show(scenario: str | None, overrides: tuple[str, ...], registry_path: Path | None,
         defaults: bool, columns: bool, as_json: bool) -> None:
    """Print a scenario fully resolved (after `extends` and --set), or the schema.

    \b
    Examples:
      tuopin show ruyuan-2016 --set instruments.pv.tariff_yuan_per_kwh=0.75
      tuopin show --defaults
      tuopin show --columns
    """
    if defaults:
        if as_json:
            _emit_json({"schema": schema_as_records()})
        else:
            click.echo(schema_as_toml(), nl=False)
        return
    if columns:
        if as_json:
            from simulator.registry import COLUMNS
            _emit_json({"columns": [{"name": c.name, "zh": c.zh, "required": c.required,
                                     "aliases": list(c.aliases), "doc": c.doc}
                                    for c in COLUMNS]})
        else:
            click.echo(columns_table())
        return
    if scenario is None:
        bundled = ", ".join(p.name for p in bundled_scenarios())
        raise click.UsageError(f"name a scenario (bundled: {bundled}), or use --defaults")
    if registry_path is not None:
        load_registry(registry_path)  # checked now, so a bad file is reported here
        resolved = json.dumps(str(registry_path.resolve()))
        overrides = (*overrides, f"population.registry={resolved}")
    loaded = load_scenario(scenario, overrides)
    if as_json:
        from simulator.schema import to_plain
        _emit_json({"scenario": to_plain(loaded), "sha256": loaded.origin.sha256,
                    "files": [str(p) for p in loaded.origin.files]})
    else:
        click.echo(scenario_to_toml(loaded), nl=False)


@cli.command()
@click.argument("scenario")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Registry file to write (.csv or .xlsx).")
@click.option("--seed", type=int,
              help="Seed of the synthetic registry (default: population.synthetic.seed).")
@click.option("--header", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column headers in English or Chinese.")
@click.option("--encoding", type=click.Choice(["utf-8-sig", "utf-8", "gb18030"]),
              default="utf-8-sig", show_default=True, help="CSV text encoding.")
@_set_option
@_registry_option
@_json_option
def population(scenario: str, output: Path, seed: int | None, header: str, encoding: str,
               overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """Write the scenario's household registry and print its calibration table.

    The registry is synthetic (calibrated to the aggregates the scenario states) unless the
    scenario names a registry file or --registry is given; then that file is checked against
    the aggregates and written out in tuopin's own format.

    \b
    Example:
      tuopin population scenarios/ruyuan-2016.toml -o households.csv --seed 1
    """
    loaded = load_scenario(scenario, overrides)
    seed = loaded.population.synthetic.seed if seed is None else seed
    registry = population_of(loaded, registry_path, seed)
    rows = calibration_table(registry, loaded) if loaded.population.synthetic.strata else []
    check_output_path(output, directory=False)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_registry(registry, output, header=header, encoding=encoding)  # type: ignore
        manifest = record_outputs(output.parent, [output],
                                  provenance(loaded, registry_path, seed))
    except OSError as exc:
        raise OutputError(f"cannot write the registry: {exc.strerror or exc}",
                          str(output)) from exc
    if as_json:
        _emit_json({"ok": True, "output": output, "manifest": manifest,
                    "households": registry.n_households, "people": registry.n_people,
                    "seed": seed, "calibration": calibration_records(rows),
                    "calibrated": all(r.ok for r in rows)})
        return
    click.echo(f"wrote {output}: {describe_population(registry)}")
    if rows:
        click.echo(calibration_text(rows))
        failed = [r for r in rows if not r.ok]
        if failed:
            click.echo(f"{len(failed)} aggregates do not match their targets", err=True)
    for note in registry_notes(registry, loaded):
        click.echo(f"note: {note}")


@cli.command()
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Directory for every output.")
@click.option("--seed", type=int, help="Simulation seed (default: simulation.seed).")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications (default: simulation.replications).")
@_lang_option
@_set_option
@_registry_option
@_json_option
def run(scenario: str, output_dir: Path, seed: int | None, reps: int | None, lang: str,
        overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """The main job: everything tuopin produces for a scenario, written to one directory.

    Writes the household registry with its calibration table, optimises the allocation of
    the yearly budgets, and writes the budget proposal: proposal.html (one self-contained
    file, A4), proposal.xlsx (summary, by instrument, township and year, household list),
    allocation.csv, summary.json (out-of-sample stable exits, outlays, the gain over 按村分配,
    the uniform reward and greedy, sensitivity) and charts.

    \b
    Example:
      tuopin run                       # the bundled default scenario (ruyuan-2016), into out/
      tuopin run jishou-2016 -o out/jishou --lang en
    """
    from simulator.optimizer import optimize as run_optimizer
    from simulator.proposal import propose as make_proposal
    from simulator.proposal import write_proposal

    loaded = load_scenario(scenario, overrides)
    registry = population_of(loaded, registry_path)
    rows = calibration_table(registry, loaded) if loaded.population.synthetic.strata else []
    bar = ProgressBar("simulating candidates")
    allocation = run_optimizer(loaded, registry=registry, reps=reps, seed=seed, frontier=True,
                               progress=bar)
    proposal = make_proposal(loaded, allocation=allocation, progress=bar)
    summary = proposal.summary()
    in_sample = allocation.candidates.result
    bar.stage("writing the proposal", "")
    with OutputRun(output_dir) as out:
        outputs = [write_registry(registry, out.directory / "households.csv"),
                   write_calibration_table(out.directory / "calibration.csv", rows),
                   *write_proposal(proposal, out.directory, lang=lang, summary=summary)]
        final = _record(out, outputs, provenance(loaded, registry_path, in_sample.seed,
                                                  replications=in_sample.reps),
                        as_json, {"timings": allocation.timings()},
                        households=registry.n_households, people=registry.n_people,
                        calibrated=all(r.ok for r in rows), summary=summary)
    bar.finish()
    calibration = output_dir / "calibration.csv"
    if as_json:
        return
    click.echo(f"{loaded.name}: {describe_population(registry)}")
    if rows:
        failed = [r for r in rows if not r.ok]
        click.echo(f"calibration: {len(rows) - len(failed)} of {len(rows)} aggregates match "
                   f"their targets (see {calibration})")
    _echo_lines(allocation_lines(summary, allocation.timings()))
    click.echo(f"budget proposal: {output_dir / 'proposal.html'} and "
               f"{output_dir / 'proposal.xlsx'}")
    click.echo(f"wrote {len(final) - 1} files and {final[-1].name} to {output_dir}")




















@cli.command()
@click.argument("scenario")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True,
              help="Target file: published figures with sources, and the parameters to fit.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for the calibrated scenario and the report.")
@click.option("--seed", type=int, help="Seed of the fitting runs (default: simulation.seed).")
@_set_option
@_registry_option
@_json_option
def calibrate(scenario: str, targets_path: Path, output_dir: Path, seed: int | None,
              overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """Fit a scenario's uncertain parameters to published figures; validate on held-out ones.

    Simulates the scenario's own programme (its [plan] rule) by the simulated method of moments
    on common random numbers (Nelder–Mead), then checks every target — fitted and held out —
    on fresh random numbers for the raw and the calibrated scenario. Writes the calibrated
    scenario (it extends the raw one; each fitted value says what it was fitted to),
    calibration.csv, calibration.html (one self-contained page with the chart) and
    summary.json. The same seed writes the same files.

    \b
    Example:
      tuopin calibrate ruyuan-2016-raw --targets scenarios/targets/ruyuan-2016.toml -o out/cal
    """
    from simulator.calibration import calibrate as fit
    from simulator.calibration import load_targets, summary_of

    loaded = load_scenario(scenario, overrides)
    targets = load_targets(targets_path)
    registry = population_of(loaded, registry_path)
    bar = ProgressBar("calibrating")

    def progress(done: int, best: float) -> None:
        bar(done, targets.max_evaluations)

    calibration = fit(loaded, targets, registry=registry, seed=seed, progress=progress)
    bar(targets.max_evaluations, targets.max_evaluations)
    summary = summary_of(calibration)
    made = provenance(loaded, registry_path, calibration.seed,
                             replications=targets.replications)
    made["targets"] = {"path": str(targets_path), "sha256": sha256_of(targets_path)}
    with OutputRun(output_dir) as out:
        written = write_calibration_outputs(calibration, summary, out.directory, output_dir,
                                            targets_path.name)
        _record(out, written, made, as_json, summary=summary)
    if as_json:
        return
    click.echo(f"{loaded.name}: fitted {len(calibration.fitted_values)} parameters in "
               f"{calibration.simulations} simulations (objective "
               f"{calibration.objective_start:.3f} → {calibration.objective:.3f})")
    for path, value in calibration.fitted_values.items():
        click.echo(f"  {path} = {value:g} (was {calibration.starting_values[path]:g})")
    for use in ("fit", "validation"):
        checks = [c for c in calibration.checks if c.target.use == use]
        inside = sum(c.inside for c in checks)
        click.echo(f"  {use} targets inside their band on fresh random numbers: {inside} of "
                   f"{len(checks)}")
        for check in checks:
            mark = "ok " if check.inside else "OUT"
            click.echo(f"    {mark} {check.target.name}: published {check.target.value:g}, "
                       f"simulated {check.mean:.4g} ({check.interval[0]:.4g}–"
                       f"{check.interval[1]:.4g})")
    click.echo(f"wrote {len(written)} files to {output_dir}")


@cli.command()
@click.argument("scenario")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for summary.json, households.csv and plots.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Allocation file (household_id, package); default: the scenario's rule.")
@click.option("--reps", type=click.IntRange(min=1, max=MAX_REPLICATIONS),
              help="Monte Carlo replications (default: simulation.replications).")
@click.option("--seed", type=int, help="Root seed (default: simulation.seed).")
@_workers_option
@click.option("--block-households", type=click.IntRange(min=1),
              help="Households per block (memory vs speed); results do not depend on it.")
@_lang_option
@_set_option
@_registry_option
@_json_option
def simulate(scenario: str, output_dir: Path, plan_path: Path | None, reps: int | None,
             seed: int | None, workers: int, block_households: int | None, lang: str,
             overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """Simulate household incomes, exits and fund outlays under a plan.

    Writes summary.json (stable exits with 95 % intervals, exits by year, returns to poverty,
    outlays by line and year, cost per stable exit), households.csv (per household: probability
    of a stable exit, mean counted per-capita income by year) and plots in PNG and SVG.

    \b
    Example:
      tuopin simulate ruyuan-2016 --reps 200 --seed 7 -o out/sim
    """
    from simulator.engine import simulate as run_simulation
    from simulator.packages import load_plan

    loaded = load_scenario(scenario, overrides)
    registry = population_of(loaded, registry_path)
    plan = load_plan(plan_path, registry, loaded) if plan_path is not None else None
    result = run_simulation(loaded, plan, registry=registry, reps=reps, seed=seed,
                            workers=workers, block_households=block_households,
                            progress=ProgressBar("simulating"))
    summary = result.summary()
    with OutputRun(output_dir) as out:
        outputs = write_simulation_outputs(result, summary, out.directory, lang)
        _record(out, outputs, provenance(loaded, registry_path, result.seed,
                                          replications=result.reps, plan_path=plan_path),
                as_json, summary=summary)
    if as_json:
        return
    click.echo(f"{loaded.name}")
    _echo_lines(simulation_lines(result, summary))
    click.echo(f"wrote {len(outputs)} files to {output_dir}")


def _budget_list(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        budgets = [parse_amount(part) for part in text.replace("，", ",").split(",")
                   if part.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected an amount per plan year separated by commas, in "
                                 f"yuan or with 万 / 万元 / 亿, e.g. 5000万,4000万,3000万 or "
                                 f"50000000,40000000,30000000; found {text!r}") from exc
    if not all(math.isfinite(b) and b >= 0 for b in budgets):
        raise click.BadParameter(f"expected finite amounts in yuan ≥ 0, found {text!r}")
    return budgets










@cli.command()
@click.argument("scenario")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for allocation.csv, summary.json and plots.")
@click.option("--budget", "budget_text", metavar="Y1,Y2,…",
              help="Budget per plan year, in yuan or with 万 / 亿 (5000万,4000万,3000万); "
                   "default: budget.yearly_yuan.")
@click.option("--objective", type=click.Choice(["expected", "cvar"]),
              help="Expected stable exits, or risk-aware with a CVaR shortfall term.")
@click.option("--solver", type=click.Choice(["highs", "cbc"]), help="MILP solver (via PuLP).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
              help="Solver time limit per solve, seconds.")
@click.option("--frontier", is_flag=True,
              help="Also re-solve over a grid of budgets and plot the budget–exits curve.")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications.")
@click.option("--seed", type=int, help="Seed of the in-sample run (default: simulation.seed).")
@_workers_option
@_lang_option
@_set_option
@_registry_option
@_json_option
def optimize(scenario: str, output_dir: Path, budget_text: str | None, objective: str | None,
             solver: str | None, time_limit: float | None, frontier: bool, reps: int | None,
             seed: int | None, workers: int, lang: str, overrides: tuple[str, ...],
             registry_path: Path | None, as_json: bool) -> None:
    """Allocate the yearly budgets to maximise stable exits.

    Runs the engine on every candidate package, solves the allocation MILP, evaluates the plan
    and the baselines (按村分配, uniform 1,500-yuan reward, greedy) on fresh random numbers, and
    writes allocation.csv (why each household got its package), summary.json and plots.

    \b
    Example:
      tuopin optimize ruyuan-2016 --budget 50000000,40000000,30000000 -o out/opt
    """
    from simulator.optimizer import optimize as run_optimizer

    loaded = load_scenario(scenario, overrides)
    registry = population_of(loaded, registry_path)
    allocation = run_optimizer(loaded, registry=registry, budgets=_budget_list(budget_text),
                               objective=objective, solver=solver, time_limit=time_limit,
                               reps=reps, seed=seed, frontier=frontier, workers=workers,
                               progress=(bar := ProgressBar("simulating candidates")))
    summary = allocation.summary()
    bar.stage("writing outputs", "")
    with OutputRun(output_dir) as out:
        outputs = write_allocation_outputs(allocation, summary, out.directory, lang)
        _record(out, outputs, provenance(loaded, registry_path,
                                          allocation.candidates.result.seed,
                                          replications=allocation.candidates.result.reps),
                as_json, {"timings": allocation.timings()}, summary=summary)
    bar.finish()
    if as_json:
        return
    click.echo(loaded.name)
    _echo_lines(allocation_lines(summary, allocation.timings()))
    click.echo(f"wrote {len(outputs)} files to {output_dir}")


@cli.command()
@click.argument("scenario")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for proposal.html, proposal.xlsx and the rest.")
@click.option("--format", "formats", default="html,xlsx,docx", show_default=True,
              metavar="html,xlsx,docx,pdf",
              help="Documents to write, separated by commas (pdf: printed by Chromium).")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications.")
@click.option("--seed", type=int, help="Seed of the in-sample run (default: simulation.seed).")
@click.option("--sensitivity-reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Replications per sensitivity run (default: min(reps, 40)).")
@_workers_option
@_lang_option
@_set_option
@_registry_option
@_json_option
def propose(scenario: str, output_dir: Path, formats: str, reps: int | None, seed: int | None,
            sensitivity_reps: int | None, workers: int, lang: str, overrides: tuple[str, ...],
            registry_path: Path | None, as_json: bool) -> None:
    """Write the budget proposal (预算方案) a county office can file.

    Optimises the allocation, evaluates it and the alternatives (按村分配, the uniform reward)
    on fresh replications, runs the sensitivity analysis (tornado chart), and writes
    proposal.html (one self-contained file that prints on A4) and proposal.xlsx (summary, by
    instrument, township and year, household list, comparison, sensitivity, every assumption
    with its source), with summary.json, allocation.csv and the charts.

    \b
    Example:
      tuopin propose ruyuan-2016 -o out/proposal
      tuopin propose ruyuan-2016 -o out/proposal-en --lang en --format html
    """
    from simulator.proposal import FORMATS, write_proposal
    from simulator.proposal import propose as make_proposal

    chosen = [part.strip() for part in formats.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"expected formats from {', '.join(FORMATS)} separated by "
                                 f"commas; found {formats!r}", param_hint="--format")
    loaded = load_scenario(scenario, overrides)
    registry = population_of(loaded, registry_path)
    bar = ProgressBar("simulating candidates")
    proposal = make_proposal(loaded, registry=registry, reps=reps, seed=seed, workers=workers,
                             sensitivity_reps=sensitivity_reps, progress=bar)
    summary = proposal.summary()
    in_sample = proposal.allocation.candidates.result
    bar.stage("writing the proposal", "")
    with OutputRun(output_dir) as out:
        outputs = write_proposal(proposal, out.directory, lang=lang, formats=chosen,
                                 summary=summary)
        _record(out, outputs, provenance(loaded, registry_path, in_sample.seed,
                                          replications=in_sample.reps),
                as_json, {"timings": proposal.allocation.timings()}, summary=summary)
    bar.finish()
    if as_json:
        return
    click.echo(loaded.name)
    _echo_lines(allocation_lines(summary, proposal.allocation.timings()))
    widest = summary["sensitivity"]["parameters"][:3]
    click.echo("  most sensitive to: " + "; ".join(
        f"{p['path']} ({p['change_at_low']['mean']:+,.0f} / {p['change_at_high']['mean']:+,.0f})"
        for p in widest))
    click.echo(f"wrote {len(outputs)} files to {output_dir}")


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for comparison.csv, summary.json and plots.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Apply this allocation file to every scenario instead of optimising.")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications.")
@click.option("--seed", type=int, help="Root seed (default: the first scenario's).")
@_workers_option
@_lang_option
@_set_option
@_registry_option
@_json_option
def compare(scenarios: tuple[str, ...], output_dir: Path, plan_path: Path | None,
            reps: int | None, seed: int | None, workers: int, lang: str,
            overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """Compare scenarios side by side on common random numbers.

    Each scenario is optimised (or simulated under --plan), then every plan is simulated on
    the same evaluation replications, so differences against the first scenario are paired
    over replications, with 95 % intervals. --set applies to every scenario. Writes
    comparison.csv (one column per scenario, money in 万元, the paired difference against the
    first), summary.json and the charts (added stable exits, the paired differences, exits by
    year).

    \b
    Example:
      tuopin compare ruyuan-pv-heavy ruyuan-employment-heavy -o out/compare
    """
    from simulator.compare import compare as run_compare

    if len(scenarios) < 2:
        raise click.UsageError("compare needs at least two scenarios")
    loaded = [load_scenario(name, overrides) for name in scenarios]
    registries = [population_of(s, registry_path) for s in loaded]
    comparison = run_compare(loaded, plan=plan_path, registries=registries, reps=reps,
                             seed=seed, workers=workers,
                             progress=ProgressBar("simulating candidates"))
    summary = comparison.summary()
    made = provenance(None, registry_path, comparison.seed,
                             replications=comparison.reps, plan_path=plan_path)
    made["scenarios"] = [provenance(s, registry_path, None).get("scenario")
                               for s in loaded]
    with OutputRun(output_dir) as out:
        outputs = write_comparison_outputs(comparison, summary, out.directory, lang)
        _record(out, outputs, made, as_json, summary=summary)
    if as_json:
        return
    click.echo(f"{len(loaded)} scenarios on common random numbers: {comparison.reps} "
               f"replications, seed {comparison.seed}")
    for name, outcome, figures in zip(comparison.names(), comparison.outcomes,
                                      comparison.summaries, strict=True):
        click.echo(f"  {name}: {figures['added_stable_exits']['mean']:+,.1f} stable exits added "
                   f"over no support at {yuan_text(figures['cost_per_added_stable_exit_yuan'])} "
                   f"each; stable exits in all {spread_text(outcome.stable_exits)}")
    for difference in summary["paired_differences"]:
        gain = difference["added_stable_exits"]
        half = (gain["ci95"][1] - gain["ci95"][0]) / 2
        verb = "beats" if gain["ci95"][0] > 0 else "trails" if gain["ci95"][1] < 0 else \
            "is not distinguishable from"
        click.echo(f"  {difference['scenario']} {verb} {difference['against']}: "
                   f"{gain['mean']:+,.1f} ± {half:,.1f} added stable exits (paired 95 % CI "
                   f"{gain['ci95'][0]:+,.1f} to {gain['ci95'][1]:+,.1f})")
    click.echo(f"wrote {len(outputs)} files to {output_dir}")




# ---------------------------------------------------------------------------------------------
# entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 ok, 1 user error, 2 internal error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="tuopin", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except TuopinError as exc:
        if "--json" in args:
            _emit_json({"ok": False, "errors": [{"source": p.source, "where": p.where,
                                                 "message": p.message} for p in exc.problems]})
        click.echo(f"error: {exc}", err=True)
        return EXIT_USER_ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_USER_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_USER_ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception:  # anything else is a bug in tuopin, not in the user's input
        traceback.print_exc()
        click.echo("internal error: this is a bug in tuopin; please report it with the "
                   "command and the traceback above", err=True)
        return EXIT_INTERNAL_ERROR


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
