"""Candidate paragraph pairs for a fresh sealed split of near-duplicate labels (issue 12, round 4).

    python eval/dedup_pairs/sample_r4.py [--corpus-dir ../shared/corpus] [--out eval/dedup_pairs/candidates_r4.csv]
                                         [--run-dir /tmp/sample_r4] [--python python]

Round 2's test split (``pairs_r2.csv``, split ``test``) has been scored twice; this draws new pairs from
the same held-out groups, so that a fresh split (``test4``) can be labelled and scored once. Deterministic:
the same corpora and the same default cleaning give the same list (every random choice comes from a
``random.Random`` seeded with a string naming its stratum). The labels are not made here: they are given
by reading both paragraphs of every candidate, blind (``pairs_r4.csv``; README.md, "Round 4").

It reuses round 2's code (``sample_r2.py``: paragraph definition and measures, id_news event groups and
their split, the drawer and its limits) and differs in what it must not depend on: **no dedup output**.

1. The cleaning only: ``python -m newsclean COPY OUT --dedup off --explain --jobs 1`` on a copy of each
   corpus; ``removed.jsonl`` says which input lines it drops (never sampled). No clusters are read.
2. Paragraphs: input lines of 40-1200 characters (both sides; no longer "container" lines as in round 2)
   that the cleaning keeps. No pair of ``pairs_r2.csv`` or ``hoax_dev_pairs.csv`` is drawn again, and
   their paragraphs only where fresh ones run out: in every bin, pairs of two paragraphs new to rounds
   1-2 are drawn first (KW3 has too few fresh pairs above Jaccard 0.2 to fill its bins otherwise);
   ``reused`` in the candidates file counts the old paragraphs of a pair (0, 1 or 2).
3. Groups of round 2's ``test`` split only: hoax topics KW3 and KW5; id_news event groups whose split is
   ``test`` (``sample_r2.event_links``, ``components``, ``id_split``). A pair is two paragraphs of two
   articles of one group from two different outlets.
4. Strata, measured in plain Python (``sample_r2.measure``), never by ``newsclean.dedup``:
   ``jaccard`` — any pair of the group, drawn evenly over char-5 Jaccard bins 0-0.1, ..., 0.9-1.0
   (round-robin among the non-empty bins, so a bin with few pairs gives them all and the others fill
   up); ``fragment`` — the shorter < 0.7 of the longer's length, drawn evenly over containment bins
   (0.3-0.5, 0.5-0.7, 0.7-0.85, 0.85-1.0). Fragments are drawn first, then the Jaccard bins. Limits as in
   round 2: each pair once, a paragraph in at most two pairs, an article pair in at most three.
   ``bin`` (in the candidates file only) names the bin a pair was drawn from (see :func:`draw_even`).
"""

from __future__ import annotations

import argparse
import collections
import csv
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import sample_r2 as r2  # noqa: E402  (round 2's sampler: reused, not copied)

ROOT = HERE.parents[1]
SEALED_BEFORE = (HERE / "pairs_r2.csv", HERE / "hoax_dev_pairs.csv")
SPLIT = "test4"
HOAX_TOPICS = r2.HOAX_TEST_TOPICS  # KW3, KW5
MIN_CHARS, MAX_CHARS = r2.MIN_CHARS, r2.MAX_CHARS  # 40, 1200

# Pairs per group set: (jaccard, fragment). About 140 hoax, 40 id_news.
HOAX_QUOTA = {"KW3": (55, 15), "KW5": (55, 15)}
ID_QUOTA = (30, 10)

JACCARD_BINS = tuple(round(0.1 * i, 1) for i in range(10)) + (1.01,)
FRAGMENT_MAX_RATIO = r2.FRAGMENT_MAX_RATIO  # 0.7
FRAG_CONTAINMENT_BINS = (0.3, 0.5, 0.7, 0.85, 1.01)

Key = r2.Key


def jaccard_bin(c: r2.Cand) -> int:
    return r2.bin_of(c.m.jaccard, JACCARD_BINS)


def fragment_bin(c: r2.Cand) -> int:
    if c.m.ratio >= FRAGMENT_MAX_RATIO:
        return -1
    return r2.bin_of(c.m.containment, FRAG_CONTAINMENT_BINS)


