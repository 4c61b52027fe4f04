"""A command's outputs are one transaction: all of them or the previous run's, never a mix;
one writer at a time; links and special files are never written through."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import simulator.outputs
from simulator.errors import TuopinError
from simulator.outputs import OutputRun, recover


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def _consistent(directory: Path) -> bool:
    """Every file the manifest lists is there with the bytes it hashed."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return all(hashlib.sha256((directory / name).read_bytes()).hexdigest() == entry["sha256"]
               for name, entry in manifest["files"].items())


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".tuopin-" in p.name or p.name.endswith(".part")]


def test_a_failed_run_leaves_the_previous_outputs_untouched(
        cli, tmp_path: Path, tiny_scenario_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert cli("simulate", tiny_scenario_path, "--reps", "3", "-o", out).exit_code == 0
    before = _snapshot(out)

    def half_way(result, summary, directory, lang="zh"):
        (directory / "summary.json").write_text("{}", encoding="utf-8")
        raise TuopinError("the disk is full (simulated)", str(directory))

    monkeypatch.setattr("simulator.cli.runs.write_simulation_outputs", half_way)
    failed = cli("simulate", tiny_scenario_path, "--reps", "3", "--seed", "9", "-o", out)
    assert failed.exit_code == 1 and "disk is full" in failed.stderr
    assert _snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_an_interrupted_commit_is_rolled_back(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with OutputRun(out) as run:
        for name in ("a.csv", "b.csv"):
            (run.directory / name).write_text(f"old {name}\n", encoding="utf-8")
        run.commit([run.directory / "a.csv", run.directory / "b.csv"], {"seed": 1})
    before = _snapshot(out)
    real_replace = os.replace
    moved = []

    def dies_after_one(source, destination):
        if moved:
            raise KeyboardInterrupt("killed in the middle of the commit")
        moved.append(destination)
        real_replace(source, destination)

    monkeypatch.setattr(simulator.outputs.os, "replace", dies_after_one)
    with pytest.raises(KeyboardInterrupt), OutputRun(out) as run:
        for name in ("a.csv", "b.csv", "c.csv"):
            (run.directory / name).write_text(f"new {name}\n", encoding="utf-8")
        run.commit([run.directory / n for n in ("a.csv", "b.csv", "c.csv")], {"seed": 2})
    monkeypatch.setattr(simulator.outputs.os, "replace", real_replace)
    assert _snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_a_second_writer_is_refused_and_a_dead_ones_lock_is_taken_over(
        cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    out = tmp_path / "out"
    lock = tmp_path / ".out.tuopin-lock"
    lock.write_text(str(os.getppid()), encoding="utf-8")  # a live process holds it
    refused = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", out)
    assert refused.exit_code == 1
    assert f"another tuopin run (process {os.getppid()})" in refused.stderr
    assert not out.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock.write_text(dead.stdout.strip(), encoding="utf-8")  # that process is gone
    assert cli("simulate", tiny_scenario_path, "--reps", "2", "-o", out).exit_code == 0
    assert not lock.exists()


def test_links_special_files_and_files_in_the_way_are_refused(
        cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", link)
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    result = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", "/dev/null")
    assert result.exit_code == 1 and "special file" in result.stderr
    assert Path("/dev/null").is_char_device()
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    result = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", a_file)
    assert result.exit_code == 1 and "is a file" in result.stderr
    result = cli("population", tiny_scenario_path, "-o", a_file / "households.csv")
    assert result.exit_code == 1 and "Not a directory" in result.stderr
    file_link = tmp_path / "file-link.csv"
    file_link.symlink_to(a_file)
    result = cli("population", tiny_scenario_path, "-o", file_link)
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert a_file.read_text(encoding="utf-8") == "x"


@pytest.mark.slow
def test_kill_at_random_points_never_mixes_two_runs(tmp_path: Path,
                                                   tiny_scenario_path: Path) -> None:
    """kill -9 a run at random moments: afterwards (and after the next run's recovery) the
    directory holds one complete run, whose manifest matches every file."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "simulate", str(tiny_scenario_path),
               "--reps", "3", "-o", str(out)]
    subprocess.run([*command, "--seed", "1"], check=True, capture_output=True)
    first = _snapshot(out)
    finished_alone = subprocess.run([*command, "--seed", "2"], check=True, capture_output=True)
    assert finished_alone.returncode == 0
    second = _snapshot(out)
    start = time.perf_counter()
    subprocess.run([*command, "--seed", "1"], check=True, capture_output=True)
    full_run = time.perf_counter() - start
    generator = random.Random(5)
    for trial in range(6):
        seed = 2 if trial % 2 == 0 else 1
        process = subprocess.Popen([*command, "--seed", str(seed)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(generator.uniform(0.3, 1.1) * full_run)
        process.send_signal(signal.SIGKILL)
        process.wait()
        recover(out)
        now = _snapshot(out)
        assert now in (first, second), f"trial {trial}: a mix of two runs"
        assert _consistent(out)
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert _leftovers(tmp_path) == []


def test_run_twice_gives_the_same_bytes_except_the_run_record(cli, tmp_path: Path,
                                                              tiny_scenario_path: Path) -> None:
    out = tmp_path / "out"
    command = ("run", tiny_scenario_path, "--reps", "3", "-o", out)
    assert cli(*command).exit_code == 0
    first = _snapshot(out)
    assert cli(*command).exit_code == 0
    second = _snapshot(out)
    assert first.keys() == second.keys() and len(first) > 10
    for name in first:
        if name != "manifest.json":
            assert first[name] == second[name], name
    manifests = [json.loads(m["manifest.json"]) for m in (first, second)]
    assert "timings" in manifests[0]["run"]
    assert "seconds" not in first["summary.json"].decode("utf-8")
    for manifest in manifests:
        manifest.pop("run")
    assert manifests[0] == manifests[1]


def test_a_full_disk_is_a_located_error_and_keeps_the_old_run(
        cli, tmp_path: Path, tiny_scenario_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    out = tmp_path / "out"
    assert cli("simulate", tiny_scenario_path, "--reps", "2", "-o", out).exit_code == 0
    before = _snapshot(out)

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("simulator.cli.runs.write_simulation_outputs", no_space)
    result = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", out)
    assert result.exit_code == 1
    assert "cannot write the outputs: No space left on device" in result.stderr
    assert _snapshot(out) == before and _leftovers(tmp_path) == []


def test_json_never_holds_nan(tmp_path: Path) -> None:
    import numpy as np

    from simulator.files import write_json

    path = write_json(tmp_path / "s.json", {"share": float("nan"), "x": np.float32("inf"),
                                            "ok": [1.5, np.float64(2.0)]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"share": None, "x": None,
                                                            "ok": [1.5, 2.0]}


def test_a_run_that_fails_after_the_registry_keeps_the_old_registry(
        cli, tmp_path: Path, tiny_scenario_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` used to write households.csv before optimising: a later failure replaced it."""
    out = tmp_path / "out"
    assert cli("run", tiny_scenario_path, "--reps", "3", "-o", out).exit_code == 0
    before = _snapshot(out)

    def proposal_fails(*args, **kwargs):
        raise TuopinError("the proposal cannot be written (simulated)")

    monkeypatch.setattr("simulator.proposal.write_proposal", proposal_fails)
    result = cli("run", tiny_scenario_path, "--reps", "3", "--seed", "8", "-o", out,
                 "--set", "population.synthetic.seed=3")
    assert result.exit_code == 1
    assert _snapshot(out) == before and _leftovers(tmp_path) == []


def test_a_pipe_at_a_file_output_path_is_refused(cli, tmp_path: Path,
                                                 tiny_scenario_path: Path) -> None:
    pipe = tmp_path / "households.csv"
    os.mkfifo(pipe)
    result = cli("population", tiny_scenario_path, "-o", pipe)
    assert result.exit_code == 1 and "special file" in result.stderr
    assert pipe.is_fifo()
