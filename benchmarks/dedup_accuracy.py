"""Near-duplicate accuracy: the dev grid on both rounds of labelled pairs, and what LSH candidates miss.

    python -m benchmarks.dedup_accuracy [--corpus-dir DIR] [--grid] [--sample 3000] [--json OUT.json]

1. Labelled pairs, cluster level (a pair is detected when both paragraphs sit in one reported cluster,
   what ``--dedup drop`` acts on), on the ``dev`` splits only: round 2 (``pairs_r2.csv``, scored by
   :mod:`benchmarks.dedup_pairs_eval`, which also scores the sealed ``test`` split when asked) and
   round 1 (``hoax_dev_pairs.csv``, its ``dev`` topics), each corpus cleaned first as the command line
   does. ``--grid`` scores the alternative settings of :data:`GRID` the same way: that is how the
   defaults are chosen.
2. Candidates against all pairs: the cleaned hoax_dev corpus (dense in copies) and random id_news_dev
   documents, ``--sample`` paragraphs in all, clustered twice: with LSH's candidates and with every
   earlier paragraph a candidate of every later one. The share of the exhaustive run's co-clustered
   pairs that the LSH run also co-clusters is what the candidate step costs in recall.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.dedup_pairs_eval import (
    CORPUS_FILES,
    DEFAULT_CORPUS_DIR,
    Pair,
    clean_corpus,
    clusters_in_process,
    evaluate,
    score,
)
from newsclean.dedup import DedupConfig, NearDuplicateIndex

ROOT = Path(__file__).resolve().parents[1]
PAIRS_R1 = ROOT / "eval" / "dedup_pairs" / "hoax_dev_pairs.csv"

GRID: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),
    ("threshold 0.5", {"threshold": 0.5}),
    ("threshold 0.6", {"threshold": 0.6}),
    ("threshold 0.65", {"threshold": 0.65}),
    ("threshold 0.7", {"threshold": 0.7}),
    ("min_run 4, threshold 0.5", {"min_run": 4, "threshold": 0.5}),
    ("min_run 5, threshold 0.4", {"min_run": 5, "threshold": 0.4}),
    ("min_run 2", {"min_run": 2}),
    ("no long-run rule (long_share 0)", {"long_share": 0.0}),
    ("long_share 0.45", {"long_share": 0.45}),
    ("no fragment search", {"fragments": False}),
    ("fragment_min_ratio 0.05", {"fragment_min_ratio": 0.05}),
    ("lsh_jaccard 0.25 (64 x 2)", {"lsh_jaccard": 0.25}),
    ("bucket_leaders 4, slots 16", {"bucket_leaders": 4, "candidate_slots": 16}),
    ("keep longest", {"keep": "longest"}),
]


def r1_pairs(split: str = "dev") -> list[Pair]:
    """Round-1 pairs of hoax_dev (``dev`` topics, or ``heldout`` ones as ``test``)."""
    with open(PAIRS_R1, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    want = "dev" if split == "dev" else "heldout"
    return [Pair(split, "hoax", "r1", (r["id_a"], int(r["line_a"])), (r["id_b"], int(r["line_b"])), int(r["label"]))
            for r in rows if r["split"] == want]


def dev_scores(cfg: DedupConfig, corpus_dir: Path) -> dict[str, Any]:
    """Round-2 and round-1 dev figures of ``cfg`` (one run per corpus)."""
    r2 = evaluate(cfg, splits=("dev",), corpus_dir=corpus_dir)["splits"]["dev"]["all"]
    where, _, _ = clusters_in_process(corpus_dir / CORPUS_FILES["hoax"], cfg)
    return {"r2": r2, "r1": score(r1_pairs("dev"), where)}


def line(label: str, s: dict[str, Any]) -> str:
    r, f = s["r2"], s["r1"]
    return (f"{label:30} r2 recall {r['recall']:.3f} [{r['recall_ci95'][0]:.3f}, {r['recall_ci95'][1]:.3f}] "
            f"FPR {r['fpr']:.3f} [{r['fpr_ci95'][0]:.3f}, {r['fpr_ci95'][1]:.3f}] | r1 recall {f['recall']:.3f} "
            f"FPR {f['fpr']:.3f}")


def clusters_of(docs: list[tuple[str, list[tuple[int, str]], Any, Any]], cfg: DedupConfig, *, exhaustive: bool
                ) -> tuple[set[tuple[tuple[str, int], tuple[str, int]]], int]:
    """Pairs of paragraphs sharing a cluster, and the verifications made."""
    index = NearDuplicateIndex(cfg)
    index._exhaustive = exhaustive
    for key, paras, date, outlet in docs:
        index.add_document(key, paras, date=date, outlet=outlet)
    res = index.finish()
    pairs = set()
    for c in res.clusters:
        keys = sorted((m.doc, m.line) for m in c.members)
        pairs.update((a, b) for i, a in enumerate(keys) for b in keys[i + 1:])
    return pairs, res.stats["verified_pairs"]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--grid", action="store_true", help="also score the alternative settings on dev")
    ap.add_argument("--sample", type=int, default=3000, help="paragraphs for the exhaustive comparison (0: skip)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    cfg = DedupConfig()
    report: dict[str, Any] = {"config": repr(cfg)}
    print("Labelled pairs, dev splits, cluster level (95% Wilson intervals)")
    grid = GRID if args.grid else GRID[:1]
    report["grid"] = []
    for label, changes in grid:
        s = dev_scores(replace(cfg, **changes), args.corpus_dir)
        report["grid"].append({"setting": label, "changes": changes, **s})
        print(line(label, s), flush=True)
    if args.sample:
        rng = random.Random(args.seed)
        sample = list(clean_corpus(args.corpus_dir / CORPUS_FILES["hoax"]).docs)
        others = list(clean_corpus(args.corpus_dir / CORPUS_FILES["id_news"]).docs)
        rng.shuffle(others)
        for d in others:
            if sum(len(x[1]) for x in sample) >= args.sample:
                break
            sample.append(d)
        lsh, v_lsh = clusters_of(sample, cfg, exhaustive=False)
        full, v_full = clusters_of(sample, cfg, exhaustive=True)
        both = len(lsh & full)
        e = report["exhaustive"] = {
            "paragraphs": sum(len(x[1]) for x in sample), "pairs_exhaustive": len(full), "pairs_lsh": len(lsh),
            "recall_vs_exhaustive": both / max(len(full), 1), "precision_vs_exhaustive": both / max(len(lsh), 1),
            "verified_lsh": v_lsh, "verified_exhaustive": v_full}
        print(f"\nLSH candidates against every pair, {e['paragraphs']} paragraphs: co-clustered pairs "
              f"{e['pairs_lsh']} vs {e['pairs_exhaustive']}; recall {e['recall_vs_exhaustive']:.4f}, precision "
              f"{e['precision_vs_exhaustive']:.4f}; verifications {e['verified_lsh']:,} vs "
              f"{e['verified_exhaustive']:,}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
