"""Command line: ``newsclean IN OUT [options]`` (also ``python -m newsclean``).

Exit codes: 0 everything went through; 1 some input files or records failed (reported, skipped);
2 usage errors (bad paths or options, found before any work); 3 the run could not complete (an output
could not be written, a worker killed); 4 a bug in newsclean; 130 interrupted (SIGINT), 143 (SIGTERM).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Sequence
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any

from . import __version__
from .budget import DEFAULT_SECONDS, SECONDS_PER_MB
from .catalog import CatalogError
from .cli_paths import IoPlan, plan_io
from .io import (
    INPUT_SUFFIXES,
    REPORT_DIR,
    ParsedRecords,
    Skipped,
    UserError,
    atomic_writer,
    check_paths,
    json_line,
    probe_writable,
    remove_own_temps,
    scan_inputs,
)
from .journal import JOURNAL_NAME, Journal, JournalError, read_journal
from .pipeline import BLANK_MODES
from .report import RunStats, write_json
from .run import DedupIntake, PipelineSpec, Runner, TextSpill, WorkerLost, default_jobs
from .run_state import begin_run, check_out, describe_run, inspect_out, lock_out, mark_complete

__all__ = ["main"]

DEDUP_MODES = ("off", "report", "drop")
ENGINES = ("local", "ray")
NEWLINES = {"lf": "\n", "crlf": "\r\n", "keep": "keep"}


FORMATS_HELP = """\
input formats (IN, by file name; a folder is searched recursively, hidden files skipped):
  *.txt                  one article per file, one paragraph per line (UTF-8; UTF-16 or UTF-32 with a
                         byte-order mark is read too)
  *.jsonl                one article per line: a JSON object with a string "text" (or an "html"
                         page) and optional id, url, outlet (or source), title, date, lang; every
                         other field is carried through; UTF-8 (a file in UTF-16/32 fails whole)
  *.jsonl.gz *.jsonl.zst the same, compressed (written back compressed the same way)
  *.parquet              the same records as rows (all columns kept)
  *.html *.htm           a web page: the article body is extracted and written as .txt
  -                      JSONL records on standard input (plain, gzip or zstd)

output (OUT):
  a folder               mirrors IN's relative paths; reports in OUT/_newsclean/
  a file                 when IN is one file and OUT ends in a suffix that fits it (.txt for .txt
                         and .html, .jsonl/.jsonl.gz/.jsonl.zst for JSONL, .parquet for Parquet);
                         reports in _newsclean/ beside it
  -                      cleaned JSONL records on standard output (IN must be JSONL); reports only
                         with --report-dir

reports: report.json (counts per rule and outlet, failures, timings), duplicates.jsonl (near-duplicate
clusters), removed.jsonl (with --explain), rejected.jsonl (unusable records).
exit codes: 0 all went through, 1 some files or records failed (reported, skipped), 2 usage error
(nothing done), 3 the run could not complete (something could not be written), 4 a bug in newsclean,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM); 3, 130 and 143 leave report.json with "complete": false.

