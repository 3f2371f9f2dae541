"""A newsroom promoting itself: a line that opens with a call to action and names the document's own outlet.

"Download aplikasi NusaTV+ untuk menonton siaran langsung ...", "Aktifkan notifikasi Kabar24Jam di browser Anda."
(after "Jangan lewatkan berita penting!"), "Get Hallbridge Gazette's free newsletter", "Tonton Metro Satu TV secara
live streaming di ...": the words change with every site, the kind does not. A line goes (rule ``outlet.self_promo``)
when it opens with one of the calls of :data:`CALLS` and holds the outlet's name (from the document's ``outlet``, else
its ``url``: case, spaces, punctuation, a leading "www." or "The" and the domain's ending do not count;
:data:`MIN_NAME_CHARS` letters or more), is at most :data:`MAX_CHARS` long and reports no speech ("kata", "said").
Such a promo glued after a paragraph's last sentence is cut from it (rule ``outlet.self_promo.glued``). A story
quotes an outlet's name, it does not tell its reader to follow it: on the three dev corpora the only such line is
detik's own "Download Apps Detikcom Sekarang"; on fourteen whole-article probe sets, none of about 6,000 content
lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .document import Change, Document

__all__ = ["CALLS", "OutletPromos", "outlet_key"]

#: Calls to action a promo opens with (Indonesian and English). Not "cek", "simak", "yuk", "klik": "Cek Fakta
#: Liputan6.com mendapati ...", "Yuk, simak ... sebagaimana telah Liputan6.com ..." open an article's own sentences.
CALLS = ("ikuti", "follow", "download", "unduh", "tonton", "saksikan", "baca", "berlangganan", "subscribe",
         "aktifkan", "kunjungi", "visit", "dapatkan", "get", "join", "gabung", "bergabung", "sign up", "listen",
         "dengarkan", "watch", "stay", "jangan lewatkan", "don't miss", "don’t miss")
#: Shortest outlet name (letters and digits) worth looking for: shorter ones are words of their own ("Pos", "Star").
MIN_NAME_CHARS = 5
#: Longest line taken: a paragraph that happens to name the outlet is longer.
MAX_CHARS = 300
#: A first sentence up to this long and itself a call before the call is the promo's teaser ("Jangan lewatkan berita
#: penting!"); otherwise the sentences before are a paragraph the promo is glued to.
MAX_TEASER_CHARS = 60

_CALL_RE = re.compile(r"\W*(?:{})\b".format("|".join(re.escape(c).replace(r"\ ", r"\s+") for c in CALLS)),
                      re.IGNORECASE)
#: Speech and sources: a sentence that reports what someone said or wrote ("kata", "dilansir", "reported") names the
#: outlet as a source, it does not promote it.
_SPEECH_RE = re.compile(r"\b(?:kata|ujar|tutur|ucap|said|says|told|menurut|according\s+to|(?:di|me)?lansir|mengutip|"
                        r"dikutip|reported|quoted)\b", re.IGNORECASE)
#: A list's item ("1. Follow akun Instagram X", the steps of a giveaway) is the article's.
_LIST_ITEM_RE = re.compile(r"\s*(?:\d{1,2}[.)]|[-•*–])\s")
_GENERIC_LABELS = frozenset({"com", "net", "org", "news", "info", "online", "web", "site", "media"})
_NOT_NAME_RE = re.compile(r"[\W_]+")


def outlet_key(outlet: object) -> str:
    """An outlet's name as this step looks for it: lower case, letters and digits only; of a domain or URL, the name
    before its endings ("co.ke", "com", "tv": labels of up to three letters and the generic ones), without
    subdomains; of a name, without a leading "The". "" when there is none.

    >>> outlet_key("https://www.Kabar24Jam.co.id/read/1"), outlet_key("nairobimirror.co.ke")
    ('kabar24jam', 'nairobimirror')
    >>> outlet_key("jabar.tribunnews.com")
    'tribunnews'
    >>> outlet_key("Metro Satu TV"), outlet_key("The Nairobi Mirror")
    ('metrosatutv', 'nairobimirror')
    """
    if not isinstance(outlet, str):
        return ""
    return _key_of(outlet)


@lru_cache(maxsize=4096)  # called per document, mostly with the same few outlets
def _key_of(outlet: str) -> str:
    s = re.sub(r"^[a-z]+://", "", outlet.strip().lower())
    host = s.split("/", 1)[0]
    if "." in host and " " not in host:
        labels = host.split(".")
        while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in _GENERIC_LABELS):
            labels.pop()
        return _NOT_NAME_RE.sub("", labels[-1])
    return _NOT_NAME_RE.sub("", re.sub(r"^the\s+", "", s))


@lru_cache(maxsize=256)
def _name_regex(key: str) -> re.Pattern[str]:
    """A search for the outlet's name in a line as it is: its letters and digits in order, anything else but letters
    and digits between them (what ``key in`` the line's own key tests)."""
    return re.compile(r"[\W_]*".join(map(re.escape, key)), re.IGNORECASE)


def is_self_promo(line: str, key: str) -> bool:
    """Whether ``line`` is a promo of the outlet whose :func:`outlet_key` is ``key``.

    >>> is_self_promo("Aktifkan notifikasi Kabar24Jam di browser Anda.", "kabar24jam")
    True
    >>> is_self_promo("Cek Fakta Kabar24Jam mendapati klaim itu keliru.", "kabar24jam")
    False
    """
    return (len(key) >= MIN_NAME_CHARS and len(line) <= MAX_CHARS and _CALL_RE.match(line) is not None
            and _name_regex(key).search(line) is not None and _SPEECH_RE.search(line) is None)


@dataclass(frozen=True)
class OutletPromos:
    """Drop a kept line that calls the reader to the document's own outlet (rule ``outlet.self_promo``). A line may open
    with a teaser sentence first ("Jangan lewatkan berita penting! Aktifkan notifikasi X ..."): each sentence's start
    is tried. ``recheck``: steps run again after a line went, as for the positional steps."""

    name: str = "self_promo"
    recheck: tuple[Any, ...] = ()

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        from .positional import rechecked

        key = outlet_key(doc.outlet) or outlet_key(doc.url)
        if len(key) < MIN_NAME_CHARS:
            return []
        # Most lines do not name the outlet: the name's first letters are looked for in the document's lower-cased
        # text (a name is rarely split that early: "Metro Satu TV", "NusaTV+"), and only the lines they fall in are
        # looked at.
        probe = key[:MIN_NAME_CHARS - 1]
        text = "\n".join([line or "" for line in lines]).lower()
        at = text.find(probe)
        if at < 0:
            return []
        named: list[int] = []  # the lines it falls in, in order
        line_no = last = 0
        while at >= 0:
            line_no += text.count("\n", last, at)
            last = at
            if not named or named[-1] != line_no:
                named.append(line_no)
            at = text.find(probe, at + 1)
        name = _name_regex(key)
        return rechecked(lambda: self._once(lines, key, name, named), self.recheck, lines, doc)

    def _once(self, lines: list[str | None], key: str, name: re.Pattern[str], todo: list[int]) -> list[Change]:
        changes = []
        for i in todo:
            line = lines[i]
            if not line or name.search(line) is None or _LIST_ITEM_RE.match(line):
                continue
            if is_self_promo(line, key):
                changes.append(Change("drop_line", self.name, "outlet.self_promo", i, 0, len(line), line, ""))
                lines[i] = None
                continue
            # The call may open a later sentence: after a teaser ("Jangan lewatkan berita penting! Aktifkan ...") the
            # line goes; after a paragraph's sentences, the promo glued to its end is cut (outlet.self_promo.glued).
            for m in _SENTENCE_BREAK_RE.finditer(line):
                rest = line[m.end():]
                if len(rest) > MAX_CHARS or not is_self_promo(rest, key):
                    continue
                if m.end() <= MAX_TEASER_CHARS and _CALL_RE.match(line) is not None:
                    changes.append(Change("drop_line", self.name, "outlet.self_promo", i, 0, len(line), line, ""))
                    lines[i] = None
                else:
                    cut = m.start() + len(m.group().rstrip())
                    changes.append(Change("replace", self.name, "outlet.self_promo.glued", i, cut, len(line),
                                          line[cut:], ""))
                    lines[i] = line[:cut]
                break
        return changes


#: A sentence's end: its punctuation after a word of two letters or more (not a list's "1. ").
_SENTENCE_BREAK_RE = re.compile(r"(?<=[^\W\d_]{2})[.!?][\"”’)]*\s+")
