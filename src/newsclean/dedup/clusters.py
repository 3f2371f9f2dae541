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


def choose_kept(
    members: Sequence[int],
    policy: str,
    *,
    lengths: np.ndarray,
    dates: Sequence[tuple[int, int, int] | None],
    outlet_rank: Sequence[int],
) -> int:
    """Index of the member to keep; ties always go to the earliest in input order.

    ``members`` are global paragraph indices (input order); ``dates``/``outlet_rank`` are per member.
    """
    if policy == "first":
        return min(members)
    if policy == "longest":
        return min(members, key=lambda i: (-int(lengths[i]), i))
    if policy == "earliest":
        order = {m: k for k, m in enumerate(members)}
        return min(members, key=lambda i: (dates[order[i]] is None, dates[order[i]] or (0, 0, 0), i))
    if policy == "outlet":
        order = {m: k for k, m in enumerate(members)}
        return min(members, key=lambda i: (outlet_rank[order[i]], i))
    raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {policy!r}")


@dataclass(frozen=True)
class Member:
    """One paragraph of a cluster: document key, 0-based input line, similarity to the kept member
    (1.0 for the kept member and exact copies), and its cleaned text when the index kept it."""

    doc: str
    line: int
    similarity: float
    text: str | None = None


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
            rows.append({"doc": m.doc, "line": m.line, "text": text,
                         "similarity": round(float(m.similarity), SIMILARITY_DIGITS)})
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
    #: verified near-duplicate pairs ``((doc, line), (doc, line))``, only with ``record_edges``
    edges: list[tuple[tuple[str, int], tuple[str, int]]] = field(default_factory=list)

    def cross_document_clusters(self) -> list[Cluster]:
        """Clusters whose members come from more than one document."""
        return [c for c in self.clusters if len(c.documents) > 1]


def build_clusters(
    roots: np.ndarray,
    p_doc: np.ndarray,
    p_line: np.ndarray,
    p_len: np.ndarray,
    p_exact: np.ndarray,
    sets: Any,
    *,
    cfg: Any,
    docs: Sequence[str],
    dates: Sequence[tuple[int, int, int] | None],
    outlets: Sequence[str | None],
    texts: Sequence[str],
) -> tuple[list[Cluster], dict[tuple[str, int], int], list[list[int]]]:
    """Clusters of the union-find ``roots`` (with members' similarity to the kept one, from
    ``sets.similarity``), the dropped members, and each cluster's member indices. ``docs``,
    ``dates`` and ``outlets`` are per document, ``texts`` per paragraph (with ``cfg.keep_text``)."""
    n = roots.size
    if n == 0:
        return [], {}, []
    # Only members of clusters of two or more (singletons are most paragraphs).
    clustered = np.flatnonzero(np.bincount(roots, minlength=n)[roots] >= 2)
    order = clustered[np.argsort(roots[clustered], kind="stable")]  # grouped by root, input order
    del clustered
    r_sorted = roots[order]
    starts = np.flatnonzero(np.concatenate(([True], r_sorted[1:] != r_sorted[:-1]))) if order.size else order
    ends = np.concatenate((starts[1:], [order.size])) if order.size else order
    del r_sorted
    rank = {o: k for k, o in enumerate(cfg.outlet_priority)}
    groups: list[list[int]] = []
    kept_of: list[int] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < 2:
            continue
        members = order[s:e].tolist()  # roots are the smallest index, so groups come in input order
        docs_of = [int(p_doc[i]) for i in members]
        kept_of.append(choose_kept(
            members,
            cfg.keep,
            lengths=p_len,
            dates=[dates[d] for d in docs_of],
            outlet_rank=[rank.get(outlets[d] or "", len(rank)) for d in docs_of],
        ))
        groups.append(members)
    # Similarity of every member to its cluster's kept member, in one compiled call.
    flat = np.fromiter((i for g in groups for i in g), dtype=np.int64)
    kept_rep = np.repeat(np.asarray(kept_of, dtype=np.int64), [len(g) for g in groups])
    sims = sets.similarity(kept_rep, flat, p_exact).tolist()
    clusters: list[Cluster] = []
    dropped: dict[tuple[str, int], int] = {}
    pos = 0
    for members, kept in zip(groups, kept_of, strict=True):
        cid = len(clusters)
        mem = tuple(
            Member(docs[int(p_doc[i])], int(p_line[i]), float(sim), texts[i] if cfg.keep_text else None)
            for i, sim in zip(members, sims[pos : pos + len(members)], strict=True)
        )
        pos += len(members)
        kept_member = mem[members.index(kept)]
        exact = bool((p_exact[members] == p_exact[kept]).all())
        clusters.append(Cluster(cid, kept_member, mem, exact))
        for m, i in zip(mem, members, strict=True):
            if i != kept:
                dropped[(m.doc, m.line)] = cid
    return clusters, dropped, groups


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
