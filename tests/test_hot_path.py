"""Shortcuts on the cleaning hot path give what the plain computation they stand for gives."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.pipeline import LANG_SAMPLE_CHARS, LANG_SAMPLE_LINES, MIN_SENTENCE_SPACES, lang_sample
from newsclean.positional import _SITE_SUFFIX_RE, _without_site

# Characters the site-suffix regex and the guard before it look at, and some others.
SUFFIX_ALPHABET = list(" \t|-\u2013\u2014.&'\u2019aZk9_\u00e9\u00a0")
SITE_LINES = (st.text(alphabet=st.sampled_from(SUFFIX_ALPHABET), max_size=40)
              | st.builds(lambda head, sep, site: head + sep + site,
                          st.sampled_from(["Harga Cabai Naik Lagi", "Kurs rupiah-dolar", "", "a\t"]),
                          st.sampled_from([" - ", " | ", " \u2013 ", "\t\u2014\t", "-", " -", "| ", "  -  "]),
                          st.sampled_from(["Example News", "Kompas.com", "news", "A B C D E", "CNN Indonesia "])))


@settings(max_examples=500, deadline=None)
@given(SITE_LINES)
def test_without_site_is_the_regex_sub(line: str) -> None:
    assert _without_site(line) == _SITE_SUFFIX_RE.sub("", line)


def _lang_sample_plain(lines: list[str | None]) -> list[str]:
    """The definition: the first kept lines, their sentence-like ones, up to the one that fills the sample."""
    alive = list(itertools.islice((line for line in lines if line and line.strip()), LANG_SAMPLE_LINES))
    sample = [line for line in alive if line.count(" ") >= MIN_SENTENCE_SPACES]
    size = -1
    for k, line in enumerate(sample):
        size += len(line) + 1
        if size >= LANG_SAMPLE_CHARS:
            return sample[:k + 1]
    return sample


SAMPLE_LINE = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t \u3000", "JAKARTA", "a b c d e f g h", "a b c d e f g",
                     "Harga cabai naik lagi di pasar induk pagi ini, kata pedagang."]),
    st.builds(lambda words, n: " ".join(["kata"] * words) * n, st.integers(0, 12), st.integers(1, 30)),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(SAMPLE_LINE, max_size=300))
def test_lang_sample_is_its_definition(lines: list[str | None]) -> None:
    assert lang_sample(lines) == _lang_sample_plain(lines)
