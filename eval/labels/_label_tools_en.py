"""Helper tools for the English boilerplate labels (eval/labels/en_news_dev.jsonl).

Usage:
  python eval/labels/_label_tools_en.py sample            # print the 50-article round-1 sample (order, split)
  python eval/labels/_label_tools_en.py sample2           # print the round-2 sample (order, publisher, split)
  python eval/labels/_label_tools_en.py show ID           # print an article's lines with line no. and offsets
  python eval/labels/_label_tools_en.py read ID           # print an article's non-empty lines (line no. only)
  python eval/labels/_label_tools_en.py apply SPEC [--write] [--all]  # scratch spec -> label rows (see below)
  python eval/labels/_label_tools_en.py verify [--print]  # check labels; --print shows every span's text
  python eval/labels/_label_tools_en.py stats2            # round-2 counts per outlet/split and per kind

Labels hold only ids + offsets (+ kind names); article text is always re-read from the corpus.
Nothing here imports src/newsclean: the labels are made independently of its rules.

Scratch spec format (kept outside the project; it names line numbers and short boilerplate strings):
  @ ARTICLE_ID
  R 0,2-4 KIND            whole lines, remove          A 7 KIND            whole line, ambiguous
  P 3 "HELSINKI (AP) — " KIND   prefix of line 3 (must start the line), extended over the whitespace after it
  I 12 "pic.twitter.com/x" KIND [N]   inline substring of line 12 (N-th occurrence, default 1); IA = ambiguous
  T 12 "Gabung ke" KIND   from the substring to the end of line 12; TA = ambiguous
  H 12 "at 2:14 am" KIND  from the start of line 12 through the substring (no whitespace extension)
  F 4 "Charles (" "MORE" KIND [N]   from the N-th occurrence of the first string through the next occurrence
                          of the second (FA = ambiguous)
Strings are JSON string literals. KIND must be one of KINDS. Spans touching each other are merged.
"""
import collections
import hashlib
import json
import random
import sys
from pathlib import Path

CORPUS = Path("/work/shared/corpus/en_news_dev.jsonl")
LABELS = Path(__file__).resolve().parent / "en_news_dev.jsonl"
SEED = 20261122
N = 50
MAX_PER_OUTLET = 4


def load_corpus(path=CORPUS):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sample(rows):
    """Seeded shuffle, then round-robin over outlets: round k takes the k-th
    article (in shuffled order) of every outlet, in shuffled order, until N are
    picked.  Round 1 covers every outlet (maximal distinct outlets); at most
    MAX_PER_OUTLET per outlet.  Returns [(row, split)] in sample order; every
    third article (positions 3, 6, 9, ... 1-based) is "test"."""
    rng = random.Random(SEED)
    pool = [r for r in rows if r["text"].strip()]
    rng.shuffle(pool)
    picked, taken, count = [], set(), collections.Counter()
    for k in range(1, MAX_PER_OUTLET + 1):
        for r in pool:
            if len(picked) == N:
                break
            if r["id"] in taken or count[r["outlet"]] != k - 1:
                continue
            picked.append(r)
            taken.add(r["id"])
            count[r["outlet"]] += 1
    return [(r, "test" if (i + 1) % 3 == 0 else "dev") for i, r in enumerate(picked)]


# ---------------------------------------------------------------- round 2 (issue 13)
# 160 more articles, spread over publishers.  yahoo.com/news syndicates many publishers (a "Source•" line
# near the top names them); there the publisher is that source, and the aggregator as a whole is capped.
R2_SEED = 20261213
R2_TARGET = 160
R2_MAX_PER_PUBLISHER = 8
R2_AGGREGATOR = "yahoo.com/news"
R2_MAX_PER_AGGREGATED_SOURCE = 2
R2_MAX_AGGREGATOR = 16
R2_SEALED_PERCENT = 30

# Kind notes on round-2 spans (`kinds` / `amb_kinds`; merged spans join kinds with "+"). They are notes for
# analysis, not labels. Meanings in GUIDELINES-en.md section 7.4; KIND_TO_ID maps each to the coarser code
# of the Indonesian round 2 (_label_tools_id.KINDS) for analyses across both languages.
KIND_TO_ID = {
    "ad": "ad", "bio": "bio", "byline": "byline", "caption": "caption", "comments": "comments",
    "copyright": "source", "credit": "photo", "date": "byline", "dateline": "dateline",
    "editor_note": "disclaimer", "follow": "channel", "headline_echo": "echo", "hovercard": "related",
    "mismatch": "echo", "nav": "nav", "newsletter": "channel", "other": "spam", "promo": "promo",
    "pullquote": "echo", "related": "related", "separator": "sep", "share": "share", "source_label": "source",
    "subscribe": "channel", "tags": "tags", "trailer": "byline", "tweet_residue": "share", "ui": "widget",
    "url": "source", "video": "video", "widget": "widget",
}
KINDS = set(KIND_TO_ID)


