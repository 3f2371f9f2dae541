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

import base64
import dataclasses
import errno
import gzip
import io
import json
import math
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .catalog import normalize_outlet
from .document import Document

if TYPE_CHECKING:
    from .html.decode import Decoded

__all__ = [
    "INPUT_SUFFIXES",
    "BadRecord",
    "Discovery",
    "InputFile",
    "ParsedRecords",
    "Skipped",
    "UserError",
    "atomic_writer",
    "discover_inputs",
    "doc_from_record",
    "json_line",
    "open_input",
    "parse_jsonl_line",
    "read_error_reason",
    "read_html",
    "read_jsonl",
    "record_line",
    "read_txt",
    "reject_row",
    "remove_own_temps",
    "remove_temps_beside",
    "scan_inputs",
    "utf8_len",
    "WideJsonl",
    "check_jsonl_start",
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
    size: int = field(default=0, compare=False)  # bytes, as found when the inputs were listed
    mtime_ns: int = field(default=0, compare=False)  # modification time, then
    output: str = field(default="", compare=False)  # the output's relative path, when not the usual one

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
        if self.output:
            return self.output
        if self.kind == "html":
            return self.rel[: -len(self.path.suffix)] + ".txt"
        return self.rel


@dataclass(frozen=True)
class BadRecord:
    """A JSONL line that could not be used: it is reported and copied verbatim to the rejects
    (:func:`reject_row`). ``raw`` is the line for display (invalid UTF-8 shown as U+FFFD)."""

    line: int  # 1-based line number in the file
    reason: str
    raw: str


#: How many bytes of JSONL lines a learning pass keeps parsed for the cleaning pass (:class:`ParsedRecords`).
PARSED_KEEP_BYTES = 16_000_000


class ParsedRecords:
    """JSONL records a pass before cleaning has parsed (the templates' learning pass), kept for the cleaning
    pass of the same process so that it does not parse them a second time: the first ones in input order, up
    to ``budget`` bytes of input lines in all, each with its line's bytes (a record is handed out only for
    the very same bytes) and its :class:`Document`. Each is handed out once, so the cleaning pass frees them
    as it goes: at most ``budget`` bytes of lines and what they parse to are held at any time, whatever the
    size of the input.

    >>> kept = ParsedRecords(100)
    >>> kept.keep("a.jsonl", 1, b'{"text": "x"}\\n', {"text": "x"}, Document("x"))
    >>> kept.take("a.jsonl", 1, b'{"text": "y"}\\n') is None  # other bytes: parsed again
    True
    >>> kept.keep("a.jsonl", 2, b'{"text": "z"}\\n', {"text": "z"}, Document("z"))
    >>> kept.take("a.jsonl", 2, b'{"text": "z"}\\n')[0]
    {'text': 'z'}
    >>> kept.take("a.jsonl", 2, b'{"text": "z"}\\n') is None  # handed out once
    True
    """

    def __init__(self, budget: int | None = None) -> None:
        self._room = PARSED_KEEP_BYTES if budget is None else budget
        self._records: dict[tuple[str, int], tuple[bytes, dict[str, Any], Document]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def keep(self, path: str, n: int, raw: bytes, rec: dict[str, Any], doc: Document) -> None:
        """Keep the record of line ``n`` of ``path`` (its bytes ``raw``), if it fits in what is left of the
        budget; once one does not, none after it is kept (the ones kept are the first)."""
        if len(raw) > self._room:
            self._room = 0
            return
        self._room -= len(raw)
        self._records[(path, n)] = (raw, rec, doc)

    def take(self, path: str, n: int, raw: bytes) -> tuple[dict[str, Any], Document] | None:
        """The record and document of line ``n`` of ``path`` if it was kept and its bytes are ``raw``
        (forgotten then), else None."""
        if not self._records:
            return None
        hit = self._records.pop((path, n), None)
        if hit is None or hit[0] != raw:
            return None
        return hit[1], hit[2]


def reject_row(raw: bytes) -> dict[str, str]:
    """How rejected.jsonl keeps a JSONL line: its exact bytes without the final ``\\n``, as text
    (``raw``) when they are UTF-8, else base64 (``raw_base64``).

    >>> reject_row(b'{"a": 1}\\n'), reject_row(b'caf\\xe9\\r\\n')
    ({'raw': '{"a": 1}'}, {'raw_base64': 'Y2Fm6Q0='})
    """
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    try:
        return {"raw": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"raw_base64": base64.b64encode(raw).decode("ascii")}


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    # In JSON text from json.dumps a lone surrogate can only stand inside a string, where its
    # \uXXXX escape is exactly what JSON reads back as the same string.
    return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_line(obj: Any) -> str:
    """``obj`` as one line of JSON (non-ASCII kept, no newline), encodable as UTF-8 whatever its
    strings hold: a lone surrogate (valid in JSON input, from a ``\\ud800`` escape or a file name
    that is not UTF-8) is written as its escape, so the value reads back unchanged.

    >>> json_line({"t": "a\\ud800b", "u": "é"})
    '{"t": "a\\\\ud800b", "u": "é"}'
    """
    text = json.dumps(obj, ensure_ascii=False)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _escape_surrogates(text)
    return text


def utf8_len(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate counts the 3 bytes of its code point)."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return len(text.encode("utf-8", "surrogatepass"))


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
    if ri.is_dir() and _is_within(ri, ro):  # IN/in/a.txt would be written over IN/a.txt
        raise UserError(f"input {inp} must not be inside the output {out}")
    if ri.is_file() and ro == base and (ro / ri.name).resolve() == ri:
        raise UserError(f"output {out} would overwrite the input file {inp}")
    if ro.exists() and not ro.is_dir():
        raise UserError(f"output {out} exists and is not a folder")
    return ri, ro


@dataclass(frozen=True)
class Skipped:
    """Something under IN that was not read: a folder that could not be listed or is a symbolic
    link (not followed), or an input file that cannot be opened or is not a regular file."""

    rel: str
    reason: str
    folder: bool = False


@dataclass
class Discovery:
    files: list[InputFile]
    skipped: list[Skipped]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (rel, what was done otherwise)


#: Folders never read as input: hidden ones, and newsclean's report folders (``OUT/_newsclean``,
#: when a previous OUT is given as IN).
def _skip_folder(name: str) -> bool:
    return name.startswith(".") or name == REPORT_DIR


def _file_problem(st: os.stat_result) -> str | None:
    if stat.S_ISREG(st.st_mode):
        return None
    kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a folder" if stat.S_ISDIR(st.st_mode) else "not a file")
    return f"not a regular file ({kind}): not read"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


#: Compression suffixes: an input file compressed in a way newsclean does not read (``x.jsonl.bz2``,
#: ``x.txt.gz``) is reported as failed, never passed over like a file that is no input at all.
COMPRESSION_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz", ".lzma", ".lz4", ".br", ".zip", ".7z", ".z")
_INPUT_KINDS = (".jsonl", ".txt", ".html", ".htm", ".parquet")


def _unread_compression(name: str, suffixes: tuple[str, ...]) -> str | None:
    """Why ``name`` (not one of ``suffixes``) is an input file that cannot be read, when it is one
    of them compressed.

    >>> _unread_compression("a.jsonl.bz2", INPUT_SUFFIXES), _unread_compression("a.json.gz", INPUT_SUFFIXES)
    ('a .jsonl file compressed as .bz2: not read (compressed input: .jsonl.gz, .jsonl.zst)', None)
    """
    base, _, ext = name.lower().rpartition(".")
    if "." + ext not in COMPRESSION_SUFFIXES:
        return None
    for kind in _INPUT_KINDS:
        if base.endswith(kind) and kind in suffixes:
            packed = ", ".join(s for s in suffixes if s.endswith(COMPRESSION_SUFFIXES)) or "none"
            return f"a {kind} file compressed as .{ext}: not read (compressed input: {packed})"
    return None


class _Unread:
    """The files under IN that are not inputs (``notes.txt`` is, ``notes.md`` is not), counted by
    suffix: one note per suffix naming the first, so a folder of a million sidecar files costs
    one line of the report."""

    def __init__(self) -> None:
        self.by_suffix: dict[str, tuple[str, int]] = {}

    def add(self, rel: str, name: str) -> None:
        suffix = Path(name).suffix.lower() or "(none)"
        first, n = self.by_suffix.get(suffix, (rel, 0))
        self.by_suffix[suffix] = (first, n + 1)

    def notes(self, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
        known = ", ".join(suffixes)
        return [(first, f"not an input file, not read ({n} file{'s' * (n > 1)} under IN ending in {suffix}; "
                        f"inputs end in {known})")
                for suffix, (first, n) in sorted(self.by_suffix.items())]


def scan_inputs(root: Path, *, suffixes: tuple[str, ...] = INPUT_SUFFIXES) -> Discovery:
    """Every input file under ``root`` (recursive, sorted, hidden files and folders and report
    folders skipped), or ``root`` itself when it is a file; and what could not be looked at,
    with why. Only regular files are inputs (a FIFO would block the run); a symbolic link to a
    file is read, a symbolic link to a folder is reported and not followed. An input compressed
    in a way that is not read is reported as failed; other files are noted, one note per suffix."""
    found: list[InputFile] = []
    skipped: list[Skipped] = []
    unread = _Unread()
    if not root.is_dir():
        try:
            problem = _file_problem(root.stat())
        except OSError as exc:
            problem = f"cannot read: {_os_reason(exc)}"
        if problem is None:
            st = root.stat()
            return Discovery([InputFile(root, root.name, st.st_size, st.st_mtime_ns)], [])
        return Discovery([], [Skipped(root.name, problem)])

    def walk(folder: Path, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(prefix.rstrip("/") or ".", f"cannot list folder: {_os_reason(exc)}", True))
            return
        for e in entries:
            rel = prefix + e.name
            try:
                is_link = e.is_symlink()
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError as exc:
                skipped.append(Skipped(rel, f"cannot read: {_os_reason(exc)}"))
                continue
            if is_dir:
                if not _skip_folder(e.name):
                    walk(Path(e.path), rel + "/")
                continue
            hidden = e.name.startswith(".")
            wanted = not hidden and e.name.lower().endswith(suffixes)
            if not wanted and not hidden and not is_link:
                _not_read(rel, e.name)
                continue
            if not wanted and not (is_link and not _skip_folder(e.name)):
                continue
            try:
                st = os.stat(e.path)  # follows a link; a dangling one or a loop raises
            except OSError as exc:
                if wanted:
                    skipped.append(Skipped(rel, f"cannot read: {_os_reason(exc)}"))
                continue
            if stat.S_ISDIR(st.st_mode):  # a link to a folder
                skipped.append(Skipped(rel, "symbolic link to a folder: not followed (give it as IN to read it)",
                                       True))
                continue
            if not wanted:
                _not_read(rel, e.name)
                continue
            problem = _file_problem(st)
            if problem is not None:
                skipped.append(Skipped(rel, problem))
                continue
            found.append(InputFile(Path(e.path), rel, st.st_size, st.st_mtime_ns))

    def _not_read(rel: str, name: str) -> None:
        reason = _unread_compression(name, suffixes)
        if reason is not None:
            skipped.append(Skipped(rel, reason))
        else:
            unread.add(rel, name)

    walk(root, "")
    found.sort(key=lambda f: f.rel)
    files, notes = _distinct_outputs(found)
    return Discovery(files, skipped, notes + unread.notes(suffixes))


def _distinct_outputs(files: list[InputFile]) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """A page ``x.html`` is written as ``x.txt``, which ``x.txt`` (or ``x.htm``) may write too: a
    later file whose output is taken keeps its own name, with ``.txt`` added (``x.html.txt``)."""
    taken = {f.output_rel() for f in files if f.kind != "html"}
    out: list[InputFile] = []
    notes: list[tuple[str, str]] = []
    for f in files:
        if f.kind == "html":
            name = f.output_rel()
            if name in taken:
                name = f.rel + ".txt"
                f = dataclasses.replace(f, output=name)
                notes.append((f.rel, f"its usual output name is another file's output: written as {name}"))
            taken.add(name)
        out.append(f)
    return out, notes


def discover_inputs(root: Path, *, suffixes: tuple[str, ...] = INPUT_SUFFIXES) -> list[InputFile]:
    """All input files under ``root`` (see :func:`scan_inputs`; what was skipped is not returned)."""
    return scan_inputs(root, suffixes=suffixes).files


def outlet_from_rel(rel: str) -> str | None:
    """The input sub-folder names the outlet: ``kompas.com/2022/a.txt`` -> ``kompas.com``."""
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else None


def open_input(path: Path) -> IO[bytes]:
    """Open an input file for reading bytes, refusing anything but a regular file: opening a FIFO
    (or a device) would block or never end. Raises OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        problem = _file_problem(st)
        if problem is not None:
            raise OSError(f"{path}: {problem}")
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input_bytes(path: Path) -> bytes:
    with open_input(path) as fh:
        return fh.read()


#: Byte-order marks of the UTF-16 and UTF-32 text files a Windows editor saves ("Unicode"): such a
#: file is told by its mark and read whole (UTF-32 first: its little-endian mark starts like UTF-16's).
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
              (b"\xfe\xff", "utf-16"))


def decode_text_file(data: bytes) -> tuple[str, str | None]:
    """The text of a ``.txt`` file: UTF-8 (a BOM allowed), or UTF-16/32 told by its byte-order mark;
    and a note when it was not UTF-8. Raises UnicodeDecodeError.

    >>> decode_text_file("Harga naik — ya".encode("utf-16"))
    ('Harga naik — ya', 'decoded as utf-16 (its byte-order mark says so); written as UTF-8')
    """
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            return data.decode(codec), f"decoded as {codec} (its byte-order mark says so); written as UTF-8"
    return data.decode("utf-8-sig"), None


def read_txt(f: InputFile) -> Document:
    """Read a text article (UTF-8, BOM allowed; UTF-16/32 with a BOM). Raises OSError / UnicodeDecodeError."""
    data = read_input_bytes(f.path)
    text, note = decode_text_file(data)
    meta: dict[str, Any] = {"encoding_note": note} if note else {}
    outlet = outlet_from_rel(f.rel)
    if outlet:
        meta["outlet"] = outlet
    return Document(text, id=f.rel, metadata=meta)


def read_html(f: InputFile) -> Document:
    """Extract the article of an HTML page (bytes decoded by BOM / meta charset checked against the
    bytes / UTF-8, see :func:`newsclean.html.decode.sniff_html`). The document's metadata say
    which encoding was used (``html_encoding``) and, when the page's own declaration was not
    followed, why (``html_encoding_note``)."""
    from .html.decode import sniff_html

    data = read_input_bytes(f.path)
    decoded = sniff_html(data)
    doc = _html_document(decoded.text, doc_id=f.rel, url=None, outlet=outlet_from_rel(f.rel), sniffed=(data, decoded))
    meta = dict(doc.metadata)
    meta["html_encoding"] = decoded.encoding
    if decoded.note:
        meta["html_encoding_note"] = decoded.note
    return Document(doc.text, id=doc.id, metadata=meta)


def _html_document(
    html: str | bytes,
    *,
    doc_id: str,
    url: str | None,
    outlet: str | None,
    sniffed: tuple[bytes, Decoded] | None = None,
) -> Document:
    """The document of one HTML page; ``sniffed``, when given, is the page's bytes and what
    ``sniff_html`` made of them (``html`` is then their text)."""
    from .html import extract_article, extract_sniffed
    from .lang import detect_lang

    art = extract_article(html, url=url) if sniffed is None else extract_sniffed(*sniffed, url=url)
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


def _record_meta(rec: dict[str, Any]) -> dict[str, Any]:
    """The metadata a record's own fields give: ``url`` only when it is a string (an outlet is taken
    from it), ``title``, ``date`` and ``lang`` whatever their type (a date may be a Parquet
    timestamp); the record keeps every field as it is either way."""
    meta: dict[str, Any] = {}
    for key in ("url", "title", "date", "lang"):
        v = rec.get(key)
        if v is not None and v != "" and (key != "url" or isinstance(v, str)):
            meta[key] = v
    return meta


def doc_from_record(rec: dict[str, Any], default_id: str) -> Document:
    """Build a Document from a JSONL record; raises ValueError naming the problem."""
    if "text" not in rec:
        if isinstance(rec.get("html"), str):
            rid = rec.get("id")
            doc = _html_document(rec["html"], doc_id=str(rid) if rid not in (None, "") else default_id,
                                 url=rec.get("url") if isinstance(rec.get("url"), str) else None, outlet=None)
            meta = dict(doc.metadata)
            meta.update(_record_meta(rec))
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
    meta = _record_meta(rec)
    outlet = rec.get("outlet") or rec.get("source")
    if isinstance(outlet, str) and outlet:
        meta["outlet"] = normalize_outlet(outlet) or outlet
    elif isinstance(rec.get("url"), str):
        host = normalize_outlet(rec["url"])
        if host:
            meta["outlet"] = host
    return Document(text, id=doc_id, metadata=meta)


class TruncatedStream(EOFError):
    """A compressed input ended inside a frame."""


class _ZstdReader(io.RawIOBase):
    """Decompress a zstd file frame by frame, raising :class:`TruncatedStream` when the file ends
    inside a frame (zstandard's stream reader returns a short read instead, so a file cut on a
    block boundary would read as a shorter file). Several concatenated frames read as one stream."""

    CHUNK = 1 << 17

    def __init__(self, raw: IO[bytes]) -> None:
        import zstandard

        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._dobj = self._dctx.decompressobj()
        self._out = b""
        self._pos = 0
        self._feed = b""  # compressed bytes past the end of the last frame
        self._in_frame = False
        self._done = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while self._pos >= len(self._out) and not self._done:
            data, self._feed = (self._feed, b"") if self._feed else (self._raw.read(self.CHUNK), b"")
            if not data:
                self._done = True
                if self._in_frame:
                    raise TruncatedStream("zstd stream ended inside a frame: the file is truncated")
                return
            self._in_frame = True
            self._out, self._pos = self._dobj.decompress(data), 0
            if self._dobj.eof:
                self._feed = self._dobj.unused_data
                self._dobj = self._dctx.decompressobj()
                self._in_frame = False

    def readinto(self, b: Any) -> int:
        self._fill()
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def open_binary(path: Path, compression: str | None) -> IO[bytes]:
    """Open a regular file for reading bytes, decompressing ``gz`` or ``zst`` on the fly; a
    compressed stream that ends early raises (EOFError) instead of reading short."""
    raw = open_input(path)
    if compression == "gz":
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        gz.myfileobj = raw  # closed with it, as when GzipFile opens the file itself
        return gz  # type: ignore[return-value]
    if compression == "zst":
        return io.BufferedReader(_ZstdReader(raw), buffer_size=1 << 16)  # type: ignore[return-value]
    return raw


class WideJsonl(ValueError):
    """A JSONL file saved as UTF-16 or UTF-32: JSON Lines is UTF-8, and such a file cannot be split
    into lines at its ``\\n`` bytes, so it fails whole (one reason, no rejection per line)."""


def check_jsonl_start(first: bytes) -> None:
    """Raise :class:`WideJsonl` if the first line of a JSONL file (its bytes, as read) shows the file
    is UTF-16 or UTF-32: a byte-order mark of either, or, with none, the zero bytes of those
    encodings around its first ``{`` (the way RFC 4627 told the encoding of JSON text).

    >>> try:
    ...     check_jsonl_start('{"text": "x"}\\n'.encode("utf-16"))
    ... except WideJsonl as exc:
    ...     print(str(exc).split(":")[0])
    the file is UTF-16 (byte-order mark), not UTF-8 as JSONL must be
    """
    head = first[:4]
    if len(head) < 2 or (head[0] not in (0, 0xFE, 0xFF) and head[1]):
        return  # UTF-8 (the common case, told by the first two bytes)
    codec = json.detect_encoding(head)
    if codec in ("utf-8", "utf-8-sig"):
        return
    if codec in ("utf-16", "utf-32"):
        how = "byte-order mark"
    else:  # no mark: only if its first character is a '{' in that encoding (else: bad UTF-8, by line)
        width = 4 if "32" in codec else 2
        start = first[: len(first) - len(first) % width].decode(codec, "replace").lstrip(" \t\r\n")
        if not start.startswith("{"):
            return
        how = f"{codec[-2:].upper()} without a byte-order mark"
    name = codec[:6].upper()
    raise WideJsonl(f"the file is {name} ({how}), not UTF-8 as JSONL must be: convert it first "
                    f"(iconv -f {name} -t UTF-8 IN > OUT)")


def read_jsonl(f: InputFile) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """Yield ``(line_number, record)`` for each non-blank line, or a :class:`BadRecord`.
    Raises OSError (or a decompression error, or :class:`WideJsonl`) if the file cannot be read."""
    with open_binary(f.path, f.compression) as fh:
        for n, raw in enumerate(fh, 1):
            if n == 1:
                check_jsonl_start(raw)
            if not raw.strip():
                continue
            yield n, parse_jsonl_line(n, raw)


class DuplicateKey(ValueError):
    """An object of a JSONL record names a key twice: the record could only be written back
    without one of the values, so it is rejected whole (its bytes kept)."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"the key {json_line(key)} appears twice in one object")
            seen.add(key)
    return obj


class JsonNumber(float):
    """A JSON number too large for a float (``1e999``): its value is infinite, and it is written
    back as it was read, since ``json.dumps`` would write ``Infinity``, which is not JSON.

    >>> x = JsonNumber("1e999")
    >>> x == float("inf"), x.literal
    (True, '1e999')
    """

    __slots__ = ("literal",)
    literal: str

    def __new__(cls, literal: str) -> JsonNumber:
        self = super().__new__(cls, literal)
        self.literal = literal
        return self


def _parse_float(literal: str) -> float:
    f = float(literal)
    return f if f - f == 0.0 else JsonNumber(literal)  # inf - inf is nan


# json.loads, refusing objects with a repeated key (1 us more per record of 3 kB).
_decode_record = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_float=_parse_float).decode


def parse_jsonl_line(n: int, raw: bytes) -> dict[str, Any] | BadRecord:
    """The record of non-blank line ``n`` (1-based) of a JSONL file, or why it cannot be used."""
    try:
        line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return BadRecord(n, f"not UTF-8: {exc.reason} at byte {exc.start}", raw.decode("utf-8", "replace").rstrip("\n"))
    try:
        rec = _decode_record(line)
    except json.JSONDecodeError as exc:
        return BadRecord(n, f"invalid JSON: {exc.msg} (column {exc.colno})", line.rstrip("\n"))
    except DuplicateKey as exc:
        return BadRecord(n, str(exc), line.rstrip("\n"))
    except (ValueError, RecursionError) as exc:  # an integer of 5,000 digits, arrays nested 100,000 deep
        return BadRecord(n, f"invalid JSON: {exc}", line.rstrip("\n"))
    if not isinstance(rec, dict):
        return BadRecord(n, f"a JSON {type(rec).__name__}, not an object", line.rstrip("\n"))
    return rec


def read_error_reason(exc: BaseException) -> str:
    """How a file that could not be read (or decoded, or parsed by the library below) is reported."""
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}"
    if isinstance(exc, WideJsonl):
        return str(exc)
    if isinstance(exc, (OSError, EOFError, ValueError)):
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return f"cannot read: {reason}"
    return f"cannot read: {type(exc).__name__}: {exc}"


#: Temporary files newsclean writes beside its outputs end with this; a run that was killed leaves
#: them behind, and the next run into the same OUT removes them (:func:`remove_stale_temps`).
TEMP_SUFFIX = ".newsclean-tmp"


#: The temporary files this process made and has not renamed or removed yet (name -> the process
#: that made it: a forked worker inherits the table and must not remove its parent's files).
_OWN_TEMPS: dict[str, int] = {}
_TEMP_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path`` (``.NAME.RANDOM.newsclean-tmp``), open for writing.
    Its name is taken down before the file is made: Ctrl-C or SIGTERM raise wherever the main
    thread is, and one landing anywhere between this call and the caller's rename or removal
    leaves a file that :func:`remove_own_temps` finds (the run's own temporary files removed on an
    interruption: a SIGTERM right after the file was made left it behind, once in a few dozen runs)."""
    pid = os.getpid()
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        _OWN_TEMPS[tmp] = pid
        # An interruption (Ctrl-C, SIGTERM) raised from os.open may come after the file was made (the
        # handler runs as the call returns): its name stays taken down, and remove_own_temps removes
        # it if it exists (dropping it here left the file behind: 3 runs in 110 of a SIGTERM loop).
        try:
            fd = os.open(tmp, _TEMP_FLAGS, 0o600)
        except FileExistsError:
            _OWN_TEMPS.pop(tmp, None)  # another's (2^-48): not ours to remove
            continue
        except OSError:
            _OWN_TEMPS.pop(tmp, None)  # not made
            raise
        try:
            os.chmod(tmp, _FILE_MODE)
        except OSError:
            os.close(fd)
            _unlink_quietly(tmp)
            raise
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(path.parent))


def _replace_temp(tmp: str, path: Path) -> None:
    """Rename the temporary file ``tmp`` over ``path``."""
    os.replace(tmp, path)
    _OWN_TEMPS.pop(tmp, None)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
    _OWN_TEMPS.pop(path, None)


def remove_own_temps() -> int:
    """Remove the temporary files this process made and did not rename or remove (an interrupted
    run's: the command line calls this as it ends). Returns how many were removed."""
    pid = os.getpid()
    removed = 0
    for tmp, owner in list(_OWN_TEMPS.items()):
        if owner == pid:
            try:
                os.unlink(tmp)
                removed += 1
            except OSError:
                pass
        _OWN_TEMPS.pop(tmp, None)
    return removed


_TEMP_TOKEN = re.compile(r"[A-Za-z0-9_]+")  # the random part of a temporary file's name


def remove_temps_beside(paths: Iterable[Path]) -> int:
    """Remove the temporary files made for ``paths`` (by :func:`_temp_beside`, in this process or
    another: a worker stopped while writing one). Returns how many were removed."""
    by_folder: dict[Path, set[str]] = {}
    for p in paths:
        by_folder.setdefault(p.parent, set()).add(p.name)
    removed = 0
    for folder, targets in by_folder.items():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            # .NAME.RANDOM.newsclean-tmp, NAME one of the targets
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                stem = name[1:-len(TEMP_SUFFIX)]
                target, dot, token = stem.rpartition(".")
                if dot and target in targets and _TEMP_TOKEN.fullmatch(token):
                    _unlink_quietly(os.path.join(folder, name))
                    removed += 1
    return removed


def remove_stale_temps(root: Path) -> int:
    """Remove the temporary files a killed run left under ``root`` (names ending in
    :data:`TEMP_SUFFIX`; nothing else is touched). Returns how many were removed."""
    removed = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                _unlink_quietly(os.path.join(dirpath, name))
                removed += 1
    return removed


#: Bytes written (and synced) to check that a folder takes data: enough to meet a full disk.
PROBE_BYTES = 64 * 1024


def probe_writable(folder: Path, *, what: str, create: bool = True, shown: Path | None = None) -> None:
    """Check that ``folder`` (made if ``create``) takes a file of :data:`PROBE_BYTES`, so that a
    read-only or full file system is a clear error before any work, naming ``shown`` (by default
    ``folder``: a scratch folder inside the one the user named is shown as that one). Raises
    :class:`UserError`."""
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise UserError(f"{what} {folder} is not a folder")
        fd, tmp = _temp_beside(folder / "probe")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"\0" * PROBE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            _unlink_quietly(tmp)
    except OSError as exc:
        raise UserError(f"cannot write to {what} {shown or folder}: {exc.strerror or exc}") from None


class atomic_writer:
    """Write a file atomically: to a temporary file beside it, renamed over the target on success,
    removed on error. ``with atomic_writer(path) as fh: fh.write(...)``. ``errors`` is the text
    encoding's error handler (``backslashreplace`` for JSON: see :func:`newsclean.report.write_json`)."""

    def __init__(self, path: Path, *, encoding: str = "utf-8", errors: str = "strict") -> None:
        self.path = path
        self.encoding = encoding
        self.errors = errors
        self._fh: IO[str] | None = None
        self._tmp = ""

    def __enter__(self) -> IO[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = _temp_beside(self.path)
        self._fh = os.fdopen(fd, "w", encoding=self.encoding, errors=self.errors, newline="\n")
        return self._fh

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._fh is not None
        try:
            self._fh.close()  # may fail (a full disk shows when the buffer is written)
            if exc_type is None:
                _replace_temp(self._tmp, self.path)
                return
        except BaseException:
            _unlink_quietly(self._tmp)
            raise
        _unlink_quietly(self._tmp)


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
    with open_input(f.path) as fh:
        for batch in pq.ParquetFile(fh).iter_batches(batch_size=batch_rows):
            for rec in batch.to_pylist():
                n += 1
                yield n, rec


# json.dumps(rec, ensure_ascii=False), without building an encoder for every record.
_encode_record = json.JSONEncoder(ensure_ascii=False).encode


def _float_literal(o: float) -> str:
    if isinstance(o, JsonNumber):
        return o.literal
    if o != o:
        return "NaN"
    if o in (math.inf, -math.inf):
        return "Infinity" if o > 0 else "-Infinity"
    return float.__repr__(o)


def _encode_with_literals(rec: dict[str, Any]) -> str:
    """``json.dumps(rec, ensure_ascii=False)`` with every :class:`JsonNumber` written as it was read."""
    encode = json.encoder.py_encode_basestring  # type: ignore[attr-defined]
    chunks = json.encoder._make_iterencode(  # type: ignore[attr-defined]
        {}, None, encode, None, _float_literal, ": ", ", ", False, False, True)
    return "".join(chunks(rec, 0))


def record_line(rec: dict[str, Any]) -> bytes:
    """One output JSONL line (UTF-8, newline included): the bytes every JSONL output is made of.
    A lone surrogate in a field (valid JSON input: ``"\\ud800"``) is written as its escape; a number
    too large for a float (``1e999``) as it was read, not as ``Infinity``.

    >>> record_line(parse_jsonl_line(1, b'{"n": 1e999, "m": 2.5, "text": "Infinity"}'))
    b'{"n": 1e999, "m": 2.5, "text": "Infinity"}\\n'
    """
    text = _encode_record(rec)
    if "Infinity" in text:  # rare: an infinite value, or the word in a string
        text = _encode_with_literals(rec)
    text += "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _escape_surrogates(text).encode("utf-8")


def parquet_output_schema(source: Path) -> Any | None:
    """The Arrow schema of the Parquet output of ``source``: the input's own (so a column that is
    all null in the first rows and strings later, or a timestamp, a decimal, a struct, keeps its
    type), with ``text`` a string column (added when the rows came from ``html``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with open_input(source) as fh:
            schema = pq.read_schema(fh)
    except (OSError, pa.ArrowException):  # gone since it was read: the rows' own schema then
        return None
    i = schema.get_field_index("text")
    if i < 0:
        return schema.append(pa.field("text", pa.string()))
    t = schema.field(i).type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return schema
    return schema.set(i, pa.field("text", pa.string()))  # no row of it had a string text


class RecordWriter:
    """Write records to a JSONL (plain, ``.gz`` or ``.zst``) or Parquet output, atomically: to a
    temporary file beside the target, renamed over it by :meth:`close`; :meth:`abort` removes it.
    Compressed outputs are byte-identical for identical records (no timestamps in the gzip header).
    A Parquet output takes the schema of ``source`` (:func:`parquet_output_schema`), else the first
    rows' own."""

    def __init__(self, path: Path, kind: str, compression: str | None, *, parquet_rows: int = 4096,
                 source: Path | None = None) -> None:
        self.path = path
        self.kind = kind
        self._schema: Any = parquet_output_schema(source) if kind == "parquet" and source is not None else None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = _temp_beside(path)
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
        table = pa.Table.from_pylist(self._rows, schema=self._pq_writer.schema if self._pq_writer else self._schema)
        if self._pq_writer is None:
            self._pq_writer = pq.ParquetWriter(self._raw, table.schema)
        self._pq_writer.write_table(table)
        self._rows = []

    def close(self) -> None:
        try:
            if self.kind == "parquet":
                self._flush_parquet()
                if self._pq_writer is None:  # no rows at all: an empty file with no columns
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    self._pq_writer = pq.ParquetWriter(self._raw, self._schema or pa.schema([("text", pa.string())]))
                self._pq_writer.close()
            for c in reversed(self._closers):
                c.close()
            self._raw.close()
            _replace_temp(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            self._raw.close()
        except OSError:
            pass
        finally:
            _unlink_quietly(self._tmp)
