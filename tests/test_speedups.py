"""The compiled kernels (newsclean._speedups) give what their pure-Python definitions give."""

from __future__ import annotations

import json
import math
import os
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import lang, linemodel, templates, text
from newsclean.catalog import default_catalog
from newsclean.document import Document, split_lines
from newsclean.pipeline import Pipeline
from newsclean.speedups import load

native = load()
needs_native = pytest.mark.skipif(native is None, reason="newsclean._speedups is not built here")
#: The line model's kernels: missing from a module built before them (then linemodel takes the Python path).
needs_miner_kernel = pytest.mark.skipif(
    templates._NATIVE is None,
    reason="newsclean._speedups is not built here, or built before the template miner's kernel")
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
    monkeypatch.setattr(linemodel, "_ROWS", None)
    monkeypatch.setitem(linemodel.default_line_model().__dict__, "_native_cache", None)
    monkeypatch.setattr(templates, "_line_miner", lambda options: None)


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


# The template miner's lines: words that make a line a prompt, a date, a number, a link or a handle, sentence ends
# and boundaries of closing sentences, quotes, letters that lower beyond ASCII (Kelvin sign, dotted capital I,
# sigma), line breaks of every kind, a surrogate; lines long enough to be paragraphs.
MINER_TOKENS = [
    "Ikuti", "berita", "you", "YOU", "Anda", "klik", "di", "Google", "News", "Jan", "MEI", "jum'at", "(Senin)", "12",
    "18:05", "3.5", "1,000", "2/3", "www.", "WWW.", "x.com/a", "@kompas", "(@x)", "a post shared by", "Foto:", " ",
    "  ", "\t", ".", ". ", "! ", "? ", ".)", "?)", "katanya.", "Dapatkan", '"', "\u201c", "\u201d", "'", "(", "[",
    ",", ";", ":", "\u212a", "\u0130", "\u03a3", "\u00e9", "\u00c9", "\u2014", "\ud800", "_", "\n", "\r\n", "\r",
    "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028", "\u00a0", "\u3000", "\u2018", "\u2019", "\u00ab", "\u201e",
    "\u0663", "\u00b2", "\u2160", "\u00ba", "\u00e9t\u00e9", "caf\u00e9 you", "\u201cJan\u201d", "\u00c9t\u00e9 Anda",
    "Harga naik pada Senin dan Selasa di pasar induk kota itu, kata pedagang kepada wartawan",
    "The minister said on Tuesday that the talks would resume but gave no date"]
MINER_TEXT = st.lists(st.sampled_from(MINER_TOKENS), max_size=60).map("".join) | st.text(max_size=120)
MINER_OPTIONS = [templates.DEFAULT_OPTIONS,
                 templates.TemplateOptions(min_chars=1, max_chars=40, story_line_chars=20, max_sentence_words=2)]


def _miner_state(m: templates.TemplateMiner) -> tuple[Any, ...]:
    return (m._sites, m._doc_site, [list(a) for a in m._long], m._pairs_doc, m._pairs_key,
            list(m._example.items()), m._segment_keys)


def _mine_both(docs: list[tuple[str, str, str | None]], options: templates.TemplateOptions) -> None:
    compiled, python = templates.TemplateMiner(options), templates.TemplateMiner(options)
    python._native_cache = None
    assert compiled._native is not None
    for site, s, title in docs:
        outcomes = []
        for m in (compiled, python):
            try:
                m.add(site, s, title)
                outcomes.append(None)
            except Exception as e:  # noqa: BLE001 - a surrogate cannot be encoded: both must fail alike
                outcomes.append(repr(e))
        assert outcomes[0] == outcomes[1]
    assert _miner_state(compiled) == _miner_state(python)
    results = []
    for m in (compiled, python):
        try:
            results.append(m.results())
        except Exception as e:  # noqa: BLE001 - a document that failed half-counted (both alike)
            results.append(repr(e))
    assert results[0] == results[1]


@needs_miner_kernel
@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a.com", "b.com"]), MINER_TEXT, st.none() | MINER_TEXT), max_size=4),
       st.sampled_from(MINER_OPTIONS))
def test_line_miner_counts_what_the_python_loop_counts(docs: list[tuple[str, str, str | None]],
                                                       options: templates.TemplateOptions) -> None:
    _mine_both(docs, options)


