"""Locate the article body in a parsed page and render it as one paragraph per line.

The steps, each a function below:

1. :func:`remove_junk` - scripts, styles, form controls, hidden elements: never text.
2. :func:`remove_boilerplate` - HTML5 regions (``nav``, ``header``, ``footer``, ``aside`` ...), ARIA
   roles and elements whose class/id tokens name a boilerplate region (share bars, related-article
   widgets, comments, ads: :data:`~newsclean.html.heuristics.BOILERPLATE_TOKENS`). An element that
   holds a large, link-poor share of the page's text is kept whatever its name says, so a mis-named
   wrapper cannot take the story with it.
3. :func:`score_candidates` - the density score: every paragraph-like block votes for its parent
   (and, less, for its grandparent) with its length and comma count; a container's score is weighted
   by its class/id tokens and multiplied by ``1 - link density``. The winner grows to an ancestor
   that adds real paragraphs with few links (:func:`_expand_up`: a lead kept apart from the rest),
   then it and its siblings that score close to it (or are plain paragraphs) form the body, as in
   Readability.
4. Explicit markup (:data:`~newsclean.html.heuristics.BODY_SELECTORS`, e.g. ``itemprop=articleBody``)
   replaces the density winner when it holds a fair share of the same text.
5. :func:`render` - inside the body, link lists, "baca juga" boxes (mostly links) and captioned images
   are dropped, then block boundaries and ``<br>`` become line breaks, whitespace is squeezed and
   lines that are mostly one link go. A body whose lines alternate with such link lines is a teaser
   list (an index page) and gives no text.

Markup nested deeper than ``HtmlOptions.max_depth`` skips steps 2-4 and is rendered whole, so that
broken pages (thousands of unclosed tags) stay linear in time.

Everything is done with selectolax's lexbor backend; Python only loops over candidate elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..speedups import load as load_speedups
from . import heuristics as H

__all__ = ["BodyResult", "HtmlOptions", "extract_body", "render", "tokens"]

#: Private-use characters that stand for a line break while the DOM is flattened to text. Chosen
#: from the Private Use Area so they cannot collide with page text that matters; any that a page does
#: contain are removed first.
_BREAK = "\ue000"
_LINK_START = "\ue001"
_LINK_END = "\ue002"
_HEADING = "\ue003"
_MARKERS = (_BREAK, _LINK_START, _LINK_END, _HEADING)
#: The first two bytes of every marker's UTF-8 form.
_MARKER_UTF8_LEAD = b"\xee\x80"
_SPLIT_TOKENS = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z])(?=[A-Z])")
_COMMAS = re.compile(r"[,\u060c\uff0c\u3001]")


def _commas(text: str) -> int:
    """How many of ``_COMMAS``' characters ``text`` holds, counted one character at a time (faster than the
    regex's list of matches)."""
    return text.count(",") + text.count("\u060c") + text.count("\uff0c") + text.count("\u3001")


_LABEL_LINES = frozenset(H.LABEL_LINES)
_CAPTION_TAGS = frozenset(H.CAPTION_TAGS)
_LINK_LIST_TAGS = frozenset(H.LINK_LIST_TAGS)
def _is(selectors: Sequence[str]) -> str:
    """One selector matching what any of ``selectors`` matches (``:is(a, b)``): lexbor gives each element
    once, where the list ``a, b`` gives an element once per selector it matches, and matches it faster."""
    return ":is(" + ", ".join(selectors) + ")"


def tag_id(name: str) -> int:
    """lexbor's id of a tag name: ``node.tag_id`` is read without building the name (``node.tag`` looks
    the name up and returns a new reference each time). The name must be one lexbor knows (an unknown
    one, a custom element, gets an id that differs from document to document)."""
    one, two = (LexborHTMLParser("").create_node(name).tag_id for _ in range(2))
    if one != two:
        raise ValueError(f"not a tag lexbor knows: {name!r}")
    return one


def _tag_ids(names: Sequence[str]) -> frozenset[int]:
    return frozenset(map(tag_id, names))


_HTML_ID = tag_id("html")
_DOCUMENT_ID = LexborHTMLParser("").root.parent.tag_id  # "-document"
#: Where the density score's holders stop: ``<html>`` and the document.
_TOP_IDS = frozenset({_HTML_ID, _DOCUMENT_ID})
_REGION_TAG_IDS = _tag_ids(H.REGION_TAGS)
_JUNK_IDS = _tag_ids(H.JUNK_TAGS)
#: The blocks that vote in the density score: paragraph-like elements (their whole text), and containers
#: (the text directly inside them).
_PARAGRAPH_IDS = _tag_ids(H.PARAGRAPH_TAGS)
_CONTAINER_TAGS = ("div", "section", "article", "span", "font", "td", "center", "main")
_CONTAINER_IDS = _tag_ids(_CONTAINER_TAGS)
#: Inline styles that hide an element (matched case-sensitively, as lexbor's ``[style*=...]`` did).
_HIDDEN_STYLES = ("display:none", "display: none", "visibility:hidden", "visibility: hidden")
_CAPTION_TAG_IDS = _tag_ids(H.CAPTION_TAGS)
_LINK_LIST_TAG_IDS = _tag_ids(H.LINK_LIST_TAGS)

