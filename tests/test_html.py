"""newsclean.html: article extraction from HTML pages, metadata, decoding and strip_html.

Pages are small synthetic ones built here (shaped like real CMS output: WordPress, Indonesian portals
with ``<br>``-separated text, index pages); the two English pages under benchmarks/data/html_en pin an
accuracy floor.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import newsclean.html as nh
from newsclean.html import HtmlArticle, HtmlOptions, decode_html, extract_article, strip_html
from newsclean.html import body as nh_body
from newsclean.html import decode as nh_decode
from newsclean.html import meta as nh_meta
from newsclean.html import strip as nh_strip

ROOT = Path(__file__).resolve().parent.parent
EN_PAGES = ROOT / "benchmarks" / "data" / "html_en"

P1 = (
    "Hujan deras yang mengguyur Jakarta sejak Senin pagi membuat sejumlah ruas jalan tergenang, "
    "kata petugas Dinas Sumber Daya Air kepada wartawan."
)
P2 = (
    "Warga di kawasan Kampung Melayu diminta waspada karena debit air di Bendung Katulampa terus "
    "naik, sementara hujan diperkirakan berlanjut hingga malam hari."
)
P3 = (
    "Petugas gabungan telah menyiapkan perahu karet, dapur umum dan posko kesehatan di enam titik "
    "pengungsian, menurut keterangan resmi pemerintah provinsi."
)


def page(body: str, head: str = "", lang: str = "id") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


NAV = (
    '<nav><ul><li><a href="/">Beranda</a></li><li><a href="/news">Berita</a></li>'
    '<li><a href="/sport">Olahraga</a></li></ul></nav>'
)
HEADER = (
    '<header class="site-header"><a href="/" class="logo">Portal Berita</a>'
    '<form><input name="q"></form></header>'
)
FOOTER = (
    "<footer><p>Hak cipta 2024 Portal Berita. Seluruh hak dilindungi undang-undang yang berlaku "
    "di Indonesia.</p></footer>"
)
SIDEBAR = (
    '<aside class="sidebar"><h3>Terpopuler</h3><ol>'
    + "".join(f'<li><a href="/p{i}">Judul berita populer nomor {i} hari ini</a></li>' for i in range(6))
    + "</ol></aside>"
)
SHARE = (
    '<div class="share-bar"><a href="#fb">Facebook</a> <a href="#tw">Twitter</a> '
    '<a href="#wa">WhatsApp</a></div>'
)
RELATED = (
    '<div class="related-posts"><h3>Berita Terkait</h3><ul>'
    + "".join(
        f'<li><a href="/r{i}">Berita terkait nomor {i} tentang banjir Jakarta</a></li>' for i in range(4)
    )
    + "</ul></div>"
)
COMMENTS = (
    '<section id="comments"><h3>Komentar</h3><p>Semoga cepat surut ya, kasihan warga yang rumahnya '
    "terendam sejak pagi tadi, mohon pemerintah bergerak cepat.</p></section>"
)


def wordpress_page() -> str:
    article = (
        '<article class="post"><h1 class="entry-title">Banjir Rendam Jakarta</h1>'
        '<div class="entry-meta">Oleh <a href="/author/budi">Budi</a> | 2 Januari 2024</div>'
        f'<div class="entry-content"><p>{P1}</p>{SHARE}<p>{P2}</p>'
        "<blockquote><p>Kami siaga dua puluh empat jam penuh untuk membantu warga yang terdampak.</p>"
        "</blockquote>"
        f"<h2>Posko pengungsian</h2><p>{P3}</p><ul><li>Posko Kampung Melayu di balai warga</li>"
        "<li>Posko Bidara Cina di sekolah dasar negeri</li></ul></div>"
        f"{RELATED}</article>{COMMENTS}"
    )
    return page(
        HEADER + NAV + '<div class="container"><main>' + article + "</main>" + SIDEBAR + "</div>" + FOOTER
    )


# --- extraction -------------------------------------------------------------------------------------


def test_wordpress_page_keeps_body_and_drops_boilerplate() -> None:
    art = extract_article(wordpress_page())
    lines = art.text.split("\n")
    assert P1 in lines and P2 in lines and P3 in lines
    assert lines.index(P1) < lines.index(P2) < lines.index(P3)
    assert "Kami siaga dua puluh empat jam penuh untuk membantu warga yang terdampak." in lines
    assert "Posko pengungsian" in lines  # a subheading is body text
    assert "Posko Kampung Melayu di balai warga" in lines  # list items, one per line
    for junk in (
        "Beranda",
        "Facebook",
        "WhatsApp",
        "Terpopuler",
        "Berita terkait",
        "Komentar",
        "Semoga cepat surut",
        "Hak cipta",
        "Portal Berita",
    ):
        assert junk not in art.text, junk
    assert "" not in lines


def test_text_separated_by_br_becomes_lines() -> None:
    body = (
        '<div id="content"><div class="detail_text">JAKARTA - '
        + P1
        + "<br><br>"
        + P2
        + '<br><br><a href="/baca">Baca juga: Banjir kiriman datang malam ini</a><br><br>'
        + P3
        + "</div></div>"
        + SIDEBAR
    )
    art = extract_article(page(NAV + body + FOOTER))
    assert art.text.split("\n") == ["JAKARTA - " + P1, P2, P3]


def test_itemprop_article_body_is_preferred() -> None:
    body = (
        '<div class="teaser"><p>' + P3 + ' <a href="/x">Selengkapnya</a></p></div>'
        '<div itemprop="articleBody"><p>' + P1 + "</p><p>" + P2 + "</p></div>"
    )
    art = extract_article(page(body))
    assert art.found_by == "itemprop=articleBody"
    assert art.text == P1 + "\n" + P2


def test_intro_beside_the_main_container_is_kept() -> None:
    # The lead paragraph sits outside the container holding the rest (a common template).
    rest = "".join(f"<p>{p} Paragraf {i}.</p>" for i, p in enumerate([P2, P3, P2, P3]))
    body = (
        f'<div class="story"><div class="intro"><p><strong>{P1}</strong></p></div>'
        f'<div class="ad-slot"></div><div class="more">{rest}</div></div>' + SIDEBAR
    )
    art = extract_article(page(body))
    assert art.text.split("\n")[0] == P1
    assert art.text.count("Paragraf") == 4


def test_link_lists_inside_the_body_are_dropped() -> None:
    links = "".join(
        f'<a href="/l{i}">Judul artikel lain yang tidak berhubungan nomor {i}</a><br>' for i in range(4)
    )
    body = f'<div class="content"><p>{P1}</p><h2>Jangan lewatkan</h2>{links}<p>{P2}</p></div>'
    art = extract_article(page(body))
    assert art.text.split("\n") == [P1, P2]


def test_index_page_gives_no_article() -> None:
    teasers = "".join(
        f'<div class="item"><h3><a href="/n{i}">Judul berita nomor {i} yang menarik</a></h3>'
        f"<p>Ringkasan singkat berita nomor {i} untuk pembaca portal.</p></div>"
        for i in range(12)
    )
    art = extract_article(page(NAV + f'<div class="latest">{teasers}</div>' + FOOTER))
    assert len(art.text) < 100


@pytest.mark.parametrize("html", ["", "   ", "<html>", "<p>", "<<<>>>", "\x00\x00", "<!-- -->", "&amp;"])
def test_empty_or_degenerate_pages(html: str) -> None:
    art = extract_article(html)
    assert isinstance(art, HtmlArticle)
    assert "\n\n" not in art.text


def test_hidden_scripts_and_styles_never_leak() -> None:
    body = (
        f'<div class="content"><p>{P1}</p><script>var secret = "tidak boleh";</script>'
        "<style>.x{color:red}</style><p hidden>Teks tersembunyi tidak boleh ikut.</p>"
        '<div style="display: none">Juga tersembunyi.</div><noscript>Aktifkan JavaScript.</noscript>'
        f"<p>{P2}</p></div>"
    )
    art = extract_article(page(body))
    assert art.text == P1 + "\n" + P2


def test_pre_and_table_layout() -> None:
    body = (
        f'<div class="article-body"><p>{P1}</p><pre>baris satu\nbaris dua</pre>'
        "<table><tr><td>Kota</td><td>Curah hujan</td></tr><tr><td>Jakarta</td><td>120 mm</td></tr></table>"
        f"<p>{P2}</p></div>"
    )
    lines = extract_article(page(body)).text.split("\n")
    assert lines == [P1, "baris satu", "baris dua", "Kota Curah hujan", "Jakarta 120 mm", P2]


def test_boilerplate_name_on_the_story_wrapper_does_not_remove_the_story() -> None:
    # A wrapper named like a widget ("share-enabled") that holds the whole story stays.
    body = f'<div class="post-body share-enabled"><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>' + SIDEBAR
    art = extract_article(page(body))
    assert art.text == "\n".join([P1, P2, P3])


def test_json_ld_article_body_when_the_dom_has_none() -> None:
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        f'"headline": "Banjir", "articleBody": "{P1}\\n{P2}", "inLanguage": "id-ID"}}</script>'
    )
    art = extract_article(page('<div id="app"></div>', head=ld, lang=""))
    assert art.found_by == "json-ld articleBody"
    assert art.text == P1 + "\n" + P2
    assert art.lang == "id"


def test_relative_paths_and_options() -> None:
    art = extract_article(wordpress_page(), options=HtmlOptions(min_paragraph_chars=10))
    assert P1 in art.text
    with pytest.raises(ValueError):
        extract_article(wordpress_page(), options="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 42, ["<p>x</p>"], object()])
def test_wrong_argument_types_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        extract_article(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        extract_article("<p>x</p>", url=42)  # type: ignore[arg-type]


# --- metadata ---------------------------------------------------------------------------------------


def test_metadata_from_meta_tags() -> None:
    head = (
        "<title>Banjir Rendam Jakarta | Portal</title>"
        '<meta property="og:title" content="Banjir Rendam Jakarta">'
        '<meta property="article:published_time" content="2024-01-02T08:00:00+07:00">'
        '<meta name="author" content="Budi Santoso">'
        '<link rel="canonical" href="/2024/01/02/banjir">'
    )
    art = extract_article(
        page(f"<article><p>{P1}</p></article>", head=head, lang="id-ID"), url="https://portal.example/x?utm=1"
    )
    assert art.title == "Banjir Rendam Jakarta"
    assert art.date == "2024-01-02T08:00:00+07:00"
    assert art.author == "Budi Santoso"
    assert art.lang == "id"
    assert art.url == "https://portal.example/2024/01/02/banjir"
    assert art.metadata() == {
        "title": art.title,
        "date": art.date,
        "date_original": "2024-01-02T08:00:00+07:00",
        "author": art.author,
        "site_name": "portal.example",  # nothing better than the host: no site-name tag, no title suffix
        "lang": "id",
        "url": art.url,
    }


def test_metadata_from_json_ld_and_fallbacks() -> None:
    ld = (
        '<script type="application/ld+json">[{"@type": "WebSite", "name": "Portal"},'
        '{"@graph": [{"@type": ["NewsArticle"], "headline": "Judul dari JSON-LD",'
        '"datePublished": "2024-02-03", "author": [{"@type": "Person", "name": "Ani"},'
        '{"name": "Budi"}]}]}]</script><script type="application/ld+json">{not json</script>'
    )
    art = extract_article(
        page(f"<div><p>{P1}</p></div>", head=ld + "<title> Judul  halaman </title>", lang=""),
        url="https://portal.example/a",
    )
    assert art.title == "Judul dari JSON-LD"
    assert art.date == "2024-02-03"
    assert art.author == "Ani, Budi"
    assert art.site_name == "Portal"  # the WebSite object
    assert art.lang is None
    assert art.url == "https://portal.example/a"
    bare = extract_article(page(f"<p>{P1}</p>", head="<title> Judul  halaman </title>", lang=""))
    assert bare.title == "Judul halaman"
    assert bare.date is None and bare.author is None and bare.url is None


def test_author_urls_are_not_names() -> None:
    head = (
        '<meta property="article:author" content="https://www.facebook.com/portal">'
        '<meta name="parsely-author" content="By Citra Lestari">'
    )
    assert extract_article(page(f"<p>{P1}</p>", head=head)).author == "Citra Lestari"


# --- decoding ---------------------------------------------------------------------------------------


def test_bytes_are_decoded_by_declared_charset() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
        f"<body><div class='content'><p>Caf\u00e9 \u201cBudi\u201d \u2013 {P1}</p></div></body></html>"
    )
    art = extract_article(html.encode("cp1252"))
    assert art.text.startswith("Caf\u00e9 \u201cBudi\u201d \u2013 ")


def test_bytes_bom_and_utf8_fallback() -> None:
    assert decode_html("<p>é".encode("utf-16")) == "<p>é"
    assert decode_html("<p>é".encode("utf-8-sig")) == "<p>é"
    # Not UTF-8 and nothing declared: Windows-1252, not U+FFFD (the text is kept)
    assert decode_html(b"<p>caf\xe9</p>") == "<p>caf\u00e9</p>"
    assert decode_html(b'<meta charset="utf-8"><p>\xe2\x80\x9cx') == '<meta charset="utf-8"><p>\u201cx'
    art = extract_article(bytearray(page(f"<div class='content'><p>{P1}</p></div>").encode()))
    assert art.text == P1


# --- strip_html -------------------------------------------------------------------------------------


def test_strip_html_examples() -> None:
    assert (
        strip_html("Harga &ldquo;naik&rdquo;&nbsp;lagi &amp; stok &lt;habis&gt;")
        == "Harga \u201cnaik\u201d lagi & stok <habis>"
    )
    assert strip_html("Satu<br/>Dua<BR>Tiga") == "Satu\nDua\nTiga"
    assert strip_html('<div class="x"><p>A</p>\n\n<p>B</p></div>') == "A\nB"
    assert strip_html("<a href='x'>tautan</a> dan <em>tebal</em>") == "tautan dan tebal"
    assert strip_html("2 < 3 dan 5 > 4") == "2 < 3 dan 5 > 4"
    assert strip_html("&notanentity; &copy &#8212; &#x2014;") == "&notanentity; &copy \u2014 \u2014"
    with pytest.raises(TypeError):
        strip_html(None)  # type: ignore[arg-type]


@given(st.text(alphabet=st.characters(blacklist_characters="<&")))
def test_strip_html_is_identity_without_html(text: str) -> None:
    assert strip_html(text) is text


@given(st.text())
def test_strip_html_never_raises_and_is_idempotent_on_tags(text: str) -> None:
    out = strip_html(text)
    assert isinstance(out, str)
    assert re.search(r"</?(p|br|div|span|a|b|i|em|strong)\b[^<>]*>", out) is None or "<" in text


def test_doctests() -> None:
    for module in (nh, nh_body, nh_decode, nh_meta, nh_strip):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__


# --- properties: never raises, deterministic ----------------------------------------------------------

TAGS = [
    "div",
    "p",
    "span",
    "a",
    "article",
    "section",
    "nav",
    "header",
    "footer",
    "aside",
    "ul",
    "li",
    "h1",
    "h2",
    "br",
    "table",
    "tr",
    "td",
    "pre",
    "blockquote",
    "script",
    "style",
    "img",
    "main",
]
CLASSES = [
    "content",
    "share",
    "related",
    "comment",
    "article-body",
    "sidebar",
    "entry-content",
    "ad",
    "baca-juga",
    "",
    "x y",
    "post",
]
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 6 if depth < 4 else 1))
        if kind == 0:
            parts.append(draw(WORDS))
        elif kind == 1:
            parts.append(
                draw(
                    st.sampled_from(
                        [
                            "&amp;",
                            "&nbsp;",
                            "&ldquo;",
                            "&#xFFFF;",
                            "&#0;",
                            "&bogus;",
                            "<",
                            ">",
                            "<!--",
                            "-->",
                            "<![CDATA[",
                            "\ue000",
                            "\x00",
                        ]
                    )
                )
            )
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = f' class="{draw(st.sampled_from(CLASSES))}"' if draw(st.booleans()) else ""
            if draw(st.booleans()):
                attrs += ' itemprop="articleBody"'
            inner = draw(html_fragments(depth + 1))
            close = f"</{tag}>" if draw(st.integers(0, 4)) else ""  # sometimes unclosed
            parts.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(parts)


def _check(art: HtmlArticle) -> None:
    assert isinstance(art.text, str)
    lines = art.text.split("\n") if art.text else []
    assert all(line and line == line.strip() for line in lines), lines
    assert not re.search("[\ue000-\ue003]", art.text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_fragments())
def test_extract_never_raises_and_is_deterministic(fragment: str) -> None:
    html = page(fragment)
    first = extract_article(html)
    _check(first)
    assert extract_article(html) == first


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_extract_never_raises_on_arbitrary_input(data: str | bytes) -> None:
    _check(extract_article(data))


# --- accuracy floor on the English evaluation pages in the repo --------------------------------------


def _token_f1(extracted: str, reference: str) -> float:
    from collections import Counter

    got = Counter(re.findall(r"\w+", extracted.lower()))
    ref = Counter(re.findall(r"\w+", reference.lower()))
    common = sum((got & ref).values())
    if not common:
        return 0.0
    p, r = common / sum(got.values()), common / sum(ref.values())
    return 2 * p * r / (p + r)


@pytest.mark.parametrize("name", ["ars-1", "herald-sun-1", "tmz-1"])
def test_english_pages_accuracy_floor(name: str) -> None:
    html_path = EN_PAGES / f"{name}.html"
    if not html_path.exists():
        pytest.skip("evaluation pages not present")
    art = extract_article(html_path.read_bytes())
    assert _token_f1(art.text, (EN_PAGES / f"{name}.txt").read_text("utf-8")) >= 0.95
    assert art.lang == "en" and art.title


@pytest.mark.parametrize(
    "body_tag, inner",
    [
        ("<body hidden>", f"<p>{P1}</p>"),
        ('<body aria-hidden="true" class="share">', f"<p>{P1}</p>"),
        ("<body>", '<div itemprop="articleBody"><img src="x.jpg">Foto: Antara</div>'),
        ("<body>", f'<pre itemprop="articleBody">{P1}\n{P2}</pre>'),
        ("<body>", '<div class="content"><a href="/a">Tautan satu</a> <a href="/b">Tautan dua</a></div>'),
    ],
)
def test_the_body_element_and_the_chosen_root_are_never_removed(body_tag: str, inner: str) -> None:
    art = extract_article(f"<html>{body_tag}{inner}</body></html>")
    _check(art)
    assert extract_article(f"<html>{body_tag}{inner}</body></html>") == art


def test_language_prefers_explicit_metadata_and_publishers_are_not_authors() -> None:
    head = '<meta http-equiv="Content-Language" content="id"><meta name="author" content="Liputan6.com">'
    art = extract_article(page(f"<p>{P1}</p>", head=head, lang="en"))
    assert art.lang == "id"  # <html lang="en"> is a template default on many Indonesian sites
    assert art.author is None


# --- the faster tree steps give what the plain ones give ---------------------------------------------

_JUNKY_TAGS = ["div", "p", "span", "a", "script", "style", "noscript", "template", "svg", "math", "iframe",
               "button", "select", "option", "textarea", "label", "head", "title", "table", "td", "video",
               "source", "object", "embed", "form", "input"]


@st.composite
def _junky_markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["teks", " ", "<br>", "<meta content=x>", "<link rel=x>", "&amp;",
                                               '<p hidden>h</p>', '<i style="color:red">c</i>', "<em style>e</em>",
                                               '<b style="visibility: hidden; color:red">v</b>',
                                               '<svg><script>s</script><g style="display:none">g</g></svg>'])))
        elif draw(st.integers(0, 3)) == 0:  # a hidden container, or one whose style only looks so
            style = draw(st.sampled_from(["display:none", "display: none", "DISPLAY:NONE", "visibility:hidden",
                                          "x; visibility: hidden", "display:block", ""]))
            parts.append(f'<div style="{style}">{draw(_junky_markup(depth + 1))}</div>')
        else:
            tag = draw(st.sampled_from(_JUNKY_TAGS))
            close = f"</{tag}>" if draw(st.integers(0, 4)) else ""  # sometimes unclosed
            parts.append(f"<{tag}>{draw(_junky_markup(depth + 1))}{close}")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_junky_markup(), _junky_markup(), st.sampled_from(["", " hidden", ' style="display:none"']))
def test_remove_junk_removes_what_strip_tags_removes(head: str, body: str, body_attrs: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    html = f"<html><head>{head}</head><body{body_attrs}>{body}</body></html>"
    ours, plain = LexborHTMLParser(html), LexborHTMLParser(html)
    nh_body.remove_junk(ours)
    plain.strip_tags(list(nh.heuristics.JUNK_TAGS), recursive=True)  # the definition: tag by tag
    if plain.body is not None:
        nh_body._remove_all([n for n in plain.body.css('[hidden], [style*="display:none"], '
                             '[style*="display: none"], [style*="visibility:hidden"], '
                             '[style*="visibility: hidden"]') if n.mem_id != plain.body.mem_id])
    assert ours.html == plain.html


@settings(max_examples=300, deadline=None)
@given(html_fragments(), st.lists(st.booleans(), max_size=60))
def test_removals_know_what_lies_inside_a_chosen_element(fragment: str, picks: list[bool]) -> None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page(fragment))
    removals = nh_body._Removals()
    chosen: set[int] = set()
    for node, pick in zip(tree.body.css("*"), picks + [False] * 1000, strict=False):  # document order
        ancestors = set()
        parent = node.parent
        while parent is not None:
            ancestors.add(parent.mem_id)
            parent = parent.parent
        assert removals.inside(node) == bool(ancestors & chosen)
        if pick:
            removals.add(node)
            chosen.add(node.mem_id)


@given(st.text(alphabet=st.sampled_from(list("ab ,\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2028\u3000\u200b\U0001f600é"))))
def test_squeezed_len_is_the_length_of_the_squeezed_text(text: str) -> None:
    assert nh_body._squeezed_len(text) == nh_body._squeezed_len_py(text) == len(nh_body._squeeze(text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_fragments(), st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_bytes_parsed_as_they_are_give_the_article_of_the_text(fragment: str, codec: str) -> None:
    data = page(fragment).encode(codec, errors="replace")
    decoded = nh_decode.sniff_html(data)
    expected = extract_article(decoded.text.replace("\x00", ""))  # the text path: parsed from str
    assert extract_article(data) == expected
    assert nh.extract_sniffed(data, decoded) == expected


def _mark_pass_by_pass(root) -> None:  # type: ignore[no-untyped-def]
    """The definition of body._mark: one pass per kind of element."""
    for br in root.css("br, hr"):
        br.replace_with(nh_body._BREAK)
    for cell in root.css(", ".join(nh.heuristics.CELL_TAGS)):
        cell.insert_after(" ")
    for link in root.css("a"):
        link.insert_before(nh_body._LINK_START)
        link.insert_after(nh_body._LINK_END)
    for block in root.css(", ".join(nh.heuristics.BLOCK_TAGS)):
        block.insert_before(nh_body._BREAK)
        block.insert_after(nh_body._BREAK)
    for heading in root.css("h1, h2, h3, h4, h5, h6"):
        heading.insert_before(nh_body._HEADING)


_MARKED_TAGS = ["div", "p", "a", "br", "hr", "h2", "td", "th", "tr", "table", "li", "ul", "span", "b", "blockquote"]


@st.composite
def _marked_markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["kata", " ", "x y"])))
        else:
            tag = draw(st.sampled_from(_MARKED_TAGS))
            close = f"</{tag}>" if draw(st.integers(0, 4)) else ""
            parts.append(f"<{tag}>{draw(_marked_markup(depth + 1))}{close}")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_marked_markup())
def test_markers_in_one_query_are_those_of_one_pass_per_kind(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    ours, plain = LexborHTMLParser(page(fragment)), LexborHTMLParser(page(fragment))
    nh_body._mark(ours.body)
    _mark_pass_by_pass(plain.body)
    assert ours.html == plain.html


def _depth_by_counting(root, limit: int) -> int:  # type: ignore[no-untyped-def]
    """The definition of body.markup_depth: every sampled element's ancestors counted."""
    elements = root.css("*")
    if not elements:
        return 0
    step = max(1, len(elements) // 50)
    deepest = 0
    for node in list(elements[::step]) + list(elements[-10:]):
        depth, parent = 0, node.parent
        while parent is not None and depth <= limit:
            depth, parent = depth + 1, parent.parent
        deepest = max(deepest, depth)
    return deepest


@settings(max_examples=200, deadline=None)
@given(html_fragments(), st.integers(0, 12))
def test_markup_depth_is_the_sampled_depth(fragment: str, limit: int) -> None:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(page(fragment + "<div>" * 200)).body
    assert nh_body.markup_depth(body, limit) == _depth_by_counting(body, limit)
    assert nh_body.markup_depth(body, 300) == _depth_by_counting(body, 300)


@settings(max_examples=200, deadline=None)
@given(html_fragments(), st.integers(0, 40), st.integers(0, 70), st.sampled_from([1, 3, 8, 32]))
def test_depth_probe_gives_the_answer_of_the_sample(fragment: str, limit: int, nesting: int, probe: int) -> None:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(page(fragment + "<div>" * nesting + "<p>x</p>")).body
    saved, nh_body._DEPTH_PROBE = nh_body._DEPTH_PROBE, probe  # small probes: the sample decides more often
    try:
        assert nh_body._too_deep(body, limit) == (nh_body.markup_depth(body, limit) > limit)
    finally:
        nh_body._DEPTH_PROBE = saved


@settings(max_examples=100, deadline=None)
@given(html_fragments())
def test_tag_ids_stand_for_the_tag_names(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    h = nh.heuristics
    extra = "".join(f"<{t}></{t}>" for t in [*h.REGION_TAGS, *h.BLOCK_TAGS, "th", "h3", "h5", "b", "strong", "picture",
                                              "hr", "custom-tag", "x-a"])
    tree = LexborHTMLParser(page(fragment + extra + "<svg><a></a><title>t</title></svg>"))
    sets = [
        (h.REGION_TAGS, nh_body._REGION_TAG_IDS), (h.CAPTION_TAGS, nh_body._CAPTION_TAG_IDS),
        (h.LINK_LIST_TAGS, nh_body._LINK_LIST_TAG_IDS), (("br", "hr"), nh_body._LINE_BREAK_IDS),
        (h.CELL_TAGS, nh_body._CELL_IDS), (h.BLOCK_TAGS, nh_body._BLOCK_IDS), (("a",), {nh_body._A_ID}),
        (("h1", "h2", "h3", "h4", "h5", "h6"), nh_body._HEADING_IDS), (("html", "-document"), nh_body._TOP_IDS),
        (("meta",), {nh_meta._META_ID}), (("script",), {nh_meta._SCRIPT_ID}), (("time",), {nh_meta._TIME_ID}),
        (("-text",), {nh_meta._TEXT_ID}),
    ]
    nodes = [tree.root.parent, *tree.root.traverse(include_text=True)]
    for names, ids in sets:
        for node in nodes:
            assert (node.tag in names) == (node.tag_id in ids), (node.tag, names)


@settings(max_examples=200, deadline=None)
@given(html_fragments())
def test_link_block_holders_answer_as_each_element_would(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    root = LexborHTMLParser(page(fragment.replace("<span", "<span><img src=x></span><span"))).body
    holders = ({n.mem_id for n in root.css(nh_body._IMG_HOLDER_SELECTOR)},
               {n.mem_id for n in root.css(nh_body._LINK_HOLDER_SELECTOR)})
    options = nh_body.DEFAULT_OPTIONS
    for node in root.css(", ".join(sorted(nh_body._CAPTION_TAGS | nh_body._LINK_LIST_TAGS))):
        assert nh_body._is_link_block_or_caption(node, options, holders) == nh_body._is_link_block_or_caption(
            node, options
        )


@settings(max_examples=200, deadline=None)
@given(html_fragments())
def test_link_blocks_are_looked_for_among_elements_holding_an_image_or_a_link(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    ours, plain = LexborHTMLParser(page(fragment)), LexborHTMLParser(page(fragment))
    nh_body._drop_link_blocks(ours.body, nh_body.DEFAULT_OPTIONS)
    every = ", ".join(sorted(nh_body._CAPTION_TAGS | nh_body._LINK_LIST_TAGS))  # the definition: all of them
    saved, nh_body._LINK_BLOCK_SELECTOR = nh_body._LINK_BLOCK_SELECTOR, every
    try:
        nh_body._drop_link_blocks(plain.body, nh_body.DEFAULT_OPTIONS)
    finally:
        nh_body._LINK_BLOCK_SELECTOR = saved
    assert ours.html == plain.html


@settings(max_examples=200, deadline=None)
@given(html_fragments(), st.booleans())
def test_region_removal_with_one_is_query_removes_what_the_selector_list_removes(fragment: str, tokens: bool) -> None:
    from selectolax.lexbor import LexborHTMLParser

    h = nh.heuristics
    listed = ", ".join(  # the definition: one selector per kind (an element comes once per selector it matches)
        [*h.REGION_TAGS, "[role]", '[aria-hidden="true"]']
        + ([f"{t}[class], {t}[id]" for t in h.NAMED_CONTAINER_TAGS] if tokens else [])
    )
    html = page(fragment.replace('class="post"', 'class="post" id="x" role="navigation"')
                .replace('class="sidebar"', 'id="sidebar"'))  # (an id and no class)
    options = HtmlOptions(remove_by_tokens=tokens)
    ours, plain = LexborHTMLParser(html), LexborHTMLParser(html)
    nh_body.remove_boilerplate(ours, options)
    saved = nh_body._region_selector
    nh_body._region_selector = lambda by_tokens: listed  # type: ignore[assignment]
    try:
        nh_body.remove_boilerplate(plain, options)
    finally:
        nh_body._region_selector = saved  # type: ignore[assignment]
    assert ours.html == plain.html


@given(st.text(alphabet=st.sampled_from(list("ab .\t\u00a0\u3000"))), st.booleans())
def test_a_piece_without_link_marks_is_all_link_or_none(piece: str, in_link: bool) -> None:
    # render's shortcut for such pieces (and for blank ones, which it skips, the link state stays)
    assert nh_body._link_share(piece, in_link) == (1.0 if in_link and piece.strip() else 0.0, in_link)


@settings(max_examples=200, deadline=None)
@given(html_fragments())
def test_paragraph_blocks_from_one_walk_are_those_of_the_two_queries(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    root = LexborHTMLParser(page(fragment.replace("<span", "<font>Lorem ipsum, dolor sit amet, consectetur</font><span")
                                 + "<center>" + "kata, " * 10 + "</center>")).body
    options = HtmlOptions(min_paragraph_chars=5)
    expected = []  # the definition: the paragraph-like elements, then the containers
    for node in root.css(", ".join(nh.heuristics.PARAGRAPH_TAGS)):
        text = node.text()
        if nh_body._squeezed_len(text) >= options.min_paragraph_chars:
            expected.append((node.mem_id, nh_body._squeezed_len(text), len(nh_body._COMMAS.findall(text)), False))
    for node in root.css("div, section, article, span, font, td, center, main"):
        text = node.text(deep=False)
        if nh_body._squeezed_len(text) >= options.min_paragraph_chars:
            expected.append((node.mem_id, nh_body._squeezed_len(text), len(nh_body._COMMAS.findall(text)), True))
    got = [(n.mem_id, length, commas, direct) for n, length, commas, direct in nh_body._paragraph_blocks(root, options)]
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(html_fragments(), _junky_markup(), st.sampled_from(["<svg><![CDATA[cd]]><text>t</text></svg>",
                                                           "<math><mi><![CDATA[m]]></mi></math>", "<!-- c -->",
                                                           "<template>tt<p>tp</p></template>", ""]))
def test_lexbor_text_content_of_elements_is_their_text(fragment: str, junky: str, foreign: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page(fragment.replace("<p", foreign + "<p") + junky + foreign))
    for node in tree.root.traverse():  # every element (and comment: traverse gives those too)
        if node.tag != "-comment":
            assert nh_body._text(node) == node.text(), node.tag
    nh_body.remove_junk(tree)
    assert nh_body._text(tree.body) == tree.body.text()


def test_every_marker_begins_with_the_bytes_looked_for_in_a_page() -> None:
    assert all(marker.encode("utf-8").startswith(nh_body._MARKER_UTF8_LEAD) for marker in nh_body._MARKERS)


@pytest.mark.parametrize("odd", ["\x00", *nh_body._MARKERS])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_nul_and_marker_characters_in_a_page_are_dropped_before_parsing(odd: str, as_bytes: bool) -> None:
    sentence = "kota diminta waspada, kata petugas, karena hujan turun"
    story = "".join(f"<p>Warga{odd} {sentence} {i} kali.</p>" for i in range(6))
    html = f"<html><body><article>{story}</article></body></html>"
    expected = extract_article(html.replace(odd, ""))
    got = extract_article(html.encode("utf-8") if as_bytes else html)
    assert got == expected and "Warga kota" in got.text


@settings(max_examples=200, deadline=None)
@given(html_fragments())
@example(  # the body markup wins and is itself mostly a link: it is not rendered
    '<div itemprop="articleBody"><a href="#">tautan berita lain hari ini dan kemarin sore</a>'
    "<p>teks biasa pendek</p></div>"
)
def test_render_with_the_lengths_read_while_locating_renders_as_without(fragment: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    html = page(fragment.replace("<span", '<span><a href="#">tautan</a><img src=x></span><span'))
    results = []
    for use_lengths in (False, True):
        tree = LexborHTMLParser(html)
        nh_body.remove_junk(tree)
        nodes, found_by, lengths = nh_body._locate(tree, nh_body.DEFAULT_OPTIONS)
        results.append(nh_body.render(nodes, nh_body.DEFAULT_OPTIONS, drop_blocks=not found_by.startswith("flat"),
                                      lengths=lengths if use_lengths else None))
    assert results[0] == results[1]


@given(st.text(alphabet=st.sampled_from(list("a ,\u060c\uff0c\u3001\uff0e.\u00b8"))))
def test_commas_are_counted_as_the_regex_finds_them(text: str) -> None:
    assert nh_body._commas(text) == len(nh_body._COMMAS.findall(text))
