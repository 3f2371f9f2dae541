"""Cleaning speed per core next to ``ftfy.fix_text``, start-up, and HTML pages/s next to trafilatura,
measured in one run on this machine.

    python -m benchmarks.clean_speed [--paragraphs 125000] [--repeats 3] [--real ../shared/corpus/id_news_dev.jsonl]
                                     [--html-repeats 5] [--workdir DIR] [--json OUT.json]
    python -m benchmarks.clean_speed --startup-only [--startup-repeats 9] [--compare-src OTHER/src]

- **Cleaning**: ``python -m newsclean IN OUT --dedup off --jobs 1 --quiet`` on a generated corpus of
  Indonesian-looking news (``benchmarks.generate``, 125,000 paragraphs = 20 MB by default), timed as a
  whole (wall clock of the process: start-up, reading, cleaning, writing, reports). Beside it, in its own
  process, ``ftfy.fix_text`` over the same texts: the time of the ``fix_text`` calls alone (reading the
  texts and writing them back are not counted for ftfy) is the baseline, so the ratio favours ftfy. Both
  use one core. The repeats alternate the order of the two; the ratio is the median of the per-repeat
  ratios, rates are medians. ``--real`` adds the same pair on a real JSONL corpus.
- **Start-up**: ``python -m newsclean a.txt o.txt --quiet`` on one small ``.txt`` file (a seed article),
  with ``--dedup off`` and with the defaults (near-duplicate stage on), and ``python -c pass`` for
  reference, in interleaved rounds (at least 5, ``--startup-repeats``): medians. ``--compare-src``
  measures another source tree's CLI in the same rounds (e.g. the parent commit's ``src``, exported
  with ``git archive``), so that a before/after comparison shares the machine's load.
  ``--startup-only`` measures just this.
- **HTML**: in one process, ``newsclean.html.extract_article`` and ``trafilatura.extract`` over the same
  pages (``benchmarks.html_eval``: the Indonesian pages beside the project and the English ones in
  ``benchmarks/data/html_en``), token F1 against the references and pages/s, interleaved repeats.

The machine (CPU model, cores, load) is printed with the results: on a shared machine only the ratios of
one run mean something. Children run with bytecode caching on (as an installed package has it) after one
warm-up run each, so that neither side pays for compiling its own sources or Hyperscan databases.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


#: The source tree whose CLI is measured (``--src``: another checkout's ``src``, e.g. a parent commit's).
SRC = [ROOT / "src"]


def _env(src: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    first = src or SRC[0]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(first), str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _jsonl_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.jsonl"))


def _mb(path: Path) -> float:
    total = 0
    for f in _jsonl_files(path):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                total += len((json.loads(line).get("text") or "").encode("utf-8"))
    return total / 1e6


# -- children ---------------------------------------------------------------------------------------


def child_ftfy(data: Path, out: Path) -> dict[str, Any]:
    import ftfy

    texts: list[tuple[dict[str, Any], str]] = []
    for f in _jsonl_files(data):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                texts.append((rec, rec.get("text") or ""))
    t0, c0 = time.perf_counter(), time.process_time()
    fixed = [ftfy.fix_text(t) for _, t in texts]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    with open(out, "w", encoding="utf-8") as fh:
        for (rec, _), new in zip(texts, fixed):
            fh.write(json.dumps({**rec, "text": new}, ensure_ascii=False) + "\n")
    return {"fix_seconds": wall, "fix_cpu_seconds": cpu, "texts": len(texts)}


def child_html(repeats: int) -> dict[str, Any]:
    from benchmarks.html_eval import (  # the pages sit beside the project, or under $NEWSCLEAN_SHARED/corpus
        DEFAULT_EN_DIR,
        DEFAULT_ID_DIR,
        load_pages,
        newsclean_extract,
        score,
        speed,
        trafilatura_extractor,
    )

    env = os.environ.get("NEWSCLEAN_SHARED")
    id_dir = Path(env) / "corpus" / "html_id" if env else DEFAULT_ID_DIR
    pages = load_pages(id_dir, DEFAULT_EN_DIR)
    extractors = {"newsclean": newsclean_extract}
    traf = trafilatura_extractor()
    if traf is not None:
        extractors["trafilatura"] = traf
    scores = score(pages, extractors)
    speeds = speed(pages, extractors, repeats)
    return {"pages": len(pages), "scored": scores["summary"], "speed": speeds}


# -- the run ----------------------------------------------------------------------------------------


def _run(cmd: list[str], src: Path | None = None) -> dict[str, Any]:
    from benchmarks.throughput import run_measured

    r = run_measured(cmd, cwd=ROOT, env=_env(src))
    if r["code"] not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({r['code']}):\n{r['stderr']}")
    return r


def _newsclean(inp: Path, out: Path, *extra: str) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    return _run([sys.executable, "-m", "newsclean", str(inp), str(out), "--quiet", *extra])


def _ftfy(inp: Path, out: Path) -> dict[str, Any]:
    return _run([sys.executable, "-m", "benchmarks.clean_speed", "--child", "ftfy", "--data", str(inp),
                 "--out", str(out)], ROOT / "src")


def _pair(name: str, corpus: Path, work: Path, repeats: int) -> dict[str, Any]:
    mb = _mb(corpus)
    clean_args = ("--dedup", "off", "--jobs", "1")
    _newsclean(corpus, work / "out-warm", *clean_args)  # bytecode, Hyperscan databases
    ours: list[float] = []
    fix: list[float] = []
    ftfy_wall: list[float] = []
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    ours_cpu: list[float] = []
    for rep in range(repeats):
        order = ("newsclean", "ftfy") if rep % 2 == 0 else ("ftfy", "newsclean")
        got: dict[str, dict[str, Any]] = {}
        for who in order:
            if who == "newsclean":
                got[who] = _newsclean(corpus, work / "out", *clean_args)
            else:
                got[who] = _ftfy(corpus, work / "ftfy.jsonl")
        ours.append(got["newsclean"]["wall"])
        fix.append(got["ftfy"]["result"]["fix_seconds"])
        ftfy_wall.append(got["ftfy"]["wall"])
        ratios.append(fix[-1] / ours[-1])
        ours_cpu.append(got["newsclean"]["cpu"])
        cpu_ratios.append(got["ftfy"]["result"]["fix_cpu_seconds"] / ours_cpu[-1])
        print(f"  {name} repeat {rep + 1}: newsclean {mb / ours[-1]:.2f} MB/s (whole CLI), "
              f"ftfy.fix_text {mb / fix[-1]:.2f} MB/s (calls only), ratio {ratios[-1]:.2f} "
              f"(CPU time: {cpu_ratios[-1]:.2f})", flush=True)
    return {
        "corpus": str(corpus), "mb": round(mb, 3),
        "newsclean_seconds": ours, "ftfy_fix_seconds": fix, "ftfy_process_seconds": ftfy_wall,
        "newsclean_mb_s": round(mb / statistics.median(ours), 2),
        "ftfy_fix_mb_s": round(mb / statistics.median(fix), 2),
        "ftfy_process_mb_s": round(mb / statistics.median(ftfy_wall), 2),
        "ratio_median": round(statistics.median(ratios), 2), "ratios": [round(r, 3) for r in ratios],
        "newsclean_cpu_seconds": ours_cpu, "cpu_ratio_median": round(statistics.median(cpu_ratios), 2),
        "cpu_ratios": [round(r, 3) for r in cpu_ratios],
    }


def _startup(work: Path, repeats: int, compare: Path | None = None) -> dict[str, Any]:
    seed = sorted((ROOT / "seeds").glob("*.txt"))[0]
    small = work / "small"
    small.mkdir(parents=True, exist_ok=True)
    inp = small / seed.name
    shutil.copy(seed, inp)
    modes = {"dedup_off": ("--dedup", "off"), "defaults": ()}
    trees = {"src": SRC[0]} | ({"compare": compare} if compare is not None else {})

    def once(tree: str, label: str) -> float:
        out = work / f"out-small-{tree}"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir()
        return float(_run([sys.executable, "-m", "newsclean", str(inp), str(out / "o.txt"), "--quiet",
                           *modes[label]], trees[tree])["wall"])

    for tree in trees:  # warm-up: bytecode, the rule and kernel caches
        for label in modes:
            once(tree, label)
    walls: dict[str, list[float]] = {f"{tree}/{label}": [] for tree in trees for label in modes}
    walls["python -c pass"] = []
    for _ in range(repeats):  # interleaved, so that a change in the machine's load hits every kind alike
        for tree in trees:
            for label in modes:
                walls[f"{tree}/{label}"].append(once(tree, label))
        walls["python -c pass"].append(float(_run([sys.executable, "-c", "pass"])["wall"]))

    def med(key: str) -> dict[str, Any]:
        return {"median_seconds": round(statistics.median(walls[key]), 3), "seconds": [round(w, 3) for w in walls[key]]}

    out: dict[str, Any] = {"file": seed.name, "bytes": seed.stat().st_size, "repeats": repeats,
                           "dedup_off": med("src/dedup_off"), "defaults": med("src/defaults"),
                           "python_alone_median_seconds": med("python -c pass")["median_seconds"],
                           "python_alone_seconds": med("python -c pass")["seconds"]}
    if compare is not None:
        out["compare"] = {"src": str(compare), "dedup_off": med("compare/dedup_off"),
                          "defaults": med("compare/defaults")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.clean_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=125_000, help="generated corpus size (default 125,000 = 20 MB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--real", type=Path, help="also a real JSONL corpus (field 'text')")
    ap.add_argument("--html-repeats", type=int, default=5, help="0: no HTML row")
    ap.add_argument("--no-startup", action="store_true")
    ap.add_argument("--startup-only", action="store_true", help="measure start-up alone")
    ap.add_argument("--startup-repeats", type=int, default=0, help="start-up rounds (default: max(--repeats, 5))")
    ap.add_argument("--compare-src", type=Path, help="start-up of this source tree's CLI too, in the same rounds")
    ap.add_argument("--workdir", type=Path, help="keep corpus and outputs here (default: a temp dir)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--src", type=Path, help="measure the CLI of this source tree (another checkout's src/)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child == "ftfy":
        print("RESULT " + json.dumps(child_ftfy(a.data, a.out)))
        return 0
    if a.child == "html":
        print("RESULT " + json.dumps(child_html(a.repeats)))
        return 0

    from benchmarks.throughput import machine

    if a.src is not None:
        SRC[0] = a.src.resolve()

    mach = machine()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB, Python {mach['python']}, "
          f"load average {load[0]:.2f} at start" if load else "")
    tmp = None
    work = a.workdir
    if work is None:
        tmp = tempfile.mkdtemp(prefix="clean_speed-")
        work = Path(tmp)
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": mach, "load_at_start": load, "repeats": a.repeats, "src": str(SRC[0])}
    startup_repeats = max(a.startup_repeats or max(a.repeats, 5), 5)
    compare = a.compare_src.resolve() if a.compare_src is not None else None
    try:
        if a.startup_only:
            report["startup"] = _startup(work, startup_repeats, compare)
            report["load_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
            print_report(report)
            if a.json:
                a.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
            return 0
        gen = work / f"gen-{a.paragraphs}-{a.seed}"
        if not (gen / "corpus").is_dir():
            import subprocess

            subprocess.run([sys.executable, "-m", "benchmarks.generate", str(gen), "--paragraphs", str(a.paragraphs),
                            "--seed", str(a.seed)], check=True, env=_env(), cwd=ROOT, capture_output=True)
        print("cleaning, generated corpus:", flush=True)
        report["generated"] = _pair("generated", gen / "corpus", work, a.repeats)
        if a.real is not None:
            print("cleaning, real corpus:", flush=True)
            report["real"] = _pair("real", a.real, work, a.repeats)
        if not a.no_startup:
            report["startup"] = _startup(work, startup_repeats, compare)
        if a.html_repeats > 0:
            r = _run([sys.executable, "-m", "benchmarks.clean_speed", "--child", "html", "--repeats",
                      str(a.html_repeats)])
            report["html"] = r["result"]
        report["load_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print_report(report)
    if a.json:
        a.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


def print_report(rep: dict[str, Any]) -> None:
    m = rep["machine"]
    print()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; load average "
          f"{rep['load_at_start'][0]:.2f} -> {rep.get('load_at_end', [float('nan')])[0]:.2f}")
    if rep.get("generated") or rep.get("real"):
        print(f"{'corpus':<12}{'MB':>8}{'newsclean MB/s':>16}{'ftfy calls MB/s':>17}{'ftfy process MB/s':>19}"
              f"{'x ftfy (wall)':>15}{'x ftfy (CPU)':>14}")
    for key in ("generated", "real"):
        r = rep.get(key)
        if r:
            print(f"{key:<12}{r['mb']:>8.2f}{r['newsclean_mb_s']:>16.2f}{r['ftfy_fix_mb_s']:>17.2f}"
                  f"{r['ftfy_process_mb_s']:>19.2f}{r['ratio_median']:>15.2f}{r['cpu_ratio_median']:>14.2f}")
    if rep.get("generated") or rep.get("real"):
        print("  newsclean: the whole CLI (--dedup off --jobs 1: start-up, I/O, reports), one core; ftfy calls: the "
              "fix_text calls alone; x ftfy: median of per-repeat ratios, of wall times and of CPU times (the\n"
              "  CLI process's user+sys against the process time of the fix_text calls)")
    s = rep.get("startup")
    if s:
        print(f"start-up on one small file ({s['bytes']} bytes), medians of {s.get('repeats', '?')} interleaved "
              f"runs: --dedup off {s['dedup_off']['median_seconds']:.3f} s, "
              f"defaults {s['defaults']['median_seconds']:.3f} s (python -c pass: "
              f"{s['python_alone_median_seconds']:.3f} s)")
        c = s.get("compare")
        if c:
            print(f"  --compare-src {c['src']}, same rounds: --dedup off {c['dedup_off']['median_seconds']:.3f} s, "
                  f"defaults {c['defaults']['median_seconds']:.3f} s")
    h = rep.get("html")
    if h:
        sp = h["speed"]
        overall = h["scored"]["overall"]
        names = [n for n in ("newsclean", "trafilatura") if n in sp]
        print(f"HTML, {h['pages']} pages, one process, {sp['repeats']} repeats: " + ", ".join(
            f"{n} {sp[n]['pages_per_s']:.1f} pages/s F1 {overall[n]['f1']:.3f}" for n in names))
        if "newsclean_vs_trafilatura" in sp:
            print(f"  newsclean / trafilatura speed: {sp['newsclean_vs_trafilatura']['median_ratio']:.2f}x "
                  "(median of per-repeat ratios)")


if __name__ == "__main__":
    raise SystemExit(main())
