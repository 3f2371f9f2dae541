"""Clustering: keep order, the greedy assignment of each paragraph to the kept paragraph it copies,
merges and moves (all verified against the kept paragraph, so clusters never chain), and union-find.

>>> uf = UnionFind(5)
>>> uf.union(3, 1); uf.union(4, 3)
>>> [uf.find(i) for i in range(5)]
[0, 1, 2, 1, 1]
>>> date_key("Diperbarui 18 Jun 2025, 14:05 WIB"), date_key("2022-01-13T10:00:00"), date_key("?")
((2025, 6, 18), (2022, 1, 13), None)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.arrays import unique_sorted
from newsclean.dedup.verify import _cover, _ordered, _scratch, needed, tile_span

KeepPolicy = Literal["first", "earliest", "longest", "outlet"]
KEEP_POLICIES: tuple[str, ...] = ("first", "earliest", "longest", "outlet")



class UnionFind:
    """Disjoint sets over ``0..n-1`` whose representative is always the smallest member.

    Making the smallest index the root keeps clusters (and their order) deterministic no matter
    in which order the edges arrive.
    """

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = int(parent[root])
        while parent[i] != root:  # path compression
            parent[i], i = root, int(parent[i])
        return root

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(int(i)), self.find(int(j))
        if ri != rj:
            lo, hi = (ri, rj) if ri < rj else (rj, ri)
            self.parent[hi] = lo

    def union_pairs(self, left: np.ndarray, right: np.ndarray) -> None:
        """Union many pairs at once (compiled loop)."""
        if len(left) != len(right):
            raise ValueError("left and right must have the same length")
        _union_pairs(self.parent, np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64))

    def roots(self) -> np.ndarray:
        """Representative (smallest member) of every element."""
        return _roots(self.parent)


@jit.njit(cache=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@jit.njit(cache=True)
def _union_pairs(parent, left, right):
    for k in range(left.size):
        ri = _find(parent, left[k])
        rj = _find(parent, right[k])
        if ri < rj:
            parent[rj] = ri
        elif rj < ri:
            parent[ri] = rj


@jit.njit(cache=True)
def _roots(parent):
    out = np.empty(parent.size, np.int64)
    for i in range(parent.size):
        out[i] = _find(parent, i)
    return out


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("jan", "januari", "january"), ("feb", "februari", "february"), ("mar", "maret", "march"),
         ("apr", "april"), ("mei", "may"), ("jun", "juni", "june"), ("jul", "juli", "july"),
         ("agu", "agt", "ags", "agustus", "aug", "august"), ("sep", "sept", "september"),
         ("okt", "oktober", "oct", "october"), ("nov", "nopember", "november"),
         ("des", "desember", "dec", "december")]
    )
    for m in names
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_NAMED = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})")
_DMY_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def date_key(value: Any) -> tuple[int, int, int] | None:
    """A sortable ``(year, month, day)`` from ISO dates or Indonesian/English "18 Jun 2025" forms;
    ``None`` when no date can be read (such documents sort after all dated ones)."""
    if value is None:
        return None
    s = str(value)
    m = _ISO_DATE.search(s)
    if m:
        return int(m[1]), int(m[2]), int(m[3])
    m = _DMY_NAMED.search(s)
    if m and m[2].lower() in _MONTHS:
        return int(m[3]), _MONTHS[m[2].lower()], int(m[1])
    m = _DMY_NUMERIC.search(s)
    if m:
        return int(m[3]), int(m[2]), int(m[1])
    return None


# ---------------------------------------------------------------------------- keep order


def keep_order(policy: str, *, p_doc: np.ndarray, p_len: np.ndarray,
               dates: Sequence[tuple[int, int, int] | None], outlet_rank: Sequence[int]) -> np.ndarray:
    """Every paragraph's place in keep order (0 = kept first): by input order (``first``), length
    (``longest``), the document's date (``earliest``; undated last) or its outlet's rank
    (``outlet``), ties by input order.

    >>> keep_order("longest", p_doc=np.zeros(3, np.int32), p_len=np.array([5, 9, 9]), dates=[None],
    ...            outlet_rank=[0]).tolist()
    [2, 0, 1]
    """
    n = p_doc.size
    idx = np.arange(n, dtype=np.int64)
    if policy == "first":
        return idx
    if policy == "longest":
        order = np.lexsort((idx, -p_len.astype(np.int64)))
    elif policy == "earliest":
        day = np.array([d[0] * 10000 + d[1] * 100 + d[2] if d else 1 << 40 for d in dates], np.int64)
        order = np.lexsort((idx, day[p_doc] if n else idx))
    elif policy == "outlet":
        rank = np.asarray(outlet_rank, dtype=np.int64)
        order = np.lexsort((idx, rank[p_doc] if n else idx))
    else:
        raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {policy!r}")
    out = np.empty(n, np.int64)
    out[order] = idx
    return out


# ---------------------------------------------------------------------------- greedy centers

#: A member longer than its kept paragraph is only dropped when the kept paragraph covers at least
#: this share of its words; otherwise the kept paragraph is a part of it, and the member keeps it
#: (the cluster moves into the longer paragraph).
LONGER_MEMBER_COVERAGE = 0.7


@jit.njit(cache=True, inline="always")
def _needed(m, share):
    return np.ceil(share * m - 1e-9)


@jit.njit(cache=True)
def is_member(covered, m, m_kept, threshold, min_ratio):
    """Whether a paragraph of ``m`` words, with ``covered`` of them in runs shared with a kept
    paragraph of ``m_kept`` words, is a copy (or a part) of it that may be dropped: ``threshold``
    of its words covered, or ``LONGER_MEMBER_COVERAGE`` when it is the longer one; word ratio at
    least ``min_ratio``."""
    if min(m, m_kept) < min_ratio * max(m, m_kept):
        return False
    share = threshold if m <= m_kept else max(threshold, LONGER_MEMBER_COVERAGE)
    return covered >= _needed(m, share)


def member_mask(covered: np.ndarray, m: np.ndarray, m_kept: np.ndarray, threshold: float, min_ratio: float
                ) -> np.ndarray:
    """:func:`is_member` over arrays."""
    m = m.astype(np.int64)
    m_kept = m_kept.astype(np.int64)
    share = np.where(m <= m_kept, threshold, max(threshold, LONGER_MEMBER_COVERAGE))
    ratio_ok = np.minimum(m, m_kept) >= min_ratio * np.maximum(m, m_kept)
    return ratio_ok & (covered >= np.ceil(share * m - 1e-9))


@jit.njit(cache=True)
def _spec_targets(slots, center, r0, r1):
    """The targets of paragraphs ``r0 <= x < r1`` guessed before their chunk is decided: each
    candidate's cluster center when it was decided before the chunk, else the guess for the
    candidate (the target of its own first candidate: copies of one paragraph follow the first
    of them), grouped by ``x`` (``start``), without repeats."""
    k_max = slots.shape[1]
    start = np.zeros(r1 - r0 + 1, np.int64)
    tl = np.empty((r1 - r0) * k_max, np.int64)
    tr = np.empty((r1 - r0) * k_max, np.int64)
    guess = np.empty(r1 - r0, np.int64)
    w = 0
    for x in range(r0, r1):
        s = w
        guess[x - r0] = x
        for k in range(k_max):
            q = slots[x, k]
            if q < 0:
                continue
            t = center[q] if q < r0 else guess[q - r0]
            if w == s:
                guess[x - r0] = t
            dup = False
            for u in range(s, w):
                if tr[u] == t:
                    dup = True
                    break
            if not dup:
                tl[w] = x
                tr[w] = t
                w += 1
        start[x - r0 + 1] = w
    return start, tl[:w], tr[:w]


@jit.njit(cache=True)
def _decide(slots, center, score, words, r0, r1, start, tr, cov, threshold, min_ratio, tokens, offsets, order,
            rule, tk_t, tk_x, apart):
    """Decide paragraphs ``r0 <= x < r1`` in keep order: ``x`` joins the cluster of the center,
    among its candidates' centers, that covers the largest share of it (:func:`is_member`; ties:
    the earlier), else it is a center. A center that ``x`` covers but may not replace as a member
    (the center is a part of ``x``) is noted as a takeover (``tk_*``). Covered counts come from the
    chunk's speculative verifications (``start``/``tr``/``cov``); the others are verified here
    (``rule``: min run, threshold, long run, long share, gap). When ``apart`` has rows, ``apart[x, k]``
    notes that slot ``k``'s candidate was itself a center, verified against ``x``, and neither of
    the two covers the other (:func:`recenter_links` need not verify the pair again). Returns
    (takeovers, late verifications)."""
    k_max = slots.shape[1]
    targets = np.empty(k_max, np.int64)
    counts = np.empty(k_max, np.int64)
    run, t_share, long_run, long_share, gap = rule
    head, nxt, used = _scratch(0)
    cap = 0
    n_tk = 0
    late = 0
    for x in range(r0, r1):
        nt = 0
        for k in range(k_max):
            q = slots[x, k]
            if q < 0:
                continue
            t = center[q]
            dup = False
            for u in range(nt):
                if targets[u] == t:
                    dup = True
                    break
            if dup:
                continue
            c = -1
            for u in range(start[x - r0], start[x - r0 + 1]):
                if tr[u] == t:
                    c = cov[u]
                    break
            if c < 0:  # the guess was wrong: verify now
                i, j = order[x], order[t]
                a, b = _ordered(tokens[offsets[i] : offsets[i + 1]], tokens[offsets[j] : offsets[j + 1]])
                if b.size > cap:
                    cap = max(b.size, 2 * cap)
                    head, nxt, used = _scratch(cap)
                c = _cover(a, b, run, needed(a.size, t_share), long_run, needed(a.size, long_share), gap, head, nxt,
                           used)
                late += 1
            targets[nt] = t
            counts[nt] = c
            nt += 1
        mx = words[x]
        if apart.shape[0] > 0:
            for k in range(k_max):
                q = slots[x, k]
                if q < 0 or center[q] != q:
                    continue
                for u in range(nt):
                    if targets[u] == q:
                        c = counts[u]
                        apart[x, k] = not is_member(c, mx, words[q], threshold, min_ratio) and not is_member(
                            c, words[q], mx, threshold, min_ratio)
                        break
        best = -1
        best_s = -1.0
        best_c = 0
        for u in range(nt):
            t = targets[u]
            c = counts[u]
            mt = words[t]
            if is_member(c, mx, mt, threshold, min_ratio):
                s = c / max(mx, mt)  # preference: the closest center (a part goes to the smallest container)
                if s > best_s or (s == best_s and t < best):
                    best = t
                    best_s = s
                    best_c = c
            elif mt < mx and is_member(c, mt, mx, threshold, min_ratio):
                tk_t[n_tk] = t
                tk_x[n_tk] = x
                n_tk += 1
        if best >= 0:
            center[x] = best
            score[x] = best_c / mx
        else:
            center[x] = x
    return n_tk, late


#: Paragraphs decided per chunk: their verifications run in parallel before the chunk is decided.
GREEDY_CHUNK = 1 << 11


def assign_centers(order: np.ndarray, words: np.ndarray, slots: np.ndarray, sets: Any, *, threshold: float,
                   min_ratio: float, stats: dict[str, int], apart: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy clustering in keep order (see :func:`_decide`): ``center[x]`` (positions in keep
    order), ``score[x]`` (share of ``x``'s words covered by its center's) and the takeovers
    ``(center, paragraph it is a part of)`` as a ``(m, 2)`` array.

    Paragraph ``x`` is decided after every earlier one, so the result is that of the sequential
    greedy whatever the threads; the verifications of a chunk are made first, in parallel, against
    each candidate's center as far as it is known, and the few that turn out to be needed
    otherwise are made when ``x`` is decided. ``apart`` (a ``slots``-shaped bool array, all False),
    when given, receives the slot pairs found apart (see :func:`_decide`).
    """
    n = order.size
    center = np.full(n, -1, np.int64)
    score = np.ones(n, np.float32)
    k_max = slots.shape[1]
    takeovers: list[np.ndarray] = []
    verified = late = 0
    rule = (sets.run, sets.threshold, sets.long_run, sets.long_share, sets.gap)
    noted = apart if apart is not None else np.zeros((0, k_max), np.bool_)
    for r0 in range(0, n, GREEDY_CHUNK):
        r1 = min(n, r0 + GREEDY_CHUNK)
        start, tl, tr = _spec_targets(slots, center, r0, r1)
        cov = sets.cover(order[tl], order[tr]) if tl.size else np.zeros(0, np.int32)
        verified += int(tl.size)
        tk = np.empty((2, (r1 - r0) * k_max), np.int64)
        n_tk, n_late = _decide(slots, center, score, words, r0, r1, start, tr, cov, threshold, min_ratio,
                               sets.tokens, sets.offsets, order, rule, tk[0], tk[1], noted)
        late += n_late
        takeovers.append(tk[:, :n_tk].T.copy())
    sets.release()
    stats["verified_pairs"] = verified + late
    stats["verified_late"] = late
    pairs = np.concatenate(takeovers) if takeovers else np.zeros((0, 2), np.int64)
    return center, score, pairs


