"""A small line model: a boilerplate score for each line the rules left, from its shape and position.

What the rule catalog does not know by name -- a credit line, a widget's leftover, a teaser headline --
still looks like boilerplate: short, title-cased or without a verb, no sentence punctuation, next to other
boilerplate, near the top or the end, repeated across the corpus, with words such as "share", "foto",
"ikuti" or "loading". The model scores each kept line from such features (:data:`FEATURES`, computed by
:func:`doc_features`) with a few hundred small regression trees (gradient boosting on the logistic loss),
shipped as JSON in the package (``newsclean/models/linemodel.json``, under 1 MB; CPU, no download,
deterministic). Cleaning sums the trees row by row in the compiled kernel (``newsclean._speedups.TreeSum``),
else walks them in plain Python, the same floats (a document has a few lines to score, and a run that only
cleans does not pay for importing numpy); numpy scores many rows at once for training and evaluation.
``python -m benchmarks.train_linemodel`` regenerates it from the hand labels in ``eval/labels`` and weak
labels from the rules (see README).

:class:`LineModelCleaner` runs after the rules (and corpus templates) and drops a line whose score
reaches the model's threshold, with rule id ``linemodel`` and the score in the explain step. It only looks
at lines no rule touched: where the rules are silent.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .document import Change, Document
from .lang import detect_lang
from .speedups import load
from .templates import DATE_WORDS, Templates, is_post_attribution, line_key, site_of

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FEATURES", "LineModel", "LineModelCleaner", "default_line_model", "doc_features", "feature_rows"]

#: Cue words by family, English and Indonesian (lowercase, whole words). Each family is one feature: how
#: many of its words the line has.
CUES: dict[str, frozenset[str]] = {
    "social": frozenset(
        "share shares shared bagikan bagikan facebook twitter whatsapp telegram instagram tiktok youtube line "
        "linkedin pinterest reddit email e-mail copy link tautan salin url print cetak tweet retweet".split()),
    "follow": frozenset(
        "follow ikuti subscribe subscribed subscription langganan berlangganan newsletter newsletters sign signup "
        "daftar register join gabung bergabung channel saluran notifications notifikasi app apps aplikasi "
        "download unduh install playstore appstore google news alert alerts inbox".split()),
    "related": frozenset(
        "baca read also juga terkait related lainnya more selengkapnya video videos watch tonton simak lihat "
        "recommended rekomendasi popular populer terpopuler trending terbaru latest next berikutnya sebelumnya "
        "previous stories artikel berita headlines playlist".split()),
    "credit": frozenset(
        "foto photo photos image images gambar ilustrasi credit kredit sumber source getty reuters ap afp antara "
        "dok dokumentasi istimewa shutterstock file via pool epa xinhua anadolu courtesy".split()),
    "byline": frozenset(
        "by oleh penulis editor reporter pewarta posted published updated diperbarui dipublikasikan diterbitkan "
        "wib wita wit am pm a.m p.m et gmt utc min mins ago lalu jam menit writer correspondent staff".split()),
    "widget": frozenset(
        "loading memuat login masuk sign-in signin log komentar comment comments comentarios cuaca weather "
        "lokasi location klik click tap scroll iklan advertisement ads cookie cookies privacy kebijakan "
        "javascript browser enable aktifkan izinkan allow permission captcha search cari menu close tutup".split()),
    "reader": frozenset("you your kamu anda yuk ayo kalian mu".split()),
}

_SHAPE = ("len_log", "words", "upper_share", "digit_share", "punct_share", "title_share", "mean_word",
          "first_upper", "first_lower", "first_punct", "end_sentence", "end_colon", "end_alnum",
          "end_ellipsis", "end_duration", "has_url", "has_handle", "separators", "has_time", "date_words",
          "quotes", "commas", "parens", "all_caps")
_POSITION = ("rank", "rank_from_end", "alive", "rel_pos", "sim_first", "sim_title", "is_first")
# Features look at kept lines only, never at where dropped lines were: cleaning the output again then
# meets the same features, and finds nothing more to drop (cleaning stays idempotent).
_NEIGHBOURS = ("prev_len_log", "next_len_log", "prev_sentence", "next_sentence", "next_lower", "short_run")
_CORPUS = ("site_share", "sites_log", "stories_log")
#: The document's language (as the rules choose theirs): boilerplate shapes differ between languages.
LANGS = ("en", "id")
#: The model's inputs, in order.
FEATURES: tuple[str, ...] = (_SHAPE + _POSITION + _NEIGHBOURS + _CORPUS + tuple(f"cue_{k}" for k in CUES)
                             + tuple(f"lang_{x}" for x in LANGS))

#: Lines longer than this are never scored (paragraphs of reporting; boilerplate lines are shorter).
MAX_CHARS = 400
#: Documents of fewer kept lines are left alone: too little around a line to judge it by.
MIN_LINES = 3
#: Lines of fewer words are not scored. Measured leave-outlet-out on the dev labels (README): short lines are
#: subheadings as often as labels, and the model told them apart no better than chance (English, threshold
#: 0.5: 25 boilerplate tokens for 45 of content under 7 words, 250 for 21 from 7 words up); the rules name
#: the short labels that are boilerplate.
MIN_WORDS = 7
#: Word overlap with the document's title above which a line counts as the headline.
TITLE_LIKE = 0.6
#: Nor are lines that end like a sentence or an introduction: every line the model took on held-out outlets
#: was a headline, a video title or a label (no sentence end); promo sentences are the rules' and the
#: templates'. This also keeps the model's cost low: most lines of a text are paragraphs.
_SKIP_ENDINGS = tuple('.!?:;"“”’)')
#: ... but a line cut short by an ellipsis ("... as he met Russian . . .", "... Putin summit amid Russian...") is
#: not a sentence that ends: it is how teasers of other stories end (and the model judges it, with the
#: ``end_ellipsis`` feature).
_CUT_SHORT_RE = re.compile(r"(?:\.[ \t\u00a0]?){2}\.$")


_BEFORE_LAST_DOT = frozenset(". \t\u00a0")


def _cut_short(line: str) -> bool:
    # Most lines end "word.": the character before the last dot rules an ellipsis out without a regex.
    return len(line) > 2 and line[-2] in _BEFORE_LAST_DOT and _CUT_SHORT_RE.search(line, len(line) - 8) is not None


def _ends_like_sentence(line: str) -> bool:
    return line.endswith(_SKIP_ENDINGS) and not _cut_short(line)


def is_scored(line: str) -> bool:
    """Whether the model looks at a (kept) line at all: a headline-like line of :data:`MIN_WORDS` words or
    more, at most :data:`MAX_CHARS` characters, that is not an embedded post's attribution.

    >>> is_scored("Trump blames Obama for allowing Russian annexation of Crimea")
    True
    >>> is_scored("Polisi menangkap tiga tersangka di Bekasi pada Senin malam.")
    False
    """
    # Cheapest tests first: most lines are paragraphs that end like a sentence (trailing spaces cannot hide
    # a sentence end, nor add words).
    if line.count(" ") < MIN_WORDS - 1 or _ends_like_sentence(line):
        return False
    s = line.rstrip()
    return (len(s) <= MAX_CHARS and not _ends_like_sentence(s) and len(s.split()) >= MIN_WORDS
            and not is_post_attribution(s))

_ASCII = bytes(range(128))
_NOT_UPPER = bytes(c for c in range(256) if not 65 <= c <= 90)
_NOT_LETTER = bytes(c for c in range(256) if not (65 <= c <= 90 or 97 <= c <= 122))
_NOT_DIGIT = bytes(c for c in range(256) if not 48 <= c <= 57)
_PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_NOT_PUNCT = bytes(c for c in range(256) if c not in _PUNCT)
_WORD_RE = re.compile(r"[\w'’.-]+")
_TIME_RE = re.compile(r"\d{1,2}[:.]\d{2}")
_DURATION_END_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\)?$")
#: (spelled out in :func:`_shape`: links, separators, quotes)
_URL_HINTS = ("http", "www.", ".com", ".co.id", ".id/", ".org", ".net")
_SEPARATORS = "|•·»›"
_QUOTES = "\"“”«»"
_SENTENCE_END = ".!?\"”’)"


def _words(s: str) -> list[str]:
    return [w.strip(".-'’") for w in _WORD_RE.findall(s.lower())]


def _word_set(s: str) -> set[str]:
    """``set(_words(s))``: by the compiled kernel when it can tell (a line whose lowercase is per character)."""
    native = _ROWS
    if native is not None:
        got = native.line_words(s)
        if got is not None:
            return got  # type: ignore[no-any-return]
    return set(_words(s))


def _shape(s: str) -> list[float]:
    n = len(s)
    b = s.encode("utf-8")
    letters = len(b.translate(None, _NOT_LETTER))
    upper = len(b.translate(None, _NOT_UPPER))
    digits = len(b.translate(None, _NOT_DIGIT))
    punct = len(b.translate(None, _NOT_PUNCT))
    toks = s.split()
    nw = len(toks)
    title = len([t for t in toks if t[0].isupper()])
    first, last = s[0], s[-1]
    low = s.lower()
    return [
        math.log1p(n), float(nw), upper / letters if letters else 0.0, digits / n, punct / n,
        title / nw if nw else 0.0, n / nw if nw else 0.0,
        float(first.isupper()), float(first.islower()), float(not first.isalnum()),
        float(last in _SENTENCE_END), float(last == ":"), float(last.isalnum()),
        float(s.endswith("…") or _cut_short(s)),
        float(_DURATION_END_RE.search(s) is not None),
        float("http" in low or "www." in low or ".com" in low or ".co.id" in low or ".id/" in low or ".org" in low
              or ".net" in low), float("@" in s),
        float(s.count("|") + s.count("•") + s.count("·") + s.count("»") + s.count("›")),
        float(_TIME_RE.search(s) is not None), 0.0,
        float(s.count('"') + s.count("“") + s.count("”") + s.count("«") + s.count("»")), float(s.count(",")),
        float("(" in s),
        float(letters > 3 and upper == letters),
    ]


_I_DATE = _SHAPE.index("date_words")
_CUE_SETS = tuple(CUES.values())
#: Each cue or date word and the features it counts in: bit 0 ``date_words``, bit 1 + k cue family k (the
#: compiled row builder looks every distinct word of a line up once).
_WORD_BITS: dict[str, int] = {}
for _w in DATE_WORDS:
    _WORD_BITS[_w] = 1
for _k, _cue in enumerate(_CUE_SETS):
    for _w in _cue:
        _WORD_BITS[_w] = _WORD_BITS.get(_w, 0) | 2 << _k
#: math.log1p of every length a scored line may have (the compiled row builder reads them: the same floats).
_LOG1P = tuple(math.log1p(k) for k in range(MAX_CHARS + 1))


def _row_py(s: str, wset: set[str]) -> tuple[list[float], list[float]]:
    """The shape features of a stripped line (``date_words`` filled in) and its cue counts, from its word set
    (the definition of the compiled ``line_shape``)."""
    f = _shape(s)
    f[_I_DATE] = float(len(wset & DATE_WORDS))
    return f, [float(len(wset & cue)) for cue in _CUE_SETS]


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


#: Lines with fewer spaces than this do not count for the language guess (as for the rules).
MIN_SENTENCE_SPACES = 7


def _scored_py(lines: Sequence[str | None]) -> list[int]:
    """The kept lines :func:`is_scored` holds for (the definition, and the path without the kernels)."""
    # Its cheapest tests inline first: most lines are paragraphs that end like a sentence.
    return [i for i, line in enumerate(lines) if line and line.count(" ") >= MIN_WORDS - 1
            and (not line.endswith(_SKIP_ENDINGS) or _cut_short(line))
            and is_scored(line)]


_NATIVE = load()
#: The line model's kernels are newer than the module's first ones: a module built before them (an editable
#: install not built again) has none, and the Python definitions answer.
if _NATIVE is not None and not (hasattr(_NATIVE, "scored_candidates") and hasattr(_NATIVE, "TreeSum")):
    _NATIVE = None
#: The row builder (``line_shape``, ``line_words``) and ``scored_lines``, newer still.
_ROWS = _NATIVE if _NATIVE is not None and hasattr(_NATIVE, "line_shape") else None
_SCORED_LINES = _NATIVE is not None and hasattr(_NATIVE, "scored_lines")


def _scored(lines: Sequence[str | None]) -> list[int]:
    """The kept lines :func:`is_scored` holds for: the compiled kernel decides (``scored_lines``), but for the
    lines that may start as a post's attribution, which :func:`is_scored` decides (a module built before that
    kernel picks candidates, ``scored_candidates``, and :func:`is_scored` decides for each)."""
    native = _NATIVE
    if native is not None and type(lines) is list:
        if _SCORED_LINES:
            # The kernel decides, but for lines that may be a post's attribution ("A post shared by ...") or are
            # not str, which it hands back as -1 - i.
            return [i if i >= 0 else ~i for i in native.scored_lines(lines, MIN_WORDS - 1, MAX_CHARS, MIN_WORDS)
                    if i >= 0 or (lines[~i] and is_scored(lines[~i]))]  # type: ignore[arg-type]
        return [i for i in native.scored_candidates(lines, MIN_WORDS - 1) if lines[i] and is_scored(lines[i])]  # type: ignore[arg-type]
    return _scored_py(lines)


def doc_lang(lines: Sequence[str | None], doc: Document) -> str | None:
    """The document's language: its ``lang`` metadata, else a stopword guess on its sentence-like lines."""
    meta = doc.lang
    if meta:
        return str(meta).lower().split("-")[0].split("_")[0]
    sample = [line for line in lines[:60] if line and line.count(" ") >= MIN_SENTENCE_SPACES]
    return detect_lang(" ".join(sample))


