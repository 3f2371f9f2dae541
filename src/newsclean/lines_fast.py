"""The rule engine's fast path: the same decisions as :meth:`newsclean.lines.CompiledRules.apply`, for
documents the Hyperscan prefilter can scan, with the Python work cut down to the lines it reports.

The reference engine (``CompiledRules._apply_once``) is the specification: this module follows it
step by step (blocks, lines and lexicon, tail, repeat, echo, prefix, inline, in rounds until one
changes nothing) and makes the same changes in the same order. What differs is how each step finds
its work:

- One scan reports, per line, which rules of each kind could match it (``RulePrefilter.scan_lines``),
  kept up to date by rescanning a line only when a cut changed its text since it was last scanned.
- A whole-line kind (line, tail) is decided by trying, in catalog order, only the rules reported for
  the line, each on its own regex: the reference's alternation picks the first rule (in catalog
  order) that matches the whole line within its length limits, and every rule that matches is
  reported. Decisions are remembered per line text (they depend on nothing else), so the rounds after
  the first, which look again at the positional rules, cost dictionary lookups.
- The inline step is skipped outright when no kept line is reported for any inline rule: the
  reference would only cut where its alternation matches inside a line, which needs such a report.
- The list of kept lines is computed again only after a change.

Documents the prefilter cannot scan (characters on which the regex engines differ), selections with
a kind left to Python, and rules whose meaning changes inside an alternation (back-references) take
the reference engine. ``tests/test_lines_fast.py`` checks that both give identical changes.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import TYPE_CHECKING

from .catalog import MAX_HEAD_SPAN, body_start, head_span, skips_rank
from .document import Change

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Rule
    from .lines import CompiledRules

__all__ = ["apply_fast", "usable"]

# Syntax whose meaning depends on the groups around it (a back-reference, a conditional group):
# inside the reference's alternation it would refer to another rule's groups.
_GROUP_DEPENDENT = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")

#: Remembered decisions per compiled selection are dropped past this many (a bound on memory).
MEMO_LIMIT = 200_000


@functools.lru_cache(maxsize=4096)
def _group_dependent(pattern: str, flags: int) -> bool:
    """Whether a pattern holds a back-reference or a conditional group (asked of the parser only
    when the text looks like it might)."""
    if _GROUP_DEPENDENT.search(pattern) is None:
        return False
    from .prefilter import _P

    def walk(items) -> bool:  # type: ignore[no-untyped-def]
        for op, av in items:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return True
            if any(walk(list(sub)) for sub in _subpatterns(name, av)):
                return True
        return False

    try:
        return walk(list(_P.parse(pattern, flags)))
    except Exception:
        return True


def _subpatterns(name: str, av) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The item lists nested in one parsed regex item."""
    if name == "BRANCH":
        return list(av[1])
    if name == "SUBPATTERN":
        return [av[3]]
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return [av[2]]
    if name == "ATOMIC_GROUP":
        return [av]
    if name in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    return []


def usable(rules: CompiledRules) -> bool:
    """Whether the fast path can stand in for the reference engine on this selection."""
    ok = rules.__dict__.get("_fast_ok")
    if ok is None:
        pf = rules._prefilter
        alternated = (*rules._line.rules, *rules._tail.rules, *rules._inline.rules)
        ok = pf is not None and not pf.unfiltered and not any(_group_dependent(r.pattern, r.flags) for r in alternated)
        rules.__dict__["_fast_ok"] = ok
        rules.__dict__["_lexicon_limit"] = max((r.max_chars for r in rules._lexicon), default=0)
    return ok


