"""Corpus templates: boilerplate lines learned from the corpus being cleaned, across sites.

Pages of one site repeat their widgets, credits and prompts in every article, and sites that share a
CMS or belong to one network repeat the same lines across sites. Their numbers, dates, links and counts
change ("Diperbarui 18 Jun 2025, 14:05 WIB", "12 comments", "https://t.co/xyz"), so lines are compared
by a *key* with those normalized (:func:`template_key`).

A :class:`TemplateMiner` counts, over the raw texts of a corpus (or a deterministic sample of it), in how
many documents each short line's key occurs, per site, per network (sites under one registrable domain:
``kupang.tribunnews.com`` and ``jateng.tribunnews.com``) and across sites. A key becomes a template

- of a **site** when it occurs in at least ``min_docs`` of the site's documents and ``min_share`` of them;
- of a **network** when the same holds over the network's documents, and it occurs on two of its sites;
- **across sites** (it then applies to every document, of any site) when it occurs on ``min_sites``
  sites, in ``min_docs`` documents, and is a site or network template somewhere.

Guards keep content out whatever its frequency: no quotation marks; no sentence-like line (many words,
ending like a sentence) unless it addresses the reader (a prompt); and a key must occur in documents of
*different stories*: a subheading or a quote repeated by every copy of one wire story is content. Two
documents are taken for one story when they share a long line (a paragraph), not counting the long lines a
site prints in many of its articles (a disclaimer); the stories of a key are the groups its documents fall
into.

:class:`TemplateCleaner` drops, after the rules, the lines whose key is a template for the document's
site, network or every site (rule ids ``template.site``, ``template.network``, ``template.cross``). The
same :class:`Templates` carry the document counts of every repeated key, which the line model reads as
features (:mod:`newsclean.linemodel`).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .catalog import normalize_outlet
from .document import Change, Document
from .speedups import load

if TYPE_CHECKING:
    from .io import ParsedRecords

__all__ = [
    "TemplateCleaner",
    "TemplateMiner",
    "TemplateOptions",
    "Templates",
    "is_candidate",
    "is_post_attribution",
    "learn_from_inputs",
    "learn_templates",
    "mine_inputs",
    "key_hash",
    "line_key",
    "network_of",
    "site_of",
    "template_key",
]

#: The compiled kernels: TemplateMiner.add's per-line loop (``LineMiner``), absent from a module built before it.
_NATIVE = load()
if _NATIVE is not None and not hasattr(_NATIVE, "LineMiner"):
    _NATIVE = None


#: _line_miner's answers by the identity of the options (hashing a dataclass costs more than the kernel's call
#: for a document with no line to look at): options object -> kernel.
_MINERS: dict[int, tuple[TemplateOptions, Any]] = {}


def _line_miner(options: TemplateOptions) -> Any:
    """The compiled kernel of the miner's per-line loop and of the cleaner's choice of lines, for these options
    (``newsclean._speedups.LineMiner``), or None without it."""
    hit = _MINERS.get(id(options))
    if hit is not None and hit[0] is options:
        return hit[1]
    native = _line_miner_for(options)
    if len(_MINERS) >= 64:
        _MINERS.clear()
    _MINERS[id(options)] = (options, native)  # (holds the options: their id is not reused while here)
    return native


@lru_cache(maxsize=8)
def _line_miner_for(options: TemplateOptions) -> Any:
    if _NATIVE is None:
        return None
    return _NATIVE.LineMiner(DATE_WORDS, READER_WORDS, options.story_line_chars, options.min_chars, options.max_chars,
                             options.max_sentence_words, MIN_SEGMENT_CHARS, MAX_SEGMENT_CHARS)


# -- normalization -------------------------------------------------------------------------------------

#: Names of months and days (English, Indonesian) and their abbreviations: replaced by "<t>" in keys.
DATE_WORDS = frozenset((
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "januari februari maret mei juni juli agustus oktober desember agu agt okt des "
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun "
    "senin selasa rabu kamis jumat jum'at sabtu minggu"
).split())
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/\S*")
_EMAIL_RE = re.compile(r"\S+@[\w-]+(?:\.[\w-]+)+")
_HANDLE_RE = re.compile(r"@\w+")
_DIGIT_RE = re.compile(r"\d")
_NUM_RE = re.compile(r"\d+(?:[.,:/]\d+)*")
_EDGE_PUNCT = ".,;:!?()[]'\"“”‘’"


def template_key(line: str) -> str:
    """The line with what changes between copies of a template normalized: case, links, e-mail
    addresses, handles, names of months and days, numbers (dates, times, counts), runs of spaces.

    >>> template_key("Diperbarui 18 Jun 2025, 14:05 WIB")
    'diperbarui 0 <t> 0, 0 wib'
    >>> template_key("Follow @kompascom   at https://x.com/kompascom")
    'follow @h at <u>'
    """
    s = line.lower()
    if "@" in s:
        s = _HANDLE_RE.sub("@h", _EMAIL_RE.sub("<e>", s))
    if "/" in s or "www." in s:
        s = _URL_RE.sub("<u>", s)
    if _DIGIT_RE.search(s) is not None:
        s = _NUM_RE.sub("0", s)
    words = s.split()
    for i, w in enumerate(words):
        core = w.strip(_EDGE_PUNCT)
        if core in DATE_WORDS:
            words[i] = w.replace(core, "<t>", 1)
    return " ".join(words)


#: ASCII spaces and punctuation, left out of a long line's story hash (copies differ in them).
_SPACE_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())


def _story_hash(line: str) -> int:
    # surrogatepass: a lone surrogate (valid in JSON input, repaired by the pipeline but not by a library caller
    # who feeds raw text) hashes like any other code point instead of raising mid-document.
    data = line.lower().encode("utf-8", "surrogatepass").translate(None, _SPACE_PUNCT)
    return (zlib.crc32(data) << 32) | zlib.crc32(data, 0x9E3779B9)


def _head(line: str) -> str:
    """The first word of a line's key (cheap: only that word is normalized)."""
    parts = line.split(None, 1)
    if not parts:
        return ""
    w = parts[0].lower()
    if "@" in w or "/" in w or "www." in w or _DIGIT_RE.search(w) is not None:
        return template_key(w)
    core = w.strip(_EDGE_PUNCT)
    return w.replace(core, "<t>", 1) if core in DATE_WORDS else w


