"""Train the shipped line model (``src/newsclean/models/linemodel.json``) from hand labels and weak labels.

    python -m benchmarks.train_linemodel [--corpus-dir ../shared/corpus] [--labels eval/labels]
                                         [--out src/newsclean/models/linemodel.json]

Examples are the lines the model will see at cleaning time: the lines the rules (and corpus templates)
left in a document, with the features of :func:`newsclean.linemodel.doc_features`.

- **Hand labels** (``eval/labels``, every split but ``sealed``): a kept line is boilerplate when at least
  half of its non-space characters lie in a ``remove`` span; lines touching an ``ambiguous`` span are left
  out. Weight 1.
- **Weak labels** from the rules, on up to ``--weak-per-outlet`` unlabelled documents per outlet of the
  same corpora: a line a rule dropped is boilerplate (its features computed with it put back), a line the
  rules kept is content. Weight ``--weak-weight``: the rules miss some boilerplate, and what they catch is
  already caught; these rows teach the shapes of boilerplate in general.

The model is gradient-boosted regression trees of depth 3 on the logistic loss, fitted on quantile bins of
each feature (numpy only). Everything is deterministic: the same labels and corpora give the same file.
``benchmarks.boilerplate_eval`` calls :func:`train` once per leave-outlet-out fold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsclean import Document, Pipeline
from newsclean.document import Change, split_lines
from newsclean.linemodel import FEATURES, TEXT_STEPS, LineModel, doc_features
from newsclean.templates import TemplateCleaner, Templates, learn_templates

ROOT = Path(__file__).resolve().parents[1]


def _find_corpus_dir() -> Path:
    """``shared/corpus`` beside the project, or beside a folder above it (a git worktree elsewhere)."""
    for base in ROOT.parents:
        cand = base / "shared" / "corpus"
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "corpus"


DEFAULT_CORPUS_DIR = _find_corpus_dir()
DEFAULT_LABELS = ROOT / "eval" / "labels"
DEFAULT_OUT = ROOT / "src" / "newsclean" / "models" / "linemodel.json"

#: The language of each labelled corpus (a label row may say so itself with "lang").
CORPUS_LANG = {"id_news_dev": "id", "hoax_dev": "id", "en_news_dev": "en"}
#: The outlets the rule writers saw from the start; every other outlet is sealed or not by the hash of its
#: name (eval/labels/GUIDELINES.md 8.2, GUIDELINES-en.md 7.2).
ALWAYS_DEV = frozenset({"detik.com", "kompas.com", "liputan6.com", "okezone.com", "sindonews.com", "tempo.co",
                        "tribunnews.com"})


def is_sealed_outlet(outlet: str) -> bool:
    """Whether an outlet is in the sealed split (whole outlets nobody tunes on): its labels are only for the
    final measurement, and neither its labels nor its unlabelled articles train anything."""
    if outlet in ALWAYS_DEV:
        return False
    return int(hashlib.sha1(("newsclean-sealed-v1:" + outlet).encode("utf-8")).hexdigest()[:8], 16) % 100 < 30


# -- labels and corpora ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    corpus: str
    id: str
    outlet: str
    split: str
    lang: str
    text_sha1: str
    remove: tuple[tuple[int, int], ...]
    ambiguous: tuple[tuple[int, int], ...]
    round: int = 1


def load_labels(labels_dir: Path = DEFAULT_LABELS) -> list[Label]:
    out = []
    for f in sorted(labels_dir.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            lang = r.get("lang") or CORPUS_LANG.get(r["corpus"])
            if lang is None:
                raise SystemExit(f"{f.name}: no language known for corpus {r['corpus']!r} (add 'lang' to the rows)")
            out.append(Label(r["corpus"], r["id"], r["outlet"], r["split"], lang, r["text_sha1"],
                             tuple(map(tuple, r["remove"])), tuple(map(tuple, r["ambiguous"])),
                             int(r.get("round", 1))))
    return out


def load_corpus(corpus_dir: Path, name: str) -> list[dict[str, Any]]:
    """Every record of a corpus, in file order."""
    with open(corpus_dir / f"{name}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def outlet_of(rec: Mapping[str, Any]) -> str:
    return str(rec.get("outlet") or rec.get("url") or "(unknown)")


def to_document(rec: Mapping[str, Any], *, hide_outlet: bool = False) -> Document:
    """The record as the CLI reads it; ``hide_outlet`` drops outlet and URL, as for a site never seen."""
    meta: dict[str, Any] = {}
    if not hide_outlet:
        for k in ("outlet", "url"):
            if rec.get(k):
                meta[k] = rec[k]
    for k in ("title", "lang"):
        if rec.get(k):
            meta[k] = rec[k]
    return Document(rec["text"], id=str(rec.get("id", "")), metadata=meta)


def check_text(label: Label, rec: Mapping[str, Any]) -> None:
    if hashlib.sha1(rec["text"].encode("utf-8")).hexdigest() != label.text_sha1:
        raise SystemExit(f"{label.corpus}: article {label.id} changed since it was labelled")


# -- what the line model sees --------------------------------------------------------------------------


@dataclass
class RuleState:
    """A document after the rules: its lines (None = dropped), the lines a rule cut, the lines a rule
    dropped, and the raw offsets of each line (None when stray HTML was rewritten)."""

    doc: Document
    lines: list[str | None]
    touched: frozenset[int]
    dropped: dict[int, str]
    starts: list[int] | None


class _Capture:
    name = "capture"
    sees_changes = True

    def __init__(self) -> None:
        self.lines: list[str | None] = []
        self.changes: list[Change] = []

    def run(self, lines: list[str | None], doc: Document, changes: Sequence[Change] = ()) -> list[Change]:
        self.lines = list(lines)
        self.changes = list(changes)
        return []


def rule_states(docs: Iterable[Document], pipeline: Pipeline | None = None) -> list[RuleState]:
    """Run the rules (no templates, no line model) over documents and keep what the line model would see."""
    cap = _Capture()
    p = pipeline or Pipeline.default(line_model=False, extra=[cap])
    if cap not in p.steps:
        p = Pipeline([*p.steps[:-1], cap], pre=p.pre)  # a pipeline of the caller's, capture before BlankLines
    out = []
    for doc in docs:
        p.explain(doc)
        rewritten = any(c.action == "rewrite" for c in cap.changes)
        starts = None
        if not rewritten:
            starts, pos = [], 0
            for line in split_lines(doc.text):
                starts.append(pos)
                pos += len(line) + 1
            if "\r" in doc.text or "\u2028" in doc.text or "\u2029" in doc.text or "\x85" in doc.text:
                starts = _raw_starts(doc.text)
        touched = frozenset(c.line for c in cap.changes if c.action == "replace" and c.cleaner not in TEXT_STEPS)
        dropped = {c.line: c.removed for c in cap.changes if c.action == "drop_line"}
        out.append(RuleState(doc, cap.lines, touched, dropped, starts))
    return out


def _raw_starts(text: str) -> list[int]:
    import re

    starts = [0]
    for m in re.finditer("\r\n|[\r\n\u2028\u2029\x85]", text):
        starts.append(m.end())
    return starts


def with_templates(state: RuleState, templates: Templates | None) -> tuple[list[str | None], set[int]]:
    """The state's lines after the template cleaner; and the lines it dropped."""
    lines = list(state.lines)
    if templates is None:
        return lines, set()
    changes = TemplateCleaner(templates).run(lines, state.doc)
    return lines, {c.line for c in changes}


