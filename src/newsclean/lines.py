"""The line/span engine: applies a compiled selection of catalog rules to the lines of one document.

All rules of one kind are compiled into a single alternation (one named group per rule), so a
line costs one anchored regex attempt per kind whatever the size of the catalog, and lines longer
than every rule's ``max_chars`` are skipped without any regex at all.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cached_property

from .catalog import MAX_HEAD_SPAN, Rule, body_start, head_span, is_prose, rules_by_kind, skips_rank
from .document import Change
from .lines_fast import apply_fast
from .positional import listed_headlines_after
from .prefilter import Hits, RulePrefilter

__all__ = ["CompiledRules", "fold_for_lexicon", "lexicon_regex", "looks_like_sentence", "LINE_CLEANER"]

LINE_CLEANER = "rules"

# Letters that spammers swap in to dodge filters, folded to the Latin letter they imitate.
# NFKD + dropping combining marks already handles accents ("hongkonģ" -> "hongkong").
_HOMOGLYPHS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "г": "r", "ԁ": "d", "ɡ": "g",
    "α": "a", "ο": "o", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u",
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
})
_HOMOGLYPH_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _HOMOGLYPHS) + "]")
_SENTENCE_END = tuple('.!?"”’)')


# Combining marks (accents) left after NFKD; the ranges cover Latin, Greek and Cyrillic accents.
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_for_lexicon(text: str) -> str:
    """Fold case, diacritics, compatibility forms and common homoglyphs for spam-term lookup.

    >>> fold_for_lexicon("Posted By : togel hongkonģ")
    'posted by : togel hongkong'
    >>> fold_for_lexicon("ЅLOТ GАСOR")
    'slot gacor'
    """
    if text.isascii():
        return text.lower()
    t = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).lower()
    # str.translate walks every character in Python's slow path: only when a homoglyph is there.
    return t.translate(_HOMOGLYPHS) if _HOMOGLYPH_RE.search(t) else t


def lexicon_pattern(rule: Rule) -> str:
    """The pattern of :func:`lexicon_regex` (not compiled: a run compiles it only if a line needs it)."""
    return r"(?<![a-z0-9])(?:" + "|".join(
        re.escape(fold_for_lexicon(t)).replace(r"\ ", r"\s*") for t in rule.terms) + r")(?![a-z0-9])"


def lexicon_regex(rule: Rule) -> re.Pattern[str]:
    """A lexicon rule's terms as one regex over :func:`fold_for_lexicon` text (whole words)."""
    return re.compile(lexicon_pattern(rule))


def looks_like_sentence(line: str) -> bool:
    """A lexicon term inside a full sentence is usually news *about* gambling, not spam: such
    lines are left to the other rules."""
    return line.rstrip().endswith(_SENTENCE_END) and len(line.split()) > 6


def _alternation(rules: Sequence[Rule], attr: str = "pattern") -> re.Pattern[str] | None:
    return _compiled_alternation(tuple(rules), attr)


@functools.lru_cache(maxsize=4096)
def _compiled_alternation(rules: tuple[Rule, ...], attr: str) -> re.Pattern[str] | None:
    # Shared by every compiled selection in the process: selections differ by a few outlet rules,
    # and most of their tiers compile to the same alternation.
    if not rules:
        return None
    parts = []
    for i, r in enumerate(rules):
        flags = "" if r.case_sensitive else "i"
        pat = getattr(r, attr)
        parts.append(f"(?P<r{i}>(?{flags}:{pat}))" if flags else f"(?P<r{i}>(?:{pat}))")
    return re.compile("|".join(parts))


#: Line-length tiers: a line is only tried against the rules whose ``max_chars`` reaches its length,
#: compiled together per tier, so the long lines that make up most of a text meet few rules.
_TIERS = (40, 60, 80, 100, 120, 160, 200, 250, 300, 400, 500, 1000, 3000)


def _candidate_lines(lines: Sequence[str | None], could_match: Callable[[str], bool]) -> list[int]:
    return [i for i, line in enumerate(lines) if line and could_match(line)]


def _which(m: re.Match[str], rules: Sequence[Rule]) -> Rule:
    name = m.lastgroup
    if name is not None and name.startswith("r"):
        return rules[int(name[1:])]
    for key, val in m.groupdict().items():  # pragma: no cover - lastgroup is set for our patterns
        if val is not None:
            return rules[int(key[1:])]
    raise AssertionError("a match without a rule group")


