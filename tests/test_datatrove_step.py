"""newsclean inside a datatrove pipeline: the step cleans Documents like the library does, counts every
change per rule, drops emptied documents, and runs in datatrove's worker processes (it pickles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document as DtDocument  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.base import PipelineStep  # noqa: E402

from newsclean import Pipeline  # noqa: E402
from newsclean.datatrove_step import NewscleanStep  # noqa: E402

ROWS = [
    {"id": "a", "text": "JAKARTA, KOMPAS.com - Harga cabai naik.\nBaca Juga: Harga Bawang Turun\nPedagang mengeluh.",
     "metadata": {"url": "https://www.kompas.com/read/1"}},
    {"id": "b", "text": "Baca juga: Semua Boilerplate", "metadata": {}},
    {"id": "c", "text": "Tom &amp; Jerry\u00a0 lari.\nSumber : Antara",
     "metadata": {"lang": "id", "source": "antaranews.com"}},
]


def docs() -> list[DtDocument]:
    return [DtDocument(text=r["text"], id=r["id"], metadata=dict(r["metadata"])) for r in ROWS]


def test_the_step_cleans_like_the_library_and_counts_rules() -> None:
    step = NewscleanStep(lang="id", explain=True)
    out = list(step.run(iter(docs())))
    p = Pipeline.default(lang="id")
    assert [d.id for d in out] == ["a", "c"]  # b was all boilerplate
    assert [d.text for d in out] == [p(ROWS[0]["text"]), p(ROWS[2]["text"])] == [
        "Harga cabai naik.\nPedagang mengeluh.", "Tom & Jerry lari."]
    stats = step.stats.stats
    assert stats["total"].total == 3 and stats["dropped_empty"].total == 1 and stats["forwarded"].total == 2
    assert stats["rules:id.related.line"].total == 2
    assert out[0].metadata["url"] == "https://www.kompas.com/read/1"
    assert {c["rule"] for c in out[0].metadata["newsclean_changes"]} == {"id.related.line", "shared.dateline.prefix"}
    assert NewscleanStep.to_newsclean(docs()[2]).outlet == "antaranews.com"


class _TextsOut(PipelineStep):
    """Writes the texts reaching it, one JSON line each, to ``folder/<rank>.jsonl`` (module level: the
    executor pickles its steps for the worker processes)."""

    name = "texts out"

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        with open(Path(self.folder) / f"{rank}.jsonl", "w", encoding="utf-8") as fh:
            for doc in data or ():
                fh.write(json.dumps(doc.text) + "\n")
                yield doc


def test_a_local_executor_with_two_worker_processes(tmp_path: Path) -> None:
    out = tmp_path / "clean"
    out.mkdir()
    LocalPipelineExecutor(pipeline=[docs(), NewscleanStep(lang="id"), _TextsOut(str(out))],
                          tasks=2, workers=2, logging_dir=str(tmp_path / "logs")).run()
    for rank in (0, 1):  # a list as the first step: every task gets all of it
        texts = [json.loads(line) for line in (out / f"{rank}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert texts == ["Harga cabai naik.\nPedagang mengeluh.", "Tom & Jerry lari."]
