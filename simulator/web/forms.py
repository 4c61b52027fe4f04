"""The settings form, generated from the scenario schema.

Which fields a planner changes is configuration (:data:`FORM_SECTIONS`); everything a field
shows — its name, unit, meaning, allowed range, source and kind of input — comes from the
schema (:func:`simulator.schema.walk`) and its Chinese texts
(:func:`simulator.parameter_texts.parameter_text`). A submitted form becomes ``dotted.path=value``
overrides, validated by :func:`simulator.scenario.load_scenario` exactly as ``--set`` is, so a
wrong value is reported by the schema's own rule, at its field.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args, get_origin

from simulator.errors import Problem
from simulator.labels import instrument as instrument_name
from simulator.messages import range_zh
from simulator.parameter_texts import parameter_text, value_text
from simulator.scenario.loader import parse_override
from simulator.scenario.model import INSTRUMENT_KEYS, Scenario
from simulator.schema import FieldDoc, SchemaEntry, value_at, walk
from simulator.units import YUAN_PER_WAN
from simulator.web.words import word

FORM_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("budgets", ("budget.yearly_yuan", "policy.exit_targets_share_of_people")),
    ("rules", ("optimizer.goal", "budget.rule", "budget.confidence", "optimizer.objective")),
    ("capacities", ("capacities.pv_land_kw", "capacities.pv_sites_per_township_max",
                    "capacities.job_slots_per_year", "capacities.loan_risk_fund_yuan",
                    "policy.household_cap_yuan", "capacity_costs.job_slots_per_year",
                    "capacity_costs.pv_land_kw")),
    ("assumptions", ("instruments.equity.dividend_rate",
                     "instruments.equity.failure_probability_over_term",
                     "instruments.equity.principal_recovery_share",
                     "instruments.pv.tariff_yuan_per_kwh",
                     "instruments.employment.wage_yuan_per_month")),
    ("simulation", ("simulation.replications", "simulation.seed")),
)
"""The fields a planner changes, by section of the page."""

SHOWN_IN_WAN = frozenset({"budget.yearly_yuan", "capacities.loan_risk_fund_yuan",
                          "policy.household_cap_yuan"})
"""Amounts the page shows in 万元 (the unit of budget documents) instead of yuan."""

OFFERED_PATH = "optimizer.instruments"
"""The field the instrument switches set: the instruments the county offers."""

INPUT_PREFIX = "f:"
SWITCH_PREFIX = "on:"
SWITCHES_SUBMITTED = "switches"
"""Names of the form's inputs: ``f:<dotted.path>`` (``[i]`` appended for a list item) and
``on:<instrument key>``."""

Kind = Literal["number", "integer", "choice", "list"]


@dataclass(frozen=True)
class FormField:
    """One input of the form, with what the page shows beside it."""

    path: str
    kind: Kind
    label: str
    unit: str
    meaning: str
    source: str
    range_text: str
    values: tuple[str, ...]
    """Current value(s) as shown (one per list item; 万元 where :data:`SHOWN_IN_WAN`)."""
    item_labels: tuple[str, ...] = ()
    """Labels of a list's items (its plan years)."""
    choices: tuple[tuple[str, str], ...] = ()
    """(code, words) of a choice."""
    optional: bool = False
    """Left empty, the field keeps the scenario's value (for a capacity: no limit)."""

    def input_name(self, index: int | None = None) -> str:
        return f"{INPUT_PREFIX}{self.path}" + ("" if index is None else f"[{index}]")


@dataclass(frozen=True)
class Switch:
    """An instrument the county may offer or not."""

    key: str
    label: str
    on: bool
    idle: bool = False
    """Offered, but no household of the registry may take it (relocation with no village
    listed, posts with none per village): switching it on does nothing, and the page says so."""


@cache
def _entries() -> dict[str, SchemaEntry]:
    return {e.path: e for e in walk(Scenario)}