@needs_miner_kernel
@pytest.mark.parametrize("third", ["c", "\u00e9", "\u0446"])  # ASCII, Latin-1, beyond (each str kind)
def test_line_miner_three_word_chars_within_sixty(third: str) -> None:
    # is_candidate's "three letters or digits among the first 60 characters": the kernel's one pass over a short
    # line counts them up to the 60th character, not one further (a line of them at 59 and at 60, and quotes
    # after the 60th, which still count).
    rows = []
    for pad in (56, 57, 58):
        line = "-" * pad + "ab" + third
        rows.append(("a.com", f"{line}\n{line} \u201c\n{line} x", None))
    counted = templates.TemplateMiner()
    for row in rows:
        counted.add(*row)
    assert len(counted._example) == 4  # pads 56 and 57 (the bare line and the one with " x"); 58: none
    _mine_both(rows, templates.DEFAULT_OPTIONS)


@needs_miner_kernel
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_line_miner_on_the_dev_corpora() -> None:
    from newsclean.io import doc_from_record

    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            docs = [doc_from_record(json.loads(line), default_id="x") for line in fh]
        rows = [(templates.site_of(d), d.text, templates._title(d)) for d in docs]
        for options in MINER_OPTIONS:
            _mine_both(rows, options)


@needs_miner_kernel
def test_line_miner_hashes_as_zlib() -> None:
    line = "Ikuti berita terkini 12 Jan 2025 di Google News"
    m = templates.TemplateMiner()
    seen: set[int] = set()
    example: dict[int, str] = {}
    packed = m._native("x" * 210 + "\n" + line, None, seen, example, m._judge)  # type: ignore[misc]
    assert array("Q", packed) == array("Q", [templates._story_hash("x" * 210)])
    # the story hashes sorted without repeats, an extra one (the title's) among them
    two = "y" * 90 + "\n" + "x" * 210 + "\n" + "y" * 90
    packed = m._native(two, None, set(), {}, m._judge, 5)  # type: ignore[misc]
    assert list(array("Q", packed)) == sorted({5, templates._story_hash("x" * 210), templates._story_hash("y" * 90)})
    without = m._native(two, None, set(), {}, m._judge)  # type: ignore[misc]
    assert m._native(two, None, set(), {}, m._judge, None) == without  # type: ignore[misc]
    h = templates.key_hash(templates.template_key(line))
    assert seen == {h} and example == {h: line}


# Templates of every kind of first word (plain, a date word, a number, a handle, a link, beyond ASCII) and a
# closing sentence, learned from one site's articles; lines around them for the cleaner's choice of lines.
# (The line before one in lowercase would be a fragment: the link's comes first.)
TEMPLATE_LINES = ["www.contoh.com Berita Terkini Hari", "Redaksi Contoh Edisi Pagi", "(Jan) Update Harian Contoh",
                  "12 Komentar Pembaca Contoh", "\u00c9disi Khusus Contoh Pagi", "Baca juga: Kabar Contoh Lainnya",
                  "@contoh Ikuti Kami Sekarang"]
PROMO = "Klik Contoh Plus untuk cerita lengkap lainnya."
STORY_WORDS = "pemerintah warga harga pasar kota desa polisi sekolah jalan banjir panen petani rumah menteri".split()


def _story(k: int) -> list[str]:
    import random

    rng = random.Random(k)
    return [" ".join(rng.choice(STORY_WORDS) for _ in range(14)).capitalize() + ", kata pejabat setempat."
            for _ in range(3)]


def _learned() -> templates.Templates:
    docs = [Document("\n".join([*TEMPLATE_LINES, *_story(k)[:-1], _story(k)[-1] + " " + PROMO]), id=str(k),
                     metadata={"outlet": "contoh.com"}) for k in range(20)]
    return templates.learn_templates(docs)