def _plain_head(head: str) -> bool:
    """Whether a first word of a key is the line's own first word lowercased (nothing in it normalized)."""
    if "@" in head or "/" in head or "www." in head or "<" in head or _DIGIT_RE.search(head) is not None:
        return False
    return head.strip(_EDGE_PUNCT) not in DATE_WORDS


def key_hash(key: str) -> int:
    """A stable 64-bit hash of a key (the same in every process and run, unlike ``hash``)."""
    data = key.encode("utf-8", "surrogatepass")  # (see _story_hash)
    return (zlib.crc32(data) << 32) | zlib.crc32(data, 0x9E3779B9)


def line_key(line: str) -> int:
    """``key_hash(template_key(line))``: by the compiled kernel when it can tell (a line whose lowercase is per
    character, without links or handles), else in Python."""
    native = _line_miner(DEFAULT_OPTIONS)
    if native is not None:
        h = native.key(line)
        if h is not None:
            return h  # type: ignore[no-any-return]
    return key_hash(template_key(line))


# -- guards -------------------------------------------------------------------------------------------

_QUOTES = frozenset('"“”«»„')
_SENTENCE_END = (".", "!", "?", ".)", "!)", "?)")
#: Words that address the reader or invite a click: a sentence with one is a prompt ("Follow us ...", "Yuk,
#: gabung ..."), not reporting, so being sentence-like does not protect it. Only words a report rarely uses:
#: "masuk" (enter), "daftar" (list), "baca" (read) or "simak" (look at) are everyday Indonesian.
READER_WORDS = frozenset(
    "you your kamu anda yuk ayo klik click tap download unduh install follow ikuti subscribe berlangganan gabung "
    "bergabung dapatkan".split())
#: A reader word as a whole word (``\w+`` token) of a lowercased text: what testing the tokens against
#: READER_WORDS finds, in one search.
_READER_RE = re.compile(r"(?<!\w)(?:" + "|".join(sorted(READER_WORDS, key=lambda w: (-len(w), w))) + r")(?!\w)")
#: At least three letters or digits among a line's first characters (a template says something).
_THREE_WORD_CHARS = re.compile(r"\w\W*\w\W*\w")


@dataclass(frozen=True)
class TemplateOptions:
    """Thresholds of the template learner; the defaults were chosen on the labelled dev corpora
    (``python -m benchmarks.boilerplate_eval``, see README)."""

    #: A site (network) template occurs in at least this many of the site's documents ...
    min_docs: int = 5
    #: ... and at least this share of them.
    min_share: float = 0.02
    #: A template across sites occurs on at least this many sites, and is a template of one of them (or
    #: of a network) -- or occurs on ``min_sites_alone`` sites.
    min_sites: int = 3
    min_sites_alone: int = 5
    #: Shortest and longest line (characters) a template may be (with at least three letters or digits).
    min_chars: int = 3
    max_chars: int = 200
    #: A line of more words than this that ends like a sentence is content, unless it addresses the reader.
    max_sentence_words: int = 8
    #: The documents holding a key must come from this share of different stories (and at least
    #: ``min_stories``): copies of one story repeat its subheadings and quotes.
    story_share: float = 0.5
    min_stories: int = 3
    #: Lines of at least this many characters tell stories apart ...
    story_line_chars: int = 80
    #: ... unless their site prints them in this share of its documents (a disclaimer paragraph).
    site_paragraph_share: float = 0.1

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError("min_docs must be at least 2: a line in one document is not a template")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {self.min_share}")
        if self.max_chars < self.min_chars:
            raise ValueError("max_chars must be at least min_chars")


