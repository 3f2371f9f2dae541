"""Shards: the unit of work of the first pass on the cluster, and what a shard task leaves behind.

A shard is a run of input files in input order: one record file (JSONL, Parquet), or up to
:data:`SHARD_FILES` one-document files (``.txt``, ``.html``). A shard task runs the local engine's own
:class:`~newsclean.run.Runner` over its files on a worker (same reading, cleaning, counting, explain
and reject rows, output writing, sketching, and taking back a record file that fails part-way), so
every byte it writes is what the local engine writes for those files. What the local engine does
*across* files happens on the driver afterwards, from what the task returns and leaves in the scratch
folder:

* document keys: a repeated record id becomes ``path:line`` in the local engine, decided in input
  order over the whole run; a shard keys its documents by their ids and reports them (as stable
  64-bit hashes) with their line numbers, and :class:`KeyAssigner` gives the run's keys;
* the rejected and explain rows (``rejects.jsonl``, ``explain.jsonl`` in the shard's scratch folder),
  concatenated in shard order into the run's reports (explain rows of a renamed document get its key);
* counts (:class:`~newsclean.report.RunStats`, merged in shard order: the merge keeps the first
  failures and samples in input order, so the totals are the local engine's);
* the near-duplicate sketches of the kept paragraphs (``sketch.npz``) and their texts (``texts.bin``),
  read by the near-duplicate stages (:mod:`newsclean.distributed.dedup`).

Every file is written atomically, so a task that dies and is run again leaves the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..io import InputFile, WideJsonl, atomic_writer, check_jsonl_start, open_input, read_error_reason
from ..report import RunStats
from ..run import RECORD_KINDS, PipelineSpec, Runner, _OpenFile

__all__ = ["KeyAssigner", "Shard", "ShardJob", "ShardResult", "clean_shard", "drop_shard", "plan_shards",
           "stable_hash"]

#: One-document files (``.txt``, ``.html``) per shard, and their bytes: enough work per task to
#: hide its scheduling cost (a few milliseconds), few enough to spread a small corpus over workers.
SHARD_FILES = 256
SHARD_BYTES = 8 << 20
#: A plain (uncompressed) JSONL file larger than this is cut into byte ranges of about this size, at
#: line starts, each a shard: a large file is read, cleaned and sketched by many workers (compressed
#: files and Parquet are read whole by one).
RANGE_BYTES = 8 << 20


def stable_hash(key: str) -> int:
    """A 64-bit hash of a document key, the same in every process (Python's ``hash`` of a str is
    seeded per process). The local engine compares keys by ``hash()``; both treat a 64-bit collision
    of two different keys as a repeat, which at a billion keys happens with probability ~3e-2 / 1e3."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Shard:
    index: int
    first: int  # run-wide index of files[0]
    files: tuple[InputFile, ...]
    #: A byte range ``[start, end)`` of its one plain JSONL file (one of ``of`` ranges, number
    #: ``part``), whose first line is line ``line0 + 1`` of the file (known once the ranges before it
    #: are counted: :func:`count_lines`).
    span: tuple[int, int] | None = None
    part: int = 0
    of: int = 1
    line0: int = 0

    @property
    def name(self) -> str:
        return f"shard-{self.index:06d}"


def plan_shards(files: Sequence[InputFile]) -> list[Shard]:
    """Consecutive files in input order: each record file alone, one-document files in runs of up to
    :data:`SHARD_FILES` files or :data:`SHARD_BYTES` bytes."""
    shards: list[Shard] = []
    run: list[int] = []
    size = 0

    def close_run() -> None:
        nonlocal run, size
        if run:
            shards.append(Shard(len(shards), run[0], tuple(files[i] for i in run)))
            run, size = [], 0

    for i, f in enumerate(files):
        if f.kind == "jsonl" and f.compression is None and f.size > RANGE_BYTES:
            close_run()
            cuts = _line_cuts(f.path, f.size)
            for part, (a, b) in enumerate(zip(cuts, cuts[1:])):
                shards.append(Shard(len(shards), i, (f,), span=(a, b), part=part, of=len(cuts) - 1))
            continue
        if f.kind in RECORD_KINDS:
            close_run()
            shards.append(Shard(len(shards), i, (f,)))
            continue
        if run and (len(run) >= SHARD_FILES or size + f.size > SHARD_BYTES):
            close_run()
        run.append(i)
        size += f.size
    close_run()
    return shards


