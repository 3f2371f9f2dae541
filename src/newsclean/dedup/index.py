"""The near-duplicate index: exact hashing, LSH banding, exact verification, containment.

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

import ctypes
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

import numba as nb
import numpy as np

from newsclean.dedup.clusters import (
    KEEP_POLICIES,
    Cluster,
    DedupResult,
    DocumentDuplicate,
    KeepPolicy,
    Member,
    UnionFind,
    choose_kept,
    date_key,
)
from newsclean.dedup.fragments import attach_fragments, fragment_candidates
from newsclean.dedup.shingles import ShingleOptions
from newsclean.dedup.signatures import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    SignatureScheme,
    sketch,
)

#: Exact Jaccard (character 5-grams) from which two paragraphs are near-duplicates; chosen with
#: the other two rules on the dev split of the labelled pairs (benchmarks/dedup_accuracy.py --grid).
DEFAULT_THRESHOLD = 0.36
#: Exact containment of the smaller shingle set in the larger that also counts (truncated copies,
#: a paragraph republished with an added lead or tail).
DEFAULT_CONTAINMENT_THRESHOLD = 0.85
#: Containment only counts when the smaller set has at least this share of the larger one's
#: shingles: below it, short quotes and stock phrases chain unrelated paragraphs into one cluster.
DEFAULT_MIN_SIZE_RATIO = 0.25
#: Containment of a short paragraph in one 4-20 times its size (size ratio in
#: [``fragment_min_ratio``, ``min_size_ratio``)) that links them as a fragment copy
#: (:mod:`newsclean.dedup.fragments`). On the labelled dev pairs, fragment copies had containment
#: >= 0.84 and unrelated pairs at these ratios <= 0.74 (stock phrases, names).
DEFAULT_FRAGMENT_CONTAINMENT = 0.8
#: Smallest size ratio for a fragment link: a 40-character fragment in a 700-character paragraph.
DEFAULT_FRAGMENT_MIN_RATIO = 0.05
#: Rows per band are the most for which a pair at a stage's lowest accepted Jaccard still shares
#: a band with at least this probability (bands = num_perm // rows).
LSH_FLOOR_RECALL = 0.8
#: Paragraphs shorter than this (normalized code points) are compared by exact hash only: short
#: lines ("Baca juga: ...", credits) differ in a word or two and are not worth a near match.
DEFAULT_MINHASH_MIN_CHARS = 40
#: Paragraphs shorter than this are not indexed at all (counted as ``too_short``).
DEFAULT_MIN_CHARS = 1
#: A document whose characters are covered this much by paragraphs shared with another
#: document is reported as a document-level duplicate.
DEFAULT_DOCUMENT_THRESHOLD = 0.8
#: LSH buckets with more members than this are sorted by size and each member is paired with its
#: next ``max_bucket`` neighbours only: common shingles make large buckets of unrelated paragraphs,
#: and a large cluster of near-copies stays connected through its neighbours. This bounds the
#: candidates per paragraph (bands x max_bucket per stage). On id_news_dev, 16 keeps 99.99% of
#: the co-clustered pairs of unbounded buckets with a third of their candidates
#: (benchmarks/dedup_scale.py).
DEFAULT_MAX_BUCKET = 16
#: Clusters spanning more documents than this are skipped for document pairs (boilerplate).
MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS = 256
#: Candidate pairs are verified in chunks of this many (bounded temporaries).
VERIFY_CHUNK = 1 << 16
#: Shingle-set files up to this size are read through a memory map (fastest; the pages read count
#: as resident memory, and random reads soon touch all of them); larger ones with ``pread`` into
#: small buffers, so the file never becomes resident (about 1 us more per verified pair).
MMAP_MAX_BYTES = 128 << 20


def band_recall(jaccard: float, bands: int, rows: int) -> float:
    """Probability that two sets with this Jaccard share at least one of ``bands`` bands.

    >>> round(band_recall(0.35, 42, 3), 3), round(band_recall(0.226, 64, 2), 3)
    (0.841, 0.965)
    """
    return 1.0 - (1.0 - jaccard**rows) ** bands


def rows_for(jaccard: float, num_perm: int, target: float = LSH_FLOOR_RECALL) -> tuple[int, int]:
    """``(bands, rows)``: the most rows (bands = ``num_perm // rows``) that still reach ``target``
    recall at ``jaccard`` (at least one row).

    >>> rows_for(0.35, 128), rows_for(0.226, 128), rows_for(0.6, 128)
    ((42, 3), (64, 2), (25, 5))
    """
    best = (num_perm, 1)
    for r in range(2, num_perm + 1):
        b = num_perm // r
        if b < 1 or band_recall(jaccard, b, r) < target:
            break
        best = (b, r)
    return best


@dataclass(frozen=True)
class LshStage:
    """One banding pass: ``bands`` x ``rows`` signature columns, pairs with a size ratio
    (smaller/larger shingle count) in ``[ratio_min, ratio_max)``."""

    bands: int
    rows: int
    ratio_min: float
    ratio_max: float


@dataclass(frozen=True)
class DedupConfig:
    """All tunables of paragraph deduplication; validated on construction (``ValueError``).

    >>> for stage in DedupConfig().lsh_stages():
    ...     print(stage)
    LshStage(bands=42, rows=3, ratio_min=0.36, ratio_max=inf)
    LshStage(bands=64, rows=2, ratio_min=0.25, ratio_max=0.4523)
    >>> DedupConfig(threshold=0.5, containment_threshold=None).lsh_params()
    (32, 4)
    >>> DedupConfig(keep="outlet")
    Traceback (most recent call last):
    ...
    ValueError: keep='outlet' needs a non-empty outlet_priority
    """

    threshold: float = DEFAULT_THRESHOLD
    containment_threshold: float | None = DEFAULT_CONTAINMENT_THRESHOLD
    min_size_ratio: float = DEFAULT_MIN_SIZE_RATIO
    fragment_containment: float | None = DEFAULT_FRAGMENT_CONTAINMENT
    fragment_min_ratio: float = DEFAULT_FRAGMENT_MIN_RATIO
    keep: KeepPolicy = "first"
    outlet_priority: tuple[str, ...] = ()
    shingle: ShingleOptions = field(default_factory=ShingleOptions)
    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    min_chars: int = DEFAULT_MIN_CHARS
    minhash_min_chars: int = DEFAULT_MINHASH_MIN_CHARS
    document_threshold: float = DEFAULT_DOCUMENT_THRESHOLD
    bands: int | None = None  # stage 1 (Jaccard) banding; default from rows_for(threshold)
    rows: int | None = None
    signature_bits: int = 16
    max_bucket: int = DEFAULT_MAX_BUCKET
    batch_size: int = DEFAULT_BATCH_SIZE
    keep_text: bool = False
    spill_dir: str | None = None  # directory of the temporary shingle-set file (default: system temp)
    record_edges: bool = False  # verify every candidate and keep verified pairs (evaluation)

    def __post_init__(self) -> None:
        def unit(name: str, v: Any, lo_open: bool = True) -> None:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (0 < v <= 1 if lo_open else 0 <= v <= 1)
            if not ok:
                raise ValueError(f"{name} must be a number in {'(0' if lo_open else '[0'}, 1], got {v!r}")

        unit("threshold", self.threshold)
        if self.containment_threshold is not None:
            unit("containment_threshold", self.containment_threshold)
        unit("min_size_ratio", self.min_size_ratio, lo_open=False)
        if self.fragment_containment is not None:
            unit("fragment_containment", self.fragment_containment)
        unit("fragment_min_ratio", self.fragment_min_ratio)
        unit("document_threshold", self.document_threshold)
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {self.keep!r}")
        if isinstance(self.outlet_priority, str) or not all(isinstance(o, str) for o in self.outlet_priority):
            raise ValueError("outlet_priority must be a sequence of outlet names")
        object.__setattr__(self, "outlet_priority", tuple(self.outlet_priority))
        if self.keep == "outlet" and not self.outlet_priority:
            raise ValueError("keep='outlet' needs a non-empty outlet_priority")
        if not isinstance(self.shingle, ShingleOptions):
            raise ValueError(f"shingle must be a ShingleOptions, got {type(self.shingle).__name__}")
        SignatureScheme(self.num_perm, self.seed)  # validates num_perm and seed
        for name in ("min_chars", "minhash_min_chars"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name} must be a non-negative int, got {v!r}")
        if self.signature_bits not in (16, 32):
            raise ValueError(f"signature_bits must be 16 or 32, got {self.signature_bits!r}")
        for name in ("max_bucket", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 2:
                raise ValueError(f"{name} must be an int >= 2, got {v!r}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if self.bands is not None and self.rows is not None and (
            self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm
        ):
            raise ValueError(
                f"bands * rows must be in [1, num_perm={self.num_perm}], got {self.bands} * {self.rows}"
            )

    @property
    def scheme(self) -> SignatureScheme:
        return SignatureScheme(self.num_perm, self.seed)

    def containment_ratio_limit(self) -> float:
        """Size ratio from which the containment rule implies Jaccard >= ``threshold``.

        A pair with containment ``c`` at size ratio ``r`` has Jaccard ``c*r / (1 + r - c*r)``,
        which reaches ``t`` at ``r = t / (c - t + t*c)``.
        """
        c, t = self.containment_threshold, self.threshold
        if c is None:
            return 0.0
        return min(1.0, t / (c - t + t * c))

    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)`` of stage 1: explicit, or :func:`rows_for` the Jaccard threshold."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return rows_for(self.threshold, self.num_perm)

    def lsh_stages(self) -> tuple[LshStage, ...]:
        """The banding passes (see the module docstring)."""
        b, r = self.lsh_params()
        stages = [LshStage(b, r, self.threshold, math.inf)]
        hi = self.containment_ratio_limit()
        c, lo = self.containment_threshold, self.min_size_ratio
        if c is not None and hi > lo:
            floor = c * lo / (1 + lo - c * lo) if lo > 0 else 0.0
            b2, r2 = rows_for(max(floor, 1.0 / self.num_perm), self.num_perm)
            stages.append(LshStage(b2, r2, lo, round(hi, 4)))
        return tuple(stages)


class _Chunks:
    """Append-only numpy storage in chunks, concatenated once at ``finish``."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []

    def append(self, arr: np.ndarray) -> None:
        if len(arr):
            self.parts.append(arr)

    def concat(self, dtype: Any, width: int | None = None) -> np.ndarray:
        """All parts as one array; the parts are released while copying, so the peak is the
        total plus one part, not twice the total."""
        n = sum(len(p) for p in self.parts)
        out = np.empty((n,) if width is None else (n, width), dtype=dtype)
        pos = 0
        while self.parts:
            part = self.parts.pop(0)
            out[pos : pos + len(part)] = part
            pos += len(part)
        return out


class _Spill:
    """Sorted distinct 32-bit shingle hashes of MinHash paragraphs, appended in paragraph order
    to an anonymous temporary file (deleted when closed, or by the OS when the process ends)."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.fh: IO[bytes] | None = None
        self.count = 0

    def append(self, arr: np.ndarray) -> None:
        if arr.size == 0:
            return
        if self.fh is None:
            self.fh = tempfile.TemporaryFile(prefix="newsclean-dedup-", suffix=".u32", dir=self.directory)
        self.fh.write(np.ascontiguousarray(arr, dtype=np.uint32).data)
        self.count += int(arr.size)

    @property
    def nbytes(self) -> int:
        return 4 * self.count

    def array(self) -> np.ndarray:
        """Everything written, as a read-only memory map (an empty array if nothing was)."""
        if self.fh is None or self.count == 0:
            return np.zeros(0, dtype=np.uint32)
        self.fh.flush()
        arr = np.memmap(self.fh, dtype=np.uint32, mode="r", shape=(self.count,))
        return arr

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class _SigSpill:
    """MinHash signatures (``num_perm`` columns), appended batch by batch to an anonymous
    temporary file, each batch stored column by column, so that one band's columns are read back
    with one ``pread`` per batch (:meth:`columns`) and only one band is ever in memory."""

    def __init__(self, directory: str | None, num_perm: int, dtype: Any) -> None:
        self.directory = directory
        self.num_perm = num_perm
        self.dtype = np.dtype(dtype)
        self.fh: IO[bytes] | None = None
        self.blocks: list[int] = []  # rows per batch
        self.count = 0

    def append(self, sig: np.ndarray) -> None:
        if len(sig) == 0:
            return
        if self.fh is None:
            self.fh = tempfile.TemporaryFile(prefix="newsclean-dedup-", suffix=".sig", dir=self.directory)
        self.fh.write(np.ascontiguousarray(sig.T, dtype=self.dtype).data)
        self.blocks.append(len(sig))
        self.count += len(sig)

    @property
    def nbytes(self) -> int:
        return self.count * self.num_perm * self.dtype.itemsize

    def columns(self, start: int, rows: int) -> np.ndarray:
        """Columns ``[start, start + rows)`` of all signatures, as a C-contiguous ``(n, rows)`` array."""
        out = np.empty((self.count, rows), dtype=self.dtype)
        if self.fh is None:
            return out
        self.fh.flush()
        fd = self.fh.fileno()
        isz = self.dtype.itemsize
        off = pos = 0
        for m in self.blocks:
            want = rows * m * isz
            buf = os.pread(fd, want, off + start * m * isz)
            if len(buf) != want:
                raise RuntimeError("signature file is shorter than expected (was it modified?)")
            out[pos : pos + m] = np.frombuffer(buf, dtype=self.dtype).reshape(rows, m).T
            off += self.num_perm * m * isz
            pos += m
        return out

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


@dataclass(frozen=True)
class SketchedParagraphs:
    """The paragraphs of a few documents, sketched away from the index (e.g. in a worker process)
    by :func:`sketch_documents` and added with :meth:`NearDuplicateIndex.add_sketched`: exactly
    what the index stores of them, so adding the batch equals adding the documents' paragraphs
    with :meth:`NearDuplicateIndex.add_document`.

    One row per stored paragraph (those at least ``min_chars`` long): ``doc`` numbers the documents
    of the batch from 0; ``sig`` is already reduced to ``signature_bits``; ``hashes`` are the
    shingle sets of the stored paragraphs long enough for MinHash, in order.
    """

    doc: np.ndarray  # int32
    line: np.ndarray  # int32
    length: np.ndarray  # uint32
    size: np.ndarray  # uint32
    exact: np.ndarray  # uint64
    sig: np.ndarray  # (n, num_perm) uint16 or uint32
    hashes: np.ndarray  # uint32
    too_short: int = 0
    python_fallback: int = 0
    texts: tuple[str, ...] | None = None  # only with keep_text


def sketch_documents(config: DedupConfig, doc: Sequence[int], line: Sequence[int], texts: Sequence[str]
                     ) -> SketchedParagraphs:
    """Sketch paragraphs ``texts`` (of batch document ``doc[i]``, input line ``line[i]``) as the
    index would store them (see :class:`SketchedParagraphs`); the same computation as
    :meth:`NearDuplicateIndex.add_document`, runnable in another process."""
    n = len(texts)
    docs = np.asarray(doc, dtype=np.int32).reshape(n)
    lines = np.asarray(line, dtype=np.int64).reshape(n)
    batch = sketch(list(texts), config.shingle, config.scheme)
    keep = batch.lengths >= max(config.min_chars, 1)
    spill = keep & (batch.lengths >= config.minhash_min_chars)
    sig = batch.signatures[keep]
    if config.signature_bits == 16:
        sig = (sig & np.uint32(0xFFFF)).astype(np.uint16)
    return SketchedParagraphs(
        doc=docs[keep],
        line=lines[keep].astype(np.int32),
        length=batch.lengths[keep],
        size=batch.sizes[keep],
        exact=batch.exact[keep],
        sig=np.ascontiguousarray(sig),
        hashes=batch.hashes[np.repeat(spill, np.diff(batch.hash_offsets))],
        too_short=int((~keep).sum()),
        python_fallback=batch.python_fallback,
        texts=tuple(t for t, k in zip(texts, keep.tolist(), strict=True) if k) if config.keep_text else None,
    )


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
        clusters, dropped, groups = self._build_clusters(roots, p_doc, p_line, p_len, p_exact, sets)
        stats["clusters"] = len(clusters)
        stats["clustered_paragraphs"] = sum(c.size for c in clusters)
        stats["cross_document_clusters"] = sum(1 for c in clusters if len(c.documents) > 1)
        stats["dropped"] = len(dropped)
        stats["disk_bytes"] = self._spill.nbytes
        del roots, sets, hashes, offsets, sizes
        documents = self._document_pairs(groups, p_doc, p_len)
        stats["document_duplicates"] = len(documents)
        return DedupResult(clusters=clusters, dropped=dropped, documents=documents, stats=stats, edges=edges)

    def _build_clusters(
        self,
        roots: np.ndarray,
        p_doc: np.ndarray,
        p_line: np.ndarray,
        p_len: np.ndarray,
        p_exact: np.ndarray,
        sets: _ExactSets,
    ) -> tuple[list[Cluster], dict[tuple[str, int], int], list[list[int]]]:
        """Clusters (with members' similarity to the kept one), the dropped members, and each
        cluster's member indices."""
        cfg = self.config
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
                dates=[self._doc_dates[d] for d in docs_of],
                outlet_rank=[rank.get(self._doc_outlets[d] or "", len(rank)) for d in docs_of],
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
                Member(self._docs[int(p_doc[i])], int(p_line[i]), float(sim), self._texts[i] if cfg.keep_text else None)
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

    def _document_pairs(self, groups: Sequence[list[int]], p_doc: np.ndarray, p_len: np.ndarray
                        ) -> list[DocumentDuplicate]:
        cfg = self.config
        total = np.bincount(p_doc, weights=p_len.astype(np.float64), minlength=len(self._docs))
        per_group: list[dict[int, float]] = []
        # Characters of each document in clusters that make pairs: a pair can only reach the
        # threshold through a document with enough of them ("eligible"); pairs of two ineligible
        # documents are never stored (boilerplate clusters would make millions of them).
        clustered = np.zeros(len(self._docs))
        for members in groups:
            chars: dict[int, float] = {}
            for i in members:
                d = int(p_doc[i])
                chars[d] = chars.get(d, 0.0) + float(p_len[i])
            if 2 <= len(chars) <= MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS:
                per_group.append(chars)
                for d, v in chars.items():
                    clustered[d] += v
        ok = (total > 0) & (clustered >= cfg.document_threshold * total * (1 - 1e-9))
        if self._ram_signatures:  # reference path: every pair
            ok[:] = True
        eligible = set(np.flatnonzero(ok).tolist())
        del clustered, ok
        shared: dict[tuple[int, int], list[float]] = {}
        counts: dict[tuple[int, int], int] = {}
        for chars in per_group:
            docs = list(chars)  # distinct documents in input order
            if eligible.isdisjoint(docs):
                continue
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    a, b = docs[x], docs[y]
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
            if score >= cfg.document_threshold:
                out.append(DocumentDuplicate((self._docs[a], self._docs[b]), score, cov, counts[(a, b)]))
        return out


# ---------------------------------------------------------------------------- exact sets


class _ExactSets:
    """Exact shingle-set comparisons on the spilled hashes (``hashes[offsets[i]:offsets[i+1]]``)."""

    def __init__(self, hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, cfg: DedupConfig,
                 fd: int | None = None) -> None:
        self.hashes = hashes
        self.offsets = offsets
        self.sizes = sizes
        self.cfg = cfg
        # With a file descriptor, sets are read with pread() into small buffers instead of through
        # the memory map: random reads through a map make the whole file resident memory.
        self.fd = fd if fd is not None and _PREAD is not None else None

    def _check(self, err: np.ndarray) -> None:
        if err[0]:
            raise RuntimeError("short read from the shingle-set file (was it modified?)")

    def intersections(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if self.fd is not None:
            err = np.zeros(1, np.int64)
            out = _intersections_fd(self.fd, self.offsets, left, right, err)
            self._check(err)
            return out
        return _intersections(self.hashes, self.offsets, left, right)

    def accept(self, left: np.ndarray, right: np.ndarray, rule: tuple[float, float, float] | None = None
               ) -> np.ndarray:
        """The verification rule on exact sets (see the module docstring); same result as
        :func:`accept` on :func:`exact_scores`, but each merge stops as soon as the pair can no
        longer reach the intersection it needs. ``rule``: ``(jaccard, containment, min ratio)``
        instead of the configured one (containment < 0: none)."""
        if left.size == 0:
            return np.zeros(0, dtype=bool)
        cfg = self.cfg
        if rule is None:
            c = -1.0 if cfg.containment_threshold is None else float(cfg.containment_threshold)
            rule = (float(cfg.threshold), c, float(cfg.min_size_ratio))
        if self.fd is not None:
            err = np.zeros(1, np.int64)
            out = _accept_pairs_fd(self.fd, self.offsets, self.sizes, left, right, *rule, err)
            self._check(err)
            return out
        return _accept_pairs(self.hashes, self.offsets, self.sizes, left, right, *rule)

    def similarity(self, kept: np.ndarray, members: np.ndarray, exact: np.ndarray) -> np.ndarray:
        """Similarity of each member to its kept member: 1.0 for exact copies, otherwise the larger
        of the exact Jaccard and (where the size ratio allows it: containment or fragment rule) the
        exact containment."""
        if members.size <= VERIFY_CHUNK:
            return self._similarity(kept, members, exact)
        out = np.empty(members.size)
        for lo in range(0, members.size, VERIFY_CHUNK):
            hi = lo + VERIFY_CHUNK
            out[lo:hi] = self._similarity(kept[lo:hi], members[lo:hi], exact)
        return out

    def _similarity(self, kept: np.ndarray, members: np.ndarray, exact: np.ndarray) -> np.ndarray:
        if members.size == 0:
            return np.zeros(0)
        has_set = (self.offsets[members + 1] > self.offsets[members]) & (self.offsets[kept + 1] > self.offsets[kept])
        j, c, ratio = exact_scores(self.intersections(kept, members), self.sizes[kept], self.sizes[members])
        sim = j.copy()
        cfg = self.cfg
        use_c = np.zeros(ratio.size, bool)
        if cfg.containment_threshold is not None:
            use_c |= ratio >= cfg.min_size_ratio
        if cfg.fragment_containment is not None:
            use_c |= (ratio >= cfg.fragment_min_ratio) & (ratio < cfg.min_size_ratio)
        sim[use_c] = np.maximum(j[use_c], c[use_c])
        sim[~has_set] = 0.0
        sim[exact[members] == exact[kept]] = 1.0
        return sim


@nb.njit(cache=True, inline="always")
def _merge_count(xs, a, a1, ys, b, b1, need):
    """Size of the intersection of the sorted runs ``xs[a:a1]`` and ``ys[b:b1]``, stopping early
    (with a smaller count) once ``need`` can no longer be reached; ``need < 0`` never stops early.
    Shared by the memory-mapped and the pread kernels."""
    inter = 0
    while a < a1 and b < b1:
        if inter + min(a1 - a, b1 - b) < need - 1e-9:
            break
        # Branch-free steps (the order of two random hashes is a coin flip the CPU cannot
        # predict), the early-exit test once per 8: 1.6x the branching merge on generated
        # candidate pairs. Stopping up to 7 steps later only changes a count that can no longer
        # reach ``need``, so every verdict is the same.
        for _ in range(8):
            if a >= a1 or b >= b1:
                break
            x = xs[a]
            y = ys[b]
            inter += x == y
            a += x <= y
            b += y <= x
    return inter


@nb.njit(cache=True, inline="always")
def _passes(inter, sa, sb, t, c, r):
    """Exact acceptance: Jaccard >= t, or containment of the smaller set >= c where allowed."""
    small = min(sa, sb)
    use_c = c >= 0.0 and small / max(sa, sb) >= r
    return inter / max(sa + sb - inter, 1) >= t or (use_c and inter / small >= c)


@nb.njit(parallel=True, cache=True)
def _intersections(hashes, offsets, left, right):
    out = np.empty(left.size, np.int64)
    for k in nb.prange(left.size):
        a, a1 = offsets[left[k]], offsets[left[k] + 1]
        b, b1 = offsets[right[k]], offsets[right[k] + 1]
        out[k] = _merge_count(hashes, a, a1, hashes, b, b1, -1.0)
    return out


@nb.njit(cache=True)
def _needed(sa, sb, t, c, r):
    """Smallest intersection that passes: Jaccard i/(sa+sb-i) >= t  <=>  i >= t(sa+sb)/(1+t);
    containment i/small >= c (only at size ratio >= r). Both as exact float comparisons by callers."""
    small = min(sa, sb)
    need = t * (sa + sb) / (1.0 + t)
    if c >= 0.0 and small / max(sa, sb) >= r:
        need = min(need, c * small)
    return need


@nb.njit(parallel=True, cache=True)
def _accept_pairs(hashes, offsets, sizes, left, right, t, c, r):
    out = np.zeros(left.size, np.bool_)
    for k in nb.prange(left.size):
        i = left[k]
        j = right[k]
        sa = sizes[i]
        sb = sizes[j]
        if min(sa, sb) == 0:
            continue
        need = _needed(sa, sb, t, c, r)
        inter = _merge_count(hashes, offsets[i], offsets[i + 1], hashes, offsets[j], offsets[j + 1], need)
        out[k] = _passes(inter, sa, sb, t, c, r)
    return out


def _libc_pread() -> Any:
    if not sys.platform.startswith(("linux", "darwin")):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).pread
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_ssize_t
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
    return fn


_PREAD = _libc_pread()

if _PREAD is not None:
    _pread = _PREAD

    # These call libc through ctypes, so numba cannot cache them on disk (compiled on first use).
    @nb.njit
    def _read_set(fd, offsets, i, err):
        """Set ``i`` read from the file into a new array (empty and ``err[0] = 1`` on a short read)."""
        m = offsets[i + 1] - offsets[i]
        buf = np.empty(m, np.uint32)
        done = 0
        want = m * 4
        base = offsets[i] * 4
        while done < want:
            got = _pread(fd, buf.ctypes.data + done, want - done, base + done)
            if got <= 0:
                err[0] = 1
                return np.empty(0, np.uint32)
            done += got
        return buf

    @nb.njit
    def _pair_sets(fd, offsets, i, j, prev_i, prev_x, prev_j, prev_y, err):
        """Sets ``i`` and ``j``, reusing the previous pair's sets (consecutive candidate pairs come
        from one bucket and share a member; similarity pairs share the kept member)."""
        if i == prev_i:
            xs = prev_x
        elif i == prev_j:
            xs = prev_y
        else:
            xs = _read_set(fd, offsets, i, err)
        if j == prev_i:
            ys = prev_x
        elif j == prev_j:
            ys = prev_y
        else:
            ys = _read_set(fd, offsets, j, err)
        return xs, ys

    @nb.njit(parallel=True)
    def _intersections_fd(fd, offsets, left, right, err):
        out = np.empty(left.size, np.int64)
        parts = 4 * nb.get_num_threads()
        per = (left.size + parts - 1) // parts
        for p in nb.prange(parts):
            prev_i, prev_j = -1, -1
            prev_x = np.empty(0, np.uint32)
            prev_y = np.empty(0, np.uint32)
            for k in range(p * per, min(left.size, (p + 1) * per)):
                x_set, y_set = _pair_sets(fd, offsets, left[k], right[k], prev_i, prev_x, prev_j, prev_y, err)
                prev_i, prev_x, prev_j, prev_y = left[k], x_set, right[k], y_set
                out[k] = _merge_count(x_set, 0, x_set.size, y_set, 0, y_set.size, -1.0)
        return out

    @nb.njit(parallel=True)
    def _accept_pairs_fd(fd, offsets, sizes, left, right, t, c, r, err):
        """:func:`_accept_pairs` on sets read with pread (same arithmetic, same result)."""
        out = np.zeros(left.size, np.bool_)
        parts = 4 * nb.get_num_threads()
        per = (left.size + parts - 1) // parts
        for p in nb.prange(parts):
            prev_i, prev_j = -1, -1
            prev_x = np.empty(0, np.uint32)
            prev_y = np.empty(0, np.uint32)
            for k in range(p * per, min(left.size, (p + 1) * per)):
                i = left[k]
                j = right[k]
                sa = sizes[i]
                sb = sizes[j]
                if min(sa, sb) == 0:
                    continue
                need = _needed(sa, sb, t, c, r)
                if min(offsets[i + 1] - offsets[i], offsets[j + 1] - offsets[j]) < need - 1e-9:
                    continue  # the merge below would stop at once with no intersection: rejected
                x_set, y_set = _pair_sets(fd, offsets, i, j, prev_i, prev_x, prev_j, prev_y, err)
                prev_i, prev_x, prev_j, prev_y = i, x_set, j, y_set
                inter = _merge_count(x_set, 0, x_set.size, y_set, 0, y_set.size, need)
                out[k] = _passes(inter, sa, sb, t, c, r)
        return out


def exact_scores(
    inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jaccard, containment of the smaller set and size ratio (smaller/larger) from exact counts.

    >>> [x.tolist() for x in exact_scores(np.array([2]), np.array([2]), np.array([4]))]
    [[0.5], [1.0], [0.5]]
    """
    a = size_a.astype(np.float64)
    b = size_b.astype(np.float64)
    i = inter.astype(np.float64)
    small = np.minimum(a, b)
    large = np.maximum(a, b)
    j = i / np.maximum(a + b - i, 1.0)
    c = i / np.maximum(small, 1.0)
    return j, c, small / np.maximum(large, 1.0)


def accept(j: np.ndarray, c: np.ndarray, ratio: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """The verification rule (see the module docstring)."""
    ok = j >= cfg.threshold
    if cfg.containment_threshold is not None:
        ok |= (c >= cfg.containment_threshold) & (ratio >= cfg.min_size_ratio)
    return ok


# ---------------------------------------------------------------------------- LSH banding


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


def with_defaults(config: DedupConfig | None = None, **changes: Any) -> DedupConfig:
    """A copy of ``config`` (or the defaults) with some fields changed (validated again)."""
    return replace(config or DedupConfig(), **changes)
