"""Candidates from LSH banding: for each paragraph, a few earlier paragraphs (in keep order) to verify it against.

The MinHash signature's columns are cut into ``bands`` bands of ``rows`` columns (band ``b`` covers
columns ``[b*rows, (b+1)*rows)``, like ``datasketch.MinHashLSH``); paragraphs agreeing on all values
of a band share a bucket. Paragraphs are numbered in *keep order* (:mod:`newsclean.dedup.clusters`:
the order in which the clustering decides them, the kept paragraph of each cluster first), and each
band is sorted by (bucket, position), so every bucket lists its members in keep order.

A bucket of ``m`` members does not make ``m * (m - 1) / 2`` pairs: each member's candidates are the
bucket's first ``bucket_leaders`` members (its *leaders*). A paragraph republished ``k`` times shares
most buckets with its ``k - 1`` copies; the first of them is the one they are all verified against
(the kept paragraph of their cluster), so pairing all of them would cost ``k**2`` per band for
nothing. The second leader keeps a candidate when the first is a chance member of the bucket.

Each paragraph remembers up to ``candidate_slots`` distinct candidates over all bands (the first
found), with the number of bands that proposed each; merging a band's leaders into the slots is a
sequential pass per paragraph, so it costs O(1) per paragraph and band, however many bands agree.
Bands are keyed, sorted and scanned a few at a time, in parallel (one LSD radix sort per band of
64-bit words holding the band's hash above the paragraph's position).

>>> import numpy as np
>>> sig = np.array([[1, 2], [1, 2], [1, 3], [1, 2]], np.uint16)
>>> slots, counts = band_slots(sig, np.arange(4), bands=2, rows=1, leaders=2, slots=4)
>>> slots.tolist()
[[-1, -1, -1, -1], [0, -1, -1, -1], [0, 1, -1, -1], [0, 1, -1, -1]]
>>> counts[2].tolist(), counts[3].tolist()  # bands that proposed each
([1, 1, 0, 0], [2, 2, 0, 0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.jit import parallel_kernel, prange

#: Bits of the radix sort's digits (a histogram of 2**16 counts per thread).
RADIX_BITS = 16


@jit.njit(cache=True, inline="always")
def _band_key(sig, k, start, rows):
    h = np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(rows)
    for c in range(start, start + rows):
        h ^= np.uint64(sig[k, c])
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    return h


@jit.njit(cache=True)
def _sorted_band(sig, start, rows, bits):
    """The band's words ``hash << bits | position`` (hash cut to its top ``64 - bits`` bits), sorted
    (LSD radix on the hash part; stable, so equal hashes stay in position order)."""
    n = sig.shape[0]
    low = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    a = np.empty(n, np.uint64)
    for k in range(n):
        a[k] = (_band_key(sig, k, start, rows) & ~low) | np.uint64(k)
    b = np.empty(n, np.uint64)
    counts = np.empty((1 << RADIX_BITS) + 1, np.int64)
    shift = bits
    while shift < 64:
        width = min(RADIX_BITS, 64 - shift)
        digit = np.uint64((1 << width) - 1)
        sh = np.uint64(shift)
        counts[: (1 << width) + 1] = 0
        for k in range(n):
            counts[((a[k] >> sh) & digit) + 1] += 1
        for d in range(1 << width):
            counts[d + 1] += counts[d]
        for k in range(n):
            d = (a[k] >> sh) & digit
            b[counts[d]] = a[k]
            counts[d] += 1
        a, b = b, a
        shift += width
    return a


@_sorted_band.python_form
def _sorted_band_numpy(sig: np.ndarray, start: int, rows: int, bits: int) -> np.ndarray:
    """:func:`_sorted_band` vectorized (the Python path): the keys are distinct (their low bits are
    the positions), so a plain sort is the stable radix sort's order."""
    h = np.full(sig.shape[0], np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(rows), np.uint64)
    for c in range(start, start + rows):
        h ^= sig[:, c].astype(np.uint64)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    low = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    return np.sort((h & ~low) | np.arange(sig.shape[0], dtype=np.uint64))