def _next_is_prose(lines: list[str | None], j: int) -> bool:
    """Whether the first non-empty line after ``j`` that is still there reads as prose."""
    for k in range(j + 1, len(lines)):
        nxt = lines[k]
        if nxt is not None and nxt.strip():
            return is_prose(nxt)
    return False


class _DocState:
    """What the rounds over one document share: the gated rules whose ``requires`` literals occur
    in it (found on first use: with the prefilter most documents never need them), and the
    prefilter's hits, kept up to date by rescanning only the lines a cut changed."""

    def __init__(self, rules: CompiledRules, lines: Sequence[str | None]) -> None:
        self._rules = rules
        self._lines = list(lines)
        self._ids: frozenset[str] | None = None
        self.hits: Hits | None = None
        self._scanned = False

    @property
    def ids(self) -> frozenset[str]:
        if self._ids is None:
            text = "\n".join(line or "" for line in self._lines)
            self._ids = self._rules._present(text.lower()) if self._rules._gated else frozenset()
        return self._ids

    def refresh(self, lines: Sequence[str | None], changed: set[int] | None) -> Hits | None:
        """The prefilter's hits for ``lines`` now, after cuts changed the ``changed`` lines."""
        prefilter = self._rules._prefilter
        if prefilter is None:
            return None
        if not self._scanned:
            self.hits = prefilter.scan(lines)
            self._scanned = True
        elif self.hits is not None and changed:
            # Cuts only remove characters, so changed lines stay eligible.
            again = prefilter.scan(lines, sorted(changed))
            if again is None:  # pragma: no cover - see above
                self.hits = None
            else:
                self.hits.update(again, changed)
        return self.hits


class _Kind:
    """The rules of one kind, and their alternation (compiled on first use: with the prefilter, a
    run over a few documents may never need it)."""

    __slots__ = ("rules", "max_chars", "_regex")

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.max_chars = max((r.max_chars for r in rules), default=0)
        self._regex: re.Pattern[str] | None | bool = False

    @property
    def regex(self) -> re.Pattern[str] | None:
        if self._regex is False:
            self._regex = _alternation(self.rules)
        return self._regex  # type: ignore[return-value]


