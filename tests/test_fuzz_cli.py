"""CLI fuzz: random bytes and random JSONL records through ``python -m newsclean``. Whatever the input:
no traceback, exit code 0 or 1, inputs unchanged, and every input record is either in the output
(its fields unchanged but ``text``) or in rejected.jsonl (as a line, or with its whole file)."""

from __future__ import annotations

import base64
import bz2
import gzip
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faultkit import cli, snapshot

TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["JAKARTA, KOMPAS.com - Harga naik.", "Baca juga: Kabar Lain", "Posted By : admin",
                              "Isi berita hari ini di kota.", "\ud800", "a\x0bb", "", "   ", "<p>x</p>"]),
             max_size=6).map("\n".join),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                      max_leaves=6)
RECORDS = st.fixed_dictionaries(
    {}, optional={"text": st.one_of(TEXTS, VALUES), "id": st.one_of(st.text(max_size=8), st.integers(), VALUES),
                  "html": st.text(max_size=80), "url": st.one_of(st.text(max_size=30), VALUES),
                  "title": VALUES, "outlet": st.text(max_size=10),
                  "date": st.text(max_size=12), "lang": st.sampled_from(["id", "en", "xx", ""]),
                  "extra": VALUES})
LINES = st.one_of(RECORDS.map(lambda r: json.dumps(r).encode("utf-8")),
                  RECORDS.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
                  st.binary(max_size=60).filter(lambda b: b"\n" not in b),
                  RECORDS.map(lambda r: (json.dumps(r)[:-1] + ', "id": 1}').encode("utf-8")))  # a key twice, maybe
FILES = st.lists(
    st.one_of(
        st.tuples(st.just("jsonl"), st.lists(LINES, max_size=8)),
        st.tuples(st.just("jsonl.gz"), st.lists(LINES, max_size=5), st.integers(0, 40)),
        st.tuples(st.just("jsonl.zst"), st.lists(LINES, max_size=5), st.integers(0, 40)),
        st.tuples(st.just("jsonl.bz2"), st.lists(LINES, max_size=3)),  # not read: must fail whole
        st.tuples(st.just("txt"), st.one_of(st.binary(max_size=200),
                                            TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")))),
        st.tuples(st.just("html"), st.binary(max_size=200)),
    ),
    min_size=1, max_size=4,
)


def _write(src: Path, files: list[tuple[Any, ...]]) -> dict[str, list[bytes]]:
    """Write the inputs; the JSONL lines of each record file, by name."""
    lines: dict[str, list[bytes]] = {}
    for k, f in enumerate(files):
        name = f"f{k}.{f[0]}"
        if f[0] == "jsonl":
            lines[name] = f[1]
            (src / name).write_bytes(b"".join(x + b"\n" for x in f[1]))
        elif f[0] in ("jsonl.gz", "jsonl.zst"):
            body = b"".join(x + b"\n" for x in f[1])
            data = gzip.compress(body, mtime=0) if f[0] == "jsonl.gz" else zstandard.ZstdCompressor().compress(body)
            data = data[: max(0, len(data) - f[2])]  # cut short, maybe (to nothing: an empty file)
            lines[name] = f[1] if data else []
            (src / name).write_bytes(data)
        elif f[0] == "jsonl.bz2":
            lines[name] = f[1]
            (src / name).write_bytes(bz2.compress(b"".join(x + b"\n" for x in f[1])))
        else:
            (src / name).write_bytes(f[1])
    return lines


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _check(files: list[tuple[Any, ...]], dedup: str, jobs: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="newsclean-fuzz-"))
    try:
        src = work / "in"
        src.mkdir()
        lines = _write(src, files)
        before = snapshot(src)
        out = work / "out"
        proc = cli(src, out, "-q", "--dedup", dedup, "--jobs", jobs, timeout=300)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), proc.stderr
        assert snapshot(src) == before  # inputs unchanged
        rej_path = out / "_newsclean" / "rejected.jsonl"
        rejected = ([json.loads(x) for x in rej_path.read_text(encoding="utf-8").split("\n") if x]
                    if rej_path.exists() else [])
        whole = {r["path"] for r in rejected if r.get("file")}
        by_line = {(r["path"], r["line"]): r for r in rejected if "line" in r}
        assert (proc.returncode == 1) == bool(rejected)
        for name, raw in lines.items():
            assert name in whole or not name.endswith(".bz2"), name
            if name in whole:
                assert not (out / name).exists()
                continue
            data = (out / name).read_bytes()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            elif name.endswith(".zst"):
                data = zstandard.ZstdDecompressor().stream_reader(data).read() if data else b""
            # (split on "\n" only: U+0085 and U+2028 may stand raw inside JSON strings)
            got = [json.loads(x) for x in data.decode("utf-8").split("\n") if x]
            kept = []
            for n, line in enumerate(raw, 1):
                if not line.strip():
                    continue
                row = by_line.get((name, n))
                if row is not None:  # rejected: its exact bytes are there
                    assert (base64.b64decode(row["raw_base64"]) if "raw_base64" in row
                            else row["raw"].encode("utf-8")) == line
                else:
                    kept.append(json.loads(line.decode("utf-8-sig" if n == 1 else "utf-8")))
            assert len(got) == len(kept), name
            for g, k in zip(got, kept):
                assert _same({a: b for a, b in g.items() if a != "text"}, {a: b for a, b in k.items() if a != "text"})
        for name in (f"f{k}.{f[0]}" for k, f in enumerate(files) if f[0] in ("txt", "html")):
            target = name[: -len(".html")] + ".txt" if name.endswith(".html") else name
            assert name in whole or (out / target).exists(), name
    finally:
        shutil.rmtree(work, ignore_errors=True)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(FILES, st.sampled_from(["off", "off", "off", "report", "drop"]))
def test_cli_fuzz(files: list[tuple[Any, ...]], dedup: str) -> None:
    _check(files, dedup, "1")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("NEWSCLEAN_SLOW"), reason="about 25 minutes: NEWSCLEAN_SLOW=1 to run")
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(FILES, st.sampled_from(["off", "report", "drop"]), st.sampled_from(["1", "2"]))
def test_cli_fuzz_long(files: list[tuple[Any, ...]], dedup: str, jobs: str) -> None:
    _check(files, dedup, jobs)
