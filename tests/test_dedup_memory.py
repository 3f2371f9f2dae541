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
