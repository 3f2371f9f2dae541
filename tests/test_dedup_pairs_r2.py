"""The second round of labelled near-duplicate pairs (eval/dedup_pairs/pairs_r2.csv) is well formed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAIRS_DIR = ROOT / "eval" / "dedup_pairs"
CORPUS = ROOT.parent / "shared" / "corpus"

FIELDS = ["split", "id_a", "line_a", "id_b", "line_b", "label", "corpus", "kind", "group", "notes"]
KINDS = {"cluster", "hard_negative", "fragment", "stratified"}


def _rows(name: str) -> list[dict[str, str]]:
    with open(PAIRS_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(r: dict[str, str]) -> tuple[tuple[str, int], tuple[str, int]]:
    a, b = (r["id_a"], int(r["line_a"])), (r["id_b"], int(r["line_b"]))
    return (a, b) if a <= b else (b, a)


def test_columns_values_and_no_duplicates() -> None:
    with open(PAIRS_DIR / "pairs_r2.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == FIELDS
    rows = _rows("pairs_r2.csv")
    assert rows
    for r in rows:
        assert r["split"] in {"dev", "test"}
        assert r["label"] in {"0", "1", "2"}
        assert r["corpus"] in {"hoax", "id_news"}
        assert r["kind"] in KINDS
        assert r["id_a"] != r["id_b"], "pairs are between two articles"
        assert len(r["notes"]) <= 120, "notes give a reason, not article text"
    keys = [_key(r) for r in rows]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & {_key(r) for r in _rows("hoax_dev_pairs.csv")}, "round 2 pairs are new"


def test_every_labelled_pair_is_a_candidate_of_the_same_stratum() -> None:
    cands = {_key(r): r for r in _rows("candidates_r2.csv")}
    for r in _rows("pairs_r2.csv"):
        c = cands[_key(r)]
        assert (c["split"], c["corpus"], c["kind"], c["group"]) == (r["split"], r["corpus"], r["kind"], r["group"])


def test_split_by_group_not_by_pair() -> None:
    """A hoax topic, and an id_news article, belong to one split only."""
    split_of: dict[str, str] = {}
    for r in _rows("candidates_r2.csv"):
        names = [r["group"]] if r["corpus"] == "hoax" else [r["id_a"], r["id_b"]]
        for name in names:
            assert split_of.setdefault(name, r["split"]) == r["split"], name
    assert {g for g, s in split_of.items() if g.startswith("KW") and s == "test"} == {"KW3", "KW5"}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_lines_exist_and_groups_match_the_corpus() -> None:
    docs: dict[str, dict[str, object]] = {}
    for name in ("hoax_dev.jsonl", "id_news_dev.jsonl"):
        with open(CORPUS / name, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                docs[rec["id"]] = rec
    for r in _rows("pairs_r2.csv"):
        for doc, line in ((r["id_a"], r["line_a"]), (r["id_b"], r["line_b"])):
            text = str(docs[doc]["text"]).split("\n")[int(line)]
            assert 40 <= len(text) <= 4000
            if r["corpus"] == "hoax":
                assert docs[doc]["topic"] == r["group"]
