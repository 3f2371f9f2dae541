"""The Hyperscan prefilter never changes what the rule engine does: it may report lines no rule
matches, never miss one that a rule matches."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("hyperscan")

from newsclean.catalog import default_catalog, rules_by_kind  # noqa: E402
from newsclean.lines import CompiledRules  # noqa: E402
from newsclean.prefilter import (  # noqa: E402
    _ASCII_LOOKALIKES,
    LINE_KINDS,
    RulePrefilter,
    eligible,
    has_lookalike,
    to_hyperscan,
)

CATALOG = default_catalog()
#: The four characters beyond ASCII that Python takes for an ASCII letter.
LOOKALIKE_RE = re.compile("[" + "".join(map(chr, _ASCII_LOOKALIKES)) + "]")
RULES = tuple(CATALOG.rules)
BY_KIND = rules_by_kind(RULES)
PREFILTER = RulePrefilter(BY_KIND)
FILTERED = [r for kind in (*LINE_KINDS, "inline") for r in BY_KIND[kind]]

CONTENT = [
    "Harga cabai naik 5% di Pasar Minggu, kata Budi kepada wartawan.",
    "\u201cKami akan terus memantau situasi,\u201d ujar Kapolda pada Senin (12/3/2024).",
    "The minister said on Tuesday that talks would resume \u2014 but gave no date.",
    "Dilansir dari Antara, warga diminta tetap waspada.",
    "Tags",
    "Jakarta",
    "-",
]
# Pieces the strategies glue together: the rules' own examples and counter-examples (what the
# rules are about), content lines, and characters of every class the translation widens.
PIECES = sorted({x for r in RULES for x in (*r.examples, *r.counter_examples)} | set(CONTENT))
# Characters on which the two engines differ unless the translation accounts for them: Python's
# case-insensitive matching takes the Kelvin sign for "k", long s for "s", dotless and dotted i for
# "i", final sigma for sigma, the micro sign for mu; its \s takes U+001C..U+001F and U+0085.
TRICKY = ("\u212a\u017f\u0131\u0130\u03c2\u03c3\u03a3\u00b5\u03bc\x1c\x1f\x85\u2126\u00c5\u212b\u1e9e"
          "\u0142\u0101\U0001d482")
NOISE = st.text(alphabet=st.sampled_from(list(" \t.,:;-\u2013\u2014()[]/|\"\u201c\u201d'\u2019?!#@*"
                                                "aAbBzZ09_\u00e9\u00c9\u00df\u00b5\u00a0\u2022\u0627\U0001f600"
                                                "kKsSiI" + TRICKY)), max_size=6) | st.text(
    st.characters(blacklist_characters="\n\r\x85\u2028\u2029"), max_size=3)  # no line breaks inside a line


def _mutate(piece: str, noise: str, where: int, upper: bool, cut: int) -> str:
    if upper:
        piece = piece.upper()
    if cut:
        piece = piece[:-cut] if cut < len(piece) else piece
    k = where % (len(piece) + 1)
    return piece[:k] + noise + piece[k:]


LINE = st.builds(_mutate, st.sampled_from(PIECES), NOISE, st.integers(0, 400), st.booleans(),
                 st.integers(0, 3)) | st.sampled_from(PIECES)


def _python_lines(rule, lines: list[str]) -> set[int]:  # type: ignore[no-untyped-def]
    rx = re.compile(rule.pattern, rule.flags)
    if rule.kind == "inline":
        return {i for i, line in enumerate(lines) if rx.search(line)}
    return {i for i, line in enumerate(lines) if rx.fullmatch(line)}


def test_every_catalog_rule_is_prefiltered() -> None:
    assert not PREFILTER.unfiltered


@pytest.mark.parametrize("rule", FILTERED, ids=lambda r: r.id)
def test_prefilter_reports_every_example(rule) -> None:  # type: ignore[no-untyped-def]
    lines = [x for x in rule.examples if eligible(x)]
    hits = PREFILTER.scan(["Isi berita biasa.", *lines, "Penutup."])
    assert hits is not None
    if rule.kind == "inline":
        assert BY_KIND["inline"].index(rule) in hits.rules["inline"]
    else:
        must = {i + 1 for i in _python_lines(rule, lines)}
        assert must <= hits.lines[rule.kind], rule.id


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=8))
def test_prefilter_is_a_superset(lines: list[str]) -> None:
    hits = PREFILTER.scan(lines)
    if hits is None:
        assert not all(eligible(x) for x in lines)
        return
    for rule in FILTERED:
        found = _python_lines(rule, lines)
        if rule.kind == "inline":
            assert not found or BY_KIND["inline"].index(rule) in hits.rules["inline"], (rule.id, lines)
        else:
            assert found <= hits.lines[rule.kind], (rule.id, lines)  # type: ignore[operator]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=10), st.sampled_from(["id", "en", None]),
       st.sampled_from([None, "kompas.com", "liputan6.com"]))
def test_engine_gives_the_same_changes_with_and_without_prefilter(lines: list[str], lang: str | None,
                                                                  outlet: str | None) -> None:
    rules = CATALOG.select(lang, outlet)
    fast = CompiledRules(rules)
    slow = CompiledRules(rules)
    slow._prefilter = None
    a, b = list(lines), list(lines)
    assert fast.apply(a) == slow.apply(b)
    assert a == b


def test_characters_python_folds_differently_are_prefiltered() -> None:
    # Python's IGNORECASE takes the Kelvin sign for "k" and long s for "s", and its \s takes U+001C.
    lines = ["Simak juga: \u212aabar terbaru", "Baca\x1cjuga: x", "\u017fCROLL TO CONTINUE WITH CONTENT"]
    assert all(eligible(x) for x in lines)
    hits = PREFILTER.scan(lines)
    assert hits is not None
    for rule in FILTERED:
        found = _python_lines(rule, lines)
        if rule.kind == "inline":
            assert not found or BY_KIND["inline"].index(rule) in hits.rules["inline"], rule.id
        else:
            assert found <= hits.lines[rule.kind], rule.id  # type: ignore[operator]
    assert {0, 2} <= hits.lines["line"]  # type: ignore[operator]
    assert not eligible("lone \ud800 surrogate") and PREFILTER.scan(["lone \ud800 surrogate"]) is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=8))
def test_the_two_databases_report_the_same_lines_of_a_text_without_lookalikes(lines: list[str]) -> None:
    # A text without the four lookalikes is scanned by the database that does not list them: it must report
    # what the one that lists them reports (with them, the other one scans: test above).
    lines = [LOOKALIKE_RE.sub("x", line) for line in lines]
    if not all(eligible(x) for x in lines):
        return
    pf = RulePrefilter(BY_KIND)
    fast = pf.scan_lines(lines)
    assert pf._parts_lookalikes is None  # (not compiled: no text needed it)
    pf._parts = pf._compile_parts(lookalikes=True)[0]
    assert pf.scan_lines(lines) == fast


@given(st.lists(NOISE, max_size=6).map("".join))
def test_has_lookalike_is_the_regex_search(text: str) -> None:
    assert has_lookalike(text) == (LOOKALIKE_RE.search(text) is not None)


def test_a_text_with_a_lookalike_is_scanned_by_the_database_that_lists_them() -> None:
    line = "L\u0130HAT JUGA: Harga Cabai Naik"  # dotted capital I, which Python takes for "i"
    assert CompiledRules(CATALOG.select("id", None)).apply([line])[0].rule == "id.related.line"
    pf = RulePrefilter(BY_KIND)
    hits = pf.scan([line])
    assert hits is not None and 0 in hits.lines["line"]  # type: ignore[operator]
    assert pf._parts_lookalikes
    # Without the gate the line would be missed: the database without the lookalikes does not report it.
    pf._parts_lookalikes = pf._parts
    hits = pf.scan([line])
    assert hits is not None and 0 not in hits.lines["line"]  # type: ignore[operator]


@functools.lru_cache(maxsize=1)
def _every_character() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def test_the_only_ascii_lookalikes_are_known() -> None:
    # The translation lists, for a case-insensitive ASCII letter, the characters beyond ASCII that
    # Python takes for it: check on every code point that there are no others.
    from newsclean.prefilter import _ASCII_LOOKALIKES

    assert {ord(m.group()) for m in re.finditer("(?i)[a-z]", _every_character()) if m.group() >= "\x80"} == set(
        _ASCII_LOOKALIKES)


def test_case_sets_cover_python_on_a_spread_of_cased_letters() -> None:
    import _sre

    from newsclean.prefilter import _cased

    every = _every_character()
    cased = [c for c in map(ord, every) if c >= 0x80 and _sre.unicode_iscased(c)]
    for c in cased[::47]:
        python = {ord(m.group()) for m in re.finditer(re.escape(chr(c)), every, re.IGNORECASE)}
        assert python <= _cased(c) | {c}, hex(c)


def test_the_odd_upper_cases_are_all_known() -> None:
    import _sre

    from newsclean.prefilter import _ODD_UPPER

    odd: dict[int, tuple[int, ...]] = {}
    for x in map(ord, _every_character()):
        lo = _sre.unicode_tolower(x)
        if lo != x and chr(x) not in (chr(lo).upper(), chr(lo).title()):
            odd[lo] = (*odd.get(lo, ()), x)
    assert odd == _ODD_UPPER


@pytest.mark.parametrize("ch", list("\u00e9\u03c3\u03c2\u00b5\u212a\u00c5\u1e9e\u0130\u0131\u0149\u01c5\u0345kis"))
def test_case_insensitive_letters_list_what_python_takes(ch: str) -> None:
    from newsclean.prefilter import _cased

    python = {ord(m.group()) for m in re.finditer(re.escape(ch), _every_character(), re.IGNORECASE)}
    assert python <= _cased(ord(ch)) | {ord(ch)}


def test_translation_widens_and_drops_assertions() -> None:
    assert to_hyperscan(r"(?<=\.)ab\b(?!c)") == "ab"
    assert to_hyperscan("x{2,30}y{1,3}") == "(?:x){2,}(?:y){1,3}"
    assert to_hyperscan("(?-i:Ab)c", re.IGNORECASE) == "(?i:(?-i:Ab)c)"
    assert to_hyperscan("\u00e9", re.IGNORECASE) == "(?i:[\\x{C9}\\x{E9}])"
    # A negated class must not exclude more than Python's: \w inside it stays ASCII.
    assert to_hyperscan(r"[^\w.]") == "[^0-9A-Z_a-z\\x{2E}\\n]"
    # A case-insensitive k is also the Kelvin sign, for Python.
    assert to_hyperscan("k", re.IGNORECASE) == "(?i:[k\\x{212A}])"


@pytest.fixture
def forget_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Databases compiled in this test are not served to later ones from the in-process caches, and
    the test neither reads nor writes the disk cache of other runs (it is keyed by the rules, not by
    how a test bends the translation)."""
    monkeypatch.setenv("NEWSCLEAN_CACHE", str(tmp_path / "hs-cache"))
    _forget_compiled()
    yield _forget_compiled
    _forget_compiled()


