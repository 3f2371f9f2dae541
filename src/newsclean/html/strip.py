"""``strip_html``: a ``str -> str`` cleaner for stray HTML inside plain-text inputs.

Scraped text fields often keep some markup (``<p>``, ``<br>``, ``<a href>``, ``&ldquo;``, ``&nbsp;``).
This removes it without an HTML parser, because the input is text that *contains* some HTML, not a
page: a parser would also reinterpret a bare ``<`` or ``&`` in ordinary prose. So only real tag names
(:data:`HTML_TAG_NAMES`) count as tags, and only complete entities (with their ``;``) are decoded:
``a <b> c`` loses its ``<b>``, but ``x < y``, ``<Budi>`` and ``AT&T`` are left alone.
"""

from __future__ import annotations

import html
import re
from html.entities import html5 as _HTML5_ENTITIES

__all__ = ["HTML_TAG_NAMES", "strip_html"]

# fmt: off
#: Element names (HTML5 plus common legacy ones) whose tags are removed. Anything else between
#: angle brackets is ordinary text.
HTML_TAG_NAMES: frozenset[str] = frozenset({
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base", "basefont", "bdi",
    "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite",
    "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div",
    "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font", "footer", "form", "frame",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i",
    "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark",
    "marquee", "menu", "meta", "meter", "nav", "nobr", "noframes", "noscript", "object", "ol", "optgroup",
    "option", "output", "p", "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
    "script", "search", "section", "select", "small", "source", "span", "strike", "strong", "style", "sub",
    "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
    "time", "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
})

#: Tags whose start or end is a paragraph boundary: replaced by a line break.
_BREAK_TAGS: frozenset[str] = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot",
    "thead", "tr", "ul",
})
# fmt: on

#: Tags whose whole content is dropped with them (code and styling, never prose).
_DROP_CONTENT = ("script", "style", "template", "noscript", "head", "title", "textarea", "svg")

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![A-Za-z][^<>]*>|<\?[^<>]*\?>", re.S)
_DROP = re.compile(r"<(" + "|".join(_DROP_CONTENT) + r")\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: Non-breaking space entities become a plain space: in text inputs they are layout, not meaning.
_NBSP = frozenset({"&nbsp;", "&#160;", "&#xa0;", "&#xA0;", "&#x00a0;", "&#x00A0;", "&NonBreakingSpace;"})
_BREAK = "\n"
_AROUND_BREAK = re.compile(r"[ \t\u00a0]*\n[ \t\u00a0\n]*")


def _unescape_entity(match: re.Match[str]) -> str:
    entity = match.group(0)
    if entity in _NBSP:
        return " "
    if entity[1] != "#" and entity[1:] not in _HTML5_ENTITIES:
        return entity  # not an entity name (html.unescape would decode a prefix: "&notx;" -> "¬x;")
    return html.unescape(entity)


def _replace_tag(match: re.Match[str]) -> str:
    name = match.group(2).lower()
    if name not in HTML_TAG_NAMES:
        return match.group(0)
    return _BREAK if name in _BREAK_TAGS else ""


def strip_html(text: str) -> str:
    """Remove HTML tags, turn ``<br>`` and block tags into line breaks and decode entities.

    Text with no ``<`` and no ``&`` is returned unchanged (the same object). If any tag became a line
    break, the text is then laid out again: spaces around line breaks and runs of blank lines are
    squeezed (in the whole text), so ``<p>a</p><p>b</p>`` gives two lines, not four.

    >>> strip_html("Presiden &ldquo;Jokowi&rdquo; tiba&nbsp;di Bali.<br>Baris dua")
    'Presiden “Jokowi” tiba di Bali.\\nBaris dua'
    >>> strip_html("<p>Satu <b>dua</b> <a href='/x'>tiga</a>.</p>\\n<p>Empat.</p>")
    'Satu dua tiga.\\nEmpat.'
    >>> strip_html("Suhu x < 30 & y > 2, kata <Budi>; AT&T naik &amp; Q&A")
    'Suhu x < 30 & y > 2, kata <Budi>; AT&T naik & Q&A'
    >>> strip_html("Teks<script>var a = '<p>';</script> bersih<!-- komentar -->.")
    'Teks bersih.'
    >>> strip_html("Tanpa HTML sama sekali.\\n\\nParagraf dua.")
    'Tanpa HTML sama sekali.\\n\\nParagraf dua.'
    """
    if not isinstance(text, str):
        raise TypeError(f"strip_html expects str, got {type(text).__name__}")
    if "<" not in text and "&" not in text:
        return text
    out = text
    if "<" in out:
        out = _COMMENT.sub("", out)
        out = _DROP.sub("", out)
        stripped = _TAG.sub(_replace_tag, out)
        if stripped != out:
            broke = stripped.count(_BREAK) != out.count(_BREAK)
            out = stripped
            if broke:
                out = _AROUND_BREAK.sub(_BREAK, out).strip("\n")
    if "&" in out:
        out = _ENTITY.sub(_unescape_entity, out)
    return out
