"""The ``tuopin`` command group, the options its commands share, and the entry point.

Exit codes: 0 ok; 1 the input was wrong (bad scenario, registry or option); 2 internal error
(a bug in tuopin: the traceback is printed).
"""

from __future__ import annotations

import json
import locale
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from simulator.cache import caching, user_cache
from simulator.console_words import say
from simulator.errors import TuopinError
from simulator.files import (
    finite_or_null,
    json_default,
)
from simulator.messages import message_zh, usage_error_zh
from simulator.outputs import OutputRun
from simulator.version import __version__

DEFAULT_SCENARIO = "ruyuan-2016.toml"
"""The scenario ``tuopin run`` uses when none is named."""

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERNAL_ERROR = 0, 1, 2


# ---------------------------------------------------------------------------------------------
# shared options and helpers

def set_option(function: Any) -> Any:
    return click.option(
        "--set", "overrides", multiple=True, metavar="PATH=VALUE",
        help="Override a scenario field, e.g. --set instruments.pv.tariff_yuan_per_kwh=0.75 "
             "(repeatable; validated like the file).")(function)


def registry_option(function: Any) -> Any:
    return click.option(
        "--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Use this registry file (CSV or .xlsx) instead of the scenario's population.")(
        function)


def workers_option(function: Any) -> Any:
    return click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Worker processes for the engine runs; results do not depend "
                             "on it.")(function)


def cache_option(function: Any) -> Any:
    """``--no-cache``; without it the command's engine runs are kept and reused
    (:mod:`simulator.cache`, in the user's cache folder)."""
    def enter(context: click.Context, _parameter: click.Parameter, off: bool) -> bool:
        context.with_resource(caching(None if off else user_cache()))
        return off

    return click.option("--no-cache", is_flag=True, expose_value=False, callback=enter,
                        help="Simulate everything anew instead of reusing the engine runs kept "
                             "from earlier commands (results are the same either way; see "
                             "tuopin cache).")(function)


def lang_option(function: Any) -> Any:
    return click.option("--lang", type=click.Choice(["zh", "en"]), default="zh",
                        show_default=True,
                        help="Language of charts, documents and what the command prints: "
                             "Chinese or English (documents default to Chinese; the printing "
                             "to TUOPIN_LANG or the system's language).")(function)


def json_option(function: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print a machine-readable summary on stdout.")(function)


def console_language() -> str:
    """The language the running command prints in: its ``--lang`` when the user gave one, else
    ``TUOPIN_LANG`` or the system's language (:func:`message_language`)."""
    context = click.get_current_context(silent=True)
    if context is not None and context.get_parameter_source("lang") not in (
            None, ParameterSource.DEFAULT):
        return str(context.params["lang"])
    return message_language([])


def emit_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(finite_or_null(payload), ensure_ascii=False, indent=2,
                          default=json_default, allow_nan=False))


def echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)


def record(run: OutputRun, outputs: list[Path], provenance: dict[str, Any], as_json: bool,
            run_record: dict[str, Any] | None = None, **payload: Any) -> list[Path]:
    """Commit the staged outputs with their manifest (all or nothing); with --json, print the
    final paths and ``payload``. Returns the final paths, the manifest last. Notes on what
    the commit repaired (a run that died) are printed in the command's language."""
    final = run.commit(outputs, provenance, run_record)
    if as_json:
        emit_json({"ok": True, "output_dir": run.target, "manifest": final[-1],
                    "outputs": final[:-1], **payload})
    lang = console_language()
    for note in run.notes:
        text = (message_zh(note) or note) if lang == "zh" else note
        click.echo(say("note", lang, text=text), err=True)
    return final


# ---------------------------------------------------------------------------------------------
# commands

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tuopin")
def cli() -> None:
    """tuopin (脱贫): simulate and optimise a poverty-exit budget.

    \b
    Examples:
      tuopin run                                   # the default scenario, outputs in out/
      tuopin validate scenarios/*.toml
      tuopin show ruyuan-2016 --set instruments.pv.tariff_yuan_per_kwh=0.75
      tuopin population ruyuan-2016 -o households.csv --seed 1
    """


# ---------------------------------------------------------------------------------------------
# entry point


def message_language(args: Sequence[str]) -> str:
    """The language of the CLI's error messages: the command's ``--lang``, else
    ``TUOPIN_LANG``, else the system's locale (a Chinese locale gives Chinese)."""
    for i, arg in enumerate(args):
        given = args[i + 1] if arg == "--lang" and i + 1 < len(args) else \
            arg.split("=", 1)[1] if arg.startswith("--lang=") else None
        if given in ("zh", "en"):
            return given
    chosen = os.environ.get("TUOPIN_LANG", "")
    if chosen in ("zh", "en"):
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:  # Windows sets no LANG: its own locale name
        system = locale.getlocale()[0] or ""
    except ValueError:  # a locale Python cannot parse
        system = ""
    return "zh" if system.lower().startswith(("zh", "chinese")) else "en"


def error_text(error: TuopinError, lang: str) -> str:
    """A user error as the CLI prints it: in Chinese from the message catalogue
    (:mod:`simulator.messages`), or as the checks wrote it."""
    if lang != "zh":
        return f"error: {error}"
    from simulator.errors import problem_list
    from simulator.messages import problem_line

    return "错误：" + problem_list([problem_line(p, "zh") for p in error.problems], "zh")


def usage_error_text(error: click.ClickException, lang: str) -> str | None:
    """A mistyped command line (an unknown option, a value out of range) in Chinese, with
    where to find the usage; None to let click print it (English, or a shape the catalogue
    does not know)."""
    if lang != "zh":
        return None
    text = usage_error_zh(error.format_message())
    if text is None:
        return None
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "tuopin"
    return f"错误：{text}" + say("usage_hint", lang, command=command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 ok, 1 user error, 2 internal error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="tuopin", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except TuopinError as exc:
        if "--json" in args:
            emit_json({"ok": False, "errors": [{"source": p.source, "where": p.where,
                                                 "message": p.message} for p in exc.problems]})
        click.echo(error_text(exc, message_language(args)), err=True)
        return EXIT_USER_ERROR
    except click.exceptions.Abort:
        click.echo(say("aborted", message_language(args)), err=True)
        return EXIT_USER_ERROR
    except click.ClickException as exc:
        text = usage_error_text(exc, message_language(args))
        if text is None:
            exc.show()
        else:
            click.echo(text, err=True)
        return EXIT_USER_ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception:  # anything else is a bug in tuopin, not in the user's input
        traceback.print_exc()
        click.echo(say("internal_error", message_language(args)), err=True)
        return EXIT_INTERNAL_ERROR


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
