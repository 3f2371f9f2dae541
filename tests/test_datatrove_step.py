"""newsclean inside a datatrove pipeline: the step cleans Documents like the library does, counts every
change per rule, drops emptied documents, and runs in datatrove's worker processes (it pickles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document as DtDocument  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

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


def test_a_local_executor_with_two_worker_processes(tmp_path: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    for k in range(2):
        (src / f"part{k}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    LocalPipelineExecutor(
        pipeline=[JsonlReader(str(src)), NewscleanStep(lang="id"),
                  JsonlWriter(str(tmp_path / "clean"), compression=None)],
        tasks=2, workers=2, logging_dir=str(tmp_path / "logs")).run()
    texts = sorted(json.loads(line)["text"] for p in (tmp_path / "clean").glob("*.jsonl")
                   for line in p.read_text(encoding="utf-8").splitlines())
    assert texts == sorted(["Harga cabai naik.\nPedagang mengeluh.", "Tom & Jerry lari."] * 2)