class _Memo:
    """Decisions that depend on a line's text only, shared by every document of a selection."""

    __slots__ = ("line", "tail", "lexicon", "prefix", "regex", "inline", "size")

    def __init__(self) -> None:
        self.line: dict[str, Rule | None] = {}
        self.tail: dict[str, Rule | None] = {}
        self.lexicon: dict[str, Rule | None] = {}
        self.prefix: dict[tuple[int, str], int] = {}
        self.regex: dict[int, re.Pattern[str]] = {}
        # The inline alternation restricted to some rules, by their positions (looked up by a tuple of
        # ints: hashing the rules themselves, every field of each, is what the lookup would cost).
        self.inline: dict[tuple[int, ...], re.Pattern[str]] = {}
        self.size = 0

    def trim(self) -> None:
        if self.size > MEMO_LIMIT:
            self.line.clear()
            self.tail.clear()
            self.lexicon.clear()
            self.prefix.clear()
            self.size = 0


def _memo(rules: CompiledRules) -> _Memo:
    memo = rules.__dict__.get("_fast_memo")
    if memo is None:
        memo = rules.__dict__["_fast_memo"] = _Memo()
    return memo


class _Doc:
    """One document's scan results, kept fresh as cuts change lines."""

    __slots__ = ("hits", "scanned", "pf", "inline_found", "ascii", "spans")

    def __init__(self, pf, lines: list[str | None], hits: dict[str, dict[int, set[int]]]) -> None:  # type: ignore[no-untyped-def]
        self.pf = pf
        self.hits = hits
        self.scanned = list(lines)  # the text of each line when it was last scanned
        # The inline rules reported by any scan so far, for any text a line had (the reference's
        # ``hits.rules["inline"]``, a union that never shrinks).
        self.inline_found: set[int] = set()
        for positions in hits["inline"].values():
            self.inline_found |= positions
        # The non-empty matches of an inline alternation in a line's text, by (the alternation's rule
        # positions, None for all of them; the text): what a finditer gives depends on nothing else,
        # and the rounds after the first look at the same lines again (as does the cut after the check).
        self.spans: dict[tuple[tuple[int, ...] | None, str], list[tuple[int, int, Rule]]] = {}

    def refresh(self, lines: list[str | None], changed: set[int]) -> None:
        # Lines whose text is as it was at their last scan would report the same rules again.
        again = [i for i in sorted(changed) if lines[i] != self.scanned[i]]
        if not again:
            return
        found = self.pf.scan_lines(lines, again)
        assert found is not None  # cuts only remove characters: a scanned text stays eligible
        for kind, per_line in self.hits.items():
            new = found[kind]
            for i in again:
                per_line.pop(i, None)
                got = new.get(i)
                if got is not None:
                    per_line[i] = got
        for positions in found["inline"].values():
            self.inline_found |= positions
        for i in again:
            self.scanned[i] = lines[i]


def apply_fast(rules: CompiledRules, lines: list[str | None], cleaner: str) -> list[Change] | None:
    """The reference engine's changes for ``lines`` (mutated the same way), or ``None`` (nothing done)
    when the document must take the reference engine."""
    if not usable(rules):
        return None
    text = "\n".join([line or "" for line in lines])
    found = rules._prefilter.scan_lines(lines, text=text)  # type: ignore[union-attr]
    if found is None:
        return None
    doc = _Doc(rules._prefilter, lines, found)
    doc.ascii = text.isascii()
    memo = _memo(rules)
    memo.trim()
    changes: list[Change] = []
    only: set[int] | None = None
    while True:  # every change removes characters or a line, so the rounds end
        before = len(changes)
        only = _round(rules, memo, doc, lines, changes, cleaner, only)
        if len(changes) == before:
            break
    return changes


def _regex(memo: _Memo, rules: CompiledRules, rule: Rule) -> re.Pattern[str]:
    rx = memo.regex.get(id(rule))
    if rx is None:
        rx = memo.regex[id(rule)] = rules._single(rule)
    return rx


def _follow_regex(memo: _Memo, rule: Rule) -> re.Pattern[str]:
    rx = memo.regex.get(~id(rule))
    if rx is None:
        rx = memo.regex[~id(rule)] = re.compile(rule.follow_pattern, rule.flags)
    return rx


