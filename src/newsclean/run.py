"""A cleaning run over files: streaming, optionally in parallel, with reports and near-duplicates.

Documents flow in input order through batches. With ``jobs > 1`` the batches are cleaned by worker
processes (each builds the pipeline once) with a bounded number in flight, and results are written
back in input order, so every output file is byte-identical whatever the number of jobs. Memory does
not grow with the corpus: a batch at a time is held, outputs and reports are written as documents
come back, and the near-duplicate index keeps compact arrays, not text.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .catalog import Catalog, load_rule_file
from .document import Change, Cleaned, Document, split_lines
from .io import (
    BadRecord,
    InputFile,
    RecordWriter,
    doc_from_record,
    read_html,
    read_jsonl,
    read_parquet,
    read_txt,
    write_text_atomic,
)
from .pipeline import Pipeline, replay
from .report import RunStats, change_row

__all__ = ["PipelineSpec", "Runner", "TextSpill", "base_text", "kept_lines"]

#: Documents per batch sent to a worker, and batches in flight per worker: enough to keep both
#: cores busy, small enough that memory stays flat.
BATCH_DOCS = 64
BATCH_CHARS = 2_000_000
IN_FLIGHT_PER_JOB = 3


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker needs to rebuild the pipeline: picklable, unlike compiled regexes."""

    lang: str | None = "auto"
    rule_texts: tuple[tuple[str, str], ...] = ()  # (name, TOML text) of extra rule files

    def build(self) -> Pipeline:
        from .catalog import default_catalog

        cat = default_catalog()
        for name, text in self.rule_texts:
            cat = cat + Catalog(tuple(load_rule_file(name, text=text)))
        return Pipeline.default(lang=self.lang, catalog=cat)


_WORKER_PIPELINE: Pipeline | None = None


def _worker_init(spec: PipelineSpec) -> None:
    global _WORKER_PIPELINE
    _WORKER_PIPELINE = spec.build()


def _worker_clean(docs: list[Document]) -> list[Cleaned]:
    assert _WORKER_PIPELINE is not None
    return [_WORKER_PIPELINE.explain(d) for d in docs]


def base_text(text: str, cleaned: Cleaned) -> str:
    """The text whose lines explain steps number: the input, or its last whole-text rewrite."""
    for c in cleaned.changes:
        if c.action == "rewrite":
            text = c.added
    return text


def kept_lines(text: str, cleaned: Cleaned) -> list[tuple[int, str]]:
    """(input line number, cleaned text) of the lines a cleaned document kept: every kept line is
    exactly one output line, in order, because line cleaners never add line breaks."""
    if not cleaned.text:
        return []
    n_lines = len(split_lines(base_text(text, cleaned)))
    dropped = {c.line for c in cleaned.changes if c.action == "drop_line"}
    kept = (i for i in range(n_lines) if i not in dropped)
    return list(zip(kept, cleaned.text.split("\n")))


def drop_lines(text: str, cleaned: Cleaned, lines: set[int], rule: str = "near_duplicate") -> Cleaned:
    """Remove more input lines (near-duplicates) from a cleaned document, recording each removal."""
    state: list[str | None] = list(split_lines(base_text(text, cleaned)))
    for c in cleaned.changes:
        if c.action == "rewrite":
            continue
        if c.action == "drop_line":
            state[c.line] = None
        else:
            cur = state[c.line]
            assert cur is not None
            state[c.line] = cur[: c.start] + c.added + cur[c.end:]
    extra = [Change("drop_line", "dedup", rule, i, 0, len(state[i] or ""), state[i] or "", "")
             for i in sorted(lines) if 0 <= i < len(state) and state[i] is not None]
    changes = cleaned.changes + tuple(extra)
    return Cleaned(replay(text, changes), changes)


@dataclass
class _Item:
    """One unit in the ordered stream: a document to clean, or a marker the writer acts on."""

    kind: str  # "doc", "reject", "file_error", "file_end"
    file: int
    doc: Document | None = None
    rec: dict[str, Any] | None = None
    info: dict[str, Any] | None = None


@dataclass
class DocDone:
    """A cleaned document as the run hands it to observers (dedup, explain, second pass)."""

    file: int
    doc: Document
    cleaned: Cleaned


