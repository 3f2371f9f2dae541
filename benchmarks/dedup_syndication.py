"""The near-duplicate stage of the command line on syndicated news, beside a base commit: 20 MB and 100 MB.

    python -m benchmarks.dedup_syndication [--base REF] [--megabytes 20,100] [--republish 20]
                                           [--repeats 3] [--workdir DIR] [--json OUT]

One seeded syndicated corpus (:mod:`benchmarks.generate` ``--republish 20``: every article published 20
times in all, with edits) of about the largest ``--megabytes``; the smaller sizes are its first files
(as the issue measured "the first 20 MB of the same corpus"). ``python -m newsclean IN OUT --quiet``
(every core, ``--dedup report``) runs on each size with this checkout and with ``--base`` (a git ref,
checked out once in a worktree under ``--workdir``), each in its own process, interleaved over the
repeats after one untimed warm-up each (numba's compile caches). The near-duplicate stage's time is
the run's own ``timings.dedup_seconds`` in ``report.json`` (``finish()`` of the index and the writing of
``duplicates.jsonl``); its throughput is the input's MB over it. Printed: medians per (checkout,
size), the ratio of the throughput at the largest size to the smallest (scaling; 1.0 = linear), and
the ratio to the base (medians of per-repeat ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.throughput import machine, run_measured

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPH_BYTES = 146  # mean text bytes per generated syndicated paragraph, to size the corpus


def corpus(workdir: Path, megabytes: list[float], republish: int, seed: int) -> dict[float, Path]:
    """Folders of symlinks to the first files of the corpus holding about each size."""
    from benchmarks.generate import GeneratorOptions, write_corpus

    top = max(megabytes)
    gen = workdir / f"syndicated-{top:g}mb-r{republish}-s{seed}"
    if not (gen / "_truth.json").is_file():
        sys.stderr.write(f"generating a {top:g} MB syndicated corpus into {gen} ...\n")
        write_corpus(gen, int(top * 1e6 / PARAGRAPH_BYTES), seed, fmt="jsonl", docs_per_file=1000,
                     options=GeneratorOptions(republish=republish))
    files = sorted((gen / "corpus").glob("*.jsonl"))
    # Text bytes per file byte (the files also hold ids, URLs, titles): to cut prefixes by text.
    text_share = json.loads((gen / "_truth.json").read_text())["counts"]["bytes"] / sum(f.stat().st_size for f in files)
    out = {}
    for mb in megabytes:
        folder = workdir / f"prefix-{mb:g}mb"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        total = 0.0
        for f in files:
            if total >= mb * 1e6:
                break
            (folder / f.name).symlink_to(f.resolve())
            total += f.stat().st_size * text_share
        out[mb] = folder
    return out


def checkout(workdir: Path, ref: str) -> Path:
    """A worktree of ``ref`` (created once)."""
    sha = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tree = workdir / f"base-{sha[:10]}"
    if not (tree / "src").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True,
                       capture_output=True)
    return tree


def run_cli(src: Path, folder: Path, out: Path) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(src))
    r = run_measured([sys.executable, "-m", "newsclean", str(folder), str(out), "--quiet"], env=env)
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    mb = report["bytes"]["in"] / 1e6
    t = report["timings"]
    dedup = report.get("dedup") or {}
    return {"mb": mb, "dedup_seconds": t["dedup_seconds"], "clean_seconds": t["clean_seconds"],
            "wall": r["wall"], "max_rss_mib": max(r["rss_mib"], r["tree_rss_mib"]),
            "dedup_mb_per_s": mb / max(t["dedup_seconds"], 1e-9), "clusters": dedup.get("clusters"),
            "stage_seconds": {k[len("dedup_"):-len("_seconds")]: v for k, v in t.items()
                              if k.startswith("dedup_") and k != "dedup_seconds"}}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="c8eb1b6", help="git ref to compare with (default: before issue 12)")
    ap.add_argument("--megabytes", default="20,100")
    ap.add_argument("--republish", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsclean-dedup-syndication"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [float(x) for x in args.megabytes.split(",") if x]
    folders = corpus(args.workdir, sizes, args.republish, args.seed)
    sides = {"this": ROOT / "src", "base": checkout(args.workdir, args.base) / "src"}
    for name, src in sides.items():  # warm-up: compile caches
        run_cli(src, folders[min(sizes)], args.workdir / f"out-{name}")
    runs: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for _ in range(args.repeats):
        for mb in sizes:
            for name, src in sides.items():
                runs.setdefault((name, mb), []).append(run_cli(src, folders[mb], args.workdir / f"out-{name}"))
    report: dict[str, Any] = {"machine": machine(), "base": args.base, "repeats": args.repeats, "rows": []}
    print(f"{'checkout':8} {'MB':>7} {'dedup s':>8} {'dedup MB/s':>11} {'x base':>7} {'clean s':>8} {'peak MiB':>9}")
    for mb in sizes:
        for name in sides:
            rs = runs[(name, mb)]
            ratio = statistics.median(a["dedup_mb_per_s"] / b["dedup_mb_per_s"]
                                      for a, b in zip(rs, runs[("base", mb)], strict=True))
            row = {"checkout": name, "target_mb": mb, "mb": round(rs[0]["mb"], 2),
                   "dedup_seconds": statistics.median(r["dedup_seconds"] for r in rs),
                   "dedup_mb_per_s": statistics.median(r["dedup_mb_per_s"] for r in rs),
                   "x_base": ratio, "clean_seconds": statistics.median(r["clean_seconds"] for r in rs),
                   "max_rss_mib": max((r["max_rss_mib"] or 0) for r in rs), "runs": rs}
            report["rows"].append(row)
            print(f"{name:8} {row['mb']:7.1f} {row['dedup_seconds']:8.2f} {row['dedup_mb_per_s']:11.2f} "
                  f"{ratio:7.2f} {row['clean_seconds']:8.1f} {row['max_rss_mib']:9.0f}")
    lo, hi = min(sizes), max(sizes)
    for name in sides:
        rate = {r["target_mb"]: r["dedup_mb_per_s"] for r in report["rows"] if r["checkout"] == name}
        report[f"scaling_{name}"] = rate[hi] / rate[lo]
        print(f"{name}: dedup throughput at {hi:g} MB / at {lo:g} MB = {rate[hi] / rate[lo]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
