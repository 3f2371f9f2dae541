from __future__ import annotations

import json
import os
import random
from pathlib import Path

import ftfy
import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.text import (
    _RISKY_RE,
    NEWS_FTFY_CONFIG,
    _risky_chars,
    fix_unicode,
    normalize_spaces,
    remove_invisible,
    strip_line,
)


def ftfy_ref(text: str) -> str:
    return ftfy.fix_text(text, NEWS_FTFY_CONFIG)


def test_mojibake_entities_and_controls_are_repaired() -> None:
    assert fix_unicode("â€œHaloâ€\x9d") == "“Halo”"
    assert fix_unicode("Tom &amp; Jerry &ldquo;x&rdquo;") == "Tom & Jerry “x”"
    assert fix_unicode("a\x00b\x1b[31mc") == "abc"
    assert fix_unicode("Cafe\u0301") == "Café"


def test_curly_quotes_and_own_letters_are_kept() -> None:
    text = "“Kami bersatu,” kata Sullivan — ‘ya’… ｶﾀｶﾅ"
    assert fix_unicode(text) == text


# Characters that occur in real news, mojibake and their neighbours: a dense alphabet for search.
ALPHABET = (
    "aeiouAEZ 019.,;:!?'\"-&#<>/\n\t\r"
    "“”‘’‚„–—―…•·«»¿¡\u00a0\u202f\u200b\u00ad\ufeff"
    "ÂÃÎÐØÙàâéèêëíóúñçüöäß€™œŒšŠžŸ¢£¥°±²³µ¹¼½¾×÷"
    "ВГРСвЂβΒΓ√≈ā¦¤¨¬¯¸ƒˆˇ˘˛˜†‡‰◊\ufffdªº"
    "\x80\x81\x8d\x9d\x85\u2028\u2029\ud800\udc00ﬁﬂｱ"
    "اَلْمُ한국어中文"
)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_fast_path_equals_ftfy_on_random_text(text: str) -> None:
    assert fix_unicode(text) == ftfy_ref(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_fast_path_equals_ftfy_on_arbitrary_unicode(text: str) -> None:
    assert fix_unicode(text) == ftfy_ref(text)


def test_fast_path_equals_ftfy_on_mojibake_of_real_sentences(seed_texts: dict[str, str]) -> None:
    rnd = random.Random(7)
    for text in seed_texts.values():
        assert fix_unicode(text) == ftfy_ref(text)
        for line in text.split("\n")[:8]:
            for enc in ("cp1252", "latin-1", "macroman", "cp437"):
                try:
                    broken = line.encode("utf-8").decode(enc)
                except UnicodeDecodeError:
                    continue
                cut = rnd.randrange(len(broken) + 1)
                for sample in (broken, broken[:cut], line + " " + broken):
                    assert fix_unicode(sample) == ftfy_ref(sample)


REAL = Path(os.environ.get("NEWSCLEAN_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"


@pytest.mark.skipif(not (REAL / "id_news_dev.jsonl").exists(), reason="dev corpus not present")
def test_fast_path_equals_ftfy_on_real_corpora() -> None:
    for name in ("id_news_dev.jsonl", "en_news_dev.jsonl", "hoax_dev.jsonl"):
        with open(REAL / name, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if n >= 1500:
                    break
                text = json.loads(line).get("text") or ""
                assert fix_unicode(text) == ftfy_ref(text)


def test_risky_set_leaves_no_short_string_that_ftfy_would_flag() -> None:
    # The proof in _risky_chars relies on every badness alternative needing a risky character:
    # check it exhaustively on all strings of up to three characters over the non-risky
    # characters ftfy's categories know, plus representatives of ASCII.
    from ftfy.badness import MOJIBAKE_CATEGORIES

    risky = set(_risky_chars())
    known = {ch for spec in MOJIBAKE_CATEGORIES.values() for ch in spec} | set("–—…\u00a0")
    alpha = sorted(ch for ch in known if ch not in risky and ch != "-") + list("aZ .,1")
    import itertools

    for n in (1, 2, 3):
        for chars in itertools.product(alpha, repeat=n):
            s = "".join(chars)
            assert not is_bad(s), repr(s)
            assert _RISKY_RE.search(s) is None


def test_other_text_cleaners() -> None:
    assert remove_invisible("a\u200bb\u00adc\ufeff") == "abc"
    assert remove_invisible("emoji\u200d👍") == "emoji\u200d👍"  # joiners are kept
    assert normalize_spaces("a\u00a0\u00a0b\tc  d") == "a b c d"
    assert strip_line("  a  \n b ") == "a\nb"


@given(st.text())
def test_text_cleaners_never_raise_and_keep_line_count(text: str) -> None:
    for f in (fix_unicode, remove_invisible, normalize_spaces, strip_line):
        out = f(text)
        assert isinstance(out, str)
    assert normalize_spaces(text).count("\n") == text.count("\n")
    assert remove_invisible(text).count("\n") == text.count("\n")
