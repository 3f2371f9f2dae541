"""HTML metadata: dates in ISO 8601 with the page's own form kept, site names and bylines from
markup when the meta tags say nothing (never from a sidebar of other articles); and, on the HTML
pages beside the project, metadata found on as many pages as pinned here (benchmarks.html_meta
compares them with trafilatura)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.html import extract_article
from newsclean.html.dates import normalize_date

P1 = ("Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang air setinggi lutut orang dewasa, "
      "kata petugas dinas sumber daya air kepada wartawan di lokasi kejadian.")
P2 = ("Warga diminta waspada karena hujan diperkirakan berlanjut hingga malam hari nanti, ujar kepala badan "
      "meteorologi setempat dalam keterangan tertulisnya.")


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(("raw", "iso"), [
    ("2015-11-05T14:56:43+07:00", "2015-11-05T14:56:43+07:00"),
    ("2015-11-05 T10:08:58Z", "2015-11-05T10:08:58+00:00"),
    ("2014-07-13T20:07:27.8200000", "2014-07-13T20:07:27"),
    ("2016-02-16T13:01:52+0700", "2016-02-16T13:01:52+07:00"),
    ("Thu, 05 Nov 2015 10:08:58 +0700", "2015-11-05T10:08:58+07:00"),
    ("Selasa, 23 Februari 2016 | 16:37 WIB", "2016-02-23T16:37+07:00"),
    ("Wednesday, 04 November, 2015 | 07:28 WIB", "2015-11-04T07:28+07:00"),
    ("Jumat, 13 Maret 2015 12:05 AM", "2015-03-13T00:05"),
    ("Mar 13, 2015 9:30PM", "2015-03-13T21:30"),
    ("Fri Mar 13 21:30:09 EST 2015", "2015-03-13T21:30:09"),  # EST: US or Australian, so no offset
    ("05/11/2015 10:08", "2015-11-05T10:08"),
    ("2015/11/05", "2015-11-05"),
    ("Agustus 17, 2020", "2020-08-17"),
    ("20 detik yang lalu", None),
    ("2015-02-30", None),
    ("", None),
])
def test_dates_become_iso_8601(raw: str, iso: str | None) -> None:
    assert normalize_date(raw) == iso
    if iso:
        datetime.fromisoformat(iso)


def test_the_page_date_is_iso_and_the_original_is_kept() -> None:
    head = '<meta property="article:published_time" content="Kamis, 5 November 2015 - 15:56 WIB">'
    art = extract_article(page(f"<p>{P1}</p><p>{P2}</p>", head))
    assert art.date == "2015-11-05T15:56+07:00" and art.date_original == "Kamis, 5 November 2015 - 15:56 WIB"
    assert art.metadata()["date"] == art.date and art.metadata()["date_original"] == art.date_original
    unreadable = extract_article(page(f"<p>{P1}</p>", '<meta name="pubdate" content="kemarin sore">'))
    assert unreadable.date is None and unreadable.date_original == "kemarin sore"


def test_markup_dates_and_bylines_but_not_from_a_sidebar() -> None:
    sidebar = ('<div class="sidebar"><ul><li><span class="author">Siti Rahma</span>'
               '<div class="date">Rabu, 7 Oktober 2015</div><a href="/x">Berita lain</a></li></ul></div>')
    body = (sidebar + '<div class="read"><h1>Banjir</h1><div class="byline">Pewarta: Monalisa</div>'
            f'<div class="kcm-date">Selasa, 23 Februari 2016 | 16:37 WIB</div><p>{P1}</p><p>{P2}</p></div>')
    art = extract_article(page(body), url="https://www.contoh.co.id/read/123")
    assert art.author == "Monalisa"
    assert art.date == "2016-02-23T16:37+07:00"
    assert art.site_name == "contoh.co.id"  # the host, when the page names no site
    # a labelled byline in the text, a role word after the name; a date only in the address
    body2 = f'<p>{P1}</p><div class="info"><span>Penulis: Dewi Kania Jurnalis</span></div><p>{P2}</p>'
    art2 = extract_article(page(body2, '<link rel="canonical" href="https://x.example/2016/02/23/banjir">'))
    assert art2.author == "Dewi Kania" and art2.date == "2016-02-23"
    # words that are no name: nothing rather than a wrong byline
    junk = extract_article(page(f'<p>{P1}</p><div class="author">Share on Facebook</div>'))
    assert junk.author is None


@pytest.mark.parametrize(("head", "site"), [
    ('<meta property="og:site_name" content="KOMPAS.com">', "KOMPAS.com"),
    ('<meta name="copyright" content="© 2016 Antara News Agency. All rights reserved.">', "Antara News Agency"),
    ('<meta name="author" content="PT. VIVA MEDIA BARU - VIVA.co.id">', "VIVA.co.id"),
    ('<meta name="twitter:site" content="@tempo_english">', "tempo_english"),
    ("<title>Banjir di Jakarta - Portal.co.id</title>", "Portal.co.id"),
    ('<meta property="og:site_name" content="https://www.facebook.com/x">', None),
])
def test_site_names(head: str, site: str | None) -> None:
    assert extract_article(page(f"<p>{P1}</p>", head)).site_name == site


SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "html_id"


@pytest.mark.skipif(not (SHARED / "index.jsonl").is_file(), reason="needs ../shared/corpus/html_id")
def test_metadata_found_on_the_html_pages() -> None:
    """Floors from `python -m benchmarks.html_meta` (39 pages): trafilatura finds an author on 22, a
    site name on 34 and a date on 35 (README); newsclean's counts may not drop."""
    from benchmarks.html_meta import iso, newsclean_meta, pages

    rows = [newsclean_meta(data, url) for _, _, data, url in pages(SHARED, Path(__file__).resolve().parent.parent
                                                                  / "benchmarks" / "data" / "html_en")]
    assert len(rows) == 39
    assert sum(1 for r in rows if r["author"]) >= 20
    assert sum(1 for r in rows if r["site_name"]) >= 34
    dates = [r["date"] for r in rows if r["date"]]
    assert len(dates) >= 35 and all(iso(d) for d in dates)


