"""The rule catalog: TOML files of boilerplate rules, loaded and validated once, compiled per selection.

A rule file looks like::

    lang = "id"                      # "*" for rules that apply to every language

    [[rule]]
    id = "id.related"                # unique, dotted
    kind = "line"                    # line | prefix | inline | block | tail | lexicon
    pattern = '''baca\\s+juga\\b.*'''  # Python regex; case-insensitive unless case_sensitive = true
    max_chars = 300                  # longest line the rule may remove (line, tail, block, lexicon)
    examples = ["Baca Juga: AS Suruh Putin Memilih"]      # must match (a test checks every one)
    counter_examples = ["Ia membaca juga buku itu."]      # must not match

Kinds (see :mod:`newsclean.lines` for how each is applied):

- ``line``: the whole line matches ``pattern``; the line is dropped.
- ``prefix``: ``pattern`` matches at the start of one of the first ``window`` non-empty lines of the
  body; the matched characters are cut (datelines, outlet names).
- ``inline``: ``pattern`` is searched inside a line; each match is cut (a promo glued into a paragraph).
  With ``window = N``, only inside the last N kept lines (an editor's initials glued to the end).
- ``block``: a trigger line matches ``pattern``; it and up to ``follow`` following lines that match
  ``follow_pattern`` are dropped (a bare "Baca juga" line and the headline it introduces). With
  ``require_follow = true`` the trigger is dropped only together with a follower; with ``window = N``
  the trigger must be among the first N non-empty lines (the last N with ``from_end = true``: a
  "Tags:" or "Related Articles" header that opens the teaser list closing a page, and never above the
  page's first paragraph of prose, where such a header is a menu's). With
  ``stop_at_prose = true`` a follower that reads as prose (:func:`is_prose`) is taken only when the next
  line does not: a teaser list alternates headlines and one-paragraph summaries, an article's body is
  paragraphs in a row, so a header printed in the middle of a body takes no paragraph of it. With
  ``list_follow = N``, once ``follow`` followers are taken, up to N more lines go while each reads as a listed
  headline (:func:`newsclean.positional.listed_headlines_after`: the rest of a "Related" list), unless the
  last of them introduces the paragraph after it (a second story's headline and its first paragraph).
- ``tail``: like ``line``, but only among the last ``window`` non-empty lines (credits, initials, tags).
- ``repeat``: two adjacent identical lines that match ``pattern``, among the last ``window`` kept
  lines, are both dropped (a video title printed twice above the credits).
- ``echo``: a later line identical to the document's first kept line (the headline, which ``pattern``
  must match) is dropped, the first kept; with ``window = N``, only among the first N kept lines
  (pages print the title again above the article, after a source label or a gallery).
- ``lexicon``: ``terms`` (spam words) are looked up in a folded copy of the line (case, diacritics,
  homoglyphs); a line of at most ``max_chars`` that contains one is dropped.

A rule may carry ``outlet = ["detik.com", ...]``: it then applies only to documents of those outlets
(a sub-domain matches its domain); ``exclude_outlet = [...]`` keeps it away from some outlets.

``requires = ["juga", ...]`` is a speed hint: the rule is only tried on documents whose lowercased
text contains one of these strings. It must hold for every text the rule can match (a test checks the
examples), since a document without any of them is never looked at by the rule.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import diskcache

__all__ = [
    "KINDS",
    "Catalog",
    "CatalogError",
    "Rule",
    "default_catalog",
    "load_rule_file",
    "normalize_outlet",
]

KINDS = ("line", "prefix", "inline", "block", "tail", "repeat", "echo", "lexicon")

#: Defaults applied when a rule does not say. Named here so they can be tuned in one place.
DEFAULT_MAX_CHARS = 300
DEFAULT_PREFIX_WINDOW = 1
DEFAULT_TAIL_WINDOW = 5
DEFAULT_BLOCK_FOLLOW = 1
#: A line at least this long that ends a sentence reads as prose (``stop_at_prose``): teaser headlines are
#: shorter, or end without a stop; body paragraphs and teaser summaries are not.
PROSE_MIN_CHARS = 80
_PROSE_END = re.compile(r"""[.!?…][\s"'”’)\]]*$""")


