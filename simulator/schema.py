"""The machinery that makes the scenario schema its own documentation.

Each scenario section is a frozen dataclass. Each field is declared with :func:`param`, which
records its unit, meaning, source and allowed range next to its default — the one home of every
number. :func:`build` turns parsed TOML into those dataclasses, collecting every problem (unknown
keys with a "did you mean", wrong types, values out of range) instead of stopping at the first,
so a clerk fixes a file in one pass. :func:`describe` prints the whole schema (``tuopin show
--defaults``).

Supported field types: ``int``, ``float``, ``bool``, ``str``, ``Literal[...]``, ``X | None``
(may be left out), ``tuple[T, ...]`` (a TOML array) and nested section dataclasses, alone or in
a tuple (a TOML array of tables).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field
from typing import Any, Literal, get_args, get_origin

from simulator.errors import did_you_mean

Report = Callable[[str, str], None]
"""Callback ``report(dotted_path, message)`` used to collect problems."""


@dataclass(frozen=True)
class FieldDoc:
    """Documentation and rules of one scenario field."""

    unit: str
    doc: str
    source: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    zh: dict[str, Any] | None = None
    """The field in Chinese (name, unit, meaning, source and, for text codes, their words),
    when its module carries it rather than ``simulator/data/parameters_zh.toml``."""

    def range_text(self) -> str:
        """The allowed range in words, e.g. ``in [0, 1]`` or ``≥ 0``."""
        low = f"[{_num(self.ge)}" if self.ge is not None else (
            f"({_num(self.gt)}" if self.gt is not None else None)
        high = f"{_num(self.le)}]" if self.le is not None else (
            f"{_num(self.lt)})" if self.lt is not None else None)
        if low and high:
            return f"in {low}, {high}"
        if low:
            return ("≥ " if self.ge is not None else "> ") + low[1:]
        if high:
            return ("≤ " if self.le is not None else "< ") + high[:-1]
        return ""

    def violated_by(self, value: float) -> bool:
        """Whether ``value`` falls outside the allowed range (NaN always does)."""
        if isinstance(value, float) and math.isnan(value):
            return True
        return ((self.ge is not None and value < self.ge)
                or (self.gt is not None and value <= self.gt)
                or (self.le is not None and value > self.le)
                or (self.lt is not None and value >= self.lt))


def _num(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else f"{int(value)}"
    return f"{value:g}"


def param(default: Any, *, unit: str, doc: str, source: str, ge: float | None = None,
          gt: float | None = None, le: float | None = None, lt: float | None = None,
          zh: dict[str, Any] | None = None) -> Any:
    """Declare a scenario field with its default, unit, meaning, source and allowed range, and
    optionally its Chinese texts (``zh``: name, unit, meaning, source, values) — an instrument
    module carries its own, so adding an instrument touches no shared file."""
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default,
                 metadata={"doc": FieldDoc(unit, doc, source, ge, gt, le, lt, zh)})


def section(cls: type, doc: str) -> Any:
    """Declare a nested section (a TOML table) whose fields all have defaults."""
    return field(default_factory=cls, metadata={"doc": FieldDoc("", doc, "")})


def table_array(doc: str, *, source: str = "", default: tuple[Any, ...] = ()) -> Any:
    """Declare an array of tables (``[[name]]`` in TOML), e.g. the strata of a population."""
    return field(default=default, metadata={"doc": FieldDoc("", doc, source)})


def assembled_section(name: str, fields: list[tuple[str, Any, Any]], doc: str,
                      module: str) -> type:
    """A section (frozen dataclass) assembled from fields other modules declare — each
    ``(name, type, param(...) or section(...))`` — such as ``[instruments]`` and
    ``[capacities]``, whose fields the instrument modules own."""
    cls = dataclasses.make_dataclass(name, fields, frozen=True)
    cls.__doc__ = doc
    cls.__module__ = module
    return cls


def schema_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields of section ``cls`` that belong to the schema (internal fields left out)."""
    return [f for f in dataclasses.fields(cls) if "doc" in f.metadata]


def field_doc(f: dataclasses.Field[Any]) -> FieldDoc:
    """The :class:`FieldDoc` of a dataclass field (every schema field has one)."""
    return f.metadata["doc"]


# ---------------------------------------------------------------------------------------------
# building sections from parsed TOML


