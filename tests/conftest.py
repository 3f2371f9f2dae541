from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI gates a landing: it must not fail on a counterexample that a random draw happens to find in code the
# change did not touch. With CI set, property tests replay the same examples on every run (derandomize);
# without it (a developer's machine) they keep exploring new ones, which is where new bugs are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
