"""Union-find over paragraph ids, keep policies, and the cluster records the index returns.

>>> uf = UnionFind(5)
>>> uf.union(3, 1); uf.union(4, 3)
>>> [uf.find(i) for i in range(5)]
[0, 1, 2, 1, 1]
>>> date_key("Diperbarui 18 Jun 2025, 14:05 WIB"), date_key("2022-01-13T10:00:00"), date_key("?")
((2025, 6, 18), (2022, 1, 13), None)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numba as nb
import numpy as np

KeepPolicy = Literal["first", "earliest", "longest", "outlet"]
KEEP_POLICIES: tuple[str, ...] = ("first", "earliest", "longest", "outlet")

#: Decimal places of the similarities written to ``duplicates.jsonl``.
SIMILARITY_DIGITS = 4
#: Clusters spanning more documents than this are skipped for document pairs (boilerplate).
MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS = 256


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


@nb.njit(cache=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@nb.njit(cache=True)
def _union_pairs(parent, left, right):
    for k in range(left.size):
        ri = _find(parent, left[k])
        rj = _find(parent, right[k])
        if ri < rj:
            parent[rj] = ri
        elif rj < ri:
            parent[ri] = rj


@nb.njit(cache=True)
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


@dataclass(frozen=True)
class Member:
    """One paragraph of a cluster: document key, 0-based input line, similarity to the kept member
    (the share of its words covered by runs shared with the kept paragraph; 1.0 for the kept member
    and its exact copies), its cleaned text when the index kept it, and whether it is a fragment
    (a part) of the kept paragraph."""

    doc: str
    line: int
    similarity: float
    text: str | None = None
    fragment: bool = False  # a part of the kept paragraph (fewer than FRAGMENT_RATIO of its words)


@dataclass(frozen=True)
class Cluster:
    """A group of (near-)duplicate paragraphs; ``members`` in input order, ``kept`` among them."""

    id: int
    kept: Member
    members: tuple[Member, ...]
    exact: bool = False  # every member is an exact copy (after normalization) of the kept one

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def documents(self) -> tuple[str, ...]:
        """Distinct documents of the members, in input order."""
        return tuple(dict.fromkeys(m.doc for m in self.members))

    def to_json_row(self, text_of: Callable[[str, int], str] | None = None) -> dict[str, Any]:
        """The ``duplicates.jsonl`` row. ``text_of(doc, line)`` supplies texts the index did not keep.

        >>> c = Cluster(0, Member("a", 1, 1.0, "x"), (Member("a", 1, 1.0, "x"), Member("b", 0, 0.9, "x!")))
        >>> c.to_json_row()["members"][1]
        {'doc': 'b', 'line': 0, 'text': 'x!', 'similarity': 0.9}
        """
        rows = []
        for m in self.members:
            text = m.text
            if text is None:
                if text_of is None:
                    raise ValueError(
                        "the index did not keep paragraph texts (DedupConfig.keep_text=False): "
                        "pass text_of(doc, line)"
                    )
                text = text_of(m.doc, m.line)
            row = {"doc": m.doc, "line": m.line, "text": text,
                   "similarity": round(float(m.similarity), SIMILARITY_DIGITS)}
            if m.fragment:
                row["fragment"] = True
            rows.append(row)
        return {"cluster": self.id, "size": self.size,
                "kept": {"doc": self.kept.doc, "line": self.kept.line}, "members": rows}


@dataclass(frozen=True)
class DocumentDuplicate:
    """Two documents sharing (near-)duplicate paragraphs. ``coverage[k]`` is the share of
    document ``docs[k]``'s normalized characters found in the other; ``score`` the larger one."""

    docs: tuple[str, str]
    score: float
    coverage: tuple[float, float]
    shared_paragraphs: int

    def to_json_row(self) -> dict[str, Any]:
        return {"docs": list(self.docs), "score": round(self.score, SIMILARITY_DIGITS),
                "coverage": [round(c, SIMILARITY_DIGITS) for c in self.coverage],
                "shared_paragraphs": self.shared_paragraphs}


