"""Verification of candidate pairs on the exact shingle sets (read from the spilled file through a
memory map, or with ``pread`` for large files): the compiled kernels and :class:`_ExactSets`."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import numba as nb
import numpy as np

from newsclean.dedup.config import DedupConfig
from newsclean.dedup.threading_layer import parallel_kernel

#: Candidate pairs are verified in chunks of this many (bounded temporaries).
VERIFY_CHUNK = 1 << 16
#: Shingle-set files up to this size are read through a memory map (fastest; the pages read count
#: as resident memory, and random reads soon touch all of them); larger ones with ``pread`` into
#: small buffers, so the file never becomes resident (about 1 us more per verified pair).
MMAP_MAX_BYTES = 128 << 20


class _ExactSets:
    """Exact shingle-set comparisons on the spilled hashes (``hashes[offsets[i]:offsets[i+1]]``)."""

    def __init__(self, hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, cfg: DedupConfig,
                 fd: int | None = None) -> None:
        self.hashes = hashes
        self.offsets = offsets
        self.sizes = sizes
        self.cfg = cfg
        # With a file descriptor, sets are read with pread() into small buffers instead of through
        # the memory map: random reads through a map make the whole file resident memory.
        self.fd = fd if fd is not None and _PREAD is not None else None

    def _check(self, err: np.ndarray) -> None:
        if err[0]:
            raise RuntimeError("short read from the shingle-set file (was it modified?)")

    def intersections(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if self.fd is not None:
            err = np.zeros(1, np.int64)
            out = _intersections_fd(self.fd, self.offsets, left, right, err)
            self._check(err)
            return out
        return _intersections(self.hashes, self.offsets, left, right)

    def accept(self, left: np.ndarray, right: np.ndarray, rule: tuple[float, float, float] | None = None
               ) -> np.ndarray:
        """The verification rule on exact sets (see the module docstring); same result as
        :func:`accept` on :func:`exact_scores`, but each merge stops as soon as the pair can no
        longer reach the intersection it needs. ``rule``: ``(jaccard, containment, min ratio)``
        instead of the configured one (containment < 0: none)."""
        if left.size == 0:
            return np.zeros(0, dtype=bool)
        cfg = self.cfg
        if rule is None:
            c = -1.0 if cfg.containment_threshold is None else float(cfg.containment_threshold)
            rule = (float(cfg.threshold), c, float(cfg.min_size_ratio))
        if self.fd is not None:
            err = np.zeros(1, np.int64)
            out = _accept_pairs_fd(self.fd, self.offsets, self.sizes, left, right, *rule, err)
            self._check(err)
            return out
        return _accept_pairs(self.hashes, self.offsets, self.sizes, left, right, *rule)

    def similarity(self, kept: np.ndarray, members: np.ndarray, exact: np.ndarray) -> np.ndarray:
        """Similarity of each member to its kept member: 1.0 for exact copies, otherwise the larger
        of the exact Jaccard and (where the size ratio allows it: containment or fragment rule) the
        exact containment."""
        if members.size <= VERIFY_CHUNK:
            return self._similarity(kept, members, exact)
        out = np.empty(members.size)
        for lo in range(0, members.size, VERIFY_CHUNK):
            hi = lo + VERIFY_CHUNK
            out[lo:hi] = self._similarity(kept[lo:hi], members[lo:hi], exact)
        return out

    def _similarity(self, kept: np.ndarray, members: np.ndarray, exact: np.ndarray) -> np.ndarray:
        if members.size == 0:
            return np.zeros(0)
        has_set = (self.offsets[members + 1] > self.offsets[members]) & (self.offsets[kept + 1] > self.offsets[kept])
        j, c, ratio = exact_scores(self.intersections(kept, members), self.sizes[kept], self.sizes[members])
        sim = j.copy()
        cfg = self.cfg
        use_c = np.zeros(ratio.size, bool)
        if cfg.containment_threshold is not None:
            use_c |= ratio >= cfg.min_size_ratio
        if cfg.fragment_containment is not None:
            use_c |= (ratio >= cfg.fragment_min_ratio) & (ratio < cfg.min_size_ratio)
        sim[use_c] = np.maximum(j[use_c], c[use_c])
        sim[~has_set] = 0.0
        sim[exact[members] == exact[kept]] = 1.0
        return sim


@nb.njit(cache=True, inline="always")
def _merge_count(xs, a, a1, ys, b, b1, need):
    """Size of the intersection of the sorted runs ``xs[a:a1]`` and ``ys[b:b1]``, stopping early
    (with a smaller count) once ``need`` can no longer be reached; ``need < 0`` never stops early.
    Shared by the memory-mapped and the pread kernels."""
    inter = 0
    while a < a1 and b < b1:
        if inter + min(a1 - a, b1 - b) < need - 1e-9:
            break
        # Branch-free steps (the order of two random hashes is a coin flip the CPU cannot
        # predict), the early-exit test once per 8: 1.6x the branching merge on generated
        # candidate pairs. Stopping up to 7 steps later only changes a count that can no longer
        # reach ``need``, so every verdict is the same.
        for _ in range(8):
            if a >= a1 or b >= b1:
                break
            x = xs[a]
            y = ys[b]
            inter += x == y
            a += x <= y
            b += y <= x
    return inter


@nb.njit(cache=True, inline="always")
def _passes(inter, sa, sb, t, c, r):
    """Exact acceptance: Jaccard >= t, or containment of the smaller set >= c where allowed."""
    small = min(sa, sb)
    use_c = c >= 0.0 and small / max(sa, sb) >= r
    return inter / max(sa + sb - inter, 1) >= t or (use_c and inter / small >= c)


@parallel_kernel
def _intersections(hashes, offsets, left, right):
    out = np.empty(left.size, np.int64)
    for k in nb.prange(left.size):
        a, a1 = offsets[left[k]], offsets[left[k] + 1]
        b, b1 = offsets[right[k]], offsets[right[k] + 1]
        out[k] = _merge_count(hashes, a, a1, hashes, b, b1, -1.0)
    return out


@nb.njit(cache=True)
def _needed(sa, sb, t, c, r):
    """Smallest intersection that passes: Jaccard i/(sa+sb-i) >= t  <=>  i >= t(sa+sb)/(1+t);
    containment i/small >= c (only at size ratio >= r). Both as exact float comparisons by callers."""
    small = min(sa, sb)
    need = t * (sa + sb) / (1.0 + t)
    if c >= 0.0 and small / max(sa, sb) >= r:
        need = min(need, c * small)
    return need


@parallel_kernel
def _accept_pairs(hashes, offsets, sizes, left, right, t, c, r):
    out = np.zeros(left.size, np.bool_)
    for k in nb.prange(left.size):
        i = left[k]
        j = right[k]
        sa = sizes[i]
        sb = sizes[j]
        if min(sa, sb) == 0:
            continue
        need = _needed(sa, sb, t, c, r)
        inter = _merge_count(hashes, offsets[i], offsets[i + 1], hashes, offsets[j], offsets[j + 1], need)
        out[k] = _passes(inter, sa, sb, t, c, r)
    return out


def _libc_pread() -> Any:
    if not sys.platform.startswith(("linux", "darwin")):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).pread
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_ssize_t
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
    return fn


_PREAD = _libc_pread()

if _PREAD is not None:
    _pread = _PREAD

    # These call libc through ctypes, so numba cannot cache them on disk (compiled on first use).
    @nb.njit
    def _read_set(fd, offsets, i, err):
        """Set ``i`` read from the file into a new array (empty and ``err[0] = 1`` on a short read)."""
        m = offsets[i + 1] - offsets[i]
        buf = np.empty(m, np.uint32)
        done = 0
        want = m * 4
        base = offsets[i] * 4
        while done < want:
            got = _pread(fd, buf.ctypes.data + done, want - done, base + done)
            if got <= 0:
                err[0] = 1
                return np.empty(0, np.uint32)
            done += got
        return buf

    @nb.njit
    def _pair_sets(fd, offsets, i, j, prev_i, prev_x, prev_j, prev_y, err):
        """Sets ``i`` and ``j``, reusing the previous pair's sets (consecutive candidate pairs come
        from one bucket and share a member; similarity pairs share the kept member)."""
        if i == prev_i:
            xs = prev_x
        elif i == prev_j:
            xs = prev_y
        else:
            xs = _read_set(fd, offsets, i, err)
        if j == prev_i:
            ys = prev_x
        elif j == prev_j:
            ys = prev_y
        else:
            ys = _read_set(fd, offsets, j, err)
        return xs, ys

    @parallel_kernel(cache=False)
    def _intersections_fd(fd, offsets, left, right, err):
        out = np.empty(left.size, np.int64)
        parts = 4 * nb.get_num_threads()
        per = (left.size + parts - 1) // parts
        for p in nb.prange(parts):
            prev_i, prev_j = -1, -1
            prev_x = np.empty(0, np.uint32)
            prev_y = np.empty(0, np.uint32)
            for k in range(p * per, min(left.size, (p + 1) * per)):
                x_set, y_set = _pair_sets(fd, offsets, left[k], right[k], prev_i, prev_x, prev_j, prev_y, err)
                prev_i, prev_x, prev_j, prev_y = left[k], x_set, right[k], y_set
                out[k] = _merge_count(x_set, 0, x_set.size, y_set, 0, y_set.size, -1.0)
        return out

    @parallel_kernel(cache=False)
    def _accept_pairs_fd(fd, offsets, sizes, left, right, t, c, r, err):
        """:func:`_accept_pairs` on sets read with pread (same arithmetic, same result)."""
        out = np.zeros(left.size, np.bool_)
        parts = 4 * nb.get_num_threads()
        per = (left.size + parts - 1) // parts
        for p in nb.prange(parts):
            prev_i, prev_j = -1, -1
            prev_x = np.empty(0, np.uint32)
            prev_y = np.empty(0, np.uint32)
            for k in range(p * per, min(left.size, (p + 1) * per)):
                i = left[k]
                j = right[k]
                sa = sizes[i]
                sb = sizes[j]
                if min(sa, sb) == 0:
                    continue
                need = _needed(sa, sb, t, c, r)
                if min(offsets[i + 1] - offsets[i], offsets[j + 1] - offsets[j]) < need - 1e-9:
                    continue  # the merge below would stop at once with no intersection: rejected
                x_set, y_set = _pair_sets(fd, offsets, i, j, prev_i, prev_x, prev_j, prev_y, err)
                prev_i, prev_x, prev_j, prev_y = i, x_set, j, y_set
                inter = _merge_count(x_set, 0, x_set.size, y_set, 0, y_set.size, need)
                out[k] = _passes(inter, sa, sb, t, c, r)
        return out


def exact_scores(
    inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jaccard, containment of the smaller set and size ratio (smaller/larger) from exact counts.

    >>> [x.tolist() for x in exact_scores(np.array([2]), np.array([2]), np.array([4]))]
    [[0.5], [1.0], [0.5]]
    """
    a = size_a.astype(np.float64)
    b = size_b.astype(np.float64)
    i = inter.astype(np.float64)
    small = np.minimum(a, b)
    large = np.maximum(a, b)
    j = i / np.maximum(a + b - i, 1.0)
    c = i / np.maximum(small, 1.0)
    return j, c, small / np.maximum(large, 1.0)


def accept(j: np.ndarray, c: np.ndarray, ratio: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """The verification rule (see the module docstring)."""
    ok = j >= cfg.threshold
    if cfg.containment_threshold is not None:
        ok |= (c >= cfg.containment_threshold) & (ratio >= cfg.min_size_ratio)
    return ok
