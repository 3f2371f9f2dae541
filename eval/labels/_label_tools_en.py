"""Helper tools for the English boilerplate labels (eval/labels/en_news_dev.jsonl).

Usage:
  python eval/labels/_label_tools_en.py sample            # print the 50-article sample (order, split)
  python eval/labels/_label_tools_en.py show ID           # print an article's lines with line no. and offsets
  python eval/labels/_label_tools_en.py verify [--print]  # check labels; --print shows every span's text

Labels hold only ids + offsets; article text is always re-read from the corpus.
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


def sha1(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def show(row):
    text = row["text"]
    print(f"# {row['id']} {row['outlet']} {row['url']}\n# title: {row['title']}")
    pos = 0
    for i, line in enumerate(text.split("\n")):
        print(f"{i:3d} [{pos:5d},{pos + len(line):5d}) {line!r}")
        pos += len(line) + 1


def check_spans(spans, n, name):
    errs = []
    prev = -1
    for s, e in spans:
        if not (0 <= s < e <= n):
            errs.append(f"{name} span out of range/empty {s},{e}")
        if s < prev:
            errs.append(f"{name} span unsorted/overlapping {s},{e}")
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
    if s > 0 and text[s - 1].isalnum() and text[s].isalnum():
        if not (text[s - 1].islower() and text[s].isupper()):
            errs.append(f"span {s},{e} starts mid-token")
    if e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        errs.append(f"span {s},{e} ends mid-token")
    return errs


def verify(print_spans=False):
    corpus = {r["id"]: r for r in load_corpus()}
    expected = {r["id"]: split for r, split in sample(list(corpus.values()))}
    labels = [json.loads(l) for l in open(LABELS, encoding="utf-8") if l.strip()]
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
        if lab["split"] != expected.get(aid):
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
    for sp in ("dev", "test"):
        print(sp, {k[1]: v for k, v in stats.items() if k[0] == sp})
    print("errors:", len(errs))
    for e in errs:
        print("  ", e)
    return not errs


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "verify"
    if cmd == "sample":
        for i, (r, split) in enumerate(sample(load_corpus())):
            print(i, split, r["id"], r["outlet"], len(r["text"]))
    elif cmd == "show":
        rows = {r["id"]: r for r in load_corpus()}
        for aid in sys.argv[2:]:
            show(rows[aid])
    else:
        sys.exit(0 if verify("--print" in sys.argv) else 1)
