"""The 1M-paragraph end-to-end run: CLI throughput and peak RSS as the corpus grows.

    python -m benchmarks.e2e_1m [--paragraphs 1000000] [--steps 100000,300000] [--workdir DIR]
                                [--json PATH] [--timeout 3600] [--max-memory-gib 12]

A benchmark, not a test (it takes minutes to hours). One seeded corpus of ``--paragraphs``
paragraphs is generated (:mod:`benchmarks.generate`, JSONL, 1,000 documents per file; kept in
``--workdir`` and reused when it matches); the ``--steps`` are prefixes of it (its first files).
For each size, ``python -m newsclean IN OUT --dedup report --quiet`` (the CLI's defaults: every
core) runs in its own process: wall clock, peak RSS (the larger of ``ru_maxrss`` via ``os.wait4``
and the sampled sum over the process and its workers), and the CLI's own clean/dedup split and LSH
candidate count. At the full size ``--dedup off`` runs too,
plus side by side the naive pipeline on ``--naive-mb`` and the hardware floor (see
:mod:`benchmarks.throughput`). Peak RSS is fitted against the paragraph count (least squares, and
the growth between the last two sizes) and extrapolated to 10M paragraphs.

Every run is capped (``--timeout`` seconds, ``--max-memory-gib`` of data segment) so that a run
that would not finish or would exhaust a shared machine is recorded as such, not waited for.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.throughput import (
    ROOT,
    TARGETS,
    _child_cmd,
    _cli_report,
    _env,
    machine,
    run_measured,
)


def _corpus(work: Path, n: int, seed: int) -> dict[str, Any]:
    from benchmarks.generate import write_corpus

    gen = work / "gen"
    meta = gen / "_truth.json"
    if meta.is_file():
        old = json.loads(meta.read_text(encoding="utf-8"))
        if old.get("paragraphs") == n and old.get("seed") == seed and old.get("format") == "jsonl":
            sys.stderr.write(f"reusing corpus in {gen}\n")
            return old
        shutil.rmtree(gen)
    sys.stderr.write(f"generating {n:,} paragraphs into {gen} ...\n")
    return write_corpus(gen, n, seed, fmt="jsonl", docs_per_file=1000)


def _file_sizes(work: Path) -> list[tuple[str, int, int]]:
    """(file, paragraphs, text bytes) of each corpus file, in order."""
    per: dict[str, list[int]] = {}
    with open(work / "gen" / "_truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            per.setdefault(row["file"], [0, 0])[0] += row["paragraphs"]
    corpus = work / "gen" / "corpus"
    for name in per:
        with open(corpus / name, encoding="utf-8") as fh:
            per[name][1] = sum(len(json.loads(x)["text"].encode("utf-8")) for x in fh)
    return [(k, v[0], v[1]) for k, v in per.items()]


def _prefix(work: Path, files: list[tuple[str, int, int]], want: int) -> tuple[Path, int, float]:
    """A folder of symlinks to the first files holding at least ``want`` paragraphs."""
    folder = work / f"prefix-{want}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    n = b = 0
    for name, paras, nbytes in files:
        if n >= want:
            break
        (folder / name).symlink_to((work / "gen" / "corpus" / name).resolve())
        n += paras
        b += nbytes
    return folder, n, b / 1e6


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares line ``rss = a + b * n`` through ``(n, rss)`` points."""
    k = len(points)
    mx = sum(p[0] for p in points) / k
    my = sum(p[1] for p in points) / k
    sxx = sum((p[0] - mx) ** 2 for p in points)
    b = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else 0.0
    return my - b * mx, b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.e2e_1m", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=1_000_000)
    ap.add_argument("--steps", default="100000,300000", help="smaller sizes, comma-separated ('' for none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="keep (and reuse) the corpus here (default: a temp dir)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per run (default 3600)")
    ap.add_argument("--max-memory-gib", type=float, default=12.0,
                    help="data-segment cap per run (default 12)")
    ap.add_argument("--naive-mb", type=float, default=2.0)
    ap.add_argument("--no-baselines", action="store_true", help="skip the naive and floor runs")
    a = ap.parse_args(argv)

    work = a.workdir or Path(tempfile.mkdtemp(prefix="newsclean-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env()
    cores = machine()["cores"] or 1
    try:
        summary = _corpus(work, a.paragraphs, a.seed)
        files = _file_sizes(work)
        sizes = sorted({int(x) for x in a.steps.split(",") if x.strip()} | {a.paragraphs})
        variants = [("report", ["--dedup", "report", "--quiet"])]  # the CLI's defaults (all cores)

        def cli(src: Path, args: list[str], tag: str) -> dict[str, Any]:
            out = work / "out" / tag
            shutil.rmtree(out, ignore_errors=True)
            cmd = [sys.executable, "-m", "newsclean", str(src), str(out), *args]
            r = run_measured(cmd, env=env, timeout=a.timeout, max_memory_gib=a.max_memory_gib)
            r["result"] = _cli_report(out)
            shutil.rmtree(out, ignore_errors=True)
            status = ("timed out" if r["timed_out"]
                      else f"failed, exit {r['code']}" if r["code"] not in (0, 1) or not r["result"] else "ok")
            peak = max(r["rss_mib"], r.get("tree_rss_mib", 0))
            sys.stderr.write(f"  {tag:40s} {r['wall']:8.1f} s  {peak:8.0f} MiB  {status}\n")
            if status != "ok":
                sys.stderr.write(r["stderr"][-800:] + "\n")
            return r

        from benchmarks.generate import write_corpus

        tiny = work / "tiny"
        write_corpus(tiny, 50, a.seed, fmt="jsonl")
        fixed = cli(tiny / "corpus", ["--dedup", "report", "--quiet"], "tiny (50 paragraphs)")
        rows: list[dict[str, Any]] = []
        done: set[int] = set()
        for want in sizes:
            folder, n, mb = _prefix(work, files, want)
            if n in done:  # two steps inside the same first files
                continue
            done.add(n)
            for vname, vargs in variants:
                r = cli(folder, vargs, f"{n:,} paragraphs, --dedup {vname}")
                rows.append(_row(n, mb, vname, r))
        folder, n_full, mb_full = _prefix(work, files, a.paragraphs)
        rows.append(_row(n_full, mb_full, "off", cli(folder, ["--dedup", "off", "--quiet"],
                                                      f"{n_full:,} paragraphs, --dedup off")))
        baselines: dict[str, Any] = {}
        if not a.no_baselines:
            data = work / "gen" / "corpus"
            p = {"naive_mb": a.naive_mb, "out": str(work / "out" / "naive")}
            r = run_measured(_child_cmd("e2e.naive", data, p), cwd=ROOT, env=env, timeout=a.timeout)
            baselines["naive_mb_per_s"] = round(r["result"]["mb"] / r["wall"], 4) if r["result"] else None
            baselines["naive_rss_mib"] = round(r["rss_mib"], 1)
            r = run_measured(_child_cmd("floor", data, {}), cwd=ROOT, env=env, timeout=a.timeout)
            baselines["floor_mb_per_s"] = round(mb_full / r["result"]["seconds"], 1) if r["result"] else None
            shutil.rmtree(work / "out" / "naive", ignore_errors=True)

        report = _summarize(a, summary, rows, fixed, baselines, cores)
        _print(report)
        if a.json:
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _row(n: int, mb: float, variant: str, r: dict[str, Any]) -> dict[str, Any]:
    res = r["result"] or {}
    ok = r["code"] in (0, 1) and not r["timed_out"] and bool(res)
    t = res.get("timings") or {}
    return {"paragraphs": n, "megabytes": round(mb, 3), "dedup": variant, "ok": ok,
            "timed_out": r["timed_out"], "exit_code": r["code"], "wall_seconds": round(r["wall"], 2),
            "mb_per_s": round(mb / r["wall"], 3) if ok else None,
            "rss_mib": round(max(r["rss_mib"], r.get("tree_rss_mib", 0)), 1),
            "ru_maxrss_mib": round(r["rss_mib"], 1), "tree_rss_mib": r.get("tree_rss_mib"),
            "clean_seconds": t.get("clean_seconds"), "dedup_seconds": t.get("dedup_seconds"),
            "candidates": (res.get("dedup_stats") or {}).get("candidates"),
            "error": None if ok else r["stderr"][-600:]}


def _summarize(a: argparse.Namespace, summary: dict[str, Any], rows: list[dict[str, Any]],
               fixed: dict[str, Any], baselines: dict[str, Any], cores: int) -> dict[str, Any]:
    extrap: dict[str, Any] = {}
    for variant in sorted({r["dedup"] for r in rows if r["dedup"] != "off"}):
        pts = [(r["paragraphs"], r["rss_mib"]) for r in rows if r["dedup"] == variant and r["ok"]]
        if len(pts) >= 2:
            a0, b0 = fit(pts)
            (n1, m1), (n2, m2) = pts[-2], pts[-1]
            slope_last = (m2 - m1) / (n2 - n1)
            extrap[variant] = {
                "points": pts,
                "least_squares_gib": round((a0 + b0 * 10_000_000) / 1024, 2),
                "last_two_gib": round((m2 + slope_last * (10_000_000 - n2)) / 1024, 2),
                "bytes_per_paragraph_last_two": round(slope_last * 1024 ** 2),
                "target_gib": TARGETS["rss_10m_paragraphs_gib"],
            }
    return {"benchmark": "benchmarks.e2e_1m",
            "command": "python -m benchmarks.e2e_1m " + " ".join(sys.argv[1:]),
            "machine": machine(), "corpus": {"paragraphs": summary["paragraphs"], "seed": summary["seed"],
                                             "documents": summary["counts"]["documents"],
                                             "megabytes": summary["megabytes"]},
            "limits": {"timeout_s": a.timeout, "max_memory_gib": a.max_memory_gib},
            "fixed_rss_mib": round(fixed["rss_mib"], 1), "rows": rows, "baselines": baselines,
            "rss_10m_extrapolation": extrap, "cores": cores}


def _print(rep: dict[str, Any]) -> None:
    m = rep["machine"]
    print(f"newsclean end to end — corpus {rep['corpus']['paragraphs']:,} paragraphs "
          f"({rep['corpus']['megabytes']:.1f} MB), seed {rep['corpus']['seed']}")
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}")
    hdr = (f"{'paragraphs':>11} {'MB':>8} {'dedup':>16} {'wall s':>8} {'MB/s':>7} {'clean s':>8} "
           f"{'dedup s':>8} {'LSH cand.':>13} {'peak RSS MiB':>13}")
    print(hdr)
    print("-" * len(hdr))
    for r in rep["rows"]:
        status = "" if r["ok"] else ("  TIMED OUT" if r["timed_out"] else f"  FAILED (exit {r['exit_code']})")
        cand = f"{r['candidates']:,}" if r["candidates"] is not None else "-"
        print(f"{r['paragraphs']:>11,} {r['megabytes']:>8.1f} {r['dedup']:>16} {r['wall_seconds']:>8.1f} "
              f"{r['mb_per_s'] if r['mb_per_s'] is not None else '-':>7} {r['clean_seconds'] or '-':>8} "
              f"{r['dedup_seconds'] or '-':>8} {cand:>13} {r['rss_mib']:>13,.0f}{status}")
    print(f"fixed RSS (50 paragraphs): {rep['fixed_rss_mib']:.0f} MiB")
    if rep["baselines"]:
        b = rep["baselines"]
        print(f"baselines: naive pipeline {b.get('naive_mb_per_s')} MB/s (peak {b.get('naive_rss_mib')} "
              f"MiB), hardware floor {b.get('floor_mb_per_s')} MB/s")
    for variant, e in rep["rss_10m_extrapolation"].items():
        print(f"peak RSS at 10M paragraphs (--dedup {variant}): {e['least_squares_gib']} GiB by least "
              f"squares, {e['last_two_gib']} GiB from the last two sizes "
              f"({e['bytes_per_paragraph_last_two']} B/paragraph); target <= {e['target_gib']} GiB")


if __name__ == "__main__":
    raise SystemExit(main())
