"""Cluster-level accuracy of any :class:`DedupConfig` on the round-2 labelled pairs (issue 12).

    python -m benchmarks.dedup_pairs_eval [--split dev|test|test4|all] [--config '{"threshold": 0.5}']
                                          [--corpus-dir DIR] [--pairs CSV] [--list] [--why] [--cli]
                                          [--json OUT]

A pair counts as *detected* when both of its paragraphs end in one reported cluster of a run over
the whole corpus — what ``--dedup drop`` acts on (every member but the kept one is removed). Each
corpus (``hoax_dev.jsonl``, ``id_news_dev.jsonl``) is one run, cleaned first as the command line
does (the default pipeline, ``lang="auto"``; line numbers are input lines), then indexed with the
given config. Recall = detected copies (label 1) / copies; false-positive rate = detected non-copies
(label 0) / non-copies; both with 95% Wilson intervals. Reworded derivatives (label 2) are reported
apart. Labels and sampling: ``eval/dedup_pairs/README.md``.

**The test splits are sealed**: round 2's ``test`` is scored only with ``--split test`` or ``--split all``
(or ``splits=("test",)`` from Python); round 4's ``test4`` (``pairs_r4.csv``, the default file for it) only
with ``--split test4`` (``all`` is ``dev`` and ``test``, never ``test4``). Pairs of a sealed split are never
listed: ``--list`` and ``--why`` are refused when only sealed splits are asked for. Tune on ``dev``.

From Python (the cleaned paragraphs are cached in-process, so a grid only re-runs the index)::

    from benchmarks.dedup_pairs_eval import evaluate
    from newsclean.dedup import DedupConfig
    report = evaluate(DedupConfig(threshold=0.5))   # dev only
    report["splits"]["dev"]["all"]["recall"], report["splits"]["dev"]["all"]["fpr"]

``--cli`` scores the clusters of the command line itself (``python -m newsclean COPY OUT --dedup
report``, default config or ``--config '{"threshold": T}'`` only): a check that the in-process run
agrees with what users get.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from newsclean.dedup import DedupConfig, NearDuplicateIndex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS_DIR = ROOT.parent / "shared" / "corpus"
PAIRS_R2 = ROOT / "eval" / "dedup_pairs" / "pairs_r2.csv"
PAIRS_R4 = ROOT / "eval" / "dedup_pairs" / "pairs_r4.csv"
CORPUS_FILES = {"hoax": "hoax_dev.jsonl", "id_news": "id_news_dev.jsonl"}
SPLITS = ("dev", "test", "test4")
#: Splits whose pairs are never listed nor explained (scored once, at the end).
SEALED = ("test", "test4")
#: What ``--split all`` scores: never ``test4``, which is scored only when asked for by name.
ALL_SPLITS = ("dev", "test")
LABELS = {1: "copy", 0: "not_copy", 2: "reworded"}
#: z of a two-sided 95% interval.
Z95 = 1.959963984540054

Key = tuple[str, int]  # (record id, input line)


@dataclass(frozen=True)
class Pair:
    split: str
    corpus: str
    kind: str
    a: Key
    b: Key
    label: int


def load_pairs(path: Path = PAIRS_R2) -> list[Pair]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [Pair(r["split"], r.get("corpus") or "hoax", r.get("kind") or "", (r["id_a"], int(r["line_a"])),
                 (r["id_b"], int(r["line_b"])), int(r["label"])) for r in rows]


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval of a proportion ``k / n`` ((0, 1) when ``n`` is 0).

    >>> [round(x, 3) for x in wilson(0, 20)], [round(x, 3) for x in wilson(19, 20)]
    ([0.0, 0.161], [0.764, 0.991])
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


# ----------------------------------------------------------------------------- runs


@dataclass
class CleanedCorpus:
    """A corpus cleaned once: per record, its id, kept paragraphs (input line, text), date, outlet."""

    docs: list[tuple[str, list[tuple[int, str]], Any, Any]]
    seconds: float


_CACHE: dict[Path, CleanedCorpus] = {}


def clean_corpus(path: Path) -> CleanedCorpus:
    """Clean every record as the command line does (default pipeline, ``lang="auto"``) and keep the
    paragraphs it would index, with their input line numbers (cached per path in this process)."""
    if path in _CACHE:
        return _CACHE[path]
    from newsclean.document import Document
    from newsclean.pipeline import Pipeline
    from newsclean.run import kept_lines

    t0 = time.perf_counter()
    pipeline = Pipeline.default(lang="auto")
    docs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            meta = {k: rec[k] for k in ("url", "outlet", "date", "title", "lang") if rec.get(k) not in (None, "")}
            doc = Document(rec["text"], id=str(rec["id"]), metadata=meta)
            cleaned = pipeline.explain(doc)
            paras = [(n, t) for n, t in kept_lines(doc.text, cleaned) if t.strip()]
            docs.append((doc.id, paras, doc.date, doc.outlet))
    _CACHE[path] = CleanedCorpus(docs, time.perf_counter() - t0)
    return _CACHE[path]


def clusters_in_process(path: Path, cfg: DedupConfig, trace: dict[str, Any] | None = None
                        ) -> tuple[dict[Key, int], set[Key], dict[str, Any]]:
    """(cluster of each clustered paragraph, every indexed paragraph, stats) of one corpus run;
    ``trace`` (a dict) receives the index's internals (see :func:`miss_causes`)."""
    corpus = clean_corpus(path)
    index = NearDuplicateIndex(replace(cfg, keep_text=False))
    if trace is not None:
        index._trace = trace
    indexed: set[Key] = set()
    t0 = time.perf_counter()
    for doc_id, paras, date, outlet in corpus.docs:
        index.add_document(doc_id, paras, date=date, outlet=outlet)
        indexed.update((doc_id, n) for n, _ in paras)
    res = index.finish()
    if trace is not None:
        trace["docs"] = list(index._docs)
        trace["texts"] = {(doc_id, n): t for doc_id, paras, _, _ in corpus.docs for n, t in paras}
    where = {(m.doc, m.line): c.id for c in res.clusters for m in c.members}
    stats = {"clean_seconds": round(corpus.seconds, 2), "dedup_seconds": round(time.perf_counter() - t0, 2),
             "clusters": len(res.clusters), "largest_cluster": max((len(c.members) for c in res.clusters), default=0)}
    return where, indexed, stats


