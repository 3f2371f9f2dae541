"""The benchmark corpus generator: deterministic, exact sizes, and ground truth that holds."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from benchmarks.generate import GeneratorOptions, generate, main, word_edit_distance, write_corpus
from newsclean.dedup.shingles import jaccard, shingles

N = 4000


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return list(generate(N, seed=11))


def _lines(doc: dict) -> list[str]:
    return doc["text"].split("\n")


def test_deterministic_for_a_seed(docs):
    assert list(generate(N, seed=11)) == docs
    other = list(generate(N, seed=12))
    assert [d["text"] for d in other] != [d["text"] for d in docs]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 50, 333])
def test_exact_paragraph_count(n):
    got = list(generate(n, seed=5))
    assert sum(d["truth"]["paragraphs"] for d in got) == n
    assert sum(len(_lines(d)) for d in got) == n


def test_sizes_and_shape(docs):
    assert sum(len(_lines(d)) for d in docs) == N
    for d in docs:
        lines = _lines(d)
        assert len(lines) == d["truth"]["paragraphs"]
        assert all(line.strip() for line in lines), "every line is a non-empty paragraph"
        assert all(line == line.strip() for line in lines)
    ids = [d["id"] for d in docs]
    assert len(set(ids)) == len(ids)
    text = "\n".join(d["text"] for d in docs)
    per_doc = N / len(docs)
    assert 8 <= per_doc <= 18, per_doc
    per_para = len(text) / N
    assert 110 <= per_para <= 220, per_para
    ascii_share = sum(ch < "\x80" for ch in text) / len(text)
    assert 0.99 <= ascii_share < 1.0, "mostly ASCII with some curly quotes, dashes and noise"
    assert "“" in text and "”" in text


def test_boilerplate_truth_is_in_the_text(docs):
    kinds = Counter()
    for d in docs:
        lines = _lines(d)
        for b in d["truth"]["boilerplate"]:
            kinds[b["kind"]] += 1
            line = lines[b["line"]]
            assert line[b["start"]:b["end"]] == b["text"], (d["id"], b)
            if b["kind"] in ("line", "block", "tail", "lexicon"):
                assert line == b["text"], "a whole-line item is the whole line"
            if b["kind"] == "prefix":
                assert b["line"] == 0 and b["start"] == 0
            if b["kind"] == "tail":
                whole = {x["line"] for x in d["truth"]["boilerplate"] if x["kind"] != "prefix"}
                assert all(i in whole for i in range(b["line"], len(lines))), "tails come last"
    assert set(kinds) == {"line", "prefix", "inline", "block", "tail", "lexicon"}, kinds
    assert 0.05 <= (kinds["line"] + kinds["block"] + kinds["tail"] + kinds["lexicon"]) / N <= 0.3


def test_known_boilerplate_is_removed_by_the_pipeline(docs):
    """The injected shapes are the catalog's: the default pipeline removes the ones it has rules for."""
    from newsclean import Document, Pipeline

    p = Pipeline.default()
    hit = Counter()
    total = Counter()
    for d in docs[:120]:
        res = p.explain(Document(d["text"], id=d["id"], metadata={"outlet": d["outlet"]}))
        dropped = {c.line for c in res.changes if c.action == "drop_line"}
        for b in d["truth"]["boilerplate"]:
            if b["family"] in ("related", "channel", "separator", "posted_by", "block"):
                total[b["family"]] += 1
                hit[b["family"]] += b["line"] in dropped
    for fam, n in total.items():
        assert hit[fam] >= 0.8 * n, (fam, hit[fam], n)


def _body(doc: dict, line: int) -> str:
    """A line without its recorded dateline prefix."""
    text = _lines(doc)[line]
    for b in doc["truth"]["boilerplate"]:
        if b["line"] == line and b["kind"] == "prefix":
            text = text[b["end"]:]
    return text


