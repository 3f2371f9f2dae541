"""Start-up of one small file: what is derived once is kept on disk (newsclean.diskcache) and equals
what a fresh derivation gives; modules a small clean run does not need are not imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import newsclean
from newsclean import catalog, diskcache, text

SRC = str(Path(newsclean.__file__).resolve().parent.parent)


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NEWSCLEAN_CACHE": str(cache),
            "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


def test_diskcache_round_trip_and_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE", str(tmp_path))
    value = {"a": ("x", 1, None, b"\x00\xff"), "b": [1.5, True]}
    assert diskcache.load("k", "0123") is None
    diskcache.store("k", "0123", value)
    assert diskcache.load("k", "0123") == value
    assert diskcache.load("k", "0124") is None  # another key
    (path,) = tmp_path.glob("k-0123.*")
    path.write_bytes(path.read_bytes()[:-3])  # cut short: a miss, not an error
    assert diskcache.load("k", "0123") is None
    path.write_bytes(b"garbage")
    assert diskcache.load("k", "0123") is None
    monkeypatch.setenv("NEWSCLEAN_CACHE", "")  # the cache turned off
    diskcache.store("k", "0123", value)
    assert diskcache.load("k", "0123") is None


def test_file_digest_depends_on_every_part(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("one")
    a = diskcache.file_digest(f, "x")
    f.write_text("two")
    assert diskcache.file_digest(f, "x") != a
    assert diskcache.file_digest("ab", "c") != diskcache.file_digest("a", "bc")


def test_cached_ftfy_facts_equal_a_fresh_derivation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE", str(tmp_path))
    fresh = text._derive()
    assert text._load_derived() == fresh  # a miss: derived and stored
    assert list(tmp_path.glob("ftfy-news-*"))
    assert text._load_derived() == fresh  # a hit
    assert fresh["risky"] == text._risky_chars()
    assert fresh == text._DERIVED  # what this process runs with
    from ftfy import chardata

    assert text._ENTITY_RE.pattern == chardata.HTML_ENTITY_RE.pattern
    assert text._ENTITY_RE.flags == chardata.HTML_ENTITY_RE.flags
    assert fresh["normalization"] == text.NEWS_FTFY_CONFIG.normalization
    assert fresh["unescape_html"] == text.NEWS_FTFY_CONFIG.unescape_html


def test_fix_unicode_with_the_news_config_given_or_not() -> None:
    for s in ("â€œHaloâ€\x9d", "Tom &amp; Jerry", "Cafe\u0301", "plain text", "a\x00b"):
        assert text.fix_unicode(s) == text.fix_unicode(s, config=text.NEWS_FTFY_CONFIG)
    import ftfy

    other = ftfy.TextFixerConfig(unescape_html=False, explain=False)
    assert text.fix_unicode("Tom &amp; Jerry", config=other) == "Tom &amp; Jerry"


def test_cached_catalog_equals_the_parsed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE", str(tmp_path))
    parsed: list[catalog.Rule] = []
    for name, body in catalog._builtin_rule_texts():
        parsed.extend(catalog.load_rule_file(name, text=body, check_regex=False))
    catalog.default_catalog.cache_clear()
    try:
        first = catalog.default_catalog()  # a miss
        (path,) = tmp_path.glob("catalog-*")
        catalog.default_catalog.cache_clear()
        second = catalog.default_catalog()  # a hit
        assert first.rules == second.rules == tuple(parsed)
        assert all(type(r.terms) is tuple and type(r.outlets) is tuple for r in second.rules)
        path.write_bytes(path.read_bytes()[:40])  # damaged: parsed again
        catalog.default_catalog.cache_clear()
        assert catalog.default_catalog().rules == tuple(parsed)
    finally:
        catalog.default_catalog.cache_clear()


_PROBE = """
import json, sys
from newsclean.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_small_clean_run_imports_only_what_it_needs(tmp_path: Path) -> None:
    """With a warm cache, one clean text file with --dedup off imports neither ftfy (nothing to repair),
    nor the TOML parser (the catalog comes from the cache), nor multiprocessing (one process), nor
    numpy or numba; the output is the same as with a cold cache."""
    src = tmp_path / "a.txt"
    src.write_text("JAKARTA, KOMPAS.com - Harga cabai naik lagi di pasar induk pagi ini, kata pedagang.\n"
                   "Baca Juga: Harga Bawang Turun\nWarga mengeluh karena harga terus naik sejak pekan lalu.\n",
                   encoding="utf-8")
    env = _env(tmp_path / "cache")
    outs = []
    for k in range(2):
        out = tmp_path / f"o{k}.txt"
        proc = subprocess.run([sys.executable, "-c", _PROBE, str(src), str(out), "--dedup", "off", "--quiet"],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        assert result["code"] == 0
        outs.append((out.read_bytes(), set(result["modules"])))
    (cold, _), (warm, modules) = outs
    assert cold == warm
    assert warm.decode().startswith("Harga cabai naik")
    roots = {m.split(".")[0] for m in modules}
    assert not roots & {"ftfy", "tomllib", "multiprocessing", "numpy", "numba"}, roots & {
        "ftfy", "tomllib", "multiprocessing", "numpy", "numba"}


def test_a_text_needing_repair_still_gets_ftfy(tmp_path: Path) -> None:
    env = _env(tmp_path / "cache")
    code = ("import sys, newsclean; print(newsclean.clean('Peskov mengatakan â€œtidak berhasilâ€\\x9d'));"
            "print('ftfy' in sys.modules)")
    for _ in range(2):  # cold, then warm cache
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["Peskov mengatakan “tidak berhasil”", "True"]


def test_the_near_duplicate_stage_loads_without_scipy_linalg(tmp_path: Path) -> None:
    """The command line has numba set up its target with scipy.linalg refused (numba's BLAS check, for
    functions the kernels never call); the run finds the seeds' near-duplicates all the same (their
    outputs are pinned by test_seeds_golden), and scipy.linalg can be imported afterwards."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    probe = ("import json, sys\nfrom newsclean.cli import main\ncode = main(sys.argv[1:])\n"
             "modules = sorted(sys.modules)\nimport scipy.linalg\n"
             "print(json.dumps({'code': code, 'modules': modules}))\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(seeds), str(tmp_path / "out"), "--quiet"],
                          capture_output=True, text=True, env=_env(tmp_path / "cache"), timeout=900)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert "numba" in result["modules"] and "scipy.linalg" not in result["modules"]
    dups = (tmp_path / "out" / "_newsclean" / "duplicates.jsonl").read_text(encoding="utf-8")
    assert dups.strip(), "the seeds hold near-duplicate paragraphs"
