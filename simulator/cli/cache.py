"""``tuopin cache``: what the kept engine runs take, and clearing them."""

from __future__ import annotations

import click

from simulator.cache import user_cache
from simulator.cli.base import cli, console_language, emit_json, json_option
from simulator.console_words import say
from simulator.units import BYTES_PER_MB


@cli.command(name="cache")
@click.option("--clear", is_flag=True, help="Remove every kept run.")
@json_option
def cache_command(clear: bool, as_json: bool) -> None:
    """Show where the engine runs kept for reuse are, how many and how large; or clear them.

    tuopin run, simulate, optimize, propose, compare and the web page keep each engine run
    (keyed by everything it depends on, and tuopin's own code), so that the next command
    with, say, another budget does not simulate the same households again. Results are the
    same with or without it. TUOPIN_CACHE_DIR chooses the folder, TUOPIN_CACHE_MAX_MB its
    size, TUOPIN_CACHE=off turns it off.

    \b
    Examples:
      tuopin cache
      tuopin cache --clear
    """
    kept = user_cache()
    says = console_language()
    if kept is None:
        if as_json:
            emit_json({"ok": True, "enabled": False})
        else:
            click.echo(say("cache_off", says))
        return
    removed = kept.clear() if clear else 0
    entries = kept.entries()
    size = sum(e.size_bytes for e in entries)
    if as_json:
        emit_json({"ok": True, "enabled": True, "directory": kept.directory,
                   "runs": len(entries), "size_bytes": size, "max_bytes": kept.max_bytes,
                   "removed": removed})
        return
    if clear:
        click.echo(say("cache_cleared", says, n=removed, directory=kept.directory))
    click.echo(say("cache_state", says, directory=kept.directory, n=len(entries),
                   mb=size / BYTES_PER_MB, limit=kept.max_bytes / BYTES_PER_MB))
