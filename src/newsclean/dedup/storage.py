"""What the index stores of each paragraph, and where: bookkeeping arrays in RAM (:class:`_Chunks`),
shingle sets and signatures in anonymous temporary files (:class:`_Spill`, :class:`_SigSpill`), and
the batches sketched away from the index (:class:`SketchedParagraphs`, :func:`sketch_documents`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from newsclean.dedup.config import DedupConfig
from newsclean.dedup.signatures import sketch


class _Chunks:
    """Append-only numpy storage in chunks, concatenated once at ``finish``."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []

    def append(self, arr: np.ndarray) -> None:
        if len(arr):
            self.parts.append(arr)

    def concat(self, dtype: Any, width: int | None = None) -> np.ndarray:
        """All parts as one array; the parts are released while copying, so the peak is the
        total plus one part, not twice the total."""
        n = sum(len(p) for p in self.parts)
        out = np.empty((n,) if width is None else (n, width), dtype=dtype)
        pos = 0
        while self.parts:
            part = self.parts.pop(0)
            out[pos : pos + len(part)] = part
            pos += len(part)
        return out


class _Spill:
    """Word tokens (32-bit hashes, in order) of the MinHash paragraphs, appended in paragraph order
    to an anonymous temporary file (deleted when closed, or by the OS when the process ends)."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.fh: IO[bytes] | None = None
        self.count = 0

    def append(self, arr: np.ndarray) -> None:
        if arr.size == 0:
            return
        if self.fh is None:
            self.fh = tempfile.TemporaryFile(prefix="newsclean-dedup-", suffix=".tok", dir=self.directory)
        self.fh.write(np.ascontiguousarray(arr, dtype=np.uint32).data)
        self.count += int(arr.size)

    @property
    def nbytes(self) -> int:
        return 4 * self.count

    def array(self) -> np.ndarray:
        """Everything written, as a read-only memory map (an empty array if nothing was)."""
        if self.fh is None or self.count == 0:
            return np.zeros(0, dtype=np.uint32)
        self.fh.flush()
        arr = np.memmap(self.fh, dtype=np.uint32, mode="r", shape=(self.count,))
        return arr

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class _SigSpill:
    """MinHash signatures (``num_perm`` columns), appended batch by batch to an anonymous
    temporary file, each batch stored column by column, so that one band's columns are read back
    with one ``pread`` per batch (:meth:`columns`) and only one band is ever in memory."""

    def __init__(self, directory: str | None, num_perm: int, dtype: Any) -> None:
        self.directory = directory
        self.num_perm = num_perm
        self.dtype = np.dtype(dtype)
        self.fh: IO[bytes] | None = None
        self.blocks: list[int] = []  # rows per batch
        self.count = 0

    def append(self, sig: np.ndarray) -> None:
        if len(sig) == 0:
            return
        if self.fh is None:
            self.fh = tempfile.TemporaryFile(prefix="newsclean-dedup-", suffix=".sig", dir=self.directory)
        self.fh.write(np.ascontiguousarray(sig.T, dtype=self.dtype).data)
        self.blocks.append(len(sig))
        self.count += len(sig)

    @property
    def nbytes(self) -> int:
        return self.count * self.num_perm * self.dtype.itemsize

    def columns(self, start: int, rows: int) -> np.ndarray:
        """Columns ``[start, start + rows)`` of all signatures, as a C-contiguous ``(n, rows)`` array."""
        out = np.empty((self.count, rows), dtype=self.dtype)
        if self.fh is None:
            return out
        self.fh.flush()
        fd = self.fh.fileno()
        isz = self.dtype.itemsize
        off = pos = 0
        for m in self.blocks:
            want = rows * m * isz
            buf = os.pread(fd, want, off + start * m * isz)
            if len(buf) != want:
                raise RuntimeError("signature file is shorter than expected (was it modified?)")
            out[pos : pos + m] = np.frombuffer(buf, dtype=self.dtype).reshape(rows, m).T
            off += self.num_perm * m * isz
            pos += m
        return out

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


@dataclass(frozen=True)
class SketchedParagraphs:
    """The paragraphs of a few documents, sketched away from the index (e.g. in a worker process)
    by :func:`sketch_documents` and added with :meth:`NearDuplicateIndex.add_sketched`: exactly
    what the index stores of them, so adding the batch equals adding the documents' paragraphs
    with :meth:`NearDuplicateIndex.add_document`.

    One row per stored paragraph (those at least ``min_chars`` long): ``doc`` numbers the documents
    of the batch from 0; ``words`` counts each paragraph's words; ``sig`` is already reduced to
    ``signature_bits``; ``tokens`` are the word tokens of the stored paragraphs long enough for
    MinHash, one after the other, in order.
    """

    doc: np.ndarray  # int32
    line: np.ndarray  # int32
    length: np.ndarray  # uint32
    words: np.ndarray  # uint32
    exact: np.ndarray  # uint64
    sig: np.ndarray  # (n, num_perm) uint16 or uint32
    tokens: np.ndarray  # uint32
    too_short: int = 0
    python_fallback: int = 0
    texts: tuple[str, ...] | None = None  # only with keep_text

    @classmethod
    def concat(cls, parts: Sequence[tuple[int, SketchedParagraphs]]) -> SketchedParagraphs:
        """Batches ``(first document, batch)`` as one batch (``doc`` renumbered by ``first``)."""
        batches = [b for _, b in parts]
        texts = None
        if batches and all(b.texts is not None for b in batches):
            texts = tuple(t for b in batches for t in (b.texts or ()))
        return cls(
            doc=np.concatenate([b.doc + np.int32(first) for first, b in parts]),
            line=np.concatenate([b.line for b in batches]),
            length=np.concatenate([b.length for b in batches]),
            words=np.concatenate([b.words for b in batches]),
            exact=np.concatenate([b.exact for b in batches]),
            sig=np.concatenate([b.sig for b in batches]),
            tokens=np.concatenate([b.tokens for b in batches]),
            too_short=sum(b.too_short for b in batches),
            python_fallback=sum(b.python_fallback for b in batches),
            texts=texts,
        )


def sketch_documents(config: DedupConfig, doc: Sequence[int], line: Sequence[int], texts: Sequence[str]
                     ) -> SketchedParagraphs:
    """Sketch paragraphs ``texts`` (of batch document ``doc[i]``, input line ``line[i]``) as the
    index would store them (see :class:`SketchedParagraphs`); the same computation as
    :meth:`NearDuplicateIndex.add_document`, runnable in another process."""
    n = len(texts)
    docs = np.asarray(doc, dtype=np.int32).reshape(n)
    lines = np.asarray(line, dtype=np.int64).reshape(n)
    batch = sketch(list(texts), config.shingle, config.scheme)
    keep = batch.lengths >= max(config.min_chars, 1)
    spill = keep & (batch.lengths >= config.minhash_min_chars)
    sig = batch.signatures[keep]
    if config.signature_bits == 16:
        # Low 16 bits of each minimum ("b-bit minwise hashing"): enough for band keys, since
        # verification works on the words; a chance agreement costs 2**-16 per value.
        sig = (sig & np.uint32(0xFFFF)).astype(np.uint16)
    words = np.diff(batch.token_offsets).astype(np.uint32)
    return SketchedParagraphs(
        doc=docs[keep],
        line=lines[keep].astype(np.int32),
        length=batch.lengths[keep],
        words=words[keep],
        exact=batch.exact[keep],
        sig=np.ascontiguousarray(sig),
        tokens=batch.tokens[np.repeat(spill, words)],
        too_short=int((~keep).sum()),
        python_fallback=batch.python_fallback,
        texts=tuple(t for t, k in zip(texts, keep.tolist(), strict=True) if k) if config.keep_text else None,
    )
