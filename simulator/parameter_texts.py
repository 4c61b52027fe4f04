"""Every scenario parameter's name, unit, meaning and source in Chinese, for Chinese documents.

The schema (:mod:`simulator.scenario.model` and the instruments) documents each field in
English; ``simulator/data/parameters_zh.toml`` holds the same in Chinese, keyed by the field's
dotted path, with the same citations of the bibliography (:mod:`simulator.bibliography`). A
test checks that every field a proposal lists has its Chinese entry and that both languages cite
the same sources.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from simulator import bibliography
from simulator.labels import Language


@dataclass(frozen=True)
class ParameterText:
    """One field in one language."""

    name: str
    unit: str
    meaning: str
    source: str
    values: dict[str, str] = field(default_factory=dict)
    """Chinese words for the field's text codes (e.g. ``national`` → 国家扶贫标准)."""


@cache
def chinese_texts() -> dict[str, ParameterText]:
    """Every field's Chinese text, by dotted path: ``data/parameters_zh.toml``, and the texts
    instrument modules carry in their own fields (``param(..., zh=...)``)."""
    from simulator.scenario.model import Scenario
    from simulator.schema import walk

    text = resources.files("simulator").joinpath("data/parameters_zh.toml").read_text("utf-8")
    texts = {path: ParameterText(**entry) for path, entry in tomllib.loads(text).items()}
    for entry in walk(Scenario):
        if entry.path not in texts and entry.doc.zh is not None:
            texts[entry.path] = ParameterText(**entry.doc.zh)
    return texts


@cache
def code_words_zh() -> dict[str, str]:
    """Chinese words of the codes instruments declare: their keys (a plan rule lists them) and
    the income sources they introduce."""
    from simulator.interventions import INSTRUMENTS

    words = {m.KEY: m.LABEL_ZH for m in INSTRUMENTS}
    words.update({name: source.zh for m in INSTRUMENTS for name, source in m.SOURCES.items()
                  if source.zh})
    return words


def parameter_text(path: str, lang: Language) -> ParameterText:
    """The name, unit, meaning and source of the field at ``path`` in ``lang``. English comes from
    the schema (the name is then the path itself, which a scenario file uses)."""
    if lang == "zh":
        return chinese_texts()[path]
    return _english_texts()[path]


@cache
def _english_texts() -> dict[str, ParameterText]:
    """Every field's English text, by dotted path (the schema walked once)."""
    from simulator.scenario.model import Scenario
    from simulator.schema import walk

    return {entry.path: ParameterText(entry.path, entry.doc.unit, entry.doc.doc,
                                      entry.doc.source) for entry in walk(Scenario)}


def value_text(path: str, value: Any, lang: Language) -> str:
    """A parameter value as a reader of ``lang`` reads it: numbers as written, yes/no, and text
    codes in words (是/否 and the Chinese words of ``values`` in Chinese)."""
    words = chinese_texts()[path].values if lang == "zh" and path in chinese_texts() else {}
    if lang == "zh":
        words = {**code_words_zh(), **words}
    return _value(value, words, lang)


def _value(value: Any, words: dict[str, str], lang: Language) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, list | tuple):
        if not value:
            return "（无）" if lang == "zh" else "(none)"
        tables = any(isinstance(v, dict) for v in value)
        sep = ("；" if tables else "、") if lang == "zh" else ("; " if tables else ", ")
        return sep.join(_value(v, words, lang) for v in value)
    if isinstance(value, dict):  # one row of a table array, e.g. an enterprise: its values
        return ("：" if lang == "zh" else ": ").join(_value(v, words, lang)
                                                    for v in value.values())
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 10_000:
            return f"{int(value):,}"  # 40,000,000 rather than 4e+07
        return f"{value:g}"
    if isinstance(value, str):
        return words.get(value, value)
    return str(value)


def source_text(text: str, lang: Language) -> str:
    """A source note with its citations as the bibliography's short names in ``lang``."""
    return bibliography.render(text, lang)
