"""Errors a planner can act on.

Every error raised for bad input says four things: the file, the place in it (a dotted field
path for scenarios, a row and column for registries), the rule that was broken, and what was
found — plus a fix when there is one ("did you mean …?"). The command line turns a
:class:`TuopinError` into readable lines and exit code 1; any other exception is a bug in tuopin
and exits with code 2 and a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    Parameters
    ----------
    where : str
        Place in the input: a dotted field path (``instruments.pv.tariff_yuan_per_kwh``) or a
        registry location (``row 17, column 家庭人口 (size)``). Empty for the file as a whole.
    message : str
        The rule and what was found, e.g. ``expected a number ≥ 0, found -3``.
    source : str
        File (or ``--set`` option) the offending value came from.
    """

    where: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class TuopinError(Exception):
    """Base class of every error caused by the user's input (CLI exit code 1)."""

    def __init__(self, problems: Iterable[Problem] | str, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems, source)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        return problem_list([str(p) for p in self.problems], "en")


def problem_list(lines: list[str], lang: str) -> str:
    """Problems, one a line, as an error message: one as it is, several under a count."""
    if len(lines) == 1:
        return lines[0]
    head = f"发现 {len(lines)} 处问题：" if lang == "zh" else f"{len(lines)} problems:"
    return head + "\n" + "\n".join(f"  - {line}" for line in lines)


class ScenarioError(TuopinError):
    """A scenario file (or a ``--set`` override) is malformed or inconsistent."""


class RegistryError(TuopinError):
    """A household registry file is malformed or inconsistent."""


class InfeasibleError(TuopinError):
    """A model has no solution under the stated budgets, capacities and rules."""


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, or None when none is close enough to suggest."""
    matches = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``' (did you mean `x`?)'`` for the closest candidate, or ``''`` when none is close."""
    match = closest(word, candidates)
    return f" (did you mean `{match}`?)" if match else ""
