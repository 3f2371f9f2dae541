"""Bulk MinHash signatures, bit-identical to ``datasketch.MinHash`` (scheme ``affine32``).

For the same ``num_perm``, ``seed`` and hash function, row ``i`` of :func:`compute_signatures`
equals ``datasketch.MinHash(num_perm, seed, hashfunc=murmur3_32).update(s)`` over every shingle
``s`` (as UTF-8 bytes) of paragraph ``i``. The hash function is the 32-bit MurmurHash3
(x86_32, seed 0): :func:`murmur3_32` is its pure-Python form, usable as datasketch's ``hashfunc``;
the compiled kernel computes the same values from the bytes.

The kernel (:func:`sketch`) takes a whole batch of raw paragraphs as one UTF-8 buffer plus
offsets and, per paragraph: normalizes it through the fast-path table of
:func:`newsclean.dedup.shingles.fast_table` (paragraphs with other code points are flagged and
normalized in Python, then hashed by the same kernel), finds the shingle byte spans, hashes them,
applies datasketch's premix (MurmurHash3 finalizer), sorts and deduplicates the hashes (radix
sort; this sorted set is what the index verifies candidates on), and applies the ``num_perm``
affine permutations ``a*h + b mod 2**32`` keeping the minima — no Python code runs per shingle or
per character. Paragraphs are independent, so results never depend on batch boundaries or on the
number of threads; ``prange`` spreads the paragraphs of a batch over numba's threads.

>>> import numpy as np
>>> from newsclean.dedup.shingles import ShingleOptions
>>> scheme = SignatureScheme(num_perm=16)
>>> batch = compute_signatures(["satu dua tiga", "satu dua tiga"], ShingleOptions(), scheme)
>>> batch.signatures.shape, batch.signatures.dtype.name
((2, 16), 'uint32')
>>> bool((batch.signatures[0] == batch.signatures[1]).all()), int(batch.sizes[0])
(True, 9)
>>> murmur3_32(b"hello")
613153351
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsclean.dedup import jit
from newsclean.dedup.arrays import unique_sorted
from newsclean.dedup.jit import parallel_kernel, prange
from newsclean.dedup.shingles import ShingleOptions, fast_table, normalize_many

#: Number of permutations: 128 keeps the Jaccard estimate's standard error <= 0.045 and the
#: stored 16-bit signature at 256 bytes per paragraph.
DEFAULT_NUM_PERM = 128
#: datasketch's default seed, so signatures can be compared with ``MinHash(num_perm=...)``.
DEFAULT_SEED = 1
#: Paragraphs per kernel call: large enough to amortize the Python-level normalization.
DEFAULT_BATCH_SIZE = 8192

_MASK32 = np.uint64(0xFFFFFFFF)
_EXACT_SEED_HI = 0x9747B28C
_EXACT_SEED_LO = 0x2F7A3D51
#: Seed of the word-token hashes (MurmurHash3 of each word's UTF-8 bytes): the ordered words that
#: verification aligns (:mod:`newsclean.dedup.verify`).
TOKEN_SEED = 0x3C6EF372

HASH_FUNCTIONS = ("murmur3_32",)


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86_32 of ``data``: the hash function of the signatures (pure Python).

    Pass it as ``datasketch.MinHash(hashfunc=murmur3_32)`` to reproduce a signature.

    >>> murmur3_32(b""), murmur3_32(b"a", seed=1)
    (0, 1485495528)
    """
    m = 0xFFFFFFFF
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & m
    n = len(data)
    nblocks = n // 4
    for i in range(nblocks):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * c1) & m
        k = ((k << 15) | (k >> 17)) & m
        k = (k * c2) & m
        h ^= k
        h = ((h << 13) | (h >> 19)) & m
        h = (h * 5 + 0xE6546B64) & m
    tail = data[4 * nblocks :]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & m
        k = ((k << 15) | (k >> 17)) & m
        k = (k * c2) & m
        h ^= k
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    h ^= h >> 16
    return h