LEARNED = _learned()
CLEANER_PIECES = [*TEMPLATE_LINES, *_story(500), _story(501)[0] + " " + PROMO, "redaksi contoh edisi pagi",
                  "Redaksi", "  Redaksi Contoh Edisi Pagi  ", "(Feb) Update Harian Contoh", "7 Komentar Pembaca Contoh",
                  "WWW.contoh.com Berita Terkini Hari", "Redaksi Contoh Edisi Pagi.", "\u212aedaksi Contoh", "", "  ",
                  "18:05 Komentar Pembaca Contoh", "1.000,5 Komentar Pembaca Contoh", "3. Komentar Pembaca Contoh",
                  "12a Komentar Pembaca Contoh", "Jan. Update Harian Contoh", "(12) Komentar Pembaca Contoh",
                  *(_story(502)[1] + end for end in (".Klik Contoh Plus untuk cerita lengkap lainnya.",
                                                     "! Klik Contoh Plus untuk cerita lengkap lainnya.", "!\tKLIK",
                                                     "? klik", ". Klikan", ". \u0130 Klik", " Klik", ".Klik\u00a0x",
                                                     ". \u212alik Contoh Plus untuk cerita lengkap lainnya."))]
CLEANER_LINE = (st.sampled_from(CLEANER_PIECES)
                | st.builds(lambda a, noise: noise + a, st.sampled_from(CLEANER_PIECES),
                            st.text(alphabet=st.sampled_from(EDGES), max_size=4))
                | st.text(alphabet=st.sampled_from(EDGES), max_size=20))


@needs_miner_kernel
def test_the_cleaner_s_templates_are_of_every_kind() -> None:
    kinds = {(r["kind"], r["text"]) for r in LEARNED.to_json()}
    assert {("line", x) for x in TEMPLATE_LINES} | {("segment", PROMO)} <= kinds
    lines: list[str | None] = [*TEMPLATE_LINES, *_story(500), _story(501)[0] + " " + PROMO]
    changes = templates.TemplateCleaner(LEARNED).run(lines, Document("", id="d", metadata={"outlet": "contoh.com"}))
    assert len(changes) == len(TEMPLATE_LINES) + 1


@needs_miner_kernel
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.none() | CLEANER_LINE, max_size=12), st.sampled_from(["contoh.com", "lain.com"]))
def test_template_cleaner_gives_the_same_with_and_without_the_kernel(monkeypatch: pytest.MonkeyPatch,
                                                                    lines: list[str | None], site: str) -> None:
    doc = Document("\n".join(x or "" for x in lines), id="d", metadata={"outlet": site})
    cleaner = templates.TemplateCleaner(LEARNED)
    compiled = list(lines)
    changes = cleaner.run(compiled, doc)
    with monkeypatch.context() as m:
        m.setattr(templates, "_line_miner", lambda options: None)
        fallback = list(lines)
        assert cleaner.run(fallback, doc) == changes
    assert fallback == compiled


