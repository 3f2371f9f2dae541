from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, Pipeline, default_catalog, detect_lang, load_rule_file
from newsclean.cli import main
from newsclean.learn import LearnOptions, OutletMiner, learn_documents, learned_catalog, to_toml

BODY = [
    "Pemerintah menaikkan harga bahan bakar minyak mulai pekan depan, kata menteri kepada wartawan.",
    "Warga di sejumlah daerah mengeluhkan antrean panjang di stasiun pengisian bahan bakar.",
    "Harga beras di pasar tradisional juga naik dalam dua pekan terakhir menurut pedagang.",
    "Bank Indonesia memperkirakan inflasi akan tetap terkendali hingga akhir tahun ini.",
]


def corpus(n: int, outlet: str) -> list[Document]:
    docs = []
    for i in range(n):
        lines = [f"{BODY[i % 4]} Nomor {i}.", "Terima Kasih Telah Membaca Contoh", BODY[(i + 1) % 4]]
        if i % 3 == 0:
            lines.insert(1, "Jadwal Timnas Indonesia")  # a story's subheading, in a third of them
        docs.append(Document("\n".join(lines), id=str(i), metadata={"outlet": outlet}))
    return docs


def test_learn_finds_repeated_promo_but_not_content() -> None:
    learned = learn_documents(corpus(100, "contoh.com"), options=LearnOptions(min_share=0.5))
    texts = {x.text for x in learned}
    assert "Terima Kasih Telah Membaca Contoh" in texts
    assert "Jadwal Timnas Indonesia" not in texts  # 34% < 50%
    assert not any(x.text.startswith("Pemerintah") for x in learned)


def test_learned_rules_are_outlet_scoped_and_valid() -> None:
    learned = learn_documents(corpus(40, "contoh.com"))
    cat = learned_catalog(learned)
    p = Pipeline.default(catalog=default_catalog() + cat)
    text = "Isi berita pertama yang cukup panjang untuk dibaca.\nTerima Kasih Telah Membaca Contoh"
    assert p.clean(Document(text, metadata={"outlet": "contoh.com"})) == text.split("\n")[0]
    assert p.clean(Document(text, metadata={"outlet": "lain.com"})) == text
    rules = load_rule_file("x.toml", text=to_toml(learned))
    assert all(r.outlets == ("contoh.com",) for r in rules)


def test_miners_add_up() -> None:
    a, b = OutletMiner(), OutletMiner()
    a.add("x.com", ["Baris promo yang sama"])
    b.add("x.com", ["Baris promo yang sama"])
    c = a + b
    assert c.docs["x.com"] == 2 and c.lines["x.com"]["Baris promo yang sama"] == 2


def test_quotes_and_sentences_are_never_learned() -> None:
    m = OutletMiner(LearnOptions(min_docs=2, min_share=0.1))
    for _ in range(5):
        m.add("x.com", ["“Kami akan terus berjuang,” katanya.",
                        "Ini adalah kalimat panjang yang berakhir dengan titik dan berisi banyak kata."])
    assert m.results() == []


def test_learn_options_validate() -> None:
    with pytest.raises(ValueError):
        LearnOptions(min_docs=1)
    with pytest.raises(ValueError):
        LearnOptions(min_share=0)


def test_learn_command_and_auto_learn_run(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    rows = [{"id": d.id, "text": d.text, "outlet": "contoh.com"} for d in corpus(30, "contoh.com")]
    (src / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    rules = tmp_path / "learned.toml"
    assert main(["learn", str(src), str(rules), "--quiet"]) == 0
    assert "Terima Kasih Telah Membaca Contoh" in rules.read_text(encoding="utf-8")
    assert main([str(src), str(tmp_path / "o1"), "--rules", str(rules), "--dedup", "off", "--quiet"]) == 0
    assert main([str(src), str(tmp_path / "o2"), "--auto-learn", "--dedup", "off", "--quiet"]) == 0
    for out in ("o1", "o2"):
        texts = [json.loads(x)["text"] for x in (tmp_path / out / "a.jsonl").read_text(encoding="utf-8").splitlines()]
        assert all("Donasi" not in t for t in texts)
    report = json.loads((tmp_path / "o2" / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    assert any(x["text"] == "Terima Kasih Telah Membaca Contoh" for x in report["learned"])


def test_detect_lang() -> None:
    assert detect_lang(" ".join(BODY)) == "id"
    assert detect_lang("The senators said that they would vote on the bill with the others.") == "en"
    assert detect_lang("") is None


def test_lang_option_selects_rules() -> None:
    en_line = "Associated Press writer Jim Heintz in Moscow contributed to this report."
    text = BODY[0] + "\n" + en_line
    assert Pipeline.default(lang="id").clean(text) == text
    assert Pipeline.default(lang="en").clean(text) == BODY[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("yang dan the of ke YANG Dan \u212ae \u03a3\u03c3 x\t\u00a0.,")),
                        max_size=40), max_size=12),
       st.integers(0, 120))
def test_detect_lang_lines_equals_detect_lang_on_the_joined_lines(lines: list[str], max_chars: int) -> None:
    from newsclean.lang import detect_lang, detect_lang_lines

    memo: dict[str, tuple[int, ...]] = {}
    want = detect_lang(" ".join(lines), max_chars=max_chars)
    assert detect_lang_lines(lines, max_chars=max_chars, memo=memo) == want
    assert detect_lang_lines(lines, max_chars=max_chars, memo=memo) == want  # from the memo
