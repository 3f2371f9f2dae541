"""Array helpers of the near-duplicate stages, where numpy's general routine is the bottleneck."""

from __future__ import annotations

import numpy as np

__all__ = ["unique_sorted"]


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-D integer array, sorted: ``np.unique(values)``, by a sort.

    numpy 2.3 and later find plain distinct values with a hash table first and sort them after;
    on the stages' int64 pair codes that was 11-14x slower than one sort (numpy 2.4.6, 1M and 5M
    codes, a quarter of them repeated: 0.62-0.76 s against 0.056 s at 1M), and 15% of ``finish``
    on 1M syndicated paragraphs (three calls, 1.97 of 13.4 s under cProfile).

    >>> unique_sorted(np.array([5, 3, 5, 1, 3], np.int64))
    array([1, 3, 5])
    >>> unique_sorted(np.zeros(0, np.uint64)).size
    0
    """
    s = np.sort(np.asarray(values).ravel())
    if s.size < 2:
        return s
    keep = np.empty(s.size, np.bool_)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
