"""Near-duplicates from the library in one call: deduplicated texts, document groups, input line
numbers, cleaning first, typed parameters; the same answer as the command line's --dedup drop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import newsclean
from newsclean import Document, Pipeline, deduplicate, duplicate_groups
from newsclean.cli import main
from newsclean.corpus_dedup import find_document_duplicates
from newsclean.dedup import DedupConfig

WIRE = [
    "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya.",
    "Presiden Ukraina menyatakan bahwa negaranya tidak akan pernah mengakui aneksasi tersebut secara resmi.",
    "Sejumlah negara Barat menjatuhkan sanksi ekonomi kepada Moskow sebagai tanggapan atas langkah itu.",
]
OWN = [
    "Warga Jakarta menanggapi kabar tersebut dengan tenang sambil menunggu keterangan resmi pemerintah.",
    "Banjir merendam ratusan rumah di Semarang setelah hujan deras mengguyur kota sejak Senin malam.",
    "Harga cabai rawit di pasar tradisional Bandung naik hampir dua kali lipat dalam sepekan terakhir.",
]


def corpus() -> list[dict[str, str]]:
    return [
        {"id": "a", "outlet": "kompas.com", "date": "2024-03-02",
         "text": "JAKARTA, KOMPAS.com - " + WIRE[0] + "\n\n" + WIRE[1] + "\nBaca juga: Harga Cabai Naik\n" + WIRE[2]},
        {"id": "b", "outlet": "detik.com", "date": "2024-03-01", "text": OWN[1] + "\n" + OWN[2]},
        # b's copy: a different first line, the rest republished
        {"id": "c", "outlet": "tempo.co", "date": "2024-02-28",
         "text": "Baca juga: Sesuatu Lain\n" + WIRE[0] + "\n" + WIRE[1] + "\n" + WIRE[2] + " katanya."},
        # one wire paragraph and a short line of its own: 83% covered by a, c and e
        {"id": "d", "outlet": "antaranews.com", "text": "Warga tetap tenang.\n" + WIRE[0]},
        {"id": "e", "outlet": "okezone.com", "text": WIRE[1] + "\n" + WIRE[2] + "\n" + WIRE[0]},
    ]


def test_deduplicate_returns_cleaned_texts_aligned_with_the_input() -> None:
    out = deduplicate(corpus())
    assert len(out) == 5
    assert out[0] == "\n".join(WIRE)  # kept (first), cleaned: dateline, blank line and promo gone
    assert out[1] == OWN[1] + "\n" + OWN[2]
    assert out[2] == "" and out[4] == ""  # copies only
    assert out[3] == "Warga tetap tenang."


def test_groups_chain_documents_and_name_input_lines() -> None:
    groups = duplicate_groups(corpus())
    assert [(g.indexes, g.ids, g.kept) for g in groups] == [((0, 2, 3, 4), ("a", "c", "d", "e"), 0)]
    g = groups[0]
    # input line numbers: a's wire paragraphs sit on lines 0, 2 and 4 of its raw text, c's on 1-3
    assert g.lines[0] == (0, 2, 4) and g.lines[2] == (1, 2, 3) and g.lines[4] == (0, 1, 2) and g.lines[3] == (1,)
    assert g.coverage[2] == 1.0 and g.size == 4
    assert duplicate_groups(corpus(), keep="earliest")[0].kept == 2
    assert duplicate_groups(corpus(), keep="longest")[0].kept == 2
    assert duplicate_groups(corpus(), keep="outlet", outlet_priority=["okezone.com"])[0].kept == 4
    # a higher document threshold leaves d (half wire) out
    assert duplicate_groups(corpus(), document_threshold=0.9)[0].indexes == (0, 2, 4)


def test_uncleaned_texts_keep_boilerplate_and_say_so() -> None:
    raw = deduplicate(corpus(), clean=False)
    assert raw[0] == corpus()[0]["text"]  # nothing of the first document is a copy of an earlier one
    assert raw[2] == "Baca juga: Sesuatu Lain\n" + WIRE[2] + " katanya." or raw[2].startswith("Baca juga")
    assert "not cleaned" in newsclean.dedup.find_duplicates.__doc__


def test_inputs_of_every_shape_and_typed_parameters() -> None:
    texts = [r["text"] for r in corpus()]
    assert deduplicate(texts) == deduplicate(corpus())
    docs = [Document(r["text"], id=r["id"], metadata={"outlet": r["outlet"]}) for r in corpus()]
    assert deduplicate(docs) == deduplicate([(r["id"], r["text"]) for r in corpus()]) == deduplicate(texts)
    assert duplicate_groups(texts)[0].ids == ("0", "2", "3", "4")
    with pytest.raises(ValueError, match="keep"):
        deduplicate(texts, keep="random")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clean"):
        deduplicate(texts, clean="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text"):
        deduplicate([{"id": 1}])
    assert deduplicate(texts, threshold=0.99, config=DedupConfig(fragments=False)
                       )[2] != ""
    crlf = Pipeline.default(blank_lines="collapse", newline="keep")
    assert deduplicate([WIRE[0] + "\r\n\r\n" + OWN[0], OWN[1] + "\r\n\r\n" + WIRE[0]], clean=crlf)[1] == OWN[1]


def test_same_answer_as_the_command_line(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus()), encoding="utf-8")
    assert main([str(src), str(tmp_path / "out"), "--dedup", "drop", "--quiet", "--jobs", "1"]) == 0
    cli = [json.loads(line)["text"] for line in (tmp_path / "out" / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    texts, groups, result = find_document_duplicates(corpus())
    assert texts == cli
    report = json.loads((tmp_path / "out" / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    assert len(report["dedup"]["documents"]) == len(result.documents)
    assert {(m.doc, m.line) for c in result.clusters for m in c.members} == {
        (str("abcde".index(m["doc"])), m["line"])
        for line in (tmp_path / "out" / "_newsclean" / "duplicates.jsonl").read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["members"]}
