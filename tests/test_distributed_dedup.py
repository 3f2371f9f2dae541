"""The distributed near-duplicate stages (newsclean.distributed.dedup) give the local index's result:
run in this process, one partition task after another (no Ray needed), on generated corpora with
heavy duplication, cut into shards and partitions of every size, for every keep policy."""

from __future__ import annotations

import json
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.generate import GeneratorOptions, generate
from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs
from newsclean.dedup.storage import sketch_documents
from newsclean.distributed.dedup import WORK_STATS, DedupPlan, Executor, _Docs, run_dedup
from newsclean.distributed.shards import ShardIntake
from newsclean.distributed.store import Layout, load


def _docs(n_paragraphs: int, seed: int, republish: int) -> list[dict[str, Any]]:
    return list(generate(n_paragraphs, seed=seed, options=GeneratorOptions(republish=republish)))


def _local(docs: list[dict[str, Any]], cfg: DedupConfig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    idx = NearDuplicateIndex(cfg)
    texts: dict[tuple[str, int], str] = {}
    for d in docs:
        paras = paragraphs(d["text"])
        texts.update({(d["id"], ln): t for ln, t in paras})
        idx.add_document(d["id"], paras, date=d.get("date"), outlet=d.get("outlet"))
    res = idx.finish()
    rows = []
    for cl in res.clusters:
        row = cl.to_json_row(lambda doc, line: texts.get((doc, line), ""))
        for m in row["members"]:
            m["outlet"] = idx.outlet(m["doc"])
        rows.append(row)
    stats = {k: v for k, v in res.stats.items() if k not in WORK_STATS}
    return rows, {"stats": stats, "documents": [x.to_json_row() for x in res.documents],
                  "dropped": sorted(res.dropped)}


def _distributed(docs: list[dict[str, Any]], cfg: DedupConfig, cuts: list[int], parts: int, root: Path,
                 seed_components: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    folders, n_pars, n_docs, lines, files = [], [], [], [], []
    bounds = [0, *cuts, len(docs)]
    for s in range(len(bounds) - 1):
        shard = docs[bounds[s]:bounds[s + 1]]
        intake = ShardIntake(cfg)
        doc_no, line_no, ptexts, counts = [], [], [], []
        for k, d in enumerate(shard):
            paras = paragraphs(d["text"])
            counts.append(len(paras))
            for ln, t in paras:
                doc_no.append(k)
                line_no.append(ln)
                ptexts.append(t)
        batch = sketch_documents(cfg, doc_no, line_no, ptexts) if ptexts else None
        enc = [t.encode("utf-8", "surrogatepass") for t in ptexts]
        spill = (array("q", line_no), array("i", map(len, enc)), b"".join(enc)) if ptexts else None
        intake.add([(d["id"], 0, d.get("date"), d.get("outlet"), c) for d, c in zip(shard, counts, strict=True)],
                   batch, spill)
        folder = root / f"shard-{s:06d}"
        folder.mkdir(parents=True)
        stored, _words = intake.write(folder)
        folders.append(str(folder))
        n_pars.append(stored)
        n_docs.append(len(shard))
        lines.append(np.zeros(len(shard), np.int64))
        files.append(np.zeros(len(shard), np.int32))
    layout = Layout.plan(root / "dedup", n_pars, n_docs, parts)
    plan = DedupPlan(layout=layout, cfg=cfg, shard_folders=tuple(folders), seed_components=seed_components)
    args = []
    for k in range(layout.parts):
        s0, s1 = int(layout.shards[k]), int(layout.shards[k + 1])
        args.append(([{} for _ in range(s0, s1)], lines[s0:s1], files[s0:s1]))
    out = run_dedup(Executor(), plan, args)
    rows = [json.loads(line) for p in out.parts for line in p.read_text(encoding="utf-8").splitlines()]
    keys = _Docs(plan)
    dropped = []
    for k in range(layout.parts):
        z = load(layout.path("dropped", f"p{k:05d}.npz"))
        dropped.extend(zip(keys.many(z["doc"])[0], z["line"].tolist(), strict=True))
    stats = {k: v for k, v in out.stats.items() if k not in WORK_STATS}
    return rows, {"stats": stats, "documents": [x.to_json_row() for x in out.documents], "dropped": sorted(dropped),
                  "rounds": out.rounds}


def _check(docs: list[dict[str, Any]], cfg: DedupConfig, cuts: list[int], parts: int, root: Path,
           seed_components: bool = True) -> dict[str, int]:
    want_rows, want = _local(docs, cfg)
    got_rows, got = _distributed(docs, cfg, cuts, parts, root, seed_components)
    assert got["stats"] == want["stats"]
    assert got["documents"] == want["documents"]
    assert got["dropped"] == want["dropped"]
    assert [json.dumps(r, ensure_ascii=False) for r in got_rows] == [json.dumps(r, ensure_ascii=False)
                                                                      for r in want_rows]
    return got["rounds"]


@pytest.mark.parametrize(("republish", "parts"), [(4, 3), (0, 2), (6, 5)])
def test_syndicated_corpus_same_clusters(tmp_path: Path, republish: int, parts: int) -> None:
    docs = _docs(3000, seed=republish + 11, republish=republish)
    n = len(docs)
    cuts = sorted({n // 7, n // 3, n // 2, (2 * n) // 3, n - 5})
    _check(docs, DedupConfig(), cuts, parts, tmp_path)


@pytest.mark.parametrize("keep", ["longest", "earliest", "outlet"])
def test_keep_policies_same_clusters(tmp_path: Path, keep: str) -> None:
    docs = _docs(1500, seed=5, republish=3)
    outlets = sorted({d["outlet"] for d in docs})
    cfg = DedupConfig(keep=keep, outlet_priority=tuple(reversed(outlets)) if keep == "outlet" else ())
    n = len(docs)
    _check(docs, cfg, [n // 4, n // 2, (3 * n) // 4], 3, tmp_path)


def test_one_shard_and_empty_shards(tmp_path: Path) -> None:
    docs = _docs(600, seed=9, republish=3)
    _check(docs, DedupConfig(), [], 1, tmp_path / "a")
    n = len(docs)
    _check(docs, DedupConfig(), [0, n // 2, n // 2, n], 4, tmp_path / "b")


def test_checks_find_every_component(tmp_path: Path) -> None:
    """Started with every paragraph alone, the checks of pairs across components (what the greedy
    and the refinement would have done with them) must grow the components into the right ones."""
    docs = _docs(1200, seed=3, republish=4)
    n = len(docs)
    rounds = _check(docs, DedupConfig(), [n // 3, (2 * n) // 3], 3, tmp_path, seed_components=False)
    assert rounds["greedy"] > 1


def test_few_candidate_slots(tmp_path: Path) -> None:
    """One candidate per paragraph (one bucket leader): components from passing pairs miss some of
    the greedy's links (a paragraph that joins its candidate's center without passing with the
    candidate), which the check adds."""
    docs = _docs(4000, seed=3, republish=5)
    n = len(docs)
    rounds = _check(docs, DedupConfig(candidate_slots=1, bucket_leaders=1), [n // 5, n // 2, n - 3], 4, tmp_path)
    assert rounds["greedy"] == 2


def test_fragments_same_merges(tmp_path: Path) -> None:
    """Parts of long paragraphs copied alone (found only by the fragment search, run-wide, by anchors
    routed to the partitions that hold their queries) join the same clusters."""
    docs = _docs(3000, seed=8, republish=0)
    long = [p for d in docs for p in d["text"].split("\n") if len(p.split()) >= 45][:120]
    extra = []
    for i, para in enumerate(long):
        words = para.split()
        part = " ".join(words[5:5 + 12 + i % 6])  # a clause of it, 12-17 words
        other = " ".join(long[(i + 7) % len(long)].split()[:30])
        extra.append({"id": f"frag-{i}", "text": f"{part}\n{other} tambahan kalimat ke-{i}.", "outlet": "x.com",
                      "date": "2024-01-01"})
    mixed = [d for pair in zip(docs, extra) for d in pair] + docs[len(extra):]
    _, want = _local(mixed, DedupConfig())
    assert want["stats"]["fragment_pairs"] >= 10 and want["stats"]["merges"] >= 10
    n = len(mixed)
    _check(mixed, DedupConfig(), [n // 5, n // 2, (4 * n) // 5], 4, tmp_path)


def test_many_bucket_and_anchor_tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LSH buckets and fragment anchors spread over more tasks than partitions (as on large runs)."""
    import newsclean.distributed.dedup as dedup

    monkeypatch.setattr(dedup, "ROUTED_ROWS_PER_TASK", 4000)
    docs = _docs(2000, seed=12, republish=4)
    n = len(docs)
    _check(docs, DedupConfig(), [n // 2], 2, tmp_path)


def test_verification_options_reach_every_task(tmp_path: Path) -> None:
    """Options of the verification rule other than the defaults (threshold, long runs, gaps, fragment
    ratio) reach the tasks' verifications as the local index's: the clusters are again the local ones,
    and not those of the defaults."""
    docs = _docs(1500, seed=4, republish=4)
    cfg = DedupConfig(threshold=0.45, long_run=4, long_share=0.5, gap_words=3, fragment_min_ratio=0.05)
    _, default = _local(docs, DedupConfig())
    _, want = _local(docs, cfg)
    assert want["stats"] != default["stats"]
    n = len(docs)
    _check(docs, cfg, [n // 3, (2 * n) // 3], 3, tmp_path)


@pytest.mark.parametrize("seed_components", [True, False])
def test_recentering_same_clusters(tmp_path: Path, seed_components: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Round 7's recentering (a paragraph covering its own cluster and a linked one becomes the kept
    paragraph of both; links from the LSH slots and the fragment candidates) and the merges' span rule
    run per component: the links where one end covers the other are edges, so the clusters are the
    local ones, whether the components start from the passing pairs or from every paragraph alone. On
    this corpus the fragment candidates' links change the clusters (checked), so they must reach the
    components too."""
    from test_dedup_fragments import _fragment_corpus

    import newsclean.dedup.index as ix

    docs = _docs(600, seed=3, republish=5)
    docs += [{"id": f"frag-{k}", "text": t, "outlet": "x.com", "date": "2024-01-01"}
             for k, t in _fragment_corpus(120, seed=5)]
    want_rows, want = _local(docs, DedupConfig())
    assert want["stats"]["recentered"] > 0
    recenter = ix.recenter_clusters

    def without_fragment_links(center: Any, score: Any, words: Any, order: Any, slots: Any, links: Any,
                               *args: Any, **kw: Any) -> None:
        recenter(center, score, words, order, slots, np.zeros((0, 2), np.int64), *args, **kw)

    with monkeypatch.context() as m:
        m.setattr(ix, "recenter_clusters", without_fragment_links)
        assert _local(docs, DedupConfig())[0] != want_rows
    n = len(docs)
    _check(docs, DedupConfig(), [n // 4, n // 2, (3 * n) // 4], 3, tmp_path, seed_components)
