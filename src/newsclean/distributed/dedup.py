"""Near-duplicate paragraphs on the cluster: the stages of :meth:`newsclean.dedup.NearDuplicateIndex.finish`
as tasks over partitions (:mod:`newsclean.distributed.store`), with the local engine's clusters.

Run-wide steps, each a wave of tasks over the ``P`` partitions:

1. **prepare**: a partition reads its shards' sketches into columns (document, line, length, words,
   exact hash, keep order) and its word tokens into one file;
2. **exact groups**: rows routed by exact hash; each group's first member in keep order stands for it
   (the *compared* paragraphs are the groups long enough for MinHash);
3. **LSH candidates**: each compared paragraph's band keys are routed by (band, key); a bucket's first
   ``bucket_leaders`` members in keep order are its other members' candidates, routed back to them;
   each keeps its first ``candidate_slots`` distinct candidates in band order
   (:func:`newsclean.dedup.candidates.band_slots`'s rule);
4. **clustering**, exact and distributed. The local engine's clustering (greedy in keep order, merges,
   refinement: :mod:`newsclean.dedup.clusters`) is sequential over the whole keep order, but a
   paragraph only ever joins, takes over or moves to a paragraph whose words cover (or are covered by)
   its own; so it runs on each *component* of the graph of candidate pairs that pass verification,
   on its own, as long as no candidate pair across two components would have changed a decision.
   Components come from label propagation over those pairs (:func:`connected_components`); the local
   engine's own functions (``assign_centers``, ``merge_clusters``, ``refine_members``) run on every
   component (many small components at once: their disjoint union is one input); then every candidate
   pair across components is checked against what it could have done (join the other's center, take it
   over, move to it); a pair that could have is added to the graph, and the components it joins run
   again, until no pair could. Fragments (:mod:`newsclean.dedup.fragments`) are searched run-wide
   between the greedy and the merges, as in the local engine, with its kernels (queries and the
   distinct anchors of the greedy's cluster centers routed by anchor);
5. **records**: each paragraph's kept paragraph, clusters numbered by their first member, written as
   duplicates.jsonl parts in order, the dropped lines per shard; document pairs summed per pair, then
   each document's best partner picked on its own partition (:func:`doc_best`).

No task holds all pairs or all clusters: the driver only sums counts, orders parts, loops and gets
the reported document pairs (at most as many as documents).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..dedup import jit
from ..dedup.arrays import unique_sorted
from ..dedup.candidates import _band_key, _position_bits
from ..dedup.clusters import (
    assign_centers,
    date_key,
    member_mask,
    merge_clusters,
    recenter_clusters,
    refine_members,
)
from ..dedup.fragments import (
    FRAGMENT_MAX_POSTINGS,
    FRAGMENT_MAX_RATIO,
    FRAGMENT_MAX_TARGETS,
    FRAGMENT_QUERY_ANCHORS,
    FRAGMENT_QUERY_NEED,
    _count_anchors,
    _grams,
    _queries,
)
from ..dedup.results import FRAGMENT_RATIO, MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS, Cluster, Member
from ..dedup.verify import TokenSets
from .store import Column, Layout, gather, load, route, save, save_array

__all__ = ["DedupPlan", "Executor", "run_dedup"]

NO = np.int64(-1)


@dataclass(frozen=True)
class DedupPlan:
    """What every task of the near-duplicate stages needs (small, picklable)."""

    layout: Layout
    cfg: Any  # DedupConfig
    shard_folders: tuple[str, ...]  # scratch folder of every shard
    #: Components start from the candidate pairs that pass verification; False starts every paragraph
    #: alone, so that the checks alone must find every component (tests of the checks).
    seed_components: bool = True


class Executor:
    """Runs one function over many argument tuples, ``fn(first, *args)``: as Ray tasks
    (:class:`newsclean.distributed.engine.RayExecutor`) or, here, in this process one after the other
    (tests: the whole engine without Ray)."""

    def map(self, fn: Callable[..., Any], first: Any, args: Sequence[tuple[Any, ...]], what: str,
            on_ready: Callable[[Any], None] | None = None) -> list[Any]:
        out = []
        for a in args:
            out.append(fn(first, *a))
            if on_ready is not None:
                on_ready(out[-1])
        return out


# ---------------------------------------------------------------------------- helpers


def _cols(plan: DedupPlan, *names: str) -> list[Column]:
    return [Column(plan.layout, n) for n in names]


class Tokens:
    """Word tokens of any compared paragraphs, from the partitions' token files (memory maps)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.offsets = Column(layout, "tok_off_full")
        self._tok: dict[int, np.ndarray] = {}

    def _part(self, k: int) -> np.ndarray:
        arr = self._tok.get(k)
        if arr is None:
            arr = self._tok[k] = np.load(self.layout.path("tokens", f"p{k:05d}.npy"), mmap_mode="r")
        return arr

    def sets(self, ids: np.ndarray, plan: DedupPlan) -> tuple[TokenSets, np.ndarray]:
        """A :class:`TokenSets` of the distinct paragraphs ``ids`` (numbered 0.. in sorted order) and
        each id's number in it."""
        uniq, inv = np.unique(np.asarray(ids, np.int64), return_inverse=True)
        layout = self.layout
        owner = layout.owner(uniq)
        lens = np.zeros(uniq.size, np.int64)
        starts = np.zeros(uniq.size, np.int64)
        for k in np.unique(owner).tolist():
            sel = np.flatnonzero(owner == k)
            off = self.offsets.part(k)
            local = uniq[sel] - layout.bounds[k]
            starts[sel] = off[local]
            lens[sel] = off[local + 1] - off[local]
        offsets = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
        tokens = np.empty(int(offsets[-1]), np.uint32)
        for k in np.unique(owner).tolist():
            sel = np.flatnonzero(owner == k)
            _gather_runs(self._part(k), starts[sel], lens[sel], offsets[sel], tokens)
        cfg = plan.cfg
        sets = TokenSets.from_arrays(tokens, offsets, cfg.min_run, cfg.threshold, cfg.long_run, cfg.long_share,
                                    cfg.gap_words)
        return sets, inv.reshape(np.shape(ids))


@jit.njit(cache=True)
def _gather_runs(src, starts, lens, dst_starts, dst):
    for i in range(starts.size):
        dst[dst_starts[i] : dst_starts[i] + lens[i]] = src[starts[i] : starts[i] + lens[i]]


