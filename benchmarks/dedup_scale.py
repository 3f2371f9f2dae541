"""How the near-duplicate stage scales, on independent and on syndicated news: candidates and verifications
per paragraph, time per stage and peak memory, from 100k to 10M paragraphs.

    python -m benchmarks.dedup_scale [--sizes 100000,1000000,10000000] [--kinds independent,syndicated]
                                     [--republish 20] [--workdir DIR] [--seed 1] [--json OUT]

Two seeded generated corpora per size (:mod:`benchmarks.generate`, JSONL; kept in ``--workdir`` and
reused when they match): ``independent`` (the generator's defaults: 8% of paragraphs near-copies,
3% of documents syndicated) and ``syndicated`` (``--republish 20``: every article published 20 times
in all, each copy with edits, so a paragraph has up to 19 near-copies). Each (kind, size) runs in a
fresh process: the documents are streamed from the files into :class:`NearDuplicateIndex` (raw
paragraphs, no cleaning), then ``finish()`` is timed. Printed per run: paragraphs, the LSH candidates
and the verified pairs per MinHash paragraph (what "linear under syndication" is about: they must not
grow with the corpus or with the number of copies), ``finish`` seconds and MB/s of text, the seconds
of each stage (``DedupResult.timings``), clusters, and the process's peak RSS (``ru_maxrss``).

Memory per stage (``--stages``, printed as ``stage_peak_mib``): the peak resident memory of the
process during each stage (``add``: streaming the documents in; the stages of ``finish``;
``results``: the ``duplicates.jsonl`` lines and document rows made from the result, with empty
texts), read from ``VmHWM`` as the stage ends, which is then reset (``/proc/self/clear_refs``), so
each figure is that stage's own peak; beside it the peaks of anonymous and file-backed memory
(``RssAnon``/``RssFile``, sampled every 10 ms: a memory map of the token file counts as file-backed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("independent", "syndicated")


def corpus(workdir: Path, kind: str, size: int, seed: int, republish: int) -> Path:
    """The generated corpus of ``kind`` and ``size`` paragraphs (written once, then reused)."""
    from benchmarks.generate import GeneratorOptions, write_corpus

    folder = workdir / (f"{kind}-{size}-{seed}" + ("" if kind == "independent" else f"-r{republish}"))
    meta = folder / "_truth.json"
    if meta.is_file():
        return folder
    opts = GeneratorOptions(republish=republish if kind == "syndicated" else 0)
    sys.stderr.write(f"generating {kind} {size:,} paragraphs into {folder} ...\n")
    write_corpus(folder, size, seed, fmt="jsonl", docs_per_file=1000, options=opts)
    return folder


def _status() -> dict[str, int]:
    """``VmHWM``, ``VmRSS``, ``RssAnon`` and ``RssFile`` of this process, in KiB."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile")):
                k, v = line.split(":")
                out[k] = int(v.split()[0])
    return out