def _whole_line(memo: _Memo, rules: CompiledRules, table: dict[str, Rule | None], kind_rules: list[Rule],
                line: str, positions: set[int] | None) -> Rule | None:
    """The reference's ``_line_match`` for a line the scan reported ``positions`` for."""
    if not positions:
        return None
    if line in table:
        return table[line]
    n = len(line)
    found = None
    for pos in sorted(positions):
        r = kind_rules[pos]
        if r.min_chars <= n <= r.max_chars and _regex(memo, rules, r).fullmatch(line) is not None:
            found = r
            break
    table[line] = found
    memo.size += 1
    return found


def _round(rules: CompiledRules, memo: _Memo, doc: _Doc, lines: list[str | None], changes: list[Change],
           cleaner: str, only: set[int] | None) -> set[int]:
    """One round, as ``CompiledRules._apply_once``; returns the lines a cut changed."""
    touched: set[int] = set()
    if only:
        doc.refresh(lines, only)
    hits = doc.hits
    # The kept lines (text that is not only whitespace), in order: what the reference computes again
    # before each positional step, kept up to date here as lines are dropped or cut.
    alive = [i for i, line in enumerate(lines) if line and line.strip()]

    def drop(i: int, rule: Rule) -> None:
        line = lines[i]
        assert line is not None
        changes.append(Change("drop_line", cleaner, rule.id, i, 0, len(line), line, ""))
        lines[i] = None
        if line.strip():
            alive.remove(i)

    def cut(i: int, start: int, end: int, rule: Rule) -> None:
        text = lines[i]
        assert text is not None
        if end == len(text):
            while start > 0 and text[start - 1].isspace():
                start -= 1
        if start == 0 or end < len(text) and text[start - 1].isspace():
            while end < len(text) and text[end].isspace():
                end += 1
        changes.append(Change("replace", cleaner, rule.id, i, start, end, text[start:end], ""))
        new = lines[i] = text[:start] + text[end:]
        touched.add(i)
        if text.strip() and not new.strip():
            alive.remove(i)

    # -- blocks
    block = rules._block
    block_hits = hits["block"]
    if block.rules and block_hits:
        windowed = rules._block_windowed
        triggers = sorted(i for i in block_hits if lines[i] and (windowed or only is None or i in only))
        if triggers:
            n_alive = len(alive)
            rank_of = {i: r + 1 for r, i in enumerate(alive)}
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
                reported = block_hits.get(i, ())
                for pos, r in enumerate(block.rules):
                    rank = n_alive - rank_of[i] + 1 if r.from_end else alive_rank
                    # (Each rule's regexes are compiled when first needed, not the kind's all at once.)
                    if (r.window and rank > r.window) or len(line) > r.max_chars or pos not in reported \
                            or not _regex(memo, rules, r).fullmatch(line):
                        continue
                    if r.from_end and i < body_at:
                        continue
                    if only is not None and not r.window and i not in only:
                        continue
                    followers = rules._followers(lines, i, r, _follow_regex(memo, r))  # type: ignore[arg-type]
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

    # -- whole lines, and the lexicon
    line_hits = hits["line"]
    if only is None:
        candidates = [i for i in line_hits if lines[i]] if line_hits else []
    else:
        candidates = [i for i in only if i in line_hits and lines[i]]
    if rules._lexicon:
        # The reference looks for a lexicon term in the short lines together, and if one is there,
        # decides each short line (by the line rules, then the lexicon). A short line the lexicon
        # cannot take on its own is decided None by both (the line rules reported it already if
        # one could take it), so only the lines a lexicon rule could take need deciding: the
        # reported ones among ASCII lines (see RulePrefilter), and the others, folded one by one.
        limit = rules._lexicon_limit
        lexicon_hits = hits["lexicon"]
        if only is None:
            more = [i for i in lexicon_hits if lines[i] and len(lines[i]) <= limit]  # type: ignore[arg-type]
            if not doc.ascii:
                more += [i for i, line in enumerate(lines)
                         if line and len(line) <= limit and not line.isascii()]
        else:
            more = [i for i in only if (line := lines[i]) and len(line) <= limit
                    and (i in lexicon_hits or not line.isascii())]
        if more:
            candidates = set(candidates)  # type: ignore[assignment]
            candidates.update(more)  # type: ignore[attr-defined]
    if candidates:
        line_rules = rules._line.rules
        for i in sorted(candidates):
            line = lines[i]
            if not line:
                continue
            rule = _whole_line(memo, rules, memo.line, line_rules, line, line_hits.get(i))
            if rule is None and rules._lexicon:
                if line in memo.lexicon:
                    rule = memo.lexicon[line]
                else:
                    rule = memo.lexicon[line] = rules._lexicon_match(line)
                    memo.size += 1
            if rule is not None:
                drop(i, rule)

    # -- tail
    tail = rules._tail
    if tail.rules:
        tail_hits = hits["tail"]
        tail_window = rules._tail_window
        kept_below = 0
        for i in alive[::-1]:
            if kept_below >= tail_window:
                break
            line = lines[i]
            rule = _whole_line(memo, rules, memo.tail, tail.rules, line, tail_hits.get(i)) if tail_hits else None  # type: ignore[arg-type]
            if rule is not None and kept_below < rule.window:
                drop(i, rule)
            else:
                kept_below += 1

    # -- repeat
    for rule, rx in zip(rules._repeat, rules._repeat_re):
        window = alive[-rule.window:]
        for a, b in zip(window, window[1:]):
            la, lb = lines[a], lines[b]
            if la is not None and la == lb and len(la) <= rule.max_chars and rx.fullmatch(la):
                drop(a, rule)
                drop(b, rule)

    # -- echo
    for rule, rx in zip(rules._echo, rules._echo_re):
        head = lines[alive[0]] if alive else ""
        assert head is not None
        if rule.min_chars <= len(head) <= rule.max_chars and any(
                lines[i] == head for i in alive[1:rule.window or None]) and rx.fullmatch(head):
            for i in alive[1:rule.window or None]:
                if lines[i] == head:
                    drop(i, rule)

    # -- prefix
    if rules._prefix.rules:
        prefix_hits = hits["prefix"]
        if prefix_hits:
            # A line cut empty leaves the window: the next kept line takes its rank.
            rank = skipped = 0
            span = head_span([lines[i] or "" for i in alive[:MAX_HEAD_SPAN + 1]])
            prefix_window = rules._prefix_window
            for i in alive[:]:
                if rank >= prefix_window:
                    break
                # A line above the body below its first (a deck, a caption, a label) is tried as the rank after it.
                at = 1 if not rank and skipped and skips_rank(lines[i], skipped, span) else rank  # type: ignore[arg-type]
                reported = prefix_hits.get(i)
                if reported:
                    # The first look needs only the rules reported for the line's text (a rule that matches at its
                    # start was reported for it); after a cut, the new start may match any of them.
                    only_reported = lines[i] == doc.scanned[i]
                    while lines[i]:
                        line = lines[i]
                        assert line is not None
                        for k, (rule, rx) in enumerate(zip(rules._prefix.rules, rules._prefix_res)):
                            if only_reported and k not in reported:
                                continue
                            if at < rule.window:
                                key = (k, line)
                                end = memo.prefix.get(key)
                                if end is None:
                                    m = rx.match(line)
                                    end = memo.prefix[key] = m.end() if m is not None else 0
                                    memo.size += 1
                                if end > 0:
                                    cut(i, 0, end, rule)
                                    only_reported = False
                                    break
                        else:
                            break
                line = lines[i]
                if line and line.strip():
                    if not rank and skips_rank(line, skipped, span):
                        skipped += 1  # the page's headline or a label above the body
                    else:
                        rank += 1

    # -- inline
    # The reference scans the lines the prefix step cut again here. Not needed: a line cut at its
    # start is a suffix of the text last scanned, and a rule that matches inside the suffix matches
    # inside that text, so the reports of that text still cover it (the next round scans it anew).
    inline = rules._inline
    inline_hits = hits["inline"]
    if not inline.rules or not inline_hits:
        return touched
    # A cut needs a match of the alternation inside a kept line, and so a report for that line.
    if not any(i in inline_hits for i in alive):
        return touched
    tail_window = rules._inline_tail_window
    from_end = {i: r for r, i in enumerate(reversed(alive[-tail_window:]))} if tail_window else {}
    # The reference cuts only where the alternation matches inside a line it checks (below), and a
    # line it checks has reports: if no reported line has such a match, it cuts nothing, and the
    # searches of the whole text that choose the lines it checks (the dearest part) are not needed.
    spans_of = doc.spans
    alternations = memo.inline

    def inline_spans(i: int, line: str, positions: tuple[int, ...] | None) -> list[tuple[int, int, Rule]]:
        """The cuts the reference makes in one pass over line ``i`` (text ``line``), with the alternation
        of the rules at ``positions`` (None: all of them): its non-empty matches, but those of a rule
        whose window (lines from the end) the line is not in."""
        key = (positions, line)
        found = spans_of.get(key)
        if found is None:
            if positions is None:
                regex = inline.regex
            else:
                regex = alternations.get(positions)  # type: ignore[assignment]
                if regex is None:
                    regex = alternations[positions] = _inline_alternation(tuple(inline.rules), positions)
            found = spans_of[key] = _inline_spans(inline, line, None, regex, windows=False)  # type: ignore[arg-type]
        if not found or not inline_windowed:
            return found
        end = from_end.get(i)
        return [s for s in found if not s[2].window or (s[2].window if end is None else end) < s[2].window]

    inline_windowed = bool(tail_window)
    if not any(inline_spans(i, line, tuple(sorted(at)))
               for i, at in inline_hits.items() if at and (line := lines[i])):
        return touched
    chosen = sorted(doc.inline_found)
    windowed = [inline.rules[k] for k in chosen if inline.rules[k].window]
    # The reference searches the text of the lines in scope for each rule it found (below): a rule
    # finds something there only if it matches inside one of those lines (and was then reported for
    # it), across a line break, or nothing at all (an empty match).
    in_scope_hits: set[int] = set()
    for i in alive:
        if only is None or i in only:
            at = inline_hits.get(i)
            if at:
                in_scope_hits |= at
    scans = [rules._single(inline.rules[k], re.MULTILINE) for k in chosen if not inline.rules[k].window
             and (k in in_scope_hits or _searches_beyond_a_line(inline.rules[k]))]
    if not (scans or windowed):
        return touched  # the reference would find nothing to check (rules it does not search: below)
    check = set(alive[-tail_window:]) if windowed and tail_window else set()
    flagged: set[int] = set()
    if scans:
        now = "\n".join([(line or "") if only is None or i in only else "" for i, line in enumerate(lines)])
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
    if not check:
        return touched
    windowed_at = {k for k in chosen if inline.rules[k].window}
    for i in sorted(check):
        line = lines[i]
        reported = inline_hits.get(i)
        if not reported:
            continue  # no inline rule matches inside this line: nothing to cut (see above)
        if i not in flagged and not (reported & windowed_at and rules._windowed_inline_could_match(line, windowed)):  # type: ignore[arg-type]
            continue
        # The first pass needs only the rules reported for the line (a rule that matches nowhere in
        # it never wins a position of the alternation); after a cut (the reference tries all of them
        # then: a match may now span the place of the cut), the rules a scan of the new text reports.
        positions: tuple[int, ...] | None = tuple(sorted(reported))
        while line:
            spans = inline_spans(i, line, positions)
            if not spans:
                break
            for start, end, rule in reversed(spans):
                cut(i, start, end, rule)
            line = lines[i]
            if line:
                found = doc.pf.scan_lines([line])
                if found is None:  # pragma: no cover - a cut only removes characters: still eligible
                    positions = None
                else:
                    now_reported = found["inline"].get(0)
                    if not now_reported:
                        break  # no rule matches anywhere in the new text: the alternation finds nothing
                    positions = tuple(sorted(now_reported))
    return touched


