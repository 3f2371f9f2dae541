"""Command-line conventions: ``-`` for JSONL on stdin and stdout, a file OUT for a file IN, --help that
lists every format, help for every option of ``learn``, and the first run's compile pause announced."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import newsclean
from newsclean import cli
from newsclean.cli import main
from newsclean.io import INPUT_SUFFIXES

RECORDS = [
    {"id": "r1", "text": "JAKARTA, KOMPAS.com - Harga naik.\nBaca juga: Harga turun", "extra": [1, 2]},
    {"id": "r2", "text": "Moskow – Rusia menolak.\nPosted By : admin", "outlet": "purnawarta.com"},
    {"id": "r3", "text": ""},
]
CLEANED = ["Harga naik.", "Rusia menolak.", ""]
JSONL = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()


class _Std:
    """A text stream over bytes, as sys.stdin / sys.stdout are (with ``.buffer``)."""

    def __init__(self, data: bytes = b"") -> None:
        self.buffer = io.BytesIO(data)

    def write(self, s: str) -> int:
        self.buffer.write(s.encode())
        return len(s)

    def flush(self) -> None:
        pass


def _texts(data: bytes) -> list[str]:
    return [json.loads(line)["text"] for line in data.decode().splitlines()]


def test_stdin_to_stdout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = _Std()
    monkeypatch.setattr(sys, "stdin", _Std(gzip.compress(JSONL)))
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["-", "-", "--quiet", "--report-dir", str(tmp_path / "rep")]) == 0
    data = out.buffer.getvalue()
    assert _texts(data) == CLEANED
    assert json.loads(data.decode().splitlines()[0])["extra"] == [1, 2]  # fields carried through
    report = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert report["input"] == "-" and report["documents"]["in"] == 3
    assert (tmp_path / "rep" / "duplicates.jsonl").is_file()


def test_stdout_with_dedup_drop_and_without_reports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wire = "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."
    src = tmp_path / "x.jsonl"
    src.write_text(json.dumps({"text": "Satu.\n" + wire}) + "\n" + json.dumps({"text": wire + "\nDua."}) + "\n",
                   encoding="utf-8")
    out = _Std()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.chdir(tmp_path)
    assert main([str(src), "-", "--quiet", "--dedup", "drop"]) == 0
    assert _texts(out.buffer.getvalue()) == ["Satu.\n" + wire, "Dua."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]  # nothing left behind


def test_a_real_pipe(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(newsclean.__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "newsclean", "-", "-", "--dedup", "off"], input=JSONL,
                          capture_output=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _texts(proc.stdout) == CLEANED
    assert b"3 documents" in proc.stderr  # the summary goes to stderr, never into the data


def test_stdout_needs_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("Satu.", encoding="utf-8")
    assert main([str(tmp_path / "a.txt"), "-", "--quiet"]) == 2
    assert "JSONL" in capsys.readouterr().err


def test_file_out_for_a_file_in(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(JSONL)
    # folder OUT, as before
    assert main([str(src), str(tmp_path / "folder"), "--quiet"]) == 0
    # file OUT, recompressed as its suffix says; reports beside it
    dest = tmp_path / "o" / "clean.jsonl.gz"
    assert main([str(src), str(dest), "--quiet"]) == 0
    assert gzip.decompress(dest.read_bytes()) == (tmp_path / "folder" / "in.jsonl").read_bytes()
    assert _texts(gzip.decompress(dest.read_bytes())) == CLEANED
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["_newsclean", "clean.jsonl.gz"]
    report = json.loads((tmp_path / "o" / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    assert report["output"] == str(dest)
    # a second run without --dedup leaves no duplicates.jsonl of the first one
    assert main([str(src), str(dest), "--quiet", "--dedup", "off"]) == 0
    assert not (tmp_path / "o" / "_newsclean" / "duplicates.jsonl").exists()
    txt = tmp_path / "a.txt"
    txt.write_text("JAKARTA, KOMPAS.com - Harga naik.\nBaca juga: X", encoding="utf-8")
    assert main([str(txt), str(tmp_path / "b.txt"), "--quiet"]) == 0
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "Harga naik.\n"
    assert txt.read_text(encoding="utf-8").startswith("JAKARTA")


def test_file_out_that_does_not_fit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(JSONL)
    assert main([str(src), str(tmp_path / "out.parquet"), "--quiet"]) == 2
    assert "does not fit" in capsys.readouterr().err
    assert main([str(src), str(src), "--quiet"]) == 2
    assert src.read_bytes() == JSONL


def _helps(parser: argparse.ArgumentParser) -> list[tuple[str, str | None]]:
    return [(a.dest, a.help) for a in parser._actions]


def test_help_lists_every_format_and_every_option_has_help() -> None:
    text = cli.build_parser().format_help()
    for suffix in INPUT_SUFFIXES:
        assert f"*{suffix}" in text, suffix
    assert "standard input" in text and "standard output" in text
    from newsclean.learn import build_parser as learn_parser

    for parser in (cli.build_parser(), learn_parser()):
        missing = [dest for dest, h in _helps(parser) if not h]
        assert not missing, missing


def test_the_first_run_says_it_compiles(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(JSONL)
    env = {**os.environ, "NEWSCLEAN_CACHE": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join(
        [str(Path(newsclean.__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "newsclean", str(src), str(tmp_path / "out"), "--dedup", "off"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    quiet = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True,
                           env={**env, "NEWSCLEAN_CACHE": str(tmp_path / "cache2")}, timeout=300)
    assert "compiling rules, once" in first.stderr, first.stderr
    assert "compiling" not in again.stderr
    assert quiet.stderr == ""


def test_uncached_kernels_are_announced(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    from newsclean.dedup import threading_layer

    monkeypatch.setattr(threading_layer, "kernels_cached", lambda: False)
    src = tmp_path / "in.jsonl"
    src.write_bytes(JSONL)
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "numba")  # a small input takes the kernels' Python path otherwise
    assert main([str(src), str(tmp_path / "out")]) == 0
    assert "compiling the near-duplicate kernels, once" in capsys.readouterr().err
    assert threading_layer.KERNELS  # the kernels the check looks at
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "auto")  # the Python path compiles nothing: nothing to announce
    assert main([str(src), str(tmp_path / "out2")]) == 0
    assert "compiling" not in capsys.readouterr().err