#: The elements :func:`_is_link_block_or_caption` may say yes to: those holding an image or a link.
_LINK_BLOCK_SELECTOR = _is(sorted(_CAPTION_TAGS | _LINK_LIST_TAGS)) + ":has(img, a)"
#: Which of them hold an image, and which a link: one query each, not two per element.
_IMG_HOLDER_SELECTOR = _is(sorted(_CAPTION_TAGS)) + ":has(img)"
_LINK_HOLDER_SELECTOR = _is(sorted(_LINK_LIST_TAGS)) + ":has(a)"

#: Readability's constants, kept: a ``<p>`` sibling of the winner joins the body when it is longer
#: than this and its link density is below the next one, or when it is shorter, has no link and ends
#: like a sentence.
_SIBLING_P_MIN_CHARS = 80
_SIBLING_P_MAX_LINK_DENSITY = 0.25
_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d")
#: Class/id weight of a candidate (Readability's value): +this for a positive token, -this for a
#: negative one.
_CLASS_WEIGHT = 25.0
#: A heading or list item is a headline link when at least this share of its text is link text
#: (the rest being a kicker word such as "Editorial").
_HEADLINE_LINK_SHARE = 0.6


@dataclass(frozen=True)
class HtmlOptions:
    """Tunable thresholds of the extractor. The defaults were set on the Indonesian and English
    evaluation pages in ``benchmarks/`` (see ``python -m benchmarks.html_eval``)."""

    #: A block shorter than this (characters, whitespace squeezed) does not vote in the density score.
    min_paragraph_chars: int = 25
    #: A boilerplate-looking element is kept if it holds at least this share of the page's text ...
    protect_share: float = 0.35
    #: ... and at most this share of that text is link text.
    protect_max_link_density: float = 0.3
    #: Siblings of the density winner join the body when they score at least this share of it and
    #: at most this share of their text is links (teaser groups score well but are link-heavy).
    sibling_score_ratio: float = 0.2
    sibling_max_link_density: float = 0.25
    #: Inside the body, a container (list, div, paragraph) whose text is more than this share links
    #: is a link list or a "read also" box, and is dropped.
    max_block_link_density: float = 0.5
    #: A rendered line whose text is at least this share link text is a stray link ("related" links
    #: separated by ``<br>``, "read also: <a>...</a>"), and is dropped; so is a heading right above one.
    max_line_link_density: float = 0.8
    #: The density winner grows to its parent while the parent adds at least this share of paragraph
    #: text (an intro or first paragraphs kept apart from the rest of the story) ...
    expand_min_gain: float = 0.1
    #: ... and at least this many characters of it ...
    expand_min_chars: int = 100
    #: ... and the text it adds is at most this share links, in at most this many headline links
    #: (headings or list items that are mostly a link: the mark of a teaser list).
    expand_max_link_density: float = 0.2
    expand_max_link_items: int = 2
    #: Inside the body, an element holding an ``<img>`` and at most this many characters is an image
    #: with its caption or credit, and is dropped.
    caption_max_chars: int = 250
    #: The body is a list of teasers, not an article, when at least this share of its lines (and at
    #: least ``listing_min_lines`` of them) alternate with dropped link lines; the result is then empty.
    listing_share: float = 0.4
    listing_min_lines: int = 4
    #: Explicit body markup is used when its text is at least this share of the density body's text.
    markup_min_share: float = 0.5
    #: A result shorter than this (characters) is retried without class/id-based removal.
    min_body_chars: int = 200
    #: Markup nested deeper than this (thousands of unclosed tags) is not scored: every subtree text
    #: would be re-read at every level. Such a page is rendered whole ("flat") instead.
    max_depth: int = 256
    #: Remove elements by class/id tokens (step 2). The relaxed retry turns it off.
    remove_by_tokens: bool = True


DEFAULT_OPTIONS = HtmlOptions()


@dataclass(frozen=True)
class BodyResult:
    """The located body: its lines, and which strategy found it (for reports)."""

    lines: tuple[str, ...]
    found_by: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def tokens(value: str | None) -> list[str]:
    """Lower-case word tokens of a class or id value.

    >>> tokens("post-content shareBar article_body")
    ['post', 'content', 'share', 'bar', 'article', 'body']
    """
    if not value:
        return []
    return [t.lower() for t in _SPLIT_TOKENS.split(value) if t]


@lru_cache(maxsize=16384)
def _names_boilerplate(class_value: str | None, id_value: str | None) -> bool:
    """Do these class and id values name a boilerplate region? (Cached: pages repeat class names.)"""
    toks = tokens(class_value) + tokens(id_value)
    if any(t in H.BOILERPLATE_TOKENS for t in toks):
        return True
    return any(pair in H.BOILERPLATE_PAIRS for pair in zip(toks, toks[1:], strict=False))


