"""Verification by alignment: the compiled tiling against a plain-Python one, and what it separates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.dedup import word_tokens
from newsclean.dedup.verify import TokenSets, cover


def common_in_order(x: list[int], y: list[int]) -> int:
    """Length of the longest common subsequence (plain dynamic programming)."""
    d = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for p in range(len(x)):
        for q in range(len(y)):
            d[p + 1][q + 1] = d[p][q] + 1 if x[p] == y[q] else max(d[p][q + 1], d[p + 1][q])
    return d[-1][-1]


def tiles_ref(a: list[int], b: list[int], run: int, gap: int = 0) -> int:
    """Words of ``a`` in runs of >= ``run`` words shared with ``b``, each word of either used once:
    at each position of ``a`` the longest run starting there (first found in ``b`` on ties) is
    taken if it is long enough, else the position is skipped. With ``gap``: when a tile follows
    the previous one in both paragraphs after 1..gap words in each, the words of the two gaps
    common in order (words of ``b`` already in tiles left out) count too."""
    used = [False] * len(b)
    i = covered = 0
    end_a = end_b = -1
    while i <= len(a) - run:
        best, best_j = 0, -1
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k] and not used[j + k]:
                k += 1
            if k > best:
                best, best_j = k, j
        if best >= run:
            if gap and end_a >= 0 and 0 < i - end_a <= gap and 0 < best_j - end_b <= gap:
                free = [b[q] if not used[q] else -1 - q for q in range(end_b, best_j)]  # used: matches nothing
                covered += common_in_order(a[end_a:i], free)
            for k in range(best):
                used[best_j + k] = True
            covered += best
            end_a, end_b = i + best, best_j + best
            i += best
        else:
            i += 1
    return covered


def shorter_first(a: list[int], b: list[int]) -> tuple[list[int], list[int]]:
    return (a, b) if (len(a), a) <= (len(b), b) else (b, a)


words = st.lists(st.integers(0, 5), min_size=0, max_size=40)


@settings(max_examples=300, deadline=None)
@given(words, words, st.integers(1, 5))
def test_cover_equals_the_reference_tiling(a: list[int], b: list[int], run: int) -> None:
    # Small alphabets make repeated words and competing runs; the reference scans b from its start,
    # the kernel through a hash table of b's grams in position order: the same tiles.
    s, t = shorter_first(a, b)
    want = tiles_ref(s, t, run)
    x, y = np.array(a, np.uint32), np.array(b, np.uint32)
    assert cover(x, y, run, -1) == want
    assert cover(y, x, run, -1) == want  # the pair's order does not matter
    # The early exit only ever stops a scan that cannot reach ``need``.
    need = max(1, want)
    assert cover(x, y, run, need) == want
    if want < len(s):
        assert cover(x, y, run, want + 1) <= want


def test_token_sets_verify_batches_like_single_pairs() -> None:
    rng = np.random.default_rng(3)
    paras = [rng.integers(0, 30, rng.integers(0, 60)).astype(np.uint32) for _ in range(40)]
    tokens = np.concatenate(paras)
    offsets = np.concatenate(([0], np.cumsum([p.size for p in paras]))).astype(np.int64)
    sets = TokenSets.from_arrays(tokens, offsets, run=3, threshold=0.0)
    left = rng.integers(0, 40, 1000)
    right = rng.integers(0, 40, 1000)
    want = [tiles_ref(*shorter_first(paras[i].tolist(), paras[j].tolist()), 3) for i, j in zip(left, right)]
    assert sets.cover(left, right).tolist() == want  # parallel path
    assert sets.cover(left[:10], right[:10]).tolist() == want[:10]  # serial path


def test_small_verifications_release_the_token_pages_once_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recentering verifies a few pairs at a time, thousands of times: the pages of a large token
    file are released once per ``VERIFY_CHUNK`` pairs, not after every call (each release cost a
    system call and the faults of reading the pages again); large calls release after each chunk."""
    import newsclean.dedup.verify as vf

    monkeypatch.setattr(vf, "VERIFY_CHUNK", 1000)
    rng = np.random.default_rng(5)
    paras = [rng.integers(0, 30, rng.integers(3, 40)).astype(np.uint32) for _ in range(50)]
    offsets = np.concatenate(([0], np.cumsum([p.size for p in paras]))).astype(np.int64)
    sets = TokenSets.from_arrays(np.concatenate(paras), offsets, run=3, threshold=0.0)
    released = []
    monkeypatch.setattr(sets, "release", lambda: (released.append(1), setattr(sets, "_unreleased", 0)))
    pairs = rng.integers(0, 50, (2, 100))
    for _ in range(35):  # 3,500 pairs in small calls
        sets.cover(pairs[0], pairs[1])
    assert len(released) == 3
    sets.cover(rng.integers(0, 50, 2500), rng.integers(0, 50, 2500))  # the parallel path: 3 chunks
    assert len(released) == 6