def _inline_spans(inline, line: str, from_end: int | None, regex: re.Pattern[str], *,  # type: ignore[no-untyped-def]
                  windows: bool = True) -> list[tuple[int, int, Rule]]:
    """The cuts the reference makes in one pass over a line it checks: the non-empty matches of the
    alternation, but (``windows``) those of a rule whose window (lines from the end) the line is not in."""
    return [(m.start(), m.end(), rule)
            for m in regex.finditer(line) if m.end() > m.start()
            for rule in (_which(m, inline.rules),)
            if not windows or not rule.window or (rule.window if from_end is None else from_end) < rule.window]


@functools.lru_cache(maxsize=4096)
def _inline_alternation(rules: tuple[Rule, ...], positions: tuple[int, ...]) -> re.Pattern[str]:
    """The reference's alternation of the inline rules, restricted to some of them (each keeps its
    group name, so a match names the same rule)."""
    parts = []
    for i in positions:
        r = rules[i]
        parts.append(f"(?P<r{i}>(?i:{r.pattern}))" if not r.case_sensitive else f"(?P<r{i}>(?:{r.pattern}))")
    return re.compile("|".join(parts))


def _which(m: re.Match[str], rules: list[Rule]) -> Rule:
    from .lines import _which as which

    return which(m, rules)


