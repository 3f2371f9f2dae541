"""The run journal: what a run did, file by file, so that an interrupted run can be continued
(``newsclean IN OUT --resume``) with outputs byte-identical to an uninterrupted run.

A run writes every file's output atomically, in input order, and everything else it learns from a
file (counts, document keys, explain and reject rows, the cleaned paragraphs the near-duplicate
index needs) goes to the reports and the index, which only exist at the end. The journal keeps that
second part: one record per group of results the main process consumed (see :mod:`newsclean.run`),
appended as the run goes. A resumed run replays the records of the files that were done, in order,
through the same code (the paragraphs are sketched again from their texts, which is deterministic),
and cleans the remaining files.

File format (``OUT/_newsclean/.journal``): a sequence of frames ``b"NCJ1"``, the lengths of a JSON
part and a binary part (little-endian u32, u64), the two parts, and a CRC-32 of both. The first frame
is the header (the run's fingerprint and what it learned). A frame cut short or damaged (a kill in
the middle of a write) ends the journal there. A record file that fails part-way is cut out of the
journal as it is taken back from everything else.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["JOURNAL_NAME", "Journal", "JournalError", "read_journal"]

JOURNAL_NAME = ".journal"
_MAGIC = b"NCJ1"
_HEAD = struct.Struct("<4sIQ")
_CRC = struct.Struct("<I")


class JournalError(Exception):
    """The journal cannot be used (missing, or written by another version)."""


def _frame(meta: dict[str, Any], blob: bytes) -> bytes:
    m = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return b"".join((_HEAD.pack(_MAGIC, len(m), len(blob)), m, blob,
                     _CRC.pack(zlib.crc32(blob, zlib.crc32(m)))))


def _frames(fh: IO[bytes]) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """``(end offset, meta, blob)`` of every whole, undamaged frame, up to the first that is not."""
    pos = 0
    while True:
        head = fh.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return
        magic, n_meta, n_blob = _HEAD.unpack(head)
        if magic != _MAGIC:
            return
        body = fh.read(n_meta + n_blob + _CRC.size)
        if len(body) < n_meta + n_blob + _CRC.size:
            return
        m, blob, (crc,) = body[:n_meta], body[n_meta:n_meta + n_blob], _CRC.unpack(body[-_CRC.size:])
        if zlib.crc32(blob, zlib.crc32(m)) != crc:
            return
        try:
            meta = json.loads(m.decode("utf-8", "surrogatepass"))
        except ValueError:
            return
        pos += _HEAD.size + len(body)
        yield pos, meta, blob


class Journal:
    """An open journal, appended to by the main process of a run."""

    def __init__(self, path: Path, fh: IO[bytes]) -> None:
        self.path = path
        self._fh = fh

    @classmethod
    def create(cls, path: Path, header: dict[str, Any]) -> Journal:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "wb")
        journal = cls(path, fh)
        journal.append(header)
        journal.flush()
        return journal

    @classmethod
    def reopen(cls, path: Path, end: int) -> Journal:
        """Open an interrupted run's journal to go on from ``end`` (:attr:`Resumed.end`): what
        follows (the records of a file it did not finish) is cut off."""
        fh = open(path, "r+b")
        fh.truncate(end)
        fh.seek(end)
        return cls(path, fh)

    def append(self, meta: dict[str, Any], blob: bytes = b"") -> None:
        self._fh.write(_frame(meta, blob))

    def tell(self) -> int:
        return self._fh.tell()

    def truncate(self, pos: int) -> None:
        """Cut the journal back to ``pos`` (a :meth:`tell` from before: a file that failed)."""
        self._fh.seek(pos)
        self._fh.truncate()

    def flush(self) -> None:
        """Hand what was appended to the operating system (it then survives a killed process)."""
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def remove(self) -> None:
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


@dataclass
class Resumed:
    """What an interrupted run's journal holds: its header, the records of the files it finished
    (each ``(meta, blob)``), and the index of the first file it did not finish."""

    header: dict[str, Any]
    records: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    next_file: int = 0
    end: int = 0  # offset just after the last finished file's records


def read_journal(path: Path) -> Resumed:
    """Read a journal up to the end of the last file that was finished (ended or failed, with
    every file before it). Raises :class:`JournalError` when it has no header."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror or exc}") from None
    with fh:
        frames = _frames(fh)
        first = next(frames, None)
        if first is None or first[1].get("kind") != "header":
            raise JournalError(f"{path} is not a newsclean journal")
        out = Resumed(first[1], end=first[0])
        pending: list[tuple[dict[str, Any], bytes]] = []
        highest = -1
        for end, meta, blob in frames:
            pending.append((meta, blob))
            last = None
            for e in meta.get("e", ()):
                highest = max(highest, e[1])
                last = e
            # Files are consumed in order: once the latest file seen has ended (or failed), every
            # file before it has too, and the records so far are whole.
            if last is not None and last[0] in ("end", "fail", "error") and last[1] == highest:
                out.records.extend(pending)
                pending = []
                out.next_file = highest + 1
                out.end = end
        return out
