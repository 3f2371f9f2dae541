"""The whole --engine ray run with its stages executed in this process instead of Ray tasks (the
cluster faked, everything else real: shards, run-wide keys, report assembly, near-duplicate stages,
drop pass): byte-identical to the local engine on inputs that exercise the cross-shard steps —
repeated record ids (renamed in input order, also onto a name a later record uses), a record file
failing part-way, rejected records, every input format, explain rows of renamed documents."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.generate import GeneratorOptions, generate
from newsclean.cli import main
from newsclean.distributed import cluster, engine
from newsclean.distributed.cluster import ClusterInfo
from newsclean.distributed.dedup import WORK_STATS, Executor
from newsclean.io import scan_inputs


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def fake_cluster(address: str | None, *, cpus: int | None = None, temp_dir: str | None = None
                     ) -> Iterator[ClusterInfo]:
        yield ClusterInfo(address="in-process", nodes=1, cpus=2)

    monkeypatch.setattr(cluster, "require_ray", lambda: None)  # Ray itself is never imported here
    monkeypatch.setattr(engine, "ray_cluster", fake_cluster)
    monkeypatch.setattr(engine, "RayExecutor", Executor)


def _corpus(root: Path) -> Path:
    docs = list(generate(2500, seed=21, options=GeneratorOptions(republish=4)))
    inp = root / "in"
    (inp / "kompas.com").mkdir(parents=True)
    (inp / "sub").mkdir()
    recs = [{"id": f"n{i % 40}", "text": d["text"], "outlet": d["outlet"], "date": d["date"]}
            for i, d in enumerate(docs)]
    # Ids repeat across and within files (the local engine keys a repeat path:line, then path:line#2
    # when that is taken): line 3 repeats line 1's id and becomes a.jsonl:3, which line 6 has as its
    # own id; line 9 has a.jsonl:45 as its id, which line 45 (a repeat) would be renamed to.
    recs[2]["id"] = "n0"
    recs[5]["id"] = "a.jsonl:3"
    recs[7]["id"] = "a.jsonl:45"
    lines = [json.dumps(r, ensure_ascii=False) for r in recs[:60]]
    lines.insert(10, "{not json")
    (inp / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inp / "b.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs[60:140]),
                                 encoding="utf-8")
    # A compressed file cut short: it fails part-way, and nothing of it may remain.
    full = gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs[140:170]).encode())
    (inp / "c.jsonl.gz").write_bytes(full[: len(full) // 2])
    pq.write_table(pa.Table.from_pylist(recs[170:200]), inp / "d.parquet")
    for i, r in enumerate(recs[200:230]):
        (inp / "kompas.com" / f"{i:03d}.txt").write_text(r["text"] + "\n", encoding="utf-8")
    for i, r in enumerate(recs[230:240]):
        body = "".join(f"<p>{line}</p>" for line in r["text"].split("\n") if line.strip())
        (inp / "sub" / f"p{i}.html").write_text(f"<html><body><article>{body}</article></body></html>",
                                                encoding="utf-8")
    (inp / "e.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs[240:]),
                                 encoding="utf-8")
    return inp


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _report(data: bytes) -> dict[str, Any]:
    rep = json.loads(data)
    rep.pop("timings")
    rep.pop("engine", None)
    if rep.get("dedup"):
        for k in WORK_STATS:
            rep["dedup"]["stats"].pop(k)
    return rep


@pytest.mark.parametrize("options", [["--dedup", "drop", "--explain"], ["--keep", "earliest", "--explain"]])
def test_stages_in_process_same_as_local(tmp_path: Path, in_process: None, options: list[str]) -> None:
    inp = _corpus(tmp_path)
    out = tmp_path / "out"
    assert main([str(inp), str(out), "--quiet", "--jobs", "1", *options]) == 1  # the failed file, the bad line
    want = _files(out)
    for p in sorted(out.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    assert main([str(inp), str(out), "--quiet", "--jobs", "1", "--engine", "ray", *options]) == 1
    got = _files(out)
    assert sorted(got) == sorted(want)
    for name in want:
        if name.endswith("report.json"):
            assert _report(got[name]) == _report(want[name])
            assert json.loads(got[name])["engine"]["address"] == "in-process"
        elif not name.endswith("report.html"):
            assert got[name] == want[name], name
    removed = want["_newsclean/removed.jsonl"].decode()
    for key in ("a.jsonl:3", "a.jsonl:6", "a.jsonl:45#2", "b.jsonl:1"):  # renamed documents, explained
        assert f'"doc": "{key}"' in removed, key
    assert b"c.jsonl.gz" in want["_newsclean/rejected.jsonl"]


def test_engine_ray_without_ray_says_how_to_install(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("ray") is not None:
        pytest.skip("Ray is installed here")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Satu paragraf.\n", encoding="utf-8")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "newsclean", str(tmp_path / "in"), str(tmp_path / "out"),
                           "--engine", "ray", "--quiet"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "pip install 'newsclean[ray]'" in proc.stderr


def test_large_files_in_byte_ranges(tmp_path: Path, in_process: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain JSONL files larger than a range are read by many shards (cut at line starts, lines
    numbered as in the whole file, parts joined); one that fails in a later range fails whole, with
    the local engine's report of it."""
    import newsclean.distributed.shards as shards
    import newsclean.io as nio
    import newsclean.run as run

    monkeypatch.setattr(shards, "RANGE_BYTES", 16_000)
    real = run.doc_from_record

    def doc_from_record(rec: dict[str, Any], default_id: str) -> Any:
        if rec.get("id") == "boom":
            raise RuntimeError("the parser gave up")
        return real(rec, default_id)

    monkeypatch.setattr(run, "doc_from_record", doc_from_record)
    # The templates' learning pass builds the documents too (with --jobs 1 the cleaning pass reuses them): a
    # library that gives up does so in both passes.
    monkeypatch.setattr(nio, "doc_from_record", doc_from_record)
    inp = _corpus(tmp_path)
    recs = [json.loads(line) for line in (inp / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    recs[55]["id"] = "boom"
    (inp / "f.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs) + "\n\n",
                                 encoding="utf-8")
    assert len(shards.plan_shards(scan_inputs(inp).files)) > 20
    out = tmp_path / "out"
    options = ["--dedup", "drop", "--explain"]
    assert main([str(inp), str(out), "--quiet", "--jobs", "1", *options]) == 1
    want = _files(out)
    for p in sorted(out.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    assert main([str(inp), str(out), "--quiet", "--jobs", "1", "--engine", "ray", *options]) == 1
    got = _files(out)
    assert sorted(got) == sorted(want)
    for name in want:
        if name.endswith("report.json"):
            assert _report(got[name]) == _report(want[name])
        elif not name.endswith("report.html"):
            assert got[name] == want[name], name
    assert "f.jsonl" not in got and b"the parser gave up" in want["_newsclean/rejected.jsonl"]