def test_untranslatable_rules_leave_their_kind_to_python(monkeypatch: pytest.MonkeyPatch,
                                                         forget_compiled: Callable[[], None]) -> None:
    import newsclean.prefilter as pf

    def refuse(pattern: str, flags: int = 0) -> str:
        raise pf.Untranslatable("test")

    monkeypatch.setattr(pf, "to_hyperscan", refuse)
    p = pf.RulePrefilter(BY_KIND)
    hits = p.scan(["Baca juga: Harga naik"])
    assert hits is not None and set(hits.lines.values()) == {None} and hits.rules["inline"] is None
    rules = CompiledRules(RULES)
    rules._prefilter = p
    lines = ["JAKARTA - Harga naik.", "Baca juga: Harga Bawang Turun", "Pedagang mengeluh."]
    assert [c.rule for c in rules.apply(list(lines))] == [
        c.rule for c in CompiledRules(RULES).apply(list(lines))]


def test_rules_that_only_compile_one_by_one_go_to_python(forget_compiled: Callable[[], None],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import newsclean.prefilter as pf

    compile_one = pf._database.__wrapped__
    monkeypatch.setattr(pf, "_database", lambda exprs, flags: False if len(exprs) > 1 else compile_one(exprs, flags))
    p = pf.RulePrefilter(BY_KIND)
    # Only the one outlet rule of the catalog (a database of one expression) stays prefiltered.
    assert [len(kinds) for _, kinds, _ in p._parts] == [1]
    assert p.unfiltered >= {"line", "inline", "block", "tail", "prefix"}
    rules = CompiledRules(RULES)
    rules._prefilter = p
    lines = ["JAKARTA - Harga naik.", "Baca juga: Harga Bawang Turun", "Pedagang mengeluh."]
    assert [c.rule for c in rules.apply(list(lines))] == [
        c.rule for c in CompiledRules(RULES).apply(list(lines))] != []


def _forget_compiled() -> None:
    import newsclean.prefilter as pf

    for cached in (pf._rule_database, pf._database, pf._lexicon_database):
        getattr(cached, "cache_clear", lambda: None)()  # a test may have replaced it


def test_compiled_databases_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       forget_compiled: Callable[[], None]) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE", str(tmp_path))
    first = RulePrefilter({"line": BY_KIND["line"]})
    files = list(tmp_path.glob("hs-*.db"))
    assert len(files) == 1
    assert RulePrefilter({"line": BY_KIND["line"]})._parts[0][0] is first._parts[0][0]  # in-process cache
    forget_compiled()
    again = RulePrefilter({"line": BY_KIND["line"]})  # loaded from the file
    doc = ["Baca juga: Harga naik", "Isi berita."]
    assert again.scan(doc) == first.scan(doc)
    files[0].write_bytes(b"not a database")
    forget_compiled()
    damaged = RulePrefilter({"line": BY_KIND["line"]})  # compiled again
    assert damaged.scan(doc) == first.scan(doc)


