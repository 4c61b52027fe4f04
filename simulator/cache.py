"""Engine runs kept on disk, so that a planner's next what-if reuses what did not change.

A planner works in a loop of small changes — a budget, a cap, a rule — on the same county, and
almost nothing of an engine run depends on them: the run is a function of the scenario's
households, incomes, shocks and instruments, the seed, the replications and the packages. Each
run is kept under a key that digests exactly that content (:func:`run_key`) and tuopin's own
code, so a run is reused only where it would come out bit for bit the same, and a change of
code or of anything the engine reads makes a new entry.

Storage: one folder per run, holding each array as a ``.npy`` file and a ``manifest.json`` of
how they make up the run. Arrays are opened memory-mapped (copy on write), so a warm run reads
only the pages it touches. Folders are written under a temporary name and renamed into place
(a run killed while writing leaves no entry); the least recently used are removed once the
cache exceeds its size (:data:`DEFAULT_MAX_BYTES`, or ``TUOPIN_CACHE_MAX_MB``).

The cache is off unless a caller turns it on (:func:`caching`): the command line and the web
page do, in the user's cache folder (``TUOPIN_CACHE_DIR`` to choose another, ``--no-cache``
or ``TUOPIN_CACHE=off`` to go without); a library call or a notebook does not.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MAX_BYTES = 4 * 2**30
"""Largest size of the cache before the least recently used runs are removed [bytes]: about
ten default-scenario candidate runs (guess: room for a planner's afternoon of what-ifs)."""

MANIFEST = "manifest.json"
BYTES_FILE = "data.bin"
MARK = "tuopin_run_cache"
"""The key every entry's manifest carries (with :data:`FORMAT`): what marks a folder as an
entry of this cache."""

SETTINGS_NOT_SIMULATED = ("name", "name_zh", "description", "description_zh", "issuer",
                          "prepared_on", "budget", "capacities", "capacity_costs", "policy",
                          "optimizer", "simulation", "plan", "sources")
"""Scenario sections the engine does not read: a change to them keeps a cached run (the
simulation settings it does read — replications, seed — are parts of the key of their own, a
plan is keyed by its packages and households). A test checks the engine's results do not move
when they change."""

STALE_STAGING_SECONDS = 3600.0
"""A half-written entry older than this [s] was left by a process that died: removed."""

FORMAT = 1
"""Version of the folder layout (a new layout makes new keys)."""


@cache
def code_digest() -> str:
    """SHA-256 of tuopin's own code and data files: a run is reused only by the same code."""
    digest = hashlib.sha256()
    root = resources.files("simulator")
    for path in sorted(_files(Path(str(root))), key=lambda p: p.as_posix()):
        digest.update(path.relative_to(Path(str(root))).as_posix().encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def library_versions() -> dict[str, str]:
    """The versions of the libraries whose numbers a run depends on (random streams, special
    functions, the event calendar, font cutting): an upgrade makes new entries."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("numpy", "scipy", "simpy", "fonttools"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.suffix in (".py", ".toml") and path.is_file():
            yield path


def run_key(scenario: Any, registry: Any, *, packages: Sequence[Any], assignment: Any,
            reps: int, seed: int, keep_income: bool) -> str:
    """The digest of everything an engine run depends on: the scenario's simulated sections,
    every registry column, the packages (and for a plan each household's), replications, seed,
    what is kept, and the code."""
    from simulator.schema import to_plain

    plain = {key: value for key, value in to_plain(scenario).items()
             if key not in SETTINGS_NOT_SIMULATED}
    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT, "code": code_digest(),
                              "libraries": library_versions(), "scenario": plain,
                              "packages": [p.name for p in packages], "reps": int(reps),
                              "seed": int(seed), "keep_income": bool(keep_income)},
                             sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    for field in dataclasses.fields(registry):
        if field.name in ("source", "reading_notes", "sha256", "ignored_columns"):
            continue  # where the households were read from, not who they are
        _digest_value(digest, field.name, getattr(registry, field.name))
    _digest_value(digest, "assignment", assignment)
    return digest.hexdigest()


def _digest_value(digest: Any, name: str, value: Any) -> None:
    digest.update(name.encode("utf-8"))
    if value is None:
        digest.update(b"\x00none")
        return
    array = np.asarray(value)
    if array.dtype == object:
        digest.update(json.dumps(array.tolist(), ensure_ascii=False, default=str)
                      .encode("utf-8"))
    else:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())


@dataclass(frozen=True)
class Entry:
    """One kept run: its key, size [bytes] and when it was last used [epoch seconds]."""

    key: str
    size_bytes: int
    last_used: float


class RunCache:
    """The runs kept in one folder, at most ``max_bytes`` of them."""

    def __init__(self, directory: str | os.PathLike[str],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = int(max_bytes)

    # -- reading and writing ------------------------------------------------------------------

    def load(self, key: str) -> dict[str, Any] | None:
        """The fields of the run kept under ``key``, or None (a damaged entry is removed)."""
        folder = self.directory / key
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            fields = {name: _read_field(folder, spec) for name, spec in manifest["fields"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(folder / MANIFEST)  # used now: the last to be removed
        return fields

    def store(self, key: str, fields: dict[str, Any]) -> None:
        """Keep ``fields`` under ``key`` (written whole under a temporary name, then renamed),
        then remove the least recently used runs beyond the size limit. A cache that cannot be
        written (a full disk, no permission) is passed over: the run stands without it."""
        def write(folder: Path) -> dict[str, Any]:
            return {"fields": {name: _write_field(folder, name, value)
                               for name, value in fields.items()}}

        self._keep(key, write)

    def load_bytes(self, key: str) -> bytes | None:
        """A file kept with :meth:`store_bytes` (a font cut to a document's characters), or
        None."""
        folder = self.directory / key
        try:
            data = (folder / BYTES_FILE).read_bytes()
            json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["bytes"]
        except (OSError, ValueError, KeyError):
            return None
        with contextlib.suppress(OSError):
            os.utime(folder / MANIFEST)
        return data

    def store_bytes(self, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key``, as :meth:`store` keeps a run."""
        def write(folder: Path) -> dict[str, Any]:
            (folder / BYTES_FILE).write_bytes(data)
            return {"bytes": len(data)}

        self._keep(key, write)

    def _keep(self, key: str, write: Any) -> None:
        staging = self.directory / f".staging-{uuid.uuid4().hex}"
        try:
            staging.mkdir(parents=True)
            manifest = {**write(staging), MARK: FORMAT, "created": time.time()}
            (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            if _size(staging) > self.max_bytes:
                return
            try:
                staging.rename(self.directory / key)
            except OSError:  # another process kept the same entry first
                return
        except OSError:
            return
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):  # a folder gone or locked: the next store evicts
            self.evict()

    # -- keeping it in bounds -----------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every kept run, least recently used first."""
        out = []
        if not self.directory.is_dir():
            return out
        for folder in self.directory.iterdir():
            if folder.name.startswith(".") or not _is_entry(folder):
                continue
            with contextlib.suppress(OSError):
                out.append(Entry(folder.name, _size(folder),
                                 (folder / MANIFEST).stat().st_mtime))
        return sorted(out, key=lambda e: e.last_used)

    def evict(self) -> list[str]:
        """Remove the least recently used runs until the cache fits its size, and what a
        process killed while writing left behind; the runs' keys."""
        self._remove_stale_staging()
        entries = self.entries()
        total = sum(e.size_bytes for e in entries)
        removed = []
        for entry in entries:
            if total <= self.max_bytes:
                break
            shutil.rmtree(self.directory / entry.key, ignore_errors=True)
            total -= entry.size_bytes
            removed.append(entry.key)
        return removed

    def _remove_stale_staging(self) -> None:
        if not self.directory.is_dir():
            return
        now = time.time()
        for folder in self.directory.glob(".staging-*"):
            with contextlib.suppress(OSError):
                if now - folder.stat().st_mtime > STALE_STAGING_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)

    def clear(self) -> int:
        """Remove every kept run (and any half-written one); how many runs were kept."""
        entries = self.entries()
        for entry in entries:
            shutil.rmtree(self.directory / entry.key, ignore_errors=True)
        if self.directory.is_dir():
            for folder in self.directory.glob(".staging-*"):
                shutil.rmtree(folder, ignore_errors=True)
        return len(entries)


def _is_entry(folder: Path) -> bool:
    """Whether ``folder`` is one of the cache's entries — its manifest carries the cache's
    mark — and not, say, a command's output folder that happens to sit in the same place
    (its manifest.json is another file): only entries are counted, evicted or cleared."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get(MARK) == FORMAT


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _write_field(folder: Path, name: str, value: Any) -> dict[str, Any]:
    """Write one result field; what the manifest says of it."""
    from simulator.results import EligibleAmounts

    if value is None:
        return {"kind": "none"}
    if isinstance(value, np.ndarray):
        np.save(folder / f"{name}.npy", np.ascontiguousarray(value), allow_pickle=False)
        return {"kind": "array", "file": f"{name}.npy"}
    items = []
    for i, ((variant, line), amount) in enumerate(sorted(value.items())):
        assert isinstance(amount, EligibleAmounts)
        # an amount the same in every replication is one replication broadcast: keep one
        once = amount.amount.strides[0] == 0
        stem = f"{name}-{i}"
        np.save(folder / f"{stem}-households.npy", amount.households, allow_pickle=False)
        np.save(folder / f"{stem}-amount.npy",
                np.ascontiguousarray(amount.amount[:1] if once else amount.amount),
                allow_pickle=False)
        items.append({"variant": variant, "line": line, "stem": stem, "once": once,
                      "reps": len(amount.amount), "n_households": amount.n_households})
    return {"kind": "amounts", "items": items}


def _read_field(folder: Path, spec: dict[str, Any]) -> Any:
    from simulator.results import EligibleAmounts

    if spec["kind"] == "none":
        return None
    if spec["kind"] == "array":
        return np.load(folder / spec["file"], mmap_mode="c", allow_pickle=False)
    out = {}
    for item in spec["items"]:
        amount = np.load(folder / f"{item['stem']}-amount.npy", mmap_mode="c",
                         allow_pickle=False)
        if item["once"]:
            amount = np.broadcast_to(amount, (item["reps"], *amount.shape[1:]))
        out[(item["variant"], item["line"])] = EligibleAmounts(
            households=np.load(folder / f"{item['stem']}-households.npy", allow_pickle=False),
            amount=amount, n_households=item["n_households"])
    return out


# -- the cache in use ---------------------------------------------------------------------------

_ACTIVE: contextvars.ContextVar[RunCache | None] = contextvars.ContextVar("tuopin_cache",
                                                                          default=None)


def active() -> RunCache | None:
    """The cache engine runs use now (None: none)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def caching(cache_: RunCache | None) -> Iterator[RunCache | None]:
    """Engine runs inside the block use ``cache_`` (None: no cache)."""
    token = _ACTIVE.set(cache_)
    try:
        yield cache_
    finally:
        _ACTIVE.reset(token)


def user_cache() -> RunCache | None:
    """The command line's and web page's cache: ``TUOPIN_CACHE_DIR``, else the user's cache
    folder; None when ``TUOPIN_CACHE`` is ``off``."""
    if os.environ.get("TUOPIN_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    chosen = os.environ.get("TUOPIN_CACHE_DIR")
    if chosen:
        directory = Path(chosen)
    else:
        import platformdirs

        directory = Path(platformdirs.user_cache_dir("tuopin", appauthor=False)) / "runs"
    return RunCache(directory, _max_bytes(os.environ.get("TUOPIN_CACHE_MAX_MB", "")))


def _max_bytes(text: str) -> int:
    """``TUOPIN_CACHE_MAX_MB`` in bytes (the default when unset)."""
    from simulator.errors import Problem, TuopinError
    from simulator.units import BYTES_PER_MB

    if not text.strip():
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes <= MAX_CACHE_MB:
        raise TuopinError([Problem("TUOPIN_CACHE_MAX_MB", f"expected a number of megabytes "
                                   f"from 0 to {MAX_CACHE_MB:,}, found {text!r}")])
    return int(megabytes * BYTES_PER_MB)


MAX_CACHE_MB = 10_000_000
"""Largest cache size a user may set [MB] (10 TB: a bound on the setting, not a suggestion)."""
