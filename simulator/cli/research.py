"""Commands for research: ``calibrate`` (fit to published figures) and ``compare`` (scenarios
on common random numbers)."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.base import (
    cache_option,
    cli,
    console_language,
    json_option,
    lang_option,
    record,
    registry_option,
    set_option,
    workers_option,
)
from simulator.console import (
    ProgressBar,
    spread_text,
    yuan_text,
)
from simulator.console_words import say
from simulator.files import (
    sha256_of,
)
from simulator.messages import where_zh
from simulator.outputs import OutputRun
from simulator.population import population_of
from simulator.scenario import load_scenario
from simulator.scenario.model import MAX_REPLICATIONS
from simulator.writers import (
    provenance,
    write_calibration_outputs,
    write_comparison_outputs,
)


@cli.command()
@click.argument("scenario")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True,
              help="Target file: published figures with sources, and the parameters to fit.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for the calibrated scenario and the report.")
@click.option("--seed", type=int, help="Seed of the fitting runs (default: simulation.seed).")
@set_option
@registry_option
@json_option
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
        record(out, written, made, as_json, summary=summary)
    if as_json:
        return
    says = console_language()
    click.echo(say("calibrated", says, name=loaded.display_name(says),
                   n=len(calibration.fitted_values), simulations=calibration.simulations,
                   start=calibration.objective_start, end=calibration.objective))
    for path, value in calibration.fitted_values.items():
        name = where_zh(path) if says == "zh" else path
        click.echo("  " + say("fitted", says, name=name, value=value,
                              before=calibration.starting_values[path]))
    for use in ("fit", "validation"):
        checks = [c for c in calibration.checks if c.target.use == use]
        click.echo("  " + say("targets_inside", says, use=say(f"use_{use}", says),
                              inside=sum(c.inside for c in checks), n=len(checks)))
        for check in checks:
            click.echo("    " + say(
                "target_check", says, mark=say("inside_mark" if check.inside else "outside_mark",
                                               says),
                name=check.target.name, published=check.target.value, mean=check.mean,
                low=check.interval[0], high=check.interval[1]))
    click.echo(say("wrote", says, n=len(written), directory=output_dir))


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for comparison.csv, summary.json and plots.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Apply this allocation file to every scenario instead of optimising.")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications.")
@click.option("--seed", type=int, help="Root seed (default: the first scenario's).")
@workers_option
@cache_option
@lang_option
@set_option
@registry_option
@json_option
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
        record(out, outputs, made, as_json, summary=summary)
    if as_json:
        return
    says = console_language()
    click.echo(say("compared", says, n=len(loaded), reps=comparison.reps, seed=comparison.seed))
    for name, outcome, figures in zip(comparison.names(), comparison.outcomes,
                                      comparison.summaries, strict=True):
        click.echo("  " + say("compared_scenario", says, name=name,
                              added=figures["added_stable_exits"]["mean"],
                              cost=yuan_text(figures["cost_per_added_stable_exit_yuan"], says),
                              stable=spread_text(outcome.stable_exits)))
    for difference in summary["paired_differences"]:
        gain = difference["added_stable_exits"]
        low, high = gain["ci95"]
        verb = say("beats" if low > 0 else "trails" if high < 0 else "even", says)
        click.echo("  " + say("difference", says, scenario=difference["scenario"], verb=verb,
                              against=difference["against"], mean=gain["mean"],
                              half=(high - low) / 2, low=low, high=high))
    click.echo(say("wrote", says, n=len(outputs), directory=output_dir))