def _squeeze(text: str) -> str:
    """Whitespace runs to one space, ends stripped (``str.split`` is faster than a regex here)."""
    return " ".join(text.split())


def _squeezed_len_py(text: str) -> int:
    """``len(_squeeze(text))``: the definition of the compiled ``newsclean._speedups.squeezed_len``."""
    return len(" ".join(text.split()))


_NATIVE = load_speedups()
#: ``len(_squeeze(text))`` without building the squeezed text, compiled when the kernels are built.
_squeezed_len: Callable[[str], int] = getattr(_NATIVE, "squeezed_len", None) or _squeezed_len_py


def _text(node: LexborNode) -> str:
    """``node.text()`` of an element, read by lexbor's own text-content function (a fifth faster than
    selectolax's walk over the text nodes). The two agree on every element (lexbor makes the text of a CDATA
    section in SVG or MathML a text node; a ``<template>``'s content lies outside the tree for both); they
    differ for a comment node, which gives its own text here: never asked of one."""
    return node.text_lexbor()


def _text_len(node: LexborNode) -> int:
    return _squeezed_len(_text(node))


def _link_len(node: LexborNode) -> int:
    return sum(_squeezed_len(_text(a)) for a in node.css("a"))


def _link_density(node: LexborNode, text_len: int | None = None) -> float:
    total = _text_len(node) if text_len is None else text_len
    return _link_len(node) / total if total else 0.0


class _Lengths:
    """:func:`_text_len` and :func:`_link_len` of elements, each read once while the tree does not
    change (the body is located from one tree: a winner, its ancestors and siblings are measured by
    several steps)."""

    __slots__ = ("_link", "_links", "_text")

    def __init__(self) -> None:
        self._text: dict[int, int] = {}
        self._links: dict[int, int] = {}
        self._link: dict[int, int] = {}  # each <a>'s own (nested candidates share their links)

    def text(self, node: LexborNode) -> int:
        key = node.mem_id
        found = self._text.get(key)
        if found is None:
            found = self._text[key] = _text_len(node)
        return found

    def links(self, node: LexborNode) -> int:
        key = node.mem_id
        found = self._links.get(key)
        if found is None:
            found = 0  # _link_len(node), each link's length read once
            link_lens = self._link
            for a in node.css("a"):
                a_key = a.mem_id
                length = link_lens.get(a_key)
                if length is None:
                    length = link_lens[a_key] = _squeezed_len(_text(a))
                found += length
            self._links[key] = found
        return found

    def density(self, node: LexborNode, text_len: int | None = None) -> float:
        total = self.text(node) if text_len is None else text_len
        return self.links(node) / total if total else 0.0


#: How far up an ancestry check looks. Real pages are a few dozen levels deep; broken markup (thousands
#: of unclosed tags) can nest deeper, and an unbounded walk per node would make such a page quadratic.
_MAX_ANCESTRY = 64


class _Removals:
    """Elements chosen for removal (by ``mem_id``), visited in document order, and whether a later element
    lies inside one of them.

    The answer for every ancestor walked through is remembered, so each ancestor is walked through
    about once per page instead of once per descendant: an ancestor seen outside every chosen element
    stays so, because elements chosen later come later in document order and cannot be its ancestors.
    The element asked about is remembered too (its descendants among the later ones then stop at their
    parent); one remembered outside and then chosen is in ``ids``, which is looked at first.
    """

    __slots__ = ("ids", "_inside", "_outside")

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._inside: set[int] = set()  # elements inside a chosen one (or chosen)
        self._outside: set[int] = set()  # elements with no chosen ancestor-or-self

    def add(self, node: LexborNode) -> None:
        self.ids.add(node.mem_id)

    def inside(self, node: LexborNode) -> bool:
        """Does an ancestor of ``node`` (up to :data:`_MAX_ANCESTRY` levels) lie in a chosen element?"""
        parent = node.parent
        if parent is not None:  # the first step of the walk below, unrolled: most answers are known there
            key = parent.mem_id
            if key in self.ids or key in self._inside:
                self._inside.add(node.mem_id)
                return True
            if key in self._outside:
                self._outside.add(node.mem_id)
                return False
        walked: list[int] = [node.mem_id]
        for _ in range(_MAX_ANCESTRY):
            if parent is None:
                self._outside.update(walked)
                return False
            key = parent.mem_id
            if key in self.ids or key in self._inside:
                self._inside.update(walked)
                return True
            if key in self._outside:
                self._outside.update(walked)
                return False
            walked.append(key)
            parent = parent.parent
        return False  # deeper than the bound: nothing remembered (as if no ancestor were chosen)