def doc_features(lines: Sequence[str | None], doc: Document, templates: Templates | None = None,
                 skip: frozenset[int] = frozenset(), lang: str | None | bool = False,
                 scored: Sequence[int] | None = None) -> tuple[list[int], np.ndarray]:
    """:func:`feature_rows` as a numpy matrix (for training and evaluation)."""
    import numpy as np

    idx, rows = feature_rows(lines, doc, templates, skip, lang, scored)
    return idx, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def feature_rows(lines: Sequence[str | None], doc: Document, templates: Templates | None = None,
                 skip: frozenset[int] = frozenset(), lang: str | None | bool = False,
                 scored: Sequence[int] | None = None) -> tuple[list[int], list[list[float]]]:
    """The lines the model scores (indexes into ``lines``: kept lines for which :func:`is_scored` holds, not in
    ``skip``) and their feature rows (``len(FEATURES)`` values each). ``None`` in ``lines`` marks a
    line an earlier step dropped. ``lang``: the document's language if already known (else it is guessed);
    ``scored``: the lines :func:`is_scored` holds for, if already known."""
    idx, rows, _ = _feature_rows(lines, doc, templates, skip, lang, scored)
    return idx, rows


def _feature_rows(lines: Sequence[str | None], doc: Document, templates: Templates | None,
                  skip: frozenset[int], lang: str | None | bool,
                  scored: Sequence[int] | None) -> tuple[list[int], list[list[float]], int]:
    """:func:`feature_rows`, and how many lines are kept (not dropped, not blank)."""
    # (``not line.isspace()`` is ``line.strip() != ""`` for a line that is not empty.)
    alive = [i for i, line in enumerate(lines) if line and not line.isspace()]
    n_alive = len(alive)
    if scored is None:
        scored = _scored(lines)
    # The first kept line is the headline (or a label the rules know), never the model's to take.
    idx = [i for i in scored if i not in skip and i != alive[0]]
    if not idx:
        return [], [], n_alive
    strip: dict[int, str] = {i: lines[i].strip() for i in idx}  # type: ignore[union-attr]
    # Each line's shape features and cue counts with its word set, by the compiled row builder when it can
    # tell (see _row_py), else its words now and the rest for the lines left after the title test.
    native = _ROWS
    built: dict[int, tuple[list[float] | None, list[float] | None, set[str]]] = {}
    for i, s in strip.items():
        got = native.line_shape(s, _WORD_BITS, _LOG1P, len(_CUE_SETS)) if native is not None else None
        built[i] = got if got is not None else (None, None, set(_words(s)))
    first_words = _word_set(lines[alive[0]].strip())  # type: ignore[union-attr]
    title = doc.title if isinstance(doc.title, str) else None
    title_words = _word_set(title) if title else set()
    if title_words:
        # Nor is the headline where the text repeats it after a label: a copy of the title is the headline
        # or an echo of it, which HeadlineEchoes judges by position.
        idx = [i for i in idx if _jaccard(built[i][2], title_words) < TITLE_LIKE]
        if not idx:
            return [], [], n_alive
    site = site_of(doc) if templates is not None else ""
    if lang is False:
        lang = doc_lang(lines, doc)
    lang_row = [float(lang == x) for x in LANGS]
    # The kept lines' stripped lengths, by rank, as the neighbour features ask for them.
    lens: dict[int, int] = {}

    def stripped_len(k: int) -> int:
        m = lens.get(k)
        if m is None:
            m = lens[k] = len(lines[alive[k]].strip())  # type: ignore[union-attr]
        return m

    rows = []
    for i in idx:
        s = strip[i]
        r = bisect_left(alive, i)  # the line's rank among the kept lines
        f, cue_row, wset = built[i]
        if f is None or cue_row is None:
            f, cue_row = _row_py(s, wset)
        prev_s = lines[alive[r - 1]].strip() if r > 0 else ""  # type: ignore[union-attr]
        next_s = lines[alive[r + 1]].strip() if r + 1 < n_alive else ""  # type: ignore[union-attr]
        run = 0
        if len(s) < 60:
            run = 1
            k = r - 1
            while k >= 0 and stripped_len(k) < 60:
                run += 1
                k -= 1
            k = r + 1
            while k < n_alive and stripped_len(k) < 60:
                run += 1
                k += 1
        f += [
            float(min(r, 30)), float(min(n_alive - 1 - r, 30)), float(min(n_alive, 100)),
            r / (n_alive - 1) if n_alive > 1 else 0.0,
            _jaccard(wset, first_words) if r > 0 else 0.0,
            _jaccard(wset, title_words) if title_words else -1.0, float(r == 0),
            math.log1p(len(prev_s)), math.log1p(len(next_s)),
            float(bool(prev_s) and prev_s[-1] in _SENTENCE_END), float(bool(next_s) and next_s[-1] in _SENTENCE_END),
            float(bool(next_s) and next_s[0].islower()), float(min(run, 10)),
        ]
        if templates is not None:
            share, sites, stories = templates.repetition(line_key(s), site)
            f += [share, math.log1p(sites), math.log1p(stories)]
        else:
            f += [0.0, 0.0, 0.0]
        f += cue_row
        f += lang_row
        rows.append(f)
    return idx, rows, n_alive


