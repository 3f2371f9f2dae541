"""Near-duplicate paragraphs across articles: MinHash + LSH with clusters and keep policies.

Paragraphs are the non-empty lines of cleaned documents. Each is normalized (NFKC, casefold,
punctuation to spaces), cut into character 5-grams and summarized by a 128-value MinHash
signature (bit-identical to ``datasketch.MinHash``); one compiled pass per batch does all of it
(:func:`newsclean.dedup.signatures.sketch`), which also hashes its words, in order, into a
temporary file. LSH banding proposes candidates; a paragraph is a copy of another when runs of
words they share cover most of it (alignment, :mod:`newsclean.dedup.verify`). Clusters are built
greedily in keep order (``first``, ``earliest``, ``longest`` or ``outlet``): every member is
verified against the cluster's kept paragraph, so clusters never chain. Exact copies (after
normalization) are clusters too, and paragraphs too short for MinHash are matched by exact hash
only.

>>> from newsclean.dedup import DedupConfig, NearDuplicateIndex
>>> index = NearDuplicateIndex(DedupConfig(keep="first"))
>>> index.add_document("a.txt", [(0, "Selama beberapa minggu, kami dihadapkan pada kemungkinan eskalasi militer."),
...                              (2, "Sumber : Associated Press")])
>>> index.add_document("b.txt", [(5, "“Selama beberapa minggu, kita dihadapkan pada "
...                                  "kemungkinan eskalasi militer,” katanya.")])
>>> result = index.finish()
>>> row = result.clusters[0].to_json_row(lambda doc, line: f"<{doc}:{line}>")
>>> row["size"], row["kept"], [(m["doc"], m["line"]) for m in row["members"]]
(2, {'doc': 'a.txt', 'line': 0}, [('a.txt', 0), ('b.txt', 5)])
>>> result.dropped
{('b.txt', 5): 0}

For whole documents at once:

>>> res = find_duplicates([("x", "Satu paragraf yang cukup panjang untuk MinHash di sini.\\nLain."),
...                        ("y", "Satu paragraf yang cukup panjang untuk MinHash di sini!")])
>>> for m in res.clusters[0].members:
...     print(m.doc, m.line, m.text)
x 0 Satu paragraf yang cukup panjang untuk MinHash di sini.
y 0 Satu paragraf yang cukup panjang untuk MinHash di sini!
>>> res.documents[0].docs, res.documents[0].coverage[1]
(('x', 'y'), 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from newsclean.dedup.clusters import KEEP_POLICIES, UnionFind
from newsclean.dedup.index import DedupConfig, NearDuplicateIndex, SketchedParagraphs, sketch_documents
from newsclean.dedup.results import Cluster, DedupResult, DocumentDuplicate, Member
from newsclean.dedup.shingles import ShingleOptions, normalize, shingles
from newsclean.dedup.signatures import (
    SignatureBatch,
    SignatureScheme,
    compute_signatures,
    murmur3_32,
    sketch,
    word_tokens,
)

__all__ = [
    "KEEP_POLICIES",
    "Cluster",
    "DedupConfig",
    "DedupResult",
    "DocumentDuplicate",
    "Member",
    "NearDuplicateIndex",
    "Paragraph",
    "ShingleOptions",
    "SignatureBatch",
    "SignatureScheme",
    "SketchedParagraphs",
    "UnionFind",
    "compute_signatures",
    "find_duplicates",
    "murmur3_32",
    "normalize",
    "paragraphs",
    "shingles",
    "sketch",
    "sketch_documents",
    "word_tokens",
]

#: A paragraph as the index sees it: ``(0-based input line, cleaned text)``.
Paragraph = tuple[int, str]


def paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of a cleaned text: its non-empty lines with their 0-based line numbers.

    >>> paragraphs("satu\\n\\n  \\ndua")
    [(0, 'satu'), (3, 'dua')]
    """
    return [(i, line) for i, line in enumerate(text.split("\n")) if line.strip()]


def find_duplicates(docs: Iterable[Any], config: DedupConfig | None = None) -> DedupResult:
    """Near-duplicate paragraph clusters of whole documents; texts are kept in the result.

    **The texts are not cleaned**: each non-blank line is a paragraph as given, so boilerplate
    ("Baca juga: ...", footers) makes clusters of its own and can tie unrelated articles together.
    For raw articles use :func:`newsclean.deduplicate` (deduplicated texts) or
    :func:`newsclean.duplicate_groups` (groups of documents), which clean first and keep line numbers
    of the input.

    Each item of ``docs`` is a ``(key, text)`` pair, a mapping with ``id`` and ``text`` (and
    optional ``date`` / ``outlet``), or an object with ``id``, ``text`` and optional ``metadata``
    (such as :class:`newsclean.document.Document`).
    """
    cfg = replace(config or DedupConfig(), keep_text=True)
    index = NearDuplicateIndex(cfg)
    for item in docs:
        key, text, meta = _unpack(item)
        index.add_document(key, paragraphs(text), date=meta.get("date"), outlet=meta.get("outlet"))
    return index.finish()


def _unpack(item: Any) -> tuple[str, str, Mapping[str, Any]]:
    if isinstance(item, tuple) and len(item) == 2:
        return str(item[0]), item[1], {}
    if isinstance(item, Mapping):
        return str(item["id"]), item["text"], item
    meta = getattr(item, "metadata", None) or {}
    return str(item.id), item.text, meta
