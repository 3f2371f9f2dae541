"""The near-duplicate kernels as plain Python functions, compiled by numba only when an input is
large enough to pay for it.

Importing numba, setting up its CPU target and loading the eleven cached parallel kernels takes
0.6-0.9 s: far more than the whole near-duplicate stage on one article (a few milliseconds of
work). So the kernels of :mod:`newsclean.dedup` are written once, as Python functions decorated
with :func:`njit` and :func:`parallel_kernel` of this module (with :data:`prange` for numba's
``prange``), and each decorated function is a :class:`Kernel` that runs either

- the **numba path**: the function compiled by ``numba.njit`` (``parallel=True`` for the parallel
  kernels, disk-cached as before), numba imported and set up on first use; or
- the **Python path**: the same source run by the interpreter (``prange`` is ``range``), numba
  never imported. Where a kernel's own loops would cost too much per element in Python, a form of
  its own stands for it there (:meth:`Kernel.python_form`: the band sort, the word alignment, the
  grams), and the signatures are computed by a vectorized NumPy form of the sketch
  (:mod:`newsclean.dedup.signatures`), bit-identical to the kernel and to datasketch.

Both give the same results, bit for bit (``tests/test_dedup_small_path.py`` checks it on random
corpora, forced both ways, and the whole dedup suite can run with ``NEWSCLEAN_KERNELS=python``).
Which one runs is decided by whoever calls the kernels, from the size of the input known when they
are first needed, never from timings: :class:`~newsclean.dedup.index.NearDuplicateIndex` takes the
Python path when ``finish()`` has at most :data:`SMALL_PARAGRAPHS` paragraphs and
:data:`SMALL_CHARS` characters, and the command line sketches with it when its whole input is under
:data:`SMALL_INPUT_BYTES`. ``NEWSCLEAN_KERNELS``
(``python``, ``numba`` or ``auto``, the default) forces one path everywhere (tests, benchmarks).

Inside a kernel run by numba, the other kernels it calls are their numba dispatchers; inside one
run by Python, their Python functions: each path resolves the module's globals in a copy of its
own, so neither path ever calls into the other.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

__all__ = [
    "SMALL_CHARS",
    "SMALL_INPUT_BYTES",
    "SMALL_PARAGRAPHS",
    "Kernel",
    "PARALLEL_LOCK",
    "forced",
    "get_num_threads",
    "njit",
    "numba_module",
    "parallel_kernel",
    "prange",
    "python_kernels",
    "python_path",
    "small",
    "use_python",
]

#: The Python path takes a :class:`~newsclean.dedup.index.NearDuplicateIndex` whose ``finish()``
#: holds at most this many paragraphs and :data:`SMALL_CHARS` characters. Chosen by measurement
#: (``python -m benchmarks.dedup_small_path``, the stage timed from its imports to the end of
#: ``finish()``, each run in a fresh process): numba's fixed cost (import, CPU target, loading the
#: cached kernels) is about 0.6 s on this project's machine, and the Python path's cost grows with
#: the characters (sketching, verification) and the paragraphs (per-paragraph loops). At these
#: bounds the Python path took about half of numba's time on both dev corpora that were measured
#: (id_news_dev: 808 paragraphs, 156,000 characters, 0.50x; hoax_dev, long paragraphs with many
#: copies: 100 paragraphs, 197,000 characters, 0.57x); the two cross at about 400,000 characters.
SMALL_PARAGRAPHS = 1000
#: See :data:`SMALL_PARAGRAPHS` (characters of the paragraphs, normalized for those already sketched).
SMALL_CHARS = 150_000
#: The command line sketches paragraphs on the Python path when its whole input is under this many
#: bytes (the same bound as :data:`SMALL_CHARS`; one article is a few thousand).
SMALL_INPUT_BYTES = 150_000

#: Held while a parallel kernel runs on numba: threads of one process take turns (each kernel
#: uses every core already).
PARALLEL_LOCK = threading.RLock()

#: ``prange`` as the Python path sees it (the numba path sees ``numba.prange``).
prange = range

_USE_PYTHON: ContextVar[bool] = ContextVar("newsclean_python_kernels", default=False)
_FORCE_ENV = "NEWSCLEAN_KERNELS"

#: The kernels with a vectorized form of their own on the Python path (:meth:`Kernel.python_form`).
PYTHON_FORMS: list[Kernel] = []


def forced() -> str | None:
    """``"python"`` or ``"numba"`` when ``NEWSCLEAN_KERNELS`` forces a path, else None."""
    value = os.environ.get(_FORCE_ENV, "").strip().lower()
    return value if value in ("python", "numba") else None


def use_python(small: bool) -> bool:
    """Whether an input judged ``small`` by its caller takes the Python path (``NEWSCLEAN_KERNELS``
    overrides the judgement)."""
    f = forced()
    return small if f is None else f == "python"


def small(paragraphs: int, chars: int) -> bool:
    """Whether an index holding this much is small enough for the Python path."""
    return paragraphs <= SMALL_PARAGRAPHS and chars <= SMALL_CHARS


def python_path() -> bool:
    """Whether kernels called from here (this thread or task) run on the Python path."""
    return _USE_PYTHON.get()


@contextlib.contextmanager
def python_kernels(enabled: bool = True) -> Iterator[None]:
    """Run the kernels called inside on the Python path (``enabled``) or on numba (not)."""
    token = _USE_PYTHON.set(enabled)
    try:
        yield
    finally:
        _USE_PYTHON.reset(token)


def numba_module() -> Any:
    """numba, imported with newsclean's fork-safe threading layer asked for first
    (:mod:`newsclean.dedup.threading_layer`): use it for anything that may start numba's threads
    (``get_num_threads``, ``set_num_threads``, a kernel)."""
    import numba

    from newsclean.dedup import threading_layer  # noqa: F401  (asks for the fork-safe layer on import)

    return numba


def get_num_threads() -> int:
    """numba's thread count on the numba path (which it imports), 1 on the Python path."""
    if _USE_PYTHON.get():
        return 1
    return int(numba_module().get_num_threads())


