"""Fragments: a short paragraph copied into one 4-20 times its size, and how such links join clusters.

A sentence or clause lifted into a long paragraph (or a long paragraph split over several lines
by a scraper) has a Jaccard similarity far below any useful LSH threshold: at a size ratio of
0.1 a perfect copy has Jaccard 0.1. What it has is *containment*: most of the short paragraph's
shingles are in the long one. This module finds such pairs without new signatures, from the
sorted shingle-hash sets the index already spilled:

* **anchors**: the shingle hashes below ``2**32 / 2**ANCHOR_BITS`` (one in eight). Sampling by hash
  *value* preserves containment: the anchors of a copied fragment are anchors of its container.
  Since each set is sorted, a paragraph's anchors are the start of its set;
* anchors are counted once per strong cluster (paragraphs joined by the Jaccard and containment
  rules, exact copies included; its member with the most shingles stands for it), so that a
  paragraph republished a thousand times does not look like a common phrase. Anchors counted more
  than ``FRAGMENT_MAX_POSTINGS`` times are common phrases and not used for lookups (the counts are
  approximate: saturating 16-bit counters over hashed buckets, which only errs towards fewer
  lookups);
* every MinHash paragraph that can be a fragment queries with its first ``FRAGMENT_QUERY_ANCHORS``
  usable anchors. These queries are the only index kept in memory (12 bytes per anchor, at most
  three per paragraph). Every paragraph large enough to contain a fragment is then streamed from
  the shingle-set file, a chunk at a time; a query paragraph within the size-ratio window that
  shares at least ``FRAGMENT_QUERY_NEED`` of its anchors with it (all of them, when it has fewer)
  makes a candidate pair;
* candidates are verified exactly: containment of the fragment's shingles in the container >=
  ``fragment_containment``.

These links are weaker evidence than the other rules (a stock phrase or a name is "contained" in
many paragraphs, and a long paragraph compiled from several sources contains pieces of several
clusters), so they never chain clusters freely. Processed strongest first (ties by content), a
link between the strong clusters of a fragment and of its container is applied only if:

* a cluster of several paragraphs takes part in no other fragment link;
* a lone paragraph (a strong cluster of one) joins at most one link as the fragment; as a
  container it takes any number of lone fragments (a paragraph split over several lines by a
  scraper), or else one cluster of several and then no other link.

So no paragraph or cluster bridges two others through fragment links of different parts of it.
Measured on the labelled dev pairs (``python -m benchmarks.dedup_accuracy``): without fragment
links recall 0.957 at a false-positive rate of 0.044; the links found here, all applied (plain
union), give recall 1.0 at 0.292 (chains through compilations and stock phrases); with these
rules, recall 1.0 at 0.053.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numba as nb
import numpy as np

from newsclean.dedup.clusters import UnionFind, _find
from newsclean.dedup.config import DedupConfig
from newsclean.dedup.threading_layer import parallel_kernel
from newsclean.dedup.verify import VERIFY_CHUNK, _ExactSets

#: Anchors are the shingle hashes below ``2**(32 - ANCHOR_BITS)``: one shingle in eight, so that a
#: fragment of 40 characters (about 36 shingles) has 4.5 anchors on average.
ANCHOR_BITS = 3
#: Anchors each paragraph looks up (its first usable ones, in hash order).
FRAGMENT_QUERY_ANCHORS = 3
#: Anchors a container must share with the query (fewer when the query has fewer).
FRAGMENT_QUERY_NEED = 2
#: Anchors found in more containers than this are common phrases, not used for lookups.
FRAGMENT_MAX_POSTINGS = 256
#: Hash values read per chunk from the shingle-set file while streaming.
STREAM_CHUNK = 1 << 20
#: Query matches collected at once (8 bytes each) before candidates are counted and verified.
HIT_BUDGET = 1 << 19


#: Roles of a paragraph in :func:`fragment_candidates` (bit flags).
QUERY, COUNTED, CONTAINER = 1, 2, 4


def anchor_limit() -> int:
    return 1 << (32 - ANCHOR_BITS)


def stream_chunks(hashes: np.ndarray, fd: int | None, offsets: np.ndarray, chunk: int | None = None
                  ) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(p0, p1, buf)``: paragraphs ``[p0, p1)`` and their concatenated shingle sets
    (``buf[offsets[i] - offsets[p0]:...]``), in file order, about ``chunk`` values at a time.
    Read with ``pread`` when ``fd`` is given (nothing becomes resident), else from ``hashes``."""
    chunk = chunk or STREAM_CHUNK
    n = offsets.size - 1
    p0 = 0
    while p0 < n:
        # Last paragraph boundary within the chunk (at least one paragraph).
        p1 = int(np.searchsorted(offsets, offsets[p0] + chunk, side="right")) - 1
        p1 = min(max(p1, p0 + 1), n)
        lo, hi = int(offsets[p0]), int(offsets[p1])
        if hi > lo:
            if fd is not None:
                raw = os.pread(fd, 4 * (hi - lo), 4 * lo)
                if len(raw) != 4 * (hi - lo):
                    raise RuntimeError("short read from the shingle-set file (was it modified?)")
                buf = np.frombuffer(raw, dtype=np.uint32)
            else:
                buf = np.ascontiguousarray(hashes[lo:hi])
            yield p0, p1, buf
        p0 = p1