# ---------------------------------------------------------------------------- merges


class _Clusters:
    """Member lists of the centers while merges and moves change them (lists only for the
    clusters that changed; the others are read from the greedy's result)."""

    def __init__(self, center: np.ndarray) -> None:
        self.center = center
        self.by_center = np.argsort(center, kind="stable")
        self.bounds = np.searchsorted(center[self.by_center], np.arange(center.size + 1))
        self.changed: dict[int, list[int]] = {}

    def members(self, c: int) -> list[int]:
        got = self.changed.get(c)
        return list(got) if got is not None else self.by_center[self.bounds[c] : self.bounds[c + 1]].tolist()

    def size(self, c: int) -> int:
        got = self.changed.get(c)
        return len(got) if got is not None else int(self.bounds[c + 1] - self.bounds[c])

    def move(self, m: int, dst: int) -> None:
        src = int(self.center[m])
        if src == dst:
            return
        old = self.members(src)
        old.remove(m)
        self.changed[src] = old
        new = self.members(dst)
        new.append(m)
        self.changed[dst] = new
        self.center[m] = dst


def merge_clusters(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                   cands: np.ndarray, sets: Any, *, threshold: float, min_ratio: float,
                   stats: dict[str, int], span: float | None = None) -> np.ndarray:
    """Apply merges ``cands[k] = (t, y)`` in place: the cluster of center ``t`` and the one holding
    ``y`` become one when one center is a member of the other (:func:`is_member`: the other covers
    it); the covering center is kept (of two that cover each other, the earlier in keep order), and
    every member of the cluster that moves is verified against it: those it covers move, the
    others stay together around the first of them in keep order (verified against it in turn, or
    alone). So no member ever stays without being a copy (or part) of its kept paragraph. Merges
    are applied in keep order of ``t``.

    A center takes in at most one cluster of several (``span`` None), or more than one when every
    member of each further cluster verifies against it and the part of it that the further
    cluster's center covers overlaps each part taken in before by at least ``span`` of the shorter
    part (``DedupConfig.merge_span``). Returns which centers took in a cluster of several
    (:func:`recenter_clusters` keeps the rule)."""
    stats.setdefault("merges", 0)
    stats.setdefault("merge_dropouts", 0)
    stats.setdefault("merges_refused", 0)
    # A paragraph that takes in two clusters of several paragraphs is a compilation quoting two
    # syndicated pieces: joining them would put copies of either in one cluster with the other's.
    # So a center takes in at most one cluster of several (any number of lone paragraphs: a long
    # paragraph split over several lines by a scraper) -- unless the two are overlapping windows of
    # one text (the span rule).
    took_several = np.zeros(center.size, bool)
    if cands.size == 0:
        return took_several
    cands = cands[np.lexsort((cands[:, 1], cands[:, 0]))]
    cl = _Clusters(center)
    spans: dict[int, list[tuple[int, int]]] = {}

    def cover(xs: list[int], y: int) -> list[int]:
        return sets.cover(order[xs], np.full(len(xs), order[y])).tolist()

    def member(c: int, m: int, kept: int) -> bool:
        return bool(is_member(c, int(words[m]), int(words[kept]), threshold, min_ratio))

    for t, y in cands.tolist():
        if center[t] != t:
            continue
        x = int(center[y])
        if x == t:
            continue
        c = cover([t], x)[0]
        t_in_x, x_in_t = member(c, t, x), member(c, x, t)
        if t_in_x and x_in_t:
            src, dst = (x, t) if t < x else (t, x)
        elif t_in_x:
            src, dst = t, x
        elif x_in_t:
            src, dst = x, t
        else:
            continue
        moving = cl.members(src)
        got: dict[int, int] | None = None
        if len(moving) > 1:
            if span is None:
                if took_several[dst]:
                    stats["merges_refused"] += 1
                    continue
            else:
                part = tile_span(sets.words(int(order[src])), sets.words(int(order[dst])), sets.run)
                lo, hi = int(part[0]), int(part[1])
                if took_several[dst]:
                    got = dict(zip(moving, cover(moving, dst), strict=True))
                    ok = all(member(got[m], m, dst) for m in moving)
                    for a, b in spans.get(dst, ()):
                        ok = ok and max(0, min(b, hi) - max(a, lo)) >= span * max(1, min(b - a, hi - lo))
                    if not ok:
                        stats["merges_refused"] += 1
                        continue
                spans.setdefault(dst, []).append((lo, hi))
            took_several[dst] = True
        if got is None:
            got = dict(zip(moving, cover(moving, dst), strict=True))
        left: list[int] = []
        for m in moving:
            if member(got[m], m, dst):
                cl.move(m, dst)
                score[m] = got[m] / max(int(words[m]), 1)
            else:
                left.append(m)
        stats["merges"] += 1
        while left:  # members the new center does not cover: around the first of them
            head, rest = left[0], left[1:]
            cl.move(head, head)
            center[head] = head
            cl.changed.setdefault(head, [head])
            score[head] = 1.0
            left = []
            for m, g in zip(rest, cover(rest, head) if rest else [], strict=True):
                if member(g, m, head):
                    cl.move(m, head)
                    score[m] = g / max(int(words[m]), 1)
                else:
                    left.append(m)
            stats["merge_dropouts"] += 1
    return took_several


