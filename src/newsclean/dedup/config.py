"""All tunables of paragraph deduplication: :class:`DedupConfig`, its defaults, and the LSH banding
parameters derived from them (:func:`rows_for`, :class:`LshStage`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from newsclean.dedup.clusters import KEEP_POLICIES, KeepPolicy
from newsclean.dedup.shingles import ShingleOptions
from newsclean.dedup.signatures import DEFAULT_BATCH_SIZE, DEFAULT_NUM_PERM, DEFAULT_SEED, SignatureScheme

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


def with_defaults(config: DedupConfig | None = None, **changes: Any) -> DedupConfig:
    """A copy of ``config`` (or the defaults) with some fields changed (validated again)."""
    return replace(config or DedupConfig(), **changes)