@nb.njit(cache=True)
def _count_anchors(buf, base, offsets, p0, p1, role, limit, counts, mask):
    """Saturating per-bucket counts of the anchors of the counted paragraphs ``p0 <= i < p1``
    (``role[i] & 2``: one per strong cluster)."""
    for i in range(p0, p1):
        if not role[i] & 2:
            continue
        for k in range(offsets[i] - base, offsets[i + 1] - base):
            h = buf[k]
            if h >= limit:
                break
            b = h & mask
            if counts[b] < 65535:
                counts[b] += 1


@nb.njit(cache=True)
def _query_anchors(buf, base, offsets, p0, p1, role, limit, counts, mask, cap, m, out, pos, used):
    """First ``m`` usable anchors (counted at most ``cap`` times) of each query paragraph
    (``role[i] & 1``), in hash order, appended to ``out`` as ``anchor << 32 | i``; ``used[i]``:
    how many. (Hash order is a random order, the same for every paragraph: preferring rare
    anchors instead would prefer those of the part not copied.)"""
    for i in range(p0, p1):
        if not role[i] & 1:
            continue
        u = 0
        for k in range(offsets[i] - base, offsets[i + 1] - base):
            h = buf[k]
            if h >= limit or u >= m:
                break
            if counts[h & mask] <= cap:
                out[pos] = (np.uint64(h) << np.uint64(32)) | np.uint64(i)
                pos += 1
                u += 1
        used[i] = u
    return pos


@nb.njit(cache=True, inline="always")
def _hits(buf, lo, hi, i, limit, q_hash, q_size, q_id, directory, shift, sizes, roots, ratio_lo, ratio_hi,
          cap, out, w):
    """Query paragraphs matching the anchors ``buf[lo:hi]`` of container ``i`` (within the ratio
    window, other strong cluster): counted, and written to ``out[w:]`` when ``out`` is given.
    Queries are sorted by (anchor, size, paragraph); ``directory[d]`` is the first whose anchor
    has ``anchor >> shift >= d``."""
    n = 0
    size = sizes[i]
    for k in range(lo, hi):
        h = buf[k]
        if h >= limit:
            break
        d = h >> shift
        a = directory[d]
        e = directory[d + 1]
        while a < e and q_hash[a] < h:
            a += 1
        b = a
        while b < e and q_hash[b] == h:
            b += 1
        if b - a > cap:
            continue  # an anchor that many paragraphs query: a common phrase
        q = a
        while q < b and q_size[q] / size < ratio_lo:
            q += 1
        while q < b and q_size[q] / size < ratio_hi:
            f = np.int64(q_id[q])
            if roots[f] != roots[i]:
                if out.size:
                    out[w + n] = f
                n += 1
            q += 1
    return n


