"""Text-level cleaners: plain ``str -> str`` functions that never add or remove line breaks.

They run on one line at a time inside a pipeline (so explain steps point at a line), and are equally
usable on a whole text.

The Unicode repair is ftfy with conservative news defaults (:data:`NEWS_FTFY_CONFIG`). ftfy is
thorough but slow (a few MB/s), and almost every line of real news needs nothing from it, so
:func:`fix_unicode` first checks each segment: a segment with none of the characters ftfy's steps
react to, no HTML entity and already in normal form is returned as is, because every ftfy step
provably leaves such a segment unchanged (see :func:`_risky_chars`); any other segment goes to ftfy. The result
is equal to ``ftfy.fix_text(text, NEWS_FTFY_CONFIG)`` for every input (tested on random and real
text), at the cost of one regex scan (and a normal-form check for non-ASCII text) on clean text.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import re
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import diskcache
from .speedups import load

if TYPE_CHECKING:
    import ftfy

__all__ = [
    "NEWS_FTFY_CONFIG",
    "fix_unicode",
    "normalize_spaces",
    "remove_invisible",
    "separators_to_spaces",
    "strip_line",
]

#: ftfy configuration for news. Differences from ftfy's defaults, and why:
#: - ``unescape_html=True``: news text carries stray entities (``&amp;``, ``&quot;``) even next to
#:   a ``<``; ftfy's "auto" would stop unescaping for the rest of the text after the first ``<``.
#: - ``uncurl_quotes=False``: curly quotes are the text's own punctuation.
#: - ``fix_character_width=False``: keep the text's own letters (halfwidth/fullwidth CJK forms are
#:   meaningful in CJK text).
#: - ``explain=False``: newsclean records its own explain steps.
#: (``NEWS_FTFY_CONFIG`` is made when first asked for: see :func:`_ftfy`.)
NEWS_FTFY_CONFIG: ftfy.TextFixerConfig


def _news_config() -> ftfy.TextFixerConfig:
    import ftfy

    return ftfy.TextFixerConfig(unescape_html=True, uncurl_quotes=False, fix_character_width=False, explain=False)


@functools.lru_cache(maxsize=1)
def _ftfy() -> Any:
    """ftfy and this module's news configuration, imported when first needed: a run whose text has
    nothing for ftfy to repair never imports it (about a third of the import time of the package)."""
    import ftfy

    global NEWS_FTFY_CONFIG
    NEWS_FTFY_CONFIG = _news_config()
    return ftfy


def __getattr__(name: str) -> Any:
    if name == "NEWS_FTFY_CONFIG":
        _ftfy()
        return NEWS_FTFY_CONFIG
    if name == "_RISKY_RE":
        return _risky_re()
    if name == "_ANY_CLEANER_RE":
        return _any_cleaner_re()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _risky_chars(config: ftfy.TextFixerConfig | None = None) -> str:
    """Return the characters whose presence may let ``ftfy.fix_text(..., config)`` change a segment.

    The argument, step by step, for a segment that has none of these characters, has no HTML entity
    (checked separately) and is already in the configured normal form:

    - ``unescape_html`` only rewrites matches of ``chardata.HTML_ENTITY_RE``.
    - ``fix_encoding`` returns the text unchanged unless ``badness.is_bad`` matches. Every alternative
      of ftfy's badness regex needs at least one character from a mojibake category other than
      punctuation ("start_punctuation", "end_punctuation", "common") or a non-punctuation,
      non-space literal of the regex (``Â``, ``Ã``, ``Ø``, ``√``, ``β`` ...): all of those are here.
      The punctuation and space literals (``–``, ``—``, ``\xa0``) only occur right after such a
      letter. A test checks this against ``is_bad`` exhaustively on short strings.
    - C1 controls, ligatures, full/half-width forms (when that fix is on), curly quotes (when
      uncurling is on), line breaks, surrogates, terminal escapes and ftfy's control characters are
      all here.
    - Normalization is checked with ``unicodedata.is_normalized``.
    """
    _ftfy()
    from ftfy import badness, chardata

    if config is None:
        config = NEWS_FTFY_CONFIG
    cats = badness.MOJIBAKE_CATEGORIES

    def expand(spec: str) -> set[str]:
        return set(re.sub(r"(.)-(.)", lambda m: "".join(
            chr(c) for c in range(ord(m.group(1)), ord(m.group(2)) + 1)), spec))

    risky: set[str] = set()
    for name, spec in cats.items():
        if name not in ("start_punctuation", "end_punctuation", "common"):
            risky |= expand(spec)
    pattern_literals = re.sub(r"\{[a-z_0-9]+\}", "", badness.BADNESS_RE.pattern)
    risky |= {ch for ch in pattern_literals
              if not ch.isascii() and unicodedata.category(ch)[0] not in "PZ"}
    if config.fix_latin_ligatures:
        risky |= {chr(c) if isinstance(c, int) else c for c in chardata.LIGATURES}
    if config.fix_character_width:
        risky |= {chr(c) for c in chardata.WIDTH_MAP}
    if config.uncurl_quotes:
        risky |= set(chardata.SINGLE_QUOTE_RE.pattern[1:-1]) | set(chardata.DOUBLE_QUOTE_RE.pattern[1:-1])
    risky |= {chr(c) for c in chardata.CONTROL_CHARS}
    risky |= {chr(c) for c in range(0x20) if chr(c) not in "\t\n"}
    risky |= {chr(c) for c in range(0x7F, 0xA0)} | {"\u2028", "\u2029"}
    return "".join(sorted(risky))


def _class_regex(chars: str, extra: str = "") -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in chars) + extra + "]")


# Surrogates cannot go through re.escape one by one; ftfy's fix_surrogates looks for them.
_SURROGATES = "\ud800-\udfff"


@functools.lru_cache(maxsize=1)
def _risky_re() -> re.Pattern[str]:
    """The news configuration's risky characters (:func:`_risky_chars`) and surrogates, as a class."""
    return _class_regex(_RISKY, _SURROGATES)


