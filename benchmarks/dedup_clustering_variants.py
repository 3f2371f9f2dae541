"""Round 6 (issue 12): clustering variants scored at the cluster level on the dev labels only.

    python -m benchmarks.dedup_clustering_variants [--corpus-dir DIR] [--only NAME ...] [--diff] [--work]
                                                   [--json OUT]

Every variant keeps the guarantee of ``src/newsclean/dedup``: each member of a reported cluster is
verified (the same alignment rule) against the cluster's kept paragraph. They change only *which*
clusters are formed, after the greedy pass, by replacing stages of
:meth:`newsclean.dedup.index.NearDuplicateIndex.finish` from the outside (the names it imports are
patched for the duration of one run; nothing in ``src`` changes):

* ``merge``: what :func:`~newsclean.dedup.clusters.merge_clusters` does with a cluster whose members
  do not all verify against the new kept paragraph (``today``: those members drop out and regroup;
  ``whole``: the merge is refused), and the rule that a kept paragraph takes in at most one
  cluster of several (``several``: no such rule; ``several_if_whole``: more than one when every
  member verifies; ``span``: more than one when every member verifies and the part of the kept
  paragraph that the new cluster's kept paragraph covers overlaps each part already taken in by
  at least ``span`` of the shorter part: overlapping windows of one text, not two pieces of a
  compilation);
* ``order``: the order the merge candidates are applied in (``t``: keep order, today; ``bysize`` /
  ``bymax``: clusters of more members first; ``bywords``: larger parts first);
* ``refine``: :func:`~newsclean.dedup.clusters.refine_members` (``today``; ``none``; ``size``: to the
  candidate cluster of most members; ``pairs``: to the candidate cluster with whose members the
  paragraph verifies most often, at most 16 of them verified) and ``lone``: afterwards, members
  (``all``) or lone paragraphs (``lone``) may also move to a lone paragraph that covers them;
* ``recenter``: afterwards, a paragraph ``u`` of cluster ``S`` linked to a paragraph of another
  cluster ``T`` (an LSH slot, both directions; ``frag``: fragment candidates too) becomes the kept
  paragraph of ``S`` and ``T`` together when it covers every member of both (no member is left
  behind, so no pair that was together comes apart); not when ``S`` and ``T`` both have several
  members and one of them already took in a cluster of several; at most ``tries`` attempts per
  cluster (each ``|S| + |T|`` verifications: linear under syndication).

Round 7 put ``recenter: frag 16 tries + span`` into ``src`` as the default clustering, with one change
(a link is tried only when its ``u`` covers its other end, verified with all links in one pass:
:func:`newsclean.dedup.clusters.recenter_links`). So every variant here runs on the clustering before
round 7 (``DedupConfig`` with :data:`~newsclean.dedup.config.PREVIOUS_CLUSTERING`: one cluster of several
per kept paragraph, no recentering), and ``today`` is that clustering; the variant ``default`` runs
``src`` as it is, unpatched, with the default ``DedupConfig``.

Scores: round 2 dev (``pairs_r2.csv``, :func:`benchmarks.dedup_pairs_eval.evaluate`) and round 1 dev
topics (``hoax_dev_pairs.csv``); the sealed splits are never read. ``--diff`` lists, per variant, the
dev pairs it finds or loses and the non-copies it joins or separates against today's run; ``--work``
counts the verifications of a run of each corpus (today's stages, and what recentering adds).
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.dedup_accuracy import r1_pairs
from benchmarks.dedup_pairs_eval import (
    CORPUS_FILES,
    DEFAULT_CORPUS_DIR,
    clean_corpus,
    clusters_in_process,
    evaluate,
    score,
)
from newsclean.dedup import DedupConfig, jit
from newsclean.dedup import clusters as cl
from newsclean.dedup import index as ix
from newsclean.dedup import verify as vf
from newsclean.dedup.clusters import _Clusters, is_member, member_mask
from newsclean.dedup.config import PREVIOUS_CLUSTERING, with_defaults
from newsclean.dedup.verify import _cover, _scratch, needed

#: The variant that runs ``src`` unpatched with the default ``DedupConfig`` (round 7's clustering).
DEFAULT = "default"


@dataclass(frozen=True)
class Variant:
    name: str
    merge: str = "today"  # today | whole | whole_several | several | several_if_whole | span
    span: float = 0.5
    span_whole: bool = True  # span: more than one cluster of several only when every member verifies
    order: str = "t"  # t | bysize | bymax | bywords
    refine: str = "today"  # today | none | size | pairs
    lone: str = "off"  # off | all | lone
    lone_frag: bool = False
    recenter: str = "off"  # off | slots | frag
    recenter_self: bool = True  # u may be its cluster's kept paragraph (a plain merge) as well
    tries: int = 4
    passes: int = 1
    early: bool = False  # recenter before refine_members (and, with recenter, after it too)
    skip_lone_pairs: bool = False  # recenter: no link between two lone paragraphs


VARIANTS: list[Variant] = [
    Variant("today"),
    Variant(DEFAULT),
    Variant("merge: whole clusters only", merge="whole"),
    Variant("merge: whole, several allowed", merge="whole_several"),
    Variant("merge: several allowed", merge="several"),
    Variant("merge: several if whole", merge="several_if_whole"),
    Variant("merge: span 0.5", merge="span"),
    Variant("merge: span 0.5, not whole", merge="span", span_whole=False),
    Variant("merge order: by size", order="bysize"),
    Variant("merge order: by larger size", order="bymax"),
    Variant("merge order: by size, span 0.5", order="bysize", merge="span"),
    Variant("merge order: larger parts first", order="bywords"),
    Variant("refine: none", refine="none"),
    Variant("refine: by cluster size", refine="size"),
    Variant("refine: by verified pairs", refine="pairs"),
    Variant("lone targets", lone="all"),
    Variant("lone targets, fragment links", lone="all", lone_frag=True),
    Variant("lone targets, lone sources only", lone="lone", lone_frag=True),
    Variant("recenter: slots", recenter="slots"),
    Variant("recenter: slots + fragments", recenter="frag"),
    Variant("recenter: not a kept paragraph", recenter="slots", recenter_self=False),
    Variant("recenter: frag, not a kept one", recenter="frag", recenter_self=False),
    Variant("recenter: frag, 16 tries", recenter="frag", tries=16),
    Variant("recenter: frag + span 0.5", recenter="frag", merge="span"),
    Variant("recenter: frag 8 tries + span", recenter="frag", merge="span", tries=8),
    Variant("recenter: frag 16 tries + span", recenter="frag", merge="span", tries=16),
    Variant("recenter: slots 16 tries + span", recenter="slots", merge="span", tries=16),
    Variant("recenter: frag 1000 tries + span", recenter="frag", merge="span", tries=1000),
    Variant("recenter: frag 16 + span, no lone pairs", recenter="frag", merge="span", tries=16, skip_lone_pairs=True),
    Variant("recenter: frag 16 + span 0.2", recenter="frag", merge="span", span=0.2, tries=16),
    Variant("recenter: frag 16 + span, 2 passes", recenter="frag", merge="span", tries=16, passes=2),
    Variant("recenter: before refine, frag 16 + span", recenter="off", early=True, merge="span", tries=16),
    Variant("recenter: before+after, frag 16 + span", recenter="frag", early=True, merge="span", tries=16),
    Variant("recenter frag 16 + span + refine pairs", recenter="frag", merge="span", tries=16, refine="pairs"),
    Variant("recenter frag 16 + span + larger parts", recenter="frag", merge="span", tries=16, order="bywords"),
    Variant("recenter frag 16 + span + larger size", recenter="frag", merge="span", tries=16, order="bymax"),
]


# ----------------------------------------------------------------------------- pieces


def tile_span(a: np.ndarray, b: np.ndarray, run: int, long_run: int, long_share: float, gap: int
              ) -> tuple[int, int, int]:
    """``(covered, lo, hi)``: the alignment of ``a`` against ``b`` (in this order, no early stop)
    and the span of ``b`` its tiles lie in (0, 0 when none). Compiled kernel: its scratch ``used``
    marks the tiled words of ``b``; the span must be what ``src``'s
    :func:`newsclean.dedup.verify.tile_span` says (the span rule of merges), so it is checked."""
    head, nxt, used = _scratch(b.size)
    with jit.python_kernels(False):
        c = int(_cover(a, b, run, -1, long_run, needed(a.size, long_share), gap, head, nxt, used))
    hit = np.flatnonzero(used[: b.size])
    out = (c, int(hit[0]), int(hit[-1]) + 1) if hit.size else (c, 0, 0)
    if tuple(int(v) for v in vf.tile_span(a, b, run)) != out[1:]:
        raise AssertionError(f"src's tile_span differs: {vf.tile_span(a, b, run)} != {out[1:]}")
    return out


def _span(sets: Any, order: np.ndarray, src: int, dst: int) -> tuple[int, int]:
    _, lo, hi = tile_span(sets.words(int(order[src])), sets.words(int(order[dst])), sets.run, sets.long_run,
                          sets.long_share, sets.gap)
    return lo, hi


def merge_variant(v: Variant, center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                  cands: np.ndarray, sets: Any, *, threshold: float, min_ratio: float, stats: dict[str, int]
                  ) -> np.ndarray:
    """:func:`newsclean.dedup.clusters.merge_clusters` with the variant's merge rule and order; returns
    which kept paragraphs took in a cluster of several."""
    stats.setdefault("merges", 0)
    stats.setdefault("merge_dropouts", 0)
    stats.setdefault("merges_refused", 0)
    took = np.zeros(center.size, bool)
    if cands.size == 0:
        return took
    if v.order == "t":
        cands = cands[np.lexsort((cands[:, 1], cands[:, 0]))]
    else:
        sz = np.bincount(center, minlength=center.size)
        if v.order == "bysize":
            key = -np.minimum(sz[center[cands[:, 0]]], sz[center[cands[:, 1]]])
        elif v.order == "bymax":
            key = -np.maximum(sz[center[cands[:, 0]]], sz[center[cands[:, 1]]])
        else:
            key = -np.minimum(words[cands[:, 0]], words[center[cands[:, 1]]])
        cands = cands[np.lexsort((cands[:, 1], cands[:, 0], key))]
    clu = _Clusters(center)
    spans: dict[int, list[tuple[int, int]]] = {}

    def cover(xs: list[int], y: int) -> list[int]:
        return sets.cover(order[xs], np.full(len(xs), order[y])).tolist()

    def member(c: int, m: int, kept: int) -> bool:
        return bool(is_member(c, int(words[m]), int(words[kept]), threshold, min_ratio))

    for t, y in cands.tolist():
        if center[t] != t:
            continue
        x = int(center[y])
        if x == t:
            continue
        c = cover([t], x)[0]
        t_in_x, x_in_t = member(c, t, x), member(c, x, t)
        if t_in_x and x_in_t:
            src, dst = (x, t) if t < x else (t, x)
        elif t_in_x:
            src, dst = t, x
        elif x_in_t:
            src, dst = x, t
        else:
            continue
        moving = clu.members(src)
        got = dict(zip(moving, cover(moving, dst), strict=True))
        whole = all(member(got[m], m, dst) for m in moving)
        if v.merge in ("whole", "whole_several") and not whole:
            stats["merges_refused"] += 1
            continue
        if len(moving) > 1:
            if v.merge == "span":
                sp = _span(sets, order, src, dst)
                if took[dst]:
                    ok = whole or not v.span_whole
                    for lo, hi in spans.get(dst, []):
                        overlap = max(0, min(hi, sp[1]) - max(lo, sp[0])) / max(1, min(hi - lo, sp[1] - sp[0]))
                        ok = ok and overlap >= v.span
                    if not ok:
                        stats["merges_refused"] += 1
                        continue
                spans.setdefault(dst, []).append(sp)
            elif took[dst] and not (v.merge in ("several", "whole_several")
                                    or (v.merge == "several_if_whole" and whole)):
                stats["merges_refused"] += 1
                continue
            took[dst] = True
        left: list[int] = []
        for m in moving:
            if member(got[m], m, dst):
                clu.move(m, dst)
                score[m] = got[m] / max(int(words[m]), 1)
            else:
                left.append(m)
        stats["merges"] += 1
        while left:  # as today: members the new kept paragraph does not cover regroup around the first
            head, rest = left[0], left[1:]
            clu.move(head, head)
            center[head] = head
            clu.changed.setdefault(head, [head])
            score[head] = 1.0
            left = []
            for m, g in zip(rest, cover(rest, head) if rest else [], strict=True):
                if member(g, m, head):
                    clu.move(m, head)
                    score[m] = g / max(int(words[m]), 1)
                else:
                    left.append(m)
            stats["merge_dropouts"] += 1
    return took


def _edges(slots: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate links in both directions: LSH slots and ``extra`` (fragment, container) pairs."""
    xi, si = np.nonzero(slots >= 0)
    q = slots[xi, si].astype(np.int64)
    ea = np.concatenate((xi, q, extra[:, 0], extra[:, 1]))
    eb = np.concatenate((q, xi, extra[:, 1], extra[:, 0]))
    return ea.astype(np.int64), eb.astype(np.int64)


