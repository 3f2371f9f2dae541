"""Partitioned columns in the scratch folder: how the distributed near-duplicate stages keep their state.

Every paragraph of a run has a run-wide number ``g`` (input order), every document one too. The
paragraphs are cut into ``P`` *partitions* of consecutive numbers (each a run of whole shards, so a
document's paragraphs are all in one partition). A *column* is one array per partition in the scratch
folder (``.npy``), written once by the partition's task and read by any task of a later stage through
a memory map (:class:`Column`): a task looks up the values of any paragraphs, wherever they are, with
no shuffle. What must meet by key (exact copies by hash, LSH buckets by band key, components by
label) is *routed*: a task writes its rows per destination (:func:`route`) and each destination's task
reads them from every source, in source order (:func:`gather`), so the result never depends on which
task finished first. Everything is written atomically: a task run again writes the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Column", "Layout", "gather", "load", "route", "save", "save_array"]


@dataclass(frozen=True)
class Layout:
    """Where paragraphs and documents are: partition ``k`` holds paragraphs
    ``[bounds[k], bounds[k+1])``, documents ``[doc_bounds[k], doc_bounds[k+1])`` and shards
    ``[shards[k], shards[k+1])``."""

    root: str
    bounds: np.ndarray
    doc_bounds: np.ndarray
    shards: np.ndarray
    shard_par: np.ndarray  # first paragraph of every shard (and the total)
    shard_doc: np.ndarray  # first document of every shard (and the total)

    @classmethod
    def plan(cls, root: Path, shard_paragraphs: Sequence[int], shard_docs: Sequence[int], parts: int) -> Layout:
        """About ``parts`` partitions of whole shards, of about equal numbers of paragraphs."""
        par = np.concatenate(([0], np.cumsum(np.asarray(shard_paragraphs, np.int64))))
        doc = np.concatenate(([0], np.cumsum(np.asarray(shard_docs, np.int64))))
        m = len(shard_paragraphs)
        parts = max(1, min(parts, m))
        total = int(par[-1])
        cuts = [0]
        for k in range(1, parts):
            s = int(np.searchsorted(par, total * k / parts, side="left"))
            s = min(max(s, cuts[-1] + 1), m - (parts - k))
            cuts.append(s)
        cuts.append(m)
        shards = np.asarray(cuts, np.int64)
        return cls(str(root), par[shards], doc[shards], shards, par, doc)

    @property
    def parts(self) -> int:
        return int(self.bounds.size - 1)

    @property
    def paragraphs(self) -> int:
        return int(self.bounds[-1])

    def size(self, k: int) -> int:
        return int(self.bounds[k + 1] - self.bounds[k])

    def owner(self, g: np.ndarray) -> np.ndarray:
        """Partition of each paragraph number."""
        return np.searchsorted(self.bounds, g, side="right") - 1

    def doc_owner(self, d: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.doc_bounds, d, side="right") - 1

    def shard_of_doc(self, d: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.shard_doc, d, side="right") - 1

    def path(self, *parts: str) -> Path:
        return Path(self.root).joinpath(*parts)


def _atomic_path(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)


def save_array(path: Path, arr: np.ndarray) -> None:
    """One array as ``.npy`` (memory-mappable), atomically."""
    fd, tmp = _atomic_path(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(arr), allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save(path: Path, **arrays: np.ndarray) -> None:
    """Several arrays as one ``.npz``, atomically."""
    fd, tmp = _atomic_path(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class Column:
    """A column of every partition (``root/name/p<k>.npy``), read through memory maps; ``doc``: one
    value per document instead of per paragraph."""

    def __init__(self, layout: Layout, name: str, *, doc: bool = False) -> None:
        self.layout = layout
        self.name = name
        self.doc = doc
        self._parts: dict[int, np.ndarray] = {}

    def file(self, k: int) -> Path:
        return self.layout.path(self.name, f"p{k:05d}.npy")

    def write(self, k: int, arr: np.ndarray) -> None:
        save_array(self.file(k), arr)
        self._parts.pop(k, None)

    def part(self, k: int) -> np.ndarray:
        arr = self._parts.get(k)
        if arr is None:
            arr = self._parts[k] = np.load(self.file(k), mmap_mode="r", allow_pickle=False)
        return arr

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The values of paragraphs (documents) ``ids``, wherever they are."""
        ids = np.asarray(ids, np.int64)
        bounds = self.layout.doc_bounds if self.doc else self.layout.bounds
        if ids.size == 0:
            return np.zeros((0,) + self.part(0).shape[1:], self.part(0).dtype)
        owner = np.searchsorted(bounds, ids, side="right") - 1
        first = self.part(int(owner[0]))
        out = np.empty((ids.size,) + first.shape[1:], first.dtype)
        for k in np.unique(owner).tolist():
            sel = owner == k
            out[sel] = self.part(k)[ids[sel] - bounds[k]]
        return out


def route(layout: Layout, stage: str, src: int, dest: np.ndarray, parts: int | None = None,
          **columns: np.ndarray) -> int:
    """Write the rows of ``columns`` for their destinations ``dest``, for :func:`gather`: one file per
    column for this source, rows sorted by destination (in row order within one), and the bounds of
    each destination's rows; a destination's task reads only its rows, through a memory map. (A file
    per source, not per source and destination: a stage leaves ``P`` sets of files, not ``P**2``.)
    Returns the number of rows."""
    p = layout.parts if parts is None else parts
    order = np.argsort(dest, kind="stable")
    bounds = np.searchsorted(dest[order], np.arange(p + 1)).astype(np.int64)
    folder = layout.path("routes", stage)
    for k, v in columns.items():
        save_array(folder / f"from{src:05d}.{k}.npy", np.asarray(v)[order])
    save_array(folder / f"from{src:05d}.bounds.npy", bounds)  # last: the source is complete
    return int(dest.size)


def gather(layout: Layout, stage: str, dest: int, empty: dict[str, Any]) -> dict[str, np.ndarray]:
    """All rows routed to ``dest`` at ``stage``, sources in order (``empty``: name -> dtype or
    (dtype, width) of each column, for when there is none)."""
    folder = layout.path("routes", stage)
    sources = sorted(n[: -len(".bounds.npy")] for n in os.listdir(folder) if n.endswith(".bounds.npy")) \
        if folder.is_dir() else []
    parts: dict[str, list[np.ndarray]] = {k: [] for k in empty}
    for src in sources:
        bounds = np.load(folder / f"{src}.bounds.npy")
        lo, hi = int(bounds[dest]), int(bounds[dest + 1])
        if hi > lo:
            for k in empty:
                parts[k].append(np.array(np.load(folder / f"{src}.{k}.npy", mmap_mode="r")[lo:hi]))
    out: dict[str, np.ndarray] = {}
    for k, spec in empty.items():
        if parts[k]:
            out[k] = np.concatenate(parts[k])
        else:
            dtype, width = spec if isinstance(spec, tuple) else (spec, None)
            out[k] = np.zeros((0,) if width is None else (0, width), dtype)
    return out
