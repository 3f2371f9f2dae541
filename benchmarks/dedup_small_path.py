"""Where the near-duplicate kernels' Python path stops paying: the stage on the first N paragraphs of a
real corpus, each run in a fresh process, on the Python path and on numba, timed from before
``import newsclean.dedup`` to the end of ``finish()`` (imports, numba's set-up and cached-kernel loads
included: what a command-line run pays).

    python -m benchmarks.dedup_small_path [--corpus ../shared/corpus/id_news_dev.jsonl]
                                          [--sizes 25,50,100,200,400,800,1600] [--repeats 3] [--json OUT]

Paragraphs are the non-blank lines of the records' ``text`` (not cleaned), in file order, documents
whole (so N is approximate; the table gives the exact count). Both paths run interleaved, medians of
``--repeats`` runs each after one warm-up run per path (numba's kernel cache filled). Only the ratios
and the crossing mean something on a shared machine. :data:`newsclean.dedup.jit.SMALL_PARAGRAPHS` was
chosen from this table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _documents(corpus: Path, paragraphs: int) -> list[tuple[str, list[tuple[int, str]]]]:
    docs: list[tuple[str, list[tuple[int, str]]]] = []
    total = 0
    with corpus.open(encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            if total >= paragraphs:
                break
            rec = json.loads(line)
            paras = [(i, t) for i, t in enumerate(str(rec.get("text") or "").split("\n")) if t.strip()]
            docs.append((f"{k}:{rec.get('id', k)}", paras))
            total += len(paras)
    return docs


def _child(corpus: Path, paragraphs: int) -> None:
    docs = _documents(corpus, paragraphs)
    t0 = time.perf_counter()
    from newsclean.dedup import NearDuplicateIndex

    index = NearDuplicateIndex()
    for key, paras in docs:
        index.add_document(key, paras)
    res = index.finish()
    wall = time.perf_counter() - t0
    print(json.dumps({"seconds": wall, "paragraphs": res.stats["paragraphs"], "clusters": res.stats["clusters"],
                      "numba": "numba" in sys.modules, "stages": res.timings}))


def _once(corpus: Path, size: int, path: str) -> dict[str, Any]:
    env = {**os.environ, "NEWSCLEAN_KERNELS": path,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.dedup_small_path", "--child", "--corpus", str(corpus),
                           "--sizes", str(size)], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dedup_small_path", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "id_news_dev.jsonl")
    ap.add_argument("--sizes", default="25,50,100,200,400,800,1600")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    if a.child:
        _child(a.corpus, sizes[0])
        return 0
    load = os.getloadavg()
    for path in ("python", "numba"):  # warm-up: bytecode, numba's kernel cache
        _once(a.corpus, sizes[0], path)
    rows = []
    for size in sizes:
        runs: dict[str, list[dict[str, Any]]] = {"python": [], "numba": []}
        for _ in range(a.repeats):
            for path in runs:
                runs[path].append(_once(a.corpus, size, path))
        assert all(r["numba"] == (p == "numba") for p, rs in runs.items() for r in rs)
        assert len({(r["paragraphs"], r["clusters"]) for rs in runs.values() for r in rs}) == 1
        med = {p: statistics.median(r["seconds"] for r in rs) for p, rs in runs.items()}
        rows.append({"paragraphs": runs["python"][0]["paragraphs"], "clusters": runs["python"][0]["clusters"],
                     "python_seconds": round(med["python"], 3), "numba_seconds": round(med["numba"], 3),
                     "python_over_numba": round(med["python"] / med["numba"], 2)})
    report = {"corpus": str(a.corpus), "repeats": a.repeats, "load_at_start": load, "load_at_end": os.getloadavg(),
              "rows": rows}
    print(f"{a.corpus.name}, medians of {a.repeats}, load average {load[0]:.2f} -> {report['load_at_end'][0]:.2f}")
    print(f"{'paragraphs':>10}{'clusters':>10}{'Python path s':>15}{'numba s':>10}{'Python/numba':>14}")
    for r in rows:
        print(f"{r['paragraphs']:>10}{r['clusters']:>10}{r['python_seconds']:>15.3f}{r['numba_seconds']:>10.3f}"
              f"{r['python_over_numba']:>14.2f}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
