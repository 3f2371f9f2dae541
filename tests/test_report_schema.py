"""report.json: real reports validate against the JSON Schema shipped in the package, rule keys are
``cleaner:rule`` everywhere, and the counts agree with each other and with the outputs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from newsclean.cli import main
from newsclean.report import report_schema

jsonschema = pytest.importorskip("jsonschema")

WIRE = "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."


@pytest.fixture()
def corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    src = tmp_path / "in"
    (src / "kompas.com").mkdir(parents=True)
    for i, p in enumerate(sorted(seeds_dir.glob("*.txt"))[:3]):
        shutil.copy(p, src / "kompas.com" / f"{i}.txt")
    rows = [
        {"id": "r1", "text": "JAKARTA, KOMPAS.com - Harga naik.\n\nBaca juga: Harga turun\n" + WIRE,
         "outlet": "kompas.com"},
        {"id": "r2", "text": "Moskow – Rusia menolak.\nPosted By : admin\n" + WIRE + " katanya.", "outlet": "x.com"},
        {"id": "r3", "text": "Baca juga: Semua Boilerplate", "outlet": "x.com"},
        {"id": "r4", "text": "Tom &amp; Jerry\u00a0 lari\u200b.\r\n" + WIRE, "url": "https://www.y.co.id/a"},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + ["{not json", json.dumps({"id": "r5", "text": 3})]
    (src / "recs.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    (src / "broken.jsonl.gz").write_bytes(b"\x1f\x8b not gzip at all")
    return src


def _report(out: Path) -> dict[str, Any]:
    return json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))


def _outputs(out: Path) -> list[str]:
    texts = []
    for p in sorted(out.rglob("*")):
        if "_newsclean" in p.parts or not p.is_file():
            continue
        if p.name.endswith((".jsonl.gz", ".jsonl")):
            data = gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
            texts += [json.loads(x)["text"] for x in data.decode().splitlines()]
        else:
            t = p.read_text(encoding="utf-8")
            texts.append(t[:-1] if t.endswith("\n") else t)
    return texts


def check_consistent(report: dict[str, Any], out: Path) -> None:
    jsonschema.validate(report, report_schema())
    docs, outlets, rules = report["documents"], report["outlets"], report["rules"]
    assert docs["in"] == docs["out"] + docs["emptied"]
    assert sum(o["documents"] for o in outlets.values()) == docs["in"]
    assert sum(o["emptied"] for o in outlets.values()) == docs["emptied"]
    for what in ("lines", "bytes"):
        for side in ("in", "out"):
            assert sum(o[what][side] for o in outlets.values()) == report[what][side], (what, side)
    for key, r in rules.items():
        for field in ("count", "lines_dropped", "bytes_removed"):
            assert sum(o["rules"].get(key, {}).get(field, 0) for o in outlets.values()) == r[field], (key, field)
    # every dropped line is one drop_line change, and no step adds a line
    assert report["lines"]["in"] - report["lines"]["out"] == sum(r["lines_dropped"] for r in rules.values())
    texts = _outputs(out)
    assert sum(len(t.encode()) for t in texts) == report["bytes"]["out"]
    assert sum(t.count("\n") + 1 for t in texts if t) == report["lines"]["out"]
    assert sum(1 for t in texts if not t) == docs["emptied"]
    dedup = report["dedup"]
    if dedup is not None:
        dup_file = out / "_newsclean" / "duplicates.jsonl"
        rows = [json.loads(x) for x in dup_file.read_text(encoding="utf-8").splitlines()]
        assert dedup["clusters"] == len(rows)
        assert dedup["paragraphs_duplicate"] == sum(r["size"] - 1 for r in rows)
        dropped = rules.get("dedup:near_duplicate", {"count": 0})["count"]
        if dedup["mode"] == "drop":
            assert dedup["paragraphs_dropped"] == dedup["paragraphs_duplicate"] == dropped > 0
        else:
            assert dedup["paragraphs_dropped"] == dropped == 0 and dedup["paragraphs_duplicate"] > 0


@pytest.mark.parametrize("options", [
    ["--dedup", "report"], ["--dedup", "drop", "--explain"], ["--dedup", "off"],
    ["--dedup", "drop", "--blank-lines", "collapse", "--newline", "keep", "--jobs", "2"]])
def test_real_reports_validate_and_add_up(corpus: Path, tmp_path: Path, options: list[str]) -> None:
    out = tmp_path / "out"
    assert main([str(corpus), str(out), "--quiet", *options]) == 1  # the broken file and two bad records
    report = _report(out)
    check_consistent(report, out)
    assert report["files_failed"] == 1 and report["documents"]["rejected_records"] == 2
    assert all(":" in k for k in report["rules"])
    assert set(report["outlets"]) == {"kompas.com", "x.com", "y.co.id"}
    assert report["outlets"]["x.com"]["rules"]["rules:shared.posted_by"]["lines_dropped"] == 1


def test_auto_learn_report_validates(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    rows = [{"id": f"d{i}", "outlet": "contoh.com",
             "text": f"Berita nomor {i} tentang harga cabai di pasar kota yang naik lagi.\n"
                     "Terima Kasih Telah Membaca Contoh\n"
                     "Bank Indonesia memperkirakan inflasi akan tetap terkendali hingga akhir tahun ini."}
            for i in range(12)]
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(src), str(out), "--quiet", "--auto-learn"]) == 0
    report = _report(out)
    check_consistent(report, out)
    assert report["learned"] and report["learned"][0]["text"] == "Terima Kasih Telah Membaca Contoh"


def test_the_schema_is_shipped_and_catches_an_old_report() -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    old_outlet = {"bytes_in": 1, "bytes_out": 1, "documents": 1, "lines_dropped": 0, "rule:x": 1, "spans_cut": 0}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"outlets": {"a": old_outlet}}, schema)
