from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.cli import main


def run(*args: str) -> int:
    return main([*args, "--quiet"])


@pytest.fixture()
def corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    src = tmp_path / "in"
    (src / "kompas.com").mkdir(parents=True)
    shutil.copy(seeds_dir / "000_c1376e13b181623b.txt", src / "kompas.com" / "a.txt")
    shutil.copy(seeds_dir / "004_668fe0676afc80c6.txt", src / "b.txt")
    rows = [
        {"id": "r1", "text": "JAKARTA, KOMPAS.com - Harga naik.\nBaca juga: Harga turun", "url": "https://kompas.com/x",
         "extra": [1, 2]},
        {"id": "r2", "text": "Moskow – Rusia menolak.\nPosted By : admin", "outlet": "purnawarta.com"},
    ]
    (src / "sub").mkdir()
    (src / "sub" / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return src


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_folder_run_mirrors_paths_and_keeps_fields(corpus: Path, tmp_path: Path) -> None:
    before = snapshot(corpus)
    out = tmp_path / "out"
    assert run(str(corpus), str(out), "--dedup", "off", "--explain") == 0
    assert snapshot(corpus) == before  # IN untouched
    assert (out / "kompas.com" / "a.txt").is_file() and (out / "b.txt").is_file()
    recs = [json.loads(x) for x in (out / "sub" / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert recs[0] == {"id": "r1", "text": "Harga naik.", "url": "https://kompas.com/x", "extra": [1, 2]}
    assert recs[1]["text"] == "Rusia menolak." and recs[1]["outlet"] == "purnawarta.com"
    assert (out / "b.txt").read_text(encoding="utf-8").startswith("Presiden Rusia Vladimir Putin")
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == {"in": 4, "out": 4, "emptied": 0, "rejected_records": 0}
    assert report["rules"]["rules:id.related.line"]["count"] == 5
    assert report["outlets"]["kompas.com"]["documents"] == 2
    assert report["bytes"]["in"] > report["bytes"]["out"] > 0
    removed = [json.loads(x) for x in (out / "_newsclean" / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"doc": "r2", "line": 1, "rule": "shared.posted_by"}.items() <= removed[-1].items() or any(
        r["doc"] == "r2" and r["rule"] == "shared.posted_by" and r["line"] == 1 for r in removed)
    assert not list(out.rglob("*.tmp"))


def test_single_file_input(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert run(str(corpus / "sub" / "c.jsonl"), str(out), "--dedup", "off") == 0
    assert (out / "c.jsonl").is_file()


def test_bad_inputs_are_reported_and_skipped(corpus: Path, tmp_path: Path) -> None:
    (corpus / "latin1.txt").write_bytes("caf\xe9 Baca juga".encode("latin-1"))
    bad_lines = ['{"id": "ok", "text": "Baik."}', "{not json", '["a list"]', '{"id": "n", "text": 5}',
                 '{"id": "m"}']
    (corpus / "mixed.jsonl").write_text("\n".join(bad_lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(corpus), str(out), "--dedup", "off") == 1
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    reasons = {(f["path"], f.get("line")): f["reason"] for f in report["failures"]}
    assert "UTF-8" in reasons[("latin1.txt", None)]
    assert "invalid JSON" in reasons[("mixed.jsonl", 2)]
    assert "not an object" in reasons[("mixed.jsonl", 3)]
    assert "not a string" in reasons[("mixed.jsonl", 4)]
    assert "no 'text'" in reasons[("mixed.jsonl", 5)]
    assert report["files_failed"] == 1 and report["documents"]["rejected_records"] == 4
    # The good record still went through, the bad ones are kept verbatim.
    assert json.loads((out / "mixed.jsonl").read_text(encoding="utf-8")) == {"id": "ok", "text": "Baik."}
    rejected = [json.loads(x) for x in (out / "_newsclean" / "rejected.jsonl").read_text().splitlines()]
    assert [r["raw"] for r in rejected if "line" in r][:2] == ["{not json", '["a list"]']
    assert {"path": "latin1.txt", "reason": reasons[("latin1.txt", None)], "file": True} in rejected
    assert not (out / "latin1.txt").exists()


def test_output_inside_input_is_refused(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(corpus), str(corpus / "out")) == 2
    assert run(str(corpus), str(corpus)) == 2
    err = capsys.readouterr().err
    assert "must not be the input or inside it" in err and "Traceback" not in err


def test_user_errors_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(tmp_path / "missing"), str(tmp_path / "o")) == 2
    (tmp_path / "empty").mkdir()
    assert run(str(tmp_path / "empty"), str(tmp_path / "o")) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid='x'\nkind='line'\npattern='('\nexamples=['a']\n")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("halo")
    assert run(str(tmp_path / "in"), str(tmp_path / "o"), "--rules", str(bad)) == 2
    assert run(str(tmp_path / "in"), str(tmp_path / "o"), "--lang", "xx") == 2
    err = capsys.readouterr().err
    assert "input not found" in err and "no input files found" in err and "bad regex" in err
    assert "unknown language" in err and "Traceback" not in err


def test_extra_rule_file_applies(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Isi berita.\nIKLAN SPONSOR\n", encoding="utf-8")
    rules = tmp_path / "mine.toml"
    rules.write_text("[[rule]]\nid='mine.iklan'\nkind='line'\npattern='iklan sponsor'\nexamples=['IKLAN SPONSOR']\n")
    assert run(str(tmp_path / "in"), str(tmp_path / "o"), "--rules", str(rules), "--dedup", "off") == 0
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == "Isi berita.\n"


def test_module_entry_point_runs_on_seeds(tmp_path: Path, seeds_dir: Path) -> None:
    out = tmp_path / "out"
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "newsclean", str(seeds_dir), str(out), "--dedup", "off"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "5 documents" in proc.stderr and "Traceback" not in proc.stderr
    assert len(list(out.glob("*.txt"))) == 5


PAGE = """<html lang="en"><head><title>Banjir - Contoh</title>
<meta property="og:title" content="Banjir di Jakarta"></head><body>
<nav><a href="/">Beranda</a> <a href="/a">Berita</a></nav>
<article><p>JAKARTA, KOMPAS.com - Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang, \
kata petugas.</p>
<p>Baca juga: Banjir Kemarin di Bekasi</p>
<p>Warga diminta waspada karena hujan diperkirakan berlanjut hingga malam hari nanti, ujar dia.</p></article>
<footer>Hak cipta 2024</footer></body></html>"""


def test_html_files_and_records_become_clean_text(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "pages").mkdir(parents=True)
    (src / "pages" / "a.html").write_text(PAGE, encoding="utf-8")
    (src / "b.jsonl").write_text(json.dumps({"id": "h1", "html": PAGE, "url": "https://kompas.com/x"}) + "\n",
                                 encoding="utf-8")
    stray = "Harga naik.<br>Warga &ldquo;kaget&rdquo; dengan <b>kenaikan</b> itu.\n"
    (src / "c.txt").write_text(stray, encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(src), str(out), "--dedup", "off", "--explain") == 0
    text = (out / "pages" / "a.txt").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang, kata petugas.",
        "Warga diminta waspada karena hujan diperkirakan berlanjut hingga malam hari nanti, ujar dia.",
    ]
    rec = json.loads((out / "b.jsonl").read_text(encoding="utf-8"))
    assert rec["text"] == text.rstrip("\n") and rec["html"] == PAGE  # every field kept
    assert (out / "c.txt").read_text(encoding="utf-8") == "Harga naik.\nWarga “kaget” dengan kenaikan itu.\n"
    rows = [json.loads(x) for x in (out / "_newsclean" / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r["doc"] == "c.txt" and r["action"] == "rewrite" for r in rows)


def test_seeds_report_exactly_the_two_cross_article_pairs(tmp_path: Path, seeds_dir: Path) -> None:
    out = tmp_path / "out"
    assert run(str(seeds_dir), str(out)) == 0
    rows = [json.loads(x) for x in (out / "_newsclean" / "duplicates.jsonl").read_text(encoding="utf-8").splitlines()]
    cross = sorted(tuple(sorted((m["doc"][:3], m["line"]) for m in r["members"])) for r in rows
                   if len({m["doc"] for m in r["members"]}) > 1)
    assert cross == [(("000", 12), ("002", 17)), (("000", 13), ("003", 18))]
    for r in rows:
        assert r["size"] == len(r["members"]) and all(m["text"] for m in r["members"])
    # drop mode keeps the first member and records the removal
    out2 = tmp_path / "out2"
    assert run(str(seeds_dir), str(out2), "--dedup", "drop", "--explain") == 0
    assert "Pada tahun 2014" not in (out2 / "003_17a24cb481aee812.txt").read_text(encoding="utf-8")
    assert "Pada tahun 2014" in (out2 / "000_c1376e13b181623b.txt").read_text(encoding="utf-8")
    removed = [json.loads(x) for x in (out2 / "_newsclean" / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r["cleaner"] == "dedup" and r["doc"].startswith("003") and r["line"] == 18 for r in removed)
