"""Uploaded files: size-limited, saved under server-chosen names in a run's folder, and the
rows of a registry that a located error points at.

Nothing from the request becomes part of a path: the original file name is kept only as text
to show; the saved file is called :data:`UPLOADED_REGISTRY` (with one of the known suffixes) or
:data:`UPLOADED_SCENARIO`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import Problem, TuopinError
from simulator.web.settings import (
    MAX_FILENAME_CHARACTERS,
    MAX_UPLOAD_BYTES,
    REGISTRY_SUFFIXES,
    UPLOAD_CHUNK_BYTES,
)


class UploadTooLarge(Exception):
    """An uploaded file is over :data:`MAX_UPLOAD_BYTES`."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(name)
        self.name, self.limit = name, limit


def display_name(filename: str | None) -> str:
    """The uploaded file's own name, made safe to show: its last path part, control characters
    removed, shortened."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return name[:MAX_FILENAME_CHARACTERS]


def suffix_of(name: str, allowed: tuple[str, ...]) -> str | None:
    """The suffix of ``name`` (lower case) when it is one of ``allowed``, else None."""
    lowered = name.lower()
    return next((s for s in allowed if lowered.endswith(s)), None)


async def save_upload(upload: Any, target: Path, limit: int = MAX_UPLOAD_BYTES) -> int:
    """Copy an uploaded file (a Starlette ``UploadFile``) to ``target``, refusing it beyond
    ``limit`` bytes; return its size."""
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(UPLOAD_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise UploadTooLarge(display_name(upload.filename), limit)
            out.write(chunk)
    return size


@dataclass(frozen=True)
class LocatedProblem:
    """A problem as the page shows it, with the registry row it points at (when it does)."""

    source: str
    where: str
    message: str
    row: tuple[str, ...] = ()
    """The cells of the offending row, as the file has them."""
    column: int | None = None
    """Index of the offending cell in ``row``."""


ROW_PATTERN = re.compile(r"\brow (\d+)")
COLUMN_PATTERN = re.compile(r"\bcolumn (.+?)(?: \(|,|$)")


def file_rows(path: Path) -> dict[int, list[str]]:
    """Every row of a registry file by its number, read by the registry loader's own readers
    (so row numbers are those its errors give); empty when the file cannot be read."""
    from simulator.registry import sheets

    label = str(path)
    try:
        raw = path.read_bytes()
        if raw.startswith(b"PK\x03\x04"):
            rows = sheets._xlsx_rows(raw, label)
        elif raw.startswith(b"\xd0\xcf\x11\xe0"):
            rows = sheets._xls_rows(raw, label)
        else:
            rows = list(sheets._csv_rows(sheets._decode(raw, label, None), label)[0])
    except (OSError, TuopinError, ValueError):
        return {}
    return dict(rows)


def locate(problems: list[Problem], registry: Path | None, label_of: Any,
           lang: str = "en") -> list[LocatedProblem]:
    """The problems as the page shows them: sources by the names the planner knows
    (``label_of(source)``), registry problems with the row they name, places and messages in
    the page's language (:mod:`simulator.messages`)."""
    from simulator.messages import in_chinese

    rows: dict[int, list[str]] | None = None
    located = []
    for problem in problems:
        row: tuple[str, ...] = ()
        column = None
        found = ROW_PATTERN.search(problem.where)
        if registry is not None and problem.source == str(registry) and found:
            if rows is None:
                rows = file_rows(registry)
            number = int(found.group(1))
            row = tuple(rows.get(number, ()))
            column = _column_index(rows, number, problem.where)
        shown = in_chinese(problem) if lang == "zh" else problem
        located.append(LocatedProblem(label_of(problem.source), shown.where, shown.message,
                                      row, column))
    return located


def _column_index(rows: dict[int, list[str]], number: int, where: str) -> int | None:
    """Index of the column ``where`` names, found in the nearest header row above ``number``."""
    found = COLUMN_PATTERN.search(where)
    if not found:
        return None
    title = found.group(1).strip()
    for above in sorted((n for n in rows if n < number), reverse=True):
        cells = [c.strip() for c in rows[above]]
        if title in cells:
            return cells.index(title)
    return None


def registry_suffix(name: str) -> str | None:
    """The suffix an uploaded registry is saved with, or None when it is not a registry."""
    return suffix_of(name, REGISTRY_SUFFIXES)


@functools.cache
def registry_template() -> bytes:
    """A registry workbook a clerk can fill in: the Chinese headers and one example household."""
    import tempfile

    from simulator.registry import Registry, write_registry

    example = Registry.from_columns({
        "household_id": ["RY00001"], "township": ["乳城镇"], "village": ["乳城镇01村"],
        "poor_village": [True], "size": [4], "laborers": [2], "category": ["general"],
        "disabled": [0], "chronically_ill": [1], "wages": [3600.0], "business": [5600.0],
        "property": [80.0], "transfers": [980.0], "production_expenses": [1700.0],
        "head_name": ["（示例）"], "poverty_cause": ["因病"], "helper": ["（帮扶责任人）"]},
        source="template")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "template.xlsx"
        write_registry(example, path, header="zh")
        return path.read_bytes()
