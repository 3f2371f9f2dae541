"""The near-duplicate index: exact hashing, LSH banding, candidate verification, containment.

Pipeline of :meth:`NearDuplicateIndex.finish`:

1. every paragraph's normalized text gets an exact 64-bit hash; equal hashes form exact clusters
   (any length), and only the first copy of each goes on to MinHash;
2. paragraphs with at least ``minhash_min_chars`` normalized characters get a MinHash signature
   (computed in bulk per batch by :mod:`newsclean.dedup.signatures`), stored as compact numpy
   rows — the index never keeps paragraph text unless ``keep_text`` is set;
3. LSH banding with datasketch's optimal ``(bands, rows)`` for ``lsh_threshold`` groups
   signatures that agree on a whole band (sort + run detection per band, the candidate sets of
   ``datasketch.MinHashLSH``);
4. each candidate pair is verified on the full signature: kept if the estimated Jaccard is at
   least ``threshold``, or if the estimated containment of the shorter paragraph in the longer
   (from the Jaccard estimate and the exact shingle counts) is at least
   ``containment_threshold`` and their size ratio is at least ``min_size_ratio`` — so a
   truncated copy is found even when its Jaccard is low;
5. union-find joins verified pairs; a keep policy picks one member per cluster.

Memory: per MinHash paragraph the index holds the signature (``num_perm`` x 2 bytes with the
default 16-bit storage: 256 bytes) plus 24 bytes of bookkeeping (doc, line, length, shingle
count, exact hash); band keys (8 bytes) exist one band at a time during ``finish``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numba as nb
import numpy as np
from datasketch.lsh import _optimal_param

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
from newsclean.dedup.shingles import ShingleOptions, normalize_many
from newsclean.dedup.signatures import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    SignatureScheme,
    compute_signatures,
)

#: Estimated Jaccard (character 5-grams) from which two paragraphs are near-duplicates; chosen on
#: the labelled dev pairs (benchmarks/dedup_accuracy.py).
DEFAULT_THRESHOLD = 0.45
#: Estimated containment of the shorter paragraph in the longer one that also counts (truncated
#: copies, a paragraph republished with an added lead or tail).
DEFAULT_CONTAINMENT_THRESHOLD = 0.75
#: Containment is only trusted when the shorter paragraph has at least this share of the longer
#: one's shingles: below it the MinHash estimate is too noisy and LSH candidates too many.
DEFAULT_MIN_SIZE_RATIO = 0.2
#: The LSH threshold never goes below this: lower thresholds give 2-row bands whose candidate
#: pairs grow roughly 2.5x (measured on id_news_dev, 73k paragraphs) for a dev recall gain of 0.02.
LSH_THRESHOLD_FLOOR = 0.2
#: LSH looks this far below the Jaccard threshold: datasketch's optimal bands put the S-curve's
#: midpoint near the threshold, which would lose about half of the pairs just above it.
LSH_JACCARD_MARGIN = 0.15
#: Paragraphs shorter than this (normalized code points) are compared by exact hash only: a few
#: dozen shingles give a MinHash estimate too coarse to trust.
DEFAULT_MINHASH_MIN_CHARS = 40
#: Paragraphs shorter than this are not indexed at all (counted as ``too_short``).
DEFAULT_MIN_CHARS = 1
#: A document whose characters are covered this much by paragraphs shared with another
#: document is reported as a document-level duplicate.
DEFAULT_DOCUMENT_THRESHOLD = 0.8
#: LSH buckets larger than this are paired against their first members only (guards against
#: quadratic blow-up on degenerate buckets; exact copies never reach LSH).
DEFAULT_MAX_BUCKET = 2000
#: Clusters spanning more documents than this are skipped for document pairs (boilerplate).
MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS = 256

_EMPTY_SIG_16 = np.uint16(0xFFFF)


@dataclass(frozen=True)
class DedupConfig:
    """All tunables of paragraph deduplication; validated on construction (``ValueError``).

    >>> DedupConfig().lsh_params(), DedupConfig(threshold=0.5, containment_threshold=None).lsh_params()
    ((28, 2), (32, 4))
    >>> DedupConfig(keep="outlet")
    Traceback (most recent call last):
    ...
    ValueError: keep='outlet' needs a non-empty outlet_priority
    """

    threshold: float = DEFAULT_THRESHOLD
    containment_threshold: float | None = DEFAULT_CONTAINMENT_THRESHOLD
    min_size_ratio: float = DEFAULT_MIN_SIZE_RATIO
    keep: KeepPolicy = "first"
    outlet_priority: tuple[str, ...] = ()
    shingle: ShingleOptions = field(default_factory=ShingleOptions)
    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    min_chars: int = DEFAULT_MIN_CHARS
    minhash_min_chars: int = DEFAULT_MINHASH_MIN_CHARS
    document_threshold: float = DEFAULT_DOCUMENT_THRESHOLD
    lsh_threshold: float | None = None  # default: the lowest Jaccard the rules above accept
    bands: int | None = None
    rows: int | None = None
    signature_bits: int = 16
    max_bucket: int = DEFAULT_MAX_BUCKET
    batch_size: int = DEFAULT_BATCH_SIZE
    keep_text: bool = False
    record_edges: bool = False  # keep verified pairs in DedupResult.edges (evaluation, debugging)

    def __post_init__(self) -> None:
        def unit(name: str, v: Any, lo_open: bool = True) -> None:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (0 < v <= 1 if lo_open else 0 <= v <= 1)
            if not ok:
                raise ValueError(f"{name} must be a number in {'(0' if lo_open else '[0'}, 1], got {v!r}")

        unit("threshold", self.threshold)
        if self.containment_threshold is not None:
            unit("containment_threshold", self.containment_threshold)
        unit("min_size_ratio", self.min_size_ratio, lo_open=False)
        unit("document_threshold", self.document_threshold)
        if self.lsh_threshold is not None:
            unit("lsh_threshold", self.lsh_threshold)
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
        if self.bands is not None and self.rows is not None:
            if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
                raise ValueError(
                    f"bands * rows must be in [1, num_perm={self.num_perm}], got {self.bands} * {self.rows}"
                )

    @property
    def scheme(self) -> SignatureScheme:
        return SignatureScheme(self.num_perm, self.seed)

    def effective_lsh_threshold(self) -> float:
        """Lowest Jaccard that the verification rules can accept (floored at ``LSH_THRESHOLD_FLOOR``).

        A pair with containment ``c`` and size ratio ``r`` (shorter/longer) has Jaccard
        ``c*r / (1 + r - c*r)``; at the smallest accepted ratio this is the floor for containment.
        """
        if self.lsh_threshold is not None:
            return self.lsh_threshold
        t = self.threshold - LSH_JACCARD_MARGIN
        if self.containment_threshold is not None and self.min_size_ratio > 0:
            c, r = self.containment_threshold, self.min_size_ratio
            t = min(t, c * r / (1 + r - c * r))
        return max(t, LSH_THRESHOLD_FLOOR)

    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)``: explicit, or datasketch's optimum for the effective LSH threshold."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        b, r = _optimal_param(self.effective_lsh_threshold(), self.num_perm, 0.5, 0.5)
        return int(b), int(r)


class _Chunks:
    """Append-only numpy storage in chunks, concatenated once at ``finish``."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []

    def append(self, arr: np.ndarray) -> None:
        if len(arr):
            self.parts.append(arr)

    def concat(self, dtype: Any, width: int | None = None) -> np.ndarray:
        if self.parts:
            return np.concatenate(self.parts)
        return np.empty((0,) if width is None else (0, width), dtype=dtype)


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
        self._texts: list[str] = []
        self._too_short = 0
        self._finished = False

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
        docs = np.fromiter((p[0] for p in self._pending), dtype=np.int32, count=len(self._pending))
        lines = np.fromiter((p[1] for p in self._pending), dtype=np.int64, count=len(self._pending))
        norm = normalize_many([p[2] for p in self._pending], cfg.shingle)
        batch = compute_signatures(norm, cfg.shingle, self._scheme)
        keep = batch.lengths >= max(cfg.min_chars, 1)
        self._too_short += int((~keep).sum())
        sig = batch.signatures[keep]
        if cfg.signature_bits == 16:
            # Low 16 bits of each minimum ("b-bit minwise hashing"): a chance agreement costs
            # 2**-16 per permutation, corrected for in the estimate.
            sig = (sig & np.uint32(0xFFFF)).astype(np.uint16)
        self._p_doc.append(docs[keep])
        self._p_line.append(lines[keep].astype(np.int32))
        self._p_len.append(batch.lengths[keep])
        self._p_size.append(batch.sizes[keep])
        self._p_exact.append(batch.exact[keep])
        self._p_sig.append(np.ascontiguousarray(sig))
        if cfg.keep_text:
            self._texts.extend(p[2] for p, k in zip(self._pending, keep.tolist(), strict=True) if k)
        self._pending = []

    def memory_bytes(self) -> dict[str, int]:
        """Bytes held per stored array (signatures and bookkeeping), for memory accounting."""
        parts = {"signatures": self._p_sig, "doc": self._p_doc, "line": self._p_line,
                 "length": self._p_len, "shingles": self._p_size, "exact_hash": self._p_exact}
        out = {k: sum(a.nbytes for a in v.parts) for k, v in parts.items()}
        out["paragraphs"] = sum(len(a) for a in self._p_doc.parts)
        return out

    # ------------------------------------------------------------------ results
    def finish(self) -> DedupResult:
        """Find clusters among everything added; the index cannot be added to afterwards."""
        if self._finished:
            raise ValueError("finish() was already called")
        self._flush()
        self._finished = True
        cfg = self.config
        sig_dtype = np.uint16 if cfg.signature_bits == 16 else np.uint32
        p_doc = self._p_doc.concat(np.int32)
        p_line = self._p_line.concat(np.int32)
        p_len = self._p_len.concat(np.uint32)
        p_size = self._p_size.concat(np.uint32)
        p_exact = self._p_exact.concat(np.uint64)
        sig = self._p_sig.concat(sig_dtype, cfg.num_perm)
        n = p_doc.size
        stats: dict[str, int] = {
            "documents": len(self._docs),
            "paragraphs": n + self._too_short,
            "too_short": self._too_short,
        }
        uf = UnionFind(n)

        # 1. exact copies (after normalization): group equal (hash, length).
        order = np.lexsort((np.arange(n), p_len, p_exact))
        same = (p_exact[order][1:] == p_exact[order][:-1]) & (p_len[order][1:] == p_len[order][:-1])
        first_of_run = np.concatenate(([True], ~same)) if n else np.zeros(0, bool)
        run_id = np.cumsum(first_of_run) - 1
        run_first = order[first_of_run]
        uf.union_pairs(run_first[run_id[1:][same]] if n else np.zeros(0, np.int64), order[1:][same])
        is_rep = np.zeros(n, dtype=bool)
        is_rep[run_first] = True
        stats["exact_duplicates"] = int(n - is_rep.sum())

        # 2.-4. MinHash: first copies long enough to have a trustworthy signature.
        minhash = p_len >= cfg.minhash_min_chars
        stats["exact_only"] = int((~minhash).sum())
        stats["minhash"] = int(minhash.sum())
        reps = np.flatnonzero(is_rep & minhash).astype(np.int64)
        bands, rows = cfg.lsh_params()
        stats["lsh_bands"] = bands
        stats["lsh_rows"] = rows
        left, right = candidate_pairs(sig, reps, bands, rows, cfg.max_bucket)
        stats["candidates"] = int(left.size)
        ok = verify_pairs(sig, p_size, left, right, cfg)
        stats["verified"] = int(ok.sum())
        uf.union_pairs(left[ok], right[ok])
        edges = []
        if cfg.record_edges:
            key = [(self._docs[int(d)], int(ln)) for d, ln in zip(p_doc, p_line, strict=True)]
            edges = [(key[i], key[j]) for i, j in zip(left[ok].tolist(), right[ok].tolist(), strict=True)]

        # 5. clusters.
        roots = uf.roots()
        clusters, dropped = self._build_clusters(roots, p_doc, p_line, p_len, p_size, p_exact, sig)
        stats["clusters"] = len(clusters)
        stats["clustered_paragraphs"] = sum(c.size for c in clusters)
        stats["cross_document_clusters"] = sum(1 for c in clusters if len(c.documents) > 1)
        stats["dropped"] = len(dropped)
        documents = self._document_pairs(clusters, p_doc, p_line, p_len)
        stats["document_duplicates"] = len(documents)
        return DedupResult(clusters=clusters, dropped=dropped, documents=documents, stats=stats, edges=edges)

    def _build_clusters(
        self,
        roots: np.ndarray,
        p_doc: np.ndarray,
        p_line: np.ndarray,
        p_len: np.ndarray,
        p_size: np.ndarray,
        p_exact: np.ndarray,
        sig: np.ndarray,
    ) -> tuple[list[Cluster], dict[tuple[str, int], int]]:
        cfg = self.config
        n = roots.size
        if n == 0:
            return [], {}
        order = np.argsort(roots, kind="stable")  # members grouped by root, in input order
        r_sorted = roots[order]
        starts = np.flatnonzero(np.concatenate(([True], r_sorted[1:] != r_sorted[:-1])))
        ends = np.concatenate((starts[1:], [n]))
        rank = {o: k for k, o in enumerate(cfg.outlet_priority)}
        clusters: list[Cluster] = []
        dropped: dict[tuple[str, int], int] = {}
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            if e - s < 2:
                continue
            members = order[s:e].tolist()  # roots are the smallest index, so groups come in input order
            docs_of = [int(p_doc[i]) for i in members]
            kept = choose_kept(
                members,
                cfg.keep,
                lengths=p_len,
                dates=[self._doc_dates[d] for d in docs_of],
                outlet_rank=[rank.get(self._doc_outlets[d] or "", len(rank)) for d in docs_of],
            )
            cid = len(clusters)
            sims = similarity_to(sig, p_size, p_exact, kept, np.asarray(members, dtype=np.int64), cfg)
            mem = tuple(
                Member(self._docs[d], int(p_line[i]), float(sim), self._texts[i] if cfg.keep_text else None)
                for i, d, sim in zip(members, docs_of, sims.tolist(), strict=True)
            )
            kept_member = mem[members.index(kept)]
            exact = bool((p_exact[members] == p_exact[kept]).all())
            clusters.append(Cluster(cid, kept_member, mem, exact))
            for m, i in zip(mem, members, strict=True):
                if i != kept:
                    dropped[(m.doc, m.line)] = cid
        return clusters, dropped

    def _document_pairs(
        self, clusters: Sequence[Cluster], p_doc: np.ndarray, p_line: np.ndarray, p_len: np.ndarray
    ) -> list[DocumentDuplicate]:
        cfg = self.config
        total = np.bincount(p_doc, weights=p_len.astype(np.float64), minlength=len(self._docs))
        length_of = {(int(d), int(ln)): float(x) for d, ln, x in zip(p_doc, p_line, p_len, strict=True)}
        shared: dict[tuple[int, int], list[float]] = {}
        counts: dict[tuple[int, int], int] = {}
        for c in clusters:
            docs = [self._doc_index[d] for d in c.documents]
            if len(docs) < 2 or len(docs) > MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS:
                continue
            chars: dict[int, float] = {}
            for m in c.members:
                d = self._doc_index[m.doc]
                chars[d] = chars.get(d, 0.0) + length_of[(d, m.line)]
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    a, b = docs[x], docs[y]
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


