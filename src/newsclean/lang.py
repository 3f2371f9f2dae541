"""A cheap language guess for choosing rule sections: stopword counts, no model, no download."""

from __future__ import annotations

from collections import Counter

__all__ = ["STOPWORDS", "detect_lang"]

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
    hits = Counter(map(_LANG_OF_WORD.get, text[:max_chars].lower().split()))
    counts = {code: hits[code] for code in STOPWORDS}
    total = sum(counts.values())
    if total < MIN_HITS:
        return None
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] / total >= MIN_SHARE else None