def publisher(row):
    """Outlet, except on the aggregator: its source label ('The Hill•' near the top) or '?'."""
    if row["outlet"] != R2_AGGREGATOR:
        return row["outlet"]
    for line in row["text"].split("\n")[:4]:
        line = line.strip()
        if line.endswith("\u2022"):
            return f"{R2_AGGREGATOR}|{line[:-1].strip() or '?'}"
    return f"{R2_AGGREGATOR}|?"


def sample2(rows):
    """Round-2 sample: articles not in round 1 (nor exact text copies of a picked one), seeded shuffle,
    grouped by publisher; within a publisher the events alternate (1st article of each event first, then
    the 2nd of each ...).  Round-robin: round k takes every publisher's k-th article, in order of first
    appearance in the shuffle, until R2_TARGET; caps: R2_MAX_PER_PUBLISHER per publisher,
    R2_MAX_PER_AGGREGATED_SOURCE per source on the aggregator and R2_MAX_AGGREGATOR for it in all.
    Returns [(row, publisher, split)] in sample order; split per outlet from split_r2()."""
    round1 = {r["id"] for r, _ in sample(rows)}
    seen = {sha1(r["text"]) for r in rows if r["id"] in round1}
    pool = [r for r in rows if r["text"].strip() and r["id"] not in round1]
    random.Random(R2_SEED).shuffle(pool)
    queues = {}
    for r in pool:
        h = sha1(r["text"])
        if h in seen:
            continue
        seen.add(h)
        queues.setdefault(publisher(r), []).append(r)
    for key, q in queues.items():
        occ, order = collections.Counter(), []
        for pos, r in enumerate(q):
            order.append((occ[r["event"]], pos, r))
            occ[r["event"]] += 1
        queues[key] = [r for _, _, r in sorted(order, key=lambda t: t[:2])]
    picked, per_outlet = [], collections.Counter()
    for k in range(R2_MAX_PER_PUBLISHER):
        for key, q in queues.items():
            if len(picked) == R2_TARGET:
                break
            cap = R2_MAX_PER_AGGREGATED_SOURCE if key.startswith(R2_AGGREGATOR + "|") else R2_MAX_PER_PUBLISHER
            if k >= len(q) or k >= cap:
                continue
            r = q[k]
            if r["outlet"] == R2_AGGREGATOR and per_outlet[R2_AGGREGATOR] >= R2_MAX_AGGREGATOR:
                continue
            picked.append((r, key))
            per_outlet[r["outlet"]] += 1
    return [(r, key, split_r2(r["outlet"])) for r, key in picked]


def split_r2(outlet):
    """Whole outlets, from the outlet name alone (so an outlet never has rows in both splits, whatever is
    sampled later); the same salted bucket as the Indonesian round 2 (_label_tools_id.split_r2)."""
    bucket = int(hashlib.sha1(("newsclean-sealed-v1:" + outlet).encode("utf-8")).hexdigest()[:8], 16) % 100
    return "sealed" if bucket < R2_SEALED_PERCENT else "dev"


