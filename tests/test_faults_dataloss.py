"""Fault battery, data loss: a file that fails part-way influences nothing else, truncated streams
fail, skipped folders are reported, rejected.jsonl keeps the exact bytes, mis-declared HTML charsets
do not corrupt text."""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import shutil
from pathlib import Path

import pytest
import zstandard

from newsclean.html import decode_html
from tests.faultkit import WIRE, comparable_report, jsonl, rejected, report, run, snapshot


def _records(n: int, seed: int = 1) -> list[dict]:  # type: ignore[type-arg]
    rnd = random.Random(seed)
    return [{"id": f"p{i}", "text": f"Berita nomor {i} tentang pasar.\n" + rnd.randbytes(60).hex()}
            for i in range(n)]


def _cut_gzip(recs: list[dict]) -> bytes:  # type: ignore[type-arg]
    body = "".join(json.dumps(r) + "\n" for r in recs).encode("utf-8")
    gz = gzip.compress(body)
    return gz[: len(gz) * 2 // 3]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_failing_part_way_influences_no_other_output(tmp_path: Path, jobs: str) -> None:
    """The truncated a.jsonl.gz holds WIRE in a record read before the cut: with --dedup drop and
    --keep first its copy came first, so the good file's only surviving copy was dropped."""
    good = tmp_path / "good"
    good.mkdir()
    (good / "b.jsonl").write_text(json.dumps({"id": "b1", "text": "Harga naik hari ini.\n" + WIRE}) + "\n",
                                  encoding="utf-8")
    (good / "c.txt").write_text("Isi berita lain.\n" + WIRE + "\n", encoding="utf-8")
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    # "p3" reuses an id of the good file's namespace: a failed file's ids must not rename later keys
    recs = [{"id": "b1", "text": "Kabar pertama.\n" + WIRE}, *_records(400)]
    (bad / "a.jsonl.gz").write_bytes(_cut_gzip(recs))
    ref, out = tmp_path / "ref", tmp_path / "out"
    assert run(good, ref, "--dedup", "drop", "--explain", "--jobs", jobs) == 0
    assert run(bad, out, "--dedup", "drop", "--explain", "--jobs", jobs) == 1
    assert WIRE in (out / "b.jsonl").read_text(encoding="utf-8")
    assert not (out / "a.jsonl.gz").exists()
    # Every output and report row is what the run without the failed file gives.
    ours, theirs = snapshot(out), snapshot(ref)
    ours.pop("_newsclean/rejected.jsonl")
    for name in ("report.json", "report.html"):  # compared below; the page lists the failure
        ours.pop(f"_newsclean/{name}"), theirs.pop(f"_newsclean/{name}")
    assert ours == theirs
    r, r0 = comparable_report(out), comparable_report(ref)
    assert r["files_failed"] == 1 and [f["path"] for f in r["failures"]] == ["a.jsonl.gz"]
    for key in ("documents", "lines", "bytes", "rules", "outlets"):
        assert r[key] == r0[key], key
    assert r["dedup"]["clusters"] == r0["dedup"]["clusters"]
    assert r["dedup"]["documents"] == r0["dedup"]["documents"]
    rows = rejected(out)
    assert len(rows) == 1 and rows[0]["path"] == "a.jsonl.gz" and rows[0]["file"] is True


def test_truncated_zstd_fails_the_file_like_gzip(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    body = "".join(json.dumps(r) + "\n" for r in _records(300)).encode("utf-8")
    z = zstandard.ZstdCompressor(level=3).compress(body)
    (src / "cut.jsonl.zst").write_bytes(z[: len(z) // 2])
    (src / "gz.jsonl.gz").write_bytes(gzip.compress(body)[:-9])  # just the trailer missing
    (src / "ok.jsonl.zst").write_bytes(z)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    failed = {f["path"]: f["reason"] for f in report(out)["failures"]}
    assert set(failed) == {"cut.jsonl.zst", "gz.jsonl.gz"}
    assert "truncated" in failed["cut.jsonl.zst"] or "end" in failed["cut.jsonl.zst"]
    assert not (out / "cut.jsonl.zst").exists() and (out / "ok.jsonl.zst").exists()


def test_a_zstd_stream_of_several_frames_reads_whole(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    a = zstandard.ZstdCompressor().compress(b'{"id": "1", "text": "Satu."}\n')
    b = zstandard.ZstdCompressor().compress(b'{"id": "2", "text": "Dua."}\n')
    (src / "two.jsonl.zst").write_bytes(a + b)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    assert report(out)["documents"]["in"] == 2


def test_symlinked_and_unreadable_folders_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    (src / "real").mkdir(parents=True)
    (src / "real" / "a.txt").write_text("Isi.\n", encoding="utf-8")
    (src / "locked").mkdir()
    (src / "locked" / "b.txt").write_text("Isi.\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.txt").write_text("Isi.\n", encoding="utf-8")
    os.symlink(elsewhere, src / "link")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path).name == "locked":  # as root, chmod cannot make a folder unreadable
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    failed = {f["path"]: f["reason"] for f in report(out)["failures"]}
    assert "Permission denied" in failed["locked"]
    assert "symbolic link" in failed["link"]
    assert (out / "real" / "a.txt").exists()
    assert {r["path"] for r in rejected(out)} == {"locked", "link"}


def test_rejected_rows_keep_the_exact_bytes(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    lines = [
        b'\xef\xbb\xbf{"id": "bom",  "text": 5}',  # parsed, then rejected: the line, not a re-serialization
        b'{"id": "ok", "text": "Baik."}',
        b'{"id": "latin", "text": "caf\xe9"}',  # not UTF-8: base64
        b'{"id":   "n",\t"text": null, "x": 1.50}\r',
        b"[1, 2]",
        b'{"broken": ',
    ]
    (src / "m.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    rows = {r["line"]: r for r in rejected(out)}
    assert set(rows) == {1, 3, 4, 5, 6}
    for n, row in rows.items():
        raw = lines[n - 1]
        if "raw_base64" in row:
            assert "raw" not in row and base64.b64decode(row["raw_base64"]) == raw
        else:
            assert row["raw"].encode("utf-8") == raw
    assert "raw_base64" in rows[3]
    assert all(r["path"] == "m.jsonl" and r["reason"] for r in rows.values())


def test_rejected_rows_of_parquet_say_what_is_kept(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "Baik.", "n": 1}, {"id": "b", "text": None, "n": 2}]),
                   src / "t.parquet")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    (row,) = rejected(out)
    assert row["line"] == 2 and row["row"] == {"id": "b", "text": None, "n": 2}


UTF8_PAGE = """<html><head><meta charset="iso-8859-1"><title>T</title></head><body><article>
<p>“Kami tidak akan mundur,” kata Peskov kepada wartawan di Moskow pada hari Kamis pagi.</p>
<p>Harga cabai di pasar naik tajam sejak awal pekan, ujar seorang pedagang kepada wartawan.</p>
</article></body></html>"""


def test_a_wrong_declared_charset_is_checked_against_the_bytes(tmp_path: Path) -> None:
    data = UTF8_PAGE.encode("utf-8")
    assert "“Kami tidak akan mundur,”" in decode_html(data)
    latin = UTF8_PAGE.replace("iso-8859-1", "utf-8").replace("“", '"').replace("”", '"').replace(
        "Kamis", "Kamís").encode("latin-1")
    assert "Kamís" in decode_html(latin)  # declared UTF-8, bytes are not: no U+FFFD
    src = tmp_path / "in"
    src.mkdir()
    (src / "p.html").write_bytes(data)
    (src / "q.html").write_bytes(latin)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    assert "“Kami tidak akan mundur,” kata Peskov" in (out / "p.txt").read_text(encoding="utf-8")
    assert "Kamís" in (out / "q.txt").read_text(encoding="utf-8")
    notes = {n["path"]: n["note"] for n in report(out)["notes"]}
    assert "utf-8" in notes["p.html"] and "iso-8859-1" in notes["p.html"].lower()
    assert "utf-8" in notes["q.html"]


def test_removed_rows_of_a_failed_file_are_not_kept(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    recs = [{"id": "x1", "text": "Harga naik.\nBaca juga: Harga Turun Lagi"}, *_records(400)]
    (src / "a.jsonl.gz").write_bytes(_cut_gzip(recs))
    (src / "b.txt").write_text("Isi.\nBaca juga: Kabar Lain Hari Ini\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off", "--explain") == 1
    docs = {r["doc"] for r in jsonl(out / "_newsclean" / "removed.jsonl")}
    assert docs == {"b.txt"}


def test_a_page_and_a_text_of_the_same_name_both_keep_their_output(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "x.txt").write_text("Teks biasa.\n", encoding="utf-8")
    (src / "x.html").write_bytes(UTF8_PAGE.replace("iso-8859-1", "utf-8").encode("utf-8"))
    (src / "x.htm").write_bytes(UTF8_PAGE.replace("iso-8859-1", "utf-8").replace("Kamis", "Jumat").encode("utf-8"))
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    assert (out / "x.txt").read_text(encoding="utf-8") == "Teks biasa.\n"
    assert "Jumat" in (out / "x.htm.txt").read_text(encoding="utf-8")
    assert "Kamis" in (out / "x.html.txt").read_text(encoding="utf-8")
    notes = {n["path"] for n in report(out)["notes"]}
    assert {"x.htm", "x.html"} <= notes


def test_empty_files_of_every_kind(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("e.txt", "e.jsonl", "e.jsonl.gz", "e.jsonl.zst", "e.parquet", "p.html"):
        (src / name).write_bytes(b"")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    assert [f["path"] for f in report(out)["failures"]] == ["e.parquet"]  # not a Parquet file at all
    for name in ("e.txt", "e.jsonl", "e.jsonl.gz", "e.jsonl.zst", "p.txt"):
        assert (out / name).exists(), name


@pytest.mark.parametrize("batch", [16, 64, 100_000])
def test_a_failed_file_leaves_the_index_as_if_it_never_was(tmp_path: Path, batch: int) -> None:
    """With small index batches, the failed file's paragraphs reach the index (with the previous
    file's, still buffered) before it fails: they must be discarded, and only they."""
    import io as stdio

    from newsclean.dedup import DedupConfig, NearDuplicateIndex
    from newsclean.io import scan_inputs
    from newsclean.run import DedupIntake, PipelineSpec, Runner, TextSpill

    def clusters(src: Path) -> tuple[list[list[tuple[str, int]]], dict[str, int]]:
        index = NearDuplicateIndex(DedupConfig(batch_size=batch))
        intake = DedupIntake(index, TextSpill(str(tmp_path)))
        out = tmp_path / f"out-{src.name}"
        runner = Runner(scan_inputs(src).files, out, PipelineSpec(), rejects_fh=stdio.StringIO())
        runner.run(dedup=intake)
        res = index.finish()
        got = [[(m.doc, m.line, intake.spill.get(m.doc, m.line)) for m in c.members] for c in res.clusters]
        return got, {k: res.stats[k] for k in ("documents", "paragraphs", "too_short", "clusters")}

    good = tmp_path / "good"
    good.mkdir()
    recs = [{"id": f"a{i}", "text": f"Kabar {i} hari ini.\nBaris pendek.\n" + (WIRE if i == 29 else "")}
            for i in range(30)]
    (good / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    (good / "c.jsonl").write_text(json.dumps({"id": "a5", "text": "Lain.\n" + WIRE}) + "\n", encoding="utf-8")
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    cut = [{"id": f"a{i}", "text": f"Isi {i}.\n{WIRE}\n" + random.Random(i).randbytes(40).hex()} for i in range(300)]
    (bad / "b.jsonl.gz").write_bytes(_cut_gzip(cut))
    assert clusters(bad) == clusters(good)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_pages_without_a_byte_order_mark(tmp_path: Path, codec: str) -> None:
    page = ("<html><head><title>T</title></head><body><article><p>Harga cabai naik tajam — sejak awal pekan, "
            "kata pedagang “Ibu” di pasar café.</p><p>Pemerintah berjanji menurunkan harga.</p>"
            "</article></body></html>")
    src = tmp_path / "in"
    src.mkdir()
    (src / "p.html").write_bytes(page.encode(codec))
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    assert "tajam — sejak awal pekan, kata pedagang “Ibu” di pasar café." in (out / "p.txt").read_text(encoding="utf-8")
    assert codec in {n["path"]: n["note"] for n in report(out)["notes"]}["p.html"]


def test_inputs_compressed_in_a_way_not_read_fail_and_other_files_are_noted(tmp_path: Path) -> None:
    import bz2
    import lzma

    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    body = b'{"id": "a", "text": "Harga cabai naik tajam."}\n'
    (src / "a.jsonl.bz2").write_bytes(bz2.compress(body))
    (src / "sub" / "b.jsonl.xz").write_bytes(lzma.compress(body))
    (src / "c.txt.gz").write_bytes(gzip.compress(b"Harga cabai naik.\n"))
    for i in range(3):
        (src / "sub" / f"meta{i}.json").write_text("{}")
    (src / "README").write_text("about this corpus")
    (src / "ok.txt").write_text("Harga bawang turun.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    failed = {f["path"]: f["reason"] for f in report(out)["failures"]}
    assert set(failed) == {"a.jsonl.bz2", "sub/b.jsonl.xz", "c.txt.gz"}
    assert "compressed as .bz2: not read" in failed["a.jsonl.bz2"]
    assert {r["path"] for r in rejected(out) if r.get("file")} == set(failed)
    notes = {n["path"]: n["note"] for n in report(out)["notes"]}
    assert set(notes) == {"README", "sub/meta0.json"} and "3 files under IN ending in .json" in notes["sub/meta0.json"]
    assert sorted(p.name for p in out.iterdir()) == ["_newsclean", "ok.txt"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_files_with_a_byte_order_mark_are_read(tmp_path: Path, codec: str) -> None:
    text = "Harga cabai naik tajam — kata pedagang “Ibu” di café.\nBaca juga: Harga Bawang Turun\n"
    data = text.encode(codec) if codec != "utf-16-be" else b"\xfe\xff" + text.encode(codec)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(data)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    assert (out / "a.txt").read_bytes() == "Harga cabai naik tajam — kata pedagang “Ibu” di café.\n".encode()
    notes = [n["note"] for n in report(out)["notes"]]
    assert notes == ([] if codec == "utf-8-sig" else [f"decoded as {codec[:6]} (its byte-order mark says so); "
                                                      "written as UTF-8"])


@pytest.mark.parametrize(("codec", "bom", "suffix"), [
    ("utf-16", True, ".jsonl"), ("utf-16-be", True, ".jsonl"), ("utf-32", True, ".jsonl"),
    ("utf-16-le", False, ".jsonl"), ("utf-16", True, ".jsonl.gz"), ("utf-32-be", False, ".jsonl.zst")])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jsonl_in_utf16_or_utf32_fails_the_whole_file_once(tmp_path: Path, codec: str, bom: bool, suffix: str,
                                                             jobs: str) -> None:
    """JSON Lines is UTF-8: a JSONL file saved as UTF-16 or UTF-32 (told by its byte-order mark, or
    by the zero bytes around its first '{') fails whole, with one reason that names the encoding and
    how to convert it, not one rejection per line; the other files go through."""
    recs = [{"id": f"w{i}", "text": f"Harga cabai naik tajam — kata pedagang “Ibu” di café nomor {i}."}
            for i in range(5)]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
    data = body.encode(codec)
    if bom and codec.endswith("-be"):
        data = "\ufeff".encode(codec) + data
    if suffix == ".jsonl.gz":
        data = gzip.compress(data, mtime=0)
    elif suffix == ".jsonl.zst":
        data = zstandard.ZstdCompressor().compress(data)
    src = tmp_path / "in"
    src.mkdir()
    (src / f"wide{suffix}").write_bytes(data)
    (src / "ok.jsonl").write_text(json.dumps({"id": "o", "text": "Harga bawang turun."}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off", "--jobs", jobs) == 1
    rows = rejected(out)
    assert len(rows) == 1 and rows[0]["path"] == f"wide{suffix}" and rows[0]["file"] is True, rows
    width = codec[:6].upper()
    assert width in rows[0]["reason"] and "UTF-8" in rows[0]["reason"] and "iconv" in rows[0]["reason"]
    r = report(out)
    assert r["files_failed"] == 1 and r["failures_total"] == 1 and r["documents"]["rejected_records"] == 0
    assert [f["path"] for f in r["failures"]] == [f"wide{suffix}"] and "line" not in r["failures"][0]
    assert sorted(p.name for p in out.iterdir()) == ["_newsclean", "ok.jsonl"]


def test_a_utf8_jsonl_whose_first_line_starts_with_a_zero_byte_is_still_read_line_by_line(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = json.dumps({"id": "a", "text": "Harga naik."}).encode()
    (src / "a.jsonl").write_bytes(b"\x00\x01 not json\n" + good + b"\n")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    assert [(r["path"], r.get("line")) for r in rejected(out)] == [("a.jsonl", 1)]
    assert json.loads((out / "a.jsonl").read_text(encoding="utf-8"))["id"] == "a"


def _strict(text: str) -> object:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_numbers_too_large_for_a_float_are_written_back_as_read(tmp_path: Path, jobs: str) -> None:
    """Valid JSON in, valid JSON out: ``1e999`` was written back as ``Infinity`` (not JSON; strict
    readers such as jq or pyarrow refuse the whole output line)."""
    src = tmp_path / "in"
    src.mkdir()
    lines = [
        '{"id": "big", "text": "Harga naik hari ini di pasar induk.", "score": 1e999, "m": [-2E+400, {"x": 0.5}]}',
        '{"id": "word", "text": "Infinity War tayang lagi di bioskop kota.", "score": 1.5}',
    ]
    (src / "n.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off", "--jobs", jobs) == 0
    written = (out / "n.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(written) == 2
    rows = [_strict(x) for x in written]  # raises on Infinity
    assert '"score": 1e999, "m": [-2E+400, {"x": 0.5}]' in written[0]
    assert rows[1] == {"id": "word", "text": "Infinity War tayang lagi di bioskop kota.", "score": 1.5}
