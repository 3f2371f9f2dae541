"""Normalization and shingling options for near-duplicate detection.

Paragraphs are compared as *sets of shingles* of their normalized text. The defaults (character
5-grams of NFKC + casefolded text with punctuation replaced by spaces) were chosen by measurement on
labelled real paragraph pairs (see ``eval/dedup_pairs/`` and ``benchmarks/dedup_accuracy.py``).

Every shingle is a contiguous byte span of the UTF-8 encoded normalized text, so the compiled
signature kernel (:mod:`newsclean.dedup.signatures`) and the pure-Python reference below agree
byte for byte. The kernel also normalizes: :func:`fast_table` gives, for every code point of
:data:`FAST_RANGES` (Latin, general punctuation, currency, letterlike symbols, number forms),
what :func:`normalize` makes of it on its own; a paragraph with any other code point is
normalized here in Python instead. Both paths give the same text (tests/test_dedup_normalize.py).

>>> opts = ShingleOptions(kind="char", size=3)
>>> normalize("Kata-nya,  “BESAR”!", opts)
'kata nya besar'
>>> sorted(shingles("Abc d", opts))
['abc', 'bc ', 'c d']
>>> sorted(shingles("Hi", opts))  # shorter than one shingle: the whole text is the only shingle
['hi']
>>> sorted(shingles("Satu dua tiga", ShingleOptions(kind="word", size=2)))
['dua tiga', 'satu dua']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

ShingleKind = Literal["char", "word"]

#: Default shingle kind and size: character 5-grams reached the best recall at the lowest
#: false-positive rate on the labelled dev pairs (word n-grams lose truncated/edited copies).
DEFAULT_KIND: ShingleKind = "char"
DEFAULT_SIZE = 5

# Punctuation and symbols become spaces: outlets differ in quote style (“ ” vs "), dashes and
# trailing punctuation far more often than in wording.
_PUNCT_RE = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class ShingleOptions:
    """How paragraph text is normalized and cut into shingles.

    ``kind`` is ``"char"`` (``size`` code points) or ``"word"`` (``size`` space-separated tokens).
    Normalization steps, applied in this order: Unicode NFKC (``nfkc``), ``casefold``, punctuation
    and symbols to spaces (``strip_punctuation``); whitespace is always collapsed to single spaces.
    """

    kind: ShingleKind = DEFAULT_KIND
    size: int = DEFAULT_SIZE
    nfkc: bool = True
    casefold: bool = True
    strip_punctuation: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("char", "word"):
            raise ValueError(f"ShingleOptions.kind must be 'char' or 'word', got {self.kind!r}")
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 1 <= self.size <= 64:
            raise ValueError(f"ShingleOptions.size must be an int in [1, 64], got {self.size!r}")


def normalize(text: str, options: ShingleOptions | None = None) -> str:
    """Normalize one paragraph (no newlines expected; any are treated as spaces).

    >>> normalize("  A\\u00a0 b\\tC ")
    'a b c'
    """
    return normalize_many([text.replace("\n", " ")], options)[0]


def normalize_many(texts: Sequence[str], options: ShingleOptions | None = None) -> list[str]:
    """Normalize many paragraphs at once.

    The batch is joined with newlines and normalized as one string: the per-call overhead of
    ``unicodedata``/``re`` dominates for short paragraphs, so one call per batch is several
    times faster than one per paragraph. Newlines inside a text are treated as spaces.

    >>> normalize_many(["Ini  “kutipan”.", "ＡＢＣ"])
    ['ini kutipan', 'abc']
    """
    opts = options or ShingleOptions()
    if not texts:
        return []
    joined = "\n".join(t.replace("\n", " ").replace("\r", " ") for t in texts)
    if opts.nfkc:
        joined = unicodedata.normalize("NFKC", joined)
    if opts.casefold:
        joined = joined.casefold()
    if opts.strip_punctuation:
        joined = _PUNCT_RE.sub(" ", joined)
    # str.split()/join per line collapses whitespace ~3x faster than a regex over the batch.
    out = [" ".join(line.split()) for line in joined.split("\n")]
    if len(out) != len(texts):
        # NFKC/casefold can in principle produce a line break (e.g. from a compatibility
        # character); fall back to one paragraph at a time so the batch stays aligned.
        return [_normalize_one(t, opts) for t in texts]
    return out


def _normalize_one(text: str, opts: ShingleOptions) -> str:
    return " ".join(_normalize_chars(text.replace("\n", " ").replace("\r", " "), opts).split())


# ----------------------------------------------------------------------------- compiled fast path

#: Code point ranges the compiled normalizer handles itself: Latin (ASCII, Latin-1, Extended-A/B),
#: general punctuation, currency, letterlike symbols and number forms. A paragraph with any other
#: code point (Arabic, CJK, emoji, combining marks, ...) is normalized in Python instead.
FAST_RANGES: tuple[tuple[int, int], ...] = ((0x0000, 0x0250), (0x2000, 0x2070), (0x20A0, 0x20D0), (0x2100, 0x2190))
FAST_LIMIT = 0x2190


@dataclass(frozen=True)
class FastTable:
    """Per-code-point result of :func:`normalize` for the compiled fast path.

    ``length[cp] >= 0`` says that code point ``cp`` (< ``FAST_LIMIT``) can be normalized on its
    own, to the UTF-8 bytes ``data[start[cp]:start[cp] + length[cp]]`` in which every whitespace
    is a single ``b" "`` (the kernel collapses runs and trims the ends); ``-1`` means the
    paragraph goes to the Python path. ``max_expansion`` bounds output bytes per input byte.
    """

    start: np.ndarray  # int32, FAST_LIMIT
    length: np.ndarray  # int32, FAST_LIMIT; -1 = not supported
    data: np.ndarray  # uint8
    max_expansion: int


def _context_free(ch: str) -> bool:
    """True when NFKC of ``ch`` cannot depend on its neighbours (if they are context-free too):
    neither it nor the first character of its decomposition is a combining mark. (Within
    ``FAST_RANGES`` no character is the second half of a canonical composition between two
    starters; ``tests/test_dedup_normalize.py`` checks that against ``unicodedata``.)"""
    if unicodedata.combining(ch) or 0xD800 <= ord(ch) <= 0xDFFF:
        return False
    first = unicodedata.normalize("NFKD", ch)[:1]
    return not first or unicodedata.combining(first) == 0


@lru_cache(maxsize=16)
def fast_table(options: ShingleOptions) -> FastTable:
    """The fast-path table for ``options`` (built once per options value, a few milliseconds)."""
    start = np.zeros(FAST_LIMIT, dtype=np.int32)
    length = np.full(FAST_LIMIT, -1, dtype=np.int32)
    data = bytearray()
    expansion = 1
    for lo, hi in FAST_RANGES:
        for cp in range(lo, hi):
            ch = chr(cp)
            if ch in "\n\r":
                out = " "  # normalize() treats line breaks as spaces
            elif not _context_free(ch):
                continue
            else:
                out = _normalize_chars(ch, options)
                if "\n" in out:
                    continue
            enc = "".join(" " if c.isspace() else c for c in out).encode("utf-8")
            start[cp], length[cp] = len(data), len(enc)
            data += enc
            expansion = max(expansion, -(-len(enc) // len(ch.encode("utf-8"))))
    for arr in (start, length):
        arr.setflags(write=False)
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    return FastTable(start, length, buf, expansion)


def _normalize_chars(s: str, opts: ShingleOptions) -> str:
    """NFKC, casefold, punctuation to spaces — without the whitespace collapse."""
    if opts.nfkc:
        s = unicodedata.normalize("NFKC", s)
    if opts.casefold:
        s = s.casefold()
    if opts.strip_punctuation:
        s = _PUNCT_RE.sub(" ", s)
    return s


def shingles_of_normalized(norm: str, options: ShingleOptions | None = None) -> set[str]:
    """Shingle set of already-normalized text (reference implementation, one Python op per shingle).

    An empty text has no shingles; a text shorter than one shingle is its own single shingle.
    """
    opts = options or ShingleOptions()
    if not norm:
        return set()
    k = opts.size
    if opts.kind == "char":
        return {norm[i : i + k] for i in range(max(1, len(norm) - k + 1))}
    words = norm.split(" ")
    return {" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def shingles(text: str, options: ShingleOptions | None = None) -> set[str]:
    """Shingle set of raw paragraph text (normalizes first)."""
    return shingles_of_normalized(normalize(text, options), options)


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets).

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """Exact containment of the smaller set in the larger one: ``|a & b| / min(|a|, |b|)``.

    >>> containment({"a", "b"}, {"a", "b", "c", "d"})
    1.0
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / min(len(a), len(b))