def sha1(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def show(row):
    text = row["text"]
    print(f"# {row['id']} {row['outlet']} {row['url']}\n# title: {row['title']}")
    pos = 0
    for i, line in enumerate(text.split("\n")):
        print(f"{i:3d} [{pos:5d},{pos + len(line):5d}) {line!r}")
        pos += len(line) + 1


def read(row):
    """Compact view for reading: non-empty lines with their line number (repr shows NBSP etc.)."""
    print(f"# {row['id']} {row['outlet']} | {publisher(row)} | {row['event']} | {len(row['text'])} chars")
    for i, line in enumerate(row["text"].split("\n")):
        if line.strip():
            print(f"{i}: {line!r}")


def _line_bounds(text):
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _strip_bounds(text, s, e):
    """Shrink [s, e) to its first..last non-whitespace character; a blank line stays whole."""
    seg = text[s:e]
    if not seg.strip():
        return s, e
    return s + (len(seg) - len(seg.lstrip())), e - (len(seg) - len(seg.rstrip()))


def _lines(arg):
    out = []
    for part in arg.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def parse_spec(path):
    """{id: [(op, args...)]} from a scratch spec file (format in the module docstring)."""
    specs, cur = {}, None
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            cur = line[1:].strip()
            if cur in specs:
                raise SystemExit(f"{path}:{n}: {cur} specified twice")
            specs[cur] = []
            continue
        op, rest = line.split(None, 1)
        if op in ("R", "A"):
            lines, kind = rest.split(None, 1)
            specs[cur].append((op, n, _lines(lines), None, kind.strip(), 1))
        else:
            ln, rest = rest.split(None, 1)
            sub, end = json.JSONDecoder().raw_decode(rest)
            rest = rest[end:].strip()
            if op in ("F", "FA"):
                sub2, end = json.JSONDecoder().raw_decode(rest)
                sub, rest = (sub, sub2), rest[end:]
            tail = rest.split()
            specs[cur].append((op, n, [int(ln)], sub, tail[0], int(tail[1]) if len(tail) > 1 else 1))
    return specs


def spans_from_spec(text, ops):
    """(remove, ambiguous, remove_kinds, ambiguous_kinds); raises ValueError on any mismatch."""
    bounds = _line_bounds(text)
    out = {"R": [], "A": []}
    for op, n, lines, sub, kind, nth in ops:
        if kind not in KINDS:
            raise ValueError(f"spec line {n}: unknown kind {kind}")
        cls = "A" if op in ("A", "IA", "TA", "FA") else "R"
        if op in ("R", "A"):
            for ln in lines:
                s, e = _strip_bounds(text, *bounds[ln])
                if s == e:
                    raise ValueError(f"spec line {n}: line {ln} is empty")
                out[cls].append([s, e, kind])
            continue
        ls, le = bounds[lines[0]]
        line = text[ls:le]
        sub, upto = sub if op in ("F", "FA") else (sub, None)
        idx = -1
        for _ in range(nth):
            idx = line.find(sub, idx + 1)
            if idx < 0:
                raise ValueError(f"spec line {n}: {sub!r} not found {nth}x in line {lines[0]}")
        s, e = ls + idx, ls + idx + len(sub)
        if upto is not None:
            j = line.find(upto, idx + len(sub))
            if j < 0:
                raise ValueError(f"spec line {n}: {upto!r} not found after {sub!r} in line {lines[0]}")
            e = ls + j + len(upto)
        if op == "P":
            first = ls + len(line) - len(line.lstrip())
            if s != first:
                raise ValueError(f"spec line {n}: prefix {sub!r} does not start line {lines[0]}")
            while e < le and text[e].isspace():
                e += 1
            out[cls].append([s, e, kind])
            continue
        if op in ("T", "TA"):
            e = le
        elif op == "H":
            s = ls
        s, e = _strip_bounds(text, s, e)
        out[cls].append([s, e, kind])
    res = []
    for cls in ("R", "A"):
        merged = []
        for s, e, k in sorted(out[cls]):
            if merged and s <= merged[-1][1]:
                if s < merged[-1][1]:
                    raise ValueError(f"overlapping {cls} spans at {s}")
                merged[-1][1] = e
                merged[-1][2] += "+" + k
            else:
                merged.append([s, e, k])
        res.append(merged)
    return ([[s, e] for s, e, _ in res[0]], [[s, e] for s, e, _ in res[1]],
            [k for *_, k in res[0]], [k for *_, k in res[1]])


def apply_spec(path, write=False, show_all=False):
    """Print every span of the specced articles not yet in the label file (all with show_all); with
    write=True, append their rows, in round-2 sample order."""
    rows = load_corpus()
    by_id = {r["id"]: r for r in rows}
    order = sample2(rows)
    s2 = {r["id"]: (i, key, split) for i, (r, key, split) in enumerate(order)}
    specs = parse_spec(path)
    done = {json.loads(x)["id"] for x in open(LABELS, encoding="utf-8") if x.strip()}
    new = []
    for aid, ops in specs.items():
        if aid not in s2:
            raise SystemExit(f"{aid} is not in the round-2 sample")
        text = by_id[aid]["text"]
        try:
            rem, amb, rk, ak = spans_from_spec(text, ops)
        except ValueError as exc:
            raise SystemExit(f"{aid}: {exc}") from exc
        i, key, split = s2[aid]
        if aid in done and not show_all:
            continue
        print(f"=== #{i} {aid} {key} [{split}] len={len(text)}")
        for cls, spans, kinds in (("R", rem, rk), ("A", amb, ak)):
            for (s, e), k in zip(spans, kinds):
                print(f"  {cls} {k:<14} [{s},{e}) {text[s:e]!r}")
        if aid not in done:
            new.append((i, {"corpus": "en_news_dev", "id": aid, "outlet": by_id[aid]["outlet"], "split": split,
                            "round": 2, "publisher": key, "text_sha1": sha1(text), "remove": rem,
                            "ambiguous": amb, "kinds": rk, "amb_kinds": ak}))
    if write and new:
        with open(LABELS, "a", encoding="utf-8") as f:
            for _, row in sorted(new, key=lambda t: t[0]):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(specs)} specced, {len(new)} new{' written' if write else ''}")