@dataclass
class Runner:
    """Runs a pipeline over input files and writes mirrored outputs under ``out``."""

    files: Sequence[InputFile]
    out: Path
    spec: PipelineSpec
    jobs: int = 1
    quiet: bool = True
    stats: RunStats = field(default_factory=RunStats)
    rejects_fh: IO[str] | None = None
    explain_fh: IO[str] | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {self.jobs}")
        self._pipeline: Pipeline | None = None
        self._seen_ids: set[int] = set()
        self._renamed: dict[tuple[int, int], str] = {}
        self._keys_frozen = False

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self.spec.build()
        return self._pipeline

    # -- reading ---------------------------------------------------------------------------------

    def _items(self, indexes: Sequence[int]) -> Iterator[_Item]:
        for fi in indexes:
            f = self.files[fi]
            try:
                if f.kind == "txt":
                    yield _Item("doc", fi, read_txt(f))
                elif f.kind == "html":
                    yield _Item("doc", fi, read_html(f))
                else:
                    reader = read_parquet(f) if f.kind == "parquet" else read_jsonl(f)
                    for n, rec in reader:
                        if isinstance(rec, BadRecord):
                            yield _Item("reject", fi, info={"line": n, "reason": rec.reason, "raw": rec.raw})
                            continue
                        try:
                            doc = doc_from_record(rec, default_id=f"{f.rel}:{n}")
                        except ValueError as exc:
                            yield _Item("reject", fi, info={"line": n, "reason": str(exc),
                                                            "raw": json.dumps(rec, ensure_ascii=False, default=str)})
                            continue
                        key = self._unique_key(fi, n, doc.id)
                        if key != doc.id:
                            doc = Document(doc.text, id=key, metadata=doc.metadata)
                        yield _Item("doc", fi, doc, rec)
            except UnicodeDecodeError as exc:
                reason = f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}"
                yield _Item("file_error", fi, info={"reason": reason})
                continue
            except (OSError, EOFError, ValueError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                yield _Item("file_error", fi, info={"reason": f"cannot read: {reason}"})
                continue
            except Exception as exc:  # a corrupt archive or Parquet file, from the library below
                yield _Item("file_error", fi, info={"reason": f"cannot read: {type(exc).__name__}: {exc}"})
                continue
            yield _Item("file_end", fi)

    def _unique_key(self, fi: int, n: int, key: str) -> str:
        """Document keys name documents in duplicate reports, so they must be unique in the run: a
        record whose id was seen before is keyed ``path:line``. A later pass over some of the files
        finds the same keys (renames are remembered; the ids seen are kept as 64-bit hashes)."""
        renamed = self._renamed.get((fi, n))
        if renamed is not None or self._keys_frozen:
            return renamed or key
        h = hash(key)
        if h in self._seen_ids:
            renamed = f"{self.files[fi].rel}:{n}"
            self._renamed[(fi, n)] = renamed
            return renamed
        self._seen_ids.add(h)
        return key

    def _batches(self, items: Iterator[_Item]) -> Iterator[list[_Item]]:
        batch: list[_Item] = []
        docs = chars = 0
        for it in items:
            batch.append(it)
            if it.doc is not None:
                docs += 1
                chars += len(it.doc.text)
            if docs >= BATCH_DOCS or chars >= BATCH_CHARS:
                yield batch
                batch, docs, chars = [], 0, 0
        if batch:
            yield batch

    def _cleaned(self, items: Iterator[_Item]) -> Iterator[tuple[_Item, Cleaned | None]]:
        """Items in input order, each document with its cleaned result."""
        if self.jobs == 1:
            p = self.pipeline
            for it in items:
                yield it, (p.explain(it.doc) if it.doc is not None else None)
            return
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(self.jobs, initializer=_worker_init, initargs=(self.spec,)) as pool:
            pending: deque[tuple[list[_Item], Any]] = deque()
            limit = self.jobs * IN_FLIGHT_PER_JOB
            for batch in self._batches(items):
                docs = [it.doc for it in batch if it.doc is not None]
                pending.append((batch, pool.apply_async(_worker_clean, (docs,))))
                while len(pending) >= limit:
                    yield from self._drain(pending.popleft())
            while pending:
                yield from self._drain(pending.popleft())

    @staticmethod
    def _drain(entry: tuple[list[_Item], Any]) -> Iterator[tuple[_Item, Cleaned | None]]:
        batch, result = entry
        cleaned = iter(result.get())
        for it in batch:
            yield it, (next(cleaned) if it.doc is not None else None)

    # -- the run ---------------------------------------------------------------------------------

    def run(self, indexes: Sequence[int] | None = None, *, drops: dict[str, set[int]] | None = None,
            on_doc: Callable[[DocDone], None] | None = None, on_file: Callable[[int], None] | None = None,
            write: bool = True, count: bool = True) -> None:
        """Clean the files (all, or ``indexes``), writing outputs; ``drops`` removes more lines
        (doc key -> input line numbers); ``on_doc`` sees every cleaned document."""
        idx = list(range(len(self.files))) if indexes is None else list(indexes)
        writers: dict[int, RecordWriter] = {}
        failed: set[int] = set()
        stats = self.stats if count else RunStats()
        try:
            for it, cleaned in self._cleaned(self._items(idx)):
                f = self.files[it.file]
                if it.kind == "file_error":
                    failed.add(it.file)
                    w = writers.pop(it.file, None)
                    if w is not None:
                        w.abort()
                    stats.files += 1
                    stats.files_failed += 1
                    stats.fail(f.rel, it.info["reason"])  # type: ignore[index]
                    if on_file:
                        on_file(it.file)
                    continue
                if it.kind == "reject":
                    info = it.info or {}
                    stats.records_rejected += 1
                    stats.fail(f.rel, info["reason"], line=info["line"])
                    if self.rejects_fh is not None:
                        self.rejects_fh.write(json.dumps({"path": f.rel, **info}, ensure_ascii=False) + "\n")
                    continue
                if it.kind == "file_end":
                    stats.files += 1
                    w = writers.pop(it.file, None)
                    if w is not None:
                        w.close()
                    elif write and f.kind in ("jsonl", "parquet"):  # a file with no good record
                        RecordWriter(self.out / f.output_rel(), f.kind, f.compression).close()
                    if on_file:
                        on_file(it.file)
                    continue
                doc = it.doc
                assert doc is not None and cleaned is not None
                if drops and doc.id in drops:
                    cleaned = drop_lines(doc.text, cleaned, drops[doc.id])
                stats.add_document(doc.text, cleaned.text, cleaned.changes, doc.outlet,
                                   len(split_lines(base_text(doc.text, cleaned))))
                if write:
                    self._write(it, cleaned, writers)
                if self.explain_fh is not None:
                    for c in cleaned.changes:
                        if (c.removed or c.added) and (count or c.cleaner == "dedup"):
                            self.explain_fh.write(json.dumps(change_row(doc.id, c), ensure_ascii=False) + "\n")
                if on_doc:
                    on_doc(DocDone(it.file, doc, cleaned))
        finally:
            for w in writers.values():
                w.abort()
        if indexes is None:
            # Keys are assigned by the first full pass; later passes over some files reuse them.
            self._keys_frozen = True
            self._seen_ids = set()

    def _write(self, it: _Item, cleaned: Cleaned, writers: dict[int, RecordWriter]) -> None:
        f = self.files[it.file]
        target = self.out / f.output_rel()
        if it.rec is None:  # .txt / .html: one document per file
            write_text_atomic(target, cleaned.text + ("\n" if cleaned.text else ""))
            return
        w = writers.get(it.file)
        if w is None:
            w = writers[it.file] = RecordWriter(target, f.kind, f.compression)
        out_rec = dict(it.rec)
        out_rec["text"] = cleaned.text
        w.write(out_rec)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class TextSpill:
    """Cleaned paragraph texts parked in a temporary file, found again by ``(doc, line)``: the texts of
    near-duplicate cluster members without a second cleaning pass and without holding text in RAM
    (20 bytes per paragraph in memory, the UTF-8 text on disk; the file is deleted on close)."""

    def __init__(self, directory: str | None = None) -> None:
        self._fh = tempfile.TemporaryFile(dir=directory)
        self._doc_ids: dict[str, int] = {}
        self._keys = array("q")  # doc id << 32 | line
        self._offsets = array("q")
        self._lengths = array("i")
        self._pos = 0
        self._sorted: tuple[Any, Any, Any] | None = None

    def add(self, doc: str, line: int, text: str) -> None:
        d = self._doc_ids.setdefault(doc, len(self._doc_ids))
        data = text.encode("utf-8")
        self._fh.write(data)
        self._keys.append((d << 32) | line)
        self._offsets.append(self._pos)
        self._lengths.append(len(data))
        self._pos += len(data)
        self._sorted = None

    def get(self, doc: str, line: int) -> str | None:
        import numpy as np

        d = self._doc_ids.get(doc)
        if d is None:
            return None
        if self._sorted is None:
            self._fh.flush()
            keys = np.frombuffer(self._keys, dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self._sorted = (keys[order], np.frombuffer(self._offsets, dtype=np.int64)[order],
                            np.frombuffer(self._lengths, dtype=np.int32)[order])
        keys, offsets, lengths = self._sorted
        key = (d << 32) | line
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or int(keys[i]) != key:
            return None
        self._fh.seek(int(offsets[i]))
        return self._fh.read(int(lengths[i])).decode("utf-8")

    def close(self) -> None:
        self._fh.close()
