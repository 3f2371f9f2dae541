"""Positional boilerplate: what gives a line away is where it stands and what stands around it.

**Headline echoes** (:class:`HeadlineEchoes`): pages print the headline again near the top -- after a section
label, above a gallery, or glued to its deck. Among the first :data:`HEAD_WINDOW` kept lines, a headline-like
line (a capital first, several words, no sentence punctuation at the end, not a piece of a sentence cut at a
link) that repeats the headline, compared without case, spaces and punctuation, goes; the first occurrence
stays. The headline is the document's ``title`` when it has one, else one of its first two kept lines; a line
that the headline's line starts with counts as a repeat too (the headline glued to its deck above it). A title
that opens with a section label and a bar ("Opinion |Will the Court ...?") is compared without the label, a line
that closes with the site's name ("<headline> - City Gazette") without the name, and
an echo may end in a question or exclamation mark (a headline asking). The ``echo`` rules of the catalog only
compare with the very first line.

**Headline lists at the end** (:class:`TailHeadlines`): pages print the headlines of other stories after the last
paragraph, often without a label ("Berita Terkait", "More stories") that a rule would know. At least
:data:`MIN_TAIL_HEADLINES` headline-like lines of :data:`MIN_TAIL_WORDS` words or more in a row end the page, after
at least :data:`MIN_BODY_SENTENCES` paragraphs that end like sentences, and the paragraph before them does not
introduce a list (no colon at its end): they go (rule ``positional.tail_headlines``).

**Headline lists between paragraphs** (the same step, rule ``positional.mid_headlines``): :data:`MIN_MID_HEADLINES` to
:data:`MAX_MID_HEADLINES` headline-like lines in a row between two paragraphs of prose (each at least
:data:`MIN_PROSE_CHARS` characters and ending like a sentence, the one after starting like one, the one before not
announcing a list), not ending in a function word, at least one of them plain (:data:`MIN_TAIL_WORDS` words or more, no
colon, no question: the others may be shorter, ask, or open with a kicker and a colon, "ASUU: Lecturers threaten ...").
The run must read as other stories: every line in title case (words of four letters or more capitalized), or, in
sentence case, words the rest of the text does not use (:data:`MAX_RUN_OVERLAP`, :data:`MAX_LINE_OVERLAP`) and none of
them twice in the run. On the three dev corpora the rule with neither test took 14 content lines (a summary's points,
pieces of sentences cut at links, a song) and no boilerplate; with them, none.

The headline printed at the start of one of the first lines, glued to the lead that follows ("Waspada! Ini Bahaya
Makan Ikan LeleHal ini ..."), is cut from it (rule ``positional.echo.glued``) when the start is the title itself in
its own case and what follows starts a sentence.

It looks only at kept lines, so cleaning the output again finds nothing more to remove.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .document import Change, Document

__all__ = ["HEAD_WINDOW", "HeadlineEchoes", "TailHeadlines", "rechecked"]

#: How many kept lines from the top count as the head of a page.
HEAD_WINDOW = 10
#: Shortest echo (characters and words): a short label may repeat without being a headline.
MIN_ECHO_CHARS = 20
MIN_ECHO_WORDS = 4
#: Longest line that may be a headline (with some room for spaces around it).
MAX_ECHO_CHARS = 200
#: Without a title in the metadata, the headline is one of this many first kept lines.
HEAD_LINES = 2
#: Languages whose pages' first printing of the title goes too (rule ``positional.echo.title``).
TITLE_LINE_LANGS = frozenset({"id"})

_NORM_RE = re.compile(r"[\W_]+")


def _norm(line: str) -> str:
    return _NORM_RE.sub("", line.lower())


def rechecked(once: Callable[[], list[Change]], recheck: Sequence[Any], lines: list[str | None], doc: Document
              ) -> list[Change]:
    """The changes of a step's ``once()``; when it made some, the ``recheck`` steps run on what is left (a rule may
    now reach a line: the new last line, two repeats that now close the page), then ``once`` again, until neither
    changes anything, so that cleaning the output again changes nothing."""
    changes = once()
    if not changes or not recheck:
        return changes
    out = list(changes)
    while changes:
        # (once() runs again even when the steps changed nothing: their language verdict, which selects the rules a
        # step applies, may have moved with what once() removed.)
        out.extend(c for step in recheck for c in step.run(lines, doc))
        changes = once()
        out.extend(changes)
    return out


@dataclass(frozen=True)
class HeadlineEchoes:
    """Drop repeats of a head line among the first :data:`HEAD_WINDOW` kept lines (rule ``positional.echo``).
    ``recheck``: steps run again on what is left after an echo went (the rules: a line that was not last may
    now close a pair of repeated lines at the end), then the echoes again, until nothing more goes, so that
    cleaning the output again changes nothing."""

    name: str = "echoes"
    recheck: tuple[Any, ...] = ()

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        return rechecked(lambda: self._once(lines, doc), self.recheck, lines, doc)

    def _once(self, lines: list[str | None], doc: Document) -> list[Change]:
        alive = []
        for i, line in enumerate(lines):
            if line and line.strip():
                alive.append(i)
                if len(alive) == HEAD_WINDOW:
                    break
        glued = _glued_title(lines, doc, alive[:HEAD_LINES], self.name)
        if glued is not None:
            return [glued]
        if len(alive) < 2:
            return []
        labels = _head_labels(lines, alive, doc, self.name)
        if labels:
            return labels
        title: str | None = None
        heads: list[str] = []
        unlabelled = ""
        changes = []
        first_seen = False
        for n, i in enumerate(alive):
            line = lines[i]
            assert line is not None
            # A headline line may close with the site's name: the headline is what comes before it.
            core = _without_site(line)
            if not MIN_ECHO_CHARS <= len(core) <= MAX_ECHO_CHARS:
                continue
            # Whether it is the title's first printing (asked once: the tests below and the rule's choice use it).
            titled = not first_seen and _is_title(core, doc)
            # (The title itself needs no headline's shape: "[HOAKS] ...", "... 1,2 Persen, ... Rp1,3 ...".)
            if not titled and not _headline_like(core, min_words=MIN_ECHO_WORDS, asking=True):
                continue  # not a headline: not worth normalizing
            key = _norm(line)
            if title is None:  # normalized once a line may be an echo (most pages have none)
                raw_title = doc.title[:MAX_ECHO_CHARS * 2] if isinstance(doc.title, str) else ""
                title = _norm(raw_title)
                label = _TITLE_LABEL_RE.match(raw_title)
                unlabelled = _norm(raw_title[label.end():]) if label else ""
                # A head line may hold the headline and its deck: its start is what an echo can repeat.
                heads = [_norm((lines[j] or "")[:MAX_ECHO_CHARS + 60]) for j in alive[:HEAD_LINES]]
            if title:
                repeat = (key == title or title.startswith(key) and len(key) >= 0.8 * len(title)
                          or bool(unlabelled) and key == unlabelled
                          or core != line and _norm(core) == title
                          or titled)
            else:
                repeat = any(h == key or h.startswith(key) for h in heads[:n])
            if not repeat or not key:
                continue
            # The title above it as a line of its own ("Opinion |Will ...", no headline by its shape) was the
            # first occurrence.
            if title and not first_seen and not any(h.startswith(key) or h == title for h in heads[:n]):
                first_seen = True
                # The headline's first occurrence in the text stays, but in Indonesian pages: there the title printed
                # at the top is furniture (GUIDELINES.md §8.4; the title is the document's metadata), English keeps it.
                # (Above the body only: the title's words printed after a sentence are a subheading of the text.)
                # (A placeholder's ellipsis, "Cari berita...", ends no sentence.)
                ends = [(lines[j] or "").rstrip() for j in alive[:n]]
                below_sentence = any(e.endswith(_BODY_END) and not e.endswith(("..", "…")) for e in ends)
                if not (titled and not below_sentence and self._lang(lines, doc) in TITLE_LINE_LANGS):
                    continue
                rule = "positional.echo.title"
            else:
                rule = "positional.echo"
            nxt = lines[alive[n + 1]] if n + 1 < len(alive) else None
            # Only a headline echoes (checked above): a lead paragraph printed twice is a scraper's duplicate;
            # and a piece of a sentence cut at a link may repeat the title's words.
            if nxt is not None and (nxt.lstrip()[:1].islower() or nxt.lstrip()[:1] in ",.;:)"):
                continue
            if nxt is None and rule == "positional.echo.title":
                continue  # the title and nothing after it in the head: not a page's furniture
            changes.append(Change("drop_line", self.name, rule, i, 0, len(line), line, ""))
            lines[i] = None
        return changes

    def _lang(self, lines: list[str | None], doc: Document) -> str | None:
        """The rule step's language verdict for ``doc`` (it runs before this step), else none."""
        rules: Any = self.recheck[0] if self.recheck else None
        return rules.verdict(doc, lines) if hasattr(rules, "verdict") else None  # type: ignore[no-any-return]