def test_outlet_rules_get_a_database_of_their_own() -> None:
    # Selections of outlets with rules of their own (learned ones) share the common rules' database.
    from newsclean.catalog import Catalog

    extra = Catalog(tuple(_outlet_rule(f"learned.o{k}", f"outlet{k}.com", f"Kupon belanja outlet{k}")
                          for k in range(3)))
    cat = CATALOG + extra
    compiled = [CompiledRules(cat.select("id", f"outlet{k}.com")) for k in range(3)]
    parts = [c._prefilter._parts for c in compiled]  # type: ignore[union-attr]
    assert all(len(p) == 2 for p in parts)
    assert parts[0][0][0] is parts[1][0][0] is parts[2][0][0]
    lines = ["Harga naik.", "Kupon belanja outlet1", "Baca juga: Harga Bawang Turun"]
    slow = CompiledRules(cat.select("id", "outlet1.com"))
    slow._prefilter = None
    assert [c.rule for c in compiled[1].apply(list(lines))] == [c.rule for c in slow.apply(list(lines))] == [
        "learned.o1", "id.related.line"]


def _outlet_rule(rule_id: str, outlet: str, line: str):  # type: ignore[no-untyped-def]
    from newsclean.catalog import Rule

    return Rule(id=rule_id, kind="line", pattern=re.escape(line), lang="id", outlets=(outlet,),
                max_chars=100, examples=(line,))


