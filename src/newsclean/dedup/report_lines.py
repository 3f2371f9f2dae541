"""``duplicates.jsonl`` written by a compiled kernel: the bytes of
:meth:`~newsclean.dedup.results.DedupResult.cluster_lines`, a batch of clusters at a time.

On a syndicated corpus most paragraphs are members of some cluster, so the report holds most of the
corpus's text again: in Python, every member costs a decode of its text from the spill, a JSON
escape, a string format and an encode on writing (about 1.9 s of the 5.9 s near-duplicate stage on
100 MB of generated syndicated news, ``benchmarks.dedup_syndication``). Here the texts stay bytes
from the spill (:meth:`newsclean.run.TextSpill.spans`) and one kernel escapes them and writes every
line around them. The output is the same, byte for byte, as ``cluster_lines`` joined with a newline
after each line and encoded as the command line writes it (UTF-8, lone surrogates as ``\\udXXX``
escapes: ``errors="backslashreplace"``); ``tests/test_dedup_report_lines.py`` checks it on texts with
quotes, backslashes, control characters, non-ASCII and lone surrogates. On the Python path of the
kernels (a small input, :mod:`newsclean.dedup.jit`) the lines are made by ``cluster_lines``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.results import SIMILARITY_DIGITS, cluster_batches

_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]

# The fixed parts of a line, in the order of _LIT_* below.
_PIECES = (b'{"cluster": ', b', "size": ', b', "kept": {"doc": ', b', "line": ', b'}, "members": [', b"]}\n",
           b'{"doc": ', b', "text": "', b'", "similarity": ', b', "fragment": true', b"}", b", ")
(_LIT_CLUSTER, _LIT_SIZE, _LIT_KEPT, _LIT_LINE, _LIT_MEMBERS, _LIT_END, _LIT_MEMBER, _LIT_TEXT, _LIT_SIM,
 _LIT_FRAG, _LIT_CLOSE, _LIT_SEP) = range(len(_PIECES))
#: Bytes a line needs beyond its names, tails, similarities and escaped texts (digits included).
_MEMBER_FIXED = sum(len(_PIECES[i]) for i in (_LIT_MEMBER, _LIT_LINE, _LIT_TEXT, _LIT_SIM, _LIT_FRAG,
                                              _LIT_CLOSE, _LIT_SEP)) + 20
_CLUSTER_FIXED = sum(len(_PIECES[i]) for i in (_LIT_CLUSTER, _LIT_SIZE, _LIT_KEPT, _LIT_LINE, _LIT_MEMBERS,
                                               _LIT_END)) + 60
#: An escaped text byte takes at most this many bytes (a control character as ``\\u00XX``).
_ESCAPE_MAX = 6


@jit.njit(cache=True, inline="always")
def _put(out, pos, src, a, b):
    for i in range(a, b):
        out[pos] = src[i]
        pos += 1
    return pos


@jit.njit(cache=True, inline="always")
def _piece(out, pos, buf, off, k):
    """Piece ``k`` of a table (:func:`_table_of`: ``buf[off[k]:off[k + 1]]``) at ``out[pos:]``."""
    return _put(out, pos, buf, off[k], off[k + 1])


@jit.njit(cache=True, inline="always")
def _put_int(out, pos, v):
    if v == 0:
        out[pos] = 48
        return pos + 1
    n = 0
    x = v
    while x > 0:
        n += 1
        x //= 10
    end = pos + n
    x = v
    while x > 0:
        end -= 1
        out[end] = 48 + x % 10
        x //= 10
    return pos + n


@jit.njit(cache=True, inline="always")
def _put_hex4(out, pos, v):
    for shift in (12, 8, 4, 0):
        d = (v >> shift) & 15
        out[pos] = 48 + d if d < 10 else 87 + d
        pos += 1
    return pos


#: How JSON escapes an ASCII byte (``json.encoder.encode_basestring``): 255 none, ``u`` as ``\\u00XX``, else a
#: backslash and this byte.
_ESCAPES = np.full(128, 255, dtype=np.uint8)
_ESCAPES[:32] = ord("u")
for _byte, _letter in {34: '"', 92: "\\", 8: "b", 9: "t", 10: "n", 12: "f", 13: "r"}.items():
    _ESCAPES[_byte] = ord(_letter)


@jit.njit(cache=True)
def _escaped(out, pos, src, a, b, esc):
    """``src[a:b]`` (UTF-8, lone surrogates as ``surrogatepass`` gives them) as the body of a JSON
    string: what ``json.encoder.encode_basestring`` then UTF-8 with ``backslashreplace`` give."""
    i = a
    while i < b:
        c = src[i]
        if c < 128 and esc[c] != 255:
            out[pos] = 92
            out[pos + 1] = esc[c]
            pos = _put_hex4(out, pos + 2, c) if esc[c] == 117 else pos + 2
            i += 1
        elif c == 0xED and i + 2 < b and 0xA0 <= src[i + 1] <= 0xBF:  # a lone surrogate
            cp = ((c & 0x0F) << 12) | ((src[i + 1] & 0x3F) << 6) | (src[i + 2] & 0x3F)
            out[pos] = 92
            out[pos + 1] = 117
            pos = _put_hex4(out, pos + 2, cp)
            i += 3
        else:
            out[pos] = c
            pos += 1
            i += 1
    return pos


@jit.njit(cache=True)
def _write_lines(text, t_start, t_len, doc_of, line_of, sim_of, frag_of, names, name_off, tails, tail_off,
                 sims, sim_off, bounds, kept_at, first_id, lit, lit_off, esc, out):
    """The lines of clusters ``first_id ...`` into ``out``; returns the bytes written. Member ``j``: text
    ``text[t_start[j]:][:t_len[j]]`` (``t_start[j] < 0``: none), document ``doc_of[j]`` (its JSON name
    ``names[name_off[d]:name_off[d + 1]]``, the outlet tail likewise), line, similarity string
    ``sim_of[j]``, fragment flag; cluster ``c``: members ``bounds[c]:bounds[c + 1]``, kept ``kept_at[c]``."""
    pos = 0
    for c in range(bounds.size - 1):
        s = bounds[c]
        e = bounds[c + 1]
        k = kept_at[c]
        pos = _piece(out, pos, lit, lit_off, _LIT_CLUSTER)
        pos = _put_int(out, pos, first_id + c)
        pos = _piece(out, pos, lit, lit_off, _LIT_SIZE)
        pos = _put_int(out, pos, e - s)
        pos = _piece(out, pos, lit, lit_off, _LIT_KEPT)
        pos = _piece(out, pos, names, name_off, doc_of[k])
        pos = _piece(out, pos, lit, lit_off, _LIT_LINE)
        pos = _put_int(out, pos, line_of[k])
        pos = _piece(out, pos, lit, lit_off, _LIT_MEMBERS)
        for j in range(s, e):
            if j > s:
                pos = _piece(out, pos, lit, lit_off, _LIT_SEP)
            d = doc_of[j]
            pos = _piece(out, pos, lit, lit_off, _LIT_MEMBER)
            pos = _piece(out, pos, names, name_off, d)
            pos = _piece(out, pos, lit, lit_off, _LIT_LINE)
            pos = _put_int(out, pos, line_of[j])
            pos = _piece(out, pos, lit, lit_off, _LIT_TEXT)
            if t_start[j] >= 0:
                pos = _escaped(out, pos, text, t_start[j], t_start[j] + t_len[j], esc)
            pos = _piece(out, pos, lit, lit_off, _LIT_SIM)
            pos = _piece(out, pos, sims, sim_off, sim_of[j])
            if frag_of[j]:
                pos = _piece(out, pos, lit, lit_off, _LIT_FRAG)
            pos = _piece(out, pos, tails, tail_off, d)
            pos = _piece(out, pos, lit, lit_off, _LIT_CLOSE)
        pos = _piece(out, pos, lit, lit_off, _LIT_END)
    return pos


def _table_of(pieces: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    off = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pieces], out=off[1:])
    return np.frombuffer(b"".join(pieces), dtype=np.uint8) if pieces else np.zeros(0, np.uint8), off


_LIT, _LIT_OFF = _table_of(_PIECES)


def cluster_chunks(table: Any, spans_of: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
                   spill_ids: np.ndarray, outlet_of: Callable[[str], str | None] | None = None, *,
                   batch: int = 1 << 16) -> Iterator[bytes]:
    """The bytes of ``duplicates.jsonl`` for a :class:`~newsclean.dedup.results.ClusterTable` without
    texts, about ``batch`` members at a time. ``spans_of(ids, lines)`` gives the members' texts
    (:meth:`newsclean.run.TextSpill.spans`), ``spill_ids[d]`` the spill's number of document ``d`` of
    ``table.docs`` (:meth:`~newsclean.run.TextSpill.spill_ids`)."""
    docs = table.docs
    names, name_off = _table_of([_encode_str(d).encode("utf-8", "backslashreplace") for d in docs])
    if outlet_of is None:
        tails, tail_off = np.zeros(0, np.uint8), np.zeros(len(docs) + 1, np.int64)
    else:
        tails, tail_off = _table_of([(', "outlet": ' + ("null" if o is None else _encode_str(o))).encode(
            "utf-8", "backslashreplace") for o in map(outlet_of, docs)])
    name_len = np.diff(name_off)
    tail_len = np.diff(tail_off)
    for k, k1, lo, hi in cluster_batches(table, batch):
        idx = table.index[lo:hi]
        doc_of = table.doc[idx].astype(np.int64)
        line_of = table.line[idx].astype(np.int64)
        text, t_start, t_len = spans_of(spill_ids[doc_of], line_of)
        uniq, sim_of = np.unique(table.similarity[lo:hi], return_inverse=True)
        sims, sim_off = _table_of([repr(round(x, SIMILARITY_DIGITS)).encode() for x in uniq.tolist()])
        bounds = (table.starts[k:k1 + 1] - lo).astype(np.int64)
        sizes = np.diff(bounds)
        kept_at = np.flatnonzero(idx == np.repeat(table.kept[k:k1], sizes)).astype(np.int64)
        if kept_at.size != k1 - k:
            raise ValueError("a cluster's kept paragraph is not among its members")
        cap = (int(hi - lo) * _MEMBER_FIXED + int(name_len[doc_of].sum() + tail_len[doc_of].sum())
               + int(np.diff(sim_off)[sim_of].sum()) + _ESCAPE_MAX * int(t_len.sum())
               + (k1 - k) * _CLUSTER_FIXED + int(name_len[doc_of[kept_at]].sum()))
        out = np.empty(cap, dtype=np.uint8)
        n = _write_lines(text, t_start, t_len, doc_of, line_of, sim_of.astype(np.int64),
                         table.fragment[lo:hi].astype(np.uint8), names, name_off, tails, tail_off, sims, sim_off,
                         bounds, kept_at, k, _LIT, _LIT_OFF, _ESCAPES, out)
        yield out[:n].tobytes()
