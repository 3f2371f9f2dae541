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

    def cross_document_clusters(self) -> list[Cluster]:
        """Clusters whose members come from more than one document."""
        return [c for c in self.clusters if len(c.documents) > 1]


def document_pairs(groups: Sequence[list[int]], p_doc: np.ndarray, p_len: np.ndarray, *, docs: Sequence[str],
                   threshold: float, every_pair: bool = False) -> list[DocumentDuplicate]:
    """Documents whose characters are covered at least ``threshold`` by paragraphs of the clusters
    ``groups`` shared with one other document. ``every_pair``: accumulate every pair (reference
    path), not only those that can reach the threshold."""
    total = np.bincount(p_doc, weights=p_len.astype(np.float64), minlength=len(docs))
    per_group: list[dict[int, float]] = []
    # Characters of each document in clusters that make pairs: a pair can only reach the
    # threshold through a document with enough of them ("eligible"); pairs of two ineligible
    # documents are never stored (boilerplate clusters would make millions of them).
    clustered = np.zeros(len(docs))
    for members in groups:
        chars: dict[int, float] = {}
        for i in members:
            d = int(p_doc[i])
            chars[d] = chars.get(d, 0.0) + float(p_len[i])
        if 2 <= len(chars) <= MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS:
            per_group.append(chars)
            for d, v in chars.items():
                clustered[d] += v
    ok = (total > 0) & (clustered >= threshold * total * (1 - 1e-9))
    if every_pair:
        ok[:] = True
    eligible = set(np.flatnonzero(ok).tolist())
    del clustered, ok
    shared: dict[tuple[int, int], list[float]] = {}
    counts: dict[tuple[int, int], int] = {}
    for chars in per_group:
        in_group = list(chars)  # distinct documents in input order
        if eligible.isdisjoint(in_group):
            continue
        for x in range(len(in_group)):
            for y in range(x + 1, len(in_group)):
                a, b = in_group[x], in_group[y]
                if a not in eligible and b not in eligible:
                    continue
                acc = shared.setdefault((a, b), [0.0, 0.0])
                acc[0] += chars[a]
                acc[1] += chars[b]
                counts[(a, b)] = counts.get((a, b), 0) + 1
    out: list[DocumentDuplicate] = []
    for (a, b), (ca, cb) in sorted(shared.items()):
        cov = (min(1.0, ca / total[a]) if total[a] else 0.0, min(1.0, cb / total[b]) if total[b] else 0.0)
        score = max(cov)
        if score >= threshold:
            out.append(DocumentDuplicate((docs[a], docs[b]), score, cov, counts[(a, b)]))
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


@nb.njit(cache=True)
def _spec_targets(slots, center, r0, r1):
    """The targets of paragraphs ``r0 <= x < r1`` known before their chunk is decided: each
    candidate's cluster center when it was decided before the chunk, else the candidate itself
    (the guess that it becomes a center). Grouped by ``x`` (``start``), without repeats."""
    k_max = slots.shape[1]
    start = np.zeros(r1 - r0 + 1, np.int64)
    tl = np.empty((r1 - r0) * k_max, np.int64)
    tr = np.empty((r1 - r0) * k_max, np.int64)
    w = 0
    for x in range(r0, r1):
        s = w
        for k in range(k_max):
            q = slots[x, k]
            if q < 0:
                continue
            t = center[q] if q < r0 else q
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
            miss, tk_t, tk_x, tk_c, n_tk):
    """Decide paragraphs ``x0 <= x < r1`` in keep order: ``x`` joins the cluster of the best center
    among its candidates' centers that covers it (a copy of the center, or a part of it), else it
    is a center. A center that ``x`` covers but that does not cover ``x`` (the center is a part of
    ``x``) is noted as a takeover (``tk_*``). Covered counts come from the chunk's speculative
    verifications (``start``/``tr``/``cov``) or, for ``x == ex_x``, from ``ex_t``/``ex_c``; when a
    target has neither, stops and returns ``(x, missing targets in miss[:m], takeovers)``."""
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
        mx = words[x]
        for u in range(nt):
            t = targets[u]
            c = counts[u]
            mt = words[t]
            if min(mx, mt) < min_ratio * max(mx, mt):
                continue
            if c >= np.ceil(threshold * mx - 1e-9):
                s = c / mx
                if s > best_s or (s == best_s and t < best):
                    best = t
                    best_s = s
            elif c >= np.ceil(threshold * mt - 1e-9):
                tk_t[n_tk] = t
                tk_x[n_tk] = x
                tk_c[n_tk] = c
                n_tk += 1
        if best >= 0:
            center[x] = best
            score[x] = best_s
        else:
            center[x] = x
    return r1, 0, n_tk


#: Paragraphs decided per chunk: their verifications run in parallel before the chunk is decided.
GREEDY_CHUNK = 1 << 14