def _remove_all(nodes_in_document_order: Sequence[LexborNode]) -> None:
    """Destroy nodes, the last in document order first: a descendant always goes before its ancestor,
    so no node is used after an ancestor of it was destroyed (whatever the nesting depth)."""
    done: set[int] = set()
    for node in reversed(nodes_in_document_order):
        key = node.mem_id
        if key not in done:  # a query with several selectors gives an element once per selector it matches
            done.add(key)
            node.decompose()


def remove_junk(tree: LexborHTMLParser) -> None:
    """Remove elements that never hold article text (:data:`~newsclean.html.heuristics.JUNK_TAGS`), and
    hidden ones (``[hidden]``, and a ``style`` holding one of :data:`_HIDDEN_STYLES`)."""
    # One walk over the elements, picked by tag id, in document order (``strip_tags`` walks the document
    # once per tag; lexbor matches a list of 27 type selectors slower than the walk yields every element
    # to Python); the last first, so an element inside another junk element goes before it.
    root = tree.root
    if root is not None:
        _remove_all([node for node in root.traverse() if node.tag_id in _JUNK_IDS])
    body = tree.body
    if body is None:
        return
    # The elements with a ``style`` (or ``hidden``) read in Python: cheaper than lexbor's four substring
    # selectors (``[style*="display:none"]`` ...: case-sensitive, as ``in`` is).
    body_id = body.mem_id
    hidden = []
    for node in body.css("[hidden], [style]"):
        if node.mem_id == body_id:
            continue  # css() matches the node it is called on too: never remove <body> itself
        attrs = node.attributes
        style = attrs.get("style")
        if "hidden" in attrs or (style and any(rule in style for rule in _HIDDEN_STYLES)):
            hidden.append(node)
    _remove_all(hidden)


def _region_selector(by_tokens: bool) -> str:
    """The elements :func:`remove_boilerplate` looks at: region tags, roles, ``aria-hidden`` and (when
    ``by_tokens``) containers with a class or id. One ``:is(...)``: each element once, in document order
    (the list of selectors gave an element once per selector it matched, and the second time changed
    nothing), and lexbor matches it faster than the list. The containers are asked first for a class or
    id, then for their tag: most elements have neither attribute and fail at once (lexbor tried the 17 tags
    first; the same elements either way, found a fifth faster on the pages of ``traf1``)."""
    named = [f":is([class], [id]){_is(H.NAMED_CONTAINER_TAGS)}"] if by_tokens else []
    return _is([*named, *H.REGION_TAGS, "[role]", '[aria-hidden="true"]'])


def remove_boilerplate(tree: LexborHTMLParser, options: HtmlOptions) -> None:
    """Remove page regions that are not the story (see the module docstring, step 2)."""
    body = tree.body
    if body is None:
        return
    total = max(1, _text_len(body))
    region_roles = frozenset(H.REGION_ROLES)
    selector = _region_selector(options.remove_by_tokens)
    doomed: list[LexborNode] = []
    removals = _Removals()
    by_tokens = options.remove_by_tokens
    body_id = body.mem_id
    for node in body.css(selector):  # one query: document order, ancestors before descendants
        # Inside an element already chosen first: most matches are (the links, items and icons of a
        # navigation bar), and the question is cheaper than reading the attributes. (Both questions are
        # asked of every element either way; their order changes nothing.)
        if node.mem_id == body_id or removals.inside(node):
            continue  # (css() matches the node it is called on too)
        if node.tag_id not in _REGION_TAG_IDS:  # else marked: is it by its role, aria-hidden or tokens?
            attrs = node.attributes
            role = attrs.get("role")
            if not role or role.strip().lower() not in region_roles:
                hidden = attrs.get("aria-hidden")
                if (not hidden or hidden.strip().lower() != "true") and not (
                    by_tokens and _names_boilerplate(attrs.get("class"), attrs.get("id"))
                ):
                    continue
        length = _text_len(node)
        if (
            length >= options.protect_share * total
            and _link_density(node, length) <= options.protect_max_link_density
        ):
            continue  # holds much of the page's prose: whatever its name says, it may be the story
        doomed.append(node)
        removals.add(node)
    _remove_all(doomed)


@dataclass
class _Candidate:
    node: LexborNode
    score: float = 0.0


def _class_weight(node: LexborNode) -> float:
    attrs = node.attributes
    return _token_weight(attrs.get("class"), attrs.get("id"))


@lru_cache(maxsize=16384)
def _token_weight(class_value: str | None, id_value: str | None) -> float:
    """The class weight of these class and id values (cached: pages repeat class names)."""
    toks = tokens(class_value) + tokens(id_value)
    weight = 0.0
    if any(t in H.POSITIVE_TOKENS for t in toks):
        weight += _CLASS_WEIGHT
    if any(t in H.NEGATIVE_TOKENS for t in toks):
        weight -= _CLASS_WEIGHT
    return weight


