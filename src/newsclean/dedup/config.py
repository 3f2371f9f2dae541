"""All tunables of paragraph deduplication: :class:`DedupConfig`, its defaults, and the LSH banding
parameters derived from them (:func:`rows_for`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from newsclean.dedup.clusters import KEEP_POLICIES, KeepPolicy
from newsclean.dedup.shingles import ShingleOptions
from newsclean.dedup.signatures import DEFAULT_BATCH_SIZE, DEFAULT_NUM_PERM, DEFAULT_SEED, SignatureScheme

#: Share of a paragraph's words that must be covered by runs it shares with the kept paragraph
#: (:mod:`newsclean.dedup.verify`) for it to be a copy of it; chosen on the dev splits of the
#: labelled pairs (``python -m benchmarks.dedup_accuracy --grid``).
DEFAULT_THRESHOLD = 0.55
#: Shortest shared run of words that counts towards the coverage: two words ("di Jakarta") are
#: shared by chance, three rarely are outside names and stock phrases.
DEFAULT_MIN_RUN = 3
#: A copy keeps long runs between its edits: tiles of at least ``long_run`` words must cover at
#: least ``long_share`` of the shorter paragraph's words, else the pair shares short runs only (names,
#: dates, stock phrases, a template's words between its figures) and is not a copy. Chosen with
#: ``threshold`` on the dev pairs.
DEFAULT_LONG_RUN = 5
DEFAULT_LONG_SHARE = 0.35
#: A spun copy swaps single words between its runs ("tetapi" for "namun"): between two consecutive
#: tiles, in order in both paragraphs, with at most this many words between them in each, the words
#: both gaps have in the same order count as covered too (0: tiles only). Chosen on the dev pairs.
DEFAULT_GAP_WORDS = 20
#: Smallest word ratio (shorter / longer) at which two paragraphs are compared at all: a
#: 12-word wrapped line inside a 600-word article printed on one line (hoax_dev has such pages).
DEFAULT_FRAGMENT_MIN_RATIO = 0.02
#: Candidates come from LSH bands with the most rows for which a pair at this character-5-gram
#: Jaccard still shares a band with probability >= ``LSH_FLOOR_RECALL``; pairs below it (a part
#: copied into a longer paragraph) come from the fragment search (:mod:`newsclean.dedup.fragments`).
#: On the dev topics of hoax_dev, 95% of the pairs verified as copies at word ratios >= 0.5 have a
#: Jaccard >= 0.35.
DEFAULT_LSH_JACCARD = 0.35
#: Rows per band are the most for which a pair at ``lsh_jaccard`` still shares a band with at
#: least this probability (bands = num_perm // rows).
LSH_FLOOR_RECALL = 0.8
#: In each LSH bucket, the members' candidates are the bucket's first ``bucket_leaders`` members
#: in keep order (not every other member): a paragraph republished k times has k copies in its
#: buckets, and pairing them all costs k**2 per band; its first copy is the one they are verified
#: against anyway (:mod:`newsclean.dedup.candidates`).
DEFAULT_BUCKET_LEADERS = 2
#: Distinct candidates remembered per paragraph over all bands (the first found).
DEFAULT_CANDIDATE_SLOTS = 8
#: Paragraphs shorter than this (normalized code points) are compared by exact hash only: short
#: lines ("Baca juga: ...", credits) differ in a word or two and are not worth a near match.
DEFAULT_MINHASH_MIN_CHARS = 40
#: Paragraphs shorter than this are not indexed at all (counted as ``too_short``).
DEFAULT_MIN_CHARS = 1
#: A kept paragraph may take in a second cluster of several (a merge) only when every member of it
#: verifies against the kept paragraph and the part of the kept paragraph that the new cluster's kept
#: paragraph covers (the span of its tiles) overlaps each part already taken in by at least this share
#: of the shorter part: overlapping windows of one text, not two pieces of a compilation quoting two
#: syndicated stories (``None``: never a second cluster of several, the rule before round 7). 0.5 from
#: round 6 of ``eval/dedup_pairs/README.md`` (dev only: 0.2 gave the same figures).
DEFAULT_MERGE_SPAN: float | None = 0.5
#: Recentering (:func:`newsclean.dedup.clusters.recenter_clusters`): attempts per cluster at making one
#: of its paragraphs the kept paragraph of it and a linked cluster together, each costing one
#: verification per member of the two. Bounds the work per cluster; 16 (round 6: 4 and 8 found fewer dev
#: copies, 1000 no more). 0 turns recentering off.
DEFAULT_RECENTER_TRIES = 16
#: A document whose characters are covered this much by paragraphs shared with another
#: document is reported as a document-level duplicate.
DEFAULT_DOCUMENT_THRESHOLD = 0.8


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
class DedupConfig:
    """All tunables of paragraph deduplication; validated on construction (``ValueError``).

    >>> DedupConfig().lsh_params(), DedupConfig(lsh_jaccard=0.5).lsh_params()
    ((42, 3), (32, 4))
    >>> DedupConfig(keep="outlet")
    Traceback (most recent call last):
    ...
    ValueError: keep='outlet' needs a non-empty outlet_priority
    """

    threshold: float = DEFAULT_THRESHOLD
    min_run: int = DEFAULT_MIN_RUN
    long_run: int = DEFAULT_LONG_RUN
    long_share: float = DEFAULT_LONG_SHARE
    gap_words: int = DEFAULT_GAP_WORDS
    fragments: bool = True  # search fragments (parts copied into longer paragraphs) by anchors
    fragment_min_ratio: float = DEFAULT_FRAGMENT_MIN_RATIO
    keep: KeepPolicy = "first"
    outlet_priority: tuple[str, ...] = ()
    shingle: ShingleOptions = field(default_factory=ShingleOptions)
    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    min_chars: int = DEFAULT_MIN_CHARS
    minhash_min_chars: int = DEFAULT_MINHASH_MIN_CHARS
    document_threshold: float = DEFAULT_DOCUMENT_THRESHOLD
    merge_span: float | None = DEFAULT_MERGE_SPAN
    recenter_tries: int = DEFAULT_RECENTER_TRIES
    lsh_jaccard: float = DEFAULT_LSH_JACCARD
    bands: int | None = None  # LSH banding; default from rows_for(lsh_jaccard)
    rows: int | None = None
    bucket_leaders: int = DEFAULT_BUCKET_LEADERS
    candidate_slots: int = DEFAULT_CANDIDATE_SLOTS
    signature_bits: int = 16
    batch_size: int = DEFAULT_BATCH_SIZE
    keep_text: bool = False
    spill_dir: str | None = None  # directory of the temporary files (default: system temp)

    def __post_init__(self) -> None:
        def unit(name: str, v: Any) -> None:
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1):
                raise ValueError(f"{name} must be a number in (0, 1], got {v!r}")

        for name in ("threshold", "fragment_min_ratio", "document_threshold", "lsh_jaccard"):
            unit(name, getattr(self, name))
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
        if not (isinstance(self.long_share, (int, float)) and not isinstance(self.long_share, bool)
                and 0 <= self.long_share <= 1):
            raise ValueError(f"long_share must be a number in [0, 1], got {self.long_share!r}")
        for name, lo in (("min_run", 1), ("long_run", 1), ("gap_words", 0), ("bucket_leaders", 1),
                         ("candidate_slots", 1), ("batch_size", 2)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
        if self.merge_span is not None and not (isinstance(self.merge_span, (int, float))
                                                and not isinstance(self.merge_span, bool)
                                                and 0 <= self.merge_span <= 1):
            raise ValueError(f"merge_span must be None or a number in [0, 1], got {self.merge_span!r}")
        if not isinstance(self.recenter_tries, int) or isinstance(self.recenter_tries, bool) or self.recenter_tries < 0:
            raise ValueError(f"recenter_tries must be an int >= 0, got {self.recenter_tries!r}")
        if not isinstance(self.fragments, bool):
            raise ValueError(f"fragments must be a bool, got {self.fragments!r}")
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

    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)``: explicit, or :func:`rows_for` the banding floor ``lsh_jaccard``."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return rows_for(self.lsh_jaccard, self.num_perm)


#: The clustering before round 7 (one cluster of several per kept paragraph, no recentering): what
#: ``benchmarks.dedup_clustering_variants`` compares with.
PREVIOUS_CLUSTERING: dict[str, Any] = {"merge_span": None, "recenter_tries": 0}


def with_defaults(config: DedupConfig | None = None, **changes: Any) -> DedupConfig:
    """A copy of ``config`` (or the defaults) with some fields changed (validated again)."""
    return replace(config or DedupConfig(), **changes)
