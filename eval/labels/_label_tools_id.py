#!/usr/bin/env python3
"""Helper tools for the Indonesian boilerplate labels (eval/labels/id_news_dev.jsonl).

Independent of newsclean's rules: nothing here imports src/newsclean.

Usage:
  python eval/labels/_label_tools_id.py sample            # print the 105-article sample (order, split)
  python eval/labels/_label_tools_id.py show ID [ID...]   # print an article's lines with offsets
  python eval/labels/_label_tools_id.py verify            # check label file integrity
  python eval/labels/_label_tools_id.py review [OUTLET]   # verify + print every labelled span
  python eval/labels/_label_tools_id.py stats             # counts per outlet / split
"""
import hashlib
import json
import random
import sys
from collections import Counter, OrderedDict, defaultdict
from pathlib import Path
from urllib.parse import urlparse

CORPUS = Path("/work/shared/corpus/id_news_dev.jsonl")
HERE = Path(__file__).resolve().parent
LABELS = HERE / "id_news_dev.jsonl"
SEED = 20261122
PER_OUTLET = 15


def load_corpus(path=CORPUS):
    rows = OrderedDict()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    return rows


def section(url):
    """URL section: host without 'www.' plus the first path segment unless it
    is a generic one ('read', a year, an id)."""
    u = urlparse(url)
    host = u.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    segs = [s for s in u.path.split("/") if s]
    first = segs[0] if segs else ""
    if first in ("read",) or first.isdigit():
        first = ""
    return host + "/" + first


def pick_sample(rows):
    """Deterministic sample: for each outlet (sorted by name), candidates are the
    articles with non-empty text sorted by id, shuffled with one shared
    random.Random(SEED); then picked in shuffled order, taking at most one
    article per URL section per round (round 1: one per section, round 2: a
    second per section, ...) until 15 are chosen. Sample order = pick order.
    Split: every third article of each outlet (positions 3, 6, 9, 12, 15) is
    'test', the rest 'dev'."""
    rng = random.Random(SEED)
    by_outlet = defaultdict(list)
    for r in rows.values():
        if r["text"].strip():
            by_outlet[r["outlet"]].append(r)
    out = []
    for outlet in sorted(by_outlet):
        cands = sorted(by_outlet[outlet], key=lambda r: r["id"])
        rng.shuffle(cands)
        chosen, used = [], Counter()
        rnd = 1
        while len(chosen) < PER_OUTLET:
            for r in cands:
                if len(chosen) >= PER_OUTLET:
                    break
                if r in chosen:
                    continue
                s = section(r["url"])
                if used[s] < rnd:
                    chosen.append(r)
                    used[s] += 1
            rnd += 1
        for i, r in enumerate(chosen):
            out.append((r, "test" if i % 3 == 2 else "dev"))
    return out


def line_table(text):
    """[(lineno, start, end)] with end exclusive and excluding the '\\n'."""
    res, pos = [], 0
    for i, ln in enumerate(text.split("\n")):
        res.append((i, pos, pos + len(ln)))
        pos += len(ln) + 1
    return res


def show(r):
    print("=" * 100)
    print(r["id"], r["outlet"], r["url"])
    print("TITLE:", r["title"], "| AUTHOR:", r["author"], "| DATE:", r["date"])
    for i, s, e in line_table(r["text"]):
        print(f"{i:3d} [{s:5d},{e:5d}) {r['text'][s:e]!r}")


def load_labels(path=LABELS):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip()]


