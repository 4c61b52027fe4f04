"""Scenario files (TOML) → validated :class:`~simulator.scenario.model.Scenario`.

A scenario may start with ``extends = "ruyuan-2016.toml"``: the named file (looked up beside the
extending file, then among the bundled scenarios) is loaded first and the extending file's tables
are merged over it, key by key; arrays are replaced whole. ``--set dotted.path=value`` overrides
are applied last and validated exactly like file contents. Every problem names the file (or the
``--set`` option) its value came from.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simulator.errors import Problem, ScenarioError, did_you_mean
from simulator.files import sha256_of_text
from simulator.scenario.model import Origin, Scenario
from simulator.schema import ProblemCollector, build, sections_of, to_plain, walk

SCENARIO_SUFFIX = ".toml"


def bundled_scenarios_dir() -> Path:
    """Directory of the bundled scenarios: package data when installed, else ``scenarios/``."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "scenarios"
    if installed.is_dir():
        return installed
    return package_dir.parent / "scenarios"


def bundled_scenarios() -> list[Path]:
    """Every bundled scenario file, sorted by name."""
    return sorted(bundled_scenarios_dir().glob(f"*{SCENARIO_SUFFIX}"))


def resolve_scenario_path(name: str | Path, relative_to: Path | None = None) -> Path:
    """Find a scenario file by path, or by name among the bundled scenarios.

    ``name`` may be a path (absolute, or relative to ``relative_to`` / the working directory),
    or a bundled scenario's name with or without ``.toml`` (``ruyuan-2016``).
    """
    name = Path(name)
    candidates = []
    if relative_to is not None and not name.is_absolute():
        candidates.append(relative_to / name)
    candidates.append(name)
    bundled = bundled_scenarios_dir()
    candidates.append(bundled / name.name)
    if name.suffix != SCENARIO_SUFFIX:
        candidates.append(bundled / (name.name + SCENARIO_SUFFIX))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    known = [p.name for p in bundled_scenarios()] + [p.stem for p in bundled_scenarios()]
    raise ScenarioError([Problem("", "scenario file not found; bundled scenarios are: "
                                 + ", ".join(p.name for p in bundled_scenarios())
                                 + did_you_mean(name.name, known), str(name))])


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a :class:`ScenarioError` naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"expected a UTF-8 text file, found an undecodable byte at offset {exc.start} "
            "(save the file as UTF-8)", str(path)) from exc
    if not text.strip():
        raise ScenarioError("the file is empty; a scenario needs at least a name and a "
                            "population (or `extends = \"ruyuan-2016.toml\"`)", str(path))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", str(path)) from exc


def _merge(base: dict[str, Any], over: dict[str, Any], origins: dict[str, str], label: str,
           prefix: str = "") -> dict[str, Any]:
    """Merge ``over`` onto ``base`` (tables key by key, anything else replaced)."""
    merged = dict(base)
    for key, value in over.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, origins, label, path)
        else:
            merged[key] = value
            for known in [p for p in origins if p == path or p.startswith(path + ".")]:
                del origins[known]
            origins[path] = label
    return merged


def _record(data: dict[str, Any], origins: dict[str, str], label: str, prefix: str = "") -> None:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _record(value, origins, label, path)
        else:
            origins[path] = label


def _load_chain(path: Path, origins: dict[str, str], chain: list[Path]) -> dict[str, Any]:
    """Load ``path`` and, recursively, the files it extends."""
    resolved = path.resolve()
    if resolved in [p.resolve() for p in chain]:
        cycle = " → ".join(p.name for p in [*chain, path])
        raise ScenarioError(f"`extends` goes round in a circle: {cycle}", str(chain[0]))
    chain.append(path)
    data = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        _record(data, origins, str(path))
        return data
    if not isinstance(parent, str):
        raise ScenarioError([Problem("extends", "expected the name of a scenario file (text), "
                                     f"found {parent!r}", str(path))])
    try:
        parent_path = resolve_scenario_path(parent, relative_to=path.parent)
    except ScenarioError as exc:
        raise ScenarioError([Problem("extends", f"{parent!r} (looked for beside this file, then "
                                     f"among the bundled scenarios): {p.message}", str(path))
                             for p in exc.problems]) from exc
    base = _load_chain(parent_path, origins, chain)
    return _merge(base, data, origins, str(path))


