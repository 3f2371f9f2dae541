"""Compose cleaners into a pipeline; clean, explain and replay.

A pipeline is an ordered list of steps. A step is either

- a plain ``str -> str`` function (a *text cleaner*, e.g. :func:`newsclean.text.fix_unicode` or your
  own), applied to every line (a line break it produces becomes a space); or
- a *line cleaner*: an object with a ``name`` and ``run(lines, doc) -> list[Change]`` that decides
  per line or span, like :class:`RuleCleaner` (the rule catalog) or :func:`line_filter` (your own
  predicate).

Every step records what it changed as :class:`~newsclean.document.Change` steps, and
:func:`replay` re-applies them to the input::

    >>> from newsclean import Pipeline, replay
    >>> p = Pipeline.default(lang="id")
    >>> text = "JAKARTA - Harga cabai naik.\\nBaca Juga: Harga Bawang Turun\\nPedagang mengeluh."
    >>> result = p.explain(text)
    >>> print(result.text)
    Harga cabai naik.
    Pedagang mengeluh.
    >>> [(c.rule, c.removed) for c in result.changes]
    [('id.related.line', 'Baca Juga: Harga Bawang Turun'), ('shared.dateline.prefix', 'JAKARTA - ')]
    >>> replay(text, result.changes) == result.text
    True
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Union, runtime_checkable

from .catalog import Catalog, Rule, default_catalog, normalize_outlet
from .document import Change, Cleaned, Document, join_lines, split_lines
from .lang import detect_lang
from .lines import CompiledRules
from .text import fix_unicode, normalize_spaces, remove_invisible, separators_to_spaces, strip_line

__all__ = [
    "BlankLines",
    "LineCleaner",
    "Pipeline",
    "RuleCleaner",
    "TextCleaner",
    "line_filter",
    "replay",
]

_BREAK_RE = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


@runtime_checkable
class LineCleaner(Protocol):
    name: str

    def run(self, lines: list[str | None], doc: Document) -> list[Change]: ...


@dataclass(frozen=True)
class TextCleaner:
    """Wrap a ``str -> str`` function so that it runs per line and records minimal changes."""

    func: Callable[[str], str]
    name: str = ""
    #: The function treats each line on its own (``f("a\nb") == f("a") + "\n" + f("b")``), so it can
    #: be called once on the whole text. Built-in cleaners say so with a ``line_local`` attribute.
    line_local: bool = False

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise TypeError(f"a text cleaner must be callable, got {self.func!r}")
        if not self.name:
            object.__setattr__(self, "name", getattr(self.func, "__name__", "text_cleaner"))

    def run(self, lines: list[str | None], doc: Document, only: Iterable[int] | None = None) -> list[Change]:
        """Clean the lines (all, or those in ``only``) in place; return what changed."""
        func = self.func
        candidates: Iterable[int] = range(len(lines)) if only is None else sorted(only)
        if self.line_local or getattr(func, "line_local", False):
            # One call on the whole text instead of one per line; only lines that changed are
            # looked at again (most documents need nothing from most cleaners).
            index = list(candidates)
            text = "\n".join(lines[i] or "" for i in index)
            new_text = func(text)
            if new_text == text:
                return []
            new_lines = new_text.split("\n")
            if len(new_lines) == len(index):
                candidates = [i for i, b in zip(index, new_lines) if lines[i] and lines[i] != b]
        changes = []
        for i in candidates:
            line = lines[i]
            if not line:
                continue
            new = func(line)
            if new == line:
                continue
            if not isinstance(new, str):
                raise TypeError(f"text cleaner {self.name!r} returned {type(new).__name__}, not str")
            if _BREAK_RE.search(new):
                # A cleaner runs on one line; a break it produces (ftfy decoding "â€¨" to U+2028,
                # say) must not split the line, or line numbers would stop meaning anything.
                new = _BREAK_RE.sub(" ", new)
                if new == line:
                    continue
            # The differing span only (prefix and suffix trimmed) keeps explain output readable.
            for start, end, added in _diff_regions(line, new):
                changes.append(Change("replace", self.name, self.name, i, start, end, line[start:end], added))
            lines[i] = new
        return changes


def _diff_regions(old: str, new: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)``: the span of ``old`` between the first and the last character
    that differ from ``new`` (common prefix and suffix trimmed), as one region.

    >>> _diff_regions("Tom &amp; Jerry", "Tom & Jerry")
    [(5, 9, '')]
    """
    lim = min(len(old), len(new))
    # Binary searches on slice equality: the comparisons run in C, the loop only log(n) times.
    lo, hi = 0, lim
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    p = lo
    lo, hi = 0, lim - p
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    q = lo
    return [(p, len(old) - q, new[p:len(new) - q])]


@dataclass
class _Predicate:
    name: str
    predicate: Callable[[str], bool]

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        changes = []
        for i, line in enumerate(lines):
            if line and self.predicate(line):
                changes.append(Change("drop_line", self.name, self.name, i, 0, len(line), line, ""))
                lines[i] = None
        return changes


