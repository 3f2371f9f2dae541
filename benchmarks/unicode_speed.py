"""Unicode repair: newsclean.text.fix_unicode (exact fast path) against ftfy.fix_text with the same
configuration, side by side in one process, interleaved, median of several repeats.

    python -m benchmarks.unicode_speed [--corpus PATH.jsonl] [--repeats 5] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import ftfy

from newsclean.text import _RISKY_RE, NEWS_FTFY_CONFIG, _needs_ftfy, fix_unicode

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "id_news_dev.jsonl"


def load(path: Path, limit: int) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line).get("text")
            if t:
                texts.append(t)
            if len(texts) >= limit:
                break
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=6000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    texts = load(a.corpus, a.limit)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    ref = lambda t: ftfy.fix_text(t, NEWS_FTFY_CONFIG)  # noqa: E731
    assert all(fix_unicode(t) == ref(t) for t in texts), "fast path differs from ftfy"
    times: dict[str, list[float]] = {"ftfy.fix_text": [], "newsclean.fix_unicode": []}
    for _ in range(a.repeats):
        for name, f in (("ftfy.fix_text", ref), ("newsclean.fix_unicode", fix_unicode)):
            t0 = time.perf_counter()
            for t in texts:
                f(t)
            times[name].append(time.perf_counter() - t0)
    lines = [ln for t in texts for ln in t.split("\n")]
    sent = sum(1 for ln in lines if _needs_ftfy(ln, _RISKY_RE, NEWS_FTFY_CONFIG))
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "corpus": str(a.corpus), "documents": len(texts), "megabytes": round(mb, 3), "repeats": a.repeats,
        "mb_per_s": {k: round(mb / v, 2) for k, v in med.items()},
        "speedup": round(med["ftfy.fix_text"] / med["newsclean.fix_unicode"], 2),
        "lines": len(lines), "lines_sent_to_ftfy": sent,
    }
    print(f"{'implementation':<24}{'MB/s (median)':>16}")
    for k in med:
        print(f"{k:<24}{result['mb_per_s'][k]:>16}")
    print(f"speedup {result['speedup']}x; {sent}/{len(lines)} lines needed ftfy; outputs identical")
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