@cache
def _types() -> dict[str, Any]:
    """The Python type of every leaf field, by dotted path (``X | None`` read as ``X``)."""
    found: dict[str, Any] = {}

    def visit(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if "doc" not in f.metadata:
                continue
            tp = hints[f.name]
            if get_origin(tp) in (typing.Union, types.UnionType):
                tp = next(a for a in get_args(tp) if a is not type(None))
            path = f"{prefix}.{f.name}" if prefix else f.name
            if dataclasses.is_dataclass(tp):
                visit(tp, path)
            else:
                found[path] = tp

    visit(Scenario, "")
    return found


def _kind(path: str) -> Kind:
    tp = _types()[path]
    if get_origin(tp) is tuple:
        return "list"
    if get_origin(tp) is Literal:
        return "choice"
    return "integer" if tp is int else "number"


def _scale(path: str) -> float:
    """Schema units per shown unit."""
    return YUAN_PER_WAN if path in SHOWN_IN_WAN else 1.0


def _shown(value: Any, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | str):
        return str(value)
    number = value / _scale(path)
    return f"{number:g}" if isinstance(number, float) and not number.is_integer() \
        else f"{int(number)}"


def _range_text(doc: FieldDoc, path: str, lang: str) -> str:
    text = doc.range_text()
    if path in SHOWN_IN_WAN and text:
        return ""  # the range is in yuan; in 万元 it would read differently
    return range_zh(text) if lang == "zh" else text


def form_fields(scenario: Scenario, lang: str) -> list[tuple[str, list[FormField]]]:
    """The form's sections (their titles) and fields, filled with ``scenario``'s values."""
    sections = []
    years = [str(int(y)) for y in scenario.calendar_years[:scenario.horizon.plan_years]]
    for key, paths in FORM_SECTIONS:
        fields = []
        for path in paths:
            entry = _entries()[path]
            text = parameter_text(path, lang)  # type: ignore[arg-type]
            kind = _kind(path)
            value = value_at(scenario, path)
            unit = word("wan", lang) if path in SHOWN_IN_WAN else text.unit
            choices: tuple[tuple[str, str], ...] = ()
            if kind == "choice":
                codes = get_args(_types()[path])
                words = parameter_text(path, "zh").values if lang == "zh" else {}
                choices = tuple((str(c), words.get(str(c), str(c))) for c in codes)
            if kind == "list":
                shown = tuple(_shown(v, path) for v in value)
                shown = (shown + ("",) * len(years))[:len(years)]
            else:
                shown = (_shown(value, path),)
            fields.append(FormField(
                path=path, kind=kind, label=text.name if lang == "zh" else path,
                unit=unit, meaning=text.meaning, source=text.source,
                range_text=_range_text(entry.doc, path, lang), values=shown,
                item_labels=tuple(years) if kind == "list" else (), choices=choices,
                optional=entry.default is None))
        sections.append((word(f"section_{key}", lang), fields))
    return sections


def switches(scenario: Scenario, lang: str, registry: Any = None) -> list[Switch]:
    """Every instrument, with whether ``scenario`` offers it (``optimizer.instruments``) and,
    given the ``registry``, whether any household may take it."""
    from simulator.interventions import INSTRUMENTS

    offered = value_at(scenario, OFFERED_PATH)
    modules = {m.KEY: m for m in INSTRUMENTS}
    out = []
    for key in INSTRUMENT_KEYS:
        on = key in offered
        idle = bool(on and registry is not None and key in modules
                    and not modules[key].eligible(registry, scenario).any())
        out.append(Switch(key, instrument_name(key, lang), on, idle))  # type: ignore[arg-type]
    return out


def _number_text(text: str) -> str:
    return text.strip().replace(",", "").replace("，", "")


def _is_share(path: str) -> bool:
    """Whether a field holds a share (0–1), which a planner may type as a percentage."""
    return _entries()[path].doc.unit.startswith("share")


def _toml_item(text: str, path: str) -> str:
    """One submitted value as TOML in schema units; text that is not a number stays text, so
    the schema reports it (``expected a number, found 'abc' (text)``). A share may be typed as
    a percentage: "33.3%" and "33.3" are 0.333."""
    return _typed_number(text, _scale(path), share=_is_share(path),
                         integer=_item_is_integer(path))


def _typed_number(text: str, scale: float = 1.0, *, share: bool = False,
                  integer: bool = False) -> str:
    """A typed number (separators and a % sign allowed) times ``scale`` as TOML, or the text
    itself quoted when it is not a finite number, for the schema to report. A ``share`` typed
    with % or above 1 (up to :data:`PERCENT_MAX`) is a percentage."""
    cleaned = _number_text(text)
    percent = cleaned.endswith(("%", "％"))
    try:  # in decimal, so that 33.3 % is 0.333 and 80 万 is 800000, not a binary neighbour
        typed = decimal.Decimal(cleaned.rstrip("%％").strip()) * decimal.Decimal(str(scale))
        if share and (percent or 1 < typed <= PERCENT_MAX):
            typed /= 100
        number = float(typed)
    except (ArithmeticError, ValueError):  # decimal's own errors (1e999999) among them
        return json.dumps(text.strip(), ensure_ascii=False)
    if not math.isfinite(number):
        return json.dumps(text.strip(), ensure_ascii=False)
    return str(int(number)) if integer and number.is_integer() else repr(number)


PERCENT_MAX = 100.0
"""A share typed above 1 and at most this can only be a percentage (33.3 → 0.333)."""


def _item_is_integer(path: str) -> bool:
    tp = _types()[path]
    if get_origin(tp) is tuple:
        tp = get_args(tp)[0]
    return tp is int


def overrides_from_form(form: Mapping[str, str], scenario: Scenario) -> list[str]:
    """``dotted.path=value`` overrides for the fields whose submitted value differs from
    ``scenario``'s (empty inputs keep the scenario's value), switches included."""
    overrides: dict[str, str] = {}
    for _key, paths in FORM_SECTIONS:
        for path in paths:
            kind = _kind(path)
            current = value_at(scenario, path)
            if kind == "list":
                count = scenario.horizon.plan_years
                items = [str(form.get(f"{INPUT_PREFIX}{path}[{i}]", "")) for i in range(count)]
                if not any(item.strip() for item in items):
                    continue
                toml = "[" + ", ".join(_toml_item(item, path) for item in items) + "]"
                shown_now = [_shown(v, path) for v in current]
                if [_number_text(item) for item in items] != shown_now:
                    overrides[path] = toml
                continue
            text = str(form.get(f"{INPUT_PREFIX}{path}", "")).strip()
            if not text or text == _shown(current, path):
                continue
            overrides[path] = json.dumps(text, ensure_ascii=False) if kind == "choice" \
                else _toml_item(text, path)
    if SWITCHES_SUBMITTED in form:  # an unticked box sends nothing: the marker says it was shown
        offered = [key for key in INSTRUMENT_KEYS
                   if form.get(f"{SWITCH_PREFIX}{key}") is not None]
        if set(offered) != set(value_at(scenario, OFFERED_PATH)):
            overrides[OFFERED_PATH] = json.dumps(offered)
    return [f"{path}={value}" for path, value in overrides.items()]


def setting_text(override: str, lang: str) -> str:
    """A ``path=value`` override's value as a planner reads it: amounts in 万元, shares as
    percentages, anything else as the proposal's parameter table writes it ("80、60 万元"
    rather than ``[800000.0, 600000.0]``; a choice in words)."""
    path, value = parse_override(override)
    items = value if isinstance(value, list) else [value]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
    joiner = "、" if lang == "zh" else ", "
    if numbers and path in SHOWN_IN_WAN:
        return joiner.join(f"{v / _scale(path):,g}" for v in items) + " " + word("wan", lang)
    if numbers and path in _entries() and _is_share(path):
        return joiner.join(f"{v:.1%}" for v in items)
    try:
        return value_text(path, value, lang)  # type: ignore[arg-type]
    except KeyError:  # a field the Chinese texts do not name
        return str(value)


ENTERPRISES_PATH = "instruments.equity.enterprises"
"""The enterprises that take equity: edited row by row on the settings page."""

ENTERPRISE_PREFIX = "e:"
"""Form names of the enterprise rows: ``e:{row}:name``, ``e:{row}:absorption``,
``e:{row}:dividend_rate``."""

NEW_ENTERPRISE_ROWS = 1
"""Empty rows offered for another enterprise."""


@dataclass(frozen=True)
class EnterpriseRow:
    """One enterprise as the form shows it: absorption in 万元, dividend rate in per cent ("" to
    use the scheme's rate)."""

    index: int
    name: str
    absorption_wan: str
    dividend_percent: str


def enterprise_rows(scenario: Scenario) -> list[EnterpriseRow]:
    """The scenario's enterprises, then :data:`NEW_ENTERPRISE_ROWS` empty rows."""
    rows = [EnterpriseRow(i, e.name, f"{e.absorption_yuan / YUAN_PER_WAN:g}",
                          "" if e.dividend_rate is None else f"{e.dividend_rate * 100:g}")
            for i, e in enumerate(value_at(scenario, ENTERPRISES_PATH))]
    return rows + [EnterpriseRow(len(rows) + k, "", "", "") for k in range(NEW_ENTERPRISE_ROWS)]


def enterprise_overrides(form: Mapping[str, str], scenario: Scenario) -> list[str]:
    """The enterprises as the form has them, as one override when they differ from the
    scenario's: a row with no name is dropped (emptying a name removes the enterprise); an
    amount that is not a number is passed on as text, so the schema reports it in place."""
    rows, index = [], 0
    while f"{ENTERPRISE_PREFIX}{index}:name" in form:
        cell = {key: _number_text(str(form.get(f"{ENTERPRISE_PREFIX}{index}:{key}", "")))
                for key in ("absorption", "dividend_rate")}
        name = str(form[f"{ENTERPRISE_PREFIX}{index}:name"]).strip()
        if name:
            rows.append((name, cell["absorption"], cell["dividend_rate"]))
        index += 1
    shown = [(r.name, r.absorption_wan, r.dividend_percent)
             for r in enterprise_rows(scenario) if r.name]
    if not index or rows == shown:
        return []
    tables = []
    for name, absorption, rate in rows:
        parts = [f"name = {json.dumps(name, ensure_ascii=False)}"]
        if absorption:
            parts.append(f"absorption_yuan = {_typed_number(absorption, YUAN_PER_WAN)}")
        if rate:  # typed in per cent, with or without the sign
            parts.append(f"dividend_rate = {_typed_number(rate.rstrip('%％'), 0.01)}")
        tables.append("{" + ", ".join(parts) + "}")
    return [f"{ENTERPRISES_PATH}=[{', '.join(tables)}]"]


def settings_toml(scenario: str, overrides: tuple[str, ...], name: str, note: str) -> str:
    """A run's settings as a scenario file a planner keeps and opens again (upload it as the
    scenario): the scenario it starts from, then each changed field as a dotted key."""
    lines = [f"# {line}" for line in (name, note) if line]
    lines.append(f"extends = {json.dumps(scenario, ensure_ascii=False)}")
    if name:
        lines.append(f"name_zh = {json.dumps(name, ensure_ascii=False)}")
    lines += [f"{path.strip()} = {value.strip()}"
              for path, _, value in (o.partition("=") for o in overrides)]
    return "\n".join(lines) + "\n"


PREVIEW = "preview"
PRECISION_FIELD = "precision"
"""The form's choice between 正式 (the scenario's replications) and 预览 (a quick run)."""

RUN_NAME_FIELD, RUN_NOTE_FIELD = "run_name", "run_note"
"""The form's fields for the planner's name and note of a run."""


PRECISION_PATHS = ("simulation.preview", "simulation.replications")
"""The fields a 预览 run sets (:func:`precision_overrides`)."""


def precision_overrides(form: Mapping[str, str]) -> list[str]:
    """The overrides of a 预览 run: few replications, and the mark on every document."""
    from simulator.web.settings import PREVIEW_REPLICATIONS

    if form.get(PRECISION_FIELD) != PREVIEW:
        return []
    return ["simulation.preview=true", f"simulation.replications={PREVIEW_REPLICATIONS}"]


def is_preview(overrides: Sequence[str]) -> bool:
    return "simulation.preview=true" in overrides


def apart_from_precision(overrides: Sequence[str]) -> tuple[str, ...]:
    """A run's settings but for how precisely it is run: a preview and a 正式 run of the same
    plan have the same."""
    return tuple(o for o in overrides if o.partition("=")[0].strip() not in PRECISION_PATHS)


def problems_by_field(problems: list[Problem], lang: str = "en") -> dict[str, list[str]]:
    """Each problem's message under the form field it belongs to (``budget.yearly_yuan[1]``
    belongs to ``budget.yearly_yuan``), in the page's language; problems of no field are under
    ``""``."""
    from simulator.messages import problem_line

    known = {path for _key, paths in FORM_SECTIONS for path in paths} | {ENTERPRISES_PATH}
    placed: dict[str, list[str]] = {}
    for problem in problems:
        field = problem.where.split("[", 1)[0]
        placed.setdefault(field if field in known else "", []).append(
            problem_line(dataclasses.replace(problem, source=""), lang))
    return placed