@parallel_kernel
def _hit_counts(buf, base, offsets, members, limit, q_hash, q_size, q_id, directory, shift, sizes, roots,
                ratio_lo, ratio_hi, cap):
    """Number of query matches of each container in ``members`` (sets in ``buf``)."""
    none = np.zeros(0, np.int64)
    out = np.zeros(members.size, np.int64)
    for t in nb.prange(members.size):
        i = members[t]
        out[t] = _hits(buf, offsets[i] - base, offsets[i + 1] - base, i, limit, q_hash, q_size, q_id, directory,
                       shift, sizes, roots, ratio_lo, ratio_hi, cap, none, 0)
    return out


@parallel_kernel
def _container_candidates(buf, base, offsets, members, start, limit, q_hash, q_size, q_id, directory, shift,
                          used, sizes, roots, ratio_lo, ratio_hi, need, cap):
    """Candidate ``(fragment, container)`` pairs of the containers ``members`` (sets in ``buf``;
    ``start``: the cumulative match counts of :func:`_hit_counts`): the query paragraphs that
    share at least ``min(need, used)`` anchors with them."""
    m = members.size
    hits = np.empty(start[m], np.int64)
    kept = np.zeros(m, np.int64)
    for t in nb.prange(m):
        i = members[t]
        w = start[t]
        n = _hits(buf, offsets[i] - base, offsets[i + 1] - base, i, limit, q_hash, q_size, q_id, directory,
                  shift, sizes, roots, ratio_lo, ratio_hi, cap, hits, w)
        if n == 0:
            continue
        hits[w : w + n].sort()
        out = w
        s = w
        while s < w + n:
            e = s + 1
            while e < w + n and hits[e] == hits[s]:
                e += 1
            if e - s >= min(need, used[hits[s]]):
                hits[out] = hits[s]
                out += 1
            s = e
        kept[t] = out - w
    frag = np.empty(kept.sum(), np.int64)
    cont = np.empty(frag.size, np.int64)
    o = 0
    for t in range(m):
        for q in range(kept[t]):
            frag[o] = hits[start[t] + q]
            cont[o] = members[t]
            o += 1
    return frag, cont


@nb.njit(cache=True)
def _group_containers(reps, sizes, roots, min_size, best):
    """``best[root]``: the MinHash member with the most shingles of each strong cluster (ties: the
    first), when it has at least ``min_size`` shingles; -1 otherwise."""
    for k in range(reps.size):
        i = reps[k]
        r = roots[i]
        if best[r] < 0 or sizes[i] > sizes[best[r]]:
            best[r] = i
    for k in range(reps.size):
        r = roots[reps[k]]
        if best[r] >= 0 and sizes[best[r]] < min_size:
            best[r] = -1


