"""Main-job benchmark: wall time and peak memory of ``tuopin run`` on the default scenario, with
the time of each stage.

    python benchmarks/main_job.py             # the default scenario at its 200 replications
    python benchmarks/main_job.py --reps 20   # a quicker smoke run

``tuopin run`` runs in a child process (its peak resident memory is the child's); the stages are
timed by a stage reporter (:mod:`simulator.progress`) put in place of the terminal progress bar,
so the command is otherwise exactly the one a planner types. Figures vary with the machine's
load: compare figures measured in one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import TargetRow, print_targets  # noqa: E402

TARGET_SECONDS = 20.0
"""Target wall time of the main job (issue: the main job in seconds)."""

TARGET_PEAK_MB = 1024.0
"""Target peak resident memory of the main job [MB]."""

CHILD = """
import time
STARTED = time.perf_counter()
import json, resource, sys
import simulator.cli.runs as runs

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

stages = []

class Timer:
    def __init__(self, label, lang="en"):
        self.started = STARTED
        stages.append(["imports, scenario, registry", 0.0, 0.0])
    def stage(self, label, unit):
        now = time.perf_counter()
        stages[-1][1:] = [now - self.started, peak_mb()]
        stages.append([label, 0.0, 0.0])
        self.started = now
    def __call__(self, done, total):
        pass
    def finish(self):
        stages[-1][1:] = [time.perf_counter() - self.started, peak_mb()]

runs.ProgressBar = Timer
from simulator.cli import main
code = main(sys.argv[1:])
with open(OUT, "w", encoding="utf-8") as handle:
    json.dump({"code": code, "stages": stages}, handle)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, help="replications (default: the scenario's)")
    parser.add_argument("--workers", type=int, help="worker processes (default: tuopin's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stages.json"
        command = [sys.executable, "-c", CHILD.replace("OUT", repr(str(out))), "run",
                   "-o", str(Path(tmp) / "out")]
        if args.reps:
            command += ["--reps", str(args.reps)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        record = json.loads(out.read_text(encoding="utf-8"))
    reps = f" ({args.reps} replications)" if args.reps else ""
    print_targets(f"tuopin run on the default scenario{reps}", [
        TargetRow("the main job: wall time", f"{seconds:,.1f} s", f"≤ {TARGET_SECONDS:,.0f} s",
                  seconds <= TARGET_SECONDS),
        TargetRow("the main job: peak memory", f"{peak_mb:,.0f} MB",
                  f"≤ {TARGET_PEAK_MB:,.0f} MB", peak_mb <= TARGET_PEAK_MB)])
    print(f"{'stage':<52}{'seconds':>8}{'peak MB so far':>16}")
    for label, stage_seconds, peak in record["stages"]:
        print(f"  {label:<50}{stage_seconds:>8.1f}{peak:>16,.0f}")


if __name__ == "__main__":
    main()