def _paragraph_blocks(root: LexborNode, options: HtmlOptions) -> list[tuple[LexborNode, int, int, bool]]:
    """(node, text length, commas, text_is_direct) for every block that votes: paragraph-like elements,
    and containers with enough text directly inside them (text separated by ``<br>``, as many news
    sites publish it). The length is that of the text with its whitespace squeezed (the commas are
    the same in either)."""
    # One walk, the elements picked by tag id (two lexbor queries of 6 and 8 type selectors cost more); the
    # paragraphs first, then the containers, each in document order, as the two queries gave them.
    paragraphs: list[LexborNode] = []
    containers: list[LexborNode] = []
    for node in root.traverse():
        tag = node.tag_id
        if tag in _PARAGRAPH_IDS:
            paragraphs.append(node)
        if tag in _CONTAINER_IDS:  # (a <td> is both)
            containers.append(node)
    blocks: list[tuple[LexborNode, int, int, bool]] = []
    for node in paragraphs:
        text = _text(node)
        length = _squeezed_len(text)
        if length >= options.min_paragraph_chars:
            blocks.append((node, length, _commas(text), False))
    for node in containers:
        text = node.text(deep=False)
        length = _squeezed_len(text)
        if length >= options.min_paragraph_chars:
            blocks.append((node, length, _commas(text), True))
    return blocks


def score_candidates(
    root: LexborNode, options: HtmlOptions, lengths: _Lengths | None = None
) -> tuple[list[_Candidate], dict[int, int]]:
    """Density-scored containers, best first (scores already multiplied by ``1 - link density``),
    and the paragraph text length (characters of voting blocks) inside every element, by ``mem_id``.
    ``lengths`` remembers the lengths read (for the next steps, while the tree stays as it is)."""
    lengths = lengths or _Lengths()
    candidates: dict[int, _Candidate] = {}
    para_len: dict[int, int] = {}

    def candidate(node: LexborNode) -> _Candidate:
        key = node.mem_id
        found = candidates.get(key)
        if found is None:
            found = candidates[key] = _Candidate(node, H.TAG_WEIGHTS.get(node.tag, 0.0) + _class_weight(node))
        return found

    for node, length, commas, direct in _paragraph_blocks(root, options):
        vote = 1.0 + commas + min(length / 100.0, 3.0)
        # The block and its ancestors, walked once for both uses below.
        chain: list[LexborNode] = []
        up: LexborNode | None = node
        for _ in range(8):  # enough for the winner (3 levels above a block) and 3 more to grow into
            if up is None:
                break
            key = up.mem_id
            para_len[key] = para_len.get(key, 0) + length
            chain.append(up)
            up = up.parent
        # A container's own text votes for the container itself; a paragraph votes for its parent; each
        # for 3 levels, stopping at <html>.
        start = 0 if direct else 1
        for level, holder in enumerate(chain[start : start + 3]):
            if holder.tag_id in _TOP_IDS:
                break
            candidate(holder).score += vote / (1.0, 2.0, 6.0)[level]

    ranked = sorted(candidates.values(), key=lambda c: c.score, reverse=True)[:12]
    for cand in ranked:
        cand.score *= 1.0 - min(1.0, lengths.density(cand.node))
    ranked.sort(key=lambda c: c.score, reverse=True)
    return ranked, para_len


def _link_items(node: LexborNode, lengths: _Lengths) -> int:
    """Headings and list items that are mostly a link (with perhaps a kicker word): headlines of
    teasers, related links."""
    count = 0
    for item in node.css("h1, h2, h3, h4, h5, h6, li, dt"):
        length = lengths.text(item)
        if length and lengths.links(item) >= _HEADLINE_LINK_SHARE * length:
            count += 1
    return count


def _expand_up(node: LexborNode, para_len: dict[int, int], options: HtmlOptions, lengths: _Lengths) -> LexborNode:
    """Grow the winner to its parent while that adds real paragraphs and few links (an intro or the
    first paragraphs often sit beside the container that holds the rest of the story)."""
    current = node
    cur_para = para_len.get(node.mem_id, 0)
    cur_text = lengths.text(node)
    cur_links = lengths.links(node)
    cur_items = -1  # computed when first needed
    ancestor = node.parent
    for _ in range(3):  # look a few levels up, through wrappers that add nothing
        if ancestor is None or ancestor.tag in ("html", "body", "-document"):
            break
        gain = para_len.get(ancestor.mem_id, 0) - cur_para
        if gain >= max(options.expand_min_chars, options.expand_min_gain * cur_para):
            anc_text = lengths.text(ancestor)
            anc_links = lengths.links(ancestor)
            added = anc_text - cur_text
            if added <= 0 or (anc_links - cur_links) / added > options.expand_max_link_density:
                break
            if cur_items < 0:
                cur_items = _link_items(current, lengths)
            anc_items = _link_items(ancestor, lengths)
            if anc_items - cur_items > options.expand_max_link_items:
                break
            current, cur_para, cur_text, cur_links = ancestor, cur_para + gain, anc_text, anc_links
            cur_items = anc_items
        ancestor = ancestor.parent
    return current