# -- the labelled-byline search reads each element's text at most once per nesting chain ----------------

def _byline_by_every_element(tree):  # type: ignore[no-untyped-def]
    """The search as it was written first: every element's text read (quadratic in nested containers)."""
    from newsclean.html import meta as M

    body = tree.body
    if body is None:
        return None
    for node in body.css("p, div, span, strong, em, small"):
        if node.child is not None and node.child.next is not None and node.child.tag != "-text":
            continue
        text = node.text(deep=True, separator=" ")
        if len(text) > M.MAX_BYLINE_CHARS:
            continue
        m = M._LABELLED_RE.search(text)
        if m:
            name = M._person(m.group(1))
            if name:
                return name
    return None


_BYLINE_PIECES = ["Penulis: Dewi Kania", "By: Jane Doe", "Oleh: Rudi Hartono | Editor", "Reporter : Ali Akbar",
                  "harga naik pada Senin", "x" * 120, "Baca juga: berita lain", "by: 12 orang", "",
                  "Penulis", ": Dewi Kania", "Oleh"]  # (a label, and its colon in another element)


@st.composite
def _nested_bodies(draw):  # type: ignore[no-untyped-def]
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["div", "p", "span", "strong", "em", "small", "section", "li"]))
        parts = []
        for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
            if draw(st.booleans()):
                parts.append(draw(st.sampled_from(_BYLINE_PIECES)))
            else:
                parts.append(element(depth + 1))
        return f"<{tag}>{''.join(parts)}</{tag}>"

    return "<html><body>" + "".join(element(0) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


@settings(max_examples=300, deadline=None)
@given(_nested_bodies())
def test_labelled_byline_search_finds_what_reading_every_element_finds(page: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from newsclean.html import meta as M

    tree = LexborHTMLParser(page)
    tree.strip_tags(["address"])  # no element for the selector step: the labelled search decides
    assert M._byline(tree) == _byline_by_every_element(tree)


def test_labelled_byline_in_a_leaf_under_long_containers() -> None:
    inner = "<p>Penulis: Dewi Kania</p>"
    page = "<html><body>" + "<div><p>" + "kata " * 100 + "</p>" * 1 + inner + "</div>" * 1 + "</body></html>"
    assert extract_article(page).author == "Dewi Kania"


_GUARD_WORDS = ["author", "Author", "AUTHOR-NAME", "authorName", "author_name", "byline", "ByLine", "byl", "penulis",
                "nmreporter", "Reporter", "writer", "date", "post-date", "PubDate", "published", "tanggal", "tgl",
                "waktu", "timestamp", "TIME", "x", "meta-info"]


@st.composite
def _guarded_pages(draw):  # type: ignore[no-untyped-def]
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["div", "span", "p", "time", "article", "address", "a", "li"]))
        attrs = ""
        for attr in ("class", "id", "itemprop", "rel", "pubdate"):
            if draw(st.integers(0, 3)) == 0:
                words = draw(st.lists(st.sampled_from(_GUARD_WORDS + ["datePublished", "name"]), min_size=1,
                                      max_size=3))
                attrs += f' {attr}="{" ".join(words)}"'
        inner = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0))))
        return f"<{tag}{attrs}>t{inner}</{tag}>"

    doctype = draw(st.sampled_from(["", "<!DOCTYPE html>"]))  # quirks mode: class and id selectors ignore case
    return doctype + "<html><body>" + "".join(element(0) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


@settings(max_examples=300, deadline=None)
@given(_guarded_pages())
def test_guarded_selectors_find_what_the_selectors_find(page: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from newsclean.html import heuristics as H
    from newsclean.html import meta as M

    tree = LexborHTMLParser(page)
    query = M._Query(tree)
    for selector in H.AUTHOR_SELECTORS + H.DATE_SELECTORS:
        assert [n.mem_id for n in query.css(selector)] == [n.mem_id for n in tree.css(selector)], selector
        guard = M._guard(selector)
        if guard is not None and tree.css(selector):
            assert tree.css_first(guard) is not None, (selector, guard)


_DATE_PIECES = ["Kamis, 05 November 2015 11:52", "Senin, 2 Januari 2023", "Monday, March 4, 2019 10:00 AM", "x", "",
                "Sabtu", "harga naik"]


@st.composite
def _dated_bodies(draw):  # type: ignore[no-untyped-def]
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["div", "p", "span", "time", "li", "em", "section", "b"]))
        parts = []
        for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
            if draw(st.booleans()):
                parts.append(draw(st.sampled_from(_DATE_PIECES)))
            elif draw(st.integers(0, 3)) == 0:
                parts.append("<!-- c -->")
            else:
                parts.append(element(depth + 1))
        return f"<{tag}>{''.join(parts)}</{tag}>"

    return "<html><body>" + "".join(element(0) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


@settings(max_examples=300, deadline=None)
@given(_dated_bodies())
def test_weekday_date_search_among_elements_without_elements_finds_what_reading_all_finds(page: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from newsclean.html import meta as M

    tree = LexborHTMLParser(page)
    ours = M._markup_date(tree, None)
    saved, M._LEAF_SELECTOR = M._LEAF_SELECTOR, ", ".join(M._LEAF_TAGS)  # the definition: every such element
    try:
        assert M._markup_date(tree, None) == ours
    finally:
        M._LEAF_SELECTOR = saved


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000\u200b"))))
def test_meta_squeeze_is_the_regex_squeeze(value: str) -> None:
    import re

    from newsclean.html import meta as M

    assert M._squeeze(value) == (re.sub(r"\s+", " ", value).strip() or None)


# -- the inventory query: one walk for the meta tags, JSON-LD scripts, microdata, rel=author and <time> -----

_INVENTORY_WORDS = ["author", "Author", "AUTHOR", "datePublished", "datepublished", "publisher", "name", "canonical",
                    "nofollow", "co-author", "x"]


@st.composite
def _inventory_pages(draw):  # type: ignore[no-untyped-def]
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["div", "span", "meta", "script", "link", "time", "article", "a", "p"]))
        attrs = ""
        for attr in ("itemprop", "rel", "content", "type", "datetime", "pubdate", "href", "class"):
            if draw(st.integers(0, 3)) == 0:
                if attr == "type":
                    value = draw(st.sampled_from(["application/ld+json", "APPLICATION/LD+JSON", "text/javascript"]))
                else:
                    value = " ".join(draw(st.lists(st.sampled_from(_INVENTORY_WORDS), min_size=0, max_size=3)))
                attrs += f' {attr}="{value}"' if draw(st.integers(0, 4)) else f" {attr}"
        if tag in ("meta", "link"):
            return f"<{tag}{attrs}>"
        if tag == "script":
            body = draw(st.sampled_from(['{"@type": "Article"}', '[1, {"@graph": [{"a": 1}]}]', "{bad", "null"]))
            return f"<script{attrs}>{body}</script>"
        inner = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0))))
        return f"<{tag}{attrs}>t{inner}</{tag}>"

    head = "".join(element(3) for _ in range(draw(st.integers(0, 3))))
    body = "".join(element(0) for _ in range(draw(st.integers(0, 4))))
    doctype = draw(st.sampled_from(["", "<!DOCTYPE html>"]))
    return f"{doctype}<html><head>{head}</head><body>{body}</body></html>"