# ---------------------------------------------------------------------------- compiled helpers


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def _pairs_from_runs(sorted_keys, order, reps, max_bucket, count_only, out_left, out_right):
    n = sorted_keys.size
    total = 0
    s = 0
    while s < n:
        e = s + 1
        while e < n and sorted_keys[e] == sorted_keys[s]:
            e += 1
        m = e - s
        if m > 1:
            for x in range(s, e):
                # Large buckets: pair everyone with the first max_bucket members only.
                lim = min(x, s + max_bucket)
                for y in range(s, lim):
                    if not count_only:
                        i = reps[order[y]]
                        j = reps[order[x]]
                        if i < j:
                            out_left[total] = i
                            out_right[total] = j
                        else:
                            out_left[total] = j
                            out_right[total] = i
                    total += 1
        s = e
    return total


def candidate_pairs(
    sig: np.ndarray, reps: np.ndarray, bands: int, rows: int, max_bucket: int = DEFAULT_MAX_BUCKET
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of ``reps`` that agree on all ``rows`` values of some band.

    Returned sorted and without repeats. Band ``b`` covers signature columns
    ``[b*rows, (b+1)*rows)``, like ``datasketch.MinHashLSH``.
    """
    if reps.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    reps = np.ascontiguousarray(reps, dtype=np.int64)
    found: list[np.ndarray] = []
    dummy = np.zeros(0, np.int64)
    for b in range(bands):
        keys = _band_keys(sig, reps, b * rows, rows)
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        cnt = _pairs_from_runs(sk, order, reps, max_bucket, True, dummy, dummy)
        if cnt == 0:
            continue
        left = np.empty(cnt, np.int64)
        right = np.empty(cnt, np.int64)
        _pairs_from_runs(sk, order, reps, max_bucket, False, left, right)
        found.append(np.unique(left * (1 << 32) + right))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = np.unique(np.concatenate(found))
    return codes >> 32, codes & 0xFFFFFFFF


@nb.njit(parallel=True, cache=True)
def _match_counts(sig, left, right):
    out = np.empty(left.size, np.int64)
    P = sig.shape[1]
    for k in nb.prange(left.size):
        i = left[k]
        j = right[k]
        m = 0
        for p in range(P):
            if sig[i, p] == sig[j, p]:
                m += 1
        out[k] = m
    return out


def estimate_jaccard(matches: np.ndarray, num_perm: int, signature_bits: int) -> np.ndarray:
    """Jaccard estimate from the number of agreeing signature values.

    With ``b``-bit storage two different minima agree by chance with probability ``2**-b``;
    the estimate removes that bias (Li & König, b-bit minwise hashing).
    """
    frac = matches.astype(np.float64) / num_perm
    chance = 2.0 ** -signature_bits
    return np.clip((frac - chance) / (1.0 - chance), 0.0, 1.0)


def estimate_containment(j: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Containment of the smaller set in the larger from Jaccard and exact set sizes.

    ``|A & B| = J (|A| + |B|) / (1 + J)``, divided by ``min(|A|, |B|)``.
    """
    a = size_a.astype(np.float64)
    b = size_b.astype(np.float64)
    inter = j * (a + b) / (1.0 + j)
    small = np.maximum(np.minimum(a, b), 1.0)
    return np.clip(inter / small, 0.0, 1.0)


def pair_scores(
    sig: np.ndarray, sizes: np.ndarray, left: np.ndarray, right: np.ndarray, cfg: DedupConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated Jaccard, containment and size ratio (smaller/larger) of each pair."""
    m = _match_counts(sig, np.ascontiguousarray(left, np.int64), np.ascontiguousarray(right, np.int64))
    j = estimate_jaccard(m, cfg.num_perm, cfg.signature_bits)
    sa, sb = sizes[left], sizes[right]
    c = estimate_containment(j, sa, sb)
    ratio = np.minimum(sa, sb).astype(np.float64) / np.maximum(np.maximum(sa, sb), 1).astype(np.float64)
    return j, c, ratio


def accept(j: np.ndarray, c: np.ndarray, ratio: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """The verification rule on estimated scores (see module docstring)."""
    ok = j >= cfg.threshold
    if cfg.containment_threshold is not None:
        ok |= (c >= cfg.containment_threshold) & (ratio >= cfg.min_size_ratio)
    return ok


def verify_pairs(
    sig: np.ndarray, sizes: np.ndarray, left: np.ndarray, right: np.ndarray, cfg: DedupConfig
) -> np.ndarray:
    """Boolean mask of the candidate pairs that pass the verification rule."""
    if left.size == 0:
        return np.zeros(0, dtype=bool)
    j, c, ratio = pair_scores(sig, sizes, left, right, cfg)
    return accept(j, c, ratio, cfg)


def similarity_to(
    sig: np.ndarray,
    sizes: np.ndarray,
    exact: np.ndarray,
    kept: int,
    members: np.ndarray,
    cfg: DedupConfig,
) -> np.ndarray:
    """Similarity of each member to the kept one: 1.0 for exact copies, otherwise the larger of
    the estimated Jaccard and (where the size ratio allows it) the estimated containment."""
    left = np.full(members.size, kept, dtype=np.int64)
    j, c, ratio = pair_scores(sig, sizes, left, members, cfg)
    sim = j.copy()
    if cfg.containment_threshold is not None:
        use_c = ratio >= cfg.min_size_ratio
        sim[use_c] = np.maximum(j[use_c], c[use_c])
    sim[exact[members] == exact[kept]] = 1.0
    return sim


def with_defaults(config: DedupConfig | None = None, **changes: Any) -> DedupConfig:
    """A copy of ``config`` (or the defaults) with some fields changed (validated again)."""
    return replace(config or DedupConfig(), **changes)
