"""Finding inputs, reading them as documents, and writing outputs atomically.

Input kinds, by file name:

- ``*.txt``: one article per file, one paragraph per line; doc id = path relative to the input root.
- ``*.jsonl``: one article per line, a JSON object with a string ``text`` (or, instead, an ``html``
  page); optional ``id``, ``url``, ``outlet`` or ``source``, ``title``, ``date``, ``lang``. Every other
  field is carried through.
  Compressed ``*.jsonl.gz`` and ``*.jsonl.zst`` are read and written compressed; ``*.parquet``
  (pyarrow) holds the same records as rows. All of them are streamed, never loaded whole.
- ``*.html`` / ``*.htm``: one page per file; the article body is extracted (:mod:`newsclean.html`)
  and written as ``page.txt``.

This module knows nothing about cleaning; the CLI wires it to a pipeline.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .catalog import normalize_outlet
from .document import Document

__all__ = [
    "INPUT_SUFFIXES",
    "BadRecord",
    "InputFile",
    "UserError",
    "atomic_writer",
    "discover_inputs",
    "doc_from_record",
    "parse_jsonl_line",
    "read_error_reason",
    "read_html",
    "read_jsonl",
    "record_line",
    "read_txt",
]

INPUT_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet", ".html", ".htm")
#: The folder inside OUT that holds reports; never read back as input.
REPORT_DIR = "_newsclean"

# mkstemp creates files readable by the owner only; outputs get the usual permissions instead.
_UMASK = os.umask(0)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


class UserError(Exception):
    """A mistake in how the tool was called (bad paths, bad options): shown without a traceback."""


@dataclass(frozen=True)
class InputFile:
    path: Path  # absolute
    rel: str  # POSIX path relative to the input root (the file name for a single-file input)

    @property
    def kind(self) -> str:
        """``txt``, ``html``, ``jsonl`` (plain or compressed) or ``parquet``."""
        name = self.path.name.lower()
        if name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst")):
            return "jsonl"
        if name.endswith((".html", ".htm")):
            return "html"
        return self.path.suffix.lower().lstrip(".")

    @property
    def compression(self) -> str | None:
        name = self.path.name.lower()
        return "gz" if name.endswith(".gz") else "zst" if name.endswith(".zst") else None

    def output_rel(self) -> str:
        if self.kind == "html":
            return self.rel[: -len(self.path.suffix)] + ".txt"
        return self.rel


@dataclass(frozen=True)
class BadRecord:
    """A JSONL line that could not be used: it is reported and copied verbatim to the rejects."""

    line: int  # 1-based line number in the file
    reason: str
    raw: str


def _is_within(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def check_paths(inp: Path, out: Path) -> tuple[Path, Path]:
    """Resolve IN and OUT and refuse combinations that could overwrite or re-read inputs."""
    if not inp.exists():
        raise UserError(f"input not found: {inp}")
    ri, ro = inp.resolve(), out.resolve()
    base = ri if ri.is_dir() else ri.parent
    if ro == ri or (ri.is_dir() and _is_within(ro, ri)):
        raise UserError(f"output {out} must not be the input or inside it")
    if ri.is_file() and ro == base and (ro / ri.name).resolve() == ri:
        raise UserError(f"output {out} would overwrite the input file {inp}")
    if ro.exists() and not ro.is_dir():
        raise UserError(f"output {out} exists and is not a folder")
    return ri, ro


def discover_inputs(root: Path, *, suffixes: tuple[str, ...] = INPUT_SUFFIXES) -> list[InputFile]:
    """All input files under ``root`` (recursive, sorted, hidden files and folders skipped), or
    ``root`` itself when it is a file."""
    if root.is_file():
        return [InputFile(root, root.name)]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.lower().endswith(suffixes):
                p = Path(dirpath) / name
                found.append(InputFile(p, p.relative_to(root).as_posix()))
    found.sort(key=lambda f: f.rel)
    return found


def outlet_from_rel(rel: str) -> str | None:
    """The input sub-folder names the outlet: ``kompas.com/2022/a.txt`` -> ``kompas.com``."""
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else None


def read_txt(f: InputFile) -> Document:
    """Read a text article (UTF-8, BOM allowed). Raises OSError / UnicodeDecodeError."""
    data = f.path.read_bytes()
    text = data.decode("utf-8-sig")
    meta = {}
    outlet = outlet_from_rel(f.rel)
    if outlet:
        meta["outlet"] = outlet
    return Document(text, id=f.rel, metadata=meta)


def read_html(f: InputFile) -> Document:
    """Extract the article of an HTML page (bytes decoded by BOM / meta charset / UTF-8)."""
    data = f.path.read_bytes()
    return _html_document(data, doc_id=f.rel, url=None, outlet=outlet_from_rel(f.rel))


def _html_document(html: str | bytes, *, doc_id: str, url: str | None, outlet: str | None) -> Document:
    from .html import extract_article
    from .lang import detect_lang

    art = extract_article(html, url=url)
    meta: dict[str, Any] = art.metadata()
    # Pages often declare the wrong language (lang="en" on Indonesian sites): the text decides.
    lang = detect_lang(art.text) or art.lang
    meta.pop("lang", None)
    if lang:
        meta["lang"] = lang
    host = normalize_outlet(art.url or url)
    if outlet or host:
        meta["outlet"] = outlet or host
    meta["html_found_by"] = art.found_by
    return Document(art.text, id=doc_id, metadata=meta)


def doc_from_record(rec: dict[str, Any], default_id: str) -> Document:
    """Build a Document from a JSONL record; raises ValueError naming the problem."""
    if "text" not in rec:
        if isinstance(rec.get("html"), str):
            rid = rec.get("id")
            doc = _html_document(rec["html"], doc_id=str(rid) if rid not in (None, "") else default_id,
                                 url=rec.get("url") if isinstance(rec.get("url"), str) else None, outlet=None)
            meta = dict(doc.metadata)
            for key in ("url", "title", "date", "lang"):
                if rec.get(key) not in (None, ""):
                    meta[key] = rec[key]
            src = rec.get("outlet") or rec.get("source")
            if isinstance(src, str) and src:
                meta["outlet"] = normalize_outlet(src) or src
            return Document(doc.text, id=doc.id, metadata=meta)
        raise ValueError("no 'text' field (nor an 'html' page)")
    text = rec["text"]
    if not isinstance(text, str):
        raise ValueError(f"'text' is {type(text).__name__}, not a string")
    rid = rec.get("id")
    doc_id = str(rid) if rid is not None and rid != "" else default_id
    meta: dict[str, Any] = {}
    for key in ("url", "title", "date", "lang"):
        v = rec.get(key)
        if v is not None and v != "":
            meta[key] = v
    outlet = rec.get("outlet") or rec.get("source")
    if isinstance(outlet, str) and outlet:
        meta["outlet"] = normalize_outlet(outlet) or outlet
    elif isinstance(rec.get("url"), str):
        host = normalize_outlet(rec["url"])
        if host:
            meta["outlet"] = host
    return Document(text, id=doc_id, metadata=meta)


def open_binary(path: Path, compression: str | None) -> IO[bytes]:
    """Open a file for reading bytes, decompressing ``gz`` or ``zst`` on the fly."""
    if compression == "gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if compression == "zst":
        import zstandard

        raw = open(path, "rb")
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))  # type: ignore[arg-type]
    return open(path, "rb")


def read_jsonl(f: InputFile) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """Yield ``(line_number, record)`` for each non-blank line, or a :class:`BadRecord`.
    Raises OSError (or a decompression error) if the file cannot be read."""
    with open_binary(f.path, f.compression) as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            yield n, parse_jsonl_line(n, raw)


def parse_jsonl_line(n: int, raw: bytes) -> dict[str, Any] | BadRecord:
    """The record of non-blank line ``n`` (1-based) of a JSONL file, or why it cannot be used."""
    try:
        line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return BadRecord(n, f"not UTF-8: {exc.reason} at byte {exc.start}", raw.decode("utf-8", "replace").rstrip("\n"))
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return BadRecord(n, f"invalid JSON: {exc.msg} (column {exc.colno})", line.rstrip("\n"))
    if not isinstance(rec, dict):
        return BadRecord(n, f"a JSON {type(rec).__name__}, not an object", line.rstrip("\n"))
    return rec


def read_error_reason(exc: BaseException) -> str:
    """How a file that could not be read (or decoded, or parsed by the library below) is reported."""
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}"
    if isinstance(exc, (OSError, EOFError, ValueError)):
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return f"cannot read: {reason}"
    return f"cannot read: {type(exc).__name__}: {exc}"


class atomic_writer:
    """Write a file atomically: to a temporary file beside it, renamed over the target on success,
    removed on error. ``with atomic_writer(path) as fh: fh.write(...)``"""

    def __init__(self, path: Path, *, encoding: str = "utf-8") -> None:
        self.path = path
        self.encoding = encoding
        self._fh: IO[str] | None = None
        self._tmp = ""

    def __enter__(self) -> IO[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix="." + self.path.name + ".", suffix=".tmp",
                                         dir=self.path.parent)
        os.chmod(self._tmp, _FILE_MODE)
        self._fh = os.fdopen(fd, "w", encoding=self.encoding, newline="\n")
        return self._fh

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._fh is not None
        try:
            self._fh.close()
        finally:
            if exc_type is None:
                os.replace(self._tmp, self.path)
            else:
                try:
                    os.unlink(self._tmp)
                except OSError:
                    pass


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)


def read_parquet(f: InputFile, *, batch_rows: int = 1024) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """Yield ``(row_number, record)`` for every row of a Parquet file, a batch at a time."""
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise UserError("reading .parquet needs pyarrow: pip install pyarrow") from None
    n = 0
    for batch in pq.ParquetFile(f.path).iter_batches(batch_size=batch_rows):
        for rec in batch.to_pylist():
            n += 1
            yield n, rec


def record_line(rec: dict[str, Any]) -> bytes:
    """One output JSONL line (UTF-8, newline included): the bytes every JSONL output is made of."""
    return (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")


class RecordWriter:
    """Write records to a JSONL (plain, ``.gz`` or ``.zst``) or Parquet output, atomically: to a
    temporary file beside the target, renamed over it by :meth:`close`; :meth:`abort` removes it.
    Compressed outputs are byte-identical for identical records (no timestamps in the gzip header)."""

    def __init__(self, path: Path, kind: str, compression: str | None, *, parquet_rows: int = 4096) -> None:
        self.path = path
        self.kind = kind
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
        os.chmod(self._tmp, _FILE_MODE)
        self._raw = os.fdopen(fd, "wb")
        self._stream: IO[bytes] = self._raw
        self._closers: list[Any] = []
        self._rows: list[dict[str, Any]] = []
        self._parquet_rows = parquet_rows
        self._pq_writer: Any = None
        if kind == "jsonl" and compression == "gz":
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
            self._stream = gz  # type: ignore[assignment]
            self._closers.append(gz)
        elif kind == "jsonl" and compression == "zst":
            import zstandard

            zw = zstandard.ZstdCompressor(level=3).stream_writer(self._raw, closefd=False)
            self._stream = zw  # type: ignore[assignment]
            self._closers.append(zw)

    def write(self, rec: dict[str, Any]) -> None:
        if self.kind == "parquet":
            self._rows.append(rec)
            if len(self._rows) >= self._parquet_rows:
                self._flush_parquet()
        else:
            self._stream.write(record_line(rec))

    def write_line(self, data: bytes) -> None:
        """Write one JSONL record already encoded by :func:`record_line` (JSONL outputs only)."""
        self._stream.write(data)

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows, schema=self._pq_writer.schema if self._pq_writer else None)
        if self._pq_writer is None:
            self._pq_writer = pq.ParquetWriter(self._raw, table.schema)
        self._pq_writer.write_table(table)
        self._rows = []

    def close(self) -> None:
        if self.kind == "parquet":
            self._flush_parquet()
            if self._pq_writer is None:  # no rows at all: an empty file with no columns
                import pyarrow as pa
                import pyarrow.parquet as pq

                self._pq_writer = pq.ParquetWriter(self._raw, pa.schema([("text", pa.string())]))
            self._pq_writer.close()
        for c in reversed(self._closers):
            c.close()
        self._raw.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        try:
            self._raw.close()
        finally:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
