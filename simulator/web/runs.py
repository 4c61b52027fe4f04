"""The server's runs: their folders, the one worker process, its progress, cancelling.

Each run has a folder of its own under the workspace, named by the server (``run-<n>``):
``upload/`` holds the uploaded files under server-chosen names, ``out/`` the outputs, written
as one batch by :class:`simulator.outputs.OutputRun`, and ``run.json`` the run's record (its
name and note, inputs, settings, status), rewritten atomically whenever it changes — so a
workspace that outlives the server lists its runs again when the server starts (a run that was
going when the server stopped is marked as stopped). A run starts as a draft
(inputs chosen, settings not yet), then runs in a worker process (``spawn``: a fresh
interpreter, nothing shared but the queue) — one at a time per server. The page polls
:meth:`RunManager.refresh` for news; a cancelled run's process is terminated. A failed or
cancelled run leaves the earlier runs' results as they were.
"""

from __future__ import annotations

import enum
import itertools
import json
import multiprocessing
import queue as queue_module
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.files import atomic_write_bytes, sha256_of
from simulator.web.settings import CANCEL_WAIT_SECONDS
from simulator.web.worker import JobSpec, run_job


class Status(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class Run:
    """One run of the main job, from its inputs to its outputs."""

    number: int
    directory: Path
    scenario: str
    """A bundled scenario's name, or the path of the uploaded file (in ``upload/``)."""
    scenario_label: str
    """What the page calls the scenario (the uploaded file's own name)."""
    registry_path: Path | None = None
    registry_label: str = ""
    overrides: tuple[str, ...] = ()
    lang: str = "zh"
    households: int = 0
    people: int = 0
    reading_notes: list[str] = field(default_factory=list)
    """What reading the registry noted (title rows skipped, people folded into households)."""
    status: Status = Status.DRAFT
    stage: str = ""
    unit: str = ""
    done: int = 0
    total: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(source, where, message) of a run that failed on the user's input."""
    crash: str = ""
    """The traceback of a run that failed on a bug."""
    started: float = 0.0
    finished: float = 0.0
    stage_started: float = 0.0
    """When the current stage began [epoch seconds]."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """How long each finished stage took [s]."""
    name: str = ""
    """The planner's name for the run (方案名称)."""
    note: str = ""
    """What the planner noted about it."""
    derived_from: int = 0
    """The number of the run whose inputs it started from (0: none)."""

    @property
    def id(self) -> str:
        return f"run-{self.number}"

    @property
    def upload_dir(self) -> Path:
        return self.directory / "upload"

    @property
    def output_dir(self) -> Path:
        return self.directory / "out"

    RECORD = "run.json"
    """The run's record in its folder."""

    PERSISTED = ("scenario_label", "registry_label", "lang", "households", "people",
                 "reading_notes", "crash", "started", "finished", "name", "note",
                 "derived_from")
    """Fields the record keeps as they are (the paths, overrides, problems and status are
    converted)."""

    def save(self) -> None:
        """Write the run's record (files of the run's folder relative to it)."""
        def inside(path: str | Path | None) -> str | None:
            if path is None:
                return None
            path = Path(path)
            return path.relative_to(self.directory).as_posix() \
                if path.is_relative_to(self.directory) else str(path)

        record = {key: getattr(self, key) for key in self.PERSISTED}
        record.update(number=self.number, scenario=inside(self.scenario),
                      registry_path=inside(self.registry_path),
                      overrides=list(self.overrides), problems=self.problems,
                      status=str(self.status))
        atomic_write_bytes(self.directory / self.RECORD,
                           json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))

    @classmethod
    def load(cls, directory: Path) -> Run:
        """A run as its record left it; one that was going when the server stopped is
        marked as stopped."""
        record = json.loads((directory / cls.RECORD).read_text(encoding="utf-8"))

        def absolute(text: str | None) -> str | None:
            # a file of the run's folder was saved relative to it; a bundled scenario's name
            # is kept as it is
            if text is None:
                return None
            return str(directory / text) if (directory / text).exists() else text

        run = cls(int(record["number"]), directory, absolute(record["scenario"]) or "",
                  record["scenario_label"])
        for key in cls.PERSISTED:
            setattr(run, key, record[key])
        registry = absolute(record["registry_path"])
        run.registry_path = Path(registry) if registry else None
        run.overrides = tuple(record["overrides"])
        run.problems = [tuple(p) for p in record["problems"]]
        run.status = Status(record["status"])
        if run.status == Status.RUNNING:
            run.status, run.crash = Status.FAILED, "the server stopped while the run was going"
        return run

    @property
    def uploaded_scenario(self) -> bool:
        """Whether the scenario is a file the planner uploaded (not a bundled one's name)."""
        return self.scenario.startswith(str(self.upload_dir))

    def display_source(self, source: str) -> str:
        """A problem's file as the planner knows it: uploaded files by their own names."""
        if self.registry_path is not None and source == str(self.registry_path):
            return self.registry_label
        if source == self.scenario:
            return self.scenario_label
        return source.split("/")[-1] if source.startswith(str(self.directory)) else source


