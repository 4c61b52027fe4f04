"""What the result pages show, read from a finished run's files: the cover figures, the
household list with its filters, one household's page and two runs side by side.

Everything here was computed by the run (:mod:`simulator.web.worker`); this module only picks,
labels, filters and lays out — the paired difference of two runs is
:func:`simulator.statistics.paired`.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from simulator import labels
from simulator.scenario.loader import parse_override
from simulator.statistics import paired
from simulator.units import YUAN_PER_WAN
from simulator.vocabulary import CATEGORY_LABELS_ZH
from simulator.web.runs import Run
from simulator.web.settings import (
    CHART_HEIGHT,
    CHART_LEVELS,
    CHART_MARGIN,
    CHART_WIDTH,
    CHARTS,
    DOWNLOAD_STEMS,
    DOWNLOADS,
    INCOME_BAND,
    MAX_DOWNLOAD_NAME_CHARACTERS,
    TABLE_PAGE_ROWS,
    TECHNICAL_FILES,
    WEB_PATHS,
    WEB_RESULTS,
)


def number_text(value: Any) -> str:
    """A figure as the page shows it: whole numbers with separators, others to one decimal."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def nice_step(rough: float) -> float:
    """The round number (1, 2 or 5 times a power of ten) at or above ``rough``: the spacing
    of a chart's grid lines."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def category_text(code: str, lang: str) -> str:
    return CATEGORY_LABELS_ZH.get(code, code) if lang == "zh" else code


@dataclass(frozen=True)
class Filters:
    """The allocation table's search and filters (values as the table holds them)."""

    q: str = ""
    township: str = ""
    village: str = ""
    category: str = ""
    package: str = ""
    page: int = 1


