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
    # a last paragraph of several sentences that lost its full stop (or ends with a prompt), then a headline-like line
    ["Rancangan anggaran dipajang untuk umum hingga 24 Mei. Anggaran final disahkan Juni. Ada cerita untuk kami? "
     "Kirim ke redaksi di contoh.id", ID_HEADS[0]],
])
def test_the_ways_content_ends_a_page_stay(tail: list[str]) -> None:
    page = [*ID, *tail]
    assert P.clean("\n".join(page)).split("\n") == page


# Between two paragraphs (rule positional.mid_headlines): a run of title-case headlines of other stories.
ID_TITLED = ["Pemko Siapkan Dua Puluh Titik Pasar Murah Selama Ramadan",
             "Jembatan Basirih Ditutup Sementara, Ini Jalur Alternatifnya",
             "Dua Pengedar Sabu Diringkus Polisi di Kelayan"]
EN_TITLED = ["Trump Says He Will Sign the Spending Bill If It Reaches His Desk",
             "House Democrats Unveil Their Own Budget Plan Ahead of Vote",
             "Senate Leader Warns: Shutdown Talks Could Drag On"]


@pytest.mark.parametrize(("body", "heads"), [(ID, ID_TITLED), (EN, EN_TITLED)])
@pytest.mark.parametrize("k", [2, 3])
def test_a_headline_list_between_paragraphs_goes(body: list[str], heads: list[str], k: int) -> None:
    text = "\n".join([*body[:2], *heads[:k], *body[2:]])
    r = P.explain(text)
    assert r.text.split("\n") == body
    assert {c.rule for c in r.changes if c.cleaner == "tail_headlines"} == {"positional.mid_headlines"}
    assert replay(text, r.changes) == r.text and P.clean(r.text) == r.text


@pytest.mark.parametrize("middle", [
    ID_TITLED[:1],  # one title-case line: a subheading
    ["Bantuan sosial disalurkan bertahap kepada warga terdampak banjir",
     "Data penerima bantuan diverifikasi bersama pemerintah desa"],  # a summary's points: the story's words
    ["Holong na di bagas rohakkon sampai saonari",
     "Tung naso manipis rohakkon ito hasian"],  # a song's lines repeat their words
    ["Rencana Regulasi Baru Layanan Kesehatan Nasional",
     "Bagaimana hal ini akan mempengaruhi layanan kesehatan di daerah?"],  # a subheading and a question in a sentence
    ["Contoh produk sikat gigi yang terbuat dari bulu babi dijual dengan nama",
     "Adapun Contoh Produk Sikat Yang Terbuat Dari Bulu Babi Antara Lain"],  # pieces of a sentence cut at links
    ["Pemerintah menyiapkan tiga lokasi pengungsian berikut:", *ID_TITLED],  # a list the text introduces
])
def test_lines_between_paragraphs_that_stay(middle: list[str]) -> None:
    page = [*ID[:2], *middle, *ID[2:]]
    assert P.clean("\n".join(page)).split("\n") == page