def _cover(plan: DedupPlan, tokens: Tokens, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Covered words of each pair of paragraphs (see :meth:`TokenSets.cover`)."""
    if left.size == 0:
        return np.zeros(0, np.int32)
    sets, idx = tokens.sets(np.stack([left, right]), plan)
    return sets.cover(idx[0], idx[1])


def _passes(plan: DedupPlan, covered: np.ndarray, wa: np.ndarray, wb: np.ndarray) -> np.ndarray:
    """Either paragraph of a pair may join, or take over, the other (the relations the clustering acts on)."""
    cfg = plan.cfg
    return (member_mask(covered, wa, wb, cfg.threshold, cfg.fragment_min_ratio)
            | member_mask(covered, wb, wa, cfg.threshold, cfg.fragment_min_ratio))


def _keep_before(p1a: np.ndarray, ga: np.ndarray, p1b: np.ndarray, gb: np.ndarray) -> np.ndarray:
    return (p1a < p1b) | ((p1a == p1b) & (ga < gb))


# ---------------------------------------------------------------------------- 1. prepare


def prepare(plan: DedupPlan, k: int, renamed: Sequence[dict[tuple[int, int], str]],
            doc_lines: Sequence[np.ndarray], doc_files: Sequence[np.ndarray]) -> dict[str, Any]:
    """Partition ``k``'s columns from its shards' scratch files: per paragraph ``doc`` (run-wide),
    ``line``, ``length``, ``words``, ``exact``, ``p1`` (keep-order key before the paragraph number),
    ``tok_off_full`` (offsets into the partition's ``tokens``); per document ``key``, ``outlet`` (in
    ``docs/p<k>.pkl``) and ``total`` (characters). ``renamed``/``doc_lines``/``doc_files``: per shard."""
    layout, cfg = plan.layout, plan.cfg
    s0, s1 = int(layout.shards[k]), int(layout.shards[k + 1])
    cols: dict[str, list[np.ndarray]] = {n: [] for n in ("doc", "line", "length", "words", "exact", "sig")}
    tokens: list[np.ndarray] = []
    keys: list[str] = []
    outlets: list[str | None] = []
    dates: list[Any] = []
    too_short = fallback = 0
    for j, s in enumerate(range(s0, s1)):
        folder = Path(plan.shard_folders[s])
        z = load(folder / "sketch.npz")
        with open(folder / "docs.pkl", "rb") as fh:
            docs = pickle.load(fh)
        ren = renamed[j]
        for d, (key, date, outlet) in enumerate(docs):
            if ren:
                key = ren.get((int(doc_files[j][d]), int(doc_lines[j][d])), key)
            keys.append(key)
            outlets.append(outlet)
            dates.append(date_key(date))
        cols["doc"].append(z["doc"].astype(np.int64) + layout.shard_doc[s])
        for n in ("line", "length", "words", "exact", "sig"):
            cols[n].append(z[n])
        tokens.append(z["tokens"])
        too_short += int(z["counters"][0])
        fallback += int(z["counters"][1])
    sig_dtype = np.uint16 if cfg.signature_bits == 16 else np.uint32
    empty = {"doc": np.int64, "line": np.int32, "length": np.uint32, "words": np.uint32, "exact": np.uint64}
    arr = {n: (np.concatenate(v) if v else np.zeros(0, empty.get(n, np.int64))) for n, v in cols.items() if n != "sig"}
    sig = np.concatenate(cols["sig"]) if cols["sig"] else np.zeros((0, cfg.num_perm), sig_dtype)
    n = layout.size(k)
    if arr["doc"].size != n:
        raise RuntimeError(f"partition {k}: {arr['doc'].size} paragraphs, expected {n}")
    spilled = arr["length"] >= cfg.minhash_min_chars
    tok = np.concatenate(tokens) if tokens else np.zeros(0, np.uint32)
    off = np.zeros(n + 1, np.int64)
    np.cumsum(np.where(spilled, arr["words"], 0), out=off[1:])
    if off[-1] != tok.size:
        raise RuntimeError(f"partition {k}: token file does not match its paragraphs")
    # Keep order: (p1, g), as newsclean.dedup.clusters.keep_order sorts.
    local_doc = arr["doc"] - layout.doc_bounds[k]
    if cfg.keep == "first":
        p1 = np.zeros(n, np.int64)
    elif cfg.keep == "longest":
        p1 = -arr["length"].astype(np.int64)
    elif cfg.keep == "earliest":
        day = np.array([d[0] * 10000 + d[1] * 100 + d[2] if d else 1 << 40 for d in dates], np.int64)
        p1 = day[local_doc] if n else np.zeros(0, np.int64)
    else:
        rank = {o: i for i, o in enumerate(cfg.outlet_priority)}
        ranks = np.array([rank.get(o or "", len(rank)) for o in outlets], np.int64)
        p1 = ranks[local_doc] if n else np.zeros(0, np.int64)
    for name, a in (("doc", arr["doc"]), ("line", arr["line"]), ("length", arr["length"]),
                    ("words", arr["words"]), ("exact", arr["exact"]), ("p1", p1), ("tok_off_full", off)):
        Column(layout, name).write(k, a)
    save_array(layout.path("tokens", f"p{k:05d}.npy"), tok)
    save_array(layout.path("sig", f"p{k:05d}.npy"), sig)
    n_docs = int(layout.doc_bounds[k + 1] - layout.doc_bounds[k])
    total = np.bincount(local_doc, weights=arr["length"].astype(np.float64), minlength=n_docs) if n_docs else \
        np.zeros(0)
    Column(layout, "total", doc=True).write(k, total)
    layout.path("docs").mkdir(parents=True, exist_ok=True)
    with open(layout.path("docs", f"p{k:05d}.pkl"), "wb") as fh:
        pickle.dump((keys, outlets), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"too_short": too_short, "python_fallback": fallback, "documents": len(keys), "paragraphs": n,
            "tokens": int(tok.size)}


# ---------------------------------------------------------------------------- 2. exact groups


def exact_map(plan: DedupPlan, k: int) -> None:
    layout = plan.layout
    exact, length, p1 = (Column(layout, n).part(k) for n in ("exact", "length", "p1"))
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    dest = (np.asarray(exact) % np.uint64(layout.parts)).astype(np.int64)
    route(layout, "exact", k, dest, exact=np.asarray(exact), length=np.asarray(length), p1=np.asarray(p1), g=g)


def exact_reduce(plan: DedupPlan, j: int) -> int:
    """Each exact group's first member in keep order (``rep``), routed back to every member."""
    layout = plan.layout
    r = gather(layout, "exact", j, {"exact": np.uint64, "length": np.uint32, "p1": np.int64, "g": np.int64})
    order = np.lexsort((r["g"], r["p1"], r["length"], r["exact"]))
    ex, ln, g = r["exact"][order], r["length"][order], r["g"][order]
    same = (ex[1:] == ex[:-1]) & (ln[1:] == ln[:-1])
    first = np.concatenate(([True], ~same)) if g.size else np.zeros(0, bool)
    rep = g[np.flatnonzero(first)[np.cumsum(first) - 1]] if g.size else g
    route(layout, "exact-back", j, layout.owner(g), g=g, rep=rep)
    return int(first.sum())


def exact_store(plan: DedupPlan, k: int) -> dict[str, int]:
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "exact-back", k, {"g": np.int64, "rep": np.int64})
    rep = np.empty(layout.size(k), np.int64)
    rep[r["g"] - layout.bounds[k]] = r["rep"]
    Column(layout, "rep").write(k, rep)
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    length, words = Column(layout, "length").part(k), Column(layout, "words").part(k)
    spilled = np.asarray(length) >= cfg.minhash_min_chars
    compared = spilled & (rep == g)
    Column(layout, "compared").write(k, compared)
    return {"compared": int(compared.sum()), "exact_only": int((~spilled).sum()), "minhash": int(spilled.sum()),
            "longest": int(np.asarray(words)[compared].max()) if compared.any() else 0}


# ---------------------------------------------------------------------------- 3. LSH candidates


@jit.njit(cache=True)
def _bucket_keys(sig, rows_of, bands, rows, bits):
    """``out[i, b]``: band ``b``'s bucket of signature row ``rows_of[i]`` (its key without the low
    ``bits`` bits, as :func:`newsclean.dedup.candidates._sorted_band` groups them)."""
    out = np.empty((rows_of.size, bands), np.uint64)
    for i in range(rows_of.size):
        for b in range(bands):
            out[i, b] = _band_key(sig, rows_of[i], b * rows, rows) >> np.uint64(bits)
    return out


def lsh_map(plan: DedupPlan, k: int, bits: int, tasks: int) -> None:
    layout, cfg = plan.layout, plan.cfg
    bands, rows = cfg.lsh_params()
    compared = np.asarray(Column(layout, "compared").part(k))
    idx = np.flatnonzero(compared)
    sig = np.load(layout.path("sig", f"p{k:05d}.npy"), mmap_mode="r")
    buckets = _bucket_keys(np.ascontiguousarray(sig[idx]), np.arange(idx.size, dtype=np.int64), bands, rows, bits)
    g = (idx + layout.bounds[k]).astype(np.int64)
    p1 = np.asarray(Column(layout, "p1").part(k))[idx]
    band = np.tile(np.arange(bands, dtype=np.int16), idx.size)
    bucket = buckets.reshape(-1)
    mix = (bucket * np.uint64(0x9E3779B97F4A7C15)) ^ band.astype(np.uint64)
    dest = ((mix >> np.uint64(17)) % np.uint64(tasks)).astype(np.int64)
    route(layout, "lsh", k, dest, tasks, band=band, bucket=bucket, p1=np.repeat(p1, bands), g=np.repeat(g, bands))


@jit.njit(cache=True)
def _leaders(band, bucket, g, leaders):
    """Rows sorted by (band, bucket, keep order): for every member after the first of its bucket,
    ``(member, band, leader rank, leader)`` for the bucket's first ``leaders`` members before it."""
    n = g.size
    cnt = 0
    s = 0
    while s < n:
        e = s + 1
        while e < n and band[e] == band[s] and bucket[e] == bucket[s]:
            e += 1
        for x in range(s + 1, e):
            cnt += min(x - s, leaders)
        s = e
    out_x = np.empty(cnt, np.int64)
    out_b = np.empty(cnt, np.int16)
    out_l = np.empty(cnt, np.int8)
    out_q = np.empty(cnt, np.int64)
    w = 0
    s = 0
    while s < n:
        e = s + 1
        while e < n and band[e] == band[s] and bucket[e] == bucket[s]:
            e += 1
        for x in range(s + 1, e):
            for ld in range(min(x - s, leaders)):
                out_x[w] = g[x]
                out_b[w] = band[s]
                out_l[w] = ld
                out_q[w] = g[s + ld]
                w += 1
        s = e
    return out_x, out_b, out_l, out_q


def lsh_reduce(plan: DedupPlan, j: int) -> None:
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "lsh", j, {"band": np.int16, "bucket": np.uint64, "p1": np.int64, "g": np.int64})
    order = np.lexsort((r["g"], r["p1"], r["bucket"], r["band"]))
    x, b, ld, q = _leaders(r["band"][order], r["bucket"][order], r["g"][order], cfg.bucket_leaders)
    route(layout, "lsh-back", j, layout.owner(x), x=x, band=b, ld=ld, q=q)


