"""Fragment links: a short paragraph inside one 4-20 times its size (synthetic text only)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean.dedup import DedupConfig, NearDuplicateIndex, find_duplicates, paragraphs
from newsclean.dedup import fragments as fr
from newsclean.dedup.shingles import containment, jaccard, shingles


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


def test_fragment_inside_a_long_paragraph_is_linked() -> None:
    rng = random.Random(3)
    long = _para(rng, 120)
    words = long.split()
    frag = " ".join(words[40:52])  # about a tenth of the long paragraph
    docs = [("a", long), ("b", f"{_para(rng, 30)}\n{frag}")]
    res = find_duplicates(docs)
    assert _together(res, ("a", 0), ("b", 1))
    assert res.stats["fragment_links"] == 1
    member = next(m for c in res.clusters for m in c.members if (m.doc, m.line) == ("b", 1))
    assert member.similarity == 1.0  # containment, reported as the similarity to the kept member
    off = find_duplicates(docs, DedupConfig(fragment_containment=None))
    assert not _together(off, ("a", 0), ("b", 1)) and "fragment_links" not in off.stats
    # Below the ratio window (a 40-word paragraph is not a fragment of a 1,000-word one).
    huge = " ".join([long] + [_para(rng, 120) for _ in range(8)])
    assert not _together(find_duplicates([("a", huge), ("b", frag)]), ("a", 0), ("b", 0))


def test_paragraph_split_over_lines_joins_one_cluster() -> None:
    rng = random.Random(5)
    long = _para(rng, 160)
    w = long.split()
    pieces = [" ".join(w[i : i + 32]) for i in range(0, 160, 32)]  # five lines, a fifth each
    res = find_duplicates([("whole", long), ("split", "\n".join(pieces))])
    assert {("whole", 0), *(("split", i) for i in range(5))} in _clusters(res)


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
    assert res.stats["fragment_pairs"] >= 2 and res.stats["fragment_links"] == 1


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


def test_links_pass_the_exact_rule_and_only_merge_clusters() -> None:
    docs = _fragment_corpus(120, seed=11)
    cfg = DedupConfig()
    res = find_duplicates(docs, DedupConfig(record_edges=True))
    without = find_duplicates(docs, DedupConfig(fragment_containment=None))
    assert res.stats["fragment_links"] > 20
    # Fragment links only merge clusters of the other rules, never split them.
    assert all(any(c <= w for w in _clusters(res)) for c in _clusters(without))
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    n_frag = 0
    for a, b in res.edges:  # every recorded pair passes one of the rules on exact string shingles
        sa, sb = shingles(text[a]), shingles(text[b])
        ratio = min(len(sa), len(sb)) / max(len(sa), len(sb))
        c = containment(sa, sb)
        strong = jaccard(sa, sb) >= cfg.threshold or (c >= cfg.containment_threshold and ratio >= cfg.min_size_ratio)
        frag = c >= cfg.fragment_containment and cfg.fragment_min_ratio <= ratio < cfg.min_size_ratio
        assert strong or frag
        n_frag += frag and not strong
    assert n_frag == res.stats["fragment_pairs"]


def test_candidates_find_the_true_fragment_pairs() -> None:
    """Against all pairs: nearly every true fragment pair gets a link to the container's cluster."""
    docs = _fragment_corpus(150, seed=13)
    res = find_duplicates(docs, DedupConfig(record_edges=True))
    cfg = DedupConfig()
    items = [((k, i), t) for k, body in docs for i, t in enumerate(body.split("\n")) if len(t) >= 40]
    sets = {key: shingles(t) for key, t in items}
    strong = find_duplicates(docs, DedupConfig(fragment_containment=None))
    cluster_of = {m: n for n, c in enumerate(_clusters(strong)) for m in c}
    linked = set()
    for a, b in res.edges:
        small, big = (a, b) if len(sets[a]) <= len(sets[b]) else (b, a)
        linked.add((small, cluster_of.get(big, big)))
    true = found = 0
    for f, sf in sets.items():
        for g, sg in sets.items():
            ratio = len(sf) / len(sg)
            if f == g or not cfg.fragment_min_ratio <= ratio < cfg.min_size_ratio:
                continue
            if len(sf & sg) < cfg.fragment_containment * len(sf):
                continue
            true += 1
            cg = cluster_of.get(g, g)
            found += (f, cg) in linked or cluster_of.get(f, f) == cg
    assert true > 50 and found / true >= 0.97


@pytest.mark.parametrize("chunk", [1, 97])
def test_pread_and_small_chunks_give_the_same_links(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _fragment_corpus(80, seed=17)

    def run(reference: bool) -> tuple:
        idx = NearDuplicateIndex(DedupConfig())
        idx._ram_signatures = reference
        if not reference:
            idx._mmap_max_bytes = 0  # shingle sets read with pread
        for k, body in docs:
            idx.add_document(k, paragraphs(body))
        r = idx.finish()
        return r.clusters, r.stats["fragment_candidates"], r.stats["fragment_links"]

    ref = run(True)
    monkeypatch.setattr(fr, "STREAM_CHUNK", chunk)
    assert run(False) == ref and ref[2] > 10


@st.composite
def fragment_corpora(draw: st.DrawFn) -> list[tuple[str, str]]:
    return _fragment_corpus(draw(st.integers(2, 25)), draw(st.integers(0, 10**6)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment_corpora(), st.randoms(use_true_random=False))
def test_fragment_clusters_do_not_depend_on_input_order(docs: list[tuple[str, str]], rnd: random.Random) -> None:
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    assert _clusters(find_duplicates(docs)) == _clusters(find_duplicates(shuffled))


def test_attach_rules() -> None:
    """Lone paragraphs 0-4, a cluster {5, 6} and a cluster {7, 8}; links applied strongest first."""
    base = np.array([0, 1, 2, 3, 4, 5, 5, 7, 7])

    def apply(links: list[tuple[int, int, float]]) -> list[bool]:
        parent = base.copy()
        f, c, s = (np.array(x) for x in zip(*links, strict=True))
        return fr.attach_fragments(parent, base, f, c, s.astype(float), np.arange(9)).tolist()

    # A lone container takes several lone fragments; a lone fragment joins only once.
    assert apply([(0, 4, 1.0), (1, 4, 0.9), (0, 3, 0.95)]) == [True, True, False]
    # A cluster of several takes part in one link only.
    assert apply([(0, 5, 1.0), (1, 6, 0.9), (7, 5, 0.85)]) == [True, False, False]
    assert apply([(7, 5, 1.0), (0, 8, 0.9)]) == [True, False]
    # A lone container that took lone fragments takes no cluster of several, and the other way round.
    assert apply([(0, 4, 1.0), (5, 4, 0.9)]) == [True, False]
    assert apply([(5, 4, 1.0), (0, 4, 0.9)]) == [True, False]
    # Links inside one cluster are skipped.
    assert apply([(5, 6, 1.0)]) == [False]


def test_fragment_config_validation() -> None:
    for kwargs in ({"fragment_containment": 0}, {"fragment_containment": 1.2}, {"fragment_min_ratio": 0},
                   {"fragment_min_ratio": "0.1"}):
        with pytest.raises(ValueError):
            DedupConfig(**kwargs)
    # An empty window switches the step off.
    res = find_duplicates([("a", _para(random.Random(1), 30))], DedupConfig(fragment_min_ratio=0.3))
    assert res.stats["fragment_links"] == 0
