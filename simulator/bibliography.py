"""tuopin's bibliography: the published sources behind every default figure.

Sources live in ``simulator/data/bibliography.toml``. Anything that states where a figure comes
from — a scenario field's ``source``, a sensitivity range, a calibration target — cites an entry
as ``[Key]`` or ``[Key §section]``, e.g. ``[Ruyuan2016 §一(三)]``. Documents print the entry's
short name in their language and list the cited entries, with their addresses, at the end.

``python -m simulator.bibliography`` writes ``docs/sources.md`` from the same file.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

Language = Literal["zh", "en"]

CITATION = re.compile(r"\[([A-Z][A-Za-z0-9]*)(?: (§[^\]]+))?\]")
"""``[Key]`` or ``[Key §locator]``; the key starts with a capital letter."""

GRADES_EN = {"H": "official statistics, law or peer-reviewed",
             "M": "reputable press or local government",
             "L": "mirror, vendor page or unchecked figure"}
GRADES_ZH = {"H": "官方统计、法规或同行评议", "M": "权威媒体或地方政府",
             "L": "转载、商业网页或未核实数字"}
GRADE_WORDS_ZH = {"H": "高", "M": "中", "L": "低"}


@dataclass(frozen=True)
class Source:
    """One published source."""

    key: str
    short_zh: str
    short_en: str
    title: str
    by: str
    date: str
    url: str
    grade: str
    where: str = ""
    """How to find a source whose address was not recorded."""
    title_zh: str = ""
    """The title in Chinese, for sources whose title is not (only) Chinese."""
    by_zh: str = ""
    date_zh: str = ""

    def short(self, lang: Language) -> str:
        return self.short_zh if lang == "zh" else self.short_en

    def reference(self, lang: Language) -> str:
        """One line of a reference list: short name, title, issuer, date and address (the
        address is omitted when it was not recorded; the reference then says so)."""
        if lang == "zh":
            address = self.url or "（原网址未记录）"
            return (f"{self.short_zh}：{self.title_zh or self.title}。{self.by_zh or self.by}，"
                    f"{self.date_zh or self.date}。{address}")
        address = self.url or f"(address not recorded: {self.where})"
        return f"{self.short_en}: {self.title}. {self.by}, {self.date}. {address}"


@cache
def bibliography() -> dict[str, Source]:
    """Every source, by key, in the order of the file."""
    text = resources.files("simulator").joinpath("data/bibliography.toml").read_text("utf-8")
    return {key: Source(key=key, **entry) for key, entry in tomllib.loads(text).items()}


def cited_keys(text: str) -> list[str]:
    """Keys cited in ``text``, in order of first citation (unknown keys included)."""
    seen: dict[str, None] = {}
    for match in CITATION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def citations(text: str) -> list[str]:
    """The citations in ``text`` as written (``[Key §x]``), each once, in order."""
    return list(dict.fromkeys(match.group(0) for match in CITATION.finditer(text)))


def unknown_citations(text: str) -> list[str]:
    """Cited keys the bibliography does not hold."""
    known = bibliography()
    return [key for key in cited_keys(text) if key not in known]


def render(text: str, lang: Language) -> str:
    """``text`` with each ``[Key §x]`` replaced by the source's short name in ``lang``:
    ``〔乳源三年攻坚方案 §一(三)〕`` in Chinese, ``[Ruyuan three-year plan §一(三)]`` in English."""
    known = bibliography()
    left, right = ("〔", "〕") if lang == "zh" else ("[", "]")

    def replace(match: re.Match[str]) -> str:
        source = known.get(match.group(1))
        if source is None:  # not a citation (e.g. a bracketed word): leave it alone
            return match.group(0)
        locator = f" {match.group(2)}" if match.group(2) else ""
        return f"{left}{source.short(lang)}{locator}{right}"

    return CITATION.sub(replace, text)


def references(texts: list[str]) -> list[Source]:
    """The sources cited anywhere in ``texts``, in order of first citation."""
    known = bibliography()
    keys = cited_keys("\n".join(texts))
    return [known[key] for key in keys if key in known]


def markdown() -> str:
    """``docs/sources.md``: the whole bibliography as a table a reader can follow."""
    lines = [
        "# Sources",
        "",
        "Every default figure in tuopin, every sensitivity range and every calibration target "
        "cites one of these sources as `[Key]` or `[Key §section]`. Documents print the short "
        "name; this page gives the full reference and the address. Grades: "
        + "; ".join(f"**{g}** {text}" for g, text in GRADES_EN.items()) + ".",
        "",
        "This page is written from `simulator/data/bibliography.toml` by "
        "`python -m simulator.bibliography`; edit that file, not this one.",
        "",
        "| key | short name | source | grade | address |",
        "|---|---|---|---|---|",
    ]
    for source in bibliography().values():
        address = f"<{source.url}>" if source.url else f"not recorded: {source.where}"
        lines.append(f"| `{source.key}` | {source.short_zh} / {source.short_en} | "
                     f"{source.title}. {source.by}, {source.date}. | {source.grade} | {address} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write ``docs/sources.md`` (or the path given)."""
    default = Path(__file__).resolve().parent.parent / "docs" / "sources.md"
    target = Path(argv[0]) if argv else default
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(markdown(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
