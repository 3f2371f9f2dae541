"""Candidate paragraph pairs for the second round of near-duplicate labels (issue 12).

    python eval/dedup_pairs/sample_r2.py [--corpus-dir ../shared/corpus] [--out eval/dedup_pairs/candidates_r2.csv]
                                         [--run-dir /tmp/sample_r2] [--python python]

Deterministic: the same corpora and the same ``newsclean`` cleaning and default dedup give the same list
(every random choice comes from a ``random.Random`` seeded with a string naming its stratum). The labels
themselves are not made here: they were given by reading both paragraphs of every candidate
(``pairs_r2.csv``).

What it does (details in README.md, "Round 2"):

1. Runs today's ``python -m newsclean COPY OUT --dedup report --explain --jobs 1`` on a copy of each
   corpus (``hoax_dev.jsonl``, ``id_news_dev.jsonl``; one run per corpus). ``removed.jsonl`` says which
   input lines the cleaning drops (those never reach the dedup index, so they are not sampled);
   ``duplicates.jsonl`` gives the clusters that ``--dedup drop`` acts on.
2. Paragraphs are input lines (0-based in ``text.split("\\n")``) of 40-1200 characters that the cleaning
   keeps. The measures are computed here, in plain Python, independently of ``newsclean.dedup``:
   exact character-5-gram Jaccard and containment of the shorter paragraph (normalized: NFKC,
   casefold, non-alphanumerics -> space), the share of the shorter paragraph's words covered by
   3-word runs that also occur in the other (order not required), and the length ratio.
3. Groups: a hoax topic (KW1..KW6) is a group; id_news_dev articles are grouped into events by their
   titles (IDF-weighted cosine of title words >= 0.4, dates at most 3 days apart, connected
   components). A group's split: hoax dev = KW1, KW2, KW4, KW6, test = KW3, KW5 (as in
   ``hoax_dev_pairs.csv``); an id_news event group is ``dev`` when the first 8 hex digits of
   sha1(smallest article id of the group) / 16**8 < 0.6, else ``test``. A pair is only drawn between
   two articles of the same split.
4. Strata (``kind``), drawn in this order, a pair drawn once only, a paragraph in at most two pairs:
   ``cluster`` (two members of one default cluster, from different articles; at most two pairs per
   cluster; drawn evenly over Jaccard bins so chains, not only close copies, are there),
   ``hard_negative`` (same group, char-5 Jaccard 0.30-0.55, half of them from the same outlet or site
   network; drawn evenly over word-run coverage bins, so the stratum is not chosen by the measure that
   separates it best), ``fragment`` (shorter paragraph < 0.7 of the longer one's length and containment
   >= 0.3; drawn evenly over length-ratio x containment bins) and ``stratified`` (any pair of the
   group's population; the measure rotates Jaccard -> containment -> coverage, and a bin of it is
   drawn round-robin among the non-empty ones). ``kind`` names the stratum a pair was drawn from,
   not its label: a hard-negative candidate read as a copy is labelled 1.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import hashlib
import json
import math
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OLD_PAIRS = HERE / "hoax_dev_pairs.csv"

MIN_CHARS, MAX_CHARS = 40, 1200
# A longer line may be the container of a much shorter paragraph (hoax KW1/KW2 hold most articles on
# one line): pairs with the shorter side <= MAX_CHARS, the longer <= CONTAINER_MAX_CHARS, lengths
# in a ratio < CONTAINER_MAX_RATIO.
CONTAINER_MAX_CHARS, CONTAINER_MAX_RATIO = 4000, 0.35
HOAX_DEV_TOPICS = ("KW1", "KW2", "KW4", "KW6")
HOAX_TEST_TOPICS = ("KW3", "KW5")
ID_DEV_SHARE = 0.6
TITLE_COSINE = 0.4
TITLE_MAX_DF = 50  # title words in more articles than this do not propose candidates
DATE_DAYS = 3
HARD_NEG_JACCARD = (0.30, 0.55)
FRAGMENT_MAX_RATIO = 0.7
FRAGMENT_MIN_CONTAINMENT = 0.3
MAX_PAIRS_PER_PARAGRAPH = 2
MAX_PAIRS_PER_CLUSTER = 2
MAX_PAIRS_PER_DOC_PAIR = 3

# Quotas per group (hoax topic) or per split (id_news): kind -> number of pairs. KW1 and KW2 have
# few paragraphs of <= 1200 characters (most of their articles are one line), KW4 and KW6 take more.
HOAX_QUOTA = {
    "KW1": {"cluster": 6, "hard_negative": 4, "fragment": 8, "stratified": 8},
    "KW2": {"cluster": 6, "hard_negative": 4, "fragment": 8, "stratified": 8},
    "KW4": {"cluster": 10, "hard_negative": 10, "fragment": 6, "stratified": 22},
    "KW6": {"cluster": 10, "hard_negative": 10, "fragment": 6, "stratified": 22},
    "KW3": {"cluster": 8, "hard_negative": 8, "fragment": 6, "stratified": 15},
    "KW5": {"cluster": 8, "hard_negative": 8, "fragment": 6, "stratified": 15},
}
ID_QUOTA = {"dev": {"cluster": 15, "hard_negative": 12, "fragment": 9, "stratified": 24},
            "test": {"cluster": 10, "hard_negative": 8, "fragment": 6, "stratified": 16}}
# A second hard-negative draw, appended after everything else (so the rows above stay as they were):
# the first one, drawn evenly over word-run coverage, found mostly edited copies in the Jaccard band.
# This one takes band pairs of similar length (the shorter >= EXTRA_MIN_RATIO of the longer: not a
# fragment, so an edited copy or a rewrite), evenly over containment bins; for id_news also pairs of
# two articles of one outlet linked as one event (follow-ups, templates).
EXTRA_MIN_RATIO = 0.5
HOAX_EXTRA = {"KW3": 6, "KW4": 8, "KW5": 6, "KW6": 8}
ID_EXTRA = {"dev": 10, "test": 7}

# Bin edges (left-closed); the last edge is above 1 so that 1.0 falls in the last bin.
JACCARD_BINS = (0.0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.01)
CONTAINMENT_BINS = (0.0, 0.3, 0.5, 0.7, 0.85, 0.95, 1.01)
COVERAGE_BINS = (0.0, 0.15, 0.35, 0.55, 0.75, 0.9, 1.01)
RATIO_BINS = (0.0, 0.15, 0.35, 0.7)
FRAG_CONTAINMENT_BINS = (0.3, 0.5, 0.7, 0.85, 1.01)

# Outlets owned by one group, which share copy between their sites ("same site network").
NETWORKS = {
    "detik": ("detik.com", "cnnindonesia.com", "cnbcindonesia.com"),
    "kompas-gramedia": ("kompas.com", "tribunnews.com", "kontan.co.id", "grid.id", "tabloidbintang.com"),
    "mnc": ("okezone.com", "sindonews.com", "inews.id", "idxchannel.com"),
    "emtek": ("liputan6.com", "dream.co.id", "merdeka.com", "bola.com", "kapanlagi.com", "fimela.com"),
    "jawapos": ("jawapos.com", "jpnn.com", "prokal.co", "fajar.co.id", "rakyatsulsel.com", "metrosiantar.com"),
    "rmol": ("rakyatmerdeka.co", "rmolbabel.com"),
}
NETWORK_OF = {o: n for n, outlets in NETWORKS.items() for o in outlets}

MONTHS = {"jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "maret": 3, "apr": 4, "april": 4,
          "mei": 5, "may": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "agustus": 8,
          "aug": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10, "nov": 11,
          "november": 11, "des": 12, "desember": 12, "dec": 12}

Key = tuple[str, int]  # (document id, input line)


# ----------------------------------------------------------------------------- measures


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@dataclass(frozen=True)
class Para:
    key: Key
    outlet: str
    group: str
    chars: int
    norm: str
    grams: frozenset[str]
    words: tuple[str, ...]
    trigrams: frozenset[tuple[str, ...]]


def make_para(key: Key, outlet: str, group: str, text: str) -> Para:
    norm = normalize(text)
    words = tuple(norm.split())
    return Para(key, outlet, group, len(text), norm, frozenset(norm[i:i + 5] for i in range(max(0, len(norm) - 4))),
                words, frozenset(words[i:i + 3] for i in range(max(0, len(words) - 2))))


def pair_ok(a: Para, b: Para) -> bool:
    """Both paragraphs <= MAX_CHARS, or the longer one a container of the shorter (see CONTAINER_*)."""
    lo, hi = sorted((a.chars, b.chars))
    return hi <= MAX_CHARS or (lo <= MAX_CHARS and hi <= CONTAINER_MAX_CHARS and lo / hi < CONTAINER_MAX_RATIO)


def coverage(short: Para, other: Para) -> float:
    """Share of ``short``'s word positions inside a 3-word run that ``other`` also contains."""
    n = len(short.words)
    if n < 3:
        return 0.0
    covered = [False] * n
    for i in range(n - 2):
        if short.words[i:i + 3] in other.trigrams:
            covered[i] = covered[i + 1] = covered[i + 2] = True
    return sum(covered) / n