def refine_variant(v: Variant, center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                   slots: np.ndarray, sets: Any, *, threshold: float, min_ratio: float, stats: dict[str, int]) -> None:
    """``refine: size | pairs``: the candidate moves of today's refine, decided otherwise."""
    n = center.size
    stats.setdefault("moved", 0)
    sizes = np.bincount(center, minlength=n)
    none = np.zeros(0, np.int64)
    count = cl._refine_pairs(slots, center, sizes, score, words, none, none)
    if count == 0:
        return
    src, dst = np.empty(count, np.int64), np.empty(count, np.int64)
    cl._refine_pairs(slots, center, sizes, score, words, src, dst)
    code = np.unique(src * (1 << 32) + dst)
    src, dst = code >> 32, code & 0xFFFFFFFF
    cov = sets.cover(order[src], order[dst])
    ok = member_mask(cov, words[src], words[dst], threshold, min_ratio)
    src, dst, cov = src[ok], dst[ok], cov[ok]
    pref = cov / np.maximum(words[src], words[dst])
    by: dict[int, list[tuple[int, int, float]]] = {}
    for s, d, c, p in zip(src.tolist(), dst.tolist(), cov.tolist(), pref.tolist(), strict=True):
        by.setdefault(s, []).append((d, c, p))
    clu = _Clusters(center.copy())  # the clusters before any move: the moves do not depend on each other

    def mutual(x: int, ys: list[int]) -> int:
        ys = [y for y in ys if y != x][:16]
        if not ys:
            return 0
        got = sets.cover(order[np.full(len(ys), x)], order[ys]).tolist()
        return sum(1 for y, g in zip(ys, got, strict=True)
                   if is_member(g, int(words[x]), int(words[y]), threshold, min_ratio)
                   or is_member(g, int(words[y]), int(words[x]), threshold, min_ratio))

    for s in sorted(by):
        cur = int(center[s])
        now = score[s] * words[s] / max(words[s], words[cur]) if cur != s else -1.0
        if v.refine == "size":
            mates = sizes[cur] - 1 if cur != s else 0
            k, p, d, c = max((int(sizes[d]), p, -d, c) for d, c, p in by[s])
            d = -d
            if k > mates or (k == mates and p > now + 1e-9):
                center[s], score[s] = d, c / words[s]
                stats["moved"] += 1
            continue
        n_cur = mutual(s, clu.members(cur)) if cur != s else 0
        best = max(((mutual(s, clu.members(d)), p, -d, c) for d, c, p in by[s]))
        k, p, d, c = best[0], best[1], -best[2], best[3]
        if k > n_cur or (k == n_cur and p > now + 1e-9):
            center[s], score[s] = d, c / words[s]
            stats["moved"] += 1


