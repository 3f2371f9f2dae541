"""Score the cleaner on synthetic probe sets: whole scraped pages of invented outlets, labelled line by line.

    python -m benchmarks.probe_eval eval/probes/P eval/probes/R [--src OTHER/src] [--json OUT] [--kinds]
    python -m benchmarks.probe_eval eval/probes/P --show          # misses and false cuts (not on sealed sets)

A set is a folder with ``pages.jsonl`` (``id, lang, outlet, url, title, text``) and ``labels.jsonl`` (``id,
lines``: one ``[label, kind, keep]`` per line of ``text.split("\\n")``; label ``C`` content, ``B``
boilerplate, ``M`` content with boilerplate glued to it (``keep`` is its content part), ``A`` ambiguous and
``E`` empty, both left out), written and frozen (``FROZEN.sha1``) by someone who had not read the rules; see
``eval/probes/README.md``. A folder holding a file ``SEALED`` is scored as numbers only: ``--show`` refuses it.

Each page is cleaned as a library user calls it: ``Pipeline.default(lang="auto").explain`` on a
:class:`~newsclean.document.Document` with the page's outlet, url and title, no corpus templates. Every
line's fate is rebuilt from the explain steps. Measures (over the C, B and M lines):

- **line recall**: B lines at least half of whose word tokens went, over all B lines;
- **line precision**: of the C and B lines that lost at least half of their tokens, the share of B;
- **token recall / precision**: boilerplate tokens removed (B lines and the glued part of M lines) over all
  boilerplate tokens / over all tokens removed;
- **content kept**: content tokens (C lines, the ``keep`` part of M lines) still there.

The page's title printed as a line above the body is left out (the guidelines of the two languages differ on it).

Intervals: 95% percentile bootstrap over pages (1,000 resamples, seeded), so pages of one outlet move together.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABELS = frozenset("CBMAE")
#: A content line of this many words starts the body: the title printed above it is left out of the scores,
#: because the two languages' guidelines label it differently (English keeps the first headline line,
#: GUIDELINES.md section 8.4 removes an Indonesian page's title at the top).
LEAD_WORDS = 12
#: A line counts as removed when at least this share of its word tokens went.
REMOVED_SHARE = 0.5
_WORD_RE = re.compile(r"\w+")


def tokens(s: str) -> Counter[str]:
    """Word tokens of a line, casefolded, as a multiset.

    >>> sorted(tokens("Baca juga: BACA").items())
    [('baca', 2), ('juga', 1)]
    """
    return Counter(_WORD_RE.findall(s.casefold()))


def load_set(folder: Path) -> list[tuple[dict[str, Any], list[list[str]]]]:
    """The pages of a set with their label rows, checked; ``ValueError`` names the first problem."""
    pages_file, labels_file = folder / "pages.jsonl", folder / "labels.jsonl"
    for f in (pages_file, labels_file):
        if not f.is_file():
            raise ValueError(f"{folder}: missing {f.name}")
    frozen = folder / "FROZEN.sha1"
    if frozen.is_file():
        for row in frozen.read_text().split("\n"):
            if row.strip():
                digest, name = row.split()[:2]
                got = hashlib.sha1((folder / Path(name).name).read_bytes()).hexdigest()
                if got != digest:
                    raise ValueError(f"{folder}: {Path(name).name} changed after it was frozen")
    pages = [json.loads(x) for x in pages_file.read_text(encoding="utf-8").split("\n") if x.strip()]
    labels = {}
    for x in labels_file.read_text(encoding="utf-8").split("\n"):
        if x.strip():
            row = json.loads(x)
            labels[row["id"]] = row["lines"]
    out = []
    for page in pages:
        rows = labels.get(page["id"])
        lines = page["text"].split("\n")
        if rows is None:
            raise ValueError(f"{folder}: page {page['id']} has no labels")
        if len(rows) != len(lines):
            raise ValueError(f"{folder}: page {page['id']}: {len(lines)} lines, {len(rows)} labels")
        for i, (label, _kind, keep) in enumerate(rows):
            if label not in LABELS:
                raise ValueError(f"{folder}: page {page['id']} line {i}: unknown label {label!r}")
            if label == "M" and (not keep or keep not in lines[i]):
                raise ValueError(f"{folder}: page {page['id']} line {i}: keep is not part of the line")
        out.append((page, rows))
    return out


def fates(text: str, changes: list[Any]) -> list[str | None] | None:
    """Each input line as the explain steps leave it (None: dropped); None when a step rewrote the text."""
    lines: list[str | None] = list(text.split("\n"))
    for c in changes:
        if c.line < 0:
            return None
        if c.action == "drop_line":
            lines[c.line] = None
        else:
            cur = lines[c.line]
            if cur is not None:
                lines[c.line] = cur[: c.start] + c.added + cur[c.end:]
    return lines


@dataclass
class PageScore:
    page: str
    b_lines: int = 0
    b_removed: int = 0
    c_lines: int = 0
    c_removed: int = 0
    bp_tokens: int = 0
    bp_removed: int = 0
    content_tokens: int = 0
    content_lost: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    kind_removed: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[int, str, str, str]] = field(default_factory=list)


def score_page(page: dict[str, Any], rows: list[list[str]], changes: list[Any]) -> PageScore | None:
    lines = page["text"].split("\n")
    final = fates(page["text"], changes)
    if final is None:
        return None
    s = PageScore(page["id"])
    rules = {c.line: c.rule for c in changes}
    title = tokens(page.get("title") or "")
    top = True  # above the first paragraph of the body
    for i, (label, kind, keep) in enumerate(rows):
        if label in "AE":
            continue
        if top and title and label in "CB" and tokens(lines[i]) == title:
            continue  # the title printed above the body: content in English labels, boilerplate in Indonesian
        top = top and not (label == "C" and len(lines[i].split()) >= LEAD_WORDS)
        t, f = tokens(lines[i]), tokens(final[i] or "")
        removed = t - f
        gone = sum(removed.values()) >= REMOVED_SHARE * sum(t.values()) if t else final[i] is None
        if label == "B":
            s.b_lines += 1
            s.b_removed += gone
            s.bp_tokens += sum(t.values())
            s.bp_removed += sum(removed.values())
            s.by_kind[kind] += 1
            s.kind_removed[kind] += gone
            if not gone:
                s.misses.append((i, "missed", kind, lines[i]))
        elif label == "C":
            s.c_lines += 1
            s.c_removed += gone
            s.content_tokens += sum(t.values())
            s.content_lost += sum(removed.values())
            if sum(removed.values()):
                s.misses.append((i, f"cut by {rules.get(i, '?')}", kind, lines[i]))
        else:  # M: the keep part is content, the rest boilerplate
            k = tokens(keep)
            bp = t - k
            s.content_tokens += sum(k.values())
            s.content_lost += sum((k - f).values())
            s.bp_tokens += sum(bp.values())
            s.bp_removed += sum(bp.values()) - sum((bp & (f - k)).values())
            if (f - k) & bp:
                s.misses.append((i, "glued part kept", kind, lines[i]))
            if k - f:
                s.misses.append((i, f"content of a mixed line cut by {rules.get(i, '?')}", kind, lines[i]))
    return s


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def summarize(scores: list[PageScore]) -> dict[str, float]:
    t: dict[str, int] = Counter()
    for s in scores:
        for k in ("b_lines", "b_removed", "c_lines", "c_removed", "bp_tokens", "bp_removed", "content_tokens",
                  "content_lost"):
            t[k] += getattr(s, k)
    return {
        "line_recall": _ratio(t["b_removed"], t["b_lines"]),
        "line_precision": _ratio(t["b_removed"], t["b_removed"] + t["c_removed"]),
        "token_recall": _ratio(t["bp_removed"], t["bp_tokens"]),
        "token_precision": _ratio(t["bp_removed"], t["bp_removed"] + t["content_lost"]),
        "content_kept": 1 - _ratio(t["content_lost"], t["content_tokens"]),
        "b_lines": t["b_lines"],
        "c_lines": t["c_lines"],
        "content_lines_removed": t["c_removed"],
    }


def bootstrap(scores: list[PageScore], key: str, rounds: int = 1000, seed: int = 17) -> tuple[float, float]:
    rng = random.Random(seed)
    vals = []
    for _ in range(rounds):
        sample = [scores[rng.randrange(len(scores))] for _ in scores]
        v = summarize(sample)[key]
        if v == v:
            vals.append(v)
    vals.sort()
    if not vals:
        return float("nan"), float("nan")
    return vals[int(0.025 * len(vals))], vals[min(len(vals) - 1, int(0.975 * len(vals)))]


def score_set(folder: Path, pipeline: Any) -> tuple[list[PageScore], int]:
    from newsclean.document import Document

    scores, skipped = [], 0
    for page, rows in load_set(folder):
        meta = {k: page[k] for k in ("outlet", "url", "title") if page.get(k)}
        cleaned = pipeline.explain(Document(page["text"], id=page["id"], metadata=meta))
        s = score_page(page, rows, list(cleaned.changes))
        if s is None:
            skipped += 1
        else:
            scores.append(s)
    return scores, skipped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", type=Path, help="probe set folders")
    ap.add_argument("--src", type=Path, help="another source tree's src (imported instead of this one)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--kinds", action="store_true", help="line recall by labelled kind")
    ap.add_argument("--show", action="store_true", help="print missed and wrongly cut lines (not on sealed sets)")
    args = ap.parse_args(argv)
    if args.src:
        sys.path.insert(0, str(args.src.resolve()))
    from newsclean.pipeline import Pipeline

    pipeline = Pipeline.default(lang="auto")
    report: dict[str, Any] = {}
    for folder in args.sets:
        if args.show and (folder / "SEALED").exists():
            print(f"{folder}: sealed, --show refused", file=sys.stderr)
            return 2
        scores, skipped = score_set(folder, pipeline)
        fig = summarize(scores)
        fig["line_recall_ci"] = bootstrap(scores, "line_recall")
        fig["token_recall_ci"] = bootstrap(scores, "token_recall")
        fig["pages"], fig["pages_skipped"] = len(scores), skipped
        kinds: Counter[str] = Counter()
        kinds_removed: Counter[str] = Counter()
        for s in scores:
            kinds.update(s.by_kind)
            kinds_removed.update(s.kind_removed)
        fig["kinds"] = {k: [kinds_removed[k], n] for k, n in kinds.most_common()}
        report[folder.name] = fig
        lo, hi = fig["line_recall_ci"]
        print(f"{folder.name}: pages {len(scores)} (skipped {skipped}), B lines {fig['b_lines']}, "
              f"line recall {fig['line_recall']:.3f} [{lo:.3f}, {hi:.3f}], token recall {fig['token_recall']:.3f}, "
              f"line precision {fig['line_precision']:.3f}, token precision {fig['token_precision']:.3f}, "
              f"content kept {fig['content_kept']:.4f}")
        if args.kinds:
            for k, (r, n) in fig["kinds"].items():
                print(f"    {k:28s} {r:3d}/{n:3d}")
        if args.show:
            for s in scores:
                for i, what, kind, line in s.misses:
                    print(f"  {s.page}:{i} [{kind}] {what}: {line[:150]}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
