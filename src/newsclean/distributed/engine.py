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

from ..io import Skipped, atomic_writer, json_line
from ..report import RunStats
from .cluster import ClusterInfo, EngineError, ray_cluster
from .shards import KeyAssigner, Shard, ShardJob, ShardResult, clean_shard, fix_explain_keys, plan_shards

__all__ = ["run_ray"]

log = logging.getLogger("newsclean")

#: Times Ray runs a task again when its worker process (or node) dies.
TASK_RETRIES = 3


def _remote(fn: Callable[..., Any], **options: Any) -> Any:
    import ray

    return ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False, **options)(fn)


#: Partitions of the near-duplicate stages per CPU of the cluster (each stage is one task per
#: partition: a few per CPU balance the load without many small files).
PARTITIONS_PER_CPU = 2


class RayExecutor:
    """Runs a near-duplicate stage (:mod:`newsclean.distributed.dedup`) as one Ray task per argument
    tuple; the plan goes to the object store once."""

    def __init__(self) -> None:
        self._plan: tuple[Any, Any] | None = None
        self._fns: dict[Any, Any] = {}

    def map(self, fn: Callable[..., Any], plan: Any, args: Sequence[tuple[Any, ...]], what: str) -> list[Any]:
        import ray

        if self._plan is None or self._plan[0] is not plan:
            self._plan = (plan, ray.put(plan))
        remote = self._fns.get(fn)
        if remote is None:
            remote = self._fns[fn] = _remote(fn)
        return gather([remote.remote(self._plan[1], *a) for a in args], what)


def gather(refs: Sequence[Any], what: str, on_ready: Callable[[int, Any], None] | None = None) -> list[Any]:
    """Results of ``refs`` (in order), ``on_ready(i, result)`` as each arrives in order; a task
    that failed for good (after Ray's retries) ends the run."""
    import ray

    out: list[Any] = []
    try:
        for i, ref in enumerate(refs):
            res = ray.get(ref)
            out.append(res)
            if on_ready is not None:
                on_ready(i, res)
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
    with _Scratch(base) as scratch, ray_cluster(args.ray_address, cpus=args.jobs) as info:
        engine.update(info.to_json())
        return _run(args, runner, skipped, index, report_dir, timings, bar, scratch, info)


def _run(args: Any, runner: Any, skipped: Sequence[Skipped], index: Any, report_dir: Path,
         timings: dict[str, float], bar: Any, scratch: Path, info: ClusterInfo) -> dict[str, Any] | None:
    import ray

    files = list(runner.files)
    shards = plan_shards(files)
    dedup_config = index.config if index is not None else None
    job = ShardJob(spec=runner.spec, out=str(runner.out), scratch=str(scratch), explain=bool(args.explain),
                   dedup=dedup_config)
    job_ref = ray.put(job)

    t0 = time.perf_counter()
    clean = _remote(clean_shard)
    refs = [clean.remote(job_ref, s) for s in shards]
    results: list[ShardResult] = gather(refs, "cleaning", lambda _i, r: bar.update(r.files_done))
    bar.close()
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

        parts = max(1, min(len(shards), PARTITIONS_PER_CPU * max(info.cpus, 1)))
        dedup_json, drop_stats, drop_parts = finish_distributed(
            RayExecutor(), args, job, shards, results, renamed, report_dir, job_ref, timings, parts)
        for st in drop_stats:
            stats.merge(st)
        explain_parts.extend((p, None, {}) for p in drop_parts)
        timings["dedup_seconds"] = round(time.perf_counter() - t1, 3)

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


def _copy_text(src: Path, dst: Any) -> None:
    with open(src, encoding="utf-8", newline="\n") as fh:
        shutil.copyfileobj(fh, dst, 1 << 20)


def shard_doc_offsets(results: Sequence[ShardResult]) -> np.ndarray:
    """Run-wide number of each shard's first document (and the total at the end)."""
    return np.concatenate(([0], np.cumsum([r.doc_file.size for r in results]))).astype(np.int64)


def iter_shards(shards: Sequence[Shard], results: Sequence[ShardResult]) -> Iterator[tuple[Shard, ShardResult]]:
    yield from zip(shards, results, strict=True)