def _microdata_by_query(tree, prop: str):  # type: ignore[no-untyped-def]
    """The definition of meta._microdata: the first element with the property, asked of lexbor."""
    from newsclean.html import meta as M

    node = tree.css_first(f'[itemprop~="{prop}"]')
    if node is None:
        return None
    attrs = node.attributes
    for attr in ("content", "datetime"):
        if attrs.get(attr):
            return M._squeeze(attrs.get(attr))
    name = node.css_first('[itemprop~="name"]')
    return M._squeeze((name or node).text())


@settings(max_examples=400, deadline=None)
@given(_inventory_pages())
def test_the_inventory_answers_what_the_queries_answer(page: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from newsclean.html import heuristics as H
    from newsclean.html import meta as M

    tree = LexborHTMLParser(page)
    query = M._Query(tree)
    content = [n.mem_id for n in query.metas() if "content" in n.attributes]
    assert content == [n.mem_id for n in tree.css("meta[content]")]
    assert all(n.attributes.get("content") is None for n in query.metas() if "content" not in n.attributes)
    assert [n.mem_id for n in query.ld_scripts()] == [n.mem_id for n in tree.css(M._LD_SELECTOR)]
    for prop in ("author", "datePublished", "publisher", "name"):
        assert M._microdata(query, prop) == _microdata_by_query(tree, prop), prop
    assert query.canonical() == M._link_href(tree.css_first('link[rel~="canonical"]'))
    if not query.can_match("time"):
        assert tree.css_first("time") is None
    for selector in H.AUTHOR_SELECTORS + H.DATE_SELECTORS + ('[rel~="author"]', '[itemprop~="datePublished"]'):
        assert [n.mem_id for n in query.css(selector)] == [n.mem_id for n in tree.css(selector)], selector
    # the JSON-LD objects, read twice from the scripts parsed once, are those of reading every script
    assert list(M._json_ld_objects(query)) == _json_ld_by_query(tree)
    assert list(M._json_ld_objects(query)) == _json_ld_by_query(tree)


def _json_ld_by_query(tree):  # type: ignore[no-untyped-def]
    """The definition of meta._json_ld_objects: every script asked of lexbor and parsed."""
    import json

    objects = []
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(), strict=False)
        except (ValueError, RecursionError):
            continue
        stack, seen = [data], 0
        while stack and seen < 200:
            item = stack.pop(0)
            seen += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return objects
