#!/usr/bin/env python3
"""Helper tools for the Indonesian boilerplate labels (eval/labels/id_news_dev.jsonl,
eval/labels/hoax_dev.jsonl).

Independent of newsclean's rules: nothing here imports src/newsclean.

Usage:
  python eval/labels/_label_tools_id.py sample            # round 1: the 105-article id_news_dev sample
  python eval/labels/_label_tools_id.py sample2           # round 2: id_news_dev (7/outlet) + hoax_dev (1/site)
  python eval/labels/_label_tools_id.py show ID [ID...]   # print an article's lines with offsets
  python eval/labels/_label_tools_id.py verify            # check both label files
  python eval/labels/_label_tools_id.py review [OUTLET]   # verify + print every labelled span
  python eval/labels/_label_tools_id.py stats             # counts per outlet / split / round / kind
"""
import hashlib
import json
import random
import sys
from collections import Counter, OrderedDict, defaultdict
from pathlib import Path
from urllib.parse import urlparse

CORPUS_DIR = Path("/work/shared/corpus")
CORPUS = CORPUS_DIR / "id_news_dev.jsonl"
HOAX_CORPUS = CORPUS_DIR / "hoax_dev.jsonl"
HERE = Path(__file__).resolve().parent
LABELS = HERE / "id_news_dev.jsonl"
HOAX_LABELS = HERE / "hoax_dev.jsonl"
SEED = 20261122
PER_OUTLET = 15

# Round 2 (issue 13): more outlets/sites, split by outlet (GUIDELINES.md section 8).
SEED_R2 = 20261204
PER_OUTLET_R2 = 7  # id_news_dev: 7 more per outlet, URL sections not used in round 1 first
HOAX_SITES_R2 = 60  # hoax_dev: one page from each of 60 different sites
SEAL_SALT = "newsclean-sealed-v1:"
SEAL_PERCENT = 30  # about 30 % of the unseen hoax_dev sites are sealed (whole sites)
#: outlets the rule writers have seen (round-1 corpus): never sealed
SEEN_OUTLETS = frozenset({"detik.com", "kompas.com", "liputan6.com", "okezone.com",
                          "sindonews.com", "tempo.co", "tribunnews.com"})
#: short codes for the `kinds` / `amb_kinds` notes (one per span; merged spans join codes with "+")
KINDS = {
    "dateline": "outlet/city prefix at the start of the body",
    "byline": "author/reporter/editor/timestamp line or trailer, reporter initials",
    "photo": "photo/image/agency credit (alone or glued to a caption)",
    "caption": "image caption (ambiguous only)",
    "related": "related-article promo, marked or an unmarked headline list",
    "video": "video embed promo, playlist titles",
    "channel": "channel/app/social/newsletter/subscription prompt",
    "share": "share bar and social button remnants, short-link lines",
    "widget": "site widget text (weather, sign-in, loading, rating, poll, counters)",
    "comments": "comment-system notice",
    "tags": "tag/keyword list",
    "echo": "headline echo",
    "ad": "ad/layout marker",
    "disclaimer": "outlet-standard disclaimer",
    "source": "source/copyright/republication line",
    "nav": "breadcrumbs, menus, category labels, pagination",
    "sep": "separator or whitespace-only line",
    "spam": "gambling/SEO spam or unrelated injected text",
    "promo": "outlet self-promotion, events, cross-promo closers",
    "bio": "author bio / contributor line",
}


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


def seal_bucket(outlet):
    """0..99 from sha1 of the salted outlet name: stable, independent of sampling."""
    return int(hashlib.sha1((SEAL_SALT + outlet).encode("utf-8")).hexdigest()[:8], 16) % 100


def split_r2(outlet):
    """Round-2 split, by whole outlet: seen outlets are always 'dev'; an unseen
    site is 'sealed' when seal_bucket(site) < SEAL_PERCENT."""
    if outlet in SEEN_OUTLETS:
        return "dev"
    return "sealed" if seal_bucket(outlet) < SEAL_PERCENT else "dev"


def pick_sample_r2(rows):
    """Round 2 for id_news_dev: per outlet (sorted by name) the non-empty
    articles not in round 1, sorted by id, shuffled with one shared
    random.Random(SEED_R2); picked in shuffled order, at most one per URL section
    per round, where the section counters start from the round-1 counts (so
    sections round 1 did not cover come first), until PER_OUTLET_R2."""
    r1 = pick_sample(rows)
    r1_ids = {r["id"] for r, _ in r1}
    r1_used = defaultdict(Counter)
    for r, _ in r1:
        r1_used[r["outlet"]][section(r["url"])] += 1
    rng = random.Random(SEED_R2)
    by_outlet = defaultdict(list)
    for r in rows.values():
        if r["text"].strip() and r["id"] not in r1_ids:
            by_outlet[r["outlet"]].append(r)
    out = []
    for outlet in sorted(by_outlet):
        cands = sorted(by_outlet[outlet], key=lambda r: r["id"])
        rng.shuffle(cands)
        chosen, used = [], Counter(r1_used[outlet])
        rnd = 1
        while len(chosen) < PER_OUTLET_R2:
            for r in cands:
                if len(chosen) >= PER_OUTLET_R2:
                    break
                if r in chosen:
                    continue
                s = section(r["url"])
                if used[s] < rnd:
                    chosen.append(r)
                    used[s] += 1
            rnd += 1
        out.extend((r, split_r2(outlet)) for r in chosen)
    return out