def _later(lines: list[str | None], alive: list[int], window: int) -> list[str | None]:
    return [lines[i] for i in alive[1:window or None]]


@functools.lru_cache(maxsize=4096)
def _searches_beyond_a_line(rule: Rule) -> bool:
    """Whether the rule's pattern may match an empty string or consume a line break (then a search of
    several lines may find it where no line alone has it). Anything not understood counts as yes."""
    from .prefilter import _P

    try:
        tree = _P.parse(rule.pattern, rule.flags)
    except Exception:
        return True
    if tree.getwidth()[0] == 0:
        return True
    dotall = bool(tree.state.flags & re.DOTALL)
    return _consumes_newline(list(tree), dotall)


def _consumes_newline(items: list, dotall: bool) -> bool:  # type: ignore[type-arg]
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            if av == 10:
                return True
        elif name == "NOT_LITERAL":
            if av != 10:
                return True
        elif name == "ANY":
            if dotall:
                return True
        elif name == "IN":
            if re.compile(_class_source(av)).match("\n") is not None:
                return True
        elif name == "BRANCH":
            if any(_consumes_newline(list(alt), dotall) for alt in av[1]):
                return True
        elif name == "SUBPATTERN":
            _group, add, remove, sub = av
            inner = (dotall or bool(add & re.DOTALL)) and not remove & re.DOTALL
            if _consumes_newline(list(sub), inner):
                return True
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if _consumes_newline(list(av[2]), dotall):
                return True
        elif name == "ATOMIC_GROUP":
            if _consumes_newline(list(av), dotall):
                return True
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # consumes nothing
        else:  # back-references, conditionals, anything else
            return True
    return False


def _class_source(items) -> str:  # type: ignore[no-untyped-def]
    """A character class of the parser's items, as regex source (to ask it about a line break)."""
    parts = []
    negate = False
    categories = {"CATEGORY_DIGIT": "\\d", "CATEGORY_NOT_DIGIT": "\\D", "CATEGORY_SPACE": "\\s",
                  "CATEGORY_NOT_SPACE": "\\S", "CATEGORY_WORD": "\\w", "CATEGORY_NOT_WORD": "\\W"}
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            parts.append(re.escape(chr(av)))
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif name == "CATEGORY":
            parts.append(categories.get(str(av), "\\s\\S"))
        else:
            parts.append("\\s\\S")
    return "[" + ("^" if negate else "") + "".join(parts) + "]"
