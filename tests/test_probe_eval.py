"""benchmarks.probe_eval: a probe set's files are checked, and each line's fate is scored from the explain steps."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from benchmarks import probe_eval
from newsclean.pipeline import Pipeline

TITLE = "Banjir Rendam Ratusan Rumah di Kota Lama"
LEAD = "Banjir merendam ratusan rumah warga di tiga kecamatan sejak Senin malam hingga Selasa pagi."
PAGE = "\n".join([
    TITLE,
    "Baca Juga: Harga Cabai Naik Lagi di Pasar Induk",
    "KOTA LAMA, KOMPAS.com - " + LEAD,
    "Warga mengungsi ke balai desa dan masjid terdekat sambil menunggu air surut.",
    "",
    "Para korban masih menunggu bantuan dari pemerintah kabupaten setempat.",
])
LABELS = [["C", "content", ""], ["B", "related", ""], ["M", "dateline", LEAD], ["C", "content", ""],
          ["E", "", ""], ["C", "content", ""]]


def _write(folder: Path, text: str = PAGE, labels: list[list[str]] | None = None, freeze: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = {"id": "t-01", "lang": "id", "outlet": "kompas.com", "url": "https://kompas.com/a", "title": TITLE,
            "text": text}
    (folder / "pages.jsonl").write_text(json.dumps(page) + "\n", encoding="utf-8")
    (folder / "labels.jsonl").write_text(json.dumps({"id": "t-01", "lines": labels or LABELS}) + "\n",
                                         encoding="utf-8")
    if freeze:
        rows = [f"{hashlib.sha1((folder / n).read_bytes()).hexdigest()}  {folder / n}\n"
                for n in ("pages.jsonl", "labels.jsonl")]
        (folder / "FROZEN.sha1").write_text("".join(rows))
    return folder


def test_scores_a_page_line_by_line(tmp_path: Path) -> None:
    scores, skipped = probe_eval.score_set(_write(tmp_path / "s"), Pipeline.default(lang="auto"))
    fig = probe_eval.summarize(scores)
    assert skipped == 0
    assert fig["b_lines"] == 1 and fig["line_recall"] == 1.0  # "Baca Juga: ..." goes
    assert fig["content_kept"] == 1.0 and fig["line_precision"] == 1.0
    # The dateline's tokens are the mixed line's boilerplate: all removed.
    assert fig["token_recall"] == 1.0


def test_a_kept_boilerplate_line_is_a_miss(tmp_path: Path) -> None:
    labels = [list(r) for r in LABELS]
    labels[3] = ["B", "invented", ""]  # a content sentence labelled boilerplate: the cleaner keeps it
    scores, _ = probe_eval.score_set(_write(tmp_path / "s", labels=labels), Pipeline.default(lang="auto"))
    fig = probe_eval.summarize(scores)
    assert fig["line_recall"] == 0.5
    assert [m[1] for m in scores[0].misses] == ["missed"]


def test_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="6 lines, 5 labels"):
        probe_eval.load_set(_write(tmp_path / "a", labels=LABELS[:5]))
    bad = [list(r) for r in LABELS]
    bad[2] = ["M", "dateline", "not in the line"]
    with pytest.raises(ValueError, match="keep is not part"):
        probe_eval.load_set(_write(tmp_path / "b", labels=bad))
    folder = _write(tmp_path / "c")
    (folder / "labels.jsonl").write_text((folder / "labels.jsonl").read_text().replace("related", "promo"))
    with pytest.raises(ValueError, match="changed after it was frozen"):
        probe_eval.load_set(folder)


def test_sealed_sets_are_not_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path / "s")
    (folder / "SEALED").write_text("")
    assert probe_eval.main([str(folder), "--show"]) == 2
    assert probe_eval.main([str(folder)]) == 0
    assert "line recall 1.000" in capsys.readouterr().out