def refine_lone(v: Variant, center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                slots: np.ndarray, extra: np.ndarray, sets: Any, *, threshold: float, min_ratio: float,
                stats: dict[str, int]) -> None:
    """``lone``: a member (``all``) or a lone paragraph (``lone``) moves to a lone paragraph that
    covers it better than its kept paragraph does; decided in keep order, a lone paragraph that
    received a member stays."""
    n = center.size
    stats.setdefault("moved_lone", 0)
    ea, eb = _edges(slots, extra)
    sizes = np.bincount(center, minlength=n)
    is_center = center == np.arange(n)
    movable = is_center & (sizes == 1) if v.lone == "lone" else ~(is_center & (sizes > 1))
    t = center[eb]
    ok = movable[ea] & (t != center[ea]) & (t != ea)
    code = np.unique(ea[ok] * (1 << 32) + t[ok])
    src, dst = code >> 32, code & 0xFFFFFFFF
    if src.size == 0:
        return
    cov = sets.cover(order[src], order[dst])
    good = member_mask(cov, words[src], words[dst], threshold, min_ratio)
    src, dst, cov = src[good], dst[good], cov[good]
    pref = cov / np.maximum(words[src], words[dst])
    best = np.lexsort((dst, -pref, src))
    opts: dict[int, list[tuple[int, int, float]]] = {}
    for s, d, c, p in zip(src[best].tolist(), dst[best].tolist(), cov[best].tolist(), pref[best].tolist(),
                          strict=True):
        opts.setdefault(s, []).append((d, c, p))
    has_members = sizes > 1
    for s in sorted(opts):
        if center[s] == s and has_members[s]:
            continue
        now = score[s] * words[s] / max(words[s], words[center[s]]) if center[s] != s else -1.0
        for d, c, p in opts[s]:
            if p <= now + 1e-9:
                break
            if center[d] != d:
                continue
            center[s], score[s] = d, c / words[s]
            has_members[d] = True
            stats["moved_lone"] += 1
            break