class Busy(Exception):
    """A run is already going."""

    def __init__(self, run: Run) -> None:
        super().__init__(run.id)
        self.run = run


class RunManager:
    """The runs of one server and its single worker process."""

    def __init__(self, root: Path, start_method: str = "spawn") -> None:
        """Runs kept under ``root`` by an earlier server are listed again."""
        self.root = Path(root)
        self.runs: dict[str, Run] = {}
        folders = sorted(self.root.glob("run-*"), key=_run_number)
        for directory in folders:
            run = Run.load(directory) if (directory / Run.RECORD).is_file() else None
            if run is not None and run.status != Status.DRAFT:
                self.runs[run.id] = run
            else:  # a draft the last server left (inputs chosen, never run): nothing to keep
                shutil.rmtree(directory, ignore_errors=True)
        # numbers go on from the last folder, so no run takes an earlier run's name
        self._numbers = itertools.count(max(map(_run_number, folders), default=0) + 1)
        self._context = multiprocessing.get_context(start_method)
        self._process: Any = None
        self._queue: Any = None
        self._active: Run | None = None
        self._lock = threading.Lock()

    # -- runs -------------------------------------------------------------------------------

    def new_run(self, scenario: str, scenario_label: str) -> Run:
        """A draft run with a fresh folder."""
        with self._lock:
            number = next(self._numbers)
            directory = self.root / f"run-{number}"
            (directory / "upload").mkdir(parents=True)
            run = Run(number, directory, scenario, scenario_label)
            self.runs[run.id] = run
            return run

    def derive(self, source: Run) -> Run:
        """A new draft with ``source``'s inputs (its uploaded files copied) and overrides."""
        run = self.new_run(source.scenario, source.scenario_label)
        for path in source.upload_dir.iterdir():
            shutil.copy2(path, run.upload_dir / path.name)
        if source.uploaded_scenario:
            run.scenario = str(run.upload_dir / Path(source.scenario).name)
        if source.registry_path is not None:
            run.registry_path = run.upload_dir / source.registry_path.name
            run.registry_label = source.registry_label
        run.overrides, run.lang = source.overrides, source.lang
        run.households, run.people = source.households, source.people
        run.reading_notes = list(source.reading_notes)
        run.name, run.note, run.derived_from = source.name, "", source.number
        return run

    def discard(self, run: Run) -> None:
        """Forget a draft whose inputs were refused, and remove its folder."""
        with self._lock:
            if run.status == Status.DRAFT and self.runs.get(run.id) is run:
                del self.runs[run.id]
                shutil.rmtree(run.directory, ignore_errors=True)

    def get(self, run_id: str) -> Run | None:
        """The run called ``run_id``, or None (a name the server did not give is unknown)."""
        return self.runs.get(run_id)

    def finished(self) -> list[Run]:
        """Runs with results, oldest first."""
        return [r for r in self.runs.values() if r.status == Status.DONE]

    def formal_twin(self, preview: Run) -> Run | None:
        """The latest finished 正式 run with ``preview``'s inputs: the same scenario and
        registry (by content) and the same settings apart from the precision; None when
        there is none."""
        from simulator.web.forms import apart_from_precision, is_preview

        settings, inputs = apart_from_precision(preview.overrides), _inputs_of(preview)
        twins = [r for r in self.finished() if r is not preview and not is_preview(r.overrides)
                 and apart_from_precision(r.overrides) == settings and _inputs_of(r) == inputs]
        return twins[-1] if twins else None

    def last_good(self) -> Run | None:
        """The latest run with results."""
        done = self.finished()
        return done[-1] if done else None

    # -- the worker -------------------------------------------------------------------------

    @property
    def active(self) -> Run | None:
        self.refresh()
        return self._active

    def start(self, run: Run, formats: tuple[str, ...]) -> None:
        """Start ``run`` in the worker process; :class:`Busy` when another run is going."""
        with self._lock:
            self._refresh_locked()
            if self._active is not None:
                raise Busy(self._active)
            spec = JobSpec(run.scenario, run.overrides,
                           str(run.registry_path) if run.registry_path else None,
                           str(run.output_dir), run.lang, formats,
                           run.registry_label if run.registry_path else None)
            self._queue = self._context.Queue()
            self._process = self._context.Process(target=run_job, args=(spec, self._queue),
                                                  name=f"tuopin-{run.id}", daemon=True)
            run.status, run.started = Status.RUNNING, time.time()
            run.stage, run.unit, run.done, run.total = "", "", 0, 0
            self._active = run
            run.save()
            self._process.start()

    def refresh(self) -> None:
        """Read the worker's news into its run."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        run, process = self._active, self._process
        if run is None or process is None:
            return
        alive = process.is_alive()  # before reading: a dead worker has flushed its queue
        while True:
            try:
                message = self._queue.get_nowait()
            except queue_module.Empty:
                break
            self._take(run, message)
        if run.status == Status.RUNNING and not alive:
            run.status = Status.FAILED
            run.crash = f"the worker process ended unexpectedly (exit code {process.exitcode})"
        if run.status != Status.RUNNING:
            self._end(run)

    def _take(self, run: Run, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "progress":
            if message[1] != run.stage:
                now = time.time()
                if run.stage:
                    run.stage_seconds[run.stage] = now - run.stage_started
                run.stage_started = now
            run.stage, run.unit, run.done, run.total = message[1:]
        elif kind == "done":
            run.status = Status.DONE
        elif kind == "failed":
            run.status, run.problems = Status.FAILED, list(message[1])
        elif kind == "crashed":
            run.status, run.crash = Status.FAILED, message[1]

    def _end(self, run: Run) -> None:
        run.finished = time.time()
        run.save()
        if self._process is not None:
            self._process.join(CANCEL_WAIT_SECONDS)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        if self._queue is not None:
            self._queue.close()
        self._process = self._queue = self._active = None

    def cancel(self, run: Run) -> bool:
        """Stop ``run`` if it is the one going; True when it was."""
        with self._lock:
            self._refresh_locked()
            if self._active is not run or self._process is None:
                return False
            self._process.terminate()
            self._process.join(CANCEL_WAIT_SECONDS)
            run.status = Status.CANCELLED
            self._end(run)
            return True

    def delete(self, run: Run) -> bool:
        """Remove a run that is not going, with its folder; True when it was removed."""
        with self._lock:
            if run is self._active or self.runs.get(run.id) is not run:
                return False
            del self.runs[run.id]
            shutil.rmtree(run.directory, ignore_errors=True)
            return True

    def shutdown(self) -> None:
        """Stop a run still going (the runs' folders stay: the application removes a
        temporary workspace itself)."""
        active = self._active
        if active is not None:
            self.cancel(active)



def _run_number(path: Path) -> int:
    """``run-12`` → 12 (folders sort by number, not by text)."""
    tail = path.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


PACE_RANGE = (0.05, 50.0)
"""How much faster or slower than the benchmark a run's finished stages may make the time left
(the bounds keep one odd stage from making it absurd; engineering choice)."""

MIN_SHARE_FOR_PACE = 0.05
"""Share of a stage done before its own pace says how long the rest takes (engineering
choice: the first few per cent include starting work)."""


def seconds_left(run: Run, now: float, typical: dict[str, float]) -> float | None:
    """The run's time left [s]: the current stage's from its own progress (or its typical
    length), then the stages still to come at their ``typical`` lengths, all scaled by how the
    finished stages compared with theirs. None before anything can be said."""
    done = {s: t for s, t in run.stage_seconds.items() if s in typical}
    expected = sum(typical[s] for s in done)
    low, high = PACE_RANGE
    scale = min(max(sum(done.values()) / expected, low), high) if expected > 0 else None
    in_stage = now - run.stage_started if run.stage_started else 0.0
    share = run.done / run.total if run.total else 0.0
    if share > MIN_SHARE_FOR_PACE:
        current = in_stage * (1 - share) / share
    elif scale is not None and run.stage in typical:
        current = max(typical[run.stage] * scale - in_stage, 0.0)
    else:
        return None
    if scale is None:
        # nothing finished yet: the stage's own pace against its typical length
        scale = in_stage / (share * typical[run.stage]) \
            if typical.get(run.stage, 0.0) > 0 else 1.0
    order = list(typical)
    later = order[order.index(run.stage) + 1:] if run.stage in typical else []
    return current + scale * sum(typical[s] for s in later)


def _inputs_of(run: Run) -> tuple[str, str]:
    """What a run read, by content: the scenario (a bundled one by name, an upload by its
    digest) and the registry's digest ("" for the scenario's own households)."""
    def digest(path: Path) -> str:
        return sha256_of(path) if path.is_file() else f"missing {path}"

    scenario = digest(Path(run.scenario)) if run.uploaded_scenario else run.scenario
    return scenario, digest(run.registry_path) if run.registry_path is not None else ""
