"""Page metadata: title, publication date, author, language and URL from meta tags, JSON-LD and markup.

Sources, in order of preference for each field: ``<meta property|name|itemprop>`` tags (OpenGraph,
Twitter, Dublin Core, Parse.ly, Sailthru ... see :mod:`newsclean.html.heuristics`), the page's JSON-LD
``Article`` object, schema.org microdata, then plain markup (``<title>``, ``<html lang>``,
``<link rel=canonical>``). Values are returned as found (whitespace squeezed), except the language,
which is reduced to its primary subtag (``"en-US"`` -> ``"en"``). Malformed JSON-LD is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import heuristics as H
from .body import tag_id, tokens
from .dates import normalize_date

__all__ = ["PageMeta", "read_meta"]

_SPACES = re.compile(r"\s+")
_BY_PREFIX = re.compile(r"^(?:by|oleh|penulis|reporter|author)\s*[:\-]?\s+", re.IGNORECASE)
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")
#: An "author" that is a web address or a site name ("Liputan6.com", "PT X - VIVA.co.id") is the
#: publisher, not a person.
_DOMAIN = re.compile(r"\w\.(?:com|net|org|co|id|news|info|tv|io|uk|au|my|sg|ph|in)\b", re.IGNORECASE)
#: Deprecated ISO 639 codes still found in ``lang`` attributes (Indonesian sites use "in").
_LANG_ALIASES = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv"}


@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself. Every field is ``None`` when the page does not say."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    lang: str | None = None
    url: str | None = None
    #: The publication's name (``og:site_name``, JSON-LD ``publisher``, ...).
    site_name: str | None = None
    #: The date as the page wrote it (``date`` is its ISO 8601 form when it could be read).
    date_original: str | None = None
    #: ``og:type`` (lower case), used to tell article pages from index pages.
    page_type: str | None = None
    #: ``articleBody`` of the JSON-LD article object: a fallback when the DOM holds no body.
    json_ld_body: str | None = None


def _squeeze(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())  # = _SPACES.sub(" ", value).strip(): the same whitespace, faster
    return value or None


def primary_language(value: str | None) -> str | None:
    """The primary language subtag, lower case, or ``None`` if ``value`` is not a language tag.

    >>> primary_language("en-US"), primary_language("id_ID"), primary_language("in")
    ('en', 'id', 'id')
    >>> primary_language("text/html") is None
    True
    """
    if not value:
        return None
    match = _LANG.match(value.strip().split(",")[0].strip())
    if match is None:
        return None
    code = match.group(1).lower()
    return _LANG_ALIASES.get(code, code)


def _author(value: Any) -> str | None:
    """A person's name from a meta value or a JSON-LD author (string, object or list of them)."""
    if isinstance(value, list):
        names = [n for n in (_author(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        return _author(value.get("name"))
    name = _squeeze(value)
    if name is None or name.startswith(("http://", "https://", "www.", "@")) or "/" in name:
        return None  # a profile URL or handle, not a name
    if _DOMAIN.search(name):
        return None
    return _BY_PREFIX.sub("", name) or None


_LABEL_RE = re.compile(rf"^\s*{H.AUTHOR_LABEL}\s*[:\-–]?\s+", re.IGNORECASE)
_LABELLED_RE = re.compile(rf"\b{H.AUTHOR_LABEL}\s*:\s*([^\n|•·,;:()]{{3,60}})", re.IGNORECASE)
#: A labelled byline ("Penulis: ...") is looked for in elements whose text has at most this many characters.
MAX_BYLINE_CHARS = 200
_NAME_CUT = re.compile(r"\s+(?:[-–|•·/]|\(|,)\s*|\s{2,}")
_NAME_WORD = re.compile(r"^[^\W\d_][\w.'’-]*$")


def _person(text: str | None) -> str | None:
    """A person's name from a byline text: labels and trailing roles or outlet names cut, and only
    something shaped like a name (1-6 words without digits, one capitalized, no stop word) kept."""
    if not text:
        return None
    text = _SPACES.sub(" ", text).strip()
    text = _LABEL_RE.sub("", text)
    text = _NAME_CUT.split(text, maxsplit=1)[0].strip(" :")
    words = text.split()
    while words and words[-1].lower().strip(".:") in H.AUTHOR_ROLE_WORDS:
        words.pop()
    if not 1 <= len(words) <= 6 or len(" ".join(words)) > 60:
        return None
    if not all(_NAME_WORD.match(w) for w in words) or not any(w[0].isupper() for w in words):
        return None
    if any(w.lower().strip(".") in H.AUTHOR_STOPWORDS for w in words) or _DOMAIN.search(text):
        return None
    return " ".join(words)


_CLASS_SELECTOR = re.compile(r'^[a-z]*\.([\w-]+)$|^\[class\*="([\w-]+)"\]$')
_ID_SELECTOR = re.compile(r'^#([\w-]+)$|^\[id\*="([\w-]+)"\]$')
_TAG_SELECTOR = re.compile(r"^(?:[a-z]+ )?([a-z]+)(?:\[[a-z]+\])?$")
_NESTED_SELECTOR = re.compile(r"^(\[[^\]]+\]) \[[^\]]+\]$")


@lru_cache(maxsize=256)
def _attr_needle(selector: str) -> tuple[str, bool, str] | None:
    """What a class or id selector of :data:`~newsclean.html.heuristics.AUTHOR_SELECTORS` and
    :data:`~newsclean.html.heuristics.DATE_SELECTORS` needs in the page: ``(attribute, whole word, name)``,
    the name lower-cased, or None for another selector. ``.author-name`` and ``address.author`` need a
    class value holding that word (whitespace-separated), ``#author`` an id that is the word,
    ``[class*="date"]`` a class value holding the text anywhere; in some case (in quirks mode class and
    id selectors ignore ASCII case).

    >>> _attr_needle(".author-name"), _attr_needle('[id*="Date"]'), _attr_needle("article time")
    (('class', True, 'author-name'), ('id', False, 'date'), None)
    """
    for pattern, attr in ((_CLASS_SELECTOR, "class"), (_ID_SELECTOR, "id")):
        m = pattern.match(selector)
        if m:
            return attr, m.group(1) is not None, (m.group(1) or m.group(2)).lower()
    return None


@lru_cache(maxsize=256)
def _guard(selector: str) -> str | None:
    """For a selector of the lists that is not a class or id selector (see :func:`_attr_needle`): a cheaper
    question about a page that ``selector`` needs a yes to, or None. ``article time`` and ``time[pubdate]``
    need a ``<time>``, ``[itemprop~="author"] [itemprop~="name"]`` its ancestor's selector.

    >>> _guard("article time"), _guard('[itemprop~="author"] [itemprop~="name"]'), _guard(".author")
    ('time', '[itemprop~="author"]', None)
    """
    if _attr_needle(selector) is not None:
        return None
    m = _TAG_SELECTOR.match(selector) or _NESTED_SELECTOR.match(selector)
    if m and m.group(1) != selector:
        return m.group(1)
    return None


#: One query over the page, made first: the meta tags and the JSON-LD scripts every page reads, and what
#: decides whether the rarer queries can find anything (microdata, ``rel="author"`` links, ``<time>``).
#: Each of these needs a walk over the whole document when it finds nothing, as it mostly does.
_LD_SELECTOR = 'script[type="application/ld+json"]'
_INVENTORY = f':is(meta[content], {_LD_SELECTOR}, [itemprop], [rel~="author"], time)'
#: Selectors (and guards) that the inventory answers: an attribute holding a word, or a tag.
_WORD_SELECTOR = re.compile(r'^\[(itemprop|rel)~="(\w+)"\]$')


_META_ID, _SCRIPT_ID, _TIME_ID = tag_id("meta"), tag_id("script"), tag_id("time")
#: A text node's tag id (its ``tag`` is ``"-text"``).
_TEXT_ID = LexborHTMLParser("<p>x</p>").css_first("p").child.tag_id


#: A JSON-LD script whose text is not JSON (parsed once, remembered as such).
_MALFORMED = object()


class _Query:
    """``tree.css(selector)`` for the metadata's selector lists, skipping a selector that cannot match in
    the page: a class or id selector whose name no class (id) value of the page holds (the values are read
    once per page, when first needed: one query for the elements with the attribute, where a substring
    selector such as ``[class*="author" i]`` per name was one walk over the document each), a selector whose
    :func:`_guard` matches nothing (each guard asked once per page), and a selector of an attribute word
    (``[itemprop~="author"]``, ``[rel~="author"]``) or ``time`` that the page's inventory (:data:`_INVENTORY`,
    one query: also its meta tags and JSON-LD scripts) cannot hold. Every element such a selector matches
    is in the inventory, so when no element there carries the word in that attribute (in any case, anywhere
    in the value: a looser test than the selector's) or no ``<time>`` is there, the selector matches
    nothing."""

    __slots__ = ("tree", "_present", "nodes", "_words", "_canonical", "_ld_data", "_scripts", "_attr_values")

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.tree = tree
        self._present: dict[str, bool] = {}  # guard -> does it match anything?
        self._attr_values: dict[str, tuple[str, frozenset[str]]] = {}  # see attr_values()
        self.nodes = tree.css(_INVENTORY)
        self._words: dict[str, list[str]] | None = None  # attribute -> lower-cased values
        self._canonical: list[str | None] = []
        self._ld_data: dict[int, Any] = {}  # a script's parsed JSON (or _MALFORMED), by its place in ld_scripts()
        self._scripts: list[LexborNode] | None = None

    def metas(self) -> list[LexborNode]:
        """The ``<meta>`` elements of the inventory: those with a ``content`` attribute, and those with
        ``itemprop`` only (whose ``content`` is read as ``None``: skipped as the others would be)."""
        return [n for n in self.nodes if n.tag_id == _META_ID]

    def ld_scripts(self) -> list[LexborNode]:
        """``tree.css('script[type="application/ld+json"]')``."""
        if self._scripts is None:
            scripts = [n for n in self.nodes if n.tag_id == _SCRIPT_ID]
            for node in scripts:
                attrs = node.attributes
                if "itemprop" in attrs or "rel" in attrs:  # in the inventory perhaps for that: ask lexbor
                    scripts = self.tree.css(_LD_SELECTOR)
                    break
            self._scripts = scripts
        return self._scripts

    def ld_data(self) -> Iterator[Any]:
        """The parsed JSON of each JSON-LD script, in order, each script parsed once (the article, then
        the site name, read them) and only when reached; malformed ones left out."""
        for i, script in enumerate(self.ld_scripts()):
            data = self._ld_data.get(i, _MALFORMED)
            if i not in self._ld_data:
                try:
                    data = json.loads(script.text(), strict=False)
                except (ValueError, RecursionError):
                    data = _MALFORMED  # malformed JSON-LD is common; the page still has its meta tags
                self._ld_data[i] = data
            if data is not _MALFORMED:
                yield data

    def can_match(self, selector: str) -> bool:
        """False when ``selector`` (a word in ``itemprop`` or ``rel``, or ``time``) matches nothing."""
        if selector == "time":
            return any(n.tag_id == _TIME_ID for n in self.nodes)
        m = _WORD_SELECTOR.match(selector)
        if m is None:
            return True
        if self._words is None:
            self._words = {"itemprop": [], "rel": []}
            for node in self.nodes:
                attrs = node.attributes
                for attr, values in self._words.items():
                    value = attrs.get(attr)
                    if value:
                        values.append(value.lower())
        word = m.group(2).lower()
        return any(word in value for value in self._words[m.group(1)])

    def canonical(self) -> str | None:
        """The page's canonical link (``<link rel=canonical href>``), asked once."""
        if not self._canonical:
            self._canonical.append(_link_href(self.tree.css_first('link[rel~="canonical"]')))
        return self._canonical[0]

    def attr_values(self, attr: str) -> tuple[str, frozenset[str]]:
        """The ``attr`` (``class`` or ``id``) values of the page's elements, lower-cased, joined by newlines,
        and the whitespace-separated words in them. (Python's ``split()`` splits at more characters than
        HTML's whitespace, and ``lower()`` changes more than ASCII letters: a word or text a selector needs
        in some case is still found, so a selector is never skipped wrongly.)"""
        found = self._attr_values.get(attr)
        if found is None:
            nodes = self.tree.css(f"[{attr}]")
            # (``node.id`` reads the one attribute directly: cheaper than the attributes' mapping)
            values = [node.id for node in nodes] if attr == "id" else [node.attrs.get(attr) for node in nodes]
            joined = "\n".join([value or "" for value in values]).lower()
            found = self._attr_values[attr] = (joined, frozenset(joined.split()))
        return found

    def css(self, selector: str) -> list[LexborNode]:
        if not self.can_match(selector):
            return []
        needle = _attr_needle(selector)
        if needle is not None:
            attr, whole_word, name = needle
            joined, words = self.attr_values(attr)
            if name not in (words if whole_word else joined):
                return []  # no class (id) value of the page holds the name: its walk over the document is saved
            return self.tree.css(selector)
        guard = _guard(selector)
        if guard is not None:
            present = self._present.get(guard)
            if present is None:
                present = self._present[guard] = self.can_match(guard) and self.tree.css_first(guard) is not None
            if not present:
                return []
        return self.tree.css(selector)


def _in_listing(node: LexborNode) -> bool:
    """Whether ``node`` sits in a list of other articles (sidebar, related, latest) or page chrome."""
    p: LexborNode | None = node
    for _ in range(16):
        if p is None:
            return False
        if p.tag in H.LISTING_TAGS:
            return True
        attrs = p.attributes
        if _names_listing(attrs.get("class"), attrs.get("id")):
            return True
        p = p.parent
    return False


@lru_cache(maxsize=4096)
def _names_listing(class_value: str | None, id_value: str | None) -> bool:
    """Do these class and id values name a list of other articles? (Cached: pages repeat them.)"""
    return not H.LISTING_TOKENS.isdisjoint(tokens(class_value) + tokens(id_value))


_URL_DATE = re.compile(r"/(20\d{2}|19\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)|/(20\d{2})(\d{2})(\d{2})\d*(?:/|$)")
_WEEKDAY_DATE = re.compile(H.WEEKDAY_DATE, re.IGNORECASE)


_LEAF_TAGS = ("div", "span", "p", "small", "time", "li", "td", "em", "strong")
_LEAF_SELECTOR = ":is(" + ", ".join(_LEAF_TAGS) + "):not(:has(*))"


def _markup_date(tree: LexborHTMLParser, url: str | None, query: _Query | None = None) -> str | None:
    """A publication date from the page itself when its metadata has none: the date in the page's
    address (``/2015/11/05/``), an element that holds the date (not in a list of other articles),
    then the first weekday-led date in the text ("Kamis, 05 November 2015 11:52")."""
    query = query or _Query(tree)
    canonical = query.canonical() or url or ""
    m = _URL_DATE.search(canonical)
    if m:
        y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
        if normalize_date(f"{y}-{mo}-{d}"):
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    for sel in H.DATE_SELECTORS:
        for node in query.css(sel)[:10]:
            if node.tag in ("meta", "script", "style") or _in_listing(node):
                continue
            for value in (node.attributes.get("datetime"), node.attributes.get("content"), node.text(separator=" ")):
                text = _squeeze(value)
                if text and len(text) <= 120 and normalize_date(text):
                    return text
    body = tree.body
    if body is None:
        return None
    # (":not(:has(*))": the elements holding no element, among which the leaves are.)
    for node in body.css(_LEAF_SELECTOR):
        child = node.child
        if child is not None and (child.next is not None or child.tag_id != _TEXT_ID):
            continue  # only leaves: a container's text runs into its children's
        text = _squeeze(node.text_lexbor())  # (= node.text() of an element: see body._text)
        if not text or len(text) > 120:
            continue
        m2 = _WEEKDAY_DATE.search(text)
        if m2 and normalize_date(m2.group(0)) and not _in_listing(node):
            return m2.group(0).strip()
    return None


def _byline(tree: LexborHTMLParser, query: _Query | None = None) -> str | None:
    """The author from the page's markup: elements that hold bylines, then a labelled byline
    ("Pewarta: ...", "Penulis: ...") in the text."""
    query = query or _Query(tree)
    for sel in H.AUTHOR_SELECTORS:
        for node in query.css(sel)[:5]:
            if node.tag in ("meta", "script", "style") or _in_listing(node):
                continue
            name = _person(node.text(deep=True, separator=" "))
            if name:
                return name
    body = tree.body
    if body is None:
        return None
    nodes = body.css("p, div, span, strong, em, small")
    # An element's text holds the text of every element inside it, so an element holding one with more
    # than MAX_BYLINE_CHARS has more too: its text is not read (nested containers made this quadratic).
    # The elements are looked at from the last, so the inner ones come first; the first match in
    # document order is then taken from the short texts found.
    texts: list[str | None] = [None] * len(nodes)
    long_ids: set[int] = set()
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if node.mem_id in long_ids:
            continue
        child = node.child
        if child is not None and child.next is not None and child.tag_id != _TEXT_ID:
            continue  # a container: its children are looked at themselves
        text = node.text(deep=True, separator=" ")
        if len(text) > MAX_BYLINE_CHARS:
            parent = node.parent
            while parent is not None and parent.mem_id not in long_ids:
                long_ids.add(parent.mem_id)
                parent = parent.parent
            continue
        texts[i] = text
    for text in texts:
        if text is None or ":" not in text:  # (the label's colon: most texts have none)
            continue
        m = _LABELLED_RE.search(text)
        if m:
            name = _person(m.group(1))
            if name:
                return name
    return None


def _json_ld_objects(query: _Query) -> Iterator[dict[str, Any]]:
    for data in query.ld_data():
        stack = [data]
        seen = 0
        while stack and seen < 200:  # bounded: JSON-LD graphs can be large
            item = stack.pop(0)
            seen += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _json_ld_article(query: _Query) -> dict[str, Any]:
    """The JSON-LD object describing the article (an Article type before a WebPage), or ``{}``."""
    best: dict[str, Any] = {}
    for obj in _json_ld_objects(query):
        kinds = _types(obj) & H.ARTICLE_TYPES
        if not kinds:
            continue
        if kinds != {"webpage"}:
            return obj
        best = best or obj
    return best


def _meta_tags(query: _Query) -> dict[str, str]:
    """First non-empty ``content`` per lower-cased ``property``/``name``/``itemprop``/``http-equiv``."""
    metas: dict[str, str] = {}
    for node in query.metas():  # (``tree.css("meta[content]")`` and metas without content, skipped below)
        attrs = node.attributes
        content = _squeeze(attrs.get("content"))
        if content is None:
            continue
        for key_attr in ("property", "name", "itemprop", "http-equiv"):
            key = attrs.get(key_attr)
            if key:
                metas.setdefault(key.strip().lower(), content)
    return metas


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in metas:
            return metas[key]
    return None


def _microdata(query: _Query, prop: str) -> str | None:
    selector = f'[itemprop~="{prop}"]'
    if not query.can_match(selector):
        return None
    node = query.tree.css_first(selector)
    if node is None:
        return None
    attrs = node.attributes
    for attr in ("content", "datetime"):
        if attrs.get(attr):
            return _squeeze(attrs.get(attr))
    name = node.css_first('[itemprop~="name"]')
    return _squeeze((name or node).text())


_COPYRIGHT = re.compile(r"^(?:copyright|©|\(c\)|hak cipta)?\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?)?[\s,.]*",
                        re.IGNORECASE)


def _name(value: Any) -> str | None:
    """A name from a string or a JSON-LD object (or list of them) with a ``name``; a copyright
    notice's "©", "Copyright" and years are cut."""
    if isinstance(value, list):
        return next((n for n in map(_name, value) if n), None)
    if isinstance(value, dict):
        return _name(value.get("name"))
    name = _squeeze(value)
    if name is None or name.startswith(("http://", "https://", "@")):
        return None
    name = _COPYRIGHT.sub("", name).split(". All rights")[0].strip(" .,")
    return name or None


_TITLE_SPLIT = re.compile(r"\s+(?:[-–—|·•]|::)\s+")
_HOST = re.compile(r"^https?://(?:www\d?\.|m\.)?([^/:?#]+)", re.IGNORECASE)


def _site_name(metas: dict[str, str], ld: dict[str, Any], query: _Query, url: str | None) -> str | None:
    """The publication's name: site-name meta tags, JSON-LD publisher or organization, microdata, an
    "author" meta tag that names the publisher, the Twitter handle, the part of ``<title>`` that is a
    domain ("... - Viva.co.id"), and last the host of the page's address."""
    for key in H.META_SITE:
        name = _name(metas.get(key))
        if name:
            return name
    name = _name(ld.get("publisher")) or _name(ld.get("sourceOrganization"))
    if name:
        return name
    for obj in _json_ld_objects(query):
        if _types(obj) & H.SITE_TYPES:
            name = _name(obj.get("name")) or _name(obj.get("publisher"))
            if name:
                return name
    name = _name(_microdata(query, "publisher"))
    if name:
        return name
    author = _squeeze(metas.get("author"))
    if author and _DOMAIN.search(author) and not author.startswith(("http", "www.")):
        return author.rsplit(" - ", 1)[-1]  # "PT. VIVA MEDIA BARU - VIVA.co.id"
    handle = _squeeze(metas.get("twitter:site"))
    if handle and handle.startswith("@") and len(handle) > 2:
        return handle[1:]
    node = query.tree.css_first("title")
    parts = _TITLE_SPLIT.split(_squeeze(node.text()) or "") if node is not None else []
    for part in parts[1:]:
        if _DOMAIN.search(part):
            return part
    m = _HOST.match(url or "")
    return m.group(1).lower() if m else None


def _link_href(node: LexborNode | None) -> str | None:
    return None if node is None else _squeeze(node.attributes.get("href"))


def read_meta(tree: LexborHTMLParser, *, url: str | None = None) -> PageMeta:
    """Read the metadata of a parsed page (before any element is removed from it)."""
    query = _Query(tree)
    metas = _meta_tags(query)
    ld = _json_ld_article(query)

    title = _first(metas, H.META_TITLE) or _squeeze(ld.get("headline")) or _squeeze(ld.get("name"))
    if title is None:
        node = tree.css_first("title")
        title = _squeeze(node.text()) if node is not None else None

    date = (
        _first(metas, H.META_DATE)
        or _squeeze(ld.get("datePublished"))
        or _squeeze(ld.get("dateCreated"))
        or _microdata(query, "datePublished")
    )
    if date is None and query.can_match("time"):
        node = tree.css_first("article time[datetime], time[pubdate], time[datetime]")
        date = _squeeze(node.attributes.get("datetime")) if node is not None else None
    date_original = date or _markup_date(tree, url, query)
    date = normalize_date(date_original)

    author = None
    for key in H.META_AUTHOR:
        if key in metas:
            author = _author(metas[key])
            if author:
                break
    author = author or _author(ld.get("author")) or _author(_microdata(query, "author")) or _byline(tree, query)

    # Explicit language metadata first: ``<html lang="en">`` is often a template default left on
    # pages in other languages.
    in_language = ld.get("inLanguage")
    lang = primary_language(_first(metas, H.META_LANG))
    lang = lang or primary_language(in_language if isinstance(in_language, str) else None)
    if lang is None:
        html_node = tree.css_first("html")
        lang = primary_language(html_node.attributes.get("lang") if html_node is not None else None)

    page_url = query.canonical() or metas.get("og:url")
    if page_url and url:
        page_url = urljoin(url, page_url)  # a relative canonical link is relative to the page
    elif page_url and not page_url.startswith(("http://", "https://")):
        page_url = None  # relative and nothing to resolve it against
    page_url = page_url or _squeeze(url)

    site_name = _site_name(metas, ld, query, page_url)

    body = ld.get("articleBody")
    return PageMeta(
        title=title,
        date=date,
        author=author,
        lang=lang,
        url=page_url,
        site_name=site_name,
        date_original=date_original,
        page_type=(metas.get("og:type") or "").lower() or None,
        json_ld_body=body if isinstance(body, str) and body.strip() else None,
    )
