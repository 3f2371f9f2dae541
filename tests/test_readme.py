"""The README's Python examples run as written, and an expression followed by a ``# <repr>`` comment
line gives that value."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
#: Put on the line before a block whose example needs files of the reader's own (not run here).
OWN_FILES = "<!-- example: needs your own files -->"
BLOCKS = re.findall(r"([^\n]*)\n```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
RUNNABLE = [b for before, b in BLOCKS if before.strip() != OWN_FILES]


def test_the_readme_has_examples() -> None:
    assert len(RUNNABLE) >= 4 and len(BLOCKS) - len(RUNNABLE) <= 2


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_readme_example(block: str) -> None:
    lines = block.split("\n")
    namespace: dict[str, object] = {}
    for stmt in ast.parse(block).body:
        after = [ln.strip() for ln in lines[stmt.end_lineno:] if ln.strip()]  # type: ignore[misc]
        expected = after[0][2:] if after and after[0].startswith("# ") else None
        if isinstance(stmt, ast.Expr):
            value = eval(compile(ast.Expression(stmt.value), "README.md", "eval"), namespace)
            if expected is not None:
                assert repr(value) == expected, ast.unparse(stmt)
        else:
            exec(compile(ast.Module([stmt], type_ignores=[]), "README.md", "exec"), namespace)
