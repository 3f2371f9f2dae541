"""Where the command line reads and writes: a folder or file IN, ``-`` for JSONL on stdin; a folder
OUT, a single file OUT (when IN is a file and OUT ends in a known suffix), or ``-`` for JSONL on
stdout.

The run itself always reads real files and writes into a folder (so a second pass, ``--auto-learn``
or ``--dedup drop``, can read and rewrite): stdin is first copied to a temporary file, and a file or
stdout OUT is written to a temporary folder whose output is moved into place (or streamed to stdout)
once the run succeeded. Reports go to ``OUT/_newsclean/`` for a folder OUT, to ``_newsclean/`` beside
a file OUT, and for stdout nowhere unless ``--report-dir`` names a folder.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .io import REPORT_DIR, InputFile, UserError, discover_inputs, open_binary

__all__ = ["OUTPUT_SUFFIXES", "STDIO", "IoPlan", "plan_io"]

STDIO = "-"
#: What a file OUT may end in, by the input kind it can hold.
OUTPUT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "txt": (".txt",),
    "html": (".txt",),
    "jsonl": (".jsonl", ".jsonl.gz", ".jsonl.zst"),
    "parquet": (".parquet",),
}
#: Names of the report files: a file OUT's report folder may hold those of an earlier run.
REPORT_FILES = ("report.json", "report.html", "removed.jsonl", "duplicates.jsonl", "rejected.jsonl")
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass
class IoPlan:
    """What the run reads (``input``) and the folder it writes (``output``); ``finish()`` puts the
    results where the user asked once the run went through."""

    input: Path
    output: Path
    report_dir: Path | None  # where the reports end up (None: not kept)
    _finish: list[Callable[[], None]] = field(default_factory=list)
    _reports: list[Callable[[], None]] = field(default_factory=list)  # moving the reports into place
    started: bool = False  # the run began (an earlier run's reports are gone): its reports are its own

    def finish(self) -> None:
        for f in (*self._finish, *self._reports):
            f()

    def keep_reports(self) -> None:
        """Move the reports of a run that did not go through to where they belong (its output is not
        moved): the scratch folder they are in goes away with the plan. Best effort: the disk may be full.
        Nothing before the run began (a refused run moves no earlier run's reports)."""
        for f in self._reports if self.started else ():
            try:
                f()
            except OSError:
                pass


def _known_suffix(name: str) -> str | None:
    low = name.lower()
    for suffixes in OUTPUT_SUFFIXES.values():
        for s in sorted(suffixes, key=len, reverse=True):
            if low.endswith(s):
                return s
    return None


def _spool_stdin(stdin: IO[bytes], folder: Path) -> Path:
    head = stdin.read(4)
    name = ("stdin.jsonl.gz" if head.startswith(_GZIP_MAGIC) else
            "stdin.jsonl.zst" if head == _ZSTD_MAGIC else "stdin.jsonl")
    path = folder / name
    with open(path, "wb") as fh:
        fh.write(head)
        shutil.copyfileobj(stdin, fh, 1 << 20)
    return path


def _move_reports(src: Path, dest: Path | None) -> None:
    if dest is None or not src.is_dir():
        return
    dest.mkdir(parents=True, exist_ok=True)
    made = {p.name for p in src.iterdir()}
    for name in REPORT_FILES:  # a report of an earlier run must not pass for one of this run
        if name not in made and (dest / name).is_file():
            (dest / name).unlink()
    for p in src.iterdir():
        if p.name.startswith("."):
            continue  # the run's state (.run.json, .lock, .journal) stays with OUT: newsclean.run_state
        os.replace(p, dest / p.name)
    try:
        src.rmdir()
    except OSError:
        pass


def _write_file(produced: Path, target: Path) -> None:
    """Move the run's output into place, recompressed when OUT asks for another compression."""
    src_suffix, dst_suffix = _known_suffix(produced.name), _known_suffix(target.name)
    if src_suffix == dst_suffix or dst_suffix in (".txt", ".parquet"):
        os.replace(produced, target)
        return
    src_comp = "gz" if produced.name.endswith(".gz") else "zst" if produced.name.endswith(".zst") else None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open_binary(produced, src_comp) as fin, _open_out(tmp, dst_suffix or "") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def _open_out(path: Path, suffix: str) -> Iterator[IO[bytes]]:
    if suffix.endswith(".gz"):
        with gzip.open(path, "wb") as fh:
            yield fh  # type: ignore[misc]
    elif suffix.endswith(".zst"):
        import zstandard

        with open(path, "wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as fh:
            yield fh  # type: ignore[misc]
    else:
        with open(path, "wb") as fh:
            yield fh


def _stream_out(folder: Path, files: list[InputFile], stdout: IO[bytes]) -> None:
    for f in files:
        produced = folder / f.output_rel()
        if produced.is_file():
            with open_binary(produced, f.compression) as fh:
                shutil.copyfileobj(fh, stdout, 1 << 20)
    stdout.flush()


@contextmanager
def plan_io(input_arg: str, output_arg: str, *, report_dir: Path | None = None, tmp_dir: Path | None = None,
            stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> Iterator[IoPlan]:
    """Resolve IN and OUT as the command line takes them (see the module docstring); temporary
    files and folders are removed on the way out, whatever happened."""
    with ExitStack() as stack:
        def scratch(prefix: str, where: Path | None = None) -> Path:
            return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix, dir=where)))

        if input_arg == STDIO:
            if stdin is None:
                raise UserError("no standard input to read")
            inp = _spool_stdin(stdin, scratch("newsclean-stdin-", tmp_dir))
        else:
            inp = Path(input_arg)
            if not inp.exists():
                raise UserError(f"input not found: {input_arg}")

        if output_arg == STDIO:
            files = discover_inputs(inp)
            bad = [f.rel for f in files if f.kind != "jsonl"]
            if bad:
                raise UserError("OUT '-' writes JSONL to standard output: IN must hold JSONL records only, "
                                f"not {bad[0]}")
            if stdout is None:
                raise UserError("no standard output to write")
            out = scratch("newsclean-stdout-", tmp_dir) / "out"
            plan = IoPlan(inp, out, report_dir)
            plan._finish.append(lambda: _stream_out(out, files, stdout))
            plan._reports.append(lambda: _move_reports(out / REPORT_DIR, report_dir))
            yield plan
            return

        target = Path(output_arg)
        suffix = _known_suffix(target.name)
        if inp.is_file() and suffix is not None and not target.is_dir():
            kind = InputFile(inp, inp.name).kind
            allowed = OUTPUT_SUFFIXES.get(kind, ())
            if suffix not in allowed:
                raise UserError(f"OUT {output_arg} does not fit IN {inp.name}: a {kind} input is written as "
                                + " or ".join(allowed))
            if target.exists() and target.resolve() == inp.resolve():
                raise UserError(f"output {output_arg} would overwrite the input file")
            target.parent.mkdir(parents=True, exist_ok=True)
            out = scratch(".newsclean-", target.parent)
            reports = report_dir if report_dir is not None else target.parent / REPORT_DIR
            produced = out / InputFile(inp, inp.name).output_rel()

            def place() -> None:
                if produced.is_file():
                    _write_file(produced, target)

            plan = IoPlan(inp, out, reports)
            plan._finish.append(place)
            plan._reports.append(lambda: _move_reports(out / REPORT_DIR, reports))
            yield plan
            return

        plan = IoPlan(inp, target, report_dir if report_dir is not None else target / REPORT_DIR)
        if report_dir is not None:
            plan._reports.append(lambda: _move_reports(target / REPORT_DIR, report_dir))
        yield plan
