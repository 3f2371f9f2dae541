"""Fragments: a part of a paragraph copied into a longer one, found by anchors.

A sentence or clause lifted into a long paragraph (or a long paragraph split over several lines by
a scraper) shares too few character 5-grams with it for LSH: at a size ratio of 0.1 a perfect copy
has Jaccard 0.1. What it has is containment: its word runs are runs of the long paragraph. This
module proposes such pairs from the spilled word tokens, without new signatures:

* **anchors** are a paragraph's ``run``-word grams (hashed like the verification's tiles); anchors
  counted (once per cluster, at its center) more than ``FRAGMENT_MAX_POSTINGS`` times are common
  phrases and are not used (approximate counts: saturating 16-bit counters over hashed buckets,
  which only errs towards fewer lookups);
* every cluster center short enough to be a part of another paragraph queries with its
  ``FRAGMENT_QUERY_ANCHORS`` smallest usable anchors (by hash: a min-wise sample, so a copied part's
  query anchors are anchors of the paragraph it was copied into). These queries are the only
  index kept in memory (8 bytes each);
* every cluster center is then read once, in file order, as a container (its members are copies
  of it: a part of one is mostly a part of it, and it is the paragraph the part is verified
  against anyway): a query from another cluster, at a word ratio in ``[min_ratio,
  FRAGMENT_MAX_RATIO)``, that shares at least ``FRAGMENT_QUERY_NEED`` of its anchors with it (all,
  when it has fewer) makes a candidate. A bitmap of the query anchors spares most lookups.

Candidates are verified like every pair (:mod:`newsclean.dedup.verify`) against the container's
cluster center, and become merges of :func:`newsclean.dedup.clusters.merge_clusters`: the part
joins the cluster of the paragraph that holds it, marked as a fragment, and every member that
moves with it is verified against the kept paragraph. So a stock phrase or a name "contained" in
many paragraphs never chains clusters: a fragment joins one cluster, whose kept paragraph covers
it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.arrays import unique_sorted
from newsclean.dedup.jit import parallel_kernel, prange
from newsclean.dedup.verify import _gram, all_grams

#: Anchors each query paragraph looks up (its smallest usable ones, by hash).
FRAGMENT_QUERY_ANCHORS = 8
#: Anchors a container must share with the query (fewer when the query has fewer).
FRAGMENT_QUERY_NEED = 2
#: Anchors found in more clusters than this are common phrases, not used for lookups.
FRAGMENT_MAX_POSTINGS = 256
#: Queries come from paragraphs with fewer than this share of the container's words (pairs of
#: closer sizes are LSH's).
FRAGMENT_MAX_RATIO = 0.8
#: Containers read per batch (their candidates are bounded by the batch).
CONTAINER_BATCH = 1 << 16
#: Containers (distinct clusters) kept per fragment, most anchors first.
FRAGMENT_MAX_TARGETS = 4


@jit.njit(cache=True)
def _grams(tokens, lo, hi, run, out, distinct):
    """The ``run``-word grams of ``tokens[lo:hi]`` into ``out`` (sorted and distinct with
    ``distinct``, else in text order); returns their number."""
    m = hi - lo - run + 1
    if m <= 0:
        return 0
    for j in range(m):
        out[j] = _gram(tokens, lo + j, run)
    if not distinct:
        return m
    out[:m].sort()
    d = 1
    for j in range(1, m):
        if out[j] != out[d - 1]:
            out[d] = out[j]
            d += 1
    return d


@_grams.python_form
def _grams_numpy(tokens: np.ndarray, lo: int, hi: int, run: int, out: np.ndarray, distinct: bool) -> int:
    """:func:`_grams` on the Python path, vectorized."""
    if hi - lo - run + 1 <= 0:
        return 0
    g = all_grams(tokens[lo:hi], run)
    if distinct:
        g = unique_sorted(g)
    out[:g.size] = g
    return int(g.size)


@jit.njit(cache=True)
def _count_anchors(tokens, offsets, pos_of, center, run, counts, mask, longest):
    """Saturating per-bucket counts of the anchors of the cluster centers."""
    buf = np.empty(max(longest, 1), np.uint32)
    for i in range(pos_of.size):
        p = pos_of[i]
        if p < 0 or center[p] != p:
            continue
        d = _grams(tokens, offsets[i], offsets[i + 1], run, buf, False)
        for k in range(d):
            b = buf[k] & mask
            if counts[b] < 65535:
                counts[b] += 1


@parallel_kernel
def _query_rows(tokens, offsets, pos_of, center, words, run, max_words, counts, mask, cap, out, n_out, longest):
    """Row ``i`` of ``out``: ``anchor << 32 | position`` for the first usable anchors of paragraph
    ``i`` if it is a center with at most ``max_words`` words (``n_out[i]`` of them)."""
    m = out.shape[1]
    parts = 64
    per = (pos_of.size + parts - 1) // parts
    for t in prange(parts):
        buf = np.empty(max(longest, 1), np.uint32)
        for i in range(t * per, min(pos_of.size, (t + 1) * per)):
            p = pos_of[i]
            if p < 0 or center[p] != p or words[p] > max_words:
                continue
            d = _grams(tokens, offsets[i], offsets[i + 1], run, buf, True)
            u = 0
            for k in range(d):
                if u >= m:
                    break
                if counts[buf[k] & mask] <= cap:
                    out[i, u] = (np.uint64(buf[k]) << np.uint64(32)) | np.uint64(p)
                    u += 1
            n_out[i] = u


#: Paragraphs whose anchors are read per block (bounded temporaries; the token file's pages are
#: released after each block when it is large).
ANCHOR_BLOCK = 1 << 18


def _queries(tokens: np.ndarray, offsets: np.ndarray, pos_of: np.ndarray, center: np.ndarray, words: np.ndarray,
             run: int, max_words: float, counts: np.ndarray, mask: np.uint32, cap: int, m: int, longest: int,
             release: Callable[[], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``anchor << 32 | position`` for the first ``m`` usable anchors of every center with at most
    ``max_words`` words (in file order, each one's in hash order), and how many each has. Made
    ``ANCHOR_BLOCK`` paragraphs at a time (``release`` is called after each)."""
    n_out = np.zeros(pos_of.size, np.uint8)
    found: list[np.ndarray] = []
    block = np.empty((min(pos_of.size, ANCHOR_BLOCK), m), np.uint64)
    for lo in range(0, pos_of.size, ANCHOR_BLOCK):
        hi = min(pos_of.size, lo + ANCHOR_BLOCK)
        out = block[: hi - lo]
        _query_rows(tokens, offsets[lo : hi + 1], pos_of[lo:hi], center, words, run, float(max_words), counts, mask,
                    cap, out, n_out[lo:hi], longest)
        found.append(out[np.arange(m)[None, :] < n_out[lo:hi, None]])
        if release is not None:
            release()
    del block
    used = np.zeros(center.size, np.uint8)
    has = pos_of >= 0
    used[pos_of[has]] = n_out[has]
    return (np.concatenate(found) if found else np.zeros(0, np.uint64)), used


