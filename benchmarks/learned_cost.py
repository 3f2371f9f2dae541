"""What the line model and the corpus templates cost in cleaning throughput, measured side by side in one run.

    python -m benchmarks.learned_cost [--corpus ../shared/corpus/id_news_dev.jsonl ...] [--docs 3000]
                                      [--repeats 5] [--cli] [--json OUT.json]

- **In process**: the same documents cleaned by ``Pipeline.default`` four ways -- neither component, the line
  model, the templates (learned from the same documents), both -- interleaved in chunks of 100 documents so
  that the machine's load falls on all four alike; CPU time of this process (``time.process_time``), per
  repeat; the ratios are medians of the per-repeat ratios to "neither".
- **Learning pass**: ``newsclean.templates.mine_inputs`` over the corpus file (what ``--templates`` does
  before cleaning: read, parse, count) and ``results()``, its CPU time next to the cleaning time of the same
  documents.
- **Steps**: inside cleaning with both, the CPU time of the template cleaner, of the line model and of its
  features, and of the glued-promo and tail-headline steps (their own passes, without the rules they run again),
  medians over the repeats, next to the whole cleaning.
- **CLI** (``--cli``): ``python -m newsclean FILE OUT --dedup off --jobs 1`` with ``--templates off
  --line-model off`` and with the defaults, in their own processes, alternating; CPU time of the child
  (``os.wait4``), medians of the per-repeat ratios.

Without ``--corpus`` the dev corpora beside the project are used, else a generated one
(``benchmarks.generate``). On a shared machine only the ratios of one run mean something.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.train_linemodel import DEFAULT_CORPUS_DIR

ROOT = Path(__file__).resolve().parents[1]


def _docs(path: Path, limit: int) -> list[Any]:
    from newsclean import Document

    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            meta = {k: r[k] for k in ("outlet", "url", "title", "lang") if r.get(k)}
            out.append(Document(r["text"], id=str(r.get("id", "")), metadata=meta))
            if len(out) >= limit:
                break
    return out


def in_process(path: Path, *, limit: int, repeats: int) -> dict[str, Any]:
    from newsclean import Pipeline
    from newsclean.templates import learn_templates

    docs = _docs(path, limit)
    t0 = time.process_time()
    tpl = learn_templates(docs)
    learn_cpu = time.process_time() - t0
    configs = {"neither": Pipeline.default(line_model=False), "line model": Pipeline.default(),
               "templates": Pipeline.default(line_model=False, templates=tpl),
               "both": Pipeline.default(templates=tpl)}
    for p in configs.values():  # compile the catalog's databases and regexes outside the timing
        for d in docs[:50]:
            p.explain(d)
    chunks = [docs[i:i + 100] for i in range(0, len(docs), 100)]
    per_repeat: dict[str, list[float]] = {k: [] for k in configs}
    for _ in range(repeats):
        spent = dict.fromkeys(configs, 0.0)
        for chunk in chunks:
            for name, p in configs.items():
                t0 = time.process_time()
                for d in chunk:
                    p.explain(d)
                spent[name] += time.process_time() - t0
        for k, v in spent.items():
            per_repeat[k].append(v)
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    base = per_repeat["neither"]
    rows = {k: {"cpu_seconds": round(statistics.median(v), 3), "mb_per_cpu_second": round(mb / statistics.median(v), 2),
                "ratio": round(statistics.median(a / b for a, b in zip(v, base)), 3)} for k, v in per_repeat.items()}
    return {"corpus": str(path), "documents": len(docs), "mb": round(mb, 2), "templates": len(tpl),
            "learn_templates_cpu_seconds": round(learn_cpu, 3), "configs": rows,
            "steps_cpu_seconds": steps(docs, tpl, repeats=repeats)}


def learning_pass(path: Path, *, repeats: int) -> dict[str, Any]:
    from newsclean.io import InputFile
    from newsclean.templates import mine_inputs

    f = InputFile(path.resolve(), path.name)
    times, mine, results = [], [], []
    for _ in range(repeats):
        t0 = time.process_time()
        miner = mine_inputs([f])
        t1 = time.process_time()
        miner.results()
        t2 = time.process_time()
        times.append(t2 - t0)
        mine.append(t1 - t0)
        results.append(t2 - t1)
    return {"documents": miner.documents, "cpu_seconds": round(statistics.median(times), 3),
            "mine_inputs_cpu_seconds": round(statistics.median(mine), 3),
            "results_cpu_seconds": round(statistics.median(results), 3)}


def steps(docs: list[Any], tpl: Any, *, repeats: int) -> dict[str, float]:
    """CPU time of the template cleaner, the line model and its features inside cleaning with both (medians over
    repeats of the documents), next to the whole of it: where the cost of the two components goes."""
    from newsclean import Pipeline, glued, linemodel, positional, templates

    spent: dict[str, float] = {}
    saved = [(templates.TemplateCleaner, "run", "template_cleaner"), (linemodel.LineModelCleaner, "run", "line_model"),
             (linemodel, "_feature_rows", "line_model_features"), (glued.GluedPromos, "_once", "glued_promos"),
             (positional.TailHeadlines, "_once", "tail_headlines")]
    originals = [getattr(owner, attr) for owner, attr, _ in saved]

    def timed(fn: Any, label: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t0
        return wrapper

    per: dict[str, list[float]] = {}
    try:
        for (owner, attr, label), fn in zip(saved, originals):
            setattr(owner, attr, timed(fn, label))
        p = Pipeline.default(templates=tpl)
        for d in docs[:50]:
            p.explain(d)
        for _ in range(repeats):
            spent.clear()
            t0 = time.process_time()
            for d in docs:
                p.explain(d)
            spent["cleaning"] = time.process_time() - t0
            for k, v in spent.items():
                per.setdefault(k, []).append(v)
    finally:
        for (owner, attr, _), fn in zip(saved, originals):
            setattr(owner, attr, fn)
    return {k: round(statistics.median(v), 4) for k, v in per.items()}


def _cli_cpu(args: list[str], src: Path) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), str(ROOT), env.get("PYTHONPATH", "")) if p)
    # Bytecode cached, as an installed package has it (the warm-up run writes it): without this an environment
    # with PYTHONDONTWRITEBYTECODE compiles every module in every run, and the defaults import two more.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.Popen([sys.executable, "-m", "newsclean", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"newsclean {' '.join(args)} ({src}) failed")
    return usage.ru_utime + usage.ru_stime


def cli(path: Path, *, repeats: int, base_src: Path | None = None) -> dict[str, Any]:
    """CPU time of whole CLI runs, alternating variants; ``base_src``: another checkout's ``src`` (the
    commit before the line model and the templates) run with the same command and its own defaults."""
    work = Path(tempfile.mkdtemp(prefix="learned_cost_"))
    try:
        common = ["--dedup", "off", "--jobs", "1", "--quiet"]
        variants: dict[str, tuple[Path, list[str]]] = {
            "neither": (ROOT / "src", ["--templates", "off", "--line-model", "off"]),
            "defaults": (ROOT / "src", [])}
        if base_src is not None:
            variants["base"] = (base_src, [])

        def once(name: str) -> float:
            src, extra = variants[name]
            out = work / name
            shutil.rmtree(out, ignore_errors=True)  # a fresh output directory: older CLIs refuse a used one
            return _cli_cpu([str(path), str(out), *common, *extra], src)

        for name in variants:  # warm-up: bytecode, Hyperscan cache
            once(name)
        cpu: dict[str, list[float]] = {k: [] for k in variants}
        for r in range(repeats):
            order = list(variants) if r % 2 == 0 else list(reversed(variants))
            for name in order:
                cpu[name].append(once(name))
        res: dict[str, Any] = {
            "cpu_seconds": {k: round(statistics.median(v), 3) for k, v in cpu.items()},
            "defaults_per_neither": round(statistics.median(a / b for a, b in zip(cpu["defaults"], cpu["neither"])), 3)}
        if base_src is not None:
            res["base_src"] = str(base_src)
            for k in ("neither", "defaults"):
                res[f"{k}_per_base"] = round(statistics.median(a / b for a, b in zip(cpu[k], cpu["base"])), 3)
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", default=[])
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cli", action="store_true", help="also time the CLI with and without both components")
    ap.add_argument("--base-src", type=Path, help="with --cli: also time this checkout's src/ (e.g. the commit "
                    "before the line model and templates, c8eb1b6, in a second worktree) with the same command")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    dev = (DEFAULT_CORPUS_DIR / "id_news_dev.jsonl", DEFAULT_CORPUS_DIR / "en_news_dev.jsonl")
    corpora = a.corpus or [p for p in dev if p.exists()]
    tmp = None
    if not corpora:
        from benchmarks.generate import main as generate

        tmp = Path(tempfile.mkdtemp(prefix="learned_cost_gen_"))
        generate([str(tmp), "--paragraphs", "30000", "--seed", "1"])
        corpora = sorted((tmp / "corpus").glob("*.jsonl"))[:1]
    results = []
    try:
        for path in corpora:
            res = in_process(path, limit=a.docs, repeats=a.repeats)
            res["learning_pass"] = learning_pass(path, repeats=a.repeats)
            if a.cli:
                res["cli"] = cli(path, repeats=a.repeats, base_src=a.base_src.resolve() if a.base_src else None)
            results.append(res)
            print(f"{path.name}: {res['documents']} documents, {res['mb']} MB, {res['templates']} templates learned")
            for name, row in res["configs"].items():
                print(f"  {name:<12} {row['cpu_seconds']:>8.3f} s CPU  {row['mb_per_cpu_second']:>6.2f} MB/s  "
                      f"x{row['ratio']:.3f}")
            lp = res["learning_pass"]
            per_doc = res["configs"]["both"]["cpu_seconds"] / res["documents"]
            share = lp["cpu_seconds"] / (per_doc * max(1, lp["documents"]))
            print(f"  learning pass over the whole file: {lp['documents']} documents, {lp['cpu_seconds']:.3f} s CPU "
                  f"(x{share:.3f} of cleaning as many documents; mine_inputs {lp['mine_inputs_cpu_seconds']:.3f} s, "
                  f"results {lp['results_cpu_seconds']:.3f} s)")
            st = res["steps_cpu_seconds"]
            print("  inside cleaning with both, CPU s: " + ", ".join(f"{k} {v:.4f}" for k, v in st.items()))
            if a.cli:
                c = res["cli"]
                print(f"  CLI --dedup off --jobs 1, CPU s: {c['cpu_seconds']}  defaults / neither "
                      f"x{c['defaults_per_neither']:.3f}" + (f"  defaults / base x{c['defaults_per_base']:.3f}  "
                      f"neither / base x{c['neither_per_base']:.3f}" if "base_src" in c else ""))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