def stats2():
    labels = [json.loads(x) for x in open(LABELS, encoding="utf-8") if x.strip()]
    r2 = [x for x in labels if x.get("round") == 2]
    per = collections.Counter((x["outlet"], x["split"]) for x in r2)
    for (o, sp), n in sorted(per.items()):
        print(f"{o:<26}{sp:<8}{n}")
    print("publishers:", len({x["publisher"] for x in r2}), "outlets:", len({x["outlet"] for x in r2}),
          "splits:", dict(collections.Counter(x["split"] for x in r2)))
    kinds = collections.Counter()
    arts = collections.defaultdict(set)
    for x in r2:
        for k in x["kinds"] + [f"~{k}" for k in x["amb_kinds"]]:
            for kk in k.split("+"):
                kinds[kk] += 1
                arts[kk].add(x["outlet"])
    for k, n in kinds.most_common():
        print(f"  {k:<16}{n:>5} spans  {len(arts[k]):>3} outlets")


def check_spans(spans, n, name):
    errs = []
    prev = -1
    for s, e in spans:
        if not (0 <= s < e <= n):
            errs.append(f"{name} span out of range/empty {s},{e}")
        if s < prev:
            errs.append(f"{name} span unsorted/overlapping {s},{e}")
        elif s == prev:
            errs.append(f"{name} span touches the previous one (not merged) {s},{e}")
        prev = e
    return errs


def check_boundaries(text, s, e):
    """Span-boundary conventions (see GUIDELINES-en.md):
    - no leading whitespace, except a whitespace-only line spanned whole;
    - no trailing whitespace, except a line-prefix span (dateline) that keeps
      the separating space(s) and is followed by text on the same line;
    - whole tokens, except a boilerplate run glued to a preceding word without
      a space (lowercase->Uppercase join, e.g. The Hill's hover cards)."""
    errs = []
    seg = text[s:e]
    line_start = text.rfind("\n", 0, s) + 1
    line_end = text.find("\n", e)
    line_end = len(text) if line_end < 0 else line_end
    if not seg.strip():
        if not (s == line_start and e == line_end):
            errs.append(f"whitespace-only span {s},{e} is not a whole line")
        return errs
    if seg[0].isspace():
        errs.append(f"span {s},{e} has leading whitespace")
    if seg[-1].isspace():
        is_prefix = s == line_start and text[e:line_end].strip() != ""
        if not is_prefix:
            errs.append(f"span {s},{e} has trailing whitespace")
    glued = s > 0 and text[s - 1].islower() and text[s].isupper()
    if s > 0 and text[s - 1].isalnum() and text[s].isalnum() and not glued:
        errs.append(f"span {s},{e} starts mid-token")
    if e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        errs.append(f"span {s},{e} ends mid-token")
    return errs