@jit.njit(cache=True)
def _fill_slots(x_local, q, slots):
    """Rows sorted by (member, band, leader rank): each member's first distinct candidates."""
    k_max = slots.shape[1]
    for r in range(x_local.size):
        row = x_local[r]
        for k in range(k_max):
            if slots[row, k] == q[r]:
                break
            if slots[row, k] < 0:
                slots[row, k] = q[r]
                break


def lsh_slots(plan: DedupPlan, k: int) -> int:
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "lsh-back", k, {"x": np.int64, "band": np.int16, "ld": np.int8, "q": np.int64})
    order = np.lexsort((r["ld"], r["band"], r["x"]))
    slots = np.full((layout.size(k), cfg.candidate_slots), NO, np.int64)
    _fill_slots(r["x"][order] - layout.bounds[k], r["q"][order], slots)
    Column(layout, "slots").write(k, slots)
    return int((slots >= 0).sum())


# ---------------------------------------------------------------------------- 4. components


def verify_slots(plan: DedupPlan, k: int) -> int:
    """Candidate pairs whose words pass either way: the edges the components start from."""
    layout = plan.layout
    slots = np.asarray(Column(layout, "slots").part(k))
    xi, si = np.nonzero(slots >= 0)
    x = xi.astype(np.int64) + layout.bounds[k]
    q = slots[xi, si]
    words = Column(layout, "words")
    ok = _passes(plan, _cover(plan, Tokens(layout), x, q), words.get(x), words.get(q))
    if not plan.seed_components:
        ok[:] = False
    save(layout.path("edges", f"e0-p{k:05d}.npz"), u=x[ok], v=q[ok])
    return int(x.size)


def _edges(layout: Layout, k: int) -> tuple[np.ndarray, np.ndarray]:
    folder = layout.path("edges")
    us, vs = [], []
    for name in sorted(p.name for p in folder.glob(f"*-p{k:05d}.npz")):
        z = load(folder / name)
        us.append(z["u"])
        vs.append(z["v"])
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def label_init(plan: DedupPlan, k: int, version: int) -> None:
    layout = plan.layout
    Column(layout, f"label{version}").write(k, np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64))


def cc_map(plan: DedupPlan, k: int, version: int) -> int:
    """Label propagation: every edge proposes the smaller of its ends' labels to both ends and to both
    labels (hooking a label onto a smaller one)."""
    layout = plan.layout
    u, v = _edges(layout, k)
    lab = Column(layout, f"label{version}")
    lu, lv = lab.get(u), lab.get(v)
    m = np.minimum(lu, lv)
    moving = lu != lv
    tgt = np.concatenate((u[moving], v[moving], lu[moving], lv[moving]))
    val = np.tile(m[moving], 4)
    route(layout, f"cc{version}", k, layout.owner(tgt), t=tgt, m=val)
    return int(moving.sum())


def cc_reduce(plan: DedupPlan, k: int, version: int) -> int:
    """New labels: the smallest proposed, then one pointer jump (a label's own label)."""
    layout = plan.layout
    old = Column(layout, f"label{version}")
    mine = np.array(old.part(k))
    r = gather(layout, f"cc{version}", k, {"t": np.int64, "m": np.int64})
    np.minimum.at(mine, r["t"] - layout.bounds[k], r["m"])
    jumped = old.get(mine)
    new = np.minimum(mine, jumped)
    Column(layout, f"label{version + 1}").write(k, new)
    return int((new != np.asarray(old.part(k))).sum())


def connected_components(ex: Executor, plan: DedupPlan, version: int) -> int:
    """Labels (the smallest paragraph number of each component) over all edges, from labels
    ``version`` (a valid labelling: each label is in its paragraph's component); returns the version
    of the result."""
    parts = list(range(plan.layout.parts))
    while True:
        moving = sum(ex.map(cc_map, plan, [(k, version) for k in parts], "connected components"))
        if moving == 0:
            _consumed(plan, f"cc{version}")
            return version
        ex.map(cc_reduce, plan, [(k, version) for k in parts], "connected components")
        _consumed(plan, f"cc{version}", columns=[f"label{version}"])
        version += 1


#: Rows a task of the two largest exchanges (LSH buckets, fragment anchors) receives at most, about:
#: 8M rows of 20-30 bytes, a few hundred MB with the sort's temporaries.
ROUTED_ROWS_PER_TASK = 8_000_000
#: Bytes of rows routed per stage in this process's runs (the driver's), by stage name without its
#: round number: what crossed between tasks (the shuffle), measured before it is removed.
ROUTED_BYTES: dict[str, int] = {}


def _consumed(plan: DedupPlan, *stages: str, columns: Sequence[str] = ()) -> None:
    """Remove what no later stage reads (rows routed at ``stages`` once gathered, old ``columns``): the
    scratch folder holds about one stage's data at a time, not the run's."""
    import shutil

    for f in stages:
        folder = plan.layout.path("routes", f)
        size = sum(e.stat().st_size for e in folder.iterdir()) if folder.is_dir() else 0
        name = f.rstrip("0123456789")
        ROUTED_BYTES[name] = ROUTED_BYTES.get(name, 0) + size
        shutil.rmtree(folder, ignore_errors=True)
    for f in columns:
        shutil.rmtree(plan.layout.path(f), ignore_errors=True)


def mark_members(plan: DedupPlan, k: int, version: int) -> None:
    layout = plan.layout
    lab = np.asarray(Column(layout, f"label{version}").part(k))
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    t = lab[lab != g]
    route(layout, f"mark{version}", k, layout.owner(t), t=t)


def comp_map(plan: DedupPlan, k: int, version: int, phase: str) -> None:
    """Rows of the paragraphs of components of two or more, routed by label to the component tasks:
    keep order, words, candidates within the component (in slot order; -1 elsewhere); in phase
    ``merge`` also the fragment merges of the partition's fragments."""
    layout = plan.layout
    lab_col = Column(layout, f"label{version}")
    lab = np.asarray(lab_col.part(k))
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    marked = np.zeros(layout.size(k), bool)
    r = gather(layout, f"mark{version}", k, {"t": np.int64})
    marked[r["t"] - layout.bounds[k]] = True
    sel = np.flatnonzero((lab != g) | marked)
    slots = np.array(np.asarray(Column(layout, "slots").part(k))[sel])
    has = slots >= 0
    q_lab = np.full(slots.shape, NO, np.int64)
    q_lab[has] = lab_col.get(slots[has])
    slots[has & (q_lab != lab[sel][:, None])] = NO
    dest = _comp_dest(lab[sel], layout.parts)
    route(layout, f"comp-{phase}{version}", k, dest, label=lab[sel], g=g[sel],
          p1=np.asarray(Column(layout, "p1").part(k))[sel], words=np.asarray(Column(layout, "words").part(k))[sel],
          slots=slots)
    if phase == "merge":
        z = load(layout.path("fragments", f"merges-p{k:05d}.npz"))
        f, x = z["f"], z["x"]
        route(layout, f"fm-{phase}{version}", k, _comp_dest(lab_col.get(f), layout.parts), f=f, x=x)
        # Recentering's fragment links (both ends in one component: they are edges); none when the
        # fragment search found no query.
        path = layout.path("edges", f"l-p{k:05d}.npz")
        z = load(path) if path.exists() else {"u": np.zeros(0, np.int64), "v": np.zeros(0, np.int64)}
        f, c = z["u"], z["v"]
        route(layout, f"lk-{phase}{version}", k, _comp_dest(lab_col.get(f), layout.parts), f=f, c=c)


def _comp_dest(label: np.ndarray, parts: int) -> np.ndarray:
    return ((label.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) >> np.uint64(23)) % np.uint64(parts)
            ).astype(np.int64)