def _needs_ftfy(segment: str, risky: re.Pattern[str], config: ftfy.TextFixerConfig | None = None) -> bool:
    # config None: the news configuration (its values derived once: see _derive)
    unescape, form = ((_DERIVED["unescape_html"], _DERIVED["normalization"]) if config is None
                      else (config.unescape_html, config.normalization))
    if risky.search(segment) is not None:
        return True
    if unescape and "&" in segment and _ENTITY_RE.search(segment) is not None:
        return True
    if segment.isascii() or form is None:
        return False
    return not unicodedata.is_normalized(form, segment)


def fix_unicode(text: str, *, config: ftfy.TextFixerConfig | None = None) -> str:
    """Repair mojibake, HTML entities, control characters and normalize to NFC, exactly as
    ``ftfy.fix_text(text, config)`` does, but without calling ftfy on segments it cannot change.

    >>> fix_unicode("Peskov mengatakan â€œtidak berhasilâ€\x9d")
    'Peskov mengatakan “tidak berhasil”'
    >>> fix_unicode("Harga &amp; kualitas")
    'Harga & kualitas'
    >>> fix_unicode("“Kami bersatu,” kata Sullivan.")
    '“Kami bersatu,” kata Sullivan.'
    """
    if config is not None and config is globals().get("NEWS_FTFY_CONFIG"):
        config = None
    unsafe = _risky_re() if config is None else _class_regex(_risky_chars(config), _SURROGATES)
    if not _needs_ftfy(text, unsafe, config):
        return text
    fixer = _ftfy()
    given = config  # None: the news configuration, whose facts _needs_ftfy knows
    if config is None:
        config = NEWS_FTFY_CONFIG
    # Mirror ftfy.fix_text's segmentation (lines, bounded by max_decode_length) so that only the
    # segments that need it pay for ftfy.
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        brk = text.find("\n", pos) + 1
        if brk == 0:
            brk = n
        if brk - pos > config.max_decode_length:
            brk = pos + config.max_decode_length
        segment = text[pos:brk]
        if not _needs_ftfy(segment, unsafe, given):
            out.append(segment)
        else:
            out.append(fixer.fix_text(segment, config))
        pos = brk
    return "".join(out)


# Vertical tab, form feed and the ASCII information separators U+001C-U+001F stand between words in
# scraped text (exported from old CMSs and word processors); ftfy deletes control characters, which
# would glue the two words together, so they become spaces first.
_SEPARATORS_RE = re.compile("[\x0b\x0c\x1c-\x1f]")


def separators_to_spaces(text: str) -> str:
    """Turn vertical tabs, form feeds and U+001C-U+001F into spaces (line breaks are kept).

    >>> separators_to_spaces("kata\x0bdia\x1fitu")
    'kata dia itu'
    """
    if _SEPARATORS_RE.search(text) is None:  # the common case: one scan, no new string
        return text
    return _SEPARATORS_RE.sub(" ", text)


