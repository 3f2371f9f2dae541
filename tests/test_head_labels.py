"""Short labels above the first paragraph, around the page's headline (newsclean.positional, rule
``positional.head_label``), on synthetic pages: section and region labels, the site's name, a bare author name go;
a lead sentence cut at its links, a live blog's first clock time and a page without its headline stay."""

from __future__ import annotations

import pytest
from synthetic_pages import EN_BODY, ID_BODY

from newsclean import Document, Pipeline
from newsclean.pipeline import replay

P = Pipeline.default(lang="auto")

EN_TITLE = "Council approves budget after marathon session"
ID_TITLE = "Tanggul Jebol, Ratusan Rumah di Tiga Desa Terendam Banjir"


@pytest.mark.parametrize(("head", "title", "body"), [
    (["Nation", EN_TITLE, "Dana Kowalczyk"], EN_TITLE, EN_BODY),
    (["THE RIVERBEND READER", "Politics", EN_TITLE], EN_TITLE, EN_BODY),
    (["Markets", EN_TITLE, "Priya Venkataraman"], None, EN_BODY),  # no title: the line of four words or more
    (["KALBAR", ID_TITLE, "by Admin SC"], ID_TITLE, ID_BODY),
    (["PILKADA 2024", ID_TITLE, "Lukas Hartono"], ID_TITLE, ID_BODY),
    (["Berita Kampus", "Lentera Kampus", ID_TITLE], None, ID_BODY),
])
def test_labels_around_the_headline_go(head: list[str], title: str | None, body: list[str]) -> None:
    headline = EN_TITLE if body is EN_BODY else ID_TITLE
    text = "\n".join([*head, *body])
    doc = Document(text, metadata={"title": title} if title else {})
    r = P.explain(doc)
    # An Indonesian page's own title at the top goes as well when the title is known (GUIDELINES.md §8.4).
    title_goes = body is ID_BODY and title is not None
    assert r.text.split("\n") == ([*body] if title_goes else [headline, *body])
    if body is ID_BODY:  # (the English rules know some of the English labels: en.section_label, en.head_name)
        assert {c.rule for c in r.changes} == {"positional.head_label"} | ({"positional.echo.title"} if title_goes
                                                                            else set())
    assert replay(text, r.changes) == r.text and P.clean(Document(r.text, metadata=doc.metadata)) == r.text