def verify(print_spans=False):
    corpus = {r["id"]: r for r in load_corpus()}
    expected = {r["id"]: split for r, split in sample(list(corpus.values()))}
    order2 = sample2(list(corpus.values()))
    expected2 = {r["id"]: (key, split) for r, key, split in order2}
    pos2 = {r["id"]: i for i, (r, _, _) in enumerate(order2)}
    last2 = -1
    labels = [json.loads(x) for x in open(LABELS, encoding="utf-8") if x.strip()]
    errs = []
    seen = set()
    stats = collections.Counter()
    for lab in labels:
        aid = lab["id"]
        if aid in seen:
            errs.append(f"duplicate id {aid}")
        seen.add(aid)
        row = corpus.get(aid)
        if row is None:
            errs.append(f"unknown id {aid}")
            continue
        text = row["text"]
        if lab["corpus"] != "en_news_dev":
            errs.append(f"{aid}: bad corpus field")
        if lab["outlet"] != row["outlet"]:
            errs.append(f"{aid}: outlet mismatch")
        if lab.get("round", 1) == 2:
            key, split = expected2.get(aid, (None, None))
            if (lab["split"], lab.get("publisher")) != (split, key):
                errs.append(f"{aid}: round 2 split/publisher {lab['split']}/{lab.get('publisher')} != {split}/{key}")
            if pos2.get(aid, -1) < last2:
                errs.append(f"{aid}: round-2 rows out of sample order")
            last2 = pos2.get(aid, last2)
            for cls, field in (("remove", "kinds"), ("ambiguous", "amb_kinds")):
                ks = lab.get(field, [])
                if len(ks) != len(lab[cls]) or not all(set(k.split("+")) <= KINDS for k in ks):
                    errs.append(f"{aid}: {field} do not match the spans or use unknown kinds")
        elif lab["split"] != expected.get(aid):
            errs.append(f"{aid}: split {lab['split']} != expected {expected.get(aid)}")
        if lab["text_sha1"] != sha1(text):
            errs.append(f"{aid}: sha1 mismatch")
        errs += [f"{aid}: {m}" for m in check_spans(lab["remove"], len(text), "remove")]
        errs += [f"{aid}: {m}" for m in check_spans(lab["ambiguous"], len(text), "ambiguous")]
        both = sorted([tuple(x) + ("R",) for x in lab["remove"]] + [tuple(x) + ("A",) for x in lab["ambiguous"]])
        for a, b in zip(both, both[1:]):
            if b[0] < a[1]:
                errs.append(f"{aid}: remove/ambiguous overlap {a} {b}")
        for s, e in lab["remove"] + lab["ambiguous"]:
            errs += [f"{aid}: {m}" for m in check_boundaries(text, s, e)]
            if "\n" in text[s:e]:
                errs.append(f"{aid}: span {s},{e} crosses a line break (each line is a span of its own)")
        sp = lab["split"]
        stats[sp, "articles"] += 1
        stats[sp, "remove_spans"] += len(lab["remove"])
        stats[sp, "ambig_spans"] += len(lab["ambiguous"])
        stats[sp, "remove_chars"] += sum(e - s for s, e in lab["remove"])
        stats[sp, "ambig_chars"] += sum(e - s for s, e in lab["ambiguous"])
        stats[sp, "text_chars"] += len(text)
        if print_spans:
            print(f"=== {aid} {row['outlet']} [{sp}] len={len(text)}")
            for kind, spans in (("R", lab["remove"]), ("A", lab["ambiguous"])):
                for s, e in spans:
                    print(f"  {kind} [{s},{e}) {text[s:e]!r}")
    missing = set(expected) - seen
    if missing:
        errs.append(f"missing sample ids: {sorted(missing)}")
    for sp in ("dev", "test", "sealed"):
        print(sp, {k[1]: v for k, v in stats.items() if k[0] == sp})
    print(f"round 2: {sum(1 for x in labels if x.get('round') == 2)} of {len(order2)} sampled articles labelled")
    print("errors:", len(errs))
    for e in errs:
        print("  ", e)
    return not errs


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "verify"
    if cmd == "sample":
        for i, (r, split) in enumerate(sample(load_corpus())):
            print(i, split, r["id"], r["outlet"], len(r["text"]))
    elif cmd == "sample2":
        for i, (r, key, split) in enumerate(sample2(load_corpus())):
            print(i, split, r["id"], key, r["event"].split("-")[-1], len(r["text"]))
    elif cmd == "read":
        rows = {r["id"]: r for r in load_corpus()}
        for aid in sys.argv[2:]:
            read(rows[aid])
    elif cmd == "apply":
        apply_spec(sys.argv[2], write="--write" in sys.argv, show_all="--all" in sys.argv)
    elif cmd == "stats2":
        stats2()
    elif cmd == "show":
        rows = {r["id"]: r for r in load_corpus()}
        for aid in sys.argv[2:]:
            show(rows[aid])
    else:
        sys.exit(0 if verify("--print" in sys.argv) else 1)