def word_tokens(text: str, options: ShingleOptions | None = None) -> list[int]:
    """The words of a paragraph as verification sees them: its normalized text split at spaces,
    each word hashed (:func:`murmur3_32` of its UTF-8 bytes, seed ``TOKEN_SEED``), in order.
    (Reference implementation; :func:`sketch` computes the same in compiled code.)

    >>> a, b = word_tokens("Harga cabai naik."), word_tokens("HARGA “cabai” naik")
    >>> a == b, len(a)
    (True, 3)
    """
    from newsclean.dedup.shingles import normalize

    norm = normalize(text, options)
    return [murmur3_32(w.encode("utf-8", "surrogatepass"), TOKEN_SEED) for w in norm.split(" ") if w]


@dataclass(frozen=True)
class SignatureScheme:
    """Permutation family of the signatures: datasketch's ``affine32`` scheme for ``seed``."""

    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    hash: str = "murmur3_32"

    def __post_init__(self) -> None:
        if not isinstance(self.num_perm, int) or not 1 <= self.num_perm <= 1024:
            raise ValueError(f"num_perm must be an int in [1, 1024], got {self.num_perm!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        if self.hash not in HASH_FUNCTIONS:
            raise ValueError(f"hash must be one of {HASH_FUNCTIONS}, got {self.hash!r}")

    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` as uint64 arrays, identical to ``datasketch.MinHash(num_perm, seed).permutations``."""
        return _permutations(self.num_perm, self.seed)

    def permutations32(self) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` as uint32 arrays (the kernel computes ``a*h + b`` modulo 2**32)."""
        return _permutations32(self.num_perm, self.seed)


@lru_cache(maxsize=16)
def _permutations32(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = (x.astype(np.uint32) for x in _permutations(num_perm, seed))
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Same draws, in the same order, as datasketch.MinHash._init_permutations for "affine32".
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a64, b64 = a.astype(np.uint64), b.astype(np.uint64)
    a64.setflags(write=False)
    b64.setflags(write=False)
    return a64, b64


@dataclass(frozen=True)
class SignatureBatch:
    """Sketches of a batch of paragraphs.

    ``signatures`` (n, num_perm) uint32; ``sizes``: distinct shingles (uint32); ``exact``: 64-bit
    hash of the normalized bytes (uint64); ``lengths``: normalized length in code points (uint32);
    ``hashes[hash_offsets[i]:hash_offsets[i + 1]]``: paragraph ``i``'s distinct 32-bit shingle
    hashes, sorted (its exact shingle set); ``tokens[token_offsets[i]:token_offsets[i + 1]]``: its
    words in order, each as a 32-bit hash (:func:`word_tokens`; what verification aligns);
    ``python_fallback``: how many paragraphs needed the Python normalizer (code points outside the
    compiled fast path).
    """

    signatures: np.ndarray
    sizes: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    hashes: np.ndarray
    hash_offsets: np.ndarray
    tokens: np.ndarray
    token_offsets: np.ndarray
    python_fallback: int = 0


# --------------------------------------------------------------------------- compiled kernel


@jit.njit(cache=True, inline="always")
def _rotl32(x, r):
    return ((x << np.uint32(r)) | (x >> np.uint32(32 - r))) & np.uint32(0xFFFFFFFF)


@jit.njit(cache=True, inline="always")
def _fmix32(h):
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))


@jit.njit(cache=True)
def _murmur3_32_span(buf, start, end, seed):
    """MurmurHash3 x86_32 of ``buf[start:end]`` (uint8 array), as uint32."""
    c1 = np.uint32(0xCC9E2D51)
    c2 = np.uint32(0x1B873593)
    h = np.uint32(seed)
    n = end - start
    nblocks = n // 4
    for i in range(nblocks):
        j = start + 4 * i
        k = np.uint32(
            np.uint32(buf[j])
            | (np.uint32(buf[j + 1]) << np.uint32(8))
            | (np.uint32(buf[j + 2]) << np.uint32(16))
            | (np.uint32(buf[j + 3]) << np.uint32(24))
        )
        k = np.uint32(k * c1)
        k = _rotl32(k, 15)
        k = np.uint32(k * c2)
        h = np.uint32(h ^ k)
        h = _rotl32(h, 13)
        h = np.uint32(h * np.uint32(5) + np.uint32(0xE6546B64))
    t = start + 4 * nblocks
    rem = n & 3
    k = np.uint32(0)
    if rem >= 3:
        k = np.uint32(k ^ (np.uint32(buf[t + 2]) << np.uint32(16)))
    if rem >= 2:
        k = np.uint32(k ^ (np.uint32(buf[t + 1]) << np.uint32(8)))
    if rem >= 1:
        k = np.uint32(k ^ np.uint32(buf[t]))
        k = np.uint32(k * c1)
        k = _rotl32(k, 15)
        k = np.uint32(k * c2)
        h = np.uint32(h ^ k)
    h = np.uint32(h ^ np.uint32(n))
    return _fmix32(h)


@jit.njit(cache=True, inline="always")
def _normalize_span(src, s, e, t_start, t_len, t_data, out, w0):
    """Fast-path normalization of UTF-8 ``src[s:e]`` into ``out[w0:]``; returns the end of the
    output, or -1 when a code point (or invalid UTF-8) needs the Python normalizer."""
    w = w0
    pending = False
    j = s
    limit = t_len.size
    while j < e:
        b0 = np.int64(src[j])
        if b0 < 0x80:
            cp = b0
            j += 1
        elif (b0 >> 5) == 6 and j + 1 < e:
            cp = ((b0 & 0x1F) << 6) | (np.int64(src[j + 1]) & 0x3F)
            j += 2
        elif (b0 >> 4) == 14 and j + 2 < e:
            cp = ((b0 & 0x0F) << 12) | ((np.int64(src[j + 1]) & 0x3F) << 6) | (np.int64(src[j + 2]) & 0x3F)
            j += 3
        else:
            return -1  # 4-byte sequences and invalid bytes are never in the fast path
        if cp >= limit:
            return -1
        n = t_len[cp]
        if n < 0:
            return -1
        q0 = t_start[cp]
        for q in range(q0, q0 + n):
            c = t_data[q]
            if c == 32:
                pending = w > w0
            else:
                if pending:
                    out[w] = 32
                    w += 1
                    pending = False
                out[w] = c
                w += 1
    return w


@jit.njit(cache=True, inline="always")
def _shingle_hashes(buf, s, e, word_mode, k, hashes, h0, bounds, b0):
    """Write the shingle hashes of normalized ``buf[s:e]`` to ``hashes[h0:]`` (scratch
    ``bounds[b0:]``); return ``(number of shingles, number of code points)``."""
    ncp = 0
    for j in range(s, e):
        if (buf[j] & 0xC0) != 0x80:
            ncp += 1
    if e <= s:
        return 0, 0
    nsh = 0
    if word_mode:
        nw = 0
        j = s
        while j < e:
            while j < e and buf[j] == 32:
                j += 1
            if j >= e:
                break
            bounds[b0 + 2 * nw] = j
            while j < e and buf[j] != 32:
                j += 1
            bounds[b0 + 2 * nw + 1] = j
            nw += 1
        if nw > 0:
            nsh = max(1, nw - k + 1)
            for t in range(nsh):
                last = min(t + k, nw) - 1
                hashes[h0 + t] = _fmix32(_murmur3_32_span(
                    buf, np.int64(bounds[b0 + 2 * t]), np.int64(bounds[b0 + 2 * last + 1]), 0))
    else:
        c = 0
        for j in range(s, e):
            if (buf[j] & 0xC0) != 0x80:
                bounds[b0 + c] = j
                c += 1
        bounds[b0 + ncp] = e
        nsh = max(1, ncp - k + 1)
        for t in range(nsh):
            hashes[h0 + t] = _fmix32(_murmur3_32_span(
                buf, np.int64(bounds[b0 + t]), np.int64(bounds[b0 + min(t + k, ncp)]), 0))
    return nsh, ncp


@jit.njit(cache=True, inline="always")
def _radix_sort(x, s, n, tmp, counts):
    """Sort ``x[s:s+n]`` (uint32) in place: LSD radix, four 8-bit passes through ``tmp[s:s+n]``
    (about twice as fast as quicksort for the few hundred hashes of a paragraph)."""
    for shift in (0, 8, 16, 24):
        sh = np.uint32(shift)
        if shift % 16 == 0:
            frm, to = x, tmp
        else:
            frm, to = tmp, x
        for c in range(257):
            counts[c] = 0
        for j in range(s, s + n):
            counts[((frm[j] >> sh) & np.uint32(255)) + 1] += 1
        for c in range(256):
            counts[c + 1] += counts[c]
        for j in range(s, s + n):
            v = frm[j]
            d = (v >> sh) & np.uint32(255)
            to[s + counts[d]] = v
            counts[d] += 1


@parallel_kernel
def _normalize_kernel(src, spans, t_start, t_len, t_data, work, regions, out_spans):
    """Fast-path normalization of every paragraph into ``work[regions[i]:]``; ``out_spans[i]``
    gets the normalized byte span, or ``(-1, -1)`` when the paragraph needs the Python path."""
    for i in prange(spans.shape[0]):
        r = regions[i]
        w = _normalize_span(src, spans[i, 0], spans[i, 1], t_start, t_len, t_data, work, r)
        out_spans[i, 0] = r if w >= 0 else -1
        out_spans[i, 1] = w


@jit.njit(cache=True, inline="always")
def _word_tokens(buf, s, e, out, o0):
    """Hashes of the space-separated words of normalized ``buf[s:e]``, in order, into ``out[o0:]``;
    returns their number."""
    n = 0
    j = s
    while j < e:
        while j < e and buf[j] == 32:
            j += 1
        if j >= e:
            break
        w0 = j
        while j < e and buf[j] != 32:
            j += 1
        out[o0 + n] = _murmur3_32_span(buf, w0, j, TOKEN_SEED)
        n += 1
    return n


@parallel_kernel
def _sketch_kernel(buf, spans, word_mode, k, a, b, regions, scratch, hashes,
                   sig_out, size_out, exact_out, len_out, tokens, ntok_out):
    """Shingle hashes (sorted, distinct, at ``hashes[regions[i]:]``), signature, distinct count,
    code points, exact hash and word tokens (at ``tokens[regions[i]:]``, ``ntok_out[i]`` of them)
    of every normalized span ``buf[spans[i, 0]:spans[i, 1]]`` (spans starting at -1 are skipped).
    ``scratch`` (uint32, like ``hashes``) holds the code point bounds while hashing, then the radix
    sort's second buffer."""
    n = spans.shape[0]
    P = a.size
    for i in prange(n):
        ns = spans[i, 0]
        ne = spans[i, 1]
        if ns < 0:
            continue
        r = regions[i]
        ntok_out[i] = _word_tokens(buf, ns, ne, tokens, r)
        nsh, ncp = _shingle_hashes(buf, ns, ne, word_mode, k, hashes, r, scratch, r)
        for p in range(P):
            sig_out[i, p] = np.uint32(0xFFFFFFFF)
        d = 0
        if nsh > 0:
            counts = np.empty(257, np.int64)
            _radix_sort(hashes, r, nsh, scratch, counts)
            d = 1
            for t in range(r + 1, r + nsh):
                if hashes[t] != hashes[r + d - 1]:
                    hashes[r + d] = hashes[t]
                    d += 1
            # Shingle-outer, permutation-inner: the inner loop is a SIMD multiply-add-min over
            # the num_perm lanes (a*h + b mod 2**32 in uint32 arithmetic, as datasketch's affine32),
            # into a local accumulator (about 20% faster than updating the output row in place).
            acc = np.full(P, np.uint32(0xFFFFFFFF))
            t = r
            while t + 1 < r + d:  # two hashes per pass: half the loads and stores of acc
                h1 = hashes[t]
                h2 = hashes[t + 1]
                for p in range(P):
                    acc[p] = min(acc[p], np.uint32(a[p] * h1 + b[p]), np.uint32(a[p] * h2 + b[p]))
                t += 2
            while t < r + d:
                h1 = hashes[t]
                for p in range(P):
                    acc[p] = min(acc[p], np.uint32(a[p] * h1 + b[p]))
                t += 1
            sig_out[i, :] = acc
        size_out[i] = d
        len_out[i] = ncp
        hi = np.uint64(_murmur3_32_span(buf, ns, ne, _EXACT_SEED_HI))
        lo = np.uint64(_murmur3_32_span(buf, ns, ne, _EXACT_SEED_LO))
        exact_out[i] = (hi << np.uint64(32)) | lo


@parallel_kernel
def _gather(hashes, regions, sizes, offsets, out):
    for i in prange(sizes.size):
        r = regions[i]
        o = offsets[i]
        for t in range(sizes[i]):
            out[o + t] = hashes[r + t]


def _encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """One UTF-8 buffer for a batch and the ``(start, end)`` byte span of each text."""
    enc = [t.encode("utf-8", "surrogatepass") for t in texts]
    ends = np.cumsum(np.fromiter(map(len, enc), dtype=np.int64, count=len(enc)))
    starts = np.concatenate(([0], ends[:-1])) if len(enc) else ends
    buf = np.frombuffer(b"".join(enc), dtype=np.uint8)
    return buf, np.stack([starts, ends], axis=1) if len(enc) else np.zeros((0, 2), np.int64)


def _run(texts: Sequence[str], normalize: bool, opts: ShingleOptions, sch: SignatureScheme) -> tuple:
    """Kernels on one batch; returns the arrays of :class:`SignatureBatch` (hashes still in
    per-paragraph regions) and the mask of paragraphs left for the Python normalizer."""
    n = len(texts)
    a, b = sch.permutations32()
    src, spans = _encode(texts)
    if normalize:
        table = fast_table(opts)
        cap = table.max_expansion * (spans[:, 1] - spans[:, 0])
        wregions = np.concatenate(([0], np.cumsum(cap)[:-1])).astype(np.int64) if n else np.zeros(0, np.int64)
        work = np.empty(int(cap.sum()) if n else 0, dtype=np.uint8)
        nspans = np.empty((n, 2), dtype=np.int64)
        _normalize_kernel(src, spans, table.start, table.length, table.data, work, wregions, nspans)
        buf = work
    else:
        buf, nspans = src, spans
    fallback = nspans[:, 0] < 0
    # Region per paragraph in hashes/scratch: shingles <= code points <= normalized bytes, and
    # word bounds take two slots per word (>= 1 byte plus a space), so bytes + 2 slots suffice.
    cap = np.where(fallback, 0, nspans[:, 1] - nspans[:, 0] + 2)
    regions = np.concatenate(([0], np.cumsum(cap)[:-1])).astype(np.int64) if n else np.zeros(0, np.int64)
    total = int(cap.sum()) if n else 0
    if buf.size >= 1 << 32:
        raise ValueError("batch too large: more than 4 GiB of UTF-8")
    hashes = np.empty(total, dtype=np.uint32)
    scratch = np.empty(total, dtype=np.uint32)
    tokens = np.empty(total, dtype=np.uint32)  # words <= bytes / 2 + 1
    sig = np.empty((n, sch.num_perm), dtype=np.uint32)
    sizes = np.zeros(n, dtype=np.uint32)
    exact = np.zeros(n, dtype=np.uint64)
    lengths = np.zeros(n, dtype=np.uint32)
    ntok = np.zeros(n, dtype=np.uint32)
    _sketch_kernel(buf, nspans, opts.kind == "word", opts.size, a, b, regions, scratch, hashes,
                   sig, sizes, exact, lengths, tokens, ntok)
    return sig, sizes, exact, lengths, hashes, regions, fallback, tokens, ntok


def sketch(
    texts: Sequence[str],
    options: ShingleOptions | None = None,
    scheme: SignatureScheme | None = None,
    *,
    normalized: bool = False,
) -> SignatureBatch:
    """Normalize, shingle, hash and MinHash a batch of paragraphs in one compiled, parallel pass.

    Raw ``texts`` are normalized by the compiled fast path when every code point is in
    :data:`~newsclean.dedup.shingles.FAST_RANGES`; the few others go through
    :func:`~newsclean.dedup.shingles.normalize_many` (Python) and then the same kernel, so the
    result always equals ``compute_signatures(normalize_many(texts))``. With ``normalized=True``
    the texts are taken as already normalized. Paragraphs are independent: results do not depend
    on batch boundaries or on the number of threads.
    """
    opts = options or ShingleOptions()
    sch = scheme or SignatureScheme()
    if jit.python_path():
        return _sketch_numpy(texts, opts, sch, normalize=not normalized)
    n = len(texts)
    sig, sizes, exact, lengths, hashes, regions, fallback, tokens, ntok = _run(texts, not normalized, opts, sch)
    slow = np.flatnonzero(fallback)
    if slow.size:
        norm = normalize_many([texts[i] for i in slow.tolist()], opts)
        f_sig, f_sizes, f_exact, f_lengths, f_hashes, f_regions, _, f_tokens, f_ntok = _run(norm, False, opts, sch)
        sig[slow], sizes[slow], exact[slow], lengths[slow] = f_sig, f_sizes, f_exact, f_lengths
        ntok[slow] = f_ntok
    keep = np.ones(n, dtype=np.bool_)
    keep[slow] = False
    sel = np.flatnonzero(keep)
    out = []
    for counts, fast, slow_values in ((sizes, hashes, f_hashes if slow.size else None),
                                      (ntok, tokens, f_tokens if slow.size else None)):
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=np.uint32)
        _gather(fast, regions[sel], counts[sel], offsets[sel], values)
        if slow.size:
            _gather(slow_values, f_regions, counts[slow], offsets[slow], values)
        out += [values, offsets]
    return SignatureBatch(sig, sizes, exact, lengths, *out, python_fallback=int(slow.size))