@dataclass
class DedupResult:
    """What :meth:`NearDuplicateIndex.finish` returns."""

    clusters: list[Cluster]
    dropped: dict[tuple[str, int], int]
    documents: list[DocumentDuplicate]
    stats: dict[str, int] = field(default_factory=dict)
    #: seconds per stage of ``finish`` (not deterministic, so kept apart from ``stats``)
    timings: dict[str, float] = field(default_factory=dict)

    def cross_document_clusters(self) -> list[Cluster]:
        """Clusters whose members come from more than one document."""
        return [c for c in self.clusters if len(c.documents) > 1]


@nb.njit(cache=True)
def _doc_pair_codes(starts, c_doc, c_chars, eligible, fill, code, chars_a, chars_b):
    """The document pairs of every cluster (its distinct documents ``c_doc[starts[k]:starts[k+1]]``
    in input order, with their characters in it) where one of the two documents is eligible;
    counts them, and with ``fill`` writes ``a << 32 | b`` and both sides' characters."""
    w = 0
    for k in range(starts.size - 1):
        s, e = starts[k], starts[k + 1]
        for x in range(s, e):
            for y in range(x + 1, e):
                a = c_doc[x]
                b = c_doc[y]
                if not (eligible[a] or eligible[b]):
                    continue
                if fill:
                    code[w] = (np.int64(a) << 32) | np.int64(b)
                    chars_a[w] = c_chars[x]
                    chars_b[w] = c_chars[y]
                w += 1
    return w


def document_pairs(cluster_of: np.ndarray, p_doc: np.ndarray, p_len: np.ndarray, *, docs: Sequence[str],
                   threshold: float, every_pair: bool = False) -> list[DocumentDuplicate]:
    """Documents whose characters are covered at least ``threshold`` by paragraphs of clusters
    (``cluster_of[i]``: paragraph ``i``'s cluster, -1 for none) shared with one other document.
    Clusters spanning more than ``MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS`` documents are left out
    (boilerplate). ``every_pair``: accumulate every pair (reference path), not only those that can
    reach the threshold."""
    n_docs = len(docs)
    total = np.bincount(p_doc, weights=p_len.astype(np.float64), minlength=n_docs)
    sel = np.flatnonzero(cluster_of >= 0)
    if sel.size == 0:
        return []
    # Characters per (cluster, document), documents of a cluster in input order.
    key = cluster_of[sel].astype(np.int64) * n_docs + p_doc[sel]
    uniq, inv = np.unique(key, return_inverse=True)
    c_chars = np.bincount(inv, weights=p_len[sel].astype(np.float64))
    c_cluster, c_doc = uniq // n_docs, uniq % n_docs
    starts = np.flatnonzero(np.concatenate(([True], c_cluster[1:] != c_cluster[:-1])))
    ends = np.concatenate((starts[1:], [uniq.size]))
    span = ends - starts
    ok = (span >= 2) & (span <= MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS)
    rows = np.repeat(ok, span)
    c_doc, c_chars = c_doc[rows], c_chars[rows]
    starts = np.concatenate(([0], np.cumsum(span[ok])))
    # A pair can only reach the threshold through a document with enough clustered characters
    # ("eligible"); pairs of two ineligible documents are never formed (boilerplate clusters would
    # make millions of them).
    clustered = np.bincount(c_doc, weights=c_chars, minlength=n_docs)
    eligible = (total > 0) & (clustered >= threshold * total * (1 - 1e-9))
    if every_pair:
        eligible[:] = True
    none_i, none_f = np.zeros(0, np.int64), np.zeros(0)
    count = _doc_pair_codes(starts, c_doc, c_chars, eligible, False, none_i, none_f, none_f)
    code = np.empty(count, np.int64)
    chars_a, chars_b = np.empty(count), np.empty(count)
    _doc_pair_codes(starts, c_doc, c_chars, eligible, True, code, chars_a, chars_b)
    pairs, inv, shared = np.unique(code, return_inverse=True, return_counts=True)
    ca = np.bincount(inv, weights=chars_a, minlength=pairs.size)
    cb = np.bincount(inv, weights=chars_b, minlength=pairs.size)
    a, b = pairs >> 32, pairs & 0xFFFFFFFF
    cov_a = np.where(total[a] > 0, np.minimum(1.0, ca / np.maximum(total[a], 1e-300)), 0.0)
    cov_b = np.where(total[b] > 0, np.minimum(1.0, cb / np.maximum(total[b], 1e-300)), 0.0)
    score = np.maximum(cov_a, cov_b)
    out: list[DocumentDuplicate] = []
    for k in np.flatnonzero(score >= threshold).tolist():
        out.append(DocumentDuplicate((docs[int(a[k])], docs[int(b[k])]), float(score[k]),
                                     (float(cov_a[k]), float(cov_b[k])), int(shared[k])))
    return out


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


