"""The rules' Hyperscan scan with and without the four lookalikes listed (see ``newsclean.prefilter``), side by side.

    python -m benchmarks.prefilter_scan [--corpus ../shared/corpus/id_news_dev.jsonl] [--lang id] [--repeats 5]

Both databases of one selection (``--lang``, no outlet) scan every document of the corpus, whole, with no match
handler; the two alternate within each repeat, so that the machine's load falls on both alike. Prints MB/s per
database (medians) and the median of the per-repeat ratios, and checks that both report the same number of
matches on the corpus's documents that hold no lookalike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks.train_linemodel import DEFAULT_CORPUS_DIR


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR / "id_news_dev.jsonl")
    ap.add_argument("--lang", default="id")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)

    from newsclean import prefilter
    from newsclean.catalog import default_catalog
    from newsclean.lines import CompiledRules

    if not prefilter.available():
        print("hyperscan is not installed")
        return 2
    pf = CompiledRules(default_catalog().select(a.lang, None))._prefilter
    assert pf is not None
    with open(a.corpus, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    data = [t.encode("utf-8") for t in texts if not prefilter.has_lookalike(t)]
    mb = sum(map(len, data)) / 1e6
    sides = {"without": pf._compile_parts(lookalikes=False)[0], "with": pf._compile_parts(lookalikes=True)[0]}

    def matches(parts: list) -> int:  # type: ignore[type-arg]
        n = 0

        def count(*_: object) -> None:
            nonlocal n
            n += 1

        for d in data:
            for db, _, _ in parts:
                db.scan(d, match_event_handler=count)
        return n

    found = {k: matches(v) for k, v in sides.items()}
    rates: dict[str, list[float]] = {k: [] for k in sides}
    for r in range(a.repeats):
        for k in (list(sides) if r % 2 == 0 else list(reversed(sides))):
            t = time.perf_counter()
            for d in data:
                for db, _, _ in sides[k]:
                    db.scan(d)
            rates[k].append(mb / (time.perf_counter() - t))
    ratio = statistics.median(w / x for w, x in zip(rates["without"], rates["with"]))
    print(f"{a.corpus.name}: {len(data)} documents without lookalikes, {mb:.1f} MB, selection {a.lang!r}")
    for k in sides:
        print(f"  database {k:7s} the lookalikes: {statistics.median(rates[k]):6.1f} MB/s (median of {a.repeats}), "
              f"{found[k]} matches")
    print(f"  without / with: x{ratio:.2f} (median of per-repeat ratios)")
    return 0 if found["without"] == found["with"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