class StageMemory(threading.Thread):
    """Peak memory per stage: :meth:`mark` ends a stage, recording the peak RSS since the last mark
    (``VmHWM``, reset at each mark through ``/proc/self/clear_refs``; without it, the peak of the
    sampled RSS) and the sampled peaks of anonymous and file-backed memory."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.stages: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()
        self._peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
        self._done = threading.Event()
        self.resettable = self._reset_hwm()

    @staticmethod
    def _reset_hwm() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    def _sample(self) -> dict[str, int]:
        s = _status()
        with self._lock:
            for k in self._peak:
                self._peak[k] = max(self._peak[k], s[k])
        return s

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self._sample()

    def mark(self, stage: str) -> None:
        s = self._sample()
        with self._lock:
            peak = s["VmHWM"] if self.resettable else self._peak["VmRSS"]
            self.stages[stage] = {"peak_mib": round(peak / 1024, 1),
                                  "anon_peak_mib": round(self._peak["RssAnon"] / 1024, 1),
                                  "file_peak_mib": round(self._peak["RssFile"] / 1024, 1),
                                  "end_mib": round(s["VmRSS"] / 1024, 1)}
            self._reset_hwm()
            self._peak = dict.fromkeys(self._peak, 0)

    def stop(self) -> None:
        self._done.set()
        self.join()


def add_corpus(index: Any, folder: Path) -> int:
    """Stream a generated corpus's documents into ``index`` (raw paragraphs, no cleaning) and flush
    its last batch; returns the UTF-8 bytes of the texts."""
    from newsclean.dedup import paragraphs

    nbytes = 0
    for f in sorted((folder / "corpus").glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                nbytes += len(d["text"].encode("utf-8"))
                index.add_document(str(d["id"]), paragraphs(d["text"]), date=d.get("date"), outlet=d.get("outlet"))
    index._flush()
    return nbytes


def run_one(folder: Path, stages: bool = False) -> dict[str, Any]:
    from newsclean.dedup import DedupConfig, NearDuplicateIndex

    index = NearDuplicateIndex(DedupConfig())
    memory = StageMemory() if stages else None
    if memory is not None:
        memory.start()
        index._on_stage = memory.mark
    t0 = time.perf_counter()
    nbytes = add_corpus(index, folder)
    t_add = time.perf_counter() - t0
    if memory is not None:
        memory.mark("add")
    t0 = time.perf_counter()
    res = index.finish()
    t_finish = time.perf_counter() - t0
    extra: dict[str, Any] = {}
    if memory is not None:
        # What the command line makes of the result: duplicates.jsonl lines (texts left empty) and document rows.
        n_bytes = sum(len(x) for x in res.cluster_lines(lambda keys: [None] * len(keys)))
        n_bytes += len(json.dumps(res.document_rows()))
        memory.mark("results")
        memory.stop()
        # (VmHWM was reset at each mark, and ru_maxrss with it: the run's peak is the largest stage's.)
        extra = {"results_chars": n_bytes, "stage_memory": memory.stages,
                 "stage_peak_mib": {k: v["peak_mib"] for k, v in memory.stages.items()},
                 "max_rss_mib": max(v["peak_mib"] for v in memory.stages.values())}
    st = res.stats
    mh = max(st["minhash"], 1)
    return {
        "paragraphs": st["paragraphs"], "minhash": st["minhash"], "megabytes": round(nbytes / 1e6, 2),
        "seconds_add": round(t_add, 2), "seconds_finish": round(t_finish, 2),
        "finish_mb_per_s": round(nbytes / 1e6 / max(t_finish, 1e-9), 2),
        "candidates_per_paragraph": round(st["candidates"] / mh, 2),
        "verified_per_paragraph": round(st["verified_pairs"] / mh, 2), "verified_pairs": st["verified_pairs"],
        "clusters": st["clusters"], "clustered_paragraphs": st["clustered_paragraphs"],
        "stage_seconds": res.timings,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), **extra,
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000,10000000")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--republish", type=int, default=20)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsclean-dedup-scale"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--stages", action="store_true", help="peak memory per stage (printed as stage_peak_mib)")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(run_one(args.one, args.stages)))
        return []
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    cols = ("paragraphs", "megabytes", "candidates_per_paragraph", "verified_per_paragraph", "seconds_finish",
            "finish_mb_per_s", "clusters", "max_rss_mib")
    print(f"{'kind':12} " + " ".join(f"{c[:14]:>14}" for c in cols) + "  stage seconds")
    for size in [int(s) for s in args.sizes.split(",") if s]:
        for kind in [k for k in args.kinds.split(",") if k]:
            folder = corpus(args.workdir, kind, size, args.seed, args.republish)
            out = subprocess.run([sys.executable, "-m", "benchmarks.dedup_scale", "--one", str(folder)]
                                 + (["--stages"] if args.stages else []), cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            row = {"kind": kind, "size": size,
                   **json.loads(next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))[7:])}
            rows.append(row)
            print(f"{kind:12} " + " ".join(f"{row[c]:>14,}" if isinstance(row[c], int) else f"{row[c]:>14}"
                                           for c in cols) + "  " + json.dumps(row["stage_seconds"]), flush=True)
            if args.stages:
                print(f"{'':12} stage peak MiB: " + json.dumps(row["stage_peak_mib"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
