"""Fragments: a part of a paragraph copied into a longer one (synthetic text only)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from newsclean.dedup import DedupConfig, NearDuplicateIndex, find_duplicates, paragraphs, verify, word_tokens
from newsclean.dedup import fragments as fr


def _words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("abcdefghijklmnoprstuwy") for _ in range(rng.randint(3, 9))) for _ in range(n)]


WORDS = _words(3000, 1)


def _para(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def _clusters(res) -> set[frozenset]:
    return {frozenset((m.doc, m.line) for m in c.members) for c in res.clusters}


def _together(res, a: tuple[str, int], b: tuple[str, int]) -> bool:
    return any(a in c and b in c for c in _clusters(res))


def test_fragment_inside_a_long_paragraph_joins_its_cluster() -> None:
    rng = random.Random(3)
    long = _para(rng, 120)
    words = long.split()
    frag = " ".join(words[40:52])  # a tenth of the long paragraph
    docs = [("a", long), ("b", f"{_para(rng, 30)}\n{frag}")]
    res = find_duplicates(docs)
    assert _together(res, ("a", 0), ("b", 1))
    assert res.stats["fragment_pairs"] == 1
    member = next(m for c in res.clusters for m in c.members if (m.doc, m.line) == ("b", 1))
    assert member.similarity == 1.0 and member.fragment
    off = find_duplicates(docs, DedupConfig(fragments=False))
    assert not _together(off, ("a", 0), ("b", 1)) and "fragment_pairs" not in off.stats
    # Below the ratio window (12 words are not a part worth keeping of a 1,080-word paragraph).
    huge = " ".join([long] + [_para(rng, 120) for _ in range(8)])
    assert not _together(find_duplicates([("a", huge), ("b", frag)]), ("a", 0), ("b", 0))


def test_paragraph_split_over_lines_joins_one_cluster() -> None:
    rng = random.Random(5)
    long = _para(rng, 160)
    w = long.split()
    pieces = [" ".join(w[i : i + 32]) for i in range(0, 160, 32)]  # five lines, a fifth each
    for docs in ([("whole", long), ("split", "\n".join(pieces))], [("split", "\n".join(pieces)), ("whole", long)]):
        res = find_duplicates(docs)
        assert {("whole", 0), *(("split", i) for i in range(5))} in _clusters(res)
        assert next(c for c in res.clusters if c.size == 6).kept.doc == "whole"


def test_stock_phrase_does_not_bridge_two_containers() -> None:
    rng = random.Random(7)
    phrase = " ".join(rng.choice(WORDS) for _ in range(9))
    one = f"{_para(rng, 50)} {phrase} {_para(rng, 40)}"
    two = f"{_para(rng, 45)} {phrase} {_para(rng, 50)}"
    res = find_duplicates([("x", one), ("y", two), ("z", phrase)])
    assert not _together(res, ("x", 0), ("y", 0))
    assert _together(res, ("z", 0), ("x", 0)) != _together(res, ("z", 0), ("y", 0))  # joins exactly one


def test_compilation_does_not_merge_the_clusters_it_quotes() -> None:
    rng = random.Random(9)
    a, b = _para(rng, 20), _para(rng, 20)  # two source paragraphs, each republished twice
    compilation = f"{_para(rng, 60)} {a} {_para(rng, 40)} {b} {_para(rng, 30)}"
    docs = [("s1", f"{a}\n{b}"), ("s2", f"{a} Katanya.\n{b} Ujarnya."), ("c", compilation)]
    res = find_duplicates(docs)
    assert _together(res, ("s1", 0), ("s2", 0)) and _together(res, ("s1", 1), ("s2", 1))
    assert not _together(res, ("s1", 0), ("s1", 1))
    assert res.stats["fragment_pairs"] >= 2 and res.stats["merges_refused"] >= 1


def _fragment_corpus(n_docs: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pool: list[str] = []
    docs = []
    for d in range(n_docs):
        paras = []
        for _ in range(rng.randint(2, 5)):
            roll = rng.random()
            if pool and roll < 0.35:  # a fragment of an earlier paragraph, sometimes edited
                w = rng.choice(pool).split()
                k = rng.randint(8, max(8, len(w) // 5))
                s = rng.randrange(max(1, len(w) - k))
                piece = w[s : s + k]
                if rng.random() < 0.3:
                    piece[rng.randrange(len(piece))] = rng.choice(WORDS)
                paras.append(" ".join(piece))
            elif pool and roll < 0.5:  # an edited copy
                w = rng.choice(pool).split()
                w[rng.randrange(len(w))] = rng.choice(WORDS)
                paras.append(" ".join(w))
            elif pool and roll < 0.6:  # a compilation of two earlier paragraphs
                paras.append(f"{rng.choice(pool)} {_para(rng, 20)} {rng.choice(pool)}")
            else:
                p = _para(rng, rng.randint(10, 150))
                pool.append(p)
                paras.append(p)
        docs.append((f"d{d}", "\n".join(paras)))
    return docs


def test_most_fragments_find_a_paragraph_that_holds_them() -> None:
    """Against all pairs: a paragraph that is a part of another (by the alignment itself) mostly ends
    in a cluster whose kept paragraph holds it (86% here; the others are parts of paragraphs that
    are members of another cluster, whose kept paragraph does not hold them, or of compilations
    that took in another syndicated piece already)."""
    from test_dedup_verify import shorter_first, tiles_ref

    docs = _fragment_corpus(150, seed=13)
    cfg = DedupConfig()
    res = find_duplicates(docs, cfg)
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    tokens = {key: word_tokens(t) for key, t in text.items() if len(t) >= cfg.minhash_min_chars}
    kept_of = {(m.doc, m.line): (c.kept.doc, c.kept.line) for c in res.clusters for m in c.members}
    parts = set()
    for f, tf in tokens.items():
        for g, tg in tokens.items():
            if (f != g and cfg.fragment_min_ratio <= len(tf) / len(tg) < 0.5
                    and tiles_ref(*shorter_first(tf, tg), cfg.min_run) >= cfg.threshold * len(tf)):
                parts.add(f)
    held = sum(1 for f in parts if f in kept_of and kept_of[f] != f)
    assert len(parts) > 50 and held / len(parts) >= 0.8


def test_released_pages_and_small_batches_give_the_same_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _fragment_corpus(80, seed=17)

    def run(reference: bool) -> tuple:
        idx = NearDuplicateIndex(DedupConfig())
        idx._ram_signatures = reference
        for k, body in docs:
            idx.add_document(k, paragraphs(body))
        r = idx.finish()
        return r.clusters, r.stats["fragment_candidates"], r.stats["fragment_pairs"]

    ref = run(True)
    monkeypatch.setattr(verify, "RELEASE_BYTES", 0)  # madvise after every batch
    monkeypatch.setattr(fr, "CONTAINER_BATCH", 7)
    assert run(False) == ref and ref[2] > 10


def test_fragment_config_validation() -> None:
    for kwargs in ({"fragment_min_ratio": 0}, {"fragment_min_ratio": 1.2}, {"fragment_min_ratio": "0.1"},
                   {"fragments": "yes"}):
        with pytest.raises(ValueError):
            DedupConfig(**kwargs)


def test_anchor_queries_skip_common_phrases() -> None:
    """A phrase in many clusters is not an anchor: the queries only use rarer ones."""
    tokens = np.arange(40, dtype=np.uint32)
    offsets = np.array([0, 10, 40], np.int64)
    pos_of = np.array([0, 1])
    center = np.array([0, 1])
    words = np.array([10, 30])
    counts = np.zeros(1 << 16, np.uint16)
    mask = np.uint32(counts.size - 1)
    fr._count_anchors(tokens, offsets, pos_of, center, 3, counts, mask, 30)
    assert counts.sum() == 8 + 28
    counts[:] = 65535  # every anchor common
    q, used = fr._queries(tokens, offsets, pos_of, center, words, 3, 30, counts, mask, 256, 8, 30)
    assert q.size == 0 and used.tolist() == [0, 0]
