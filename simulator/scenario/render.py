"""Scenarios and the schema as text: ``tuopin show`` and ``tuopin show --defaults``."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, get_args, get_origin

import tomli_w

from simulator.scenario.model import Scenario
from simulator.schema import (
    field_doc,
    schema_fields,
    to_plain,
    walk,
)


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML (after ``extends`` and ``--set``)."""
    header = []
    origin = scenario.origin
    if origin is not None and origin.path is not None:
        header.append(f"# resolved from {origin.path}")
        for extra in origin.files[1:]:
            header.append(f"#   which extends {extra}")
        for override in origin.overrides:
            header.append(f"#   with --set {override}")
        header.append(f"# sha256 of the resolved scenario: {origin.sha256}")
    body = tomli_w.dumps(to_plain(scenario), multiline_strings=False)
    return ("\n".join(header) + "\n\n" if header else "") + body


def _toml_value(value: Any) -> str:
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _describe(cls: type, prefix: str, lines: list[str], array: bool = False) -> None:
    hints = typing.get_type_hints(cls)
    leaves = []
    nested = []
    for f in schema_fields(cls):
        tp = hints[f.name]
        inner = [a for a in get_args(tp) if a is not type(None)] or [tp]
        target = inner[0] if get_origin(tp) is not tuple else tp
        if dataclasses.is_dataclass(target):
            nested.append((f, target, False))
        elif get_origin(target) is tuple and dataclasses.is_dataclass(get_args(target)[0]):
            nested.append((f, get_args(target)[0], True))
        else:
            leaves.append(f)
    entries = {e.path: e for e in walk(cls, prefix)}
    if leaves:
        if prefix:
            lines.append(f"[[{prefix}]]" if array else f"[{prefix}]")
        for f in leaves:
            entry = entries[f"{prefix}.{f.name}" if prefix else f.name]
            doc = field_doc(f)
            unit = f" [{doc.unit}]" if doc.unit else ""
            lines.append(f"# {doc.doc}{unit}")
            lines.append(f"#   expected: {entry.type_text}; source: {doc.source}")
            if entry.default is None:
                lines.append(f"# {f.name} = …  (optional, no default)")
            else:
                lines.append(f"{'# ' if array else ''}{f.name} = {_toml_value(entry.default)}")
        lines.append("")
    for f, target, is_array in nested:
        path = f"{prefix}.{f.name}" if prefix else f.name
        doc = field_doc(f)
        lines.append(f"# ── {path}: {doc.doc}" + (f" Source: {doc.source}." if doc.source else ""))
        _describe(target, path, lines, array=is_array or array)


def schema_as_toml() -> str:
    """The whole schema as a commented TOML file of defaults: every field's meaning, unit,
    allowed values, default and source. Arrays of tables are shown commented out."""
    lines = ["# tuopin scenario schema: every field with its default, unit and source.",
             "# Fields shown commented out have no default or belong to an array of tables.",
             ""]
    _describe(Scenario, "", lines)
    return "\n".join(lines).rstrip() + "\n"


def schema_as_records() -> list[dict[str, Any]]:
    """The schema as one record per field (for ``--json``)."""
    return [{"path": e.path, "expected": e.type_text,
             "default": to_plain(e.default) if e.default is not None else None,
             "unit": e.doc.unit, "doc": e.doc.doc, "source": e.doc.source}
            for e in walk(Scenario)]
