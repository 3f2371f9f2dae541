"""hypothesis properties: clusters follow keep order only, symmetry, estimate error, robustness."""

from __future__ import annotations

import math
import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean.dedup import DedupConfig, find_duplicates
from newsclean.dedup.shingles import jaccard, normalize_many, shingles_of_normalized
from newsclean.dedup.signatures import compute_signatures, word_tokens
from newsclean.dedup.verify import cover

VOCAB = "rusia ukraina moskow krimea pasukan sanksi menteri katanya perang damai nato tahun".split()

paragraph = st.lists(st.sampled_from(VOCAB), min_size=6, max_size=30).map(" ".join)


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Documents whose paragraphs are random, or edited copies of earlier ones."""
    paras: list[str] = []
    for _ in range(draw(st.integers(2, 14))):
        if paras and draw(st.booleans()):
            words = draw(st.sampled_from(paras)).split()
            cut = draw(st.integers(max(1, len(words) // 2), len(words)))
            words = words[:cut]
            if draw(st.booleans()):
                words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(VOCAB))
            paras.append(" ".join(words))
        else:
            paras.append(draw(paragraph))
    ndocs = draw(st.integers(1, 4))
    docs: dict[int, list[str]] = {}
    for p in paras:
        docs.setdefault(draw(st.integers(0, ndocs - 1)), []).append(p)
    return [(f"d{k}", "\n".join(v)) for k, v in sorted(docs.items())]


def cluster_sets(docs: list[tuple[str, str]], cfg: DedupConfig | None = None) -> set[frozenset]:
    res = find_duplicates(docs, cfg)
    return {frozenset((m.doc, m.line) for m in c.members) for c in res.clusters}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.randoms(use_true_random=False))
def test_clusters_depend_on_keep_order_not_input_order(docs: list[tuple[str, str]], rnd: random.Random) -> None:
    # Shuffled, but ranked by outlet in the original order: the keep order is the same, and so
    # are the clusters and the kept paragraphs.
    ranked = [{"id": k, "text": t, "outlet": f"o{i}"} for i, (k, t) in enumerate(docs)]
    shuffled = list(ranked)
    rnd.shuffle(shuffled)
    cfg = DedupConfig(keep="outlet", outlet_priority=tuple(d["outlet"] for d in ranked))

    def kept_sets(res) -> set[tuple]:
        return {((c.kept.doc, c.kept.line), frozenset((m.doc, m.line) for m in c.members)) for c in res.clusters}

    assert kept_sets(find_duplicates(shuffled, cfg)) == kept_sets(find_duplicates(docs))


@settings(max_examples=40, deadline=None)
@given(paragraph, paragraph)
def test_relation_is_symmetric(a: str, b: str) -> None:
    x, y = np.array(word_tokens(a), np.uint32), np.array(word_tokens(b), np.uint32)
    assert cover(x, y, 3, -1) == cover(y, x, 3, -1) <= min(x.size, y.size)
    assert cluster_sets([("x", a), ("y", b)]) == cluster_sets([("y", b), ("x", a)])


@settings(max_examples=60, deadline=None)
@given(paragraph, paragraph)
def test_minhash_estimate_within_expected_error(a: str, b: str) -> None:
    norm = normalize_many([a, b])
    exact = jaccard(shingles_of_normalized(norm[0]), shingles_of_normalized(norm[1]))
    sig = compute_signatures(norm).signatures
    est = float((sig[0] == sig[1]).mean())
    # Binomial standard error of a 128-permutation estimate; 5 sigma plus slack for the
    # (not min-wise independent) affine permutations.
    sigma = math.sqrt(max(exact * (1 - exact), 0.01) / 128)
    assert abs(est - exact) <= 5 * sigma + 0.02


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=6))
def test_nothing_raises_on_arbitrary_text(texts: list[str]) -> None:
    docs = [(str(i), t) for i, t in enumerate(texts)]
    res = find_duplicates(docs)
    for c in res.clusters:
        row = c.to_json_row()
        assert row["size"] == len(row["members"]) >= 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=80), st.integers(1, 3), st.integers(1, 4))
def test_sorted_band_groups_equal_keys_in_position_order(values: list[int], rows: int, bits: int) -> None:
    from newsclean.dedup.candidates import _sorted_band

    n = len(values)
    sig = np.array([[v] * rows for v in values], np.uint16)
    bits = max(bits, max(n - 1, 1).bit_length())
    words = _sorted_band(sig, 0, rows, bits).tolist()
    low = (1 << bits) - 1
    pos = [w & low for w in words]
    assert sorted(pos) == list(range(n))
    runs: dict[int, list[int]] = {}
    for w in words:
        runs.setdefault(w >> bits, []).append(w & low)
    # Runs of equal keys are the paragraphs of equal values, each in position order.
    by_value: dict[int, list[int]] = {}
    for i, v in enumerate(values):
        by_value.setdefault(v, []).append(i)
    assert sorted(runs.values()) == sorted(by_value.values())