@dataclass(frozen=True)
class Measures:
    jaccard: float
    containment: float
    coverage: float
    ratio: float


def measure(a: Para, b: Para) -> Measures:
    inter = len(a.grams & b.grams)
    union = len(a.grams) + len(b.grams) - inter
    short, other = (a, b) if len(a.norm) <= len(b.norm) else (b, a)
    # A shared 3-word run ("a b c" at least) is a shared 5-gram: no shared 5-gram, no coverage.
    return Measures(jaccard=inter / union if union else 0.0,
                    containment=inter / max(1, min(len(a.grams), len(b.grams))),
                    coverage=coverage(short, other) if inter else 0.0,
                    ratio=len(short.norm) / max(1, len(other.norm)))


def bin_of(x: float, edges: Sequence[float]) -> int:
    for i in range(len(edges) - 1):
        if edges[i] <= x < edges[i + 1]:
            return i
    return -1


# ----------------------------------------------------------------------------- corpora and runs


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_newsclean(*, corpus: Path, run_dir: Path, python: str) -> tuple[dict[str, set[int]], list[list[Key]]]:
    """Default cleaning + dedup of a copy of ``corpus``: (dropped input lines per document, clusters)."""
    name = corpus.name.split(".")[0]
    src, out = run_dir / f"{name}_in", run_dir / f"{name}_out"
    for d in (src, out):
        if d.exists():
            shutil.rmtree(d)
    src.mkdir(parents=True)
    shutil.copyfile(corpus, src / corpus.name)
    subprocess.run([python, "-m", "newsclean", str(src), str(out), "--dedup", "report", "--explain",
                    "--jobs", "1", "--quiet"], check=True)
    dropped: dict[str, set[int]] = collections.defaultdict(set)
    for row in load_jsonl(out / "_newsclean" / "removed.jsonl"):
        if row["action"] == "drop_line":
            dropped[row["doc"]].add(row["line"])
    clusters = [[(m["doc"], m["line"]) for m in row["members"]]
                for row in load_jsonl(out / "_newsclean" / "duplicates.jsonl")]
    return dropped, clusters