def _line_cuts(path: Path, size: int) -> list[int]:
    """Offsets ``0 = c0 < c1 < ... = size`` about :data:`RANGE_BYTES` apart, each just after a line
    break (or the end)."""
    cuts = [0]
    try:
        with open(path, "rb") as fh:
            try:
                check_jsonl_start(fh.readline())
            except WideJsonl:
                return [0, size]  # one range, whose task fails the file as the local engine does
            while cuts[-1] + RANGE_BYTES < size:
                fh.seek(cuts[-1] + RANGE_BYTES)
                fh.readline()  # to the end of the line the cut falls in
                pos = fh.tell()
                if pos >= size:
                    break
                cuts.append(pos)
    except OSError:
        return [0, size]  # read whole by one task, which reports the error as the local engine does
    cuts.append(size)
    return cuts


def count_lines(job: Any, shard: Shard) -> int:
    """Line breaks in a shard's byte range (the lines before the next range)."""
    assert shard.span is not None
    start, end = shard.span
    n = 0
    with open(shard.files[0].path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            chunk = fh.read(min(left, 1 << 22))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def with_line_offsets(shards: Sequence[Shard], counts: dict[int, int]) -> list[Shard]:
    """The shards with each range's first line number (``counts``: line breaks per ranged shard)."""
    from dataclasses import replace

    out: list[Shard] = []
    n0 = 0
    for s in shards:
        if s.span is None:
            out.append(s)
            continue
        if s.part == 0:
            n0 = 0
        out.append(replace(s, line0=n0))
        n0 += counts[s.index]
    return out


@dataclass(frozen=True)
class ShardJob:
    """What every shard task of a run needs (put in the object store once)."""

    spec: PipelineSpec
    out: str  # OUT
    scratch: str  # the run's scratch folder (shared by all nodes)
    explain: bool = False
    dedup: Any = None  # DedupConfig, or None for --dedup off

    def folder(self, shard: Shard) -> Path:
        return Path(self.scratch) / shard.name


@dataclass
class ShardResult:
    """What a first-pass shard task returns to the driver (its bulk output is in files)."""

    index: int
    stats: RunStats
    #: per document, in order: local file index, line number (0 for a one-document file), hash of its
    #: id (see :func:`stable_hash`), and explain rows written for it
    doc_file: np.ndarray
    doc_line: np.ndarray
    doc_hash: np.ndarray
    doc_explain: np.ndarray
    paragraphs: int = 0  # stored paragraphs (sketch rows)
    words: int = 0  # word tokens of the MinHash paragraphs
    has_rejects: bool = False
    has_explain: bool = False
    files_done: int = 0


class _CountingWriter:
    """A text file that counts the lines written since the last :meth:`take` (explain rows come one
    document at a time); seek/tell/truncate pass through (a failed file's rows are taken back)."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.lines = 0
        self.any = False

    def write(self, s: str) -> int:
        self.lines += s.count("\n")
        self.any = True
        return self.fh.write(s)

    def take(self) -> int:
        n, self.lines = self.lines, 0
        return n

    def tell(self) -> int:
        return self.fh.tell()

    def seek(self, pos: int) -> int:
        return self.fh.seek(pos)

    def truncate(self, pos: int | None = None) -> int:
        return self.fh.truncate(pos)

    def flush(self) -> None:
        self.fh.flush()


class _ShardRunner(Runner):
    """The local engine's runner over one shard's files, keying documents by their own ids (the
    run's keys are assigned later, over all shards: :class:`KeyAssigner`) and recording them; for a
    byte range of a file, its lines (numbered as in the whole file)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.doc_rows: list[tuple[int, int, int]] = []  # (file, line, hash)
        self.doc_explain: list[int] = []
        self._explain_counter: _CountingWriter | None = None
        self.span: tuple[int, int] | None = None
        self.line0 = 0

    def _units(self, indexes: Sequence[int]) -> Iterator[tuple[Any, ...]]:
        if self.span is None:
            yield from super()._units(indexes)
            return
        start, end = self.span
        n = self.line0
        try:
            with open_input(self.files[0].path) as fh:
                fh.seek(start)
                pos = start
                while pos < end:
                    raw = fh.readline()
                    if not raw:
                        break
                    n += 1
                    pos += len(raw)
                    if n == 1:
                        check_jsonl_start(raw)  # as Runner._units (a UTF-16/32 file is one range)
                    if raw.strip():
                        yield ("rec", 0, n, raw)
        except Exception as exc:  # as Runner._units: the file fails here
            yield ("error", 0, read_error_reason(exc))
            return
        yield ("end", 0)

    def _unique_key(self, fi: int, n: int, key: str, pending: _OpenFile | None = None) -> str:
        if self._keys_frozen:
            return super()._unique_key(fi, n, key, pending)
        if self._explain_counter is not None and len(self.doc_explain) < len(self.doc_rows):
            self.doc_explain.append(self._explain_counter.take())  # the previous document's rows
        self.doc_rows.append((fi, n, stable_hash(key)))
        return key

    def finish_docs(self) -> None:
        if self._explain_counter is not None and len(self.doc_explain) < len(self.doc_rows):
            self.doc_explain.append(self._explain_counter.take())

    def _roll_back(self, pending: _OpenFile, dedup: Any) -> None:
        # The failed file's documents are the last ones recorded: none of them counts.
        while self.doc_rows and self.doc_rows[-1][0] == pending.fi:
            self.doc_rows.pop()
        del self.doc_explain[len(self.doc_rows):]
        if self._explain_counter is not None:
            self._explain_counter.take()
        super()._roll_back(pending, dedup)


class ShardIntake:
    """Collects a shard's sketched paragraphs, documents and paragraph texts as
    :class:`~newsclean.run.DedupIntake` does for the index (the same calls from the runner), and
    writes them to the shard's scratch folder."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.docs: list[tuple[str, Any, str | None]] = []  # (key, date, outlet)
        self.doc_file: dict[str, int] = {}
        self._batches: list[tuple[int, Any]] = []  # (first document, SketchedParagraphs)
        self._texts: list[tuple[int, Any, Any, bytes]] = []  # (first document, lines, lengths, data)
        self._counts: list[int] = []  # paragraphs (texts) per document

    def add(self, docs: Sequence[tuple[str, int, Any, str | None, int]], sketched: Any,
            spill: tuple[Any, Any, bytes] | None) -> None:
        first = len(self.docs)
        self.docs.extend((d[0], d[2], d[3]) for d in docs)
        self._counts.extend(d[4] for d in docs)
        if sketched is not None:
            self._batches.append((first, sketched))
        if spill is not None:
            self._texts.append((first, spill[0], spill[1], spill[2]))

    def mark(self) -> tuple[int, int, int]:
        return (len(self.docs), len(self._batches), len(self._texts))

    def roll_back(self, mark: tuple[int, int, int]) -> None:
        n_docs, n_batches, n_texts = mark
        for key, _date, _outlet in self.docs[n_docs:]:
            self.doc_file.pop(key, None)
        del self.docs[n_docs:]
        del self._counts[n_docs:]
        del self._batches[n_batches:]
        del self._texts[n_texts:]

    def flush(self) -> None:
        pass

    def write(self, folder: Path) -> tuple[int, int]:
        """``sketch.npz`` (the index's per-paragraph arrays, document numbers local to the shard),
        ``docs.pkl`` (keys, dates, outlets) and ``texts.bin`` / ``texts.npz`` (each paragraph's cleaned
        text by document and line). Returns (stored paragraphs, word tokens)."""
        from ..dedup.storage import SketchedParagraphs

        cfg = self.config
        if self._batches:
            b = SketchedParagraphs.concat(self._batches)
            arrays = {"doc": b.doc, "line": b.line, "length": b.length, "words": b.words, "exact": b.exact,
                      "sig": b.sig, "tokens": b.tokens}
            counters = (b.too_short, b.python_fallback)
        else:
            sig_dtype = np.uint16 if cfg.signature_bits == 16 else np.uint32
            arrays = {"doc": np.zeros(0, np.int32), "line": np.zeros(0, np.int32), "length": np.zeros(0, np.uint32),
                      "words": np.zeros(0, np.uint32), "exact": np.zeros(0, np.uint64),
                      "sig": np.zeros((0, cfg.num_perm), sig_dtype), "tokens": np.zeros(0, np.uint32)}
            counters = (0, 0)
        arrays["counters"] = np.asarray(counters, np.int64)
        _save_npz(folder / "sketch.npz", arrays)
        with _atomic_binary(folder / "docs.pkl") as fh:
            pickle.dump(self.docs, fh, protocol=pickle.HIGHEST_PROTOCOL)
        t_doc = np.repeat(np.arange(len(self._counts), dtype=np.int32), self._counts)
        t_line = np.concatenate([np.frombuffer(x[1], np.int64) for x in self._texts]) if self._texts else \
            np.zeros(0, np.int64)
        t_len = np.concatenate([np.frombuffer(x[2], np.int32) for x in self._texts]) if self._texts else \
            np.zeros(0, np.int32)
        if t_doc.size != t_line.size:
            raise RuntimeError("paragraph texts and documents do not match")
        _save_npz(folder / "texts.npz", {"doc": t_doc, "line": t_line, "length": t_len})
        with _atomic_binary(folder / "texts.bin") as fh:
            for x in self._texts:
                fh.write(x[3])
        words = arrays["words"]
        spilled = arrays["length"] >= cfg.minhash_min_chars
        return int(arrays["doc"].size), int(words[spilled].sum())


@contextmanager
def _atomic_binary(path: Path) -> Iterator[IO[bytes]]:
    with atomic_writer(path, encoding="latin-1") as fh:
        yield fh.buffer  # type: ignore[attr-defined]
        fh.flush()


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with _atomic_binary(path) as fh:
        np.savez(fh, **arrays)


_PIPELINES: dict[PipelineSpec, Any] = {}


def _pipeline(spec: PipelineSpec) -> Any:
    """The spec's pipeline, built once per worker process (compiling the catalog takes a while)."""
    p = _PIPELINES.get(spec)
    if p is None:
        _PIPELINES.clear()
        p = _PIPELINES[spec] = spec.build()
    return p


@contextmanager
def _one_thread() -> Iterator[None]:
    """A task is one CPU of the cluster: numba's kernels run on one thread in it."""
    from ..dedup.jit import numba_module

    numba = numba_module()  # the fork-safe threading layer asked for before numba's threads start

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _runner(job: ShardJob, shard: Shard) -> _ShardRunner:
    """The shard's runner: its files into OUT, or its byte range into a part in its scratch folder
    (the parts of a file are joined into OUT at the end: :func:`join_parts`)."""
    ranged = shard.span is not None
    out = job.folder(shard) / "out" if ranged else Path(job.out)
    runner = _ShardRunner(list(shard.files), out, job.spec, jobs=1, prebuilt=_pipeline(job.spec))
    runner.span, runner.line0 = shard.span, shard.line0
    return runner


def part_path(job: ShardJob, shard: Shard) -> Path:
    """Where a byte range's output part is written."""
    return job.folder(shard) / "out" / shard.files[0].output_rel()


def join_parts(job: ShardJob, target: str, parts: Sequence[str]) -> None:
    """A file's output from its ranges' parts (plain JSONL: their bytes one after the other), atomically."""
    import shutil

    with _atomic_binary(Path(target)) as out:
        for p in parts:
            with open(p, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)


def clean_shard(job: ShardJob, shard: Shard) -> ShardResult:
    """The first pass over one shard (see the module docstring), on a worker."""
    folder = job.folder(shard)
    folder.mkdir(parents=True, exist_ok=True)
    runner = _runner(job, shard)
    intake = ShardIntake(job.dedup) if job.dedup is not None else None
    done = [0]
    with atomic_writer(folder / "rejects.jsonl", errors="backslashreplace") as rejects_fh, \
            (atomic_writer(folder / "explain.jsonl", errors="backslashreplace") if job.explain
             else nullcontext()) as explain_fh, _one_thread():
        runner.rejects_fh = rejects_fh
        if explain_fh is not None:
            runner._explain_counter = _CountingWriter(explain_fh)
            runner.explain_fh = runner._explain_counter  # type: ignore[assignment]
        runner.run(dedup=intake, on_file=lambda _fi: done.__setitem__(0, done[0] + 1))  # type: ignore[arg-type]
        runner.finish_docs()
        has_rejects = rejects_fh.tell() > 0
    paragraphs = words = 0
    if intake is not None:
        paragraphs, words = intake.write(folder)
    rows = runner.doc_rows
    if shard.span is not None and shard.part < shard.of - 1 and not runner.stats.files_failed:
        runner.stats.files -= 1  # the file is counted once, by its last range
        done[0] = 0
    return ShardResult(
        index=shard.index, stats=runner.stats,
        doc_file=np.fromiter((r[0] for r in rows), np.int32, len(rows)),
        doc_line=np.fromiter((r[1] for r in rows), np.int64, len(rows)),
        doc_hash=np.fromiter((r[2] for r in rows), np.uint64, len(rows)),
        doc_explain=np.asarray(runner.doc_explain if job.explain else [], np.int64),
        paragraphs=paragraphs, words=words, has_rejects=has_rejects,
        has_explain=bool(runner._explain_counter is not None and runner._explain_counter.any),
        files_done=done[0])


def drop_shard(job: ShardJob, shard: Shard, files: Sequence[int], drops: dict[str, set[int]],
               renamed: dict[tuple[int, int], str]) -> RunStats:
    """The near-duplicate drop pass over some files of a shard (local indexes ``files``), as the local
    engine's second pass: the documents (keyed by the run's keys: ``renamed`` holds the shard's
    documents whose key is not their id) lose their ``drops`` lines, outputs are rewritten, the
    removed lines are taken off the counts (returned) and explained in ``drop-explain.jsonl``."""
    folder = job.folder(shard)
    runner = _runner(job, shard)
    runner._renamed = dict(renamed)
    runner._keys_frozen = True
    with (atomic_writer(folder / "drop-explain.jsonl", errors="backslashreplace") if job.explain
          else nullcontext()) as explain_fh, _one_thread():
        runner.explain_fh = explain_fh
        runner.run(list(files), drops=drops, write=True, count=False, account=True)
    return runner.stats


class KeyAssigner:
    """The run's document keys, as :meth:`newsclean.run.Runner._unique_key` gives them in input order
    (a key seen before becomes ``path:line``, then ``path:line#2``, ...), from each shard's documents
    in shard order (with stable hashes in place of ``hash()``)."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def assign(self, shard: Shard, result: ShardResult) -> dict[tuple[int, int], str]:
        """The renamed documents of a shard: ``(local file, line) -> key`` (the others keep their id)."""
        seen = self._seen
        renamed: dict[tuple[int, int], str] = {}
        for fi, n, h in zip(result.doc_file.tolist(), result.doc_line.tolist(), result.doc_hash.tolist(),
                            strict=True):
            if h not in seen:
                seen.add(h)
                continue
            base = key = f"{shard.files[fi].rel}:{n}"
            k = 1
            while stable_hash(key) in seen:
                k += 1
                key = f"{base}#{k}"
            seen.add(stable_hash(key))
            renamed[(fi, n)] = key
        return renamed


def fix_explain_keys(src: Path, dst: IO[str], result: ShardResult, renamed: dict[tuple[int, int], str]) -> None:
    """Append a shard's explain rows to the run's removed.jsonl, with the run's key for the
    documents of ``renamed`` (rows of one document are consecutive, ``result.doc_explain`` per
    document)."""
    with open(src, encoding="utf-8", newline="\n") as fh:
        if not renamed:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
            return
        for fi, n, rows in zip(result.doc_file.tolist(), result.doc_line.tolist(), result.doc_explain.tolist(),
                               strict=True):
            key = renamed.get((fi, n))
            for _ in range(rows):
                line = fh.readline()
                if key is not None:
                    line = _with_key(line, key)
                dst.write(line)


def _with_key(row: str, key: str) -> str:
    """An explain row (``{"doc": <key>, ...``) with another document key."""
    from ..io import json_line

    end = _key_end(row)
    return '{"doc": ' + json_line(key) + row[end:]


def _key_end(row: str) -> int:
    """Index just after the JSON string value of ``"doc"`` at the start of an explain row."""
    prefix = '{"doc": '
    if not row.startswith(prefix):
        raise ValueError("not an explain row")
    dec = json.JSONDecoder()
    _, end = dec.raw_decode(row, len(prefix))
    return end
