"""A learned verification decision, scored by leave-story-out cross-validation on the dev pairs (round 5).

    python -m benchmarks.dedup_verify_model [--corpus-dir DIR] [--models NAME,...] [--pairs-only] [--json OUT]

Verification today (:mod:`newsclean.dedup.verify`) takes one decision per pair: the shorter paragraph's
words covered by shared runs of >= 3 words (with gap words) reach ``threshold`` (0.55), and tiles of
>= 5 words cover ``long_share`` (0.35) of them. This benchmark asks whether a decision over *several*
alignment features finds more copies at the same false-positive rate. Features, all of the shorter
paragraph's ``m`` words, from the kernel's own tiling (:func:`newsclean.dedup.verify.cover`):

- ``cdef``: covered words under today's rule (0 when the long-run rule fails), ``c3g`` the same
  without the long-run rule, ``c4``, ``c5``, ``c8``: greedy tilings with runs of >= 4, 5, 8 words
  (no gap words), ``gapx``: words that only the gap rule covers; ``logm``: log of ``m``.

A logistic model (L2, Newton's method, deterministic) is trained on the labelled **dev** pairs of
round 1 (``hoax_dev_pairs.csv``) and round 2 (``pairs_r2.csv``), labels 0 and 1, and used only for
pairs whose ``c3g`` lies in a band around the threshold (:data:`BAND`); outside it the decision is
today's. Its cut is the one with the most training copies accepted at no more training
non-copies accepted than today's rule. Two ways of using it:

- ``replace``: in the band the model decides (it may also reject a pair today's rule accepts);
- ``add``: a pair today's rule accepts stays accepted; the model may accept more.

Cross-validation is grouped by story: one fold per hoax topic (KW1, KW2, KW4, KW6, both rounds) and
the id_news event groups in two folds (``sha1(group) % 2``); a fold's pairs are scored with the model
trained on the other folds. Pair level: the decision on the labelled pair itself. Cluster level (what
the issue's target counts): each fold's corpus is deduplicated with the fold's model deciding every
verification (the kernels' Python path, its ``_cover`` wrapped), and a pair counts when both
paragraphs sit in one cluster. Only ``dev`` pairs are read; the sealed splits never.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.dedup_accuracy import r1_pairs
from benchmarks.dedup_pairs_eval import (
    CORPUS_FILES,
    DEFAULT_CORPUS_DIR,
    PAIRS_R2,
    Pair,
    clean_corpus,
    clusters_in_process,
    load_pairs,
    wilson,
)
from newsclean.dedup import DedupConfig

#: The model decides pairs whose ``c3g`` share lies in this band; outside it, today's rule.
BAND = (0.40, 0.75)
#: Feature sets and L2 weights tried (name -> (features, l2)).
MODELS: dict[str, tuple[tuple[str, ...], float]] = {
    "cdef": (("cdef",), 1.0),
    "cdef+c8": (("cdef", "c8"), 1.0),
    "c3g+c5+c8": (("c3g", "c5", "c8"), 1.0),
    "all": (("cdef", "c3g", "c5", "c4", "c8", "gapx"), 1.0),
    "all-l2=10": (("cdef", "c3g", "c5", "c4", "c8", "gapx"), 10.0),
}
FEATURES: dict[str, Callable[[Mapping[str, float]], float]] = {
    "cdef": lambda r: r["cdef"] / r["m"],
    "c3g": lambda r: r["c3g"] / r["m"],
    "c4": lambda r: r["c4"] / r["m"],
    "c5": lambda r: r["c5"] / r["m"],
    "c8": lambda r: r["c8"] / r["m"],
    "gapx": lambda r: (r["c3g"] - r["c3"]) / r["m"],
    "logm": lambda r: math.log(r["m"]),
}


def alignment_features(a: np.ndarray, b: np.ndarray, cfg: DedupConfig, cover: Callable[..., Any]) -> dict[str, int]:
    """Covered-word counts of the shorter of ``a`` and ``b`` (word tokens; ``a`` the shorter) under
    several tilings, with ``cover(a, b, run, long_run, long_share, gap)`` one alignment."""
    return {"m": int(a.size), "n": int(b.size),
            "cdef": int(cover(a, b, cfg.min_run, cfg.long_run, cfg.long_share, cfg.gap_words)),
            "c3g": int(cover(a, b, cfg.min_run, 0, 0.0, cfg.gap_words)), "c3": int(cover(a, b, cfg.min_run, 0, 0.0, 0)),
            "c4": int(cover(a, b, 4, 0, 0.0, 0)), "c5": int(cover(a, b, 5, 0, 0.0, 0)),
            "c8": int(cover(a, b, 8, 0, 0.0, 0))}


def default_accepts(r: Mapping[str, float], cfg: DedupConfig) -> bool:
    """Today's decision on a pair (shorter paragraph covered, word ratio)."""
    return r["m"] >= cfg.fragment_min_ratio * r["n"] and r["cdef"] >= math.ceil(cfg.threshold * r["m"] - 1e-9)


