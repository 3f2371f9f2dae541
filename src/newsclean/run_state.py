"""What an OUT folder holds, and whether a run may write there.

A run into a folder OUT keeps its state in ``OUT/_newsclean/`` (hidden files, which ``--report-dir``
does not move): ``.run.json`` (what run this is: a fingerprint of its inputs and options, and whether
it completed), ``.journal`` while it runs (:mod:`newsclean.journal`) and ``.lock`` (held while it
runs, so two runs never write into one OUT). The rules:

- an empty or missing OUT: the run starts;
- OUT holds a complete run with the same fingerprint (the same command again, on unchanged input):
  the run starts over, and writes the same outputs;
- OUT holds an interrupted run: ``--resume`` continues it (same fingerprint only), ``--overwrite``
  starts over; without either, the run is refused;
- OUT holds anything else (another run's outputs, files that are not newsclean's): refused unless
  ``--overwrite``, which writes into OUT as it is (files there that this run does not produce stay).

A refused run exits 2 before doing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .io import REPORT_DIR, TEMP_SUFFIX, InputFile, Skipped, UserError, atomic_writer, remove_stale_temps

__all__ = ["OutState", "STATE_NAME", "begin_run", "describe_run", "inspect_out", "lock_out", "mark_complete"]

STATE_NAME = ".run.json"
LOCK_NAME = ".lock"
#: Report files a run writes: an earlier run's are removed when a run starts, so that none of them
#: can pass for this run's.
REPORT_FILES = ("report.json", "report.html", "removed.jsonl", "duplicates.jsonl", "rejected.jsonl")


def describe_run(*, inp: Path, options: Mapping[str, Any], rule_texts: Sequence[tuple[str, str]],
                 files: Sequence[InputFile], skipped: Sequence[Skipped]) -> dict[str, Any]:
    """What makes a run's outputs what they are: IN, the options that change outputs, the rule
    files' contents, and every input file's name, size and modification time."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.rel}\0{f.size}\0{f.mtime_ns}\n".encode("utf-8", "surrogateescape"))
    for s in skipped:
        h.update(f"!{s.rel}\0{s.reason}\n".encode("utf-8", "surrogateescape"))
    rules = hashlib.sha256()
    for name, text in rule_texts:
        rules.update(f"{name}\0{text}\0".encode("utf-8", "surrogatepass"))
    described = {"newsclean": __version__, "input": str(inp), "options": dict(options),
                 "rules": rules.hexdigest(), "files": len(files), "inputs": h.hexdigest()}
    described["fingerprint"] = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
    return described


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    said = []
    if old.get("newsclean") != new.get("newsclean"):
        said.append(f"newsclean {old.get('newsclean')} -> {new.get('newsclean')}")
    if old.get("input") != new.get("input"):
        said.append(f"IN {old.get('input')} -> {new.get('input')}")
    a, b = old.get("options", {}), new.get("options", {})
    said += [f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if old.get("rules") != new.get("rules"):
        said.append("the rule files changed")
    if old.get("inputs") != new.get("inputs"):
        said.append(f"the input files changed ({old.get('files')} files then, {new.get('files')} now)")
    return "; ".join(said) or "another run"


@dataclass
class OutState:
    kind: str  # "empty", "complete", "interrupted" or "foreign"
    run: dict[str, Any] = field(default_factory=dict)  # the .run.json of a newsclean run


def inspect_out(out: Path) -> OutState:
    """What ``out`` holds (see the module's docstring); nothing is changed."""
    state_file = out / REPORT_DIR / STATE_NAME
    if state_file.is_file():
        try:
            run = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return OutState("foreign")
        return OutState("complete" if run.get("complete") else "interrupted", run)
    if not out.exists():
        return OutState("empty")
    for _dirpath, _dirs, files in os.walk(out):
        if any(not (name.startswith(".") and name.endswith(TEMP_SUFFIX)) and name != LOCK_NAME for name in files):
            return OutState("foreign")
    return OutState("empty")


def check_out(state: OutState, run: Mapping[str, Any], *, resume: bool, overwrite: bool, out: Path) -> bool:
    """Whether this run may write into ``out``, and whether it resumes there (see the module's
    docstring). Raises :class:`UserError` when it may not."""
    if resume and overwrite:
        raise UserError("--resume and --overwrite cannot go together")
    same = state.run.get("fingerprint") == run["fingerprint"]
    if state.kind == "interrupted":
        if resume:
            if not same:
                raise UserError(f"cannot resume the run in {out}: it was another run ({_differences(state.run, run)})"
                                "; give the same IN and options, or --overwrite to start over")
            return True
        if overwrite:
            return False
        raise UserError(f"{out} holds an interrupted run"
                        + ("" if same else f" of other inputs or options ({_differences(state.run, run)})")
                        + ": add --resume to continue it, or --overwrite to start over")
    if state.kind == "complete":
        if same or overwrite:
            return False
        raise UserError(f"{out} holds the output of another run ({_differences(state.run, run)}): "
                        "use another OUT, or add --overwrite to write into it")
    if state.kind == "foreign" and not overwrite:
        raise UserError(f"{out} is not empty and holds no newsclean run: use another OUT, or add --overwrite "
                        "to write into it (files there that this run does not produce stay)")
    return False


@contextmanager
def lock_out(report_dir: Path) -> Iterator[None]:
    """Hold OUT's lock for the block; a second run into the same OUT is refused (UserError)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    fd = os.open(report_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"another newsclean run is writing to {report_dir.parent}") from None
        yield
    finally:
        os.close(fd)


def begin_run(out: Path, run: Mapping[str, Any], *, resume: bool) -> None:
    """Before a run writes anything (OUT's lock held): remove the temporary files killed runs left
    in OUT, and, unless it resumes, the reports of the run before, so that an interrupted run never
    leaves an older complete report beside newer outputs; mark the run as not complete."""
    report_dir = out / REPORT_DIR
    remove_stale_temps(out)
    # A resumed run rebuilds every report from its journal; a new one starts without a journal.
    for name in (*REPORT_FILES, *(() if resume else (".journal",))):
        try:
            os.unlink(report_dir / name)
        except FileNotFoundError:
            pass
    _write_state(report_dir, {**run, "complete": False})


def mark_complete(out: Path, run: Mapping[str, Any]) -> None:
    _write_state(out / REPORT_DIR, {**run, "complete": True})


def _write_state(report_dir: Path, state: Mapping[str, Any]) -> None:
    with atomic_writer(report_dir / STATE_NAME) as fh:
        json.dump(state, fh, indent=1, sort_keys=True)
        fh.write("\n")
