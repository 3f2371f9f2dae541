"""How ``NearDuplicateIndex.finish()`` scales: time, LSH candidates, memory and disk per paragraph.

    python -m benchmarks.dedup_scale [--sizes 50000,100000,200000,400000] [--real PATH.jsonl]
                                     [--fractions 0.125,0.25,0.5,1] [--seed 1] [--json OUT]

Two sources, each run in a fresh subprocess per size (so max RSS is that size's own):

* generated corpora (:func:`benchmarks.generate.generate`, seeded; near-duplicates, boilerplate
  and Unicode noise with Jaccard calibrated to real paragraph pairs) of ``--sizes`` paragraphs;
* with ``--real``, whole documents sampled from a real JSONL corpus (``--fractions`` of it).

Per run it prints paragraphs, the time of ``add_document`` (sketching) and of ``finish()``, the
LSH candidate pairs (before and after skipping pairs already in one cluster), accepted pairs,
candidates per MinHash paragraph, the index's RAM per stored paragraph (signatures +
bookkeeping), the temporary file's bytes per MinHash paragraph, and the process's max RSS.
Candidates per paragraph growing much more slowly than the corpus is what "does not explode"
means here; it is bounded by ``candidate_slots`` per paragraph.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REAL = ROOT.parent / "shared" / "corpus" / "id_news_dev.jsonl"


def _docs(source: str, size: float, seed: int) -> list[dict[str, Any]]:
    if source == "generated":
        from benchmarks.generate import generate

        return list(generate(int(size), seed=seed))
    with open(source, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rng = random.Random(seed)
    return rng.sample(rows, max(1, round(len(rows) * size)))


def run_one(source: str, size: float, seed: int) -> dict[str, Any]:
    from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs

    docs = _docs(source, size, seed)
    index = NearDuplicateIndex(DedupConfig())
    t0 = time.perf_counter()
    for d in docs:
        index.add_document(str(d["id"]), paragraphs(d.get("text") or ""), date=d.get("date"), outlet=d.get("outlet"))
    index._flush()
    t_add = time.perf_counter() - t0
    mem = index.memory_bytes()
    t0 = time.perf_counter()
    res = index.finish()
    t_finish = time.perf_counter() - t0
    st = res.stats
    stored = mem["paragraphs"]
    ram = sum(v for k, v in mem.items() if k != "paragraphs" and not k.startswith("disk_"))
    return {
        "source": "generated" if source == "generated" else Path(source).name, "size": size,
        "paragraphs": st["paragraphs"], "minhash": st["minhash"], "seconds_add": round(t_add, 2),
        "seconds_finish": round(t_finish, 2), "candidates": st["candidates"],
        "verified_pairs": st["verified_pairs"], "accepted_pairs": st["clustered_paragraphs"] - st["clusters"],
        "candidates_per_minhash_paragraph": round(st["candidates"] / max(st["minhash"], 1), 2),
        "ram_bytes_per_paragraph": round(ram / max(stored, 1), 1),
        "disk_bytes_per_minhash_paragraph": round(st["disk_bytes"] / max(st["minhash"], 1), 1),
        "clusters": st["clusters"], "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="50000,100000,200000,400000")
    ap.add_argument("--real", type=Path, nargs="?", const=DEFAULT_REAL)
    ap.add_argument("--fractions", default="0.125,0.25,0.5,1")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--one", nargs=2, metavar=("SOURCE", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), args.seed)))
        return []
    jobs = [("generated", float(s)) for s in args.sizes.split(",") if s]
    if args.real:
        jobs += [(str(args.real), float(f)) for f in args.fractions.split(",") if f]
    rows = []
    cols = ("paragraphs", "minhash", "seconds_add", "seconds_finish", "candidates", "verified_pairs",
            "accepted_pairs", "candidates_per_minhash_paragraph", "ram_bytes_per_paragraph",
            "disk_bytes_per_minhash_paragraph", "max_rss_mb")
    print(f"{'source':18} " + " ".join(f"{c[:14]:>14}" for c in cols))
    for source, size in jobs:
        out = subprocess.run([sys.executable, "-m", "benchmarks.dedup_scale", "--one", source, str(size),
                              "--seed", str(args.seed)], cwd=ROOT, capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['source'][:18]:18} " + " ".join(f"{row[c]:>14,}" if isinstance(row[c], int) else f"{row[c]:>14}"
                                                     for c in cols), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
