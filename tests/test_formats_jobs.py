"""Streaming formats (JSONL .gz/.zst, Parquet), parallel runs and their determinism."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.cli import main
from newsclean.io import parse_jsonl_line, record_line

PROMOS = ["Baca Juga: Harga Bawang Turun Lagi", "Gabung ke Channel WhatsApp Kami untuk update berita",
          "SCROLL TO CONTINUE WITH CONTENT", "Advertisement"]
WORDS = ("pemerintah harga warga kota jalan banjir pasar presiden menteri sekolah rumah sakit polisi "
         "petani nelayan pelabuhan bandara kereta listrik air hujan").split()


def records(n: int, seed: int = 3) -> list[dict]:  # type: ignore[type-arg]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        lines = ["JAKARTA, KOMPAS.com - " + " ".join(rnd.choice(WORDS) for _ in range(20)).capitalize() + "."]
        for _ in range(rnd.randint(2, 6)):
            lines.append(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 30))).capitalize() + ".")
            if rnd.random() < 0.4:
                lines.append(rnd.choice(PROMOS))
        out.append({"id": f"d{i}", "text": "\n".join(lines), "outlet": "kompas.com", "n": i})
    return out


def write_inputs(root: Path, recs: list[dict]) -> None:  # type: ignore[type-arg]
    root.mkdir(parents=True)
    body = "".join(json.dumps(r) + "\n" for r in recs).encode("utf-8")
    (root / "a.jsonl").write_bytes(body)
    (root / "b.jsonl.gz").write_bytes(gzip.compress(body))
    (root / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    pq.write_table(pa.Table.from_pylist(recs), root / "d.parquet")
    for i, r in enumerate(recs[:20]):
        (root / "txt").mkdir(exist_ok=True)
        (root / "txt" / f"{i}.txt").write_text(r["text"], encoding="utf-8")


def read_out(out: Path) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    got = {}
    got["a"] = [json.loads(x) for x in (out / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    got["b"] = [json.loads(x) for x in gzip.decompress((out / "b.jsonl.gz").read_bytes()).decode().splitlines()]
    with zstandard.ZstdDecompressor().stream_reader(open(out / "c.jsonl.zst", "rb")) as fh:
        got["c"] = [json.loads(x) for x in fh.read().decode().splitlines()]
    got["d"] = pq.read_table(out / "d.parquet").to_pylist()
    return got


def test_every_format_round_trips_with_fields_kept(tmp_path: Path) -> None:
    recs = records(150)
    write_inputs(tmp_path / "in", recs)
    assert main([str(tmp_path / "in"), str(tmp_path / "out"), "--dedup", "off", "--quiet", "--jobs", "1"]) == 0
    got = read_out(tmp_path / "out")
    for name in "abcd":
        assert [r["id"] for r in got[name]] == [r["id"] for r in recs], name
        assert [r["n"] for r in got[name]] == list(range(150)), name
        assert all("Baca Juga" not in r["text"] and "KOMPAS.com" not in r["text"] for r in got[name])
    assert got["a"] == got["b"] == got["c"] == got["d"]
    assert (tmp_path / "out" / "txt" / "0.txt").read_text(encoding="utf-8").rstrip("\n") == got["a"][0]["text"]


def snapshot(root: Path) -> dict[str, bytes]:
    # report.json and report.html: timings, paths, jobs; .run.json and .lock: the run's state
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in ("report.json", "report.html", ".run.json", ".lock")}


@pytest.mark.parametrize("dedup", ["report", "drop"])
def test_outputs_are_byte_identical_for_any_number_of_jobs(tmp_path: Path, dedup: str) -> None:
    recs = records(300, seed=5)
    for r in recs[::7]:  # a shared wire paragraph, to give the dedup stage work
        r["text"] += "\nPada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."
    write_inputs(tmp_path / "in", recs)
    outs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"out{jobs}"
        assert main([str(tmp_path / "in"), str(out), "--dedup", dedup, "--explain", "--quiet", "--jobs", jobs]) == 0
        outs.append(snapshot(out))
    assert outs[0] == outs[1] == outs[2]
    assert outs[0]["_newsclean/duplicates.jsonl"]


def test_corrupt_compressed_and_parquet_files_are_reported_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_inputs(src, records(10))
    (src / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    (src / "bad.parquet").write_bytes(b"PAR1 nope")
    (src / "trunc.jsonl.gz").write_bytes(gzip.compress(b'{"id": "x", "text": "Halo."}\n' * 50)[:40])
    out = tmp_path / "out"
    assert main([str(src), str(out), "--dedup", "off", "--quiet"]) == 1
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    failed = {f["path"] for f in report["failures"]}
    assert {"bad.jsonl.gz", "bad.parquet", "trunc.jsonl.gz"} <= failed
    assert not (out / "bad.jsonl.gz").exists() and not (out / "bad.parquet").exists()
    assert len(read_out(out)["a"]) == 10
    assert not list(out.rglob("*.tmp"))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(rec=st.dictionaries(st.text(max_size=8), _json_values, max_size=5), word=st.sampled_from(["", "Infinity"]))
def test_record_line_writes_what_json_dumps_writes(rec: dict, word: str) -> None:  # type: ignore[type-arg]
    """Both paths of record_line (the fast one, and the one taken when "Infinity" appears, which
    writes numbers too large for a float as read) give json.dumps's bytes for parsed records."""
    rec = dict(rec, text=word + " kata")
    line = json.dumps(rec, ensure_ascii=False)
    parsed = parse_jsonl_line(1, line.encode("utf-8"))
    assert isinstance(parsed, dict)
    assert record_line(parsed) == line.encode("utf-8") + b"\n"