@jit.njit(cache=True)
def _container_range(tokens, offsets, pos_of, lo_i, hi_i, run, min_words, q_hash, q_id, directory, shift, bitmap,
                     bshift, used, words, center, lo_ratio, hi_ratio, need, cap, longest, out_f, out_c):
    """Candidates of the containers ``lo_i <= i < hi_i`` into ``out_*``; returns their number, or
    -1 when the outputs are too small."""
    grams = np.empty(max(longest, 1), np.uint32)
    hits = np.empty(64, np.int64)  # query << 32 | anchor, so an anchor repeated in the container counts once
    w = 0
    for i in range(lo_i, hi_i):
        p = pos_of[i]
        if p < 0 or words[p] < min_words or center[p] != p:
            continue
        d = _grams(tokens, offsets[i], offsets[i + 1], run, grams, False)
        n = 0
        size = words[p]
        for k in range(d):
            h = grams[k]
            bit = h >> bshift
            if not (bitmap[bit >> 6] >> np.uint64(bit & 63)) & np.uint64(1):
                continue  # no query has this anchor
            slot = h >> shift
            a = directory[slot]
            e = directory[slot + 1]
            while a < e and q_hash[a] < h:
                a += 1
            b = a
            while b < e and q_hash[b] == h:
                b += 1
            if b - a > cap:
                continue  # an anchor that many paragraphs query: a common phrase
            for q in range(a, b):
                f = np.int64(q_id[q])
                r = words[f] / size
                if r < lo_ratio or r >= hi_ratio or center[f] == center[p]:
                    continue
                if n == hits.size:
                    grown = np.empty(2 * n, np.int64)
                    grown[:n] = hits
                    hits = grown
                hits[n] = (f << 32) | np.int64(h)
                n += 1
        if n == 0:
            continue
        hits[:n].sort()
        s = 0
        while s < n:
            f = hits[s] >> 32
            e = s
            distinct = 0
            while e < n and (hits[e] >> 32) == f:
                if e == s or hits[e] != hits[e - 1]:
                    distinct += 1
                e += 1
            if distinct >= min(need, used[f]):
                if w == out_f.size:
                    return -1
                out_f[w] = f
                out_c[w] = p
                w += 1
            s = e
    return w