def is_prose(line: str) -> bool:
    """Whether a line reads as a paragraph of prose: long, and closed by a sentence's end.

    >>> is_prose("Senate passes spending bill")
    False
    >>> is_prose("The measure, which passed 62-38 late on Tuesday after weeks of talks, now heads to the House, "
    ...          "where its prospects remain uncertain, aides said.")
    True
    """
    return len(line) >= PROSE_MIN_CHARS and _PROSE_END.search(line) is not None

#: The first line takes no rank in a prefix rule's window when it reads as the page's headline (at most this long
#: and not ending like a sentence): a dateline starts the first paragraph, below the headline a page printed. Only
#: one such line whatever its length (below it a song's or a list's lines would pass for the body); after it, short
#: labels (:data:`MAX_HEAD_LABELS`), or every line above a first paragraph of prose (:func:`head_span`).
HEAD_LINE_MAX_CHARS = 150
MAX_HEAD_LINES = 1
_PARAGRAPH_END = (".", "!", "?", '"', "”", "’", ")", "…", ":")


#: Besides that line, up to this many short labels above the body take no rank either (a site's name, a section:
#: "KINI BALI", "Pariwisata"): at most :data:`HEAD_LABEL_MAX_WORDS` words and :data:`HEAD_LABEL_MAX_CHARS` characters.
MAX_HEAD_LABELS = 3
HEAD_LABEL_MAX_WORDS = 3
HEAD_LABEL_MAX_CHARS = 40


def skips_rank(line: str, skipped: int, span: int = 0) -> bool:
    """Whether a line above the body takes no rank in a prefix rule's window, after ``skipped`` lines that took none:
    any of the first ``span`` lines (:func:`head_span`), else the first line that is not a paragraph
    (:func:`heads_body`), then short labels.

    >>> head = "Zentra Resmi Luncurkan Nova 12"
    >>> skips_rank(head, 0), skips_rank("Pariwisata", 1), skips_rank(head, 1), skips_rank("Jakarta - Harga naik.", 0)
    (True, True, False, False)
    >>> skips_rank(head, 1, span=2)
    True
    """
    if skipped < span:
        return True
    if heads_body(line):
        return False
    if skipped < MAX_HEAD_LINES:
        return True
    s = line.strip()
    return skipped < MAX_HEAD_LINES + MAX_HEAD_LABELS and len(s) <= HEAD_LABEL_MAX_CHARS \
        and len(s.split()) <= HEAD_LABEL_MAX_WORDS


#: When the first paragraph is prose, up to this many lines above it take no rank in a prefix rule's window, whatever
#: their length (the headline, a deck, a photo caption without a full stop): the dateline starts that paragraph.
MAX_HEAD_SPAN = 6


def head_span(lines: Iterable[str]) -> int:
    """How many of the first kept ``lines`` sit above a first paragraph that reads as prose (:func:`is_prose`), at most
    :data:`MAX_HEAD_SPAN`; 0 when the first paragraph is not prose (the lines of a list or a song) or comes later.

    >>> head_span(["Cabinet clears Phase 3A of metro", "The corridor will link two suburbs; the State will seek equity",
    ...            "KOCHI: The State Cabinet on Thursday approved the metro's third phase, officials said on Friday."])
    2
    >>> head_span(["Lirik lagu baru", "Lagu ini telah tayang di YouTube pada Juni 2025", "PRE-CHORUS Ain't no way"])
    0
    >>> head_span(["Wheat price scrapped", "Sehri 5:02 AM | Iftar 6:14 PM (Lahore)",
    ...            "LAHORE: The Punjab government on Wednesday confirmed it would not fix a price, officials said."])
    2
    """
    for n, line in enumerate(lines):
        if n > MAX_HEAD_SPAN:
            break
        if is_prose(line):
            return n
        if heads_body(line) and len(line) >= PROSE_MIN_CHARS:
            return 0  # a long first paragraph that is not prose: a list's, a table's
        # (A short line that ends like a paragraph, "Sehri 5:02 AM | Iftar 6:14 PM (Lahore)", is a widget's above the
        # body, as the headline and the labels are.)
    return 0


