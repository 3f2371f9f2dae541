"""Throughput of ``--engine ray`` with 1 and 2 worker CPUs against the local engine, on one corpus.

    python -m benchmarks.engine_ray [--paragraphs N] [--republish R] [--repeats K] [--json PATH]

(run it with a Python that has Ray: ``pip install -e ".[ray,bench]"``). With ``--equivalence`` it compares every
output of both engines instead, on the dev corpora (``--corpus-dir``) and a generated syndicated corpus of
``--syndicated-mb`` MB, ``--engine ray`` joined to a separately started head. One seeded syndicated corpus
(:mod:`benchmarks.generate`, JSONL, 500 documents per file) is written to a temporary folder; then, ``K``
times, every row runs the CLI in its own process, interleaved (repeat 1 of every row, then repeat 2,
...), and its outputs are checked byte for byte against the local engine's (``--jobs 1``):

- ``local, --jobs 1`` and ``local, --jobs 2``: the local engine;
- ``ray, 1 CPU`` and ``ray, 2 CPUs``: ``--engine ray --jobs N`` with no address: the run starts a Ray
  cluster of ``N`` CPUs on this machine (loopback only) and stops it at the end;
- ``ray joined, 2 CPUs``: ``--engine ray`` with ``RAY_ADDRESS`` of a head started once beforehand
  (``ray start --head --num-cpus 2``, on loopback), so the cluster's start is not in the run.

The table shows medians of wall clock (the whole process), MB/s of input and the ratio to
``local, --jobs 1`` of the same repeat (median over repeats), and, from the runs' report.json, where
the time of the Ray runs goes: starting or joining the cluster (``cluster_seconds``), the first pass
(``clean_seconds``: shard tasks), the near-duplicate stages (``dedup_*_seconds``), and the rest
(interpreter and imports, keys and reports on the driver, scratch folder).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def default_corpus_dir() -> Path:
    """``../shared/corpus`` beside the project, or ``$NEWSCLEAN_SHARED/corpus`` (as benchmarks.equivalence)."""
    env = os.environ.get("NEWSCLEAN_SHARED")
    return (Path(env) if env else ROOT.parent / "shared") / "corpus"

ROWS = (
    ("local, --jobs 1", ["--jobs", "1"], False),
    ("local, --jobs 2", ["--jobs", "2"], False),
    ("ray, 1 CPU", ["--engine", "ray", "--jobs", "1"], False),
    ("ray, 2 CPUs", ["--engine", "ray", "--jobs", "2"], False),
    ("ray joined, 2 CPUs", ["--engine", "ray"], True),
)
STAGES = ("cluster_seconds", "clean_seconds", "dedup_exact_seconds", "dedup_candidates_seconds",
          "dedup_greedy_seconds", "dedup_fragments_seconds", "dedup_merges_seconds", "dedup_records_seconds",
          "dedup_seconds", "total_seconds")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0", **extra)
    return env


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in ("report.json", "report.html")}


class Head:
    """``ray start --head --block`` on loopback in a session of its own, stopped with every process of
    that session."""

    def __init__(self, cpus: int, tmp: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        ray = Path(sys.executable).with_name("ray")
        self.proc = subprocess.Popen(
            [str(ray), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={self.port}",
             f"--num-cpus={cpus}", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={tmp}",
             "--object-store-memory=300000000"],
            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("the Ray head did not start")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.getsid(int(d)) == self.proc.pid:
                        os.kill(int(d), signal.SIGKILL)
                except OSError:
                    pass


def _run(corpus: Path, out: Path, options: list[str], env: dict[str, str]) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsclean", str(corpus), str(out), "--quiet", *options],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"newsclean {' '.join(options)} failed: {proc.stderr[-2000:]}")
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    return {"wall": wall, "timings": report["timings"], "mb": report["bytes"]["in"] / 1e6}


def _report(out: Path) -> dict[str, Any]:
    """report.json without what may differ between the engines (timings, the engine block, the
    counts of verifications made)."""
    from newsclean.distributed.dedup import WORK_STATS

    rep = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    rep.pop("timings", None)
    rep.pop("engine", None)
    for k in WORK_STATS:
        (rep.get("dedup") or {}).get("stats", {}).pop(k, None)
    return rep


#: Equivalence runs: corpus (under --corpus-dir, or the generated one) and options.
EQUIVALENCE = (
    ("id_news_dev.jsonl", ["--dedup", "drop", "--explain"]),
    ("id_news_dev.jsonl", ["--keep", "longest"]),
    ("en_news_dev.jsonl", ["--dedup", "drop", "--explain"]),
    ("hoax_dev.jsonl", ["--dedup", "drop", "--explain"]),
    ("html_id", ["--explain"]),
    ("@syndicated", ["--dedup", "drop", "--explain"]),
    ("@syndicated", ["--keep", "earliest"]),
)


def equivalence(corpus_dir: Path, syndicated_mb: float, work: Path, head: Head, republish: int = 4) -> int:
    """Every output of the local engine and of --engine ray (joined to ``head``), compared byte for byte
    (the generated corpus with every article published ``republish`` times in all)."""
    from benchmarks.generate import main as generate_main

    paragraphs = int(syndicated_mb * 1e6 / 163)  # the generator writes about 163 bytes per paragraph
    generate_main([str(work / "synd"), "--paragraphs", str(paragraphs), "--seed", "20", "--republish", str(republish),
                   "--docs-per-file", "500"])
    failed = 0
    print(f"{'corpus':<22}{'options':<30}{'MB':>7}{'files':>7}{'local s':>9}{'ray s':>8}  same")
    for name, options in EQUIVALENCE:
        inp = work / "synd" / "corpus" if name == "@syndicated" else corpus_dir / name
        if not inp.exists():
            print(f"{name:<22}{' '.join(options):<30}  (missing: skipped)")
            continue
        out = work / "out"
        local = _run_any(inp, out, options, _env())
        want, want_rep = _files(out), _report(out)
        ray = _run_any(inp, out, [*options, "--engine", "ray"], _env(RAY_ADDRESS=head.address))
        got, got_rep = _files(out), _report(out)
        same = got == want and got_rep == want_rep and ray["code"] == local["code"]
        failed += not same
        n_files = sum(1 for p in (inp.rglob("*") if inp.is_dir() else [inp]) if p.is_file())
        print(f"{name:<22}{' '.join(options):<30}{local['mb']:>7.2f}{n_files:>7}{local['wall']:>9.1f}"
              f"{ray['wall']:>8.1f}  {'yes' if same else 'NO'}")
    return 1 if failed else 0


def _run_any(corpus: Path, out: Path, options: list[str], env: dict[str, str]) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsclean", str(corpus), str(out), "--quiet", *options],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"newsclean {' '.join(options)} failed: {proc.stderr[-2000:]}")
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    return {"wall": wall, "code": proc.returncode, "mb": report["bytes"]["in"] / 1e6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=40_000)
    ap.add_argument("--republish", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--equivalence", action="store_true",
                    help="instead: compare every output of both engines on the dev corpora and a generated "
                         "syndicated corpus (--syndicated-mb, --republish), --engine ray joined to a separately "
                         "started head")
    ap.add_argument("--corpus-dir", type=Path, default=default_corpus_dir())
    ap.add_argument("--syndicated-mb", type=float, default=20.0)
    args = ap.parse_args(argv)
    if args.equivalence:
        work = Path(tempfile.mkdtemp(prefix="nc-engine-ray-eq-"))
        head = Head(2, work / "rayhead")
        try:
            return equivalence(args.corpus_dir, args.syndicated_mb, work, head, args.republish)
        finally:
            head.stop()
            shutil.rmtree(work, ignore_errors=True)
    from benchmarks.generate import main as generate_main

    work = Path(tempfile.mkdtemp(prefix="nc-engine-ray-"))
    head = None
    try:
        generate_main([str(work / "gen"), "--paragraphs", str(args.paragraphs), "--seed", str(args.seed),
                       "--republish", str(args.republish), "--docs-per-file", "500"])
        corpus = work / "gen" / "corpus"
        head = Head(2, work / "rayhead")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in ROWS}
        reference: dict[str, bytes] | None = None
        for _ in range(args.repeats):
            for name, options, joined in ROWS:
                env = _env(RAY_ADDRESS=head.address) if joined else _env()
                out = work / "out"
                r = _run(corpus, out, options, env)
                files = _files(out)
                if reference is None:
                    reference = files
                elif files != reference:
                    raise RuntimeError(f"{name}: outputs differ from the local engine's")
                runs[name].append(r)
        mb = runs[ROWS[0][0]][0]["mb"]
        base = [r["wall"] for r in runs[ROWS[0][0]]]
        table = []
        for name, _, _ in ROWS:
            walls = [r["wall"] for r in runs[name]]
            row = {"row": name, "wall_s": round(statistics.median(walls), 2),
                   "mb_per_s": round(mb / statistics.median(walls), 3),
                   "x_local_jobs1": round(statistics.median(b / w for b, w in zip(base, walls, strict=True)), 3)}
            for st in STAGES:
                vals = [r["timings"][st] for r in runs[name] if st in r["timings"]]
                if vals:
                    row[st] = round(statistics.median(vals), 2)
            table.append(row)
        print(f"corpus: {args.paragraphs} paragraphs (--republish {args.republish}), {mb:.2f} MB; "
              f"{args.repeats} repeats; {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"outputs byte-identical in every run")
        print(f"{'row':<22}{'wall s':>8}{'MB/s':>8}{'x local-1':>10}{'cluster':>9}{'clean':>8}{'dedup':>8}")
        for row in table:
            print(f"{row['row']:<22}{row['wall_s']:>8}{row['mb_per_s']:>8}{row['x_local_jobs1']:>10}"
                  f"{row.get('cluster_seconds', ''):>9}{row.get('clean_seconds', ''):>8}"
                  f"{row.get('dedup_seconds', ''):>8}")
        print("near-duplicate stages of the Ray runs (s): "
              + "; ".join(f"{row['row']}: " + ", ".join(f"{st[6:-8]} {row[st]}" for st in STAGES
                                                        if st.startswith("dedup_") and st != "dedup_seconds"
                                                        and st in row)
                          for row in table if "cluster_seconds" in row))
        if args.json:
            args.json.write_text(json.dumps({"paragraphs": args.paragraphs, "republish": args.republish,
                                             "mb": mb, "repeats": args.repeats, "rows": table,
                                             "runs": runs}, indent=2) + "\n", encoding="utf-8")
    finally:
        if head is not None:
            head.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
