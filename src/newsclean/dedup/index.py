"""The near-duplicate index: collects sketched paragraphs and runs the stages of :meth:`NearDuplicateIndex.finish`.

Each stage lives in a module of its own: :mod:`~newsclean.dedup.storage` (what is kept per paragraph
and the spill files), :mod:`~newsclean.dedup.candidates` (LSH banding), :mod:`~newsclean.dedup.verify`
(verification kernels on the exact shingle sets), :mod:`~newsclean.dedup.fragments` (fragment links)
and :mod:`~newsclean.dedup.clusters` (union-find, keep policies, cluster records); the tunables are
in :mod:`~newsclean.dedup.config`.

Pipeline of :meth:`NearDuplicateIndex.finish`:

1. every paragraph's normalized text gets an exact 64-bit hash; equal hashes form exact clusters
   (any length), and only the first copy of each goes on to MinHash;
2. while documents are added, each batch of paragraphs is sketched in one compiled pass
   (:func:`newsclean.dedup.signatures.sketch`): a MinHash signature (kept in RAM as compact
   numpy rows) and the sorted set of 32-bit shingle hashes (appended to an anonymous temporary
   file, not kept in RAM) for paragraphs with at least ``minhash_min_chars`` normalized characters;
3. LSH banding proposes candidate pairs in two stages, each with its own rows per band and a
   window of size ratios (shorter/longer shingle count): stage 1 for Jaccard >= ``threshold``
   (ratio >= ``threshold``, since Jaccard never exceeds it), stage 2 for containment at the size
   ratios where it implies a Jaccard below ``threshold`` (from ``min_size_ratio`` up). Rows per
   band are the most that still catch a pair at the stage's lowest accepted Jaccard with
   probability >= ``LSH_FLOOR_RECALL`` — more rows, far fewer chance collisions. A bucket with
   more than ``max_bucket`` members is sorted by size and each member paired with its
   ``max_bucket`` nearest, so candidates grow at most linearly with the number of paragraphs;
4. each candidate pair is verified *exactly* on the two shingle sets (read back from the file
   through ``np.memmap`` when it is small, otherwise with ``pread`` so that it never becomes
   resident memory; see ``MMAP_MAX_BYTES``): kept if Jaccard >= ``threshold``, or if the containment of the
   smaller set in the larger is >= ``containment_threshold`` at a size ratio >=
   ``min_size_ratio`` (truncated or partly copied paragraphs). Pairs already in one cluster are
   not verified again;
5. fragments (:mod:`newsclean.dedup.fragments`): a paragraph whose shingles are mostly
   (>= ``fragment_containment``) inside one 4-20 times its size (size ratio from
   ``fragment_min_ratio`` up to ``min_size_ratio``), found through sampled shingle hashes
   ("anchors") of the spilled sets and verified exactly. These links join the clusters of steps
   1-4 under rules that keep them from chaining (each cluster takes part in at most one link with
   another cluster of several);
6. union-find joins verified pairs; a keep policy picks one member per cluster; the temporary
   file is deleted.

Memory: per stored paragraph the index holds 24 bytes of bookkeeping (doc, line, length,
shingle count, exact hash); the MinHash signatures (``num_perm`` x 2 bytes with the default 16-bit
storage: 256 bytes) go to a second temporary file, each batch stored column by column, and
``finish`` reads back one band's columns at a time (``rows`` x 2 bytes per paragraph); the
shingle sets go to disk too (4 bytes per distinct shingle). During ``finish`` one band's keys and
sort order (8 bytes each per paragraph), the offsets into the file and the union-find parents
(8 bytes each) exist on top; candidate pairs exist one band at a time and are verified in chunks.
Document pairs are only accumulated for documents that can reach ``document_threshold``.
The fragment step holds, while it runs, the strong clusters' roots and longest members (8 bytes
each per paragraph), two bytes of flags per paragraph, up to three anchor queries per paragraph
(12 bytes each), hashed 16-bit anchor counts (at most 32 MB) and one 4 MB chunk each of the
shingle-set file and of anchor matches (300,000 generated paragraphs: +3 MB of peak RSS).
Measured peaks: benchmarks/dedup_peak.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from newsclean.dedup.candidates import find_pairs
from newsclean.dedup.clusters import DedupResult, UnionFind, build_clusters, date_key, document_pairs
from newsclean.dedup.config import (  # noqa: F401  (re-exported: the index's public names)
    DEFAULT_CONTAINMENT_THRESHOLD,
    DEFAULT_THRESHOLD,
    DedupConfig,
    LshStage,
    with_defaults,
)
from newsclean.dedup.fragments import fragment_links
from newsclean.dedup.signatures import sketch
from newsclean.dedup.storage import SketchedParagraphs, _Chunks, _SigSpill, _Spill, sketch_documents
from newsclean.dedup.verify import MMAP_MAX_BYTES, _ExactSets

__all__ = ["DedupConfig", "LshStage", "NearDuplicateIndex", "SketchedParagraphs", "sketch_documents", "with_defaults"]


class NearDuplicateIndex:
    """Collects paragraphs document by document and finds (near-)duplicate clusters.

    >>> idx = NearDuplicateIndex(DedupConfig(keep_text=True))
    >>> idx.add_document("a.txt", [(0, "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina."),
    ...                            (1, "Paragraf lain yang sama sekali berbeda isinya.")])
    >>> idx.add_document("b.txt", [(4, "Pada tahun 2014 Rusia mencaplok Semenanjung Krimea Ukraina, katanya.")])
    >>> res = idx.finish()
    >>> [(m.doc, m.line) for m in res.clusters[0].members], res.dropped
    ([('a.txt', 0), ('b.txt', 4)], {('b.txt', 4): 0})
    """

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()
        self._scheme = self.config.scheme
        self._docs: list[str] = []
        self._doc_index: dict[str, int] = {}
        self._doc_dates: list[tuple[int, int, int] | None] = []
        self._doc_outlets: list[str | None] = []
        self._pending: list[tuple[int, int, str]] = []
        self._p_doc = _Chunks()
        self._p_line = _Chunks()
        self._p_len = _Chunks()
        self._p_size = _Chunks()
        self._p_exact = _Chunks()
        self._p_sig = _Chunks()
        self._spill = _Spill(self.config.spill_dir)
        sig_dtype = np.uint16 if self.config.signature_bits == 16 else np.uint32
        self._sig_spill = _SigSpill(self.config.spill_dir, self.config.num_perm, sig_dtype)
        self._texts: list[str] = []
        self._too_short = 0
        self._python_fallback = 0
        self._finished = False
        self._dead: list[int] = []  # discarded documents
        self._dead_paragraphs = 0
        # Reference path (tests): signatures kept in RAM as before they went to disk; results
        # must be identical either way.
        self._ram_signatures = False
        self._mmap_max_bytes = MMAP_MAX_BYTES

    # ------------------------------------------------------------------ input
    def add_document(
        self,
        doc: str,
        lines: Iterable[tuple[int, str]],
        *,
        date: Any = None,
        outlet: str | None = None,
    ) -> None:
        """Add one document's cleaned, non-empty paragraphs as ``(input line, text)`` pairs."""
        if self._finished:
            raise ValueError("the index is finished; create a new NearDuplicateIndex")
        if not isinstance(doc, str):
            raise ValueError(f"doc must be a str key, got {type(doc).__name__}")
        if doc in self._doc_index:
            raise ValueError(f"document {doc!r} was already added")
        d = len(self._docs)
        self._doc_index[doc] = d
        self._docs.append(doc)
        self._doc_dates.append(date_key(date))
        self._doc_outlets.append(outlet)
        for line, text in lines:
            if not isinstance(line, int) or isinstance(line, bool) or line < 0:
                raise ValueError(f"line numbers must be non-negative ints, got {line!r} in {doc!r}")
            if not isinstance(text, str):
                raise ValueError(f"paragraph text must be str, got {type(text).__name__} in {doc!r}")
            self._pending.append((d, line, text))
        if len(self._pending) >= self.config.batch_size:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        cfg = self.config
        n = len(self._pending)
        docs = np.fromiter((p[0] for p in self._pending), dtype=np.int32, count=n)
        lines = np.fromiter((p[1] for p in self._pending), dtype=np.int64, count=n)
        batch = sketch([p[2] for p in self._pending], cfg.shingle, self._scheme)
        self._python_fallback += batch.python_fallback
        keep = batch.lengths >= max(cfg.min_chars, 1)
        self._too_short += int((~keep).sum())
        spill = keep & (batch.lengths >= cfg.minhash_min_chars)
        self._spill.append(batch.hashes[np.repeat(spill, np.diff(batch.hash_offsets))])
        sig = batch.signatures[keep]
        if cfg.signature_bits == 16:
            # Low 16 bits of each minimum ("b-bit minwise hashing"): enough for band keys, since
            # verification is exact; a chance agreement costs 2**-16 per value.
            sig = (sig & np.uint32(0xFFFF)).astype(np.uint16)
        self._p_doc.append(docs[keep])
        self._p_line.append(lines[keep].astype(np.int32))
        self._p_len.append(batch.lengths[keep])
        self._p_size.append(batch.sizes[keep])
        self._p_exact.append(batch.exact[keep])
        if self._ram_signatures:
            self._p_sig.append(np.ascontiguousarray(sig))
        else:
            self._sig_spill.append(sig)
        if cfg.keep_text:
            self._texts.extend(p[2] for p, k in zip(self._pending, keep.tolist(), strict=True) if k)
        self._pending = []

    def add_sketched(self, docs: Sequence[tuple[str, Any, str | None]], batch: SketchedParagraphs) -> None:
        """Add documents ``(key, date, outlet)`` whose paragraphs were sketched beforehand by
        :func:`sketch_documents` (with this index's config; ``batch.doc`` numbers ``docs`` from 0).
        Equivalent to :meth:`add_document` for each of them, in order."""
        if self._finished:
            raise ValueError("the index is finished; create a new NearDuplicateIndex")
        if batch.sig.ndim != 2 or batch.sig.shape[1] != self.config.num_perm:
            raise ValueError("the batch was sketched with another num_perm")
        if batch.doc.size and not 0 <= int(batch.doc.min()) <= int(batch.doc.max()) < len(docs):
            raise ValueError("batch.doc must number the given documents from 0")
        self._flush()  # documents added one by one before these come first
        d0 = len(self._docs)
        for doc, date, outlet in docs:
            if not isinstance(doc, str):
                raise ValueError(f"doc must be a str key, got {type(doc).__name__}")
            if doc in self._doc_index:
                raise ValueError(f"document {doc!r} was already added")
            self._doc_index[doc] = len(self._docs)
            self._docs.append(doc)
            self._doc_dates.append(date_key(date))
            self._doc_outlets.append(outlet)
        self._python_fallback += batch.python_fallback
        self._too_short += batch.too_short
        self._spill.append(batch.hashes)
        sig_dtype = np.uint16 if self.config.signature_bits == 16 else np.uint32
        sig = batch.sig.astype(sig_dtype, copy=False)
        self._p_doc.append(batch.doc.astype(np.int32) + np.int32(d0))
        self._p_line.append(batch.line.astype(np.int32, copy=False))
        self._p_len.append(batch.length)
        self._p_size.append(batch.size)
        self._p_exact.append(batch.exact)
        if self._ram_signatures:
            self._p_sig.append(np.ascontiguousarray(sig))
        else:
            self._sig_spill.append(sig)
        if self.config.keep_text:
            if batch.texts is None or len(batch.texts) != batch.doc.size:
                raise ValueError("keep_text needs the batch's texts (sketch it with the same config)")
            self._texts.extend(batch.texts)

    def discard(self, docs: Iterable[str], *, paragraphs: int = 0) -> None:
        """Take documents added before back out (those of an input file that failed part-way):
        their paragraphs join no cluster and count nowhere, and their keys may be added again.
        ``paragraphs``: how many paragraphs they were added with (too short ones included), for
        the counts."""
        if self._finished:
            raise ValueError("the index is finished; create a new NearDuplicateIndex")
        self._flush()
        for doc in docs:
            d = self._doc_index.pop(doc, None)
            if d is not None:
                self._dead.append(d)
        self._dead_paragraphs += paragraphs

    def memory_bytes(self) -> dict[str, int]:
        """Bytes held per stored array (signatures and bookkeeping) and spilled to disk
        (``disk_shingle_sets``, not counted as memory), for accounting."""
        parts = {"signatures": self._p_sig, "doc": self._p_doc, "line": self._p_line,
                 "length": self._p_len, "shingles": self._p_size, "exact_hash": self._p_exact}
        out = {k: sum(a.nbytes for a in v.parts) for k, v in parts.items()}
        out["paragraphs"] = sum(len(a) for a in self._p_doc.parts)
        out["disk_shingle_sets"] = self._spill.nbytes
        out["disk_signatures"] = self._sig_spill.nbytes
        return out

    def outlet(self, doc: str) -> str | None:
        """The outlet a document was added with (None if it had none or was not added)."""
        d = self._doc_index.get(doc)
        return None if d is None else self._doc_outlets[d]

    # ------------------------------------------------------------------ results
    def finish(self) -> DedupResult:
        """Find clusters among everything added; the index cannot be added to afterwards."""
        if self._finished:
            raise ValueError("finish() was already called")
        self._flush()
        self._finished = True
        try:
            return self._finish()
        finally:
            self._spill.close()
            self._sig_spill.close()

    def _finish(self) -> DedupResult:
        cfg = self.config
        sig_dtype = np.uint16 if cfg.signature_bits == 16 else np.uint32
        p_doc = self._p_doc.concat(np.int32)
        p_line = self._p_line.concat(np.int32)
        p_len = self._p_len.concat(np.uint32)
        p_size = self._p_size.concat(np.uint32)
        p_exact = self._p_exact.concat(np.uint64)
        sig: Any = self._p_sig.concat(sig_dtype, cfg.num_perm) if self._ram_signatures else self._sig_spill
        n = p_doc.size
        # Paragraphs of discarded documents keep their places (the spilled sets and signatures
        # are addressed by position) but take part in nothing: no exact run, no LSH, no fragment.
        alive = ~np.isin(p_doc, np.asarray(self._dead, dtype=np.int32)) if self._dead else None
        n_dead = 0 if alive is None else int(n - alive.sum())
        too_short = self._too_short - (self._dead_paragraphs - n_dead)
        stats: dict[str, int] = {
            "documents": len(self._docs) - len(self._dead),
            "paragraphs": n - n_dead + too_short,
            "too_short": too_short,
            "python_normalized": self._python_fallback,
        }
        uf = UnionFind(n)

        # 1. exact copies (after normalization): group equal (hash, length).
        if alive is None:
            order = np.lexsort((np.arange(n), p_len, p_exact))
        else:
            live = np.flatnonzero(alive)
            order = live[np.lexsort((live, p_len[live], p_exact[live]))]
        same = (p_exact[order][1:] == p_exact[order][:-1]) & (p_len[order][1:] == p_len[order][:-1])
        first_of_run = np.concatenate(([True], ~same)) if order.size else np.zeros(0, bool)
        run_id = np.cumsum(first_of_run) - 1
        run_first = order[first_of_run]
        uf.union_pairs(run_first[run_id[1:][same]] if order.size else np.zeros(0, np.int64), order[1:][same])
        is_rep = np.zeros(n, dtype=bool)
        is_rep[run_first] = True
        del order, same, first_of_run, run_id, run_first
        stats["exact_duplicates"] = int(n - n_dead - is_rep.sum())

        # 2.-4. first copies long enough for MinHash: LSH candidates, verified on exact sets.
        spilled = p_len >= cfg.minhash_min_chars  # whose shingle sets are in the spill file
        minhash = spilled if alive is None else spilled & alive
        stats["exact_only"] = int((~spilled).sum()) if alive is None else int((~spilled & alive).sum())
        stats["minhash"] = int(minhash.sum())
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.where(spilled, p_size, 0), out=offsets[1:])
        hashes = self._spill.array()
        if hashes.size != offsets[-1]:
            raise RuntimeError("shingle-set file does not match the index (was it modified?)")
        reps = np.flatnonzero(is_rep & minhash).astype(np.int64)
        del is_rep, minhash
        sizes = p_size.astype(np.int64)
        use_fd = not self._ram_signatures and self._spill.fh is not None and self._spill.nbytes > self._mmap_max_bytes
        fd = self._spill.fh.fileno() if use_fd and self._spill.fh is not None else None
        sets = _ExactSets(hashes, offsets, sizes, cfg, fd)
        found = find_pairs(sig, reps, sizes, p_exact, sets, uf, cfg, stats)
        del sig
        if cfg.fragment_containment is not None:
            frag = fragment_links(reps, sizes, p_exact, sets, uf, cfg, stats)
            if cfg.record_edges and frag[0].size:
                codes = np.unique(np.concatenate((found[0] * (1 << 32) + found[1], frag[0] * (1 << 32) + frag[1])))
                found = (codes >> 32, codes & 0xFFFFFFFF)
        del reps
        edges = []
        if cfg.record_edges:
            key = [(self._docs[int(d)], int(ln)) for d, ln in zip(p_doc, p_line, strict=True)]
            edges = [(key[i], key[j]) for i, j in zip(*(x.tolist() for x in found), strict=True)]

        # 5. clusters.
        roots = uf.roots()
        del uf
        clusters, dropped, groups = build_clusters(
            roots, p_doc, p_line, p_len, p_exact, sets, cfg=cfg, docs=self._docs, dates=self._doc_dates,
            outlets=self._doc_outlets, texts=self._texts)
        stats["clusters"] = len(clusters)
        stats["clustered_paragraphs"] = sum(c.size for c in clusters)
        stats["cross_document_clusters"] = sum(1 for c in clusters if len(c.documents) > 1)
        stats["dropped"] = len(dropped)
        stats["disk_bytes"] = self._spill.nbytes
        del roots, sets, hashes, offsets, sizes
        documents = document_pairs(groups, p_doc, p_len, docs=self._docs, threshold=cfg.document_threshold,
                                   every_pair=self._ram_signatures)
        stats["document_duplicates"] = len(documents)
        return DedupResult(clusters=clusters, dropped=dropped, documents=documents, stats=stats, edges=edges)
