"""The near-duplicate index: collects sketched paragraphs and runs the stages of :meth:`NearDuplicateIndex.finish`.

Each stage lives in a module of its own: :mod:`~newsclean.dedup.storage` (what is kept per paragraph
and the spill files), :mod:`~newsclean.dedup.candidates` (LSH banding),
:mod:`~newsclean.dedup.verify` (alignment of word runs), :mod:`~newsclean.dedup.clusters` (keep
order, the greedy clustering, merges, cluster records) and :mod:`~newsclean.dedup.fragments`
(parts copied into longer paragraphs); the tunables are in :mod:`~newsclean.dedup.config`.

Pipeline of :meth:`NearDuplicateIndex.finish`:

1. every paragraph's normalized text has an exact 64-bit hash; equal texts form exact groups (any
   length); paragraphs too short for MinHash (``minhash_min_chars``) are only ever exact copies;
2. while documents are added, each batch of paragraphs is sketched in one compiled pass
   (:func:`newsclean.dedup.signatures.sketch`): a MinHash signature and the paragraph's words as
   32-bit tokens, both appended to anonymous temporary files;
3. *keep order*: every exact group is placed by the keep policy (``first``: input order,
   ``longest``, ``earliest``, ``outlet``) at its best member, which stands for the group;
4. LSH banding gives each group a few candidates earlier in keep order, its buckets' first
   members (:mod:`~newsclean.dedup.candidates`);
5. greedy clustering in keep order: a paragraph joins the cluster of the first-placed center among
   its candidates' centers whose words cover most of its own (``threshold`` of its words in shared
   runs of ``min_run`` words or more, :mod:`~newsclean.dedup.verify`), else it becomes a center. It
   is verified against the center, never against another member, so clusters do not chain; and
   each paragraph costs one verification per distinct candidate cluster, not one per copy;
6. merges (:func:`~newsclean.dedup.clusters.merge_clusters`): a center that a later paragraph
   covers (the center is a part of it), or that the fragment search finds inside a longer
   paragraph (:mod:`~newsclean.dedup.fragments`), moves with its cluster into the covering
   paragraph's cluster; every moved member is verified against its new center;
7. recentering (:func:`~newsclean.dedup.clusters.recenter_clusters`): a paragraph that covers every
   member of its own cluster and of a cluster it is linked to (an LSH candidate or a fragment
   candidate that it covers) becomes the kept paragraph of both; at most
   ``DedupConfig.recenter_tries`` attempts per cluster;
8. records: each cluster's center is its kept paragraph; each member's similarity is its share of
   words covered by runs shared with the kept one, and members with fewer than half its words are
   marked as fragments. The temporary files are deleted.

Memory: per stored paragraph the index holds 24 bytes of bookkeeping (doc, line, length, words,
exact hash); the signatures (``num_perm`` x 2 bytes with 16-bit storage) and the word tokens (4
bytes per word) are on disk. During ``finish``: the keep order and groups (about 40 bytes per
paragraph), the candidate slots (5 bytes per slot and paragraph), the leaders of a group of bands
(8 bytes per band and paragraph, one group per thread) and each band's sorted keys (16 bytes per
paragraph and thread); the token file is read through a memory map whose pages are released after
each chunk of verifications and each block of the fragment search when it is large
(:data:`~newsclean.dedup.verify.RELEASE_BYTES`); the document pairs are made and summed for a range of
documents at a time (:data:`~newsclean.dedup.results.PAIR_CHUNK`), never all of them at once.
Recentering adds, from the greedy to its own stage, a byte per candidate slot (the slot pairs found
apart) and keeps the fragment candidates (16 bytes each) past the merges; while its links are
verified, about 40 bytes per link (slot pairs and fragment candidates between two clusters, not both
alone, not known apart: 0.8 per paragraph on 480,000 syndicated paragraphs).
Measured peaks: ``python -m benchmarks.dedup_scale --stages`` (per stage), benchmarks/dedup_peak.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.candidates import band_slots
from newsclean.dedup.clusters import (
    assign_centers,
    date_key,
    keep_order,
    merge_clusters,
    recenter_clusters,
    refine_members,
)
from newsclean.dedup.config import (  # noqa: F401  (re-exported: the index's public names)
    DEFAULT_THRESHOLD,
    DedupConfig,
    with_defaults,
)
from newsclean.dedup.fragments import fragment_candidates, fragment_merges
from newsclean.dedup.results import FRAGMENT_RATIO, DedupResult, cluster_table, document_pairs
from newsclean.dedup.storage import SketchedParagraphs, _Chunks, _SigSpill, _Spill, sketch_documents
from newsclean.dedup.verify import TokenSets

__all__ = ["DedupConfig", "NearDuplicateIndex", "SketchedParagraphs", "sketch_documents", "with_defaults"]


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
        self._docs: list[str] = []
        self._doc_index: dict[str, int] = {}
        self._doc_dates: list[tuple[int, int, int] | None] = []
        self._doc_outlets: list[str | None] = []
        self._pending: list[tuple[int, int, str]] = []
        self._p_doc = _Chunks()
        self._p_line = _Chunks()
        self._p_len = _Chunks()
        self._p_words = _Chunks()
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
        # Reference path (tests): signatures kept in RAM as before they went to disk, every
        # document pair accumulated; results must be identical either way.
        self._ram_signatures = False
        # Set to a dict to receive the internals of ``finish`` (tests, diagnostics).
        self._trace: dict[str, Any] | None = None
        # Every earlier paragraph a candidate of every later one, not only LSH's (small inputs:
        # the reference that measures what the candidate step misses).
        self._exhaustive = False
        # Called with each stage's name as ``finish`` ends it (benchmarks: memory per stage).
        self._on_stage: Callable[[str], None] | None = None

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
        self._add_doc(doc, date, outlet)
        d = len(self._docs) - 1
        for line, text in lines:
            if not isinstance(line, int) or isinstance(line, bool) or line < 0:
                raise ValueError(f"line numbers must be non-negative ints, got {line!r} in {doc!r}")
            if not isinstance(text, str):
                raise ValueError(f"paragraph text must be str, got {type(text).__name__} in {doc!r}")
            self._pending.append((d, line, text))
        if len(self._pending) >= self.config.batch_size:
            self._flush()

    def _add_doc(self, doc: str, date: Any, outlet: str | None) -> None:
        if not isinstance(doc, str):
            raise ValueError(f"doc must be a str key, got {type(doc).__name__}")
        if doc in self._doc_index:
            raise ValueError(f"document {doc!r} was already added")
        self._doc_index[doc] = len(self._docs)
        self._docs.append(doc)
        self._doc_dates.append(date_key(date))
        self._doc_outlets.append(outlet)

    def _flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        d0 = pending[0][0]
        batch = sketch_documents(self.config, [p[0] - d0 for p in pending], [p[1] for p in pending],
                                 [p[2] for p in pending])
        self._store(batch, d0)

    def _store(self, batch: SketchedParagraphs, d0: int) -> None:
        self._python_fallback += batch.python_fallback
        self._too_short += batch.too_short
        self._spill.append(batch.tokens)
        sig_dtype = np.uint16 if self.config.signature_bits == 16 else np.uint32
        sig = batch.sig.astype(sig_dtype, copy=False)
        self._p_doc.append(batch.doc.astype(np.int32) + np.int32(d0))
        self._p_line.append(batch.line.astype(np.int32, copy=False))
        self._p_len.append(batch.length)
        self._p_words.append(batch.words)
        self._p_exact.append(batch.exact)
        if self._ram_signatures:
            self._p_sig.append(np.ascontiguousarray(sig))
        else:
            self._sig_spill.append(sig)
        if self.config.keep_text:
            if batch.texts is None or len(batch.texts) != batch.doc.size:
                raise ValueError("keep_text needs the batch's texts (sketch it with the same config)")
            self._texts.extend(batch.texts)

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
            self._add_doc(doc, date, outlet)
        self._store(batch, d0)

    @property
    def n_documents(self) -> int:
        """Documents added so far (the next one added is document number ``n_documents``)."""
        return len(self._docs)

    def discard_since(self, first: int, *, paragraphs: int = 0) -> None:
        """:meth:`discard` the documents added since there were ``first``."""
        self.discard(self._docs[first:], paragraphs=paragraphs)

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
        (``disk_tokens``, ``disk_signatures``: not counted as memory), for accounting."""
        parts = {"signatures": self._p_sig, "doc": self._p_doc, "line": self._p_line,
                 "length": self._p_len, "words": self._p_words, "exact_hash": self._p_exact}
        out = {k: sum(a.nbytes for a in v.parts) for k, v in parts.items()}
        out["paragraphs"] = sum(len(a) for a in self._p_doc.parts)
        out["disk_tokens"] = self._spill.nbytes
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
        self._finished = True
        # The Python path (no numba) for a small input: decided from what is there, never timed.
        paragraphs = sum(a.size for a in self._p_doc.parts) + len(self._pending)
        chars = sum(int(a.sum()) for a in self._p_len.parts) + sum(len(p[2]) for p in self._pending)
        try:
            with jit.python_kernels(jit.use_python(jit.small(paragraphs, chars))):
                self._flush()
                result = self._finish()
                result.python_path = jit.python_path()
                return result
        finally:
            self._spill.close()
            self._sig_spill.close()

    def _finish(self) -> DedupResult:
        cfg = self.config
        sig_dtype = np.uint16 if cfg.signature_bits == 16 else np.uint32
        p_doc = self._p_doc.concat(np.int32)
        p_line = self._p_line.concat(np.int32)
        p_len = self._p_len.concat(np.uint32)
        p_words = self._p_words.concat(np.uint32)
        p_exact = self._p_exact.concat(np.uint64)
        sig: Any = self._p_sig.concat(sig_dtype, cfg.num_perm) if self._ram_signatures else self._sig_spill
        n = p_doc.size
        clock = [time.perf_counter()]
        timings: dict[str, float] = {}

        def lap(stage: str) -> None:
            now = time.perf_counter()
            timings[stage] = round(now - clock[0], 4)
            if self._on_stage is not None:
                self._on_stage(stage)
            clock[0] = time.perf_counter()

        # Paragraphs of discarded documents keep their places (the spilled tokens and signatures
        # are addressed by position) but take part in nothing: no exact group, no candidate.
        alive = ~np.isin(p_doc, np.asarray(self._dead, dtype=np.int32)) if self._dead else np.ones(n, bool)
        n_dead = int(n - alive.sum())
        too_short = self._too_short - (self._dead_paragraphs - n_dead)
        stats: dict[str, int] = {
            "documents": len(self._docs) - len(self._dead),
            "paragraphs": n - n_dead + too_short,
            "too_short": too_short,
            "python_normalized": self._python_fallback,
        }
        # 1. exact groups (equal normalized text: hash and length), 3. keep order.
        rank = {o: k for k, o in enumerate(cfg.outlet_priority)}
        prio = keep_order(cfg.keep, p_doc=p_doc, p_len=p_len, dates=self._doc_dates,
                          outlet_rank=[rank.get(o or "", len(rank)) for o in self._doc_outlets])
        live = np.flatnonzero(alive)
        by_text = live[np.lexsort((prio[live], p_len[live], p_exact[live]))]
        same = (p_exact[by_text][1:] == p_exact[by_text][:-1]) & (p_len[by_text][1:] == p_len[by_text][:-1])
        first = np.concatenate(([True], ~same)) if by_text.size else np.zeros(0, bool)
        group = np.arange(n, dtype=np.int64)  # a dead paragraph is a group of its own, never compared
        best = by_text[first]  # each group's best member in keep order stands for it
        group[by_text] = (np.cumsum(first) - 1) if by_text.size else group[by_text]
        group[~alive] = best.size + np.arange(n_dead)
        best = np.concatenate((best, np.flatnonzero(~alive)))
        del by_text, same, first, live
        stats["exact_duplicates"] = int(n - n_dead - (best.size - n_dead))
        spilled = p_len >= cfg.minhash_min_chars  # whose tokens are in the spill file
        minhash = spilled & alive
        stats["exact_only"] = int((~spilled & alive).sum())
        stats["minhash"] = int(minhash.sum())
        order = best[minhash[best]]
        order = order[np.argsort(prio[order], kind="stable")]  # keep order of the compared groups
        del prio
        pos_of = np.full(n, -1, np.int64)
        pos_of[order] = np.arange(order.size)
        words = p_words[order].astype(np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.where(spilled, p_words, 0), out=offsets[1:])
        sets = TokenSets(self._spill.fh, self._spill.count, offsets, cfg.min_run, cfg.threshold, cfg.long_run,
                         cfg.long_share, cfg.gap_words)
        lap("keep_order")
        try:
            # 4. candidates, 5. greedy clustering, 6. merges.
            bands, rows = cfg.lsh_params()
            stats["lsh_bands"], stats["lsh_rows"] = bands, rows
            if self._exhaustive:
                slots = np.tile(np.arange(order.size, dtype=np.int32), (order.size, 1))
                slots[np.triu_indices(order.size)] = -1
            else:
                slots, _counts = band_slots(sig, order, bands=bands, rows=rows, leaders=cfg.bucket_leaders,
                                            slots=cfg.candidate_slots)
                del _counts
            del sig
            stats["candidates"] = int((slots >= 0).sum())
            lap("candidates")
            # Slot pairs the greedy finds apart: recentering need not verify them again.
            apart = np.zeros(slots.shape, np.bool_) if cfg.recenter_tries > 0 else None
            center, score, takeovers = assign_centers(order, words, slots, sets, threshold=cfg.threshold,
                                                      min_ratio=cfg.fragment_min_ratio, stats=stats, apart=apart)
            lap("greedy")
            if self._trace is not None:
                self._trace.update(slots=slots.copy(), greedy_center=center.copy())
            merges = [takeovers]
            links = np.zeros((0, 2), np.int64)  # (fragment, container) pairs: recentering's links too
            if cfg.fragments:
                frag, cont = fragment_candidates(sets.tokens, offsets, pos_of, center, words, run=cfg.min_run,
                                                 min_ratio=cfg.fragment_min_ratio, stats=stats,
                                                 release=sets.release)
                merges.append(fragment_merges(frag, cont, center, words, order, sets, threshold=cfg.threshold,
                                              stats=stats))
                if self._trace is not None:
                    self._trace.update(frag=frag.copy(), cont=cont.copy())
                if cfg.recenter_tries > 0 and frag.size:
                    links = np.stack([frag, cont], axis=1)
                del frag, cont
                lap("fragments")
            took = merge_clusters(center, score, words, order, np.concatenate(merges), sets, threshold=cfg.threshold,
                                  min_ratio=cfg.fragment_min_ratio, stats=stats, span=cfg.merge_span)
            lap("merges")
            refine_members(center, score, words, order, slots, sets, threshold=cfg.threshold,
                           min_ratio=cfg.fragment_min_ratio, stats=stats)
            lap("refine")
            recenter_clusters(center, score, words, order, slots, links, took, sets, tries=cfg.recenter_tries,
                              threshold=cfg.threshold, min_ratio=cfg.fragment_min_ratio, stats=stats, apart=apart)
            del slots, links, took, apart
            lap("recenter")
        finally:
            sets.close()
        stats["disk_bytes"] = self._spill.nbytes

        if self._trace is not None:
            self._trace.update(order=order, pos_of=pos_of, words=words, center=center.copy(), score=score.copy(),
                               group=group, best=best, p_doc=p_doc, p_line=p_line)
        # 8. records: each paragraph's kept paragraph, similarity and fragment flag.
        rep = best[group]  # the paragraph standing for each one's exact group
        key = rep.copy()
        similarity = np.ones(n)
        fragment = np.zeros(n, bool)
        sel = np.flatnonzero(pos_of[rep] >= 0)
        pos = pos_of[rep[sel]]
        c = center[pos]
        key[sel] = order[c]
        moved = c != pos
        similarity[sel[moved]] = score[pos[moved]]
        fragment[sel[moved]] = words[pos[moved]] < FRAGMENT_RATIO * words[c[moved]]
        del rep, sel, pos, c, moved, center, score, pos_of, group
        table, cluster_of = cluster_table(
            key=key, similarity=similarity, fragment=fragment, p_doc=p_doc, p_line=p_line, p_exact=p_exact,
            docs=self._docs, texts=self._texts if cfg.keep_text else None)
        stats["clusters"] = table.size
        stats["clustered_paragraphs"] = int(table.index.size)
        # Members are in input order, so a cluster spans several documents when two neighbours differ.
        differs = np.concatenate(([False], p_doc[table.index][1:] != p_doc[table.index][:-1]))
        differs[table.starts[:-1]] = False
        stats["cross_document_clusters"] = int(np.count_nonzero(np.add.reduceat(differs, table.starts[:-1]))
                                               ) if table.size else 0
        stats["fragments"] = int(fragment.sum())
        stats["dropped"] = int(table.index.size - table.size)
        doc_table = document_pairs(cluster_of, p_doc, p_len, docs=self._docs, threshold=cfg.document_threshold,
                                   every_pair=self._ram_signatures)
        stats["document_duplicates"] = int(doc_table.a.size)
        lap("records")
        return DedupResult(stats=stats, timings=timings, table=table, doc_table=doc_table)