@jit.njit(cache=True)
def _refine_pairs(slots, center, sizes, score, words, src, dst):
    """``(paragraph, center)`` pairs worth verifying in :func:`refine_members`: the paragraph may
    move (a member, or alone), the center has members, is not its own, and could, by the two sizes
    alone, cover it better than its own center does. Counts them, and writes them when ``src`` has
    room."""
    n, k_max = slots.shape
    w = 0
    for x in range(n):
        for k in range(k_max):
            q = slots[x, k]
            if q < 0:
                continue
            for d in range(2):  # both directions: x to q's center, q to x's center
                a = x if d == 0 else np.int64(q)
                t = center[q] if d == 0 else center[x]
                if center[a] == t or a == t or sizes[t] < 2 or (center[a] == a and sizes[a] > 1):
                    continue
                now = -1.0
                if center[a] != a:
                    now = score[a] * words[a] / max(words[a], words[center[a]])
                if min(words[a], words[t]) / max(words[a], words[t], 1) <= now + 1e-9:
                    continue
                if w < src.size:
                    src[w] = a
                    dst[w] = t
                w += 1
    return w


def refine_members(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray, slots: np.ndarray,
                   sets: Any, *, threshold: float, min_ratio: float, stats: dict[str, int]) -> None:
    """Move each member (and each center of a cluster of one) to the cluster whose center covers
    the largest share of it, among the centers of its candidates in both directions (the LSH
    slots, whichever came first in keep order): the greedy decides in keep order, so a paragraph
    may have joined a center before a later, closer one existed, and merges leave some alone. Only
    clusters of two or more are targets and they keep their centers, so the moves do not depend on
    each other; every move is verified against its new center."""
    n = center.size
    stats.setdefault("moved", 0)
    if n < 2:
        return
    sizes = np.bincount(center, minlength=n)
    none = np.zeros(0, np.int64)
    count = _refine_pairs(slots, center, sizes, score, words, none, none)
    if count == 0:
        return
    src, dst = np.empty(count, np.int64), np.empty(count, np.int64)
    _refine_pairs(slots, center, sizes, score, words, src, dst)
    code = unique_sorted(src * (1 << 32) + dst)
    src, dst = code >> 32, code & 0xFFFFFFFF
    cov = sets.cover(order[src], order[dst])
    stats["verified_pairs"] = stats.get("verified_pairs", 0) + int(src.size)
    ok = member_mask(cov, words[src], words[dst], threshold, min_ratio)
    src, dst, cov = src[ok], dst[ok], cov[ok]
    pref = cov / np.maximum(words[src], words[dst])
    best = np.lexsort((dst, -pref, src))
    src, dst, cov, pref = src[best], dst[best], cov[best], pref[best]
    first = np.concatenate(([True], src[1:] != src[:-1])) if src.size else np.zeros(0, bool)
    for s, d, c, p in zip(src[first].tolist(), dst[first].tolist(), cov[first].tolist(), pref[first].tolist(),
                          strict=True):
        # The current center's preference, from the stored share of s it covers.
        now = score[s] * words[s] / max(words[s], words[center[s]]) if center[s] != s else -1.0
        if p > now + 1e-9:
            center[s] = d
            score[s] = c / words[s]
            stats["moved"] += 1