class Results:
    """A finished run's results, read once from its output folder."""

    def __init__(self, run: Run) -> None:
        self.run = run
        directory = run.output_dir
        self.summary: dict[str, Any] = json.loads(
            (directory / "summary.json").read_text(encoding="utf-8"))
        self.web: dict[str, Any] = json.loads(
            (directory / WEB_RESULTS).read_text(encoding="utf-8"))

    @cached_property
    def paths(self) -> dict[str, np.ndarray]:
        with np.load(self.run.output_dir / WEB_PATHS) as data:
            return {name: data[name] for name in data.files}

    # -- overview ---------------------------------------------------------------------------

    def cover(self, lang: str) -> list[tuple[str, Any]]:
        """The proposal's cover figures (label, value) in ``lang``."""
        return [(row[0], row[1]) for row in self.web["cover"]["en" if lang == "en" else "zh"]]

    def charts(self) -> list[str]:
        """The chart files (SVG) this run has."""
        return [f"{name}.svg" for name in CHARTS
                if (self.run.output_dir / f"{name}.svg").is_file()]

    def downloads(self) -> list[str]:
        return [name for name in DOWNLOADS if (self.run.output_dir / name).is_file()]

    @property
    def preview(self) -> bool:
        """Whether the run was a preview (its documents are marked not for filing)."""
        return bool(self.web.get("preview"))

    def against_formal(self, formal: Results) -> dict[str, Any]:
        """A preview's interval of added stable exits against the answer of a 正式 run of the
        same inputs: whether that answer lies outside it (a preview optimises on few
        replications, and its interval covers only its own plan's spread)."""
        mine, theirs = self.headline(), formal.headline()
        return {"number": formal.run.number, "formal": theirs["added"],
                "low": mine["low"], "high": mine["high"],
                "outside": not mine["low"] <= theirs["added"] <= mine["high"]}

    def headline(self) -> dict[str, Any]:
        """What the runs list shows of a finished run: stable exits added (whole households,
        with the interval) and the money asked [万元]."""
        added = self.summary["added_stable_exits"]
        asked = self.summary.get("request", {}).get("total_yuan")
        return {"added": round(added["mean"]), "low": round(added["ci95"][0]),
                "high": round(added["ci95"][1]),
                "asked_wan": None if asked is None else round(asked / YUAN_PER_WAN)}

    def main_downloads(self) -> list[str]:
        """The documents a planner files or forwards."""
        return [name for name in self.downloads() if name not in TECHNICAL_FILES]

    def technical_downloads(self) -> list[str]:
        """Files for analysts and scripts (summary.json, manifest.json)."""
        return [name for name in self.downloads() if name in TECHNICAL_FILES]

    def download_name(self, name: str) -> str:
        """The name a file is saved under: {县}_{方案}_{计算名称}_{日期}_第N次_预算方案.xlsx (the
        planner's name for the run when there is one), so that the files of different runs do
        not overwrite one another in a downloads folder."""
        stem, _, suffix = name.rpartition(".")
        if stem not in DOWNLOAD_STEMS:
            return name
        county = self.web["scenario"].get("county") or ""
        plan = self.web["scenario"]["zh"]
        day = time.strftime("%Y%m%d", time.localtime(self.run.finished or time.time()))
        if county and plan.startswith(county):
            county = ""  # the plan's name names the county already
        parts = [p for p in (county, plan, self.run.name.strip(), day, f"第{self.run.number}次",
                             DOWNLOAD_STEMS[stem]) if p]
        return _safe_file_name("_".join(parts)) + "." + suffix

    def scenario_name(self, lang: str) -> str:
        return self.web["scenario"]["en" if lang == "en" else "zh"]

    # -- households -------------------------------------------------------------------------

    @property
    def table(self) -> dict[str, list[Any]]:
        return self.web["households"]

    @property
    def count(self) -> int:
        return len(self.table["household_id"])

    def options(self, lang: str) -> dict[str, list[tuple[str, str]]]:
        """(value, words) of each filter."""
        table = self.table
        towns = sorted(set(table["township"]))
        villages = sorted(set(zip(table["township"], table["village"], strict=True)))
        return {
            "township": [(t, t) for t in towns],
            "village": [(f"{t}/{v}", f"{t} {v}") for t, v in villages],
            "category": [(c, category_text(c, lang)) for c in sorted(set(table["category"]))],
            "package": [(p, labels.package(p, lang))  # type: ignore[arg-type]
                        for p in sorted(set(table["package"]))],
        }

    def matching(self, filters: Filters) -> list[int]:
        """Indices of the households that pass ``filters``."""
        table = self.table
        needle = filters.q.strip().lower()
        names = table.get("head_name", [""] * self.count)
        found = []
        for i in range(self.count):
            if filters.township and table["township"][i] != filters.township:
                continue
            if filters.village and f"{table['township'][i]}/{table['village'][i]}" \
                    != filters.village:
                continue
            if filters.category and table["category"][i] != filters.category:
                continue
            if filters.package and table["package"][i] != filters.package:
                continue
            if needle and not any(needle in str(text).lower() for text in (
                    table["household_id"][i], names[i], table["village"][i],
                    table["township"][i])):
                continue
            found.append(i)
        return found

    def page_of(self, filters: Filters) -> tuple[list[int], int, int]:
        """The households on the page ``filters`` asks for, how many match, and the pages."""
        found = self.matching(filters)
        pages = max(1, -(-len(found) // TABLE_PAGE_ROWS))
        page = min(max(filters.page, 1), pages)
        start = (page - 1) * TABLE_PAGE_ROWS
        return found[start:start + TABLE_PAGE_ROWS], len(found), pages

    def plan_cost(self, i: int) -> float:
        return sum(float(self.table[f"cost_{y}"][i]) for y in self.web["plan_years"])

    def row(self, i: int, lang: str) -> dict[str, Any]:
        """Household ``i`` as the table and its page show it."""
        table = self.table
        return {
            "index": i,
            "household_id": table["household_id"][i],
            "head_name": table.get("head_name", [""] * self.count)[i],
            "township": table["township"][i],
            "village": table["village"][i],
            "category": category_text(table["category"][i], lang),
            "size": table["size"][i],
            "package": labels.package(table["package"][i], lang),  # type: ignore[arg-type]
            "package_code": table["package"][i],
            "costs": [(y, table[f"cost_{y}"][i]) for y in self.web["plan_years"]],
            "cost": self.plan_cost(i),
            "p_stable": table["p_stable_exit"][i],
            "p_none": table["p_stable_exit_without_support"][i],
            "best_other": labels.package(table["best_other_package"][i],  # type: ignore[arg-type]
                                         lang),
            "p_best_other": table["p_stable_exit_best_other"][i],
            "cost_best_other": table["cost_best_other"][i],
            "reason": self.web["reasons"]["en" if lang == "en" else "zh"][i],
        }

    def index_of(self, household_id: str) -> int | None:
        try:
            return self.table["household_id"].index(household_id)
        except ValueError:
            return None

    def income_chart(self, i: int) -> dict[str, Any]:
        """Household ``i``'s income paths under its package and the best other one, and the
        exit line, laid out on a :data:`CHART_WIDTH` × :data:`CHART_HEIGHT` SVG."""
        years = self.web["calendar_years"]
        series = {name: {part: self.paths[f"{name}_{part}"][i] for part in
                         ("mean", "low", "high")} for name in ("plan", "alternative")}
        line = np.asarray(self.web["exit_line"], dtype=float)
        highest = max(float(np.max([s["high"].max() for s in series.values()])), line.max())
        step = nice_step(highest / CHART_LEVELS)
        top = step * max(1, math.ceil(highest / step))
        width, height, margin = CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN
        span = max(len(years) - 1, 1)

        def x(j: int) -> float:
            return margin + (width - 2 * margin) * j / span

        def y(value: float) -> float:
            return height - margin - (height - 2 * margin) * value / top

        def points(values: Any) -> str:
            return " ".join(f"{x(j):.1f},{y(float(v)):.1f}" for j, v in enumerate(values))

        drawn = {}
        for name, parts in series.items():
            band = points(parts["high"]) + " " + " ".join(
                f"{x(j):.1f},{y(float(v)):.1f}" for j, v in reversed(list(enumerate(parts["low"]))))
            drawn[name] = {"mean": points(parts["mean"]), "band": band,
                           "values": [round(float(v)) for v in parts["mean"]]}
        ticks = [{"x": x(j), "label": str(year)} for j, year in enumerate(years)]
        levels = [{"y": y(step * k), "label": f"{step * k:,.0f}"}
                  for k in range(round(top / step) + 1)]
        return {"width": width, "height": height, "margin": margin, "series": drawn,
                "exit_line": points(line), "ticks": ticks, "levels": levels,
                "band": INCOME_BAND}


def comparable(a: Results, b: Results) -> bool:
    """Whether two runs can be paired: same seed, replications and households."""
    return (a.web["seed"] == b.web["seed"] and a.web["reps"] == b.web["reps"]
            and a.table["household_id"] == b.table["household_id"])


def comparison(a: Results, b: Results, lang: str) -> dict[str, Any]:
    """Two runs side by side: their cover figures, the difference of each, and the paired
    difference in added stable exits (B − A) when they ran on the same random numbers."""
    first = dict(a.cover(lang))
    second = dict(b.cover(lang))
    rows, texts = [], []
    for label in [*first, *(k for k in second if k not in first)]:
        va, vb = first.get(label), second.get(label)
        if isinstance(va, str) or isinstance(vb, str):
            # where the runs come from (data, date …): listed below when they differ
            if va != vb:
                texts.append((label, va or "—", vb or "—"))
            continue
        both = isinstance(va, int | float) and isinstance(vb, int | float)
        rows.append((label, va, vb, (vb - va) if both else None))
    pair = paired(np.asarray(b.web["added_stable_exits"]),
                  np.asarray(a.web["added_stable_exits"])) if comparable(a, b) else None
    return {"rows": rows, "paired": pair, "reps": a.web["reps"],
            "settings": changed_settings(a.run.overrides, b.run.overrides), "texts": texts}


def changed_settings(a: tuple[str, ...], b: tuple[str, ...]
                     ) -> list[tuple[str, str | None, str | None]]:
    """The settings two runs set differently: (field, A's override, B's override), None where a
    run kept the scenario's own value."""
    first = {parse_override(o)[0]: o for o in a}
    second = {parse_override(o)[0]: o for o in b}
    return [(path, first.get(path), second.get(path)) for path in sorted({*first, *second})
            if (first.get(path) and parse_override(first[path])[1])
            != (second.get(path) and parse_override(second[path])[1])]


def output_file(run: Run, name: str) -> Path | None:
    """The file ``name`` of ``run``'s outputs when it is one a planner may fetch (a download or
    a chart), else None: the name is looked up in a fixed list, never joined as given."""
    allowed = {*DOWNLOADS, *(f"{chart}.svg" for chart in CHARTS)}
    if name not in allowed:
        return None
    path = run.output_dir / name
    return path if path.is_file() else None


def _safe_file_name(text: str) -> str:
    """``text`` without the characters a file name cannot hold on Windows or Linux."""
    return re.sub(r'[\\/:*?"<>|\s]+', "", text)[:MAX_DOWNLOAD_NAME_CHARACTERS]
