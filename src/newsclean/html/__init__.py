"""HTML news pages to article text, with selectolax (lexbor backend).

>>> page = '''<html lang="id"><head><meta property="og:title" content="Banjir di Jakarta">
... <meta property="article:published_time" content="2024-01-02T08:00:00+07:00"></head>
... <body><nav><a href="/">Beranda</a> <a href="/news">Berita</a></nav>
... <article><h1>Banjir di Jakarta</h1>
... <p>Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang, kata petugas.</p>
... <div class="share-bar"><a href="#">Bagikan</a></div>
... <p>Warga diminta waspada karena hujan diperkirakan berlanjut hingga malam hari nanti.</p>
... </article><footer>Hak cipta 2024</footer></body></html>'''
>>> art = extract_article(page)
>>> print(art.text)
Banjir di Jakarta
Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang, kata petugas.
Warga diminta waspada karena hujan diperkirakan berlanjut hingga malam hari nanti.
>>> art.title, art.date, art.lang
('Banjir di Jakarta', '2024-01-02T08:00:00+07:00', 'id')
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from .body import DEFAULT_OPTIONS, HtmlOptions, extract_body
from .decode import Decoded, decode_html, sniff_html, utf8_source
from .meta import read_meta
from .strip import strip_html

__all__ = ["HtmlArticle", "HtmlOptions", "decode_html", "extract_article", "extract_sniffed", "strip_html"]


@dataclass(frozen=True)
class HtmlArticle:
    """An article extracted from one HTML page.

    ``text`` has one paragraph (heading, list item, blockquote paragraph) per line and no blank lines;
    it is ``""`` for a page with no article body (an index page). The metadata fields are ``None``
    when the page does not state them: ``title`` from OpenGraph/Twitter/meta tags, JSON-LD, then
    ``<title>``; ``date`` and ``author`` as the page writes them (meta tags, JSON-LD, microdata);
    ``lang`` the primary subtag (``"id"``, ``"en"``) of the explicit language metadata, else of
    ``<html lang>``; ``url`` the canonical link or ``og:url`` (resolved against the ``url`` argument),
    else that argument. ``found_by`` names the strategy that located the body
    (``"itemprop=articleBody"``, ``"density"``, ``"json-ld articleBody"``, ``"none"`` ...).
    """

    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    lang: str | None = None
    url: str | None = None
    found_by: str = "none"
    site_name: str | None = None
    date_original: str | None = None

    def metadata(self) -> dict[str, str]:
        """The non-empty metadata fields, keyed as in :class:`newsclean.Document` metadata."""
        fields = {
            "title": self.title,
            "date": self.date,
            "date_original": self.date_original,
            "author": self.author,
            "site_name": self.site_name,
            "lang": self.lang,
            "url": self.url,
        }
        return {k: v for k, v in fields.items() if v}


def extract_article(
    html: str | bytes, *, url: str | None = None, options: HtmlOptions | None = None
) -> HtmlArticle:
    """Extract the article body and metadata from one HTML page.

    ``html`` may be bytes (decoded by BOM, then ``<meta charset>``/``http-equiv``, else UTF-8 with
    replacement characters) or text. ``url``, when given, is the page's address: it resolves a
    relative canonical link and is the fallback for ``HtmlArticle.url``. Never raises on malformed
    or empty markup; raises :class:`ValueError` when an argument has the wrong type.
    """
    source: bytes | None = None  # the page as UTF-8 bytes, when it came so: parsed as it is
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        decoded = sniff_html(data)
        text, source = decoded.text, utf8_source(data, decoded)
    elif isinstance(html, str):
        text = html
    else:
        raise ValueError(f"extract_article: html must be str or bytes, got {type(html).__name__}")
    if url is not None and not isinstance(url, str):
        raise ValueError(f"extract_article: url must be str or None, got {type(url).__name__}")
    if options is not None and not isinstance(options, HtmlOptions):
        raise ValueError(f"extract_article: options must be HtmlOptions, got {type(options).__name__}")
    return _extract(text, source, url, options or DEFAULT_OPTIONS)


def extract_sniffed(
    data: bytes, decoded: Decoded, *, url: str | None = None, options: HtmlOptions | None = None
) -> HtmlArticle:
    """:func:`extract_article` of page bytes ``data`` that ``sniff_html`` already decoded (``decoded``):
    the same article, without decoding the page twice."""
    return _extract(decoded.text, utf8_source(data, decoded), url, options or DEFAULT_OPTIONS)


def _extract(text: str, source: bytes | None, url: str | None, opts: HtmlOptions) -> HtmlArticle:
    """The article of page ``text``; ``source``, when given, is ``text`` as UTF-8 bytes (see
    :func:`~newsclean.html.decode.utf8_source`), which the parser reads faster."""
    if source is None:  # (``source`` holds no NUL byte, so the text no NUL: utf8_source made sure)
        # NUL characters make lexbor stop reading (and are never text): drop them first.
        text = text.replace("\x00", "")
    tree = LexborHTMLParser(text if source is None else source)
    meta = read_meta(tree, url=url)  # first: the body extraction removes <head>, scripts ...
    body = extract_body(text, opts, tree=tree, source=source)
    lines, found_by = list(body.lines), body.found_by
    if meta.json_ld_body and len(meta.json_ld_body) > 2 * max(1, sum(map(len, lines))):
        # The page's structured data carries the story and the DOM does not (script-rendered pages).
        ld_lines = [ln.strip() for ln in strip_html(meta.json_ld_body).splitlines() if ln.strip()]
        if ld_lines:
            lines, found_by = ld_lines, "json-ld articleBody"
    return HtmlArticle(
        text="\n".join(lines),
        title=meta.title,
        date=meta.date,
        author=meta.author,
        lang=meta.lang,
        url=meta.url,
        found_by=found_by,
        site_name=meta.site_name,
        date_original=meta.date_original,
    )