#: A head label is a line of at most this many words and characters above the first paragraph: a section or region
#: label ("Nation", "KALBAR", "PILKADA 2024"), the site's name, a bare author name, a date, a control ("Menu", "Cari").
MAX_LABEL_WORDS = 3
MAX_LABEL_CHARS = 40
#: ... or of one word more when the title is known (a four-word headline is not rare: without the title, it might be
#: the page's own).
MAX_LABEL_WORDS_TITLED = 4
#: The body starts at the first paragraph of prose (:data:`MIN_PROSE_CHARS`, ending like a sentence) or the first line
#: of this many words (a lead paragraph that lost its full stop).
MIN_BODY_WORDS = 15
_LABEL_END = tuple(".!?,;:")
#: A clock time alone may head a live blog's first entry (the article's own text): the time rules decide it.
_CLOCK_RE = re.compile(r"\d{1,2}[:.]\d{2}\b")
_BYLINE_WORDS = frozenset(("by", "oleh", "from", "dari"))
#: The article's own short headings ask or speak ("What we're covering", "How it happened", "Apa kata mereka"): a
#: question word first, or a contraction.
_OWN_HEADING_RE = re.compile(r"(?i:what|how|why|when|where|who|which|apa|bagaimana|mengapa|kenapa|kapan|siapa|"
                             r"di\s+mana|key\s+(?:takeaways|points|facts)|at\s+a\s+glance|in\s+brief|the\s+bottom\s+line|"
                             r"poin\s+(?:penting|utama)|sekilas|ringkasan)\b|.*\w['’](?:re|s|ve|ll|d|t)\b")


