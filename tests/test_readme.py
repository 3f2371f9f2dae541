"""The README's Python examples run as written, and an expression followed by a ``# <repr>`` comment
line gives that value."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
# Examples that need files of the reader's own (an HTML page) are not run here.
RUNNABLE = [b for b in BLOCKS if "open(" not in b]


def test_the_readme_has_examples() -> None:
    assert len(RUNNABLE) >= 4


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