def _with_siblings(
    top: _Candidate, scores: dict[int, float], options: HtmlOptions, lengths: _Lengths
) -> list[LexborNode]:
    """The winner plus siblings that score close to it, or are plain paragraphs (Readability's rule)."""
    parent = top.node.parent
    if parent is None or parent.tag in ("html", "-document"):
        return [top.node]
    threshold = max(10.0, top.score * options.sibling_score_ratio)
    nodes = []
    child = parent.child
    while child is not None:
        if child.mem_id == top.node.mem_id:
            nodes.append(child)
        elif not child.tag.startswith("-"):  # an element, not "-text" or "-comment"
            keep = (
                scores.get(child.mem_id, 0.0) >= threshold
                and lengths.density(child) <= options.sibling_max_link_density
            )
            if not keep and child.tag == "p":
                length = lengths.text(child)
                density = lengths.density(child, length)
                text = _squeeze(_text(child))
                keep = (length > _SIBLING_P_MIN_CHARS and density < _SIBLING_P_MAX_LINK_DENSITY) or (
                    0 < length <= _SIBLING_P_MIN_CHARS and density == 0 and text.endswith(_SENTENCE_ENDS)
                )
            if keep:
                nodes.append(child)
        child = child.next
    return nodes


def _markup_body(root: LexborNode, lengths: _Lengths) -> tuple[str, LexborNode] | None:
    itemprop: bool | None = None  # does any element have an itemprop? (most pages: none)
    for name, selector in H.BODY_SELECTORS:
        if all("[itemprop" in part for part in selector.split(",")):  # (each alternative needs one)
            if itemprop is None:
                itemprop = root.css_first("[itemprop]") is not None
            if not itemprop:
                continue
        found = root.css(selector)
        if found:
            best = max(found, key=lengths.text)
            return name, best
    return None


def _is_link_block_or_caption(
    node: LexborNode,
    options: HtmlOptions,
    holders: tuple[set[int], set[int]] | None = None,
    lengths: _Lengths | None = None,
) -> bool:
    """Is this element mostly links (a related list, a "baca juga" box), or an image with its caption?
    ``holders``, when given, are the ``mem_id`` of the caption-tag elements holding an ``<img>`` and of
    the link-list-tag elements holding an ``<a>``, ``node`` among the elements they were found in (else
    ``node`` is asked: ``node.css_first("img")`` is the element or a descendant, never an ``<img>`` here).
    ``lengths``, when given, measured ``node``'s subtree as it still is."""
    length = -1
    text_len, link_len = (_text_len, _link_len) if lengths is None else (lengths.text, lengths.links)
    tag_id = node.tag_id
    key = node.mem_id
    if tag_id in _CAPTION_TAG_IDS and (
        node.css_first("img") is not None if holders is None else key in holders[0]
    ):
        length = text_len(node)
        if length <= options.caption_max_chars:
            return True
    if tag_id in _LINK_LIST_TAG_IDS and (node.css_first("a") is not None if holders is None else key in holders[1]):
        length = text_len(node) if length < 0 else length
        return length > 0 and link_len(node) / length > options.max_block_link_density
    return False


def _drop_link_blocks(root: LexborNode, options: HtmlOptions) -> None:
    """Inside the body: drop containers that are mostly links and images with their captions."""
    doomed: list[LexborNode] = []
    removals = _Removals()
    nodes = root.css(_LINK_BLOCK_SELECTOR)
    if not nodes:
        return
    holders = ({n.mem_id for n in root.css(_IMG_HOLDER_SELECTOR)}, {n.mem_id for n in root.css(_LINK_HOLDER_SELECTOR)})
    for node in nodes:
        if node.mem_id == root.mem_id or removals.inside(node):
            continue  # (css() matches the root itself too: the caller decides about the root)
        if _is_link_block_or_caption(node, options, holders):
            doomed.append(node)
            removals.add(node)
    _remove_all(doomed)


_LINE_BREAK_TAGS = ("br", "hr")
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LINE_BREAK_IDS = _tag_ids(_LINE_BREAK_TAGS)
_CELL_IDS = _tag_ids(H.CELL_TAGS)
_A_ID = tag_id("a")
_BLOCK_IDS = _tag_ids(H.BLOCK_TAGS)
_HEADING_IDS = _tag_ids(sorted(_HEADING_TAGS))
#: Every element :func:`render` marks.
_RENDER_IDS = _LINE_BREAK_IDS | _CELL_IDS | {_A_ID} | _BLOCK_IDS | _HEADING_IDS

_LINK_MARKS = re.compile(f"([{_LINK_START}{_LINK_END}])")


def _link_share(piece: str, in_link: bool) -> tuple[float, bool]:
    """Share of ``piece``'s characters inside a link, and whether the piece ends inside one (a link
    can wrap several blocks, so the state carries over from piece to piece)."""
    linked = plain = 0
    for part in _LINK_MARKS.split(piece):
        if part == _LINK_START:
            in_link = True
        elif part == _LINK_END:
            in_link = False
        elif in_link:
            linked += len(part.strip())
        else:
            plain += len(part.strip())
    total = linked + plain
    return (linked / total if total else 0.0), in_link