def _is_title(line: str, doc: Document) -> bool:
    """Whether ``line`` is the document's title as printed, in its own case or in capitals (spaces, dashes and
    punctuation aside; a word more, less or changed in a title of :data:`MIN_NEAR_TITLE_WORDS` or more, as a page
    edits its headline after the metadata was written): a lead sentence that restates the title ("TRIBUNKALTIM.CO -
    Nama ayah Lily, bayi ... hewan kurban.") is in sentence case.

    >>> doc = Document("", metadata={"title": "Krisis Air Bersih, Warga Kupang Terpaksa Beli Air Tangki"})
    >>> _is_title("KRISIS AIR BERSIH, WARGA KUPANG TERPAKSA BELI AIR TANGKI", doc)
    True
    >>> _is_title("Krisis Air Bersih, Warga Kupang Beli Air Tangki", doc)
    True
    >>> _is_title("Krisis air bersih, warga Kupang terpaksa beli air tangki.", doc)
    False
    """
    title = doc.title
    if not isinstance(title, str) or abs(len(title) - len(line)) > MAX_NEAR_TITLE_CHARS:
        return False
    if " ".join(line.split()) == " ".join(title.split()) != "":
        return True  # (most titles are printed as they are: no words to compare)
    title_words = _title_words(title, line.isupper() and not title.isupper())
    if not title_words or abs(line.count(" ") - len(title_words) + 1) > 4:
        return False  # (a cheap count first: most lines compared are no title at all)
    words = _WORD_RE.findall(line)
    if abs(len(words) - len(title_words)) > 1:
        return False
    if words == list(title_words):
        return True
    return len(title_words) >= MIN_NEAR_TITLE_WORDS and _one_word_apart(words, list(title_words))


#: A title of at least this many words may be printed with a word more, less or changed (a shorter one must match).
MIN_NEAR_TITLE_WORDS = 6
#: ... and the line's length within this many characters of the title's.
MAX_NEAR_TITLE_CHARS = 30
_WORD_RE = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1024)
def _title_words(title: str, upper: bool) -> tuple[str, ...]:
    return tuple(w.upper() if upper else w for w in _WORD_RE.findall(title))


def _one_word_apart(a: list[str], b: list[str]) -> bool:
    """Whether ``a`` becomes ``b`` by inserting, deleting or replacing one word."""
    if len(a) < len(b):
        a, b = b, a
    k = 0
    while k < len(b) and a[k] == b[k]:
        k += 1
    return a[k + 1:] == b[k + (len(a) == len(b)):]