# Invisible characters that carry nothing in running news text. Joiners (U+200C/U+200D) and
# direction marks are kept: they matter in Persian, Indic scripts and emoji sequences.
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b\u2060-\u2064\ufeff]")


def remove_invisible(text: str) -> str:
    """Remove zero-width spaces, word joiners, soft hyphens and byte-order marks.

    >>> remove_invisible("Ja\u200bkarta\u00ad")
    'Jakarta'
    """
    if _INVISIBLE_RE.search(text) is None:  # the common case: one scan, no new string
        return text
    return _INVISIBLE_RE.sub("", text)


# Every space separator (Zs: no-break, thin, ideographic ...) and tabs become one ASCII space.
_SPACE_CHARS = "\t\u000b\u000c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACES_RE = re.compile(f"[{_SPACE_CHARS} ]{{2,}}|[{_SPACE_CHARS}]")
_ODD_SPACE_RE = re.compile(f"[{_SPACE_CHARS}]")


def normalize_spaces(text: str) -> str:
    """Turn tabs and Unicode space separators into single ASCII spaces and collapse runs of spaces.
    Line breaks are kept.

    >>> normalize_spaces("Harga\u00a0naik  10\u2009persen")
    'Harga naik 10 persen'
    """
    if "  " not in text and _ODD_SPACE_RE.search(text) is None:  # the common case, one fast scan
        return text
    return _SPACES_RE.sub(" ", text)


def strip_line(text: str) -> str:
    """Strip leading and trailing whitespace from every line.

    >>> strip_line("  Jakarta -  ")
    'Jakarta -'
    """
    if "\n" not in text:
        return text.strip()
    return "\n".join(line.strip() for line in text.split("\n"))


# Each of these treats every line on its own, so a pipeline may call it once on a whole text, and
# is idempotent, so a pipeline may repeat them until none changes anything.
for _f in (separators_to_spaces, fix_unicode, remove_invisible, normalize_spaces, strip_line):
    _f.line_local = True  # type: ignore[attr-defined]
    _f.idempotent = True  # type: ignore[attr-defined]

#: The cleaners :func:`lines_to_clean` speaks for.
BUILTIN_CLEANERS = frozenset((separators_to_spaces, fix_unicode, remove_invisible, normalize_spaces, strip_line))

# One scan for the characters any of them reacts to: those that may let ftfy change a segment,
# invisible characters, and every whitespace character but " " and "\n" (space separators, tabs,
# vertical tabs, form feeds, and the controls among ftfy's risky characters, U+001C-U+001F among
# them). Without those, the only whitespace left is " ", so the rest are plain substring tests.
@functools.lru_cache(maxsize=1)
def _any_cleaner_re() -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in _RISKY) + _SURROGATES
                      + _INVISIBLE_RE.pattern[1:-1] + _SPACE_CHARS + "]")


def lines_to_clean(text: str) -> list[int] | None:
    """The lines of ``text`` (split at ``\\n``) that :func:`separators_to_spaces`, :func:`fix_unicode`,
    :func:`remove_invisible`, :func:`normalize_spaces` or :func:`strip_line` (news configuration)
    might change, in order: every other line comes back unchanged from each of them. Found with one
    regex scan of characters, a few substring searches and a normal-form check for non-ASCII text;
    ``None`` for a text with line breaks other than ``\\n`` (then ask about every line).

    A cleaner changes a line only if the line holds one of its triggers: ftfy's risky characters, HTML
    entities and text that is not NFC (see :func:`fix_unicode`); invisible characters; space
    separators, tabs, vertical tabs, form feeds or two spaces in a row; whitespace at a line end.

    >>> lines_to_clean("Harga naik.\\nWarga “kaget”.")
    []
    >>> lines_to_clean("Harga  naik.\\nOK\\nHarga &amp; kualitas\\nJa\\u200bkarta \\nb")
    [0, 2, 3]
    """
    found = _trigger_lines(text)
    if found is None:
        return None
    form = _DERIVED["normalization"]
    if form is None or text.isascii() or unicodedata.is_normalized(form, text):
        return found
    # Not in normal form somewhere: the lines that are not (a line break is a starter, so
    # normalization never reaches across one).
    more = set(found)
    for k, line in enumerate(text.split("\n")):
        if not line.isascii() and not unicodedata.is_normalized(form, line):
            more.add(k)
    return sorted(more)


