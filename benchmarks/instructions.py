"""Instructions that cleaning costs, counted by valgrind's callgrind: a measure that the machine's load does not move.

    python -m benchmarks.instructions --corpus FILE.jsonl [--docs 500] [--warmup 300] [--src OTHER/src ...]

For each source tree (this checkout's ``src`` first, then every ``--src``), two runs under
``valgrind --tool=callgrind``: ``Pipeline.default`` with templates learned from the corpus cleans ``--warmup``
documents, then ``--docs`` more; and the same with no more. The difference is what those documents cost, in
instructions, without start-up, imports or the Hyperscan databases' loading. Counts are repeatable for the same
binaries and inputs (on a shared machine, where timings of two trees move by more than a change of a few percent).
Instructions are not time: Hyperscan's vector code counts as few instructions, Python's interpreter as many. Needs
valgrind (on every machine of this kind); the Hyperscan cache should be warm (run the CLI once before).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from newsclean import Document, Pipeline
from newsclean.templates import learn_templates
docs = []
with open(sys.argv[2], encoding="utf-8") as fh:
    for line in fh:
        r = json.loads(line)
        meta = {k: r[k] for k in ("outlet", "url", "title", "lang") if r.get(k)}
        docs.append(Document(r["text"], id=str(r.get("id", "")), metadata=meta))
warm, n = int(sys.argv[3]), int(sys.argv[4])
p = Pipeline.default(templates=learn_templates(docs))
for d in docs[:warm + n]:
    p.explain(d)
"""


def count(src: Path, corpus: Path, warmup: int, docs: int) -> int:
    """Instructions of one child run (the whole process)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "child.py")
        script.write_text(_CHILD, encoding="utf-8")
        proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable,
                               str(script), str(src), str(corpus), str(warmup), str(docs)],
                              capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if m is None:
        raise RuntimeError(f"no instruction count in valgrind's output: {proc.stderr[-500:]}")
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="a JSONL corpus (text, and outlet/url/title/lang)")
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--src", type=Path, action="append", default=[], help="another source tree to count (repeatable)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    if a.docs < 1 or a.warmup < 0:
        ap.error("--docs must be at least 1 and --warmup at least 0")
    with open(a.corpus, encoding="utf-8") as fh:
        available = sum(1 for _ in fh)
    if available < a.warmup + a.docs:
        ap.error(f"{a.corpus} holds {available} documents, fewer than --warmup + --docs ({a.warmup + a.docs})")
    rows = []
    for src in [ROOT / "src", *a.src]:
        base = count(src, a.corpus, a.warmup, 0)
        total = count(src, a.corpus, a.warmup, a.docs)
        rows.append({"src": str(src), "instructions": total - base, "per_document": (total - base) / a.docs})
        print(f"{src}: {total - base:,} instructions for {a.docs} documents ({(total - base) / a.docs:,.0f} each)")
    if len(rows) > 1:
        for r in rows[1:]:
            print(f"{rows[0]['src']} against {r['src']}: {rows[0]['instructions'] / r['instructions'] - 1:+.1%}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