def body_start(lines: Sequence[str | None], alive: Iterable[int]) -> int:
    """The index of the first of the ``alive`` lines that reads as prose (:func:`is_prose`), ``len(lines)`` when none: a
    block rule counted from the end (``from_end``) never takes a line above it, since a header that closes a page comes
    after its body ("Latest News" over the headline of a short page is its menu).

    >>> body_start(["Latest News", "Council approves budget", None, "The council approved the budget on Tuesday, "
    ...             "after a session that ran past midnight."], [0, 1, 3])
    3
    """
    return next((k for k in alive if is_prose(lines[k] or "")), len(lines))


def heads_body(line: str) -> bool:
    """Whether a line takes a rank in a prefix rule's window: a paragraph (long, or ending like a sentence or with the
    colon that opens a list), not a headline or a label above the body. (A line a prefix rule cut takes its rank too.)

    >>> heads_body("Zentra Resmi Luncurkan Nova 12"), heads_body("Jakarta - Produsen ponsel itu meluncurkan Nova 12.")
    (False, True)
    """
    s = line.rstrip()
    return len(s) > HEAD_LINE_MAX_CHARS or s.endswith(_PARAGRAPH_END)


_ID_RE = re.compile(r"^[a-z0-9_]+(?:[.\-][a-z0-9_]+)*$")
_ALLOWED_KEYS = {
    "id", "kind", "pattern", "terms", "max_chars", "window", "follow", "follow_pattern", "outlet",
    "examples", "counter_examples", "description", "case_sensitive", "min_chars", "require_follow", "stop_at_prose",
    "exclude_outlet", "requires", "from_end", "list_follow",
}


