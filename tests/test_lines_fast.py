"""The rule engine's fast path (newsclean.lines_fast) makes exactly the reference engine's changes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("hyperscan")

from newsclean.catalog import default_catalog  # noqa: E402
from newsclean.document import split_lines  # noqa: E402
from newsclean.lines import CompiledRules  # noqa: E402
from newsclean.lines_fast import apply_fast  # noqa: E402
from newsclean.pipeline import DEFAULT_TEXT_CLEANERS, Pipeline, strip_stray_html  # noqa: E402

CATALOG = default_catalog()
SELECTIONS = {(lang, outlet): CompiledRules(CATALOG.select(lang, outlet))
              for lang in ("id", "en", None) for outlet in (None, "kompas.com", "detik.com", "liputan6.com")}
TEXT_ONLY = Pipeline(list(DEFAULT_TEXT_CLEANERS), pre=[strip_stray_html])

CONTENT = [
    "Harga cabai naik 5% di Pasar Minggu, kata Budi kepada wartawan.",
    "\u201cKami akan terus memantau situasi,\u201d ujar Kapolda pada Senin (12/3/2024).",
    "The minister said on Tuesday that talks would resume \u2014 but gave no date.",
    "Dilansir dari Antara, warga diminta tetap waspada.",
    "Tags", "Jakarta", "-", "", "   ", "Baca juga", "ADVERTISEMENT",
]
PIECES = sorted({x for r in CATALOG.rules for x in (*r.examples, *r.counter_examples)} | set(CONTENT))
NOISE = st.text(alphabet=st.sampled_from(list(" \t.,:;-\u2013\u2014()[]/|\"\u201c\u201d'\u2019?!#@*"
                                                "aAbBzZ09_\u00e9\u00a0\u2022\u0627")), max_size=5)


def _glue(piece: str, noise: str, where: int, upper: bool, other: str, join: bool) -> str:
    if upper:
        piece = piece.upper()
    k = where % (len(piece) + 1)
    piece = piece[:k] + noise + piece[k:]
    # Two pieces in one line: an inline promo glued to a sentence, a dateline before a promo.
    return piece + " " + other if join else piece


# What prefix rules cut from their examples: put before another piece, the cut exposes it to the
# other rules in a later round (a dateline before a promo line, an outlet name before a dateline).
PREFIXES = sorted({m.group(0) for r in CATALOG.rules if r.kind == "prefix" for x in r.examples
                   for m in (re.match(r.pattern, x, r.flags),) if m is not None and m.end() > 0})
LINE = (st.builds(_glue, st.sampled_from(PIECES), NOISE, st.integers(0, 400), st.booleans(),
                  st.sampled_from(PIECES), st.booleans())
        | st.sampled_from(PIECES)
        | st.builds(str.__add__, st.sampled_from(PREFIXES), st.sampled_from(PIECES))
        | st.builds(lambda a, b, c: a + b + c, st.sampled_from(PREFIXES), st.sampled_from(PREFIXES),
                    st.sampled_from(PIECES)))


def _both(rules: CompiledRules, lines: list[str | None]) -> None:
    fast_lines, ref_lines = list(lines), list(lines)
    fast = apply_fast(rules, fast_lines, "rules")
    if fast is None:  # the document takes the reference engine: nothing to compare
        assert fast_lines == lines
        return
    ref = rules.apply_reference(ref_lines)
    assert fast == ref, lines
    assert fast_lines == ref_lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=14), st.sampled_from(sorted(SELECTIONS, key=str)))
def test_fast_path_makes_the_reference_changes(lines: list[str], selection: tuple[str | None, str | None]) -> None:
    _both(SELECTIONS[selection], lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=14), st.sampled_from(sorted(SELECTIONS, key=str)),
       st.randoms(use_true_random=False))
def test_fast_path_on_the_same_lines_twice_in_a_row(lines: list[str], selection: tuple[str | None, str | None],
                                                    rnd) -> None:  # type: ignore[no-untyped-def]
    # Echo, repeat and block rules act on copies and neighbours: duplicate some lines.
    doubled = []
    for line in lines:
        doubled.append(line)
        if rnd.random() < 0.3:
            doubled.append(line)
    if doubled:
        doubled.append(doubled[0])
    _both(SELECTIONS[selection], doubled)


def test_fast_path_is_taken_and_agrees_on_generated_news() -> None:
    from benchmarks.generate import generate

    taken = 0
    for doc in generate(3000, seed=11):
        lines = split_lines(TEXT_ONLY.clean(doc["text"]))
        rules = SELECTIONS[("id", "liputan6.com" if "liputan6" in doc["outlet"] else None)]
        before = list(lines)
        fast = apply_fast(rules, lines, "rules")
        if fast is not None:
            taken += 1
            ref_lines = list(before)
            assert fast == rules.apply_reference(ref_lines)
            assert lines == ref_lines
    assert taken > 100


def test_fast_path_agrees_on_the_seeds(seed_texts: dict[str, str]) -> None:
    for text in seed_texts.values():
        lines = split_lines(TEXT_ONLY.clean(text))
        for rules in SELECTIONS.values():
            _both(rules, list(lines))


REAL = Path(os.environ.get("NEWSCLEAN_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"


@pytest.mark.skipif(not (REAL / "id_news_dev.jsonl").exists(), reason="dev corpus not present")
def test_fast_path_agrees_on_the_dev_corpora() -> None:
    for name, lang in (("id_news_dev.jsonl", "id"), ("en_news_dev.jsonl", "en"), ("hoax_dev.jsonl", "id")):
        with open(REAL / name, encoding="utf-8") as fh:
            for n, raw in enumerate(fh):
                if n >= 400:
                    break
                text = json.loads(raw).get("text") or ""
                _both(SELECTIONS[(lang, None)], split_lines(TEXT_ONLY.clean(text)))


def test_back_references_send_a_selection_to_the_reference_engine() -> None:
    from newsclean.catalog import Rule
    from newsclean.lines_fast import usable

    # In the reference's alternation a back-reference would point at another rule's group.
    echoing = Rule(id="x.twice", kind="line", lang="id", pattern=r"(\w+) \1", examples=("ha ha",))
    assert not usable(CompiledRules((*CATALOG.select("id", None), echoing)))
    # An escaped parenthesis before a group is not a conditional group.
    assert usable(CompiledRules(CATALOG.select("en", None)))
