"""The runner's per-document work in workers: sketched paragraph batches, bulk spill, merged counts,
unique keys fixed up in the main process, worker-side read failures, and the start method."""

from __future__ import annotations

import gzip
import json
import random
from array import array
from pathlib import Path

import pytest

import newsclean.io as io_mod
import newsclean.run as run_mod
from newsclean.cli import main
from newsclean.dedup import DedupConfig, NearDuplicateIndex, sketch, sketch_documents
from newsclean.report import RunStats
from newsclean.run import TextSpill
from tests.test_formats_jobs import records, snapshot

WIRE = "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."


def synthetic_docs(n: int, seed: int = 7) -> list[tuple[str, list[tuple[int, str]], str | None, str | None]]:
    rnd = random.Random(seed)
    words = "harga warga kota banjir pasar presiden menteri sekolah polisi petani nelayan kereta".split()
    docs = []
    for d in range(n):
        paras: list[tuple[int, str]] = []
        for i in range(rnd.randint(0, 6)):
            kind = rnd.random()
            if kind < 0.15:
                text = WIRE if rnd.random() < 0.5 else WIRE.replace("Rusia", "Rusia kemudian") + " katanya."
            elif kind < 0.25:
                text = "Baca juga: " + rnd.choice(words)  # short: exact hashing only
            elif kind < 0.3:
                text = "Кремль заявил, что переговоры продолжатся на следующей неделе в Женеве."  # Python path
            else:
                text = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 30))).capitalize() + "."
            paras.append((2 * i, text))
        docs.append((f"d{d}", paras, f"2024-01-{1 + d % 28:02d}", rnd.choice(["a.com", "b.com", None])))
    return docs


def result_summary(res):  # type: ignore[no-untyped-def]
    clusters = [(c.kept.doc, c.kept.line, tuple((m.doc, m.line, round(m.similarity, 9), m.text) for m in c.members))
                for c in res.clusters]
    return clusters, res.dropped, [d.to_json_row() for d in res.documents], dict(res.stats)


@pytest.mark.parametrize("cfg", [DedupConfig(), DedupConfig(keep="earliest", keep_text=True, signature_bits=32),
                                 DedupConfig(min_chars=12, batch_size=16)])
def test_sketched_batches_equal_documents_added_one_by_one(cfg: DedupConfig) -> None:
    docs = synthetic_docs(120)
    one = NearDuplicateIndex(cfg)
    for key, paras, date, outlet in docs:
        one.add_document(key, paras, date=date, outlet=outlet)
    batched = NearDuplicateIndex(cfg)
    for lo in range(0, len(docs), 17):
        part = docs[lo:lo + 17]
        if lo == 34:  # one document by hand in between: pending paragraphs come first
            batched.add_document(*part[0][:2], date=part[0][2], outlet=part[0][3])
            part = part[1:]
        nums = [k for k, (_, paras, _, _) in enumerate(part) for _ in paras]
        lines = [i for _, paras, _, _ in part for i, _ in paras]
        texts = [t for _, paras, _, _ in part for _, t in paras]
        batched.add_sketched([(key, date, outlet) for key, _, date, outlet in part],
                             sketch_documents(cfg, nums, lines, texts))
    a, b = one.finish(), batched.finish()
    assert a.stats["python_normalized"] > 0 and a.stats["too_short"] >= 0 and a.clusters
    assert result_summary(a) == result_summary(b)


def test_add_sketched_checks_its_input() -> None:
    cfg = DedupConfig()
    batch = sketch_documents(cfg, [0, 1], [0, 0], [WIRE, WIRE])
    idx = NearDuplicateIndex(cfg)
    with pytest.raises(ValueError, match="number the given documents"):
        idx.add_sketched([("a", None, None)], batch)
    idx.add_sketched([("a", None, None), ("b", None, None)], batch)
    with pytest.raises(ValueError, match="already added"):
        idx.add_sketched([("a", None, None), ("c", None, None)], batch)
    with pytest.raises(ValueError, match="num_perm"):
        NearDuplicateIndex(DedupConfig(num_perm=64)).add_sketched([("a", None, None), ("b", None, None)], batch)
    assert [(m.doc, m.line) for m in idx.finish().clusters[0].members] == [("a", 0), ("b", 0)]


