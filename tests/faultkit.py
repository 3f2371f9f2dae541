"""Helpers shared by the fault batteries (tests/test_faults_*.py): run the CLI in-process or as a
subprocess, snapshot folders, read reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from newsclean.cli import main

ROOT = Path(__file__).resolve().parent.parent

# A paragraph long enough for MinHash, shared by files that must (not) see each other's copy.
WIRE = ("Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina dan mendukung kelompok separatis "
        "di wilayah Donbas timur, yang memicu sanksi Barat berlapis terhadap Moskow.")


STATE_FILES = (".run.json", ".lock", ".journal")


def run(*args: str) -> int:
    return main([*map(str, args), "--quiet"])


def cli(*args: str | Path, timeout: float = 300, **kw: Any) -> subprocess.CompletedProcess[str]:
    """``python -m newsclean ARGS`` in a subprocess, with this checkout's sources first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(kw.pop("env", {}))
    return subprocess.run([sys.executable, "-m", "newsclean", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, **kw)


def snapshot(root: Path, *, reports: bool = True) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``root`` (without OUT/_newsclean if not ``reports``,
    and never the run's state files)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.name in STATE_FILES and rel.startswith("_newsclean/"):
            continue  # the run's state (its fingerprint names IN), not an output
        if p.is_file() and not p.is_symlink() and (reports or not rel.startswith("_newsclean/")):
            out[rel] = p.read_bytes()
    return out


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))


def jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").split("\n") if x]


def rejected(out: Path) -> list[dict[str, Any]]:
    return jsonl(out / "_newsclean" / "rejected.jsonl")


def comparable_report(out: Path) -> dict[str, Any]:
    """report.json without what legitimately differs between two runs (times, paths, jobs)."""
    r = report(out)
    for key in ("timings", "output", "input"):
        r.pop(key, None)
    r.get("options", {}).pop("jobs", None)
    return r
