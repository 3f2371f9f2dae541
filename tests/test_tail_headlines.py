"""A list of other stories' headlines that ends a page without a label (newsclean.positional.TailHeadlines), on
synthetic pages: the list goes, and the ways content ends a page stay."""

from __future__ import annotations

import pytest
from synthetic_pages import EN_BODY, ID_BODY

from newsclean import Pipeline
from newsclean.pipeline import replay

P = Pipeline.default(lang="auto")

ID, EN = ID_BODY, EN_BODY
ID_HEADS = ["Banjir Rendam Jakarta Utara, Ribuan Warga Mengungsi ke Masjid",
            "Harga Cabai Rawit di Pasar Induk Tembus Rp 100 Ribu per Kilogram",
            "Polisi Tangkap Pelaku Pembunuhan Sopir Taksi Online di Bekasi"]
EN_HEADS = ["Trump says he will sign the spending bill if it reaches his desk",
            "House Democrats unveil their own budget plan ahead of vote",
            "What the spending bill means for federal workers and contractors"]


@pytest.mark.parametrize(("body", "heads"), [(ID, ID_HEADS), (EN, EN_HEADS)])
@pytest.mark.parametrize("k", [2, 3])
def test_a_headline_list_at_the_end_goes(body: list[str], heads: list[str], k: int) -> None:
    text = "\n".join([*body, *heads[:k]])
    r = P.explain(text)
    assert r.text.split("\n") == body
    assert {c.rule for c in r.changes if c.cleaner == "tail_headlines"} == {"positional.tail_headlines"}
    assert replay(text, r.changes) == r.text and P.clean(r.text) == r.text


@pytest.mark.parametrize("tail", [
    ID_HEADS[:1],  # one headline-like line: a subheading or a last short paragraph
    ["Berikut tiga lokasi pengungsian yang disiapkan pemerintah daerah:", *ID_HEADS],  # a list the text introduces
    ["Kabarnya, Napoli dan Dortmund lebih memilih opsi peminjaman pemain itu!",
     "MU cuma mau melepas pemainnya dengan opsi permanen. Siapa yang berminat?"],  # exclamations, questions
    ["Fabio Quartararo FRA Monster Yamaha Factory Racing (YZR-M1)",
     "Brad Binder RSA Red Bull KTM Factory Racing (RC16)"],  # a table's rows
    ["Keluar: Dean Huijsen ke Real Madrid dan Jaidon Anthony ke Burnley",
     "Masuk: Michael Kayode dari Fiorentina ke Brentford"],  # labelled values
])
def test_the_ways_content_ends_a_page_stay(tail: list[str]) -> None:
    page = [*ID, *tail]
    assert P.clean("\n".join(page)).split("\n") == page
