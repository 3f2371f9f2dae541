"""The round-6 benchmark of clustering variants (benchmarks/dedup_clustering_variants.py): the patch is
faithful (its ``today`` is the clustering before round 7, its ``default`` is ``src`` as it is), undone
afterwards, and every variant keeps the guarantee that each member is verified against its cluster's
kept paragraph (synthetic text only)."""

from __future__ import annotations

import numpy as np
import pytest
from test_dedup_fragments import _fragment_corpus

from benchmarks import dedup_clustering_variants as cv
from newsclean.dedup import DedupConfig, find_duplicates, word_tokens
from newsclean.dedup import index as ix
from newsclean.dedup.clusters import is_member
from newsclean.dedup.config import PREVIOUS_CLUSTERING
from newsclean.dedup.verify import cover


def _clusters(res) -> list[tuple[tuple[str, int], tuple[tuple[str, int], ...]]]:
    return sorted(((c.kept.doc, c.kept.line), tuple(sorted((m.doc, m.line) for m in c.members)))
                  for c in res.clusters)


def test_today_is_the_previous_clustering_and_the_patch_is_undone() -> None:
    docs = _fragment_corpus(60, seed=21)
    before = (ix.fragment_candidates, ix.merge_clusters, ix.refine_members)
    today = cv.Variant("today")
    assert cv.config_of(today) == DedupConfig(**PREVIOUS_CLUSTERING)
    plain = _clusters(find_duplicates(docs, DedupConfig(**PREVIOUS_CLUSTERING)))
    with cv.patched(today):
        assert ix.merge_clusters is not before[1]
        patched = _clusters(find_duplicates(docs, cv.config_of(today)))
    assert patched == plain
    assert (ix.fragment_candidates, ix.merge_clusters, ix.refine_members) == before


def test_default_is_src_unpatched_and_differs_from_today() -> None:
    docs = _fragment_corpus(120, seed=5)
    default = next(v for v in cv.VARIANTS if v.name == cv.DEFAULT)
    assert cv.config_of(default) == DedupConfig()
    with cv.running(default) as state:
        assert ix.merge_clusters is cv.cl.merge_clusters
        res = find_duplicates(docs, cv.config_of(default))
    assert not state
    assert _clusters(res) == _clusters(find_duplicates(docs))
    assert res.stats["recentered"] > 0  # this corpus has clusters to recenter: the two runs differ
    assert _clusters(res) != _clusters(find_duplicates(docs, DedupConfig(**PREVIOUS_CLUSTERING)))


@pytest.mark.parametrize("name", [cv.DEFAULT, "merge: several if whole", "merge: span 0.5", "refine: by verified pairs",
                                  "lone targets", "recenter: frag 16 tries + span",
                                  "recenter: before+after, frag 16 + span"])
def test_every_member_is_verified_against_its_kept_paragraph(name: str) -> None:
    variant = next(v for v in cv.VARIANTS if v.name == name)
    cfg = cv.config_of(variant)
    docs = _fragment_corpus(120, seed=5)
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    with cv.running(variant) as state:
        res = find_duplicates(docs, cfg)
    assert not state  # the run's fragment links and merge state were used up, not left for the next run
    checked = 0
    for c in res.clusters:
        kept = np.array(word_tokens(text[(c.kept.doc, c.kept.line)]), np.uint32)
        for m in c.members:
            tok = np.array(word_tokens(text[(m.doc, m.line)]), np.uint32)
            if (m.doc, m.line) == (c.kept.doc, c.kept.line) or np.array_equal(tok, kept):
                continue
            got = int(cover(tok, kept, cfg.min_run, -1, cfg.long_run, cfg.long_share, cfg.gap_words))
            assert is_member(got, tok.size, kept.size, cfg.threshold, cfg.fragment_min_ratio), (name, m, c.kept)
            checked += 1
    assert checked > 50


def test_span_of_a_part_inside_a_longer_paragraph() -> None:
    words = [f"w{k}" for k in range(60)]
    long = np.array(word_tokens(" ".join(words)), np.uint32)
    part = np.array(word_tokens(" ".join(words[20:32])), np.uint32)
    assert cv.tile_span(part, long, 3, 5, 0.35, 20) == (12, 20, 32)
    other = np.array(word_tokens("sama sekali lain kata di sini saja"), np.uint32)
    assert cv.tile_span(other, long, 3, 5, 0.35, 20) == (0, 0, 0)
