"""The compiled kernels (``newsclean._speedups``, a C extension built by ``pip install .``), when they
are there and not turned off with ``NEWSCLEAN_SPEEDUPS=0``.

Every kernel has a pure-Python definition beside its use (:func:`newsclean.lang._counts_py`,
:func:`newsclean.text._trigger_lines_py`, :meth:`newsclean.templates.TemplateMiner._add_py`, ...) that is its
specification and the path taken without it: both give the same results (``tests/test_speedups.py``), the
kernels only faster.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["load"]


def load() -> ModuleType | None:
    """The compiled module, or None (not built, or ``NEWSCLEAN_SPEEDUPS=0``)."""
    if os.environ.get("NEWSCLEAN_SPEEDUPS", "1") == "0":
        return None
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups
