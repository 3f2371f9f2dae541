"""The cluster-level scorer of the labelled pairs (benchmarks/dedup_pairs_eval.py) on a tiny synthetic corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import dedup_pairs_eval as ev
from newsclean.dedup import DedupConfig

WIRE = ("Pemerintah mencabut empat izin usaha pertambangan di Raja Ampat setelah rapat terbatas di Istana, "
        "kata menteri kepada wartawan pada hari Selasa.")
OTHER = "Harga cabai merah di pasar induk naik tajam menjelang hari raya karena pasokan dari petani berkurang."
THIRD = "Tim nasional kalah enam gol tanpa balas di Osaka dan tetap lolos ke babak keempat kualifikasi."


def _write(tmp: Path) -> tuple[Path, Path]:
    docs = [{"id": "a", "outlet": "x.com", "text": WIRE + "\n" + OTHER},
            {"id": "b", "outlet": "y.com", "text": "JAKARTA - " + WIRE.replace("kata", "ujar")},
            {"id": "c", "outlet": "z.com", "text": THIRD + "\n" + OTHER.replace("tajam", "sedikit")}]
    corpus = tmp / "corpus"
    corpus.mkdir()
    with open(corpus / "hoax_dev.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d) + "\n")
    pairs = tmp / "pairs.csv"
    pairs.write_text("split,id_a,line_a,id_b,line_b,label,corpus,kind,group,notes\n"
                     "dev,a,0,b,0,1,hoax,stratified,KW1,\n"      # a copy with a dateline and a verb swapped
                     "dev,a,0,c,0,0,hoax,stratified,KW1,\n"      # unrelated
                     "test,a,1,c,1,1,hoax,stratified,KW3,\n", encoding="utf-8")
    return corpus, pairs


def test_wilson_interval() -> None:
    lo, hi = ev.wilson(46, 46)
    assert hi == 1.0 and 0.92 < lo < 0.93
    assert ev.wilson(0, 0) == (0.0, 1.0)
    lo, hi = ev.wilson(6, 113)
    assert lo < 6 / 113 < hi


def test_scores_dev_only_unless_test_is_asked_for(tmp_path: Path) -> None:
    corpus, pairs = _write(tmp_path)
    rep = ev.evaluate(DedupConfig(), corpus_dir=corpus, pairs_path=pairs)
    assert list(rep["splits"]) == ["dev"]
    dev = rep["splits"]["dev"]["all"]
    assert (dev["copies"], dev["missed"], dev["not_copies"], dev["false_positives"]) == (1, 0, 1, 0)
    assert dev["recall"] == 1.0 and dev["fpr"] == 0.0
    assert rep["splits"]["dev"]["paragraphs_not_indexed"] == 0
    both = ev.evaluate(DedupConfig(), splits=("dev", "test"), corpus_dir=corpus, pairs_path=pairs)
    assert both["splits"]["test"]["all"]["copies"] == 1
    assert "missed_pairs" not in both["splits"]["test"], "the test split's pairs are never listed"
    with pytest.raises(ValueError):
        ev.evaluate(DedupConfig(), splits=("heldout",), corpus_dir=corpus, pairs_path=pairs)


def test_a_stricter_config_misses_the_edited_copy(tmp_path: Path) -> None:
    corpus, pairs = _write(tmp_path)
    rep = ev.evaluate(DedupConfig(threshold=0.99, fragments=False),
                      corpus_dir=corpus, pairs_path=pairs)
    assert rep["splits"]["dev"]["all"]["missed"] == 1
    assert rep["splits"]["dev"]["missed_pairs"] == [["a", 0, "b", 0, "stratified"]]


def test_why_names_the_step_that_lost_a_copy(tmp_path: Path) -> None:
    corpus, pairs = _write(tmp_path)
    rep = ev.evaluate(DedupConfig(threshold=0.99, fragments=False), corpus_dir=corpus, pairs_path=pairs, why=True)
    dev = rep["splits"]["dev"]
    # One verb swapped: the copy's runs cover less than 99% of it, so verification rejects the pair.
    assert dev["miss_causes"]["rejected:coverage"] == 1 and sum(dev["miss_causes"].values()) == 1
    assert dev["missed_why"][0][:5] == ["a", 0, "b", 0, "stratified"]
    # The same pair found: nothing to explain.
    assert sum(ev.evaluate(DedupConfig(), corpus_dir=corpus, pairs_path=pairs, why=True)["splits"]["dev"]
               ["miss_causes"].values()) == 0
    # Only the candidates missing: the pair passes verification, but no LSH band (a 128-row band needs
    # equal signatures) nor the fragment search (off) links the two paragraphs.
    lost = ev.evaluate(DedupConfig(bands=1, rows=128, fragments=False), corpus_dir=corpus, pairs_path=pairs,
                       why=True)["splits"]["dev"]
    assert lost["missed_why"][0][5] == "no_candidate"
    with pytest.raises(ValueError):
        ev.evaluate(DedupConfig(), corpus_dir=corpus, pairs_path=pairs, why=True, cli=True)


def test_round_4_split_is_scored_only_by_name_and_never_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    corpus, pairs = _write(tmp_path)
    with open(pairs, "a", encoding="utf-8") as fh:
        fh.write("test4,b,0,c,1,0,hoax,jaccard,KW3,\n")  # unrelated: not joined
    rep = ev.evaluate(DedupConfig(), splits=("test4",), corpus_dir=corpus, pairs_path=pairs)
    t4 = rep["splits"]["test4"]
    assert list(rep["splits"]) == ["test4"]
    assert (t4["all"]["not_copies"], t4["all"]["false_positives"], t4["all"]["copies"]) == (1, 0, 0)
    assert "missed_pairs" not in t4 and "false_positive_pairs" not in t4
    # "all" is round 2's dev and test, never test4.
    assert ev.ALL_SPLITS == ("dev", "test")
    both = ev.evaluate(DedupConfig(), splits=ev.ALL_SPLITS, corpus_dir=corpus, pairs_path=pairs)
    assert "test4" not in both["splits"]
    for sealed in ("test", "test4"):
        for flag in ("--list", "--why"):
            with pytest.raises(SystemExit):
                ev.main(["--split", sealed, flag, "--corpus-dir", str(corpus), "--pairs", str(pairs)])
    assert "falsely" not in capsys.readouterr().out
    # test4 lives in its own file: the default for it, and a file without it is an error, not a silent 0.
    assert ev.default_pairs(("test4",)) == ev.PAIRS_R4 and ev.default_pairs(("dev",)) == ev.PAIRS_R2
    (tmp_path / "r2").mkdir()
    with pytest.raises(ValueError):
        ev.evaluate(DedupConfig(), splits=("test4",), corpus_dir=corpus, pairs_path=_write(tmp_path / "r2")[1])
