"""Bytes to text for HTML pages: byte-order mark (or UTF-16 without one, told by the zero byte beside
every ASCII character, which no page in an ASCII-compatible charset has), then the page's own charset
declaration checked against the bytes, then UTF-8, then Windows-1252.

This follows the order a browser uses when it has no HTTP header (WHATWG "encoding sniffing"): a BOM
wins, then ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` / an XML declaration within the
first :data:`PRESCAN_BYTES`, and otherwise UTF-8. Unlike a browser, the declaration is checked
against the bytes, because scraped pages are often re-encoded without their declaration being
updated, and decoding them by it would corrupt text for good (UTF-8 quotes ``”`` = ``e2 80 9d`` read
as Windows-1252 hit an undefined byte and become U+FFFD):

- bytes that are valid UTF-8 with non-ASCII characters are UTF-8 whatever a single-byte charset
  declaration says (Windows-1252 text almost never forms valid multi-byte UTF-8 sequences);
- a declared charset that cannot decode the bytes strictly is not used: UTF-8, then Windows-1252,
  then Latin-1 (which decodes any byte, one character per byte) are tried instead.

:func:`sniff_html` says which encoding was used and, when the declaration was not followed, why.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["PRESCAN_BYTES", "Decoded", "declared_charset", "decode_html", "sniff_html", "utf8_source"]

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


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the Python codec used
    note: str = ""  # why the page's declaration was not followed (empty when it was, or none)


#: Tried in order when neither a BOM nor a fitting declaration decides; Latin-1 never fails.
FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")

_SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-15", "cp1250", "cp1251", "iso8859-2", "ascii"})


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (LookupError, UnicodeError, ValueError):
        return None


def sniff_html(data: bytes) -> Decoded:
    """Decode a page (see the module's docstring) and say how.

    >>> d = sniff_html('<meta charset="iso-8859-1"><p>“ok”'.encode("utf-8"))
    >>> d.text[-4:], d.encoding, d.note
    ('“ok”', 'utf-8', 'declared cp1252 (iso-8859-1) but the bytes are UTF-8: decoded as utf-8')
    >>> sniff_html(b'<meta charset="utf-8"><p>caf\\xe9').encoding
    'cp1252'
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(codec, errors="replace"), codec)
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        text = _strict(data, utf16)
        if text is not None:
            return Decoded(text, utf16, f"no byte-order mark but the bytes are UTF-16: decoded as {utf16}")
    head = data[:PRESCAN_BYTES]
    declared = declared_charset(head)
    label = _declared_label(head)
    shown = f"{declared} ({label})" if declared and label and label != declared else str(declared)
    if declared is not None:
        if declared != "utf-8" and not data.isascii():
            as_utf8 = _strict(data, "utf-8")
            if as_utf8 is not None and (declared in _SINGLE_BYTE or _strict(data, declared) is None):
                return Decoded(as_utf8, "utf-8", f"declared {shown} but the bytes are UTF-8: decoded as utf-8")
        text = _strict(data, declared)
        if text is not None:
            return Decoded(text, declared)
    for codec in FALLBACK_ENCODINGS:
        if codec == declared:
            continue
        text = _strict(data, codec)
        if text is not None:
            note = f"declared {shown} does not fit the bytes: decoded as {codec}" if declared else ""
            if not declared and codec != "utf-8":
                note = f"no charset declared and the bytes are not UTF-8: decoded as {codec}"
            return Decoded(text, codec, note)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


#: A page is taken for UTF-16 without a byte-order mark when, in its first bytes, at least this share
#: of the characters have a zero high byte (markup is ASCII) and the other bytes are almost never zero.
_UTF16_ZERO_SHARE = 0.3
_UTF16_SAMPLE = 1024


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` when ``data`` looks like UTF-16 text without a BOM (read as UTF-8
    it would be valid, with a NUL between every two letters), else None.

    >>> _bomless_utf16("<p>Harga naik</p>".encode("utf-16-le")), _bomless_utf16(b"<p>ok</p>" * 4)
    ('utf-16-le', None)
    """
    head = data[:_UTF16_SAMPLE]
    pairs = len(head) // 2
    if pairs < 8 or b"\0" not in head:
        return None
    even, odd = head[0:pairs * 2:2].count(0), head[1:pairs * 2:2].count(0)
    if odd >= _UTF16_ZERO_SHARE * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= _UTF16_ZERO_SHARE * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _declared_label(head: bytes) -> str | None:
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "replace").strip().lower() if match else None


def decode_html(data: bytes) -> str:
    """Decode a page: BOM, else the declared charset when it fits the bytes, else UTF-8, else
    Windows-1252 (see :func:`sniff_html`, which also says which was used).

    >>> decode_html('<meta charset="windows-1252"><p>caf\\xe9'.encode("cp1252"))
    '<meta charset="windows-1252"><p>café'
    >>> decode_html(b"\\xef\\xbb\\xbf<p>ok")
    '<p>ok'
    >>> decode_html(b"<p>\\xff")
    '<p>ÿ'
    """
    return sniff_html(data).text


def utf8_source(data: bytes, decoded: Decoded) -> bytes | None:
    """``data`` itself when it is exactly ``decoded.text`` in UTF-8 (``sniff_html`` decoded it strictly as
    UTF-8, without a byte-order mark) and holds no NUL byte, else None. The HTML parser reads UTF-8 bytes
    as they are: handing it these instead of the text saves encoding the page again, for the same
    document.

    >>> data = "<p>café</p>".encode("utf-8")
    >>> utf8_source(data, sniff_html(data)) is data
    True
    >>> [utf8_source(d, sniff_html(d)) for d in (codecs.BOM_UTF8 + data, "<p>café".encode("cp1252"), b"<p>\\0")]
    [None, None, None]
    """
    if decoded.encoding == "utf-8" and not data.startswith(codecs.BOM_UTF8) and b"\0" not in data:
        return data
    return None
