"""Commands that check and show inputs: ``validate``, ``show``, ``population``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from simulator.cli.base import (
    cli,
    console_language,
    emit_json,
    json_option,
    registry_option,
    set_option,
)
from simulator.console import (
    calibration_records,
    calibration_text,
    describe_population,
    registry_notes,
)
from simulator.console_words import say
from simulator.files import (
    record_outputs,
)
from simulator.outputs import OutputError, check_output_path
from simulator.population import calibration_table, population_of
from simulator.registry import columns_table, load_registry, write_registry
from simulator.scenario import bundled_scenarios, load_scenario
from simulator.scenario.render import scenario_to_toml, schema_as_records, schema_as_toml
from simulator.writers import (
    provenance,
)


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@set_option
@registry_option
@json_option
def validate(scenarios: tuple[str, ...], overrides: tuple[str, ...], registry_path: Path | None,
             as_json: bool) -> None:
    """Check scenario files (and a registry file) and report every problem.

    SCENARIOS are files or names of bundled scenarios. Exit code 1 if anything is wrong.

    \b
    Example:
      tuopin validate scenarios/ruyuan-2016.toml --registry households.csv
    """
    results = []
    says = console_language()
    for name in scenarios:
        scenario = load_scenario(name, overrides)
        entry: dict[str, Any] = {"scenario": str(scenario.origin.path), "name": scenario.name,
                                 "ok": True}
        years = scenario.calendar_years
        text = say("valid", says, path=scenario.origin.path, name=scenario.display_name(says),
                   first=years[0], last=years[-1], plan_years=scenario.horizon.plan_years)
        registry = None
        if registry_path is not None or scenario.population.registry is not None:
            registry = population_of(scenario, registry_path)
            text += say("valid_registry", says, population=describe_population(registry, says))
            entry["registry"] = {"households": registry.n_households,
                                 "people": registry.n_people, "source": registry.source,
                                 "ignored_columns": list(registry.ignored_columns)}
            entry["notes"] = registry_notes(registry, scenario, says)
        else:
            spec = scenario.population.synthetic
            text += say("valid_synthetic", says, households=sum(s.households for s in spec.strata),
                        people=sum(s.people for s in spec.strata))
        results.append(entry)
        if not as_json:
            click.echo(text)
            for note in entry.get("notes", []):
                click.echo("  " + say("note", says, text=note))
    if as_json:
        emit_json({"ok": True, "scenarios": results})


@cli.command()
@click.argument("scenario", required=False)
@set_option
@registry_option
@click.option("--defaults", is_flag=True,
              help="Print the whole schema: every field with its default, unit and source.")
@click.option("--columns", is_flag=True, help="Print the registry column and alias table.")
@json_option
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
            emit_json({"schema": schema_as_records()})
        else:
            click.echo(schema_as_toml(), nl=False)
        return
    if columns:
        if as_json:
            from simulator.registry import COLUMNS
            emit_json({"columns": [{"name": c.name, "zh": c.zh, "required": c.required,
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
        emit_json({"scenario": to_plain(loaded), "sha256": loaded.origin.sha256,
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
@set_option
@registry_option
@json_option
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
        emit_json({"ok": True, "output": output, "manifest": manifest,
                    "households": registry.n_households, "people": registry.n_people,
                    "seed": seed, "calibration": calibration_records(rows),
                    "calibrated": all(r.ok for r in rows)})
        return
    says = console_language()
    click.echo(say("wrote_registry", says, output=output,
                   population=describe_population(registry, says)))
    if rows:
        click.echo(calibration_text(rows, says))
        failed = [r for r in rows if not r.ok]
        if failed:
            click.echo(say("aggregates_off", says, n=len(failed)), err=True)
    for note in registry_notes(registry, loaded, says):
        click.echo(say("note", says, text=note))
