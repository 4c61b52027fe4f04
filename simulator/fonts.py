"""The CJK font charts are drawn with, so Chinese labels never show as missing-glyph boxes.

tuopin depends on ``pylopdf-fonts-zh-cn``, a wheel that carries Noto Sans SC (SIL Open Font
License): ``pip install`` brings the font with the package, on any machine, with no system font
or administrator rights. It is registered with matplotlib the first time a chart is drawn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

CJK_FAMILY = "Noto Sans SC"
FALLBACK_FAMILIES = ["DejaVu Sans"]
"""Latin-only fallbacks after the CJK font (matplotlib picks per glyph from the first that
has it)."""


def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans SC font file."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


@cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default sans-serif family."""
    import matplotlib
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FAMILY, *FALLBACK_FAMILIES]
    # The CJK font has no U+2212 minus: draw negative numbers with a hyphen-minus.
    matplotlib.rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` (other than whitespace) that the CJK font cannot draw."""
    charmap = _charmap(str(cjk_font_path()))
    return {c for c in text if not c.isspace() and ord(c) not in charmap}


@cache
def _font_digest() -> str:
    """SHA-256 of the bundled CJK font file."""
    return hashlib.sha256(cjk_font_path().read_bytes()).hexdigest()


@cache
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def cjk_subset(text: str, *, flavor: str | None = None,
               convert: Callable[[Any], None] | None = None) -> bytes:
    """The bundled CJK font cut down to the characters of ``text`` (names and layout features
    kept, an outlined .notdef), saved as ``flavor`` ("woff" for a web page; None: the font
    file itself); ``convert`` changes the cut font in place before it is saved (TrueType
    outlines for Word)."""
    import io

    from fontTools import subset

    from simulator.cache import active, code_digest, library_versions

    characters = "".join(sorted(set(text)))
    kept = active()
    key = hashlib.sha256(json.dumps(
        {"what": "CJK font subset", "code": code_digest(), "libraries": library_versions(),
         "font": _font_digest(), "characters": characters,
         "flavor": flavor, "convert": None if convert is None else convert.__qualname__},
        ensure_ascii=False).encode("utf-8")).hexdigest()
    if kept is not None:  # the same characters come back run after run: cut them once
        found = kept.load_bytes(key)
        if found is not None:
            return found
    options = subset.Options()
    options.flavor = flavor
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    if convert is not None:
        convert(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    font.close()
    if kept is not None:
        kept.store_bytes(key, buffer.getvalue())
    return buffer.getvalue()