def fragment_candidates(
    hashes: np.ndarray,
    fd: int | None,
    offsets: np.ndarray,
    sizes: np.ndarray,
    reps: np.ndarray,
    roots: np.ndarray,
    ratio_lo: float,
    ratio_hi: float,
    stats: dict[str, int],
    chunk: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Candidate ``(fragment, container)`` pairs among ``reps`` (see the module docstring), in
    batches of bounded size, each pair once: the fragment has ``ratio_lo <= size ratio < ratio_hi``
    and is in another strong cluster (``roots``)."""
    n = offsets.size - 1
    if reps.size < 2 or ratio_hi <= ratio_lo:
        return
    limit = np.uint32(anchor_limit())
    min_container = max(1, int(np.ceil(int(sizes[reps].min()) / ratio_hi)))
    role = np.zeros(n, np.uint8)
    big = reps[sizes[reps] >= min_container]
    if big.size == 0:
        return
    role[big] |= CONTAINER
    best = np.full(n, -1, np.int64)
    _group_containers(reps, sizes, roots, min_container, best)
    counted = best[best >= 0]
    del best
    role[counted] |= COUNTED
    role[reps[sizes[reps] < ratio_hi * int(sizes[big].max())]] |= QUERY
    stats["fragment_containers"] = int(big.size)
    # Anchor counts per strong cluster (its largest member), in hashed 16-bit buckets (about four
    # anchors per bucket: collisions only make an anchor look more common).
    n_anchors = int(sizes[counted].sum()) >> ANCHOR_BITS
    counts = np.zeros(1 << min(24, max(16, (n_anchors // 4).bit_length())), np.uint16)
    mask = np.uint32(counts.size - 1)
    for p0, p1, buf in stream_chunks(hashes, fd, offsets, chunk):
        _count_anchors(buf, offsets[p0], offsets, p0, p1, role, limit, counts, mask)
    queries = np.empty(FRAGMENT_QUERY_ANCHORS * int(np.count_nonzero(role & QUERY)), np.uint64)
    used = np.zeros(n, np.uint8)
    pos = 0
    for p0, p1, buf in stream_chunks(hashes, fd, offsets, chunk):
        pos = _query_anchors(buf, offsets[p0], offsets, p0, p1, role, limit, counts, mask,
                             FRAGMENT_MAX_POSTINGS, FRAGMENT_QUERY_ANCHORS, queries, pos, used)
    del counts
    queries = queries[:pos]
    stats["fragment_queries"] = pos
    q_hash = (queries >> np.uint64(32)).astype(np.uint32)
    q_id = (queries & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    del queries
    q_size = sizes[q_id].astype(np.uint32)
    order = np.lexsort((q_id, q_size, q_hash))
    q_hash, q_size, q_id = q_hash[order], q_size[order], q_id[order]
    del order
    # Directory over the anchors' top bits (about four queries per slot): lookups without a search.
    bits = min(24, max(8, pos.bit_length() - 2))
    shift = np.uint32(32 - ANCHOR_BITS - bits)
    directory = np.searchsorted(q_hash >> shift, np.arange((1 << bits) + 1, dtype=np.uint32)).astype(np.int64)
    args = (limit, q_hash, q_size, q_id, directory, shift)
    for p0, p1, buf in stream_chunks(hashes, fd, offsets, chunk):
        members = p0 + np.flatnonzero(role[p0:p1] & CONTAINER)
        if members.size == 0:
            continue
        window = (sizes, roots, float(ratio_lo), float(ratio_hi))
        counts = _hit_counts(buf, offsets[p0], offsets, members, *args, *window, FRAGMENT_MAX_POSTINGS)
        ends = np.cumsum(counts)
        lo = 0
        while lo < members.size:  # containers in batches of at most HIT_BUDGET matches
            base_hits = int(ends[lo - 1]) if lo else 0
            hi = max(lo + 1, int(np.searchsorted(ends, base_hits + HIT_BUDGET, side="right")))
            start = np.concatenate(([0], ends[lo:hi] - base_hits))
            frag, cont = _container_candidates(buf, offsets[p0], offsets, members[lo:hi], start, *args, used,
                                               *window, FRAGMENT_QUERY_NEED, FRAGMENT_MAX_POSTINGS)
            if frag.size:
                yield frag, cont
            lo = hi


@nb.njit(cache=True)
def _attach(parent, base_roots, group_size, frag, cont, state):
    """Apply the fragment links in order (see the module docstring); returns which were applied.
    ``state`` flags per strong cluster: 1 joined something as the smaller side (or took in a cluster
    of several), 2 took in lone fragments, 4 took in a cluster of several, 8 linked to a cluster of
    several (clusters of several only)."""
    applied = np.zeros(frag.size, np.bool_)
    for k in range(frag.size):
        f = frag[k]
        c = cont[k]
        rf = _find(parent, f)
        rc = _find(parent, c)
        if rf == rc:
            continue
        x = base_roots[f]
        y = base_roots[c]
        lone_x = group_size[x] == 1
        lone_y = group_size[y] == 1
        if lone_x and lone_y:  # a lone fragment into a lone container (which may take several)
            if state[x] & 1 or state[y] & 4:
                continue
            state[x] |= 1
            state[y] |= 2
        elif lone_x:  # a lone fragment into a cluster of several
            if state[x] & 1 or state[y] & 8:
                continue
            state[x] |= 1
            state[y] |= 8
        elif lone_y:  # a cluster of several into a lone container
            if state[y] & 7 or state[x] & 8:
                continue
            state[y] |= 5
            state[x] |= 8
        else:
            if state[x] & 8 or state[y] & 8:
                continue
            state[x] |= 8
            state[y] |= 8
        if rf < rc:
            parent[rc] = rf
        else:
            parent[rf] = rc
        applied[k] = True
    return applied


def attach_fragments(
    parent: np.ndarray,
    base_roots: np.ndarray,
    frag: np.ndarray,
    cont: np.ndarray,
    score: np.ndarray,
    tiebreak: np.ndarray,
) -> np.ndarray:
    """Union the verified fragment links into ``parent`` (a :class:`UnionFind`'s array, holding the
    strong clusters ``base_roots``), strongest first; ties are broken by content (``tiebreak``,
    the exact hashes), so the result does not depend on input order. Returns the applied mask
    in the given order."""
    if frag.size == 0:
        return np.zeros(0, bool)
    group_size = np.bincount(base_roots, minlength=base_roots.size)
    order = np.lexsort((tiebreak[cont], tiebreak[frag], -score))
    state = np.zeros(base_roots.size, np.uint8)
    applied_sorted = _attach(parent, base_roots, group_size, frag[order], cont[order], state)
    applied = np.zeros(frag.size, bool)
    applied[order] = applied_sorted
    return applied


def containment_of(inter: np.ndarray, frag_sizes: np.ndarray) -> Any:
    """Containment of the fragment's shingles in the container."""
    return inter / np.maximum(frag_sizes, 1)


def fragment_links(
    reps: np.ndarray,
    sizes: np.ndarray,
    exact: np.ndarray,
    sets: _ExactSets,
    uf: UnionFind,
    cfg: DedupConfig,
    stats: dict[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Fragment copies (:mod:`newsclean.dedup.fragments`): candidates from anchors, verified
    exactly (containment >= ``cfg.fragment_containment``), joined into ``uf`` under the attachment
    rules. Returns the verified pairs (smaller index first), sorted and without repeats."""
    stats.update(fragment_candidates=0, fragment_pairs=0, fragment_links=0)
    empty = np.zeros(0, np.int64)
    if reps.size < 2 or cfg.fragment_containment is None or cfg.fragment_min_ratio >= cfg.min_size_ratio:
        return empty, empty
    base_roots = uf.roots()
    # Containment only (a Jaccard threshold of 2 is never met), at any size ratio.
    rule = (2.0, float(cfg.fragment_containment), 0.0)
    found_f: list[np.ndarray] = []
    found_c: list[np.ndarray] = []
    for f, c in fragment_candidates(sets.hashes, sets.fd, sets.offsets, sizes, reps, base_roots,
                                    cfg.fragment_min_ratio, cfg.min_size_ratio, stats):
        stats["fragment_candidates"] += int(f.size)
        for lo in range(0, f.size, VERIFY_CHUNK):
            ok = sets.accept(f[lo : lo + VERIFY_CHUNK], c[lo : lo + VERIFY_CHUNK], rule)
            found_f.append(f[lo : lo + VERIFY_CHUNK][ok])
            found_c.append(c[lo : lo + VERIFY_CHUNK][ok])
    frag = np.concatenate(found_f) if found_f else empty
    cont = np.concatenate(found_c) if found_c else empty
    score = sets.intersections(frag, cont) / np.maximum(sizes[frag], 1) if frag.size else np.zeros(0)
    stats["fragment_pairs"] = int(frag.size)
    applied = attach_fragments(uf.parent, base_roots, frag, cont, score, exact.view(np.int64))
    stats["fragment_links"] = int(applied.sum())
    if not cfg.record_edges or frag.size == 0:
        return empty, empty
    codes = np.unique(np.minimum(frag, cont) * (1 << 32) + np.maximum(frag, cont))
    return codes >> 32, codes & 0xFFFFFFFF