def test_text_spill_batches_equal_single_adds(tmp_path: Path) -> None:
    docs = synthetic_docs(40, seed=3)
    one, many = TextSpill(str(tmp_path)), TextSpill(str(tmp_path))
    for key, paras, _, _ in docs:
        for i, t in paras:
            one.add(key, i, t)
    for lo in range(0, len(docs), 9):
        part = docs[lo:lo + 9]
        enc = [t.encode("utf-8") for _, paras, _, _ in part for _, t in paras]
        many.add_batch([d[0] for d in part], [len(d[1]) for d in part],
                       array("q", [i for _, paras, _, _ in part for i, _ in paras]),
                       array("i", map(len, enc)), b"".join(enc))
    for key, paras, _, _ in docs:
        for i, t in paras:
            assert one.get(key, i) == many.get(key, i) == t
        assert many.get(key, 99) is None
    assert many.get("nope", 0) is None
    one.close()
    many.close()


def test_run_stats_merge_equals_counting_in_one_place() -> None:
    from newsclean.document import split_lines
    from newsclean.pipeline import Pipeline
    from newsclean.run import base_text

    p = Pipeline.default()
    texts = [r["text"] for r in records(30)]
    whole, parts = RunStats(), RunStats()
    for lo in range(0, len(texts), 7):
        delta = RunStats()
        for t in texts[lo:lo + 7]:
            c = p.explain(t)
            for s in (whole, delta):
                s.add_document(t, c.text, c.changes, "kompas.com", len(split_lines(base_text(t, c))))
        parts.merge(delta)
    assert parts.to_json() == whole.to_json()


def test_one_numba_thread_inline_restores_the_setting() -> None:
    from newsclean.dedup.jit import numba_module

    numba = numba_module()  # as newsclean imports it: the fork-safe threading layer asked for first

    before = numba.get_num_threads()
    with run_mod._one_numba_thread():
        assert numba.get_num_threads() == 1
        sketch([WIRE])
    assert numba.get_num_threads() == before


