"""The compiled kernels (newsclean._speedups) give what their pure-Python definitions give."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import lang, linemodel, text
from newsclean.catalog import default_catalog
from newsclean.document import Document, split_lines
from newsclean.pipeline import Pipeline
from newsclean.speedups import load

native = load()
needs_native = pytest.mark.skipif(native is None, reason="newsclean._speedups is not built here")
#: The line model's kernels: missing from a module built before them (then linemodel takes the Python path).
needs_model_kernels = pytest.mark.skipif(
    linemodel._NATIVE is None, reason="newsclean._speedups is not built here, or built before the line model's kernels")

CORPUS = Path(os.environ.get("NEWSCLEAN_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"

# Characters around the edges of both kernels: every kind of whitespace and line break, letters that
# lower to ASCII (Kelvin sign, dotted capital I) or to two characters, sigma, entity parts, the
# cleaners' triggers (soft hyphen, no-break space, C1 controls, mojibake letters), a surrogate.
EDGES = list("yang dan di THE The oF Yang kita \u212aita \u0130ni \u03a3\u03c3 &#;amp 0x \t\n\r\x0b\x0c\x1c\x1f\x85"
             "\u00a0\u2028\u2029\u3000\u200b\u00ad\u00e9e\u0301\u00c3\u00a9\u2019\u201c\u20ac\x80\x9d\ud800")
texts = st.text(alphabet=st.sampled_from(EDGES), max_size=80) | st.text(max_size=80)


@needs_native
@settings(max_examples=2000, deadline=None)
@given(texts, st.integers(-5, 90))
def test_word_counter_is_counts_py(s: str, max_chars: int) -> None:
    assert lang._COUNTER(s, max_chars) == lang._counts_py(s[:max(max_chars, 0)])  # type: ignore[misc]
    assert lang._counts(s, max_chars) == lang._counts_py(s[:max_chars])


def test_lower_case_never_shortens_a_character() -> None:
    # The counter skips words longer than the longest stopword before lowering them.
    assert all(len(chr(c).lower()) >= 1 for c in range(0x110000))


@needs_native
@settings(max_examples=2000, deadline=None)
@given(texts)
def test_cleaner_lines_is_trigger_lines_py(s: str) -> None:
    assert native.cleaner_lines(s, text._BITMAP) == text._trigger_lines_py(s)  # type: ignore[union-attr]


@needs_native
def test_bitmap_is_the_cleaners_class() -> None:
    bits = text._BITMAP
    assert bits is not None
    for c in range(0x110000):
        inside = c < 0x10000 and bool(bits[c >> 3] >> (c & 7) & 1)
        assert inside == (text._ANY_CLEANER_RE.fullmatch(chr(c)) is not None), hex(c)


@needs_native
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_kernels_on_the_dev_corpora() -> None:
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line).get("text") or ""
                assert native.cleaner_lines(t, text._BITMAP) == text._trigger_lines_py(t)  # type: ignore[union-attr]
                assert lang._COUNTER(t, 1000) == lang._counts_py(t[:1000])  # type: ignore[misc]


# Whole documents: catalog examples (boilerplate of every kind), sentences in each language, edge
# characters and the cleaners' triggers glued into lines, so that every step sees what the kernels decide.
PIECES = sorted({x for r in default_catalog().rules for x in (*r.examples, *r.counter_examples)} | {
    "Harga cabai naik 5% di Pasar Minggu, kata Budi kepada wartawan yang datang.",
    "The minister said on Tuesday that the talks would resume but gave no date for them.",
    "Dilansir dari Antara, warga diminta tetap waspada dan tidak panik.",
    "Baca juga", "ADVERTISEMENT", "Jakarta", "", "   "})
LINE = (st.sampled_from(PIECES)
        | st.builds(lambda a, noise, b: a + noise + b, st.sampled_from(PIECES),
                    st.text(alphabet=st.sampled_from(EDGES), max_size=6), st.sampled_from(PIECES))
        | st.text(alphabet=st.sampled_from(EDGES), max_size=30))
DOC = st.builds("\n".join, st.lists(LINE, min_size=1, max_size=16))
PIPELINE = Pipeline.default()


def _without_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path of a machine where newsclean._speedups was not built (what NEWSCLEAN_SPEEDUPS=0 gives)."""
    monkeypatch.setattr(lang, "_COUNTER", None)
    monkeypatch.setattr(text, "_BITMAP", None)
    monkeypatch.setattr(linemodel, "_NATIVE", None)
    monkeypatch.setitem(linemodel.default_line_model().__dict__, "_native_cache", None)


