"""Fault battery, text: cleaning is idempotent on the shapes a CLI fuzz found (runs of datelines,
"Posted By" lines changing the language verdict), and separators between words become spaces."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import Pipeline, clean
from newsclean.pipeline import replay

PIPELINES = {lang: Pipeline.default(lang=lang) for lang in ("id", "en", "auto")}

# Found by fuzzing (each broke `clean(clean(x)) == clean(x)` before the fix).
COUNTEREXAMPLES = [
    ("id", ["JAKARTA - "] * 5),  # prefix rules: one line per round, four rounds at most
    ("en", ["JAKARTA, KOMPAS.com - ", "JAKARTA, KOMPAS.com - :", *["JAKARTA, KOMPAS.com - "] * 4]),  # block window
    ("auto", ["Baca juga: ", "Posted By : Redaksi JAKARTA - Posted by admin on"]),  # language flips
    ("auto", ["JAKARTA, KOMPAS.com - Harga naik.Posted by admin on",
              "Posted by admin onJAKARTA, KOMPAS.com - Harga naik.", "JAKARTA, KOMPAS.com - ",
              "JAKARTA, KOMPAS.com - "]),
    # An echo of the head line went last: the two repeated lines before it now close the text as a pair
    # (id.repeated_title_pair), which the rules see only when they run again after the echoes.
    ("id", ["Posted by admin onA", "WASHINGTON (AP) — ", "WASHINGTON (AP) — ", "Posted by admin on:A"]),
    # ftfy decides per line: the mojibake is repaired only once the dateline with its dash is cut, so the
    # lines a rule edited take the text cleaners again.
    ("auto", ["CakapCakap – Cakap People! À¢"]),
    ("id", ["WASHINGTON (AP) — YXXaaa.abÃƒâ€˜â€˜"]),  # twice over: one more pass
]


@pytest.mark.parametrize(("lang", "lines"), COUNTEREXAMPLES)
def test_fuzz_counterexamples_are_idempotent(lang: str, lines: list[str]) -> None:
    p = PIPELINES[lang]
    text = "\n".join(lines)
    r = p.explain(text)
    assert p.clean(r.text) == r.text
    assert replay(text, r.changes) == r.text


HEADS = ["JAKARTA, KOMPAS.com - ", "JAKARTA - ", "Moskow – ", "WASHINGTON (AP) — ", "TOPMEDIA - ", "KOMPAS.com - ",
         "Posted By : admin", "Posted By : Redaksi JAKARTA - ", "Posted by admin on", "Baca juga: ", "Sumber : Antara",
         "(ara/ara)", "Jakarta", "-", "Advertisement", "Editor: Ani", "CakapCakap – Cakap People! "]
WORDS = st.one_of(st.text(alphabet="abcdefgh XYZ.,:-–!“”()/", max_size=40),
                  st.text(alphabet="JAKARTA, -–—:PostedBy ", max_size=30), st.text(max_size=20))
LINE = st.one_of(st.sampled_from(HEADS), WORDS, st.builds(str.__add__, st.sampled_from(HEADS), WORDS),
                 st.builds(lambda a, b, c: a + b + c, st.sampled_from(HEADS), st.sampled_from(HEADS), WORDS))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(LINE, max_size=8), st.sampled_from(sorted(PIPELINES)))
def test_cleaning_datelines_and_bylines_is_idempotent(lines: list[str], lang: str) -> None:
    p = PIPELINES[lang]
    once = p.clean("\n".join(lines))
    assert p.clean(once) == once


#: Text that is mojibake of itself (UTF-8 read as Windows-1252), once or twice over.
MOJIBAKE_CHARS = "éèüñç–—“”‘’…ˢ™ abcÀÃâ"
DASH_HEADS = ["JAKARTA, KOMPAS.com – ", "JAKARTA - ", "Moskow – ", "WASHINGTON (AP) — ", "TOPMEDIA - ", "CakapCakap – ",
              "Posted By : admin "]


def test_mojibake_after_a_cut_prefix_is_idempotent() -> None:
    """A rule's cut can change ftfy's verdict on the rest of the line (a dateline's dash weighs in its
    decision): cleaning the output changes nothing, and the changes replay. 3,000 generated lines (seeded):
    before the lines a rule edited took the text cleaners again, about 1 in 400 was not idempotent."""
    import random

    rnd = random.Random(1)
    bad = []
    for _ in range(3000):
        s = "".join(rnd.choice(MOJIBAKE_CHARS) for _ in range(rnd.randint(1, 8)))
        words = "".join(rnd.choice("abc XYZ.!") for _ in range(rnd.randint(0, 15)))
        text = rnd.choice(DASH_HEADS) + words + s.encode("utf-8").decode("windows-1252", errors="replace")
        p = PIPELINES[rnd.choice(sorted(PIPELINES))]
        r = p.explain(text)
        if p.clean(r.text) != r.text or replay(text, r.changes) != r.text:
            bad.append(text)
    assert bad == []


@pytest.mark.parametrize("sep", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"])
def test_separators_between_words_become_spaces(sep: str) -> None:
    text = f"Harga cabai di pasar naik tajam{sep}sejak awal pekan, kata{sep}pedagang."
    assert clean(text) == "Harga cabai di pasar naik tajam sejak awal pekan, kata pedagang."
    r = PIPELINES["id"].explain(text)
    assert replay(text, r.changes) == r.text and clean(r.text) == r.text