_py_globals: dict[str, dict[str, Any]] = {}
_nb_globals: dict[str, dict[str, Any]] = {}
_globals_lock = threading.RLock()


def _module_globals(module: str, cache: dict[str, dict[str, Any]], convert: Callable[[Kernel], Any],
                    extra: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``module``'s globals where every kernel is its form on one path."""
    with _globals_lock:
        g = cache.get(module)
        if g is not None:
            return g
        g = dict(sys.modules[module].__dict__)
        cache[module] = g  # before converting: kernels of this module refer to each other
        g.update(extra)
        for name, value in list(g.items()):
            if isinstance(value, Kernel):
                g[name] = convert(value)
        return g


class Kernel:
    """A kernel of the near-duplicate stage: calls run its Python function or its numba
    dispatcher, as :func:`python_path` says (see the module's doc)."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any], *, parallel: bool = False) -> None:
        self.py_func = func
        self.options = options
        self.parallel = parallel
        self._python: Callable[..., Any] | None = None
        self._dispatcher: Any = None
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__doc__ = func.__doc__
        self.__module__ = func.__module__
        self.__wrapped__ = func

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__qualname__}>"

    def _rebuild(self, g: dict[str, Any]) -> Callable[..., Any]:
        f = self.py_func
        new = types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)
        new.__kwdefaults__ = f.__kwdefaults__
        new.__qualname__ = f.__qualname__
        new.__doc__ = f.__doc__
        new.__module__ = f.__module__
        return new

    def python_form(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: ``func`` (NumPy, vectorized) is this kernel on the Python path, where the
        kernel's own loops would cost too much per element; it must give the same results
        (``tests/test_dedup_small_path.py`` compares every such form with the compiled kernel)."""
        self._python = func
        PYTHON_FORMS.append(self)
        return func

    @property
    def python(self) -> Callable[..., Any]:
        """The function on the Python path (the other kernels it calls on the Python path too)."""
        if self._python is None:
            with _globals_lock:
                if self._python is None:
                    g = _module_globals(self.__module__, _py_globals, lambda k: k.python, {"prange": range})
                    self._python = self._rebuild(g)
        return self._python

    @property
    def dispatcher(self) -> Any:
        """The numba dispatcher (numba imported and its threading layer chosen on first use)."""
        if self._dispatcher is None:
            with _globals_lock:
                if self._dispatcher is None:
                    numba = numba_module()
                    g = _module_globals(self.__module__, _nb_globals, lambda k: k.dispatcher,
                                        {"prange": numba.prange})
                    opts = dict(self.options)
                    if self.parallel:
                        opts["parallel"] = True
                    self._dispatcher = numba.njit(**opts)(self._rebuild(g))
        return self._dispatcher

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _USE_PYTHON.get():
            import numpy as np

            with np.errstate(over="ignore"):  # fixed-width arithmetic wraps, as compiled
                return self.python(*args, **kwargs)
        if self.parallel:
            with PARALLEL_LOCK:
                return self.dispatcher(*args, **kwargs)
        return self.dispatcher(*args, **kwargs)


def njit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit(**options)`` on the numba path, the function itself on the Python path."""
    def wrap(f: Callable[..., Any]) -> Kernel:
        return Kernel(f, options)

    return wrap if func is None else wrap(func)


def parallel_kernel(func: Callable[..., Any] | None = None, *, cache: bool = True) -> Any:
    """``numba.njit(parallel=True, cache=cache)`` for a kernel called from Python, run under
    :data:`PARALLEL_LOCK` on the numba path."""
    def wrap(f: Callable[..., Any]) -> Kernel:
        k = Kernel(f, {"cache": cache}, parallel=True)
        if cache:
            PARALLEL_CACHED.append(k)
        return k

    return wrap if func is None else wrap(func)


#: The disk-cached parallel kernels (``threading_layer.kernels_cached`` looks at them).
PARALLEL_CACHED: list[Kernel] = []