def _nested(a: Any) -> list[list[Any]]:
    """A matrix (numpy array or nested sequences) as lists of Python numbers."""
    return a.tolist() if hasattr(a, "tolist") else [list(row) for row in a]


@dataclass(frozen=True)
class LineModel:
    """Boosted regression trees of a fixed depth, stored as flat tables: tree ``t``'s internal node ``k``
    (breadth first, root 0) sends a row right when ``x[feature[t][k]] > threshold[t][k]``; its leaves
    hold ``value[t]``. score = sigmoid(base + sum of the leaves reached). The tables may be numpy arrays
    (as training makes them) or nested lists (as loaded from JSON)."""

    feature: Any  # (trees, 2**depth - 1) int
    threshold: Any  # (trees, 2**depth - 1) float
    value: Any  # (trees, 2**depth) float
    base: float
    threshold_drop: float
    features: tuple[str, ...] = FEATURES
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    #: Thresholds per language (the document's, as for the rules); ``threshold_drop`` for the others.
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return len(self.value[0]).bit_length() - 1

    @property
    def trees(self) -> int:
        return len(self.value)

    def score(self, x: Any) -> Any:
        """Probability of boilerplate for each row of ``x``: a list of floats for a list of rows (walked in
        Python), a numpy vector for a numpy matrix."""
        if not hasattr(x, "shape"):
            return self.score_rows(x)
        import numpy as np

        if len(x) <= 3:
            # A line or two: walking the trees in Python costs less than numpy's set-up for so few rows.
            return np.array(self.score_rows(x.tolist()), dtype=np.float64)
        feature, threshold, value = (np.asarray(self.feature, dtype=np.intp),
                                     np.asarray(self.threshold, dtype=np.float64),
                                     np.asarray(self.value, dtype=np.float64))
        trees, inner = feature.shape
        # Every node's test at once (rows x trees x nodes), then the path down each tree.
        go = (x[:, feature.ravel()] > threshold.ravel()).reshape(len(x), trees, inner)
        node = np.zeros((len(x), trees), dtype=np.intp)
        for _ in range(self.depth):
            node = 2 * node + 1 + np.take_along_axis(go, node[:, :, None], axis=2)[:, :, 0]
        leaf = node - inner
        z = self.base + value[np.arange(trees), leaf].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-z))

    def score_rows(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Probability of boilerplate for each row: the trees summed by the compiled kernel when it is there
        (:attr:`_native`), else walked in plain Python (the same floats)."""
        native = self._native
        margin = self._margin
        walk = margin if margin is not None else self._walk
        out = []
        for row in rows:
            z = native(row) if native is not None and type(row) is list else None
            if z is None:
                z = walk(row)
            out.append(1.0 / (1.0 + math.exp(-z)))
        return out

    def _walk(self, row: Sequence[float]) -> float:
        """base + the leaves ``row`` reaches, added in tree order (the definition of the sums)."""
        z = self.base
        if self.depth == 3:  # the shipped shape, unrolled
            for f, t, v in self._tables:
                k = 2 if row[f[0]] > t[0] else 1
                k = 2 * k + (2 if row[f[k]] > t[k] else 1)
                k = 2 * k + (2 if row[f[k]] > t[k] else 1)
                z += v[k - 7]
        else:
            depth = self.depth
            for f, t, v in self._tables:
                k = 0
                for _ in range(depth):
                    k = 2 * k + (2 if row[f[k]] > t[k] else 1)
                z += v[k - len(f)]
        return z

    def __getstate__(self) -> dict[str, Any]:
        # The caches are rebuilt where the model is used (the compiled scorer does not pickle).
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_cache")}

    @property
    def _margin(self) -> Any:
        """The trees as one Python expression (nested conditionals, the leaves as literals), compiled: a
        function of a row giving base + the leaves reached, summed in tree order as :meth:`score_rows`'s loop
        does (the same floats). ``None`` when some number has no literal (inf, nan)."""
        cached = self.__dict__.get("_margin_cache", False)
        if cached is False:
            cached = None
            tables = self._tables
            numbers = [self.base] + [x for _, t, v in tables for x in (*t, *v)]
            if all(math.isfinite(x) for x in numbers):
                depth = self.depth

                def node(f: list[int], t: list[float], v: list[float], k: int, level: int) -> str:
                    if level == depth:
                        return repr(v[k - len(f)])
                    return (f"({node(f, t, v, 2 * k + 2, level + 1)} if row[{f[k]}] > {t[k]!r} "
                            f"else {node(f, t, v, 2 * k + 1, level + 1)})")

                expr = " + ".join([repr(self.base)] + [node(f, t, v, 0, 0) for f, t, v in tables])
                code = compile(f"lambda row: {expr}", "<newsclean.linemodel>", "eval")
                cached = eval(code, {"__builtins__": {}})  # noqa: S307 - our own expression of numbers
            object.__setattr__(self, "_margin_cache", cached)
        return cached

    @property
    def _native(self) -> Any:
        """The trees in the compiled kernel (``newsclean._speedups.TreeSum``: :meth:`_walk`'s sums, the same
        floats), or ``None`` without it."""
        cached = self.__dict__.get("_native_cache", False)
        if cached is False:
            cached = None
            if _NATIVE is not None:
                tables = self._tables
                cached = _NATIVE.TreeSum([f for f, _, _ in tables], [t for _, t, _ in tables],
                                         [v for _, _, v in tables], self.base)
            object.__setattr__(self, "_native_cache", cached)
        return cached

    @property
    def _tables(self) -> list[tuple[list[int], list[float], list[float]]]:
        tables = self.__dict__.get("_tables_cache")
        if tables is None:
            tables = list(zip([[int(v) for v in r] for r in _nested(self.feature)],
                              [[float(v) for v in r] for r in _nested(self.threshold)],
                              [[float(v) for v in r] for r in _nested(self.value)]))
            object.__setattr__(self, "_tables_cache", tables)
        return tables

    def threshold_for(self, lang: str | None) -> float:
        return self.thresholds.get(lang or "", self.threshold_drop)

    def to_json(self) -> dict[str, Any]:
        return {"format": "newsclean.linemodel/1", "features": list(self.features), "depth": self.depth,
                "base": self.base, "threshold": self.threshold_drop,
                "thresholds": dict(sorted(self.thresholds.items())),
                "feature": [[int(v) for v in row] for row in _nested(self.feature)],
                "split": [[float(v) for v in row] for row in _nested(self.threshold)],
                "value": [[round(float(v), 6) for v in row] for row in _nested(self.value)], "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineModel:
        if data.get("format") != "newsclean.linemodel/1":
            raise ValueError(f"not a newsclean line model: format {data.get('format')!r}")
        feats = tuple(data["features"])
        if feats != FEATURES:
            raise ValueError("the line model was trained on other features than this version computes")
        return cls([[int(v) for v in r] for r in data["feature"]], [[float(v) for v in r] for r in data["split"]],
                   [[float(v) for v in r] for r in data["value"]], float(data["base"]), float(data["threshold"]),
                   feats, meta=dict(data.get("meta", {})),
                   thresholds={str(k): float(v) for k, v in data.get("thresholds", {}).items()})


@lru_cache(maxsize=1)
def default_line_model() -> LineModel:
    """The model shipped in the package."""
    text = (resources.files("newsclean") / "models" / "linemodel.json").read_text(encoding="utf-8")
    return LineModel.from_json(json.loads(text))


LINE_MODEL_CLEANER = "linemodel"
#: A sentence that introduces a list ("The following areas are under wind signals:"): at least this long, ending in
#: a colon. The lines right after it that end no sentence are its items, never scored: the model reads a list item
#: ("Signal No. 2: the rest of Eastern Samar, ...") as furniture, and one dropped item changes the next one's features.
MIN_INTRO_CHARS = 25
MAX_INTRODUCED_ITEMS = 15


def _introduced_items(lines: Sequence[str | None]) -> set[int]:
    """The indexes of the kept lines that follow a list's introduction (:data:`MIN_INTRO_CHARS`), up to the first line
    that ends like a sentence (included: a list's last item often does) or :data:`MAX_INTRODUCED_ITEMS` lines.

    >>> sorted(_introduced_items(["Rain fell.", "The following areas are under wind signals:", "Signal No. 3: Samar",
    ...                           None, "Signal No. 2: Leyte", "Officials said schools would close."]))
    [2, 4, 5]
    """
    out: set[int] = set()
    n = len(lines)
    for i, line in enumerate(lines):
        s = (line or "").rstrip()
        if not s.endswith(":") or len(s) < MIN_INTRO_CHARS:
            continue
        taken = 0
        j = i + 1
        while j < n and taken < MAX_INTRODUCED_ITEMS:
            item = (lines[j] or "").rstrip()
            if item:
                out.add(j)
                taken += 1
                if item.endswith((".", "!", "?")):
                    break
            j += 1
    return out


#: Cleaners that repair text (their changes do not count as a rule having spoken about a line).
TEXT_STEPS = frozenset({"fix_unicode", "remove_invisible", "normalize_spaces", "strip_line", "strip_stray_html"})


@dataclass
class LineModelCleaner:
    """Drop the kept lines the model scores at or above its threshold (put it after the rules).
    ``templates`` (corpus counts) feed the repetition features; without them those read 0."""

    model: LineModel = field(default_factory=default_line_model)
    templates: Templates | None = None
    threshold: float | None = None
    #: Steps to run again on what is left after the model dropped lines (the rules and templates): a
    #: positional rule ("the last three lines") may now reach a line, and cleaning must stay idempotent.
    recheck: Sequence[Any] = ()
    name: str = LINE_MODEL_CLEANER
    #: The pipeline hands this cleaner the changes made so far: lines a rule cut are not scored.
    sees_changes = True

    def run(self, lines: list[str | None], doc: Document, changes: Sequence[Change] = ()) -> list[Change]:
        scored = _scored(lines)
        if not scored:
            return []  # most documents: nothing to score, nothing to compute
        listed = _introduced_items(lines)
        if listed:
            scored = [i for i in scored if i not in listed]
            if not scored:
                return []
        touched = {c.line for c in changes if c.action == "replace" and c.cleaner not in TEXT_STEPS}
        last = getattr(self.recheck[0], "last_lang", None) if self.recheck else None
        lang = last[1] if last is not None and last[0] is doc else doc_lang(lines, doc)
        cut = self.model.threshold_for(lang) if self.threshold is None else self.threshold
        out: list[Change] = []
        # Dropping a line changes its neighbours' features: score again until nothing more goes, so that
        # the output is a fixed point (see _NEIGHBOURS). Most documents need one round.
        while True:
            idx, x, n_alive = _feature_rows(lines, doc, self.templates, frozenset(touched), lang,
                                            [i for i in scored if lines[i] is not None])
            if len(idx) < MIN_LINES and n_alive < MIN_LINES:
                return out
            now = []
            for i, s in zip(idx, self.model.score_rows(x)):
                if s >= cut:
                    line = lines[i]
                    assert line is not None
                    now.append(Change("drop_line", self.name, LINE_MODEL_CLEANER, i, 0, len(line), line, "",
                                      score=round(s, 4)))
            if not now:
                return out
            for c in now:
                lines[c.line] = None
            out.extend(now)
            for step in self.recheck:
                more = step.run(lines, doc)
                touched.update(c.line for c in more if c.action == "replace")
                out.extend(more)