def _dateline_cut(lines: list[str | None], i: int, doc: Document) -> bool:
    """Whether line ``i`` lost its start to an earlier step (a dateline or outlet prefix the rules cut)."""
    now = lines[i] or ""
    text = doc.text
    if not isinstance(text, str) or not now:
        return False
    was = (text.split("\n", i + 1)[i] if text.count("\n") >= i else "").rstrip()
    now = now.rstrip()
    # (What went must hold a letter or a digit: a space or an invisible character a text cleaner took is no dateline.)
    return len(was) > len(now) and was.endswith(now) and any(c.isalnum() for c in was[:len(was) - len(now)])


def _sentence_piece(s: str) -> bool:
    """Whether a line goes on a sentence: it starts with a lower-case word that is no byline's ("by", "oleh"), or with
    a punctuation mark that continues one."""
    first = s[:1]
    return first in ",;:.)" or first.islower() and s.split(None, 1)[0].lower() not in _BYLINE_WORDS


def _head_labels(lines: list[str | None], alive: list[int], doc: Document, cleaner: str) -> list[Change]:
    """Short label lines above the first paragraph, around the headline (rule ``positional.head_label``): only when
    the head holds the headline as well (the title, or without a title a line of :data:`MIN_ECHO_WORDS` words or
    more that is no label) or a dateline cut from the body's first line, and the body starts within the first
    :data:`HEAD_WINDOW` kept lines. (A head with neither is often the lead sentence cut at its links: "Anggota DPRD" /
    "Banten" / "Fraksi PKS, ...".)"""
    zone: list[int] = []
    for i in alive:
        s = (lines[i] or "").strip()
        if _sentence_piece(s) or s.endswith(":"):
            # A lead paragraph cut at its links (its short lines are the sentence's: link texts, names), or a list
            # the text introduces (its short lines are the items).
            return []
        if _prose(s) or len(s.split()) >= MIN_BODY_WORDS:
            body = i
            break
        zone.append(i)
    else:
        return []  # no paragraph within the head window: a list, a table, a page this rule does not know
    if not zone:
        return []
    title = _norm(doc.title) if isinstance(doc.title, str) else ""
    limit = MAX_LABEL_WORDS_TITLED if title else MAX_LABEL_WORDS
    labels: list[int] = []
    headline = False
    for i in zone:
        s = (lines[i] or "").strip()
        words = len(s.split())
        key = _norm(s)
        if title and key and (title.startswith(key) and len(key) >= 0.5 * len(title) or key.startswith(title)):
            headline = True
        elif words <= limit and len(s) <= MAX_LABEL_CHARS and key and not s.endswith(_LABEL_END) \
                and ":" not in s and not _CLOCK_RE.match(s) and not _OWN_HEADING_RE.match(s):
            # (No "Tebal: 379 halaman", a fact box's line; no "What we're covering", a live blog's heading.)
            labels.append(i)
        elif not title and _headline_like(s, min_words=MIN_ECHO_WORDS, asking=True):
            headline = True
        elif title and _menu_line(s, doc.title):  # type: ignore[arg-type]
            labels.append(i)
    # Without the headline, a dateline the rules cut from the body's first line shows where the body starts as well
    # (the lines above it are not pieces of its first sentence).
    if not (labels and (headline or _dateline_cut(lines, body, doc))):
        return []
    changes = []
    for i in labels:
        line = lines[i]
        assert line is not None
        changes.append(Change("drop_line", cleaner, "positional.head_label", i, 0, len(line), line, ""))
        lines[i] = None
    return changes


#: A site's menu above the body: this many items or more ("Beranda Samarinda Balikpapan Kukar Politik", "News Sport
#: What's On Property Jobs"), each capitalized, and at most one word of four letters or more shared with the title.
MIN_MENU_ITEMS = 4
MAX_MENU_ITEMS = 16
_MENU_SEPARATORS = frozenset("|·•/-–—&»›>")


