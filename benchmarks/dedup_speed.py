"""MinHash signature throughput: the compiled bulk kernel against datasketch, side by side.

    python -m benchmarks.dedup_speed [--corpus PATH.jsonl] [--n 20000] [--n-slow 1000] [--repeats 5] [--json OUT]

All methods run in one process on the same paragraphs (character 5-grams, 128 permutations);
each measurement is repeated, interleaved, and the median taken:

* ``datasketch update``: a Python loop over shingles of the *normalized* text calling
  ``MinHash.update`` (default SHA-1 hash) — the reference every ratio is taken against (it is
  not charged for normalization);
* ``datasketch update, raw text``: the same loop including Python normalization;
* ``datasketch bulk``: ``MinHash.bulk`` (``update_batch`` per paragraph, same hash);
* ``newsclean kernel``: :func:`compute_signatures` on normalized text (numba);
* ``newsclean raw text``: :func:`sketch` on raw text: compiled normalization, shingling,
  hashing, sorted shingle sets, word tokens and signatures (the index's whole text -> signature path);
* ``newsclean python-normalize+kernel``: ``normalize_many`` (Python) + kernel, the previous path.

The newsclean methods run on 1 and 2 numba threads. Slow baselines run on ``--n-slow``
paragraphs, the rest on ``--n``; rates are paragraphs/s. The script also reports the index's
stored bytes per paragraph in RAM and spilled to disk.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
from datasketch import MinHash

from newsclean.dedup import DedupConfig, NearDuplicateIndex, ShingleOptions, paragraphs
from newsclean.dedup.shingles import normalize_many, shingles_of_normalized
from newsclean.dedup.signatures import compute_signatures, sketch

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "id_news_dev.jsonl"
WORDS = ("rusia ukraina nato moskow washington pembicaraan keamanan menteri luar negeri sanksi pasukan "
         "perbatasan jenewa brussels wina kremlin juru bicara mengatakan yang dan di dengan untuk").split()


def load_paragraphs(path: Path, n: int, seed: int) -> list[str]:
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            paras = [t for line in fh for _, t in paragraphs(json.loads(line).get("text") or "")]
        paras = [p for p in paras if len(p) >= 40]
        rng = random.Random(seed)
        return [rng.choice(paras) for _ in range(n)]
    rng = random.Random(seed)  # seeded generator when the corpus is not there
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 60))) + "." for _ in range(n)]


def per_shingle(norm: list[str], opts: ShingleOptions) -> None:
    for t in norm:
        m = MinHash(num_perm=128)
        for s in shingles_of_normalized(t, opts):
            m.update(s.encode("utf-8"))


def per_shingle_raw(raw: list[str], opts: ShingleOptions) -> None:
    per_shingle(normalize_many(raw, opts), opts)


def bulk(norm: list[str], opts: ShingleOptions) -> None:
    MinHash.bulk([[s.encode("utf-8") for s in shingles_of_normalized(t, opts)] for t in norm], num_perm=128)


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--n-slow", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    opts = ShingleOptions()
    raw = load_paragraphs(args.corpus, args.n, args.seed)
    norm = normalize_many(raw, opts)
    slow = norm[: args.n_slow]
    slow_raw = raw[: args.n_slow]
    sketch(raw[:64], opts)  # compile outside the timings
    max_threads = numba.config.NUMBA_NUM_THREADS
    methods: dict[str, tuple[int, Callable[[], Any]]] = {
        "datasketch update (per shingle)": (len(slow), lambda: per_shingle(slow, opts)),
        "datasketch update, raw text": (len(slow), lambda: per_shingle_raw(slow_raw, opts)),
        "datasketch MinHash.bulk": (len(slow), lambda: bulk(slow, opts)),
    }
    for th in sorted({1, min(2, max_threads)}):
        def kernel(th: int = th) -> None:
            numba.set_num_threads(th)
            compute_signatures(norm, opts)

        def e2e(th: int = th) -> None:
            numba.set_num_threads(th)
            sketch(raw, opts)

        def old(th: int = th) -> None:
            numba.set_num_threads(th)
            compute_signatures(normalize_many(raw, opts), opts)

        methods[f"newsclean kernel, {th} thread(s)"] = (len(norm), kernel)
        methods[f"newsclean raw text, {th} thread(s)"] = (len(norm), e2e)
        methods[f"newsclean python-normalize+kernel, {th}"] = (len(norm), old)
    times: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(args.repeats):
        for name, (_, fn) in methods.items():
            times[name].append(timed(fn))
    numba.set_num_threads(max_threads)
    base = args.n_slow / statistics.median(times["datasketch update (per shingle)"])
    rows = []
    bulk_rate = args.n_slow / statistics.median(times["datasketch MinHash.bulk"])
    print(f"{'method':42} {'paragraphs/s':>13} {'x update':>9} {'x bulk':>7}   (median of {args.repeats})")
    for name, (n, _) in methods.items():
        rate = n / statistics.median(times[name])
        rows.append({"method": name, "paragraphs_per_s": rate, "ratio_vs_update": rate / base,
                     "ratio_vs_bulk": rate / bulk_rate, "n": n, "seconds": times[name]})
        print(f"{name:42} {rate:13,.0f} {rate / base:9.1f} {rate / bulk_rate:7.1f}")
    fallback = sketch(raw, opts).python_fallback
    print(f"python fallback (code points outside the fast path): {fallback} of {len(raw)} paragraphs")

    index = NearDuplicateIndex(DedupConfig())
    index.add_document("bench", list(enumerate(raw)))
    index._flush()
    mem = index.memory_bytes()
    per = sum(v for k, v in mem.items() if k != "paragraphs" and not k.startswith("disk_")) / max(mem["paragraphs"], 1)
    disk = mem["disk_tokens"] / max(mem["paragraphs"], 1)
    print(f"\nindex storage: {per:.1f} bytes/paragraph in RAM, {disk:.1f} bytes/paragraph on disk "
          f"({', '.join(f'{k} {v}' for k, v in mem.items())})")
    report = {"rows": rows, "index_bytes_per_paragraph": per, "disk_bytes_per_paragraph": disk, "index_bytes": mem,
              "mean_chars": statistics.mean(len(t) for t in raw), "threads_available": max_threads}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