# ---------------------------------------------------------------------------- recentering


@jit.njit(cache=True)
def _link_pairs(slots, apart, center, sizes, lo, hi):
    """The LSH slot pairs ``(x, q)`` whose ends are in two clusters, not both alone, and not known
    to be apart (``apart``, when it has rows), as ``(smaller, larger)`` positions. Counts them, and
    writes them when ``lo`` has room."""
    n, k_max = slots.shape
    known = apart.shape[0] > 0
    w = 0
    for x in range(n):
        for k in range(k_max):
            q = slots[x, k]
            if q < 0 or center[q] == center[x] or (sizes[center[q]] == 1 and sizes[center[x]] == 1):
                continue
            if known and apart[x, k]:
                continue
            if w < lo.size:
                lo[w] = min(x, q)
                hi[w] = max(x, q)
            w += 1
    return w


def recenter_links(center: np.ndarray, words: np.ndarray, order: np.ndarray, slots: np.ndarray,
                   extra: np.ndarray, sets: Any, *, threshold: float, min_ratio: float,
                   stats: dict[str, int], apart: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The links recentering may act on, as ``(u, w, covered)`` sorted by ``(u, w)``: the LSH slot
    pairs and the ``extra`` pairs (fragment candidates: a fragment and a paragraph that may contain
    it), in both directions, whose ends are in two clusters and where ``u`` covers ``w``
    (:func:`is_member`).

    A link where ``u`` does not cover ``w`` can never make ``u`` the kept paragraph of ``w``'s
    cluster, so it is dropped before any attempt: the links are verified in one parallel pass (one
    verification per link), and whether a link can act does not depend on the clusters, which
    keeps the distributed engine's components exact (:mod:`newsclean.distributed.dedup`). Links
    between two paragraphs that are both alone in their clusters are not verified at all: they are
    three quarters of the links on id_news_dev (134,267 of 178,386), the greedy pass already
    verified most of them (a later paragraph against an earlier center) and joined the pair or
    noted a takeover when either covered the other, and recentering two lone paragraphs only makes
    a cluster of two (round 6: the same dev figures without them). Slot pairs the greedy pass
    verified already and found apart (``apart``, from :func:`assign_centers`) are not verified again:
    about half of the slot links on syndicated news, where the candidates are mostly the first copies,
    which are centers."""
    empty = np.zeros(0, np.int64)
    none = np.zeros(0, np.int64)
    sizes = np.bincount(center, minlength=center.size)
    known = apart if apart is not None else np.zeros((0, slots.shape[1]), np.bool_)
    count = _link_pairs(slots, known, center, sizes, none, none)
    lo, hi = np.empty(count, np.int64), np.empty(count, np.int64)
    _link_pairs(slots, known, center, sizes, lo, hi)
    if extra.size:
        a, b = extra[:, 0].astype(np.int64), extra[:, 1].astype(np.int64)
        apart = (center[a] != center[b]) & ((sizes[center[a]] > 1) | (sizes[center[b]] > 1))
        a, b = a[apart], b[apart]
        lo = np.concatenate((lo, np.minimum(a, b)))
        hi = np.concatenate((hi, np.maximum(a, b)))
    if lo.size == 0:
        return empty, empty, empty
    code = unique_sorted(lo * (1 << 32) + hi)
    lo, hi = code >> 32, code & 0xFFFFFFFF
    del code
    cov = sets.cover(order[lo], order[hi]).astype(np.int64)
    stats["verified_pairs"] = stats.get("verified_pairs", 0) + int(lo.size)
    stats["recenter_verified"] = stats.get("recenter_verified", 0) + int(lo.size)
    fwd = member_mask(cov, words[hi], words[lo], threshold, min_ratio)  # lo covers hi
    bwd = member_mask(cov, words[lo], words[hi], threshold, min_ratio)  # hi covers lo
    u = np.concatenate((lo[fwd], hi[bwd]))
    w = np.concatenate((hi[fwd], lo[bwd]))
    c = np.concatenate((cov[fwd], cov[bwd]))
    by = np.lexsort((w, u))
    return u[by], w[by], c[by]


def recenter_clusters(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                      slots: np.ndarray, extra: np.ndarray, took: np.ndarray, sets: Any, *, tries: int,
                      threshold: float, min_ratio: float, stats: dict[str, int],
                      apart: np.ndarray | None = None) -> None:
    """Recentering, after the refinement: a paragraph ``u`` of cluster ``S`` linked to a paragraph
    ``w`` of another cluster ``T`` (:func:`recenter_links`: ``u`` covers ``w``) becomes the kept
    paragraph of ``S`` and ``T`` together when it covers every member of both. A copy lands in the
    cluster of one paragraph it copies, by keep order, while a paragraph holding both clusters'
    text (the longer version of a story, a line that joins two wire paragraphs) stays in the other:
    the greedy pass, deciding in keep order, cannot see that one kept paragraph serves both.

    Guarantees: every member of the new cluster is verified against ``u`` (the two kept paragraphs
    first: one failing is the common case), so no member is a copy of a copy; nobody is left
    behind, so no pair that was together comes apart; the rule of merges holds (not when ``S`` and
    ``T`` both have several members and a kept paragraph of either took in a cluster of several:
    ``took``, from :func:`merge_clusters`, updated here). Work: at most ``tries`` attempts per
    cluster (``DedupConfig.recenter_tries``), each ``|S| + |T|`` verifications at most; a cluster
    that takes another in inherits the larger count of attempts made. Links are tried in keep order
    of ``(u, w)``."""
    n = center.size
    stats.setdefault("recentered", 0)
    stats.setdefault("recenter_verified", 0)
    if n < 2 or tries <= 0:
        return
    us, ws, covs = recenter_links(center, words, order, slots, extra, sets, threshold=threshold,
                                  min_ratio=min_ratio, stats=stats, apart=apart)
    if us.size == 0:
        return
    clu = _Clusters(center)
    attempts = np.zeros(n, np.int64)
    verified = 0

    def member(g: int, m: int, kept: int) -> bool:
        return bool(is_member(g, int(words[m]), int(words[kept]), threshold, min_ratio))

    for u, w, c_uw in zip(us.tolist(), ws.tolist(), covs.tolist(), strict=True):
        su, tw = int(center[u]), int(center[w])
        if su == tw:
            continue
        if attempts[su] >= tries:
            continue
        s_members, t_members = clu.members(su), clu.members(tw)
        if len(s_members) > 1 and len(t_members) > 1 and (took[su] or took[tw]):
            continue  # as merges: a kept paragraph takes in at most one cluster of several
        attempts[su] += 1
        first = [tw] if u == su else [su, tw]
        rest = [m for m in s_members + t_members if m != u and m != su and m != tw]
        got: dict[int, int] = {}
        ok = True
        for part in (first, rest):
            ask = [m for m in part if m != w]  # the link itself was verified with the links
            if w in part:
                got[w] = c_uw
            if ask:
                got.update(zip(ask, sets.cover(order[ask], np.full(len(ask), order[u])).tolist(), strict=True))
                verified += len(ask)
            if not all(member(got[m], m, u) for m in part):
                ok = False
                break
        if not ok:
            continue
        for m in first + rest:
            clu.move(m, u)
            score[m] = got[m] / max(int(words[m]), 1)
        clu.move(u, u)
        center[u] = u
        score[u] = 1.0
        clu.changed.setdefault(u, [u])
        took[u] = took[su] or took[tw] or (len(s_members) > 1 and len(t_members) > 1)
        attempts[u] = max(attempts[u], attempts[su])
        stats["recentered"] += 1
    stats["verified_pairs"] = stats.get("verified_pairs", 0) + verified
    stats["recenter_verified"] = stats.get("recenter_verified", 0) + verified
