"""newsclean as a `datatrove <https://github.com/huggingface/datatrove>`_ pipeline step
(``pip install "newsclean[datatrove]"``).

:class:`NewscleanStep` cleans the ``text`` of every datatrove ``Document`` passing through it with a
newsclean :class:`~newsclean.pipeline.Pipeline` (the default one, or yours): boilerplate rules chosen
by the document's ``lang`` and outlet (``metadata["outlet"]``, else ``source``, else the host of
``url``), Unicode repair, spaces, blank lines. Documents cleaned to nothing are dropped (counted as
``dropped_empty``; ``keep_empty=True`` keeps them). Every change is counted in the step's stats as
``cleaner:rule``, the same keys as ``report.json``; with ``explain=True`` the changes also go into
``metadata["newsclean_changes"]``.

.. code-block:: python

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from newsclean.datatrove_step import NewscleanStep

    LocalPipelineExecutor(pipeline=[JsonlReader("raw/"), NewscleanStep(lang="id"), JsonlWriter("clean/")],
                          tasks=4, workers=2).run()

(datatrove's JSONL reader and writer need its ``io`` extra: ``pip install "datatrove[io]"``.) The step
pickles (datatrove ships steps to its worker processes); each process compiles the rules once, on its
first document.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .catalog import normalize_outlet
from .document import Document
from .pipeline import BlankMode, NewlineMode, Pipeline
from .report import rule_key

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError('newsclean.datatrove_step needs datatrove: pip install "newsclean[datatrove]"') from exc

__all__ = ["NewscleanStep"]

#: datatrove metadata copied into the newsclean Document (the fields its rules and language use).
META_FIELDS = ("url", "outlet", "title", "date", "lang")


class NewscleanStep(PipelineStep):
    """Clean datatrove Documents with newsclean (see the module docstring)."""

    name = "🧹 newsclean"
    type = "✂️ - FORMAT"

    def __init__(self, *, lang: str | None = "auto", rules: Sequence[str | Path] = (),
                 pipeline: Pipeline | None = None, keep_empty: bool = False, explain: bool = False,
                 blank_lines: BlankMode = "drop", newline: NewlineMode = "\n") -> None:
        super().__init__()
        if pipeline is None:
            pipeline = Pipeline.default(lang=lang, rules=rules, blank_lines=blank_lines, newline=newline)
        self.pipeline = pipeline
        self.keep_empty = keep_empty
        self.explain = explain

    @staticmethod
    def to_newsclean(doc: Any) -> Document:
        """The newsclean view of a datatrove Document (its text, id and the metadata rules use)."""
        meta = doc.metadata or {}
        out = {k: meta[k] for k in META_FIELDS if isinstance(meta.get(k), str) and meta[k]}
        outlet = out.get("outlet") or meta.get("source") or meta.get("url")
        if isinstance(outlet, str) and outlet:
            out["outlet"] = normalize_outlet(outlet) or outlet
        return Document(doc.text, id=str(doc.id), metadata=out)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        if data is None:
            return
        for doc in data:
            self.stat_update("total")
            with self.track_time():
                cleaned = self.pipeline.explain(self.to_newsclean(doc))
            for c in cleaned.changes:
                self.stat_update(rule_key(c))
            if not cleaned.text and not self.keep_empty:
                self.stat_update("dropped_empty")
                continue
            doc.text = cleaned.text
            if self.explain:
                doc.metadata["newsclean_changes"] = [c.to_dict() for c in cleaned.changes]
            self.stat_update("forwarded")
            yield doc
