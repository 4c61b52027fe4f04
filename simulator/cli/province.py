"""``tuopin province``: a province fund split among its counties, on one machine or a Dask
cluster."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.base import cli, console_language, json_option, lang_option, record
from simulator.console import runner_text, yuan_text
from simulator.console_words import say
from simulator.files import sha256_of, write_json, write_table
from simulator.outputs import OutputRun
from simulator.scenario.model import MAX_REPLICATIONS
from simulator.writers import provenance


@cli.command()
@click.argument("province_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for summary.json, allocation.csv, counties.csv "
                                  "and the province proposal (proposal.html, proposal.xlsx, "
                                  "charts).")
@click.option("--cluster", metavar="local[:N]|ADDRESS",
              help="Run the counties on Dask: 'local' or 'local:N' starts a LocalCluster of N "
                   "worker processes; tcp://host:port uses a running scheduler. Without it, "
                   "every county runs in this process. Results are identical either way.")
@click.option("--reps", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Monte Carlo replications (default: the province file's).")
@click.option("--seed", type=int, help="Root seed (default: the province file's).")
@lang_option
@json_option
def province(province_file: Path, output_dir: Path, cluster: str | None, reps: int | None,
             seed: int | None, lang: str, as_json: bool) -> None:
    """Split a province fund among its counties and allocate within each.

    The province file lists its counties (a scenario each, with a registry or a synthetic size)
    and the rows that couple them: the province fund for each plan year and earmarks. Writes
    summary.json (province headline, each county's budget and shadow price, the province rows'
    duals, the simple rules with the same money), allocation.csv (every household of every
    county), counties.csv, and a province proposal: proposal.html (one self-contained page to
    print or send), proposal.xlsx and its charts.

    \b
    Example:
      tuopin province scenarios/provinces/example-province.toml -o out/province
      tuopin province my-province.toml --cluster local:4 -o out/province
    """
    from simulator.province import load_province, optimize_province
    from simulator.province.proposal import write_province_proposal

    loaded = load_province(province_file)

    def progress(stage: str) -> None:
        if not as_json:
            click.echo(f"{stage} …", err=True)

    result = optimize_province(loaded, cluster=cluster, reps=reps, seed=seed,
                               progress=progress)
    summary = result.summary()
    made = provenance(None, None, result.seed, replications=result.reps)
    made.pop("registry")  # each county's: its scenario's, or synthetic
    made["province"] = {"path": str(province_file), "sha256": sha256_of(province_file)}
    with OutputRun(output_dir) as out:
        written = [write_json(out.directory / "summary.json", summary),
                   write_table(out.directory / "allocation.csv", result.allocation_table()),
                   write_table(out.directory / "counties.csv", result.county_table()),
                   *write_province_proposal(summary, loaded, out.directory, lang=lang)]
        record(out, written, made, as_json, run_record={**result.timings,
                                                         "runner": result.runner},
               summary=summary)
    if as_json:
        return
    added = summary["added_stable_exits"]
    in_sample = summary["in_sample"]
    says = console_language()
    click.echo(say("province", says, name=loaded.name_zh, counties=summary["counties"],
                   households=summary["households"],
                   runner=runner_text(result.runner, says)))
    click.echo("  " + say("province_added", says, mean=added["mean"], low=added["ci95"][0],
                          high=added["ci95"][1],
                          cost=yuan_text(summary["cost_per_added_stable_exit_yuan"], says),
                          net=yuan_text(summary["net_cost_per_added_stable_exit_yuan"], says)))
    click.echo("  " + say("province_bound", says, objective=in_sample["objective"],
                          bound=in_sample["bound"], gap=100 * in_sample["gap"]))
    for name, county in summary["by_county"].items():
        click.echo("  " + say("province_county", says, name=name,
                              budget=yuan_text(sum(county["budget_yuan"].values()), says),
                              added=county["added_stable_exits"]["mean"]))
    click.echo(say("wrote", says, n=len(written), directory=output_dir))
