"""Province benchmark: a synthetic province on a Dask LocalCluster and in one process.

    python benchmarks/province.py                                # 1,000,000 households, 66
                                                                 # counties, 16 replications
    python benchmarks/province.py --households 100000 --counties 8   # quicker
    python benchmarks/province.py --no-single                    # the cluster only

Reports, for each path: candidate simulation time (every package in every county, in-sample),
Lagrangian time (the province's prices: one map-reduce over the counties per evaluation), the
counties' solves, the gap of the allocation to the province bound, and peak memory per worker
process (the single-process path: the process's own peak). Both paths run in this one
invocation, one after the other; their results must be identical (checked).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import TargetRow, print_targets  # noqa: E402

TARGET_WORKER_MIB = 2048.0
"""Target peak memory per worker, whatever the province size [MiB]."""

TARGET_GAP = 0.001
"""Target gap of the allocation to the province bound (0.1 %)."""


def peak_mib() -> float:
    """This process's peak resident memory [MiB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(province_path: str, cluster: str | None, workers: int) -> dict:
    """One province run; its figures (called in a fresh process per path)."""
    from simulator.province import load_province, optimize_province

    province = load_province(province_path)
    started = time.perf_counter()

    def progress(stage: str) -> None:  # to stderr, so a long run shows where it is
        print(f"  [{time.perf_counter() - started:7.1f} s] {stage}", file=sys.stderr, flush=True)

    if cluster is None:
        result = optimize_province(province, progress=progress)
        worker_peaks = [peak_mib()]
    else:
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as local, Client(local) as client:
            result = optimize_province(province, cluster=local.scheduler_address,
                                       progress=progress)
            worker_peaks = list(client.run(peak_mib).values())
    summary = result.summary()
    return {**result.timings, "total_seconds": round(time.perf_counter() - started, 1),
            "gap": result.gap, "bound": result.bound, "objective": result.objective,
            "evaluations": result.evaluations, "worker_peak_mib": worker_peaks,
            "summary_sha": hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=66)
    parser.add_argument("--reps", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-single", action="store_true",
                        help="Skip the single-process path.")
    parser.add_argument("--child", nargs=3, metavar=("PROVINCE", "CLUSTER", "WORKERS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, cluster, workers = args.child
        print(json.dumps(run(path, None if cluster == "none" else cluster, int(workers))))
        return
    from simulator.province import synthetic_province

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "province.toml"
        path.write_text(synthetic_province(args.households, args.counties,
                                           replications=args.reps), encoding="utf-8")
        paths = [("local cluster", f"local:{args.workers}")]
        if not args.no_single:
            paths.append(("one process", "none"))
        print(f"province: {args.households:,} households in {args.counties} counties, "
              f"{args.reps} replications, candidate packages per county as the scenario "
              f"gives", flush=True)
        figures = {}
        for label, cluster in paths:  # each path's figures as soon as it ends
            out = subprocess.run([sys.executable, __file__, "--child", str(path), cluster,
                                  str(args.workers)], stdout=subprocess.PIPE, text=True,
                                 check=True)
            f = figures[label] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"  {label}: candidates {f['candidate_seconds']:.1f} s, Lagrangian "
                  f"{f['lagrangian_seconds']:.1f} s ({f['evaluations']} evaluations, "
                  f"{f['county_evaluations']} county evaluations), county solves and "
                  f"evaluation {f['county_solve_seconds']:.1f} s, total "
                  f"{f['total_seconds']:.1f} s; gap {100 * f['gap']:.4f} %; peak memory per "
                  f"worker {max(f['worker_peak_mib']):,.0f} MiB", flush=True)
    if len(figures) == 2:
        same = len({f["summary_sha"] for f in figures.values()}) == 1
        print(f"  identical summaries: {'yes' if same else 'NO'}")
    cluster = figures["local cluster"]
    print_targets("Targets (local cluster)", [
        TargetRow("peak memory per worker", f"{max(cluster['worker_peak_mib']):,.0f} MiB",
                  f"≤ {TARGET_WORKER_MIB:,.0f} MiB",
                  max(cluster["worker_peak_mib"]) <= TARGET_WORKER_MIB),
        TargetRow("gap to the province bound", f"{100 * cluster['gap']:.4f} %",
                  f"≤ {100 * TARGET_GAP:.1f} %", cluster["gap"] <= TARGET_GAP),
    ])


if __name__ == "__main__":
    main()
