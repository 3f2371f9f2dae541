"""A user's type checker sees the public API with its real types (issue 16: people run mypy on code that
calls newsclean). The lazily loaded names (``deduplicate``, ``duplicate_groups``) are the easy ones to lose."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import newsclean

pytest.importorskip("mypy")

USER_CODE = textwrap.dedent(
    """
    from __future__ import annotations

    import newsclean
    from newsclean import Cleaned, Pipeline

    pipeline = Pipeline.default()
    text: str = pipeline("Baca Juga: x\\nHalo dunia.")
    cleaned: Cleaned = pipeline.explain("Halo dunia.")
    body, changes = cleaned
    first: str = newsclean.clean("Halo dunia.")
    kept: list[str] = list(newsclean.deduplicate(["a b c d e f", "a b c d e f"]))
    groups = newsclean.duplicate_groups(["a b c d e f", "a b c d e f"])
    for group in groups:
        reveal_type(group)
    """
)


def test_public_api_type_checks(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    env = dict(os.environ)
    src = Path(newsclean.__file__).resolve().parent.parent
    if src.name != "site-packages":  # a source checkout (editable install or PYTHONPATH)
        env["MYPYPATH"] = str(src)
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--ignore-missing-imports",
                          "--cache-dir", str(tmp_path / "cache"), "user.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "error:" not in out.stdout, out.stdout
    assert "DocumentGroup" in out.stdout, out.stdout  # the group's type is known, not Any/object
