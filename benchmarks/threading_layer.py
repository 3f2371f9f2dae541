"""Near-duplicate detection on numba's threading layers, side by side.

    python -m benchmarks.threading_layer [--paragraphs 100000] [--seed 1] [--repeats 3]
                                         [--layers workqueue,omp] [--json OUT]

Generates a corpus (:mod:`benchmarks.generate`), then, for each repeat, runs every layer in a fresh
process (``NUMBA_THREADING_LAYER=<layer>``; interleaved, so the machine's load hits each alike):
the index takes every document's paragraphs (``add``: sketching) and ``finish()`` clusters them.
A small warm-up run first keeps numba's compile/cache load out of the timings. Prints the medians
per layer and checks that every layer found the same clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(corpus: str) -> None:
    import numba

    from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs

    docs = []
    for f in sorted(Path(corpus).glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                docs.append((r["id"], r["text"]))
    warm = NearDuplicateIndex(DedupConfig())
    for k, t in docs[:200]:
        warm.add_document(k, paragraphs(t))
    warm.finish()
    t0 = time.perf_counter()
    index = NearDuplicateIndex(DedupConfig())
    for k, t in docs:
        index.add_document(k, paragraphs(t))
    t1 = time.perf_counter()
    result = index.finish()
    t2 = time.perf_counter()
    print(json.dumps({"layer": numba.threading_layer(), "add_s": t1 - t0, "finish_s": t2 - t1,
                      "clusters": len(result.clusters)}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--layers", default="workqueue,omp")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    from benchmarks.generate import write_corpus

    layers = [x.strip() for x in args.layers.split(",") if x.strip()]
    runs: dict[str, list[dict[str, float]]] = {layer: [] for layer in layers}
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(tmp, args.paragraphs, args.seed)
        for _ in range(args.repeats):
            for layer in layers:
                env = {**os.environ, "NUMBA_THREADING_LAYER": layer}
                out = subprocess.run([sys.executable, "-m", "benchmarks.threading_layer", "--child",
                                      str(Path(tmp) / "corpus")], env=env, capture_output=True, text=True,
                                     check=True)
                runs[layer].append(json.loads(out.stdout.strip().splitlines()[-1]))
    clusters = {r["clusters"] for rs in runs.values() for r in rs}
    summary = {layer: {"add_s": round(statistics.median(r["add_s"] for r in rs), 2),
                       "finish_s": round(statistics.median(r["finish_s"] for r in rs), 2),
                       "layer": rs[0]["layer"]} for layer, rs in runs.items()}
    print(f"{args.paragraphs} paragraphs, {args.repeats} repeats (medians); same clusters: {len(clusters) == 1}")
    print("| layer | add (sketch) | finish |")
    print("|---|---|---|")
    for s in summary.values():
        print(f"| {s['layer']} | {s['add_s']} s | {s['finish_s']} s |")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2) + "\n", encoding="utf-8")
    return 0 if len(clusters) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
