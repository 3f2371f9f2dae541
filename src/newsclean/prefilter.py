"""A Hyperscan prefilter for the rule engine: which lines of a document a rule could match at all.

Most lines of a news text are content that no rule matches, and trying the catalog's regexes on each
of them line by line is where pure-Python cleaning spends its time. Hyperscan compiles every rule of
a selection into one automaton and scans a whole document in one pass, in compiled code; the engine
(:mod:`newsclean.lines`) then tries Python's ``re`` only on the lines Hyperscan reported. Python's
``re`` stays the judge of every removal, so results do not change:

- Rules are compiled in Hyperscan's *prefilter* mode, which may report more than the pattern
  matches (look-arounds and very large repeats are approximated) but never less.
- Hyperscan (UTF-8, no Unicode properties) and Python agree on ``\\w``, ``\\s``, ``\\d`` and case
  folding for ASCII only: the translation widens every such class to all characters beyond ASCII, and
  lists for a case-insensitive letter every character Python takes for it (the Kelvin sign for "k",
  "ſ" for "s", "ς" for "σ" ...), so every document is prefiltered but one with a lone surrogate.
- The four characters beyond ASCII that Python takes for an ASCII letter (dotted and dotless i, long s, Kelvin
  sign) make a case-insensitive word such as ``baca`` a class per letter for Hyperscan, which then cannot
  look for it as a literal. Each selection is compiled twice, with and without them; a document that holds
  none of the four (nearly all) is scanned by the second, on which both report the same lines
  (``python -m benchmarks.prefilter_scan``: x1.15 on id_news_dev).
- A rule Hyperscan cannot compile even when approximated leaves its whole kind to Python.

``tests/test_prefilter.py`` checks that the two paths give identical results on random text built from
the rules' own examples (hypothesis), and ``NEWSCLEAN_PREFILTER=0`` turns the prefilter off.
Without the ``hyperscan`` package (it has wheels for Linux and macOS), cleaning is pure Python.
"""

from __future__ import annotations

import _sre
import bisect
import contextvars
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .budget import unbudgeted
from .catalog import Rule

__all__ = ["Hits", "RulePrefilter", "available", "eligible"]

try:  # pragma: no cover - exercised by which environment runs the tests
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None

# Lone surrogates cannot be encoded as UTF-8 for Hyperscan: a text with one takes the Python path.
_UNSAFE_RE = re.compile("[\ud800-\udfff]")

#: Kinds whose rules are whole-line matches (anchored at both line ends); inline and lexicon rules
#: are searched anywhere and only tell whether a document needs the Python scan at all.
LINE_KINDS = ("line", "tail", "block", "prefix")
SEARCH_KINDS = ("inline",)

#: Repeats with a larger upper bound become unbounded, and lower bounds are capped: a superset, and
#: what keeps Hyperscan's compile time at a fraction of a second (bounded repeats of ``.`` over UTF-8
#: build large automata).
MAX_BOUND = 8

#: The same for a repeated group (anything that matches more than one character): each further copy of a
#: group is another copy of its automaton (``(?:[👍💬…][ \t]*(?:\d+|suka|balas)[ \t]*){2,8}`` took 0.5 s of
#: Hyperscan's compile time alone, 25 ms as ``{2,}``). Not below 4: a few words between commas,
#: ``(?:[ \t]+[\w.'’-]+){0,3}``, is what keeps shared.tags.bare from reporting every line with two commas
#: (at 2: 11,463 reports on id_news_dev instead of 67).
MAX_GROUP_BOUND = 4

try:
    from re import _constants as _C
    from re import _parser as _P
    from re._casefix import _EXTRA_CASES
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile
    import sre_constants as _C  # type: ignore[no-redef]
    import sre_parse as _P  # type: ignore[no-redef]

    _EXTRA_CASES = sre_compile._ignorecase_fixes  # type: ignore[attr-defined]

# Character sets as Hyperscan class bodies, for Python's categories: ``wide`` takes in at least what
# Python matches (every non-ASCII character where Python's class holds some), ``narrow`` at most.
_CATEGORY_SETS = {
    "CATEGORY_DIGIT": ("0-9\\x{80}-\\x{10FFFF}", "0-9"),
    "CATEGORY_NOT_DIGIT": ("\\x{0}-\\x{9}\\x{B}-/:-\\x{10FFFF}", "\\x{0}-/:-\\x{7F}"),
    "CATEGORY_WORD": ("0-9A-Z_a-z\\x{80}-\\x{10FFFF}", "0-9A-Z_a-z"),
    "CATEGORY_NOT_WORD": ("\\x{0}-\\x{9}\\x{B}-/:-@\\[-^`{-\\x{10FFFF}", "\\x{0}-/:-@\\[-^`{-\\x{7F}"),
    "CATEGORY_SPACE": ("\\t\\x{B}-\\r \\x{1C}-\\x{1F}\\x{80}-\\x{10FFFF}", "\\t-\\r \\x{1C}-\\x{1F}"),
    "CATEGORY_NOT_SPACE": ("\\x{0}-\\x{8}\\x{E}-\\x{1F}!-\\x{10FFFF}", "!-~"),
}
# Python matches one line at a time, so no expression needs to match a line break: leaving it out
# of every class keeps each Hyperscan match inside one line (the one it is reported for).
_NEVER = "[^\\x{0}-\\x{10FFFF}]"


