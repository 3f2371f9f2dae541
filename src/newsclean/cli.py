"""Command line: ``newsclean IN OUT [options]`` (also ``python -m newsclean``).

Exit codes: 0 everything went through; 1 some input files or records failed (reported, skipped);
2 usage errors (bad paths or options); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .catalog import CatalogError
from .document import Change, Cleaned, Document, split_lines
from .io import (
    REPORT_DIR,
    BadRecord,
    InputFile,
    UserError,
    atomic_writer,
    check_paths,
    discover_inputs,
    doc_from_record,
    read_html,
    read_jsonl,
    read_txt,
)
from .pipeline import Pipeline
from .report import RunStats, change_row, write_json

__all__ = ["main"]

DEDUP_MODES = ("off", "report", "drop")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean scraped news: remove boilerplate, repair Unicode, find near-duplicate "
                    "paragraphs. IN is a folder (searched recursively for .txt, .jsonl and .html) or one file; "
                    "OUT mirrors IN's relative paths, with reports in OUT/_newsclean/.",
        epilog="Also: 'newsclean learn IN rules.toml' mines repeated boilerplate into a rule file.",
    )
    p.add_argument("input", metavar="IN", type=Path, help="input folder or file")
    p.add_argument("output", metavar="OUT", type=Path, help="output folder (created if missing)")
    p.add_argument("--lang", default="auto", help="rule language: id, en or auto (default: auto)")
    p.add_argument("--rules", action="append", default=[], type=Path, metavar="FILE",
                   help="extra rule file (TOML), e.g. from 'newsclean learn'; repeatable")
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
    p.add_argument("--explain", action="store_true",
                   help="write every change to OUT/_newsclean/removed.jsonl")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")
    p.add_argument("--version", action="version", version=f"newsclean {__version__}")
    return p


@dataclass
class Options:
    dedup: str = "report"
    explain: bool = False


@dataclass
class DocResult:
    key: str
    outlet: str | None
    date: str | None
    cleaned: Cleaned
    n_lines: int


@dataclass
class FileResult:
    file: InputFile
    stats: RunStats = field(default_factory=RunStats)
    docs: list[DocResult] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)


def _iter_documents(f: InputFile, stats: RunStats, rejects: list[dict[str, Any]]
                    ) -> Iterator[tuple[Document, dict[str, Any] | None]]:
    """Documents of one input file, with their JSONL record (None for .txt)."""
    if f.kind == "txt":
        yield read_txt(f), None
        return
    if f.kind in ("html", "htm"):
        yield read_html(f), None
        return
    seen: set[str] = set()
    for n, rec in read_jsonl(f):
        if isinstance(rec, BadRecord):
            stats.records_rejected += 1
            stats.fail(f.rel, rec.reason, line=rec.line)
            rejects.append({"path": f.rel, "line": rec.line, "reason": rec.reason, "raw": rec.raw})
            continue
        try:
            doc = doc_from_record(rec, default_id=f"{f.rel}:{n}")
        except ValueError as exc:
            stats.records_rejected += 1
            stats.fail(f.rel, str(exc), line=n)
            rejects.append({"path": f.rel, "line": n, "reason": str(exc),
                            "raw": json.dumps(rec, ensure_ascii=False)})
            continue
        if doc.id in seen:  # keys must be unique for duplicate reports
            doc = Document(doc.text, id=f"{f.rel}:{n}", metadata=doc.metadata)
        seen.add(doc.id)
        yield doc, rec


def process_file(f: InputFile, out_root: Path, pipeline: Pipeline,
                 drops: dict[str, set[int]] | None = None) -> FileResult:
    """Clean one input file and write its output atomically. ``drops`` maps a doc key to input
    line numbers to remove as well (near-duplicates, second pass). Never raises for bad input:
    failures are in the result's stats."""
    res = FileResult(f)
    stats = res.stats
    stats.files = 1
    out_path = out_root / f.output_rel()
    try:
        with atomic_writer(out_path) as fh:
            for doc, rec in _iter_documents(f, stats, res.rejects):
                cleaned = pipeline.explain(doc)
                if drops and doc.id in drops:
                    cleaned = _drop_lines(doc, cleaned, drops[doc.id])
                n_lines = len(split_lines(_base_text(doc.text, cleaned)))
                stats.add_document(doc.text, cleaned.text, cleaned.changes, doc.outlet, n_lines)
                res.docs.append(DocResult(doc.id, doc.outlet, doc.date, cleaned, n_lines))
                if rec is None:
                    fh.write(cleaned.text + ("\n" if cleaned.text else ""))
                else:
                    out_rec = dict(rec)
                    out_rec["text"] = cleaned.text
                    fh.write(json.dumps(out_rec, ensure_ascii=False) + "\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}" \
            if isinstance(exc, UnicodeDecodeError) else f"cannot read: {exc.strerror or exc}"
        failed = RunStats(files=1, files_failed=1)
        failed.fail(f.rel, reason)
        return FileResult(f, failed)
    return res


def _base_text(text: str, cleaned: Cleaned) -> str:
    """The text whose lines explain steps number: the input, or its last whole-text rewrite."""
    for c in cleaned.changes:
        if c.action == "rewrite":
            text = c.added
    return text


def _drop_lines(doc: Document, cleaned: Cleaned, lines: set[int]) -> Cleaned:
    """Remove near-duplicate input lines from a cleaned document, recording each removal."""
    # Map input line numbers to what is left of them after cleaning by replaying the changes.
    from .pipeline import replay  # local: keeps the import graph one-way at module load

    state: list[str | None] = list(split_lines(_base_text(doc.text, cleaned)))
    for c in cleaned.changes:
        if c.action == "rewrite":
            continue
        if c.action == "drop_line":
            state[c.line] = None
        else:
            cur = state[c.line]
            assert cur is not None
            state[c.line] = cur[: c.start] + c.added + cur[c.end:]
    extra = [Change("drop_line", "dedup", "near_duplicate", i, 0, len(state[i] or ""), state[i] or "", "")
             for i in sorted(lines) if 0 <= i < len(state) and state[i] is not None]
    changes = cleaned.changes + tuple(extra)
    return Cleaned(replay(doc.text, changes), changes)


def _progress(total: int, quiet: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="newsclean", disable=True if quiet else None,
                file=sys.stderr, leave=False)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    inp, out = check_paths(args.input, args.output)
    if args.threshold is not None and not 0.0 < args.threshold <= 1.0:
        raise UserError(f"--threshold must be in (0, 1], got {args.threshold}")
    files = discover_inputs(inp)
    if not files:
        raise UserError(f"no .txt, .jsonl or .html files found in {args.input}")
    for r in args.rules:
        if not r.is_file():
            raise UserError(f"rule file not found: {r}")
    try:
        pipeline = Pipeline.default(lang=args.lang, rules=args.rules)
    except (CatalogError, ValueError) as exc:
        raise UserError(str(exc)) from None
    learn_seconds = 0.0
    out.mkdir(parents=True, exist_ok=True)
    report_dir = out / REPORT_DIR
    learned_json: list[dict[str, Any]] | None = None
    if args.auto_learn:
        from .learn import iter_input_documents, learn_documents, learned_catalog

        t_learn = time.perf_counter()
        learned = learn_documents(iter_input_documents(inp), pipeline)
        pipeline = Pipeline.default(lang=args.lang,
                                    catalog=pipeline_catalog(pipeline) + learned_catalog(learned))
        learned_json = [{"outlet": x.outlet, "kind": x.kind, "text": x.text, "docs": x.docs,
                         "outlet_docs": x.outlet_docs} for x in learned]
        learn_seconds = round(time.perf_counter() - t_learn, 3)

    index = _make_index(args) if args.dedup != "off" else None
    stats = RunStats()
    timings: dict[str, float] = {}
    if learned_json is not None:
        timings["learn_seconds"] = learn_seconds
    doc_file: dict[str, int] = {}
    t0 = time.perf_counter()
    removed_ctx = atomic_writer(report_dir / "removed.jsonl") if args.explain else None
    removed_fh = removed_ctx.__enter__() if removed_ctx else None
    rejects: list[dict[str, Any]] = []
    try:
        bar = _progress(len(files), args.quiet)
        for fi, f in enumerate(files):
            res = process_file(f, out, pipeline)
            stats = stats + res.stats
            rejects.extend(res.rejects)
            for d in res.docs:
                if removed_fh is not None:
                    for c in d.cleaned.changes:
                        if c.removed or c.added:
                            removed_fh.write(json.dumps(change_row(d.key, c), ensure_ascii=False) + "\n")
                if index is not None:
                    doc_file[d.key] = fi
                    lines = [(i, t) for i, t in _kept_lines(d) if t]
                    index.add_document(doc=d.key, lines=lines, date=d.date, outlet=d.outlet)
            bar.update(1)
        bar.close()
        timings["clean_seconds"] = round(time.perf_counter() - t0, 3)
        dedup_json: dict[str, Any] | None = None
        if index is not None:
            t1 = time.perf_counter()
            dedup_json = _finish_dedup(index, args, files, doc_file, out, pipeline, removed_fh)
            timings["dedup_seconds"] = round(time.perf_counter() - t1, 3)
        if removed_ctx is not None:
            removed_ctx.__exit__(None, None, None)
            removed_ctx = None
    finally:
        if removed_ctx is not None:
            removed_ctx.__exit__(RuntimeError, None, None)

    if rejects:
        with atomic_writer(report_dir / "rejected.jsonl") as fh:
            for row in rejects:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    timings["total_seconds"] = round(time.perf_counter() - started, 3)
    mb = stats.bytes_in / 1e6
    timings["mb_per_second"] = round(mb / timings["total_seconds"], 3) if timings["total_seconds"] else 0.0
    report = {"newsclean": __version__, "input": str(args.input), "output": str(args.output),
              "options": {"lang": args.lang, "rules": [str(r) for r in args.rules], "dedup": args.dedup,
                          "threshold": args.threshold, "keep": args.keep, "explain": args.explain,
                          "auto_learn": args.auto_learn},
              **stats.to_json(), "learned": learned_json, "dedup": dedup_json, "timings": timings}
    write_json(report_dir / "report.json", report)
    failed = stats.files_failed + stats.records_rejected
    if not args.quiet:
        _summary(stats, dedup_json, timings, report_dir)
    return 1 if failed else 0


def pipeline_catalog(pipeline: Pipeline) -> Any:
    """The catalog of a default pipeline's rule step (built-ins plus --rules files)."""
    from .pipeline import RuleCleaner

    for step in pipeline.steps:
        if isinstance(step, RuleCleaner):
            return step.catalog
    raise AssertionError("a default pipeline has a rule step")


def _kept_lines(d: DocResult) -> list[tuple[int, str]]:
    """(input line number, cleaned text) of the lines a cleaned document kept: every kept input
    line is exactly one output line, in order, because cleaners never add line breaks."""
    if not d.cleaned.text:
        return []
    dropped = {c.line for c in d.cleaned.changes if c.action == "drop_line"}
    kept = (i for i in range(d.n_lines) if i not in dropped)
    return list(zip(kept, d.cleaned.text.split("\n")))


def _make_index(args: argparse.Namespace) -> Any:
    from .dedup import DedupConfig, NearDuplicateIndex

    kwargs: dict[str, Any] = {"keep": args.keep}
    if args.threshold is not None:
        kwargs["threshold"] = args.threshold
    if args.outlet_priority:
        kwargs["outlet_priority"] = tuple(o.strip() for o in args.outlet_priority.split(",") if o.strip())
    try:
        return NearDuplicateIndex(DedupConfig(**kwargs))
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _finish_dedup(index: Any, args: argparse.Namespace, files: Sequence[InputFile], doc_file: dict[str, int],
                  out: Path, pipeline: Pipeline, removed_fh: Any) -> dict[str, Any]:
    result = index.finish()
    # Texts of cluster members (and drops) come from a second, deterministic cleaning pass over
    # just the files that hold members: the index keeps compact arrays, not text.
    members: dict[str, set[int]] = {}
    for cl in result.clusters:
        for m in cl.members:
            members.setdefault(m.doc, set()).add(m.line)
    drops: dict[str, set[int]] = {}
    if args.dedup == "drop":
        for (doc, line) in result.dropped:
            drops.setdefault(doc, set()).add(line)
    texts: dict[tuple[str, int], str] = {}
    for fi in sorted({doc_file[d] for d in members if d in doc_file}):
        f = files[fi]
        file_drops = {d: ls for d, ls in drops.items() if doc_file.get(d) == fi}
        if file_drops:
            res = process_file(f, out, pipeline, drops=file_drops)
            for d in res.docs:
                if removed_fh is not None:
                    for c in d.cleaned.changes:
                        if c.cleaner == "dedup":
                            removed_fh.write(json.dumps(change_row(d.key, c), ensure_ascii=False) + "\n")
        else:
            res = FileResult(f)
            for doc, _rec in _iter_documents(f, res.stats, []):
                if doc.id in members:
                    cleaned = pipeline.explain(doc)
                    res.docs.append(DocResult(doc.id, doc.outlet, doc.date, cleaned,
                                              len(split_lines(_base_text(doc.text, cleaned)))))
        for d in res.docs:
            want = members.get(d.key)
            if not want:
                continue
            for line, text in _kept_lines(d):
                if line in want:
                    texts[(d.key, line)] = text
    report_dir = out / REPORT_DIR
    with atomic_writer(report_dir / "duplicates.jsonl") as fh:
        for cl in result.clusters:
            fh.write(json.dumps(cl.to_json_row(lambda doc, line: texts.get((doc, line), "")),
                                ensure_ascii=False) + "\n")
    summary = {"mode": args.dedup, "clusters": len(result.clusters),
               "paragraphs_dropped": len(result.dropped) if args.dedup == "drop" else 0,
               "cross_document_clusters": len(result.cross_document_clusters()),
               "documents": [d.to_json_row() for d in result.documents], "stats": dict(result.stats)}
    return summary


def _summary(stats: RunStats, dedup: dict[str, Any] | None, timings: dict[str, float], report_dir: Path) -> None:
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
            w(f"    ... see {report_dir / 'report.json'}\n")
    w(f"  report: {report_dir / 'report.json'}\n")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "learn":
            from .learn import main as learn_main

            return learn_main(argv[1:])
        args = build_parser().parse_args(argv)
        return run(args)
    except UserError as exc:
        sys.stderr.write(f"newsclean: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("newsclean: interrupted\n")
        return 130
