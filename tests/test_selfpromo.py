"""A newsroom's promos of itself (newsclean.selfpromo, rules ``outlet.self_promo`` and ``outlet.self_promo.glued``), on
synthetic pages: a call to action that names the document's outlet goes, alone or glued after a paragraph; a sentence
of the story that names the outlet stays."""

from __future__ import annotations

import pytest
from synthetic_pages import EN_BODY, ID_BODY

from newsclean import Document, Pipeline
from newsclean.pipeline import replay
from newsclean.selfpromo import is_self_promo, outlet_key

P = Pipeline.default(lang="auto")


@pytest.mark.parametrize(("outlet", "body", "line"), [
    # (The teaser's notification prompt, "... Aktifkan notifikasi Kabar24Jam di browser Anda.", is id.reader_asks's.)
    ("Kabar24Jam", ID_BODY, "Jangan lewatkan berita penting! Kunjungi Kabar24Jam setiap pagi untuk kabar terbaru."),
    ("https://www.metrosatu.tv/berita/123", ID_BODY,
     "Saksikan berita selengkapnya dalam program Pagi Ini, setiap hari pukul 05.00 WIB, hanya di Metro Satu TV."),
    ("nusatv.co.id", ID_BODY, "Download aplikasi NusaTV+ untuk menonton siaran langsung NusaTV kapan saja."),
    # (with "Unduh sekarang di Google Play." after it, id.app_promo takes the line first: a promo all the same)
    ("Ruang Warga", ID_BODY, "Baca konten menarik Ruang Warga lainnya di aplikasi."),
    ("The Hallbridge Gazette", EN_BODY, "Watch Hallbridge Gazette TV every weekday at 6 for the county's top stories."),
    ("lakesideadvance.ca", EN_BODY, "Listen to Lakeside Advance's daily podcast on Spotify and Apple Podcasts."),
])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_promo_naming_the_outlet_goes(outlet: str, body: list[str], line: str, where: str) -> None:
    page = [*body[:2], line, *body[2:]] if where == "middle" else [*body, line]
    doc = Document("\n".join(page), metadata={"outlet": outlet})
    r = P.explain(doc)
    assert r.text.split("\n") == body
    assert [c.rule for c in r.changes] == ["outlet.self_promo"]
    assert replay(doc.text, r.changes) == r.text and P.clean(Document(r.text, metadata=doc.metadata)) == r.text


def test_a_promo_glued_after_a_paragraph_is_cut() -> None:
    # ("Follow <outlet> on WhatsApp ..." is en.channel_promo.glued's now: a promo all the same)
    glued = EN_BODY[1] + " Stay with The Nairobi Mirror for the latest news."
    page = [EN_BODY[0], glued, *EN_BODY[2:]]
    r = P.explain(Document("\n".join(page), metadata={"outlet": "nairobimirror.co.ke"}))
    assert r.text.split("\n") == EN_BODY
    assert [c.rule for c in r.changes] == ["outlet.self_promo.glued"]


@pytest.mark.parametrize(("outlet", "line"), [
    ("liputan6.com", "Cek Fakta Liputan6.com mendapati klaim tersebut keliru, informasi itu diunggah sebuah akun."),
    ("liputan6.com", "Yuk, simak berbagai inspirasi yang telah Liputan6.com rangkum dari sejumlah sumber."),
    ("Kabar24Jam", "Ikuti aturan lalu lintas, kata Kapolres kepada Kabar24Jam, Senin."),  # speech
    ("Kompas TV", "Follow the money, the report said, and you will find the contractor."),  # no outlet named
    ("Pos", "Ikuti Pos di media sosial."),  # a name too short to look for
    ("detik.com", "1. Follow akun Instagram @detikcom dan @sponsor_resmi"),  # a giveaway's steps
    ("liputan6.com", "Berikut ini 7 aturan penting soal etika membawa tas. Baca sampai akhir supaya kamu tidak salah "
                     "gaya. Seperti yang telah Liputan6.com lansir dari sebuah situs gaya hidup, Selasa (10/6/2025)."),
])
def test_a_sentence_naming_the_outlet_stays(outlet: str, line: str) -> None:
    page = [*ID_BODY[:2], line, *ID_BODY[2:]]
    assert P.clean(Document("\n".join(page), metadata={"outlet": outlet})).split("\n") == page


def test_outlet_keys_and_the_check() -> None:
    assert outlet_key(None) == "" and outlet_key("detik.com") == "detik" and outlet_key("The Star") == "star"
    assert not is_self_promo("Follow Star on X", "star")  # (too short: MIN_NAME_CHARS)
    assert is_self_promo("Watch KTVR News 9 live at 6", "ktvrnews9")