def in_band(r: Mapping[str, float]) -> bool:
    return BAND[0] * r["m"] <= r["c3g"] <= BAND[1] * r["m"]


def fold_of(corpus: str, group: str) -> str:
    """Leave-story-out fold: the hoax topic, or one of two folds of id_news event groups."""
    if corpus == "hoax":
        return group
    return f"id_news{int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) % 2}"


def labelled_rows(corpus_dir: Path, cfg: DedupConfig) -> list[dict[str, Any]]:
    """The dev pairs of rounds 1 and 2 (labels 0 and 1) with their fold and features."""
    from newsclean.dedup.signatures import word_tokens
    from newsclean.dedup.verify import cover

    texts: dict[tuple[str, int], str] = {}
    for name in CORPUS_FILES.values():
        for doc_id, paras, _, _ in clean_corpus(corpus_dir / name).docs:
            texts.update(((doc_id, n), t) for n, t in paras)
    topic = {}
    with open(corpus_dir / CORPUS_FILES["hoax"], encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                topic[str(rec["id"])] = str(rec.get("topic"))
    with open(PAIRS_R2, encoding="utf-8") as fh:
        groups = {(r["id_a"], int(r["line_a"]), r["id_b"], int(r["line_b"])): r["group"] for r in csv.DictReader(fh)}
    pairs = [("r2", p, groups[(*p.a, *p.b)]) for p in load_pairs(PAIRS_R2) if p.split == "dev"]
    pairs += [("r1", p, topic[p.a[0]]) for p in r1_pairs("dev")]

    def cov(a: np.ndarray, b: np.ndarray, run: int, long_run: int, long_share: float, gap: int) -> int:
        return int(cover(a, b, run, -1, long_run, long_share, gap))

    rows = []
    for src, p, group in pairs:
        if p.label not in (0, 1):
            continue
        a = np.array(word_tokens(texts[p.a]), np.uint32)
        b = np.array(word_tokens(texts[p.b]), np.uint32)
        if a.size > b.size or (a.size == b.size and tuple(a.tolist()) > tuple(b.tolist())):
            a, b = b, a
        rows.append({"src": src, "pair": p, "fold": fold_of(p.corpus, group), "label": p.label,
                     **alignment_features(a, b, cfg, cov)})
    return rows


class Model:
    """Logistic model over ``features`` (standardized), with a cut on its probability."""

    def __init__(self, features: Sequence[str], l2: float) -> None:
        self.features = tuple(features)
        self.l2 = float(l2)
        self.mu = self.sd = self.w = np.zeros(0)
        self.cut = 1.1

    def x(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        return np.array([[FEATURES[f](r) for f in self.features] for r in rows], float).reshape(len(rows), -1)

    def prob(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        z = (self.x(rows) - self.mu) / self.sd
        return 1.0 / (1.0 + np.exp(-(self.w[0] + z @ self.w[1:])))

    def fit(self, rows: Sequence[Mapping[str, Any]], cfg: DedupConfig, add: bool) -> Model:
        band = [r for r in rows if in_band(r)]
        y = np.array([r["label"] for r in band], float)
        x = self.x(band)
        self.mu, self.sd = x.mean(0), x.std(0) + 1e-9
        z = np.c_[np.ones(len(x)), (x - self.mu) / self.sd]
        reg = self.l2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
        w = np.zeros(z.shape[1])
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-z @ w))
            w -= np.linalg.solve(z.T @ (z * (p * (1 - p))[:, None]) + reg, z.T @ (p - y) + reg @ w)
        self.w = w
        s = self.prob(band)
        today = np.array([default_accepts(r, cfg) for r in band])
        fp_today = int((today & (y == 0)).sum())
        best = (-1, 1.1)
        for cut in [*sorted(set(s.tolist())), 1.1]:
            acc = (s >= cut) | today if add else s >= cut
            if int((acc & (y == 0)).sum()) <= fp_today and int((acc & (y == 1)).sum()) > best[0]:
                best = (int((acc & (y == 1)).sum()), cut)
        self.cut = best[1]
        return self

    def accepts(self, r: Mapping[str, float]) -> bool:
        return bool(self.prob([r])[0] >= self.cut)


def decision(model: Model, cfg: DedupConfig, add: bool) -> Callable[[Mapping[str, float]], bool]:
    def decide(r: Mapping[str, float]) -> bool:
        today = default_accepts(r, cfg)
        if not in_band(r) or (add and today):
            return today
        return model.accepts(r)
    return decide


def _counts(found: Sequence[tuple[str, int, bool]]) -> dict[str, dict[str, Any]]:
    out = {}
    for src in ("r2", "r1"):
        sel = [(label, ok) for s, label, ok in found if s == src]
        tp = sum(ok for label, ok in sel if label == 1)
        pos = sum(label == 1 for label, _ in sel)
        fp = sum(ok for label, ok in sel if label == 0)
        neg = sum(label == 0 for label, _ in sel)
        out[src] = {"copies": pos, "found": tp, "recall": tp / pos, "recall_ci95": wilson(tp, pos),
                    "not_copies": neg, "joined": fp, "fpr": fp / neg, "fpr_ci95": wilson(fp, neg)}
    return out


def pair_cv(rows: Sequence[dict[str, Any]], features: Sequence[str], l2: float, cfg: DedupConfig, add: bool
            ) -> dict[str, Any]:
    found = []
    for f in sorted({r["fold"] for r in rows}):
        decide = decision(Model(features, l2).fit([r for r in rows if r["fold"] != f], cfg, add), cfg, add)
        found += [(r["src"], r["label"], decide(r)) for r in rows if r["fold"] == f]
    return _counts(found)


#: The decision the wrapped kernel applies (None: today's rule) and how often it was asked.
_CURRENT: dict[str, Any] = {"decide": None, "cfg": None, "calls": 0}


def install() -> None:
    """Wrap the Python path's alignment kernel (``verify._cover``) so that every verification of a
    run is decided by ``_CURRENT["decide"]``: the kernel's count is raised to the threshold's or
    lowered below it. Call before any dedup kernel runs on the Python path in this process (the
    kernels that call it are bound to it when first built)."""
    from newsclean.dedup import verify

    if getattr(verify._cover._python, "_round5", False):
        return
    orig = verify._cover_python

    def wrapped(a: np.ndarray, b: np.ndarray, run: int, need: int, long_run: int, long_need: int, gap: int,
                head: np.ndarray, nxt: np.ndarray, used: np.ndarray) -> int:
        c = orig(a, b, run, need, long_run, long_need, gap, head, nxt, used)
        decide, cfg = _CURRENT["decide"], _CURRENT["cfg"]
        if decide is None or a.size < run:
            return c
        _CURRENT["calls"] += 1

        def cov(x: np.ndarray, y: np.ndarray, r: int, lr: int, ls: float, g: int) -> int:
            return int(orig(x, y, r, -1, lr, math.ceil(ls * x.size - 1e-9) if lr else 0, g, head, nxt, used))

        feats = alignment_features(a, b, cfg, cov)
        need_t = math.ceil(cfg.threshold * a.size - 1e-9)
        return max(feats["cdef"], need_t) if decide(feats) else min(feats["cdef"], need_t - 1)

    wrapped._round5 = True  # type: ignore[attr-defined]
    verify._cover._python = wrapped


def _clusters_with(decide: Callable[[Mapping[str, float]], bool] | None, path: Path, cfg: DedupConfig
                   ) -> dict[tuple[str, int], int]:
    """One corpus run on the kernels' Python path, every verification decided by ``decide`` (None:
    today's rule)."""
    install()
    _CURRENT.update(decide=decide, cfg=cfg, calls=0)
    try:
        where, _, _ = clusters_in_process(path, cfg)
    finally:
        calls = _CURRENT["calls"]
        _CURRENT.update(decide=None, cfg=None, calls=0)
    if decide is not None and calls == 0:
        raise RuntimeError("the wrapped kernel was not called: was the Python path built before install()?")
    return where


def cluster_cv(rows: Sequence[dict[str, Any]], features: Sequence[str], l2: float, cfg: DedupConfig, add: bool,
               corpus_dir: Path) -> dict[str, Any]:
    found = []
    for f in sorted({r["fold"] for r in rows}):
        model = Model(features, l2).fit([r for r in rows if r["fold"] != f], cfg, add)
        corpus = "id_news" if f.startswith("id_news") else "hoax"
        where = _clusters_with(decision(model, cfg, add), corpus_dir / CORPUS_FILES[corpus], cfg)
        for r in rows:
            if r["fold"] == f:
                p: Pair = r["pair"]
                found.append((r["src"], r["label"], p.a in where and where.get(p.a) == where.get(p.b)))
    return _counts(found)


def today(rows: Sequence[dict[str, Any]], cfg: DedupConfig, corpus_dir: Path) -> dict[str, Any]:
    """Today's rule, pair level and cluster level (one run per corpus, the same Python path)."""
    pair = _counts([(r["src"], r["label"], default_accepts(r, cfg)) for r in rows])
    where: dict[tuple[str, int], int] = {}
    for name in sorted({r["pair"].corpus for r in rows}):
        where.update(_clusters_with(None, corpus_dir / CORPUS_FILES[name], cfg))
    clus = _counts([(r["src"], r["label"], r["pair"].a in where and where.get(r["pair"].a) == where.get(r["pair"].b))
                    for r in rows])
    return {"pair": pair, "cluster": clus}


def _line(name: str, level: str, s: Mapping[str, Any]) -> str:
    parts = []
    for src in ("r2", "r1"):
        x = s[src]
        parts.append(f"{src} recall {x['found']}/{x['copies']} {x['recall']:.3f} [{x['recall_ci95'][0]:.3f}, "
                     f"{x['recall_ci95'][1]:.3f}] FPR {x['joined']}/{x['not_copies']} {x['fpr']:.3f} "
                     f"[{x['fpr_ci95'][0]:.3f}, {x['fpr_ci95'][1]:.3f}]")
    return f"{name:22} {level:7} " + " | ".join(parts)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {list(MODELS)}")
    ap.add_argument("--modes", default="replace,add")
    ap.add_argument("--pairs-only", action="store_true", help="pair-level CV only (no corpus runs)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    os.environ["NEWSCLEAN_KERNELS"] = "python"  # the cluster runs wrap the Python path's kernel
    install()
    cfg = DedupConfig()
    rows = labelled_rows(args.corpus_dir, cfg)
    report: dict[str, Any] = {"folds": sorted({r["fold"] for r in rows}), "band": BAND, "results": []}
    base = today(rows, cfg, args.corpus_dir) if not args.pairs_only else None
    if base:
        print(_line("today's rule", "pair", base["pair"]))
        print(_line("today's rule", "cluster", base["cluster"]), flush=True)
        report["today"] = base
    for mode in args.modes.split(","):
        for name in args.models.split(","):
            features, l2 = MODELS[name]
            add = mode == "add"
            res = {"model": name, "mode": mode, "features": features, "l2": l2,
                   "pair": pair_cv(rows, features, l2, cfg, add)}
            print(_line(f"{name} ({mode})", "pair", res["pair"]), flush=True)
            if not args.pairs_only:
                res["cluster"] = cluster_cv(rows, features, l2, cfg, add, args.corpus_dir)
                print(_line(f"{name} ({mode})", "cluster", res["cluster"]), flush=True)
            report["results"].append(res)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
