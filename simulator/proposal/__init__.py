"""Budget proposals (预算方案) a county office can file: optimise, evaluate honestly, test the
plan's sensitivity, and write one self-contained HTML document and one xlsx workbook.

    proposal = propose(load_scenario("ruyuan-2016"))
    write_proposal(proposal, "out/", lang="zh")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.proposal.content import Proposal, Table
from simulator.registry import Registry
from simulator.scenario.model import Scenario

SENSITIVITY_REPLICATIONS = 40
"""Replications of each sensitivity run (at most the proposal's own): the tornado chart needs
paired differences, which are precise with far fewer replications than the levels."""

FORMATS = ("html", "xlsx", "docx", "pdf")
"""Documents a proposal can be written as (PDF needs Chromium, which prints the HTML)."""

DEFAULT_FORMATS = ("html", "xlsx", "docx")


def propose(scenario: Scenario, *, registry: Registry | None = None, reps: int | None = None,
            seed: int | None = None, workers: int = 1, allocation=None,
            sensitivity_reps: int | None = None, frontier: bool = True,
            progress=None) -> Proposal:
    """Optimise ``scenario`` (unless ``allocation`` is given) and gather the proposal.

    Parameters
    ----------
    scenario : Scenario
    registry : Registry, optional
        Households (default: the scenario's population).
    reps, seed : int, optional
        Replications and seed of the optimisation (default: the scenario's ``simulation``);
        the evaluation uses seed + ``optimizer.evaluation_seed_offset``.
    allocation : AllocationResult, optional
        An optimisation already run (``optimize(...)``), reused as it is.
    sensitivity_reps : int, optional
        Replications per sensitivity run (default: the smaller of the evaluation's and
        :data:`SENSITIVITY_REPLICATIONS`).
    frontier : bool
        Work out how much to ask for: the budget–added-stable-exits frontier and the smallest
        budget meeting the exit targets (``optimize(..., frontier=True)``; a given
        ``allocation`` is used as it is).
    progress : callable, optional
        ``progress(done, total)`` or a :class:`simulator.progress.StageReporter`.
    """
    from simulator.optimizer.solve import optimize
    from simulator.progress import stage
    from simulator.sensitivity import sensitivity

    if allocation is None:
        allocation = optimize(scenario, registry=registry, reps=reps, seed=seed,
                              workers=workers, frontier=frontier, progress=progress)
    evaluation = allocation.evaluation_set.result
    sensitivity_reps = sensitivity_reps or min(evaluation.reps, SENSITIVITY_REPLICATIONS)
    # The plan's own run is the central case: its first replications are those of a shorter
    # run with the same seed (random numbers are laid out replication-major).
    central = allocation.plan_run.added_stable_exits(0)[:sensitivity_reps] \
        if sensitivity_reps <= evaluation.reps else None
    _central, rows = sensitivity(allocation.scenario, allocation.plan, allocation.registry,
                                 reps=sensitivity_reps, seed=evaluation.seed, central=central,
                                 workers=workers,
                                 progress=stage(progress, "sensitivity", unit="simulations"),
                                 choice=(allocation.candidates.packages,
                                         allocation.optimised.choice))
    return Proposal(allocation=allocation, sensitivity=rows,
                    sensitivity_reps=sensitivity_reps)


def proposal_figures(proposal: Proposal, lang: str) -> dict:
    """The proposal's charts (matplotlib figures) by name."""
    from simulator import plots

    result = proposal.plan_result
    return {"outlays_by_year": plots.outlays_by_year(result, lang=lang),
            "exits_by_year": plots.exits_by_year(result, lang=lang),
            "income_fan": plots.income_fan(result, lang=lang),
            "comparison": plots.baseline_comparison(proposal.allocation, lang=lang),
            "tornado": plots.tornado(proposal.sensitivity, lang=lang),
            **({"frontier": plots.frontier(proposal.allocation, lang=lang)}
               if proposal.allocation.frontier else {})}


def write_proposal(proposal: Proposal, output_dir: str | Path, *, lang: str = "zh",
                   formats: Sequence[str] = DEFAULT_FORMATS,
                   summary: dict[str, Any] | None = None) -> list[Path]:
    """Write ``proposal.html``, ``.xlsx``, ``.docx`` and/or ``.pdf``, ``summary.json``,
    ``allocation.csv``
    and the charts (PNG and SVG) into ``output_dir``, each file atomically. ``summary`` is
    ``proposal.summary()``, passed in by a caller that has it already."""
    from simulator.files import (
        CHART_FORMATS,
        atomic_write_bytes,
        figure_bytes,
        write_json,
        write_table,
    )
    from simulator.proposal.html import render_html
    from simulator.proposal.text import word
    from simulator.proposal.xlsx import render_xlsx

    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown proposal format {', '.join(unknown)}; known: "
                         f"{', '.join(FORMATS)}")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = proposal.summary() if summary is None else summary
    tables = proposal.tables(summary, lang)
    # Each chart is drawn once per format and the bytes shared by the HTML (SVG), the Word
    # document (PNG) and the chart files: drawing dominates the time a proposal takes to write.
    figures = {name: {fmt: figure_bytes(figure, fmt) for fmt in CHART_FORMATS}
               for name, figure in proposal_figures(proposal, lang).items()}
    outputs = []
    html = render_html(proposal, summary, tables, figures, lang) \
        if {"html", "pdf"} & set(formats) else ""
    if "html" in formats:
        path = output_dir / "proposal.html"
        atomic_write_bytes(path, html.encode("utf-8"))
        outputs.append(path)
    if "docx" in formats:
        from simulator.proposal.docx import render_docx

        path = output_dir / "proposal.docx"
        atomic_write_bytes(path, render_docx(proposal, summary, tables, figures, lang))
        outputs.append(path)
    if "pdf" in formats:
        from simulator.proposal.pdf import render_pdf

        path = output_dir / "proposal.pdf"
        atomic_write_bytes(path, render_pdf(html))
        outputs.append(path)
    if "xlsx" in formats:
        path = output_dir / "proposal.xlsx"
        county = proposal.scenario.county or proposal.scenario.display_name(lang)
        atomic_write_bytes(path, render_xlsx(tables, word("title", lang, county=county)))
        outputs.append(path)
    outputs.append(write_json(output_dir / "summary.json", summary))
    # The Chinese proposal's household list speaks Chinese (headers, categories, packages in
    # words); it still reads back as a plan (`tuopin simulate --plan`). English keeps the codes.
    households = (tables["households"].as_columns() if lang == "zh"
                  else proposal.allocation_table)
    outputs.append(write_table(output_dir / "allocation.csv", households))
    return outputs + write_charts(figures, output_dir)


def write_charts(figures: dict[str, dict[str, bytes]], output_dir: Path) -> list[Path]:
    """Each chart's rendered formats as ``<name>.<format>`` files, atomically."""
    from simulator.files import atomic_write_bytes

    written = []
    for stem, rendered in figures.items():
        for fmt, data in rendered.items():
            path = output_dir / f"{stem}.{fmt}"
            atomic_write_bytes(path, data)
            written.append(path)
    return written


__all__ = ["DEFAULT_FORMATS", "FORMATS", "Proposal", "Table", "proposal_figures", "propose",
           "write_charts", "write_proposal"]