def _trigger_lines_py(text: str) -> list[int] | None:
    """:func:`lines_to_clean` but for the normal form: the lines (split at ``\n``) that hold a
    character of the cleaners' class (:data:`_ANY_CLEANER_RE`), two spaces in a row, a space at a line
    end or an HTML entity; ``None`` for a text with line breaks other than ``\n`` and such characters.
    The definition of the compiled ``cleaner_lines``."""
    at: list[int] = [m.start() for m in _any_cleaner_re().finditer(text)]
    if at and any(ch in text for ch in "\r\x85\u2028\u2029"):
        return None
    # Without the characters above, the only whitespace left is " " (and the line breaks).
    for pair in ("  ", " \n", "\n "):
        i = text.find(pair)
        while i >= 0:
            at.append(i if pair != "\n " else i + 1)
            i = text.find(pair, i + 1)
    if text[:1] == " ":
        at.append(0)
    if text[-1:] == " ":
        at.append(len(text) - 1)
    if "&" in text:
        at.extend(m.start() for m in _ENTITY_RE.finditer(text))
    if not at:
        return []
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return sorted({bisect.bisect_right(starts, pos) - 1 for pos in at})


def _class_bitmap(risky: str, entity: re.Pattern[str]) -> bytes | None:
    """:data:`_ANY_CLEANER_RE`'s class as a bitmap over the BMP, for the compiled kernel (None when the
    kernel cannot stand for :func:`_trigger_lines_py`: a class with characters it treats apart, or
    beyond the BMP, or another entity pattern)."""
    def expand(spec: str) -> set[int]:
        out: set[int] = set()
        k = 0
        while k < len(spec):
            if k + 2 < len(spec) and spec[k + 1] == "-":
                out.update(range(ord(spec[k]), ord(spec[k + 2]) + 1))
                k += 3
            else:
                out.add(ord(spec[k]))
                k += 1
        return out

    codes = {ord(ch) for ch in risky} | set(range(0xD800, 0xE000))
    codes |= expand(_INVISIBLE_RE.pattern[1:-1]) | expand(_SPACE_CHARS)
    if max(codes) > 0xFFFF or codes & {ord(" "), ord("&"), ord("\n")}:
        return None
    if entity.pattern != "&#?[0-9A-Za-z]{1,24};" or entity.flags & re.IGNORECASE:
        return None
    bits = bytearray(0x10000 // 8)
    for c in codes:
        bits[c >> 3] |= 1 << (c & 7)
    return bytes(bits)


def _derive() -> dict[str, Any]:
    """What the fast paths need to know of ftfy and the news configuration (this imports ftfy)."""
    _ftfy()
    from ftfy import chardata

    risky, entity, config = _risky_chars(), chardata.HTML_ENTITY_RE, NEWS_FTFY_CONFIG
    return {"risky": risky, "entity": (entity.pattern, entity.flags), "unescape_html": config.unescape_html,
            "normalization": config.normalization, "bitmap": _class_bitmap(risky, entity)}


def _derived_key() -> str | None:
    """The disk cache key of :func:`_derive`'s result: this module's source, the ftfy sources it reads
    (the configuration's defaults, the badness regex, the character data), the Unicode data and Python."""
    spec = importlib.util.find_spec("ftfy")
    if spec is None or not spec.submodule_search_locations or not __file__:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    return diskcache.file_digest(Path(__file__), *(folder / n for n in ("__init__.py", "badness.py", "chardata.py")),
                                 unicodedata.unidata_version, sys.version)


def _load_derived() -> dict[str, Any]:
    """:func:`_derive`'s result, from the disk cache when it holds it (then ftfy is not imported
    until a text needs it)."""
    try:
        key = _derived_key()
    except (OSError, ImportError, ValueError):
        key = None
    if key is not None:
        found = diskcache.load("ftfy-news", key)
        if isinstance(found, dict):
            return found
    value = _derive()
    if key is not None:
        diskcache.store("ftfy-news", key, value)
    return value


_NATIVE = load()
_DERIVED = _load_derived()
_RISKY: str = _DERIVED["risky"]
_ENTITY_RE = re.compile(*_DERIVED["entity"])
_BITMAP = _DERIVED["bitmap"] if _NATIVE is not None else None


def _trigger_lines(text: str) -> list[int] | None:
    if _BITMAP is not None:
        return _NATIVE.cleaner_lines(text, _BITMAP)  # type: ignore[union-attr,no-any-return]
    return _trigger_lines_py(text)