DEFAULT_OPTIONS = TemplateOptions()


def is_candidate(line: str, options: TemplateOptions = DEFAULT_OPTIONS) -> bool:
    """Whether a (stripped) line may be a template at all: short, no quotation, not a sentence of
    reporting.

    >>> is_candidate("Dapatkan update berita pilihan setiap hari dari Kompas.com, gabung di Telegram.")
    True
    >>> is_candidate("Polisi menangkap tiga tersangka di Bekasi pada Senin malam setelah menerima laporan.")
    False
    >>> is_candidate("“Kami siap,” katanya.")
    False
    """
    n = len(line)
    if n < options.min_chars or n > options.max_chars:
        return False
    if '"' in line or "“" in line or "”" in line or "«" in line or "»" in line or "„" in line \
            or "(@" in line and is_post_attribution(line):
        return False
    if line.endswith(_SENTENCE_END) and line.count(" ") >= options.max_sentence_words \
            and _READER_RE.search(line.lower()) is None:
        return False
    return _THREE_WORD_CHARS.search(line, 0, 60) is not None


def is_prompt(sentence: str, options: TemplateOptions = DEFAULT_OPTIONS) -> bool:
    """Whether a closing sentence may be a template: a candidate that addresses the reader ("Ikuti ...",
    "Download ...", "Simak ..."). A closing sentence of reporting repeated across sites is a story copied,
    however different its pages look.

    >>> is_prompt("Ikuti berita terkini dari Kompas.com di Google News."), is_prompt("Masjid dibuka kembali.")
    (True, False)
    """
    return is_candidate(sentence, options) and _READER_RE.search(sentence.lower()) is not None


def _is_prompt(sentence: str, options: TemplateOptions) -> bool:
    """:func:`is_prompt`, its reader-word search done once: a candidate that ends like a sentence is one
    only with a reader word (is_candidate's sentence test), which a prompt has anyway."""
    n = len(sentence)
    if n < options.min_chars or n > options.max_chars:
        return False
    if '"' in sentence or "“" in sentence or "”" in sentence or "«" in sentence or "»" in sentence \
            or "„" in sentence or "(@" in sentence and is_post_attribution(sentence):
        return False
    return _READER_RE.search(sentence.lower()) is not None and _THREE_WORD_CHARS.search(sentence, 0, 60) is not None


_CONTINUES = frozenset(",.;:)]")
#: The attribution line of an embedded social post ("— Name (@handle) July 16, 2018", "A post shared by
#: Name (@handle)"): part of the post the article quotes, so content, however often it repeats.
_ATTRIBUTION_RE = re.compile(r"\(@[\w.]{1,30}\)|^a post shared by\b", re.IGNORECASE)


def is_post_attribution(line: str) -> bool:
    """Whether a line attributes an embedded social post to its author (content: see above).

    >>> is_post_attribution("— Donald J. Trump (@realDonaldTrump) July 16, 2018")
    True
    """
    return _ATTRIBUTION_RE.search(line) is not None


def is_fragment(line: str, nxt: str | None) -> bool:
    """Whether a line is a piece of a sentence cut at a link (scrapers print a link's text on a line of
    its own): the next line carries the sentence on, in lowercase or after a comma, or this line
    starts with one. Such a piece ("Timnas Indonesia" between "Dua pemain" and "sudah bisa ...") repeats
    across a site's articles without being boilerplate.

    >>> is_fragment("Timnas Indonesia", "sudah bisa kembali bermain"), is_fragment(", Selasa (10/6/2025).", None)
    (True, True)
    >>> is_fragment("Advertisement", "Polisi menangkap tiga orang.")
    False
    """
    if line[0] in _CONTINUES:
        return True
    if nxt:
        c = nxt[0]
        return c in _CONTINUES or c.islower()
    return False


#: Sentence boundaries inside a line: after .!? and spaces before a capital, or glued ("katanya.Dapatkan").
_SEGMENT_RE = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z0-9\"“])|(?<=[a-z][.!?])(?=[A-Z])")
#: Keys of closing sentences live apart from keys of whole lines (a sentence alone on a line is another thing).
SEGMENT_SALT = 0x5EC5_EC5E_C5EC_5EC5
#: A closing sentence counts when it has this many characters (and three words) at least, and at most ...
MIN_SEGMENT_CHARS = 15
MAX_SEGMENT_CHARS = 250


