"""What :meth:`NearDuplicateIndex.finish` returns: clusters, dropped paragraphs and document pairs.

The result holds compact arrays and builds its Python records (:class:`Cluster`, :class:`Member`,
:class:`DocumentDuplicate`, the ``dropped`` mapping) the first time they are asked for: a syndicated
corpus clusters most of its paragraphs, and a command-line run writes them from the arrays
(:meth:`DedupResult.cluster_rows`, :meth:`DedupResult.document_rows`) without ever making them.

>>> c = Cluster(0, Member("a", 1, 1.0, "x"), (Member("a", 1, 1.0, "x"), Member("b", 0, 0.9, "x!")))
>>> c.to_json_row()["members"][1]
{'doc': 'b', 'line': 0, 'text': 'x!', 'similarity': 0.9}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.arrays import unique_sorted

# JSON string encoding in C (what json.dumps uses for str with ensure_ascii=False).
_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]

#: Decimal places of the similarities written to ``duplicates.jsonl``.
SIMILARITY_DIGITS = 4
#: Clusters spanning more documents than this are skipped for document pairs (boilerplate).
MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS = 256
#: A member with fewer words than this share of the kept paragraph's is marked as a fragment.
FRAGMENT_RATIO = 0.5


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


def _member_row(doc: str, line: int, text: str, similarity: float, fragment: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"doc": doc, "line": line, "text": text,
                           "similarity": round(float(similarity), SIMILARITY_DIGITS)}
    if fragment:
        row["fragment"] = True
    return row


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
        """The ``duplicates.jsonl`` row. ``text_of(doc, line)`` supplies texts the index did not keep."""
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
            rows.append(_member_row(m.doc, m.line, text, m.similarity, m.fragment))
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


@dataclass(frozen=True)
class ClusterTable:
    """Clustered paragraphs as arrays: cluster ``k`` is ``index[starts[k]:starts[k + 1]]``
    (paragraph indices in input order; clusters ordered by their first member), ``kept[k]`` its
    kept paragraph; ``similarity`` and ``fragment`` per entry of ``index``. ``doc`` and ``line``
    per paragraph, ``docs`` the document keys, ``texts`` per paragraph when the index kept them."""

    index: np.ndarray
    starts: np.ndarray
    kept: np.ndarray
    exact: np.ndarray
    similarity: np.ndarray
    fragment: np.ndarray
    doc: np.ndarray
    line: np.ndarray
    docs: Sequence[str]
    texts: Sequence[str] | None = None

    @property
    def size(self) -> int:
        return int(self.kept.size)


@dataclass(frozen=True)
class DocumentTable:
    """Document pairs as arrays (documents ``a[k] < b[k]`` by index into ``docs``)."""

    a: np.ndarray
    b: np.ndarray
    coverage_a: np.ndarray
    coverage_b: np.ndarray
    shared: np.ndarray
    docs: Sequence[str]


def cluster_batches(t: ClusterTable, batch: int) -> Iterator[tuple[int, int, int, int]]:
    """``(k, k1, lo, hi)``: clusters ``k:k1`` of ``t``, whose members are ``t.index[lo:hi]``, about ``batch`` members at
    a time (a cluster larger than ``batch`` alone)."""
    k = 0
    while k < t.size:
        k1 = int(np.searchsorted(t.starts, t.starts[k] + batch, side="right")) - 1
        k1 = min(max(k1, k + 1), t.size)
        yield k, k1, int(t.starts[k]), int(t.starts[k1])
        k = k1


def _empty_clusters(docs: Sequence[str] = ()) -> ClusterTable:
    z = np.zeros(0, np.int64)
    return ClusterTable(z, np.zeros(1, np.int64), z, np.zeros(0, bool), np.zeros(0), np.zeros(0, bool), z, z, docs)


class DedupResult:
    """What :meth:`NearDuplicateIndex.finish` returns: ``clusters`` (ordered by their first member),
    ``dropped`` (``(doc, line)`` of every member but the kept one, to its cluster id), ``documents``
    (document pairs), ``stats`` (deterministic counts) and ``timings`` (seconds per stage of
    ``finish``). Built from the given records, or from arrays (``table``/``doc_table``), in which
    case the records are made on first use."""

    def __init__(self, clusters: list[Cluster] | None = None, dropped: dict[tuple[str, int], int] | None = None,
                 documents: list[DocumentDuplicate] | None = None, stats: dict[str, int] | None = None,
                 timings: dict[str, float] | None = None, *, table: ClusterTable | None = None,
                 doc_table: DocumentTable | None = None) -> None:
        self._clusters = clusters
        self._dropped = dropped
        self._documents = documents
        self._table = table
        self._doc_table = doc_table
        self.stats: dict[str, int] = dict(stats or {})
        self.timings: dict[str, float] = dict(timings or {})
        #: Whether ``finish()`` ran the kernels' Python path (:mod:`newsclean.dedup.jit`): the report is then
        #: written in Python too, numba never imported.
        self.python_path = False

    # ------------------------------------------------------------------ records
    @property
    def clusters(self) -> list[Cluster]:
        if self._clusters is None:
            self._clusters = _clusters_of(self._table or _empty_clusters())
        return self._clusters

    @property
    def dropped(self) -> dict[tuple[str, int], int]:
        if self._dropped is None:
            t = self._table
            if t is None:
                self._dropped = {(m.doc, m.line): c.id for c in self.clusters for m in c.members
                                 if (m.doc, m.line) != (c.kept.doc, c.kept.line)}
            else:
                cid = np.repeat(np.arange(t.size), np.diff(t.starts))
                drop = t.index != t.kept[cid]
                docs = t.docs
                self._dropped = {(docs[d], ln): c for d, ln, c in zip(t.doc[t.index[drop]].tolist(),
                                                                      t.line[t.index[drop]].tolist(),
                                                                      cid[drop].tolist(), strict=True)}
        return self._dropped

    @property
    def documents(self) -> list[DocumentDuplicate]:
        if self._documents is None:
            d = self._doc_table
            self._documents = [] if d is None else [
                DocumentDuplicate((d.docs[a], d.docs[b]), max(ca, cb), (ca, cb), n)
                for a, b, ca, cb, n in zip(d.a.tolist(), d.b.tolist(), d.coverage_a.tolist(), d.coverage_b.tolist(),
                                           d.shared.tolist(), strict=True)]
        return self._documents

    def cross_document_clusters(self) -> list[Cluster]:
        """Clusters whose members come from more than one document."""
        return [c for c in self.clusters if len(c.documents) > 1]

    # ------------------------------------------------------------------ rows
    def cluster_rows(self, text_of_many: Callable[[Sequence[tuple[str, int]]], Sequence[str | None]] | None = None,
                     *, batch: int = 1 << 16) -> Iterator[dict[str, Any]]:
        """The ``duplicates.jsonl`` rows (as :meth:`Cluster.to_json_row` makes them), in order.
        ``text_of_many(keys)`` supplies the texts of ``(doc, line)`` keys the index did not keep
        (a missing one becomes ""); clusters are taken about ``batch`` members at a time."""
        t = self._table
        if t is None:
            for c in self.clusters:
                yield c.to_json_row(None if text_of_many is None else lambda d, ln: text_of_many([(d, ln)])[0] or "")
            return
        for k, k1, lo, hi in cluster_batches(t, batch):
            idx = t.index[lo:hi]
            docs = [t.docs[d] for d in t.doc[idx].tolist()]
            lines = t.line[idx].tolist()
            if t.texts is not None:
                texts: Sequence[str | None] = [t.texts[i] for i in idx.tolist()]
            elif text_of_many is not None:
                texts = text_of_many(list(zip(docs, lines, strict=True)))
            else:
                raise ValueError("the index did not keep paragraph texts (DedupConfig.keep_text=False): "
                                 "pass text_of_many")
            sims = [round(x, SIMILARITY_DIGITS) for x in t.similarity[lo:hi].tolist()]
            frags = t.fragment[lo:hi].tolist()
            kept = t.kept[k:k1].tolist()
            bounds = (t.starts[k : k1 + 1] - lo).tolist()
            for c in range(k1 - k):
                s, e = bounds[c], bounds[c + 1]
                members = []
                kept_at = s
                for j in range(s, e):
                    row = {"doc": docs[j], "line": lines[j], "text": texts[j] or "", "similarity": sims[j]}
                    if frags[j]:
                        row["fragment"] = True
                    members.append(row)
                    if idx[j] == kept[c]:
                        kept_at = j
                yield {"cluster": k + c, "size": e - s, "kept": {"doc": docs[kept_at], "line": lines[kept_at]},
                       "members": members}

    def cluster_lines(self, text_of_many: Callable[[Sequence[tuple[str, int]]], Sequence[str | None]] | None = None,
                      outlet_of: Callable[[str], str | None] | None = None, *, batch: int = 1 << 16
                      ) -> Iterator[str]:
        """:meth:`cluster_rows` as JSON lines (no newline), each exactly
        ``json.dumps(row, ensure_ascii=False)`` of the row, with ``"outlet": outlet_of(doc)`` last in
        every member when ``outlet_of`` is given; made from the arrays, without the dicts (a
        syndicated corpus writes most of its paragraphs here)."""
        t = self._table
        if t is None:
            for row in self.cluster_rows(text_of_many):
                if outlet_of is not None:
                    for m in row["members"]:
                        m["outlet"] = outlet_of(m["doc"])
                yield json.dumps(row, ensure_ascii=False)
            return
        enc = _encode_str
        doc_json: dict[int, tuple[str, str]] = {}  # document -> its JSON key, and its members' outlet part
        for k, k1, lo, hi in cluster_batches(t, batch):
            idx = t.index[lo:hi]
            dnum = t.doc[idx].tolist()
            lines = t.line[idx].tolist()
            for d in set(dnum):
                if d not in doc_json:
                    name = t.docs[d]
                    tail = ""
                    if outlet_of is not None:
                        o = outlet_of(name)
                        tail = ', "outlet": ' + ("null" if o is None else enc(o))
                    doc_json[d] = (enc(name), tail)
            if t.texts is not None:
                texts: Sequence[str | None] = [t.texts[i] for i in idx.tolist()]
            elif text_of_many is not None:
                texts = text_of_many([(t.docs[d], ln) for d, ln in zip(dnum, lines, strict=True)])
            else:
                raise ValueError("the index did not keep paragraph texts (DedupConfig.keep_text=False): "
                                 "pass text_of_many")
            sims = [repr(round(x, SIMILARITY_DIGITS)) for x in t.similarity[lo:hi].tolist()]
            frags = t.fragment[lo:hi].tolist()
            idx_l = idx.tolist()
            kept = t.kept[k:k1].tolist()
            bounds = (t.starts[k : k1 + 1] - lo).tolist()
            members = []
            for j in range(hi - lo):
                name, tail = doc_json[dnum[j]]
                frag = ', "fragment": true' if frags[j] else ""
                members.append(f'{{"doc": {name}, "line": {lines[j]}, "text": {enc(texts[j] or "")}, '
                               f'"similarity": {sims[j]}{frag}{tail}}}')
            for c in range(k1 - k):
                s, e = bounds[c], bounds[c + 1]
                kept_at = s + idx_l[s:e].index(kept[c])
                yield (f'{{"cluster": {k + c}, "size": {e - s}, "kept": {{"doc": {doc_json[dnum[kept_at]][0]}, '
                       f'"line": {lines[kept_at]}}}, "members": [{", ".join(members[s:e])}]}}')

    def cluster_chunks(self, spill: Any, outlet_of: Callable[[str], str | None] | None = None, *,
                       batch: int = 1 << 16) -> Iterator[bytes]:
        """The bytes of ``duplicates.jsonl`` as the command line writes them: :meth:`cluster_lines`, a newline
        after each line, UTF-8 with lone surrogates as ``\\udXXX`` (``errors="backslashreplace"``), in
        chunks. ``spill`` holds the texts (:class:`newsclean.run.TextSpill`: ``get_many``, ``spans``,
        ``spill_ids``). Written by a compiled kernel (:mod:`newsclean.dedup.report_lines`) unless the index
        took the kernels' Python path (a small input) or kept the texts itself."""
        t = self._table
        if t is None or t.texts is not None or self.python_path:
            buf: list[str] = []
            size = 0
            for line in self.cluster_lines(spill.get_many, outlet_of, batch=batch):
                buf.append(line)
                size += len(line)
                if size >= batch * 64:
                    yield ("\n".join(buf) + "\n").encode("utf-8", "backslashreplace")
                    buf, size = [], 0
            if buf:
                yield ("\n".join(buf) + "\n").encode("utf-8", "backslashreplace")
            return
        from newsclean.dedup.report_lines import cluster_chunks

        yield from cluster_chunks(t, spill.spans, spill.spill_ids(t.docs), outlet_of, batch=batch)

    def document_rows(self) -> list[dict[str, Any]]:
        """The document pairs as :meth:`DocumentDuplicate.to_json_row` rows."""
        d = self._doc_table
        if d is None:
            return [x.to_json_row() for x in self.documents]
        r = SIMILARITY_DIGITS
        names = d.docs
        return [{"docs": [names[a], names[b]], "score": round(max(x, y), r), "coverage": [round(x, r), round(y, r)],
                 "shared_paragraphs": n}
                for a, b, x, y, n in zip(d.a.tolist(), d.b.tolist(), d.coverage_a.tolist(), d.coverage_b.tolist(),
                                         d.shared.tolist(), strict=True)]

    @property
    def n_clusters(self) -> int:
        return self._table.size if self._table is not None else len(self.clusters)

    @property
    def n_dropped(self) -> int:
        t = self._table
        return int(t.index.size - t.size) if t is not None else len(self.dropped)