def bin_name(kind: str, c: r2.Cand) -> str:
    edges, b = (JACCARD_BINS, jaccard_bin(c)) if kind == "jaccard" else (FRAG_CONTAINMENT_BINS, fragment_bin(c))
    return f"{edges[b]:.2f}-{min(1.0, edges[b + 1]):.2f}"


def sealed_pairs_and_paragraphs() -> tuple[set[tuple[Key, Key]], set[Key]]:
    """Every pair, and every paragraph, of rounds 1 and 2 (both splits)."""
    pairs: set[tuple[Key, Key]] = set()
    paras: set[Key] = set()
    for path in SEALED_BEFORE:
        with open(path, encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                a, b = (r["id_a"], int(r["line_a"])), (r["id_b"], int(r["line_b"]))
                pairs.add(r2.Drawer.pair_key(a, b))
                paras.update((a, b))
    return pairs, paras


def dropped_lines(*, corpus: Path, run_dir: Path, python: str) -> dict[str, set[int]]:
    """Input lines the default cleaning drops, from a ``--dedup off`` run (no clusters computed)."""
    name = corpus.name.split(".")[0]
    src, out = run_dir / f"{name}_in", run_dir / f"{name}_out"
    for d in (src, out):
        if d.exists():
            shutil.rmtree(d)
    src.mkdir(parents=True)
    shutil.copyfile(corpus, src / corpus.name)
    subprocess.run([python, "-m", "newsclean", str(src), str(out), "--dedup", "off", "--explain",
                    "--jobs", "1", "--quiet"], check=True)
    dropped: dict[str, set[int]] = collections.defaultdict(set)
    for row in r2.load_jsonl(out / "_newsclean" / "removed.jsonl"):
        if row["action"] == "drop_line":
            dropped[row["doc"]].add(row["line"])
    return dropped


def paragraphs(rows: Sequence[dict[str, Any]], *, dropped: dict[str, set[int]],
               group_of: Callable[[dict[str, Any]], str]) -> dict[Key, r2.Para]:
    paras = r2.paragraphs_of(rows, dropped=dropped, group_of=group_of)
    return {k: p for k, p in paras.items() if MIN_CHARS <= p.chars <= MAX_CHARS}


def population(ps: Sequence[r2.Para]) -> list[r2.Cand]:
    """Every pair of paragraphs of two articles of two different outlets."""
    return [r2.Cand(a, b, r2.measure(a, b)) for x, a in enumerate(ps) for b in ps[x + 1:]
            if a.key[0] != b.key[0] and a.outlet != b.outlet]


def draw_even(drawer: r2.Drawer, cands: list[r2.Cand], n: int, *, bin_of: Callable[[r2.Cand], int],
              fresh: Callable[[r2.Cand], bool], seed: str, corpus: str, kind: str) -> int:
    """``n`` pairs spread evenly over the non-empty bins of ``bin_of`` (each bin ``n // bins`` pairs, the
    first ``n % bins`` bins one more), in each bin pairs of two fresh paragraphs first, then pairs that
    reuse a paragraph of rounds 1-2 (the pair itself is always new); what the bins cannot give is then
    drawn round-robin over the bins that still have pairs (fresh first)."""
    pools: dict[int, list[r2.Cand]] = collections.defaultdict(list)
    for c in cands:
        if (b := bin_of(c)) >= 0:
            pools[b].append(c)
    bins = sorted(pools)
    if not bins:
        return 0
    kw: dict[str, Any] = {"split": SPLIT, "corpus": corpus, "kind": kind}
    taken = 0
    for i, b in enumerate(bins):
        want = n // len(bins) + (1 if i < n % len(bins) else 0)
        got = drawer.draw_binned([c for c in pools[b] if fresh(c)], want, bins=[bin_of], seed=f"{seed}/{b}/fresh",
                                 **kw)
        got += drawer.draw_binned([c for c in pools[b] if not fresh(c)], want - got, bins=[bin_of],
                                  seed=f"{seed}/{b}/reused", **kw)
        taken += got
    if taken < n:
        every = [c for b in bins for c in pools[b]]
        taken += drawer.draw_binned([c for c in every if fresh(c)], n - taken, bins=[bin_of], seed=f"{seed}/rest/fresh",
                                    **kw)
        if taken < n:
            taken += drawer.draw_binned(every, n - taken, bins=[bin_of], seed=f"{seed}/rest/any", **kw)
    return taken


def draw(drawer: r2.Drawer, cands: list[r2.Cand], quota: tuple[int, int], *, used: set[Key], seed: str,
         corpus: str) -> None:
    """Fragments first, then the Jaccard bins (see :func:`draw_even`)."""
    n_jac, n_frag = quota

    def fresh(c: r2.Cand) -> bool:
        return c.a.key not in used and c.b.key not in used

    draw_even(drawer, cands, n_frag, bin_of=fragment_bin, fresh=fresh, seed=f"{seed}/fragment", corpus=corpus,
              kind="fragment")
    draw_even(drawer, cands, n_jac, bin_of=jaccard_bin, fresh=fresh, seed=f"{seed}/jaccard", corpus=corpus,
              kind="jaccard")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=HERE / "candidates_r4.csv")
    ap.add_argument("--run-dir", type=Path, default=Path("/tmp/sample_r4"))
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs newsclean")
    args = ap.parse_args(argv)
    old_pairs, used = sealed_pairs_and_paragraphs()
    drawer = r2.Drawer(old_pairs)
    measures: dict[tuple[Key, Key], r2.Cand] = {}

    hoax = r2.load_jsonl(args.corpus_dir / "hoax_dev.jsonl")
    dropped = dropped_lines(corpus=args.corpus_dir / "hoax_dev.jsonl", run_dir=args.run_dir, python=args.python)
    paras = paragraphs([r for r in hoax if r["topic"] in HOAX_TOPICS], dropped=dropped,
                       group_of=lambda r: r["topic"])
    for topic in HOAX_TOPICS:
        cands = population([p for p in paras.values() if p.group == topic])
        measures.update({r2.Drawer.pair_key(c.a.key, c.b.key): c for c in cands})
        draw(drawer, cands, HOAX_QUOTA[topic], used=used, seed=f"r4/hoax/{topic}", corpus="hoax")

    news = r2.load_jsonl(args.corpus_dir / "id_news_dev.jsonl")
    comp = r2.components(len(news), r2.event_links(news))
    members: dict[int, list[int]] = collections.defaultdict(list)
    for i, c in enumerate(comp):
        members[c].append(i)
    group_of_doc = {news[i]["id"]: min(news[j]["id"] for j in members[comp[i]]) for i in range(len(news))}
    test_rows: list[dict[str, Any]] = []  # articles of linked event groups of the test split
    for ms in members.values():
        if len(ms) > 1 and r2.id_split(group_of_doc[news[ms[0]]["id"]]) == "test":
            test_rows.extend(news[i] for i in ms)
    dropped = dropped_lines(corpus=args.corpus_dir / "id_news_dev.jsonl", run_dir=args.run_dir, python=args.python)
    paras = paragraphs(test_rows, dropped=dropped, group_of=lambda r: group_of_doc[r["id"]])
    by_group: dict[str, list[r2.Para]] = collections.defaultdict(list)
    for p in paras.values():
        by_group[p.group].append(p)
    cands = [c for g in sorted(by_group) for c in population(by_group[g])]
    measures.update({r2.Drawer.pair_key(c.a.key, c.b.key): c for c in cands})
    draw(drawer, cands, ID_QUOTA, used=used, seed="r4/id_news", corpus="id_news")

    fields = (*r2.FIELDS, "bin", "reused")
    for row in drawer.rows:
        a, b = (row["id_a"], row["line_a"]), (row["id_b"], row["line_b"])
        row["bin"] = bin_name(row["kind"], measures[(a, b)])
        row["reused"] = int(a in used) + int(b in used)
    tmp = args.out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(drawer.rows)
    tmp.replace(args.out)
    counts = collections.Counter((r["corpus"], r["kind"]) for r in drawer.rows)
    for k in sorted(counts):
        print(*k, counts[k])
    print(f"{len(drawer.rows)} candidate pairs -> {args.out}")


if __name__ == "__main__":
    main()