def _menu_line(line: str, title: str) -> bool:
    """Whether ``line`` reads as a site's menu: capitalized items and separators, no digit, comma, sentence end or
    colon, and not the title's words (a headline printed in title case shares most of them).

    >>> _menu_line("News Sport What's On Property Jobs Announcements", "Bus route cut leaves villages stranded")
    True
    >>> _menu_line("Bus Route Cut Leaves Villages Stranded", "Bus route cut leaves villages stranded")
    False
    >>> _menu_line("Warga Desa Sukamaju Menolak", "Banjir rendam desa")
    True
    """
    items = [w for w in line.split() if w not in _MENU_SEPARATORS]
    if not MIN_MENU_ITEMS <= len(items) <= MAX_MENU_ITEMS or line.rstrip().endswith(_LABEL_END) or ":" in line:
        return False
    if any(c.isdigit() or c == "," for c in line) or not all(w[0].isupper() for w in items):
        return False
    title_words = {w.lower() for w in _title_words(title, False) if len(w) >= 4}
    return len({w.lower() for w in _WORD_RE.findall(line) if len(w) >= 4} & title_words) <= 1


#: Characters between a glued headline and the text after it ("<title> - ", "<title>: ", none at all).
_AFTER_TITLE = frozenset(" \t-–—:|•·")
_STARTS_SENTENCE_RE = re.compile(r"[\"“‘'(]?[A-Z0-9]")


def _glued_title(lines: list[str | None], doc: Document, heads: list[int], cleaner: str) -> Change | None:
    """The headline printed at the start of one of the first lines and glued to the text that follows ("Waspada! Ini
    Bahaya Makan Ikan LeleHal ini ..."): a cut of the headline (rule ``positional.echo.glued``), or None. The start
    must be the title itself, letters and digits in the title's case (a lead sentence that opens with the title's
    words in sentence case is the article's), and what follows must start a sentence."""
    title = doc.title if isinstance(doc.title, str) else ""
    t = _NORM_RE.sub("", title)
    if len(t) < MIN_ECHO_CHARS or len(title.split()) < MIN_ECHO_WORDS:
        return None
    for i in heads:
        line = lines[i]
        assert line is not None
        if len(line) < len(title) + MIN_ECHO_CHARS or _NORM_RE.sub("", line[:len(title) + 40])[:len(t)] != t:
            continue
        # Where the title ends in the raw line: after as many letters and digits as the title has.
        seen = 0
        end = 0
        while seen < len(t):
            if line[end].isalnum() and line[end] != "_":
                seen += 1
            end += 1
        # Then the separators, and a mark that closes a word of the title before a space ("Lele? ", "Waspada! ").
        while end < len(line) and (line[end] in _AFTER_TITLE or line[end] in "?!." and line[end - 1] not in " \t"
                                   and line[end + 1:end + 2] in (" ", "\t")):
            end += 1
        rest = line[end:]
        if len(rest) < MIN_ECHO_CHARS or _STARTS_SENTENCE_RE.match(rest) is None:
            continue
        lines[i] = rest
        return Change("replace", cleaner, "positional.echo.glued", i, 0, end, line[:end], "")
    return None


_SENTENCE_END = tuple('.!?:;,"”’')
#: A site's name after a dash or a bar closing a headline line: " - City Gazette", " | Example News".
_SITE_SUFFIX_RE = re.compile(r"[ \t]+[|–—-][ \t]+[A-Z][\w.&'’-]*(?:[ \t]+[\w.&'’-]+){0,3}[ \t]*$")
#: A section label and a bar opening a page title: "Opinion |", "World News | ".
_TITLE_LABEL_RE = re.compile(r"[A-Z][\w&'’-]*(?:[ \t]+[\w&'’-]+){0,2}[ \t]*\|[ \t]*")
_QUOTES = frozenset('"“”')


def _without_site(line: str) -> str:
    """``_SITE_SUFFIX_RE.sub("", line)``, without the regex for a line that has none of the pairs (a
    space or tab, then a bar or dash) every match of it starts with: most lines.

    >>> _without_site("Harga Cabai Naik Lagi - Example News"), _without_site("Harga cabai-rawit naik")
    ('Harga Cabai Naik Lagi', 'Harga cabai-rawit naik')
    """
    if "|" not in line and "–" not in line and "—" not in line and " -" not in line and "\t-" not in line:
        return line
    return _SITE_SUFFIX_RE.sub("", line)
#: A headline: a capital or digit first, 16 to 160 characters, no sentence punctuation at the end.
_HEADLINE_RE = re.compile(r"[\"'‘“]?[A-Z0-9][^\n]{15,158}")
_LIST_ITEM_RE = re.compile(r"(?:\d{1,3}[.)]|[A-Za-z][.)]|[-–—•*·▪►])\s")


_NOT_LETTER_RE = re.compile(r"[^\W\d_]")
_DIGITS_RE = re.compile(r"\d+")
_COLUMNS_RE = re.compile(r"\s[|–—-]\s|\s\|")


