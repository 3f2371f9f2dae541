"""``finish()`` of the near-duplicate index, this checkout against another source tree, side by side.

    python -m benchmarks.dedup_finish_ab --base-src DIR [--size 1000000] [--kind syndicated]
                                         [--repeats 3] [--workdir DIR]

The corpus is :mod:`benchmarks.dedup_scale`'s generated one (``--kind``, ``--size`` paragraphs, made
once in ``--workdir``). Each run is a fresh process: the documents are streamed into
:class:`~newsclean.dedup.NearDuplicateIndex` (``add``, sketching included), then ``finish()`` is
timed, after one untimed run of each tree on a 20,000-paragraph corpus (numba's cache filled).
Runs alternate, base then this checkout, ``--repeats`` times (A B A B: a shared, noisy machine
loads both alike); printed per run: the seconds of ``add``, ``finish`` and each stage, the verified
pairs, and a digest of the result (the clusters' arrays and document rows), which must be the same
on both sides when a change is meant to keep the output. Then the medians and their ratio.

To get a base tree: ``git worktree add /tmp/base REV`` (and build its extension:
``python setup.py build_ext --inplace`` there, or copy this checkout's ``_speedups`` module).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def one_run(folder: Path) -> dict[str, Any]:
    """In this process: add the corpus, time ``finish()``, digest the result."""
    import numpy as np

    from benchmarks.dedup_scale import add_corpus
    from newsclean.dedup import DedupConfig, NearDuplicateIndex

    index = NearDuplicateIndex(DedupConfig())
    t0 = time.perf_counter()
    add_corpus(index, folder)
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = index.finish()
    t_finish = time.perf_counter() - t0
    h = hashlib.sha1()
    t = res._table
    if t is not None:
        for a in (t.index, t.starts, t.kept, t.similarity, t.fragment):
            h.update(np.ascontiguousarray(a).tobytes())
    d = res._doc_table
    if d is not None:
        for a in (d.a, d.b, d.coverage_a, d.coverage_b, d.shared):
            h.update(np.ascontiguousarray(a).tobytes())
    return {"add": round(t_add, 3), "finish": round(t_finish, 3), "stages": res.timings,
            "verified": res.stats.get("verified_pairs"), "digest": h.hexdigest()[:16]}


def _spawn(src: Path, folder: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(ROOT)]))
    out = subprocess.run([sys.executable, "-m", "benchmarks.dedup_finish_ab", "--one", str(folder)], env=env,
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-src", type=Path, help="the other tree's src/ directory")
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--kind", choices=("independent", "syndicated"), default="syndicated")
    ap.add_argument("--republish", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsclean-dedup-scale"))
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one_run(args.one)))
        return {}
    if args.base_src is None or not (args.base_src / "newsclean").is_dir():
        ap.error("--base-src must be a src/ directory holding newsclean/")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    from benchmarks.dedup_scale import corpus

    folder = corpus(args.workdir, args.kind, args.size, 1, args.republish)
    small = corpus(args.workdir, args.kind, 20_000, 1, args.republish)
    for src in (args.base_src.resolve(), ROOT / "src"):
        _spawn(src, small)  # numba's cache filled (compiled once if a tree's cache is empty): not timed
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    for r in range(args.repeats):
        for side, src in (("base", args.base_src.resolve()), ("this", ROOT / "src")):
            res = _spawn(src, folder)
            runs[side].append(res)
            print(f"{side:4} {r + 1} load {os.getloadavg()[0]:.2f} add {res['add']:.2f} s finish {res['finish']:.2f} s "
                  f"verified {res['verified']} digest {res['digest']} stages {json.dumps(res['stages'])}", flush=True)
    med = {side: statistics.median(x["finish"] for x in rs) for side, rs in runs.items()}
    same = {x["digest"] for x in runs["base"]} == {x["digest"] for x in runs["this"]}
    ratio = med["this"] / med["base"]
    print(f"finish median: base {med['base']:.2f} s, this {med['this']:.2f} s, this/base {ratio:.3f}; "
          f"pairs {[round(b['finish'] / a['finish'], 3) for a, b in zip(runs['base'], runs['this'], strict=True)]}; "
          f"same result: {same}")
    return {"runs": runs, "median": med, "same_result": same}


if __name__ == "__main__":
    main()