# --------------------------------------------------------------------------- the Python path


@lru_cache(maxsize=16)
def _fast_translation(options: ShingleOptions) -> tuple[dict[int, str], re.Pattern[str]]:
    """The fast-path table as a ``str.translate`` table, and a pattern finding the first code point
    outside it (such a paragraph goes to the Python normalizer, as in the kernel)."""
    table = fast_table(options)
    data = table.data.tobytes()
    mapping: dict[int, str] = {}
    ranges: list[str] = []
    lo = -1
    for cp in range(table.length.size + 1):
        ok = cp < table.length.size and table.length[cp] >= 0
        if ok:
            st = int(table.start[cp])
            mapping[cp] = data[st:st + int(table.length[cp])].decode("utf-8")
            if lo < 0:
                lo = cp
        elif lo >= 0:
            ranges.append(f"{re.escape(chr(lo))}-{re.escape(chr(cp - 1))}")
            lo = -1
    return mapping, re.compile("[^" + "".join(ranges) + "]")


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fmix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _murmur_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, seed: int) -> np.ndarray:
    """MurmurHash3 x86_32 (``seed``) of every ``buf[starts[i]:ends[i]]`` (``buf``: uint32 bytes
    with 3 bytes of padding at the end), vectorized over the spans; uint32, as the kernel's
    ``_murmur3_32_span``."""
    c1, c2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
    n = ends - starts
    blocks = n // 4
    h = np.full(starts.size, seed, np.uint32)
    for i in range(int(blocks.max()) if blocks.size else 0):
        act = np.flatnonzero(blocks > i)
        j = starts[act] + 4 * i
        k = buf[j] | (buf[j + 1] << np.uint32(8)) | (buf[j + 2] << np.uint32(16)) | (buf[j + 3] << np.uint32(24))
        k = _rotl(k * c1, 15) * c2
        h[act] = _rotl(h[act] ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64)
    t = starts + 4 * blocks
    rem = n & 3
    k = np.zeros(starts.size, np.uint32)
    m = rem >= 3
    k[m] ^= buf[t[m] + 2] << np.uint32(16)
    m = rem >= 2
    k[m] ^= buf[t[m] + 1] << np.uint32(8)
    m = rem >= 1
    k[m] ^= buf[t[m]]
    h[m] ^= _rotl(k[m] * c1, 15) * c2
    return _fmix(h ^ n.astype(np.uint32))


