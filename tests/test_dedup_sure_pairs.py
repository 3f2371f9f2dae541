"""benchmarks.dedup_sure_pairs: what a measure tells, and that the test groups are never read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import dedup_sure_pairs as S

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval" / "dedup_pairs"))
import sample_r2 as r2  # noqa: E402


def _m(jaccard: float, containment: float, ratio: float) -> r2.Measures:
    return r2.Measures(jaccard=jaccard, containment=containment, coverage=0.0, ratio=ratio)


@pytest.mark.parametrize(("m", "kind"), [
    (_m(0.5, 0.6, 0.9), "copy_jaccard"),
    (_m(0.49, 0.9, 0.5), "copy_fragment"),
    (_m(0.49, 0.9, 0.7), None),  # similar lengths and half shared: a pair for labels
    (_m(0.3, 0.84, 0.3), None),
    (_m(0.19, 0.49, 0.9), "apart"),
    (_m(0.19, 0.5, 0.9), None),
])
def test_kind_of(m: r2.Measures, kind: str | None) -> None:
    assert S.kind_of(m) == kind


def test_dev_groups_hoax_leaves_the_test_topics_out() -> None:
    rows = [{"id": f"h{i}", "topic": t} for i, t in enumerate(["KW1", "KW3", "KW5", "KW6", "KW2", "KW4"])]
    assert S.dev_groups("hoax", rows) == {"h0": "KW1", "h3": "KW6", "h4": "KW2", "h5": "KW4"}


def test_pairs_on_a_generated_corpus(tmp_path: Path) -> None:
    """Two outlets print one story: the copied paragraph is a copy_jaccard pair, the unrelated ones apart; a pair
    within one outlet is never drawn."""
    para = "Pemerintah kota mengumumkan jadwal baru pengangkutan sampah untuk seluruh kecamatan mulai pekan depan."
    other = "Warga diminta memilah sampah organik dan anorganik sebelum petugas datang ke permukiman mereka."
    third = "Pertandingan final turnamen bola voli antarkampung digelar di lapangan desa pada Minggu sore."
    rows = [
        {"id": "a", "topic": "KW1", "outlet": "x.id", "text": f"{para}\n{third}"},
        {"id": "b", "topic": "KW1", "outlet": "y.id", "text": f"{para} Jadwal ini berlaku.\n{other}"},
        {"id": "c", "topic": "KW1", "outlet": "x.id", "text": para},
    ]
    path = tmp_path / "hoax_dev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    kinds = {(k, a[0], b[0]) for k, a, b in S.sure_pairs(path, "hoax")}
    assert ("copy_jaccard", "a", "b") in kinds and ("copy_jaccard", "b", "c") in kinds
    assert not any({a, b} == {"a", "c"} for _, a, b in kinds)  # same outlet
    assert ("apart", "a", "b") in kinds
