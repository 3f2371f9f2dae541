"""Candidate pairs from LSH banding (:func:`band_pairs`, :func:`candidate_pairs`) and the driver that
runs the banding stages, verifies each band's new candidates and unions the accepted ones
(:func:`find_pairs`)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from newsclean.dedup.clusters import UnionFind
from newsclean.dedup.config import DedupConfig
from newsclean.dedup.verify import VERIFY_CHUNK, _ExactSets


@nb.njit(cache=True, nogil=True)
def _band_keys(sig, reps, start, rows):
    out = np.empty(reps.size, np.uint64)
    for k in range(reps.size):
        h = np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(rows)
        for c in range(start, start + rows):
            h ^= np.uint64(sig[reps[k], c])
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
        out[k] = h
    return out


@nb.njit(cache=True, nogil=True)
def _bucket_pairs(sorted_keys, members, sizes, tiebreak, ratio_min, ratio_max, cap, out_left, out_right):
    """Pairs ``(i, j)``, ``i < j``, of members sharing a key, with size ratio in
    ``[ratio_min, ratio_max)``. Buckets of more than ``cap`` members are sorted by
    ``(size, tiebreak)`` and each member paired with its next ``cap`` (the order uses content
    only, so the result does not depend on input order). Returns the count; fills the outputs
    as far as they reach (a count above their size means: call again with that size)."""
    n = sorted_keys.size
    room = out_left.size
    total = 0
    s = 0
    while s < n:
        e = s + 1
        key = sorted_keys[s]
        while e < n and sorted_keys[e] == key:
            e += 1
        m = e - s
        if m > 1:
            if m > cap:
                mem = members[s:e].copy()
                mem = mem[np.argsort(tiebreak[mem], kind="mergesort")]
                mem = mem[np.argsort(sizes[mem], kind="mergesort")]
            else:
                mem = members[s:e]
            for x in range(m):
                lim = m if m <= cap else min(m, x + 1 + cap)
                i = mem[x]
                a = sizes[i]
                for y in range(x + 1, lim):
                    j = mem[y]
                    b = sizes[j]
                    lo = min(a, b)
                    hi = max(max(a, b), 1)
                    ratio = lo / hi
                    if ratio < ratio_min or ratio >= ratio_max:
                        continue
                    if total < room:
                        out_left[total] = min(i, j)
                        out_right[total] = max(i, j)
                    total += 1
        s = e
    return total


def _sorted_band(keys: np.ndarray, reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``keys`` and ``reps`` ordered by key, equal keys in input order (a stable argsort's result).

    Sorting the keys with their position in the low bits is 3-4x faster than a stable argsort;
    only where two keys differ in nothing but those low bits can a run of equal keys be split, and
    then the band is sorted the slow way.
    """
    n = keys.size
    bits = np.uint64(max(int(n - 1).bit_length(), 1))
    low = np.uint64((1 << int(bits)) - 1)
    packed = np.sort((keys & ~low) | np.arange(n, dtype=np.uint64))
    pos = (packed & low).astype(np.int64)
    sk = keys[pos]
    high = packed >> bits
    if np.any((high[1:] == high[:-1]) & (sk[1:] != sk[:-1])):
        pos = np.argsort(keys, kind="stable")
        sk = keys[pos]
    return sk, reps[pos]