def _sketch_numpy(texts: Sequence[str], opts: ShingleOptions, sch: SignatureScheme, *, normalize: bool
                  ) -> SignatureBatch:
    """:func:`sketch` on the Python path (no numba): the same bits, computed with NumPy over the
    whole batch (every hash of a step in one vectorized pass) and one small loop per paragraph
    (its distinct shingle hashes and their minima)."""
    n = len(texts)
    fallback = np.zeros(n, dtype=np.bool_)
    if normalize:
        mapping, outside = _fast_translation(opts)
        norm: list[str] = []
        for i, t in enumerate(texts):
            if outside.search(t) is None:
                norm.append(" ".join(w for w in t.translate(mapping).split(" ") if w))
            else:
                fallback[i] = True
                norm.append("")
        slow = np.flatnonzero(fallback).tolist()
        if slow:
            for i, v in zip(slow, normalize_many([texts[i] for i in slow], opts), strict=True):
                norm[i] = v
    else:
        norm = list(texts)
    # One buffer: every paragraph followed by a space, so words never run across paragraphs and the
    # space closes the last code point of each.
    enc = [t.encode("utf-8", "surrogatepass") for t in norm]
    nbytes = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    ends = np.cumsum(nbytes + 1) - 1  # the separating space after each paragraph
    starts = ends - nbytes
    raw = np.frombuffer(b"".join(e + b" " for e in enc), dtype=np.uint8)
    buf = np.concatenate((raw, np.zeros(3, np.uint8))).astype(np.uint32)
    para_of = np.repeat(np.arange(n, dtype=np.int64), nbytes + 1)  # paragraph of each byte
    # Code points (the separators count as code point starts: each closes its paragraph's last one).
    cp = np.flatnonzero((raw & 0xC0) != 0x80)
    cp_para = para_of[cp]
    first_cp = np.searchsorted(cp, starts)
    lengths = (np.searchsorted(cp, ends) - first_cp).astype(np.int64)  # code points per paragraph
    # Words: runs of non-space bytes.
    word = raw != 32
    edge = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    w_start = np.flatnonzero(edge == 1)
    w_end = np.flatnonzero(edge == -1)
    w_para = para_of[w_start] if w_start.size else np.zeros(0, np.int64)
    ntok = np.bincount(w_para, minlength=n).astype(np.int64)
    tokens = _murmur_spans(buf, w_start, w_end, TOKEN_SEED)
    # Shingles: code points (or words) t .. t + k - 1 of each paragraph, at least one per non-empty one.
    k = opts.size
    units = ntok if opts.kind == "word" else lengths
    nsh = np.where(units > 0, np.maximum(1, units - k + 1), 0)
    sh_para = np.repeat(np.arange(n, dtype=np.int64), nsh)
    t = np.arange(int(nsh.sum()), dtype=np.int64) - np.repeat(np.cumsum(nsh) - nsh, nsh)
    last = np.minimum(t + k, units[sh_para])
    if opts.kind == "word":
        w0 = np.cumsum(ntok) - ntok
        sh_start = w_start[w0[sh_para] + t]
        sh_end = w_end[w0[sh_para] + last - 1]
    else:
        sh_start = cp[first_cp[sh_para] + t]
        sh_end = cp[first_cp[sh_para] + last]
    del cp_para
    premixed = _fmix(_murmur_spans(buf, sh_start, sh_end, 0))
    # Distinct hashes per paragraph, sorted: one sort of (paragraph, hash) keys.
    keys = unique_sorted((sh_para.astype(np.uint64) << np.uint64(32)) | premixed.astype(np.uint64))
    hashes = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    sizes = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n).astype(np.uint32)
    hash_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=hash_offsets[1:])
    a, b = sch.permutations32()
    sig = np.full((n, sch.num_perm), 0xFFFFFFFF, dtype=np.uint32)
    for i in np.flatnonzero(sizes).tolist():
        h = hashes[hash_offsets[i]:hash_offsets[i + 1]]
        sig[i] = (h[:, None] * a[None, :] + b[None, :]).min(axis=0)
    hi = _murmur_spans(buf, starts, ends, _EXACT_SEED_HI).astype(np.uint64)
    lo = _murmur_spans(buf, starts, ends, _EXACT_SEED_LO).astype(np.uint64)
    token_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(ntok, out=token_offsets[1:])
    return SignatureBatch(sig, sizes, (hi << np.uint64(32)) | lo, lengths.astype(np.uint32), hashes, hash_offsets,
                          tokens, token_offsets, python_fallback=int(fallback.sum()) if normalize else 0)


def compute_signatures(
    normalized: Sequence[str],
    options: ShingleOptions | None = None,
    scheme: SignatureScheme | None = None,
) -> SignatureBatch:
    """MinHash signatures of already-normalized paragraphs (see :func:`sketch`).

    An empty paragraph gets an all-``0xFFFFFFFF`` signature (datasketch's empty MinHash) and size 0.
    """
    return sketch(normalized, options, scheme, normalized=True)
