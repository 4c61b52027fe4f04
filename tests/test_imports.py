"""Every module imports on its own: no import cycle hides behind the order in which the package's
``__init__`` happens to import things."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "simulator"

IMPORT_EACH = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "simulator" or m.startswith("simulator.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:  # report every module that fails, not only the first
        failed.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # runs the CLI when imported
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_alone_even_with_an_empty_package_init(tmp_path: Path) -> None:
    copy = tmp_path / "simulator"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "__init__.py").write_text("", encoding="utf-8")
    modules = _modules(copy)
    assert len(modules) > 40
    # two interpreters, each importing half of the modules: the suite runs on two cores
    halves = [modules[0::2], modules[1::2]]
    running = [subprocess.Popen([sys.executable, "-c", IMPORT_EACH, *half], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for half in halves]
    for process in running:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
