"""The ``tuopin`` command: a thin layer over the library functions notebooks call.

Each command parses its options, calls one public function, writes its outputs atomically with a
``manifest.json`` beside them (:mod:`simulator.writers`, :mod:`simulator.outputs`), and prints a
short summary (:mod:`simulator.console`) or JSON with ``--json``. The group, shared options and
entry point are in :mod:`.base`; the commands in :mod:`.inputs`, :mod:`.runs`,
:mod:`.research`, :mod:`.province`, :mod:`.watch` and :mod:`.cache`; the web page in
:mod:`.serve`.
"""

from simulator.cli import (  # noqa: F401  (registers the commands)
    cache,
    inputs,
    province,
    research,
    runs,
    serve,
    watch,
)
from simulator.cli.base import (
    EXIT_INTERNAL_ERROR,
    EXIT_OK,
    EXIT_USER_ERROR,
    cli,
    entry_point,
    main,
)

__all__ = ["EXIT_INTERNAL_ERROR", "EXIT_OK", "EXIT_USER_ERROR", "cli", "entry_point", "main"]