def _share(a: str, b: str, run: int = 3) -> float:
    x, y = np.array(word_tokens(a), np.uint32), np.array(word_tokens(b), np.uint32)
    return cover(x, y, run, -1) / min(x.size, y.size)


def test_an_edited_copy_is_covered_and_a_rewrite_of_the_same_story_is_not() -> None:
    source = ("Kementerian Luar Negeri memastikan pembakaran perangkat kesenian reog di Davao dilakukan karena "
              "kondisinya sudah rusak dan dimakan rayap, bukan untuk mengusir roh halus seperti kabar yang beredar.")
    copy = ("Kemlu memastikan pembakaran perangkat kesenian reog di Davao dilakukan karena kondisinya sudah "
            "rusak dan dimakan rayap, bukan untuk mengusir roh halus seperti kabar beredar, kata juru bicara.")
    rewrite = ("Juru bicara Kemlu menyebut reog di Davao dibakar. Menurut dia, perangkat kesenian itu sudah rusak "
               "dan dimakan rayap sehingga tidak bisa dipakai lagi, dan kabar soal roh halus tidak benar.")
    assert _share(copy, source) >= 0.8
    assert _share(rewrite, source) < 0.35  # shared: a name, "rusak dan dimakan rayap", "roh halus"


@settings(max_examples=300, deadline=None)
@given(words, words, st.integers(2, 4), st.integers(1, 6))
def test_cover_with_gaps_equals_the_reference(a: list[int], b: list[int], run: int, gap: int) -> None:
    s, t = shorter_first(a, b)
    want = tiles_ref(s, t, run, gap)
    x, y = np.array(a, np.uint32), np.array(b, np.uint32)
    assert cover(x, y, run, -1, 0, 0.0, gap) == want
    assert cover(y, x, run, -1, 0, 0.0, gap) == want
    assert cover(x, y, run, max(1, want), 0, 0.0, gap) == want  # the early exit counts the gaps' words
    assert cover(x, y, run, -1, 0, 0.0, 0) == tiles_ref(s, t, run)


def test_gap_words_count_a_spun_copy_with_its_swapped_words() -> None:
    # Two runs of 8 words around 18 where every third word is swapped: tiles alone cover 18 of 34
    # words (the runs, and the middle's first two words); the 16-word gap's words in order add the
    # 10 unswapped ones.
    middle = list(range(100, 118))
    spun = [w + 1000 if k % 3 == 2 else w for k, w in enumerate(middle)]
    a = np.array(list(range(8)) + middle + list(range(50, 58)), np.uint32)
    b = np.array(list(range(8)) + spun + list(range(50, 58)), np.uint32)
    assert cover(a, b, 3, -1, 5, 0.35, 0) == 18
    assert cover(a, b, 3, -1, 5, 0.35, 16) == 28
    assert cover(a, b, 3, -1, 5, 0.35, 15) == 18  # gaps longer than ``gap`` words do not count
    # The same words out of order in the gap: few in order, not a copy.
    shuffled = np.array(list(range(8)) + middle[::-1] + list(range(50, 58)), np.uint32)
    assert cover(a, shuffled, 3, -1, 5, 0.35, 18) == 17