def gold_lines(state: RuleState, label: Label, idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(label, usable) for the lines ``idx``: boilerplate when half of the raw line's non-space
    characters are in a remove span; unusable when the line touches an ambiguous span."""
    text = state.doc.text
    assert state.starts is not None
    raw = split_lines(text)
    rem = np.zeros(len(text) + 1, dtype=np.int32)
    amb = np.zeros(len(text) + 1, dtype=np.int32)
    for s, e in label.remove:
        rem[s] += 1
        rem[e] -= 1
    for s, e in label.ambiguous:
        amb[s] += 1
        amb[e] -= 1
    rem = np.cumsum(rem)[:-1] > 0
    amb = np.cumsum(amb)[:-1] > 0
    y = np.zeros(len(idx))
    ok = np.ones(len(idx), dtype=bool)
    for k, i in enumerate(idx):
        s = state.starts[i]
        line = raw[i]
        chars = [s + j for j, ch in enumerate(line) if not ch.isspace()]
        if not chars:
            ok[k] = False
            continue
        if amb[chars].any():
            ok[k] = False
            continue
        y[k] = float(rem[chars].sum() * 2 >= len(chars))
    return y, ok


@dataclass
class Examples:
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)

    def add(self, x: np.ndarray, y: np.ndarray, w: float) -> None:
        if len(x):
            self.x.append(x)
            self.y.append(y)
            self.w.append(np.full(len(y), w))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.x:
            return np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0)
        return np.vstack(self.x), np.concatenate(self.y), np.concatenate(self.w)


def labelled_examples(ex: Examples, state: RuleState, label: Label, templates: Templates | None,
                      pos_weight: float = 1.0) -> None:
    if state.starts is None:
        return
    lines, _ = with_templates(state, templates)
    idx, x = doc_features(lines, state.doc, templates, state.touched)
    if not idx:
        return
    y, ok = gold_lines(state, label, idx)
    if pos_weight == 1.0:
        ex.add(x[ok], y[ok], 1.0)
        return
    for value, w in ((0.0, 1.0), (1.0, pos_weight)):
        sel = ok & (y == value)
        ex.add(x[sel], y[sel], w)


def weak_examples(ex: Examples, state: RuleState, templates: Templates | None, weight: float) -> None:
    lines, by_template = with_templates(state, templates)
    idx, x = doc_features(lines, state.doc, templates, state.touched)
    ex.add(x, np.zeros(len(idx)), weight)
    for i, text in state.dropped.items():
        if i in by_template or not text.strip():
            continue
        put_back = list(lines)
        put_back[i] = text
        idx1, x1 = doc_features(put_back, state.doc, templates, state.touched)
        if i in idx1:
            k = idx1.index(i)
            ex.add(x1[k:k + 1], np.ones(1), weight)


# -- gradient boosting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoostOptions:
    trees: int = 50
    depth: int = 3
    learning_rate: float = 0.2
    bins: int = 32
    l2: float = 1.0
    min_leaf: float = 20.0  # summed row weight in a leaf


def fit_gbdt(x: np.ndarray, y: np.ndarray, w: np.ndarray, opts: BoostOptions = BoostOptions(),
             threshold: float = 0.5, meta: dict[str, Any] | None = None,
             thresholds: Mapping[str, float] | None = None) -> LineModel:
    """Gradient-boosted trees of a fixed depth on the logistic loss (full trees, breadth first)."""
    n, nf = x.shape
    edges = []
    qs = np.linspace(0, 1, opts.bins + 1)[1:-1]
    for j in range(nf):
        e = np.unique(np.quantile(x[:, j], qs)) if n else np.zeros(0)
        edges.append(e)
    nb = max(len(e) for e in edges) + 1
    b = np.zeros((n, nf), dtype=np.int64)
    for j in range(nf):
        b[:, j] = np.searchsorted(edges[j], x[:, j], side="left")
    offs = (np.arange(nf) * nb)[None, :]
    flat_b = b + offs
    wsum = w.sum()
    p0 = float(np.clip((w * y).sum() / wsum, 1e-4, 1 - 1e-4)) if wsum else 0.5
    base = float(np.log(p0 / (1 - p0)))
    f = np.full(n, base)
    n_int = 2 ** opts.depth - 1
    feats = np.zeros((opts.trees, n_int), dtype=np.intp)
    thrs = np.full((opts.trees, n_int), np.inf)
    vals = np.zeros((opts.trees, 2 ** opts.depth))
    for t in range(opts.trees):
        p = 1.0 / (1.0 + np.exp(-f))
        g = (p - y) * w
        h = np.maximum(p * (1 - p), 1e-6) * w
        node = np.zeros(n, dtype=np.intp)
        for level in range(opts.depth):
            first = 2 ** level - 1
            for k in range(first, 2 * first + 1):
                rows = np.flatnonzero(node == k)
                best = _best_split(flat_b[rows], g[rows], h[rows], w[rows], nf, nb, edges, opts) if len(rows) else None
                if best is None:
                    go = np.zeros(len(rows), dtype=np.intp)  # no split: every row goes left
                else:
                    j, bi = best
                    feats[t, k] = j
                    thrs[t, k] = edges[j][bi]
                    go = (b[rows, j] > bi).astype(np.intp)
                node[rows] = 2 * k + 1 + go
        leaf = node - n_int
        gl = np.bincount(leaf, weights=g, minlength=2 ** opts.depth)
        hl = np.bincount(leaf, weights=h, minlength=2 ** opts.depth)
        v = -gl / (hl + opts.l2) * opts.learning_rate
        vals[t] = v
        f += v[leaf]
    return LineModel(feats, thrs, vals, base, threshold, FEATURES, dict(meta or {}), dict(thresholds or {}))


def _best_split(fb: np.ndarray, g: np.ndarray, h: np.ndarray, w: np.ndarray, nf: int, nb: int,
                edges: Sequence[np.ndarray], opts: BoostOptions) -> tuple[int, int] | None:
    m = len(g)
    idx = fb.ravel()
    size = nf * nb
    gh = np.bincount(idx, weights=np.repeat(g, nf), minlength=size).reshape(nf, nb)
    hh = np.bincount(idx, weights=np.repeat(h, nf), minlength=size).reshape(nf, nb)
    wh = np.bincount(idx, weights=np.repeat(w, nf), minlength=size).reshape(nf, nb)
    gl, hl, wl = np.cumsum(gh, 1), np.cumsum(hh, 1), np.cumsum(wh, 1)
    gt, ht, wt = gl[:, -1:], hl[:, -1:], wl[:, -1:]
    gr, hr, wr = gt - gl, ht - hl, wt - wl
    gain = gl ** 2 / (hl + opts.l2) + gr ** 2 / (hr + opts.l2) - gt ** 2 / (ht + opts.l2)
    valid = (wl >= opts.min_leaf) & (wr >= opts.min_leaf)
    # A split at bin b needs an edge there: bins past a feature's last edge hold no split.
    lens = np.array([len(e) for e in edges])
    valid &= np.arange(nb)[None, :] < lens[:, None]
    gain = np.where(valid, gain, -np.inf)
    k = int(np.argmax(gain))
    if not np.isfinite(gain.flat[k]) or gain.flat[k] <= 1e-9 or m == 0:
        return None
    return divmod(k, nb)


# -- a whole training run --------------------------------------------------------------------------------

#: Settings chosen on the dev labels, leave-outlet-out (python -m benchmarks.boilerplate_eval; README): weak labels
#: at 0.3 of a hand label, hand-labelled boilerplate lines at 3 (they are few: about 3% of the kept lines),
#: and a threshold per language. Scored lines on held-out outlets (folds of benchmarks.boilerplate_eval), 50
#: trees: English at 0.6, 204 boilerplate tokens taken for 20 of content (at 0.5: 212 for 56); Indonesian:
#: the dev outlets leave the model almost nothing to find (12 tokens, one line), so 0.7, where it is sure.
#: 150 trees at a rate of 0.1 did no better (185 for 29 at 0.6) at three times the cost.
WEAK_WEIGHT = 0.3
POS_WEIGHT = 3.0
THRESHOLD = 0.5
THRESHOLDS = {"en": 0.6, "id": 0.7}


@dataclass
class TrainingData:
    """Rule states of the labelled articles and of the weak-label sample, per corpus, computed once."""

    labels: list[Label]
    records: dict[str, list[dict[str, Any]]]  # corpus -> every record
    labelled: dict[tuple[str, str], RuleState]  # (corpus, id) -> state, outlet known
    weak: dict[str, list[tuple[str, RuleState]]]  # corpus -> (outlet, state)


def prepare(labels: Sequence[Label], corpus_dir: Path, *, weak_per_outlet: int = 150,
            corpora: Sequence[str] | None = None) -> TrainingData:
    names = sorted({lab.corpus for lab in labels} | set(corpora or ()))
    records = {name: load_corpus(corpus_dir, name) for name in names}
    by_id = {name: {str(r.get("id")): r for r in recs} for name, recs in records.items()}
    labelled: dict[tuple[str, str], RuleState] = {}
    for lab in labels:
        rec = by_id[lab.corpus].get(lab.id)
        if rec is None:
            raise SystemExit(f"{lab.corpus}: article {lab.id} not found")
        check_text(lab, rec)
    labelled_ids = {(lab.corpus, lab.id) for lab in labels}
    for (corpus, doc_id), state in zip(
            sorted(labelled_ids),
            rule_states(to_document(by_id[c][i]) for c, i in sorted(labelled_ids))):
        labelled[(corpus, doc_id)] = state
    weak: dict[str, list[tuple[str, RuleState]]] = {}
    for name, recs in records.items():
        per: dict[str, int] = defaultdict(int)
        chosen = []
        for r in recs:
            o = outlet_of(r)
            if (name, str(r.get("id"))) in labelled_ids or per[o] >= weak_per_outlet or not r.get("text"):
                continue
            per[o] += 1
            chosen.append(r)
        weak[name] = list(zip([outlet_of(r) for r in chosen], rule_states(to_document(r) for r in chosen)))
    return TrainingData(list(labels), records, labelled, weak)


def corpus_templates(data: TrainingData, exclude: frozenset[str] = frozenset()) -> dict[str, Templates]:
    """Templates learned from each corpus, without the documents of ``exclude`` outlets."""
    return {name: learn_templates(to_document(r) for r in recs if outlet_of(r) not in exclude)
            for name, recs in data.records.items()}


def train(data: TrainingData, *, exclude: frozenset[str] = frozenset(),
          templates: Mapping[str, Templates] | None = None, weak_weight: float = WEAK_WEIGHT,
          pos_weight: float = POS_WEIGHT, threshold: float = THRESHOLD,
          thresholds: Mapping[str, float] | None = None, opts: BoostOptions = BoostOptions()) -> LineModel:
    """A model trained without the labels and documents of ``exclude`` outlets, nor of sealed outlets."""
    tpl = templates if templates is not None else corpus_templates(data, exclude)
    ex = Examples()
    for lab in data.labels:
        if lab.split == "sealed" or lab.outlet in exclude or is_sealed_outlet(lab.outlet):
            continue
        labelled_examples(ex, data.labelled[(lab.corpus, lab.id)], lab, tpl.get(lab.corpus), pos_weight)
    if weak_weight > 0:
        for name, items in data.weak.items():
            for outlet, state in items:
                if outlet not in exclude and not is_sealed_outlet(outlet):
                    weak_examples(ex, state, tpl.get(name), weak_weight)
    x, y, w = ex.arrays()
    meta = {"rows": int(len(y)), "boilerplate_rows": float(round((y * w).sum(), 1)), "weak_weight": weak_weight,
            "pos_weight": pos_weight,
            "trees": opts.trees, "depth": opts.depth, "learning_rate": opts.learning_rate}
    return fit_gbdt(x, y, w, opts, threshold, meta, THRESHOLDS if thresholds is None else thresholds)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--weak-per-outlet", type=int, default=150)
    ap.add_argument("--weak-weight", type=float, default=WEAK_WEIGHT)
    ap.add_argument("--pos-weight", type=float, default=POS_WEIGHT)
    ap.add_argument("--trees", type=int, default=BoostOptions.trees)
    a = ap.parse_args(argv)
    if not a.corpus_dir.is_dir():
        print(f"corpus folder not found: {a.corpus_dir}", file=sys.stderr)
        return 2
    labels = [lab for lab in load_labels(a.labels) if lab.split != "sealed"]
    data = prepare(labels, a.corpus_dir, weak_per_outlet=a.weak_per_outlet)
    model = train(data, weak_weight=a.weak_weight, pos_weight=a.pos_weight, opts=BoostOptions(trees=a.trees))
    model.meta["labels"] = len(labels)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(a.out)
    print(f"{a.out}: {model.trees} trees, {model.meta['rows']} rows, {a.out.stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