@needs_miner_kernel
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_template_cleaner_on_the_dev_corpora(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsclean.io import doc_from_record

    segments = 0
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            docs = [doc_from_record(json.loads(line), default_id="x") for line in fh]
        cleaner = templates.TemplateCleaner(templates.learn_templates(docs))
        assert cleaner.templates.heads[0]
        segments += len(cleaner.templates.heads[1])
        compiled = [(lines, cleaner.run(lines, d)) for d in docs for lines in [list(split_lines(d.text))]]
        with monkeypatch.context() as m:
            m.setattr(templates, "_line_miner", lambda options: None)
            fallback = [(lines, cleaner.run(lines, d)) for d in docs for lines in [list(split_lines(d.text))]]
        assert fallback == compiled
    assert segments  # (en_news_dev has closing-sentence templates)


@needs_miner_kernel
@settings(max_examples=3000, deadline=None)
@given(MINER_TEXT)
def test_line_key_is_key_hash_of_template_key(s: str) -> None:
    native = templates._line_miner(templates.DEFAULT_OPTIONS)
    h = native.key(s)
    try:
        want = templates.key_hash(templates.template_key(s))
    except UnicodeEncodeError:  # a surrogate: never keyed by the kernel, and line_key raises as key_hash does
        assert h is None
        with pytest.raises(UnicodeEncodeError):
            templates.line_key(s)
        return
    assert h is None or h == want
    assert templates.line_key(s) == want
    if s.isascii() and not any(c in s for c in "@/") and "www." not in s.lower():
        assert h is not None  # (the kernel answers for such lines)


# The line model's feature rows: words of every cue family and date words in any case, numbers, times and
# durations ("12:05", "1:23:45)"), links, handles, separators, quotes, ellipses, decimal digits beyond ASCII
# (Arabic-Indic three) and digits that are not decimal (superscript two, Roman one), letters that lower beyond
# ASCII or to ASCII (Kelvin sign, dotted capital I, sigma, capital e acute), whitespace str.split() splits at
# (\x1c, \x85, U+3000), apostrophes and hyphens at word edges, a surrogate.
ROW_TOKENS = [
    "Harga", "naik", "di", "Jakarta", "THE", "The", "share", "SHARE", "Bagikan", "ikuti", "baca", "juga", "foto",
    "Oleh", "loading", "you", "Anda", "Mei", "JAN", "senin", "jum'at", "sign-in", "e-mail", "a.m", "p.m.", "12",
    "12:05", "1:23:45", "3.5", "1,000", "(3:05)", "http://x.com/a", "WWW.X.ORG", "kompas.co.id", "x.id/", ".net",
    "@kompas", "(@x)", "|", "\u2022", "\u00b7", "\u00bb", "\u203a", '"', "\u201c", "\u201d", "\u00ab", "'", "\u2019",
    "\u2018", "(", ")", ",", ".", "...", ". . .", "\u00a0.", "\u2026", ":", "!", "?", "-", "--", "_", "\u0663",
    "\u00b2", "\u2160", "\u212a", "\u0130", "\u03a3", "\u00e9", "\u00c9", "\u00e9t\u00e9", "\ud800", " ", " ",
    " ", "  ", "\t", "\x1c", "\x85", "\u3000", "\u00a0"]
ROW_LINE = (st.lists(st.sampled_from(ROW_TOKENS), min_size=1, max_size=40).map("".join)
            | st.text(alphabet=st.sampled_from(EDGES + [".", " ", ":", "1"]), min_size=1, max_size=60)
            | st.text(min_size=1, max_size=60))


def _row_py(s: str) -> tuple[list[float], list[float], set[str]]:
    wset = set(linemodel._words(s))
    return (*linemodel._row_py(s, wset), wset)


def _bits(row: list[float]) -> list[str]:
    return [x.hex() for x in row]


@pytest.mark.skipif(linemodel._ROWS is None, reason="newsclean._speedups is not built here, or built before the row "
                    "builder")
@settings(max_examples=5000, deadline=None)
@given(ROW_LINE)
def test_line_shape_is_the_python_row(s: str) -> None:
    s = s.strip()
    if not s:
        return
    native = linemodel._ROWS
    got = native.line_shape(s, linemodel._WORD_BITS, linemodel._LOG1P, len(linemodel._CUE_SETS))
    words = native.line_words(s)
    # (the kernel answers for a line whose lowercase is per character, without a surrogate, of a length the
    # model scores)
    per_char = all(ord(c) < 128 or (c.lower() == c and not 0xD800 <= ord(c) <= 0xDFFF) for c in s)
    assert (got is not None) == (per_char and len(s) <= linemodel.MAX_CHARS)
    assert (words is not None) == per_char
    if words is not None:
        assert words == set(linemodel._words(s))
    if got is None:
        return
    shape, cues, wset = got
    want = _row_py(s)
    # Bit for bit: the trees compare these floats with their thresholds.
    assert (_bits(shape), _bits(cues), wset) == (_bits(want[0]), _bits(want[1]), want[2])
    assert all(type(x) is float for x in (*shape, *cues))


@pytest.mark.skipif(linemodel._ROWS is None, reason="newsclean._speedups is not built here, or built before the row "
                    "builder")
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.none() | ROW_LINE, min_size=1, max_size=14), st.none() | ROW_LINE)
def test_feature_rows_are_the_same_without_the_row_builder(monkeypatch: pytest.MonkeyPatch,
                                                           lines: list[str | None], title: str | None) -> None:
    doc = Document("\n".join(x or "" for x in lines), id="d", metadata={"title": title} if title else {})
    # Every line that is not blank scored (the rows, not the choice of lines, are under test).
    scored = [i for i, x in enumerate(lines) if x and not x.isspace()]
    if not scored:
        return
    try:
        compiled = linemodel.feature_rows(lines, doc, LEARNED, scored=scored, lang="id")
    except UnicodeEncodeError:
        compiled = None
    with monkeypatch.context() as m:
        m.setattr(linemodel, "_ROWS", None)
        try:
            fallback = linemodel.feature_rows(lines, doc, LEARNED, scored=scored, lang="id")
        except UnicodeEncodeError:
            fallback = None
    if compiled is None or fallback is None:
        assert compiled is fallback  # (a surrogate: the Python path raises in either case)
        return
    assert compiled[0] == fallback[0]
    assert [_bits(r) for r in compiled[1]] == [_bits(r) for r in fallback[1]]