def line_filter(name: str) -> Callable[[Callable[[str], bool]], LineCleaner]:
    """Turn a predicate into a line cleaner that drops the lines it returns True for.

    >>> @line_filter("no_shouting")
    ... def shouting(line: str) -> bool:
    ...     return line.isupper()
    >>> Pipeline([shouting]).clean("HALO\\nApa kabar?")
    'Apa kabar?'
    """
    def wrap(pred: Callable[[str], bool]) -> LineCleaner:
        return _Predicate(name, pred)
    return wrap


@dataclass(frozen=True)
class BlankLines:
    """Drop lines that are empty (or only whitespace) after the other steps."""

    name: str = "blank_lines"

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        changes = []
        for i, line in enumerate(lines):
            if line is not None and not line.strip():
                changes.append(Change("drop_line", self.name, "blank", i, 0, len(line), line, ""))
                lines[i] = None
        return changes


@dataclass
class RuleCleaner:
    """Apply the rule catalog, selected by the document's language and outlet.

    ``lang``: a fixed language code, or ``"auto"`` to use the document's ``lang`` metadata and
    otherwise :func:`newsclean.lang.detect_lang`; when neither tells, the rules of every language
    apply. Rules with ``lang = "*"`` always apply.
    """

    catalog: Catalog = field(default_factory=default_catalog)
    lang: str | None = "auto"
    name: str = "rules"

    def __post_init__(self) -> None:
        known = set(self.catalog.langs)
        if self.lang not in (None, "auto") and self.lang not in known:
            raise ValueError(f"unknown language {self.lang!r}: the catalog has {sorted(known)} (or 'auto')")
        self._compiled = lru_cache(maxsize=4096)(self._compile)

    def _compile(self, lang: str | None, outlet: str | None) -> CompiledRules:
        return _compiled_for(self.catalog.select(lang, outlet))

    def lang_of(self, doc: Document, lines: Sequence[str | None]) -> str | None:
        if self.lang != "auto":
            return self.lang
        meta = doc.lang
        if meta:
            code = str(meta).lower().split("-")[0].split("_")[0]
            if code in self.catalog.langs:
                return code
        # Judge by sentence-like lines only: short lines are where boilerplate lives, and a
        # verdict that flipped once a promo line was removed would make cleaning non-idempotent.
        # The first lines that are still there count (not the first line numbers), so that the
        # output, cleaned again, is judged on the same sample.
        alive = itertools.islice((line for line in lines if line and line.strip()), LANG_SAMPLE_LINES)
        sample = [line for line in alive if line.count(" ") >= MIN_SENTENCE_SPACES]
        return detect_lang(" ".join(sample))

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        lang = self.lang_of(doc, lines)
        outlet = normalize_outlet(doc.outlet or doc.url)
        changes = self._compiled(lang, outlet).apply(lines, cleaner=self.name)  # type: ignore[arg-type]
        # What the rules removed can change the verdict (a dateline cut leaves a line too short to
        # count, a removed promo was the only sentence): then the rules of the new verdict apply
        # too, until the language of what is left stays put, so that the output cleaned again
        # meets the same rules and nothing more goes. Each pass that changes something removes
        # text, so this ends.
        while changes and self.lang == "auto":
            again = self.lang_of(doc, lines)
            if again == lang:
                break
            lang = again
            more = self._compiled(lang, outlet).apply(lines, cleaner=self.name)  # type: ignore[arg-type]
            if not more:
                break
            changes.extend(more)
        return changes


#: Lines with fewer spaces than this are ignored by language detection.
MIN_SENTENCE_SPACES = 7
#: Language detection looks at the first this many non-empty lines.
LANG_SAMPLE_LINES = 60


@lru_cache(maxsize=256)
def _compiled_for(rules: tuple[Rule, ...]) -> CompiledRules:
    # Outlets without outlet-specific rules share one compiled object per language.
    return CompiledRules(rules)


Step = Union[Callable[[str], str], LineCleaner]  # noqa: UP007 - a runtime alias on Python 3.10

# Tags that only appear in text as leftovers of HTML (a bare "<" or "a < b" is not one of them).
_STRAY_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|small|sup|sub|ul|ol|li|h[1-6]|blockquote|table|tr|td|th|"
    r"img|figure|figcaption|iframe|script|style|section|article|header|footer)\b[^<>]{0,500}>",
    re.IGNORECASE,
)


def strip_stray_html(text: str) -> str:
    """Turn HTML left in a text input into text (tags removed, ``<br>``/``<p>`` as line breaks,
    entities decoded); a text without HTML tags is returned unchanged.

    >>> strip_stray_html("Harga naik.<br>Warga &ldquo;kaget&rdquo;.")
    'Harga naik.\\nWarga “kaget”.'
    >>> strip_stray_html("a < b & c")
    'a < b & c'
    """
    if _STRAY_TAG_RE.search(text) is None:
        return text
    from .html import strip_html

    return strip_html(text)

