"""Near-duplicates of an in-memory collection of documents, in one call: the deduplicated texts, or
the groups of documents that repeat each other.

Both **clean the documents first** (``clean=True``, the default pipeline; or pass your own
:class:`~newsclean.pipeline.Pipeline`), as the command line does: boilerplate lines would otherwise
make unrelated articles of one outlet look alike ("Baca juga: ...", footers), and mojibake would
hide real copies. Line numbers always refer to the **input** texts (0-based, in the lines of
:func:`newsclean.document.split_lines`), whatever cleaning removed. With ``clean=False`` the texts
are compared as given, each non-blank line one paragraph.

>>> from newsclean.corpus_dedup import deduplicate, duplicate_groups
>>> wire = "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."
>>> docs = ["JAKARTA - " + wire + "\\nBaca juga: Harga Cabai Naik\\nWarga Jakarta menanggapi dengan tenang.",
...         "Berita lain sama sekali, tentang banjir di Semarang yang merendam ratusan rumah warga.",
...         wire + "\\nSumber : Antara"]
>>> for text in deduplicate(docs):
...     print(repr(text))
'Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya.\\nWarga Jakarta \
menanggapi dengan tenang.'
'Berita lain sama sekali, tentang banjir di Semarang yang merendam ratusan rumah warga.'
''
>>> [(g.indexes, g.kept, g.lines) for g in duplicate_groups(docs)]
[((0, 2), 0, {0: (0,), 2: (0,)})]

The lower-level pieces are :func:`newsclean.dedup.find_duplicates` (paragraph clusters of texts
taken as they are, **not** cleaned) and :class:`newsclean.dedup.NearDuplicateIndex` (streaming).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .dedup import DedupConfig, DedupResult, NearDuplicateIndex, UnionFind
from .dedup.clusters import KeepPolicy, date_key
from .document import Cleaned, Document, split_lines
from .pipeline import Pipeline, output_newline

__all__ = ["DocumentGroup", "deduplicate", "duplicate_groups", "find_document_duplicates"]

#: What the functions take: texts, :class:`~newsclean.document.Document` objects, mappings with a
#: ``text`` (and optional ``id``, ``date``, ``outlet``, ``url``) or ``(id, text)`` pairs.
DocumentLike = Any


@dataclass(frozen=True)
class DocumentGroup:
    """Documents that repeat each other: each is at least ``document_threshold`` (0.8) covered by
    near-duplicate paragraphs of another one in the group (pairs chained into groups).

    ``indexes``: positions in the input, in order; ``ids``: their ids (the position as a string for
    plain texts); ``kept``: the position of the document to keep (by ``keep``); ``coverage``: per
    position, the largest share of its characters found in one other member; ``lines``: per
    position, the input line numbers of its paragraphs that have a near-duplicate in another member.
    """

    id: int
    indexes: tuple[int, ...]
    ids: tuple[str, ...]
    kept: int
    coverage: Mapping[int, float]
    lines: Mapping[int, tuple[int, ...]]

    @property
    def size(self) -> int:
        return len(self.indexes)


@dataclass
class _Prepared:
    docs: list[Document]
    cleaned: list[Cleaned | None]
    result: DedupResult
    pipeline: Pipeline | None


def _as_document(item: DocumentLike, i: int) -> Document:
    if isinstance(item, Document):
        return item if item.id else Document(item.text, id=str(i), metadata=item.metadata)
    if isinstance(item, str):
        return Document(item, id=str(i))
    if isinstance(item, tuple) and len(item) == 2:
        return Document(item[1], id=str(item[0]))
    if isinstance(item, Mapping):
        if not isinstance(item.get("text"), str):
            raise ValueError(f"document {i}: a mapping needs a str 'text'")
        meta = {k: item[k] for k in ("url", "outlet", "date", "title", "lang") if item.get(k) not in (None, "")}
        rid = item.get("id")
        return Document(item["text"], id=str(rid) if rid not in (None, "") else str(i), metadata=meta)
    raise TypeError(f"document {i}: expected a str, Document, mapping or (id, text), got {type(item).__name__}")


def _config(config: DedupConfig | None, *, threshold: float | None, keep: KeepPolicy | None,
            outlet_priority: Sequence[str] | None, document_threshold: float | None) -> DedupConfig:
    cfg = config or DedupConfig()
    changes: dict[str, Any] = {"keep_text": False}
    if threshold is not None:
        changes["threshold"] = threshold
    if keep is not None:
        changes["keep"] = keep
    if outlet_priority is not None:
        changes["outlet_priority"] = tuple(outlet_priority)
    if document_threshold is not None:
        changes["document_threshold"] = document_threshold
    return replace(cfg, **changes)


def _pipeline(clean: bool | Pipeline, lang: str | None) -> Pipeline | None:
    if isinstance(clean, Pipeline):
        return clean
    if clean is True:
        return Pipeline.default(lang=lang)
    if clean is False:
        return None
    raise TypeError(f"clean must be True, False or a Pipeline, got {clean!r}")


def _prepare(docs: Iterable[DocumentLike], *, clean: bool | Pipeline, lang: str | None,
             config: DedupConfig) -> _Prepared:
    from .run import kept_lines

    pipeline = _pipeline(clean, lang)
    index = NearDuplicateIndex(config)
    out_docs: list[Document] = []
    out_cleaned: list[Cleaned | None] = []
    for i, item in enumerate(docs):
        doc = _as_document(item, i)
        if pipeline is not None:
            cleaned = pipeline.explain(doc)
            paras = [(n, t) for n, t in kept_lines(doc.text, cleaned) if t.strip()]
        else:
            cleaned = None
            paras = [(n, t) for n, t in enumerate(split_lines(doc.text)) if t.strip()]
        # Keys are positions: ids need not be unique in a caller's collection.
        index.add_document(str(i), paras, date=doc.date, outlet=doc.outlet)
        out_docs.append(doc)
        out_cleaned.append(cleaned)
    return _Prepared(out_docs, out_cleaned, index.finish(), pipeline)


def find_document_duplicates(
    docs: Iterable[DocumentLike],
    *,
    clean: bool | Pipeline = True,
    lang: str | None = "auto",
    config: DedupConfig | None = None,
    threshold: float | None = None,
    keep: KeepPolicy | None = None,
    outlet_priority: Sequence[str] | None = None,
    document_threshold: float | None = None,
) -> tuple[list[str], list[DocumentGroup], DedupResult]:
    """Both answers of one pass: the deduplicated texts (see :func:`deduplicate`), the document
    groups (see :func:`duplicate_groups`) and the paragraph-level result, whose document keys are
    input positions as strings and whose line numbers refer to the input texts."""
    cfg = _config(config, threshold=threshold, keep=keep, outlet_priority=outlet_priority,
                  document_threshold=document_threshold)
    prep = _prepare(docs, clean=clean, lang=lang, config=cfg)
    return _texts(prep), _groups(prep, cfg), prep.result


def deduplicate(
    docs: Iterable[DocumentLike],
    *,
    clean: bool | Pipeline = True,
    lang: str | None = "auto",
    config: DedupConfig | None = None,
    threshold: float | None = None,
    keep: KeepPolicy | None = None,
    outlet_priority: Sequence[str] | None = None,
) -> list[str]:
    """The texts, in input order, cleaned (unless ``clean=False``) and without the paragraphs that
    near-duplicate a paragraph kept elsewhere: of each cluster of near-duplicate paragraphs one is
    kept (``keep``: ``"first"``, ``"earliest"`` by ``date``, ``"longest"``, or ``"outlet"`` by
    ``outlet_priority``). A document made only of copies comes back empty (``""``), not removed, so
    the result lines up with the input (``df["text"] = deduplicate(df["text"])``).

    ``threshold`` (Jaccard of character 5-grams, default 0.36) and the rest of
    :class:`~newsclean.dedup.DedupConfig` (``config``) tune what counts as a near-duplicate.
    """
    cfg = _config(config, threshold=threshold, keep=keep, outlet_priority=outlet_priority, document_threshold=None)
    return _texts(_prepare(docs, clean=clean, lang=lang, config=cfg))


def duplicate_groups(
    docs: Iterable[DocumentLike],
    *,
    clean: bool | Pipeline = True,
    lang: str | None = "auto",
    config: DedupConfig | None = None,
    threshold: float | None = None,
    keep: KeepPolicy | None = None,
    outlet_priority: Sequence[str] | None = None,
    document_threshold: float | None = None,
) -> list[DocumentGroup]:
    """Groups of documents that repeat each other (republished articles), in the order of their
    first member: see :class:`DocumentGroup`. ``document_threshold`` (default 0.8) is the share of a
    document's characters that must be found in another for the two to be grouped."""
    cfg = _config(config, threshold=threshold, keep=keep, outlet_priority=outlet_priority,
                  document_threshold=document_threshold)
    return _groups(_prepare(docs, clean=clean, lang=lang, config=cfg), cfg)