def settable_paths() -> dict[str, str]:
    """Dotted paths ``--set`` accepts, each with what its value must look like."""
    paths = {e.path: e.type_text for e in walk(Scenario) if "[]" not in e.path}
    return paths


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``dotted.path=value``; the value is read as TOML, else taken as text."""
    if "=" not in text:
        raise ScenarioError([Problem("", f"expected dotted.path=value, found {text!r}",
                                     f"--set {text}")])
    path, _, value_text = text.partition("=")
    path = path.strip()
    value_text = value_text.strip()
    try:
        value = tomllib.loads(f"value = {value_text}")["value"]
    except tomllib.TOMLDecodeError:
        value = value_text  # bare text such as a name: `--set name=Ruyuan PV-heavy`
    return path, value


def _apply_overrides(data: dict[str, Any], overrides: Sequence[str],
                     origins: dict[str, str]) -> dict[str, Any]:
    known = settable_paths()
    problems = []
    for text in overrides:
        path, value = parse_override(text)
        label = f"--set {text}"
        if path not in known:
            near = did_you_mean(path, known)
            if not near:
                leaf = path.rsplit(".", 1)[-1]
                homes = [p for p in known if p.rsplit(".", 1)[-1] == leaf]
                near = f" (did you mean `{homes[0]}`?)" if homes else ""
            problems.append(Problem(path, "unknown field" + near, label))
            continue
        keys = path.split(".")
        nested: dict[str, Any] = {keys[-1]: value}
        for key in reversed(keys[:-1]):
            nested = {key: nested}
        data = _merge(data, nested, origins, label)
    if problems:
        raise ScenarioError(problems)
    return data


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>",
                       origins: dict[str, str] | None = None) -> Scenario:
    """Validate a parsed scenario table and build the :class:`Scenario`.

    Raises
    ------
    ScenarioError
        Listing every problem, each with its source, dotted path, rule and found value.
    """
    origins = origins or {}

    def source_of(path: str) -> str:
        probe = re.sub(r"\[\d+\]", "", path)  # arrays are replaced whole, so drop indices
        while probe:
            if probe in origins:
                return origins[probe]
            probe = probe.rpartition(".")[0]
        return source

    collector = ProblemCollector(source_of)
    scenario = build(Scenario, data, "", collector)
    if collector.problems:
        raise ScenarioError([Problem(path, _locate(path, message), src or source)
                             for path, message, src in collector.problems])
    return scenario


def _locate(path: str, message: str) -> str:
    """Add "it belongs in …" to an unknown key that exists elsewhere in the schema."""
    if message != "unknown key":
        return message
    leaf = path.rsplit(".", 1)[-1].split("[")[0]
    homes = sorted({e.path.rsplit(".", 1)[0] for e in walk(Scenario)
                    if e.path.rsplit(".", 1)[-1] == leaf and "." in e.path}
                   | {p.rsplit(".", 1)[0] for p, _ in sections_of(Scenario)
                      if p.rsplit(".", 1)[-1] == leaf and "." in p})
    if homes:
        return f"unknown key here (`{leaf}` belongs in [{homes[0]}])"
    return message


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge (``extends``), override (``--set``) and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        Scenario file, or the name of a bundled scenario (``"ruyuan-2016"``).
    overrides : iterable of str
        ``dotted.path=value`` strings, applied after the files, validated the same way.

    Returns
    -------
    Scenario
        Frozen and validated; ``scenario.origin`` records the files, overrides and a hash of
        the resolved content.
    """
    overrides = tuple(overrides)
    file_path = resolve_scenario_path(path)
    origins: dict[str, str] = {}
    chain: list[Path] = []
    data = _load_chain(file_path, origins, chain)
    data = _apply_overrides(data, overrides, origins)
    scenario = scenario_from_dict(data, str(file_path), origins)
    registry_path = None
    if scenario.population.registry is not None:
        registry_source = origins.get("population.registry", str(file_path))
        base = Path(registry_source).parent if not registry_source.startswith("--set") \
            else Path.cwd()
        registry_path = base / scenario.population.registry
    resolved_text = json.dumps(to_plain(scenario), sort_keys=True, ensure_ascii=False)
    origin = Origin(path=file_path, files=tuple(chain), overrides=overrides,
                    sha256=sha256_of_text(resolved_text), registry_path=registry_path)
    return dataclasses.replace(scenario, origin=origin)
