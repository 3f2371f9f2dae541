"""Corpus-learned boilerplate: lines and body prefixes that repeat across many articles of one outlet.

``newsclean learn IN rules.toml`` counts, per outlet, in how many documents each short line (and each
short prefix of the first body line) occurs, after the built-in rules have run, prints the frequent
ones with counts and examples for review, and writes them as a rule file for ``--rules``. The same
miner runs inside a cleaning run with ``--auto-learn`` (two passes over the input).

Guards keep content out, whatever its frequency: a candidate must be short (``max_chars``), occur in at
least ``min_docs`` documents *and* ``min_share`` of the outlet's documents (a story's subheading
repeats across a few articles of one week, boilerplate across a large share of all of them), have at
least ``min_chars`` characters, and must not look like a sentence (more than ``max_sentence_words``
words ending in sentence punctuation) or contain a quotation.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, load_rule_file, normalize_outlet
from .document import Document
from .io import UserError, atomic_writer, discover_inputs
from .pipeline import Pipeline

__all__ = ["LearnOptions", "Learned", "OutletMiner", "learn_documents", "learn_inputs", "learned_catalog", "main",
           "to_toml"]

_QUOTES = set('"“”«»„')
_SENTENCE_END = (".", "!", "?")
# The body prefix candidates: up to a dash, colon or bar within the first characters of line one.
_PREFIX_RE = re.compile(r"^(.{2,48}?\S[ \t]*(?:[-–—|:]{1,2}))[ \t]*(?=\S)")


@dataclass(frozen=True)
class LearnOptions:
    min_docs: int = 10
    min_share: float = 0.02
    max_chars: int = 100
    min_chars: int = 6
    max_sentence_words: int = 8

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError("min_docs must be at least 2: a line in one document is not boilerplate")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {self.min_share}")
        if self.max_chars < self.min_chars:
            raise ValueError("max_chars must be at least min_chars")


@dataclass(frozen=True)
class Learned:
    outlet: str
    kind: str  # "line" or "prefix"
    text: str
    docs: int
    outlet_docs: int

    @property
    def share(self) -> float:
        return self.docs / self.outlet_docs if self.outlet_docs else 0.0


def _looks_like_content(text: str, opts: LearnOptions) -> bool:
    if len(text) > opts.max_chars or len(text) < opts.min_chars:
        return True
    if any(ch in _QUOTES for ch in text):
        return True
    words = text.split()
    return len(words) > opts.max_sentence_words and text.endswith(_SENTENCE_END)


@dataclass
class OutletMiner:
    """Per-outlet document frequencies of short lines and first-line prefixes. Miners add up."""

    options: LearnOptions = field(default_factory=LearnOptions)
    docs: Counter[str] = field(default_factory=Counter)
    lines: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    prefixes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, outlet: str | None, lines: Sequence[str]) -> None:
        """Count one document's lines (already cleaned by the built-in steps)."""
        key = outlet or "(unknown)"
        self.docs[key] += 1
        seen = {ln for ln in lines if self.options.min_chars <= len(ln) <= self.options.max_chars}
        self.lines[key].update(seen)
        if lines:
            m = _PREFIX_RE.match(lines[0])
            if m:
                self.prefixes[key][m.group(1)] += 1

    def update(self, other: OutletMiner) -> None:
        """Add ``other``'s counts to these (in place)."""
        self.docs.update(other.docs)
        for k, c in other.lines.items():
            self.lines[k].update(c)
        for k, c in other.prefixes.items():
            self.prefixes[k].update(c)

    def __add__(self, other: OutletMiner) -> OutletMiner:
        out = OutletMiner(self.options)
        out.docs = self.docs + other.docs
        for src in (self, other):
            for k, c in src.lines.items():
                out.lines[k].update(c)
            for k, c in src.prefixes.items():
                out.prefixes[k].update(c)
        return out

    def results(self) -> list[Learned]:
        opts = self.options
        found: list[Learned] = []
        for outlet in sorted(self.docs):
            n = self.docs[outlet]
            need = max(opts.min_docs, opts.min_share * n)
            for kind, counter in (("line", self.lines[outlet]), ("prefix", self.prefixes[outlet])):
                for text, c in counter.items():
                    if c >= need and not _looks_like_content(text, opts):
                        found.append(Learned(outlet, kind, text, c, n))
        found.sort(key=lambda x: (x.outlet, x.kind, -x.docs, x.text))
        return found