class CatalogError(ValueError):
    """A rule file is malformed: the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    lang: str
    pattern: str = ""
    terms: tuple[str, ...] = ()
    max_chars: int = DEFAULT_MAX_CHARS
    min_chars: int = 0
    window: int = 0
    follow: int = 0
    follow_pattern: str = ""
    list_follow: int = 0
    outlets: tuple[str, ...] = ()
    excluded_outlets: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    description: str = ""
    case_sensitive: bool = False
    require_follow: bool = False
    from_end: bool = False
    stop_at_prose: bool = False
    source: str = ""

    @property
    def flags(self) -> int:
        return 0 if self.case_sensitive else re.IGNORECASE

    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def applies_to(self, outlet: str | None) -> bool:
        def among(names: tuple[str, ...]) -> bool:
            return bool(outlet) and any(outlet == o or outlet.endswith("." + o) for o in names)  # type: ignore[operator]

        if self.excluded_outlets and among(self.excluded_outlets):
            return False
        return not self.outlets or among(self.outlets)


def normalize_outlet(value: object) -> str | None:
    """Reduce an outlet name or URL to a bare lowercase host; None for anything but a non-empty
    string (a document's url may be any JSON value, a list among them).

    >>> normalize_outlet("https://www.Kompas.com/read/2022/01/13/x")
    'kompas.com'
    >>> normalize_outlet("detik.com")
    'detik.com'
    >>> normalize_outlet("yahoo.com/news"), normalize_outlet(["yahoo.com"])
    ('yahoo.com', None)
    """
    return _host(value) if isinstance(value, str) and value else None


@lru_cache(maxsize=4096)  # called per document, mostly with the same few outlet names
def _host(value: str) -> str | None:
    v = value.strip().lower()
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
    v = v.split("/", 1)[0].split(":", 1)[0]
    if v.startswith("www."):
        v = v[4:]
    return v or None


def _as_str_tuple(value: Any, where: str, key: str = "") -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    raise CatalogError(f"{where}: {key + ' ' if key else ''}expected a string or a list of strings, got {value!r}")


#: Keys that must hold a boolean (TOML ``true``/``false``): the string "false" would read as true.
_BOOL_KEYS = ("case_sensitive", "require_follow", "from_end", "stop_at_prose")
#: Keys that must hold a string when present.
_STR_KEYS = ("pattern", "follow_pattern", "description")


def _regex_problem(pattern: str, flags: int) -> str | None:
    """Why ``pattern`` cannot be a rule's regex, or None. Rules of a kind are combined into one
    alternation, each inside a group (:mod:`newsclean.lines`), so a pattern must compile there too:
    no global inline flags such as ``(?i)`` (they must open the whole expression), and no
    backreferences (``\\1``, ``(?(1)...)``: group numbers change in the combined regex)."""
    try:
        parsed = _sre_parse(pattern, flags)
    except re.error as exc:
        return f"bad regex {pattern!r}: {exc}"
    if _has_backreference(parsed):
        return (f"bad regex {pattern!r}: backreferences (\\1, (?(1)...)) are not supported, because a rule's "
                "groups are renumbered when rules are combined")
    try:
        re.compile(f"(?:{pattern})", flags)
    except re.error as exc:
        if "global flags" not in str(exc):  # a variable-width look-behind, say: re's own words
            return f"bad regex {pattern!r}: {exc}"
        return (f"bad regex {pattern!r}: {exc}; inline flags such as (?i) cannot be used, because rules are "
                "combined into one regex: rules ignore case unless case_sensitive = true, and a scoped "
                "group (?i:...) works anywhere")
    return None


def _sre_parse(pattern: str, flags: int) -> Any:
    if sys.version_info >= (3, 11):
        from re import _parser as sre_parse
    else:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    return sre_parse.parse(pattern, flags)


def _has_backreference(parsed: Any) -> bool:
    if sys.version_info >= (3, 11):
        from re import _constants as c
    else:  # pragma: no cover
        import sre_constants as c  # type: ignore[no-redef]
    names = ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE")
    refs = [r for r in (getattr(c, name, None) for name in names) if r is not None]

    def walk(node: Any) -> bool:
        if isinstance(node, (list, tuple)) or type(node).__name__ == "SubPattern":
            items = list(node)
            if len(items) == 2 and any(items[0] is r for r in refs):
                return True
            return any(walk(x) for x in items)
        return False

    return walk(parsed)


def _parse_rule(raw: Mapping[str, Any], lang: str, source: str, *, check_regex: bool = True) -> Rule:
    rid = raw.get("id")
    where = f"{source}: rule {rid!r}"
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise CatalogError(f"{where}: 'id' must be a lowercase dotted name")
    unknown = set(raw) - _ALLOWED_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CatalogError(f"{where}: 'kind' must be one of {KINDS}, got {kind!r}")
    for key in _BOOL_KEYS:
        if key in raw and not isinstance(raw[key], bool):
            raise CatalogError(f"{where}: {key!r} must be true or false (TOML booleans, no quotes), "
                               f"got {raw[key]!r}")
    for key in _STR_KEYS:
        if key in raw and not isinstance(raw[key], str):
            raise CatalogError(f"{where}: {key!r} must be a string, got {raw[key]!r}")
    pattern = raw.get("pattern", "")
    terms = _as_str_tuple(raw.get("terms"), where, "'terms':")
    if kind == "lexicon":
        if not terms:
            raise CatalogError(f"{where}: a lexicon rule needs 'terms'")
    elif not isinstance(pattern, str) or not pattern:
        raise CatalogError(f"{where}: 'pattern' must be a non-empty string")
    if "(?P<" in pattern:
        raise CatalogError(f"{where}: named groups are reserved; use (?:...) groups")
    for key in ("max_chars", "min_chars", "window", "follow", "list_follow"):
        v = raw.get(key, 0)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise CatalogError(f"{where}: {key!r} must be a non-negative integer")
    examples = _as_str_tuple(raw.get("examples"), where, "'examples':")
    if not examples:
        raise CatalogError(f"{where}: every rule needs at least one example")
    window = raw.get("window", 0)
    if kind == "prefix":
        window = window or DEFAULT_PREFIX_WINDOW
    elif kind in ("tail", "repeat"):
        window = window or DEFAULT_TAIL_WINDOW
    follow = raw.get("follow", DEFAULT_BLOCK_FOLLOW if kind == "block" else 0)
    follow_pattern = raw.get("follow_pattern", "")
    if kind == "block" and not follow_pattern:
        raise CatalogError(f"{where}: a block rule needs 'follow_pattern'")
    if raw.get("list_follow") and kind != "block":
        raise CatalogError(f"{where}: 'list_follow' is for block rules")
    rule = Rule(
        id=rid,
        kind=kind,
        lang=lang,
        pattern=pattern,
        terms=terms,
        max_chars=raw.get("max_chars", DEFAULT_MAX_CHARS),
        min_chars=raw.get("min_chars", 0),
        window=window,
        follow=follow,
        follow_pattern=follow_pattern,
        list_follow=raw.get("list_follow", 0),
        outlets=tuple(normalize_outlet(o) or "" for o in _as_str_tuple(raw.get("outlet"), where, "'outlet':")),
        excluded_outlets=tuple(normalize_outlet(o) or ""
                               for o in _as_str_tuple(raw.get("exclude_outlet"), where, "'exclude_outlet':")),
        requires=tuple(x.lower() for x in _as_str_tuple(raw.get("requires"), where, "'requires':")),
        examples=examples,
        counter_examples=_as_str_tuple(raw.get("counter_examples"), where, "'counter_examples':"),
        description=str(raw.get("description", "")),
        case_sensitive=bool(raw.get("case_sensitive", False)),
        require_follow=bool(raw.get("require_follow", False)),
        from_end=bool(raw.get("from_end", False)),
        stop_at_prose=bool(raw.get("stop_at_prose", False)),
        source=source,
    )
    if "(?P<" in follow_pattern:
        raise CatalogError(f"{where}: named groups are reserved; use (?:...) groups")
    for pat in (rule.pattern, rule.follow_pattern):
        if pat and check_regex:
            problem = _regex_problem(pat, rule.flags)
            if problem is not None:
                raise CatalogError(f"{where}: {problem}")
    return rule


#: CPU seconds a rule may spend on its own examples when a rule file is loaded.
EXAMPLE_SECONDS = 2.0


def rule_matches(rule: Rule, text: str) -> bool:
    """Whether ``rule`` takes ``text`` as one line, the way :mod:`newsclean.lines` applies it:
    the whole line (``line``, ``tail``, ``block`` trigger, ``repeat``, ``echo``, within the rule's
    length limits), its start (``prefix``), a span inside it (``inline``), or a lexicon term.

    >>> rule_matches(Rule("x", "line", "id", pattern="baca juga:.*", examples=("x",)), "Baca Juga: X")
    True
    """
    if rule.kind in ("line", "tail", "block", "repeat", "echo"):
        fits = rule.min_chars <= len(text) <= rule.max_chars
        return fits and re.fullmatch(rule.pattern, text, rule.flags) is not None
    if rule.kind == "prefix":
        m = re.match(rule.pattern, text, rule.flags)
        return m is not None and m.end() > 0
    if rule.kind == "inline":
        return any(m.end() > m.start() for m in re.finditer(rule.pattern, text, rule.flags))
    from .lines import fold_for_lexicon, lexicon_regex, looks_like_sentence

    if len(text) > rule.max_chars or looks_like_sentence(text):
        return False
    return lexicon_regex(rule).search(fold_for_lexicon(text)) is not None


def check_examples(rules: Sequence[Rule], *, seconds: float | None = EXAMPLE_SECONDS) -> None:
    """Every rule must take each of its ``examples`` and none of its ``counter_examples`` (each rule
    within ``seconds`` of CPU time: a pattern that backtracks without end on its own examples is
    refused here rather than met in the middle of a run). Raises :class:`CatalogError`."""
    from .budget import OverBudget, cpu_budget

    for rule in rules:
        where = f"{rule.source}: rule {rule.id!r}"
        try:
            with cpu_budget(seconds):
                for ex in rule.examples:
                    if not rule_matches(rule, ex):
                        raise CatalogError(f"{where}: the rule does not match its example {ex!r}")
                for ex in rule.counter_examples:
                    if rule_matches(rule, ex):
                        raise CatalogError(f"{where}: the rule matches its counter-example {ex!r}")
        except OverBudget:
            raise CatalogError(f"{where}: matching its own examples took more than {seconds:g} s of CPU time "
                               "(a pattern that backtracks without end, such as (a+)+$?)") from None


def load_rule_file(path: str | Path, *, text: str | None = None, check_regex: bool = True,
                   check: bool | None = None) -> list[Rule]:
    """Parse and validate one rule file. Raises :class:`CatalogError` with the file and rule named.

    ``check_regex=False`` skips compiling every pattern to check it (the built-in catalog, whose
    patterns the tests compile, is loaded that way: a run compiles only the regexes it uses).
    ``check`` (by default as ``check_regex``): every rule is tried on its examples and
    counter-examples too (:func:`check_examples`)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    source = str(path)
    try:
        data = tomllib.loads(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{source}: cannot read rule file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    lang = data.get("lang", "*")
    if not isinstance(lang, str) or not lang:
        raise CatalogError(f"{source}: 'lang' must be a language code or '*'")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise CatalogError(f"{source}: rules must be written as [[rule]] tables")
    unknown = set(data) - {"lang", "rule", "description"}
    if unknown:
        raise CatalogError(f"{source}: unknown top-level keys {sorted(unknown)}")
    if not all(isinstance(r, dict) for r in raw_rules):
        raise CatalogError(f"{source}: rules must be written as [[rule]] tables")
    rules = [_parse_rule(r, lang, source, check_regex=check_regex) for r in raw_rules]
    if check_regex if check is None else check:
        check_examples(rules)
    return rules


@dataclass(frozen=True)
class Catalog:
    """A validated set of rules with unique ids. Select and compile with :meth:`select`."""

    rules: tuple[Rule, ...]
    _by_id: Mapping[str, Rule] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        seen: dict[str, Rule] = {}
        for r in self.rules:
            if r.id in seen:
                raise CatalogError(f"duplicate rule id {r.id!r} in {seen[r.id].source} and {r.source}")
            seen[r.id] = r
        object.__setattr__(self, "_by_id", seen)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> Catalog:
        rules: list[Rule] = []
        for p in paths:
            rules.extend(load_rule_file(p))
        return cls(tuple(rules))

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def __add__(self, other: Catalog) -> Catalog:
        return Catalog(self.rules + other.rules)

    @property
    def langs(self) -> list[str]:
        return sorted({r.lang for r in self.rules if r.lang != "*"})

    def select(self, lang: str | None, outlet: str | None = None) -> tuple[Rule, ...]:
        """The rules that apply to a document of ``lang`` and ``outlet``. ``lang=None`` (language
        unknown) selects the rules of every language: their patterns rarely overlap, and a short
        promo line is better judged by all of them than by none."""
        return tuple(
            r for r in self.rules
            if (lang is None or r.lang == "*" or r.lang == lang) and r.applies_to(outlet)
        )


def _builtin_rule_texts() -> list[tuple[str, str]]:
    pkg = resources.files("newsclean") / "rules"
    out = []
    for entry in sorted(pkg.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            out.append((f"newsclean/rules/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The built-in catalog shipped in ``newsclean/rules/*.toml``, loaded and validated once (per
    process; the parsed rules are kept in the disk cache, :mod:`newsclean.diskcache`, keyed by the
    rule files and this module's source)."""
    texts = _builtin_rule_texts()
    key = diskcache.file_digest(Path(__file__), sys.version, *(f"{name}\0{text}" for name, text in texts))
    found = diskcache.load("catalog", key)
    if isinstance(found, tuple):
        try:
            return Catalog(tuple(Rule(*values) for values in found))
        except TypeError:  # not what this module stores: parse the files again
            pass
    rules: list[Rule] = []
    for name, text in texts:
        rules.extend(load_rule_file(name, text=text, check_regex=False))
    diskcache.store("catalog", key, tuple(tuple(getattr(r, f.name) for f in fields(Rule)) for r in rules))
    return Catalog(tuple(rules))


def rules_by_kind(rules: Sequence[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {k: [] for k in KINDS}
    for r in rules:
        out[r.kind].append(r)
    return out