def _headline_like(line: str, *, min_words: int = 5, asking: bool = False, max_numbers: int = 1) -> bool:
    """A headline: a capital first, words (not a table row of numbers and columns), no sentence end
    (with ``asking``, a question or exclamation mark may end it)."""
    s = line.strip()
    if not _HEADLINE_RE.fullmatch(s) or _LIST_ITEM_RE.match(s):
        return False
    asks = asking and s.endswith(("?", "!")) and not s.endswith(("??", "!!", "?!", "!?"))
    if s.endswith(_SENTENCE_END) and not asks:
        return False
    if not _QUOTES.isdisjoint(s[1:-1]) and s.count(" ") > 12:
        return False
    words = s.split()
    if not min_words <= len(words) <= 25:
        return False
    if _COLUMNS_RE.search(s) or len(_DIGITS_RE.findall(s)) > max_numbers:
        return False
    if len(_INNER_SENTENCE_END_RE.findall(s)) >= 2:
        return False  # two sentences and more: a paragraph that lost its last full stop, or ends with a prompt
    chars = len(s) - s.count(" ")
    return len(_NOT_LETTER_RE.findall(s)) >= 0.85 * chars


#: A sentence's end inside a line: punctuation after a word of two lower-case letters, then a capital ("Mr." or "U.S."
#: before a name are not).
_INNER_SENTENCE_END_RE = re.compile(r"[a-z]{2}[.!?][\"”’]?\s+[A-Z]")
#: A run of at least this many headline-like lines ends the page ...
MIN_TAIL_HEADLINES = 2
#: ... each of at least this many words (a list's items are shorter: "Pantai Kuta, Bali") ...
MIN_TAIL_WORDS = 6
#: ... after at least this many paragraphs that end like sentences (the article).
MIN_BODY_SENTENCES = 2
_BODY_END = (".", "!", "?", '"', "”", "’", ".)")
#: A paragraph that announces a list in words ("... antara lain sebagai berikut.", "... include the following.")
#: introduces the lines after it as much as a colon does.
_LIST_INTRO_RE = re.compile(r"\b(?:(?:sebagai\s+)?berikut(?:\s+ini)?|antara\s+lain|di\s+antaranya|yaitu|yakni|"
                            r"the\s+following|as\s+follows|(?:include|including|are|were)\s*:?)\s*[.:]?\s*$",
                            re.IGNORECASE)


#: Headlines of other stories printed between two paragraphs, without a label: a run of at least this many
#: headline-like lines (of :data:`MIN_TAIL_WORDS` words or more) ...
MIN_MID_HEADLINES = 2
#: ... and at most this many (a longer run of title-case lines is more likely a list of the story's own) ...
MAX_MID_HEADLINES = 8
#: ... with a paragraph of prose on both sides: this many characters or more, ending like a sentence, the one after it
#: starting like one (a piece of a sentence cut at a link starts in lower case).
MIN_PROSE_CHARS = 60
#: Last words of a piece of a sentence cut at a link, never of a headline ("... kata Menteri yang", "... the head of"; a
#: title-case headline may end in "On" or "In").
_OPEN_END_RE = re.compile(r"(?:\s|^)(?:dan|yang|di|ke|dari|untuk|dengan|pada|oleh|bahwa|atau|serta|karena|ini|itu|"
                          r"the|a|an|of|to|in|for|and|with|by|on|at|from|that|as|or|is|are|was|were)$")


def _prose(line: str | None) -> bool:
    s = (line or "").strip()
    return len(s) >= MIN_PROSE_CHARS and s.endswith(_BODY_END)


#: A headline's kicker before a colon: up to four words, the headline after it ("ASUU: Lecturers threaten ...").
_KICKER_RE = re.compile(r"[^\s:]+(?:[ \t]+[^\s:]+){0,3}:[ \t]+[\"“‘'\w]")


_LONG_WORD_RE = re.compile(r"[^\W\d_][\w'’-]{3,}")
#: Words a title-case headline may leave in lower case.
_TITLE_LOWER = frozenset("with from into over than that upon onto about after under amid also "
                         "yang dari untuk dengan pada akan bagi oleh saat atau serta dalam usai jadi".split())