def last_segment(line: str) -> tuple[int, str] | None:
    """The last sentence of a line of several, and where it starts (the space before it included): promos are
    glued to the end of a paragraph or caption ("... katanya. Ikuti berita terkini di Google News.").

    >>> last_segment("Harga naik pada Senin. Ikuti berita terkini di Google News.")
    (22, 'Ikuti berita terkini di Google News.')
    >>> last_segment("Harga naik pada Senin.Ikuti berita terkini di Google News.")
    (22, 'Ikuti berita terkini di Google News.')
    """
    n = len(line)
    lo = max(0, n - MAX_SEGMENT_CHARS - 10)
    pos = n
    # From the end: the first sentence end followed by the start of a sentence is the last boundary.
    while True:
        k = max(line.rfind(".", lo, pos), line.rfind("!", lo, pos), line.rfind("?", lo, pos))
        if k <= lo:
            return None
        j = k + 1
        while j < n and line[j] in " \t":
            j += 1
        c = line[j] if j < n else ""
        if c and (c.isupper() or c.isdigit() or c in '"“') and (j > k + 1 or line[k - 1].islower()):
            seg = line[j:].rstrip()
            if not MIN_SEGMENT_CHARS <= len(seg) <= MAX_SEGMENT_CHARS or seg.count(" ") < 2 or not seg[0].isupper():
                return None
            return k + 1, seg
        pos = k


# -- sites and networks ---------------------------------------------------------------------------------

#: Second-level labels under which registrations sit one level deeper ("kompas.co.id", "bbc.co.uk").
_SECOND_LEVEL = frozenset("co ac go or web my sch mil net com org gov edu ne".split())


def site_of(doc: Document) -> str:
    """The site a document comes from: its outlet (or URL host), ``"(unknown)"`` without either."""
    return normalize_outlet(doc.outlet or doc.url) or "(unknown)"


def network_of(site: str) -> str:
    """The registrable domain of a site: its network of sub-domain sites.

    >>> network_of("kupang.tribunnews.com"), network_of("news.detik.com"), network_of("bola.kompas.co.id")
    ('tribunnews.com', 'detik.com', 'kompas.co.id')
    """
    parts = site.split(".")
    if len(parts) <= 2:
        return site
    if parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


# -- learned templates ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Templates:
    """What the miner learned: template keys (as hashes) per scope, their examples, and the document
    counts of every repeated key (features of the line model). Picklable, so workers get a copy; equal
    (and hashed) by a digest of its content, so a pipeline spec that holds it can key a cache."""

    site: Mapping[str, frozenset[int]] = field(default_factory=dict)
    network: Mapping[str, frozenset[int]] = field(default_factory=dict)
    cross: frozenset[int] = frozenset()
    #: key hash -> (stories, sites) over the corpus, for keys in at least two documents.
    counts: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    #: (site, key hash) -> stories of the site with the key, for the same keys.
    site_counts: Mapping[tuple[str, int], int] = field(default_factory=dict)
    #: documents per site in what was mined.
    site_docs: Mapping[str, int] = field(default_factory=dict)
    #: key hash -> (an example line, scope) for every template, for reports.
    examples: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    #: the templates that are closing sentences of a line, not whole lines.
    segments: frozenset[int] = frozenset()
    documents: int = 0
    options: TemplateOptions = DEFAULT_OPTIONS

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def digest(self) -> str:
        cached = self.__dict__.get("_digest")
        if cached is None:
            h = hashlib.sha1()
            for name in ("site", "network"):
                for scope, keys in sorted(getattr(self, name).items()):
                    h.update(f"{name}:{scope}:{sorted(keys)}".encode())
            h.update(f"cross:{sorted(self.cross)}:segments:{sorted(self.segments)}".encode())
            h.update(f"counts:{sorted(self.counts.items())}:{sorted(self.site_counts.items())}".encode())
            h.update(f"docs:{sorted(self.site_docs.items())}:{self.documents}:{self.options}".encode())
            cached = h.hexdigest()
            object.__setattr__(self, "_digest", cached)
        return cached

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Templates) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    @property
    def heads(self) -> tuple[Mapping[str, frozenset[int]], frozenset[str]]:
        """What a line must have for its key to be looked up: the first words (of keys) of the line templates,
        each with the word counts its templates have (a key has as many words as its line); the first words of
        the closing-sentence templates."""
        cached = self.__dict__.get("_heads")
        if cached is None:
            lines: dict[str, set[int]] = defaultdict(set)
            for h, (e, _) in self.examples.items():
                if h not in self.segments:
                    lines[_head(e)].add(len(e.split()))
            segs = frozenset(_head(e) for h, (e, _) in self.examples.items() if h in self.segments)
            cached = ({k: frozenset(v) for k, v in lines.items()}, segs)
            object.__setattr__(self, "_heads", cached)
        return cached

    @property
    def segment_start(self) -> re.Pattern[str] | None:
        """Where a closing-sentence template may start in a line's lowercased tail: a sentence end, then one
        of the first words of those templates. ``None`` when some first word is one that keys normalize
        (a number, a link, a date word): every tail holding a first word is then looked at."""
        cached = self.__dict__.get("_segment_start", False)
        if cached is False:
            heads = self.heads[1]
            cached = None
            if heads and all(_plain_head(h) for h in heads):
                alts = "|".join(re.escape(h) for h in sorted(heads, key=lambda h: (-len(h), h)))
                cached = re.compile(rf"[.!?][ \t]*(?:{alts})(?:\s|$)")
            object.__setattr__(self, "_segment_start", cached)
        return cached

    def scope_of(self, h: int, site: str) -> str | None:
        """``"site"``, ``"network"`` or ``"cross"`` if key ``h`` is a template for ``site``, else None."""
        if h in self.cross:
            return "cross"
        s = self.site.get(site)
        if s is not None and h in s:
            return "site"
        n = self.network.get(network_of(site))
        if n is not None and h in n:
            return "network"
        return None

    def repetition(self, h: int, site: str) -> tuple[float, int, int]:
        """How often key ``h`` repeats beyond one document: (share of the site's other documents that have
        it, counted in stories; other sites with it; other stories with it)."""
        found = self.counts.get(h)
        if found is None:
            return 0.0, 0, 0
        stories, sites = found
        n_site = self.site_docs.get(site, 0)
        in_site = self.site_counts.get((site, h), 0)
        share = (in_site - 1) / (n_site - 1) if in_site > 1 and n_site > 1 else 0.0
        return share, max(0, sites - 1), max(0, stories - 1)

    def to_json(self) -> list[dict[str, object]]:
        """The learned templates for ``report.json``: example line, scope, documents and sites."""
        rows = []
        for h, (example, scope) in sorted(self.examples.items(), key=lambda kv: (kv[1][1], kv[1][0])):
            docs, sites = self.counts.get(h, (0, 0))
            rows.append({"text": example, "scope": scope, "kind": "segment" if h in self.segments else "line",
                         "key": template_key(example), "docs": docs, "sites": sites})
        return rows