@jit.njit(cache=True)
def _leaders(words, bits, leaders, out, col):
    """``out[pos, col + l]``: the ``l``-th member of ``pos``'s bucket, for the members after it
    (-1 elsewhere); ``words`` from :func:`_sorted_band`."""
    n = words.size
    low = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    s = 0
    while s < n:
        hi = words[s] >> np.uint64(bits)
        e = s + 1
        while e < n and (words[e] >> np.uint64(bits)) == hi:
            e += 1
        for x in range(s, e):
            pos = np.int64(words[x] & low)
            for ld in range(leaders):
                out[pos, col + ld] = np.int64(words[s + ld] & low) if ld < x - s else -1
        s = e


@parallel_kernel
def _band_group(cols, first, count, rows, bits, leaders, out):
    """Leaders of bands ``first .. first + count - 1`` of the columns ``cols`` (all bands of the
    group, ``rows`` columns each), one band per thread."""
    for g in prange(count):
        words = _sorted_band(cols, (first + g) * rows, rows, bits)
        _leaders(words, bits, leaders, out, g * leaders)


@parallel_kernel
def _merge_slots(lead, slots, counts):
    """Add each paragraph's leaders (a row of ``lead``) to its slots: a new candidate takes the
    first free slot (none left: dropped), a known one counts one band more."""
    n, width = lead.shape
    k_max = slots.shape[1]
    for x in prange(n):
        for c in range(width):
            q = lead[x, c]
            if q < 0:
                continue
            for k in range(k_max):
                if slots[x, k] == q:
                    if counts[x, k] < 255:
                        counts[x, k] += 1
                    break
                if slots[x, k] < 0:
                    slots[x, k] = q
                    counts[x, k] = 1
                    break


def _position_bits(n: int) -> int:
    return max(1, int(max(n - 1, 1)).bit_length())


def band_slots(sig: Any, order: np.ndarray, *, bands: int, rows: int, leaders: int, slots: int,
               group: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate slots of the paragraphs ``order`` (their rows of ``sig``, in keep order): ``slots[x]``
    holds positions (into ``order``) of earlier paragraphs sharing a band with ``x`` as one of its
    bucket's first ``leaders`` members, -1 when free; ``counts[x]`` the bands that proposed each.

    ``sig`` is an array of signatures (one row per paragraph of the index) or an object with a
    ``columns(start, rows)`` method returning those columns for every paragraph (the signature
    spill, read one group of bands at a time).
    """
    order = np.ascontiguousarray(order, dtype=np.int64)
    n = order.size
    out_slots = np.full((n, slots), -1, np.int32)
    out_counts = np.zeros((n, slots), np.uint8)
    if n < 2 or bands < 1:
        return out_slots, out_counts
    bits = _position_bits(n)
    group = group or max(1, jit.get_num_threads())
    lead = np.empty((n, group * leaders), np.int32)
    for b0 in range(0, bands, group):
        count = min(group, bands - b0)
        if isinstance(sig, np.ndarray):
            cols = np.ascontiguousarray(sig[order, b0 * rows : (b0 + count) * rows])
        else:
            cols = sig.columns(b0 * rows, count * rows)[order]
        lead.fill(-1)
        _band_group(cols, 0, count, rows, bits, leaders, lead)
        del cols
        _merge_slots(lead, out_slots, out_counts)
    return out_slots, out_counts


def candidate_pairs(sig: np.ndarray, reps: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)``, ``i < j``, of ``reps`` that agree on all ``rows`` values of some band
    (``datasketch.MinHashLSH``'s candidate sets; a reference for tests, quadratic in bucket size).
    Returned sorted and without repeats."""
    reps = np.ascontiguousarray(reps, dtype=np.int64)
    if reps.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cols = np.ascontiguousarray(sig[reps])
    bits = _position_bits(reps.size)
    low = (1 << bits) - 1
    found: set[tuple[int, int]] = set()
    for b in range(bands):
        words = _sorted_band(cols, b * rows, rows, bits)
        runs: dict[int, list[int]] = {}
        for w in words.tolist():
            runs.setdefault(w >> bits, []).append(int(reps[w & low]))
        for members in runs.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    found.add((min(i, j), max(i, j)))
    pairs = sorted(found)
    return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64)