def test_turned_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_PREFILTER", "0")
    assert RulePrefilter.build(BY_KIND) is None


def test_a_group_with_definite_ends_stays_in_a_core() -> None:
    from newsclean.catalog import Rule
    from newsclean.prefilter import _expressions

    # The last group holds a wide class, but each of its branches starts and ends with a literal: the
    # core keeps it (with what lies between, as any characters), so a line with the call to action and no
    # place named after it is not reported.
    promo = r"(?:Simak|Baca)[ \t][^\n]{0,160}?\b(?i:google\s*news|the\s+[\w.+ ]{1,30}\s+app)\b[^\n]{0,300}"
    rule = Rule(id="x.promo", kind="inline", lang="id", pattern=promo, case_sensitive=True,
                                      examples=("Harga naik. Simak berita lain di Google News.",))
    exprs = _expressions(rule.pattern, rule.flags, "inline")
    assert exprs is not None and len(exprs) == 1 and b"google" in exprs[0]
    pf = RulePrefilter({"inline": [rule]})
    lines = ["Simak berita hari ini.", "Harga naik. Simak berita lain di Google News.",
             "Baca juga the Example News app sekarang", "Simak di google  NEWS"]
    found = pf.scan_lines(lines)
    assert found is not None
    assert set(found["inline"]) == {1, 2, 3} == {i for i, x in enumerate(lines) if re.search(promo, x)}
    # A back-reference at an end has no width the parser can tell alone: it is trimmed, not an error.
    assert _expressions(r"(\w+) kata \1", 0, "inline") is not None


@pytest.mark.parametrize("lookalikes", [False, True])
def test_every_example_is_reported_below_a_long_line(lookalikes: bool) -> None:
    """Each rule's examples, scanned below a line of 40 characters, are reported by both databases (one rule's
    expression with an optional opening that ends a sentence was missed by the database with the lookalikes after any
    line of 16 characters or more: Hyperscan's doing, found by the property test above)."""
    pf = RulePrefilter(BY_KIND)
    if lookalikes:
        pf._parts = pf._compile_parts(lookalikes=True)[0]
    missed = []
    for kind in LINE_KINDS:
        if kind in pf.unfiltered:
            continue
        for pos, rule in enumerate(BY_KIND[kind]):
            rx = re.compile(rule.pattern, rule.flags)
            for x in rule.examples:
                if not eligible(x) or not (rx.match(x) if kind == "prefix" else rx.fullmatch(x)):
                    continue
                found = pf.scan_lines(["y" * 40, x])
                assert found is not None
                if pos not in found[kind].get(1, ()):
                    missed.append((rule.id, x))
    assert not missed