#: Rounds of the text cleaners before giving up on a fixed point.
TEXT_ROUNDS = 3

DEFAULT_TEXT_CLEANERS: tuple[Callable[[str], str], ...] = (
    separators_to_spaces,
    fix_unicode,
    remove_invisible,
    normalize_spaces,
    strip_line,
)


class Pipeline:
    """An ordered list of cleaners. ``Pipeline.default()`` is what the CLI runs."""

    def __init__(self, steps: Iterable[Step], *, pre: Sequence[Callable[[str], str]] = ()) -> None:
        #: Whole-text steps run before the text is split into lines (they may change line breaks);
        #: each change is recorded as one ``rewrite`` step.
        self.pre = list(pre)
        for f in self.pre:
            if not callable(f):
                raise TypeError(f"a pre step must be a str -> str function, got {f!r}")
        self.steps: list[LineCleaner] = []
        for s in steps:
            if isinstance(s, LineCleaner) and not isinstance(s, TextCleaner) or isinstance(s, TextCleaner):
                self.steps.append(s)
            elif callable(s):
                self.steps.append(TextCleaner(s))
            else:
                raise TypeError(f"a pipeline step must be a str -> str function or a line cleaner, got {s!r}")
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"pipeline step names must be unique, got {names}")
        if not any(isinstance(s, BlankLines) for s in self.steps):
            self.steps.append(BlankLines())

    @classmethod
    def default(
        cls,
        *,
        lang: str | None = "auto",
        rules: Sequence[str | Path] = (),
        catalog: Catalog | None = None,
        extra: Sequence[Step] = (),
    ) -> Pipeline:
        """Unicode repair, invisible characters, spaces, then the rule catalog (built-in rules plus
        any ``rules`` files), then ``extra`` steps of your own."""
        cat = catalog if catalog is not None else default_catalog()
        if rules:
            cat = cat + Catalog.from_files(rules)
        return cls([*DEFAULT_TEXT_CLEANERS, RuleCleaner(cat, lang=lang), *extra], pre=[strip_stray_html])

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def explain(self, doc: Document | str) -> Cleaned:
        if isinstance(doc, str):
            doc = Document(doc)
        elif not isinstance(doc, Document):
            raise TypeError(f"expected a Document or str, got {type(doc).__name__}")
        text = doc.text
        changes: list[Change] = []
        for f in self.pre:
            new = f(text)
            if new != text:
                name = getattr(f, "__name__", "pre")
                changes.append(Change("rewrite", name, name, -1, 0, len(text), text, new))
                text = new
        lines: list[str | None] = list(split_lines(text))
        k = 0
        while k < len(self.steps):
            # A run of text cleaners repeats until it changes nothing: removing a soft hyphen can
            # expose mojibake that fix_unicode could not see before.
            group = []
            while k < len(self.steps) and isinstance(self.steps[k], TextCleaner):
                group.append(self.steps[k])
                k += 1
            if not group:
                changes.extend(self.steps[k].run(lines, doc))
                k += 1
                continue
            only: set[int] | None = None
            for _ in range(TEXT_ROUNDS):
                before = len(changes)
                for step in group:
                    changes.extend(step.run(lines, doc, only))  # type: ignore[call-arg]
                if len(changes) == before:
                    break
                # A line no cleaner changed is a fixed point of each of them: the next round
                # only needs the lines that changed.
                only = {c.line for c in changes[before:]}
        return Cleaned(join_lines(line for line in lines if line is not None), tuple(changes))

    def clean(self, doc: Document | str) -> str:
        return self.explain(doc).text

    __call__ = explain


def replay(text: str, changes: Iterable[Change]) -> str:
    """Re-apply explain steps to the input text; ``replay(text, p.explain(text).changes)`` equals
    ``p.clean(text)``. Raises ``ValueError`` if a step does not fit the text."""
    changes = list(changes)
    k = 0
    while k < len(changes) and changes[k].action == "rewrite":
        if changes[k].removed != text:
            raise ValueError("explain step does not fit this text: the rewrite starts from another text")
        text = changes[k].added
        k += 1
    lines: list[str | None] = list(split_lines(text))
    for c in changes[k:]:
        if not 0 <= c.line < len(lines) or lines[c.line] is None:
            raise ValueError(f"explain step does not fit this text: line {c.line} ({c.rule})")
        line = lines[c.line]
        assert line is not None
        if c.action == "drop_line":
            if line != c.removed:
                raise ValueError(f"explain step does not fit this text: line {c.line} is not {c.removed!r}")
            lines[c.line] = None
        elif c.action == "replace":
            if line[c.start:c.end] != c.removed:
                raise ValueError(f"explain step does not fit this text: {c.removed!r} not at line {c.line}")
            lines[c.line] = line[: c.start] + c.added + line[c.end:]
        else:
            raise ValueError(f"unknown explain action {c.action!r}")
    return join_lines(line for line in lines if line is not None)