@nb.njit(cache=True, inline="always")
def _needed(m, share):
    return np.ceil(share * m - 1e-9)


@nb.njit(cache=True)
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


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def _decide(slots, center, score, words, r0, r1, x0, start, tr, cov, ex_x, ex_t, ex_c, threshold, min_ratio,
            miss, tk_t, tk_x, n_tk):
    """Decide paragraphs ``x0 <= x < r1`` in keep order: ``x`` joins the cluster of the center,
    among its candidates' centers, that covers the largest share of it (:func:`is_member`; ties:
    the earlier), else it is a center. A center that ``x`` covers but may not replace as a member
    (the center is a part of ``x``) is noted as a takeover (``tk_*``). Covered counts come from the
    chunk's speculative verifications (``start``/``tr``/``cov``) or, for ``x == ex_x``, from
    ``ex_t``/``ex_c``; when a target has neither, stops and returns ``(x, missing targets in
    miss[:m], takeovers)``."""
    k_max = slots.shape[1]
    targets = np.empty(k_max, np.int64)
    counts = np.empty(k_max, np.int64)
    for x in range(x0, r1):
        nt = 0
        n_miss = 0
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
            if c < 0 and x == ex_x:
                for u in range(ex_t.size):
                    if ex_t[u] == t:
                        c = ex_c[u]
                        break
            if c < 0:
                miss[n_miss] = t
                n_miss += 1
                continue
            targets[nt] = t
            counts[nt] = c
            nt += 1
        if n_miss:
            return x, n_miss, n_tk
        best = -1
        best_s = -1.0
        best_c = 0
        mx = words[x]
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
    return r1, 0, n_tk


#: Paragraphs decided per chunk: their verifications run in parallel before the chunk is decided.
GREEDY_CHUNK = 1 << 14


