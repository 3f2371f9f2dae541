"""Round 4's sealed split of labelled near-duplicate pairs (eval/dedup_pairs/pairs_r4.csv) is well formed.

Shape only: no score is computed here (the split is scored once, by the lead; README.md, "Round 4").
"""

from __future__ import annotations

import collections
import csv
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAIRS_DIR = ROOT / "eval" / "dedup_pairs"
CORPUS = Path(os.environ.get("NEWSCLEAN_SHARED", ROOT.parent / "shared")) / "corpus"

FIELDS = ["split", "id_a", "line_a", "id_b", "line_b", "label", "corpus", "kind", "group", "notes"]

Key = tuple[tuple[str, int], tuple[str, int]]


def _rows(name: str) -> list[dict[str, str]]:
    with open(PAIRS_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(r: dict[str, str]) -> Key:
    a, b = (r["id_a"], int(r["line_a"])), (r["id_b"], int(r["line_b"]))
    return (a, b) if a <= b else (b, a)


def _sampler(name: str) -> Any:
    if str(PAIRS_DIR) not in sys.path:
        sys.path.insert(0, str(PAIRS_DIR))
    return __import__(name)


def test_columns_labels_and_split() -> None:
    with open(PAIRS_DIR / "pairs_r4.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == FIELDS
    rows = _rows("pairs_r4.csv")
    assert len(rows) >= 150
    for r in rows:
        assert r["split"] == "test4"
        assert r["label"] in {"0", "1", "2"}
        assert r["corpus"] in {"hoax", "id_news"}
        assert r["kind"] in {"jaccard", "fragment"}
        assert r["id_a"] != r["id_b"], "pairs are between two articles"
        assert len(r["notes"]) <= 120, "notes give a reason, not article text"
    keys = [_key(r) for r in rows]
    assert len(set(keys)) == len(keys)
    counts = collections.Counter(r["label"] for r in rows)
    assert counts["0"] and counts["1"], "both copies and non-copies"


def test_no_pair_of_rounds_1_and_2() -> None:
    old = {_key(r) for name in ("pairs_r2.csv", "hoax_dev_pairs.csv", "candidates_r2.csv") for r in _rows(name)}
    assert not old & {_key(r) for r in _rows("pairs_r4.csv")}


def test_every_pair_is_a_candidate_of_the_same_stratum_and_group() -> None:
    cands = {_key(r): r for r in _rows("candidates_r4.csv")}
    for r in _rows("pairs_r4.csv"):
        c = cands[_key(r)]
        assert (c["split"], c["corpus"], c["kind"], c["group"]) == (r["split"], r["corpus"], r["kind"], r["group"])


def test_groups_are_round_2_test_groups() -> None:
    """Hoax topics KW3 and KW5; id_news groups whose round-2 split is test, each article in one group, and
    no article of round 2's dev split."""
    r2 = _sampler("sample_r2")
    r2_dev = {d for r in _rows("candidates_r2.csv") if r["split"] == "dev" for d in (r["id_a"], r["id_b"])}
    group_of: dict[str, str] = {}
    for r in _rows("pairs_r4.csv"):
        assert "|" not in r["group"], "both articles in one group"
        if r["corpus"] == "hoax":
            assert r["group"] in {"KW3", "KW5"}
        else:
            assert r2.id_split(r["group"]) == "test"
        for doc in (r["id_a"], r["id_b"]):
            assert group_of.setdefault(doc, r["group"]) == r["group"], doc
            assert doc not in r2_dev


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus (or $NEWSCLEAN_SHARED/corpus)")
def test_against_the_corpus() -> None:
    """Lines of 40-1200 characters, two outlets, one group (topic, or id_news event component), and no
    run of four words of either paragraph in the notes."""
    r2 = _sampler("sample_r2")
    docs: dict[str, dict[str, Any]] = {}
    news = r2.load_jsonl(CORPUS / "id_news_dev.jsonl")
    for rec in r2.load_jsonl(CORPUS / "hoax_dev.jsonl") + news:
        docs[rec["id"]] = rec
    comp = r2.components(len(news), r2.event_links(news))
    members: dict[int, list[str]] = collections.defaultdict(list)
    for i, c in enumerate(comp):
        members[c].append(news[i]["id"])
    event = {news[i]["id"]: min(members[comp[i]]) for i in range(len(news))}
    for r in _rows("pairs_r4.csv"):
        a, b = docs[r["id_a"]], docs[r["id_b"]]
        assert a["outlet"] != b["outlet"]
        for doc, line in ((a, r["line_a"]), (b, r["line_b"])):
            text = str(doc["text"]).split("\n")[int(line)]
            assert 40 <= len(text) <= 1200
            group = doc["topic"] if r["corpus"] == "hoax" else event[doc["id"]]
            assert group == r["group"]
            words = r2.normalize(text).split()
            runs = {tuple(words[i:i + 4]) for i in range(len(words) - 3)}
            note = r2.normalize(r["notes"]).split()
            assert not runs & {tuple(note[i:i + 4]) for i in range(len(note) - 3)}, "no article text in notes"