@pytest.mark.parametrize("head", [
    ["Anggota DPRD", "Banten"],  # a lead sentence cut at its links, no headline above it
    ["Presiden", "Prabowo"],
])
def test_a_lead_cut_at_its_links_stays(head: list[str]) -> None:
    page = [*head, "Fraksi PKS, Iip Makmur, menyoroti soal Perda nomor 1 tahun 2022 yang belum dilaksanakan.", *ID_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page


def test_a_piece_of_a_sentence_below_stops_the_rule() -> None:
    page = [ID_TITLE, "Polresta Bogor memastikan gangster", "Dukuh Lieur", "belum pernah terlibat tawuran.", *ID_BODY]
    # (The Indonesian page's own title at the top goes, positional.echo.title; the lines under it stay.)
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page[1:]


def test_a_live_blog_clock_time_stays() -> None:
    """The time that heads a live blog's first entry is left to the time rules."""
    page = [ID_TITLE, "16.45 WIB", *ID_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page[1:]


def test_a_head_without_a_paragraph_below_stays() -> None:
    """Ten short lines and no paragraph: a list or a table, not a page's head."""
    page = [EN_TITLE, *[f"Item number {k}" for k in range(12)]]
    assert P.clean(Document("\n".join(page), metadata={"title": EN_TITLE})).split("\n") == page


@pytest.mark.parametrize("box", [
    # a list the text introduces
    ["Those killed were identified as:", "Maria Lopez, 34", "John Carter, 52", "Amy Nguyen, 19"],
    ["Judul: Laut Bercerita", "Penulis: Leila S. Chudori", "Tebal: 379 halaman"],  # a fact box
])
def test_a_list_or_a_fact_box_at_the_top_stays(box: list[str]) -> None:
    page = [*box, *EN_BODY]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize("heading", ["What we're covering", "Key takeaways", "At a glance", "Poin penting"])
def test_a_live_blog_heading_stays(heading: str) -> None:
    """A heading that speaks or asks above the first entry is the blog's own ("What we're covering"), not a label; so
    is the heading of the article's own summary ("Key takeaways", probe set V)."""
    page = [EN_TITLE, heading, *EN_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": EN_TITLE})).split("\n") == page


@pytest.mark.parametrize(("lead", "cut"), [
    ("Jakarta, Gawai Kini — Produsen ponsel Zentra resmi meluncurkan Nova 12 di Indonesia, Kamis (3/7/2025).",
     "Jakarta, Gawai Kini — "),
    ("MEDAN, beritasiang.com — Kebakaran hebat melanda Pasar Kampung Lalang, Sabtu (17/5/2025) malam.",
     "MEDAN, beritasiang.com — "),
    ("KARACHI: The city's water utility on Sunday warned that supply could fall short of demand this summer.",
     "KARACHI: "),
    ("BIXBY, Okla. (KVTR) - The National Weather Service confirmed Monday that a tornado touched down overnight.",
     "BIXBY, Okla. (KVTR) - "),
])
def test_a_dateline_below_the_headline_is_cut(lead: str, cut: str) -> None:
    """The prefix rules' window starts at the first paragraph: a headline printed above it takes no rank."""
    body = ID_BODY if "Jakarta" in lead or "MEDAN" in lead else EN_BODY
    title = ID_TITLE if body is ID_BODY else EN_TITLE
    text = "\n".join([title, lead, *body])
    out = P.clean(Document(text, metadata={"title": title})).split("\n")
    # (An Indonesian page's own title at the top goes too: positional.echo.title.)
    assert out == [*([] if body is ID_BODY else [title]), lead[len(cut):], *body]


def test_only_the_headline_is_passed_over() -> None:
    """Below a headline and a second short line (a song's lines, a list), the window is spent: nothing is cut."""
    page = [ID_TITLE, "Lagu ini telah tayang di YouTube pada Juni 2025", "PRE-CHORUSAin’t no way I’m turning back",
            *ID_BODY]
    assert P.clean("\n".join(page)).split("\n") == page


def test_an_indonesian_pages_own_title_at_the_top_goes() -> None:
    """GUIDELINES.md §8.4: the title printed at the top of an Indonesian page is furniture (the title is metadata);
    an English page keeps its first headline (GUIDELINES-en.md, rule 14)."""
    for title, body, goes in ((ID_TITLE, ID_BODY, True), (EN_TITLE, EN_BODY, False)):
        page = [title, *body]
        r = P.explain(Document("\n".join(page), metadata={"title": title}))
        assert r.text.split("\n") == (page[1:] if goes else page)
        assert [c.rule for c in r.changes] == (["positional.echo.title"] if goes else [])
    # Without the title in the metadata nothing says which line it is.
    page = [ID_TITLE, *ID_BODY]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize(("menu", "title", "body"), [
    ("Beranda Samarinda Balikpapan Kukar Kutim Bontang Politik Olahraga Indeks", ID_TITLE, ID_BODY),
    ("News Sport What's On Property Jobs Announcements", EN_TITLE, EN_BODY),
    ("Kupang · Flores · Sumba · Timor · Alor-Lembata · Opini", ID_TITLE, ID_BODY),
])
def test_a_sites_menu_above_the_headline_goes(menu: str, title: str, body: list[str]) -> None:
    page = [menu, title, *body]
    r = P.explain(Document("\n".join(page), metadata={"title": title}))
    assert menu not in r.text.split("\n") and r.text.split("\n")[-len(body):] == body


@pytest.mark.parametrize("line", [
    "Jakarta Utara, Jakarta Barat, Dan Bekasi",  # a list with commas: a sentence's piece
    "Tanggul Jebol Rendam Tiga Desa Sekaligus",  # two words of the title: a deck
    "Banjir Rendam 3 Desa Di Hulu Sungai",  # a number
])
def test_a_title_case_line_that_is_no_menu_stays(line: str) -> None:
    page = [line, ID_TITLE, *ID_BODY]
    assert line in P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n")


@pytest.mark.parametrize("printed", [
    ID_TITLE.upper(),  # in capitals
    ID_TITLE.replace(",", ""),  # other punctuation
    ID_TITLE.replace("Ratusan ", ""),  # a word less (a title of six words or more)
    ID_TITLE.replace("Tiga", "Empat"),  # a word changed
])
@pytest.mark.parametrize("above", [[], ["Cari berita..."]])  # a search box's placeholder ends no sentence
def test_the_title_printed_in_capitals_or_edited_by_a_word_goes(printed: str, above: list[str]) -> None:
    page = [*above, printed, *ID_BODY]
    r = P.explain(Document("\n".join(page), metadata={"title": ID_TITLE}))
    assert printed not in r.text.split("\n")
    assert r.text.split("\n")[-len(ID_BODY):] == ID_BODY
    assert "positional.echo.title" in {c.rule for c in r.changes}


@pytest.mark.parametrize("printed", [
    ID_TITLE.replace("Ratusan Rumah di ", ""),  # two words less: another line
    ID_TITLE.lower(),  # in lower case: not how a page prints its headline
])
def test_a_line_two_words_from_the_title_or_in_its_own_lower_case_stays(printed: str) -> None:
    page = [printed, *ID_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page


@pytest.mark.parametrize("page", [
    # the lead sentence restating the title, in sentence case (Tribun, Okezone): the article's first sentence
    [ID_TITLE[0] + ID_TITLE[1:].lower() + ".", *ID_BODY],
    # the title and nothing after it
    [ID_TITLE],
    # the title's words after the first paragraph, or after a short sentence: a subheading of the text
    [ID_BODY[0], ID_TITLE, *ID_BODY[1:]],
    ["Banjir melanda tiga desa pada Senin pagi.", ID_TITLE, *ID_BODY],
])
def test_what_only_looks_like_the_title_stays(page: list[str]) -> None:
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page


def test_short_labels_above_the_body_leave_the_dateline_to_the_prefix_rules() -> None:
    """The site's name and a section label above the first paragraph take no rank in a prefix rule's window; once
    the dateline is cut from the body's first line, those labels go too (a head of its own, even without the
    headline printed in it)."""
    lead = "DENPASAR, kinibali.com – Kebijakan pungutan bagi wisatawan mancanegara mulai berlaku pekan ini."
    page = ["KINI BALI", "Pariwisata", lead, *ID_BODY]
    r = P.explain(Document("\n".join(page), metadata={"title": ID_TITLE}))
    assert r.text.split("\n") == [lead[len("DENPASAR, kinibali.com – "):], *ID_BODY]
    assert {c.rule for c in r.changes} == {"shared.dateline.prefix", "positional.head_label"}
    # Seven lines above a prose paragraph are one too many (MAX_HEAD_SPAN): the window is spent, nothing is cut or
    # dropped.
    page = ["KINI BALI", "Pariwisata", "Denpasar", "Badung", "Gianyar", "Tabanan", "Bangli", lead, *ID_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": ID_TITLE})).split("\n") == page


def test_a_dateline_below_a_deck_and_a_caption_is_cut() -> None:
    """When the first paragraph is prose, the lines above it (headline, deck, a caption without a full stop) take no
    rank in the prefix rules' window: its dateline is cut."""
    lead = "KOTA BHARU: The number of flood evacuees in Kelantan rose to 21,406 people this evening, officials said."
    page = [EN_TITLE, "The corridor will link two suburbs; the State will seek a fifth of the equity",
            "Residents wade through floodwaters in a village near the river — Photo by a staff photographer", lead,
            *EN_BODY]
    out = P.clean(Document("\n".join(page), metadata={"title": EN_TITLE})).split("\n")
    assert out == [*page[:3], lead[len("KOTA BHARU: "):], *EN_BODY]
    # Seven lines above the paragraph: beyond MAX_HEAD_SPAN, the window is spent.
    page = [EN_TITLE, *[f"Line number {k} above the body without a stop" for k in range(6)], lead, *EN_BODY]
    assert P.clean(Document("\n".join(page), metadata={"title": EN_TITLE})).split("\n") == page


def test_a_character_the_text_cleaners_took_is_no_dateline_cut() -> None:
    """Labels above the body go without the headline only when a dateline was cut from the body's first line: an
    invisible character a text cleaner removed from its start is none."""
    lead = "Persikota meraih kemenangan perdana di kompetisi musim ini setelah menang 2-0 atas tim tamu."
    page = ["Bola Nasional", "\ufeff" + lead, *ID_BODY]
    out = P.clean("\n".join(page)).split("\n")
    assert out[0] == "Bola Nasional"
    page = ["Bola Nasional", "GELORABOLA.COM - " + lead, *ID_BODY]
    assert P.clean("\n".join(page)).split("\n") == [lead, *ID_BODY]


def test_a_dateline_under_short_widget_lines_is_cut() -> None:
    """Short lines above a first paragraph of prose take no rank in the prefix rules' window even when they end like a
    paragraph (a widget's "(Lahore)"): the dateline starts that paragraph."""
    lead = ("LAHORE: The Punjab government on Wednesday confirmed it would not fix a support price for wheat this "
            "year, officials said.")
    title = "Punjab scraps wheat support price for 2025 crop"
    page = [title, "Thursday, March 06, 2025 | Ramazan 5, 1446", "Sehri 5:02 AM | Iftar 6:14 PM (Lahore)", lead,
            *EN_BODY]
    out = P.clean(Document("\n".join(page), metadata={"title": title})).split("\n")
    assert lead[len("LAHORE: "):] in out and out[-len(EN_BODY):] == EN_BODY