class Untranslatable(ValueError):
    """A construct the translation does not know; the rule's kind is then left to Python."""


def _char(c: int) -> str:
    ch = chr(c)
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{c:X}}}"


#: The only characters outside ASCII that Python's case-insensitive matching takes for an ASCII
#: letter (dotted and dotless i, long s, Kelvin sign; ``tests/test_prefilter.py`` checks it on every
#: code point). Which letter each stands for is asked of ``re`` itself.
_ASCII_LOOKALIKES = (0x130, 0x131, 0x17F, 0x212A)


#: A text that holds one of them is scanned by a database that lists them (see the module's docstring).
_LOOKALIKES = tuple(map(chr, _ASCII_LOOKALIKES))


def has_lookalike(text: str) -> bool:
    """Whether ``text`` holds one of the lookalikes, without a regex: a character class tested per character cost
    more than the scan it chooses. All four lie beyond U+00FF, and ``in`` answers at
    once for a text stored with narrower characters (most news text); otherwise each is a fast search.

    >>> has_lookalike("Lihat juga"), has_lookalike("L\u0130HAT JUGA"), has_lookalike("caf\u00e9 \u201cx\u201d")
    (False, True, False)
    """
    if text.isascii():
        return False
    return any(c in text for c in _LOOKALIKES)


# Whether the translation lists the lookalikes (the database for texts without them does not).
_with_lookalikes: contextvars.ContextVar[bool] = contextvars.ContextVar("with_lookalikes", default=True)


def _ascii_lookalikes(c: int) -> tuple[int, ...]:
    return _lookalikes_of(c) if _with_lookalikes.get() else ()


@functools.cache
def _lookalikes_of(c: int) -> tuple[int, ...]:
    return tuple(x for x in _ASCII_LOOKALIKES if re.fullmatch(re.escape(chr(c)), chr(x), re.IGNORECASE))


#: The characters ``re`` lowers to a letter without being that letter's upper or title case (the
#: Kelvin sign is lowered to "k"): all six of them, checked on every code point by a test.
_ODD_UPPER = {0x69: (0x130,), 0x6B: (0x212A,), 0xDF: (0x1E9E,), 0xE5: (0x212B,), 0x3B8: (0x3F4,),
              0x3C9: (0x2126,)}


def _cased(c: int) -> set[int]:
    """The characters Python's case-insensitive matching takes for ``c``: those with the same lower
    case, and those ``re`` adds to it (Greek final sigma, micro sign ...)."""
    if c < 0x80:
        ch = chr(c)
        return {ord(ch.lower()), ord(ch.upper()), *_ascii_lookalikes(c)}
    if not _sre.unicode_iscased(c):
        return {c}
    lo = _sre.unicode_tolower(c)
    out = set()
    for t in (lo, *_EXTRA_CASES.get(lo, ())):
        out.add(t)
        out.update(ord(v) for v in (chr(t).upper(), chr(t).title()) if len(v) == 1)
        out.update(_ODD_UPPER.get(t, ()))
    return out


def to_hyperscan(pattern: str, flags: int = 0) -> str:
    """Translate a Python regex into a Hyperscan expression (UTF-8 mode, no Unicode properties)
    that matches at least every string the Python regex matches: look-arounds and word boundaries
    are dropped, large repeats widened, and Unicode classes widened to every non-ASCII character.
    Case-insensitive parts come out as ``(?i:...)`` groups.

    >>> to_hyperscan(r"ab\\b(?=c)x{2,20}")
    'ab(?:x){2,}'
    >>> to_hyperscan("Baca", re.IGNORECASE)
    '(?i:Baca)'
    """
    tree = _P.parse(pattern, flags)
    icase = bool(tree.state.flags & re.IGNORECASE)  # also an inline "(?i)" at the start
    body = _emit(list(tree), icase)
    return f"(?i:{body})" if icase else body


def _emit(items: list, icase: bool) -> str:  # type: ignore[type-arg]
    return "".join(_node(op, av, icase) for op, av in items)


def _node(op, av, icase: bool) -> str:  # type: ignore[no-untyped-def]
    name = str(op)
    if name == "LITERAL":
        if av == 10:
            return _NEVER
        if icase:
            # Hyperscan folds ASCII letters itself; the rest of what Python takes for this one is listed.
            codes = {c for c in _cased(av) if c >= 0x80} | {av}
            if len(codes) > 1:
                return "[" + "".join(_char(c) for c in sorted(codes)) + "]"
        return _char(av)
    if name == "NOT_LITERAL":
        return "."  # every character but a line break: a superset within a line
    if name == "ANY":
        return "."
    if name == "IN":
        return _klass(av, icase)
    if name == "BRANCH":
        return "(?:" + "|".join(_emit(list(alt), icase) for alt in av[1]) + ")"
    if name == "SUBPATTERN":
        sub, inner_icase = _group_items(av, icase)
        return _case_group(_emit(sub, inner_icase), inner_icase, icase)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = av
        item = "(?:" + _emit(list(sub), icase) + ")"
        if hi != _C.MAXREPEAT and hi <= (MAX_BOUND if _single_char(sub) else MAX_GROUP_BOUND):
            return item + f"{{{lo},{hi}}}"
        lo = min(lo, MAX_BOUND)
        return item + ("*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}")
    if name == "ATOMIC_GROUP":
        return "(?:" + _emit(list(av), icase) + ")"
    if name == "AT":
        # Line anchors and word boundaries alike: dropping an assertion only widens the match
        # (and Hyperscan refuses an end anchor followed by more pattern).
        return ""
    if name in ("ASSERT", "ASSERT_NOT"):
        return ""
    if name == "GROUPREF":
        return ".*"
    if name == "GROUPREF_EXISTS":
        _group, yes, no = av
        return "(?:" + _emit(list(yes), icase) + "|" + (_emit(list(no), icase) if no else "") + ")"
    raise Untranslatable(name)


