"""The memory-saving paths of NearDuplicateIndex.finish() give exactly the results of the reference
path (signatures in RAM, shingle sets through the memory map, every document pair accumulated):
same clusters, similarities, dropped set and document pairs."""

from __future__ import annotations

import pytest

from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs


def _run(docs: list[dict], reference: bool, **cfg: object):
    idx = NearDuplicateIndex(DedupConfig(**cfg))
    idx._ram_signatures = reference
    if not reference:
        idx._mmap_max_bytes = 0  # shingle sets read with pread, as for large corpora
    for d in docs:
        idx.add_document(str(d["id"]), paragraphs(d["text"]), date=d.get("date"), outlet=d.get("outlet"))
    return idx.finish()


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    from benchmarks.generate import generate

    return list(generate(30000, seed=7))


@pytest.mark.parametrize("cfg", [{}, {"keep": "longest", "signature_bits": 32, "batch_size": 1000}])
def test_finish_matches_reference_path(corpus: list[dict], cfg: dict) -> None:
    new, ref = _run(corpus, False, **cfg), _run(corpus, True, **cfg)
    assert len(ref.clusters) > 500 and ref.documents  # the corpus exercises every part
    assert new.clusters == ref.clusters
    assert new.dropped == ref.dropped
    assert new.documents == ref.documents
    assert new.stats["candidates"] == ref.stats["candidates"]


@pytest.fixture(scope="module")
def syndicated() -> list[dict]:
    from benchmarks.generate import GeneratorOptions, generate

    return list(generate(6000, seed=5, options=GeneratorOptions(republish=8)))


def test_small_blocks_give_the_same_results(syndicated: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    """Document pairs made a few first documents at a time, anchors read a few paragraphs at a time
    and verifications in small chunks (each releasing the token file's pages): the results of one
    block each."""
    import newsclean.dedup.fragments as fragments
    import newsclean.dedup.results as results
    import newsclean.dedup.verify as verify

    whole = _run(syndicated, False)
    assert whole.documents and whole.stats["fragment_queries"] > 0
    monkeypatch.setattr(results, "PAIR_CHUNK", 50)
    monkeypatch.setattr(fragments, "ANCHOR_BLOCK", 97)
    monkeypatch.setattr(verify, "VERIFY_CHUNK", 300)
    monkeypatch.setattr(verify, "RELEASE_BYTES", 0)
    small = _run(syndicated, False)
    assert small.clusters == whole.clusters
    assert small.documents == whole.documents
    assert small.stats == whole.stats


def test_document_pairs_memory_is_bounded_by_the_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """k copies of an article whose paragraphs' clusters each miss another copy make k - 1 documents per
    cluster and a group per paragraph: the pairs of all groups are never held at once."""
    import tracemalloc

    import numpy as np

    import newsclean.dedup.results as results

    articles, copies, paras = 150, 20, 20
    doc, cluster = [], []
    for a in range(articles):
        for c in range(copies):
            for p in range(paras):
                doc.append(a * copies + c)
                cluster.append(-1 if p % copies == c else a * paras + p)  # paragraph p is edited in copy p
    p_doc = np.array(doc, np.int32)
    cluster_of = np.array(cluster, np.int64)
    p_len = np.full(p_doc.size, 100, np.uint32)
    docs = [f"d{i}" for i in range(articles * copies)]
    monkeypatch.setattr(results, "PAIR_CHUNK", 1 << 14)
    results.document_pairs(cluster_of[:100], p_doc[:100], p_len[:100], docs=docs, threshold=0.8)  # compiled
    tracemalloc.start()
    got = results.document_pairs(cluster_of, p_doc, p_len, docs=docs, threshold=0.8)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Two copies share the 18 paragraphs edited in neither: each document is paired once, at 0.9.
    assert got.a.size == articles * (copies - 1)
    assert np.allclose(got.coverage_a, 0.9) and np.allclose(got.coverage_b, 0.9)
    # 150 * 20 groups of 171 pairs = 513,000 pairs (about 40 MB made at once before); now one chunk's.
    assert peak < 12 << 20, peak
