"""``newsclean IN OUT --engine ray``: the run of :mod:`newsclean.cli` on a Ray cluster, with the outputs
of the local engine, byte for byte.

Stages (each a set of Ray tasks; the driver only orders, merges counts and concatenates reports):

1. **clean** (:func:`newsclean.distributed.shards.clean_shard`): one task per shard of input files
   reads, cleans, writes the shard's outputs, counts, and sketches the kept paragraphs;
2. **keys**: the driver gives every document its run-wide key in input order (repeated ids renamed
   as the local engine does) and concatenates the shards' rejected and explain rows;
3. **near-duplicates** (:mod:`newsclean.distributed.dedup`): exact groups, keep order, LSH candidates
   (band keys shuffled by key), verification, connected components and the local engine's own
   clustering per component, cluster records: duplicates.jsonl and each shard's dropped lines;
4. **drop** (:func:`newsclean.distributed.shards.drop_shard`): with ``--dedup drop``, the shards holding
   dropped paragraphs are cleaned again without them, as the local engine's second pass does.

Bulk data (sketches, paragraph texts, shuffle partitions) lives in a scratch folder that every node
must see (``--tmp-dir``, else a hidden folder in OUT's report folder), removed at the end. A task
whose worker dies is run again by Ray (its files are written atomically, so a second run leaves
the same bytes); a task that fails for good ends the run with :class:`EngineError`: report.json then
says ``"complete": false``, and the other reports are not written.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io import Skipped, atomic_writer, json_line, remove_stale_temps
from ..report import RunStats
from .cluster import EngineError, ray_cluster
from .shards import (
    KeyAssigner,
    Shard,
    ShardIntake,
    ShardJob,
    ShardResult,
    clean_shard,
    count_lines,
    fix_explain_keys,
    join_parts,
    part_path,
    plan_shards,
    with_line_offsets,
)

__all__ = ["run_ray"]

log = logging.getLogger("newsclean")

#: Times Ray runs a task again when its worker process (or node) dies.
TASK_RETRIES = 3


#: Partitions of the near-duplicate stages per CPU of the cluster (each stage is one task per
#: partition: a few per CPU balance the load without many small files).
PARTITIONS_PER_CPU = 2
#: ... and at least one partition per this many paragraphs (what a partition's task holds: its columns,
#: candidates, components; about 1 KB per paragraph).
PARTITION_PARAGRAPHS = 2_000_000


class RayExecutor:
    """Runs a stage as one Ray task per argument tuple (``fn(first, *args)``); ``first`` (the job or
    the near-duplicate plan) goes to the object store once. A task whose worker dies is run again
    (:data:`TASK_RETRIES`); one that fails for good cancels the rest and ends the run."""

    def __init__(self) -> None:
        self._first: tuple[Any, Any] | None = None
        self._fns: dict[Any, Any] = {}

    def map(self, fn: Callable[..., Any], first: Any, args: Sequence[tuple[Any, ...]], what: str,
            on_ready: Callable[[Any], None] | None = None) -> list[Any]:
        import ray

        if self._first is None or self._first[0] is not first:
            self._first = (first, ray.put(first))
        remote = self._fns.get(fn)
        if remote is None:
            remote = self._fns[fn] = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False)(fn)
        refs = [remote.remote(self._first[1], *a) for a in args]
        out: list[Any] = []
        try:
            for ref in refs:
                out.append(ray.get(ref))
                if on_ready is not None:
                    on_ready(out[-1])
        except ray.exceptions.RayError as exc:
            for ref in refs[len(out):]:
                ray.cancel(ref, force=True)
            raise EngineError(f"{what} failed on the cluster: {_short(exc)}") from None
        return out


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    last = [t for t in text if t.strip()]
    head = type(exc).__name__
    return f"{head}: {last[-1] if last else ''}".strip()


class _Scratch:
    """The run's scratch folder (shared by all nodes), removed at the end whatever happens."""

    def __init__(self, base: Path) -> None:
        self.path = base / f".newsclean-ray-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> Path:
        self.path.mkdir(parents=True)
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def run_ray(args: Any, runner: Any, skipped: Sequence[Skipped], index: Any, report_dir: Path,
            timings: dict[str, float], bar: Any, engine: dict[str, Any]) -> dict[str, Any] | None:
    """What :func:`newsclean.cli._work` does, on a Ray cluster. ``runner`` (the local engine's) holds
    the files, OUT, the pipeline spec and the counts; ``engine`` receives report.json's engine fields."""
    base = Path(args.tmp_dir) if args.tmp_dir else report_dir
    t0 = time.perf_counter()
    with _Scratch(base) as scratch, ray_cluster(args.ray_address, cpus=args.jobs) as info:
        engine.update(info.to_json())
        timings["cluster_seconds"] = round(time.perf_counter() - t0, 3)  # start or join, and the code check
        return run_stages(RayExecutor(), info.cpus, args, runner, skipped, index, report_dir, timings, bar, scratch,
                          engine)


