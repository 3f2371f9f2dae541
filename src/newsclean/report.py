"""Counters that add up across files and workers, and the report files written to OUT/_newsclean/."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import Change, split_lines
from .io import atomic_writer, utf8_len

__all__ = ["MAX_REPORTED", "RunStats", "report_schema", "rule_key", "write_json"]

#: report.json lists at most this many failures (and notes); the rest are only counted there, and
#: every rejected record and failed file is in rejected.jsonl anyway. Keeps the report small
#: whatever the corpus.
MAX_REPORTED = 1000


#: Before/after samples kept per rule, and documents emptied kept as examples (first ones in input
#: order, whatever the number of jobs): report.json (and report.html) stay small on huge runs.
SAMPLES_PER_RULE = 3
EMPTIED_SAMPLES = 20
#: Characters of context kept on each side of a change in a sample (longer lines are cut, marked "…").
SAMPLE_CONTEXT = 120


def _clip(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SAMPLE_CONTEXT), min(len(text), end + SAMPLE_CONTEXT)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


#: The counters of one outlet (keys of ``RunStats.outlets[outlet]``; per-rule counts are keyed
#: ``(field, "cleaner:rule")``).
OUTLET_FIELDS = ("documents", "emptied", "lines_in", "lines_out", "bytes_in", "bytes_out", "lines_dropped",
                 "spans_cut")


def rule_key(c: Change) -> str:
    """The key a change is counted under: ``cleaner:rule`` (``rules:id.related.line``,
    ``fix_unicode:fix_unicode``, ``blank_lines:blank``, ``dedup:near_duplicate``)."""
    return f"{c.cleaner}:{c.rule}"


@dataclass
class RunStats:
    """Everything ``report.json`` counts. ``a + b`` adds two runs (e.g. two workers).

    Per rule (``cleaner:rule``): changes, lines dropped, characters and UTF-8 bytes removed; per
    outlet the same per rule plus documents, lines and bytes in and out. Every per-outlet figure
    adds up to the run's (tested).
    """

    files: int = 0
    files_failed: int = 0
    documents_in: int = 0
    documents_out: int = 0
    documents_emptied: int = 0
    records_rejected: int = 0
    lines_in: int = 0
    lines_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    rules: Counter[str] = field(default_factory=Counter)  # changes
    rule_chars: Counter[str] = field(default_factory=Counter)
    rule_bytes: Counter[str] = field(default_factory=Counter)
    rule_lines: Counter[str] = field(default_factory=Counter)  # drop_line changes
    # Rules left out of a document's cleaning because they took too long on it (rule -> documents).
    rules_timed_out: Counter[str] = field(default_factory=Counter)
    outlets: dict[str, Counter[Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_REPORTED
    failures_total: int = 0
    # Things done differently from what the input asked, that lose nothing (an HTML page decoded
    # with another charset than it declares): the first MAX_REPORTED, and how many.
    notes: list[dict[str, Any]] = field(default_factory=list)
    notes_total: int = 0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # rule key -> before/after rows
    emptied: list[dict[str, Any]] = field(default_factory=list)  # examples of documents cleaned to nothing

    def add_document(self, text_in: str, text_out: str, changes: Sequence[Change], outlet: str | None,
                     lines_in: int, doc: str = "") -> None:
        self.documents_in += 1
        self.lines_in += lines_in
        in_bytes = utf8_len(text_in)
        out_bytes = utf8_len(text_out)
        out_lines = text_out.count("\n") + 1 if text_out else 0
        self.bytes_in += in_bytes
        self.bytes_out += out_bytes
        self.lines_out += out_lines
        per_outlet = self.outlets.setdefault(outlet or "(unknown)", Counter())
        per_outlet["documents"] += 1
        per_outlet["lines_in"] += lines_in
        per_outlet["lines_out"] += out_lines
        per_outlet["bytes_in"] += in_bytes
        per_outlet["bytes_out"] += out_bytes
        if text_out:
            self.documents_out += 1
        else:
            self.documents_emptied += 1
            per_outlet["emptied"] += 1
            if len(self.emptied) < EMPTIED_SAMPLES:
                self.emptied.append({"doc": doc, "outlet": outlet or "(unknown)",
                                     "text": _clip(text_in, 0, 2 * SAMPLE_CONTEXT)})
        for c in changes:
            self._count_change(c, per_outlet)
        self._sample(text_in, changes, doc)

    def _sample(self, text_in: str, changes: Sequence[Change], doc: str) -> None:
        """Keep the first :data:`SAMPLES_PER_RULE` changes of each rule with the line before and
        after the change (replaying the document's changes on the lines they touch)."""
        samples = self.samples
        if all(len(samples.get(rule_key(c), ())) >= SAMPLES_PER_RULE or not (c.removed or c.added) for c in changes):
            return
        base, first = text_in, 0
        for k, c in enumerate(changes):
            if c.action == "rewrite":
                base, first = c.added, k + 1
        lines = split_lines(base)
        state: dict[int, str] = {}
        for k, c in enumerate(changes):
            key = rule_key(c)
            want = len(samples.get(key, ())) < SAMPLES_PER_RULE and bool(c.removed or c.added)
            if c.action == "rewrite":
                if want and k < first:
                    samples.setdefault(key, []).append({"doc": doc, "line": -1, "action": c.action,
                                                        "before": _clip(c.removed, 0, SAMPLE_CONTEXT),
                                                        "after": _clip(c.added, 0, SAMPLE_CONTEXT)})
                continue
            if k < first:
                continue
            cur = state.get(c.line)
            if cur is None:
                cur = lines[c.line] if 0 <= c.line < len(lines) else ""
            after = None if c.action == "drop_line" else cur[:c.start] + c.added + cur[c.end:]
            if want:
                end = c.start + len(c.added)
                samples.setdefault(key, []).append({
                    "doc": doc, "line": c.line, "action": c.action,
                    "before": _clip(cur, c.start, c.end),
                    "after": None if after is None else _clip(after, c.start, end)})
            state[c.line] = after or ""

    def _count_change(self, c: Change, per_outlet: Counter[Any]) -> None:
        key = rule_key(c)
        removed = utf8_len(c.removed) if c.removed else 0
        self.rules[key] += 1
        self.rule_chars[key] += len(c.removed)
        self.rule_bytes[key] += removed
        per_outlet[("count", key)] += 1
        per_outlet[("bytes", key)] += removed
        if c.action == "drop_line":
            self.rule_lines[key] += 1
            per_outlet[("lines", key)] += 1
            if c.cleaner != "blank_lines":
                per_outlet["lines_dropped"] += 1
        elif c.action == "replace" and c.removed and not c.added:
            per_outlet["spans_cut"] += 1

    def take_off(self, changes: Iterable[Change], outlet: str | None, *, newline_bytes: int = 1,
                 emptied: bool = False, doc: str = "") -> None:
        """Lines a later pass removed (near-duplicates dropped) from a document already counted: they
        leave the output counts and join the rule counts, run-wide and for the outlet."""
        per_outlet = self.outlets.setdefault(outlet or "(unknown)", Counter())
        for c in changes:
            if c.action != "drop_line":
                continue
            gone = utf8_len(c.removed) + newline_bytes
            self.lines_out -= 1
            self.bytes_out -= gone
            per_outlet["lines_out"] -= 1
            per_outlet["bytes_out"] -= gone
            self._count_change(c, per_outlet)
            rows = self.samples.setdefault(rule_key(c), [])
            if len(rows) < SAMPLES_PER_RULE:
                rows.append({"doc": doc, "line": c.line, "action": c.action,
                             "before": _clip(c.removed, 0, SAMPLE_CONTEXT), "after": None})
        if emptied:
            self.documents_out -= 1
            self.documents_emptied += 1
            per_outlet["emptied"] += 1

    def fail(self, path: str, reason: str, line: int | None = None) -> None:
        self.failures_total += 1
        if len(self.failures) < MAX_REPORTED:
            row: dict[str, Any] = {"path": path, "reason": reason}
            if line is not None:
                row["line"] = line
            self.failures.append(row)

    def note(self, path: str, note: str) -> None:
        self.notes_total += 1
        if len(self.notes) < MAX_REPORTED:
            self.notes.append({"path": path, "note": note})

    _SCALARS = ("files", "files_failed", "documents_in", "documents_out", "documents_emptied",
                "records_rejected", "lines_in", "lines_out", "bytes_in", "bytes_out")
    _COUNTERS = ("rules", "rule_chars", "rule_bytes", "rule_lines", "rules_timed_out")

    def merge(self, other: RunStats) -> None:
        """Add ``other``'s counts to these (in place; ``failures`` are appended)."""
        for name in self._SCALARS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in self._COUNTERS:
            getattr(self, name).update(getattr(other, name))
        for k, v in other.outlets.items():
            self.outlets.setdefault(k, Counter()).update(v)
        self.failures.extend(other.failures[: MAX_REPORTED - len(self.failures)])
        self.failures_total += other.failures_total
        self.notes.extend(other.notes[: MAX_REPORTED - len(self.notes)])
        self.notes_total += other.notes_total
        for k, rows in other.samples.items():
            mine = self.samples.setdefault(k, [])
            mine.extend(rows[: SAMPLES_PER_RULE - len(mine)])
        self.emptied.extend(other.emptied[: EMPTIED_SAMPLES - len(self.emptied)])

    def to_state(self) -> dict[str, Any]:
        """Every field, as JSON (for the run journal); :meth:`from_state` reads it back equal."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "outlets":
                v = {k: [[list(x) if isinstance(x, tuple) else x, n] for x, n in c.items()] for k, c in v.items()}
            elif isinstance(v, Counter):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunStats:
        st = cls()
        for f in dataclasses.fields(st):
            if f.name not in state:
                continue
            v = state[f.name]
            if f.name == "outlets":
                v = {k: Counter({tuple(x) if isinstance(x, list) else x: n for x, n in rows}) for k, rows in v.items()}
            elif isinstance(getattr(st, f.name), Counter):
                v = Counter(v)
            setattr(st, f.name, v)
        return st

    def __add__(self, other: RunStats) -> RunStats:
        out = RunStats()
        out.merge(self)
        out.merge(other)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_failed": self.files_failed,
            "documents": {"in": self.documents_in, "out": self.documents_out,
                          "emptied": self.documents_emptied, "rejected_records": self.records_rejected},
            "lines": {"in": self.lines_in, "out": self.lines_out},
            "bytes": {"in": self.bytes_in, "out": self.bytes_out},
            "rules": {k: {"count": self.rules[k], "lines_dropped": self.rule_lines[k],
                          "chars_removed": self.rule_chars[k], "bytes_removed": self.rule_bytes[k]}
                      for k in sorted(self.rules)},
            "rules_timed_out": dict(sorted(self.rules_timed_out.items())),
            "outlets": {k: _outlet_json(v) for k, v in sorted(self.outlets.items())},
            "failures": self.failures,
            "failures_total": self.failures_total,
            "notes": self.notes,
            "notes_total": self.notes_total,
            "samples": {k: self.samples[k] for k in sorted(self.samples)},
            "emptied": self.emptied,
        }


def _outlet_json(c: Counter[Any]) -> dict[str, Any]:
    rules: dict[str, dict[str, int]] = {}
    for k, v in c.items():
        if isinstance(k, tuple):
            rules.setdefault(k[1], {"count": 0, "lines_dropped": 0, "bytes_removed": 0})
            rules[k[1]][{"count": "count", "lines": "lines_dropped", "bytes": "bytes_removed"}[k[0]]] = v
    return {"documents": c["documents"], "emptied": c["emptied"],
            "lines": {"in": c["lines_in"], "out": c["lines_out"]},
            "bytes": {"in": c["bytes_in"], "out": c["bytes_out"]},
            "lines_dropped": c["lines_dropped"], "spans_cut": c["spans_cut"],
            "rules": dict(sorted(rules.items()))}


def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json`` (shipped in the package as ``schemas/report.schema.json``):
    ``jsonschema.validate(report, report_schema())``."""
    from importlib import resources

    return json.loads((resources.files("newsclean") / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    # backslashreplace: a lone surrogate (from a JSON input or a file name that is not UTF-8) is
    # written as its \uXXXX escape, which is what JSON reads back as the same string.
    with atomic_writer(path, errors="backslashreplace") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def change_row(doc: str, c: Change) -> dict[str, Any]:
    row = {"doc": doc, "line": c.line, "cleaner": c.cleaner, "rule": c.rule, "action": c.action,
           "start": c.start, "end": c.end, "removed": c.removed}
    if c.added:
        row["added"] = c.added
    if c.score is not None:
        row["score"] = c.score
    return row