def _title_case(line: str) -> bool:
    """Whether a line is in title case: its words of four letters or more after the first all start with a capital
    (a list of headlines between paragraphs is; a summary's points, a song's lines and a sentence cut at a link are
    not).

    >>> _title_case("Pemko Siapkan 20 Titik Pasar Murah Selama Ramadan"), _title_case("Kasus ini mencuat lagi")
    (True, False)
    """
    words = [w for w in _LONG_WORD_RE.findall(line)[1:] if w.lower() not in _TITLE_LOWER]
    return len(words) >= 2 and all(w[0].isupper() for w in words)


#: A run of headlines not all in title case goes only when every line has at most this many words (and asks nothing) ...
MAX_SENTENCE_CASE_WORDS = 14
#: ... and its words are not the article's: at most this share of a
#: line's words of four letters or more occurs in the rest of the text and the title, on average over the run ...
MAX_RUN_OVERLAP = 0.25
#: ... and in every line of it (the headlines of other stories share few words with the story; a summary's points,
#: a subheading and a sentence cut at its links share many), and no such word occurs in two lines of the run (a song's
#: or a poem's lines repeat theirs).
MAX_LINE_OVERLAP = 0.4
_WORD4_RE = re.compile(r"[^\W\d_]{4,}")


def _other_stories(lines: list[str | None], alive: list[int], k: int, e: int, doc: Document) -> bool:
    """Whether the run ``alive[k:e]`` reads as other stories' headlines: all in title case, or words the rest of the
    text does not use (:data:`MAX_RUN_OVERLAP`, :data:`MAX_LINE_OVERLAP`)."""
    run = [lines[i] or "" for i in alive[k:e]]
    if all(_title_case(s) for s in run):
        return True
    # In sentence case, only short plain headlines: a paragraph that lost its full stop is longer, and a question
    # among them is as likely the article's.
    if any(len(s.split()) > MAX_SENTENCE_CASE_WORDS or s.rstrip().endswith(("?", "!")) for s in run):
        return False
    rest = [lines[i] or "" for i in alive[:k] + alive[e:]]
    if isinstance(doc.title, str):
        rest.append(doc.title)
    seen = {w.lower() for s in rest for w in _WORD4_RE.findall(s)}
    shares = []
    in_run: set[str] = set()
    for s in run:
        words = {w.lower() for w in _WORD4_RE.findall(s)}
        if words & in_run:  # a word again in the run: a song's or a poem's lines, points of one summary
            return False
        in_run |= words
        shares.append(sum(w in seen for w in words) / max(1, len(words)))
    return max(shares) <= MAX_LINE_OVERLAP and sum(shares) <= MAX_RUN_OVERLAP * len(shares)


#: A listed headline may ask (and a line closed by a bracket is a table row or a credit).
_NOT_LISTED_END = tuple(c for c in _SENTENCE_END if c not in "?!") + (")",)


_VERDICT_RE = re.compile(r"\[[A-Z][A-Z ]{1,14}\][ \t]*")


def _listed_headline(line: str) -> int:
    """Whether a line may be one of a list of other stories' headlines between paragraphs: 2 for a plain one of
    :data:`MIN_TAIL_WORDS` words or more, 1 for a shorter one (:data:`MIN_ECHO_WORDS` words or more) or one with a
    kicker and a colon (a run needs a plain one too: "Lokasi: ..." and "Waktu: ..." are an info box), 0 for none."""
    s = line.rstrip()
    label = _VERDICT_RE.match(s) if s[:1] == "[" else None
    if label:  # a fact-check's verdict in brackets before the headline ("[HOAKS] ...", "[SALAH] ...")
        s = s[label.end():]
    # (_HEADLINE_RE's length bounds and the last character first: most lines are paragraphs ending like sentences.)
    if not 16 <= len(s) <= 160 or s.endswith(_NOT_LISTED_END) or _OPEN_END_RE.search(s) or s.count(":") > 1 \
            or not _headline_like(s, min_words=MIN_ECHO_WORDS, max_numbers=2, asking=True):
        return 0
    if ":" in s:
        return 1 if _KICKER_RE.match(s) else 0
    return 2 if len(s.split()) >= MIN_TAIL_WORDS and not s.endswith(("?", "!")) else 1


#: A listed headline whose words of four letters or more are at least this share of the paragraph right after it
#: introduces that paragraph (a second story's headline, a subheading), and is not another story's.
MIN_INTRO_SHARE = 0.5


