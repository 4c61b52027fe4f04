"""``tuopin serve``: the web page for planners who do not use a command line."""

from __future__ import annotations

import os
from pathlib import Path

import click

from simulator.cli.base import cli
from simulator.web.settings import DEFAULT_HOST, FREE_PORT


@cli.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on. The default serves this computer only; another "
                   "address lets other computers of the network in.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=FREE_PORT,
              show_default=True, help="Port to listen on; 0 takes a free one.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the page and of the documents (the page has a switch).")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that keeps the runs between sessions (default: the user's data "
                   "folder, e.g. ~/.local/share/tuopin/workspace).")
@click.option("--no-cache", is_flag=True,
              help="Simulate every run anew instead of reusing kept engine runs (see tuopin "
                   "cache).")
def serve(host: str, port: int, no_browser: bool, lang: str, workspace: Path | None,
          no_cache: bool) -> None:
    """Open tuopin as a web page: choose a scenario, upload a registry, set the budgets, run,
    look at the results household by household and download the proposal.

    Prints the page's address and opens it in the browser. Everything runs on this computer;
    the page makes no request to the internet. Stop with Ctrl-C.

    \b
    Example:
      tuopin serve                     # a free port on 127.0.0.1, opened in the browser
      tuopin serve --port 8000 --no-browser --lang en
    """
    from simulator.web.server import serve as run_server

    if no_cache:  # the runs are made by a worker process: it reads the setting from here
        os.environ["TUOPIN_CACHE"] = "off"
    try:
        run_server(host, port, lang=lang, open_browser=not no_browser, workspace=workspace,
                   announce=lambda address: click.echo(f"tuopin serve: {address}  (Ctrl-C "
                                                       f"stops it)"))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