def test_word_bits_are_the_cue_and_date_sets() -> None:
    for w, bits in linemodel._WORD_BITS.items():
        assert bool(bits & 1) == (w in templates.DATE_WORDS)
        for k, cue in enumerate(linemodel._CUE_SETS):
            assert bool(bits >> (k + 1) & 1) == (w in cue)
    assert set(linemodel._WORD_BITS) == templates.DATE_WORDS.union(*linemodel._CUE_SETS)
    assert tuple(math.log1p(k) for k in range(linemodel.MAX_CHARS + 1)) == linemodel._LOG1P


@pytest.mark.skipif(linemodel._ROWS is None, reason="newsclean._speedups is not built here, or built before the row "
                    "builder")
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_line_shape_on_the_dev_corpora() -> None:
    native = linemodel._ROWS
    built = 0
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            for line in fh:
                for x in split_lines(json.loads(line).get("text") or ""):
                    s = x.strip()
                    if not s or s.count(" ") < linemodel.MIN_WORDS - 1:
                        continue
                    got = native.line_shape(s, linemodel._WORD_BITS, linemodel._LOG1P, len(linemodel._CUE_SETS))
                    if got is not None:
                        built += 1
                        want = _row_py(s)
                        assert (_bits(got[0]), _bits(got[1]), got[2]) == (_bits(want[0]), _bits(want[1]), want[2])
    assert built > 10_000


# Lines around is_scored's last tests: a post's attribution ("(@handle)" of 1 to 30 characters, then ")"; "A post
# shared by" in any case, a long s or a dotted capital I in it), lengths around MAX_CHARS, Unicode whitespace
# between words and at the end.
SCORED_TOKENS = ["Harga", "naik", "A", "a", "post", "POST", "po\u017ft", "shared", "by", "byline", "(@x)", "(@a.b_c)",
                 "(@" + "x" * 30 + ")", "(@" + "x" * 31 + ")", "(@)", "(@x", "@x)", "\u0130", "\u00e9", " ", " ", " ",
                 "\u3000", "\x1c", "\u00a0", "\t", ".", "...", ". . .", ":", "\u2019", "x" * 150]
SCORED_STARTS = ["", "A post shared by ", "a POST shared BY ", "A po\u017ft shared by ", "A post shared byline ",
                 " A post shared by ", "\u00c0 post shared by ", "Apost "]
SCORED_LINE = (st.lists(st.sampled_from(SCORED_TOKENS), min_size=1, max_size=24).map("".join)
               | st.builds(lambda start, words, sep, end: start + sep.join(words) + end, st.sampled_from(SCORED_STARTS),
                           st.lists(st.sampled_from(SCORED_TOKENS), min_size=1, max_size=12),
                           st.sampled_from([" ", "  ", "\u00a0", "\u3000"]), st.sampled_from(["", " ", ".", "\u3000"])))


@needs_model_kernels
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.none() | SCORED_LINE | MODEL_LINE, max_size=8))
def test_scored_lines_is_is_scored(lines: list[str | None]) -> None:
    if not linemodel._SCORED_LINES:
        pytest.skip("newsclean._speedups built before scored_lines")
    got = linemodel._NATIVE.scored_lines(lines, linemodel.MIN_WORDS - 1, linemodel.MAX_CHARS,  # type: ignore[union-attr]
                                         linemodel.MIN_WORDS)
    for i in got:
        line = lines[i if i >= 0 else ~i]
        assert line
        if i >= 0:
            assert linemodel.is_scored(line)
        else:
            assert line[0] in "aA" or not line[0].isascii()
    decided = {i if i >= 0 else ~i for i in got}
    assert {i for i, x in enumerate(lines) if x and linemodel.is_scored(x)} <= decided
    assert linemodel._scored(lines) == linemodel._scored_py(lines)