def band_pairs(
    sig: np.ndarray,
    reps: np.ndarray,
    start: int,
    rows: int,
    sizes: np.ndarray,
    tiebreak: np.ndarray,
    ratio_min: float = 0.0,
    ratio_max: float = math.inf,
    cap: int = 1 << 62,
    hint: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of one band (columns ``[start, start + rows)``), see :func:`_bucket_pairs`.
    ``hint``: the expected number of pairs (e.g. the previous band's), to fill them in one pass."""
    sk, members = _sorted_band(_band_keys(sig, reps, start, rows), reps)
    args = (sk, members, sizes, tiebreak, float(ratio_min), float(ratio_max), int(cap))
    room = max(1024, hint + hint // 4)
    left = np.empty(room, np.int64)
    right = np.empty(room, np.int64)
    cnt = _bucket_pairs(*args, left, right)
    if cnt > room:
        left = np.empty(cnt, np.int64)
        right = np.empty(cnt, np.int64)
        _bucket_pairs(*args, left, right)
    if cnt == left.size:
        return left, right
    return left[:cnt].copy(), right[:cnt].copy()  # a copy: the slack is freed


def candidate_pairs(
    sig: np.ndarray, reps: np.ndarray, bands: int, rows: int, max_bucket: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of ``reps`` that agree on all ``rows`` values of some band.

    Returned sorted and without repeats. Band ``b`` covers signature columns
    ``[b*rows, (b+1)*rows)``, like ``datasketch.MinHashLSH`` (without ``max_bucket``, exactly its
    candidate sets).
    """
    reps = np.ascontiguousarray(reps, dtype=np.int64)
    if reps.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n = int(reps.max()) + 1
    zeros = np.zeros(n, np.int64)
    found = []
    for b in range(bands):
        left, right = band_pairs(sig, reps, b * rows, rows, zeros, zeros, cap=max_bucket or (1 << 62))
        found.append(left * (1 << 32) + right)
    codes = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return codes >> 32, codes & 0xFFFFFFFF


@nb.njit(cache=True)
def _unconnected(parent, left, right):
    keep = np.empty(left.size, np.bool_)
    for k in range(left.size):
        keep[k] = _root(parent, left[k]) != _root(parent, right[k])
    return keep


@nb.njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


def find_pairs(
    sig: np.ndarray,
    reps: np.ndarray,
    sizes: np.ndarray,
    exact: np.ndarray,
    sets: _ExactSets,
    uf: UnionFind,
    cfg: DedupConfig,
    stats: dict[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Run the LSH stages band by band, verify new candidates exactly and union the accepted ones.

    Candidates whose two paragraphs are already in one cluster are skipped (the clusters do not
    change), unless ``cfg.record_edges``, which verifies every candidate and returns all accepted
    pairs, sorted and without repeats (otherwise empty arrays).
    """
    stages = cfg.lsh_stages()
    for k, st in enumerate(stages, 1):
        stats[f"lsh{k}_bands"], stats[f"lsh{k}_rows"] = st.bands, st.rows
    stats.update(candidates=0, verified_pairs=0, accepted_pairs=0)
    tiebreak = exact.view(np.int64)
    found: list[np.ndarray] = []
    if reps.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    for k, st in enumerate(stages, 1):
        stats[f"lsh{k}_candidates"] = 0
        hint = 0
        for b in range(st.bands):
            if isinstance(sig, np.ndarray):
                cols, start = sig, b * st.rows
            else:  # a _SigSpill: read this band's columns only
                cols, start = sig.columns(b * st.rows, st.rows), 0
            band_left, band_right = band_pairs(cols, reps, start, st.rows, sizes, tiebreak,
                                               st.ratio_min, st.ratio_max, cfg.max_bucket, hint)
            del cols
            hint = int(band_left.size)
            stats["candidates"] += int(band_left.size)
            stats[f"lsh{k}_candidates"] += int(band_left.size)
            for lo in range(0, band_left.size, VERIFY_CHUNK):
                left, right = band_left[lo : lo + VERIFY_CHUNK], band_right[lo : lo + VERIFY_CHUNK]
                if not cfg.record_edges and left.size:
                    new = _unconnected(uf.parent, left, right)
                    left, right = left[new], right[new]
                stats["verified_pairs"] += int(left.size)
                ok = sets.accept(left, right)
                stats["accepted_pairs"] += int(ok.sum())
                uf.union_pairs(left[ok], right[ok])
                if cfg.record_edges:
                    found.append(left[ok] * (1 << 32) + right[ok])
            del band_left, band_right
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = np.unique(np.concatenate(found))
    return codes >> 32, codes & 0xFFFFFFFF
