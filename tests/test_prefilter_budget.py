"""The databases with the lookalikes are set-up, not a document's time: compiling them on the first text that holds a
lookalike does not count against that document's budget (with a cold cache it took 10-19 s, and the document was
skipped as over budget; an interrupted compile is not cached, so every later run paid again)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("hyperscan")

from newsclean import budget  # noqa: E402
from newsclean.catalog import default_catalog, rules_by_kind  # noqa: E402
from newsclean.prefilter import RulePrefilter  # noqa: E402


def test_compiling_the_lookalike_databases_is_not_the_documents_time(monkeypatch: pytest.MonkeyPatch) -> None:
    if not budget.enforced():
        pytest.skip("budgets are not enforced here")
    pre = RulePrefilter(rules_by_kind(default_catalog().rules))
    compile_parts = pre._compile_parts

    def slow(*, lookalikes: bool):  # type: ignore[no-untyped-def]
        end = time.process_time() + 0.6  # CPU time, as the budget counts it
        while time.process_time() < end:
            pass
        return compile_parts(lookalikes=lookalikes)

    monkeypatch.setattr(pre, "_compile_parts", slow)
    with budget.cpu_budget(0.3):
        parts = pre._parts_for("L\u0130HAT JUGA: berita lain")  # a dotted capital I: a lookalike
    assert parts is not None