def _clusters_of(t: ClusterTable) -> list[Cluster]:
    if t.size == 0:
        return []
    docs = [t.docs[d] for d in t.doc[t.index].tolist()]
    lines = t.line[t.index].tolist()
    idx = t.index.tolist()
    texts = [t.texts[i] for i in idx] if t.texts is not None else [None] * len(idx)
    members = [Member(d, ln, s, x, f) for d, ln, s, x, f in zip(docs, lines, t.similarity.tolist(), texts,
                                                                t.fragment.tolist(), strict=True)]
    out = []
    bounds = t.starts.tolist()
    for k, (kept, exact) in enumerate(zip(t.kept.tolist(), t.exact.tolist(), strict=True)):
        lo, hi = bounds[k], bounds[k + 1]
        mem = tuple(members[lo:hi])
        out.append(Cluster(k, mem[idx[lo:hi].index(kept)], mem, exact))
    return out


def cluster_table(*, key: np.ndarray, similarity: np.ndarray, fragment: np.ndarray, p_doc: np.ndarray,
                  p_line: np.ndarray, p_exact: np.ndarray, docs: Sequence[str], texts: Sequence[str] | None
                  ) -> tuple[ClusterTable, np.ndarray]:
    """The clusters of ``key[i]`` (the kept paragraph of paragraph ``i``'s cluster; ``i`` itself
    when it is kept or alone), with each paragraph's ``similarity`` to its kept paragraph and
    ``fragment`` flag; clusters of one paragraph are left out. Returns the table and each
    paragraph's cluster id (-1: none)."""
    n = key.size
    cluster_of = np.full(n, -1, np.int64)
    if n == 0:
        return _empty_clusters(docs), cluster_of
    sizes = np.bincount(key, minlength=n)
    clustered = np.flatnonzero(sizes[key] >= 2)
    first = np.full(n, n, np.int64)
    np.minimum.at(first, key[clustered], clustered)
    grouped = clustered[np.lexsort((clustered, first[key[clustered]]))]
    if grouped.size == 0:
        return _empty_clusters(docs), cluster_of
    heads = np.flatnonzero(np.concatenate(([True], np.diff(first[key[grouped]]) != 0)))
    starts = np.concatenate((heads, [grouped.size])).astype(np.int64)
    cid = np.repeat(np.arange(heads.size), np.diff(starts))
    cluster_of[grouped] = cid
    kept = key[grouped[heads]]
    same = p_exact[grouped] == p_exact[key[grouped]]
    exact = np.logical_and.reduceat(same, heads) if grouped.size else np.zeros(0, bool)
    table = ClusterTable(grouped, starts, kept, exact, similarity[grouped].astype(np.float64), fragment[grouped],
                         p_doc, p_line, docs, texts)
    return table, cluster_of