def build(cls: type, data: Any, path: str, report: Report) -> Any:
    """Build section ``cls`` from ``data`` (a parsed TOML table), reporting every problem.

    Fields with problems fall back to their defaults so that checking can continue; the caller
    raises once all problems are collected. Cross-field checks (a ``check`` method on the
    section) run only when the section itself had no problems, so they never chase a typo.
    """
    if not isinstance(data, dict):
        report(path, f"expected a table, found {_found(data)}")
        return cls()
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in schema_fields(cls)}
    problems_before = _count(report)
    for key in data:
        if key not in known:
            hint = did_you_mean(key, known)
            if not hint and isinstance(data[key], dict):
                tables = [name for name, f in known.items()
                          if dataclasses.is_dataclass(typing.get_type_hints(cls)[name])]
                if tables:
                    hint = f" (known tables here: {', '.join(tables)})"
            report(_join(path, key), "unknown key" + hint)
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name not in data:
            continue
        values[name] = convert(hints[name], data[name], _join(path, name), report, f)
    try:
        instance = cls(**values)
    except TypeError as exc:  # a required field without default is missing
        report(path, str(exc))
        return None
    if _count(report) == problems_before and hasattr(instance, "check"):
        instance.check(path, report)
    return instance


def convert(tp: Any, value: Any, path: str, report: Report,
            f: dataclasses.Field[Any] | None = None) -> Any:
    """Convert one TOML value to type ``tp``; on a problem report it and return the default."""
    doc = f.metadata.get("doc") if f is not None else None
    fallback = _default_of(f)
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return convert(inner[0], value, path, report, f)
    if dataclasses.is_dataclass(tp):
        built = build(tp, value, path, report)
        return fallback if built is None else built
    if origin is tuple:
        item_type = get_args(tp)[0]
        if not isinstance(value, list):
            report(path, f"expected {expected_text(tp, doc)}, found {_found(value)}")
            return fallback
        items = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            before = _count(report)
            converted = convert(item_type, item, item_path, report)
            if _count(report) == before and doc is not None and isinstance(converted, float | int) \
                    and not isinstance(converted, bool) and doc.violated_by(converted):
                report(item_path, f"expected {expected_text(item_type, doc)}, found {_found(item)}")
            items.append(converted)
        return tuple(items)
    if origin is Literal:
        choices = get_args(tp)
        if value in choices and type(value) is type(choices[0]):
            return value
        hint = did_you_mean(value, [str(c) for c in choices]) if isinstance(value, str) else ""
        report(path, f"expected {expected_text(tp, doc)}, found {_found(value)}{hint}")
        return fallback
    ok = ((tp is bool and isinstance(value, bool))
          or (tp is int and isinstance(value, int) and not isinstance(value, bool))
          or (tp is float and isinstance(value, int | float) and not isinstance(value, bool))
          or (tp is str and isinstance(value, str)))
    if not ok:
        report(path, f"expected {expected_text(tp, doc)}, found {_found(value)}")
        return fallback
    if tp is float:
        value = float(value)
        if not math.isfinite(value):
            report(path, f"expected a finite number{_range_suffix(doc)}, found {value}")
            return fallback
    if tp in (int, float) and doc is not None and doc.violated_by(value):
        report(path, f"expected {expected_text(tp, doc)}, found {_found(value)}")
        return fallback
    if tp is str:
        bad = control_characters(value)
        if bad:
            report(path, f"expected text without control characters, found {bad} in "
                   f"{_found(value)}")
            return fallback
    return value


def control_characters(text: str) -> str:
    """The control characters in ``text`` (tab and newline allowed), written as escapes, or ''.

    They cannot be stored in a spreadsheet cell and garble a printed proposal."""
    found = sorted({c for c in text if (ord(c) < 32 and c not in "\t\n") or 127 <= ord(c) < 160})
    return ", ".join(repr(c) for c in found)


def _range_suffix(doc: FieldDoc | None) -> str:
    text = doc.range_text() if doc is not None else ""
    return f" {text}" if text else ""


def expected_text(tp: Any, doc: FieldDoc | None = None) -> str:
    """What a value of type ``tp`` must look like, in words."""
    origin = get_origin(tp)
    range_text = doc.range_text() if doc is not None else ""
    suffix = f" {range_text}" if range_text else ""
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return expected_text(inner[0], doc)
    if origin is tuple:
        item = get_args(tp)[0]
        if dataclasses.is_dataclass(item):
            return "an array of tables"
        if get_origin(item) is Literal:
            return f"a list whose items are each {expected_text(item)}"
        return f"a list of {_plural(expected_text(item))}{suffix}"
    if origin is Literal:
        return "one of " + ", ".join(f"'{c}'" if isinstance(c, str) else str(c)
                                     for c in get_args(tp))
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {bool: "true or false", int: "a whole number", float: "a number",
            str: "text"}.get(tp, str(tp)) + suffix


