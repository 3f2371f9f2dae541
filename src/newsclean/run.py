"""A cleaning run over files: streaming, optionally in parallel, with reports and near-duplicates.

The main process reads the inputs as raw units, in input order: a JSONL line as bytes, a small
batch of Parquet rows, or the name of a ``.txt`` / ``.html`` file. Units go to the workers in
tasks (with ``jobs > 1``, worker processes that each build the pipeline once; with one job, the
same code inline), a bounded number in flight. A worker does all the per-document work: parse
the record, build the document, clean it, encode its output record, count it (a per-task
:class:`~newsclean.report.RunStats`), render its explain rows, and sketch its kept paragraphs for
the near-duplicate index (:func:`newsclean.dedup.index.sketch_documents`). The main process takes
the results back in input order and only does what must happen in order: give each document its
unique key (a repeated record id becomes ``path:line``), write the output bytes, reject and
explain rows, add the sketched paragraphs to the index and their texts to the spill, merge the
counts. So every output file is byte-identical whatever the number of jobs. Memory does not grow
with the corpus: a few tasks are in flight, outputs and reports are written as results come back,
and the near-duplicate index keeps compact arrays, not text.

What a record file did is provisional until its end: if it fails part-way, its counts, keys,
explain and reject rows and paragraphs are taken back (:class:`_OpenFile`), so a failed file
influences no other output. Each document is cleaned within a CPU-time budget
(:mod:`newsclean.budget`). Every group of results the main process consumes can be recorded in a
journal (:mod:`newsclean.journal`), from which an interrupted run is resumed.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import signal
import sys
import tempfile
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .budget import DEFAULT_SECONDS, OverBudget, cpu_budget, document_budget
from .budget import stop as stop_budget_clock
from .catalog import Catalog, Rule, load_rule_file, rule_matches
from .document import Change, Cleaned, Document, count_lines, split_lines
from .io import (
    BadRecord,
    InputFile,
    ParsedRecords,
    RecordWriter,
    check_jsonl_start,
    doc_from_record,
    json_line,
    open_binary,
    open_input,
    parse_jsonl_line,
    read_error_reason,
    read_html,
    read_txt,
    record_line,
    reject_row,
    remove_temps_beside,
    write_text_atomic,
)
from .journal import Journal
from .pipeline import BlankLines, Pipeline, output_newline, replay
from .report import RunStats, change_row

__all__ = ["DedupIntake", "PipelineSpec", "Runner", "TextSpill", "base_text", "kept_lines"]

#: Documents (or characters) per task sent to a worker, and tasks (or characters) in flight per
#: worker: enough to keep every core busy, small enough that memory stays flat.
BATCH_DOCS = 64
BATCH_CHARS = 2_000_000
IN_FLIGHT_PER_JOB = 3
#: Parquet rows per read batch, each one unit of work (as :func:`newsclean.io.read_parquet` reads).
PARQUET_BATCH_ROWS = 1024

#: Input kinds holding many records (keys made unique by the run) and one document per file.
RECORD_KINDS = ("jsonl", "parquet")


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker needs to rebuild the pipeline: picklable, unlike compiled regexes."""

    lang: str | None = "auto"
    rule_texts: tuple[tuple[str, str], ...] = ()  # (name, TOML text) of extra rule files
    blank_lines: str = "drop"  # see newsclean.pipeline.BlankLines
    newline: str = "\n"  # see Pipeline
    #: CPU seconds a document's cleaning may take (plus some per MB: newsclean.budget); None: no limit.
    time_limit: float | None = DEFAULT_SECONDS
    exclude: tuple[str, ...] = ()  # ids of rules left out (found too slow on some document)
    templates: Any = None  # newsclean.templates.Templates learned from the run's inputs, or None
    line_model: bool = True  # score the lines the rules left (newsclean.linemodel)

    def build(self) -> Pipeline:
        from .catalog import default_catalog

        cat = default_catalog()
        for name, text in self.rule_texts:
            cat = cat + Catalog(tuple(load_rule_file(name, text=text)))
        if self.exclude:
            cat = Catalog(tuple(r for r in cat.rules if r.id not in self.exclude))
        return Pipeline.default(lang=self.lang, catalog=cat, blank_lines=self.blank_lines,  # type: ignore[arg-type]
                                newline=self.newline, templates=self.templates,  # type: ignore[arg-type]
                                line_model=self.line_model)

    def user_rules(self) -> list[Rule]:
        """The rules of the extra rule files (the ones whose time is watched: see _Worker)."""
        return [r for name, text in self.rule_texts for r in load_rule_file(name, text=text, check=False)]


def base_text(text: str, cleaned: Cleaned) -> str:
    """The text whose lines explain steps number: the input, or its last whole-text rewrite."""
    for c in cleaned.changes:
        if c.action == "rewrite":
            text = c.added
    return text


def line_steps(cleaned: Cleaned) -> tuple[Change, ...]:
    """The steps after the last whole-text rewrite: the ones that number the lines of
    :func:`base_text`."""
    changes = cleaned.changes
    for k in range(len(changes) - 1, -1, -1):
        if changes[k].action == "rewrite":
            return changes[k + 1:]
    return changes


def kept_lines(text: str, cleaned: Cleaned) -> list[tuple[int, str]]:
    """(input line number, cleaned text) of the lines a cleaned document kept: every kept line is
    exactly one output line, in order, because line cleaners never add line breaks."""
    if not cleaned.text:
        return []
    n_lines = count_lines(base_text(text, cleaned))
    dropped = {c.line for c in line_steps(cleaned) if c.action == "drop_line"}
    kept = (i for i in range(n_lines) if i not in dropped)
    return list(zip(kept, split_lines(cleaned.text)))


def drop_lines(text: str, cleaned: Cleaned, lines: set[int], rule: str = "near_duplicate", *,
               newline: str = "\n", blank_lines: str = "drop") -> Cleaned:
    """Remove more input lines (near-duplicates) from a cleaned document, recording each removal.
    With ``blank_lines="collapse"`` the paragraph breaks left without a paragraph on both sides go
    too (recorded as ``dedup`` drops of rule ``blank``)."""
    state: list[str | None] = list(split_lines(base_text(text, cleaned)))
    for c in line_steps(cleaned):
        if c.action == "drop_line":
            state[c.line] = None
        else:
            cur = state[c.line]
            assert cur is not None
            state[c.line] = cur[: c.start] + c.added + cur[c.end:]
    extra = []
    for i in sorted(lines):
        if 0 <= i < len(state) and state[i] is not None:
            extra.append(Change("drop_line", "dedup", rule, i, 0, len(state[i] or ""), state[i] or "", ""))
            state[i] = None
    if blank_lines == "collapse" and extra:
        extra.extend(BlankLines(name="dedup", mode="collapse").run(state, Document("")))
    changes = cleaned.changes + tuple(extra)
    return Cleaned(replay(text, changes, newline=newline), changes)