@parallel_kernel
def _container_candidates(tokens, offsets, pos_of, run, min_words, q_hash, q_id, directory, shift, bitmap, bshift,
                          used, words, center, lo_ratio, hi_ratio, need, cap, longest, bounds, out_f, out_c, count):
    """Candidate ``(fragment, container)`` positions of the containers, in parts (paragraphs
    ``bounds[t] .. bounds[t + 1] - 1`` of file order, written from ``out_*[t]``; ``count[t]``: how
    many, -1 when its outputs were too small)."""
    for t in prange(bounds.size - 1):
        count[t] = _container_range(tokens, offsets, pos_of, bounds[t], bounds[t + 1], run, min_words, q_hash, q_id,
                                    directory, shift, bitmap, bshift, used, words, center, lo_ratio, hi_ratio, need,
                                    cap, longest, out_f[t], out_c[t])


def fragment_candidates(tokens: np.ndarray, offsets: np.ndarray, pos_of: np.ndarray, center: np.ndarray,
                        words: np.ndarray, *, run: int, min_ratio: float, stats: dict[str, int],
                        release: Callable[[], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate ``(fragment center, container)`` pairs, as positions in keep order (see the module
    docstring). ``pos_of[i]`` is paragraph ``i``'s position (-1: not compared by words).
    ``release`` is called after each block of paragraphs read (a memory-mapped token file's pages
    can then be dropped: the three passes read all of it)."""
    empty = np.zeros(0, np.int64)
    stats.update(fragment_queries=0, fragment_candidates=0)
    reps = pos_of[pos_of >= 0]
    if reps.size < 2:
        return empty, empty
    longest = int(words.max()) if words.size else 0
    max_words = FRAGMENT_MAX_RATIO * longest
    n_anchors = int(words[center == np.arange(center.size)].sum())
    counts = np.zeros(1 << min(24, max(16, (n_anchors // 4).bit_length())), np.uint16)
    mask = np.uint32(counts.size - 1)
    for lo in range(0, pos_of.size, ANCHOR_BLOCK):  # (saturating counts: the same in any order)
        hi = min(pos_of.size, lo + ANCHOR_BLOCK)
        _count_anchors(tokens, offsets[lo : hi + 1], pos_of[lo:hi], center, run, counts, mask, longest)
        if release is not None:
            release()
    queries, used = _queries(tokens, offsets, pos_of, center, words, run, max_words, counts, mask,
                             FRAGMENT_MAX_POSTINGS, FRAGMENT_QUERY_ANCHORS, longest, release)
    del counts
    stats["fragment_queries"] = int(queries.size)
    if queries.size == 0:
        return empty, empty
    q_hash = (queries >> np.uint64(32)).astype(np.uint32)
    q_id = (queries & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    del queries
    order = np.lexsort((q_id, q_hash))
    q_hash, q_id = q_hash[order], q_id[order]
    # Directory over the anchors' top bits (about four queries per slot): lookups without a search.
    bits = min(24, max(8, int(q_hash.size).bit_length() - 2))
    shift = np.uint32(32 - bits)
    directory = np.searchsorted(q_hash >> shift, np.arange((1 << bits) + 1, dtype=np.uint32)).astype(np.int64)
    min_words = max(run, int(np.ceil(int(words[q_id].min()) / FRAGMENT_MAX_RATIO)))
    # A bitmap of the query anchors (about 16 bits per query) spares most directory lookups.
    bbits = min(30, max(16, (16 * int(q_hash.size)).bit_length()))
    bitmap = np.zeros(1 << (bbits - 6), np.uint64)
    bshift = np.uint32(32 - bbits)
    qb = (q_hash >> bshift).astype(np.int64)
    np.bitwise_or.at(bitmap, qb >> 6, np.left_shift(np.uint64(1), (qb & 63).astype(np.uint64)))
    del qb
    found_f: list[np.ndarray] = []
    found_c: list[np.ndarray] = []
    parts = 8 * jit.get_num_threads()
    for lo in range(0, pos_of.size, CONTAINER_BATCH):
        hi = min(pos_of.size, lo + CONTAINER_BATCH)
        bounds = np.linspace(lo, hi, parts + 1).astype(np.int64)
        room = max(64, 2 * (hi - lo) // parts)
        while True:
            out_f = np.empty((parts, room), np.int64)
            out_c = np.empty((parts, room), np.int64)
            count = np.zeros(parts, np.int64)
            _container_candidates(tokens, offsets, pos_of, run, min_words, q_hash, q_id, directory, shift, bitmap,
                                  bshift, used, words, center, float(min_ratio), FRAGMENT_MAX_RATIO,
                                  FRAGMENT_QUERY_NEED, FRAGMENT_MAX_POSTINGS, longest, bounds, out_f, out_c, count)
            if (count >= 0).all():
                break
            room *= 8  # a part had more candidates than room: again, with more
        if release is not None:
            release()
        for t in range(parts):
            found_f.append(out_f[t, : count[t]].copy())
            found_c.append(out_c[t, : count[t]].copy())
    frag, cont = np.concatenate(found_f), np.concatenate(found_c)
    if frag.size == 0:
        return empty, empty
    stats["fragment_candidates"] = int(frag.size)
    return frag, cont


def fragment_merges(frag: np.ndarray, cont: np.ndarray, center: np.ndarray, words: np.ndarray, order: np.ndarray,
                    sets: Any, *, threshold: float, stats: dict[str, int]) -> np.ndarray:
    """Merge candidates ``(fragment center, container's center)`` (a ``(m, 2)`` array) from the
    candidates: each fragment's distinct container clusters (at most ``FRAGMENT_MAX_TARGETS``, the
    ones proposed by the most containers first), verified in one parallel pass; a fragment keeps
    the one that covers the largest share of it (ties: the earlier in keep order)."""
    stats["fragment_pairs"] = 0
    if frag.size == 0:
        return np.zeros((0, 2), np.int64)
    target = center[cont]
    code, votes = np.unique(frag * (1 << 32) + target, return_counts=True)
    f, x = code >> 32, code & 0xFFFFFFFF
    rank = np.lexsort((x, -votes, f))
    f, x = f[rank], x[rank]
    first = np.concatenate(([True], f[1:] != f[:-1]))
    nth = np.arange(f.size) - np.maximum.accumulate(np.where(first, np.arange(f.size), 0))
    keep = nth < FRAGMENT_MAX_TARGETS
    f, x = f[keep], x[keep]
    covered = sets.cover(order[f], order[x])
    share = covered / np.maximum(words[f], 1)
    ok = covered >= np.ceil(threshold * words[f] - 1e-9)
    f, x, share = f[ok], x[ok], share[ok]
    stats["fragment_pairs"] = int(f.size)
    if f.size == 0:
        return np.zeros((0, 2), np.int64)
    best = np.lexsort((x, -share, f))
    f, x = f[best], x[best]
    first = np.concatenate(([True], f[1:] != f[:-1]))
    return np.stack([f[first], x[first]], axis=1)