def _mark(root: LexborNode) -> None:
    """Put the marker characters into ``root``: ``<br>`` and ``<hr>`` become a line break, a table cell
    is followed by a space, a link is wrapped in link marks, a block in line breaks, a heading gets
    the heading mark.

    One walk finds them all (by tag id: lexbor matches the ``:is()`` of 40 tags slower than the walk gives
    every element to Python); each element gets its markers in the order one pass per kind would give
    them (line breaks, cells, links, blocks, headings). Markers placed beside different elements do not
    depend on which was placed first, so the result is that of the passes one after the other.
    """
    for node in [node for node in root.traverse() if node.tag_id in _RENDER_IDS]:  # (all found before any change)
        tag = node.tag_id
        if tag in _LINE_BREAK_IDS:
            node.replace_with(_BREAK)
            continue
        if tag in _CELL_IDS:
            node.insert_after(" ")
        if tag == _A_ID:
            node.insert_before(_LINK_START)
            node.insert_after(_LINK_END)
        if tag in _BLOCK_IDS:
            node.insert_before(_BREAK)
            node.insert_after(_BREAK)
        if tag in _HEADING_IDS:
            node.insert_before(_HEADING)


def render(
    nodes: Sequence[LexborNode],
    options: HtmlOptions,
    *,
    drop_blocks: bool = True,
    lengths: _Lengths | None = None,
) -> tuple[list[str], int]:
    """Lines of text of ``nodes`` (one per paragraph, heading, list item or ``<br>``-separated line),
    and how many of them were directly followed by a dropped link line (the teaser pattern
    "headline link, summary, headline link, summary" of index pages). ``nodes`` do not nest; ``lengths``,
    when given, measured them as they are (rendering one changes nothing inside the others)."""
    pieces: list[str] = []
    for root in nodes:
        if drop_blocks:
            if _is_link_block_or_caption(root, options, lengths=lengths):
                continue  # an image, or a link list that won for want of anything better
            _drop_link_blocks(root, options)
        for pre in root.css("pre"):
            if pre.mem_id != root.mem_id:  # replacing the root would destroy it
                text = _text(pre)
                pre.replace_with(_BREAK + _BREAK.join(text.splitlines()) + _BREAK)
        _mark(root)
        text = _text(root)
        pieces.extend(text.split(_BREAK))  # the root's own boundaries are outside it: split anyway

    lines: list[str] = []
    dropped_after: list[bool] = []  # per kept line: was the next candidate line a dropped link line?
    in_link = False
    for piece in pieces:
        if not piece or piece.isspace():
            continue  # (no link mark in it: the link state stays; nothing to squeeze)
        linked = _LINK_START in piece or _LINK_END in piece
        if linked:
            share, in_link = _link_share(piece, in_link)
        else:  # all of it inside the link it continues, or none of it
            share = 1.0 if in_link and piece.strip() else 0.0
        piece = " ".join(piece.split())  # (_squeeze)
        if not piece or piece == _HEADING:
            continue
        if share >= options.max_line_link_density:
            if dropped_after:
                dropped_after[-1] = True
            continue
        if linked or _HEADING in piece:
            line = piece.replace(_LINK_START, "").replace(_LINK_END, "")
            heading = line.startswith(_HEADING)
            line = _squeeze(line.replace(_HEADING, ""))
        else:  # no marker to take out: the squeezed piece is the line (squeezing it again changes nothing)
            line, heading = piece, False
        if not line or line.lower().rstrip(".:!") in _LABEL_LINES:
            continue
        lines.append(("h" if heading else "p") + line)
        dropped_after.append(False)
    # A heading directly above dropped link lines titles a link list ("More stories", "Baca juga").
    kept = [ln[1:] for ln, gone in zip(lines, dropped_after, strict=True) if not (ln[0] == "h" and gone)]
    return kept, sum(dropped_after)