also: 'newsclean learn IN RULES.toml' mines repeated boilerplate into a rule file ('newsclean learn -h').
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean scraped news: remove boilerplate, repair Unicode, find near-duplicate "
                    "paragraphs.",
        epilog=FORMATS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="IN", type=Path,
                   help="input folder or file (formats below), or - for JSONL on standard input")
    p.add_argument("output", metavar="OUT", type=Path,
                   help="output folder (created if missing), a file (IN a file, OUT a fitting suffix), "
                        "or - for JSONL on standard output")
    p.add_argument("--report-dir", type=Path, default=None, metavar="DIR",
                   help="where the reports go (default: OUT/_newsclean, or _newsclean beside a file OUT; "
                        "with OUT - no reports unless given)")
    p.add_argument("--lang", default="auto", help="rule language: id, en or auto (default: auto)")
    p.add_argument("--rules", action="append", default=[], type=Path, metavar="FILE",
                   help="extra rule file (TOML), e.g. from 'newsclean learn'; repeatable")
    p.add_argument("--templates", choices=("auto", "on", "off"), default="auto",
                   help="first pass: learn lines and closing sentences repeated across a site's (or several "
                        "sites') articles, numbers, dates and links normalized, and remove them; auto (default): "
                        "when the input holds at least 100 documents")
    p.add_argument("--line-model", choices=("on", "off"), default="on",
                   help="score the lines the rules left with the shipped line model and drop likely "
                        "boilerplate (default: on)")
    p.add_argument("--auto-learn", action="store_true",
                   help="first pass: learn lines and prefixes repeated across an outlet's articles "
                        "(see 'newsclean learn'), then clean with them as extra rules")
    p.add_argument("--dedup", choices=DEDUP_MODES, default="report",
                   help="near-duplicate paragraphs: off, report (default) or drop")
    p.add_argument("--threshold", type=float, default=None,
                   help="near-duplicate similarity threshold (default: the dedup module's)")
    p.add_argument("--keep", default="first", choices=("first", "earliest", "longest", "outlet"),
                   help="which member of a duplicate cluster to keep (default: first)")
    p.add_argument("--outlet-priority", default="", metavar="A,B,...",
                   help="outlets in order of preference, for --keep outlet")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="worker processes for cleaning (default: all cores; 1 for inputs under 1 MB); "
                        "outputs are byte-identical for every N")
    p.add_argument("--tmp-dir", type=Path, default=None, metavar="DIR",
                   help="folder for the near-duplicate stage's temporary files (default: the system's); "
                        "they take about the size of the cleaned text plus 0.7 GB per million paragraphs")
    p.add_argument("--blank-lines", default="drop", choices=BLANK_MODES,
                   help="blank lines: drop (default: one paragraph per line), collapse (keep paragraph "
                        "breaks as one empty line) or keep")
    p.add_argument("--newline", default="lf", choices=("lf", "crlf", "keep"),
                   help="line break between output lines: lf (default), crlf, or keep (the input text's own)")
    p.add_argument("--time-limit", type=float, default=DEFAULT_SECONDS, metavar="S",
                   help=f"CPU seconds a document's cleaning may take (default {DEFAULT_SECONDS:g}, plus "
                        f"{SECONDS_PER_MB:g} per MB of text); a rule from --rules that takes longer on a "
                        "document is left out for it and reported; 0 for no limit")
    p.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in OUT (same IN and options): the files it finished are "
                        "not cleaned again, and the outputs are those of an uninterrupted run")
    p.add_argument("--overwrite", action="store_true",
                   help="write into an OUT that holds another run or other files (they stay unless this run "
                        "writes the same names); without it such an OUT is refused")
    p.add_argument("--engine", default="local", choices=ENGINES,
                   help="where the run happens: local (default: this machine's processes, --jobs) or ray "
                        "(a Ray cluster: pip install 'newsclean[ray]'; same outputs, byte for byte)")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="with --engine ray: the cluster to join (default: $RAY_ADDRESS; without either, a "
                        "cluster of --jobs CPUs is started on this machine, bound to 127.0.0.1, for the run)")
    p.add_argument("--explain", action="store_true",
                   help="write every change to OUT/_newsclean/removed.jsonl")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")
    p.add_argument("--version", action="version", version=f"newsclean {__version__}")
    return p


#: Below this much input, a run stays in one process: starting workers would cost more than it saves.
SMALL_INPUT_BYTES = 1_000_000


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, quiet: bool) -> Any:
    # tqdm shows nothing when stderr is not a terminal (disable=None): then it is not even imported.
    if quiet or not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="newsclean", disable=None, file=sys.stderr, leave=False)


