"""Bytes to text for HTML pages: byte-order mark, then the page's own charset declaration, then UTF-8.

This follows the order a browser uses when it has no HTTP header (WHATWG "encoding sniffing"), minus
the statistical guessing: a BOM wins, then ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` /
an XML declaration within the first :data:`PRESCAN_BYTES`, and otherwise UTF-8. Undecodable bytes
become U+FFFD instead of raising, so a mis-declared page still yields text.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["PRESCAN_BYTES", "declared_charset", "decode_html"]

#: How far into the page to look for a charset declaration (browsers look at 1024 bytes; real pages
#: often put a long comment or script first, so look further).
PRESCAN_BYTES = 4096

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)

#: Labels that browsers decode as something else (WHATWG encoding standard): Latin-1 and ASCII pages
#: are really Windows-1252 in practice, and a page cannot declare itself UTF-16 in ASCII-compatible
#: markup, so such a declaration means UTF-8.
_LABEL_OVERRIDES: dict[str, str] = {
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf-32": "utf-8",
    "utf-32-le": "utf-8",
    "utf-32-be": "utf-8",
}


#: Codecs Python knows that no browser decodes a page with (UTF-7 is banned for security reasons).
_NOT_PAGE_ENCODINGS = frozenset(
    {
        "unicode-escape",
        "raw-unicode-escape",
        "idna",
        "punycode",
        "undefined",
        "utf-7",
        "mbcs",
        "oem",
    }
)


def declared_charset(head: bytes) -> str | None:
    """The Python codec name declared in the first bytes of a page, or ``None``.

    >>> declared_charset(b'<html><head><meta charset="ISO-8859-1">')
    'cp1252'
    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gbk">')
    'gbk'
    >>> declared_charset(b'<meta charset="no-such-charset">') is None
    True
    >>> declared_charset(b'<meta charset="base64">') is None
    True
    """
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # Only real character encodings: "base64", "rot13" and Python's escape codecs are codecs too.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_ENCODINGS:
        return None
    return _LABEL_OVERRIDES.get(info.name, info.name)


def decode_html(data: bytes) -> str:
    """Decode a page: BOM, else declared charset, else UTF-8; bad bytes become U+FFFD.

    >>> decode_html('<meta charset="windows-1252"><p>caf\\xe9'.encode("cp1252"))
    '<meta charset="windows-1252"><p>café'
    >>> decode_html(b"\\xef\\xbb\\xbf<p>ok")
    '<p>ok'
    >>> decode_html(b"<p>\\xff")
    '<p>\\ufffd'
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    codec = declared_charset(data[:PRESCAN_BYTES]) or "utf-8"
    try:
        return data.decode(codec, errors="replace")
    except (LookupError, UnicodeError, ValueError):  # a codec that still refuses: fall back, never raise
        return data.decode("utf-8", errors="replace")