def recenter(v: Variant, center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
             slots: np.ndarray, extra: np.ndarray, took: np.ndarray, sets: Any, *, threshold: float,
             min_ratio: float, stats: dict[str, int]) -> None:
    """``recenter``: see the module docstring. Links are tried in keep order of ``(u, v)``."""
    n = center.size
    stats.setdefault("recentered", 0)
    stats.setdefault("recenter_verified", 0)
    if n < 2:
        return
    ea, eb = _edges(slots, extra)
    keep = center[ea] != center[eb]
    code = np.unique(ea[keep] * (1 << 32) + eb[keep])
    clu = _Clusters(center)
    tries = np.zeros(n, np.int64)
    for u, w in zip((code >> 32).tolist(), (code & 0xFFFFFFFF).tolist(), strict=True):
        su, tw = int(center[u]), int(center[w])
        if su == tw or (not v.recenter_self and u == su):
            continue
        s_members, t_members = clu.members(su), clu.members(tw)
        if len(s_members) > 1 and len(t_members) > 1 and (took[su] or took[tw]):
            continue  # as merges: a kept paragraph takes in at most one cluster of several
        if v.skip_lone_pairs and len(s_members) == 1 and len(t_members) == 1:
            continue  # two lone paragraphs: the greedy pass verified them against each other already
        if tries[su] >= v.tries:
            continue
        tries[su] += 1
        # The two kept paragraphs first (u must cover them, and one failing is the common case),
        # then every other member.
        first = [tw] if u == su else [su, tw]
        rest = [m for m in s_members + t_members if m != u and m not in first]
        others = first + rest
        got: list[int] = []
        for part in (first, rest):
            if not part:
                continue
            c = sets.cover(order[part], np.full(len(part), order[u])).tolist()
            stats["recenter_verified"] += len(part)
            got += c
            if not all(is_member(g, int(words[m]), int(words[u]), threshold, min_ratio)
                       for m, g in zip(part, c, strict=True)):
                break
        if len(got) < len(others) or not all(is_member(g, int(words[m]), int(words[u]), threshold, min_ratio)
                                             for m, g in zip(others, got, strict=True)):
            continue
        for m, g in zip(others, got, strict=True):
            clu.move(m, u)
            score[m] = g / max(int(words[m]), 1)
        clu.move(u, u)
        center[u] = u
        score[u] = 1.0
        clu.changed.setdefault(u, [u])
        took[u] = took[su] or took[tw] or (len(s_members) > 1 and len(t_members) > 1)
        tries[u] = max(tries[u], tries[su])
        stats["recentered"] += 1