def clusters_cli(path: Path, cfg: DedupConfig) -> tuple[dict[Key, int], set[Key], dict[str, Any]]:
    """The same from ``python -m newsclean COPY OUT --dedup report`` (only ``threshold`` may differ
    from the defaults: it is the one dedup option of the command line)."""
    default = DedupConfig()
    if replace(cfg, threshold=default.threshold) != default:
        raise ValueError("--cli scores the default config (and --threshold) only")
    with tempfile.TemporaryDirectory(prefix="dedup_pairs_eval_") as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        shutil.copyfile(path, src / path.name)
        cmd = [sys.executable, "-m", "newsclean", str(src), str(out), "--dedup", "report", "--quiet"]
        if cfg.threshold != default.threshold:
            cmd += ["--threshold", str(cfg.threshold)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        seconds = time.perf_counter() - t0
        where: dict[Key, int] = {}
        with open(out / "_newsclean" / "duplicates.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                for m in row["members"]:
                    where[(m["doc"], m["line"])] = row["cluster"]
    # The command line does not list unclustered paragraphs: "indexed" is unknown here.
    return where, set(), {"cli_seconds": round(seconds, 2)}


# ----------------------------------------------------------------------------- miss attribution

#: Causes of a missed copy, in the order they are tested (the first that holds is reported).
MISS_CAUSES = (
    "not_compared",  # a paragraph not indexed, or too short for word comparison (exact copies only)
    "rejected:ratio",  # verification: the two word counts are too far apart (fragment_min_ratio)
    "rejected:long_runs",  # verification: covered enough, but by short runs only (long_run / long_share)
    "rejected:coverage",  # verification: shared runs cover too little of either paragraph
    "no_candidate",  # the pair passes, but no candidate (LSH slot or fragment) links the two clusters
    "clusters_apart",  # one kept paragraph covers the other kept paragraph, yet the clusters stayed apart
    #                    (a merge refused: a kept paragraph takes in at most one cluster of several)
    "wrong_star",  # the pair passes and one's kept paragraph covers the other, which sits elsewhere
    "split",  # the pair passes, but neither kept paragraph covers the other: only another choice of
    #           kept paragraph (one of the two) would hold both
)


def _candidate_edges(tr: Mapping[str, Any]) -> tuple[Any, Any]:
    """Every candidate pair of a traced run as positions in keep order: LSH slots and fragment
    candidates (fragment, container)."""
    import numpy as np

    slots = tr["slots"]
    xi, si = np.nonzero(slots >= 0)
    ex, eq = xi.astype(np.int64), slots[xi, si].astype(np.int64)
    if "frag" in tr:
        ex, eq = np.concatenate((ex, tr["frag"])), np.concatenate((eq, tr["cont"]))
    return ex, eq


def _miss_cause(pa: int, pb: int, tr: Mapping[str, Any], edges: tuple[Any, Any], cfg: DedupConfig
                ) -> tuple[str, str]:
    """The cause (:data:`MISS_CAUSES`) and a detail of one missed copy, its paragraphs at keep
    positions ``pa`` and ``pb`` of the traced run ``tr``."""
    import numpy as np

    from newsclean.dedup.clusters import is_member
    from newsclean.dedup.signatures import word_tokens
    from newsclean.dedup.verify import cover

    words, center, docs = tr["words"], tr["center"], tr["docs"]
    ca, cb = int(center[pa]), int(center[pb])
    tok = {}
    for q in {pa, pb, ca, cb}:
        i = int(tr["order"][q])
        tok[q] = np.array(word_tokens(tr["texts"][(docs[int(tr["p_doc"][i])], int(tr["p_line"][i]))]), np.uint32)

    def cov(x: int, y: int, long: bool = True) -> int:
        return int(cover(tok[x], tok[y], cfg.min_run, -1, cfg.long_run if long else 0,
                         cfg.long_share if long else 0.0, cfg.gap_words))

    def member(c: int, m: int, kept: int) -> bool:
        return bool(is_member(c, int(words[m]), int(words[kept]), cfg.threshold, cfg.fragment_min_ratio))

    wa, wb = int(words[pa]), int(words[pb])
    c = cov(pa, pb)
    detail = f"words {wa}/{wb} covered {c}"
    if not (member(c, pa, pb) or member(c, pb, pa)):
        c0 = cov(pa, pb, long=False)
        detail += f" (in runs of any length {c0})"
        if min(wa, wb) < cfg.fragment_min_ratio * max(wa, wb):
            return "rejected:ratio", detail
        if member(c0, pa, pb) or member(c0, pb, pa):
            return "rejected:long_runs", detail
        return "rejected:coverage", detail
    ex, eq = edges
    cx, cq = center[ex], center[eq]
    linked = bool((((cx == ca) & (cq == cb)) | ((cx == cb) & (cq == ca))).any())
    detail += f"; kept paragraphs at {ca}/{cb}, {int(words[ca])}/{int(words[cb])} words"
    if not linked:
        return "no_candidate", detail
    c_kept = cov(ca, cb)
    if member(c_kept, ca, cb) or member(c_kept, cb, ca):
        return "clusters_apart", detail
    if member(cov(pa, cb), pa, cb) or member(cov(pb, ca), pb, ca):
        return "wrong_star", detail
    return "split", detail


def miss_causes(pairs: Iterable[Pair], traces: Mapping[str, Mapping[str, Any]], cfg: DedupConfig
                ) -> list[tuple[Pair, str, str]]:
    """Why each pair of ``pairs`` (missed copies) is not in one cluster: ``(pair, cause, detail)``,
    cause from :data:`MISS_CAUSES`, from the index's trace of its corpus run. Covers are recomputed
    from the cleaned texts with the config's rule (full counts, no early stop)."""
    out: list[tuple[Pair, str, str]] = []
    at: dict[str, dict[Key, int]] = {}
    edges: dict[str, tuple[Any, Any]] = {}
    for p in pairs:
        tr = traces[p.corpus]
        if p.corpus not in at:
            docs = tr["docs"]
            at[p.corpus] = {(docs[d], ln): i for i, (d, ln) in enumerate(zip(tr["p_doc"].tolist(),
                                                                              tr["p_line"].tolist(), strict=True))}
            edges[p.corpus] = _candidate_edges(tr)
        pa, pb = (-1 if (i := at[p.corpus].get(k)) is None else int(tr["pos_of"][tr["best"][tr["group"][i]]])
                  for k in (p.a, p.b))
        if pa < 0 or pb < 0:
            out.append((p, "not_compared", ""))
            continue
        out.append((p, *_miss_cause(pa, pb, tr, edges[p.corpus], cfg)))
    return out


# ----------------------------------------------------------------------------- scoring


def _rate(k: int, n: int) -> dict[str, Any]:
    lo, hi = wilson(k, n)
    return {"k": k, "n": n, "rate": round(k / n, 4) if n else None, "ci95": [round(lo, 4), round(hi, 4)]}


def score(pairs: Iterable[Pair], where: Mapping[Key, int]) -> dict[str, Any]:
    """Recall, false-positive rate and reworded rate (each with its Wilson interval) of ``pairs``."""
    hits = {label: [0, 0] for label in LABELS}
    for p in pairs:
        together = p.a in where and where.get(p.a) == where.get(p.b)
        hits[p.label][0] += together
        hits[p.label][1] += 1
    rec, fpr, rew = (_rate(*hits[1]), _rate(*hits[0]), _rate(*hits[2]))
    return {"recall": rec["rate"], "recall_ci95": rec["ci95"], "copies": rec["n"], "missed": rec["n"] - rec["k"],
            "fpr": fpr["rate"], "fpr_ci95": fpr["ci95"], "not_copies": fpr["n"], "false_positives": fpr["k"],
            "reworded_together": rew["rate"], "reworded": rew["n"]}


def default_pairs(splits: Sequence[str]) -> Path:
    """The labelled file of ``splits``: ``pairs_r4.csv`` for ``test4`` alone, else ``pairs_r2.csv``."""
    return PAIRS_R4 if set(splits) == {"test4"} else PAIRS_R2


def evaluate(cfg: DedupConfig | None = None, *, splits: Sequence[str] = ("dev",), corpus_dir: Path = DEFAULT_CORPUS_DIR,
             pairs_path: Path | None = None, cli: bool = False, why: bool = False) -> dict[str, Any]:
    """Score ``cfg`` (default: ``DedupConfig()``) on the labelled pairs of ``splits``: per split,
    overall (``all``), per corpus and per sampling kind; also the dev pairs it gets wrong (ids and
    lines only; never the test split's) and, with ``why``, the cause of each missed dev copy
    (:func:`miss_causes`)."""
    if why and cli:
        raise ValueError("why needs the in-process run (its trace), not --cli")
    cfg = cfg or DedupConfig()
    bad = [s for s in splits if s not in SPLITS]
    if bad:
        raise ValueError(f"unknown split(s) {bad}: use {SPLITS}")
    pairs_path = pairs_path or default_pairs(splits)
    pairs = [p for p in load_pairs(pairs_path) if p.split in splits]
    empty = [s for s in splits if not any(p.split == s for p in pairs)]
    if empty and set(splits) != set(ALL_SPLITS):
        raise ValueError(f"no pairs of split(s) {empty} in {pairs_path}")
    report: dict[str, Any] = {"config": repr(cfg), "splits": {}, "runs": {}}
    where: dict[Key, int] = {}
    indexed: set[Key] = set()
    traces: dict[str, dict[str, Any]] = {}
    for corpus in sorted({p.corpus for p in pairs}):
        if cli:
            w, ix, stats = clusters_cli(corpus_dir / CORPUS_FILES[corpus], cfg)
        else:
            trace: dict[str, Any] | None = traces.setdefault(corpus, {}) if why and "dev" in splits else None
            w, ix, stats = clusters_in_process(corpus_dir / CORPUS_FILES[corpus], cfg, trace)
        where.update(w)
        indexed |= ix
        report["runs"][corpus] = stats
    for split in splits:
        sel = [p for p in pairs if p.split == split]
        out: dict[str, Any] = {"all": score(sel, where)}
        for corpus in sorted({p.corpus for p in sel}):
            out[corpus] = score([p for p in sel if p.corpus == corpus], where)
        out["by_kind"] = {k: score([p for p in sel if p.kind == k], where) for k in sorted({p.kind for p in sel})}
        if indexed:
            out["paragraphs_not_indexed"] = len({k for p in sel for k in (p.a, p.b)} - indexed)
        if split == "dev":
            def together(p: Pair) -> bool:
                return p.a in where and where.get(p.a) == where.get(p.b)
            out["missed_pairs"] = [[*p.a, *p.b, p.kind] for p in sel if p.label == 1 and not together(p)]
            out["false_positive_pairs"] = [[*p.a, *p.b, p.kind] for p in sel if p.label == 0 and together(p)]
            if traces:
                causes = miss_causes([p for p in sel if p.label == 1 and not together(p)], traces, cfg)
                out["miss_causes"] = {c: sum(1 for _, k, _ in causes if k == c) for c in MISS_CAUSES}
                out["missed_why"] = [[*p.a, *p.b, p.kind, k, d] for p, k, d in causes]
        report["splits"][split] = out
    return report


def _ci(x: Sequence[float]) -> str:
    return f"[{x[0]:.3f}, {x[1]:.3f}]"


def print_report(report: Mapping[str, Any], *, list_pairs: bool = False) -> None:
    print(f"config: {report['config']}")
    for corpus, st in report["runs"].items():
        print(f"run {corpus}: {st}")
    head = f"{'split':6} {'subset':20} {'recall':>7} {'95% CI':>16} {'copies':>6} {'FPR':>7} {'95% CI':>16} " \
           f"{'not':>5} {'FP':>4} {'reworded':>8}"
    print(head)
    for split, out in report["splits"].items():
        rows = [("all", out["all"])] + [(c, out[c]) for c in CORPUS_FILES if c in out]
        rows += [(f"kind:{k}", s) for k, s in out["by_kind"].items()]
        for name, s in rows:
            rec = f"{s['recall']:.3f}" if s["recall"] is not None else "-"
            fpr = f"{s['fpr']:.3f}" if s["fpr"] is not None else "-"
            rw = f"{s['reworded_together']:.2f}/{s['reworded']}" if s["reworded"] else "-"
            print(f"{split:6} {name:20} {rec:>7} {_ci(s['recall_ci95']):>16} {s['copies']:6d} {fpr:>7} "
                  f"{_ci(s['fpr_ci95']):>16} {s['not_copies']:5d} {s['false_positives']:4d} {rw:>8}")
        if "paragraphs_not_indexed" in out:
            print(f"{split:6} labelled paragraphs the cleaning or the index left out: {out['paragraphs_not_indexed']}")
        if "miss_causes" in out:
            print(f"{split:6} missed copies by cause: "
                  + ", ".join(f"{c} {k}" for c, k in out["miss_causes"].items()))
        if list_pairs and split == "dev":
            for name in ("missed_why" if "missed_why" in out else "missed_pairs", "false_positive_pairs"):
                print(f"dev {name}:")
                for row in out[name]:
                    print("   ", *row)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "test4", "all"), default="dev",
                    help="dev (default); test (round 2) and test4 (round 4, pairs_r4.csv) are sealed: only when "
                         "asked for; all = dev and test")
    ap.add_argument("--config", default="{}", help="DedupConfig fields as JSON, e.g. '{\"threshold\": 0.5}'")
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--pairs", type=Path, default=None, help="labelled pairs (default: pairs_r2.csv; "
                    "pairs_r4.csv for --split test4)")
    ap.add_argument("--list", action="store_true", help="list the dev pairs missed / falsely joined (ids, lines)")
    ap.add_argument("--why", action="store_true",
                    help="attribute each missed dev copy to a cause (verification, candidates, clustering)")
    ap.add_argument("--cli", action="store_true", help="score the command line's own clusters instead")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    cfg = DedupConfig(**json.loads(args.config))
    splits = ALL_SPLITS if args.split == "all" else (args.split,)
    if (args.list or args.why) and all(s in SEALED for s in splits):
        ap.error(f"--list / --why on the sealed split {args.split}: its pairs are never listed")
    report = evaluate(cfg, splits=splits, corpus_dir=args.corpus_dir, pairs_path=args.pairs, cli=args.cli,
                      why=args.why)
    print_report(report, list_pairs=args.list)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
