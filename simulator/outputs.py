"""A command's outputs as one transaction: they appear together, or the old ones stay.

Every file a command writes goes first into a staging directory beside the output directory
(``.out.tuopin-staging-<pid>``). Only when the command has finished is the batch committed:

1. the manifest is made from the staged bytes (and the entries of files the directory already
   had and this run does not rewrite);
2. a journal (``.out.tuopin-commit``) lists the files about to be replaced and which of them
   existed before; each old file is kept as a hard link in the staging directory;
3. the staged files move into place one rename at a time, the manifest last;
4. the journal, the kept old files and the staging directory go.

If anything fails — an exception, a full disk, ``kill -9`` at any point — the next command
writing into that directory finds the journal and rolls the interrupted commit back, so the
previous run's files are exactly as they were, and it removes staging directories that killed
runs left behind. A lock file (``.out.tuopin-lock``, holding the writer's process id) refuses a
second command writing into the same directory at the same time. Output paths that are
symbolic links or special files (devices, pipes) are refused, never replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from simulator.errors import TuopinError
from simulator.files import MANIFEST_NAME, atomic_write_bytes, manifest_bytes

STAGING_MARK = ".tuopin-staging-"
LOCK_MARK = ".tuopin-lock"
JOURNAL_MARK = ".tuopin-commit"


class OutputError(TuopinError):
    """Outputs cannot be written where the user asked (a file in the way, no permission, a full
    disk, another run writing there)."""


def _hidden(target: Path, mark: str) -> Path:
    return target.parent / f".{target.name}{mark}"


def check_output_path(path: Path, *, directory: bool) -> None:
    """Refuse an output path that is a symbolic link, a special file, or the wrong kind."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot use this output path: {exc.strerror}", str(path)) from exc
    if stat.S_ISLNK(info.st_mode):
        raise OutputError("the output path is a symbolic link; tuopin does not write through "
                          "links (give the real path)", str(path))
    if directory and not stat.S_ISDIR(info.st_mode):
        kind = "a regular file" if stat.S_ISREG(info.st_mode) else "a special file (device, " \
            "pipe or socket)"
        raise OutputError(f"expected an output directory, found {kind}", str(path))
    if not directory and not stat.S_ISREG(info.st_mode):
        raise OutputError("expected a regular file to replace, found a directory or a special "
                          "file (device, pipe or socket)", str(path))


def _keep(path: Path, kept: Path) -> None:
    """Keep the old file for a roll-back: a hard link (instant), or a copy where the file
    system has none."""
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(target: Path) -> list[str]:
    """Roll back a commit a killed run left half done, and remove staging directories of runs
    that died before committing. Returns what was done, in words (empty when nothing was)."""
    done = []
    journal = _hidden(target, JOURNAL_MARK)
    if journal.exists():
        record = json.loads(journal.read_text(encoding="utf-8"))
        staging = Path(record["staging"])
        for name, existed in record["files"].items():
            kept = staging / ".kept" / name
            if existed and kept.exists():
                os.replace(kept, target / name)
            elif not existed:
                (target / name).unlink(missing_ok=True)
        journal.unlink()
        done.append(f"rolled back an interrupted commit into {target}")
    for staging in target.parent.glob(f".{target.name}{STAGING_MARK}*"):
        shutil.rmtree(staging, ignore_errors=True)
        done.append(f"removed {staging.name}, left by a run that did not finish")
    return done


class OutputRun:
    """Stage a command's outputs and commit them together (see the module docstring).

    Use::

        with OutputRun(Path("out")) as run:
            paths = write_things(run.directory)          # into the staging directory
            manifest = run.commit(paths, provenance)     # all or nothing
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.directory = _hidden(self.target, f"{STAGING_MARK}{os.getpid()}")
        self.notes: list[str] = []
        self._lock = _hidden(self.target, LOCK_MARK)
        self._locked = False
        self._committed = False

    def __enter__(self) -> OutputRun:
        check_output_path(self.target, directory=True)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._acquire()
            self.notes = recover(self.target)
            self.directory.mkdir()
        except OSError as exc:
            self._release()
            raise OutputError(f"cannot prepare the output directory: {exc.strerror}",
                              str(self.target)) from exc
        return self

    def _acquire(self) -> None:
        for _attempt in range(2):
            try:
                handle = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    holder = int(self._lock.read_text(encoding="utf-8").strip() or 0)
                except (OSError, ValueError):
                    holder = 0
                if holder and holder != os.getpid() and _pid_alive(holder):
                    raise OutputError(
                        f"another tuopin run (process {holder}) is writing into this "
                        "directory; wait for it to finish or choose another -o",
                        str(self.target)) from None
                self._lock.unlink(missing_ok=True)  # left by a run that died
                continue
            with os.fdopen(handle, "w", encoding="utf-8") as lock:
                lock.write(str(os.getpid()))
            self._locked = True
            return
        raise OutputError("cannot take the output directory's lock", str(self.target))

    def _release(self) -> None:
        if self._locked:
            self._lock.unlink(missing_ok=True)
            self._locked = False

    def commit(self, outputs: list[Path], provenance: Mapping[str, Any],
               run_record: Mapping[str, Any] | None = None) -> list[Path]:
        """Move the staged ``outputs`` into place with their manifest; return their final paths
        (the manifest last). ``run_record`` (timings, for instance) goes into the manifest
        only, so every other file is byte-identical for the same inputs and seed."""
        target, staged = self.target, self.directory
        names = [Path(p).name for p in outputs]
        manifest = manifest_bytes(target, [staged / n for n in names], provenance, run_record)
        atomic_write_bytes(staged / MANIFEST_NAME, manifest)
        names.append(MANIFEST_NAME)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            check_output_path(target / name, directory=False)
        kept = staged / ".kept"
        kept.mkdir()
        existed = {name: (target / name).exists() for name in names}
        for name in names:
            if existed[name]:
                _keep(target / name, kept / name)
        journal = _hidden(target, JOURNAL_MARK)
        atomic_write_bytes(journal, json.dumps({"staging": str(staged), "files": existed},
                                               ensure_ascii=False).encode("utf-8"))
        for name in names:
            os.replace(staged / name, target / name)
        journal.unlink()
        shutil.rmtree(staged, ignore_errors=True)
        self._committed = True
        return [target / name for name in names]

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if not self._committed:
                journal = _hidden(self.target, JOURNAL_MARK)
                if journal.exists():
                    recover(self.target)  # a failure in the middle of the commit
                shutil.rmtree(self.directory, ignore_errors=True)
        finally:
            self._release()
        if isinstance(error, OSError) and not isinstance(error, TuopinError):
            raise OutputError(f"cannot write the outputs: {error.strerror or error}",
                              str(error.filename or self.target)) from error
