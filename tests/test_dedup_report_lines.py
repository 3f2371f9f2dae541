"""``duplicates.jsonl`` from the compiled writer (:mod:`newsclean.dedup.report_lines`): the same bytes as
``cluster_lines`` joined and encoded as the command line wrote them before."""

from __future__ import annotations

import random

import pytest

from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs
from newsclean.run import TextSpill

# Characters a JSON string escapes or a writer may get wrong: quotes, backslashes, control characters
# (\t, \b, \f, \r and the \u00XX ones), DEL, non-ASCII, astral, a line separator, a lone surrogate.
ODD = ['"', "\\", "\t", "\x08", "\x0c", "\r", "\x01", "\x1f", "\x7f", "é", "ü", "😀", "\u2028", "\udc80",
       "\ud83d", "ſ", "“kutip”"]


def _corpus(n_docs: int, seed: int) -> list[tuple[str, str, str | None]]:
    rng = random.Random(seed)
    words = ("rusia ukraina nato moskow washington pembicaraan keamanan menteri luar negeri sanksi pasukan "
             "perbatasan jenewa brussels wina kremlin juru bicara mengatakan katanya imbuhnya").split()
    pool: list[list[str]] = []
    docs = []
    for d in range(n_docs):
        paras = []
        for _ in range(rng.randint(2, 6)):
            if pool and rng.random() < 0.5:
                w = list(rng.choice(pool))
                if rng.random() < 0.5:
                    w[rng.randrange(len(w))] = rng.choice(words)
                else:
                    w = w[: max(8, int(len(w) * rng.uniform(0.3, 0.9)))]
            else:
                w = [rng.choice(words) for _ in range(rng.randint(10, 40))]
                for _ in range(rng.randint(0, 3)):  # odd characters glued to words, as scraped text has them
                    k = rng.randrange(len(w))
                    w[k] = w[k] + rng.choice(ODD)
                pool.append(w)
            paras.append(" ".join(w))
        name = f'd{d}"{rng.choice(ODD)}' if d % 7 == 0 else f"d{d}"
        outlet = None if d % 3 == 0 else rng.choice(["kompas.com", 'out"let', "détik\\com"])
        docs.append((name, "\n".join(paras), outlet))
    return docs


def _run(docs: list[tuple[str, str, str | None]], config: DedupConfig) -> tuple[object, TextSpill, dict]:
    index = NearDuplicateIndex(config)
    spill = TextSpill()
    outlets = {}
    for name, body, outlet in docs:
        ps = paragraphs(body)
        index.add_document(name, ps, outlet=outlet)
        outlets[name] = outlet
        for line, text in ps:
            spill.add(name, line, text)
    return index.finish(), spill, outlets


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("batch", [1, 7, 1 << 16])
def test_compiled_report_equals_the_python_lines(monkeypatch: pytest.MonkeyPatch, seed: int, batch: int) -> None:
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "numba")
    res, spill, outlets = _run(_corpus(90, seed), DedupConfig())
    try:
        assert not res.python_path and res.n_clusters > 5
        lines = list(res.cluster_lines(spill.get_many, outlets.get, batch=batch))
        want = "".join(line + "\n" for line in lines).encode("utf-8", "backslashreplace")
        got = b"".join(res.cluster_chunks(spill, outlets.get, batch=batch))
        assert got == want
        # and without outlets
        want = "".join(line + "\n" for line in res.cluster_lines(spill.get_many)).encode("utf-8", "backslashreplace")
        assert b"".join(res.cluster_chunks(spill)) == want
    finally:
        spill.close()


def test_texts_the_spill_lacks_are_empty_and_python_path_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _corpus(60, 5)
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "numba")
    res, spill, outlets = _run(docs, DedupConfig())
    short = TextSpill()  # a spill that lost the texts of every third document
    for name, body, _ in docs[::3]:
        for line, text in paragraphs(body):
            short.add(name, line, text)
    try:
        want = "".join(line + "\n" for line in res.cluster_lines(short.get_many, outlets.get)).encode(
            "utf-8", "backslashreplace")
        assert b'"text": ""' in want
        assert b"".join(res.cluster_chunks(short, outlets.get)) == want
        monkeypatch.setenv("NEWSCLEAN_KERNELS", "python")
        res_py, spill_py, _ = _run(docs, DedupConfig())
        assert res_py.python_path
        full = "".join(line + "\n" for line in res.cluster_lines(spill.get_many, outlets.get)).encode(
            "utf-8", "backslashreplace")
        assert b"".join(res_py.cluster_chunks(spill_py, outlets.get, batch=3)) == full
        spill_py.close()
    finally:
        spill.close()
        short.close()


def test_spans_are_the_texts_get_many_gives() -> None:
    spill = TextSpill()
    rng = random.Random(4)
    texts = {}
    for d in range(50):
        for line in range(rng.randint(1, 5)):
            t = "".join(rng.choice(["kata ", "é", "😀", "\udc80", "x" * rng.randint(0, 900)]) for _ in range(4))
            spill.add(f"doc{d}", line * 2, t)
            texts[(f"doc{d}", line * 2)] = t
    keys = list(texts) + [("doc1", 1), ("nope", 0)]
    rng.shuffle(keys)
    ids = spill.spill_ids([d for d, _ in keys])
    data, start, length = spill.spans(ids, [ln for _, ln in keys])
    got = [None if s < 0 else data[s:s + n].tobytes().decode("utf-8", "surrogatepass")
           for s, n in zip(start.tolist(), length.tolist(), strict=True)]
    assert got == spill.get_many(keys)
    spill.close()
