"""Near-duplicate accuracy on labelled real pairs, at the cluster level, and what LSH candidates miss.

    python -m benchmarks.dedup_accuracy [--corpus-dir DIR] [--split dev|test|all] [--grid]
                                        [--set r1|r2|both] [--sample 2000] [--json OUT.json]

1. Labelled pairs (``eval/dedup_pairs``): ``pairs_r2.csv`` (hoax_dev and id_news_dev, splits ``dev`` /
   ``test``) and ``hoax_dev_pairs.csv`` (round 1, ``dev`` / ``heldout``, scored as ``test``). Each corpus is
   cleaned with the default pipeline, as the command line does, and its kept paragraphs go through
   :class:`NearDuplicateIndex` in input order; a pair counts as detected when both paragraphs sit in one
   reported cluster (what ``--dedup drop`` acts on). Label 1 = copy, 0 = not a copy, 2 = reworded
   derivative (left out of recall and FPR, its recall reported apart). Recall and false-positive rate
   come with 95% Wilson intervals. ``--grid`` scores alternative settings on ``dev`` only (how the
   defaults are chosen); the ``test`` split is only scored when asked for (``--split test``), and every
   look is recorded in ``eval/dedup_pairs/README.md``.
2. Candidates against all pairs: the cleaned hoax_dev corpus (dense in copies) and random id_news_dev
   documents, ``--sample`` paragraphs in all, clustered twice: with LSH's candidates and with every
   earlier paragraph a candidate of every later one. The share of the exhaustive run's co-clustered
   pairs that the LSH run also co-clusters is what the candidate step costs in recall.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from newsclean.dedup import DedupConfig, NearDuplicateIndex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS_DIR = ROOT.parent / "shared" / "corpus"
PAIRS_DIR = ROOT / "eval" / "dedup_pairs"
CORPORA = {"hoax": "hoax_dev.jsonl", "id_news": "id_news_dev.jsonl"}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion ``k / n``.

    >>> [round(x, 3) for x in wilson(45, 50)]
    [0.786, 0.957]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def load_pairs(which: str = "both") -> list[dict[str, Any]]:
    """Labelled pairs with ``corpus``, ``split`` (``dev`` / ``test``), ``round`` and int lines and labels."""
    rows: list[dict[str, Any]] = []
    if which in ("r2", "both"):
        with open(PAIRS_DIR / "pairs_r2.csv", encoding="utf-8") as fh:
            rows += [{**r, "round": "r2"} for r in csv.DictReader(fh)]
    if which in ("r1", "both"):
        with open(PAIRS_DIR / "hoax_dev_pairs.csv", encoding="utf-8") as fh:
            rows += [{**r, "round": "r1", "corpus": "hoax", "kind": "r1",
                      "split": "dev" if r["split"] == "dev" else "test"} for r in csv.DictReader(fh)]
    for r in rows:
        r["line_a"], r["line_b"], r["label"] = int(r["line_a"]), int(r["line_b"]), int(r["label"])
    return rows


def cleaned_corpus(path: Path) -> list[tuple[str, Any, Any, list[tuple[int, str]]]]:
    """``(id, date, outlet, [(input line, cleaned paragraph)])`` per record, cleaned by the default
    pipeline as the command line cleans it (the paragraphs the index sees)."""
    from newsclean.corpus_dedup import _as_document, _pipeline
    from newsclean.run import kept_lines

    pipeline = _pipeline(True, "auto")
    out = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            rec = json.loads(line)
            doc = _as_document(rec, i)
            cleaned = pipeline.explain(doc)
            paras = [(n, t) for n, t in kept_lines(doc.text, cleaned) if t.strip()]
            out.append((str(rec["id"]), rec.get("date"), rec.get("outlet"), paras))
    return out


def clusters_of(docs: list[tuple[str, Any, Any, list[tuple[int, str]]]], cfg: DedupConfig,
                exhaustive: bool = False) -> tuple[dict[tuple[str, int], int], dict[str, Any]]:
    index = NearDuplicateIndex(cfg)
    index._exhaustive = exhaustive
    for key, date, outlet, paras in docs:
        index.add_document(key, paras, date=date, outlet=outlet)
    t0 = time.perf_counter()
    res = index.finish()
    where = {(m.doc, m.line): c.id for c in res.clusters for m in c.members}
    return where, {**res.stats, "seconds_finish": round(time.perf_counter() - t0, 3)}


def score(pairs: list[dict[str, Any]], where: dict[str, dict[tuple[str, int], int]], split: str) -> dict[str, Any]:
    """Recall, FPR (with Wilson intervals) and reworded recall of ``split`` over the corpora in ``where``."""
    hits = {0: [0, 0], 1: [0, 0], 2: [0, 0]}
    for p in pairs:
        if p["split"] != split or p["corpus"] not in where:
            continue
        w = where[p["corpus"]]
        a, b = (p["id_a"], p["line_a"]), (p["id_b"], p["line_b"])
        hits[p["label"]][0] += a in w and w.get(a) == w.get(b)
        hits[p["label"]][1] += 1
    (tp, npos), (fp, nneg), (rw, nrw) = hits[1], hits[0], hits[2]
    return {"split": split, "recall": tp / max(npos, 1), "recall_ci": wilson(tp, npos), "fpr": fp / max(nneg, 1),
            "fpr_ci": wilson(fp, nneg), "positives": npos, "negatives": nneg, "missed": npos - tp,
            "false_positives": fp, "reworded_recall": rw / max(nrw, 1), "reworded": nrw}


def line(label: str, r: dict[str, Any]) -> str:
    lo, hi = r["recall_ci"]
    flo, fhi = r["fpr_ci"]
    return (f"{label:44} recall {r['recall']:.3f} [{lo:.3f}, {hi:.3f}] ({r['positives'] - r['missed']}/"
            f"{r['positives']})  FPR {r['fpr']:.3f} [{flo:.3f}, {fhi:.3f}] ({r['false_positives']}/{r['negatives']})"
            f"  reworded {r['reworded_recall']:.2f}")


GRID: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),
    ("threshold 0.5", {"threshold": 0.5}),
    ("threshold 0.55", {"threshold": 0.55}),
    ("threshold 0.65", {"threshold": 0.65}),
    ("threshold 0.7", {"threshold": 0.7}),
    ("min_run 4, threshold 0.5", {"min_run": 4, "threshold": 0.5}),
    ("min_run 5, threshold 0.4", {"min_run": 5, "threshold": 0.4}),
    ("min_run 2", {"min_run": 2}),
    ("no fragment search", {"fragments": False}),
    ("fragment_min_ratio 0.02", {"fragment_min_ratio": 0.02}),
    ("lsh_jaccard 0.25 (64 x 2)", {"lsh_jaccard": 0.25}),
    ("bucket_leaders 4, slots 16", {"bucket_leaders": 4, "candidate_slots": 16}),
    ("keep longest", {"keep": "longest"}),
]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--split", choices=("dev", "test", "all"), default="dev",
                    help="test: the sealed split (record the look in eval/dedup_pairs/README.md)")
    ap.add_argument("--set", choices=("r1", "r2", "both"), default="r2", help="which labelled pairs")
    ap.add_argument("--grid", action="store_true", help="also score alternative settings on dev")
    ap.add_argument("--sample", type=int, default=3000, help="paragraphs for the exhaustive comparison (0: skip)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    cfg = DedupConfig()
    pairs = load_pairs(args.set)
    needed = {p["corpus"] for p in pairs}
    docs = {name: cleaned_corpus(args.corpus_dir / CORPORA[name]) for name in CORPORA if name in needed}
    report: dict[str, Any] = {"config": repr(cfg), "pairs": args.set, "results": {}}
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    where, stats = {}, {}
    for name, d in docs.items():
        where[name], stats[name] = clusters_of(d, cfg)
    report["stats"] = stats
    print(f"Labelled pairs ({args.set}), cluster level, default DedupConfig")
    for split in splits:
        for subset in ("all", *sorted(needed)):
            sel = where if subset == "all" else {subset: where[subset]}
            r = score(pairs, sel, split)
            report["results"][f"{split}/{subset}"] = r
            print(line(f"{split} / {subset}", r))
    if args.grid:
        print("\nDev split, alternative settings")
        report["grid"] = []
        for label, changes in GRID:
            c = replace(cfg, **changes)
            w = {name: clusters_of(d, c)[0] for name, d in docs.items()}
            r = score(pairs, w, "dev")
            report["grid"].append({"setting": label, "changes": changes, **r})
            print(line(label, r))
    if args.sample:
        rng = random.Random(args.seed)
        sample = list(docs.get("hoax", []))
        others = list(docs.get("id_news", []))
        rng.shuffle(others)
        for d in others:
            if sum(len(x[3]) for x in sample) >= args.sample:
                break
            sample.append(d)
        lsh, st = clusters_of(sample, cfg)
        full, st_full = clusters_of(sample, cfg, exhaustive=True)

        def together(w: dict[tuple[str, int], int]) -> set[tuple[tuple[str, int], tuple[str, int]]]:
            groups: dict[int, list[tuple[str, int]]] = {}
            for key, cid in w.items():
                groups.setdefault(cid, []).append(key)
            return {(a, b) for g in groups.values() for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1:]}

        t_lsh, t_full = together(lsh), together(full)
        both = len(t_lsh & t_full)
        report["exhaustive"] = {
            "paragraphs": sum(len(x[3]) for x in sample), "pairs_exhaustive": len(t_full), "pairs_lsh": len(t_lsh),
            "recall_vs_exhaustive": both / max(len(t_full), 1), "precision_vs_exhaustive": both / max(len(t_lsh), 1),
            "verified_lsh": st["verified_pairs"], "verified_exhaustive": st_full["verified_pairs"]}
        e = report["exhaustive"]
        print(f"\nLSH candidates against every pair, {e['paragraphs']} paragraphs: co-clustered pairs "
              f"{e['pairs_lsh']} vs {e['pairs_exhaustive']}; recall {e['recall_vs_exhaustive']:.4f}, precision "
              f"{e['precision_vs_exhaustive']:.4f}; verifications {e['verified_lsh']:,} vs "
              f"{e['verified_exhaustive']:,}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