def test_near_duplicates_have_their_recorded_edit_rate(docs):
    by_id = {d["id"]: (k, d) for k, d in enumerate(docs)}
    ops_total = dist_total = 0
    sims: dict[str, list[float]] = {}
    seen_ops = Counter()
    for k, d in enumerate(docs):
        for nd in d["truth"]["near_duplicates"]:
            seen_ops[nd["op"]] += 1
            sk, src_doc = by_id[nd["source_doc"]]
            assert sk < k, "sources come earlier in the corpus"
            src = _body(src_doc, nd["source_line"]).split(" ")
            cpy = _body(d, nd["line"]).split(" ")
            lower_src, lower_cpy = [w.lower() for w in src], [w.lower() for w in cpy]
            if nd["op"] == "truncate":
                assert lower_cpy == lower_src[: len(cpy)]
                assert nd["kept"] == pytest.approx(len(cpy) / len(src), abs=1e-3)
                continue
            assert nd["edit_rate"] == pytest.approx(nd["ops"] / len(src), abs=1e-3)
            dist = word_edit_distance(lower_src, lower_cpy)
            assert dist <= nd["ops"] + 1  # +1: capitalization of a first paragraph
            ops_total += nd["ops"]
            dist_total += dist
            if nd["op"] == "copy":
                assert dist == 0
            bucket = "low" if nd["edit_rate"] <= 0.05 else "high" if nd["edit_rate"] >= 0.3 else "mid"
            sims.setdefault(bucket, []).append(jaccard(shingles(" ".join(src)), shingles(" ".join(cpy))))
    assert set(seen_ops) == {"copy", "edit", "truncate"}
    assert seen_ops.total() >= 0.04 * N
    # Edits sit at distinct positions, so the distance is the recorded count but for rare overlaps.
    assert dist_total >= 0.9 * ops_total
    mean = {b: sum(v) / len(v) for b, v in sims.items()}
    assert mean["low"] > mean["mid"] > mean["high"], mean
    assert mean["low"] > 0.7


def test_noise_is_recorded(docs):
    marks = {"nbsp": "\u00a0", "zero_width": "\u200b", "html_entity": "&amp;", "mojibake": "â€"}
    kinds = Counter()
    for d in docs:
        for z in d["truth"]["noise"]:
            kinds[z["kind"]] += 1
            assert marks[z["kind"]] in _lines(d)[z["line"]]
    assert kinds, "some lines carry Unicode noise"


def test_near_duplicate_sources_are_unique_docs_and_syndication():
    opts = GeneratorOptions(near_duplicate_rate=0.0, syndicated_rate=0.0, noise_rate=0.0)
    got = list(generate(1500, seed=2, options=opts))
    assert not any(d["truth"]["near_duplicates"] or d["truth"]["noise"] for d in got)
    with pytest.raises(ValueError):
        GeneratorOptions(noise_rate=2.0)
    with pytest.raises(ValueError):
        list(generate(-1))


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "txt"])
def test_write_corpus(tmp_path, fmt):
    summary = write_corpus(tmp_path, 600, seed=4, fmt=fmt, docs_per_file=10)
    expected = list(generate(600, seed=4))
    corpus = tmp_path / "corpus"
    if fmt == "txt":
        files = sorted(corpus.rglob("*.txt"))
        texts = {f.stem: f.read_text(encoding="utf-8").rstrip("\n") for f in files}
        assert texts == {d["id"]: d["text"] for d in expected}
        assert all(f.parent.name == next(d["outlet"] for d in expected if d["id"] == f.stem) for f in files)
    else:
        files = sorted(corpus.glob(f"*.{fmt}"))
        assert len(files) == -(-len(expected) // 10)
        opener = gzip.open if fmt.endswith(".gz") else open
        recs = [json.loads(line) for f in files for line in opener(f, "rt", encoding="utf-8")]
        assert recs == [{k: v for k, v in d.items() if k != "truth"} for d in expected]
    truth = [json.loads(line) for line in (tmp_path / "_truth.jsonl").open(encoding="utf-8")]
    assert [t["id"] for t in truth] == [d["id"] for d in expected]
    rows = [{k: v for k, v in t.items() if k not in ("id", "file")} for t in truth]
    assert rows == [d["truth"] for d in expected]
    on_disk = json.loads((tmp_path / "_truth.json").read_text(encoding="utf-8"))
    assert on_disk["counts"]["paragraphs"] == 600 == summary["counts"]["paragraphs"]
    assert on_disk["counts"]["bytes"] == sum(len(d["text"].encode("utf-8")) for d in expected)


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "c"), "--paragraphs", "300", "--seed", "9", "--docs-per-file", "5"]) == 0
    assert "300 paragraphs" in capsys.readouterr().err
    assert (tmp_path / "c" / "_truth.json").is_file()
    assert len(list((tmp_path / "c" / "corpus").glob("*.jsonl"))) >= 4


def test_word_edit_distance():
    assert word_edit_distance([], ["a"]) == 1
    assert word_edit_distance(["a", "b"], ["a", "b"]) == 0
    assert word_edit_distance(["a", "b", "c"], ["b", "c"]) == 1