def markup_depth(root: LexborNode, limit: int) -> int:
    """Nesting depth below ``root``, estimated from a sample of elements (the last ones in document
    order, where unclosed tags pile up, and a spread of others); stops counting at ``limit``."""
    elements = root.css("*")
    if not elements:
        return 0
    step = max(1, len(elements) // 50)
    sample = list(elements[::step]) + list(elements[-10:])
    deepest = 0
    known: dict[int, int] = {}  # ancestors' depths (the sample's elements share most of their ancestors)
    for node in sample:
        walked: list[int] = []
        depth = 0
        parent = node.parent
        while parent is not None:
            above = known.get(parent.mem_id)
            if above is not None:
                depth += 1 + above
                break
            depth += 1
            if depth > limit:
                return limit + 1  # what counting stops at
            walked.append(parent.mem_id)
            parent = parent.parent
        if depth > limit:
            return limit + 1
        for i, key in enumerate(walked):  # the i-th ancestor walked through is i + 1 levels up
            known[key] = depth - i - 1
        deepest = max(deepest, depth)
    return deepest


#: How many levels :func:`_too_deep` asks lexbor about before it samples: deeper than real pages nest
#: (none of the 182 pages of the benchmarks reaches 31 levels), far shallower than broken markup piles up.
_DEPTH_PROBE = 32


@lru_cache(maxsize=8)
def _chain(levels: int) -> str:
    """A selector matching the elements with at least ``levels - 1`` element ancestors (``* > * > *``) that
    are, from 3 levels on, the first element child of their parent (``* > * > *:first-child``).

    It matches something below ``<body>`` exactly when an element there has ``levels - 1`` element
    ancestors: such an element has an ancestor-or-self with exactly ``levels - 1`` of them, whose parent's
    first element child has the same ancestors. (With 3 levels and more that child lies below ``<body>``,
    which has one element ancestor.) lexbor then walks up from about half the elements only.
    """
    return " > ".join(["*"] * levels) + (":first-child" if levels >= 3 else "")


def _too_deep(body: LexborNode, limit: int) -> bool:
    """``markup_depth(body, limit) > limit``, without sampling when no element nests that deep.

    An element's depth in :func:`markup_depth` is its number of ancestors: its element ancestors and the
    document. When no element below ``body`` has ``levels - 1`` element ancestors (one lexbor query, no
    Python objects for the ~600 elements of a page), every element, sampled or not, is at most
    ``levels - 1`` deep, so with ``levels <= limit + 1`` the sample cannot exceed ``limit``. Otherwise
    (deep pages, or a small ``limit``) the sample decides, as before.
    """
    levels = min(_DEPTH_PROBE, limit + 1)
    if levels >= 1 and body.css_first(_chain(levels)) is None:
        return False
    return markup_depth(body, limit) > limit


def _locate(tree: LexborHTMLParser, options: HtmlOptions) -> tuple[list[LexborNode], str, _Lengths | None]:
    """The body's elements, the strategy that found them, and the lengths read on the way (valid until the
    tree changes)."""
    body = tree.body
    if body is None:
        return [], "none", None
    if _too_deep(body, options.max_depth):
        return [body], "flat (deep markup)", None
    remove_boilerplate(tree, options)
    lengths = _Lengths()  # from here on the tree does not change until the body is rendered
    ranked, para_len = score_candidates(body, options, lengths)
    density_nodes: list[LexborNode] = []
    if ranked and ranked[0].score > 0:
        scores = {c.node.mem_id: c.score for c in ranked}
        top = ranked[0]
        grown = _expand_up(top.node, para_len, options, lengths)
        if grown.mem_id != top.node.mem_id:
            top = _Candidate(grown, max(top.score, scores.get(grown.mem_id, 0.0)))
        density_nodes = _with_siblings(top, scores, options, lengths)
    density_len = sum(lengths.text(n) for n in density_nodes)

    markup = _markup_body(body, lengths)
    if markup is not None:
        name, node = markup
        length = lengths.text(node)
        if length >= max(1, options.markup_min_share * density_len):
            return [node], name, lengths
    if density_nodes:
        return density_nodes, "density", lengths
    return [], "none", lengths


def extract_body(
    html: str,
    options: HtmlOptions = DEFAULT_OPTIONS,
    *,
    tree: LexborHTMLParser | None = None,
    source: bytes | None = None,
) -> BodyResult:
    """Locate and render the body of one page given as text (already decoded).

    ``tree``, when given, is ``html`` already parsed (it is modified); the text is still needed for
    the relaxed retry, which parses it again. ``source``, when given, is ``html`` encoded as UTF-8
    (the parser reads it faster than the text).
    """
    # (Every marker's UTF-8 form begins with these two bytes: a page given as bytes without them holds none,
    # and a search of the bytes for them is cheaper than four searches of the text.)
    if source is None or _MARKER_UTF8_LEAD in source:
        for marker in _MARKERS:
            if marker in html:
                html = html.replace(marker, "")
                tree = None  # parsed with the marker characters in it
                source = None
    if tree is None:
        tree = LexborHTMLParser(html if source is None else source)
    remove_junk(tree)
    nodes, found_by, lengths = _locate(tree, options)
    flat = found_by.startswith("flat")
    lines, alternations = render(nodes, options, drop_blocks=not flat, lengths=lengths) if nodes else ([], 0)
    if alternations >= max(options.listing_min_lines, options.listing_share * len(lines)):
        return BodyResult((), "none (link list)")
    if not flat and options.remove_by_tokens and sum(map(len, lines)) < options.min_body_chars:
        # Too little text: a class name may have misled the removal. Retry without it (as Readability
        # retries with its flags off) and keep the longer result.
        relaxed = extract_body(html, replace(options, remove_by_tokens=False), source=source)
        if sum(map(len, relaxed.lines)) > sum(map(len, lines)):
            return BodyResult(relaxed.lines, relaxed.found_by + " (relaxed)")
    return BodyResult(tuple(lines), found_by if lines else "none")
