"""Numba's threading layer for the compiled near-duplicate kernels: safe in a process that forks,
and one parallel launch at a time.

Numba takes the first threading layer it can load: TBB, else OpenMP, else its own ``workqueue``.
Where that is GNU OpenMP (numba's Linux wheels without TBB), a process that ran a parallel kernel
and then forks (``multiprocessing``'s ``fork`` start method, Linux's default before Python 3.14)
has children that are terminated the moment they run one ("fork() called from a process already
using GNU OpenMP, this is unsafe"), and a ``multiprocessing.Pool`` waits for them forever. So
the first kernel compiled or loaded by numba (:mod:`newsclean.dedup.jit` imports this module
then; the Python path of small inputs never does) asks numba for a fork-safe layer (``"forksafe"``: TBB if it is
installed, else workqueue on Linux), unless ``NUMBA_THREADING_LAYER`` or ``numba.config`` already
names one or numba's threads are already running. The workqueue layer is not thread-safe (two
threads launching parallel kernels at once abort the process), so every parallel kernel of
newsclean runs under :data:`PARALLEL_LOCK`. On this project's 2-core machine the workqueue layer
was also faster than OpenMP's spinning threads (see the README).
"""

from __future__ import annotations

import os
import sys
import threading

import numba as nb

from newsclean.dedup.jit import PARALLEL_CACHED, PARALLEL_LOCK, parallel_kernel

__all__ = ["KERNELS", "PARALLEL_LOCK", "fork_safe", "kernels_cached", "parallel_kernel", "use_fork_safe_layer"]

#: The disk-cached parallel kernels (see :func:`kernels_cached`; :class:`newsclean.dedup.jit.Kernel`).
KERNELS = PARALLEL_CACHED


def kernels_cached() -> bool:
    """Whether numba's disk cache holds compiled code for every parallel kernel of this source (if
    not, the first use compiles them: a minute or so). Reads numba's cache index, so it may say
    True for a cache of another machine's CPU; False only when something is surely missing."""
    _import_kernels()
    for k in KERNELS:
        try:
            if not k.dispatcher._cache._cache_file._load_index():  # numba internals: an empty index is a miss
                return False
        except Exception:  # another numba version: do not claim a miss
            continue
    return True


def _import_kernels() -> None:
    import newsclean.dedup.fragments  # noqa: F401
    import newsclean.dedup.signatures  # noqa: F401
    import newsclean.dedup.verify  # noqa: F401


def _started() -> bool:
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(parallel, "_is_initialized", False))


def use_fork_safe_layer() -> bool:
    """Ask numba for its fork-safe threading layer if nobody chose one and it has not started;
    True if the request was made."""
    if os.environ.get("NUMBA_THREADING_LAYER") or _started():
        return False
    if str(nb.config.THREADING_LAYER).lower() != "default":
        return False
    nb.config.THREADING_LAYER = "forksafe"
    return True


def fork_safe() -> bool:
    """Whether a child forked from this process can run numba's parallel kernels: numba's threads
    have not started, or run on a layer other than GNU OpenMP."""
    if not _started():
        return True
    try:
        layer = nb.threading_layer()
    except ValueError:
        return True
    return not (layer == "omp" and sys.platform.startswith("linux"))


def _after_fork_in_child() -> None:
    """A forked child gets locks of its own for numba's start-up and for :data:`PARALLEL_LOCK`.

    numba guards its threads' start-up with a ``multiprocessing`` lock made once per process and
    shared with every child forked after it, and takes it on every ``get_num_threads()`` and
    ``set_num_threads()`` (the workers call them for each task). A worker ended while holding it
    (the pool's SIGTERM after an interruption, the out-of-memory killer) left it taken for good:
    the next ``get_num_threads()`` of the parent, or of any later worker, waited forever (shown
    with a worker killed on purpose, ``tests/test_run_workers.py``). A child does not need the parent's lock: it
    inherits numba's state, started or not. :data:`PARALLEL_LOCK` is reset as well, in case
    another thread of the parent held it when this one forked."""
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if parallel is not None and getattr(parallel, "_backend_init_process_lock", None) is not None:
        parallel._backend_init_process_lock = threading.RLock()
    reinit = getattr(PARALLEL_LOCK, "_at_fork_reinit", None)
    if reinit is not None:
        reinit()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

use_fork_safe_layer()
