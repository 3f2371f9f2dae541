"""Promos glued after a paragraph's last sentence (newsclean.glued), on synthetic paragraphs: the promo goes, the
paragraph stays, a content sentence with the same words stays, and the result is a fixed point that replays."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic_pages import EN_BODY, ID_BODY

from newsclean import Pipeline
from newsclean.glued import GLUED_FAMILIES
from newsclean.pipeline import replay

P = Pipeline.default(lang="auto")

ID, EN = ID_BODY, EN_BODY

ID_PROMOS = ["Ikuti berita terkini dari Suara.com di Google News.",
             "Gabung ke Channel WhatsApp Tribunnews untuk update berita.",
             "Klik di sini untuk membaca artikel selengkapnya.", "Yuk, ikuti saluran WhatsApp kami.",
             "Follow Instagram @detikcom untuk berita terbaru.", "(Penulis: Ahmad | Editor: Siti)",
             "Scroll untuk melanjutkan membaca.", "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT",
             "Cek Berita dan Artikel yang lain di Google News.", "Download aplikasi Kumparan sekarang.",
             "Live streaming eksklusif di VISION+, klik di sini.",
             "Simak berita seleb terbaru lainnya hanya di Kabar Lembah."]
EN_PROMOS = ["Follow us on Google News.", "Sign up for our newsletter.", "Download the Fox News app.",
             "Click here for more.",
             "Like us on Facebook.", "Read more: Senate passes spending bill", "Subscribe to continue reading.",
             "Advertisement", "This material may not be published, broadcast, rewritten or redistributed.",
             "The Associated Press contributed to this report.",
             "Download the WTLH News 4 app for live radar and severe weather alerts.",
             "Make a tax-deductible donation today.",
             "Do you have a story for us?"]


@pytest.mark.parametrize(("body", "promo"), [(ID, x) for x in ID_PROMOS] + [(EN, x) for x in EN_PROMOS])
@pytest.mark.parametrize("sep", [" ", ""])
@pytest.mark.parametrize("where", [1, 3])
def test_a_glued_promo_goes_and_the_paragraph_stays(body: list[str], promo: str, sep: str, where: int) -> None:
    page = list(body)
    page[where] += sep + promo
    text = "\n".join(page)
    r = P.explain(text)
    assert r.text.split("\n") == body
    assert replay(text, r.changes) == r.text
    assert P.clean(r.text) == r.text


def test_two_promos_glued_one_after_the_other_both_go() -> None:
    page = [*ID[:3], ID[3] + " Ikuti berita terkini di Google News. (Penulis: Ahmad | Editor: Siti)"]
    assert P.clean("\n".join(page)).split("\n") == ID


@pytest.mark.parametrize("sentence", [
    # mentions an app store, but is no prompt: it does not open like one
    "Sebab, akun Google jadi gerbang utama untuk akses Play Store, Google Drive, dan Maps.",
    # names where more news comes from, but is no pointer to the outlet's: it does not open like one
    "Informasi terbaru dari BPBD Jawa Tengah.",
])
def test_a_content_sentence_with_a_promos_words_stays(sentence: str) -> None:
    page = [*ID[:3], ID[3] + " " + sentence]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_how_to_step_stays() -> None:
    page = [*ID[:2], "1. Unduh aplikasi Travoy melalui Play Store atau App Store.", *ID[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_sentence_end_inside_brackets_takes_the_whole_bracket() -> None:
    para = EN[1] + " " + EN[2]
    got = P.clean("\n".join([EN[0], para + " (Copyright 2017 The Associated Press. All rights reserved.)", EN[3]]))
    assert got.split("\n") == [EN[0], para, EN[3]]


def test_the_changes_name_the_line_rule() -> None:
    r = P.explain("\n".join([*ID[:3], ID[3] + " Klik di sini untuk membaca artikel selengkapnya."]))
    glued = [c for c in r.changes if c.cleaner == "glued"]
    assert [c.rule for c in glued] == ["id.click_here.glued"]
    assert all(c.rule.removesuffix(".glued") in GLUED_FAMILIES for c in glued)


SENTENCE = st.sampled_from(ID + EN)
TAIL = st.sampled_from(ID_PROMOS + EN_PROMOS + ["", "Menurut dia, warga tenang.", "He said it was fine."])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(SENTENCE, TAIL, st.sampled_from([" ", ""])), min_size=1, max_size=5,
                unique_by=lambda p: p[0]))
def test_glued_paragraphs_clean_to_a_fixed_point(parts: list[tuple[str, str, str]]) -> None:
    text = "\n".join(s + sep + t for s, t, sep in parts)
    r = P.explain(text)
    assert P.clean(r.text) == r.text
    assert replay(text, r.changes) == r.text
    for s, _, _ in parts:  # every content sentence is still there (no two paragraphs alike: a repeated pair goes)
        assert s.rstrip(".") in r.text


MARKERS = ["ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT", "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT",
           "Story continues below advertisement"]


@pytest.mark.parametrize("marker", MARKERS)
def test_an_ad_marker_between_two_sentences_goes(marker: str) -> None:
    a, b = ID[1], ID[2]
    assert P.clean(f"{ID[0]}\n{a} {marker} {b}\n{ID[3]}").split("\n") == [ID[0], f"{a} {b}", ID[3]]


@pytest.mark.parametrize("promo", ["Read more: Senate passes bill", "RELATED: Senate passes bill", "Editor: Siti"])
def test_a_label_with_free_text_then_a_sentence_does_not_take_the_sentence(promo: str) -> None:
    """A related headline or a credit has no sentence end of its own: glued before the next sentence, the last
    'sentence' holds both, and the sentence must stay (the label may stay with it)."""
    got = P.clean("\n".join([EN[0], f"{EN[1]} {promo} {EN[2]}", EN[3]])).split("\n")
    assert got[1].endswith(EN[2])


def test_the_named_families_are_rules_of_the_catalog() -> None:
    from newsclean.catalog import default_catalog
    from newsclean.glued import FAMILY_MAX_WORDS, NEEDS_OPENER, SHORT_KINDS

    rules = {r.id: r for r in default_catalog().rules}
    assert set(rules) >= GLUED_FAMILIES
    assert all(rules[x].kind in ("line", "tail") for x in GLUED_FAMILIES)
    assert set(FAMILY_MAX_WORDS) | NEEDS_OPENER | SHORT_KINDS <= GLUED_FAMILIES
