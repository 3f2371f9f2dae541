"""Counters that add up across files and workers, and the report files written to OUT/_newsclean/."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import Change
from .io import atomic_writer, utf8_len

__all__ = ["MAX_REPORTED", "RunStats", "write_json"]

#: report.json lists at most this many failures (and notes); the rest are only counted there, and
#: every rejected record and failed file is in rejected.jsonl anyway. Keeps the report small
#: whatever the corpus.
MAX_REPORTED = 1000


@dataclass
class RunStats:
    """Everything ``report.json`` counts. ``a + b`` adds two runs (e.g. two workers)."""

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
    # (cleaner, rule) -> [lines dropped, spans changed, characters removed]
    rules: Counter[str] = field(default_factory=Counter)
    rule_chars: Counter[str] = field(default_factory=Counter)
    # Rules left out of a document's cleaning because they took too long on it (rule -> documents).
    rules_timed_out: Counter[str] = field(default_factory=Counter)
    outlets: dict[str, Counter[str]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_REPORTED
    failures_total: int = 0
    # Things done differently from what the input asked, that lose nothing (an HTML page decoded
    # with another charset than it declares): the first MAX_REPORTED, and how many.
    notes: list[dict[str, Any]] = field(default_factory=list)
    notes_total: int = 0

    def add_document(self, text_in: str, text_out: str, changes: Iterable[Change], outlet: str | None,
                     lines_in: int) -> None:
        self.documents_in += 1
        self.lines_in += lines_in
        in_bytes = utf8_len(text_in)
        self.bytes_in += in_bytes
        out_bytes = utf8_len(text_out)
        self.bytes_out += out_bytes
        self.lines_out += text_out.count("\n") + 1 if text_out else 0
        if text_out:
            self.documents_out += 1
        else:
            self.documents_emptied += 1
        per_outlet = self.outlets.setdefault(outlet or "(unknown)", Counter())
        per_outlet["documents"] += 1
        per_outlet["bytes_in"] += in_bytes
        per_outlet["bytes_out"] += out_bytes
        for c in changes:
            key = f"{c.cleaner}:{c.rule}"
            self.rules[key] += 1
            self.rule_chars[key] += len(c.removed)
            if c.action == "drop_line" and c.cleaner != "blank_lines":
                per_outlet["lines_dropped"] += 1
                per_outlet[f"rule:{c.rule}"] += 1
            elif c.action == "replace" and c.removed and not c.added:
                per_outlet["spans_cut"] += 1
                per_outlet[f"rule:{c.rule}"] += 1

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

    def merge(self, other: RunStats) -> None:
        """Add ``other``'s counts to these (in place; ``failures`` are appended)."""
        for name in ("files", "files_failed", "documents_in", "documents_out", "documents_emptied",
                     "records_rejected", "lines_in", "lines_out", "bytes_in", "bytes_out"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rules.update(other.rules)
        self.rule_chars.update(other.rule_chars)
        self.rules_timed_out.update(other.rules_timed_out)
        for k, v in other.outlets.items():
            self.outlets.setdefault(k, Counter()).update(v)
        self.failures.extend(other.failures[: MAX_REPORTED - len(self.failures)])
        self.failures_total += other.failures_total
        self.notes.extend(other.notes[: MAX_REPORTED - len(self.notes)])
        self.notes_total += other.notes_total

    def __add__(self, other: RunStats) -> RunStats:
        out = RunStats()
        for name in ("files", "files_failed", "documents_in", "documents_out", "documents_emptied",
                     "records_rejected", "lines_in", "lines_out", "bytes_in", "bytes_out"):
            setattr(out, name, getattr(self, name) + getattr(other, name))
        out.rules = self.rules + other.rules
        out.rule_chars = self.rule_chars + other.rule_chars
        out.rules_timed_out = self.rules_timed_out + other.rules_timed_out
        out.outlets = {k: Counter(v) for k, v in self.outlets.items()}
        for k, v in other.outlets.items():
            out.outlets.setdefault(k, Counter()).update(v)
        out.failures = (self.failures + other.failures)[:MAX_REPORTED]
        out.failures_total = self.failures_total + other.failures_total
        out.notes = (self.notes + other.notes)[:MAX_REPORTED]
        out.notes_total = self.notes_total + other.notes_total
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_failed": self.files_failed,
            "documents": {"in": self.documents_in, "out": self.documents_out,
                          "emptied": self.documents_emptied, "rejected_records": self.records_rejected},
            "lines": {"in": self.lines_in, "out": self.lines_out},
            "bytes": {"in": self.bytes_in, "out": self.bytes_out},
            "rules": {k: {"count": self.rules[k], "chars_removed": self.rule_chars[k]}
                      for k in sorted(self.rules)},
            "rules_timed_out": dict(sorted(self.rules_timed_out.items())),
            "outlets": {k: dict(sorted(v.items())) for k, v in sorted(self.outlets.items())},
            "failures": self.failures,
            "failures_total": self.failures_total,
            "notes": self.notes,
            "notes_total": self.notes_total,
        }


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
    return row