def assign_centers(order: np.ndarray, words: np.ndarray, slots: np.ndarray, sets: Any, *, threshold: float,
                   min_ratio: float, stats: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy clustering in keep order (see :func:`_decide`): ``center[x]`` (positions in keep
    order), ``score[x]`` (share of ``x``'s words covered by its center's) and the takeovers
    ``(center, paragraph it is a part of)`` as a ``(m, 2)`` array.

    Paragraph ``x`` is decided after every earlier one, so the result is that of the sequential
    greedy whatever the threads; the verifications of a chunk are made first, in parallel, against
    each candidate's center as far as it is known, and the few that turn out to be needed
    otherwise are made when ``x`` is decided.
    """
    n = order.size
    center = np.full(n, -1, np.int64)
    score = np.ones(n, np.float32)
    k_max = slots.shape[1]
    takeovers: list[np.ndarray] = []
    verified = extra = 0
    for r0 in range(0, n, GREEDY_CHUNK):
        r1 = min(n, r0 + GREEDY_CHUNK)
        start, tl, tr = _spec_targets(slots, center, r0, r1)
        cov = sets.cover(order[tl], order[tr]) if tl.size else np.zeros(0, np.int32)
        verified += int(tl.size)
        miss = np.empty(k_max, np.int64)
        tk = np.empty((2, (r1 - r0) * k_max), np.int64)
        n_tk = 0
        x, ex_x, ex_t, ex_c = r0, -1, np.zeros(0, np.int64), np.zeros(0, np.int32)
        while x < r1:
            x, n_miss, n_tk = _decide(slots, center, score, words, r0, r1, x, start, tr, cov, ex_x, ex_t, ex_c,
                                      threshold, min_ratio, miss, tk[0], tk[1], n_tk)
            if n_miss:
                ex_x, ex_t = x, miss[:n_miss].copy()
                ex_c = sets.cover(np.full(n_miss, order[x]), order[ex_t])
                extra += n_miss
        takeovers.append(tk[:, :n_tk].T.copy())
    stats["verified_pairs"] = verified + extra
    stats["verified_late"] = extra
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
                   stats: dict[str, int]) -> None:
    """Apply merges ``cands[k] = (t, y)`` in place: the cluster of center ``t`` and the one holding
    ``y`` become one when one center is a member of the other (:func:`is_member`: the other covers
    it); the covering center is kept (of two that cover each other, the earlier in keep order), and
    every member of the cluster that moves is verified against it: those it covers move, the
    others stay together around the first of them in keep order (verified against it in turn, or
    alone). So no member ever stays without being a copy (or part) of its kept paragraph. Merges
    are applied in keep order of ``t``."""
    stats.setdefault("merges", 0)
    stats.setdefault("merge_dropouts", 0)
    stats.setdefault("merges_refused", 0)
    if cands.size == 0:
        return
    cands = cands[np.lexsort((cands[:, 1], cands[:, 0]))]
    cl = _Clusters(center)
    # A paragraph that takes in two clusters of several paragraphs is a compilation quoting two
    # syndicated pieces: joining them would put copies of either in one cluster with the other's.
    # So a center takes in at most one cluster of several (any number of lone paragraphs: a long
    # paragraph split over several lines by a scraper).
    took_several = np.zeros(center.size, bool)

    def cover(xs: list[int], y: int) -> list[int]:
        return sets.cover(order[xs], np.full(len(xs), order[y])).tolist()

    for t, y in cands.tolist():
        if center[t] != t:
            continue
        x = int(center[y])
        if x == t:
            continue
        c = cover([t], x)[0]
        t_in_x = is_member(c, int(words[t]), int(words[x]), threshold, min_ratio)
        x_in_t = is_member(c, int(words[x]), int(words[t]), threshold, min_ratio)
        if t_in_x and x_in_t:
            src, dst = (x, t) if t < x else (t, x)
        elif t_in_x:
            src, dst = t, x
        elif x_in_t:
            src, dst = x, t
        else:
            continue
        moving = cl.members(src)
        if len(moving) > 1:
            if took_several[dst]:
                stats["merges_refused"] += 1
                continue
            took_several[dst] = True
        left: list[int] = []
        got = dict(zip(moving, cover(moving, dst), strict=True))
        for m in moving:
            if is_member(got[m], int(words[m]), int(words[dst]), threshold, min_ratio):
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
                if is_member(g, int(words[m]), int(words[head]), threshold, min_ratio):
                    cl.move(m, head)
                    score[m] = g / max(int(words[m]), 1)
                else:
                    left.append(m)
            stats["merge_dropouts"] += 1


def refine_members(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray, slots: np.ndarray,
                   sets: Any, *, threshold: float, min_ratio: float, stats: dict[str, int],
                   extra: np.ndarray | None = None) -> None:
    """Move each member (and each center of a cluster of one) to the cluster whose center covers
    the largest share of it, among the centers of its candidates in both directions (the LSH
    slots, whichever came first in keep order) and the ``extra`` pairs ``(paragraph, one of its
    containers)`` of the fragment search: the greedy decides in keep order, so a paragraph may have
    joined a center before a later, closer one existed, and merges leave some alone. Only clusters of two or more are
    targets and they keep their centers, so the moves do not depend on each other; every move is
    verified against its new center."""
    n = center.size
    stats.setdefault("moved", 0)
    if n < 2:
        return
    sizes = np.bincount(center, minlength=n)
    is_target = (center == np.arange(n)) & (sizes >= 2)
    movable = (center != np.arange(n)) | (sizes == 1)
    x_idx, k_idx = np.nonzero(slots >= 0)
    q = slots[x_idx, k_idx].astype(np.int64)
    # Both directions: x's earlier candidates q, and for q the later x.
    src = np.concatenate((x_idx, q))
    dst = np.concatenate((center[q], center[x_idx]))
    if extra is not None and extra.size:
        src = np.concatenate((src, extra[:, 0]))
        dst = np.concatenate((dst, center[extra[:, 1]]))
    keep = movable[src] & is_target[dst] & (center[src] != dst) & (src != dst)
    src, dst = src[keep], dst[keep]
    if src.size == 0:
        return
    code = np.unique(src * (1 << 32) + dst)
    src, dst = code >> 32, code & 0xFFFFFFFF
    # Skip the targets that cannot beat the current center (their sizes alone bound the preference).
    ws, wd = words[src], words[dst]
    c = center[src]
    now = np.where(c != src, score[src] * ws / np.maximum(ws, words[c]), -1.0)
    can = np.minimum(ws, wd) / np.maximum(np.maximum(ws, wd), 1) > now + 1e-9
    src, dst = src[can], dst[can]
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


# ---------------------------------------------------------------------------- cluster records

#: A member with fewer words than this share of the kept paragraph's is marked as a fragment.
FRAGMENT_RATIO = 0.5


def build_clusters(
    *,
    key: np.ndarray,
    similarity: np.ndarray,
    fragment: np.ndarray,
    p_doc: np.ndarray,
    p_line: np.ndarray,
    p_exact: np.ndarray,
    docs: Sequence[str],
    texts: Sequence[str] | None,
) -> tuple[list[Cluster], dict[tuple[str, int], int], np.ndarray]:
    """Cluster records from ``key[i]`` (the kept paragraph of paragraph ``i``'s cluster; ``i``
    itself when it is kept or alone), each member's ``similarity`` to the kept paragraph and
    ``fragment`` flag. Clusters of one paragraph are not reported. Returns the clusters (ordered
    by their first member, members in input order), the dropped members and each paragraph's
    cluster id (-1: none)."""
    n = key.size
    cluster_of = np.full(n, -1, np.int64)
    if n == 0:
        return [], {}, cluster_of
    sizes = np.bincount(key, minlength=n)
    clustered = np.flatnonzero(sizes[key] >= 2)
    # Group by the cluster's first member (input order), members in input order.
    first = np.full(n, n, np.int64)
    np.minimum.at(first, key[clustered], clustered)
    grouped = clustered[np.lexsort((clustered, first[key[clustered]]))]
    if grouped.size == 0:
        return [], {}, cluster_of
    heads = np.flatnonzero(np.concatenate(([True], np.diff(first[key[grouped]]) != 0)))
    cluster_of[grouped] = np.repeat(np.arange(heads.size), np.diff(np.concatenate((heads, [grouped.size]))))
    g_doc = [docs[d] for d in p_doc[grouped].tolist()]
    g_line = p_line[grouped].tolist()
    g_sim = similarity[grouped].tolist()
    g_frag = fragment[grouped].tolist()
    g_idx = grouped.tolist()
    g_key = key[grouped].tolist()
    g_text = [texts[i] for i in g_idx] if texts is not None else [None] * len(g_idx)
    members = [Member(d, ln, sim, t, fr) for d, ln, sim, t, fr in zip(g_doc, g_line, g_sim, g_text, g_frag,
                                                                     strict=True)]
    exact_same = (p_exact[grouped] == p_exact[key[grouped]]).tolist()
    clusters: list[Cluster] = []
    dropped: dict[tuple[str, int], int] = {}
    bounds = heads.tolist() + [len(g_idx)]
    for cid in range(heads.size):
        lo, hi = bounds[cid], bounds[cid + 1]
        kept = g_key[lo]
        mem = tuple(members[lo:hi])
        kept_member = mem[g_idx[lo:hi].index(kept)]
        clusters.append(Cluster(cid, kept_member, mem, all(exact_same[lo:hi])))
        for k in range(lo, hi):
            if g_idx[k] != kept:
                dropped[(g_doc[k], g_line[k])] = cid
    return clusters, dropped, cluster_of