def verify(rows, labels, quiet=False):
    errors, warnings = [], []
    seen = set()
    for lab in labels:
        aid = lab["id"]
        if aid in seen:
            errors.append(f"{aid}: duplicate")
        seen.add(aid)
        if lab.get("corpus") != "id_news_dev":
            errors.append(f"{aid}: bad corpus")
        if aid not in rows:
            errors.append(f"{aid}: not in corpus")
            continue
        text = rows[aid]["text"]
        sha = hashlib.sha1(text.encode("utf-8")).hexdigest()
        if sha != lab["text_sha1"]:
            errors.append(f"{aid}: sha1 mismatch")
        if lab["outlet"] != rows[aid]["outlet"]:
            errors.append(f"{aid}: outlet mismatch")
        if lab["split"] not in ("dev", "test"):
            errors.append(f"{aid}: bad split")
        allspans = []
        for kind in ("remove", "ambiguous"):
            prev = -1
            for sp in lab[kind]:
                s, e = sp
                if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                    errors.append(f"{aid}: {kind} span out of range {sp}")
                if s < prev:
                    errors.append(f"{aid}: {kind} spans unsorted/overlapping at {sp}")
                prev = e
                allspans.append((s, e, kind))
                # whole tokens: a boundary inside an alphanumeric run is only
                # allowed where HTML stripping glued two elements together
                # (GUIDELINES rule 5) -> reported as a warning to check by hand
                if 0 <= s < len(text) and s > 0 and text[s - 1].isalnum() and text[s].isalnum():
                    warnings.append(f"{aid}: {kind} span {sp} starts inside glued token {text[max(0, s - 12):s + 12]!r}")
                if 0 < e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
                    warnings.append(f"{aid}: {kind} span {sp} ends inside glued token {text[max(0, e - 12):e + 12]!r}")
        allspans.sort()
        for a, b in zip(allspans, allspans[1:]):
            if b[0] < a[1]:
                errors.append(f"{aid}: {a[2]} {a[:2]} overlaps {b[2]} {b[:2]}")
    # sample consistency
    sample = pick_sample(rows)
    want = {r["id"]: (r["outlet"], sp) for r, sp in sample}
    got = {l["id"]: (l["outlet"], l["split"]) for l in labels}
    if want != got:
        errors.append(f"label ids/splits differ from pick_sample(): missing={sorted(set(want)-set(got))[:5]} extra={sorted(set(got)-set(want))[:5]}")
    if not quiet:
        print(f"{len(labels)} labelled articles, {len(errors)} errors, {len(warnings)} warnings")
        for w in warnings:
            print("WARN ", w)
        for e in errors:
            print("ERROR", e)
    return errors


def review(rows, labels, outlet=None):
    for lab in labels:
        if outlet and lab["outlet"] != outlet:
            continue
        text = rows[lab["id"]]["text"]
        print("=" * 90)
        print(lab["id"], lab["outlet"], lab["split"], len(text), "chars")
        for kind in ("remove", "ambiguous"):
            for s, e in lab[kind]:
                print(f"  {kind[:3].upper()} [{s},{e}) {text[s:e]!r}")


def stats(rows, labels):
    agg = defaultdict(Counter)
    for lab in labels:
        for key in (lab["outlet"], "ALL", "split:" + lab["split"], lab["outlet"] + "/" + lab["split"]):
            c = agg[key]
            c["articles"] += 1
            c["remove_spans"] += len(lab["remove"])
            c["amb_spans"] += len(lab["ambiguous"])
            c["remove_chars"] += sum(e - s for s, e in lab["remove"])
            c["amb_chars"] += sum(e - s for s, e in lab["ambiguous"])
            c["text_chars"] += len(rows[lab["id"]]["text"])
    for k in sorted(agg):
        print(k, dict(agg[k]))


def main(argv):
    rows = load_corpus()
    cmd = argv[1] if len(argv) > 1 else "verify"
    if cmd == "sample":
        for r, sp in pick_sample(rows):
            print(r["id"], r["outlet"], sp, section(r["url"]), len(r["text"]))
    elif cmd == "show":
        for aid in argv[2:]:
            show(rows[aid])
    elif cmd == "verify":
        sys.exit(1 if verify(rows, load_labels()) else 0)
    elif cmd == "review":
        labels = load_labels()
        verify(rows, labels)
        review(rows, labels, argv[2] if len(argv) > 2 else None)
    elif cmd == "stats":
        stats(rows, load_labels())
    else:
        print(__doc__)


if __name__ == "__main__":
    main(sys.argv)