def comp_run(plan: DedupPlan, j: int, version: int, phase: str) -> dict[str, int]:
    """The local engine's clustering on the disjoint union of the components routed here: the greedy
    (phase ``greedy``), or greedy, merges (takeovers and fragment merges), refinement and
    recentering (phase ``merge``). Results routed back to the paragraphs' partitions."""
    layout, cfg = plan.layout, plan.cfg
    s = cfg.candidate_slots
    r = gather(layout, f"comp-{phase}{version}", j, {"label": np.int64, "g": np.int64, "p1": np.int64,
                                                     "words": np.uint32, "slots": (np.int64, s)})
    stats: dict[str, int] = {}
    order = np.lexsort((r["g"], r["p1"]))  # keep order of the union (components are independent)
    g = r["g"][order]
    n = g.size
    words = r["words"][order].astype(np.int64)
    by_g = np.argsort(g)
    slots_g = r["slots"][order]
    slots = np.full(slots_g.shape, -1, np.int32)
    has = slots_g >= 0
    slots[has] = by_g[np.searchsorted(g, slots_g[has], sorter=by_g)]
    sets, pos = Tokens(layout).sets(g, plan)
    ids = pos.astype(np.int64)  # position -> id in sets
    apart = np.zeros(slots.shape, np.bool_) if phase == "merge" and cfg.recenter_tries > 0 else None
    center, score, takeovers = assign_centers(ids, words, slots, sets, threshold=cfg.threshold,
                                              min_ratio=cfg.fragment_min_ratio, stats=stats, apart=apart)
    out: dict[str, np.ndarray] = {"g": g, "center": g[center] if n else g, "score": score}
    if phase == "greedy":
        tk = takeovers
        route(layout, f"comp-back-{phase}{version}", j, layout.owner(g), **out)
        save(layout.path("takeovers", f"{version}-q{j:05d}.npz"), t=g[tk[:, 0]] if tk.size else g[:0],
             x=g[tk[:, 1]] if tk.size else g[:0])
        return stats
    fm = gather(layout, f"fm-{phase}{version}", j, {"f": np.int64, "x": np.int64})
    merges = [takeovers]
    if fm["f"].size:
        merges.append(np.stack([by_g[np.searchsorted(g, fm["f"], sorter=by_g)],
                                by_g[np.searchsorted(g, fm["x"], sorter=by_g)]], axis=1))
    took = merge_clusters(center, score, words, ids, np.concatenate(merges), sets, threshold=cfg.threshold,
                          min_ratio=cfg.fragment_min_ratio, stats=stats, span=cfg.merge_span)
    pre_center, pre_score = center.copy(), score.copy()
    size = np.bincount(center, minlength=n) if n else np.zeros(0, np.int64)
    refine_members(center, score, words, ids, slots, sets, threshold=cfg.threshold,
                   min_ratio=cfg.fragment_min_ratio, stats=stats)
    lk = gather(layout, f"lk-{phase}{version}", j, {"f": np.int64, "c": np.int64})
    links = np.stack([by_g[np.searchsorted(g, lk["f"], sorter=by_g)], by_g[np.searchsorted(g, lk["c"], sorter=by_g)]],
                     axis=1) if lk["f"].size else np.zeros((0, 2), np.int64)
    recenter_clusters(center, score, words, ids, slots, links, took, sets, tries=cfg.recenter_tries,
                      threshold=cfg.threshold, min_ratio=cfg.fragment_min_ratio, stats=stats, apart=apart)
    out.update(center=g[center] if n else g, score=score, pre_center=g[pre_center] if n else g,
               pre_score=pre_score, pre_size=size)
    route(layout, f"comp-back-{phase}{version}", j, layout.owner(g), **out)
    return stats


def comp_store(plan: DedupPlan, k: int, version: int, phase: str) -> dict[str, int]:
    """The partition's clustering columns: ``center``/``score`` (alone: itself, 1.0); in phase
    ``merge`` also the state before refinement (``pre_center``, ``pre_score``, ``pre_size``: members
    of each center)."""
    layout = plan.layout
    n = layout.size(k)
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    spec: dict[str, Any] = {"g": np.int64, "center": np.int64, "score": np.float32}
    if phase == "merge":
        spec.update(pre_center=np.int64, pre_score=np.float32, pre_size=np.int64)
    r = gather(layout, f"comp-back-{phase}{version}", k, spec)
    at = r["g"] - layout.bounds[k]
    center = g.copy()
    center[at] = r["center"]
    score = np.ones(n, np.float32)
    score[at] = r["score"]
    Column(layout, f"center_{phase}").write(k, center)
    Column(layout, f"score_{phase}").write(k, score)
    compared = np.asarray(Column(layout, "compared").part(k))
    words = np.asarray(Column(layout, "words").part(k))
    out = {"center_words": int(words[compared & (center == g)].sum())}
    if phase == "merge":
        pc = g.copy()
        pc[at] = r["pre_center"]
        ps = np.ones(n, np.float32)
        ps[at] = r["pre_score"]
        size = np.where(compared, 1, 0).astype(np.int64)
        size[at] = r["pre_size"]
        Column(layout, "pre_center").write(k, pc)
        Column(layout, "pre_score").write(k, ps)
        Column(layout, "pre_size").write(k, size)
    return out


