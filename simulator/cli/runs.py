"""Commands that run the model: ``run`` (the main job), ``simulate``, ``optimize``, ``propose``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from simulator.cli.base import (
    DEFAULT_SCENARIO,
    cache_option,
    cli,
    console_language,
    echo_lines,
    json_option,
    lang_option,
    record,
    registry_option,
    set_option,
    workers_option,
)
from simulator.console import (
    ProgressBar,
    allocation_lines,
    describe_population,
    simulation_lines,
)
from simulator.console_words import say
from simulator.outputs import OutputRun
from simulator.parameter_texts import parameter_text
from simulator.population import CalibrationRow, calibration_table, population_of
from simulator.progress import StageReporter
from simulator.registry import Registry, write_registry
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.model import MAX_REPLICATIONS
from simulator.units import parse_amount
from simulator.writers import (
    provenance,
    write_allocation_outputs,
    write_calibration_table,
    write_simulation_outputs,
)


@cli.command()
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Directory for every output.")
@click.option("--seed", type=int, help="Simulation seed (default: simulation.seed).")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications (default: simulation.replications).")
@workers_option
@cache_option
@lang_option
@click.option("--header", type=click.Choice(["zh", "en"]), default=None,
              help="Headers and values of households.csv and calibration.csv: Chinese, or "
                   "English for scripts (default: the --lang).")
@set_option
@registry_option
@json_option
def run(scenario: str, output_dir: Path, seed: int | None, reps: int | None, workers: int,
        lang: str, header: str | None, overrides: tuple[str, ...],
        registry_path: Path | None, as_json: bool) -> None:
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
    loaded = load_scenario(scenario, overrides)
    says = console_language()
    bar = ProgressBar("simulating candidates", says)
    job = main_job(loaded, registry_path, output_dir, reps=reps, seed=seed, workers=workers,
                   lang=lang, progress=bar, as_json=as_json, header=header)
    registry, rows, allocation, summary, final = (job.registry, job.rows, job.allocation,
                                                  job.summary, job.final)
    bar.finish()
    calibration = output_dir / "calibration.csv"
    if as_json:
        return
    click.echo(f"{loaded.display_name(says)}: {describe_population(registry, says)}")
    if rows:
        failed = [r for r in rows if not r.ok]
        click.echo(say("calibration", says, ok=len(rows) - len(failed), n=len(rows),
                       path=calibration))
    echo_lines(allocation_lines(summary, allocation.timings(), says))
    click.echo(say("proposal_files", says, html=output_dir / "proposal.html",
                   xlsx=output_dir / "proposal.xlsx"))
    click.echo(say("wrote_with_manifest", says, n=len(final) - 1, manifest=final[-1].name,
                   directory=output_dir))


@dataclass(frozen=True)
class MainJob:
    """What the main job made: its inputs as read, the results, and the files it wrote."""

    registry: Registry
    rows: list[CalibrationRow]
    allocation: Any
    """The :class:`~simulator.optimizer.solve.AllocationResult`."""
    proposal: Any
    """The :class:`~simulator.proposal.Proposal`."""
    summary: dict[str, Any]
    final: list[Path]
    """The files written, the manifest last."""


ExtraOutputs = Callable[[Any, dict[str, Any], Path], list[Path]]
"""``extra(proposal, summary, directory)``: more files to write into the same output batch."""


def main_job(loaded: Scenario, registry_path: Path | None, output_dir: Path, *,
             reps: int | None, seed: int | None, workers: int, lang: str,
             progress: StageReporter, as_json: bool = False,
             formats: Sequence[str] | None = None,
             extra: ExtraOutputs | None = None,
             registry_name: str | None = None, header: str | None = None) -> MainJob:
    """``tuopin run`` without its printing (``tuopin serve`` runs the same): the registry and
    its calibration table, the optimised allocation, and the proposal in ``formats``, written
    into ``output_dir`` as one batch with its manifest (``formats``: default
    :data:`simulator.proposal.DEFAULT_FORMATS`). ``registry_name`` is the name the registry
    file had when the user chose it (an upload is stored under a name of the server's), for
    the proposal's cover. ``header`` sets the language of households.csv and calibration.csv
    (default: ``lang``; "en" for scripts)."""
    from simulator.optimizer import optimize as run_optimizer
    from simulator.proposal import DEFAULT_FORMATS, write_proposal
    from simulator.proposal import propose as make_proposal

    registry = population_of(loaded, registry_path)
    if registry_name:
        registry = dataclasses.replace(registry, source=registry_name)
    rows = calibration_table(registry, loaded) if loaded.population.synthetic.strata else []
    allocation = run_optimizer(loaded, registry=registry, reps=reps, seed=seed, frontier=True,
                               workers=workers, progress=progress)
    proposal = make_proposal(loaded, allocation=allocation, workers=workers, progress=progress)
    summary = proposal.summary()
    in_sample = allocation.candidates.result
    progress.stage("writing the proposal", "")
    with OutputRun(output_dir) as out:
        header = header or lang
        outputs = [write_registry(registry, out.directory / "households.csv",
                                  header=header),  # type: ignore[arg-type]
                   write_calibration_table(out.directory / "calibration.csv", rows, header),
                   *write_proposal(proposal, out.directory, lang=lang,
                                   formats=formats or DEFAULT_FORMATS,
                                   summary=summary)]
        if extra is not None:
            outputs += extra(proposal, summary, out.directory)
        final = record(out, outputs, provenance(loaded, registry_path, in_sample.seed,
                                                  replications=in_sample.reps),
                        as_json, {"timings": allocation.timings()},
                        households=registry.n_households, people=registry.n_people,
                        calibrated=all(r.ok for r in rows), summary=summary)
    return MainJob(registry, rows, allocation, proposal, summary, final)


@cli.command()
@click.argument("scenario")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for summary.json, households.csv and plots.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Allocation file (household_id, package); default: the scenario's rule.")
@click.option("--reps", type=click.IntRange(min=1, max=MAX_REPLICATIONS),
              help="Monte Carlo replications (default: simulation.replications).")
@click.option("--seed", type=int, help="Root seed (default: simulation.seed).")
@workers_option
@cache_option
@click.option("--block-households", type=click.IntRange(min=1),
              help="Households per block (memory vs speed); results do not depend on it.")
@lang_option
@set_option
@registry_option
@json_option
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
                            progress=ProgressBar("simulating", console_language()))
    summary = result.summary()
    with OutputRun(output_dir) as out:
        outputs = write_simulation_outputs(result, summary, out.directory, lang)
        record(out, outputs, provenance(loaded, registry_path, result.seed,
                                          replications=result.reps, plan_path=plan_path),
                as_json, summary=summary)
    if as_json:
        return
    says = console_language()
    click.echo(loaded.display_name(says))
    echo_lines(simulation_lines(result, summary, says))
    click.echo(say("wrote", says, n=len(outputs), directory=output_dir))


def _budget_list(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        budgets = [parse_amount(part) for part in text.replace("，", ",").split(",")
                   if part.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected an amount per plan year separated by commas, in "
                                 f"yuan or with 万 / 万元 / 亿, e.g. 5000万,4000万,3000万 or "
                                 f"50000000,40000000,30000000; found {text!r}",
                                 param_hint="--budget") from exc
    if not all(math.isfinite(b) and b >= 0 for b in budgets):
        raise click.BadParameter(f"expected finite amounts in yuan ≥ 0, found {text!r}",
                                 param_hint="--budget")
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
@click.option("--goal", type=click.Choice(["exits", "targets"]),
              help="exits: the most stable exits the budgets buy; targets: the least-cost plan "
                   "that meets the yearly exit targets, or the cheapest additions of money and "
                   "capacity that would (default: optimizer.goal).")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications.")
@click.option("--seed", type=int, help="Seed of the in-sample run (default: simulation.seed).")
@workers_option
@cache_option
@lang_option
@set_option
@registry_option
@json_option
def optimize(scenario: str, output_dir: Path, budget_text: str | None, objective: str | None,
             solver: str | None, time_limit: float | None, frontier: bool, goal: str | None,
             reps: int | None, seed: int | None, workers: int, lang: str,
             overrides: tuple[str, ...], registry_path: Path | None, as_json: bool) -> None:
    """Allocate the yearly budgets to maximise stable exits, or meet the exit targets at least
    cost.

    Runs the engine on every candidate package, solves the allocation MILP, evaluates the plan
    and the baselines (the county's programme, 按村分配, uniform 1,500-yuan reward, greedy) on
    fresh random numbers, and writes allocation.csv (why each household got its package),
    summary.json and plots. With --goal targets, the plan is the least-cost one that meets every
    yearly exit target at the scenario's confidence level; where the budgets and limits allow
    none, the cheapest additions of money and capacity that would are listed, each with the
    --set that makes it.

    \b
    Examples:
      tuopin optimize ruyuan-2016 --budget 50000000,40000000,30000000 -o out/opt
      tuopin optimize ruyuan-2016 --goal targets -o out/targets
    """
    from simulator.optimizer import optimize as run_optimizer

    loaded = load_scenario(scenario, overrides)
    if frontier and (goal or loaded.optimizer.goal) == "targets":
        raise click.UsageError("--frontier shows what more money buys in stable exits; it "
                               "goes with --goal exits (with --goal targets the additions say "
                               "what meeting the targets takes)")
    registry = population_of(loaded, registry_path)
    allocation = run_optimizer(loaded, registry=registry, budgets=_budget_list(budget_text),
                               objective=objective, solver=solver, time_limit=time_limit,
                               reps=reps, seed=seed, frontier=frontier, workers=workers,
                               goal=goal,
                               progress=(bar := ProgressBar("simulating candidates",
                                                            console_language())))
    summary = allocation.summary()
    bar.stage("writing outputs", "")
    with OutputRun(output_dir) as out:
        outputs = write_allocation_outputs(allocation, summary, out.directory, lang)
        record(out, outputs, provenance(loaded, registry_path,
                                          allocation.candidates.result.seed,
                                          replications=allocation.candidates.result.reps),
                as_json, {"timings": allocation.timings()}, summary=summary)
    bar.finish()
    if as_json:
        return
    says = console_language()
    click.echo(loaded.display_name(says))
    echo_lines(allocation_lines(summary, allocation.timings(), says))
    click.echo(say("wrote", says, n=len(outputs), directory=output_dir))


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
@workers_option
@cache_option
@lang_option
@set_option
@registry_option
@json_option
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
    says = console_language()
    bar = ProgressBar("simulating candidates", says)
    proposal = make_proposal(loaded, registry=registry, reps=reps, seed=seed, workers=workers,
                             sensitivity_reps=sensitivity_reps, progress=bar)
    summary = proposal.summary()
    in_sample = proposal.allocation.candidates.result
    bar.stage("writing the proposal", "")
    with OutputRun(output_dir) as out:
        outputs = write_proposal(proposal, out.directory, lang=lang, formats=chosen,
                                 summary=summary)
        record(out, outputs, provenance(loaded, registry_path, in_sample.seed,
                                          replications=in_sample.reps),
                as_json, {"timings": proposal.allocation.timings()}, summary=summary)
    bar.finish()
    if as_json:
        return
    click.echo(loaded.display_name(says))
    echo_lines(allocation_lines(summary, proposal.allocation.timings(), says))
    widest = summary["sensitivity"]["parameters"][:3]
    click.echo("  " + say("sensitive_to", says) + ("；" if says == "zh" else "; ").join(
        f"{parameter_text(p['path'], 'zh').name if says == 'zh' else p['path']} "
        f"({p['change_at_low']['mean']:+,.0f} / {p['change_at_high']['mean']:+,.0f})"
        for p in widest))
    click.echo(say("wrote", says, n=len(outputs), directory=output_dir))
