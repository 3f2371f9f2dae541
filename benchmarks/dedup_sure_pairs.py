"""Near-duplicates at the cluster level on *every* pair of the dev groups whose label a measure already tells.

    python -m benchmarks.dedup_sure_pairs [--corpus-dir DIR] [--config JSON] [--why] [--list N] [--json OUT]

The labelled pairs (``eval/dedup_pairs``) are a few hundred; this scores the same thing -- both paragraphs in one
reported cluster, what ``--dedup drop`` acts on -- on every pair of paragraphs of the **dev** groups (hoax topics
KW1, KW2, KW4, KW6; id_news event groups of the dev split, as ``eval/dedup_pairs/sample_r2.py`` makes them) from two
articles of two different outlets, for the pairs whose label the hand labels show a character measure to tell
(``eval/dedup_pairs/README.md``, round 4: every pair of char-5 Jaccard >= 0.5 a copy, every fragment of containment
>= 0.85 a copy, below Jaccard 0.2 never a copy; ``sample_r2.measure``, plain Python, not ``newsclean.dedup``):

- ``copy_jaccard``: char-5 Jaccard >= 0.5 (joined share: a recall);
- ``copy_fragment``: the shorter under 0.7 of the longer's characters, containment of the shorter >= 0.85 (a recall);
- ``apart``: Jaccard < 0.2 and containment < 0.5 (joined share: a false-positive rate).

The pairs between are what labels are for; they are left out. A paragraph is an input line of 40-1200 characters
that the default cleaning keeps. "Sure" is the measure's word, not a label: in id_news a list of the same company
names in another order reaches Jaccard 0.5 and the guidelines call it no copy, and spun copies (a word swapped every
two or three) are labelled reworded. So the rates are not recall and FPR of the labels; they count, on thousands of
pairs instead of a hundred, what a change to the clustering or the verification joins and parts. ``--why`` gives the
cause of each missed ``copy_*`` pair (``benchmarks.dedup_pairs_eval.MISS_CAUSES``). The test groups (KW3, KW5 and the
id_news test split) are never read.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.dedup_pairs_eval import (
    CORPUS_FILES,
    DEFAULT_CORPUS_DIR,
    Key,
    Pair,
    _rate,
    clean_corpus,
    clusters_in_process,
    miss_causes,
)
from newsclean.dedup import DedupConfig

ROOT = Path(__file__).resolve().parents[1]
_SAMPLER = ROOT / "eval" / "dedup_pairs"

#: What each kind of pair is, from the character measures of ``sample_r2.measure``.
JACCARD_COPY = 0.5
FRAGMENT_RATIO = 0.7
FRAGMENT_CONTAINMENT = 0.85
APART_JACCARD = 0.2
APART_CONTAINMENT = 0.5
KINDS = ("copy_jaccard", "copy_fragment", "apart")
MIN_CHARS, MAX_CHARS = 40, 1200


def _sampler() -> Any:
    if str(_SAMPLER) not in sys.path:
        sys.path.insert(0, str(_SAMPLER))
    import sample_r2

    return sample_r2


def kind_of(m: Any) -> str | None:
    """The kind of a pair from its measures (``sample_r2.Measures``), or None (a pair for labels)."""
    if m.jaccard >= JACCARD_COPY:
        return "copy_jaccard"
    if m.ratio < FRAGMENT_RATIO and m.containment >= FRAGMENT_CONTAINMENT:
        return "copy_fragment"
    if m.jaccard < APART_JACCARD and m.containment < APART_CONTAINMENT:
        return "apart"
    return None


def dev_groups(corpus: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Record id -> group, for the records of the dev groups only."""
    r2 = _sampler()
    if corpus == "hoax":
        return {r["id"]: r["topic"] for r in rows if r["topic"] in r2.HOAX_DEV_TOPICS}
    comp = r2.components(len(rows), r2.event_links(rows))
    members: dict[int, list[int]] = collections.defaultdict(list)
    for i, c in enumerate(comp):
        members[c].append(i)
    out: dict[str, str] = {}
    for ms in members.values():
        if len(ms) < 2:
            continue
        group = min(rows[j]["id"] for j in ms)
        if r2.id_split(group) == "dev":
            out.update({rows[j]["id"]: group for j in ms})
    return out