@jit.njit(cache=True)
def _doc_set_hashes(starts, c_doc):
    out = np.empty(starts.size - 1, np.uint64)
    for k in range(starts.size - 1):
        h = np.uint64(0xCBF29CE484222325)
        for x in range(starts[k], starts[k + 1]):
            h = (h ^ np.uint64(c_doc[x])) * np.uint64(0x100000001B3)
        out[k] = h
    return out


@jit.njit(cache=True)
def _doc_pair_codes(starts, c_doc, c_chars, c_weight, eligible, code, chars_a, chars_b, weight, lo, hi):
    """The document pairs ``(a, b)`` with ``lo <= a < hi`` of every group of clusters (its distinct
    documents ``c_doc[starts[k]:starts[k+1]]`` in input order, with their characters in it; ``a``
    before ``b``) where one of the two documents is eligible: writes ``a << 32 | b``, both sides'
    characters and the group's number of clusters; returns how many."""
    w = 0
    for k in range(starts.size - 1):
        s, e = starts[k], starts[k + 1]
        for x in range(s, e):
            a = c_doc[x]
            if a < lo or a >= hi:
                continue
            for y in range(x + 1, e):
                b = c_doc[y]
                if not (eligible[a] or eligible[b]):
                    continue
                code[w] = (np.int64(a) << 32) | np.int64(b)
                chars_a[w] = c_chars[x]
                chars_b[w] = c_chars[y]
                weight[w] = c_weight[k]
                w += 1
    return w


