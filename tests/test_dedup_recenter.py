"""Round 7 (issue 12): the default clustering (merges with the span rule, then recentering) keeps the
guarantee of a cluster -- every member is a verified copy of the kept paragraph, or a verified part of it
marked as a fragment -- on generated syndicated news, with fragments and compilations mixed in; and
recentering never separates two paragraphs that were together before it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dedup_fragments import _fragment_corpus

from benchmarks.generate import GeneratorOptions, generate
from newsclean.dedup import DedupConfig, find_duplicates, word_tokens
from newsclean.dedup.clusters import is_member
from newsclean.dedup.config import PREVIOUS_CLUSTERING
from newsclean.dedup.results import FRAGMENT_RATIO
from newsclean.dedup.verify import cover


def _syndicated(n_paragraphs: int, seed: int, republish: int, fragments: int) -> list[tuple[str, str]]:
    """Generated news where every article is published ``republish`` times with edits, and
    ``fragments`` documents of parts, edited copies and compilations of earlier paragraphs."""
    docs = [(d["id"], d["text"]) for d in generate(n_paragraphs, seed=seed,
                                                   options=GeneratorOptions(republish=republish))]
    return docs + [(f"frag-{k}", t) for k, t in _fragment_corpus(fragments, seed=seed)] if fragments else docs


def _tokens(text: str) -> np.ndarray:
    return np.array(word_tokens(text), np.uint32)


def check_guarantee(docs: Iterable[tuple[str, str]], cfg: DedupConfig) -> dict[str, int]:
    """Every member of every cluster checked against its kept paragraph with the verification rule
    (:func:`newsclean.dedup.verify.cover`, :func:`newsclean.dedup.clusters.is_member`), and its
    fragment flag against the word counts. Returns the run's stats and the members checked."""
    docs = list(docs)
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    res = find_duplicates(docs, cfg)
    checked = 0
    for c in res.clusters:
        kept = _tokens(text[(c.kept.doc, c.kept.line)])
        for m in c.members:
            if (m.doc, m.line) == (c.kept.doc, c.kept.line):
                continue
            tok = _tokens(text[(m.doc, m.line)])
            assert m.fragment == (tok.size < FRAGMENT_RATIO * kept.size), (m, c.kept)
            if np.array_equal(tok, kept):
                continue
            got = int(cover(tok, kept, cfg.min_run, -1, cfg.long_run, cfg.long_share, cfg.gap_words))
            assert is_member(got, tok.size, kept.size, cfg.threshold, cfg.fragment_min_ratio), (m, c.kept, got)
            checked += 1
    return {**res.stats, "checked": checked}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(150, 600), republish=st.integers(2, 8),
       fragments=st.sampled_from([0, 40, 100]))
def test_every_member_is_verified_against_its_kept_paragraph(seed: int, n: int, republish: int,
                                                               fragments: int) -> None:
    stats = check_guarantee(_syndicated(n, seed, republish, fragments), DedupConfig())
    assert stats["checked"] > 0


def test_the_guarantee_is_checked_where_recentering_acted() -> None:
    stats = check_guarantee(_syndicated(400, 3, 5, 120), DedupConfig())
    assert stats["recentered"] > 0 and stats["checked"] > 100


def _pairs(res: Any) -> set[tuple[tuple[str, int], tuple[str, int]]]:
    out = set()
    for c in res.clusters:
        ms = sorted((m.doc, m.line) for m in c.members)
        out.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1:])
    return out


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), fragments=st.sampled_from([60, 120]))
def test_recentering_keeps_every_pair_together(seed: int, fragments: int) -> None:
    docs = _syndicated(200, seed, 4, fragments)
    without = find_duplicates(docs, DedupConfig(recenter_tries=0))
    with_ = find_duplicates(docs, DedupConfig())
    assert without.stats["recentered"] == 0
    assert _pairs(without) <= _pairs(with_)


def test_tries_bound_the_attempts() -> None:
    docs = _syndicated(300, 3, 5, 120)
    full = find_duplicates(docs, DedupConfig())
    one = find_duplicates(docs, DedupConfig(recenter_tries=1))
    off = find_duplicates(docs, DedupConfig(recenter_tries=0))
    assert off.stats["recenter_verified"] == 0
    assert 0 < one.stats["recentered"] <= full.stats["recentered"]
    assert one.stats["recenter_verified"] <= full.stats["recenter_verified"]


@pytest.mark.parametrize("kwargs", [{"merge_span": -0.1}, {"merge_span": 1.5}, {"merge_span": "0.5"},
                                    {"merge_span": True}, {"recenter_tries": -1}, {"recenter_tries": 1.5},
                                    {"recenter_tries": True}])
def test_config_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DedupConfig(**kwargs)


def test_previous_clustering_is_a_valid_config() -> None:
    cfg = DedupConfig(**PREVIOUS_CLUSTERING)
    assert cfg.merge_span is None and cfg.recenter_tries == 0