def mixed_inputs(root: Path) -> None:
    root.mkdir(parents=True)
    recs = records(120, seed=9)
    for r in recs[::5]:
        r["text"] += "\n" + WIRE
    for r in recs[::11]:
        r["id"] = "same"  # repeated ids: keyed path:line in the main process
    lines = [json.dumps(r) for r in recs]
    lines.insert(7, "{broken")
    lines.insert(15, json.dumps({"id": "x", "text": 3}))
    (root / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    (root / "t").mkdir()
    for i, r in enumerate(recs[:5]):
        (root / "t" / f"{i}.txt").write_text(r["text"], encoding="utf-8")


@pytest.mark.parametrize("dedup", ["report", "drop"])
def test_repeated_ids_get_the_same_keys_for_any_number_of_jobs(tmp_path: Path, dedup: str) -> None:
    mixed_inputs(tmp_path / "in")
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main([str(tmp_path / "in"), str(out), "--dedup", dedup, "--explain", "--quiet", "--jobs", jobs]) == 1
        outs.append(snapshot(out))
    assert outs[0] == outs[1]
    dups = outs[0]["_newsclean/duplicates.jsonl"].decode()
    removed = outs[0]["_newsclean/removed.jsonl"].decode()
    assert '"doc": "b.jsonl:1"' in dups or '"doc": "b.jsonl:1"' in removed  # b's first record repeats a's id
    assert '"doc": "a.jsonl:' in removed
    rejected = [json.loads(x) for x in outs[0]["_newsclean/rejected.jsonl"].decode().splitlines()]
    found = [(r["path"], r["line"]) for r in rejected]
    assert found == [("a.jsonl", 8), ("a.jsonl", 16), ("b.jsonl", 8), ("b.jsonl", 16)]


def test_drop_pass_reports_rejected_records_and_failed_files_once(tmp_path: Path) -> None:
    """--dedup drop re-reads the files holding dropped paragraphs; what that second pass reads again
    (bad records, a file that fails part-way) was reported by the first pass and is not reported
    again: rejected.jsonl and report.json's counts are those of --dedup report, for any --jobs."""
    src = tmp_path / "in"
    src.mkdir()
    lines = [json.dumps({"id": "a", "text": "Pemilu di kota ini berjalan tertib.\n" + WIRE}),
             "{not json",
             json.dumps({"id": "b", "text": "Hasil sepak bola semalam mengejutkan.\n" + WIRE}),
             json.dumps({"id": "c", "title": "no text"}),
             json.dumps({"id": "d", "text": "Festival musik digelar di ibu kota."})]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a .gz cut short: its first record (which repeats WIRE, so it has a drop) reads, then the file fails
    rnd = random.Random(2)
    pad = [{"id": f"p{i}", "text": "", "pad": rnd.randbytes(100).hex()} for i in range(100)]
    body = "".join(json.dumps(r) + "\n" for r in [{"id": "g", "text": WIRE}] + pad)
    gz = gzip.compress(body.encode("utf-8"))
    (src / "cut.jsonl.gz").write_bytes(gz[: len(gz) // 2])
    reports: dict[tuple[str, str], dict] = {}  # type: ignore[type-arg]
    outs: dict[tuple[str, str], dict[str, bytes]] = {}
    for dedup in ("report", "drop"):
        for jobs in ("1", "2"):
            out = tmp_path / f"out-{dedup}-{jobs}"
            assert main([str(src), str(out), "--dedup", dedup, "--quiet", "--jobs", jobs]) == 1
            reports[dedup, jobs] = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
            outs[dedup, jobs] = snapshot(out)
    for dedup in ("report", "drop"):
        assert outs[dedup, "1"] == outs[dedup, "2"]
    drop = reports["drop", "1"]
    # b's copy of WIRE; g's was in the file that failed, which takes part in nothing
    assert drop["dedup"]["paragraphs_dropped"] == 1
    rejected = [json.loads(x) for x in outs["drop", "1"]["_newsclean/rejected.jsonl"].decode().splitlines()]
    assert [(r["path"], r.get("line"), r.get("raw")) for r in rejected] == [
        ("cut.jsonl.gz", None, None), ("news.jsonl", 2, "{not json"), ("news.jsonl", 4, lines[3])]
    assert rejected[0]["file"] is True
    assert outs["drop", "1"]["_newsclean/rejected.jsonl"] == outs["report", "1"]["_newsclean/rejected.jsonl"]
    for key in ("files", "files_failed", "documents", "failures"):
        assert drop[key] == reports["report", "1"][key], key
    assert drop["files_failed"] == 1 and drop["documents"]["rejected_records"] == 2
    assert [f["path"] for f in drop["failures"]] == ["cut.jsonl.gz", "news.jsonl", "news.jsonl"]


def test_a_record_that_breaks_the_reader_fails_its_file_for_any_number_of_jobs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error of the library below (not a bad record) while building a document fails the whole
    file, as a read error does: nothing of the file counts (its documents before the error are
    taken back), the output is not written, and the file's later documents (already read ahead,
    possibly cleaned by a worker) are skipped."""
    mixed_inputs(tmp_path / "in")
    real = run_mod.doc_from_record

    def doc_from_record(rec, default_id):  # type: ignore[no-untyped-def]
        if default_id == "a.jsonl:100":
            raise RuntimeError("parser exploded")
        return real(rec, default_id)

    monkeypatch.setattr(run_mod, "doc_from_record", doc_from_record)  # forked workers see it too
    # The templates' learning pass builds the documents too (with --jobs 1 the cleaning pass reuses them): a
    # library that fails does so in both passes.
    monkeypatch.setattr(io_mod, "doc_from_record", doc_from_record)
    reports, outs = [], []
    for jobs, dedup in (("1", "report"), ("1", "off"), ("2", "off"), ("3", "off")):
        out = tmp_path / f"out{jobs}{dedup}"
        assert main([str(tmp_path / "in"), str(out), "--dedup", dedup, "--explain", "--quiet", "--jobs", jobs]) == 1
        report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
        for key in ("timings", "output", "options", "dedup"):
            report.pop(key)
        reports.append(report)
        outs.append({k: v for k, v in snapshot(out).items() if k != "_newsclean/duplicates.jsonl"})
    assert reports[0] == reports[1] == reports[2] == reports[3]
    assert outs[0] == outs[1] == outs[2] == outs[3]
    report = reports[0]
    assert {"path": "a.jsonl", "reason": "cannot read: RuntimeError: parser exploded"} in report["failures"]
    assert report["files_failed"] == 1
    assert "a.jsonl" not in outs[0] and "b.jsonl" in outs[0] and "t/0.txt" in outs[0]
    # None of a.jsonl's records count, nor its rejected lines: b.jsonl's 38 records and the 5 texts do
    assert report["documents"]["in"] == 38 + 5
    assert report["documents"]["rejected_records"] == 2  # b.jsonl's
    removed = outs[0]["_newsclean/removed.jsonl"].decode()
    assert '"doc": "d1"' in removed and '"doc": "a.jsonl:' not in removed  # b's first record is d0
    dups = (tmp_path / "out1report" / "_newsclean" / "duplicates.jsonl").read_text(encoding="utf-8")
    assert '"doc": "d95"' not in dups and '"doc": "d30"' in dups  # a's copies of WIRE are gone, b's stay
    rejected = [json.loads(x) for x in outs[0]["_newsclean/rejected.jsonl"].decode().splitlines()]
    assert [r["path"] for r in rejected] == ["a.jsonl", "b.jsonl", "b.jsonl"]


def test_workers_are_forked_after_numba_threads_ran_on_a_fork_safe_layer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """newsclean's kernels ask numba for a fork-safe threading layer, so sketching workers are forked
    even after this process ran the parallel kernels; on GNU OpenMP (a user's choice: a process
    forked after it ran is terminated when it uses it) they come from a fork server instead."""
    from newsclean.dedup import threading_layer

    sketch([WIRE] * 3)  # starts numba's threads in this process
    assert threading_layer.fork_safe()
    assert run_mod._start_method(sketching=True) == "fork"
    mixed_inputs(tmp_path / "in")
    out = tmp_path / "out"
    assert main([str(tmp_path / "in"), str(out), "--dedup", "report", "--quiet", "--jobs", "2"]) == 1
    assert (out / "_newsclean" / "duplicates.jsonl").read_text(encoding="utf-8")
    monkeypatch.setattr(threading_layer, "fork_safe", lambda: False)
    assert run_mod._start_method(sketching=True) in ("forkserver", "spawn")
    assert run_mod._start_method(sketching=False) == "fork"
    out2 = tmp_path / "out2"
    assert main([str(tmp_path / "in"), str(out2), "--dedup", "report", "--quiet", "--jobs", "2"]) == 1
    assert snapshot(out2).keys() == snapshot(out).keys()


_KILLED_HOLDING_LOCKS = """
import os, signal, threading, time
import multiprocessing as mp
from newsclean.dedup import jit
numba = jit.numba_module()
numba.get_num_threads()  # numba's threads started here: its start-up lock made, shared with children
from numba.np.ufunc import parallel

def killed_holding_numbas_lock():
    parallel._backend_init_process_lock.acquire()  # as in get_num_threads(), killed before it returns
    os.kill(os.getpid(), signal.SIGKILL)

def takes_parallel_lock(q):
    with jit.PARALLEL_LOCK:
        q.put(numba.get_num_threads())

ctx = mp.get_context("fork")
p = ctx.Process(target=killed_holding_numbas_lock)
p.start(); p.join()
got = []
t = threading.Thread(target=lambda: got.append(numba.get_num_threads()), daemon=True)
t.start(); t.join(20)
print("parent", got)
held, forked = threading.Event(), threading.Event()
def holder():
    with jit.PARALLEL_LOCK:
        held.set(); forked.wait(30)
threading.Thread(target=holder, daemon=True).start()
held.wait(30)
q = ctx.Queue()
c = ctx.Process(target=takes_parallel_lock, args=(q,))
c.start(); forked.set()
try:
    print("child", q.get(timeout=20))
except Exception:
    print("child stuck")
c.kill(); c.join()
"""


def test_a_worker_killed_holding_numbas_lock_does_not_stop_the_others() -> None:
    """numba's start-up lock is a ``multiprocessing`` lock shared by a process and its forked
    children, taken by every ``get_num_threads()``: a worker killed holding it (the pool's SIGTERM
    after an interruption) made the next call in the parent wait forever. A forked child also gets
    its own :data:`PARALLEL_LOCK`, free even when another thread of the parent held it at the
    fork. In a subprocess: a hang there cannot take the rest of the suite with it."""
    import os
    import subprocess
    import sys

    from tests.faultkit import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", _KILLED_HOLDING_LOCKS], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0].startswith("parent [") and lines[0] != "parent []", done.stdout
    assert lines[1].startswith("child ") and lines[1] != "child stuck", done.stdout


def test_a_parquet_batch_python_cannot_hold_fails_the_file_at_that_batch(tmp_path: Path) -> None:
    """Rows are read 1,024 at a time, as before: a batch with a timestamp beyond year 9999 fails the
    file at that batch for any number of jobs, and the documents of the batches before it are taken
    back with the rest of the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    src.mkdir()
    recs = records(1500, seed=4)
    table = pa.Table.from_pylist(recs).append_column(
        "when", pa.array([0] * 1100 + [253402300800 * 10**6 * 5] + [0] * 399, type=pa.timestamp("us")))
    pq.write_table(table, src / "x.parquet")
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main([str(src), str(out), "--dedup", "off", "--quiet", "--jobs", jobs]) == 1
        report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
        assert not (out / "x.parquet").exists()
        reports.append((report["documents"], report["failures"]))
    assert reports[0] == reports[1]
    assert reports[0][0]["in"] == 0  # the 1,024 rows before the bad batch are taken back
    assert reports[0][1][0]["path"] == "x.parquet" and "out of range" in reports[0][1][0]["reason"]


@pytest.mark.parametrize("cfg", [DedupConfig(batch_size=40), DedupConfig(keep_text=True, batch_size=8192)])
def test_intake_buffers_sketched_groups_into_index_sized_batches(tmp_path: Path, cfg: DedupConfig) -> None:
    from newsclean.run import DedupIntake

    docs = synthetic_docs(90, seed=12)
    one = NearDuplicateIndex(cfg)
    for key, paras, date, outlet in docs:
        one.add_document(key, paras, date=date, outlet=outlet)
    intake = DedupIntake(NearDuplicateIndex(cfg), TextSpill(str(tmp_path)))
    for lo in range(0, len(docs), 7):
        part = docs[lo:lo + 7]
        texts = [t for _, paras, _, _ in part for _, t in paras]
        sketched = None
        spill = None
        if texts:
            sketched = sketch_documents(cfg, [k for k, d in enumerate(part) for _ in d[1]],
                                        [i for _, paras, _, _ in part for i, _ in paras], texts)
            enc = [t.encode("utf-8") for t in texts]
            spill = (array("q", [i for _, paras, _, _ in part for i, _ in paras]), array("i", map(len, enc)),
                     b"".join(enc))
        intake.add([(key, 0, date, outlet, len(paras)) for key, paras, date, outlet in part], sketched, spill)
    intake.flush()
    assert result_summary(one.finish()) == result_summary(intake.index.finish())
    assert intake.spill.get(docs[1][0], docs[1][1][0][0]) == docs[1][1][0][1]
    intake.spill.close()


@pytest.mark.parametrize("window", [1, 64, 8 << 20])
def test_text_spill_reads_many_texts_as_one_at_a_time(window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsclean import run
    from newsclean.run import TextSpill

    monkeypatch.setattr(run, "TEXT_WINDOW", window)
    spill = TextSpill()
    texts = {("a", 0): "satu dua", ("a", 3): "tiga “empat” — lima", ("b", 1): "", ("c", 2): "x" * 100}
    for (doc, line), text in texts.items():
        spill.add(doc, line, text)
    keys = [("c", 2), ("a", 3), ("zz", 0), ("a", 0), ("b", 1), ("a", 1), ("a", 3)]
    try:
        assert spill.get_many(keys) == [spill.get(d, ln) for d, ln in keys] == [texts.get(k) for k in keys]
        assert spill.get_many([]) == []
    finally:
        spill.close()