def account_drops(stats: RunStats, cleaned: Cleaned, newline_bytes: int = 1, outlet: str | None = None,
                  doc: str = "") -> None:
    """Counts of a document that a second pass cleaned with near-duplicates dropped: its lines left
    the output after the first pass counted them."""
    dropped = [c for c in cleaned.changes if c.cleaner == "dedup"]
    stats.take_off(dropped, outlet, newline_bytes=newline_bytes, emptied=bool(dropped) and not cleaned.text,
                   doc=doc)


@dataclass
class DocDone:
    """A cleaned document as the run hands it to ``on_doc`` observers (e.g. rule learning)."""

    file: int
    doc: Document
    cleaned: Cleaned


# -- the work of one task, in a worker (or inline) ---------------------------------------------------
#
# Units (main -> worker), in input order:
#   ("rec", fi, n, raw)       non-blank line n (1-based) of a JSONL file, as bytes
#   ("rows", fi, n0, batch)   Parquet rows n0 + 1 ... (a pyarrow RecordBatch)
#   ("file", fi)              a .txt / .html file: the worker reads it
#   ("end", fi)               the reader reached the end of file fi
#   ("error", fi, reason)     the reader could not go on reading file fi
# Entries (worker -> main), in the same order:
#   ("doc", fi, n, key, paragraphs, date, outlet, output, explain, done)
#   ("reject", fi, info)      a record that cannot be used (copied to rejected.jsonl)
#   ("fail", fi, reason)      the worker could not read file fi (on) -- the file failed
#   ("end", fi) / ("error", fi, reason), passed through
# Entries come in groups that share counts and sketches: a group is a run of entries of one record
# file, or of one-document files. If a record file fails, the main process skips its later groups.


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs for one run (picklable)."""

    spec: PipelineSpec
    files: tuple[tuple[str, str, str, str], ...]  # (rel, kind, path, output path) per input file
    write: bool = True
    count: bool = True  # count documents (else, with account, count only the lines drops remove)
    account: bool = False
    explain: bool = False
    keep_docs: bool = False  # hand Document and Cleaned back (for on_doc)
    dedup: Any = None  # DedupConfig: sketch kept paragraphs
    python_kernels: bool = False  # sketch them on the Python path (newsclean.dedup.jit: a small input)
    drops: Mapping[str, set[int]] | None = None
    renamed: Mapping[tuple[int, int], str] = field(default_factory=dict)


class _Group:
    __slots__ = ("key", "entries", "stats", "doc_no", "lines", "texts", "n_docs")

    def __init__(self, key: int | None, job: _Job) -> None:
        self.key = key
        self.entries: list[tuple[Any, ...]] = []
        self.stats = RunStats() if job.count or job.account else None
        self.doc_no: list[int] = []
        self.lines: list[int] = []
        self.texts: list[str] = []
        self.n_docs = 0

    def result(self, job: _Job) -> tuple[Any, ...]:
        sketched = spill = None
        if job.dedup is not None and self.texts:
            from .dedup.index import sketch_documents

            with _sketching(job.python_kernels):
                sketched = sketch_documents(job.dedup, self.doc_no, self.lines, self.texts)
            enc = [t.encode("utf-8", "surrogatepass") for t in self.texts]
            spill = (array("q", self.lines), array("i", map(len, enc)), b"".join(enc))
        return (self.key, self.stats, sketched, spill, self.entries)


_IN_WORKER = False  # set in worker processes


@contextmanager
def _sketching(python: bool) -> Iterator[None]:
    """Where a task's paragraphs are sketched: on the Python path (no numba; see
    :mod:`newsclean.dedup.jit`) or on one numba thread (:func:`_one_numba_thread`)."""
    from .dedup import jit

    if python:
        with jit.python_kernels():
            yield
        return
    with jit.python_kernels(False), _one_numba_thread():
        yield


@contextmanager
def _one_numba_thread() -> Iterator[None]:
    """Sketch a task's paragraphs on one numba thread: the workers are the parallelism, and a
    task's few hundred paragraphs are sketched faster by one thread than by waking a thread pool
    (3-5x on a busy machine). Worker processes stay at one thread; inline, the setting is restored
    for the rest of the run (the index's own parallel kernels)."""
    from .dedup.jit import numba_module

    numba = numba_module()  # the fork-safe threading layer asked for before numba's threads start

    if _IN_WORKER:
        if numba.get_num_threads() != 1:
            numba.set_num_threads(1)
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


class _Worker:
    """Cleans the units of one task (see above) into entries."""

    def __init__(self, job: _Job, pipeline: Pipeline, parsed: ParsedRecords | None = None) -> None:
        self.job = job
        self.pipeline = pipeline
        self.parsed = parsed
        self._user_rules: list[Rule] | None = None
        self._without: dict[tuple[str, ...], Pipeline] = {}

    def process(self, units: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        job = self.job
        groups: list[_Group] = []
        g: _Group | None = None
        dead: set[int] = set()  # files that failed in this task
        for u in units:
            kind, fi = u[0], u[1]
            rel, fkind, path, target = job.files[fi]
            gkey = fi if fkind in RECORD_KINDS else None
            if g is None or g.key != gkey:
                g = _Group(gkey, job)
                groups.append(g)
            if fi in dead:
                continue
            if kind == "rec":
                if self.parsed is not None:
                    hit = self.parsed.take(path, u[2], u[3])
                    if hit is not None:  # parsed by the learning pass: the same bytes, the same record
                        self._document(g, fi, u[2], hit[1], hit[0], None, u[3])
                        continue
                rec = parse_jsonl_line(u[2], u[3])
                if isinstance(rec, BadRecord):
                    g.entries.append(("reject", fi, {"line": rec.line, "reason": rec.reason, **reject_row(u[3])}))
                elif not self._record(g, fi, u[2], rec, rel, u[3]):
                    dead.add(fi)
            elif kind == "rows":
                try:
                    rows = u[3].to_pylist()
                except Exception as exc:  # a value Python cannot hold (a timestamp out of range...)
                    g.entries.append(("fail", fi, read_error_reason(exc)))
                    dead.add(fi)
                    continue
                for i, rec in enumerate(rows, u[2] + 1):
                    if not self._record(g, fi, i, rec, rel, None):
                        dead.add(fi)
                        break
            elif kind == "file":
                try:
                    doc = read_html(_input(path, rel)) if fkind == "html" else read_txt(_input(path, rel))
                except Exception as exc:
                    g.entries.append(("fail", fi, read_error_reason(exc)))
                    dead.add(fi)
                    continue
                self._document(g, fi, 0, doc, None, target, None)
            else:  # markers
                g.entries.append(u)
        return [x.result(job) for x in groups if x.entries]

    def _record(self, g: _Group, fi: int, n: int, rec: dict[str, Any], rel: str, raw: bytes | None) -> bool:
        """Clean one record (``raw``: its JSONL line; None for a Parquet row); False if the file
        cannot be read on (an error of the library below)."""
        try:
            doc = doc_from_record(rec, default_id=f"{rel}:{n}")
        except ValueError as exc:
            # The line's own bytes; a Parquet row has none, so it is kept as a JSON object
            # (values JSON cannot hold, such as timestamps or bytes, as their str()).
            kept = reject_row(raw) if raw is not None else {"row": json.loads(json.dumps(rec, default=str))}
            g.entries.append(("reject", fi, {"line": n, "reason": str(exc), **kept}))
            return True
        except Exception as exc:  # e.g. from the HTML parser: the whole file fails, as a read error
            g.entries.append(("fail", fi, read_error_reason(exc)))
            return False
        self._document(g, fi, n, doc, rec, None, raw)
        return True

    def _clean(self, g: _Group, fi: int, n: int, doc: Document) -> Cleaned | str:
        """Clean a document within its CPU budget (see newsclean.budget). Over budget, it is tried
        again (the first document of a worker pays for compiling the catalog), then the extra
        rules are timed one by one on its lines and the ones over budget are left out for this
        document, reported by rule id; if it still takes too long, why (the document is then
        rejected, whole)."""
        job = self.job
        limit = document_budget(len(doc.text), job.spec.time_limit)
        for _ in range(2):
            try:
                with cpu_budget(limit):
                    return self.pipeline.explain(doc)
            except OverBudget:
                pass
        slow = self._slow_rules(doc, limit)
        if slow:
            pipeline = self._without.get(slow)
            if pipeline is None:
                pipeline = self._without[slow] = dataclasses.replace(job.spec, exclude=slow).build()
            try:
                with cpu_budget(limit):
                    cleaned = pipeline.explain(doc)
            except OverBudget:
                pass
            else:
                if g.stats is not None and job.count:
                    for rule in slow:
                        g.stats.rules_timed_out[rule] += 1
                    g.stats.fail(job.files[fi][0], f"rule {', '.join(slow)} took more than {limit:g} s of CPU time "
                                 "on this document (a pattern that backtracks without end?): cleaned without it",
                                 line=n or None)
                return cleaned
        return f"cleaning took more than {limit:g} s of CPU time" + (
            f" (even without the slow rule {', '.join(slow)})" if slow else "")

    def _slow_rules(self, doc: Document, limit: float | None) -> tuple[str, ...]:
        """The extra rules (from rule files) that take more than ``limit`` on the document's lines."""
        if self._user_rules is None:
            self._user_rules = self.job.spec.user_rules()
        slow = []
        lines = split_lines(doc.text)
        for rule in self._user_rules:
            try:
                with cpu_budget(limit):
                    for line in lines:
                        rule_matches(rule, line)
                        if rule.follow_pattern:
                            re.fullmatch(rule.follow_pattern, line, rule.flags)
            except OverBudget:
                slow.append(rule.id)
        return tuple(slow)

    @staticmethod
    def _reject(g: _Group, fi: int, n: int, rec: dict[str, Any] | None, raw: bytes | None, reason: str) -> None:
        """A document that cannot go to the output: a record is kept whole in the rejects (its line's
        bytes, or a Parquet row), a one-document file fails."""
        if rec is None:
            g.entries.append(("fail", fi, reason))
            return
        kept = reject_row(raw) if raw is not None else {"row": json.loads(json.dumps(rec, default=str))}
        g.entries.append(("reject", fi, {"line": n, "reason": reason, **kept}))

    def _document(self, g: _Group, fi: int, n: int, doc: Document, rec: dict[str, Any] | None,
                  target: str | None, raw: bytes | None) -> None:
        job = self.job
        cleaned = self._clean(g, fi, n, doc)
        if isinstance(cleaned, str):  # could not be cleaned in time: kept whole in the rejects
            self._reject(g, fi, n, rec, raw, cleaned)
            return
        if job.drops:
            key = job.renamed.get((fi, n), doc.id)
            if key in job.drops:
                cleaned = drop_lines(doc.text, cleaned, job.drops[key], newline=self.pipeline.newline,
                                     blank_lines=self.pipeline.blank_lines)
        out: Any = None
        if job.write and rec is not None:
            out_rec = dict(rec)
            out_rec["text"] = cleaned.text
            if job.files[fi][1] == "parquet":
                out = out_rec
            else:
                try:
                    out = record_line(out_rec)
                except (ValueError, RecursionError) as exc:  # nesting json can read but not write back
                    self._reject(g, fi, n, rec, raw, f"cannot write the record back as JSON: {exc}")
                    return
        if g.stats is not None:
            if job.count:
                g.stats.add_document(doc.text, cleaned.text, cleaned.changes, doc.outlet,
                                     count_lines(base_text(doc.text, cleaned)), doc.id)
                note = doc.metadata.get("html_encoding_note") or doc.metadata.get("encoding_note")
                if note:
                    g.stats.note(job.files[fi][0], note)
            if job.account:
                account_drops(g.stats, cleaned, len(output_newline(doc.text, self.pipeline.newline)),
                              doc.outlet, doc.id)
        if job.write and rec is None:  # .txt / .html: one document per file, written here
            end = output_newline(doc.text, self.pipeline.newline) if cleaned.text else ""
            write_text_atomic(Path(target or ""), cleaned.text + end)
        explain: list[str] | None = None
        if job.explain:
            explain = []
            for c in cleaned.changes:
                if (c.removed or c.added) and (job.count or c.cleaner == "dedup"):
                    row = change_row("", c)
                    del row["doc"]
                    explain.append(json.dumps(row, ensure_ascii=False))
        paragraphs = 0
        if job.dedup is not None:
            for i, t in kept_lines(doc.text, cleaned):
                if t:
                    g.doc_no.append(g.n_docs)
                    g.lines.append(i)
                    g.texts.append(t)
                    paragraphs += 1
        g.n_docs += 1
        done = (doc, cleaned) if job.keep_docs else None
        g.entries.append(("doc", fi, n, doc.id, paragraphs, doc.date, doc.outlet, out, explain, done))


def _input(path: str, rel: str) -> InputFile:
    return InputFile(Path(path), rel)


def _start_method(*, sketching: bool) -> str:
    """Workers are forked (they start at once and share the parent's memory), except when they will
    run numba's parallel kernels and this process has already started numba's threads on a layer
    that is not fork-safe (GNU OpenMP, chosen by the user over newsclean's fork-safe default: see
    :mod:`newsclean.dedup.threading_layer`): a child forked from a process that used GNU OpenMP is
    terminated when it uses it in turn. Then they come from a fork server, a fresh process that
    never ran numba."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "fork" not in methods:
        return "spawn"
    if sketching and "numba" in sys.modules:
        from .dedup.threading_layer import fork_safe

        if not fork_safe():
            return "forkserver" if "forkserver" in methods else "spawn"
    return "fork"


def _python_kernels() -> bool:
    """Whether the caller asked for the near-duplicate kernels' Python path (a small input: see
    :mod:`newsclean.dedup.jit`); the workers sketch on it then."""
    from .dedup import jit

    return jit.python_path()


def _prepare_numba() -> None:
    """Load numba's CPU target (its registries of implementations, about 0.35 s) once here, before
    forking, instead of once in every worker at its first sketch and again here for the index's
    kernels. It starts no threads, so the workers can still be forked."""
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()


_WORKER: _Worker | None = None

# -- interruptions -------------------------------------------------------------------------------
#
# Ctrl-C and SIGTERM raise in the main thread wherever it is (the CLI's handlers call
# :func:`interrupt`). Inside the pool's own calls (submitting a task, waiting for a result, stopping
# the workers) an exception can leave its locks and threads in a state where stopping the pool
# waits forever; there the interruption is noted and raised as soon as the call returns, and
# waiting for a result looks at it every :data:`POLL_SECONDS`.

POLL_SECONDS = 0.2
#: How long a worker ended by SIGTERM or SIGINT waits for this process's own interruption before it
#: counts as a worker lost (see :func:`_wait`).
STOP_SIGNAL_GRACE = 3.0
#: How long a hard stop waits for the pool's worker handler to end (it ends at once unless starting a worker).
HANDLER_STOP_SECONDS = 10.0
_shield_depth = 0
_stop: type[BaseException] | None = None
_hard_stop = False  # workers may have died in the middle of a queue operation


class WorkerLost(OSError):
    """A worker process ended in the middle of the run (killed: out of memory, a signal)."""


def interrupt(exc: type[BaseException]) -> None:
    """Raise ``exc`` now, or, inside the pool's calls, as soon as they return."""
    global _stop, _hard_stop
    _hard_stop = True  # the signal may have reached the workers too (sent to the process group)
    if _shield_depth:
        _stop = _stop or exc
        return
    raise exc()


@contextmanager
def _shielded(final: bool = False) -> Iterator[None]:
    """Interruptions wait until the block is over (and are dropped with ``final``: the run is
    stopping anyway)."""
    global _shield_depth, _stop
    _shield_depth += 1
    try:
        yield
    finally:
        _shield_depth -= 1
        if _shield_depth == 0 and _stop is not None:
            exc, _stop = _stop, None
            if not final:
                raise exc()


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _after_fork_in_child() -> None:
    # A worker (forked from the command line's process) must not inherit its handlers: Ctrl-C is
    # the main process's to report, and SIGTERM (from the pool, or to the whole process group)
    # must end a worker at once, whatever it was doing, even before it finished starting. The
    # signals come blocked from the fork (_signals_held): one sent before this point is pending,
    # and acts now, with the default action.
    global _shield_depth, _stop
    _shield_depth, _stop = 0, None
    if getattr(signal.getsignal(signal.SIGTERM), "__module__", "") == "newsclean.cli":
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


@contextmanager
def _signals_held(start_method: str) -> Iterator[None]:
    """SIGINT and SIGTERM blocked while the pool forks its workers. A forked child runs with the
    parent's handlers until :func:`_after_fork_in_child`, and a signal that reaches it before then
    is lost (Python clears pending signals after a fork, or the parent's handler defers it): the
    pool's SIGTERM to a worker that was slow to start was lost, and ``Pool.terminate`` then waited
    for it for ever (about 1 run in 30 with no input file and ``--jobs 2`` on a loaded machine).
    Blocked, the signal waits in the child until the hook has set the default action. The parent's
    own signals wait for the end of the block. Fork only: a forkserver started here would keep the
    mask for good, and so would its workers."""
    if start_method != "fork" or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _wait(result: Any, workers: Sequence[Any]) -> Any:
    """``result.get()``, interruptible; raises :class:`WorkerLost` if a worker ended (its task
    would never come back: the pool starts another worker, but not the task again)."""
    global _hard_stop
    import multiprocessing as mp

    while True:
        with _shielded():
            try:
                return result.get(POLL_SECONDS)
            except mp.TimeoutError:
                pass
        dead = next((p for p in workers if p.exitcode is not None), None)
        if dead is not None:
            _hard_stop = True
            code = dead.exitcode
            if code is not None and -code in _STOP_SIGNALS:
                # SIGTERM or SIGINT sent to the whole process group reaches the workers and this
                # process together, and a worker can be gone before this process's handler has run
                # (under load: exit 3, "a worker was killed by signal 15", 1 run in 13 of the SIGTERM
                # test). If it is that, the interruption comes within a moment, raised from the sleep.
                deadline = time.monotonic() + STOP_SIGNAL_GRACE
                while time.monotonic() < deadline:
                    time.sleep(POLL_SECONDS / 4)
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            raise WorkerLost(f"a worker process {how} (out of memory?)")


def _stop_pool(pool: Any, workers: Sequence[Any], *, early: bool = False) -> None:
    """Stop the workers. At the end of the work (no task in flight) they are told to end and
    waited for. Stopping ``early`` (tasks in flight: an exception, an interruption) or after a lost
    worker, they are killed, and the pool's threads (daemons, blocked) are left behind: a worker
    ended in the middle of sending its result holds the lock of the pool's result queue for ever,
    and ``Pool.terminate`` then waits for ever for its task handler, blocked on that lock (seen
    in the test suite: an exception raised in this process with both workers busy). Even at the
    end, ``Pool.terminate`` could end a worker whose last result has arrived but whose lock is not
    yet released: so it is not used."""
    global _hard_stop
    if not (_hard_stop or early):
        pool.close()
        pool.join()
        return
    _hard_stop = False
    handler = getattr(pool, "_worker_handler", None)
    if handler is not None:
        handler._state = "TERMINATE"  # the pool's own value: start no worker in place of a dead one
        # The handler may be starting a worker in place of one the signal ended (its state read before
        # the line above): one started after the kills below took a task and left its temporary file
        # behind, after the run's clean-up (1 run in 60 of the SIGTERM test under load). Woken, it sees
        # the state and ends; then every worker it started is in ``pool._pool``.
        notifier = getattr(pool, "_change_notifier", None)
        if notifier is not None:
            notifier.put(None)
        handler.join(HANDLER_STOP_SECONDS)
    for p in [*workers, *getattr(pool, "_pool", ())]:
        try:
            p.kill()
            p.join(5)
        except (OSError, ValueError, AssertionError):
            pass
    finalizer = getattr(pool, "_terminate", None)
    if finalizer is not None:
        finalizer.cancel()  # Pool.terminate at exit would wait for the dead workers' locks


def _worker_init(job: _Job, pipeline: Pipeline | None) -> None:
    global _WORKER, _IN_WORKER
    # Ctrl-C reaches every process of the terminal's group: the main process alone reports it and
    # stops the pool (which ends the workers with SIGTERM, whose default action is quiet).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER = _Worker(job, pipeline if pipeline is not None else job.spec.build())
    _IN_WORKER = True


def _worker_process(units: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    assert _WORKER is not None
    return _WORKER.process(units)


class DedupIntake:
    """Where the kept paragraphs of a run go: the near-duplicate index (paragraphs sketched by the
    workers, added in batches of about the index's ``batch_size`` paragraphs, as it would sketch them
    itself) and the text spill; remembers which file each document came from."""

    def __init__(self, index: Any, spill: TextSpill) -> None:
        self.index = index
        self.spill = spill
        self.doc_file: dict[str, int] = {}
        self._docs: list[tuple[str, Any, str | None]] = []
        self._parts: list[tuple[int, Any]] = []  # (first document, SketchedParagraphs)
        self._rows = 0
        self._flushes = 0
        self._paragraphs: list[int] = []  # per buffered document
        self._flushed_paragraphs = 0

    @property
    def config(self) -> Any:
        return self.index.config

    def add(self, docs: Sequence[tuple[str, int, Any, str | None, int]], sketched: Any,
            spill: tuple[array, array, bytes] | None) -> None:
        """Documents ``(key, file, date, outlet, paragraphs)`` of one group, in order, and their
        sketched paragraphs (numbering these documents from 0)."""
        for key, fi, _date, _outlet, _n in docs:
            self.doc_file[key] = fi
        if spill is not None:
            self.spill.add_batch([d[0] for d in docs], [d[4] for d in docs], *spill)
        if sketched is not None:
            self._parts.append((len(self._docs), sketched))
            self._rows += len(sketched.doc)
        self._docs.extend((d[0], d[2], d[3]) for d in docs)
        self._paragraphs.extend(d[4] for d in docs)
        if self._rows >= self.config.batch_size:
            self.flush()

    def mark(self) -> tuple[int, ...]:
        """Where the documents added from now on start (see :meth:`roll_back`)."""
        # The documents buffered now go to the index before any added later.
        return (self._flushes, len(self._docs), len(self._parts), self.index.n_documents + len(self._docs),
                self._flushed_paragraphs + sum(self._paragraphs), self.spill.n_documents)

    def roll_back(self, mark: tuple[int, ...]) -> None:
        """Take back the documents added since ``mark`` (those of a file that failed; nothing else
        was added since): those still buffered are dropped, those already in the index are
        discarded there, and the spill and :attr:`doc_file` forget them. Costs nothing per
        document until a file fails."""
        flushes, n_docs, n_parts, first_doc, paragraphs_before, spill_docs = mark
        if flushes == self._flushes:  # all still buffered
            gone = self._docs[n_docs:]
            del self._docs[n_docs:], self._parts[n_parts:], self._paragraphs[n_docs:]
        else:  # the buffer holds only the last of them; the others are in the index
            gone, self._docs, self._parts, self._paragraphs = self._docs, [], [], []
            self.index.discard_since(first_doc, paragraphs=self._flushed_paragraphs - paragraphs_before)
            self._flushed_paragraphs = paragraphs_before
        self._rows = sum(len(b.doc) for _, b in self._parts)
        del gone
        for key in self.spill.forget_since(spill_docs):
            self.doc_file.pop(key, None)

    def flush(self) -> None:
        """Add what is buffered to the index."""
        from .dedup.index import SketchedParagraphs

        docs, parts = self._docs, self._parts
        self._flushed_paragraphs += sum(self._paragraphs)
        self._docs, self._parts, self._rows, self._paragraphs = [], [], 0, []
        if docs:
            self._flushes += 1
        if not parts:
            for key, date, outlet in docs:
                self.index.add_document(key, [], date=date, outlet=outlet)
            return
        merged = SketchedParagraphs.concat(parts)
        self.index.add_sketched(docs, merged)


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
    prebuilt: Pipeline | None = None  # ``spec.build()``, if the caller has it already
    #: Records a pass before this one has parsed (the templates' learning pass), handed to the cleaning with
    #: one job instead of parsing their lines again; dropped after the first run.
    parsed: ParsedRecords | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {self.jobs}")
        self._pipeline: Pipeline | None = self.prebuilt
        self._seen_ids: set[int] = set()
        self._renamed: dict[tuple[int, int], str] = {}
        self._keys_frozen = False

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self.spec.build()
        return self._pipeline

    # -- reading ---------------------------------------------------------------------------------

    def _units(self, indexes: Sequence[int]) -> Iterator[tuple[Any, ...]]:
        """The inputs as units (see above), in order; the reader's own errors become markers."""
        for fi in indexes:
            f = self.files[fi]
            if f.kind not in RECORD_KINDS:
                yield ("file", fi)
                yield ("end", fi)
                continue
            try:
                if f.kind == "parquet":
                    import pyarrow.parquet as pq

                    n = 0
                    # Batches as io.read_parquet reads them: a batch with a value Python cannot
                    # hold fails the file there, whatever the number of jobs.
                    with open_input(f.path) as raw:
                        for batch in pq.ParquetFile(raw).iter_batches(batch_size=PARQUET_BATCH_ROWS):
                            yield ("rows", fi, n, batch)
                            n += batch.num_rows
                else:
                    with open_binary(f.path, f.compression) as fh:
                        for n, raw in enumerate(fh, 1):
                            if n == 1:
                                check_jsonl_start(raw)  # UTF-16/32: the file fails whole, here
                            if raw.strip():
                                yield ("rec", fi, n, raw)
            except Exception as exc:  # unreadable, undecodable, or corrupt (from the library below)
                yield ("error", fi, read_error_reason(exc))
                continue
            yield ("end", fi)

    def _unique_key(self, fi: int, n: int, key: str, pending: _OpenFile | None = None) -> str:
        """Document keys name documents in duplicate reports, so they must be unique in the run: a
        document whose id (or file name) was seen before is keyed ``path:line`` (``path:0`` for a
        one-document file), with ``#2``, ``#3`` ... added should that be taken too. A later pass
        over some of the files finds the same keys (renames are remembered; the keys seen are kept
        as 64-bit hashes). ``pending``: the open record file, which records what to take back."""
        renamed = self._renamed.get((fi, n))
        if renamed is not None or self._keys_frozen:
            return renamed or key
        seen = self._seen_ids
        mine = pending.seen if pending is not None else seen  # the open file's keys wait for its end

        def taken(h: int) -> bool:
            return h in seen or (mine is not seen and h in mine)

        h = hash(key)
        if not taken(h):
            mine.add(h)
            return key
        base = renamed = f"{self.files[fi].rel}:{n}"
        k = 1
        while taken(hash(renamed)):
            k += 1
            renamed = f"{base}#{k}"
        mine.add(hash(renamed))
        self._renamed[(fi, n)] = renamed
        if pending is not None:
            pending.renamed.append((fi, n))
        return renamed

    @staticmethod
    def _tasks(units: Iterator[tuple[Any, ...]]) -> Iterator[tuple[list[tuple[Any, ...]], int]]:
        """Units grouped into tasks, each with its size in bytes read."""
        task: list[tuple[Any, ...]] = []
        docs = chars = 0
        for u in units:
            task.append(u)
            kind = u[0]
            if kind == "rec":
                docs += 1
                chars += len(u[3])
            elif kind == "rows":
                docs += u[3].num_rows
                chars += u[3].nbytes
            elif kind == "file":
                docs += 1
            if docs >= BATCH_DOCS or chars >= BATCH_CHARS:
                yield task, chars
                task, docs, chars = [], 0, 0
        if task:
            yield task, chars

    def _results(self, job: _Job, units: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
        """The groups of every task, in input order."""
        if self.jobs == 1:
            worker = _Worker(job, self.pipeline, self.parsed)
            self.parsed = None  # (a later pass parses again: the records are handed out once)
            for task, _ in self._tasks(units):
                yield worker.process(task)
            return
        import multiprocessing as mp

        ctx = mp.get_context(_start_method(sketching=job.dedup is not None))
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["newsclean.run", "newsclean.dedup.index"])
        # Forked workers share this process's pipeline (built once, here); others build their own.
        shared = self.pipeline if ctx.get_start_method() == "fork" else None
        if shared is not None and job.dedup is not None and not job.python_kernels:
            _prepare_numba()
        with _shielded(), _signals_held(ctx.get_start_method()):
            pool = ctx.Pool(self.jobs, initializer=_worker_init, initargs=(job, shared))
        workers = list(getattr(pool, "_pool", ()))  # the processes started: none may end while we run
        # Tasks sent and not yet back: (result, bytes read, the .txt/.html outputs it writes).
        pending: deque[tuple[Any, int, list[str]]] = deque()
        try:
            limit = self.jobs * IN_FLIGHT_PER_JOB
            in_flight = 0  # bytes read, for tasks of large Parquet rows
            for task, size in self._tasks(units):
                writes = [job.files[u[1]][3] for u in task if u[0] == "file"] if job.write else []
                with _shielded():
                    pending.append((pool.apply_async(_worker_process, (task,)), size, writes))
                in_flight += size
                while pending and (len(pending) >= limit or in_flight > limit * BATCH_CHARS):
                    groups = _wait(pending[0][0], workers)
                    in_flight -= pending.popleft()[1]
                    yield groups
            while pending:
                groups = _wait(pending[0][0], workers)
                pending.popleft()
                yield groups
        finally:
            with _shielded(final=True):
                _stop_pool(pool, workers, early=bool(pending))
                # A worker stopped (SIGTERM, or killed) in the middle of writing an output left its
                # temporary file: the workers are gone now, and no task in flight will finish.
                remove_temps_beside(Path(t) for _, _, writes in pending for t in writes if t)

    # -- the run ---------------------------------------------------------------------------------

    def run(self, indexes: Sequence[int] | None = None, *, drops: dict[str, set[int]] | None = None,
            on_doc: Callable[[DocDone], None] | None = None, on_file: Callable[[int], None] | None = None,
            on_file_failed: Callable[[int], None] | None = None,
            write: bool = True, count: bool = True, account: bool = False,
            dedup: DedupIntake | None = None, journal: Journal | None = None,
            replay: Sequence[tuple[dict[str, Any], bytes]] = (), first_pass: bool | None = None) -> None:
        """Clean the files (all, or ``indexes``), writing outputs; ``drops`` removes more lines
        (doc key -> input line numbers), and with ``account`` (and not ``count``) the lines they
        remove are taken off the counts; ``dedup`` receives every document's kept paragraphs;
        ``on_doc`` sees every cleaned document (which then travels back from the workers);
        ``on_file(i)`` is called when file ``i`` is done, after ``on_file_failed(i)`` if it failed.

        A record file that fails part-way (a truncated stream, a reader error) leaves no trace but
        its failure: what its earlier records did (counts, keys, explain and reject rows, paragraphs
        given to ``dedup``) is provisional until the file's end and is taken back when it fails,
        so it cannot influence the other files' outputs. Documents given to ``on_doc`` cannot be
        taken back: ``on_file_failed`` says which file's to forget.

        ``journal``: every group of results consumed is recorded there (:mod:`newsclean.journal`);
        ``replay``: the records of an interrupted run's journal, consumed first (their outputs are
        written already), before ``indexes`` (the files it did not finish). ``first_pass``: this
        pass gives the documents their keys (by default, when it reads every file)."""
        idx = list(range(len(self.files))) if indexes is None else list(indexes)
        targets = {fi: str(self.out / self.files[fi].output_rel()) for fi in idx}
        renamed = {k: v for k, v in self._renamed.items() if k[0] in targets} if drops else {}
        job = _Job(
            spec=self.spec,
            files=tuple((f.rel, f.kind, str(f.path), targets.get(fi, "")) for fi, f in enumerate(self.files)),
            write=write, count=count, account=account and not count, explain=self.explain_fh is not None,
            keep_docs=on_doc is not None, dedup=dedup.config if dedup is not None else None,
            python_kernels=dedup is not None and _python_kernels(), drops=drops, renamed=renamed,
        )
        writers: dict[int, RecordWriter] = {}
        failed: set[int] = set()
        # Passes that do not count (the drop pass, rule learning) report nothing of what they read
        # again: bad records and failed files were reported by the counting pass.
        elsewhere = RunStats()
        stats = self.stats if count else elsewhere
        rejects_fh = self.rejects_fh if count else None
        explain_fh = self.explain_fh
        sinks: list[Any] = [fh for fh in (rejects_fh, explain_fh, journal) if fh is not None]
        open_file: _OpenFile | None = None
        results = self._results(job, self._units(idx))
        source = itertools.chain(
            ([_replayed(meta, blob, dedup)] for meta, blob in replay),
            ([(*g, False) for g in groups] for groups in results))
        try:
            for groups in source:
                for gkey, gstats, sketched, spill, entries, replayed in groups:
                    if gkey is not None and gkey in failed:
                        continue  # later documents of a record file that failed
                    if gkey is not None and (open_file is None or open_file.fi != gkey):
                        open_file = _OpenFile(gkey, sinks, dedup)
                    if gstats is not None:
                        # A record file's counts wait for its end; one-document files are whole.
                        (open_file.stats if gkey is not None else self.stats).merge(gstats)  # type: ignore[union-attr]
                    docs: list[tuple[str, int, Any, str | None, int]] = []
                    for e in entries:
                        kind, fi = e[0], e[1]
                        if fi in failed:
                            continue
                        f = self.files[fi]
                        pending = open_file if open_file is not None and open_file.fi == fi else None
                        if kind == "doc":
                            _, _, n, key, paragraphs, date, outlet, out, explain, done = e
                            key = self._unique_key(fi, n, key, pending)
                            if out is not None:
                                w = writers.get(fi)
                                if w is None:
                                    w = writers[fi] = RecordWriter(self.out / f.output_rel(), f.kind,
                                                                   f.compression, source=f.path)
                                if f.kind == "parquet":
                                    w.write(out)
                                else:
                                    w.write_line(out)
                            if explain and explain_fh is not None:
                                prefix = '{"doc": ' + json_line(key) + ", "
                                explain_fh.write("".join(prefix + row[1:] + "\n" for row in explain))
                            if dedup is not None:
                                docs.append((key, fi, date, outlet, paragraphs))
                            if on_doc is not None:
                                doc, cleaned = done
                                if key != doc.id:
                                    doc = Document(doc.text, id=key, metadata=doc.metadata)
                                on_doc(DocDone(fi, doc, cleaned))
                        elif kind == "reject":
                            info = e[2]
                            into = pending.stats if pending is not None and count else elsewhere
                            into.records_rejected += 1
                            into.fail(f.rel, info["reason"], line=info["line"])
                            if rejects_fh is not None:
                                rejects_fh.write(json_line({"path": f.rel, **info}) + "\n")
                        elif kind in ("fail", "error"):
                            if pending is not None:
                                self._roll_back(pending, dedup)
                                open_file = None
                            failed.add(fi)
                            w = writers.pop(fi, None)
                            if w is not None:
                                w.abort()
                            stats.files += 1
                            stats.files_failed += 1
                            stats.fail(f.rel, e[2])
                            if rejects_fh is not None:
                                # The whole file stands for its records: none of them is in OUT.
                                rejects_fh.write(json_line({"path": f.rel, "reason": e[2], "file": True}) + "\n")
                            if on_file_failed:
                                on_file_failed(fi)
                            if on_file:
                                on_file(fi)
                        elif kind == "end":
                            stats.files += 1
                            w = writers.pop(fi, None)
                            if w is not None:
                                w.close()
                            elif write and not replayed and f.kind in RECORD_KINDS:  # a file with no good record
                                RecordWriter(self.out / f.output_rel(), f.kind, f.compression, source=f.path).close()
                            if pending is not None:
                                # The file is whole: its counts, rejected records and keys count.
                                self.stats.merge(pending.stats)
                                self._seen_ids |= pending.seen
                                open_file = None
                            if on_file:
                                on_file(fi)
                    lost = gkey is not None and gkey in failed  # the file failed in this group
                    if docs and dedup is not None and not lost:
                        # (A record file's group is all its own: if the file failed in it, none goes.)
                        dedup.add(docs, sketched, spill)
                    if journal is not None and not replayed and count:
                        _journal_group(journal, gkey, gstats, entries, spill, lost)
                        if open_file is None:
                            journal.flush()  # every file so far is done: a point to resume from
            if dedup is not None:
                dedup.flush()
        finally:
            # The workers are stopped here, when the run stops (an interruption, an error), not
            # whenever the exception's frames are let go.
            results.close()
            for w in writers.values():
                w.abort()
            stop_budget_clock()
        if first_pass if first_pass is not None else indexes is None:
            # Keys are assigned by the first full pass; later passes over some files reuse them.
            self._keys_frozen = True
            self._seen_ids = set()

    def _roll_back(self, pending: _OpenFile, dedup: DedupIntake | None) -> None:
        """Take back what a record file that failed did so far (see :meth:`run`)."""
        for fh, mark in pending.marks:
            if isinstance(fh, Journal):
                fh.truncate(mark)
            else:
                fh.seek(mark)
                fh.truncate()
        for k in pending.renamed:
            self._renamed.pop(k, None)
        if dedup is not None and pending.dedup_mark is not None:
            dedup.roll_back(pending.dedup_mark)


def _journal_group(journal: Journal, gkey: int | None, gstats: RunStats | None, entries: Sequence[tuple[Any, ...]],
                   spill: tuple[array, array, bytes] | None, lost: bool) -> None:
    """Record one consumed group (without its outputs, which are in OUT, nor its sketches, which
    are computed again from the texts). A record file that failed in the group was cut out of the
    journal already: only its failure is recorded."""
    if lost:
        fail = next(e for e in entries if e[0] in ("fail", "error") and e[1] == gkey)
        journal.append({"g": gkey, "stats": None, "e": [list(fail)]})
        return
    rows: list[list[Any]] = []
    for e in entries:
        if e[0] == "doc":
            _, fi, n, key, paragraphs, date, outlet, _out, explain, _done = e
            if date is not None and not isinstance(date, (str, int, float, bool)):
                date = str(date)  # what the index reads a date from (dedup.clusters.date_key)
            rows.append(["doc", fi, n, key, paragraphs, date, outlet, explain])
        else:
            rows.append(list(e))
    meta: dict[str, Any] = {"g": gkey, "stats": gstats.to_state() if gstats is not None else None, "e": rows}
    blob = b""
    if spill is not None:
        lines, lengths, data = spill
        meta["spill"] = len(lines)
        blob = lines.tobytes() + lengths.tobytes() + data
    journal.append(meta, blob)


def _replayed(meta: dict[str, Any], blob: bytes, dedup: DedupIntake | None) -> tuple[Any, ...]:
    """A journal record as the group it was: ``(key, stats, sketched, spill, entries, True)``."""
    entries: list[tuple[Any, ...]] = []
    for e in meta["e"]:
        if e[0] == "doc":
            _, fi, n, key, paragraphs, date, outlet, explain = e
            entries.append(("doc", fi, n, key, paragraphs, date, outlet, None, explain, None))
        else:
            entries.append(tuple(e))
    stats = RunStats.from_state(meta["stats"]) if meta.get("stats") is not None else None
    spill = sketched = None
    n = meta.get("spill")
    if n is not None:
        lines, lengths = array("q"), array("i")
        lines.frombytes(blob[: 8 * n])
        lengths.frombytes(blob[8 * n: 12 * n])
        data = blob[12 * n:]
        spill = (lines, lengths, data)
        if dedup is not None and n:
            from .dedup.index import sketch_documents

            counts = [e[4] for e in entries if e[0] == "doc"]
            doc_no = [d for d, c in enumerate(counts) for _ in range(c)]
            texts, pos = [], 0
            for k in lengths:
                texts.append(data[pos:pos + k].decode("utf-8", "surrogatepass"))
                pos += k
            from .dedup import jit

            with _sketching(jit.python_path()):
                sketched = sketch_documents(dedup.config, doc_no, list(lines), texts)
    return (meta["g"], stats, sketched, spill, entries, True)


class _OpenFile:
    """The record file being read: what its records did so far, to be kept at its end or taken
    back if it fails (the main process reads files in order, so one is open at a time)."""

    __slots__ = ("fi", "stats", "marks", "seen", "renamed", "dedup_mark")

    def __init__(self, fi: int, sinks: Sequence[Any], dedup: DedupIntake | None) -> None:
        self.fi = fi
        self.stats = RunStats()
        self.marks = [(fh, fh.tell()) for fh in sinks]  # text reports and the journal
        self.seen: set[int] = set()  # hashes of its keys, joined to the run's at its end
        self.renamed: list[tuple[int, int]] = []
        self.dedup_mark = dedup.mark() if dedup is not None else None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


#: Bytes of the text spill read at once when many texts are asked for (:meth:`TextSpill.get_many`).
TEXT_WINDOW = 8 << 20
#: :meth:`TextSpill.spans` reads the texts asked for in ranges of the file, skipping a gap between two of
#: them only when it is longer than this (a read per text would cost more than the bytes between).
SPAN_GAP = 512


class TextSpill:
    """Cleaned paragraph texts parked in a temporary file, found again by ``(doc, line)``: the texts of
    near-duplicate cluster members without a second cleaning pass and without holding text in RAM
    (20 bytes per paragraph in memory, the UTF-8 text on disk; the file is deleted on close)."""

    def __init__(self, directory: str | None = None) -> None:
        self._fh = tempfile.TemporaryFile(dir=directory)
        self._doc_ids: dict[str, int] = {}
        self._next_id = 0
        self._keys = array("q")  # doc id << 32 | line
        self._offsets = array("q")
        self._lengths = array("i")
        self._pos = 0
        self._sorted: tuple[Any, Any, Any] | None = None

    def _id(self, doc: str) -> int:
        d = self._doc_ids.get(doc)
        if d is None:
            d = self._doc_ids[doc] = self._next_id
            self._next_id += 1
        return d

    @property
    def n_documents(self) -> int:
        return self._next_id

    def forget_since(self, first: int) -> list[str]:
        """Forget the paragraphs of the documents added since there were ``first`` (a failed
        file's: a later document may take their keys); returns their keys."""
        gone = [doc for doc, d in self._doc_ids.items() if d >= first]
        for doc in gone:
            del self._doc_ids[doc]
        return gone

    def add(self, doc: str, line: int, text: str) -> None:
        d = self._id(doc)
        data = text.encode("utf-8", "surrogatepass")
        self._fh.write(data)
        self._keys.append((d << 32) | line)
        self._offsets.append(self._pos)
        self._lengths.append(len(data))
        self._pos += len(data)
        self._sorted = None

    def add_batch(self, docs: Sequence[str], counts: Sequence[int], lines: array, lengths: array,
                  data: bytes) -> None:
        """Add the paragraphs of several documents at once: ``counts[k]`` of them for ``docs[k]``, in
        order, with their input ``lines`` (``array("q")``), UTF-8 ``lengths`` (``array("i")``) and
        texts ``data`` (concatenated UTF-8). The same as :meth:`add` for each paragraph."""
        import numpy as np

        if not len(lines):
            return
        ids = [self._id(doc) for doc, c in zip(docs, counts) if c]
        per_doc = [c for c in counts if c]
        keys = (np.repeat(np.asarray(ids, dtype=np.int64), per_doc) << 32) | np.frombuffer(lines, dtype=np.int64)
        lens = np.frombuffer(lengths, dtype=np.int32).astype(np.int64)
        offsets = self._pos + np.cumsum(lens) - lens
        self._fh.write(data)
        self._keys.frombytes(keys.tobytes())
        self._offsets.frombytes(offsets.tobytes())
        self._lengths.extend(lengths)
        self._pos += len(data)
        self._sorted = None

    def _index(self) -> tuple[Any, Any, Any]:
        import numpy as np

        if self._sorted is None:
            self._fh.flush()
            keys = np.frombuffer(self._keys, dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self._sorted = (keys[order], np.frombuffer(self._offsets, dtype=np.int64)[order],
                            np.frombuffer(self._lengths, dtype=np.int32)[order])
        return self._sorted

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[str | None]:
        """:meth:`get` for many ``(doc, line)`` keys at once: one lookup for all of them and the
        texts read in file order (a duplicates report asks for most paragraphs of a syndicated
        corpus)."""
        import numpy as np

        if not keys:
            return []
        ids = self._doc_ids
        want = np.fromiter(((ids.get(d, -1) << 32) | ln if d in ids else -1 for d, ln in keys), dtype=np.int64,
                           count=len(keys))
        out: list[str | None] = [None] * len(keys)
        sel, off_a, ln_a = self._locate(want)
        if sel.size:
            off = off_a.tolist()
            ln = ln_a.tolist()
            k = 0
            while k < len(sel):  # windows of the file of at most TEXT_WINDOW bytes (or one text)
                lo = off[k]
                e = k + 1
                while e < len(sel) and off[e] + ln[e] - lo <= TEXT_WINDOW:
                    e += 1
                self._fh.seek(lo)
                data = self._fh.read(max(off[j] + ln[j] for j in range(k, e)) - lo)
                if data.isascii():  # one decode, then byte offsets are character offsets
                    text = data.decode("ascii")
                    for j in range(k, e):
                        out[int(sel[j])] = text[off[j] - lo : off[j] - lo + ln[j]]
                else:
                    for j in range(k, e):
                        out[int(sel[j])] = data[off[j] - lo : off[j] - lo + ln[j]].decode("utf-8", "surrogatepass")
                k = e
        return out

    def _locate(self, want: Any) -> tuple[Any, Any, Any]:
        """For keys ``want`` (``doc id << 32 | line``, -1 for none): the positions of those the spill holds, in file
        order, with their texts' offsets and byte lengths."""
        import numpy as np

        skeys, offsets, lengths = self._index()
        if not want.size or not len(skeys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(skeys, want), len(skeys) - 1)
        sel = np.flatnonzero((want >= 0) & (skeys[at] == want))
        sel = sel[np.argsort(offsets[at[sel]], kind="stable")]
        return sel, offsets[at[sel]], lengths[at[sel]].astype(np.int64)

    def spill_ids(self, docs: Sequence[str]) -> Any:
        """The spill's number of each document of ``docs`` (int64 array; -1 for one it never took)."""
        import numpy as np

        ids = self._doc_ids
        return np.fromiter((ids.get(d, -1) for d in docs), dtype=np.int64, count=len(docs))

    def spans(self, ids: Any, lines: Any) -> tuple[Any, Any, Any]:
        """The UTF-8 texts (``surrogatepass``) of the paragraphs ``(ids[k], lines[k])`` (spill numbers of
        :meth:`spill_ids`, input lines), undecoded: ``(data, start, length)`` with text ``k`` at
        ``data[start[k]:start[k] + length[k]]`` (a uint8 array), ``start[k] == -1`` for one the spill does
        not hold. The same texts as :meth:`get_many`, read in file order, gaps of more than
        :data:`SPAN_GAP` bytes skipped, for a compiled writer (:mod:`newsclean.dedup.report_lines`)."""
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)
        want = np.where(ids >= 0, (ids << 32) | np.asarray(lines, dtype=np.int64), -1)
        start = np.full(want.size, -1, dtype=np.int64)
        length = np.zeros(want.size, dtype=np.int64)
        sel, off, ln = self._locate(want)
        if not sel.size:
            return np.zeros(0, np.uint8), start, length
        end = np.maximum.accumulate(off + ln)
        # Ranges of the file read at once: a new one where the next text starts more than SPAN_GAP
        # bytes after everything before it ends.
        first = np.flatnonzero(np.concatenate(([True], off[1:] > end[:-1] + SPAN_GAP)))
        last = np.concatenate((first[1:], [off.size])) - 1
        lo, hi = off[first], end[last]
        where = np.concatenate(([0], np.cumsum(hi - lo)))
        data = np.empty(int(where[-1]), dtype=np.uint8)
        for r, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
            self._fh.seek(a)
            got = self._fh.read(b - a)
            data[where[r]:where[r] + len(got)] = np.frombuffer(got, dtype=np.uint8)
        rng = np.repeat(np.arange(first.size), last - first + 1)
        start[sel] = where[rng] + (off - lo[rng])
        length[sel] = ln
        return data, start, length

    def get(self, doc: str, line: int) -> str | None:
        import numpy as np

        d = self._doc_ids.get(doc)
        if d is None:
            return None
        keys, offsets, lengths = self._index()
        key = (d << 32) | line
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or int(keys[i]) != key:
            return None
        self._fh.seek(int(offsets[i]))
        return self._fh.read(int(lengths[i])).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._fh.close()