_PAIRS: dict[Path, list[tuple[str, Key, Key]]] = {}


def sure_pairs(path: Path, corpus: str) -> list[tuple[str, Key, Key]]:
    """``(kind, a, b)`` for every pair of the corpus's dev groups whose kind a measure tells (cached)."""
    if path in _PAIRS:
        return _PAIRS[path]
    r2 = _sampler()
    rows = r2.load_jsonl(path)
    group = dev_groups(corpus, rows)
    kept = {(d, n) for d, paras, _, _ in clean_corpus(path).docs for n, _ in paras}
    by_group: dict[str, list[Any]] = collections.defaultdict(list)
    for r in rows:
        g = group.get(r["id"])
        if g is None:
            continue
        for i, line in enumerate(r["text"].split("\n")):
            if MIN_CHARS <= len(line) <= MAX_CHARS and (r["id"], i) in kept:
                by_group[g].append(r2.make_para((r["id"], i), r.get("outlet") or "", g, line))
    out: list[tuple[str, Key, Key]] = []
    for paras in by_group.values():
        for x, p in enumerate(paras):
            for q in paras[x + 1:]:
                if p.key[0] == q.key[0] or p.outlet == q.outlet:
                    continue
                kind = kind_of(r2.measure(p, q))
                if kind is not None:
                    out.append((kind, p.key, q.key))
    _PAIRS[path] = out
    return out


def evaluate(cfg: DedupConfig | None = None, *, corpus_dir: Path = DEFAULT_CORPUS_DIR, why: bool = False
             ) -> dict[str, Any]:
    """Joined share of each kind per corpus and overall (``k`` of ``n`` pairs, ``rate``, 95% Wilson interval; as
    :mod:`benchmarks.dedup_pairs_eval` reports a rate); with ``why``, the causes of the
    missed ``copy_*`` pairs."""
    cfg = cfg or DedupConfig()
    report: dict[str, Any] = {"config": repr(cfg), "corpora": {}}
    total: collections.Counter[tuple[str, bool]] = collections.Counter()
    for corpus, name in sorted(CORPUS_FILES.items()):
        path = corpus_dir / name
        trace: dict[str, Any] | None = {} if why else None
        where, _, stats = clusters_in_process(path, cfg, trace)
        count: collections.Counter[tuple[str, bool]] = collections.Counter()
        missed: list[Pair] = []
        for kind, a, b in sure_pairs(path, corpus):
            joined = where.get(a) is not None and where.get(a) == where.get(b)
            count[(kind, joined)] += 1
            if kind != "apart" and not joined:
                missed.append(Pair("dev", corpus, kind, a, b, 1))
        total.update(count)
        out: dict[str, Any] = {kind: _rate(count[(kind, True)], count[(kind, True)] + count[(kind, False)])
                               for kind in KINDS}
        out["run"] = stats
        if trace is not None:
            causes = miss_causes(missed, {corpus: trace}, cfg)
            out["miss_causes"] = dict(sorted(collections.Counter(f"{p.kind}:{c}" for p, c, _ in causes).items()))
            out["missed"] = [[*p.a, *p.b, p.kind, c, d] for p, c, d in causes]
        report["corpora"][corpus] = out
    report["all"] = {kind: _rate(total[(kind, True)], total[(kind, True)] + total[(kind, False)]) for kind in KINDS}
    return report


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--config", default="{}", help="DedupConfig fields as JSON")
    ap.add_argument("--why", action="store_true", help="causes of the missed copy_* pairs")
    ap.add_argument("--list", type=int, default=0, help="with --why: list this many missed pairs per corpus")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    report = evaluate(DedupConfig(**json.loads(a.config)), corpus_dir=a.corpus_dir, why=a.why)
    print(f"{'corpus':8s} {'kind':14s} {'joined':>14s}  share   95% CI")
    for corpus, out in [*report["corpora"].items(), ("all", report["all"])]:
        for kind in KINDS:
            r = out[kind]
            print(f"{corpus:8s} {kind:14s} {r['k']:>6,} / {r['n']:<7,} {r['rate'] or 0:.4f}  "
                  f"[{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}]")
        for cause, n in out.get("miss_causes", {}).items():
            print(f"{'':8s}   missed {cause}: {n}")
        for row in out.get("missed", [])[: a.list]:
            print(f"{'':8s}   {row}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
