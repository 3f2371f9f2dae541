from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, Pipeline, RuleCleaner, clean, explain, line_filter, replay
from newsclean.document import Change, split_lines
from newsclean.text import fix_unicode, normalize_spaces, strip_line

DEFAULT = Pipeline.default()


def test_single_cleaners_compose_left_to_right() -> None:
    p = Pipeline([fix_unicode, str.upper])
    assert p.clean("caf&eacute;\nok") == "CAFÉ\nOK"
    assert p.names == ["fix_unicode", "upper", "blank_lines"]


def test_user_line_filter_and_builtin_rules_together() -> None:
    @line_filter("no_ads")
    def ads(line: str) -> bool:
        return line.lower() == "promo spesial"

    p = Pipeline.default(lang="id", extra=[ads])
    r = p.explain("Harga naik.\nPROMO SPESIAL\nBaca juga: Harga Turun")
    assert r.text == "Harga naik."
    assert [(c.cleaner, c.rule) for c in r.changes] == [("rules", "id.related.line"), ("no_ads", "no_ads")]


def test_explain_records_minimal_text_changes() -> None:
    r = DEFAULT.explain("Tom &amp; Jerry  lari")
    assert r.text == "Tom & Jerry lari"
    steps = [(c.cleaner, c.removed, c.added) for c in r.changes]
    assert ("fix_unicode", "amp;", "") in steps  # the smallest span that changed
    assert ("normalize_spaces", " ", "") in steps


def test_line_numbers_refer_to_input_lines() -> None:
    text = "Satu.\n\nBaca juga: Dua\r\nTiga."
    r = DEFAULT.explain(text)
    assert r.text == "Satu.\nTiga."
    rules = {c.rule: c.line for c in r.changes}
    assert rules["id.related.line"] == 2
    assert rules["blank"] == 1


def test_document_metadata_selects_language() -> None:
    en = Document("Aamer Madhani in Washington contributed to this report.", metadata={"lang": "en"})
    r = DEFAULT.explain(Document("The Senate voted.\n" + en.text, metadata={"lang": "en"}))
    assert r.text == "The Senate voted."
    with pytest.raises(ValueError, match="unknown language"):
        RuleCleaner(lang="xx")


def test_wrong_step_and_input_types_give_clear_errors() -> None:
    with pytest.raises(TypeError):
        Pipeline([42])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        DEFAULT.explain(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unique"):
        Pipeline([strip_line, strip_line])


def test_replay_rejects_steps_that_do_not_fit() -> None:
    with pytest.raises(ValueError):
        replay("abc", [Change("drop_line", "rules", "x", 3, 0, 1, "z", "")])
    with pytest.raises(ValueError):
        replay("abc", [Change("replace", "rules", "x", 0, 0, 1, "z", "")])


def test_module_level_helpers() -> None:
    assert clean("Moskow – Rusia menolak.") == "Rusia menolak."
    assert explain("a").changes == ()


# -- properties ---------------------------------------------------------------------------------

BOILERPLATE = [
    "Baca Juga: Harga Cabai Naik", "baca juga : x y z", "Gabung ke Channel WhatsApp Kompas untuk update",
    "Posted By : admin", "–––", "Sumber : Antara", "JAKARTA, KOMPAS.com - Harga naik.",
    "Moskow – Rusia.", "   ", "", "Advertisement", "SCROLL TO CONTINUE WITH CONTENT",
]
lines_st = st.lists(
    st.one_of(st.sampled_from(BOILERPLATE), st.text(max_size=80),
              st.text(alphabet="abcdefgh XYZ.,:-–!“”", max_size=60)),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(lines_st)
def test_explain_replay_equals_output(lines: list[str]) -> None:
    text = "\n".join(lines)
    r = DEFAULT.explain(text)
    assert replay(text, r.changes) == r.text


@settings(max_examples=300, deadline=None)
@given(lines_st)
def test_cleaning_is_idempotent(lines: list[str]) -> None:
    once = DEFAULT.clean("\n".join(lines))
    assert DEFAULT.clean(once) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(BOILERPLATE), st.text(alphabet="abcdefgh XYZ.,:-–!“”", max_size=60)),
                max_size=12))
def test_output_lines_are_input_lines_or_suffixes_in_order(lines: list[str]) -> None:
    # Line-level cleaning only (no Unicode rewrites on this alphabet beyond stripping spaces).
    text = "\n".join(lines)
    out = DEFAULT.clean(text)
    src = [normalize_spaces(line).strip() for line in split_lines(text)]
    j = 0
    for o in (out.split("\n") if out else []):
        while j < len(src) and not src[j].endswith(o):
            j += 1
        assert j < len(src), o
        j += 1


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_cleaner_raises_on_arbitrary_unicode(text: str) -> None:
    r = DEFAULT.explain(text)
    assert replay(text, r.changes) == r.text
    for step in DEFAULT.steps:
        lines: list[str | None] = list(split_lines(text))
        step.run(lines, Document(text))
