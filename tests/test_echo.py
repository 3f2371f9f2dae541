"""The ``echo`` rule kind: a repeat of the first kept line (the headline) is dropped, the first kept."""

from __future__ import annotations

from newsclean import load_rule_file
from newsclean.lines import CompiledRules

RULE = """lang = "en"
[[rule]]
id = "t.echo"
kind = "echo"
max_chars = 80
pattern = '''\\S+(?:\\s+\\S+){2,29}'''
examples = ["Council approves new budget"]
"""


def _apply(lines: list[str], rule_text: str = RULE) -> list[str | None]:
    out: list[str | None] = list(lines)
    CompiledRules(load_rule_file("t.toml", text=rule_text)).apply(out)  # type: ignore[arg-type]
    return out


def test_a_later_copy_of_the_headline_goes_and_the_first_stays() -> None:
    lines = ["Council approves new budget", "City Gazette•", "Council approves new budget", "The council voted."]
    assert _apply(lines) == ["Council approves new budget", "City Gazette•", None, "The council voted."]


def test_the_headline_is_the_first_kept_line() -> None:
    # A dropped line above it does not count; an empty line neither.
    lines = ["", "Council approves new budget", "Council approves new budget"]
    assert _apply(lines) == ["", "Council approves new budget", None]


def test_a_repeat_of_another_line_or_a_near_copy_stays() -> None:
    lines = ["Council approves new budget", "The council voted.", "The council voted.",
             "Council approves new budget today"]
    assert _apply(lines) == lines


def test_a_first_line_the_pattern_or_the_length_refuses_is_not_a_headline() -> None:
    short = ["Opinion", "Opinion"]
    assert _apply(short) == short
    long_title = " ".join(["word"] * 20)
    assert _apply([long_title, long_title]) == [long_title, long_title]


def test_window_limits_how_far_down_the_repeat_may_stand() -> None:
    windowed = RULE.replace('kind = "echo"', 'kind = "echo"\nwindow = 2')
    lines = ["Council approves new budget", "a", "Council approves new budget"]
    assert _apply(lines, windowed) == lines
    assert _apply(lines[:1] + lines[2:], windowed) == ["Council approves new budget", None]


SUFFIX = RULE + """
[[rule]]
id = "t.suffix"
kind = "inline"
pattern = '[ ][|][ ]City Gazette$'
examples = ["Council approves new budget | City Gazette"]
"""


def test_an_echo_revealed_by_a_cut_is_dropped_and_cleaning_is_idempotent() -> None:
    lines = ["Council approves new budget | City Gazette", "Council approves new budget", "The council voted."]
    once = _apply(lines, SUFFIX)
    assert once == ["Council approves new budget", None, "The council voted."]
    kept = [x for x in once if x is not None]
    assert _apply(kept, SUFFIX) == kept