class TemplateMiner:
    """Counts the candidate lines of documents, then :meth:`results` decides the templates. Feed it raw
    texts (before any rule): what the rules remove anyway does no harm, and one pass over the input can
    run before cleaning starts."""

    def __init__(self, options: TemplateOptions = DEFAULT_OPTIONS) -> None:
        self.options = options
        self._sites: list[str] = []  # per document
        self._site_ids: dict[str, int] = {}
        self._doc_site: list[int] = []
        self._long: list[array[int]] = []  # per document: hashes of its long lines
        self._pairs_doc: list[int] = []
        self._pairs_key: list[int] = []
        self._example: dict[int, str] = {}
        self._segment_keys: set[int] = set()
        self._story_counts: dict[tuple[int, ...], int] = {}  # (results: see _stories)

    @property
    def documents(self) -> int:
        return len(self._doc_site)

    def add(self, site: str, text: str, title: str | None = None) -> None:
        """Count one document of ``site`` (with its ``title``, when it has one: documents of one title tell
        one story, and the title itself is never a template)."""
        if not isinstance(text, str):
            raise TypeError(f"TemplateMiner.add: text must be a str, not {type(text).__name__}")
        d = len(self._doc_site)
        long_keys: list[int] = []
        title_key = None
        if title and title.strip():
            long_keys.append(_story_hash("title:" + title))
            title_key = line_key(title)
        native = self._native
        if native is not None:
            seen: set[int] = set()
            try:
                # (the kernel sorts the story hashes, the title's among them, without repeats: array bytes)
                packed = native(text, title_key, seen, self._example, self._judge,
                                long_keys[0] if long_keys else None)
            except Exception:  # noqa: BLE001 - the Python definition raises as it does (the counts so far alike)
                pass
            else:
                self._pairs_doc.extend([d] * len(seen))
                self._pairs_key.extend(sorted(seen))
                longs = array("Q")
                longs.frombytes(packed)
                self._long.append(longs)
                self._add_site(site)
                return
        self._add_py(d, text, long_keys, title_key)
        self._add_site(site)

    def _add_site(self, site: str) -> None:
        # Last, after the document's lines are counted: a document that raises leaves no trace behind.
        sid = self._site_ids.get(site)
        if sid is None:
            sid = self._site_ids[site] = len(self._sites)
            self._sites.append(site)
        self._doc_site.append(sid)

    @property
    def _native(self) -> Any:
        """The compiled per-line loop (``newsclean._speedups.LineMiner``) for these options, or None."""
        cached = self.__dict__.get("_native_cache", False)
        if cached is False:
            cached = self._native_cache = _line_miner(self.options)
        return cached

    def _judge(self, line: str, sentence: bool) -> int | None:
        """For the compiled loop, in :meth:`_add_py`'s terms: the key of a closing sentence that is a prompt
        (counted among the closing sentences' keys), of a line that is a candidate (the loop has found it no
        fragment); None for another."""
        opts = self.options
        if sentence:
            if not _is_prompt(line, opts):
                return None
            h = line_key(line) ^ SEGMENT_SALT
            self._segment_keys.add(h)
            return h
        return line_key(line) if is_candidate(line, opts) else None

    def _add_py(self, d: int, text: str, long_keys: list[int], title_key: int | None) -> None:
        """The lines of document ``d`` counted (the definition of the compiled loop, and the path without it)."""
        opts = self.options
        seen: set[int] = set()
        example = self._example
        lines = [x for x in map(str.strip, text.splitlines()) if x]
        story_chars, min_chars, max_chars = opts.story_line_chars, opts.min_chars, opts.max_chars
        last = len(lines) - 1
        for j, line in enumerate(lines):
            n = len(line)
            if n >= story_chars:
                long_keys.append(_story_hash(line))
                found = last_segment(line)
                if found is not None and _is_prompt(found[1], opts):
                    h = key_hash(template_key(found[1])) ^ SEGMENT_SALT
                    self._segment_keys.add(h)
                    if h not in seen:
                        seen.add(h)
                        example.setdefault(h, found[1])
            # (is_candidate's first test, inline: most lines are paragraphs too long to be a template)
            if n < min_chars or n > max_chars or not is_candidate(line, opts) \
                    or is_fragment(line, lines[j + 1] if j < last else None):
                continue
            h = key_hash(template_key(line))
            if h not in seen and h != title_key:
                seen.add(h)
                if h not in example:
                    example[h] = line
        self._pairs_doc.extend([d] * len(seen))
        self._pairs_key.extend(sorted(seen))
        self._long.append(array("Q", sorted(set(long_keys))))

    def results(self) -> Templates:
        opts = self.options
        n_docs = len(self._doc_site)
        doc_site = self._doc_site
        sites = self._sites
        by_key: dict[int, list[int]] = defaultdict(list)
        for d, h in zip(self._pairs_doc, self._pairs_key):
            by_key[h].append(d)
        site_docs = Counter(sites[s] for s in doc_site)
        network_docs: Counter[str] = Counter()
        for s, n in site_docs.items():
            network_docs[network_of(s)] += n
        counts: dict[int, tuple[int, int]] = {}
        site_counts: dict[tuple[str, int], int] = {}
        site_t: dict[str, set[int]] = defaultdict(set)
        network_t: dict[str, set[int]] = defaultdict(set)
        cross: set[int] = set()
        examples: dict[int, tuple[str, str]] = {}
        self._skip_long = self._site_paragraphs(site_docs)
        self._story_counts = {}
        for h, docs in by_key.items():
            if len(docs) < 2:
                continue
            per_site = Counter(sites[doc_site[d]] for d in docs)
            # Counts of stories, not of documents: every copy of a wire story repeats its headline.
            counts[h] = (self._stories(docs), len(per_site))
            for s, c in per_site.items():
                site_counts[(s, h)] = c if c == 1 else self._stories([d for d in docs if sites[doc_site[d]] == s])
            if len(docs) < opts.min_docs:
                continue
            scopes: list[str] = []
            for s, c in per_site.items():
                if c >= max(opts.min_docs, opts.min_share * site_docs[s]) and self._stories_ok(
                        [d for d in docs if sites[doc_site[d]] == s]):
                    site_t[s].add(h)
                    scopes.append("site")
            per_net: dict[str, list[str]] = defaultdict(list)
            for s in per_site:
                per_net[network_of(s)].append(s)
            for net, members in per_net.items():
                c = sum(per_site[s] for s in members)
                if len(members) >= 2 and c >= max(opts.min_docs, opts.min_share * network_docs[net]) \
                        and self._stories_ok([d for d in docs if network_of(sites[doc_site[d]]) == net]):
                    network_t[net].add(h)
                    scopes.append("network")
            # A closing sentence is a site's or a network's own promo; across sites it is a story copied.
            if h not in self._segment_keys and (len(per_site) >= opts.min_sites_alone
                                                or scopes and len(per_site) >= opts.min_sites) \
                    and self._stories_ok(docs):
                cross.add(h)
                scopes.append("cross")
            if scopes:
                scope = "cross" if "cross" in scopes else "network" if "network" in scopes else "site"
                examples[h] = (self._example[h], scope)
        return Templates(
            site={s: frozenset(v) for s, v in sorted(site_t.items())},
            network={s: frozenset(v) for s, v in sorted(network_t.items())},
            cross=frozenset(cross), counts=counts, site_counts=site_counts, site_docs=dict(site_docs),
            examples=examples, segments=frozenset(h for h in examples if h in self._segment_keys), documents=n_docs,
            options=opts,
        )

    def _site_paragraphs(self, site_docs: Mapping[str, int]) -> set[int]:
        """Long lines that a site prints in many of its documents: they do not tie stories together."""
        opts = self.options
        per_site: dict[int, Counter[int]] = defaultdict(Counter)
        for d, longs in enumerate(self._long):
            per_site[self._doc_site[d]].update(longs)
        out: set[int] = set()
        for sid, counter in per_site.items():
            need = max(opts.min_docs, opts.site_paragraph_share * site_docs[self._sites[sid]])
            out.update(h for h, c in counter.items() if c >= need)
        return out

    def _stories_ok(self, docs: Sequence[int]) -> bool:
        """Whether these documents come from enough different stories (see the module docstring)."""
        opts = self.options
        need = max(opts.min_stories, opts.story_share * len(docs))
        # A count already made answers: counting that stops below ``need`` stays below it all the way.
        known = self._story_counts.get(tuple(docs))
        return (known if known is not None else self._stories(docs, need)) >= need

    def _stories(self, docs: Sequence[int], need: float = 0.0) -> int:
        """How many stories these documents tell (documents sharing a long line tell one); counting stops
        below ``need``. Whole counts are kept for the documents' list (:meth:`results` asks for the same
        list under several scopes: a key of one site)."""
        if need <= 0:
            key = tuple(docs)
            known = self._story_counts.get(key)
            if known is None:
                known = self._story_counts[key] = self._count_stories(docs, need)
            return known
        return self._count_stories(docs, need)

    def _count_stories(self, docs: Sequence[int], need: float) -> int:
        parent = list(range(len(docs)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        first: dict[int, int] = {}
        stories = len(docs)
        skip = self._skip_long
        for k, d in enumerate(docs):
            for lh in self._long[d]:
                if lh in skip:
                    continue
                j = first.setdefault(lh, k)
                if j != k:
                    a, b = find(j), find(k)
                    if a != b:
                        parent[b] = a
                        stories -= 1
                        if stories < need:
                            return stories
        return stories


def _title(doc: Document) -> str | None:
    return doc.title if isinstance(doc.title, str) else None


def learn_templates(docs: Iterable[Document], options: TemplateOptions = DEFAULT_OPTIONS) -> Templates:
    """Mine templates from documents (their raw texts)."""
    miner = TemplateMiner(options)
    for doc in docs:
        miner.add(site_of(doc), doc.text, _title(doc))
    return miner.results()


# -- applying them ----------------------------------------------------------------------------------------

TEMPLATE_CLEANER = "templates"
#: Closing sentences cut off one line at most (a promo of two or three sentences).
MAX_SEGMENT_CUTS = 3


@dataclass
class TemplateCleaner:
    """Drop the lines whose key is a learned template for the document's site (a line cleaner; put it
    after the rules)."""

    templates: Templates
    name: str = TEMPLATE_CLEANER

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        t = self.templates
        if not t.examples:
            return []
        opts = t.options
        line_heads, segment_heads = t.heads
        segment_start = t.segment_start
        site: str | None = None
        title_key: int | None | bool = False
        changes: list[Change] = []
        native = _line_miner(opts)
        todo: Iterable[int]
        if native is not None and type(lines) is list and type(line_heads) is dict:
            # The compiled kernel picks the lines worth a look (long ones for the closing sentences, short ones
            # whose first word starts a template): most are neither.
            todo = native.template_lines(lines, line_heads, opts.max_chars,
                                         opts.story_line_chars if segment_heads else -1,
                                         tuple(segment_heads) if segment_start is not None else None)
            if not todo:
                return changes
        else:
            todo = [i for i, line in enumerate(lines) if line]
        for i in todo:
            line = lines[i]
            assert line is not None
            s = line.strip()
            if not s:
                continue
            n = len(s)
            # Cheapest tests first: most lines are long paragraphs, and few start like a template.
            if segment_heads and n >= opts.story_line_chars:
                tail = s[-MAX_SEGMENT_CHARS - 10:].lower()
                # A closing sentence starts after a sentence end with one of the templates' first words.
                if (segment_start.search(tail) is not None if segment_start is not None
                        else any(w in tail for w in segment_heads)):
                    if site is None:
                        site = site_of(doc)
                    self._cut_segments(lines, i, site, changes, segment_heads)
            if n > opts.max_chars:
                continue
            words = line_heads.get(_head(s))
            if words is None or len(s.split()) not in words:
                continue
            # The next line that is not empty (those after this one are as they came: the loop goes in order).
            j = i + 1
            while j < len(lines) and not lines[j]:
                j += 1
            nxt = lines[j] if j < len(lines) else None
            if is_candidate(s, opts) and not is_fragment(s, nxt.strip() if nxt else None):
                h = line_key(s)
                if site is None:
                    site = site_of(doc)
                scope = t.scope_of(h, site)
                if scope is None:
                    continue
                if title_key is False:
                    title = _title(doc)
                    title_key = line_key(title) if title else None
                if h != title_key:  # the headline is not a template
                    changes.append(Change("drop_line", self.name, f"template.{scope}", i, 0, len(line), line, ""))
                    lines[i] = None
        return changes

    def _cut_segments(self, lines: list[str | None], i: int, site: str, changes: list[Change],
                      heads: frozenset[str]) -> None:
        """Cut learned closing sentences off the end of line ``i`` (several may follow each other)."""
        t = self.templates
        for _ in range(MAX_SEGMENT_CUTS):
            line = lines[i]
            assert line is not None
            found = last_segment(line)
            if found is None or _head(found[1]) not in heads:
                return
            start, seg = found
            h = line_key(seg) ^ SEGMENT_SALT
            # (the learned keys first: a sentence that is none of them need not be judged as a prompt)
            if h not in t.segments or not is_prompt(seg, t.options):
                return
            scope = t.scope_of(h, site)
            if scope is None:
                return
            changes.append(Change("replace", self.name, f"template.{scope}.sentence", i, start, len(line),
                                  line[start:], ""))
            lines[i] = line[:start]


# -- learning from a run's inputs -------------------------------------------------------------------------

#: A run learns templates by default from inputs of at least this many documents (``--templates auto``):
#: below it too few pages of a site repeat a line to tell its templates (see README for the measurements).
MIN_CORPUS_DOCS = 100
#: Bytes of input the learning pass parses at most: from larger inputs it takes every k-th document, so its
#: cost stays bounded whatever the corpus size (reading the rest of the bytes is cheap next to parsing).
SAMPLE_BYTES = 64_000_000


def mine_inputs(files: Sequence[Any], options: TemplateOptions = DEFAULT_OPTIONS, *,
                sample_bytes: int = SAMPLE_BYTES, keep: ParsedRecords | None = None) -> TemplateMiner:
    """Count the documents of a run's input files (``newsclean.io.InputFile``) in input order: JSONL
    records and Parquet rows with a ``text``, ``.txt`` files; HTML pages are not parsed for this. A file or
    record that cannot be read is skipped here (the cleaning pass reports it). Above ``sample_bytes`` of
    input, every k-th document is taken (k = input bytes / sample_bytes, rounded up): the same documents
    whatever the number of jobs. ``keep``: where the JSONL records parsed here are kept (as far as its
    budget goes) for a cleaning pass in this process, which then need not parse them again."""
    from .io import BadRecord, check_jsonl_start, doc_from_record, open_binary, parse_jsonl_line, read_txt

    miner = TemplateMiner(options)
    total = 0
    for f in files:
        try:
            total += f.path.stat().st_size
        except OSError:
            continue
    stride = max(1, -(-total // max(1, sample_bytes)))
    n = 0

    def take() -> bool:
        nonlocal n
        n += 1
        return (n - 1) % stride == 0

    def add_record(rec: Any, where: str) -> Document | None:
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            return None
        try:
            doc = doc_from_record(rec, default_id=where)
        except ValueError:
            return None
        miner.add(site_of(doc), doc.text, _title(doc))
        return doc

    for f in files:
        try:
            if f.kind == "jsonl":
                path = str(f.path)
                with open_binary(f.path, f.compression) as fh:
                    for i, raw in enumerate(fh, 1):
                        if i == 1:
                            check_jsonl_start(raw)  # UTF-16/32: fails in the cleaning pass
                        if raw.strip() and take():
                            rec = parse_jsonl_line(i, raw)
                            if not isinstance(rec, BadRecord):
                                # (the cleaning pass names a document without an id the same way)
                                doc = add_record(rec, f"{f.rel}:{i}")
                                if doc is not None and keep is not None:
                                    keep.keep(path, i, raw, rec, doc)
            elif f.kind == "parquet":
                import pyarrow.parquet as pq

                pf = pq.ParquetFile(f.path)
                cols = [c for c in ("text", "outlet", "source", "url") if c in pf.schema_arrow.names]
                if "text" not in cols:
                    continue
                for batch in pf.iter_batches(batch_size=1024, columns=cols):
                    for rec in batch.to_pylist():
                        if take():
                            add_record(rec, f.rel)
            elif f.kind == "txt" and take():
                doc = read_txt(f)
                miner.add(site_of(doc), doc.text, _title(doc))
        except Exception:  # noqa: BLE001 - unreadable here is reported by the cleaning pass
            continue
    return miner


def learn_from_inputs(files: Sequence[Any], options: TemplateOptions = DEFAULT_OPTIONS, *,
                      min_docs: int = MIN_CORPUS_DOCS, sample_bytes: int = SAMPLE_BYTES,
                      keep: ParsedRecords | None = None) -> Templates | None:
    """Templates of a run's inputs, or None when they hold fewer than ``min_docs`` documents (``keep``: see
    :func:`mine_inputs`)."""
    miner = mine_inputs(files, options, sample_bytes=sample_bytes, keep=keep)
    if miner.documents < min_docs:
        return None
    return miner.results()
