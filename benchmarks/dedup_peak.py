"""Peak memory of ``NearDuplicateIndex`` on a generated corpus: RSS (anonymous and file-backed)
sampled every 20 ms while adding and during ``finish()``, in bytes per paragraph.

    python -m benchmarks.dedup_peak N [--seed 1] [--save PATH.pkl]

Run it in a fresh process per size (max RSS is then the run's own). The documents are generated
up front and their texts released as they are added, so the corpus itself is not counted twice.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import resource
import threading
import time


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS", "RssAnon", "RssFile")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) * 1024
    return out


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak: dict[str, int] = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            s = _status()
            for k, v in s.items():
                self.peak[k] = max(self.peak[k], v)
            time.sleep(0.02)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save")
    args = ap.parse_args()
    from benchmarks.generate import generate
    from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs

    index = NearDuplicateIndex(DedupConfig())
    base = _status()
    t0 = time.perf_counter()
    for d in generate(args.n, seed=args.seed):
        index.add_document(str(d["id"]), paragraphs(d.get("text") or ""), date=d.get("date"), outlet=d.get("outlet"))
    index._flush()
    gc.collect()
    t_add = time.perf_counter() - t0
    after_add = _status()
    sampler = Sampler()
    sampler.start()
    t0 = time.perf_counter()
    res = index.finish()
    t_finish = time.perf_counter() - t0
    sampler.stop = True
    sampler.join()
    n = res.stats["paragraphs"]
    row = {
        "paragraphs": n, "seconds_add": round(t_add, 1), "seconds_finish": round(t_finish, 1),
        "rss_before_add_mb": round(base["VmRSS"] / 2**20), "rss_after_add_mb": round(after_add["VmRSS"] / 2**20),
        "anon_after_add_mb": round(after_add["RssAnon"] / 2**20),
        "file_after_add_mb": round(after_add["RssFile"] / 2**20),
        "finish_peak_rss_mb": round(sampler.peak["VmRSS"] / 2**20),
        "finish_peak_anon_mb": round(sampler.peak["RssAnon"] / 2**20),
        "finish_peak_file_mb": round(sampler.peak["RssFile"] / 2**20),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "finish_peak_bytes_per_paragraph": round((sampler.peak["VmRSS"] - base["VmRSS"]) / n),
        "candidates": res.stats["candidates"], "verified": res.stats["verified_pairs"],
        "clusters": res.stats["clusters"], "disk_bytes": res.stats["disk_bytes"],
    }
    print(json.dumps(row))
    if args.save:
        with open(args.save, "wb") as fh:
            pickle.dump((res.clusters, res.dropped, res.documents), fh)


if __name__ == "__main__":
    main()