def _plural(text: str) -> str:
    for single, plural in (("a whole number", "whole numbers"), ("a number", "numbers"),
                           ("text", "texts"), ("true or false", "true/false values")):
        if text.startswith(single):
            return plural + text[len(single):]
    return text


def _found(value: Any) -> str:
    kind = {bool: "true/false", int: "whole number", float: "number", str: "text",
            list: "list", dict: "table"}.get(type(value), type(value).__name__)
    if isinstance(value, str):
        shown = repr(value) if len(value) <= 60 else repr(value[:57] + "...")
        return f"{shown} ({kind})"
    if isinstance(value, bool):
        return f"{str(value).lower()} ({kind})"
    if isinstance(value, dict | list):
        return f"a {kind}"
    return f"{value} ({kind})"


def _default_of(f: dataclasses.Field[Any] | None) -> Any:
    if f is None:
        return None
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class ProblemCollector:
    """A :data:`Report` callable that remembers problems and counts them."""

    def __init__(self, source_of: Callable[[str], str] = lambda path: "") -> None:
        self.problems: list[tuple[str, str, str]] = []
        self._source_of = source_of

    def __call__(self, path: str, message: str) -> None:
        self.problems.append((path, message, self._source_of(path)))

    def __len__(self) -> int:
        return len(self.problems)


def _count(report: Report) -> int:
    return len(report) if isinstance(report, ProblemCollector) else 0


# ---------------------------------------------------------------------------------------------
# walking the schema


@dataclass(frozen=True)
class SchemaEntry:
    """One leaf field of the schema, for documentation and for ``--set`` path checking."""

    path: str
    type_text: str
    default: Any
    doc: FieldDoc


def walk(cls: type, prefix: str = "") -> Iterator[SchemaEntry]:
    """Every leaf field of section ``cls``; arrays of tables appear as ``name[]``."""
    hints = typing.get_type_hints(cls)
    for f in schema_fields(cls):
        tp = hints[f.name]
        path = _join(prefix, f.name)
        inner = [a for a in get_args(tp) if a is not type(None)] \
            if get_origin(tp) in (typing.Union, types.UnionType) else [tp]
        target = inner[0]
        if dataclasses.is_dataclass(target):
            yield from walk(target, path)
        elif get_origin(target) is tuple and dataclasses.is_dataclass(get_args(target)[0]):
            yield SchemaEntry(path, "array of tables", _default_of(f), field_doc(f))
            yield from walk(get_args(target)[0], path + "[]")
        else:
            yield SchemaEntry(path, expected_text(tp, field_doc(f)), _default_of(f), field_doc(f))


def sections_of(cls: type, prefix: str = "") -> Iterator[tuple[str, FieldDoc]]:
    """Every nested section (table) path of ``cls`` with its documentation."""
    hints = typing.get_type_hints(cls)
    for f in schema_fields(cls):
        tp = hints[f.name]
        inner = [a for a in get_args(tp) if a is not type(None)] \
            if get_origin(tp) in (typing.Union, types.UnionType) else [tp]
        if dataclasses.is_dataclass(inner[0]):
            path = _join(prefix, f.name)
            yield path, field_doc(f)
            yield from sections_of(inner[0], path)


def to_plain(value: Any) -> Any:
    """A section as plain dicts/lists (``None`` fields left out), ready for TOML or JSON."""
    if dataclasses.is_dataclass(value):
        out = {}
        for f in schema_fields(type(value)):
            item = getattr(value, f.name)
            if item is None:
                continue
            out[f.name] = to_plain(item)
        return out
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def value_at(scenario: Any, path: str) -> Any:
    """The value at a dotted path of a scenario."""
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def with_value(scenario: Any, path: str, value: Any) -> Any:
    """A copy of ``scenario`` with the field at ``path`` replaced (frozen dataclasses)."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(scenario, **{head: value})
    return dataclasses.replace(scenario, **{head: with_value(getattr(scenario, head), rest,
                                                              value)})
