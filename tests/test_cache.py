"""The run cache (simulator.cache): a kept run comes back bit for bit, is reused only where the
engine would give the same, and the cache stays within its size."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from simulator.cache import SETTINGS_NOT_SIMULATED, RunCache, caching, run_key
from simulator.engine import simulate
from simulator.packages import Package
from simulator.scenario import load_scenario

PACKAGES = [Package(), Package.parse("pv"), Package.parse("employment+equity")]


def _arrays(result) -> dict[str, np.ndarray]:
    """Every array of a run, the amounts by (variant, line)."""
    out = {}
    for name in ("stable", "exit_year", "return_year", "stable_without_support",
                 "exit_year_without_support", "medical", "inpatient_episodes",
                 "exited_by_with_help", "assistance_totals"):
        value = getattr(result, name)
        if value is not None:
            out[name] = np.asarray(value)
    for store in ("outlays", "recoveries"):
        for (variant, line), amount in getattr(result, store).items():
            out[f"{store}:{variant}:{line}"] = np.asarray(amount.amount)
    return out


def _same(first, second) -> None:
    a, b = _arrays(first), _arrays(second)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name]), name


def test_a_kept_run_comes_back_bit_for_bit(tiny_scenario, tmp_path: Path) -> None:
    fresh = simulate(tiny_scenario, packages=PACKAGES, reps=4, seed=3, keep_income=False)
    kept = RunCache(tmp_path / "cache")
    with caching(kept):
        first = simulate(tiny_scenario, packages=PACKAGES, reps=4, seed=3, keep_income=False)
        assert len(kept.entries()) == 1
        second = simulate(tiny_scenario, packages=PACKAGES, reps=4, seed=3, keep_income=False)
    _same(fresh, first)
    _same(fresh, second)
    # another seed, replication count or package list is another run
    with caching(kept):
        simulate(tiny_scenario, packages=PACKAGES, reps=4, seed=4, keep_income=False)
        simulate(tiny_scenario, packages=PACKAGES, reps=5, seed=3, keep_income=False)
        simulate(tiny_scenario, packages=PACKAGES[:2], reps=4, seed=3, keep_income=False)
    assert len(kept.entries()) == 4


def test_settings_the_engine_does_not_read_keep_the_run(tiny_scenario_path: Path) -> None:
    """Each section the key leaves out, changed: the key and the engine's results stay; a
    change the engine reads (the PV tariff) makes another key."""
    base = load_scenario(tiny_scenario_path)
    registry_of = base.population

    def key(scenario) -> str:
        from simulator.population import population_of

        return run_key(scenario, population_of(scenario), packages=PACKAGES, assignment=None,
                       reps=4, seed=3, keep_income=False)

    changed = {
        "budget": "budget.yearly_yuan=[5, 5]",
        "policy": "policy.first_year_return_max_share=0.02",
        "capacities": "capacities.job_slots_per_year=1",
        "optimizer": "optimizer.objective='cvar'",
        "name": "name='another'",
        "simulation": "simulation.preview=true",
        "capacity_costs": "capacity_costs.job_slots_per_year=1",
    }
    assert set(changed) <= set(SETTINGS_NOT_SIMULATED)
    reference = simulate(base, packages=PACKAGES, reps=4, seed=3, keep_income=False)
    for section, override in changed.items():
        scenario = load_scenario(tiny_scenario_path, [override])
        assert scenario.population == registry_of
        assert key(scenario) == key(base), section
        _same(reference, simulate(scenario, packages=PACKAGES, reps=4, seed=3,
                                  keep_income=False))
    tariff = load_scenario(tiny_scenario_path, ["instruments.pv.tariff_yuan_per_kwh=0.9"])
    assert key(tariff) != key(base)


def test_the_cache_keeps_to_its_size_dropping_the_least_recently_used(tmp_path: Path) -> None:
    kept = RunCache(tmp_path / "cache", max_bytes=10**9)
    block = {"stable": np.zeros((2, 4, 1000), dtype=bool), "exit_year": None}
    for key in ("a", "b", "c"):
        kept.store(key, block)
    size = max(e.size_bytes for e in kept.entries())  # manifests differ by a byte or two
    past = time.time() - 100
    for age, key in enumerate(("a", "b", "c")):
        os.utime(tmp_path / "cache" / key / "manifest.json", (past + age, past + age))
    assert kept.load("a") is not None  # used now: the newest
    kept.max_bytes = 2 * size
    assert kept.evict() == ["b"]
    assert [e.key for e in kept.entries()] == ["c", "a"]
    # a run larger than the whole cache is not kept
    RunCache(tmp_path / "small", max_bytes=10).store("big", block)
    assert RunCache(tmp_path / "small").entries() == []


def test_a_damaged_run_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    kept = RunCache(tmp_path / "cache")
    # what a process killed while writing left: removed once it is old, not while it may be
    # another process's entry on its way in
    stale, fresh = tmp_path / "cache" / ".staging-old", tmp_path / "cache" / ".staging-new"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "stable.npy").write_bytes(b"half")
    past = time.time() - 2 * 3600
    os.utime(stale, (past, past))
    kept.evict()
    assert not stale.exists() and fresh.exists()
    kept.store("k", {"stable": np.ones((1, 2, 3), dtype=bool)})
    (tmp_path / "cache" / "k" / "stable.npy").write_bytes(b"not an array")
    assert kept.load("k") is None
    assert not (tmp_path / "cache" / "k").exists()
    assert kept.load("never kept") is None


def test_the_commands_reuse_runs_and_write_the_same_files(cli, tiny_scenario_path: Path,
                                                         tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TUOPIN_CACHE", "on")
    monkeypatch.setenv("TUOPIN_CACHE_DIR", str(tmp_path / "cache"))
    args = ("optimize", tiny_scenario_path, "--reps", "4")
    assert cli(*args, "-o", tmp_path / "cold").exit_code == 0
    kept = json.loads(cli("cache", "--json").stdout)
    assert kept["enabled"] and kept["runs"] >= 2
    assert cli(*args, "-o", tmp_path / "warm").exit_code == 0
    assert json.loads(cli("cache", "--json").stdout)["runs"] == kept["runs"]  # all reused
    assert cli(*args, "-o", tmp_path / "none", "--no-cache").exit_code == 0
    for name in ("summary.json", "allocation.csv", "exits_by_year.svg"):
        cold = (tmp_path / "cold" / name).read_bytes()
        assert cold == (tmp_path / "warm" / name).read_bytes(), name
        assert cold == (tmp_path / "none" / name).read_bytes(), name
    cleared = cli("cache", "--clear")
    assert cleared.exit_code == 0 and f"removed {kept['runs']} kept runs" in cleared.stdout
    assert json.loads(cli("cache", "--json").stdout)["runs"] == 0


@pytest.mark.parametrize("limit", ["lots", "-5", "nan"])
def test_a_wrong_cache_size_is_refused_in_words(cli, monkeypatch, limit: str) -> None:
    monkeypatch.setenv("TUOPIN_CACHE", "on")
    monkeypatch.setenv("TUOPIN_CACHE_MAX_MB", limit)
    result = cli("cache")
    assert result.exit_code == 1
    assert "TUOPIN_CACHE_MAX_MB" in result.stderr and "megabytes" in result.stderr


def test_a_font_cut_once_is_read_back(tmp_path: Path) -> None:
    from simulator.fonts import cjk_subset

    kept = RunCache(tmp_path / "cache")
    with caching(kept):
        first = cjk_subset("乳源瑶族自治县", flavor="woff")
        assert len(kept.entries()) == 1
        again = cjk_subset("县治自族瑶源乳", flavor="woff")  # the same characters
        other = cjk_subset("乳源", flavor="woff")
    assert first == again == cjk_subset("乳源瑶族自治县", flavor="woff")  # as without a cache
    assert other != first and len(kept.entries()) == 2


def test_folders_that_are_not_entries_are_never_counted_or_removed(tmp_path: Path) -> None:
    """A command's output folder in the cache's place (its own manifest.json) is left alone
    by eviction and clearing."""
    kept = RunCache(tmp_path, max_bytes=0)
    output = tmp_path / "ruyuan"
    output.mkdir()
    (output / "manifest.json").write_text('{"files": {}}', encoding="utf-8")
    kept.store("k", {"stable": np.ones((1, 2, 3), dtype=bool)})  # too large for 0 bytes
    assert kept.entries() == [] and kept.clear() == 0 and kept.evict() == []
    assert (output / "manifest.json").is_file()
