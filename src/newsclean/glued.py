"""Promos glued to the end of a paragraph: the same kinds the catalog removes as lines of their own, when a
scraper joined them to the sentence before.

**Glued promos** (:class:`GluedPromos`): a newsroom's "Ikuti berita terkini di Google News.", "Sign up for our
newsletter.", "(Penulis: X | Editor: Y)" or "ADVERTISEMENT" often ends up glued after the last sentence of a
paragraph ("... kembali normal.Ikuti berita ..."). The catalog's line rules know these kinds, but only as whole
lines. This step takes a paragraph's last sentence -- the text after its last sentence end (a ``.``, ``!``, ``?``,
an ellipsis or a closing quote or bracket, then a capital, a digit, a quote or a bracket) -- and cuts it when one
of the line rules named in :data:`GLUED_FAMILIES` matches it whole, then looks at the new last sentence, and so
on. Each cut is a ``replace`` change whose rule is the line rule's id with ``.glued`` added.

Only the last sentence is ever tried, never a longer tail: a content sentence followed by a promo is cut after
the content, not with it. Which rules count is named data (:data:`GLUED_FAMILIES`): kinds whose words a content
sentence does not end a paragraph with. The rules apply with the document's language and outlet, as the rule
cleaner selected them.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from .catalog import Rule, normalize_outlet
from .document import Change, Document
from .positional import rechecked

__all__ = ["GLUED_FAMILIES", "GluedPromos"]

#: The line rules whose kinds are cut when glued after a paragraph's last sentence: reader prompts, channel and
#: app promos, credits, page furniture, paywall and newsletter notices, republication and copyright notices.
GLUED_FAMILIES: frozenset[str] = frozenset({
    "id.channel_prompt", "id.channel_prompt.whatsapp_install", "id.click_here", "id.read_full_article",
    "id.own_channel_prompt", "id.staff_credit", "id.ui", "id.video_promo", "id.more_news_at",
    "shared.republished", "shared.copyright", "shared.ad_marker", "shared.widget", "shared.newsletter",
    "shared.short_link", "shared.support_prompt",
    "en.subscribe", "en.page_ui.sentence", "en.follow", "en.comment_prompt", "en.contributor_credit.anywhere",
    "en.page_ui.more", "en.widget.more", "en.related.line", "en.subscribe.pitch", "en.contact_line",
    "en.syndication_notice.feed", "en.promo.app", "en.support_prompt.listeners", "en.tip_prompt",
})
#: No cut is longer than this many words: a promo is short, and a longer "last sentence" is a promo that ran into
#: the content after it (a promo without a sentence end of its own, then the next sentence).
MAX_CUT_WORDS = 25
#: Rules whose promo names a free text (a related headline, a video's title, a name) run on into the next sentence
#: the easiest: their cuts have a lower limit.
FAMILY_MAX_WORDS = {"en.related.line": 14, "id.video_promo": 14, "id.staff_credit": 12}
#: Rules of :data:`GLUED_FAMILIES` that also hold single page words ("Tutup", "Komentar"): glued, they count only
#: for a sentence of at least this many words.
MIN_WORDS_SHORT_KINDS = 2
SHORT_KINDS = frozenset({"id.ui"})
#: Rules that also match a sentence that only mentions an app or a channel ("Sebab, akun Google jadi gerbang untuk
#: akses Play Store ..."): glued, they count only for a sentence that opens like a prompt, with one of these words.
NEEDS_OPENER = frozenset({"id.channel_prompt", "id.more_news_at"})
OPENERS = frozenset(
    "klik click tap ikuti follow gabung gabunglah bergabung bergabunglah join download unduh install instal subscribe "
    "berlangganan langganan dapatkan get simak baca lihat tonton saksikan cek cari temukan kunjungi akses update "
    "pantau yuk ayo".split())
#: A paragraph shorter than this has no content sentence to be glued to (the line rules judge it whole).
MIN_LINE_CHARS = 40
#: What stays before a cut is a sentence: at least this many characters and words (not a list item's number, a
#: label or an initial before the promo's words).
MIN_HEAD_CHARS = 25
MIN_HEAD_WORDS = 4
#: The last sentence is looked for in this many characters at the end of a paragraph.
TAIL_CHARS = 400

#: What a promo of :data:`GLUED_FAMILIES` holds, one of them at least (regular expressions over UTF-8 bytes, any ASCII
#: case; the same in Hyperscan and in Python's ``re``): a last sentence without any is not tried against the rules.
#: Words that content sentences use often ("mengikuti", "told reporters", "declined to comment") count only in the
#: shape a promo gives them ("ikuti", "reporter:", "comments are closed").
TRIGGERS: tuple[str, ...] = (
    r"klik", r"click", r"\btap\s+here", r"\bikuti\b", r"follow\s+(?:us|kami|juga|akun|@)",
    r"\b(?:ber)?gabung(?:lah)?\b", r"join\s+(?:us|our|the\s+conversation)", r"download", r"unduh", r"\binstal",
    r"subscri", r"langganan", r"newsletter",
    r"google\s*news", r"whatsapp", r"telegram", r"instagram", r"youtube", r"tiktok", r"facebook", r"twitter",
    r"\bapps?\b", r"aplikasi", r"play\s*store", r"app\s*store", r"selengkapnya", r"scroll", r"gulir", r"advertis",
    r"\biklan\b", r"loading", r"memuat\s*(?:\.\.|\xe2\x80\xa6)", r"editor\s*:", r"editing\s+by", r"edited\s+by",
    r"penulis\s*:", r"\(penulis", r"reporter\s*:", r"\(reporter", r"pewarta\s*:", r"redaktur\s*:", r"penyunting\s*:",
    r"kontributor\s*:", r"fotografer\s*:", r"laporan\s+(?:wartawan|reporter|kontributor|koresponden|jurnalis)",
    r"\boleh\s*:", r"copyright", r"hak\s+cipta", r"rights\s+reserved", r"this\s+material",
    r"contributed\s+(?:to\s+this|reporting)", r"berkontribusi", r"tayang\s+di", r"lebih\s+d(?:ah)?ulu", r"dimuat\s+di",
    r"originally\s+(?:appeared|published|ran)", r"first\s+published", r"sign\s+(?:up|in|me)", r"log\s*in", r"inbox",
    r"comments?\s+(?:are|is)\s+closed", r"comment\s+on\s+this", r"(?:post|leave)\s+a\s+comment", r"contact\s+us",
    r"read\s+(?:more|the\s+full)", r"like\s+us", r"send\s+us", r"reporting\s+by", r"short\s*(?:link|url)",
    r"permalink", r"\bdukung\b", r"dapatkan\s+(?:update|berita|informasi|info|artikel)", r"donasi", r"donate",
    r"support\s+(?:us|our)", r"ponsel\s*(?:mu|anda)",
    r"kanal\s+\w+\s+kami", r"aplikasi\s+kami", r"kunjungi",
    r"(?:simak|lihat|tonton|saksikan)\s+(?:juga\s+)?(?:video|live)",
    r"video\s*:", r"@", r"\xc2\xa9", r"continue\s+reading", r"free\s+articles", r"our\s+standards", r"subscribers",
    r"story\s+continues", r"developing\s+story", r"check\s+back", r"skip\s+ad", r"lihat\s+semua", r"muat\s+lebih",
    r"\bbagikan\b", r"share\s+this", r"print\s+this", r"e-?mail\s+this", r"font\s+size", r"gift\s+(?:this\s+)?article",
    r"syndicated\s+(?:news\s+)?feed", r"not\s+been\s+edited",
    r"donation", r"give\s+now", r"like\s+you\b", r"story\s+(?:for\s+us|idea|tip)", r"news\s+tip",
    r"(?:lainnya|terbaru|terkini|terupdate)\s+(?:hanya\s+)?(?:di|dari)\s", r"hanya\s+di\s",
)
# ASCII case only, as the Hyperscan database below: both find the same sentences.
_TRIGGER_RE = re.compile("|".join(TRIGGERS).encode(), re.IGNORECASE)


def _triggered(text: str) -> bool:
    """Whether ``text`` holds a trigger (by the Hyperscan database when there is one: the same answer, faster)."""
    data = text.encode("utf-8", "surrogatepass")
    db = _trigger_database()
    if db is None:
        return _TRIGGER_RE.search(data) is not None
    from .prefilter import scan_any

    return scan_any(db, data)


@functools.lru_cache(maxsize=1)
def _trigger_database() -> Any:
    """The triggers as one Hyperscan database (which lines of a document hold one: one scan for the whole text), or
    None without Hyperscan (then each paragraph's end is searched with :data:`_TRIGGER_RE`)."""
    from . import prefilter

    if not prefilter.available():
        return None
    hs = prefilter._hs
    exprs = tuple(t.encode() for t in TRIGGERS)
    # (about 90 ms to compile: kept on disk with the rules' databases)
    return prefilter.cached_database("glued", exprs, (hs.HS_FLAG_CASELESS,) * len(exprs))


def _flagged_lines(lines: list[str | None]) -> set[int] | None:
    """The lines holding a trigger anywhere (a superset of those whose last sentence does), or None when Hyperscan
    cannot tell (then every line is a candidate)."""
    db = _trigger_database()
    if db is None:
        return None
    data = "\n".join([line or "" for line in lines]).encode("utf-8", "surrogatepass")
    ends: list[int] = []

    def on_match(idx: int, start: int, end: int, flags: int, context: object) -> None:
        ends.append(end)

    db.scan(data, match_event_handler=on_match)
    if not ends:
        return set()
    breaks = [m.start() for m in _NEWLINE_RE.finditer(data)]
    return {bisect.bisect_left(breaks, e) for e in ends}


_NEWLINE_RE = re.compile(b"\n")
# Read on the reversed end of a paragraph: what starts a sentence, spaces or none, then a sentence end.
_REVERSED_BOUNDARY_RE = re.compile(r"[A-Z0-9\"“‘'(\[©][ \t]*[.!?…\"”’)\]]")


def _last_boundary(line: str, start: int) -> int:
    """Where the last sentence of ``line[start:]`` starts (its spaces included), or -1: the position after the last
    sentence end that a capital, digit, quote or bracket follows."""
    tail = line[start:][::-1]
    m = _REVERSED_BOUNDARY_RE.search(tail)
    if m is None:
        return -1
    return len(line) - m.end() + 1


@dataclass
class GluedPromos:
    """Cut the promos of :data:`GLUED_FAMILIES` glued after a paragraph's last sentence (see the module).
    ``rules``: the rule cleaner whose catalog and language verdict apply; ``recheck``: steps run again when
    something was cut (the rules: trailing initials that stood before the promo now end the paragraph), then this
    step again, until nothing more changes, so that cleaning the output again changes nothing."""

    rules: Any  # a RuleCleaner
    families: frozenset[str] = GLUED_FAMILIES
    recheck: tuple[Any, ...] = ()
    name: str = "glued"
    _selected: dict[tuple[str | None, str | None], list[tuple[Rule, re.Pattern[str]]]] = field(
        default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_selected"] = {}  # compiled again where it is unpickled
        return state

    def _for(self, lang: str | None, outlet: str | None) -> list[tuple[Rule, re.Pattern[str]]]:
        key = (lang, outlet)
        got = self._selected.get(key)
        if got is None:
            got = self._selected[key] = [(r, r.regex())
                                         for r in self.rules.catalog.select(lang, outlet)
                                         if r.id in self.families and r.kind in ("line", "tail")]
        return got

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        return rechecked(lambda: self._once(lines, doc), self.recheck, lines, doc)

    def _once(self, lines: list[str | None], doc: Document) -> list[Change]:
        selected: list[tuple[Rule, re.Pattern[str]]] | None = None
        changes: list[Change] = []
        flagged = _flagged_lines(lines)
        for i, line in enumerate(lines):
            if flagged is not None and i not in flagged:
                continue
            while line and len(line) >= MIN_LINE_CHARS:
                cut = _last_boundary(line, max(0, len(line) - TAIL_CHARS))
                if cut < MIN_HEAD_CHARS or len(line[:cut].split()) < MIN_HEAD_WORDS:
                    break
                end = len(line.rstrip())
                rest = line[_skip_spaces(line, cut):end]
                if rest.count(")") > rest.count("("):
                    # The sentence end is inside brackets: the whole bracket is the candidate ("(Copyright 2017 The
                    # Associated Press. All rights reserved.)"), never its second half.
                    cut = line.rfind("(", 0, cut)
                    if cut < MIN_HEAD_CHARS:
                        break
                    while cut and line[cut - 1] in " \t":
                        cut -= 1
                    rest = line[_skip_spaces(line, cut):end]
                words = len(rest.split())
                if not rest or words > MAX_CUT_WORDS or not _triggered(rest):
                    break
                if selected is None:
                    selected = self._for(*self._selection(lines, doc))
                rule = _matching(selected, rest, words)
                if rule is None:
                    break
                changes.append(Change("replace", self.name, f"{rule.id}.glued", i, cut, len(line), line[cut:], ""))
                line = lines[i] = line[:cut]
        return changes

    def _selection(self, lines: list[str | None], doc: Document) -> tuple[str | None, str | None]:
        return self.rules.verdict(doc, lines), normalize_outlet(doc.outlet or doc.url)


def _skip_spaces(line: str, at: int) -> int:
    while at < len(line) and line[at] in " \t":
        at += 1
    return at


def _first_word(text: str) -> str:
    for w in text.split(None, 2)[:2]:
        w = w.strip("-–—•*,.:;!\"“”'‘’()[]").lower()
        if w:
            return w
    return ""


def _matching(selected: list[tuple[Rule, re.Pattern[str]]], rest: str, words: int) -> Rule | None:
    """The first rule of ``selected`` that takes the whole of ``rest`` (``words`` words), within its kind's limits."""
    n = len(rest)
    for rule, rx in selected:
        if not rule.min_chars <= n <= rule.max_chars:
            continue
        if rule.id in SHORT_KINDS and words < MIN_WORDS_SHORT_KINDS:
            continue
        if words > FAMILY_MAX_WORDS.get(rule.id, MAX_CUT_WORDS):
            continue
        if rule.id in NEEDS_OPENER and _first_word(rest) not in OPENERS:
            continue
        if rx.fullmatch(rest) is not None:
            return rule
    return None
