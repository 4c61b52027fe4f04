"""Main-job benchmark: wall time and peak memory of ``tuopin run`` on the default scenario, with
the time of each stage.

    python benchmarks/main_job.py             # the default scenario at its 200 replications
    python benchmarks/main_job.py --reps 20   # a quicker smoke run

Three runs: cold (an empty run cache), warm (the budgets cut, the cold run's engine runs kept)
and a web preview (20 replications, an empty cache). ``tuopin run`` runs in a child process
(its peak resident memory is the child's); the stages are
timed by a stage reporter (:mod:`simulator.progress`) put in place of the terminal progress bar,
so the command is otherwise exactly the one a planner types. Figures vary with the machine's
load: compare figures measured in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

TARGET_WARM_SECONDS = 5.0
"""Target wall time of the main job after a budget change, the earlier run kept [s]."""

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


WARM_BUDGET_SHARE = 0.9
"""The warm run's change: every yearly budget cut to this share (a planner's what-if)."""

PREVIEW = ["--set", "simulation.preview=true", "--set", "simulation.replications=20"]
"""What the web page's 预览 sets."""


def run_child(arguments: list[str], cache_dir: Path, tmp: Path, name: str) -> dict:
    """``tuopin run`` with ``arguments`` in a child process using the run cache in
    ``cache_dir``: its wall time [s], peak memory [MB] and stages."""
    out = tmp / f"{name}-stages.json"
    command = [sys.executable, "-c", CHILD.replace("OUT", repr(str(out))), "run",
               "-o", str(tmp / name), *arguments]
    environment = {**os.environ, "TUOPIN_CACHE": "on", "TUOPIN_CACHE_DIR": str(cache_dir)}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"tuopin run {' '.join(arguments)} failed")
    record = json.loads(out.read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "stages": record["stages"]}


def print_stages(title: str, figures: dict) -> None:
    print(f"\n{title}: {figures['seconds']:,.1f} s, peak {figures['peak_mb']:,.0f} MB")
    print(f"{'stage':<52}{'seconds':>8}{'peak MB so far':>16}")
    for label, stage_seconds, peak in figures["stages"]:
        print(f"  {label:<50}{stage_seconds:>8.1f}{peak:>16,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, help="replications (default: the scenario's)")
    parser.add_argument("--workers", type=int, help="worker processes (default: tuopin's)")
    args = parser.parse_args()
    common = [*(["--reps", str(args.reps)] if args.reps else []),
              *(["--workers", str(args.workers)] if args.workers else [])]
    from simulator.scenario import load_scenario

    budgets = load_scenario("ruyuan-2016").budget.yearly_yuan
    cut = "[" + ", ".join(f"{b * WARM_BUDGET_SHARE:.0f}" for b in budgets) + "]"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cold = run_child(common, tmp / "cache", tmp, "cold")
        warm = run_child([*common, "--set", f"budget.yearly_yuan={cut}"], tmp / "cache", tmp,
                         "warm")
        preview = run_child(PREVIEW, tmp / "preview-cache", tmp, "preview")
    reps = f" ({args.reps} replications)" if args.reps else ""
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print_targets(f"tuopin run on the default scenario{reps}", [
        TargetRow("the main job, cold: wall time", f"{cold['seconds']:,.1f} s",
                  f"≤ {TARGET_SECONDS:,.0f} s", cold["seconds"] <= TARGET_SECONDS),
        TargetRow("the main job, cold: peak memory", f"{cold['peak_mb']:,.0f} MB",
                  f"≤ {TARGET_PEAK_MB:,.0f} MB", cold["peak_mb"] <= TARGET_PEAK_MB),
        TargetRow(f"warm: the budgets at {WARM_BUDGET_SHARE:.0%}, the cold run kept",
                  f"{warm['seconds']:,.1f} s", f"≤ {TARGET_WARM_SECONDS:,.0f} s",
                  warm["seconds"] <= TARGET_WARM_SECONDS),
        TargetRow("a web preview (20 replications), nothing kept",
                  f"{preview['seconds']:,.1f} s", "—", True)])
    print_stages("cold", cold)
    print_stages("warm", warm)
    print_stages("preview", preview)


if __name__ == "__main__":
    main()
