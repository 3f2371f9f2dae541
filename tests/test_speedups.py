"""The compiled kernels (newsclean._speedups) give what their pure-Python definitions give."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import lang, text
from newsclean.speedups import load

native = load()
needs_native = pytest.mark.skipif(native is None, reason="newsclean._speedups is not built here")

CORPUS = Path(os.environ.get("NEWSCLEAN_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"

# Characters around the edges of both kernels: every kind of whitespace and line break, letters that
# lower to ASCII (Kelvin sign, dotted capital I) or to two characters, sigma, entity parts, the
# cleaners' triggers (soft hyphen, no-break space, C1 controls, mojibake letters), a surrogate.
EDGES = list("yang dan di THE The oF Yang kita \u212aita \u0130ni \u03a3\u03c3 &#;amp 0x \t\n\r\x0b\x0c\x1c\x1f\x85"
             "\u00a0\u2028\u2029\u3000\u200b\u00ad\u00e9e\u0301\u00c3\u00a9\u2019\u201c\u20ac\x80\x9d\ud800")
texts = st.text(alphabet=st.sampled_from(EDGES), max_size=80) | st.text(max_size=80)


@needs_native
@settings(max_examples=2000, deadline=None)
@given(texts, st.integers(-5, 90))
def test_word_counter_is_counts_py(s: str, max_chars: int) -> None:
    assert lang._COUNTER(s, max_chars) == lang._counts_py(s[:max(max_chars, 0)])  # type: ignore[misc]
    assert lang._counts(s, max_chars) == lang._counts_py(s[:max_chars])


def test_lower_case_never_shortens_a_character() -> None:
    # The counter skips words longer than the longest stopword before lowering them.
    assert all(len(chr(c).lower()) >= 1 for c in range(0x110000))


@needs_native
@settings(max_examples=2000, deadline=None)
@given(texts)
def test_cleaner_lines_is_trigger_lines_py(s: str) -> None:
    assert native.cleaner_lines(s, text._BITMAP) == text._trigger_lines_py(s)  # type: ignore[union-attr]


@needs_native
def test_bitmap_is_the_cleaners_class() -> None:
    bits = text._BITMAP
    assert bits is not None
    for c in range(0x110000):
        inside = c < 0x10000 and bool(bits[c >> 3] >> (c & 7) & 1)
        assert inside == (text._ANY_CLEANER_RE.fullmatch(chr(c)) is not None), hex(c)


@needs_native
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_kernels_on_the_dev_corpora() -> None:
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line).get("text") or ""
                assert native.cleaner_lines(t, text._BITMAP) == text._trigger_lines_py(t)  # type: ignore[union-attr]
                assert lang._COUNTER(t, 1000) == lang._counts_py(t[:1000])  # type: ignore[misc]
