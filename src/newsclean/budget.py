"""A CPU-time budget for one piece of regex work: rules are Python regexes, which backtrack, and a
rule such as ``(a+)+$`` can take years on one unlucky line. Python's ``re`` checks for signals while
it matches, so a profiling timer (``ITIMER_PROF``: CPU time of this process, not wall time, so a busy
machine does not make a document "slow"), ticking every :data:`TICK` CPU seconds, interrupts it
with :class:`OverBudget` once the budget is spent.

The timer needs the main thread of a process with ``setitimer`` (POSIX): elsewhere the budget is not
enforced (the work runs unbounded, as before). Worker processes run their tasks in their main thread.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["DEFAULT_SECONDS", "OverBudget", "cpu_budget", "document_budget", "enforced", "stop", "unbudgeted"]

#: CPU seconds a document's cleaning may take, plus :data:`SECONDS_PER_MB` per MB of its text: the
#: whole catalog cleans about 3 MB per CPU second, so only a runaway regex comes near it.
DEFAULT_SECONDS = 10.0
SECONDS_PER_MB = 10.0


class OverBudget(Exception):
    """The work took more CPU time than its budget."""


#: How often the clock is looked at (CPU seconds): a budget is enforced to within this.
TICK = 0.1

_armed = False
_deadline = 0.0
_ticking = False


def _on_timer(signum: int, frame: Any) -> None:
    if _armed and time.process_time() > _deadline:
        raise OverBudget()


def enforced() -> bool:
    """Whether budgets are enforced here (a main thread with ``setitimer``)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def document_budget(chars: int, base: float | None = DEFAULT_SECONDS) -> float | None:
    """The budget of cleaning a text of ``chars`` characters (None: unbounded)."""
    if base is None:
        return None
    return base + SECONDS_PER_MB * chars / 1e6


def _start_ticking() -> None:
    global _ticking
    # A periodic profiling timer, started once: arming a budget is then two assignments instead of
    # two system calls per document. SA_RESTART (siginterrupt False): the ticks do not interrupt
    # system calls of the libraries below.
    signal.signal(signal.SIGPROF, _on_timer)
    signal.siginterrupt(signal.SIGPROF, False)
    signal.setitimer(signal.ITIMER_PROF, TICK, TICK)
    _ticking = True
    # At exit the interpreter puts SIGPROF's default action back while the timer still ticks: the next tick would
    # kill the process ("Profiling timer expired", exit status 155) after a script that only loaded a rule file.
    atexit.register(stop)


def _after_fork() -> None:
    global _ticking, _armed
    _ticking = _armed = False  # a child does not inherit its parent's interval timers


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def stop() -> None:
    """Stop the ticking (at the end of a run in a process that goes on)."""
    global _ticking, _armed
    _armed = False
    if _ticking:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        _ticking = False


class cpu_budget:
    """``with cpu_budget(seconds):`` raises :class:`OverBudget` inside the block once it used
    ``seconds`` of CPU time (to within :data:`TICK`; nested budgets are not supported: an inner
    one replaces the outer). ``None``: no budget. A class, not a generator: it is entered once per
    document, and costs about 2 microseconds so."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds is not None and enforced() else None

    def __enter__(self) -> None:
        global _armed, _deadline
        if self.seconds is None:
            return
        if not _ticking:
            _start_ticking()
        _deadline = time.process_time() + self.seconds
        _armed = True

    def __exit__(self, *exc: object) -> None:
        global _armed
        _armed = False


@contextmanager
def unbudgeted() -> Iterator[None]:
    """Stop the clock of the current budget for the block: set-up work that is done once and
    cached (compiling a selection of rules, a Hyperscan database) is not a document's cost, and an
    interruption would throw it away, so that every later attempt would pay for it again."""
    global _armed, _deadline
    if not _armed:
        yield
        return
    _armed = False
    started = time.process_time()
    try:
        yield
    finally:
        _deadline += time.process_time() - started
        _armed = True
