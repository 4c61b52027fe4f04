"""Writing outputs so that nothing is lost, and recording where every output came from.

A run that fails half-way must never leave half a file or overwrite a good one: every output is
written to a temporary file in the same directory and moved into place with :func:`os.replace`,
which is atomic on POSIX and Windows. Each output directory carries a ``manifest.json`` that
records, per output file, the tuopin version, the command line, the hashes of the scenario and
registry that produced it, and the seed — enough to trace and re-run any figure.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

MANIFEST_NAME = "manifest.json"


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; move it onto ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        with open(tmp_name, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_text(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_bytes(directory: str | os.PathLike[str], outputs: list[Path],
                   provenance: Mapping[str, Any],
                   run_record: Mapping[str, Any] | None = None) -> bytes:
    """``directory``'s manifest once ``outputs`` (read where they are now, e.g. staged) are added
    with their hashes and ``provenance``.

    Entries for other files already in the manifest are kept, so several commands can write into
    one directory and every file stays traceable. ``run_record`` (what varies from run to run,
    such as timings) is kept under ``"run"``, out of every other file.
    """
    manifest_path = Path(directory) / MANIFEST_NAME
    manifest: dict[str, Any] = {"tuopin_manifest": 1, "files": {}}
    if manifest_path.is_file():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("files"), dict):
                manifest = loaded
        except (OSError, ValueError):
            pass  # an unreadable manifest is replaced rather than blocking the run
    for output in outputs:
        manifest["files"][output.name] = {
            "sha256": sha256_of(output),
            "bytes": output.stat().st_size,
            **provenance,
        }
    manifest["files"] = dict(sorted(manifest["files"].items()))
    if run_record is not None:
        manifest["run"] = dict(run_record)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False,
                      default=json_default) + "\n"
    return text.encode("utf-8")


def record_outputs(directory: str | os.PathLike[str], outputs: list[Path],
                   provenance: Mapping[str, Any]) -> Path:
    """Add ``outputs`` with their hashes and ``provenance`` to ``directory/manifest.json``,
    written atomically (for files written in place; commands commit through
    :class:`simulator.outputs.OutputRun`)."""
    path = Path(directory) / MANIFEST_NAME
    atomic_write_bytes(path, manifest_bytes(directory, outputs, provenance))
    return path


FIGURE_DPI = 150
"""Resolution of PNG charts: sharp on screen and on an A4 printout."""


CHART_FORMATS = ("png", "svg")
"""Formats every chart is written in (an HTML document inlines the SVG, Word takes the PNG)."""


def save_figure(figure: Any, directory: str | os.PathLike[str], stem: str,
                formats: tuple[str, ...] = CHART_FORMATS) -> list[Path]:
    """Save a matplotlib figure as ``stem.png`` and ``stem.svg``, each atomically.

    Dates and random element ids are left out, so the same figure gives the same bytes.
    """
    paths = []
    for fmt in formats:
        path = Path(directory) / f"{stem}.{fmt}"
        with atomic_open(path, "wb") as handle:
            handle.write(figure_bytes(figure, fmt))
        paths.append(path)
    return paths


def figure_bytes(figure: Any, fmt: str) -> bytes:
    """A matplotlib figure rendered as ``fmt`` (png, svg), reproducibly: no dates, fixed ids."""
    import io

    import matplotlib

    metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None}
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "tuopin"}):
        figure.savefig(buffer, format=fmt, dpi=FIGURE_DPI, metadata=metadata)
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP, CSV
injection): a registry cell such as ``=cmd|' /C calc'!A0`` must reach the proposal as text."""


def inert(value: Any) -> Any:
    """A value a spreadsheet will show, never run: text starting like a formula gets a leading
    apostrophe (which Excel and WPS hide and read as "this is text"); numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(path: str | os.PathLike[str], table: dict[str, list[Any]]) -> Path:
    """Write columns as a CSV file (UTF-8 with BOM, which Excel and WPS open), atomically; text
    that a spreadsheet would run as a formula is made inert (:func:`inert`)."""
    import csv

    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([inert(name) for name in table])
        writer.writerows([inert(v) for v in row] for row in zip(*table.values(), strict=True))
    return Path(path)


def store_as_text(sheet: Any, row: int, values: list[Any]) -> None:
    """Keep openpyxl from turning text that starts with ``=`` into a formula: those cells of
    ``row`` (just appended with ``values``) are stored as strings, shown as typed and never
    calculated."""
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith("="):
            sheet.cell(row=row, column=column).data_type = "s"


def write_json(path: str | os.PathLike[str], payload: dict[str, Any]) -> Path:
    """Write a JSON document (UTF-8, Chinese kept readable), atomically. A figure that has no
    finite value (a share of nothing) is written as null: NaN and Infinity are not JSON."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(finite_or_null(payload), handle, ensure_ascii=False, indent=2,
                  default=json_default, allow_nan=False)
        handle.write("\n")
    return Path(path)


def finite_or_null(value: Any) -> Any:
    """``value`` with every NaN or infinite float (numpy's too) replaced by None."""
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0
                                    and value.dtype.kind == "f"):
        return float(value) if math.isfinite(float(value)) else None
    return value


def json_default(value: Any) -> Any:
    """JSON for numpy scalars and paths (``json.dumps(..., default=json_default)``)."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


OFFICE_FIXED_DATE = "2000-01-01T00:00:00Z"
"""Creation and modification date written into xlsx and docx files (reproducible bytes)."""


def reproducible_zip(data: bytes) -> bytes:
    """An Office file (a zip) rewritten with fixed timestamps and fixed document dates, so the
    same content gives the same bytes."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + OFFICE_FIXED_DATE.encode(), content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()