def learn_documents(docs: Iterable[Document], pipeline: Pipeline | None = None,
                    options: LearnOptions | None = None) -> list[Learned]:
    """Mine repeated boilerplate from documents (cleaned first by ``pipeline``, default built-ins)."""
    p = pipeline or Pipeline.default()
    miner = OutletMiner(options or LearnOptions())
    for doc in docs:
        text = p.clean(doc)
        miner.add(normalize_outlet(doc.outlet or doc.url), text.split("\n") if text else [])
    return miner.results()


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def to_toml(learned: Sequence[Learned], *, lang: str = "*") -> str:
    """A rule file for ``--rules``: one exact-match rule per learned line or prefix, per outlet."""
    out = [
        "# Learned by `newsclean learn`: lines and prefixes repeated across an outlet's articles.",
        "# Review before use: delete any rule that removes content.",
        f"lang = {_toml_str(lang)}",
        "",
    ]
    used: Counter[str] = Counter()
    for item in learned:
        slug = re.sub(r"[^a-z0-9]+", "_", item.outlet.lower()).strip("_") or "unknown"
        used[slug] += 1
        rid = f"learned.{slug}.{item.kind}{used[slug]}"
        pattern = re.escape(item.text)
        if item.kind == "prefix":
            pattern += r"[ \t]*"
        out += [
            "[[rule]]",
            f"id = {_toml_str(rid)}",
            f"kind = {_toml_str(item.kind)}",
            f"description = {_toml_str(f'{item.docs} of {item.outlet_docs} documents ({item.share:.1%})')}",
            *([f"outlet = [{_toml_str(item.outlet)}]"] if item.outlet != "(unknown)" else []),
            "case_sensitive = true",
            *(["window = 1"] if item.kind == "prefix" else [f"max_chars = {max(len(item.text), 1)}"]),
            "pattern = '''" + pattern.replace("'''", "\\'\\'\\'") + "'''",
            f"examples = [{_toml_str(item.text + (' Isi' if item.kind == 'prefix' else ''))}]",
            "",
        ]
    return "\n".join(out)


def learned_catalog(learned: Sequence[Learned]) -> Catalog:
    """The learned rules as a catalog (validated through the same loader as rule files)."""
    return Catalog(tuple(load_rule_file("<learned>", text=to_toml(learned))))


def learn_inputs(root: Path, *, lang: str | None = "auto", rule_texts: tuple[tuple[str, str], ...] = (),
                 options: LearnOptions | None = None, jobs: int = 1) -> list[Learned]:
    """Mine every readable document under ``root`` (any input format the CLI reads), cleaned first
    by the built-in rules plus ``rule_texts``; unreadable files and records are skipped here (the
    cleaning run reports them)."""
    from .run import DocDone, PipelineSpec, Runner

    opts = options or LearnOptions()
    miner = OutletMiner(opts)
    # A file's documents count once it was read to its end: one that fails part-way teaches nothing.
    pending: dict[int, OutletMiner] = {}

    def on_doc(d: DocDone) -> None:
        pending.setdefault(d.file, OutletMiner(opts)).add(
            normalize_outlet(d.doc.outlet or d.doc.url), d.cleaned.text.split("\n") if d.cleaned.text else [])

    def on_file(fi: int) -> None:
        done = pending.pop(fi, None)
        if done is not None:
            miner.update(done)

    runner = Runner(discover_inputs(root), Path(), PipelineSpec(lang=lang, rule_texts=rule_texts), jobs=jobs)
    runner.run(on_doc=on_doc, on_file=on_file, on_file_failed=lambda fi: pending.pop(fi, None),
               write=False, count=False)
    return miner.results()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="newsclean learn",
        description="Mine lines and body prefixes that repeat across many articles of one outlet, print "
                    "them for review and write a rule file for 'newsclean IN OUT --rules FILE'.",
    )
    ap.add_argument("input", metavar="IN", type=Path, help="input folder or file (any format the cleaner reads)")
    ap.add_argument("rules", metavar="RULES.toml", type=Path, help="rule file to write")
    ap.add_argument("--min-docs", type=int, default=LearnOptions.min_docs, metavar="N",
                    help="learn a line only if at least N documents of one outlet have it "
                         f"(default {LearnOptions.min_docs})")
    ap.add_argument("--min-share", type=float, default=LearnOptions.min_share, metavar="F",
                    help="... and at least this share of the outlet's documents, 0-1 "
                         f"(default {LearnOptions.min_share})")
    ap.add_argument("--max-chars", type=int, default=LearnOptions.max_chars, metavar="N",
                    help=f"never learn lines longer than N characters (default {LearnOptions.max_chars})")
    ap.add_argument("--lang", default="auto",
                    help="language of the built-in rules applied first: id, en or auto (default auto)")
    ap.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (default 1)")
    ap.add_argument("--quiet", "-q", action="store_true", help="do not print the candidates")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    a = build_parser().parse_args(list(argv) if argv is not None else None)
    if not a.input.exists():
        raise UserError(f"input not found: {a.input}")
    if a.rules.exists() and a.rules.is_dir():
        raise UserError(f"{a.rules} is a folder")
    try:
        opts = LearnOptions(min_docs=a.min_docs, min_share=a.min_share, max_chars=a.max_chars)
        Pipeline.default(lang=a.lang)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if a.jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {a.jobs}")
    learned = learn_inputs(a.input, lang=a.lang, options=opts, jobs=a.jobs)
    with atomic_writer(a.rules) as fh:
        fh.write(to_toml(learned))
    if not a.quiet:
        w = sys.stdout.write
        w(f"{len(learned)} candidates (min {opts.min_docs} documents and {opts.min_share:.0%} of an outlet):\n")
        for item in learned:
            w(f"  {item.outlet:<24} {item.kind:<6} {item.docs:>6} / {item.outlet_docs:<6} {item.text!r}\n")
        w(f"written to {a.rules}; review it, then use --rules {a.rules}\n")
    return 0