def _texts(prep: _Prepared) -> list[str]:
    from .run import drop_lines

    drops: dict[int, set[int]] = {}
    for doc, line in prep.result.dropped:
        drops.setdefault(int(doc), set()).add(line)
    out = []
    for i, (doc, cleaned) in enumerate(zip(prep.docs, prep.cleaned)):
        lines = drops.get(i)
        if cleaned is not None:
            assert prep.pipeline is not None
            p = prep.pipeline
            out.append(drop_lines(doc.text, cleaned, lines, newline=p.newline, blank_lines=p.blank_lines).text if lines
                       else cleaned.text)
        elif lines:
            kept = [t for n, t in enumerate(split_lines(doc.text)) if n not in lines]
            out.append(output_newline(doc.text, "keep").join(kept))
        else:
            out.append(doc.text)
    return out


def _groups(prep: _Prepared, cfg: DedupConfig) -> list[DocumentGroup]:
    pairs = prep.result.documents
    if not pairs:
        return []
    uf = UnionFind(len(prep.docs))
    coverage: dict[int, float] = {}
    for p in pairs:
        a, b = int(p.docs[0]), int(p.docs[1])
        uf.union(a, b)
        coverage[a] = max(coverage.get(a, 0.0), p.coverage[0])
        coverage[b] = max(coverage.get(b, 0.0), p.coverage[1])
    members: dict[int, list[int]] = {}
    for d in sorted(coverage):
        members.setdefault(uf.find(d), []).append(d)
    root_of = {d: r for r, ds in members.items() for d in ds}
    lines: dict[int, set[int]] = {}
    for cl in prep.result.clusters:
        by_root: dict[int, set[int]] = {}
        for m in cl.members:
            d = int(m.doc)
            r = root_of.get(d)
            if r is not None:
                by_root.setdefault(r, set()).add(d)
        for m in cl.members:
            d = int(m.doc)
            r = root_of.get(d)
            if r is not None and len(by_root[r]) > 1:
                lines.setdefault(d, set()).add(m.line)
    groups = []
    for gid, root in enumerate(sorted(members)):
        idx = tuple(members[root])
        groups.append(DocumentGroup(
            id=gid, indexes=idx, ids=tuple(prep.docs[d].id for d in idx), kept=_kept(idx, prep, cfg),
            coverage={d: round(coverage[d], 4) for d in idx},
            lines={d: tuple(sorted(lines.get(d, ()))) for d in idx}))
    return groups


def _kept(idx: tuple[int, ...], prep: _Prepared, cfg: DedupConfig) -> int:
    def length(d: int) -> int:
        c = prep.cleaned[d]
        return len(c.text if c is not None else prep.docs[d].text)

    if cfg.keep == "longest":
        return min(idx, key=lambda d: (-length(d), d))
    if cfg.keep == "earliest":
        def when(d: int) -> tuple[bool, tuple[int, int, int], int]:
            k = date_key(prep.docs[d].date)
            return (k is None, k or (0, 0, 0), d)
        return min(idx, key=when)
    if cfg.keep == "outlet":
        rank = {o: r for r, o in enumerate(cfg.outlet_priority)}
        return min(idx, key=lambda d: (rank.get(prep.docs[d].outlet or "", len(rank)), d))
    return min(idx)
