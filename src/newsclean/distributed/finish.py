"""The end of a Ray run's near-duplicate stage: the stages themselves (:mod:`newsclean.distributed.dedup`),
duplicates.jsonl from their parts, and the drop pass over the shards that hold dropped paragraphs."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..io import atomic_writer
from ..report import RunStats
from .shards import Shard, ShardJob, ShardResult, drop_shard


def finish_distributed(ex: Any, args: Any, job: ShardJob, shards: Sequence[Shard], results: Sequence[ShardResult],
                       renamed: Sequence[dict[tuple[int, int], str]], report_dir: Path,
                       timings: dict[str, float], parts: int, engine: dict[str, Any]
                       ) -> tuple[dict[str, Any], list[RunStats], list[Path]]:
    """The near-duplicate stages on the cluster (:mod:`newsclean.distributed.dedup`), then
    duplicates.jsonl from their parts and the drop pass."""
    import shutil

    from .dedup import ROUTED_BYTES, DedupPlan, run_dedup
    from .store import Layout, load

    layout = Layout.plan(Path(job.scratch) / "dedup", [r.paragraphs for r in results],
                         [r.doc_file.size for r in results], parts)
    plan = DedupPlan(layout=layout, cfg=job.dedup, shard_folders=tuple(str(job.folder(s)) for s in shards))
    prepare_args = []
    for k in range(layout.parts):
        s0, s1 = int(layout.shards[k]), int(layout.shards[k + 1])
        prepare_args.append(([renamed[s] for s in range(s0, s1)], [results[s].doc_line for s in range(s0, s1)],
                             [results[s].doc_file for s in range(s0, s1)]))
    out = run_dedup(ex, plan, prepare_args, timings=timings)
    engine["partitions"] = layout.parts
    engine["routed_bytes"] = dict(ROUTED_BYTES)
    engine["rounds"] = out.rounds
    with atomic_writer(report_dir / "duplicates.jsonl", errors="backslashreplace") as fh:
        for part in out.parts:
            with open(part, encoding="utf-8", newline="\n") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
    drops_by_shard: dict[int, dict[str, set[int]]] = {}
    if args.dedup == "drop":
        from .dedup import _Docs

        docs = _Docs(plan)
        for k in range(layout.parts):
            z = load(layout.path("dropped", f"p{k:05d}.npz"))
            shard_of = layout.shard_of_doc(z["doc"])
            keys = docs.many(z["doc"])[0]
            for key, line, s in zip(keys, z["line"].tolist(), shard_of.tolist(), strict=True):
                drops_by_shard.setdefault(s, {}).setdefault(key, set()).add(line)
    drop_stats, drop_parts = drop_pass_by_shard(ex, job, shards, results, renamed, drops_by_shard, layout)
    stats = {k: v for k, v in out.stats.items() if k != "dropped"}
    dedup_json = {"mode": args.dedup, "clusters": out.clusters,
                  "cross_document_clusters": out.cross_document_clusters,
                  "paragraphs_duplicate": out.dropped,
                  "paragraphs_dropped": out.dropped if args.dedup == "drop" else 0,
                  "documents": [d.to_json_row() for d in out.documents], "stats": stats}
    return dedup_json, drop_stats, drop_parts


def drop_pass_by_shard(ex: Any, job: ShardJob, shards: Sequence[Shard], results: Sequence[ShardResult],
                       renamed: Sequence[dict[tuple[int, int], str]], drops: dict[int, dict[str, set[int]]],
                       layout: Any) -> tuple[list[RunStats], list[Path]]:
    """The second pass over the shards holding dropped paragraphs (:func:`drop_shard`), in shard order:
    the counts to take off and the explain parts to append."""
    if not drops:
        return [], []
    args, parts = [], []
    for s in sorted(drops):
        mine = drops[s]
        r = results[s]
        with open(job.folder(shards[s]) / "docs.pkl", "rb") as fh:
            own = pickle.load(fh)
        keys = [renamed[s].get((fi, n), key) for (key, _d, _o), fi, n in
                zip(own, r.doc_file.tolist(), r.doc_line.tolist(), strict=True)]
        files = sorted({int(r.doc_file[i]) for i, k in enumerate(keys) if k in mine})
        args.append((shards[s], files, mine, renamed[s]))
        parts.append(job.folder(shards[s]) / "drop-explain.jsonl")
    stats = ex.map(drop_shard, job, args, "the near-duplicate drop pass")
    return stats, parts if job.explain else []
