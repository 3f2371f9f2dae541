"""A cheap language guess for choosing rule sections: stopword counts, no model, no download."""

from __future__ import annotations

from collections.abc import Sequence

from .speedups import load

__all__ = ["STOPWORDS", "detect_lang", "detect_lang_lines"]

#: Very frequent function words, disjoint between languages ("as" is out: Indonesian "AS" = USA).
#: Add a language by adding a set here and a rule file ``rules/<code>.toml``.
STOPWORDS: dict[str, frozenset[str]] = {
    "id": frozenset(
        "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke karena oleh ada "
        "adalah bahwa atau sudah kami kita mereka saat telah menjadi tersebut bisa lebih harus "
        "tahun hari kata namun seperti".split()
    ),
    "en": frozenset(
        "the and of to in is that for on with was it by at from his her they have has "
        "this are be an which said were not but would their been who".split()
    ),
}

_LANG_OF_WORD = {w: code for code, words in STOPWORDS.items() for w in words}
#: The words counted for each language: those :data:`_LANG_OF_WORD` gives it (the sets, made disjoint).
_WORDS_OF = tuple(frozenset(w for w, c in _LANG_OF_WORD.items() if c == code) for code in STOPWORDS)

#: A text needs at least this many stopword hits before we trust the guess.
MIN_HITS = 3
#: ... and the winner needs this share of all hits.
MIN_SHARE = 0.6



def detect_lang(text: str, *, max_chars: int = 1000) -> str | None:
    """Return the language code whose stopwords dominate ``text``, or None when unsure.

    >>> detect_lang("Presiden mengatakan bahwa pemerintah akan menaikkan harga di tahun ini.")
    'id'
    >>> detect_lang("The president said that the government would raise prices this year.")
    'en'
    >>> detect_lang("12345") is None
    True
    """
    return _verdict(_counts(text, max_chars))


def detect_lang_lines(lines: Sequence[str], *, max_chars: int = 1000,
                      memo: dict[str, tuple[int, ...]] | None = None) -> str | None:
    """``detect_lang(" ".join(lines), max_chars=max_chars)``, counting line by line: the counts of a
    whole line are kept in ``memo`` (a caller that asks again about mostly the same lines, after
    some were cut, counts only those).

    >>> detect_lang_lines(["Presiden mengatakan bahwa pemerintah", "akan menaikkan harga di tahun ini."])
    'id'
    """
    totals = [0] * len(STOPWORDS)
    pos = 0  # where the next line starts in the joined text
    for k, line in enumerate(lines):
        if k:
            pos += 1  # the space that joins it
        if pos >= max_chars:
            break
        end = pos + len(line)
        if end <= max_chars:
            counts = memo.get(line) if memo is not None else None
            if counts is None:
                counts = _counts(line)
                if memo is not None:
                    memo[line] = counts
        else:
            counts = _counts(line[: max_chars - pos])
        totals = [a + b for a, b in zip(totals, counts)]
        pos = end
    return _verdict(tuple(totals))


def _counts_py(text: str) -> tuple[int, ...]:
    """How many words of ``text``, lowercased, each language's stopwords hold (the definition of the
    compiled ``WordCounter``). Words never span the space that joins two lines, and lower() of a
    line is lower() of it in a longer text."""
    words = text.lower().split()
    return tuple(sum(map(of.__contains__, words)) for of in _WORDS_OF)


def _compiled_counter() -> object | None:
    native = load()
    if native is None:
        return None
    try:
        return native.WordCounter(_WORDS_OF)  # type: ignore[no-any-return]
    except ValueError:  # stopwords it cannot hold (long ones, or beyond ASCII): the Python path
        return None


_COUNTER = _compiled_counter()


def _counts(text: str, max_chars: int | None = None) -> tuple[int, ...]:
    """``_counts_py(text[:max_chars])``, by the compiled counter when there is one."""
    if max_chars is not None and max_chars < 0:
        text, max_chars = text[:max_chars], None
    if _COUNTER is not None:
        return _COUNTER(text, len(text) if max_chars is None else max_chars)  # type: ignore[operator,no-any-return]
    return _counts_py(text if max_chars is None else text[:max_chars])


def _verdict(counts: tuple[int, ...]) -> str | None:
    total = sum(counts)
    if total < MIN_HITS:
        return None
    by_code = dict(zip(STOPWORDS, counts))
    best = max(by_code, key=lambda c: by_code[c])
    return best if by_code[best] / total >= MIN_SHARE else None
