"""Compose cleaners into a pipeline; clean, explain and replay.

A pipeline is an ordered list of steps. A step is either

- a plain ``str -> str`` function (a *text cleaner*, e.g. :func:`newsclean.text.fix_unicode` or your
  own): yours are called once per document on the whole text, unless declared line-wise with
  :func:`text_cleaner` (the built-in ones are line-wise); or
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

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union, overload, runtime_checkable

from .budget import unbudgeted
from .catalog import Catalog, Rule, default_catalog, normalize_outlet
from .document import Change, Cleaned, Document, split_lines
from .lang import detect_lang
from .lines import CompiledRules
from .text import (
    BUILTIN_CLEANERS,
    fix_unicode,
    lines_to_clean,
    normalize_spaces,
    remove_invisible,
    separators_to_spaces,
    strip_line,
)

if TYPE_CHECKING:
    from .linemodel import LineModel
    from .templates import Templates

__all__ = [
    "BLANK_MODES",
    "NEWLINE_MODES",
    "BlankLines",
    "LineCleaner",
    "Pipeline",
    "RuleCleaner",
    "TextCleaner",
    "line_filter",
    "output_newline",
    "replay",
    "text_cleaner",
]

_BREAK_RE = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


@runtime_checkable
class LineCleaner(Protocol):
    name: str

    def run(self, lines: list[str | None], doc: Document) -> list[Change]: ...


def text_cleaner(
    func: Callable[[str], str] | None = None, *, line_wise: bool = False, idempotent: bool = False,
) -> Any:
    """Say how a pipeline applies your ``str -> str`` function; use as ``@text_cleaner`` or
    ``@text_cleaner(line_wise=True, idempotent=True)``. It marks the function with attributes and
    returns it unchanged (still a plain function: it pickles, and you can call it yourself).

    - By default a text cleaner is called **once per document**, on the whole text (lines joined
      with ``\\n``), and exactly once: a function that is not idempotent is never re-applied.
    - ``line_wise=True``: called once per line instead (a line break it returns becomes a space).
    - ``idempotent=True``: ``f(f(x)) == f(x)``; such cleaners, next to each other, are repeated on the
      lines they changed until none changes anything (removing a soft hyphen can expose mojibake
      that ``fix_unicode`` could not see before). The built-in cleaners are line-wise and idempotent.

    >>> @text_cleaner
    ... def add_mark(text: str) -> str:
    ...     return text + " [checked]"
    >>> Pipeline([add_mark]).clean("Satu.\\nDua.")
    'Satu.\\nDua. [checked]'
    >>> Pipeline([text_cleaner(str.title, line_wise=True)]).clean("satu dua\\ntiga")
    'Satu Dua\\nTiga'
    """
    def mark(f: Callable[[str], str]) -> Callable[[str], str]:
        if not callable(f):
            raise TypeError(f"a text cleaner must be callable, got {f!r}")
        try:
            f.line_wise = line_wise  # type: ignore[attr-defined]
            f.idempotent = idempotent  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            # Built-ins (str.upper) take no attributes: wrap them instead.
            return TextCleaner(f, line_wise=line_wise, idempotent=idempotent)  # type: ignore[return-value]
        return f

    return mark if func is None else mark(func)


@dataclass(frozen=True)
class TextCleaner:
    """A ``str -> str`` function as a pipeline step, recording the minimal changes it makes.

    ``line_wise``, ``idempotent`` and ``line_local`` default to the function's attributes of the
    same names (see :func:`text_cleaner`), else ``False``: called once on the whole document.
    """

    func: Callable[[str], str]
    name: str = ""
    #: The function treats each line on its own (``f("a\nb") == f("a") + "\n" + f("b")``), so it can
    #: be called once on the whole text and then only on the lines that changed. Implies line-wise.
    #: Built-in cleaners say so with a ``line_local`` attribute.
    line_local: bool | None = None
    #: Called on each line separately (else once on the whole document).
    line_wise: bool | None = None
    #: Safe to re-apply until nothing changes (see :func:`text_cleaner`).
    idempotent: bool | None = None

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise TypeError(f"a text cleaner must be callable, got {self.func!r}")
        if not self.name:
            object.__setattr__(self, "name", getattr(self.func, "__name__", "text_cleaner"))
        for attr in ("line_local", "line_wise", "idempotent"):
            if getattr(self, attr) is None:
                object.__setattr__(self, attr, bool(getattr(self.func, attr, False)))
        if self.line_local:
            object.__setattr__(self, "line_wise", True)

    def run(self, lines: list[str | None], doc: Document, only: Iterable[int] | None = None) -> list[Change]:
        """Clean the lines (all, or those in ``only`` for a line-wise cleaner) in place; return what
        changed. A document-wide cleaner that changes the number of lines replaces ``lines``
        wholesale and returns one ``rewrite`` step."""
        if not self.line_wise:
            return self._run_document(lines)
        func = self.func
        candidates: Iterable[int] = range(len(lines)) if only is None else sorted(only)
        if self.line_local:
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

    def _run_document(self, lines: list[str | None]) -> list[Change]:
        index = [i for i, line in enumerate(lines) if line is not None]
        text = "\n".join(lines[i] or "" for i in index)
        new = self.func(text)
        if not isinstance(new, str):
            raise TypeError(f"text cleaner {self.name!r} returned {type(new).__name__}, not str")
        if new == text:
            return []
        new_lines = split_lines(new)
        if len(new_lines) != len(index):
            # Lines were joined or split: line numbers of the old text mean nothing in the new one,
            # so the step is one whole-text rewrite and later steps number the new text's lines.
            lines[:] = new_lines
            return [Change("rewrite", self.name, self.name, -1, 0, len(text), text, new)]
        changes = []
        for i, b in zip(index, new_lines):
            a = lines[i] or ""
            if a != b:
                for start, end, added in _diff_regions(a, b):
                    changes.append(Change("replace", self.name, self.name, i, start, end, a[start:end], added))
                lines[i] = b
        return changes


def _clean_some_lines(group: Sequence[TextCleaner], lines: list[str | None], todo: Sequence[int],
                      changes: list[Change]) -> None:
    """Rounds of line-local, idempotent built-in cleaners over the ``todo`` lines (the only ones
    that may change), as ``Pipeline.explain`` runs them with ``TextCleaner.run`` (same changes, same
    order): each cleaner called on each line (not on the lines joined, then again on the lines that
    changed), since few lines need anything."""
    index = sorted(todo)
    for _ in range(TEXT_ROUNDS):
        before = len(changes)
        for step in group:
            func, name = step.func, step.name
            for i in index:
                line = lines[i]
                if not line:
                    continue
                new = func(line)
                if new == line:
                    continue
                if _BREAK_RE.search(new):
                    new = _BREAK_RE.sub(" ", new)  # as TextCleaner.run: a line stays one line
                    if new == line:
                        continue
                for start, end, added in _diff_regions(line, new):
                    changes.append(Change("replace", name, name, i, start, end, line[start:end], added))
                lines[i] = new
        if len(changes) == before:
            return
        # A line no cleaner changed is a fixed point of each of them: the next round looks at the
        # lines that changed, if they hold anything the built-in cleaners react to.
        index = sorted({c.line for c in changes[before:]})
        if lines_to_clean("\n".join([lines[i] or "" for i in index])) == []:
            return


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

    def __reduce__(self) -> tuple[Any, ...]:
        # ``@line_filter(...)`` on a module-level function binds the function's name to this object:
        # pickle it by that name (as pickle does for functions), since the bare function is not
        # reachable by its own name any more.
        module, qualname = getattr(self.predicate, "__module__", None), getattr(self.predicate, "__qualname__", "")
        if module and "<" not in qualname and _lookup(module, qualname) is self:
            return (_lookup, (module, qualname))
        return (_Predicate, (self.name, self.predicate))

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        changes = []
        for i, line in enumerate(lines):
            if line and self.predicate(line):
                changes.append(Change("drop_line", self.name, self.name, i, 0, len(line), line, ""))
                lines[i] = None
        return changes


def _lookup(module: str, qualname: str) -> Any:
    import importlib

    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


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


BlankMode = Literal["drop", "collapse", "keep"]
BLANK_MODES: tuple[str, ...] = ("drop", "collapse", "keep")


@dataclass(frozen=True)
class BlankLines:
    """What happens to lines that are empty (or only whitespace) after the other steps.

    - ``"drop"`` (default): every blank line goes, so the output has one paragraph per line;
    - ``"collapse"``: paragraph breaks are kept, as one empty line between two kept paragraphs
      (runs of blank lines become one; blank lines at the start and end go);
    - ``"keep"``: blank lines stay as they are.

    >>> Pipeline([], blank_lines="collapse").clean("\\nSatu.\\n\\n  \\nDua.\\n\\n")
    'Satu.\\n\\nDua.'
    """

    name: str = "blank_lines"
    mode: BlankMode = "drop"

    def __post_init__(self) -> None:
        if self.mode not in BLANK_MODES:
            raise ValueError(f"blank_lines must be one of {BLANK_MODES}, got {self.mode!r}")

    def run(self, lines: list[str | None], doc: Document) -> list[Change]:
        if self.mode == "keep":
            return []
        changes = []
        keep: int | None = None  # the first blank line after a kept paragraph, kept if one follows
        seen_text = False
        for i, line in enumerate(lines):
            if line is None:
                continue
            if line.strip():
                if keep is not None:
                    blank = lines[keep] or ""
                    if blank:  # whitespace only: the kept break is an empty line
                        changes.append(Change("replace", self.name, "blank", keep, 0, len(blank), blank, ""))
                        lines[keep] = ""
                    keep = None
                seen_text = True
            elif self.mode == "collapse" and seen_text and keep is None:
                keep = i
            else:
                changes.append(Change("drop_line", self.name, "blank", i, 0, len(line), line, ""))
                lines[i] = None
        if keep is not None:  # a break after the last paragraph
            line = lines[keep] or ""
            changes.append(Change("drop_line", self.name, "blank", keep, 0, len(line), line, ""))
            lines[keep] = None
        changes.sort(key=lambda c: c.line)
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

    def __getstate__(self) -> dict[str, Any]:
        # The compiled selections (regexes, Hyperscan databases) stay behind: a process that
        # unpickles the cleaner compiles what it needs (from the on-disk cache, when there is one).
        state = dict(self.__dict__)
        del state["_compiled"]
        state.pop("_last_verdict", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compiled = lru_cache(maxsize=4096)(self._compile)

    def _compile(self, lang: str | None, outlet: str | None) -> CompiledRules:
        # Set-up, done once per selection: not counted in a document's time budget (newsclean.budget).
        with unbudgeted():
            return _compiled_for(self.catalog.select(lang, outlet))

    def lang_of(self, doc: Document, lines: Sequence[str | None]) -> str | None:
        """The language whose rules apply to ``lines``. The last verdict is kept with the sample it was
        given for: the rules' second look at a document, and the steps that run them again on what they
        left (glued promos, echoes, tail headlines), mostly ask about the same sample."""
        if self.lang != "auto":
            return self.lang
        meta = doc.lang
        if meta:
            code = str(meta).lower().split("-")[0].split("_")[0]
            if code in self.catalog.langs:
                return code
        sample = lang_sample(lines)
        last = self.__dict__.get("_last_verdict")
        if last is not None and last[0] == sample:
            return last[1]  # type: ignore[no-any-return]
        # detect_lang_lines(sample) is detect_lang of the lines joined (tokens never span the join).
        verdict = detect_lang(" ".join(sample), max_chars=LANG_SAMPLE_CHARS)
        self._last_verdict = (sample, verdict)
        return verdict

    def verdict(self, doc: Document, lines: Sequence[str | None]) -> str | None:
        """The language this step's last run gave ``doc`` (the steps after it clean with the same rules), else
        :meth:`lang_of` asked now."""
        last = getattr(self, "last_lang", None)
        return last[1] if last is not None and last[0] is doc else self.lang_of(doc, lines)  # type: ignore[no-any-return]

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
        self.last_lang = (doc, lang)  # the line model reads the verdict instead of guessing again
        return changes


#: Lines with fewer spaces than this are ignored by language detection.
MIN_SENTENCE_SPACES = 7
#: Language detection looks at the first this many non-empty lines ...
LANG_SAMPLE_LINES = 60
#: ... and at the first this many characters of their sentence-like lines.
LANG_SAMPLE_CHARS = 1000


def lang_sample(lines: Sequence[str | None]) -> list[str]:
    """The lines the language guess reads: among the first :data:`LANG_SAMPLE_LINES` lines that are
    still there and not blank, the sentence-like ones (:data:`MIN_SENTENCE_SPACES` spaces or more),
    up to the one that brings their text, joined with spaces, to :data:`LANG_SAMPLE_CHARS`.

    Judged by sentence-like lines only: short lines are where boilerplate lives, and a verdict that
    flipped once a promo line was removed would make cleaning non-idempotent. The first lines that
    are still there count (not the first line numbers), so that the output, cleaned again, is judged
    on the same sample.

    >>> lang_sample(["JAKARTA", None, "Harga cabai naik lagi di pasar induk pagi ini, kata pedagang.", ""])
    ['Harga cabai naik lagi di pasar induk pagi ini, kata pedagang.']
    """
    # (``not line.isspace()`` is ``line.strip() != ""`` for a line that is not empty.) One pass that
    # stops at the line that fills the sample: most documents fill it with their first paragraphs.
    sample = []
    seen = 0
    size = -1
    for line in lines:
        if not line or line.isspace():
            continue
        seen += 1
        if seen > LANG_SAMPLE_LINES:
            break
        if line.count(" ") >= MIN_SENTENCE_SPACES:
            sample.append(line)
            size += len(line) + 1
            if size >= LANG_SAMPLE_CHARS:
                break  # detect_lang reads no further
    return sample


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
#: Passes of the text cleaners (and the steps after them) over lines a rule edited (see ``Pipeline.explain``).
REPAIR_PASSES = 2

DEFAULT_TEXT_CLEANERS: tuple[Callable[[str], str], ...] = (
    separators_to_spaces,
    fix_unicode,
    remove_invisible,
    normalize_spaces,
    strip_line,
)


NewlineMode = Literal["\n", "\r\n", "keep"]
NEWLINE_MODES: tuple[str, ...] = ("\n", "\r\n", "keep")
_FIRST_BREAK_RE = re.compile("\r\n|\r|\n")


def output_newline(text: str, newline: str = "\n") -> str:
    """The line break a pipeline joins output lines with: ``newline`` itself, or with ``"keep"``
    the input's first line break (``\\r\\n``, ``\\r`` or ``\\n``; ``\\n`` for a single line).

    >>> output_newline("a\\r\\nb", "keep"), output_newline("a\\r\\nb"), output_newline("a", "keep")
    ('\\r\\n', '\\n', '\\n')
    """
    if newline != "keep":
        return newline
    m = _FIRST_BREAK_RE.search(text)
    return m.group() if m else "\n"


class Pipeline:
    """An ordered list of cleaners. ``Pipeline.default()`` is what the CLI runs.

    Calling a pipeline cleans: ``p("text")`` returns the cleaned ``str`` (``p(document)`` a
    :class:`~newsclean.document.Document` with the cleaned text), so it drops into ``map`` and
    ``pandas.Series.map``; :meth:`explain` returns the text with every change. A pipeline pickles
    (multiprocessing with any start method) as long as your own steps do: module-level functions
    and ``line_filter`` predicates do, lambdas do not.

    Lines and line breaks: the input is split at ``\\n``, ``\\r\\n``, ``\\r``, U+2028, U+2029 and
    U+0085; ``blank_lines`` says what happens to empty lines (:class:`BlankLines`: ``"drop"`` by
    default, ``"collapse"`` keeps paragraph breaks, ``"keep"``) and ``newline`` what joins the
    output lines (``"\\n"`` by default, ``"\\r\\n"``, or ``"keep"``: the input's own line break, so
    a CRLF text stays CRLF).

    >>> p = Pipeline.default(lang="id", blank_lines="collapse", newline="keep")
    >>> p("Harga naik.\\r\\n\\r\\nBaca juga: Harga Turun\\r\\n\\r\\nPedagang mengeluh.")
    'Harga naik.\\r\\n\\r\\nPedagang mengeluh.'
    """

    def __init__(self, steps: Iterable[Step], *, pre: Sequence[Callable[[str], str]] = (),
                 blank_lines: BlankMode = "drop", newline: NewlineMode = "\n") -> None:
        #: Whole-text steps run before the text is split into lines (they may change line breaks);
        #: each change is recorded as one ``rewrite`` step.
        self.pre = list(pre)
        for f in self.pre:
            if not callable(f):
                raise TypeError(f"a pre step must be a str -> str function, got {f!r}")
        if newline not in NEWLINE_MODES:
            raise ValueError(f"newline must be one of {NEWLINE_MODES}, got {newline!r}")
        self.newline = newline
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
            self.steps.append(BlankLines(mode=blank_lines))

    @classmethod
    def default(
        cls,
        *,
        lang: str | None = "auto",
        rules: Sequence[str | Path] = (),
        catalog: Catalog | None = None,
        extra: Sequence[Step] = (),
        blank_lines: BlankMode = "drop",
        newline: NewlineMode = "\n",
        templates: Templates | None = None,
        line_model: LineModel | bool = True,
    ) -> Pipeline:
        """Unicode repair, invisible characters, spaces, then the rule catalog (built-in rules plus
        any ``rules`` files) and its promo kinds glued to a paragraph's end, then corpus ``templates``
        (learned by :mod:`newsclean.templates`), then the line model where the rules were silent
        (``line_model=False`` for none), then ``extra`` steps of your own."""
        cat = catalog if catalog is not None else default_catalog()
        if rules:
            cat = cat + Catalog.from_files(rules)
        from .glued import GluedPromos
        from .positional import HeadlineEchoes, TailHeadlines
        from .selfpromo import OutletPromos

        rule_cleaner = RuleCleaner(cat, lang=lang)
        # The rules' promo kinds glued after a paragraph's last sentence, positional kinds (a repeated headline at
        # the top, a list of headlines at the end), the outlet's promos of itself, then what the corpus taught
        # (templates), then the line model where all of them were silent.
        glued = GluedPromos(rule_cleaner, recheck=(rule_cleaner,))
        corpus: list[LineCleaner] = [glued, HeadlineEchoes(recheck=(rule_cleaner, glued)),
                                     TailHeadlines(recheck=(rule_cleaner, glued)),
                                     OutletPromos(recheck=(rule_cleaner, glued))]
        if templates is not None:
            from .templates import TemplateCleaner

            corpus.append(TemplateCleaner(templates))
        if line_model is not False:
            from .linemodel import LineModelCleaner, default_line_model

            model = default_line_model() if line_model is True else line_model
            corpus.append(LineModelCleaner(model, templates, recheck=(rule_cleaner, *corpus)))  # type: ignore[arg-type]
        return cls([*DEFAULT_TEXT_CLEANERS, rule_cleaner, *corpus, *extra], pre=[strip_stray_html],
                   blank_lines=blank_lines, newline=newline)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    @property
    def blank_lines(self) -> str:
        """The blank-line mode of the pipeline's :class:`BlankLines` step."""
        return next((s.mode for s in self.steps if isinstance(s, BlankLines)), "keep")

    def explain(self, doc: Document | str) -> Cleaned:
        """Clean and return the text with every change (:class:`~newsclean.document.Cleaned`,
        which unpacks as ``text, changes``)."""
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
        self._run_steps(lines, doc, changes, text=text)
        # A rule's cut can change how a text cleaner judges the rest of its line (ftfy decides per line:
        # mojibake after a prefix with a dash is repaired once the prefix is gone). Such lines take the text
        # cleaners again, and the steps after them run again, so that cleaning the output changes nothing.
        done = 0
        text_names = {s.name for s in self.steps if isinstance(s, TextCleaner)}
        for _ in range(REPAIR_PASSES):
            edited = sorted({c.line for c in changes[done:] if c.action == "replace" and c.line >= 0
                             and c.cleaner not in text_names and lines[c.line]})
            if not edited:
                break
            done = len(changes)
            if not self._run_steps(lines, doc, changes, repair=edited):
                break
        sep = output_newline(doc.text, self.newline)
        return Cleaned(sep.join(line for line in lines if line is not None), tuple(changes))

    def _run_steps(self, lines: list[str | None], doc: Document, changes: list[Change], *, text: str | None = None,
                   repair: Sequence[int] | None = None) -> bool:
        """Run the steps over ``lines`` (the text as split: ``text``), appending their changes. ``repair``: a
        repair pass, starting at the first group of idempotent text cleaners, which looks only at these
        lines; nothing runs after that group when it changes none of them (returns False then)."""
        steps = self.steps
        k = 0
        if repair is not None:
            while k < len(steps) and not (isinstance(steps[k], TextCleaner) and steps[k].idempotent):  # type: ignore[attr-defined]
                k += 1
            if k == len(steps):
                return False
        while k < len(steps):
            step = steps[k]
            if not (isinstance(step, TextCleaner) and step.idempotent):
                # A cleaner that judges only what earlier steps left alone (the line model) sees their changes.
                if getattr(step, "sees_changes", False):
                    changes.extend(step.run(lines, doc, changes=changes))  # type: ignore[call-arg]
                else:
                    changes.extend(step.run(lines, doc))
                k += 1
                continue
            # A run of idempotent text cleaners repeats until it changes nothing: removing a soft
            # hyphen can expose mojibake that fix_unicode could not see before.
            group = []
            while k < len(steps) and isinstance(steps[k], TextCleaner) and steps[k].idempotent:  # type: ignore[attr-defined]
                group.append(steps[k])
                k += 1
            only: set[int] | None = None
            builtin = all(s.func in BUILTIN_CLEANERS for s in group)  # type: ignore[attr-defined]
            todo: list[int] | None = None
            repairing = repair is not None
            if repair is not None:
                todo, repair = list(repair), None
                if builtin and lines_to_clean("\n".join([lines[i] or "" for i in todo])) == []:
                    return False  # nothing the built-in cleaners react to in the edited lines
                first = len(changes)
                if all(s.line_local for s in group):  # type: ignore[attr-defined]
                    _clean_some_lines(group, lines, todo, changes)  # type: ignore[arg-type]
                    if len(changes) == first:
                        return False
                    continue
                only = set(todo)
            elif builtin and text is not None and k == len(group):
                # The first steps, built-in cleaners on the text as split: one scan finds the lines
                # they might change (none, in most documents); the others are fixed points of each.
                todo = lines_to_clean(text)
                if todo is not None:
                    if not todo:
                        continue
                    if all(s.line_local for s in group):  # type: ignore[attr-defined]
                        _clean_some_lines(group, lines, todo, changes)  # type: ignore[arg-type]
                        continue
                    only = set(todo)
            first = len(changes)
            for _ in range(TEXT_ROUNDS):
                before = len(changes)
                for step in group:
                    changes.extend(step.run(lines, doc, only))  # type: ignore[call-arg]
                if len(changes) == before:
                    break
                # A line no cleaner changed is a fixed point of each of them: the next round
                # only needs the lines that changed (all of them after a whole-text rewrite).
                new = changes[before:]
                only = None if any(c.action == "rewrite" for c in new) else {c.line for c in new}
                if builtin and only is not None:
                    changed = "\n".join([lines[i] or "" for i in sorted(only)])
                    if lines_to_clean(changed) == []:
                        break  # the changed lines hold nothing the built-in cleaners react to: done
            if repairing and len(changes) == first:
                return False
        return True

    def clean(self, doc: Document | str) -> str:
        """The cleaned text."""
        return self.explain(doc).text

    @overload
    def __call__(self, doc: str) -> str: ...

    @overload
    def __call__(self, doc: Document) -> Document: ...

    def __call__(self, doc: Document | str) -> Document | str:
        """``p(text)`` is ``p.clean(text)``; ``p(document)`` the document with its text cleaned."""
        if isinstance(doc, Document):
            return doc.with_text(self.explain(doc).text)
        return self.explain(doc).text


def replay(text: str, changes: Iterable[Change], *, newline: str = "\n") -> str:
    """Re-apply explain steps to the input text; ``replay(text, p.explain(text).changes)`` equals
    ``p.clean(text)`` (pass the pipeline's ``newline`` if it is not the default). Raises
    ``ValueError`` if a step does not fit the text."""
    current = text  # the whole text, while no line step has applied since the last rewrite
    lines: list[str | None] | None = None
    for c in changes:
        if c.action == "rewrite":
            if lines is None:
                # A rewrite before any line step starts from the text as given (a pre step) or from
                # its lines joined with "\n" (a document-wide cleaner).
                fits = c.removed == current or c.removed == "\n".join(split_lines(current))
            else:
                fits = c.removed == "\n".join(line for line in lines if line is not None)
            if not fits:
                raise ValueError("explain step does not fit this text: the rewrite starts from another text")
            current, lines = c.added, None
            continue
        if lines is None:
            lines = list(split_lines(current))
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
    if lines is None:
        lines = list(split_lines(current))
    return output_newline(text, newline).join(line for line in lines if line is not None)
