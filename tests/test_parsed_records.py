"""The records the templates' learning pass parses, kept for the cleaning pass (``newsclean.io.ParsedRecords``):
the CLI's outputs are the same whatever the budget (every record kept, some, none), and the cleaning pass does
not parse again the lines it was handed."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import io as nio
from newsclean import run as nrun
from newsclean.cli import main
from newsclean.document import Document
from tests.faultkit import comparable_report

SITES = ["kompas.com", "detik.com", "https://www.tribunnews.com/a", "jateng.tribunnews.com"]
LINES = ["Harga cabai naik lagi di pasar induk pagi ini, kata pedagang kepada wartawan di sana.",
         "Baca juga: Harga cabai turun", "Ikuti berita terkini di Google News.", "Diperbarui 18 Jun 2025, 14:05 WIB",
         "Penulis: Budi", "Warga mengeluh karena harga beras terus naik sejak awal bulan ini, katanya.", "",
         "Editor : Sari", "\u201cKami kaget,\u201d kata Ani.", "JAKARTA, KOMPAS.com - Harga naik."]


def _record(rnd: Any, i: int) -> bytes:
    """One JSONL line: mostly good records, some of every kind the cleaning pass rejects or reads otherwise."""
    kind = rnd.randrange(14)
    text = "\n".join(rnd.choice(LINES) for _ in range(rnd.randrange(1, 8)))
    rec: dict[str, Any] = {"text": text}
    if rnd.random() < 0.7:
        rec["id"] = f"d{rnd.randrange(40)}"  # ids repeat: keys are renamed path:line
    site = rnd.choice(SITES)
    rec["url" if site.startswith("http") else "outlet"] = site
    if rnd.random() < 0.5:
        rec["title"] = rnd.choice(LINES)
    if kind == 0:
        return b'{"text": "a", "text": "b"}\n'  # a repeated key: rejected
    if kind == 1:
        return b"[1, 2]\n"  # not an object
    if kind == 2:
        return json.dumps({"id": "n", "text": 5}).encode() + b"\n"  # text not a string
    if kind == 3:
        return b"   \n"  # blank
    if kind == 4:
        return b'{"text": "broken\n'  # invalid JSON
    if kind == 5:
        return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\r\n"
    return json.dumps(rec, ensure_ascii=rnd.random() < 0.5).encode("utf-8") + b"\n"


def _corpus(folder: Path, rnd: Any, docs: int, files: int) -> None:
    folder.mkdir(parents=True)
    for f in range(files):
        lines = [_record(rnd, i) for i in range(docs)]
        if rnd.random() < 0.5:
            lines[0] = b"\xef\xbb\xbf" + lines[0]  # a BOM: line 1 is read as utf-8-sig
        (folder / f"part{f}.jsonl").write_bytes(b"".join(lines))


def _outputs(out: Path) -> dict[str, Any]:
    got: dict[str, Any] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                           if p.is_file() and p.name not in ("report.json", "report.html")}
    got["report.json"] = comparable_report(out)
    return got


def _run(inp: Path, out: Path, budget: int, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    monkeypatch.setattr(nio, "PARSED_KEEP_BYTES", budget)
    assert main([str(inp), str(out), "--dedup", "off", "--jobs", "1", "--quiet", "--templates", "on",
                 "--explain", *extra]) in (0, 1)
    return _outputs(out)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(20, 60), st.integers(1, 2),
       st.sampled_from([1, 400, 3000]))
def test_outputs_are_the_same_whatever_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rnd: Any,
                                                  docs: int, files: int, budget: int) -> None:
    work = tmp_path / f"w{rnd.randrange(1 << 30)}"
    _corpus(work / "in", rnd, docs, files)
    none = _run(work / "in", work / "out", 0, monkeypatch)
    assert none == _run(work / "in", work / "out", 10**9, monkeypatch)  # every record kept
    assert none == _run(work / "in", work / "out", budget, monkeypatch)  # the first ones
    shutil.rmtree(work)


def test_the_cleaning_pass_parses_only_the_lines_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    _corpus(tmp_path / "in", random.Random(3), 80, 1)
    calls: list[int] = []
    parse = nrun.parse_jsonl_line

    def counted(n: int, raw: bytes) -> Any:
        calls.append(n)
        return parse(n, raw)

    monkeypatch.setattr(nrun, "parse_jsonl_line", counted)
    lines = (tmp_path / "in" / "part0.jsonl").read_bytes().splitlines(keepends=True)
    good = [i for i, raw in enumerate(lines, 1) if raw.strip()
            and isinstance(nio.parse_jsonl_line(i, raw), dict)
            and isinstance(nio.parse_jsonl_line(i, raw).get("text"), str)]  # type: ignore[union-attr]
    assert len(good) > 40
    _run(tmp_path / "in", tmp_path / "out", 10**9, monkeypatch)
    assert calls and not set(calls) & set(good)  # only the lines the learning pass did not keep
    calls.clear()
    _run(tmp_path / "in", tmp_path / "out", 0, monkeypatch)
    assert set(good) <= set(calls)
    calls.clear()
    _run(tmp_path / "in", tmp_path / "out", 10**9, monkeypatch, "--jobs", "2")  # workers parse every line
    calls.clear()
    _run(tmp_path / "in", tmp_path / "out", 10**9, monkeypatch, "--templates", "off")
    assert set(good) <= set(calls)


def test_kept_records_are_the_first_within_the_budget() -> None:
    kept = nio.ParsedRecords(30)
    lines = [(i, b'{"text": "%d"}\n' % i) for i in range(1, 6)]
    for i, raw in lines:
        kept.keep("a", i, raw, {"text": str(i)}, Document(str(i)))
    assert len(kept) == 2  # 14 bytes each: the third would pass 30
    assert kept.take("a", 3, lines[2][1]) is None
    assert kept.take("b", 1, lines[0][1]) is None  # another file
    got = kept.take("a", 1, lines[0][1])
    assert got is not None and got[0] == {"text": "1"} and got[1].text == "1"
    kept.keep("a", 9, b"{}\n", {}, Document(""))  # full once: nothing more, even what would fit
    assert kept.take("a", 9, b"{}\n") is None