def assign_centers(order: np.ndarray, words: np.ndarray, slots: np.ndarray, sets: Any, *, threshold: float,
                   min_ratio: float, stats: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy clustering in keep order (see :func:`_decide`): ``center[x]`` (positions in keep
    order), ``score[x]`` (share of ``x``'s words covered by its center's) and the takeovers
    ``(center, paragraph that covers it)`` as a ``(m, 2)`` array.

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
        tk = np.empty((3, (r1 - r0) * k_max), np.int64)
        n_tk = 0
        x, ex_x, ex_t, ex_c = r0, -1, np.zeros(0, np.int64), np.zeros(0, np.int32)
        while x < r1:
            x, n_miss, n_tk = _decide(slots, center, score, words, r0, r1, x, start, tr, cov, ex_x, ex_t, ex_c,
                                      threshold, min_ratio, miss, tk[0], tk[1], tk[2], n_tk)
            if n_miss:
                ex_x, ex_t = x, miss[:n_miss].copy()
                ex_c = sets.cover(np.full(n_miss, order[x]), order[ex_t])
                extra += n_miss
        takeovers.append(tk[:2, :n_tk].T.copy())
    stats["verified_pairs"] = verified + extra
    stats["verified_late"] = extra
    pairs = np.concatenate(takeovers) if takeovers else np.zeros((0, 2), np.int64)
    return center, score, pairs


# ---------------------------------------------------------------------------- merges


def merge_clusters(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                   cands: np.ndarray, sets: Any, *, threshold: float, min_ratio: float,
                   stats: dict[str, int]) -> None:
    """Apply merges ``cands[k] = (t, y)`` in place: the cluster of center ``t`` and the one holding
    ``y`` become one when one center covers the other (it holds the other's words); the covering
    center is kept (of two that cover each other, the earlier in keep order), and every member of
    the cluster that moves is verified against it: the ones it covers move, the others become
    paragraphs of their own. So no member ever stays without being a copy (or part) of its kept
    paragraph. Merges are applied in keep order of ``t``."""
    stats.setdefault("merges", 0)
    stats.setdefault("merge_dropouts", 0)
    if cands.size == 0:
        return
    cands = cands[np.lexsort((cands[:, 1], cands[:, 0]))]
    by_center = np.argsort(center, kind="stable")
    bounds = np.searchsorted(center[by_center], np.arange(center.size + 1))
    changed: dict[int, list[int]] = {}

    def members(c: int) -> list[int]:
        got = changed.get(c)
        return got if got is not None else by_center[bounds[c] : bounds[c + 1]].tolist()

    def needed(m: int) -> float:
        return np.ceil(threshold * m - 1e-9)

    for t, y in cands.tolist():
        if center[t] != t:
            continue
        x = int(center[y])
        if x == t:
            continue
        mt, mx = int(words[t]), int(words[x])
        if min(mt, mx) < min_ratio * max(mt, mx):
            continue
        c = int(sets.cover(order[[t]], order[[x]])[0])
        t_in_x, x_in_t = c >= needed(mt), c >= needed(mx)
        if t_in_x and x_in_t:
            src, dst = (x, t) if t < x else (t, x)
        elif t_in_x:
            src, dst = t, x
        elif x_in_t:
            src, dst = x, t
        else:
            continue
        moving = members(src)
        others = [m for m in moving if m != src]
        ok = np.ones(len(moving), bool)
        covered = np.zeros(len(moving), np.int64)
        covered[moving.index(src)] = c
        if others:
            got = sets.cover(order[others], np.full(len(others), order[dst]))
            for m, g in zip(others, got.tolist(), strict=True):
                k = moving.index(m)
                covered[k] = g
                wm = int(words[m])
                ok[k] = g >= needed(wm) and min(wm, int(words[dst])) >= min_ratio * max(wm, int(words[dst]))
        joined = members(dst)
        for m, good, g in zip(moving, ok.tolist(), covered.tolist(), strict=True):
            if good:
                center[m] = dst
                score[m] = g / max(int(words[m]), 1)
                joined.append(m)
            else:
                center[m] = m
                score[m] = 1.0
                changed[m] = [m]
                stats["merge_dropouts"] += 1
        changed[dst] = joined
        changed[src] = []
        stats["merges"] += 1


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
) -> tuple[list[Cluster], dict[tuple[str, int], int], list[list[int]]]:
    """Cluster records from ``key[i]`` (the kept paragraph of paragraph ``i``'s cluster; ``i``
    itself when it is kept or alone), each member's ``similarity`` to the kept paragraph and
    ``fragment`` flag. Clusters of one paragraph are not reported. Returns the clusters (ordered
    by their first member, members in input order), the dropped members and each cluster's member
    indices."""
    n = key.size
    if n == 0:
        return [], {}, []
    sizes = np.bincount(key, minlength=n)
    clustered = np.flatnonzero(sizes[key] >= 2)
    # Group by the cluster's first member (input order), members in input order.
    first = np.full(n, n, np.int64)
    np.minimum.at(first, key[clustered], clustered)
    grouped = clustered[np.lexsort((clustered, first[key[clustered]]))]
    bounds = np.flatnonzero(np.diff(first[key[grouped]])) + 1 if grouped.size else grouped
    clusters: list[Cluster] = []
    dropped: dict[tuple[str, int], int] = {}
    groups: list[list[int]] = []
    for members in np.split(grouped, bounds) if grouped.size else []:
        idx = members.tolist()
        kept = int(key[idx[0]])
        cid = len(clusters)
        mem = tuple(
            Member(docs[int(p_doc[i])], int(p_line[i]), float(similarity[i]),
                   texts[i] if texts is not None else None, bool(fragment[i]))
            for i in idx
        )
        kept_member = mem[idx.index(kept)]
        exact = bool((p_exact[members] == p_exact[kept]).all())
        clusters.append(Cluster(cid, kept_member, mem, exact))
        groups.append(idx)
        for m, i in zip(mem, idx, strict=True):
            if i != kept:
                dropped[(m.doc, m.line)] = cid
    return clusters, dropped, groups