def listed_headlines_after(lines: Sequence[str | None], j: int, limit: int) -> list[int]:
    """The indexes of the lines from ``j`` on that go on a related list whose header and first headline went (a block
    rule's ``list_follow``): up to ``limit`` lines that each read as a listed headline, empty or dropped lines between
    them skipped; the last is left when it introduces the line after it (:data:`MIN_INTRO_SHARE`).

    >>> lines = ["Hospital strike talks collapse", "Rail fares to rise in March", "Ferry Operator Fined Over Delays",
    ...          "Economists have questioned the production target, noting that output averaged 1.55 million."]
    >>> listed_headlines_after(lines, 0, 6)
    [0, 1, 2]
    >>> listed_headlines_after(["Port strike ends after pay deal", "Fuel Production Target Questioned By Economists",
    ...                          "Economists have questioned the production target, noting that output fell."], 0, 6)
    [0]
    """
    run: list[int] = []
    after: str | None = None
    while j < len(lines):
        line = lines[j]
        if line is not None and line.strip():
            if len(run) == limit or not _listed_headline(line):
                after = line
                break
            run.append(j)
        j += 1
    if run and after is not None:
        words = {w.lower() for w in _WORD4_RE.findall(lines[run[-1]] or "")}
        following = {w.lower() for w in _WORD4_RE.findall(after or "")}
        if words and len(words & following) >= MIN_INTRO_SHARE * len(words):
            run.pop()
    return run


@dataclass(frozen=True)
class TailHeadlines:
    """Drop a list of headlines that ends the page (see the module; rule ``positional.tail_headlines``), or that stands
    between two paragraphs (rule ``positional.mid_headlines``).
    ``recheck``: steps run again after the list went (the rules: a tail rule now reaches the new last lines), then
    this step again, until nothing more goes."""

    name: str = "tail_headlines"
    recheck: tuple[Any, ...] = ()

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        return rechecked(lambda: self._once(lines, doc), self.recheck, lines, doc)

    def _once(self, lines: list[str | None], doc: Document) -> list[Change]:
        alive = [i for i, line in enumerate(lines) if line and line.strip()]
        run: list[int] = []
        for i in reversed(alive):
            line = lines[i]
            assert line is not None
            s = line.rstrip()
            # A question or an exclamation, a "label: value" line, a bracket at the end (a table row, a credit) are
            # how content ends a page as well: only plain headlines count.
            if s.endswith(")") or ":" in s or not _headline_like(s, min_words=MIN_TAIL_WORDS):
                break
            run.append(i)
        if len(run) < MIN_TAIL_HEADLINES:
            return self._middle(lines, alive, doc)
        body = alive[:len(alive) - len(run)]
        before = (lines[body[-1]] or "").rstrip() if body else ""
        if not body or before.endswith(":") or _LIST_INTRO_RE.search(before):
            return []  # nothing before, or a paragraph that introduces the lines as a list
        sentences = sum(1 for i in body if (lines[i] or "").rstrip().endswith(_BODY_END))
        if sentences < MIN_BODY_SENTENCES:
            return []
        changes = []
        for i in sorted(run):
            line = lines[i]
            assert line is not None
            changes.append(Change("drop_line", self.name, "positional.tail_headlines", i, 0, len(line), line, ""))
            lines[i] = None
        return changes

    def _middle(self, lines: list[str | None], alive: list[int], doc: Document) -> list[Change]:
        """Runs of headlines between two paragraphs of prose (rule ``positional.mid_headlines``)."""
        changes: list[Change] = []
        n = len(alive)
        kinds = [_listed_headline(lines[i] or "") for i in alive]
        k = 1
        while k < n - 1:
            if not kinds[k]:
                k += 1
                continue
            e = k
            while e < n and kinds[e]:
                e += 1
            plain = kinds[k:e].count(2)
            before, after = lines[alive[k - 1]], lines[alive[e]] if e < n else None
            if MIN_MID_HEADLINES <= e - k <= MAX_MID_HEADLINES and plain and _prose(before) and _prose(after) \
                    and not (before or "").rstrip().endswith(":") and not _LIST_INTRO_RE.search(before or "") \
                    and _STARTS_SENTENCE_RE.match((after or "").lstrip()) \
                    and _other_stories(lines, alive, k, e, doc):
                for i in alive[k:e]:
                    line = lines[i]
                    assert line is not None
                    changes.append(Change("drop_line", self.name, "positional.mid_headlines", i, 0, len(line), line,
                                          ""))
                    lines[i] = None
            k = e + 1
        return changes
