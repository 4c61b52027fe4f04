"""``python -m simulator`` runs the ``tuopin`` command."""

from simulator.cli import entry_point

entry_point()
