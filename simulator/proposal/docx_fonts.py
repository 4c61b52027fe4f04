"""The bundled Chinese font embedded in a Word document, so that it renders without system fonts.

A .docx names its fonts; on a machine without them Word, WPS and LibreOffice substitute, and a
machine with no Chinese font draws every character as a box. Office Open XML lets a document
carry its fonts (ECMA-376 Part 1 §17.8.1): each font is stored obfuscated (its first 32 bytes
XORed with a key made from a GUID) as ``word/fonts/*.odttf`` and named in ``fontTable.xml``.
Word accepts TrueType outlines only, so the bundled font (Noto Sans SC, CFF outlines) is cut
down to the document's characters and its cubic outlines converted to quadratic ones.

python-docx has no API for any of this, so the finished document's zip is amended here.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from xml.sax.saxutils import escape

from simulator.fonts import CJK_FAMILY, cjk_subset

OUTLINE_TOLERANCE = 1.0
"""Largest distance between a cubic outline and the quadratic one that replaces it [font units,
1/1000 em]: invisible at print sizes (the usual choice of TrueType converters)."""

FONT_PART = "word/fonts/font1.odttf"
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"


def embed_cjk_font(document: bytes) -> bytes:
    """``document`` (a .docx's bytes) with the bundled CJK font, cut down to the characters the
    document uses, embedded and declared; the font key is derived from the font's bytes, so the
    same document gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(document))
    text = "".join(_text_of(source.read(name).decode("utf-8"))
                   for name in source.namelist()
                   if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name))
    font = truetype_subset(text)
    key = str(uuid.UUID(bytes=hashlib.sha256(font).digest()[:16])).upper()
    key = "{" + key + "}"
    parts = {name: source.read(name) for name in source.namelist()}
    parts[FONT_PART] = obfuscate(font, key)
    parts["word/fontTable.xml"] = _declare(parts["word/fontTable.xml"].decode("utf-8"),
                                           key).encode("utf-8")
    parts["word/_rels/fontTable.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdFont1" Type="{FONT_RELATIONSHIP}" Target="fonts/font1.odttf"/>'
        '</Relationships>').encode()
    types = parts["[Content_Types].xml"].decode("utf-8")
    if 'Extension="odttf"' not in types:
        types = types.replace("<Default ", f'<Default Extension="odttf" '
                              f'ContentType="{OBFUSCATED_FONT}"/><Default ', 1)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    settings = parts["word/settings.xml"].decode("utf-8")
    if "embedTrueTypeFonts" not in settings:
        # the first children of w:settings come in a fixed order; these two lead it
        settings = re.sub(r"(<w:settings\b[^>]*>)",
                          r"\1<w:embedTrueTypeFonts/><w:saveSubsetFonts/>", settings, count=1)
    parts["word/settings.xml"] = settings.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return buffer.getvalue()


def obfuscate(font: bytes, key: str) -> bytes:
    """The font as stored in a .docx: its first 32 bytes XORed with the 16 bytes of the GUID
    ``key`` ("{XXXXXXXX-…}") read from its last hex pair to its first (ECMA-376 §17.8.1).
    The same function undoes it."""
    digits = key.strip("{}").replace("-", "")
    code = bytes(int(digits[i:i + 2], 16) for i in range(30, -2, -2))
    head = bytes(b ^ code[i % 16] for i, b in enumerate(font[:32]))
    return head + font[32:]


def truetype_subset(text: str) -> bytes:
    """The bundled CJK font cut down to the characters of ``text`` (and the Latin digits and
    punctuation Word may set in it), with TrueType (quadratic) outlines."""
    ascii_text = "".join(chr(c) for c in range(0x20, 0x7F))
    return cjk_subset(text + ascii_text, convert=_to_quadratic)


def _to_quadratic(font) -> None:
    """Replace a font's CFF (cubic) outlines by glyf (quadratic) ones, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise, TrueType's clockwise
        glyph_set[name].draw(Cu2QuPen(pen, OUTLINE_TOLERANCE, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    metrics = font["hmtx"].metrics
    for name in order:
        glyph = glyf[name]
        advance = metrics[name][0]
        metrics[name] = (advance, getattr(glyph, "xMin", 0) if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1  # no instructions: one zone, no storage, stack or twilight points
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                  "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.recalc(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


def _declare(font_table: str, key: str) -> str:
    """``fontTable.xml`` with the embedded family declared (CJK charset, the font part)."""
    entry = (f'<w:font w:name="{escape(CJK_FAMILY)}"><w:charset w:val="86"/>'
             '<w:family w:val="swiss"/><w:pitch w:val="variable"/>'
             f'<w:embedRegular r:id="rIdFont1" w:fontKey="{key}"/></w:font>')
    return font_table.replace("</w:fonts>", entry + "</w:fonts>")


def _text_of(xml: str) -> str:
    return "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml))


__all__ = ["embed_cjk_font", "obfuscate", "truetype_subset"]
