"""``tuopin watch``: the return-to-poverty watch list, and its backtest."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.base import (
    cli,
    console_language,
    echo_lines,
    json_option,
    record,
    set_option,
)
from simulator.console_words import joined, say
from simulator.outputs import OutputRun
from simulator.population import population_of
from simulator.scenario import load_scenario
from simulator.scenario.model import MAX_REPLICATIONS
from simulator.units import YUAN_PER_WAN
from simulator.writers import provenance


@cli.command()
@click.argument("scenario")
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Registry (CSV or .xlsx) with last year's incomes; default: the scenario's "
                   "population.")
@click.option("--monitoring", "monitoring_path",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Monitoring records (CSV or .xlsx, one row per household and year or month).")
@click.option("--year", type=int, help="Watch year (default: the year after the last record).")
@click.option("--backtest", is_flag=True,
              help="Score the method on synthetic histories instead: fit on the year before, "
                   "score the watch year (precision and recall at K against the triggers "
                   "alone, calibration).")
@click.option("--worlds", type=click.IntRange(min=2, max=1000), default=50, show_default=True,
              help="Synthetic histories of a backtest.")
@click.option("--write-monitoring", "synthetic_path",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Also write synthetic monitoring records (one simulated history, labelled "
                   "synthetic) to this CSV, for trying the command without real records.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for watchlist.xlsx, watchlist.csv, summary.json.")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Replications of the model's paths (default: simulation.replications; "
                   "a backtest: watch.backtest_replications).")
@click.option("--seed", type=int, help="Root seed (default: simulation.seed).")
@click.option("--budget", type=click.FloatRange(min=0), metavar="YUAN",
              help="Money left for new support in the watch year [yuan] (default: the "
                   "scenario's last plan-year budget); 0 suggests no support.")
@click.option("--header", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Headers of watchlist.csv: Chinese, or English for scripts.")
@set_option
@json_option
def watch(scenario: str, registry_path: Path | None, monitoring_path: Path | None,
          year: int | None, backtest: bool, worlds: int, synthetic_path: Path | None,
          output_dir: Path, reps: int | None, seed: int | None, budget: float | None,
          header: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """Return-to-poverty early warning (防返贫监测): who is likely to fall below the line.

    Every household's risk of falling below the line in the watch year and the year after
    comes from the engine, given its monitoring records; the official triggers (income below
    1.5 × the line, rigid spending above last year's income, a sharp income fall) flag
    households with their category and reason. The list joins the model's riskiest
    households (5 % of the registry's households) with every flagged one, one sheet per village.

    \b
    Examples:
      tuopin watch changchun-edge --write-monitoring records.csv -o out/watch
      tuopin watch changchun-edge --monitoring records.csv -o out/watch
      tuopin watch changchun-edge --backtest -o out/backtest
    """
    from simulator.watch.records import load_records, write_records

    loaded = load_scenario(scenario, overrides)
    registry = population_of(loaded, registry_path)
    if backtest:
        _backtest(loaded, registry, registry_path, year, worlds, reps, seed, output_dir,
                  as_json)
        return
    records = load_records(monitoring_path, registry) if monitoring_path is not None else None
    synthetic = None
    if synthetic_path is not None:
        from simulator.watch.backtest import default_year
        from simulator.watch.synthetic import simulated_records

        watch_year = year if year is not None else default_year(loaded)
        synthetic = simulated_records(loaded, registry, through=watch_year - 1, seed=seed)
        records = records if records is not None else synthetic
    from simulator.watch.watchlist import watch as make_list
    from simulator.watch.writing import write_watch_outputs

    watchlist = make_list(loaded, registry, records, year=year, reps=reps, seed=seed)
    summary = watchlist.summary()
    suggestions = None
    budget = float(loaded.budget.yearly_yuan[-1]) if budget is None else budget
    if budget > 0 and watchlist.year < int(loaded.calendar_years[-1]):
        from simulator.watch.support import suggest_support
        from simulator.watch.writing import support_summary

        suggestions = suggest_support(watchlist, budget)
        summary["suggested_support"] = support_summary(suggestions)
    with OutputRun(output_dir) as out:
        outputs = write_watch_outputs(watchlist, summary, out.directory, suggestions,
                                      header=header)
        record(out, outputs, provenance(loaded, registry_path, watchlist.seed,
                                          replications=watchlist.reps), as_json,
               summary=summary)
    if synthetic is not None:
        write_records(synthetic, registry, synthetic_path)
    if as_json:
        return
    says = console_language()
    echo_lines(_list_lines(summary, says))
    if synthetic is not None:
        click.echo(say("watch_synthetic_file", says, path=synthetic_path))
    click.echo(say("watch_wrote", says, directory=output_dir))


def _backtest(scenario, registry, registry_path, year, worlds, reps, seed, output_dir,
              as_json) -> None:
    from simulator.watch.backtest import backtest
    from simulator.watch.writing import write_backtest_outputs

    result = backtest(scenario, registry, year=year, worlds=worlds, reps=reps, seed=seed)
    summary = result.summary()
    with OutputRun(output_dir) as out:
        outputs = write_backtest_outputs(result, summary, out.directory)
        record(out, outputs, provenance(scenario, registry_path, result.seeds[0],
                                          replications=reps), as_json, summary=summary)
    if as_json:
        return
    says = console_language()
    echo_lines(_backtest_lines(summary, says))
    click.echo(say("backtest_wrote", says, directory=output_dir))


def _support_lines(support: dict, lang: str) -> list[str]:
    return ["  " + say("watch_support", lang, budget=support["budget_yuan"] / YUAN_PER_WAN,
                       households=support["households_supported"],
                       cost=support["cost_yuan"] / YUAN_PER_WAN,
                       kept=support["expected_households_kept_above_line"],
                       without=support["without_support"])]


def _list_lines(summary: dict, lang: str) -> list[str]:
    flagged = joined([say("watch_flag", lang, name=name, n=n)
                      for name, n in summary["flagged_by_rules"].items()], lang)
    recal = summary["recalibration"]
    lines = [say("watch_head", lang, scenario=summary["scenario"], year=summary["watch_year"],
                 line=summary["line_yuan_per_capita"]),
             "  " + say("watch_listed", lang, listed=summary["households_listed"],
                        model=summary["list_size_model_households"], flagged=flagged),
             "  " + say("watch_below", lang, n=summary["expected_households_below_line"])]
    if recal["fitted_on"] is not None:
        lines.append("  " + say("watch_recalibrated", lang, year=recal["fitted_on"],
                                slope=recal["slope"]))
    if "suggested_support" in summary:
        lines += _support_lines(summary["suggested_support"], lang)
    if summary["records"]["synthetic"]:
        lines.append("  " + say("watch_synthetic", lang))
    return lines


def _backtest_lines(summary: dict, lang: str) -> list[str]:
    def pct(block: dict) -> str:
        low, high = block["interval_95"]
        return say("percent_interval", lang, mean=block["mean"], low=low, high=high)

    gain = summary["recall_gain_model_over_rules_points"]
    calibration = summary["calibration_by_decile"]
    precision, recall = summary["precision_at_k_percent"], summary["recall_at_k_percent"]
    return [
        say("backtest_head", lang, scenario=summary["scenario"], year=summary["watch_year"],
            worlds=summary["worlds"], k=summary["list_size_households"]),
        "  " + say("backtest_precision", lang, model=pct(precision["model"]),
                   rules=pct(precision["rules"])),
        "  " + say("backtest_recall", lang, model=pct(recall["model"]),
                   rules=pct(recall["rules"])),
        "  " + say("backtest_gain", lang, mean=gain["mean"], low=gain["ci95"][0],
                   high=gain["ci95"][1]),
        "  " + say("backtest_calibration", lang, inside=sum(r["inside"] for r in calibration),
                   n=len(calibration)),
        "  " + say("backtest_synthetic", lang),
    ]
