"""The bibliography and the Chinese parameter texts: every figure's source is one the reader can
look up, and the Chinese documents say all of it in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator import bibliography
from simulator.bibliography import CITATION, cited_keys, render
from simulator.bibliography import bibliography as sources
from simulator.calibration.targets import load_targets
from simulator.parameter_texts import chinese_texts, value_text
from simulator.proposal.content import APPENDIX_SKIPS
from simulator.scenario import bundled_scenarios, load_scenario
from simulator.scenario.model import Scenario
from simulator.schema import walk
from simulator.sensitivity import ASSUMPTIONS

ROOT = Path(__file__).resolve().parent.parent

ALLOWED_LATIN = {"kW", "kWh", "kWp", "HiGHS", "CBC"}
"""Latin words a Chinese text may hold: units and the names of the two solvers."""


def latin_words(text: str) -> set[str]:
    """Latin words in ``text`` once citations are taken out, besides the allowed ones."""
    text = CITATION.sub("", text)
    return {w for w in re.findall(r"[A-Za-z]+", text) if w not in ALLOWED_LATIN}


def appendix_paths() -> list[str]:
    return [e.path for e in walk(Scenario)
            if "[]" not in e.path and not e.path.startswith(APPENDIX_SKIPS)]


# -- the bibliography ---------------------------------------------------------------------------


def test_every_source_can_be_found_and_reads_in_chinese() -> None:
    entries = sources()
    assert len(entries) > 30
    for key, source in entries.items():
        assert source.grade in ("H", "M", "L"), key
        assert source.url.startswith(("http://", "https://")) or source.where, \
            f"{key}: neither an address nor where to find it"
        assert not latin_words(source.short_zh), f"{key}: short_zh {source.short_zh!r}"
        for text in (source.title_zh or source.title, source.by_zh or source.by,
                     source.date_zh or source.date):
            assert not latin_words(text), f"{key}: {text!r} is not Chinese"
    shorts = [s.short_zh for s in entries.values()]
    assert len(set(shorts)) == len(shorts), "two sources share a Chinese short name"


def test_docs_sources_page_is_written_from_the_bibliography() -> None:
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert page == bibliography.markdown(), "run `python -m simulator.bibliography`"


def test_render_replaces_known_citations_only() -> None:
    text = "[Ruyuan2016 §一(三)] and [Liu2023]; [NotAKey] stays"
    zh = render(text, "zh")
    assert "〔乳源三年攻坚方案 §一(三)〕" in zh
    assert sources()["Liu2023"].short_zh in zh
    assert "[NotAKey]" in zh
    assert render(text, "en").startswith("[Ruyuan three-year plan §一(三)]")


def _cites_only_known(text: str, where: str) -> None:
    unknown = bibliography.unknown_citations(text)
    assert not unknown, f"{where} cites {unknown}, which are not in the bibliography"


def test_every_citation_in_code_scenarios_and_targets_is_in_the_bibliography() -> None:
    for entry in walk(Scenario):
        _cites_only_known(entry.doc.source, entry.path)
        _cites_only_known(entry.doc.doc, entry.path)
    for assumption in ASSUMPTIONS:
        _cites_only_known(assumption.source + assumption.source_zh, assumption.path)
    for path in [*(ROOT / "scenarios").glob("*.toml"), *(ROOT / "scenarios").glob("*/*.toml")]:
        _cites_only_known(path.read_text(encoding="utf-8"), str(path))
    targets = load_targets(ROOT / "scenarios" / "targets" / "ruyuan-2016.toml")
    for target in targets.targets:
        assert cited_keys(target.source), f"target {target.name} cites no source"


def test_no_source_points_at_files_a_reader_does_not_have() -> None:
    """Sources cite the bibliography, not working notes of the project."""
    pattern = re.compile(r"seeds? 00\d|parameters\.md|domain(\.md| §)|shared/|issue \d",
                         re.IGNORECASE)
    files = [*(ROOT / "simulator").rglob("*.py"), *(ROOT / "simulator").rglob("*.toml"),
             *(ROOT / "scenarios").rglob("*.toml"), ROOT / "README.md",
             *(ROOT / "docs").glob("*.md"), *(ROOT / "notebooks").glob("*.ipynb")]
    for path in files:
        hits = [m.group(0) for m in pattern.finditer(path.read_text(encoding="utf-8"))]
        assert not hits, f"{path.relative_to(ROOT)} mentions {hits}"


# -- Chinese parameter texts --------------------------------------------------------------------


def test_every_appendix_parameter_has_its_chinese_text() -> None:
    texts = chinese_texts()
    assert set(appendix_paths()) <= set(texts), \
        f"no Chinese text for {sorted(set(appendix_paths()) - set(texts))}"
    stale = set(texts) - {e.path for e in walk(Scenario)}
    assert not stale, f"Chinese texts of fields that no longer exist: {sorted(stale)}"
    names = [texts[p].name for p in appendix_paths()]
    assert len(set(names)) == len(names), "two parameters share a Chinese name"


@pytest.mark.parametrize("path", appendix_paths())
def test_chinese_text_is_chinese_and_cites_what_the_english_cites(path: str) -> None:
    entry = next(e for e in walk(Scenario) if e.path == path)
    text = chinese_texts()[path]
    for part in (text.name, text.unit, text.meaning, text.source, *text.values.values()):
        assert not latin_words(part), f"{path}: {part!r} holds {latin_words(part)}"
    assert set(cited_keys(text.source)) == set(cited_keys(entry.doc.source)), path
    assert text.source.startswith("估计") == entry.doc.source.startswith("guess"), \
        f"{path}: one language calls it a guess and the other does not"


def test_every_text_code_has_chinese_words() -> None:
    """A parameter whose value is a code (``national``, ``confidence``, an income source…)
    shows each code in words in the Chinese appendix."""
    for entry in walk(Scenario):
        if entry.path not in chinese_texts():
            continue
        codes = _codes(entry)
        missing = [c for c in codes if value_text(entry.path, c, "zh") == c]
        assert not missing, f"{entry.path}: no Chinese words for {missing}"


def _codes(entry) -> list[str]:
    """The text codes a field's type allows ("one of 'national', 'exit'"), and for the plan
    rule the instrument keys."""
    if entry.path.startswith("plan."):
        from simulator.interventions import BY_KEY

        return list(BY_KEY)
    if "one of" not in entry.type_text:
        return []
    return re.findall(r"'([^']+)'", entry.type_text)


def test_values_read_as_words_in_chinese() -> None:
    scenario = load_scenario("ruyuan-2016")
    assert value_text("safety_net.exit_line", scenario.safety_net.exit_line, "zh") == "国家扶贫标准"
    assert value_text("exit_rule.safety_net_exit", True, "zh") == "是"
    plan = value_text("plan.with_labour", list(scenario.plan.with_labour), "zh")
    assert "光伏收益" in plan and not latin_words(plan)
    assert value_text("budget.yearly_yuan", [50_000_000.0], "zh") == "50,000,000"


def test_sensitivity_sources_agree_across_languages() -> None:
    for assumption in ASSUMPTIONS:
        assert set(cited_keys(assumption.source)) == set(cited_keys(assumption.source_zh))
        assert not latin_words(assumption.source_zh), assumption.path
        assert not latin_words(assumption.label_zh), assumption.path


def test_bundled_scenarios_have_chinese_names_and_descriptions() -> None:
    for name in bundled_scenarios():
        scenario = load_scenario(name)
        assert scenario.name_zh and not latin_words(scenario.name_zh), name
        assert not latin_words(scenario.description_zh), name
        assert bool(scenario.description_zh) == bool(scenario.description), name


def test_calibrated_values_say_in_chinese_what_they_were_fitted_to() -> None:
    from simulator.calibration import load_targets
    from simulator.scenario import bundled_scenarios_dir

    scenario = load_scenario("ruyuan-2016")
    fitted = {p.path for p in load_targets(
        bundled_scenarios_dir() / "targets" / "ruyuan-2016.toml").parameters}
    assert fitted <= {note.path for note in scenario.sources}
    for note in scenario.sources:
        # fitted values say what they were fitted to; the raw scenario's own notes (where a
        # budget or a capacity comes from) are kept beside them
        if note.path in fitted:
            assert note.text_zh.startswith("按已公布数字校准"), note.path
        assert not latin_words(note.text_zh), note.text_zh
        assert set(cited_keys(note.text_zh)) >= {"Ruyuan2016"}
        assert scenario.source_of(note.path, "zh") == note.text_zh