@contextlib.contextmanager
def patched(v: Variant) -> Iterator[dict[str, Any]]:
    """Run :class:`NearDuplicateIndex` with variant ``v`` in place of its merge and refine stages."""
    state: dict[str, Any] = {}
    orig = {k: getattr(ix, k) for k in ("fragment_candidates", "merge_clusters", "refine_members")}

    def fragment_candidates(*args: Any, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
        frag, cont = orig["fragment_candidates"](*args, **kw)
        state["extra"] = np.stack([frag, cont], axis=1).astype(np.int64) if frag.size else np.zeros((0, 2), np.int64)
        return frag, cont

    def merge_clusters(*args: Any, span: float | None = None, **kw: Any) -> np.ndarray:
        if span is not None:
            raise ValueError("the variants run on the previous clustering (merge_span None)")
        state["took"] = merge_variant(v, *args, **kw)
        return state["took"].copy()

    def refine_members(center: np.ndarray, score: np.ndarray, words: np.ndarray, order: np.ndarray,
                       slots: np.ndarray, sets: Any, **kw: Any) -> None:
        took = state.pop("took", np.zeros(center.size, bool))
        extra = state.pop("extra", np.zeros((0, 2), np.int64))
        frag_extra = extra if v.recenter == "frag" or v.early else np.zeros((0, 2), np.int64)
        if v.early:
            recenter(v, center, score, words, order, slots, frag_extra, took, sets, **kw)
        if v.refine == "today":
            orig["refine_members"](center, score, words, order, slots, sets, **kw)
        elif v.refine in ("size", "pairs"):
            refine_variant(v, center, score, words, order, slots, sets, **kw)
        if v.lone != "off":
            refine_lone(v, center, score, words, order, slots, extra if v.lone_frag else np.zeros((0, 2), np.int64),
                        sets, **kw)
        if v.recenter != "off":
            for _ in range(v.passes):
                recenter(v, center, score, words, order, slots, frag_extra, took, sets, **kw)

    ix.fragment_candidates, ix.merge_clusters, ix.refine_members = fragment_candidates, merge_clusters, refine_members
    try:
        yield state
    finally:
        for k, f in orig.items():
            setattr(ix, k, f)


# ----------------------------------------------------------------------------- scoring


def _key(p: Any) -> str:
    return f"{p.a[0]}:{p.a[1]}~{p.b[0]}:{p.b[1]}"


def config_of(v: Variant, cfg: DedupConfig | None = None) -> DedupConfig:
    """The configuration variant ``v`` runs with: ``cfg`` (or the defaults) as it is for ``default``,
    with the previous clustering for the others."""
    cfg = cfg or DedupConfig()
    return cfg if v.name == DEFAULT else with_defaults(cfg, **PREVIOUS_CLUSTERING)


@contextlib.contextmanager
def running(v: Variant) -> Iterator[dict[str, Any]]:
    """:func:`patched` for a variant, nothing for ``default`` (``src`` as it is)."""
    if v.name == DEFAULT:
        yield {}
    else:
        with patched(v) as state:
            yield state


def dev_figures(v: Variant, corpus_dir: Path, cfg: DedupConfig | None = None) -> dict[str, Any]:
    """Round-2 dev and round-1 dev figures of variant ``v`` (never a sealed split), with the dev
    pairs it misses and the non-copies it joins."""
    cfg = config_of(v, cfg)
    with running(v):
        r2 = evaluate(cfg, splits=("dev",), corpus_dir=corpus_dir)["splits"]["dev"]
        where, _, _ = clusters_in_process(corpus_dir / CORPUS_FILES["hoax"], cfg)
    pairs = r1_pairs("dev")
    r1 = score(pairs, where)

    def together(p: Any) -> bool:
        return p.a in where and where.get(p.a) == where.get(p.b)

    missed = {f"{r[0]}:{r[1]}~{r[2]}:{r[3]}" for r in r2["missed_pairs"]}
    missed |= {"r1 " + _key(p) for p in pairs if p.label == 1 and not together(p)}
    joined = {f"{r[0]}:{r[1]}~{r[2]}:{r[3]}" for r in r2["false_positive_pairs"]}
    joined |= {"r1 " + _key(p) for p in pairs if p.label == 0 and together(p)}
    return {"variant": asdict(v), "r2": r2["all"], "r1": r1, "missed": sorted(missed), "joined": sorted(joined)}


def work(v: Variant, corpus_dir: Path, cfg: DedupConfig | None = None) -> dict[str, dict[str, int]]:
    """Verifications of one run per corpus: today's stages (``verified_pairs``) and what the
    variant's recentering adds (``extra``)."""
    cfg = config_of(v, cfg)
    out: dict[str, dict[str, int]] = {}
    for corpus, name in CORPUS_FILES.items():
        index = ix.NearDuplicateIndex(cfg)
        for doc_id, paras, date, outlet in clean_corpus(corpus_dir / name).docs:
            index.add_document(doc_id, paras, date=date, outlet=outlet)
        with running(v):
            st = index.finish().stats
        # src counts recentering's verifications in verified_pairs (recenter_verified of them).
        extra = int(st.get("recenter_verified", 0))
        out[corpus] = {"verified_pairs": int(st["verified_pairs"]) - (extra if v.name == DEFAULT else 0),
                       "extra": extra}
    return out


def line(f: dict[str, Any]) -> str:
    r, o = f["r2"], f["r1"]
    lo, hi = r["recall_ci95"]
    r2 = (f"r2 {r['recall']:.3f} [{lo:.3f}, {hi:.3f}] ({r['copies'] - r['missed']}/{r['copies']}) "
          f"FPR {r['fpr']:.3f} ({r['false_positives']}/{r['not_copies']})")
    r1 = (f"r1 {o['recall']:.3f} ({o['copies'] - o['missed']}/{o['copies']}) "
          f"FPR {o['fpr']:.3f} ({o['false_positives']}/{o['not_copies']})")
    work = "".join(f" | {c}: verified {w['verified_pairs']} +{w['extra']}" for c, w in f.get("work", {}).items())
    return f"{f['variant']['name']:44} {r2} | {r1}{work}"


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--only", nargs="*", default=None, help="variant names (default: all)")
    ap.add_argument("--diff", action="store_true", help="dev pairs found / lost / joined / separated against today")
    ap.add_argument("--work", action="store_true", help="also count each variant's verifications (one more run)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    chosen = [v for v in VARIANTS if args.only is None or v.name in args.only or v.name == "today"]
    out: list[dict[str, Any]] = []
    base: dict[str, Any] | None = None
    for v in chosen:
        f = dev_figures(v, args.corpus_dir)
        if args.work:
            f["work"] = work(v, args.corpus_dir)
        out.append(f)
        print(line(f), flush=True)
        if v.name == "today":
            base = f
        elif args.diff and base is not None:
            for tag, xs in (("+found", set(base["missed"]) - set(f["missed"])),
                            ("-lost", set(f["missed"]) - set(base["missed"])),
                            ("+joined non-copy", set(f["joined"]) - set(base["joined"])),
                            ("-joined non-copy", set(base["joined"]) - set(f["joined"]))):
                for x in sorted(xs):
                    print(f"    {tag} {x}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