def test_title_case_pieces_of_a_sentence_cut_at_links_stay() -> None:
    page = [*ID[:2], "Kepala Dinas Sosial Kabupaten Bogor Ahmad Yani Bersama Wakil Bupati",
            "Bogor Selatan Iwan Setiawan Beserta Para Camat Setempat",
            "menyalurkan bantuan itu hingga sore hari tanpa kendala berarti, kata petugas di lokasi.", *ID[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


EN_SENTENCE = ["Petrol price likely to fall by five rupees from April",
               "Central bank keeps policy rate unchanged at 22pc"]


def test_other_stories_in_sentence_case_between_paragraphs_go() -> None:
    """Not in title case: they go when their words are not the story's."""
    text = "\n".join([*EN[:2], *EN_SENTENCE, *EN[2:]])
    r = P.explain(text)
    assert r.text.split("\n") == EN
    assert {c.rule for c in r.changes} == {"positional.mid_headlines"}
    # The same lines about the story itself stay (a summary's points).
    own = ["Senate approves spending bill after weeks of negotiations",
           "House prospects for the measure remain uncertain"]
    page = [*EN[:2], *own, *EN[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


RELATED_LIST = ["Hospital strike talks collapse as unions reject offer",
                "Rail fares to rise in March, operators confirm",
                "Ferry Operator Fined Over Repeated Delays",
                "Analysis: Who pays for the new stadium?"]


@pytest.mark.parametrize("header", ["Also read", "Related Stories", "MOST READ", "Don't Miss", "Related News",
                                    "Latest Crypto News", "More Columns", "You might also be interested in:"])
@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("at", [2, len(EN)])
def test_a_related_list_after_its_header_goes_whole(header: str, k: int, at: int) -> None:
    """The header's block rule takes its first headline; ``list_follow`` takes the rest of the list (between
    paragraphs, where the following subheading or paragraph stays, and at the end of the page)."""
    text = "\n".join([*EN[:at], header, *RELATED_LIST[:k], *EN[at:]])
    r = P.explain(text)
    assert r.text.split("\n") == EN
    assert {c.rule for c in r.changes} <= {"en.related.header", "en.related.header.listed"}
    assert replay(text, r.changes) == r.text and P.clean(r.text) == r.text


@pytest.mark.parametrize("header", ["Cek Fakta Lainnya", "Baca Berita Pilkada Lainnya:", "Rekomendasi",
                                    "Trending Hari Ini"])
@pytest.mark.parametrize("at", [2, len(ID)])
def test_an_indonesian_list_after_its_header_goes_whole(header: str, at: int) -> None:
    text = "\n".join([*ID[:at], header, *ID_HEADS, *ID[at:]])
    r = P.explain(text)
    assert r.text.split("\n") == ID
    assert {c.rule for c in r.changes} == {"id.related.header.listed"}


@pytest.mark.parametrize(("header", "body"), [("More election coverage", EN), ("Rekomendasi", ID),
                                              ("Cek Fakta Lainnya", ID)])
def test_a_looser_header_above_a_paragraph_stays(header: str, body: list[str]) -> None:
    """The looser headers go only with a headline under them: above the article's own paragraph, or above its list
    of points without a news word ("Manfaat Lainnya"), they stay."""
    page = [*body[:2], header, *body[2:]]
    assert P.clean("\n".join(page)).split("\n") == page
    points = ["Menjaga kesehatan jantung dan pembuluh darah", "Membantu menurunkan kadar gula darah"]
    page = [*ID[:2], "Manfaat Lainnya", *points, *ID[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_related_list_leaves_what_follows_it_that_is_no_listed_headline() -> None:
    """A subheading too short to be a headline, a numbered point, a second story's headline that its paragraph
    repeats: the list ends before them."""
    own = ["Who can apply?", "1. Residents holding a valid permit, the ministry said."]
    page = [*EN[:2], "Related Stories", *RELATED_LIST[:2], *own, *EN[2:]]
    assert P.clean("\n".join(page)).split("\n") == [*EN[:2], *own, *EN[2:]]
    second = ["Senators Pass Stopgap Funding Measure",
              "Senators passed a stopgap funding measure on Wednesday, sending it to the House."]
    page = [*EN, "More Headlines", RELATED_LIST[0], *second]
    assert P.clean("\n".join(page)).split("\n") == [*EN, *second]


def test_a_site_label_above_the_headline_takes_no_headline() -> None:
    """"Latest News" above the page's own headline is the site's navigation, not a related list's header."""
    head = "Council approves budget after marathon session"
    out = P.clean("\n".join(["Latest News", head, *EN]))
    assert out.split("\n")[-len(EN) - 1:] == [head, *EN]


_TAGS = [("Explore more on these topics", ["Social care", "Older people", "Crime"], EN),
         ("Tags:", ["Harlan City Council", "Water Rates", "Utilities"], EN),
         ("Topik Terkait", ["Banjir", "BPBD DKI", "Cuaca Ekstrem"], ID)]


# (A "Tags:" header among the last lines opens en.closing_teasers' block, which takes what follows whole: it is tested
# at the end only.)
@pytest.mark.parametrize(("header", "tags", "body", "at"), [(*t, None) for t in _TAGS]
                         + [(*t, 3) for t in _TAGS if t[0] != "Tags:"])
def test_tags_one_per_line_go_with_their_header(header: str, tags: list[str], body: list[str], at: int | None) -> None:
    """Between paragraphs or closing the page."""
    at = len(body) if at is None else at
    text = "\n".join([*body[:at], header, *tags, *body[at:]])
    assert P.clean(text).split("\n") == body


def test_a_list_the_text_introduces_is_not_scored_by_the_line_model() -> None:
    """Items after "...:" are the article's: the line model never scores them (it read "Signal No. 2: ..." as
    furniture, and one dropped item moved the next one's features)."""
    items = ["Signal No. 3: eastern portion of Eastern Samar, Oras, Dolores and Taft",
             "Signal No. 2: the rest of Eastern Samar, Northern Samar, Samar, Biliran, northern Leyte",
             "Signal No. 1: southern Leyte, Dinagat Islands, Sorsogon, Masbate, Camarines Sur"]
    page = [*EN[:2], "The following areas are under wind signals:", *items, *EN[2:]]
    r = P.explain("\n".join(page))
    assert not [c for c in r.changes if c.rule == "linemodel"]
    assert r.text.split("\n") == page
