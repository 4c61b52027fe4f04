"""Start the web application: bind the port, say where it is, open the browser, serve."""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path

from simulator.web.settings import DEFAULT_HOST, FREE_PORT, LISTEN_BACKLOG, LOOPBACK_NAMES


def bind(host: str = DEFAULT_HOST, port: int = FREE_PORT) -> socket.socket:
    """A listening socket on ``host``:``port`` (``port`` 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    return sock


def page_address(sock: socket.socket) -> str:
    """The address a browser on this computer opens."""
    host, port = sock.getsockname()[:2]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/"


def default_workspace() -> Path:
    """Where ``tuopin serve`` keeps its runs between sessions: the user's data folder
    (``~/.local/share/tuopin`` on Linux, ``%LOCALAPPDATA%\\tuopin`` on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("tuopin", appauthor=False)) / "workspace"


def serve(host: str = DEFAULT_HOST, port: int = FREE_PORT, *, lang: str = "zh",
          open_browser: bool = True, announce: Callable[[str], None] = print,
          workspace: Path | None = None) -> None:
    """Serve the application until interrupted (Ctrl-C); runs are kept in ``workspace``
    (default: :func:`default_workspace`)."""
    import uvicorn

    from simulator.web.app import create_app

    sock = bind(host, port)
    address = page_address(sock)
    announce(address)
    if open_browser:
        webbrowser.open(address)  # False, and nothing happens, when no browser is available
    hosts = LOOPBACK_NAMES if host in LOOPBACK_NAMES else None
    root = workspace if workspace is not None else default_workspace()
    root.mkdir(parents=True, exist_ok=True)
    config = uvicorn.Config(create_app(root, lang=lang, allowed_hosts=hosts),
                            log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