# Lines around the edges of the line model's first tests: endings that are and are not a sentence's, an
# ellipsis cut short ("...", ". . .", a no-break space), spaces around the seventh word, blank lines.
ENDS = [".", "!", "?", ":", ";", '"', "\u201c", "\u201d", "\u2019", ")", "...", ". . .", " .", "\u00a0.", "\t.",
        "..", "a.", "…", "", " ", "\n", "x", "5", "»"]
MODEL_LINE = (st.builds(lambda n, word, end: " ".join([word] * n) + end, st.integers(0, 10),
                        st.sampled_from(["Harga", "naik", "a", "\u0130ni", "\u00e9t\u00e9", "(@x)", "   "]),
                        st.sampled_from(ENDS))
              | st.text(alphabet=st.sampled_from(EDGES + [".", " ", "?"]), max_size=40))
MODEL_LINES = st.lists(st.none() | MODEL_LINE, max_size=12)


@needs_model_kernels
@settings(max_examples=2000, deadline=None)
@given(MODEL_LINES)
def test_scored_candidates_hold_every_scored_line(lines: list[str | None]) -> None:
    candidates = linemodel._NATIVE.scored_candidates(lines, linemodel.MIN_WORDS - 1)  # type: ignore[union-attr]
    scored = linemodel._scored_py(lines)
    assert set(scored) <= set(candidates)
    assert linemodel._scored(lines) == scored


@needs_model_kernels
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_scored_lines_on_the_dev_corpora() -> None:
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            for line in fh:
                lines: list[str | None] = list(split_lines(json.loads(line).get("text") or ""))
                assert linemodel._scored(lines) == linemodel._scored_py(lines)


FLOATS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.5, 30.0, math.inf, -math.inf, math.nan]) | st.floats()


@needs_model_kernels
@settings(max_examples=500, deadline=None)
@given(st.lists(FLOATS, min_size=len(linemodel.FEATURES), max_size=len(linemodel.FEATURES)))
def test_tree_sum_is_the_walk_of_the_shipped_trees(row: list[float]) -> None:
    model = linemodel.default_line_model()
    got, want = model._native(row), model._walk(row)
    assert got == want or (math.isnan(got) and math.isnan(want))


@needs_model_kernels
@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.randoms(use_true_random=False))
def test_tree_sum_is_the_walk_of_any_trees(depth: int, trees: int, rnd: Any) -> None:
    width = 5
    inner, leaves = 2 ** depth - 1, 2 ** depth
    feature = [[rnd.randrange(width) for _ in range(inner)] for _ in range(trees)]
    split = [[rnd.choice([rnd.uniform(-2, 2), math.inf]) for _ in range(inner)] for _ in range(trees)]
    value = [[rnd.uniform(-1, 1) for _ in range(leaves)] for _ in range(trees)]
    model = linemodel.LineModel(feature, split, value, rnd.uniform(-1, 1), 0.5)
    for _ in range(20):
        row = [rnd.choice([rnd.uniform(-3, 3), 0.0, 1.0]) for _ in range(width)]
        assert model._native(row) == model._walk(row)
    assert model._native([1, 2, 3, 4, 5]) is None  # not floats: the caller walks the trees itself
    assert model.score_rows([[1, 2, 3, 4, 5]]) == [1.0 / (1.0 + math.exp(-model._walk([1, 2, 3, 4, 5])))]


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(DOC, st.sampled_from([None, "kompas.com", "detik.com"]), st.sampled_from([None, "id", "en"]))
def test_pipeline_gives_the_same_with_and_without_kernels(monkeypatch: pytest.MonkeyPatch, s: str,
                                                          outlet: str | None, code: str | None) -> None:
    meta = {k: v for k, v in (("outlet", outlet), ("lang", code)) if v}
    doc = Document(s, id="d", metadata=meta)
    compiled = PIPELINE.explain(doc)
    with monkeypatch.context() as m:
        _without_kernels(m)
        fallback = PIPELINE.explain(doc)
    assert fallback.text == compiled.text
    assert fallback.changes == compiled.changes


def test_fallback_is_taken_without_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # NEWSCLEAN_SPEEDUPS=0 (or no built module): no kernel is loaded, and the Python definitions answer.
    monkeypatch.setenv("NEWSCLEAN_SPEEDUPS", "0")
    assert load() is None
    _without_kernels(monkeypatch)
    assert text.lines_to_clean("Harga  naik.\nOK\nHarga &amp; kualitas\nJa\u200bkarta \nb") == [0, 2, 3]
    assert lang.detect_lang("yang dan di sini itu ke") == "id"