def paragraphs_of(rows: Iterable[dict[str, Any]], *, dropped: dict[str, set[int]],
                  group_of: Callable[[dict[str, Any]], str]) -> dict[Key, Para]:
    paras: dict[Key, Para] = {}
    for r in rows:
        for i, line in enumerate(r["text"].split("\n")):
            if MIN_CHARS <= len(line) <= CONTAINER_MAX_CHARS and i not in dropped.get(r["id"], ()):
                paras[(r["id"], i)] = make_para((r["id"], i), r.get("outlet") or "", group_of(r), line)
    return paras


def parse_date(text: str | None) -> int | None:
    """Day number of an outlet's date string ("Senin, 09 Juni 2025 - 14:38 WIB", "18/06/2025, 21:35")."""
    text = text or ""
    m = re.search(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", text)
    try:
        if m and m.group(2).lower() in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))).toordinal()
        m = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).toordinal()
    except ValueError:
        return None
    return None


def title_words(title: str | None) -> set[str]:
    return {w for w in re.findall(r"\w+", normalize(title or "")) if len(w) > 2 and not w.isdigit()}


def event_links(rows: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """Article pairs about one event: IDF-weighted title cosine >= TITLE_COSINE, dates <= DATE_DAYS apart."""
    words = [title_words(r.get("title")) for r in rows]
    df = collections.Counter(w for ws in words for w in ws)
    idf = {w: math.log(len(rows) / c) for w, c in df.items()}
    norms = [math.sqrt(sum(idf[w] ** 2 for w in ws)) or 1.0 for ws in words]
    days = [parse_date(r.get("date")) for r in rows]
    postings: dict[str, list[int]] = collections.defaultdict(list)
    for i, ws in enumerate(words):
        for w in ws:
            if df[w] <= TITLE_MAX_DF:
                postings[w].append(i)
    links = []
    for i, ws in enumerate(words):
        if days[i] is None:
            continue
        cands = sorted({j for w in ws if df[w] <= TITLE_MAX_DF for j in postings[w] if j > i})
        for j in cands:
            dj = days[j]
            if dj is None or abs(dj - days[i]) > DATE_DAYS:
                continue
            cos = sum(idf[w] ** 2 for w in ws & words[j]) / (norms[i] * norms[j])
            if cos >= TITLE_COSINE:
                links.append((i, j))
    return links


def components(n: int, links: Iterable[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def id_split(group_key: str) -> str:
    h = int(hashlib.sha1(group_key.encode("utf-8")).hexdigest()[:8], 16) / 16 ** 8
    return "dev" if h < ID_DEV_SHARE else "test"


# ----------------------------------------------------------------------------- drawing


@dataclass
class Cand:
    a: Para
    b: Para
    m: Measures
    cluster: int = -1


class Drawer:
    """Keeps the limits shared by all strata: each pair once, a paragraph in at most two pairs, an
    article pair in at most three."""

    def __init__(self, exclude: set[tuple[Key, Key]]) -> None:
        self.taken: set[tuple[Key, Key]] = set(exclude)
        self.per_para: collections.Counter[Key] = collections.Counter()
        self.per_docs: collections.Counter[tuple[str, str]] = collections.Counter()
        self.per_cluster: collections.Counter[int] = collections.Counter()
        self.rows: list[dict[str, Any]] = []

    @staticmethod
    def pair_key(a: Key, b: Key) -> tuple[Key, Key]:
        return (a, b) if a <= b else (b, a)

    def ok(self, c: Cand) -> bool:
        docs = tuple(sorted((c.a.key[0], c.b.key[0])))
        return (self.pair_key(c.a.key, c.b.key) not in self.taken
                and self.per_para[c.a.key] < MAX_PAIRS_PER_PARAGRAPH
                and self.per_para[c.b.key] < MAX_PAIRS_PER_PARAGRAPH
                and self.per_docs[docs] < MAX_PAIRS_PER_DOC_PAIR  # type: ignore[index]
                and (c.cluster < 0 or self.per_cluster[c.cluster] < MAX_PAIRS_PER_CLUSTER))

    def take(self, c: Cand, *, split: str, corpus: str, kind: str) -> None:
        a, b = sorted((c.a, c.b), key=lambda p: p.key)
        self.taken.add((a.key, b.key))
        self.per_para[a.key] += 1
        self.per_para[b.key] += 1
        self.per_docs[tuple(sorted((a.key[0], b.key[0])))] += 1  # type: ignore[index]
        if c.cluster >= 0:
            self.per_cluster[c.cluster] += 1
        group = a.group if a.group == b.group else f"{a.group}|{b.group}"
        self.rows.append({"split": split, "corpus": corpus, "group": group, "kind": kind,
                          "id_a": a.key[0], "line_a": a.key[1], "id_b": b.key[0], "line_b": b.key[1]})

    def draw_binned(self, cands: Sequence[Cand], n: int, *, bins: Sequence[Callable[[Cand], int]], seed: str,
                    split: str, corpus: str, kind: str) -> int:
        """Take ``n`` pairs: the binning functions take turns; each turn draws the next non-empty bin of
        the current function round-robin, and a random pair in it that the limits allow."""
        rng = random.Random(seed)
        pools: list[dict[int, list[Cand]]] = []
        for f in bins:
            pool: dict[int, list[Cand]] = collections.defaultdict(list)
            for c in cands:
                b = f(c)
                if b >= 0:
                    pool[b].append(c)
            for lst in pool.values():
                rng.shuffle(lst)
            pools.append(pool)
        cursors = [0] * len(bins)
        taken = turn = stalls = 0
        while taken < n and stalls < len(bins):
            k = turn % len(bins)
            turn += 1
            pool = pools[k]
            keys = sorted(pool)
            got = False
            for step in range(len(keys)):
                b = keys[(cursors[k] + step) % len(keys)]
                lst = pool[b]
                while lst and not self.ok(lst[-1]):
                    lst.pop()
                if lst:
                    self.take(lst.pop(), split=split, corpus=corpus, kind=kind)
                    cursors[k] = (cursors[k] + step + 1) % len(keys)
                    taken += 1
                    got = True
                    break
            stalls = 0 if got else stalls + 1
        if taken < n:
            print(f"  {corpus} {seed}: only {taken} of {n} {kind} pairs", file=sys.stderr)
        return taken


def jbin(c: Cand) -> int:
    return bin_of(c.m.jaccard, JACCARD_BINS)


def cbin(c: Cand) -> int:
    return bin_of(c.m.containment, CONTAINMENT_BINS)


def wbin(c: Cand) -> int:
    return bin_of(c.m.coverage, COVERAGE_BINS)


def fragbin(c: Cand) -> int:
    r, f = bin_of(c.m.ratio, RATIO_BINS), bin_of(c.m.containment, FRAG_CONTAINMENT_BINS)
    return -1 if r < 0 or f < 0 else r * 10 + f


def same_network(c: Cand) -> bool:
    a, b = c.a.outlet, c.b.outlet
    return a == b or (a in NETWORK_OF and NETWORK_OF.get(a) == NETWORK_OF.get(b))


def draw_group(drawer: Drawer, *, population: list[Cand], clusters: list[Cand], quota: dict[str, int],
               seed: str, split: str, corpus: str) -> None:
    """The strata of one group; what a stratum cannot fill (too few pairs) goes to ``stratified``."""
    kw = {"split": split, "corpus": corpus}
    got = drawer.draw_binned(clusters, quota["cluster"], bins=[jbin], seed=f"{seed}/cluster", kind="cluster", **kw)
    short = quota["cluster"] - got
    lo, hi = HARD_NEG_JACCARD
    band = [c for c in population if lo <= c.m.jaccard <= hi]
    near = [c for c in band if same_network(c)]
    half = quota["hard_negative"] // 2
    got = drawer.draw_binned(near, half, bins=[wbin], seed=f"{seed}/hard_negative/network",
                             kind="hard_negative", **kw)
    got += drawer.draw_binned(band, quota["hard_negative"] - got, bins=[wbin], seed=f"{seed}/hard_negative/any",
                              kind="hard_negative", **kw)
    short += quota["hard_negative"] - got
    frags = [c for c in population
             if c.m.ratio < FRAGMENT_MAX_RATIO and c.m.containment >= FRAGMENT_MIN_CONTAINMENT]
    got = drawer.draw_binned(frags, quota["fragment"], bins=[fragbin], seed=f"{seed}/fragment", kind="fragment",
                             **kw)
    short += quota["fragment"] - got
    drawer.draw_binned(population, quota["stratified"] + short, bins=[jbin, cbin, wbin],
                       seed=f"{seed}/stratified", kind="stratified", **kw)


def cluster_cands(clusters: list[list[Key]], paras: dict[Key, Para], *,
                  allowed: Callable[[Para, Para], bool]) -> list[Cand]:
    out = []
    for ci, members in enumerate(clusters):
        ms = [paras[k] for k in members if k in paras]
        for x, a in enumerate(ms):
            for b in ms[x + 1:]:
                if a.key[0] != b.key[0] and pair_ok(a, b) and allowed(a, b):
                    out.append(Cand(a, b, measure(a, b), cluster=ci))
    return out


def old_pairs() -> set[tuple[Key, Key]]:
    out: set[tuple[Key, Key]] = set()
    if OLD_PAIRS.exists():
        with open(OLD_PAIRS, encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                out.add(Drawer.pair_key((r["id_a"], int(r["line_a"])), (r["id_b"], int(r["line_b"]))))
    return out


@dataclass
class ExtraDraw:
    population: list[Cand]
    n: int
    seed: str
    split: str
    corpus: str


def draw_extra(drawer: Drawer, job: ExtraDraw) -> None:
    lo, hi = HARD_NEG_JACCARD
    band = [c for c in job.population if lo <= c.m.jaccard <= hi and c.m.ratio >= EXTRA_MIN_RATIO]
    drawer.draw_binned(band, job.n, bins=[cbin], seed=job.seed, kind="hard_negative", split=job.split,
                       corpus=job.corpus)


def sample_hoax(drawer: Drawer, *, corpus_dir: Path, run_dir: Path, python: str) -> list[ExtraDraw]:
    rows = load_jsonl(corpus_dir / "hoax_dev.jsonl")
    dropped, clusters = run_newsclean(corpus=corpus_dir / "hoax_dev.jsonl", run_dir=run_dir, python=python)
    paras = paragraphs_of(rows, dropped=dropped, group_of=lambda r: r["topic"])
    by_topic: dict[str, list[Para]] = collections.defaultdict(list)
    for p in paras.values():
        by_topic[p.group].append(p)
    all_clusters = cluster_cands(clusters, paras, allowed=lambda a, b: True)
    extra = []
    for topic in sorted(by_topic):
        split = "dev" if topic in HOAX_DEV_TOPICS else "test"
        assert topic in HOAX_DEV_TOPICS + HOAX_TEST_TOPICS, topic
        ps = by_topic[topic]
        population = [Cand(a, b, measure(a, b)) for x, a in enumerate(ps) for b in ps[x + 1:]
                      if a.key[0] != b.key[0] and pair_ok(a, b)]
        # A cluster pair belongs to the topic when both members do (clusters across topics are
        # possible in principle; none of their pairs is drawn, the split is by topic).
        cl = [c for c in all_clusters if c.a.group == topic and c.b.group == topic]
        draw_group(drawer, population=population, clusters=cl, quota=HOAX_QUOTA[topic], seed=f"hoax/{topic}",
                   split=split, corpus="hoax")
        if topic in HOAX_EXTRA:
            extra.append(ExtraDraw(population, HOAX_EXTRA[topic], f"hoax/{topic}/hard_negative/extra", split, "hoax"))
    return extra


def sample_id(drawer: Drawer, *, corpus_dir: Path, run_dir: Path, python: str) -> list[ExtraDraw]:
    rows = load_jsonl(corpus_dir / "id_news_dev.jsonl")
    links = event_links(rows)
    comp = components(len(rows), links)
    members: dict[int, list[int]] = collections.defaultdict(list)
    for i, c in enumerate(comp):
        members[c].append(i)
    group_key = {c: min(rows[i]["id"] for i in ms) for c, ms in members.items()}
    group_of_doc = {rows[i]["id"]: group_key[comp[i]] for i in range(len(rows))}
    dropped, clusters = run_newsclean(corpus=corpus_dir / "id_news_dev.jsonl", run_dir=run_dir, python=python)
    paras = paragraphs_of(rows, dropped=dropped, group_of=lambda r: group_of_doc[r["id"]])
    split_of = {g: id_split(g) for g in group_key.values()}
    by_doc: dict[str, list[Para]] = collections.defaultdict(list)
    for p in paras.values():
        by_doc[p.key[0]].append(p)
    # The population: paragraph pairs of two articles of different outlets linked as one event.
    population: dict[str, list[Cand]] = {"dev": [], "test": []}
    same_outlet: dict[str, list[Cand]] = {"dev": [], "test": []}
    for i, j in links:
        ri, rj = rows[i], rows[j]
        cands = [Cand(a, b, measure(a, b)) for a in by_doc[ri["id"]] for b in by_doc[rj["id"]] if pair_ok(a, b)]
        target = same_outlet if ri["outlet"] == rj["outlet"] else population
        target[split_of[group_of_doc[ri["id"]]]].extend(cands)
    cl = cluster_cands(clusters, paras, allowed=lambda a, b: split_of[a.group] == split_of[b.group])
    for split in ("dev", "test"):
        cl_split = [c for c in cl if split_of[c.a.group] == split]
        draw_group(drawer, population=population[split], clusters=cl_split, quota=ID_QUOTA[split],
                   seed=f"id/{split}", split=split, corpus="id_news")
    return [ExtraDraw(population[sp] + same_outlet[sp], ID_EXTRA[sp], f"id/{sp}/hard_negative/extra", sp, "id_news")
            for sp in ("dev", "test")]


FIELDS = ("split", "corpus", "group", "kind", "id_a", "line_a", "id_b", "line_b")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=HERE / "candidates_r2.csv")
    ap.add_argument("--run-dir", type=Path, default=Path("/tmp/sample_r2"))
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs newsclean")
    args = ap.parse_args(argv)
    drawer = Drawer(old_pairs())
    extra = sample_hoax(drawer, corpus_dir=args.corpus_dir, run_dir=args.run_dir, python=args.python)
    extra += sample_id(drawer, corpus_dir=args.corpus_dir, run_dir=args.run_dir, python=args.python)
    for job in extra:
        draw_extra(drawer, job)
    tmp = args.out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(drawer.rows)
    tmp.replace(args.out)
    counts = collections.Counter((r["corpus"], r["split"], r["kind"]) for r in drawer.rows)
    for k in sorted(counts):
        print(*k, counts[k])
    print(f"{len(drawer.rows)} candidate pairs -> {args.out}")


if __name__ == "__main__":
    main()
