"""Every rule matches its examples and none of its counter-examples, nor any sentence of a negative
corpus of real content shapes; rule files are validated with precise errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsclean import Catalog, CatalogError, default_catalog, load_rule_file
from newsclean.lines import CompiledRules, fold_for_lexicon

CATALOG = default_catalog()

# Content that no rule may remove: quotes, attributions, subheadings, wire sentences.
NEGATIVE = [
    "Dilansir dari Antara, pemerintah menaikkan harga BBM.",
    "“Kami tidak akan mundur,” kata Peskov kepada wartawan.",
    "Juru bicara Kremlin Dmitry Peskov mengatakan pada hari Kamis bahwa dua putaran diskusi sejauh ini.",
    "AS mendukung diplomasi",
    "Polandia mengatakan ‘risiko perang’ pada level tertinggi dalam 30 tahun",
    "Menurut Reuters, negosiator Rusia-AS tidak menunjukkan tanda-tanda meredakan perbedaan.",
    "Sumber di kepolisian menyebut tersangka sudah ditahan sejak Senin malam di Polres Bekasi.",
    "Ia membaca juga buku sejarah Rusia setiap malam.",
    "Polisi membongkar grup WhatsApp penyebar hoaks di Bekasi pada Senin.",
    "The Senate voted 52-48 on Tuesday to advance the bill, Reuters reported.",
    "“Everyone contributed,” Sullivan told reporters.",
    "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina.",
]


def _rule_matches(rule, text: str) -> bool:  # type: ignore[no-untyped-def]
    compiled = CompiledRules([rule])
    if rule.kind in ("line", "tail", "block", "repeat", "echo"):
        return compiled._line_match(compiled._kind([rule]), text) is not None
    if rule.kind == "prefix":
        return re.match(rule.pattern, text, rule.flags) is not None
    if rule.kind == "inline":
        return re.search(rule.pattern, text, rule.flags) is not None
    return compiled._lexicon_match(text) is not None


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.id)
def test_rule_matches_its_examples(rule) -> None:  # type: ignore[no-untyped-def]
    for ex in rule.examples:
        assert _rule_matches(rule, ex), f"{rule.id} does not match its example {ex!r}"


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.id)
def test_rule_rejects_counter_examples_and_negative_corpus(rule) -> None:  # type: ignore[no-untyped-def]
    # An echo rule's pattern only says what may count as a headline: a line goes for being a copy of
    # the first line, never for its shape, so content shapes are not its counter-examples.
    negative = () if rule.kind == "echo" else NEGATIVE
    for ex in (*rule.counter_examples, *negative):
        assert not _rule_matches(rule, ex), f"{rule.id} matches content {ex!r}"


def test_catalog_has_the_languages_and_unique_ids() -> None:
    assert {"id", "en"} <= set(CATALOG.langs)
    assert len({r.id for r in CATALOG.rules}) == len(CATALOG)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]]\nid='x'\nkind='line'\npattern='a'\n", "at least one example"),
        ("[[rule]]\nid='x'\nkind='nope'\npattern='a'\nexamples=['a']\n", "'kind' must be one of"),
        ("[[rule]]\nid='x'\nkind='line'\npattern='('\nexamples=['a']\n", "bad regex"),
        ("[[rule]]\nid='X Y'\nkind='line'\npattern='a'\nexamples=['a']\n", "lowercase dotted"),
        ("[[rule]]\nid='x'\nkind='line'\npattern='(?P<n>a)'\nexamples=['a']\n", "named groups"),
        ("[[rule]]\nid='x'\nkind='line'\npattern='a'\nexamples=['a']\ncolour='red'\n", "unknown keys"),
        ("[[rule]]\nid='x'\nkind='block'\npattern='a'\nexamples=['a']\n", "follow_pattern"),
        ("[[rule]]\nid='x'\nkind='lexicon'\nexamples=['a']\n", "needs 'terms'"),
        ("rule = 3", "[[rule]] tables"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_rule_files_are_rejected_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(message)):
        load_rule_file("custom.toml", text=text)


def test_duplicate_ids_are_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "a.toml"
    f.write_text("[[rule]]\nid='dup'\nkind='line'\npattern='a'\nexamples=['a']\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate rule id"):
        Catalog.from_files([f, f])


def test_outlet_sections_apply_only_to_their_outlet() -> None:
    rules = load_rule_file("o.toml", text="lang='id'\n[[rule]]\nid='o.x'\nkind='line'\npattern='xyz'\n"
                                          "outlet=['detik.com']\nexamples=['xyz']\n")
    cat = Catalog(tuple(rules))
    assert cat.select("id", "news.detik.com") and cat.select("id", "detik.com")
    assert not cat.select("id", "kompas.com") and not cat.select("id", None)


def test_lexicon_folding_handles_homoglyphs_and_diacritics() -> None:
    assert fold_for_lexicon("hongkonģ") == "hongkong"
    assert fold_for_lexicon("ЅLОТ") == "slot"


@pytest.mark.parametrize("rule", [r for r in CATALOG.rules if r.requires], ids=lambda r: r.id)
def test_requires_literals_occur_in_every_example(rule) -> None:  # type: ignore[no-untyped-def]
    # ``requires`` is a speed hint that skips documents without the literals: it must never hide
    # a text the rule is meant to match.
    for ex in rule.examples:
        assert any(x in ex.lower() for x in rule.requires), f"{rule.id}: {ex!r} has none of {rule.requires}"


def test_lexicon_term_inside_a_sentence_is_kept() -> None:
    from newsclean import Pipeline

    p = Pipeline.default(lang="id")
    news = "Polisi menutup 120 situs slot online dan menangkap tiga pengelolanya di Jakarta pada Senin."
    assert p.clean(news) == news
    assert p.clean(news + "\nDAFTAR SLOT GACOR MAXWIN") == news


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.id)
def test_load_time_example_check_agrees_with_the_engine(rule) -> None:  # type: ignore[no-untyped-def]
    # catalog.rule_matches (what user rule files are checked with at load time) must say what the
    # engine does, on examples and on content alike.
    from newsclean.catalog import rule_matches

    for ex in (*rule.examples, *rule.counter_examples, *NEGATIVE):
        assert rule_matches(rule, ex) == _rule_matches(rule, ex), (rule.id, ex)


def test_builtin_rule_files_pass_the_load_time_checks() -> None:
    from newsclean.catalog import _builtin_rule_texts, check_examples

    for name, text in _builtin_rule_texts():
        check_examples(load_rule_file(name, text=text), seconds=None)  # the regex checks too


def test_every_builtin_pattern_compiles() -> None:
    # The built-in catalog is loaded without compiling its patterns (a run compiles what it uses).
    for rule in CATALOG.rules:
        for pattern in (rule.pattern, rule.follow_pattern):
            if pattern:
                re.compile(pattern, rule.flags)


def test_user_rule_files_are_still_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x.bad"\nkind = "line"\npattern = "(unclosed"\nexamples = ["a"]\n')
    with pytest.raises(CatalogError, match="bad regex"):
        load_rule_file(bad)


def test_an_outlet_that_is_not_a_string_is_no_outlet() -> None:
    from newsclean import Document, Pipeline
    from newsclean.catalog import normalize_outlet

    assert [normalize_outlet(v) for v in (123, ["x.com"], {"a": 1})] == [None, None, None]
    doc = Document("Harga cabai naik tajam.\nBaca juga: Harga Bawang Turun", metadata={"url": 123})
    assert Pipeline.default(lang="id").clean(doc) == "Harga cabai naik tajam."


def test_a_script_that_loads_a_rule_file_exits_cleanly(tmp_path: Path) -> None:
    """Loading a rule file checks its examples under a CPU budget, which starts a profiling timer: it must be stopped
    by the time the interpreter exits (which puts SIGPROF's default action back: a tick then killed the process with
    "Profiling timer expired", status 155). An exit hook of the script's own, registered first so that it runs last,
    looks at the timer."""
    import subprocess
    import sys

    rules = tmp_path / "mine.toml"
    rules.write_text('lang = "*"\n[[rule]]\nid = "my.promo"\nkind = "line"\npattern = \'\'\'Promo hari ini\'\'\'\n'
                     'examples = ["Promo hari ini"]\n', encoding="utf-8")
    script = ("import atexit, os, signal\n"
              "atexit.register(lambda: os._exit(3) if signal.getitimer(signal.ITIMER_PROF)[1] else None)\n"
              "from newsclean import Pipeline\n"
              f"p = Pipeline.default(rules=[{str(rules)!r}])\n"
              "assert p.clean('Promo hari ini\\nHarga cabai naik lagi.') == 'Harga cabai naik lagi.'\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (out.returncode, out.stderr)