def _rule_texts(paths: Sequence[Path]) -> tuple[tuple[str, str], ...]:
    out = []
    for r in paths:
        if not r.is_file():
            raise UserError(f"rule file not found: {r}")
        try:
            out.append((str(r), r.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read rule file {r}: {exc}") from None
    return tuple(out)


#: Exit code of a run that could not complete: an output, report or temporary file could not be
#: written (a full disk); report.json says so ("complete": false) when it could still be written.
EXIT_INCOMPLETE = 3
#: Exit code of a run stopped by a bug in newsclean (never by its input): distinct from 1, which says
#: that some inputs failed and were reported.
EXIT_INTERNAL = 4


class RunIncomplete(Exception):
    """The run stopped part-way because something could not be written (reported, exit 3)."""


def run(args: argparse.Namespace) -> int:
    """Resolve IN and OUT (``-``, a file OUT: :mod:`newsclean.cli_paths`), clean, then put the results
    where they were asked for."""
    with ExitStack() as stack:
        try:
            plan = stack.enter_context(plan_io(
                str(args.input), str(args.output), report_dir=args.report_dir, tmp_dir=args.tmp_dir,
                stdin=getattr(sys.stdin, "buffer", None), stdout=getattr(sys.stdout, "buffer", None)))
        except OSError as exc:
            where = Path(str(exc.filename)) if exc.filename else Path(str(args.output))
            if where.name.startswith((".newsclean-", "newsclean-")):  # a scratch folder of ours: show where
                where = where.parent
            raise UserError(f"cannot write to {where}: {exc.strerror or exc}") from None
        try:
            code = _run(args, plan)
        except BaseException as exc:
            plan.keep_reports()  # report.json of a run that did not complete ("complete": false), if any
            if isinstance(exc, KeyboardInterrupt) and plan.output != Path(args.output):
                exc.resumable = False  # type: ignore[attr-defined]  # a file or '-' OUT starts fresh
            raise
        plan.finish()
    return code


class _StderrHandler(logging.Handler):
    """The ``newsclean`` logger's messages on the current ``sys.stderr`` (a long first-run pause
    says what it is doing)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"newsclean: {record.getMessage()}\n")
        sys.stderr.flush()


_HANDLER = _StderrHandler()


def _show_messages(quiet: bool) -> None:
    log = logging.getLogger("newsclean")
    if quiet:
        log.removeHandler(_HANDLER)
        return
    if _HANDLER not in log.handlers:
        log.addHandler(_HANDLER)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)


def _announce_kernels() -> None:
    from .dedup.threading_layer import kernels_cached

    if not kernels_cached():
        logging.getLogger("newsclean").info(
            "compiling the near-duplicate kernels, once (a minute or so; numba caches them for later runs)")


def _run(args: argparse.Namespace, plan: IoPlan) -> int:
    started = time.perf_counter()
    _show_messages(args.quiet)
    inp, out = check_paths(plan.input, plan.output)
    for option, folder in (("--report-dir", plan.report_dir), ("--tmp-dir", args.tmp_dir)):
        if folder is not None and inp.is_dir() and Path(folder).resolve().is_relative_to(inp):
            raise UserError(f"{option} {folder} must not be inside the input {args.input} (IN is never written to)")
    if args.threshold is not None and not 0.0 < args.threshold <= 1.0:
        raise UserError(f"--threshold must be in (0, 1], got {args.threshold}")
    if args.jobs is not None and args.jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {args.jobs}")
    if args.time_limit < 0:
        raise UserError(f"--time-limit must be 0 (no limit) or more, got {args.time_limit}")
    if args.ray_address is not None and args.engine != "ray":
        raise UserError("--ray-address needs --engine ray")
    if args.engine == "ray":
        from .distributed import cluster

        cluster.require_ray()
    found = scan_inputs(inp)
    files = found.files
    if not inp.is_dir() and found.skipped:
        raise UserError(f"cannot read {args.input}: {found.skipped[0].reason}"
                        + (" (give - to read standard input)" if "FIFO" in found.skipped[0].reason else ""))
    known = ", ".join(INPUT_SUFFIXES)
    if not inp.is_dir() and files and not inp.name.lower().endswith(INPUT_SUFFIXES):
        # Read as text it would be cleaned line by line and written back (a CSV, a .json array).
        raise UserError(f"cannot tell the format of {args.input} from its name: an input file ends in {known}")
    if not files and not found.skipped:
        raise UserError(f"no input files found in {args.input} (names ending in {known})")
    spec = PipelineSpec(lang=args.lang, rule_texts=_rule_texts(args.rules), blank_lines=args.blank_lines,
                        newline=NEWLINES[args.newline], time_limit=args.time_limit or None,
                        line_model=args.line_model == "on")
    try:
        pipeline = spec.build()
    except (CatalogError, ValueError) as exc:
        raise UserError(str(exc)) from None
    jobs = args.jobs or default_jobs()
    total_bytes = sum(f.size for f in files)
    if args.jobs is None and total_bytes < SMALL_INPUT_BYTES:
        jobs = 1
    report_dir = out / REPORT_DIR
    # A file or standard-output OUT is written through a fresh scratch folder: no earlier run there.
    folder_out = plan.output == Path(args.output)
    run_info = describe_run(inp=inp, options=_output_options(args), rule_texts=spec.rule_texts, files=files,
                            skipped=found.skipped)
    resume = False
    if folder_out:
        resume = check_out(inspect_out(out), run_info, resume=args.resume, overwrite=args.overwrite,
                           out=Path(args.output))
    elif args.resume:
        raise UserError("--resume needs a folder OUT")
    # A read-only or full OUT stops here, before any work (named as given, not its scratch folder).
    probe_writable(report_dir, what="OUT", shown=None if folder_out else Path(args.output).parent)
    if args.dedup != "off":
        probe_writable(args.tmp_dir or Path(tempfile.gettempdir()), what="the temporary folder (--tmp-dir)",
                       create=False)
    index = None
    kernels: Any = nullcontext()
    if args.dedup != "off":
        from .dedup import jit

        # A small input is sketched on the kernels' Python path, numba not even imported (its set-up
        # alone is many times the stage's work on one article; the index decides again for its own
        # stages when it finishes). The Ray engine keeps numba.
        python = args.engine == "local" and jit.use_python(total_bytes < jit.SMALL_INPUT_BYTES)
        kernels = jit.python_kernels(python)
        index = _make_index(args, numba=not python)
    with kernels, lock_out(report_dir):
        return _locked_run(args, plan, started=started, inp=inp, out=out, spec=spec, pipeline=pipeline, jobs=jobs,
                           found=found, index=index, run_info=run_info, resume=resume, journaled=folder_out)


def _output_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options that change what a run writes (not --jobs, --quiet, --tmp-dir): a run with
    other values is another run (newsclean.run_state)."""
    return {"lang": args.lang, "dedup": args.dedup, "threshold": args.threshold, "keep": args.keep,
            "outlet_priority": args.outlet_priority, "explain": args.explain, "auto_learn": args.auto_learn,
            "templates": args.templates, "line_model": args.line_model,
            "blank_lines": args.blank_lines, "newline": args.newline, "time_limit": args.time_limit}


def _locked_run(args: argparse.Namespace, plan: IoPlan, *, started: float, inp: Path, out: Path, spec: PipelineSpec,
                pipeline: Any, jobs: int, found: Any, index: Any, run_info: dict[str, Any], resume: bool,
                journaled: bool) -> int:
    """The run, OUT's lock held: it marks OUT as holding an unfinished run, keeps a journal, and
    marks it complete at the very end (report.json last)."""
    report_dir = out / REPORT_DIR
    begin_run(out, run_info, resume=resume)
    plan.started = True
    timings: dict[str, float] = {}
    journal_path = report_dir / JOURNAL_NAME
    resumed = None
    if resume:
        try:
            resumed = read_journal(journal_path)
        except JournalError as exc:
            raise UserError(f"cannot resume: {exc}; add --overwrite to start over") from None
        if resumed.header.get("fingerprint") != run_info["fingerprint"]:
            raise UserError("cannot resume: the journal is another run's; add --overwrite to start over")

    templates_json: dict[str, Any] | None = None
    parsed: ParsedRecords | None = None
    if args.templates != "off":
        from .templates import MIN_CORPUS_DOCS, learn_from_inputs

        t0 = time.perf_counter()
        # With one job the cleaning runs in this process: the records the learning pass parses are kept
        # (the first PARSED_KEEP_BYTES of lines) and not parsed again. Workers would parse them anyway.
        parsed = ParsedRecords() if jobs == 1 and args.engine == "local" and resumed is None else None
        learned_templates = learn_from_inputs(found.files, min_docs=MIN_CORPUS_DOCS if args.templates == "auto" else 2,
                                              keep=parsed)
        timings["templates_seconds"] = round(time.perf_counter() - t0, 3)
        if learned_templates is not None:
            spec = dataclasses.replace(spec, templates=learned_templates)
            pipeline = spec.build()
            templates_json = {"documents": learned_templates.documents, "learned": learned_templates.to_json()}

    learned_json: list[dict[str, Any]] | None = None
    learned_toml: str | None = None
    if resumed is not None:
        learned_toml, learned_json = resumed.header.get("learned_toml"), resumed.header.get("learned")
    elif args.auto_learn:
        from .learn import learn_inputs, learned_catalog, to_toml

        t0 = time.perf_counter()
        learned = learn_inputs(inp, lang=spec.lang, rule_texts=spec.rule_texts, jobs=jobs)
        learned_catalog(learned)  # validated like any rule file
        learned_toml = to_toml(learned)
        learned_json = [{"outlet": x.outlet, "kind": x.kind, "text": x.text, "docs": x.docs,
                         "outlet_docs": x.outlet_docs} for x in learned]
        timings["learn_seconds"] = round(time.perf_counter() - t0, 3)
    if learned_toml is not None:
        spec = dataclasses.replace(spec, rule_texts=spec.rule_texts + (("<learned>", learned_toml),))
        pipeline = spec.build()

    journal: Journal | None = None
    if resumed is not None:
        journal = Journal.reopen(journal_path, resumed.end)
    elif journaled:
        journal = Journal.create(journal_path, {"kind": "header", "fingerprint": run_info["fingerprint"],
                                                "learned_toml": learned_toml, "learned": learned_json})
    runner = Runner(list(found.files), out, spec, jobs=jobs, prebuilt=pipeline, parsed=parsed)
    bar = _progress(len(found.files), args.quiet)
    dedup_json: dict[str, Any] | None = None
    engine: dict[str, Any] = {}  # report.json's engine fields (--engine ray)

    def report(complete: bool, **extra: Any) -> dict[str, Any]:
        timings["total_seconds"] = round(time.perf_counter() - started, 3)
        mb = runner.stats.bytes_in / 1e6
        timings["mb_per_second"] = round(mb / timings["total_seconds"], 3) if timings["total_seconds"] else 0.0
        return {"newsclean": __version__, "complete": complete, **extra,
                "input": str(args.input), "output": str(args.output),
                "options": {"lang": args.lang, "rules": [str(r) for r in args.rules], "dedup": args.dedup,
                            "threshold": args.threshold, "keep": args.keep, "explain": args.explain,
                            "auto_learn": args.auto_learn, "templates": args.templates,
                            "line_model": args.line_model, "jobs": jobs,
                            "blank_lines": args.blank_lines, "newline": args.newline,
                            "time_limit": args.time_limit},
                **runner.stats.to_json(), "learned": learned_json, "templates": templates_json, "dedup": dedup_json,
                "timings": timings, **({"engine": engine} if engine else {})}

    def stopped(**why: Any) -> str:
        """Write the report of a run that did not complete (if it can be); where it is."""
        bar.close()
        if journal is not None:
            try:
                journal.close()  # kept, flushed up to the last finished file: --resume goes on from there
            except OSError:
                pass
        try:
            write_json(report_dir / "report.json", report(False, **why))
        except OSError:
            return ""
        # Where the user will find it (a file OUT's reports are moved beside it: IoPlan.keep_reports).
        return f" (see {plan.report_dir / 'report.json'})" if plan.report_dir is not None else ""

    resume_from = (resumed.records, resumed.next_file) if resumed is not None else None
    try:
        if args.engine == "ray":
            from .distributed.engine import run_ray

            for rel, note in found.notes:
                runner.stats.note(rel, note)
            # (--resume: the cluster cleans every file again; the outputs are the same)
            dedup_json = run_ray(args, runner, found.skipped, index, report_dir, timings, bar, engine)
        else:
            dedup_json = _work(args, runner, found.skipped, found.notes, index, report_dir, timings, bar, journal,
                               resume_from)
        # The end: the run is marked complete, report.html is made from the report, and report.json
        # is written last of all (a run killed before it leaves no report.json, never an older one).
        mark_complete(out, run_info)
        final = report(True, **({"resumed": True} if resumed is not None else {}))
        if plan.report_dir is not None:
            _write_html(report_dir, final)
        write_json(report_dir / "report.json", final)
    except _engine_errors() as exc:
        # The cluster could not finish the run (a task failed for good, the cluster went away).
        reason = str(exc)
        raise RunIncomplete(f"{reason}; the run did not complete{stopped(error=reason)}") from None
    except OSError as exc:
        # Something could not be written (a full disk, a file system gone read-only): what was
        # written is incomplete, and the report (if it can still be written) says so.
        what = f"cannot write {exc.filename}" if exc.filename else "an output could not be written"
        reason = f"{what}: {exc.strerror or exc}"
        where = stopped(error=reason)
        hint = ("" if journal is None else "; add --resume to continue" if isinstance(exc, WorkerLost)
                else "; free some space and add --resume to continue")
        raise RunIncomplete(f"{reason}; the run did not complete{where}{hint}") from None
    except KeyboardInterrupt as exc:
        stopped(interrupted="SIGTERM" if isinstance(exc, Terminated) else "SIGINT")
        raise
    except UserError:
        raise
    except Exception as exc:  # a bug: the report says the run did not complete (exit 4, main())
        stopped(error=f"internal error: {type(exc).__name__}: {exc}")
        raise
    stats = runner.stats
    if journal is not None:
        try:
            journal.remove()
        except OSError:
            pass  # the run is complete (.run.json says so): a journal left behind is ignored and removed later
    if not args.quiet:
        _summary(stats, dedup_json, timings, plan.report_dir)
    return 1 if stats.files_failed or stats.records_rejected or stats.rules_timed_out else 0


def _engine_errors() -> tuple[type[BaseException], ...]:
    """Errors of a distributed run that end it (none without --engine ray's module loaded)."""
    mod = sys.modules.get("newsclean.distributed.cluster")
    return (mod.EngineError,) if mod is not None else ()


def _work(args: argparse.Namespace, runner: Runner, skipped: Sequence[Skipped], notes: Sequence[tuple[str, str]],
          index: Any, report_dir: Path,
          timings: dict[str, float], bar: Any, journal: Journal | None,
          resume_from: tuple[Sequence[tuple[dict[str, Any], bytes]], int] | None) -> dict[str, Any] | None:
    """Clean, then find near-duplicates; the reports but report.json are written here."""
    # backslashreplace: see report.write_json (lone surrogates are written as JSON escapes)
    with atomic_writer(report_dir / "rejected.jsonl", errors="backslashreplace") as rejects_fh, \
            (atomic_writer(report_dir / "removed.jsonl", errors="backslashreplace") if args.explain
             else nullcontext()) as explain_fh:
        runner.rejects_fh, runner.explain_fh = rejects_fh, explain_fh
        for rel, note in notes:
            runner.stats.note(rel, note)
        for skip in skipped:  # what could not even be looked at: reported like a failed file
            runner.stats.files_failed += 1
            runner.stats.fail(skip.rel, skip.reason)
            rejects_fh.write(json_line({"path": skip.rel, "reason": skip.reason,
                                        ("folder" if skip.folder else "file"): True}) + "\n")
        # The workers sketch every document's kept paragraphs; the index and the spill take them in order.
        intake = None
        if index is not None:
            intake = DedupIntake(index, TextSpill(str(args.tmp_dir) if args.tmp_dir else None))

        t0 = time.perf_counter()
        try:
            if resume_from is None:
                runner.run(on_file=lambda _fi: bar.update(1), dedup=intake, journal=journal)
            else:  # the files done, from the journal, then the others
                records, next_file = resume_from
                runner.run(range(next_file, len(runner.files)), on_file=lambda _fi: bar.update(1), dedup=intake,
                           journal=journal, replay=records, first_pass=True)
        finally:
            bar.close()
        timings["clean_seconds"] = round(time.perf_counter() - t0, 3)
        dedup_json: dict[str, Any] | None = None
        if intake is not None:
            t1 = time.perf_counter()
            try:
                dedup_json = _finish_dedup(intake, args, runner, report_dir, timings)
            finally:
                intake.spill.close()
            timings["dedup_seconds"] = round(time.perf_counter() - t1, 3)
    stats = runner.stats
    if not stats.records_rejected and not stats.files_failed:
        (report_dir / "rejected.jsonl").unlink()
    return dedup_json


def _write_html(report_dir: Path, report: dict[str, Any]) -> None:
    """report.html of ``report`` (written before it, as report.json); a failure here is reported,
    never fatal (the run is done)."""
    from .report_html import write_report_html

    try:
        write_report_html(report_dir, json.loads(json.dumps(report)))  # as read back from report.json
    except Exception as exc:  # the report is a view: the data is in report.json whatever happens
        logging.getLogger("newsclean").warning("could not write report.html: %s: %s", type(exc).__name__, exc)


class _NoScipyLinalg:
    """An import hook refusing ``scipy.linalg`` (see :func:`_numba_without_blas`)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "scipy.linalg" or name.startswith("scipy.linalg."):
            raise ImportError(f"{name} is not needed by newsclean's kernels")


def _numba_without_blas() -> None:
    """Let numba set up its CPU target without SciPy's linear algebra. When the first kernel loads,
    numba imports its array functions, and ``numba.np.arraymath`` checks, once, whether BLAS is
    there for ``np.dot`` and friends by importing ``scipy.linalg``: the largest single part of the
    near-duplicate stage's start-up, for functions the kernels never call. The command line is the
    only numba user of its process, so it has numba set up its target (what the first kernel load
    does, in numba's own order) with ``scipy.linalg`` refused; the hook is gone right after (a
    library user's process is left alone)."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    hook = _NoScipyLinalg()
    sys.meta_path.insert(0, hook)  # type: ignore[arg-type]
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    except (ImportError, AttributeError):  # another numba: the first kernel sets it up, as it would have
        pass
    finally:
        sys.meta_path.remove(hook)  # type: ignore[arg-type]


def _make_index(args: argparse.Namespace, *, numba: bool = True) -> Any:
    """The near-duplicate index of the run; with ``numba`` (not a small input), numba set up now and
    the kernels announced if they must be compiled."""
    if numba:
        _numba_without_blas()
        _announce_kernels()
    from .dedup import DedupConfig, NearDuplicateIndex

    kwargs: dict[str, Any] = {"keep": args.keep}
    if args.tmp_dir is not None:
        if not args.tmp_dir.is_dir():
            raise UserError(f"--tmp-dir {args.tmp_dir} is not a folder")
        kwargs["spill_dir"] = str(args.tmp_dir)
    if args.threshold is not None:
        kwargs["threshold"] = args.threshold
    if args.outlet_priority:
        kwargs["outlet_priority"] = tuple(o.strip() for o in args.outlet_priority.split(",") if o.strip())
    try:
        return NearDuplicateIndex(DedupConfig(**kwargs))
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _finish_dedup(intake: DedupIntake, args: argparse.Namespace, runner: Runner, report_dir: Path,
                  timings: dict[str, float]) -> dict[str, Any]:
    result = intake.index.finish()
    spill, doc_file = intake.spill, intake.doc_file
    drops: dict[str, set[int]] = {}
    if args.dedup == "drop":
        for (doc, line) in result.dropped:
            drops.setdefault(doc, set()).add(line)

    # Dropping rewrites just the files that hold dropped paragraphs, with a second, deterministic
    # cleaning pass (its counts: just the lines it removes, taken off pass one's); member texts come
    # from the spill, not from text held in memory.
    with_drops = sorted({doc_file[d] for d in drops if d in doc_file})
    if with_drops:
        runner.run(with_drops, drops=drops, write=True, count=False, account=True)
    with atomic_writer(report_dir / "duplicates.jsonl", errors="backslashreplace") as fh:
        # each member with its outlet: which outlets copy which (report.html)
        for chunk in result.cluster_chunks(spill, intake.index.outlet):
            fh.buffer.write(chunk)
    # "paragraphs_duplicate": cluster members other than the kept one, whatever the mode;
    # "paragraphs_dropped": those removed from the outputs (all of them with --dedup drop, else 0).
    # The index's own count of the former ("dropped" in its stats) is not repeated under that name.
    stats = {k: v for k, v in result.stats.items() if k != "dropped"}
    # The index's stages, with the run's other times (not in "dedup": two equal runs give equal "dedup").
    timings.update({f"dedup_{stage}_seconds": s for stage, s in result.timings.items()})
    return {"mode": args.dedup, "clusters": result.n_clusters,
            "cross_document_clusters": result.stats["cross_document_clusters"],
            "paragraphs_duplicate": result.n_dropped,
            "paragraphs_dropped": result.n_dropped if args.dedup == "drop" else 0,
            "documents": result.document_rows(), "stats": stats}


def _summary(stats: RunStats, dedup: dict[str, Any] | None, timings: dict[str, float],
             report_dir: Path | None) -> None:
    w = sys.stderr.write
    w(f"newsclean: {stats.files} files, {stats.documents_in} documents -> {stats.documents_out} "
      f"({stats.documents_emptied} emptied); lines {stats.lines_in} -> {stats.lines_out}; "
      f"{stats.bytes_in / 1e6:.2f} MB in {timings['total_seconds']:.2f} s\n")
    top = stats.rules.most_common(5)
    if top:
        w("  top rules: " + ", ".join(f"{k} x{v}" for k, v in top) + "\n")
    if dedup is not None:
        w(f"  near-duplicates: {dedup['clusters']} clusters"
          + (f", {dedup['paragraphs_dropped']} paragraphs dropped" if dedup["mode"] == "drop" else "") + "\n")
    if stats.failures:
        w(f"  {len(stats.failures)} failures (files or records skipped):\n")
        for f in stats.failures[:10]:
            where = f["path"] + (f":{f['line']}" if "line" in f else "")
            w(f"    {where}: {f['reason']}\n")
        if len(stats.failures) > 10:
            w(f"    ... see {report_dir / 'report.json' if report_dir else 'report.json (--report-dir)'}\n")
    if report_dir is not None:
        w(f"  report: {report_dir / 'report.json'} (and report.html)\n")


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (SIGINT): temporary files removed, the report says the run
    did not complete, exit 143."""


def _on_signal(signum: int, frame: Any) -> None:
    from .run import interrupt

    interrupt(Terminated if signum == signal.SIGTERM else KeyboardInterrupt)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        return _main(argv)
    except Exception:  # a bug, not the input: the traceback is for the bug report
        traceback.print_exc()
        sys.stderr.write("newsclean: internal error (a bug: please report it with the lines above); "
                         "the run did not complete\n")
        return EXIT_INTERNAL
    finally:
        # An interruption may land between a temporary file's making and its writer's hold on it.
        remove_own_temps()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "learn":
            from .learn import main as learn_main

            return learn_main(argv[1:])
        args = build_parser().parse_args(argv)
        return run(args)
    except UserError as exc:
        sys.stderr.write(f"newsclean: error: {exc}\n")
        return 2
    except RunIncomplete as exc:
        sys.stderr.write(f"newsclean: error: {exc}\n")
        return EXIT_INCOMPLETE
    except OSError as exc:  # e.g. 'newsclean learn' writing its rule file to a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"newsclean: error: {where}{exc.strerror or exc}; nothing more was done\n")
        return EXIT_INCOMPLETE
    except KeyboardInterrupt as exc:
        # One line, whatever the number of workers (they ignore SIGINT and end quietly).
        term = isinstance(exc, Terminated)
        hint = ("run the same command with --resume to continue it" if getattr(exc, "resumable", True)
                else "run the same command again")
        sys.stderr.write(f"newsclean: interrupted ({'SIGTERM' if term else 'SIGINT'}); the run did not complete: "
                         f"{hint}\n")
        return 143 if term else 130