def _group_items(av, icase: bool) -> tuple[list, bool]:  # type: ignore[no-untyped-def,type-arg]
    """A group's items and whether they match ignoring case (the group's own flags over the enclosing ``icase``)."""
    _index, add, remove, sub = av
    return list(sub), (icase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE


def _case_group(body: str, inner: bool, icase: bool) -> str:
    """``body`` as a group, with a case modifier where it differs from the enclosing one."""
    if inner == icase:
        return "(?:" + body + ")"
    return ("(?i:" if inner else "(?-i:") + body + ")"


def _single_char(sub) -> bool:  # type: ignore[no-untyped-def]
    """Whether a repeated item matches one character at most (a literal, a class, any character)."""
    try:
        return int(sub.getwidth()[1]) <= 1
    except (AttributeError, IndexError, KeyError, TypeError):  # (taken for a group: widened)
        return False


def _klass(items, icase: bool) -> str:  # type: ignore[no-untyped-def]
    negate = bool(items) and str(items[0][0]) == "NEGATE"
    if negate:
        items = items[1:]
    # A negated class must list at most what Python excludes, a plain one at least what it takes.
    wide = not negate
    parts: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            codes = _cased(av) | {av} if icase and wide else {av}
            parts.extend(_char(c) for c in sorted(codes - {10} if wide else codes))
        elif name == "RANGE":
            lo, hi = av
            pieces = [(lo, 9), (11, hi)] if wide and lo <= 10 <= hi else [(lo, hi)]
            parts.extend(f"{_char(a)}-{_char(b)}" for a, b in pieces if a <= b)
            if icase and wide:
                if hi > 0x7F:
                    # Every character beyond ASCII, and the ASCII ones Python folds into the range.
                    parts.append("\\x{80}-\\x{10FFFF}")
                    in_range = re.compile(f"[{re.escape(chr(lo))}-{re.escape(chr(hi))}]", re.IGNORECASE)
                    parts.extend(_char(c) for c in range(0x80) if c != 10 and in_range.fullmatch(chr(c)))
                else:
                    parts.extend(_char(x) for c in range(lo, hi + 1) for x in _ascii_lookalikes(c))
        elif name == "CATEGORY":
            sets = _CATEGORY_SETS.get(str(av))
            if sets is None:
                raise Untranslatable(str(av))
            parts.append(sets[0] if wide else sets[1])
        else:
            raise Untranslatable(name)
    if negate:
        return "[^" + "".join(parts) + "\\n]"
    return "[" + "".join(parts) + "]" if parts else _NEVER


def _cache_dir() -> Path | None:
    """Where compiled databases are kept between runs (compiling the catalog takes a second or
    two; loading it, a millisecond): ``$NEWSCLEAN_CACHE``, else ``~/.cache/newsclean``; an empty
    ``NEWSCLEAN_CACHE`` turns the cache off."""
    env = os.environ.get("NEWSCLEAN_CACHE")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsclean"


def available() -> bool:
    """Whether the prefilter can be used here (``hyperscan`` installed, not turned off)."""
    return _hs is not None and os.environ.get("NEWSCLEAN_PREFILTER", "1") != "0"


def eligible(text: str) -> bool:
    """Whether the prefilter can scan a text: anything but a lone surrogate (which has no UTF-8).

    >>> eligible("JAKARTA, KOMPAS.com – Harga “cabai” naik 5%, suhu 3\u212a, ſ, ı.")
    True
    >>> eligible("lone " + chr(0xD800) + " surrogate")
    False
    """
    return _UNSAFE_RE.search(text) is None


@dataclass
class Hits:
    """What scans of one document found. ``lines[kind]``: indexes of the lines some rule of the kind
    could match (the whole line, or its start for a prefix rule); ``rules[kind]``: positions (in the
    kind's rule list) of the search rules that could match somewhere. ``None`` for a kind left to Python."""

    lines: dict[str, set[int] | None]
    rules: dict[str, set[int] | None]

    def update(self, other: Hits, changed: set[int]) -> None:
        """Take in a scan of the ``changed`` lines only (the other lines' hits still hold, since a
        whole-line match depends on nothing but its line)."""
        for kind, found in other.lines.items():
            mine = self.lines[kind]
            if mine is not None and found is not None:
                mine -= changed
                mine |= found
        for kind, found_rules in other.rules.items():
            mine_rules = self.rules[kind]
            if mine_rules is not None and found_rules is not None:
                mine_rules |= found_rules


class RulePrefilter:
    """The rules of one compiled selection as Hyperscan databases. Build with :meth:`build`.

    Rules limited to some outlets go into a database of their own, apart from the others: the
    selections of many outlets with rules of their own (learned ones) then share one database of
    the common rules, compiled (about 2 s) and held (about 1.6 MB) once per process, and each adds
    only a small one for its own rules."""

    def __init__(self, by_kind: dict[str, Sequence[Rule]], lexicon_patterns: Sequence[str] = ()) -> None:
        assert _hs is not None
        groups: dict[bool, list[tuple[str, int, str, int]]] = {False: [], True: []}
        for kind in (*LINE_KINDS, *SEARCH_KINDS):
            for pos, rule in enumerate(by_kind.get(kind, ())):
                groups[bool(rule.outlets)].append((kind, pos, rule.pattern, rule.flags))
        # Lexicon rules look for their terms in a folded copy of a line; for an ASCII line that is its
        # lower case, so their patterns, case-insensitive, tell which ASCII lines they could take.
        for pos, (rule, pattern) in enumerate(zip(by_kind.get("lexicon", ()), lexicon_patterns)):
            groups[bool(rule.outlets)].append(("lexicon", pos, pattern, re.IGNORECASE))
        self._groups = [items for items in groups.values() if items]
        # Per database: (db, kind of each expression, position of its rule in its kind's list). Compiled without
        # the lookalikes; the databases with them, for the texts that hold one, when the first such text comes.
        self._parts, self.unfiltered = self._compile_parts(lookalikes=False)
        self._parts_lookalikes: list[tuple[Any, list[str], list[int]]] | bool | None = None
        self._lexicon_db = None
        if lexicon_patterns:
            f = _BASE_FLAGS | _hs.HS_FLAG_SINGLEMATCH
            lex = [_expression(p, 0) for p in lexicon_patterns]
            if all(p is not None for p in lex):
                self._lexicon_db = _lexicon_database(tuple(lex), (f,) * len(lex))  # type: ignore[arg-type]

    def _compile_parts(self, *, lookalikes: bool) -> tuple[list[tuple[Any, list[str], list[int]]], set[str]]:
        parts = []
        unfiltered: set[str] = set()
        for items in self._groups:
            db, taken, left = _rule_database(tuple((kind, pattern, flags) for kind, _, pattern, flags in items),
                                             lookalikes=lookalikes)
            unfiltered |= left
            if db is not None:
                parts.append((db, [items[i][0] for i in taken], [items[i][1] for i in taken]))
        return parts, unfiltered

    def _parts_for(self, text: str) -> list[tuple[Any, list[str], list[int]]] | None:
        """The databases that scan ``text``; None when those with the lookalikes leave another kind to Python than
        those without (never seen: the document then takes the Python path)."""
        if not has_lookalike(text):
            return self._parts
        if self._parts_lookalikes is None:
            # Set-up, as the selection's compile (pipeline): not the document's time. Counted, the first
            # text with a lookalike in a run with a cold cache paid 10-19 s for it and was skipped as over budget.
            with unbudgeted():
                parts, unfiltered = self._compile_parts(lookalikes=True)
            self._parts_lookalikes = parts if unfiltered == self.unfiltered else False
        return None if self._parts_lookalikes is False else self._parts_lookalikes

    @classmethod
    def build(cls, by_kind: dict[str, Sequence[Rule]], lexicon_patterns: Sequence[str] = ()) -> RulePrefilter | None:
        """A prefilter for these rules, or ``None`` when Hyperscan is not available."""
        if not available():
            return None
        return cls(by_kind, lexicon_patterns)

    def scan(self, lines: Sequence[str | None], subset: Sequence[int] | None = None) -> Hits | None:
        """Scan one document's lines (``None`` for dropped ones), or only the lines in ``subset``;
        ``None`` if the text is not eligible (see :func:`eligible`)."""
        index = range(len(lines)) if subset is None else subset
        text = "\n".join(lines[i] or "" for i in index)
        if _UNSAFE_RE.search(text) is not None:
            return None
        parts = self._parts_for(text)
        if parts is None:
            return None
        data = text.encode("utf-8")
        found_lines: dict[str, set[int] | None] = {k: (None if k in self.unfiltered else set()) for k in LINE_KINDS}
        found_rules: dict[str, set[int] | None] = {k: (None if k in self.unfiltered else set())
                                                   for k in SEARCH_KINDS}
        if data:
            breaks = [m.start() for m in _NEWLINE_RE.finditer(data)]
            for db, kind_of, position in parts:
                on_match = _collector(kind_of, position, breaks, index, found_lines, found_rules)
                db.scan(data, match_event_handler=on_match)
        return Hits(found_lines, found_rules)

    def scan_lines(self, lines: Sequence[str | None], subset: Sequence[int] | None = None, *,
                   text: str | None = None) -> dict[str, dict[int, set[int]]] | None:
        """Like :meth:`scan`, per line and rule: ``found[kind][i]`` holds the positions (in the kind's rule
        list) of the rules of each kind (line kinds, ``inline``, and ``lexicon`` for ASCII lines) that
        could match line ``i``; ``None`` if the text is not eligible. ``text``: the lines (all of them)
        joined, if the caller has it. Only for a prefilter that leaves no kind to Python."""
        if text is None:
            text = "\n".join([lines[i] or "" for i in (range(len(lines)) if subset is None else subset)])
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not eligible
            return None
        parts = self._parts_for(text)
        if parts is None:
            return None
        found: dict[str, dict[int, set[int]]] = {k: {} for k in _ALL_KINDS}
        if data:
            for db, kind_of, position in parts:
                db.scan(data, match_event_handler=_line_collector(kind_of, position, data, subset, found))
        return found

    def lexicon(self, folded: str) -> bool | None:
        """Whether a lexicon term could occur in ``folded`` text (``None``: ask Python)."""
        if self._lexicon_db is None or _UNSAFE_RE.search(folded) is not None:
            return None
        if not folded:
            return False
        return scan_any(self._lexicon_db, folded.encode("utf-8"))


def scan_any(db: Any, data: bytes) -> bool:
    """Whether any expression of ``db`` matches in ``data`` (the scan stops at the first match)."""
    hit = False

    def on_match(idx: int, start: int, end: int, flags: int, context: object) -> bool:
        nonlocal hit
        hit = True
        return True  # one is enough: stop scanning

    try:
        db.scan(data, match_event_handler=on_match)
    except _hs.ScanTerminated:  # type: ignore[union-attr]
        pass
    return hit


#: Databases of fewer rules are not kept in the disk cache (about 2 ms to compile each).
DISK_CACHE_MIN_EXPRESSIONS = 16

_BASE_FLAGS = (_hs.HS_FLAG_PREFILTER | _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_MULTILINE | _hs.HS_FLAG_ALLOWEMPTY
               if _hs is not None else 0)


def _collector(kind_of: list[str], position: list[int], breaks: list[int], index: Sequence[int],
               found_lines: dict[str, set[int] | None], found_rules: dict[str, set[int] | None]) -> Any:
    def on_match(idx: int, start: int, end: int, flags: int, context: object) -> None:
        kind = kind_of[idx]
        if kind in found_lines:
            hits = found_lines[kind]
            if hits is not None:  # None: a rule of the kind is not prefiltered, Python sees every line
                # No expression matches a line break, so a match lies in the line it ends in.
                hits.add(index[bisect.bisect_left(breaks, end)])
        elif kind in found_rules:
            rules = found_rules[kind]
            if rules is not None:
                rules.add(position[idx])
    return on_match


#: How a rule's expression sits in its line, per kind: the whole line; at its start; anywhere. These
#: forms report a line once (one end offset), however many ways the rule could match in it; but an
#: NFA that has to follow a whole line is what a scan spends its time on, so most rules get a
#: cheaper form of their own (:func:`_expressions`).
_LINE_FORMS = {"line": "^(?:{})$", "tail": "^(?:{})$", "block": "^(?:{})$", "prefix": "^(?:{}).*$",
               "inline": "^.*(?:{}).*$", "lexicon": "^.*(?:{}).*$"}

_ALL_KINDS = (*LINE_KINDS, *SEARCH_KINDS, "lexicon")


def _line_collector(kind_of: list[str], position: list[int], data: bytes, subset: Sequence[int] | None,
                    found: dict[str, dict[int, set[int]]]) -> Any:
    # Matches come in order of their end (counting from the last one is then enough: linear in the text, where
    # counting from the start for every match was not); one that ends before the last counts from the start.
    last = [0, 0]  # (end of the last match, line breaks before it)

    def on_match(idx: int, start: int, end: int, flags: int, context: object) -> None:
        # No expression matches a line break, so a match lies in the line it ends in: the number
        # of line breaks before its end.
        line = last[1] + data.count(b"\n", last[0], end) if end >= last[0] else data.count(b"\n", 0, end)
        last[0] = end
        last[1] = line
        if subset is not None:
            line = subset[line]
        per_line = found[kind_of[idx]]
        at = per_line.get(line)
        if at is None:
            per_line[line] = {position[idx]}
        else:
            at.add(position[idx])
    return on_match


def _expression(pattern: str, re_flags: int, *, kind: str | None = None) -> bytes | None:
    """The Hyperscan expression for a rule's pattern, in its kind's line form (:data:`_LINE_FORMS`;
    as it is without a kind), or None when it cannot be translated."""
    try:
        expr = to_hyperscan(pattern, re_flags)
    except (Untranslatable, re.error):
        return None
    if kind is not None:
        expr = _LINE_FORMS[kind].format(expr)
    return expr.encode("utf-8")


def _expressions(pattern: str, re_flags: int, kind: str) -> list[bytes] | None:
    """The Hyperscan expressions that stand for a rule of ``kind`` in a scan (a match of any of them
    ends in the line it reports; together they report every line the rule could match), or None when
    the rule cannot be translated.

    - ``prefix``: the rule at the start of a line, without following the rest of the line (a match
      ending anywhere in it reports it);
    - ``inline``, ``lexicon``, and whole-line rules that start with a long run of any characters
      (``.{0,80}?\\b(?:gabung|ikuti)``): their *cores* (:func:`_cores`), searched anywhere: a match of
      the rule holds a match of one of them;
    - other whole-line rules with an alternative that starts with a word or two and then runs on
      (``posted\\s+in\\s+[^.!?\\n]{1,60}``): one expression in which such an alternative stands for its start
      only (:func:`_head_form`); Hyperscan then need not follow the line to its end, and such automata
      were most of the databases' compile time and size;
    - the others, and rules without a core: their kind's line form (:data:`_LINE_FORMS`)."""
    try:
        whole = to_hyperscan(pattern, re_flags)  # (what cannot be translated whole is not taken apart)
        tree = _P.parse(pattern, re_flags)
        icase = bool(tree.state.flags & re.IGNORECASE)
        if kind == "prefix":
            items = _trim_end(_no_assertions(list(tree)))
            return [("^(?i:" if icase else "^(?:").encode() + _emit(items, icase).encode("utf-8") + b")"]
        if kind in ("inline", "lexicon") or (kind in ("line", "tail", "block") and _floats(list(tree))):
            found = _cores(list(tree), icase)
            if found is not None:
                return [c.encode("utf-8") for c in dict.fromkeys(found)]
        if kind in ("line", "tail", "block"):
            body, cut = _head_form(list(tree), icase)
            if cut:  # (else the line form below, the same expression)
                return [("^(?i:" + body + ")" if icase else "^(?:" + body + ")").encode("utf-8")]
    except (Untranslatable, re.error):
        return None
    return [_LINE_FORMS[kind].format(whole).encode("utf-8")]


#: Literal characters a core must hold at least (in every match), else the rule keeps its line form.
CORE_MIN_LITERALS = 3

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _no_assertions(items: list) -> list:  # type: ignore[type-arg]
    return [(op, av) for op, av in items if str(op) not in ("AT", "ASSERT", "ASSERT_NOT")]


def _min_width(op, av) -> int:  # type: ignore[no-untyped-def]
    """The fewest characters the item matches; 0 when that cannot be told out of its pattern (a
    back-reference: the widths of the groups it names are not known here), which only ever makes a
    core shorter."""
    try:
        return int(_P.SubPattern(_P.State(), [(op, av)]).getwidth()[0])
    except (IndexError, KeyError, TypeError):
        return 0


def _trim_end(items: list) -> list:  # type: ignore[type-arg]
    """``items`` without what may match nothing at their end, and the last repeat at its least: every
    match of ``items`` starts with a match of the result."""
    items = list(items)
    while items and _min_width(*items[-1]) == 0:
        items.pop()
    if items and str(items[-1][0]) in _REPEATS:
        op, (lo, hi, sub) = items[-1]
        items[-1] = (op, (lo, lo, sub))
    return items


def _small_class(items) -> bool:  # type: ignore[no-untyped-def]
    """A class of a few listed characters (``[-–—]``), as good as a literal in a core."""
    count = 0
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            count += 1
        elif name == "RANGE":
            count += av[1] - av[0] + 1
        else:
            return False
    return 0 < count <= 6


def _literals(op, av) -> int:  # type: ignore[no-untyped-def]
    """Literal characters (or small classes) every match of the item holds."""
    name = str(op)
    if name == "LITERAL":
        return 1
    if name == "IN":
        return 1 if _small_class(av) else 0
    if name == "SUBPATTERN":
        return sum(_literals(o, a) for o, a in av[3])
    if name == "BRANCH":
        return min(sum(_literals(o, a) for o, a in alt) for alt in av[1])
    if name in _REPEATS:
        return av[0] * sum(_literals(o, a) for o, a in av[2])
    if name == "ATOMIC_GROUP":
        return sum(_literals(o, a) for o, a in av)
    return 0


def _wide(op, av) -> bool:  # type: ignore[no-untyped-def]
    """Whether the item holds something a core should not: any character, a class of many (but
    white space), a back-reference."""
    name = str(op)
    if name in ("ANY", "NOT_LITERAL", "GROUPREF", "GROUPREF_EXISTS"):
        return True
    if name == "IN":
        return not _small_class(av) and not (len(av) == 1 and str(av[0][1]) == "CATEGORY_SPACE")
    if name in _REPEATS:
        return any(_wide(o, a) for o, a in av[2])
    if name == "SUBPATTERN":
        return any(_wide(o, a) for o, a in av[3])
    if name == "BRANCH":
        return any(_wide(o, a) for alt in av[1] for o, a in alt)
    if name == "ATOMIC_GROUP":
        return any(_wide(o, a) for o, a in av)
    return False


def _definite_edge(op, av, *, front: bool) -> bool:  # type: ignore[no-untyped-def]
    """Whether every non-empty match of the item starts (``front``) or ends with a literal or a small
    class (:func:`_small_class`)."""
    name = str(op)
    if name == "LITERAL":
        return True
    if name == "IN":
        return _small_class(av)
    if name == "SUBPATTERN":
        return _definite_edge_seq(list(av[3]), front=front)
    if name == "BRANCH":
        return all(_definite_edge_seq(list(alt), front=front) for alt in av[1])
    if name in _REPEATS:
        return _definite_edge_seq(list(av[2]), front=front)
    if name == "ATOMIC_GROUP":
        return _definite_edge_seq(list(av), front=front)
    return False


def _definite_edge_seq(items: list, *, front: bool) -> bool:  # type: ignore[type-arg]
    """:func:`_definite_edge` for a sequence: its items from that end, up to the first that cannot match
    nothing, all have definite edges (assertions match nothing and are passed over); False for a
    sequence that may match nothing."""
    seq = _no_assertions(items)
    for op, av in (seq if front else reversed(seq)):
        if not _definite_edge(op, av, front=front):
            return False
        if _min_width(op, av) > 0:
            return True
    return False


def _floats(items: list) -> bool:  # type: ignore[type-arg]
    """Whether a match may start with a long run of wide characters (``.{0,80}?``, ``[^.!?]{3,280}``):
    anchored at every line start, such a rule keeps Hyperscan following most lines to their end."""
    items = _no_assertions(items)
    if not items:
        return False
    op, av = items[0]
    name = str(op)
    if name == "SUBPATTERN":
        return _floats(list(av[3]))
    if name == "BRANCH":
        return any(_floats(list(alt)) for alt in av[1])
    return name in _REPEATS and (av[1] == _C.MAXREPEAT or av[1] > MAX_BOUND) and _wide(op, av)


def _cores(items: list, icase: bool) -> list[str] | None:  # type: ignore[type-arg]
    """Hyperscan expressions, one of which matches inside every match of ``items`` (so a line with a
    match of the rule has a match of one of them): for an alternation, the cores of each branch; for
    a sequence, the sequence without the items at either end that may match nothing or hold wide
    ones, if what is left holds :data:`CORE_MIN_LITERALS` literal characters. None when there is no
    such core."""
    items = _no_assertions(items)
    if len(items) == 1:
        op, av = items[0]
        name = str(op)
        if name == "SUBPATTERN":
            return _cores(*_group_items(av, icase))
        if name == "BRANCH":
            out: list[str] = []
            for alt in av[1]:
                found = _cores(list(alt), icase)
                if found is None:
                    return None
                out += found
            return out
        if name == "ATOMIC_GROUP":
            return _cores(list(av), icase)
    # The sequence without what may match nothing, or any character, at either end: what is left
    # starts and ends with something definite (a literal, a small class), whatever lies between.
    # A wide item stays at an end if every match of it starts (at the front) or ends (at the back) with a
    # literal or a small class: ``(?i:google\s*news|the\s+[\w.+ ]{1,30}\s+app)`` anchors a core as well
    # as a literal does, whatever it holds inside.
    run = list(items)
    while run and (_wide(*run[0]) and not _definite_edge(*run[0], front=True) or _min_width(*run[0]) == 0):
        run.pop(0)
    while run and (_wide(*run[-1]) and not _definite_edge(*run[-1], front=False) or _min_width(*run[-1]) == 0):
        run.pop()
    if run and sum(_literals(op, av) for op, av in run) >= CORE_MIN_LITERALS:
        run = _trim_end(run)
        run.reverse()
        run = _trim_end(run)  # (trimming the start: a repeat there kept at its least)
        run.reverse()
        body = _emit(run, icase)
        return ["(?i:" + body + ")" if icase else body]
    # A group of its own may have cores (``\s*(?:a|b)\s*``).
    for op, av in items:
        if str(op) in ("SUBPATTERN", "BRANCH") and _min_width(op, av) > 0:
            found = _cores([(op, av)], icase)
            if found is not None:
                return found
    return None


#: Literal characters the start of a whole-line alternative must hold to stand for it (:func:`_head_form`).
HEAD_MIN_LITERALS = 5


def _head_form(items: list, icase: bool) -> tuple[str, bool]:  # type: ignore[type-arg]
    """``(body, cut)``: a Hyperscan body that, after a line start, matches a start of every line ``items``
    matches whole; ``cut`` tells whether some alternative stands only for its start (its items up to the
    first long run of wide characters, :func:`_floats`, if they hold :data:`HEAD_MIN_LITERALS` literal
    characters). The others stay whole, their end anchored at the line's end."""
    items = _no_assertions(items)
    if len(items) == 1:
        op, av = items[0]
        name = str(op)
        if name == "SUBPATTERN":
            sub, inner = _group_items(av, icase)
            body, cut = _head_form(sub, inner)
            return _case_group(body, inner, icase), cut
        if name == "ATOMIC_GROUP":
            return _head_form(list(av), icase)
        if name == "BRANCH":
            parts = [_head_form(list(alt), icase) for alt in av[1]]
            return "(?:" + "|".join(body for body, _ in parts) + ")", any(cut for _, cut in parts)
    run = []
    for op, av in items:
        if _floats([(op, av)]):
            break
        run.append((op, av))
    if len(run) < len(items):
        run = _trim_end(run)
        if run and sum(_literals(op, av) for op, av in run) >= HEAD_MIN_LITERALS:
            return _emit(run, icase), True
    return "(?:" + _emit(items, icase) + ")$", False


@functools.lru_cache(maxsize=1)
def _translation_key() -> str:
    """Changes whenever this module (the translation) or Hyperscan changes: part of the disk cache key."""
    assert _hs is not None
    return hashlib.sha256(Path(__file__).read_bytes() + _hs.__version__.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _rule_database(rules: tuple[tuple[str, str, int], ...], *,
                   lookalikes: bool = True) -> tuple[Any, list[int], set[str]]:
    """``(database or None, indexes of the rules it holds, kinds left to Python)`` for rules given as
    ``(kind, pattern, re flags)``. A rule that cannot be translated or compiled leaves its kind to
    Python. Shared by every selection of the process that holds the same rules, and kept on disk
    (:func:`_cache_dir`) keyed by the rules themselves, so that a run that finds it there neither
    translates nor compiles anything (a start-up cost of about 0.1 s and 2 s)."""
    assert _hs is not None
    cache = _cache_dir() if len(rules) >= DISK_CACHE_MIN_EXPRESSIONS else None
    path = None
    if cache is not None:
        key = hashlib.sha256(repr((_translation_key(), rules, lookalikes)).encode()).hexdigest()[:32]
        path = cache / f"hs-rules-{key}.db"
        found = _load_cached(path)
        if found is not None:
            return found
    if path is not None:
        _announce_compile(path.parent)
    token = _with_lookalikes.set(lookalikes)
    try:
        db, taken, unfiltered = _build_rule_database(rules)
    finally:
        _with_lookalikes.reset(token)
    if path is not None:
        head = json.dumps({"taken": taken, "unfiltered": sorted(unfiltered)}).encode() + b"\n"
        _store_cached(path, head + (_hs.dumpb(db) if db is not None else b""))
    return db, taken, unfiltered


def _load_cached(path: Path) -> tuple[Any, list[int], set[str]] | None:
    if not path.exists():
        return None
    try:
        data = path.read_bytes()
        nl = data.index(b"\n")
        head = json.loads(data[:nl])
        blob = data[nl + 1:]
        db = None
        if blob:
            db = _hs.loadb(blob, _hs.HS_MODE_BLOCK)  # type: ignore[union-attr]
            db.scratch = _hs.Scratch(db)  # type: ignore[union-attr]
        return db, list(head["taken"]), set(head["unfiltered"])
    except Exception:  # a damaged or foreign cache file: compile again
        return None


def _store_cached(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:  # a read-only home: compile again next time
        pass


def _build_rule_database(rules: tuple[tuple[str, str, int], ...]) -> tuple[Any, list[int], set[str]]:
    assert _hs is not None
    exprs: list[bytes] = []
    flags: list[int] = []
    taken: list[int] = []
    unfiltered: set[str] = set()
    for i, (kind, pattern, re_flags) in enumerate(rules):
        found = _expressions(pattern, re_flags, kind)
        if found is None:
            unfiltered.add(kind)
            continue
        for expr in found:  # (a rule may stand as several expressions: taken names its rule)
            exprs.append(expr)
            flags.append(_BASE_FLAGS)
            taken.append(i)
    # Matches of a kind left to Python are ignored by the scan, so its other expressions may stay.
    db = _database(tuple(exprs), tuple(flags))
    if db is False:
        # Some expression does not compile: find it, and leave its kind to Python.
        for k in range(len(exprs)):
            if _database((exprs[k],), (flags[k],)) is False:
                unfiltered.add(rules[taken[k]][0])
        keep = [k for k in range(len(exprs)) if rules[taken[k]][0] not in unfiltered]
        db = _database(tuple(exprs[k] for k in keep), tuple(flags[k] for k in keep))
        if db is False:  # each compiles alone, not all together: every kind goes to Python
            unfiltered.update(rules[taken[k]][0] for k in keep)
            keep, db = [], None
        taken = [taken[k] for k in keep]
    return db, taken, unfiltered


_log = logging.getLogger("newsclean")
_announced = False


def _announce_compile(cache: Path) -> None:
    """Say once per process that the rules are being compiled (the first run pauses here; the
    command line shows ``logging`` messages of the ``newsclean`` logger)."""
    global _announced
    if not _announced:
        _announced = True
        _log.info("compiling rules, once (cached in %s)", cache)


@functools.lru_cache(maxsize=16)
def _lexicon_database(exprs: tuple[bytes, ...], flags: tuple[int, ...]) -> Any:
    """The lexicon's database (a few long alternations of spam terms: about 50 ms to compile), kept on
    disk like the rules' one; None when it does not compile."""
    return cached_database("lexicon", exprs, flags)


def cached_database(name: str, exprs: tuple[bytes, ...], flags: tuple[int, ...]) -> Any:
    """A small database of other modules (``name`` keys its file: the lexicon, the glued promos' triggers), compiled
    once and kept on disk like the rules' one (:func:`_cache_dir`); None when it does not compile."""
    assert _hs is not None
    cache = _cache_dir()
    path = None
    if cache is not None:
        key = hashlib.sha256(repr((_translation_key(), exprs, flags)).encode()).hexdigest()[:32]
        path = cache / f"hs-{name}-{key}.db"
        found = _load_cached(path)
        if found is not None:
            return found[0]
    if path is not None:
        _announce_compile(path.parent)
    db = _database(exprs, flags) or None
    if path is not None and db is not None:
        _store_cached(path, b'{"taken": [], "unfiltered": []}\n' + _hs.dumpb(db))
    return db


@functools.lru_cache(maxsize=256)
def _database(exprs: tuple[bytes, ...], flags: tuple[int, ...]) -> Any:
    """A compiled database, None for no expressions, False when they do not compile."""
    assert _hs is not None
    if not exprs:
        return None
    db = _hs.Database()
    try:
        db.compile(expressions=list(exprs), ids=list(range(len(exprs))), elements=len(exprs), flags=list(flags))
    except _hs.error:
        return False
    return db


_NEWLINE_RE = re.compile(b"\n")
