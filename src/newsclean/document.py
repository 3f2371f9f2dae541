"""Value types shared by every stage: a document, one explain step, a cleaned result."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Document:
    """One article: its text (one paragraph per line), an id, and metadata.

    ``metadata`` holds the optional fields ``url``, ``outlet``, ``title``, ``date`` and ``lang``
    (and anything else a caller wants to carry along).

    >>> Document("Halo dunia.", id="a1", metadata={"outlet": "kompas.com"}).outlet
    'kompas.com'
    """

    text: str
    id: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"Document.text must be str, got {type(self.text).__name__}")

    @property
    def outlet(self) -> str | None:
        return self.metadata.get("outlet")

    @property
    def lang(self) -> str | None:
        return self.metadata.get("lang")

    @property
    def url(self) -> str | None:
        return self.metadata.get("url")

    @property
    def date(self) -> str | None:
        return self.metadata.get("date")

    @property
    def title(self) -> str | None:
        return self.metadata.get("title")

    def with_text(self, text: str) -> Document:
        return Document(text, id=self.id, metadata=self.metadata)


Action = Literal["drop_line", "replace", "rewrite"]


@dataclass(frozen=True)
class Change:
    """One explain step.

    ``drop_line`` removes input line ``line`` entirely. ``replace`` replaces the characters
    ``[start, end)`` of line ``line`` -- as it stands when this step is applied -- by ``added``
    (empty for a removal). ``line`` is always the 0-based line number in the input text, so
    steps keep pointing at the right line after earlier lines were dropped.

    ``rewrite`` (``line = -1``) replaces the whole text before it is split into lines (stray HTML
    turned into text); it comes before every line step, whose line numbers then refer to the
    rewritten text.

    ``score`` is set by scoring cleaners (the line model): how sure they were, from 0 to 1.
    """

    action: Action
    cleaner: str
    rule: str
    line: int
    start: int = 0
    end: int = 0
    removed: str = ""
    added: str = ""
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "action": self.action,
            "cleaner": self.cleaner,
            "rule": self.rule,
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "removed": self.removed,
            "added": self.added,
        }
        if self.score is not None:
            d["score"] = self.score
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Change:
        return cls(**{k: d[k] for k in ("action", "cleaner", "rule", "line", "start", "end", "removed", "added")},
                   score=d.get("score"))


@dataclass(frozen=True)
class Cleaned:
    """A cleaned text and the steps that produced it from the input."""

    text: str
    changes: tuple[Change, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``text, changes = pipeline.explain(doc)``."""
        yield self.text
        yield self.changes


_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


def split_lines(text: str) -> list[str]:
    r"""Split a text into lines the way every stage of newsclean numbers them.

    Lines end at ``\n``, ``\r\n``, ``\r``, U+2028, U+2029 and U+0085 (NEL): the line breaks that
    ftfy would otherwise rewrite inside a line. Line numbers in explain steps and reports are
    indexes into this list.

    >>> split_lines("a\r\nb\n")
    ['a', 'b', '']
    """
    if "\r" in text or "\u2028" in text or "\u2029" in text or "\x85" in text:
        return _LINE_BREAK.split(text)
    return text.split("\n")


def count_lines(text: str) -> int:
    """``len(split_lines(text))``, without building the lines.

    >>> count_lines("a\\r\\nb\\n")
    3
    """
    if "\r" in text or "\u2028" in text or "\u2029" in text or "\x85" in text:
        return len(_LINE_BREAK.split(text))
    return text.count("\n") + 1


def join_lines(lines: Iterable[str]) -> str:
    return "\n".join(lines)