def run_stages(ex: Any, cpus: int, args: Any, runner: Any, skipped: Sequence[Skipped], index: Any,
               report_dir: Path, timings: dict[str, float], bar: Any, scratch: Path,
               engine: dict[str, Any]) -> dict[str, Any] | None:
    """The stages of a run (see the module docstring) on an executor: :class:`RayExecutor`, or
    :class:`newsclean.distributed.dedup.Executor` (in this process: tests)."""
    files = list(runner.files)
    shards = plan_shards(files)
    engine["shards"] = len(shards)
    dedup_config = index.config if index is not None else None
    job = ShardJob(spec=runner.spec, out=str(runner.out), scratch=str(scratch), explain=bool(args.explain),
                   dedup=dedup_config)

    t0 = time.perf_counter()
    ranged = [s for s in shards if s.span is not None]
    if ranged:  # the first line number of every byte range of a large file
        counts = ex.map(count_lines, job, [(s,) for s in ranged], "counting lines")
        shards = with_line_offsets(shards, {s.index: c for s, c in zip(ranged, counts, strict=True)})
    results: list[ShardResult] = ex.map(clean_shard, job, [(s,) for s in shards], "cleaning",
                                        lambda r: bar.update(r.files_done))
    bar.close()
    results = _failed_ranges(job, shards, results)
    timings["clean_seconds"] = round(time.perf_counter() - t0, 3)

    # Keys, counts and the first pass's reports, in input order.
    keys = KeyAssigner()
    renamed = [keys.assign(s, r) for s, r in zip(shards, results, strict=True)]
    stats: RunStats = runner.stats
    for skip in skipped:  # what could not even be looked at: reported like a failed file
        stats.files_failed += 1
        stats.fail(skip.rel, skip.reason)
    for r in results:
        stats.merge(r.stats)
    explain_parts: list[tuple[Path, ShardResult | None, dict[tuple[int, int], str]]] = []
    if args.explain:
        explain_parts = [(job.folder(s) / "explain.jsonl", r, ren)
                         for s, r, ren in zip(shards, results, renamed, strict=True) if r.has_explain]

    dedup_json: dict[str, Any] | None = None
    if dedup_config is not None:
        t1 = time.perf_counter()
        from .finish import finish_distributed

        paragraphs = sum(r.paragraphs for r in results)
        parts = max(1, min(len(shards), max(PARTITIONS_PER_CPU * max(cpus, 1), -(-paragraphs // PARTITION_PARAGRAPHS))))
        dedup_json, drop_stats, drop_parts = finish_distributed(
            ex, args, job, shards, results, renamed, report_dir, timings, parts, engine)
        for st in drop_stats:
            stats.merge(st)
        explain_parts.extend((p, None, {}) for p in drop_parts)
        timings["dedup_seconds"] = round(time.perf_counter() - t1, 3)

    # The outputs of files read in byte ranges: their parts joined (after the drop pass rewrote some).
    joins = _joins(job, shards, results)
    if joins:
        ex.map(join_parts, job, joins, "joining the parts of large files")

    # A worker that died while writing an output left its temporary file beside it (the task ran
    # again and wrote the output whole): nothing of it stays in OUT.
    remove_stale_temps(Path(runner.out))

    # The reports, written last (a failure above leaves none of them).
    with atomic_writer(report_dir / "rejected.jsonl", errors="backslashreplace") as fh:
        for skip in skipped:
            fh.write(json_line({"path": skip.rel, "reason": skip.reason, ("folder" if skip.folder else "file"): True})
                     + "\n")
        for s, r in zip(shards, results, strict=True):
            if r.has_rejects:
                _copy_text(job.folder(s) / "rejects.jsonl", fh)
    if not stats.records_rejected and not stats.files_failed:
        (report_dir / "rejected.jsonl").unlink()
    if args.explain:
        with atomic_writer(report_dir / "removed.jsonl", errors="backslashreplace") as fh:
            for path, res, ren in explain_parts:
                if res is None:
                    _copy_text(path, fh)
                else:
                    fix_explain_keys(path, fh, res, ren)
    return dedup_json


def _by_file(shards: Sequence[Shard]) -> dict[int, list[int]]:
    """The shards (their numbers) of every file read in byte ranges."""
    out: dict[int, list[int]] = {}
    for s in shards:
        if s.span is not None:
            out.setdefault(s.first, []).append(s.index)
    return out


def _failed_ranges(job: ShardJob, shards: Sequence[Shard], results: list[ShardResult]) -> list[ShardResult]:
    """A file read in byte ranges that failed in one of them failed there, as the local engine reads
    it: that range's result stands for the whole file (its failure), the others are taken back."""
    for idxs in _by_file(shards).values():
        failed = [i for i in idxs if results[i].stats.files_failed]
        if not failed:
            continue
        for i in idxs:
            if i != failed[0]:
                results[i] = ShardResult(index=i, stats=RunStats(), doc_file=np.zeros(0, np.int32),
                                         doc_line=np.zeros(0, np.int64), doc_hash=np.zeros(0, np.uint64),
                                         doc_explain=np.zeros(0, np.int64))
                if job.dedup is not None:
                    ShardIntake(job.dedup).write(job.folder(shards[i]))
    return results


def _joins(job: ShardJob, shards: Sequence[Shard], results: Sequence[ShardResult]) -> list[tuple[str, list[str]]]:
    out = []
    for idxs in _by_file(shards).values():
        if any(results[i].stats.files_failed for i in idxs):
            continue
        f = shards[idxs[0]].files[0]
        out.append((str(Path(job.out) / f.output_rel()), [str(part_path(job, shards[i])) for i in idxs]))
    return out


def _copy_text(src: Path, dst: Any) -> None:
    with open(src, encoding="utf-8", newline="\n") as fh:
        shutil.copyfileobj(fh, dst, 1 << 20)


def shard_doc_offsets(results: Sequence[ShardResult]) -> np.ndarray:
    """Run-wide number of each shard's first document (and the total at the end)."""
    return np.concatenate(([0], np.cumsum([r.doc_file.size for r in results]))).astype(np.int64)


def iter_shards(shards: Sequence[Shard], results: Sequence[ShardResult]) -> Iterator[tuple[Shard, ShardResult]]:
    yield from zip(shards, results, strict=True)