class CompiledRules:
    """A selection of rules compiled for fast application. Build once, apply to many documents."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        by = rules_by_kind(self.rules)
        self._line = self._kind(by["line"])
        self._tail = self._kind(by["tail"])
        self._prefix = self._kind(by["prefix"])
        self._inline = self._kind(by["inline"])
        self._block = self._kind(by["block"])
        self._block_windowed = any(r.window for r in by["block"])
        self._tail_window = max((r.window for r in by["tail"]), default=0)
        self._prefix_window = max((r.window for r in by["prefix"]), default=0)
        self._inline_tail_window = max((r.window for r in by["inline"]), default=0)
        self._repeat = by["repeat"]
        self._echo = by["echo"]
        self._lexicon = by["lexicon"]
        self._lexicon_patterns = [lexicon_pattern(r) for r in self._lexicon]

        # Prefilters: a line meets one alternation of the rules that allow its length (and, for
        # rules with ``requires`` literals, that the document could match at all); candidates are
        # then confirmed rule by rule. Everything is compiled once, on first use.
        self._scanners: dict[tuple[str, int], re.Pattern[str] | None] = {}
        self._singles: dict[tuple[str, int], re.Pattern[str]] = {}
        self._tier_cache: dict[tuple[str, int], re.Pattern[str] | None] = {}
        self._gated_rules = [r for r in self.rules if r.requires]
        self._gated = bool(self._gated_rules)
        self._literals = sorted({x for r in self._gated_rules for x in r.requires})
        self._inline_doc = [r for r in by["inline"] if not r.window]
        self._prefilter = RulePrefilter.build(by, self._lexicon_patterns)

    # Regexes compiled on first use (a run over a few documents needs few of them).

    @cached_property
    def _prefix_res(self) -> list[re.Pattern[str]]:
        return [re.compile(r.pattern, r.flags) for r in self._prefix.rules]

    @cached_property
    def _block_triggers(self) -> list[re.Pattern[str]]:
        # Block rules are few and positional: tried one by one, in catalog order.
        return [re.compile(r.pattern, r.flags) for r in self._block.rules]

    @cached_property
    def _block_follow(self) -> list[re.Pattern[str]]:
        return [re.compile(r.follow_pattern, r.flags) for r in self._block.rules]

    @cached_property
    def _repeat_re(self) -> list[re.Pattern[str]]:
        return [re.compile(r.pattern, r.flags) for r in self._repeat]

    @cached_property
    def _echo_re(self) -> list[re.Pattern[str]]:
        return [re.compile(r.pattern, r.flags) for r in self._echo]

    @cached_property
    def _lexicon_re(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self._lexicon_patterns]

    def _present(self, lower: str) -> frozenset[str]:
        """Ids of the gated rules whose ``requires`` literals occur in the document."""
        found = {x for x in self._literals if x in lower}
        return frozenset(r.id for r in self._gated_rules if not found.isdisjoint(r.requires))

    def _scanner(self, kind: str, rules: Sequence[Rule], present: frozenset[str]) -> list[re.Pattern[str]]:
        """MULTILINE searches ("$" in an inline pattern means the end of the line) for the rules a
        document could match: one alternation of the ungated rules, one regex per present gated rule."""
        key = (kind, -1)
        ungated = self._scanners.get(key, False)
        if ungated is False:
            alt = _alternation([r for r in rules if not r.requires])
            ungated = re.compile(alt.pattern, re.MULTILINE) if alt is not None else None
            self._scanners[key] = ungated
        out = [ungated] if ungated is not None else []
        out += [self._single(r, re.MULTILINE) for r in rules if r.requires and r.id in present]
        return out  # type: ignore[return-value]

    def _single(self, rule: Rule, extra: int = 0) -> re.Pattern[str]:
        key = (rule.id, extra)
        rx = self._singles.get(key)
        if rx is None:
            rx = self._singles[key] = re.compile(rule.pattern, rule.flags | extra)
        return rx

    def _tiered(self, kind: str, rules: Sequence[Rule], present: frozenset[str]) -> Callable[[str], bool]:
        """``could_match(line)``: whether a rule of the kind may fullmatch the line, judged by one
        alternation of the rules that allow its length (gated rules only when present)."""
        tiers = self._tier_cache
        gated = [(r.max_chars, self._single(r), r.requires) for r in rules if r.requires and r.id in present]
        longest_gated = max((g[0] for g in gated), default=-1)

        def could_match(line: str) -> bool:
            # Tier t holds lengths in (_TIERS[t-1], _TIERS[t]]: the rules that may take such a line
            # are those whose limit exceeds the tier's lower bound (the exact limit is checked later).
            # Ungated rules share one alternation per tier; present gated rules are tried one by one
            # (compiled once each, whatever mix of them a document has).
            n = len(line)
            t = bisect.bisect_left(_TIERS, n)
            key = (kind, t)
            rx = tiers.get(key, False)
            if rx is False:
                low = _TIERS[t - 1] if t else 0
                rx = tiers[key] = _alternation([r for r in rules if not r.requires and r.max_chars > low])
            if rx is not None and rx.fullmatch(line) is not None:  # type: ignore[union-attr]
                return True
            if n > longest_gated:
                return False
            # A rule's literal lies inside what it matches, here the line itself.
            low = line.lower()
            return any(n <= limit and any(x in low for x in lits) and g.fullmatch(line) is not None
                       for limit, g, lits in gated)
        return could_match

    def _windowed_inline_could_match(self, line: str, windowed: Sequence[Rule]) -> bool:
        """Whether one of these windowed inline rules (the only ones that look at a line the
        document-level scan did not flag) matches inside ``line``."""
        low = None
        for r in windowed:
            if r.requires:
                low = line.lower() if low is None else low
                if not any(x in low for x in r.requires):
                    continue
            if self._single(r).search(line) is not None:
                return True
        return False

    @staticmethod
    def _kind(rules: list[Rule]) -> _Kind:
        return _Kind(rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _line_match(kind: _Kind, line: str) -> Rule | None:
        if not kind.rules or len(line) > kind.max_chars:
            return None
        m = kind.regex.fullmatch(line)
        if m is None:
            return None
        rule = _which(m, kind.rules)
        if rule.min_chars <= len(line) <= rule.max_chars:
            return rule
        # The first alternative that matched has limits this line breaks; another rule may still
        # take it (rare, so the slow path is fine).
        for r in kind.rules:
            if r is not rule and r.min_chars <= len(line) <= r.max_chars and re.fullmatch(r.pattern, line, r.flags):
                return r
        return None

    def _lexicon_match(self, line: str) -> Rule | None:
        if not self._lexicon:
            return None
        folded = None
        for rule, rx in zip(self._lexicon, self._lexicon_re):
            if len(line) > rule.max_chars:
                continue
            if looks_like_sentence(line):
                continue
            if folded is None:
                folded = fold_for_lexicon(line)
            if rx.search(folded):
                return rule
        return None

    @staticmethod
    def _followers(lines: list[str], i: int, rule: Rule, follow_re: re.Pattern[str]) -> list[int]:
        """Indexes of the lines after ``i`` that a block rule takes along."""
        out: list[int] = []
        j = i + 1
        while j < len(lines) and len(out) < rule.follow:
            nxt = lines[j]
            if nxt is not None and nxt.strip():
                if len(nxt) > rule.max_chars or not follow_re.fullmatch(nxt):
                    break
                if rule.stop_at_prose and is_prose(nxt) and _next_is_prose(lines, j):
                    break
                out.append(j)
            j += 1
        if rule.list_follow and out and len(out) == rule.follow:
            out += listed_headlines_after(lines, out[-1] + 1, rule.list_follow)
        return out

    # -- the engine --------------------------------------------------------------------------

    def apply(self, lines: list[str], *, cleaner: str = LINE_CLEANER) -> list[Change]:
        """Decide every line of one document; mutate ``lines`` into the result (dropped lines
        become ``None``) and return the explain steps, in the order they were applied.

        Rules see each other's results (a dropped promo moves the body's first line up to where a
        dateline rule looks; a cut dateline can leave a promo line), so rounds repeat until one
        changes nothing: cleaning an output again then finds nothing more to do. Later rounds
        re-check only the lines a cut changed, plus the positional rules (head, tail)."""
        fast = apply_fast(self, lines, cleaner)
        if fast is not None:
            return fast
        return self.apply_reference(lines, cleaner=cleaner)

    def apply_reference(self, lines: list[str], *, cleaner: str = LINE_CLEANER) -> list[Change]:
        """:meth:`apply` without the fast path (:mod:`newsclean.lines_fast`): the specification it
        follows, and the path of documents it cannot take."""
        changes: list[Change] = []
        present = _DocState(self, lines)
        only: set[int] | None = None
        # Every change removes characters or a line, so the rounds end; most documents need one
        # or two. A cap would leave whatever the last round exposed for a second cleaning to find.
        while True:
            before = len(changes)
            only = self._apply_once(lines, changes, cleaner, present, only)
            if len(changes) == before:
                break
        return changes

    def _apply_once(self, lines: list[str], changes: list[Change], cleaner: str, present: _DocState,
                    only: set[int] | None) -> set[int]:
        """One round over the lines; ``only`` limits the content rules to these lines (None: all).
        Returns the lines whose text a cut changed."""
        touched: set[int] = set()
        # Lines each kind could match, found by one compiled scan (None: every line is a candidate).
        hits = present.refresh(lines, only)
        line_hits = hits.lines if hits is not None else {}

        def drop(i: int, rule: Rule) -> None:
            changes.append(Change("drop_line", cleaner, rule.id, i, 0, len(lines[i]), lines[i], ""))
            lines[i] = None  # type: ignore[call-overload]

        def cut(i: int, start: int, end: int, rule: Rule) -> None:
            text = lines[i]
            # Whitespace the cut would strand goes with it: at either end of the line, or one of
            # the two spaces it would leave side by side.
            if end == len(text):
                while start > 0 and text[start - 1].isspace():
                    start -= 1
            if start == 0 or end < len(text) and text[start - 1].isspace():
                while end < len(text) and text[end].isspace():
                    end += 1
            changes.append(Change("replace", cleaner, rule.id, i, start, end, text[start:end], ""))
            lines[i] = text[:start] + text[end:]
            touched.add(i)

        def scope() -> list[str | None]:
            # The lines the content rules look at this round (others stand as None).
            return lines if only is None else [line if i in only else None for i, line in enumerate(lines)]

        in_scope = scope()

        # Blocks first: their trigger line ("Baca juga" alone) would also be taken by a line rule,
        # and then the headline it introduces would be left behind.
        # The trigger alternation picks the few lines a block rule could start at; windowed rules
        # look at every line (a cut elsewhere moves the window), the others at changed lines only.
        if not self._block.rules:
            triggers = []
        elif line_hits.get("block") is not None:
            scope_b = lines if self._block_windowed else in_scope
            triggers = sorted(i for i in line_hits["block"] if scope_b[i])  # type: ignore[union-attr]
        else:
            triggers = _candidate_lines(lines if self._block_windowed else in_scope,
                                        self._tiered("block", self._block.rules, present.ids))
        if triggers:
            alive = [i for i, line in enumerate(lines) if line and line.strip()]
            n_alive = len(alive)
            rank_of = {i: r + 1 for r, i in enumerate(alive)}
            # Lines dropped so far (triggers and followers): they no longer count in the ranks from
            # the top below them, as when the output is cleaned again. Ranks from the end only
            # count the lines at or below a trigger, which the drops above it leave as they are.
            taken = 0
            resume = 0
            body_at = body_start(lines, alive)
            for i in triggers:
                line = lines[i]
                if i < resume or not line or not line.strip():
                    continue
                alive_rank = rank_of[i] - taken
                rule = None
                followers: list[int] = []
                for r, rx, follow_re in zip(self._block.rules, self._block_triggers, self._block_follow):
                    rank = n_alive - rank_of[i] + 1 if r.from_end else alive_rank
                    if (r.window and rank > r.window) or len(line) > r.max_chars or not rx.fullmatch(line):
                        continue
                    if r.from_end and i < body_at:
                        continue
                    if only is not None and not r.window and i not in only:
                        continue  # its content has not changed since the last round
                    followers = self._followers(lines, i, r, follow_re)
                    if r.require_follow and not followers:
                        continue
                    rule = r
                    break
                if rule is None:
                    continue
                drop(i, rule)
                for k in followers:
                    drop(k, rule)
                taken += 1 + len(followers)
                resume = (followers[-1] + 1) if followers else i + 1

        if line_hits.get("line") is not None:
            candidates = {i for i in line_hits["line"] if in_scope[i]}  # type: ignore[union-attr]
        else:
            candidates = set(_candidate_lines(in_scope, self._tiered("line", self._line.rules, present.ids)))
        if self._lexicon:
            limit = max(r.max_chars for r in self._lexicon)
            short = [i for i, line in enumerate(in_scope) if line and lines[i] and len(line) <= limit]
            folded = fold_for_lexicon("\n".join(lines[i] for i in short))  # type: ignore[misc]
            hit = self._prefilter.lexicon(folded) if self._prefilter is not None else None
            if hit is None:
                hit = any(rx.search(folded) for rx in self._lexicon_re)
            if hit:
                candidates.update(short)
        for i in sorted(candidates):
            line = lines[i]
            if not line:
                continue
            rule = self._line_match(self._line, line) or self._lexicon_match(line)
            if rule is not None:
                drop(i, rule)

        if self._tail.rules:
            # A tail rule's window counts the *kept* lines below a line, not all lines: a footer of
            # several credit lines goes as a whole, and a second run finds nothing more to take.
            kept_below = 0
            for i in range(len(lines) - 1, -1, -1):
                line = lines[i]
                if not line or not line.strip():
                    continue
                if kept_below >= self._tail_window:
                    break
                tail_hits = line_hits.get("tail")
                rule = self._line_match(self._tail, line) if tail_hits is None or i in tail_hits else None
                if rule is not None and kept_below < rule.window:
                    drop(i, rule)
                else:
                    kept_below += 1

        for rule, rx in zip(self._repeat, self._repeat_re):
            alive = [i for i, line in enumerate(lines) if line and line.strip()]
            tail = alive[-rule.window:]
            for a, b in zip(tail, tail[1:]):
                la, lb = lines[a], lines[b]
                if la is not None and la == lb and len(la) <= rule.max_chars and rx.fullmatch(la):
                    drop(a, rule)
                    drop(b, rule)

        for rule, rx in zip(self._echo, self._echo_re):
            # Positional, so checked every round: a cut (a " | Site" suffix) can make the echo appear.
            alive = [i for i, line in enumerate(lines) if line and line.strip()]
            head = lines[alive[0]] if alive else ""
            if rule.min_chars <= len(head) <= rule.max_chars and rx.fullmatch(head):
                for i in alive[1:rule.window or None]:
                    if lines[i] == head:
                        drop(i, rule)

        if self._prefix.rules:
            alive = [i for i, line in enumerate(lines) if line and line.strip()]
            prefix_hits = line_hits.get("prefix")
            # A line that prefix cuts empty no longer counts in the window: the next line moves up
            # to its rank in this same round, as it would when the output is cleaned again (a run
            # of bare datelines is removed whatever its length, not four of it per document).
            rank = skipped = 0
            span = head_span([lines[i] for i in alive[:MAX_HEAD_SPAN + 1]])
            for i in alive:
                if rank >= self._prefix_window:
                    break
                # A line above the body below its first (a deck, a caption, a label) is tried as the rank after it.
                at = 1 if not rank and skipped and skips_rank(lines[i], skipped, span) else rank
                if prefix_hits is None or i in prefix_hits:
                    # An outlet name, then a dateline, then a greeting ...: repeat until none matches.
                    # Rules are tried one by one here (there are few, and only a few lines qualify)
                    # because each has its own window.
                    while lines[i]:
                        line = lines[i]
                        for rule, rx in zip(self._prefix.rules, self._prefix_res):
                            if at < rule.window:
                                m = rx.match(line)
                                if m is not None and m.end() > 0:
                                    cut(i, 0, m.end(), rule)
                                    break
                        else:
                            break
                if lines[i] and lines[i].strip():
                    if not rank and skips_rank(lines[i], skipped, span):
                        skipped += 1  # the page's headline or a label above the body
                    else:
                        rank += 1

        if touched and hits is not None:
            hits = present.refresh(lines, touched)  # the cuts above changed some lines
        found = hits.rules.get("inline") if hits is not None else None
        if found is not None:
            # Only the inline rules the prefilter saw somewhere can match.
            inline = [self._inline.rules[k] for k in sorted(found)]
            scans = [self._single(r, re.MULTILINE) for r in inline if not r.window]
            windowed = [r for r in inline if r.window]
        else:
            scans = self._scanner("inline", self._inline_doc, present.ids) if self._inline.rules else []
            windowed = [r for r in self._inline.rules if r.window and (not r.requires or r.id in present.ids)]
        if self._inline.rules and (scans or windowed):
            alive = [i for i, line in enumerate(lines) if line and line.strip()]
            check = set(alive[-self._inline_tail_window:]) if windowed and self._inline_tail_window else set()
            flagged: set[int] = set()
            if scans:
                # Check the lines the document-level matches touch; a match running over a line
                # break could hide one that starts inside it, so then every line is checked.
                now = "\n".join(line or "" for line in scope())
                starts = list(itertools.accumulate((len(line or "") + 1 for line in lines[:-1]), initial=0))
                for rx in scans:
                    for m in rx.finditer(now):
                        first = bisect.bisect_right(starts, m.start()) - 1
                        last = bisect.bisect_right(starts, max(m.start(), m.end() - 1)) - 1
                        if first != last:
                            flagged.update(alive if only is None else (i for i in alive if i in only))
                            break
                        flagged.add(first)
            check |= flagged
        else:
            check = set()
            flagged = set()
        if check:
            from_end = {i: r for r, i in enumerate(reversed(alive[-self._inline_tail_window:]))} \
                if self._inline_tail_window else {}
            for i in sorted(check):
                line = lines[i]
                if i not in flagged and not self._windowed_inline_could_match(line, windowed):
                    # Only a windowed rule brought this line here, and none of them can match it.
                    continue
                # Repeat until nothing matches: a cut can join two halves into a new match.
                while line:
                    spans = [(m.start(), m.end(), rule)
                             for m in self._inline.regex.finditer(line) if m.end() > m.start()
                             for rule in (_which(m, self._inline.rules),)
                             if not rule.window or from_end.get(i, rule.window) < rule.window]
                    if not spans:
                        break
                    # Right to left, so that every step's offsets hold when replayed in order.
                    for start, end, rule in reversed(spans):
                        cut(i, start, end, rule)
                    line = lines[i]
        return touched
