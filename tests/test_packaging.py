"""The installed package finds its bundled scenarios (a non-editable install, no network)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(out)], check=True,
                   capture_output=True)
    return next(out.glob("tuopin-*.whl"))


def test_wheel_ships_the_bundled_scenarios(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    prefix = "simulator/scenarios/"
    shipped = {n[len(prefix):] for n in names if n.startswith(prefix) and n.endswith(".toml")}
    folder = ROOT / "scenarios"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*.toml")}
    # county scenarios, their calibration targets and the provinces
    assert {"ruyuan-2016.toml", "targets/ruyuan-2016.toml",
            "provinces/example-province.toml"} <= on_disk
    assert shipped == on_disk
    assert any(n.endswith("entry_points.txt") for n in names)


def test_wheel_ships_the_web_pages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    web = ROOT / "simulator" / "web"
    files = [p for folder in ("templates", "static") for p in (web / folder).iterdir()]
    assert files
    for path in files:
        assert f"simulator/web/{path.parent.name}/{path.name}" in names, path.name


def test_installed_package_validates_every_bundled_scenario(wheel: Path,
                                                            tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    code = ("import simulator, sys; from simulator.scenario import bundled_scenarios_dir;"
            "print(simulator.__file__); print(bundled_scenarios_dir());"
            "from simulator.cli import main;"
            "sys.exit(main(['validate', 'ruyuan-2016', 'jishou-2016', 'changchun-edge']))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    package_file, scenarios_dir = completed.stdout.splitlines()[:2]
    assert package_file.startswith(str(target))
    assert scenarios_dir.startswith(str(target))
    assert completed.stdout.count("ok:") == 3
