"""The Hyperscan prefilter changes nothing on the dev probe pages (eval/probes, sets not sealed): every page cleaned
with it and without it (``NEWSCLEAN_PREFILTER=0``, every rule tried by Python ``re`` on every line) gives the same
text. The pages are the widest set of boilerplate wordings the repository holds; the dev corpora's equivalence is
``benchmarks.equivalence``'s (they are not in the repository)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclean import prefilter
from newsclean.document import Document
from newsclean.pipeline import Pipeline, _compiled_for

PROBES = Path(__file__).resolve().parents[1] / "eval" / "probes"
DEV_SETS = sorted(p for p in PROBES.iterdir() if p.is_dir() and not (p / "SEALED").exists())


def _clean_all(pipeline: Pipeline) -> dict[str, str]:
    out = {}
    for folder in DEV_SETS:
        with open(folder / "pages.jsonl", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                meta = {k: r[k] for k in ("outlet", "url", "title") if r.get(k)}
                out[r["id"]] = pipeline.clean(Document(r["text"], id=r["id"], metadata=meta))
    return out


@pytest.mark.skipif(not prefilter.available(), reason="hyperscan not installed")
def test_probe_pages_are_cleaned_the_same_with_and_without_the_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(DEV_SETS) >= 4
    with_prefilter = _clean_all(Pipeline.default(lang="auto"))
    monkeypatch.setenv("NEWSCLEAN_PREFILTER", "0")
    assert not prefilter.available()
    _compiled_for.cache_clear()  # the compiled rules are shared by pipelines of one process
    try:
        without = _clean_all(Pipeline.default(lang="auto"))
    finally:
        _compiled_for.cache_clear()
    differ = sorted(k for k in with_prefilter if with_prefilter[k] != without[k])
    assert not differ, differ
