"""Compiled normalization fast path == Python normalization; sketches independent of threads."""

from __future__ import annotations

import random
import unicodedata

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.dedup.shingles import FAST_RANGES, ShingleOptions, fast_table, normalize_many, shingles_of_normalized
from newsclean.dedup.signatures import compute_signatures, sketch

FAST_CHARS = [chr(c) for lo, hi in FAST_RANGES for c in range(lo, hi) if fast_table(ShingleOptions()).length[c] >= 0]
OTHER_CHARS = ["\u0301", "\u0645", "\u064e", "😀", "\u1161", "ﬁ", "Ａ", "\u3000", "\u2028", "\ud800", "क", "\u0bbe"]
OPTIONS = [ShingleOptions(), ShingleOptions(kind="word", size=2), ShingleOptions(strip_punctuation=False),
           ShingleOptions(nfkc=False, casefold=False), ShingleOptions(size=3, casefold=False)]
FIELDS = ("signatures", "sizes", "exact", "lengths", "hashes", "hash_offsets")


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def test_no_fast_range_character_composes_with_a_starter_before_it() -> None:
    # The table normalizes code points one at a time; that is only right if none of them (nor
    # the first character of its decomposition) can merge with the character before it.
    seconds = set()
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2:
            seconds.add(int(d.split()[1], 16))
    for ch in FAST_CHARS:
        first = unicodedata.normalize("NFKD", ch)[:1]
        assert ord(ch) not in seconds and (not first or ord(first) not in seconds), hex(ord(ch))


@pytest.mark.parametrize("opts", OPTIONS)
def test_fast_path_equals_python_on_every_pair_of_non_ascii_fast_characters(opts: ShingleOptions) -> None:
    chars = [c for c in FAST_CHARS if not c.isascii()] + ["a", "e", " ", "-", "I", "1"]
    texts = [a + b + c for a in chars[::3] for b in chars for c in ("", "x")]
    assert same(sketch(texts, opts), compute_signatures(normalize_many(texts, opts), opts))


@pytest.mark.parametrize("opts", OPTIONS)
def test_fast_path_equals_python_on_random_text(opts: ShingleOptions) -> None:
    rng = random.Random(3)
    pool = FAST_CHARS + OTHER_CHARS + list("abc  xyz.,\n\r\t")
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    batch = sketch(texts, opts)
    assert same(batch, compute_signatures(normalize_many(texts, opts), opts))
    assert 0 < batch.python_fallback < len(texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(FAST_CHARS + OTHER_CHARS[:-4]), max_size=60), max_size=8))
def test_fast_path_equals_python_property(texts: list[str]) -> None:
    assert same(sketch(texts), compute_signatures(normalize_many(texts)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_any_text_sketches_like_python(texts: list[str]) -> None:
    assert same(sketch(texts), compute_signatures(normalize_many(texts)))


def test_common_news_characters_take_the_fast_path() -> None:
    texts = ["“Kami” – kata\u00a0Abu… (21/2) — 5,5\u202finci ‘x’ • café naïve ½ ß İstanbul"]
    assert sketch(texts).python_fallback == 0
    assert sketch(["نص عربي"]).python_fallback == 1


def test_same_result_for_any_thread_count() -> None:
    rng = random.Random(5)
    words = "rusia ukraina “kata” café – menteri nato sanksi 2014 ½".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 60))) for _ in range(2000)]
    before = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            results.append(sketch(texts))
    finally:
        numba.set_num_threads(before)
    assert all(same(results[0], r) for r in results[1:])


def test_sorted_distinct_hashes_are_the_shingle_set() -> None:
    texts = ["satu dua satu dua satu", "", "ab"]
    batch = sketch(texts, ShingleOptions(size=3))
    sets = [batch.hashes[batch.hash_offsets[i]:batch.hash_offsets[i + 1]] for i in range(3)]
    expected = [len(shingles_of_normalized(t, ShingleOptions(size=3))) for t in normalize_many(texts)]
    assert [len(s) for s in sets] == batch.sizes.tolist() == expected == [9, 0, 1]
    assert all((np.diff(s.astype(np.int64)) > 0).all() for s in sets)