def pick_sample_hoax(hrows):
    """Round 2 for hoax_dev: sites = distinct non-null `outlet` values with a
    non-empty page, sorted by name and shuffled with random.Random(SEED_R2);
    for each site in that order one page is drawn with the same generator from
    its pages sorted by id; the first HOAX_SITES_R2 sites are taken (one page
    per site, so every page is a different site)."""
    rng = random.Random(SEED_R2)
    by_site = defaultdict(list)
    for r in hrows.values():
        if r.get("outlet") and r["text"].strip():
            by_site[r["outlet"]].append(r)
    sites = sorted(by_site)
    rng.shuffle(sites)
    out = []
    for site in sites[:HOAX_SITES_R2]:
        r = rng.choice(sorted(by_site[site], key=lambda x: x["id"]))
        out.append((r, split_r2(site)))
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
    print("TITLE:", r.get("title"), "| AUTHOR:", r.get("author"), "| DATE:", r.get("date"),
          "| TOPIC:", r.get("topic_keywords"))
    for i, s, e in line_table(r["text"]):
        print(f"{i:3d} [{s:5d},{e:5d}) {r['text'][s:e]!r}")


def load_labels(path=LABELS):
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip()]


def check_row(text, lab, errors, warnings):
    """Offsets, order, merge and boundary conventions of one labelled row."""
    aid = lab["id"]
    allspans = []
    for kind in ("remove", "ambiguous"):
        prev = -1
        for sp in lab[kind]:
            s, e = sp
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                errors.append(f"{aid}: {kind} span out of range {sp}")
                continue
            if s < prev:
                errors.append(f"{aid}: {kind} spans unsorted/overlapping at {sp}")
            if kind == "remove" and s == prev:
                errors.append(f"{aid}: adjacent remove spans not merged at {sp}")
            prev = e
            allspans.append((s, e, kind))
            # whole tokens: a boundary inside an alphanumeric run is only
            # allowed where HTML stripping glued two elements together
            # (GUIDELINES rule 5) -> reported as a warning to check by hand
            if s > 0 and text[s - 1].isalnum() and text[s].isalnum():
                warnings.append(f"{aid}: {kind} span {sp} starts inside glued token {text[max(0, s - 12):s + 12]!r}")
            if e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
                warnings.append(f"{aid}: {kind} span {sp} ends inside glued token {text[max(0, e - 12):e + 12]!r}")
            if lab.get("round", 1) >= 2:
                # rule 1: a span from a line start to a line end takes the "\n";
                # a span that takes a "\n" starts at a line start
                at_line_start = s == 0 or text[s - 1] == "\n"
                if at_line_start and e < len(text) and text[e] == "\n" and text[e - 1] != "\n":
                    errors.append(f"{aid}: whole-line {kind} span {sp} without its trailing newline")
                if text[e - 1] == "\n" and not at_line_start:
                    errors.append(f"{aid}: {kind} span {sp} takes a newline but starts mid-line")
    allspans.sort()
    for a, b in zip(allspans, allspans[1:]):
        if b[0] < a[1]:
            errors.append(f"{aid}: {a[2]} {a[:2]} overlaps {b[2]} {b[:2]}")
    for kind, notes in (("remove", "kinds"), ("ambiguous", "amb_kinds")):
        if notes in lab:
            if len(lab[notes]) != len(lab[kind]):
                errors.append(f"{aid}: {notes} has {len(lab[notes])} entries for {len(lab[kind])} spans")
            for k in lab[notes]:
                for part in k.split("+"):
                    if part not in KINDS:
                        errors.append(f"{aid}: unknown kind {part!r}")
        elif lab.get("round", 1) >= 2:
            errors.append(f"{aid}: round-2 row without {notes}")


