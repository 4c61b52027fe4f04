"""The installed version of tuopin (a leaf module: documents and manifests record it)."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("tuopin")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
