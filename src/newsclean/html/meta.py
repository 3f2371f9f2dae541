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
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import heuristics as H

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
    #: ``og:type`` (lower case), used to tell article pages from index pages.
    page_type: str | None = None
    #: ``articleBody`` of the JSON-LD article object: a fallback when the DOM holds no body.
    json_ld_body: str | None = None


def _squeeze(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", value).strip()
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


def _json_ld_objects(tree: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(), strict=False)
        except (ValueError, RecursionError):
            continue  # malformed JSON-LD is common; the page still has its meta tags
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


def _json_ld_article(tree: LexborHTMLParser) -> dict[str, Any]:
    """The JSON-LD object describing the article (an Article type before a WebPage), or ``{}``."""
    best: dict[str, Any] = {}
    for obj in _json_ld_objects(tree):
        kinds = _types(obj) & H.ARTICLE_TYPES
        if not kinds:
            continue
        if kinds != {"webpage"}:
            return obj
        best = best or obj
    return best


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """First non-empty ``content`` per lower-cased ``property``/``name``/``itemprop``/``http-equiv``."""
    metas: dict[str, str] = {}
    for node in tree.css("meta[content]"):
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


def _microdata(tree: LexborHTMLParser, prop: str) -> str | None:
    node = tree.css_first(f'[itemprop~="{prop}"]')
    if node is None:
        return None
    attrs = node.attributes
    for attr in ("content", "datetime"):
        if attrs.get(attr):
            return _squeeze(attrs.get(attr))
    name = node.css_first('[itemprop~="name"]')
    return _squeeze((name or node).text())


def _link_href(node: LexborNode | None) -> str | None:
    return None if node is None else _squeeze(node.attributes.get("href"))


def read_meta(tree: LexborHTMLParser, *, url: str | None = None) -> PageMeta:
    """Read the metadata of a parsed page (before any element is removed from it)."""
    metas = _meta_tags(tree)
    ld = _json_ld_article(tree)

    title = _first(metas, H.META_TITLE) or _squeeze(ld.get("headline")) or _squeeze(ld.get("name"))
    if title is None:
        node = tree.css_first("title")
        title = _squeeze(node.text()) if node is not None else None

    date = (
        _first(metas, H.META_DATE)
        or _squeeze(ld.get("datePublished"))
        or _squeeze(ld.get("dateCreated"))
        or _microdata(tree, "datePublished")
    )
    if date is None:
        node = tree.css_first("article time[datetime], time[pubdate], time[datetime]")
        date = _squeeze(node.attributes.get("datetime")) if node is not None else None

    author = None
    for key in H.META_AUTHOR:
        if key in metas:
            author = _author(metas[key])
            if author:
                break
    author = author or _author(ld.get("author")) or _author(_microdata(tree, "author"))

    # Explicit language metadata first: ``<html lang="en">`` is often a template default left on
    # pages in other languages.
    in_language = ld.get("inLanguage")
    lang = primary_language(_first(metas, H.META_LANG))
    lang = lang or primary_language(in_language if isinstance(in_language, str) else None)
    if lang is None:
        html_node = tree.css_first("html")
        lang = primary_language(html_node.attributes.get("lang") if html_node is not None else None)

    page_url = _link_href(tree.css_first('link[rel~="canonical"]')) or metas.get("og:url")
    if page_url and url:
        page_url = urljoin(url, page_url)  # a relative canonical link is relative to the page
    elif page_url and not page_url.startswith(("http://", "https://")):
        page_url = None  # relative and nothing to resolve it against
    page_url = page_url or _squeeze(url)

    body = ld.get("articleBody")
    return PageMeta(
        title=title,
        date=date,
        author=author,
        lang=lang,
        url=page_url,
        page_type=(metas.get("og:type") or "").lower() or None,
        json_ld_body=body if isinstance(body, str) and body.strip() else None,
    )