def verify(rows, labels, quiet=False, hrows=None, hlabels=()):
    """Both label files: integrity of every row, and sample/split consistency
    (round 1 == pick_sample(); round-2 rows are a subset of pick_sample_r2() /
    pick_sample_hoax() with the split those give)."""
    errors, warnings = [], []
    plan_r2 = {r["id"]: (r["outlet"], sp) for r, sp in pick_sample_r2(rows)}
    plan_hoax = {r["id"]: (r["outlet"], sp) for r, sp in pick_sample_hoax(hrows)} if hrows else {}
    for corpus, crows, labs, plan in (("id_news_dev", rows, labels, plan_r2),
                                      ("hoax_dev", hrows or {}, hlabels, plan_hoax)):
        seen = set()
        for lab in labs:
            aid = lab["id"]
            if aid in seen:
                errors.append(f"{aid}: duplicate")
            seen.add(aid)
            if lab.get("corpus") != corpus:
                errors.append(f"{aid}: bad corpus")
            if aid not in crows:
                errors.append(f"{aid}: not in corpus")
                continue
            text = crows[aid]["text"]
            sha = hashlib.sha1(text.encode("utf-8")).hexdigest()
            if sha != lab["text_sha1"]:
                errors.append(f"{aid}: sha1 mismatch")
            if lab["outlet"] != crows[aid]["outlet"]:
                errors.append(f"{aid}: outlet mismatch")
            rnd = lab.get("round", 1)
            if rnd == 1:
                if lab["split"] not in ("dev", "test") or corpus != "id_news_dev":
                    errors.append(f"{aid}: bad round-1 row")
            elif rnd == 2:
                if aid not in plan:
                    errors.append(f"{aid}: round-2 row not in the round-2 sample")
                elif plan[aid] != (lab["outlet"], lab["split"]):
                    errors.append(f"{aid}: split {lab['split']} != planned {plan[aid][1]}")
            else:
                errors.append(f"{aid}: bad round {rnd}")
            check_row(text, lab, errors, warnings)
    # round-1 sample consistency
    sample = pick_sample(rows)
    want = {r["id"]: (r["outlet"], sp) for r, sp in sample}
    got = {l["id"]: (l["outlet"], l["split"]) for l in labels if l.get("round", 1) == 1}
    if want != got:
        errors.append(f"label ids/splits differ from pick_sample(): missing={sorted(set(want)-set(got))[:5]} extra={sorted(set(got)-set(want))[:5]}")
    if not quiet:
        n = len(labels) + len(hlabels)
        print(f"{n} labelled articles, {len(errors)} errors, {len(warnings)} warnings")
        for w in warnings:
            print("WARN ", w)
        for e in errors:
            print("ERROR", e)
    return errors


def review(rows, labels, outlet=None, only_round=None):
    for lab in labels:
        if outlet and lab["outlet"] != outlet:
            continue
        if only_round and lab.get("round", 1) != only_round:
            continue
        text = rows[lab["id"]]["text"]
        print("=" * 90)
        print(lab["id"], lab["outlet"], lab["split"], "round", lab.get("round", 1), len(text), "chars")
        for kind, notes in (("remove", "kinds"), ("ambiguous", "amb_kinds")):
            for i, (s, e) in enumerate(lab[kind]):
                k = lab[notes][i] if notes in lab else ""
                print(f"  {kind[:3].upper()} {k:>10} [{s},{e}) {text[s:e]!r}")


def stats(rows, labels):
    agg = defaultdict(Counter)
    kinds = Counter()
    for lab in labels:
        rnd = "r%d" % lab.get("round", 1)
        for key in (lab["outlet"], "ALL", "split:" + lab["split"], lab["outlet"] + "/" + lab["split"],
                    rnd, rnd + "/" + lab["split"]):
            c = agg[key]
            c["articles"] += 1
            c["remove_spans"] += len(lab["remove"])
            c["amb_spans"] += len(lab["ambiguous"])
            c["remove_chars"] += sum(e - s for s, e in lab["remove"])
            c["amb_chars"] += sum(e - s for s, e in lab["ambiguous"])
            c["text_chars"] += len(rows[lab["id"]]["text"])
        for k in lab.get("kinds", []):
            for part in k.split("+"):
                kinds[part] += 1
    for k in sorted(agg):
        print(k, dict(agg[k]))
    if kinds:
        print("round-2 remove spans by kind:", dict(kinds.most_common()))


def main(argv):
    rows = load_corpus()
    hrows = load_corpus(HOAX_CORPUS)
    cmd = argv[1] if len(argv) > 1 else "verify"
    if cmd == "sample":
        for r, sp in pick_sample(rows):
            print(r["id"], r["outlet"], sp, section(r["url"]), len(r["text"]))
    elif cmd == "sample2":
        for r, sp in pick_sample_r2(rows) + pick_sample_hoax(hrows):
            print(r["id"], r["outlet"], sp, section(r["url"] or ""), len(r["text"]))
    elif cmd == "show":
        for aid in argv[2:]:
            show(rows[aid] if aid in rows else hrows[aid])
    elif cmd == "verify":
        sys.exit(1 if verify(rows, load_labels(), hrows=hrows, hlabels=load_labels(HOAX_LABELS)) else 0)
    elif cmd == "review":
        labels, hlabels = load_labels(), load_labels(HOAX_LABELS)
        verify(rows, labels, hrows=hrows, hlabels=hlabels)
        sel = argv[2] if len(argv) > 2 else None
        only_round = 2 if sel == "r2" else None
        outlet = None if sel in (None, "r2") else sel
        review(rows, labels, outlet, only_round)
        review(hrows, hlabels, outlet, only_round)
    elif cmd == "stats":
        allrows = dict(rows)
        allrows.update(hrows)
        stats(allrows, load_labels() + load_labels(HOAX_LABELS))
    else:
        print(__doc__)


if __name__ == "__main__":
    main(sys.argv)