def _covered_pairs(code: np.ndarray, chars_a: np.ndarray, chars_b: np.ndarray, weight: np.ndarray,
                   total: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """The distinct pairs among ``code`` (sorted), their characters and weights summed, as
    ``(a, b, coverage of a, coverage of b, shared paragraphs)``, only those where a side reaches
    ``threshold`` (the others are never reported)."""
    order = np.argsort(code, kind="stable")
    code = code[order]
    heads = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    pairs = code[heads]
    ca = np.add.reduceat(chars_a[order], heads)
    cb = np.add.reduceat(chars_b[order], heads)
    shared = np.add.reduceat(weight[order], heads)
    del order, code
    a, b = pairs >> 32, pairs & 0xFFFFFFFF
    cov_a = np.where(total[a] > 0, np.minimum(1.0, ca / np.maximum(total[a], 1e-300)), 0.0)
    cov_b = np.where(total[b] > 0, np.minimum(1.0, cb / np.maximum(total[b], 1e-300)), 0.0)
    reach = (cov_a >= threshold) | (cov_b >= threshold)
    return a[reach], b[reach], cov_a[reach], cov_b[reach], shared[reach]


#: Document pairs made at once by :func:`document_pairs` before they are summed (bounded temporaries).
PAIR_CHUNK = 1 << 20


@jit.njit(cache=True)
def _doc_pair_firsts(starts, c_doc, eligible, n_docs):
    """How many pairs :func:`_doc_pair_codes` makes with each document as their first (``a``)."""
    out = np.zeros(n_docs, np.int64)
    for k in range(starts.size - 1):
        e = starts[k + 1]
        for x in range(starts[k], e):
            a = c_doc[x]
            if eligible[a]:
                out[a] += e - x - 1  # every later document
            else:
                for y in range(x + 1, e):
                    if eligible[c_doc[y]]:
                        out[a] += 1
    return out


def document_pairs(cluster_of: np.ndarray, p_doc: np.ndarray, p_len: np.ndarray, *, docs: Sequence[str],
                   threshold: float, every_pair: bool = False) -> DocumentTable:
    """Documents whose characters are covered at least ``threshold`` by paragraphs of clusters
    (``cluster_of[i]``: paragraph ``i``'s cluster, -1 for none) shared with one other document,
    each paired with the document that covers it most (pairs sorted, each once).
    Clusters spanning more than ``MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS`` documents are left out
    (boilerplate). ``every_pair``: accumulate every pair (reference path), not only those that can
    reach the threshold.

    Clusters with the same documents (an article republished k times makes one such cluster per
    paragraph) are summed first, so each group costs k * (k - 1) / 2 pairs once, not per paragraph.
    """
    n_docs = len(docs)
    total = np.bincount(p_doc, weights=p_len.astype(np.float64), minlength=n_docs)
    sel = np.flatnonzero(cluster_of >= 0)
    none = DocumentTable(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0),
                         np.zeros(0, np.int64), docs)
    if sel.size == 0:
        return none
    # Characters per (cluster, document), documents of a cluster in input order.
    key = cluster_of[sel].astype(np.int64) * n_docs + p_doc[sel]
    order = np.argsort(key, kind="stable")
    key = key[order]
    heads = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    c_chars = np.add.reduceat(p_len[sel][order].astype(np.float64), heads)
    uniq = key[heads]
    del order, key
    c_cluster, c_doc = uniq // n_docs, uniq % n_docs
    starts = np.flatnonzero(np.concatenate(([True], c_cluster[1:] != c_cluster[:-1])))
    span = np.diff(np.concatenate((starts, [uniq.size])))
    ok = (span >= 2) & (span <= MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS)
    rows = np.repeat(ok, span)
    c_doc, c_chars = c_doc[rows], c_chars[rows]
    span = span[ok]
    starts = np.concatenate(([0], np.cumsum(span)))
    # A pair can only reach the threshold through a document with enough clustered characters
    # ("eligible"); pairs of two ineligible documents are never formed (boilerplate clusters would
    # make millions of them).
    clustered = np.bincount(c_doc, weights=c_chars, minlength=n_docs)
    eligible = (total > 0) & (clustered >= threshold * total * (1 - 1e-9))
    if every_pair:
        eligible[:] = True
    # Groups of clusters with the same document list: characters summed per document.
    h = _doc_set_hashes(starts, c_doc)
    by_hash = np.argsort(h, kind="stable")
    same_as_prev = np.zeros(span.size, bool)
    if span.size > 1:
        hs = h[by_hash]
        cand = np.flatnonzero((hs[1:] == hs[:-1]) & (span[by_hash][1:] == span[by_hash][:-1])) + 1
        for k in cand.tolist():  # equal hashes: compare the lists themselves
            x, y = by_hash[k - 1], by_hash[k]
            same_as_prev[k] = np.array_equal(c_doc[starts[x] : starts[x + 1]], c_doc[starts[y] : starts[y + 1]])
    group = np.cumsum(~same_as_prev) - 1
    group_of = np.empty(span.size, np.int64)
    group_of[by_hash] = group
    first_of_group = np.full(group[-1] + 1 if group.size else 0, -1, np.int64)
    rep = by_hash[~same_as_prev]  # a cluster standing for each group
    first_of_group[group[~same_as_prev]] = rep
    g_weight = np.bincount(group_of, minlength=first_of_group.size).astype(np.int64)
    g_chars = np.zeros(c_chars.size)
    # Sum each cluster's characters into its group's representative, document by document (same order).
    pos = np.arange(c_doc.size) - np.repeat(starts[:-1], span)
    target = starts[first_of_group[group_of]]
    np.add.at(g_chars, np.repeat(target, span) + pos, c_chars)
    keep_rows = np.repeat(np.isin(np.arange(span.size), rep), span)
    r_doc, r_chars = c_doc[keep_rows], g_chars[keep_rows]
    r_span = span[np.sort(rep)]
    r_weight = g_weight[group_of[np.sort(rep)]]
    r_starts = np.concatenate(([0], np.cumsum(r_span)))
    del c_doc, c_chars, g_chars, keep_rows, pos, target, group_of, rows
    # The pairs of the groups, made and summed for a range of first documents at a time (about
    # PAIR_CHUNK pairs each: every pair of the range is complete there), and only those covering a
    # side enough are kept: an article republished k times makes k * (k - 1) / 2 pairs per group of
    # its paragraphs, and chance clusters of two articles' copies make more.
    firsts = np.cumsum(_doc_pair_firsts(r_starts, r_doc, eligible, n_docs))
    kept: list[tuple[np.ndarray, ...]] = []
    lo = 0
    while lo < n_docs:
        base = int(firsts[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(firsts, base + PAIR_CHUNK, side="right")))
        count = int(firsts[hi - 1]) - base
        if count:
            code = np.empty(count, np.int64)
            chars_a, chars_b = np.empty(count), np.empty(count)
            weight = np.empty(count, np.int64)
            _doc_pair_codes(r_starts, r_doc, r_chars, r_weight, eligible, code, chars_a, chars_b, weight, lo, hi)
            kept.append(_covered_pairs(code, chars_a, chars_b, weight, total, threshold))
            del code, chars_a, chars_b, weight
        lo = hi
    if not kept:
        return none
    a, b, cov_a, cov_b, shared = (np.concatenate(x) for x in zip(*kept, strict=True))
    del kept
    # Each document that reaches the threshold is reported once, with the other document that
    # covers it most (ties: the earlier): k copies of an article make k - 1 pairs, not k * (k - 1) / 2.
    side = np.concatenate((a, b))
    cov = np.concatenate((cov_a, cov_b))
    other = np.concatenate((b, a))
    row = np.concatenate((np.arange(a.size), np.arange(a.size)))
    reach = cov >= threshold
    side, cov, other, row = side[reach], cov[reach], other[reach], row[reach]
    best = np.lexsort((other, -cov, side))
    side, row = side[best], row[best]
    first = np.concatenate(([True], side[1:] != side[:-1])) if side.size else np.zeros(0, bool)
    keep = unique_sorted(row[first])
    return DocumentTable(a[keep], b[keep], cov_a[keep], cov_b[keep], shared[keep], docs)