def _cross_slots(plan: DedupPlan, k: int, version: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(x, q)`` of the partition's paragraphs whose ends are in two components."""
    layout = plan.layout
    slots = np.asarray(Column(layout, "slots").part(k))
    xi, si = np.nonzero(slots >= 0)
    x = xi.astype(np.int64) + layout.bounds[k]
    q = slots[xi, si]
    lab = Column(layout, f"label{version}")
    cross = lab.get(x) != lab.get(q)
    return x[cross], q[cross]


def check_greedy(plan: DedupPlan, k: int, version: int, round_: int) -> tuple[int, int]:
    """Pairs across components where the greedy would have acted: ``x`` against its candidate's
    center ``t`` (joining it or taking it over). Such pairs become edges."""
    layout = plan.layout
    x, q = _cross_slots(plan, k, version)
    t = Column(layout, "center_greedy").get(q)
    if plan.seed_components:
        sel = t != q  # (x, q) itself was verified for the components: it does not pass
        x, t = x[sel], t[sel]
    words = Column(layout, "words")
    ok = _passes(plan, _cover(plan, Tokens(layout), x, t), words.get(x), words.get(t))
    save(layout.path("edges", f"g{round_:03d}-p{k:05d}.npz"), u=x[ok], v=t[ok])
    return int(ok.sum()), int(x.size)


def check_refine(plan: DedupPlan, k: int, version: int, round_: int) -> tuple[int, int]:
    """Pairs across components where the refinement would have moved one end to the other's cluster
    (both directions, from the state before refinement). Such pairs become edges."""
    layout, cfg = plan.layout, plan.cfg
    x, q = _cross_slots(plan, k, version)
    src = np.concatenate((x, q))
    other = np.concatenate((q, x))
    pc, ps, size, words = (Column(layout, n) for n in ("pre_center", "pre_score", "pre_size", "words"))
    dst = pc.get(other)
    c_src = pc.get(src)
    movable = (c_src != src) | (size.get(src) == 1)
    target = (pc.get(dst) == dst) & (size.get(dst) >= 2)
    sel = movable & target & (c_src != dst) & (src != dst)
    src, dst, c_src = src[sel], dst[sel], c_src[sel]
    w_src, w_dst = words.get(src).astype(np.int64), words.get(dst).astype(np.int64)
    cov = _cover(plan, Tokens(layout), src, dst)
    ok = member_mask(cov, w_src, w_dst, cfg.threshold, cfg.fragment_min_ratio)
    pref = cov / np.maximum(np.maximum(w_src, w_dst), 1)
    w_c = words.get(c_src).astype(np.int64)
    now = np.where(c_src != src, ps.get(src) * w_src / np.maximum(w_src, w_c), -1.0)
    ok &= pref > now + 1e-9
    save(layout.path("edges", f"r{round_:03d}-p{k:05d}.npz"), u=src[ok], v=dst[ok])
    return int(ok.sum()), int(src.size)


def check_recenter(plan: DedupPlan, k: int, version: int, round_: int) -> tuple[int, int]:
    """Candidate pairs across components where recentering could act: one end covers the other
    (:func:`newsclean.dedup.clusters.recenter_links`' rule, whatever the clusters). With seeded
    components every such pair is an edge already (:func:`verify_slots`); else they become edges."""
    if plan.seed_components:
        return 0, 0
    layout = plan.layout
    x, q = _cross_slots(plan, k, version)
    words = Column(layout, "words")
    ok = _passes(plan, _cover(plan, Tokens(layout), x, q), words.get(x), words.get(q))
    save(layout.path("edges", f"c{round_:03d}-p{k:05d}.npz"), u=x[ok], v=q[ok])
    return int(ok.sum()), int(x.size)


# ---------------------------------------------------------------------------- fragments


def _local_view(plan: DedupPlan, k: int, center_name: str) -> dict[str, np.ndarray]:
    layout = plan.layout
    compared = np.asarray(Column(layout, "compared").part(k))
    idx = np.flatnonzero(compared)
    pos_of = np.full(layout.size(k), -1, np.int64)
    pos_of[idx] = np.arange(idx.size)
    g = idx.astype(np.int64) + layout.bounds[k]
    center = np.asarray(Column(layout, center_name).part(k))[idx]
    return {"idx": idx, "pos_of": pos_of, "g": g, "center": center,
            "words": np.asarray(Column(layout, "words").part(k))[idx].astype(np.int64),
            "tokens": np.load(layout.path("tokens", f"p{k:05d}.npy"), mmap_mode="r"),
            "offsets": np.asarray(Column(layout, "tok_off_full").part(k))}


def _count_table(plan: DedupPlan, center_words: int) -> int:
    return 1 << min(24, max(16, (center_words // 4).bit_length()))


def frag_count(plan: DedupPlan, k: int, table: int, longest: int) -> None:
    """Saturating anchor counts of the partition's cluster centers (``_count_anchors``)."""
    v = _local_view(plan, k, "center_greedy")
    counts = np.zeros(table, np.uint16)
    is_center = np.where(v["center"] == v["g"], np.arange(v["g"].size), -1)
    _count_anchors(v["tokens"], v["offsets"], v["pos_of"], is_center, plan.cfg.min_run, counts,
                   np.uint32(table - 1), longest)
    save_array(plan.layout.path("fragments", f"counts-p{k:05d}.npy"), counts)


def frag_count_reduce(plan: DedupPlan, table: int) -> None:
    """The run's anchor counts: the partitions' saturating counts summed, saturated again (a sum of
    saturating counters is what one counter over all of them holds)."""
    total = np.zeros(table, np.uint32)
    for k in range(plan.layout.parts):
        total += np.load(plan.layout.path("fragments", f"counts-p{k:05d}.npy"))
    save_array(plan.layout.path("fragments", "counts.npy"), np.minimum(total, 65535).astype(np.uint16))


def _anchor_dest(h: np.ndarray, parts: int) -> np.ndarray:
    return ((h.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) >> np.uint64(29)) % np.uint64(parts)).astype(np.int64)


def frag_queries(plan: DedupPlan, k: int, table: int, longest: int, tasks: int) -> tuple[int, int]:
    """The partition's queries (``_queries``: the first usable anchors of every center short enough to
    be a fragment), routed by anchor; returns how many, and their fewest words."""
    v = _local_view(plan, k, "center_greedy")
    counts = np.load(plan.layout.path("fragments", "counts.npy"))
    is_center = np.where(v["center"] == v["g"], np.arange(v["g"].size), -1)
    queries, used = _queries(v["tokens"], v["offsets"], v["pos_of"], is_center, v["words"], plan.cfg.min_run,
                             FRAGMENT_MAX_RATIO * longest, counts, np.uint32(table - 1), FRAGMENT_MAX_POSTINGS,
                             FRAGMENT_QUERY_ANCHORS, longest)
    q_hash = (queries >> np.uint64(32)).astype(np.uint32)
    q_pos = (queries & np.uint64(0xFFFFFFFF)).astype(np.int64)
    route(plan.layout, "frag-q", k, _anchor_dest(q_hash, tasks), tasks, h=q_hash, f=v["g"][q_pos],
          words=v["words"][q_pos], used=used[q_pos].astype(np.int64))
    return int(queries.size), int(v["words"][q_pos].min()) if q_pos.size else 1 << 62


@jit.njit(cache=True)
def _container_grams(tokens, offsets, idx, run, longest):
    """Sorted distinct ``run``-word grams (the anchors a container offers) of paragraphs ``idx``, as
    ``(gram, row in idx)``."""
    total = 0
    for i in idx:
        total += max(0, offsets[i + 1] - offsets[i] - run + 1)
    out_h = np.empty(total, np.uint32)
    out_r = np.empty(total, np.int64)
    buf = np.empty(max(longest, 1), np.uint32)
    w = 0
    for r in range(idx.size):
        i = idx[r]
        d = _grams(tokens, offsets[i], offsets[i + 1], run, buf, True)
        out_h[w : w + d] = buf[:d]
        out_r[w : w + d] = r
        w += d
    return out_h[:w], out_r[:w]


def frag_containers(plan: DedupPlan, k: int, longest: int, min_words: int, tasks: int) -> None:
    """The anchors every container of the partition offers (cluster centers after the greedy with at
    least ``min_words`` words, as :func:`newsclean.dedup.fragments._container_range` reads them),
    routed by anchor to meet the queries."""
    v = _local_view(plan, k, "center_greedy")
    sel = np.flatnonzero((v["words"] >= min_words) & (v["center"] == v["g"]))
    h, r = _container_grams(v["tokens"], v["offsets"], v["idx"][sel], plan.cfg.min_run, longest)
    rows = sel[r]
    route(plan.layout, "frag-c", k, _anchor_dest(h, tasks), tasks, h=h, p=v["g"][rows],
          words=v["words"][rows], center=v["center"][rows])


@jit.njit(cache=True)
def _anchor_hits(q_h, q_f, q_words, c_h, c_p, c_words, c_center, lo_ratio, hi_ratio, cap):
    """``_hits``' rule over an anchor partition: for each container anchor, the queries of the same
    anchor (unless more than ``cap`` paragraphs query it) within the word-ratio window and of another
    cluster (``c_center``; a query is its own cluster's center). Queries sorted by anchor."""
    n = 0
    for t in range(c_h.size):
        a = np.searchsorted(q_h, c_h[t])
        b = np.searchsorted(q_h, c_h[t], side="right")
        if b - a > cap:
            continue
        for q in range(a, b):
            r = q_words[q] / c_words[t]
            if r >= lo_ratio and r < hi_ratio and q_f[q] != c_center[t]:
                n += 1
    out_f = np.empty(n, np.int64)
    out_p = np.empty(n, np.int64)
    w = 0
    for t in range(c_h.size):
        a = np.searchsorted(q_h, c_h[t])
        b = np.searchsorted(q_h, c_h[t], side="right")
        if b - a > cap:
            continue
        for q in range(a, b):
            r = q_words[q] / c_words[t]
            if r >= lo_ratio and r < hi_ratio and q_f[q] != c_center[t]:
                out_f[w] = q_f[q]
                out_p[w] = c_p[t]
                w += 1
    return out_f, out_p


def frag_join(plan: DedupPlan, j: int) -> None:
    """The anchor partition's matches (query paragraph, container), with the query's anchor count,
    routed to the container's partition to be counted."""
    layout, cfg = plan.layout, plan.cfg
    q = gather(layout, "frag-q", j, {"h": np.uint32, "f": np.int64, "words": np.int64, "used": np.int64})
    c = gather(layout, "frag-c", j, {"h": np.uint32, "p": np.int64, "words": np.int64, "center": np.int64})
    order = np.argsort(q["h"], kind="stable")
    f, p = _anchor_hits(q["h"][order], q["f"][order], q["words"][order].astype(np.float64), c["h"], c["p"],
                        c["words"].astype(np.float64), c["center"], float(cfg.fragment_min_ratio),
                        FRAGMENT_MAX_RATIO, FRAGMENT_MAX_POSTINGS)
    used = dict(zip(q["f"].tolist(), q["used"].tolist(), strict=True)) if f.size else {}
    need = np.asarray([used[x] for x in f.tolist()], np.int64)
    route(layout, "frag-hits", j, layout.owner(p), f=f, p=p, used=need)


def frag_candidates(plan: DedupPlan, k: int) -> int:
    """Candidates of the partition's containers: queries sharing at least ``FRAGMENT_QUERY_NEED`` of
    their anchors with the container (all of them when they have fewer), routed as (fragment,
    container's center) to the fragment's partition."""
    layout = plan.layout
    r = gather(layout, "frag-hits", k, {"f": np.int64, "p": np.int64, "used": np.int64})
    if r["f"].size:
        pairs, first, hits = np.unique(np.stack([r["p"], r["f"]], axis=1), axis=0, return_index=True,
                                       return_counts=True)
        ok = hits >= np.minimum(FRAGMENT_QUERY_NEED, r["used"][first])
        p, f = pairs[ok, 0], pairs[ok, 1]
    else:
        p = f = np.zeros(0, np.int64)
    center = np.asarray(Column(layout, "center_greedy").part(k))
    target = center[p - layout.bounds[k]]
    route(layout, "frag-cand", k, layout.owner(f), f=f, x=target)
    _fragment_links(plan, k, f, p)
    return int(f.size)


def _fragment_links(plan: DedupPlan, k: int, f: np.ndarray, p: np.ndarray) -> None:
    """Recentering's links from the fragment candidates ``(fragment, container)`` (the local
    engine's ``extra``): those where either end covers the other become edges, so both ends are in
    one component; the others can never act (:func:`newsclean.dedup.clusters.recenter_links`)."""
    layout = plan.layout
    if plan.cfg.recenter_tries > 0 and f.size:
        words = Column(layout, "words")
        ok = _passes(plan, _cover(plan, Tokens(layout), f, p), words.get(f), words.get(p))
        f, p = f[ok], p[ok]
    else:
        f = p = np.zeros(0, np.int64)
    save(layout.path("edges", f"l-p{k:05d}.npz"), u=f, v=p)


def frag_merge(plan: DedupPlan, k: int) -> tuple[int, int]:
    """Each fragment's merge (:func:`newsclean.dedup.fragments.fragment_merges`' rule): of its
    container clusters, the most proposed first (ties: keep order), at most ``FRAGMENT_MAX_TARGETS``,
    verified; the one covering the largest share of it."""
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "frag-cand", k, {"f": np.int64, "x": np.int64})
    f, x = r["f"], r["x"]
    empty = np.zeros(0, np.int64)
    if f.size == 0:
        save(layout.path("fragments", f"merges-p{k:05d}.npz"), f=empty, x=empty)
        return 0, 0
    pairs, votes = np.unique(np.stack([f, x], axis=1), axis=0, return_counts=True)
    f, x = pairs[:, 0], pairs[:, 1]
    p1 = Column(layout, "p1")
    xp = p1.get(x)
    rank = np.lexsort((x, xp, -votes, f))
    f, x, xp = f[rank], x[rank], xp[rank]
    first = np.concatenate(([True], f[1:] != f[:-1]))
    nth = np.arange(f.size) - np.maximum.accumulate(np.where(first, np.arange(f.size), 0))
    keep = nth < FRAGMENT_MAX_TARGETS
    f, x, xp = f[keep], x[keep], xp[keep]
    words = Column(layout, "words")
    wf = words.get(f).astype(np.int64)
    covered = _cover(plan, Tokens(layout), f, x)
    share = covered / np.maximum(wf, 1)
    ok = covered >= np.ceil(cfg.threshold * wf - 1e-9)
    f, x, xp, share = f[ok], x[ok], xp[ok], share[ok]
    best = np.lexsort((x, xp, -share, f))
    f, x = f[best], x[best]
    first = np.concatenate(([True], f[1:] != f[:-1])) if f.size else np.zeros(0, bool)
    save(layout.path("fragments", f"merges-p{k:05d}.npz"), f=f[first], x=x[first])
    save(layout.path("edges", f"f-p{k:05d}.npz"), u=f[first], v=x[first])
    return int(ok.sum()), int(ok.size)


def no_fragments(plan: DedupPlan, k: int) -> None:
    empty = np.zeros(0, np.int64)
    save(plan.layout.path("fragments", f"merges-p{k:05d}.npz"), f=empty, x=empty)
    _fragment_links(plan, k, empty, empty)


# ---------------------------------------------------------------------------- 5. records


def records_map(plan: DedupPlan, k: int) -> None:
    """Every paragraph's kept paragraph (``key``), similarity and fragment flag, routed by key."""
    layout = plan.layout
    rep = np.asarray(Column(layout, "rep").part(k))
    compared_col = Column(layout, "compared")
    center, score, words = Column(layout, "center_merge"), Column(layout, "score_merge"), Column(layout, "words")
    key = rep.copy()
    sim = np.ones(rep.size)
    frag = np.zeros(rep.size, bool)
    sel = np.flatnonzero(compared_col.get(rep))
    c = center.get(rep[sel])
    key[sel] = c
    moved = c != rep[sel]
    rs = rep[sel][moved]
    sim[sel[moved]] = score.get(rs)
    frag[sel[moved]] = words.get(rs) < FRAGMENT_RATIO * words.get(c[moved])
    g = np.arange(layout.bounds[k], layout.bounds[k + 1], dtype=np.int64)
    dest = _comp_dest(key, layout.parts)
    route(layout, "rec", k, dest, key=key, g=g, sim=sim, frag=frag)


def records_group(plan: DedupPlan, j: int) -> None:
    """Clusters (keys of two or more paragraphs), routed to the partition of their first member."""
    layout = plan.layout
    r = gather(layout, "rec", j, {"key": np.int64, "g": np.int64, "sim": np.float64, "frag": np.bool_})
    order = np.lexsort((r["g"], r["key"]))
    key, g = r["key"][order], r["g"][order]
    start = np.concatenate(([True], key[1:] != key[:-1])) if key.size else np.zeros(0, bool)
    gid = np.cumsum(start) - 1
    sizes = np.bincount(gid) if gid.size else np.zeros(0, np.int64)
    keep = sizes[gid] >= 2 if gid.size else np.zeros(0, bool)
    first = g[np.flatnonzero(start)][gid] if gid.size else g
    route(layout, "rec-group", j, layout.owner(first[keep]), first=first[keep], key=key[keep], g=g[keep],
          sim=r["sim"][order][keep], frag=r["frag"][order][keep])


def records_count(plan: DedupPlan, k: int) -> int:
    r = gather(plan.layout, "rec-group", k, {"first": np.int64})
    return int(unique_sorted(r["first"]).size)


class _Texts:
    """Paragraph texts by run-wide document number and line, from the shards' ``texts.bin``."""

    def __init__(self, plan: DedupPlan) -> None:
        self.plan = plan

    def get_many(self, doc: np.ndarray, line: np.ndarray) -> list[str]:
        layout = self.plan.layout
        out = [""] * doc.size
        shard = layout.shard_of_doc(doc)
        for s in np.unique(shard).tolist():
            sel = np.flatnonzero(shard == s)
            folder = Path(self.plan.shard_folders[s])
            z = load(folder / "texts.npz")
            code = z["doc"].astype(np.int64) * (1 << 32) + z["line"]
            length = z["length"].astype(np.int64)
            offsets = np.concatenate(([0], np.cumsum(length)))[:-1]
            order = np.argsort(code, kind="stable")
            code, offsets, length = code[order], offsets[order], length[order]
            want = (doc[sel] - layout.shard_doc[s]) * (1 << 32) + line[sel]
            i = np.minimum(np.searchsorted(code, want), max(code.size - 1, 0))
            found = (code[i] == want) if code.size else np.zeros(sel.size, bool)
            with open(folder / "texts.bin", "rb") as fh:
                fd = fh.fileno()
                for j, ii, ok in zip(sel.tolist(), i.tolist(), found.tolist(), strict=True):
                    if ok:
                        out[j] = os.pread(fd, int(length[ii]), int(offsets[ii])).decode("utf-8", "surrogatepass")
        return out


class _Docs:
    """Document keys and outlets by run-wide document number."""

    def __init__(self, plan: DedupPlan) -> None:
        self.plan = plan
        self._parts: dict[int, tuple[list[str], list[str | None]]] = {}

    def _part(self, k: int) -> tuple[list[str], list[str | None]]:
        p = self._parts.get(k)
        if p is None:
            with open(self.plan.layout.path("docs", f"p{k:05d}.pkl"), "rb") as fh:
                p = self._parts[k] = pickle.load(fh)
        return p

    def many(self, d: np.ndarray) -> tuple[list[str], list[str | None]]:
        """Keys and outlets of documents ``d``."""
        layout = self.plan.layout
        keys: list[str] = [""] * d.size
        outlets: list[str | None] = [None] * d.size
        owner = layout.doc_owner(d)
        for k in np.unique(owner).tolist():
            sel = np.flatnonzero(owner == k)
            pk, po = self._part(k)
            for j, local in zip(sel.tolist(), (d[sel] - layout.doc_bounds[k]).tolist(), strict=True):
                keys[j] = pk[local]
                outlets[j] = po[local]
        return keys, outlets

    def key(self, d: int) -> str:
        return self.many(np.asarray([d], np.int64))[0][0]


def records_write(plan: DedupPlan, k: int, first_id: int) -> dict[str, Any]:
    """The partition's clusters as duplicates.jsonl rows (numbered from ``first_id``), its dropped
    lines per shard, and per cluster its documents' characters (for document pairs)."""
    import json

    from ..io import atomic_writer

    layout = plan.layout
    r = gather(layout, "rec-group", k, {"first": np.int64, "key": np.int64, "g": np.int64, "sim": np.float64,
                                        "frag": np.bool_})
    order = np.lexsort((r["g"], r["first"]))
    first, key, g = r["first"][order], r["key"][order], r["g"][order]
    sim, frag = r["sim"][order].tolist(), r["frag"][order]
    doc_col, line_col, exact_col, len_col = (Column(layout, n) for n in ("doc", "line", "exact", "length"))
    doc, line, exact, length = doc_col.get(g), line_col.get(g), exact_col.get(g), len_col.get(g)
    same_exact = exact == exact_col.get(key)
    keys, outlets = _Docs(plan).many(doc)
    texts = _Texts(plan).get_many(doc, line)
    head = np.concatenate(([True], first[1:] != first[:-1])) if g.size else np.zeros(0, bool)
    cluster = np.cumsum(head) - 1  # local cluster number of every row
    bounds = np.flatnonzero(head).tolist() + [int(g.size)]
    is_kept = g == key
    lines, fr, kept_rows = line.tolist(), frag.tolist(), is_kept.tolist()
    path = layout.path("duplicates", f"p{k:05d}.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path, errors="backslashreplace") as fh:
        for ci in range(len(bounds) - 1):
            lo, hi = bounds[ci], bounds[ci + 1]
            members = tuple(Member(keys[i], lines[i], sim[i], texts[i], fr[i]) for i in range(lo, hi))
            kept = members[kept_rows.index(True, lo, hi) - lo]
            row = Cluster(first_id + ci, kept, members, bool(same_exact[lo:hi].all())).to_json_row()
            for m, i in zip(row["members"], range(lo, hi), strict=True):
                m["outlet"] = outlets[i]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    # Characters of each document in each cluster (documents in input order), and the dropped lines.
    pairs, inv = np.unique(np.stack([cluster, doc], axis=1), axis=0, return_inverse=True) if g.size else \
        (np.zeros((0, 2), np.int64), np.zeros(0, np.int64))
    chars = np.bincount(inv.reshape(-1), weights=length.astype(np.float64), minlength=pairs.shape[0])
    docs_per_cluster = np.bincount(pairs[:, 0], minlength=len(bounds) - 1) if pairs.size else np.zeros(0, np.int64)
    save(layout.path("dropped", f"p{k:05d}.npz"), doc=doc[~is_kept], line=line[~is_kept].astype(np.int64))
    save(layout.path("docpairs", f"clusters-p{k:05d}.npz"), cluster=pairs[:, 0] + first_id,
         doc=pairs[:, 1], chars=chars)
    n_clusters = len(bounds) - 1
    return {"clusters": n_clusters, "clustered_paragraphs": int(g.size),
            "cross_document_clusters": int((docs_per_cluster > 1).sum()), "fragments": int(frag.sum()),
            "dropped": int(g.size - n_clusters)}


def _cluster_spans(z: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    cl = z["cluster"]
    starts = np.flatnonzero(np.concatenate(([True], cl[1:] != cl[:-1]))) if cl.size else np.zeros(0, np.int64)
    span = np.diff(np.concatenate((starts, [cl.size]))) if cl.size else np.zeros(0, np.int64)
    ok = (span >= 2) & (span <= MAX_DOCS_PER_CLUSTER_FOR_DOC_PAIRS)
    return np.repeat(ok, span), starts


def docs_clustered_map(plan: DedupPlan, k: int) -> None:
    layout = plan.layout
    z = load(layout.path("docpairs", f"clusters-p{k:05d}.npz"))
    rows, _ = _cluster_spans(z)
    d = z["doc"][rows]
    route(layout, "doc-clustered", k, layout.doc_owner(d), doc=d, chars=z["chars"][rows])


def docs_eligible(plan: DedupPlan, k: int) -> None:
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "doc-clustered", k, {"doc": np.int64, "chars": np.float64})
    n = int(layout.doc_bounds[k + 1] - layout.doc_bounds[k])
    clustered = np.bincount(r["doc"] - layout.doc_bounds[k], weights=r["chars"], minlength=n) if n else np.zeros(0)
    total = np.asarray(Column(layout, "total", doc=True).part(k))
    Column(layout, "eligible", doc=True).write(k, (total > 0) & (clustered >= cfg.document_threshold * total
                                                                   * (1 - 1e-9)))


@jit.njit(cache=True)
def _pair_rows(starts, ends, c_doc, c_chars, eligible):
    cnt = 0
    for k in range(starts.size):
        for x in range(starts[k], ends[k]):
            for y in range(x + 1, ends[k]):
                if eligible[x] or eligible[y]:
                    cnt += 1
    a = np.empty(cnt, np.int64)
    b = np.empty(cnt, np.int64)
    ca = np.empty(cnt)
    cb = np.empty(cnt)
    w = 0
    for k in range(starts.size):
        for x in range(starts[k], ends[k]):
            for y in range(x + 1, ends[k]):
                if eligible[x] or eligible[y]:
                    a[w] = c_doc[x]
                    b[w] = c_doc[y]
                    ca[w] = c_chars[x]
                    cb[w] = c_chars[y]
                    w += 1
    return a, b, ca, cb


def doc_pairs_map(plan: DedupPlan, k: int) -> None:
    layout = plan.layout
    z = load(layout.path("docpairs", f"clusters-p{k:05d}.npz"))
    rows, starts = _cluster_spans(z)
    cl, d, ch = z["cluster"][rows], z["doc"][rows], z["chars"][rows]
    starts = np.flatnonzero(np.concatenate(([True], cl[1:] != cl[:-1]))) if cl.size else np.zeros(0, np.int64)
    ends = np.concatenate((starts[1:], [cl.size])).astype(np.int64) if cl.size else np.zeros(0, np.int64)
    elig = Column(layout, "eligible", doc=True).get(d).astype(np.bool_)
    a, b, ca, cb = _pair_rows(starts.astype(np.int64), ends, d, ch, elig)
    dest = (((a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ b.astype(np.uint64)) >> np.uint64(19)) \
        % np.uint64(layout.parts)
    route(layout, "doc-pairs", k, dest.astype(np.int64), a=a, b=b, ca=ca, cb=cb)


def doc_pairs_reduce(plan: DedupPlan, j: int) -> None:
    """Every document pair's characters summed over its clusters; each side of a pair whose coverage
    reaches the threshold is routed, with the pair, to that document's partition (to pick its best
    partner, :func:`doc_best`)."""
    layout, cfg = plan.layout, plan.cfg
    r = gather(layout, "doc-pairs", j, {"a": np.int64, "b": np.int64, "ca": np.float64, "cb": np.float64})
    code = r["a"] * (1 << 32) + r["b"]
    pairs, inv, shared = np.unique(code, return_inverse=True, return_counts=True)
    ca = np.bincount(inv, weights=r["ca"], minlength=pairs.size)
    cb = np.bincount(inv, weights=r["cb"], minlength=pairs.size)
    a, b = pairs >> 32, pairs & 0xFFFFFFFF
    total = Column(layout, "total", doc=True)
    ta, tb = total.get(a), total.get(b)
    cov_a = np.where(ta > 0, np.minimum(1.0, ca / np.maximum(ta, 1e-300)), 0.0)
    cov_b = np.where(tb > 0, np.minimum(1.0, cb / np.maximum(tb, 1e-300)), 0.0)
    side = np.concatenate((a, b))
    cov = np.concatenate((cov_a, cov_b))
    other = np.concatenate((b, a))
    row = np.concatenate((np.arange(a.size), np.arange(a.size)))
    reach = cov >= cfg.document_threshold
    row = row[reach]
    route(layout, "doc-best", j, layout.doc_owner(side[reach]), side=side[reach], other=other[reach],
          cov=cov[reach], a=a[row], b=b[row], cov_a=cov_a[row], cov_b=cov_b[row], shared=shared[row])


def doc_best(plan: DedupPlan, k: int) -> dict[str, np.ndarray]:
    """Each document of the partition that a pair covers enough, paired with the document covering it
    most (ties: the earlier), as :func:`newsclean.dedup.results.document_pairs` reports it (k copies of
    an article: k - 1 pairs); a pair chosen by both its documents comes back twice (the driver keeps one)."""
    r = gather(plan.layout, "doc-best", k, {"side": np.int64, "other": np.int64, "cov": np.float64, "a": np.int64,
                                           "b": np.int64, "cov_a": np.float64, "cov_b": np.float64,
                                           "shared": np.int64})
    best = np.lexsort((r["other"], -r["cov"], r["side"]))
    side = r["side"][best]
    first = best[np.concatenate(([True], side[1:] != side[:-1]))] if side.size else best
    return {n: r[n][first] for n in ("a", "b", "cov_a", "cov_b", "shared")}


# ---------------------------------------------------------------------------- the driver


@dataclass
class DedupOutcome:
    """What the driver gets back: the stats of report.json, the parts of duplicates.jsonl in order,
    document pairs, dropped lines per partition (``dropped/p<k>.npz``)."""

    stats: dict[str, int]
    parts: list[Path]
    documents: list[Any]
    clusters: int = 0
    cross_document_clusters: int = 0
    dropped: int = 0
    rounds: dict[str, int] = field(default_factory=dict)


def run_dedup(ex: Executor, plan: DedupPlan, prepare_args: Sequence[tuple[Any, ...]], *,
              timings: dict[str, float] | None = None) -> DedupOutcome:
    """All stages (see the module docstring); ``prepare_args[k]``: :func:`prepare`'s per-shard lists."""
    import time

    from ..dedup.results import DocumentDuplicate

    layout, cfg = plan.layout, plan.cfg
    parts = list(range(layout.parts))
    one = [(k,) for k in parts]
    ROUTED_BYTES.clear()
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[name] = round(now - clock[0], 3)
        clock[0] = now

    prep = ex.map(prepare, plan, [(k, *a) for k, a in zip(parts, prepare_args, strict=True)], "dedup: prepare")
    n = layout.paragraphs
    too_short = sum(p["too_short"] for p in prep)
    stats: dict[str, int] = {"documents": sum(p["documents"] for p in prep), "paragraphs": n + too_short,
                             "too_short": too_short, "python_normalized": sum(p["python_fallback"] for p in prep)}
    for folder in plan.shard_folders:  # copied into the partitions' columns
        Path(folder, "sketch.npz").unlink(missing_ok=True)
    ex.map(exact_map, plan, one, "dedup: exact groups")
    groups = sum(ex.map(exact_reduce, plan, one, "dedup: exact groups"))
    _consumed(plan, "exact")
    st = ex.map(exact_store, plan, one, "dedup: exact groups")
    _consumed(plan, "exact-back")
    n_compared = sum(s["compared"] for s in st)
    longest = max([s["longest"] for s in st] + [0])
    stats["exact_duplicates"] = n - groups
    stats["exact_only"] = sum(s["exact_only"] for s in st)
    stats["minhash"] = sum(s["minhash"] for s in st)
    lap("dedup_exact_seconds")

    bands, rows = cfg.lsh_params()
    stats["lsh_bands"], stats["lsh_rows"] = bands, rows
    bits = _position_bits(n_compared)
    # Bucket tasks: at most about ROUTED_ROWS_PER_TASK rows each (a row per compared paragraph and band).
    lsh_tasks = max(layout.parts, -(-bands * n_compared // ROUTED_ROWS_PER_TASK))
    ex.map(lsh_map, plan, [(k, bits, lsh_tasks) for k in parts], "dedup: LSH")
    _consumed(plan, columns=["sig"])
    ex.map(lsh_reduce, plan, [(j,) for j in range(lsh_tasks)], "dedup: LSH")
    _consumed(plan, "lsh")
    stats["candidates"] = sum(ex.map(lsh_slots, plan, one, "dedup: LSH"))
    _consumed(plan, "lsh-back")
    lap("dedup_candidates_seconds")

    # Components of the passing candidate pairs, the greedy on each, checked until no pair across acts.
    work: dict[str, int] = {"verified_pairs": 0, "verified_late": 0, "recenter_verified": 0}
    work["verified_pairs"] += sum(ex.map(verify_slots, plan, one, "dedup: verification"))
    ex.map(label_init, plan, [(k, 0) for k in parts], "dedup: components")
    version = 0
    rounds = {"greedy": 0, "merge": 0}

    def checked(results: list[tuple[int, int]]) -> int:
        work["verified_pairs"] += sum(r[1] for r in results)
        return sum(r[0] for r in results)

    def count_work(results: list[dict[str, int]]) -> None:
        for r in results:
            for key in work:
                work[key] += r.get(key, 0)

    while True:
        version = connected_components(ex, plan, version)
        ex.map(mark_members, plan, [(k, version) for k in parts], "dedup: components")
        ex.map(comp_map, plan, [(k, version, "greedy") for k in parts], "dedup: greedy")
        _consumed(plan, f"mark{version}")
        count_work(ex.map(comp_run, plan, [(k, version, "greedy") for k in parts], "dedup: greedy"))
        _consumed(plan, f"comp-greedy{version}")
        stored = ex.map(comp_store, plan, [(k, version, "greedy") for k in parts], "dedup: greedy")
        _consumed(plan, f"comp-back-greedy{version}")
        rounds["greedy"] += 1
        if checked(ex.map(check_greedy, plan, [(k, version, rounds["greedy"]) for k in parts], "dedup: checks")) == 0:
            break
    lap("dedup_greedy_seconds")

    if cfg.fragments and n_compared < 2:
        stats.update(fragment_queries=0, fragment_candidates=0, fragment_pairs=0)
        ex.map(no_fragments, plan, one, "dedup: fragments")
    elif cfg.fragments:
        center_words = sum(s["center_words"] for s in stored)
        table = _count_table(plan, center_words)
        ex.map(frag_count, plan, [(k, table, longest) for k in parts], "dedup: fragments")
        ex.map(frag_count_reduce, plan, [(table,)], "dedup: fragments")
        # Anchor tasks: a row per anchor a container offers (about one per word).
        anchor_tasks = max(layout.parts, -(-sum(p["tokens"] for p in prep) // ROUTED_ROWS_PER_TASK))
        queries = ex.map(frag_queries, plan, [(k, table, longest, anchor_tasks) for k in parts], "dedup: fragments")
        stats["fragment_queries"] = sum(q[0] for q in queries)
        stats["fragment_candidates"] = 0
        if stats["fragment_queries"]:
            min_words = max(cfg.min_run, int(np.ceil(min(q[1] for q in queries) / FRAGMENT_MAX_RATIO)))
            ex.map(frag_containers, plan, [(k, longest, min_words, anchor_tasks) for k in parts], "dedup: fragments")
            ex.map(frag_join, plan, [(j,) for j in range(anchor_tasks)], "dedup: fragments")
            stats["fragment_candidates"] = sum(ex.map(frag_candidates, plan, one, "dedup: fragments"))
        _consumed(plan, "frag-q", "frag-c", "frag-hits")
        stats["fragment_pairs"] = checked(ex.map(frag_merge, plan, one, "dedup: fragments"))
        _consumed(plan, "frag-cand")
    else:
        ex.map(no_fragments, plan, one, "dedup: fragments")
    lap("dedup_fragments_seconds")

    m_stats: list[dict[str, int]] = []
    while True:
        version = connected_components(ex, plan, version)
        ex.map(mark_members, plan, [(k, version) for k in parts], "dedup: components")
        ex.map(comp_map, plan, [(k, version, "merge") for k in parts], "dedup: merges")
        _consumed(plan, f"mark{version}")
        m_stats = ex.map(comp_run, plan, [(k, version, "merge") for k in parts], "dedup: merges")
        count_work(m_stats)
        _consumed(plan, f"comp-merge{version}", f"fm-merge{version}", f"lk-merge{version}")
        ex.map(comp_store, plan, [(k, version, "merge") for k in parts], "dedup: merges")
        _consumed(plan, f"comp-back-merge{version}")
        rounds["merge"] += 1
        args = [(k, version, rounds["merge"]) for k in parts]
        acted = checked(ex.map(check_refine, plan, args, "dedup: checks"))
        acted += checked(ex.map(check_recenter, plan, args, "dedup: checks"))
        if acted == 0:
            break
    for name in ("merges", "merge_dropouts", "merges_refused"):
        stats[name] = sum(s.get(name, 0) for s in m_stats)
    stats["moved"] = sum(s.get("moved", 0) for s in m_stats)
    stats["recentered"] = sum(s.get("recentered", 0) for s in m_stats)
    stats["disk_bytes"] = 4 * sum(p["tokens"] for p in prep)
    lap("dedup_merges_seconds")

    ex.map(records_map, plan, one, "dedup: records")
    ex.map(records_group, plan, one, "dedup: records")
    _consumed(plan, "rec")
    counts = ex.map(records_count, plan, one, "dedup: records")
    firsts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    rec = ex.map(records_write, plan, [(k, int(firsts[k])) for k in parts], "dedup: records")
    _consumed(plan, "rec-group")
    for name in ("clusters", "clustered_paragraphs", "cross_document_clusters", "fragments"):
        stats[name] = sum(r[name] for r in rec)
    dropped = sum(r["dropped"] for r in rec)
    ex.map(docs_clustered_map, plan, one, "dedup: document pairs")
    ex.map(docs_eligible, plan, one, "dedup: document pairs")
    _consumed(plan, "doc-clustered")
    ex.map(doc_pairs_map, plan, one, "dedup: document pairs")
    ex.map(doc_pairs_reduce, plan, one, "dedup: document pairs")
    _consumed(plan, "doc-pairs")
    pairs = ex.map(doc_best, plan, one, "dedup: document pairs")
    _consumed(plan, "doc-best")
    # At most two rows per document (the pairs reported): the driver orders them and keeps each once.
    cat = {k: np.concatenate([p[k] for p in pairs]) for k in pairs[0]}
    _, once = np.unique(cat["a"] * (1 << 32) + cat["b"], return_index=True)
    cat = {k: v[once] for k, v in cat.items()}
    docs = _Docs(plan)
    ka, kb = docs.many(cat["a"])[0], docs.many(cat["b"])[0]
    documents = [DocumentDuplicate((x, y), max(ca, cb), (ca, cb), sh)
                 for x, y, ca, cb, sh in zip(ka, kb, cat["cov_a"].tolist(), cat["cov_b"].tolist(),
                                             cat["shared"].tolist(), strict=True)]
    stats["dropped"] = dropped
    stats["document_duplicates"] = len(documents)
    lap("dedup_records_seconds")
    ordered = _local_order(stats, work, cfg)
    return DedupOutcome(stats=ordered, parts=[layout.path("duplicates", f"p{k:05d}.jsonl") for k in parts],
                        documents=documents, clusters=stats["clusters"],
                        cross_document_clusters=stats["cross_document_clusters"], dropped=dropped, rounds=rounds)


#: The local engine's ``finish`` stats, in its order. ``verified_pairs`` and ``verified_late`` count
#: verifications made (work, not results: the local engine's speculative chunks make some that the
#: components do not, and the other way round): engine fields, like timings.
_STATS_ORDER = ("documents", "paragraphs", "too_short", "python_normalized", "exact_duplicates", "exact_only",
                "minhash", "lsh_bands", "lsh_rows", "candidates", "verified_pairs", "verified_late",
                "fragment_queries", "fragment_candidates", "fragment_pairs", "merges", "merge_dropouts",
                "merges_refused", "moved", "recentered", "recenter_verified", "disk_bytes", "clusters",
                "clustered_paragraphs", "cross_document_clusters", "fragments", "dropped", "document_duplicates")
WORK_STATS = ("verified_pairs", "verified_late", "recenter_verified")


def _local_order(stats: dict[str, int], work: dict[str, int], cfg: Any) -> dict[str, int]:
    merged = {**stats, **work}
    return {k: merged[k] for k in _STATS_ORDER if k in merged}
