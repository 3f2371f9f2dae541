"""What each new outlet with rules of its own costs the cleaner: time and resident memory.

    python -m benchmarks.outlet_rules [--outlets 300] [--warm]

Learned boilerplate (``newsclean learn``, ``--auto-learn``) is outlet-scoped, so a corpus of many
outlets selects a different rule set for each of them. This writes one synthetic line rule per
outlet (``outlet<k>.com``), cleans one short document per outlet with ``Pipeline.default`` plus
those rules, and prints the elapsed time and the growth of the process's RSS after 1, 10, 100, ...
outlets. Compiled Hyperscan databases go to a fresh temporary cache folder (a cold start) unless
``--warm`` keeps the user's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.dedup_peak import _status


def _rss_mib() -> float:
    return _status()["VmRSS"] / 2**20


def _rules(n: int) -> str:
    parts = []
    for k in range(n):
        parts.append(
            f'[[rule]]\nid = "bench.outlet{k}.channel"\nkind = "line"\noutlet = ["outlet{k}.com"]\n'
            f"pattern = 'Ikuti berita outlet{k} di kanal kami'\nmax_chars = 100\n"
            f'examples = ["Ikuti berita outlet{k} di kanal kami"]\n'
        )
    return 'lang = "id"\n\n' + "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outlets", type=int, default=300)
    ap.add_argument("--warm", action="store_true", help="keep the user's compiled-database cache")
    ap.add_argument("--json", type=Path, help="write the checkpoints here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsclean-outlets-") as tmp:
        if not args.warm:
            os.environ["NEWSCLEAN_CACHE"] = str(Path(tmp) / "cache")
        rules = Path(tmp) / "outlets.toml"
        rules.write_text(_rules(args.outlets), encoding="utf-8")
        from newsclean import Document, Pipeline

        p = Pipeline.default(rules=[rules])
        base = _rss_mib()
        t0 = time.perf_counter()
        marks = {1, args.outlets} | {10**e for e in range(1, 7)}
        rows = []
        for k in range(args.outlets):
            text = f"Harga cabai naik di pasar, kata pedagang kepada wartawan.\nIkuti berita outlet{k} di kanal kami"
            out = p.clean(Document(text, metadata={"outlet": f"outlet{k}.com"}))
            if "Ikuti" in out:
                raise SystemExit(f"outlet{k}: its rule did not apply")
            if k + 1 in marks:
                rows.append({"outlets": k + 1, "seconds": round(time.perf_counter() - t0, 2),
                             "rss_growth_mib": round(_rss_mib() - base, 1)})
                sys.stdout.write(f"{k + 1:>8,} outlets  {rows[-1]['seconds']:>8.2f} s  "
                                 f"RSS +{rows[-1]['rss_growth_mib']:.1f} MiB\n")
    if args.json:
        args.json.write_text(json.dumps({"warm": args.warm, "rows": rows}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
