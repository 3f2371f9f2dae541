"""Signatures: bit-identical to datasketch.MinHash; banding gives MinHashLSH's candidate sets."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from newsclean.dedup import DedupConfig, ShingleOptions, murmur3_32
from newsclean.dedup.candidates import candidate_pairs
from newsclean.dedup.shingles import normalize_many, shingles_of_normalized
from newsclean.dedup.signatures import SignatureScheme, compute_signatures

WORDS = ("rusia ukraina nato moskow washington pembicaraan keamanan menteri luar negeri sanksi pasukan "
         "perbatasan jenewa brussels wina kremlin juru bicara mengatakan katanya imbuhnya selasa kamis").split()


def synthetic_paragraphs(n: int, seed: int = 0) -> list[str]:
    """Random paragraphs plus edited copies (word swaps, truncation, added clause)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        base = [rng.choice(WORDS) for _ in range(rng.randint(8, 40))]
        out.append(" ".join(base) + ".")
        for _ in range(rng.randint(0, 3)):
            copy = list(base)
            op = rng.random()
            if op < 0.4:
                copy[rng.randrange(len(copy))] = rng.choice(WORDS)
            elif op < 0.7:
                copy = copy[: max(3, int(len(copy) * rng.uniform(0.5, 0.95)))]
            else:
                copy += ["kata", rng.choice(WORDS)]
            out.append(" ".join(copy) + rng.choice([".", ",", "!", ""]))
    return out[:n]


TEXTS = [
    "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina — “katanya”.",
    "",
    "a",
    "ab",
    "Ünïcödé テスト 😀 emoji text, ＦＵＬＬＷＩＤＴＨ",
    "satu dua tiga empat lima enam tujuh",
    "x" * 3000,
]


@pytest.mark.parametrize(
    "opts",
    [ShingleOptions(), ShingleOptions(kind="word", size=2), ShingleOptions(size=1),
     ShingleOptions(kind="word", size=5), ShingleOptions(size=7, strip_punctuation=False)],
)
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 42)])
def test_bit_identical_to_datasketch(opts: ShingleOptions, num_perm: int, seed: int) -> None:
    texts = TEXTS + synthetic_paragraphs(30, seed=seed)
    norm = normalize_many(texts, opts)
    batch = compute_signatures(norm, opts, SignatureScheme(num_perm=num_perm, seed=seed))
    for i, t in enumerate(norm):
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=murmur3_32)
        sh = shingles_of_normalized(t, opts)
        for s in sh:
            m.update(s.encode("utf-8"))
        assert m.hashvalues.dtype == batch.signatures.dtype
        assert np.array_equal(m.hashvalues, batch.signatures[i]), t
        assert batch.sizes[i] == len(sh)


def test_permutations_match_datasketch() -> None:
    a, b = SignatureScheme(num_perm=100, seed=7).permutations()
    ma, mb = MinHash(num_perm=100, seed=7).permutations
    assert np.array_equal(a, ma.astype(np.uint64)) and np.array_equal(b, mb.astype(np.uint64))


def test_murmur3_known_values() -> None:
    # Reference values of MurmurHash3_x86_32.
    assert murmur3_32(b"") == 0
    assert murmur3_32(b"", seed=1) == 0x514E28B7
    assert murmur3_32(b"hello") == 0x248BFA47
    assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723


def test_batch_boundaries_do_not_matter() -> None:
    texts = normalize_many(synthetic_paragraphs(200, seed=3))
    whole = compute_signatures(texts).signatures
    parts = np.concatenate([compute_signatures(texts[i : i + 7]).signatures for i in range(0, 200, 7)])
    assert np.array_equal(whole, parts)


@pytest.mark.parametrize("bits", [32, 16])
def test_banding_gives_minhashlsh_candidate_sets(bits: int) -> None:
    cfg = DedupConfig()
    bands, rows = cfg.lsh_params()
    texts = normalize_many(synthetic_paragraphs(400, seed=5))
    sig32 = compute_signatures(texts).signatures
    lsh = MinHashLSH(num_perm=cfg.num_perm, params=(bands, rows))
    for i in range(len(texts)):
        lsh.insert(i, MinHash(num_perm=cfg.num_perm, hashvalues=sig32[i], scheme="affine32"))
    expected = set()
    for i in range(len(texts)):
        for j in lsh.query(MinHash(num_perm=cfg.num_perm, hashvalues=sig32[i], scheme="affine32")):
            if i < j:
                expected.add((i, j))
    sig = sig32 if bits == 32 else (sig32 & 0xFFFF).astype(np.uint16)
    left, right = candidate_pairs(sig, np.arange(len(texts), dtype=np.int64), bands, rows)
    assert expected  # the synthetic copies do produce candidates
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == expected
