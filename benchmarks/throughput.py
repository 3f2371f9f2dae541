"""Throughput of newsclean beside baselines measured side by side, in one run.

    python -m benchmarks.throughput [--paragraphs N] [--repeats R] [--json PATH] [--real PATH]

One seeded corpus of ``N`` paragraphs (:mod:`benchmarks.generate`, JSONL, 1,000 documents per
file) is written to a temporary folder; then, ``R`` times, every measurement below runs in its own
subprocess, interleaved (repeat 1 of every row, then repeat 2, ...). The table shows the median rate
of each row and, as ratios, the median of the per-repeat ratios (repeat ``i`` of newsclean and of a
baseline ran minutes apart, under the same load of a shared machine). A child's peak RSS is its own
``ru_maxrss`` from ``os.wait4`` (the largest over the repeats).

Rows (``newsclean`` beside the baselines of the same libraries):

- ``clean``: ``Pipeline.default().explain`` per document (what the CLI runs) — against (a) the naive
  cleaner: ``ftfy.fix_text`` per document, then for every line each catalog regex tried one by one
  with ``re.search``. MB/s of input text.
- ``signatures``: raw paragraphs to signatures in batches of 8,192, as the index does
  (``newsclean.dedup.signatures.sketch``: compiled normalize + shingle + MinHash) — against (a) per
  paragraph ``normalize``, shingles, ``datasketch.MinHash(num_perm=128)`` updated shingle by
  shingle, and (b) ``datasketch.MinHash.bulk`` on the same shingles. Paragraphs/s.
- ``LSH insert+query (+verify)``: ``NearDuplicateIndex.finish`` (exact grouping, LSH banding,
  exact verification, clusters; signatures computed beforehand) — against (a)
  ``datasketch.MinHashLSH`` with the same threshold, num_perm and first-stage bands x rows: every
  paragraph the index MinHashes inserted, then queried (no verification). Paragraphs of the same
  sample per second.
- ``end to end``: the CLI (``python -m newsclean IN OUT --dedup report --quiet``, its defaults:
  every core; also ``--jobs 1`` and ``--dedup off``), wall clock of the process — against (a) the naive pipeline as
  one script (read JSONL, the naive cleaner, write JSONL, per-shingle MinHash of every kept
  paragraph, MinHashLSH query + insert), also wall clock. MB/s of input text.
- (c) the hardware floor, beside ``signatures`` and ``end to end``: read the corpus files and, in
  compiled code on all cores, tokenize (ASCII case-fold, punctuation to space) and hash every
  character 5-gram once. Nothing can do less work; newsclean's share of it is the last column.

Slow baselines run on a prefix of the corpus (``--naive-mb``, ``--slow-paragraphs``); rates are per
unit, so the sizes differ, not the units. ``--real PATH`` adds end-to-end rows on a real JSONL
corpus (newsclean on all of it, the naive pipeline on its first ``--naive-mb``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"e2e_mb_per_s": 20.0, "e2e_x_naive": 50.0, "signatures_x_update": 100.0,
           "rss_10m_paragraphs_gib": 4.0}

# ============================================================================ children (measured)


def _iter_docs(folder: Path, limit_bytes: float | None = None) -> Iterator[dict[str, Any]]:
    seen = 0
    for f in sorted(folder.glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                yield rec
                seen += len(rec["text"].encode("utf-8"))
                if limit_bytes is not None and seen >= limit_bytes:
                    return


def _paragraph_texts(docs: list[dict[str, Any]]) -> list[str]:
    return [p for d in docs for p in d["text"].split("\n") if p.strip()]


class NaiveCleaner:
    """Baseline (a): ftfy.fix_text per document, then every catalog regex tried on every line, one
    rule at a time (``fullmatch`` for whole-line kinds, ``match`` for prefixes, ``sub`` for inline
    rules, ``search`` for lexicon terms)."""

    def __init__(self, lang: str = "id") -> None:
        from newsclean.catalog import default_catalog

        self.rules = []
        for r in default_catalog().select(lang):
            if r.kind == "lexicon":
                for term in r.terms:
                    self.rules.append(("term", re.compile(re.escape(term), re.IGNORECASE)))
            else:
                self.rules.append((r.kind, re.compile(r.pattern, r.flags)))

    def __call__(self, text: str) -> str:
        import ftfy

        text = ftfy.fix_text(text)
        out = []
        for line in text.split("\n"):
            keep = True
            for kind, rx in self.rules:
                if kind == "prefix":
                    m = rx.match(line)
                    if m is not None:
                        line = line[m.end():]
                elif kind == "inline":
                    line = rx.sub("", line)
                elif kind == "term":
                    if rx.search(line):
                        keep = False
                        break
                elif rx.fullmatch(line):  # line, block, tail: the rule is the whole line
                    keep = False
                    break
            if keep and line.strip():
                out.append(line.strip())
        return "\n".join(out)


def _naive_signature(text: str, num_perm: int) -> Any:
    from datasketch import MinHash

    from newsclean.dedup.shingles import normalize, shingles_of_normalized

    m = MinHash(num_perm=num_perm)
    for s in shingles_of_normalized(normalize(text)):
        m.update(s.encode("utf-8"))
    return m


def child_clean_newsclean(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    from newsclean import Document, Pipeline

    docs = list(_iter_docs(data))
    pipe = Pipeline.default()
    for d in docs[:20]:
        pipe.explain(d["text"])
    mb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1e6
    t0 = time.perf_counter()
    for d in docs:
        pipe.explain(Document(d["text"], id=d["id"], metadata={"outlet": d["outlet"]}))
    return {"seconds": time.perf_counter() - t0, "mb": mb, "units": mb}


def child_clean_python(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """The same pipeline with the rule engine's Hyperscan prefilter turned off (pure Python)."""
    os.environ["NEWSCLEAN_PREFILTER"] = "0"
    return child_clean_newsclean(data, p)


def child_clean_naive(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    docs = list(_iter_docs(data, p["naive_mb"] * 1e6))
    naive = NaiveCleaner()
    mb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1e6
    t0 = time.perf_counter()
    for d in docs:
        naive(d["text"])
    return {"seconds": time.perf_counter() - t0, "mb": mb, "units": mb}


def child_sig_newsclean(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """newsclean's bulk path, as the index runs it: raw paragraphs in batches of 8,192 through
    ``sketch`` (compiled normalize + shingle + MinHash), or ``normalize_many`` +
    ``compute_signatures`` on versions without it."""
    from newsclean.dedup.shingles import ShingleOptions, normalize_many
    from newsclean.dedup.signatures import DEFAULT_BATCH_SIZE, SignatureScheme, compute_signatures

    try:
        from newsclean.dedup.signatures import sketch
    except ImportError:  # before the compiled normalizer
        def sketch(texts: list[str], opts: Any, scheme: Any) -> Any:
            return compute_signatures(normalize_many(texts, opts), opts, scheme)

    paras = _paragraph_texts(list(_iter_docs(data)))
    opts, scheme = ShingleOptions(), SignatureScheme(num_perm=p["num_perm"])
    sketch(paras[:64], opts, scheme)  # load/compile outside the timing
    t0 = time.perf_counter()
    for i in range(0, len(paras), DEFAULT_BATCH_SIZE):
        sketch(paras[i:i + DEFAULT_BATCH_SIZE], opts, scheme)
    return {"seconds": time.perf_counter() - t0, "units": len(paras)}


def child_sig_update(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    paras = _paragraph_texts(list(_iter_docs(data)))[: p["slow_paragraphs"]]
    t0 = time.perf_counter()
    for t in paras:
        _naive_signature(t, p["num_perm"])
    return {"seconds": time.perf_counter() - t0, "units": len(paras)}


def child_sig_bulk(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    from datasketch import MinHash

    from newsclean.dedup.shingles import normalize, shingles_of_normalized

    paras = _paragraph_texts(list(_iter_docs(data)))[: p["slow_paragraphs"]]
    t0 = time.perf_counter()
    MinHash.bulk([[s.encode("utf-8") for s in shingles_of_normalized(normalize(t))] for t in paras],
                 num_perm=p["num_perm"])
    return {"seconds": time.perf_counter() - t0, "units": len(paras)}


def _lsh_docs(data: Path, p: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The first documents holding ``lsh_paragraphs`` paragraphs, and their paragraph count."""
    docs, n = [], 0
    for d in _iter_docs(data):
        docs.append(d)
        n += sum(1 for x in d["text"].split("\n") if x.strip())
        if n >= p["lsh_paragraphs"]:
            break
    return docs, n


def child_lsh_newsclean(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """``NearDuplicateIndex.finish`` on the sample (signatures are computed while adding, outside
    the timing): exact grouping, LSH banding (insert + query), verification and clusters."""
    from newsclean.dedup import DedupConfig, NearDuplicateIndex, paragraphs

    docs, n = _lsh_docs(data, p)
    warm = NearDuplicateIndex(DedupConfig())  # load compiled code outside the timing
    for d in docs[:30]:
        warm.add_document(d["id"], paragraphs(d["text"]))
    warm.finish()
    index = NearDuplicateIndex(DedupConfig())
    for d in docs:
        index.add_document(d["id"], paragraphs(d["text"]))
    index._flush()  # signatures of the last batch, outside the timing
    t0 = time.perf_counter()
    res = index.finish()
    secs = time.perf_counter() - t0
    st = res.stats
    return {"seconds": secs, "units": n, "minhash": st.get("minhash"), "candidates": st.get("candidates"),
            "verified": st.get("accepted_pairs", st.get("verified")), "clusters": st.get("clusters"),
            "bands": st.get("lsh1_bands", st.get("lsh_bands")), "rows": st.get("lsh1_rows", st.get("lsh_rows"))}


def child_lsh_datasketch(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """``datasketch.MinHashLSH`` with newsclean's threshold, num_perm and (first-stage) bands x rows:
    every paragraph the index would MinHash (first copies of at least ``minhash_min_chars``
    normalized characters) inserted, then queried."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from newsclean.dedup import DedupConfig
    from newsclean.dedup.shingles import normalize_many
    from newsclean.dedup.signatures import compute_signatures

    cfg = DedupConfig()
    docs, n = _lsh_docs(data, p)
    paras = _paragraph_texts(docs)
    batch = compute_signatures(normalize_many(paras, cfg.shingle), cfg.shingle, cfg.scheme)
    _, first = np.unique(batch.exact, return_index=True)
    keep = np.zeros(len(paras), bool)
    keep[first] = True
    keep &= batch.lengths >= cfg.minhash_min_chars
    mhs = [MinHash(num_perm=cfg.num_perm, hashvalues=row, scheme="affine32")
           for row in batch.signatures[np.flatnonzero(keep)]]
    bands, rows = cfg.lsh_params()
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm, params=(bands, rows))
    for i, m in enumerate(mhs):
        lsh.insert(i, m, check_duplication=False)
    found = 0
    for m in mhs:
        found += len(lsh.query(m)) - 1
    return {"seconds": time.perf_counter() - t0, "units": n, "minhash": len(mhs), "candidates": found // 2,
            "bands": lsh.b, "rows": lsh.r}


def child_e2e_naive(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """Baseline (a) end to end, as one script would do it; the parent times the whole process."""
    from datasketch import MinHashLSH

    from newsclean.dedup import DedupConfig

    cfg = DedupConfig()
    out = Path(p["out"])
    out.mkdir(parents=True, exist_ok=True)
    naive = NaiveCleaner()
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    pairs = 0
    mb = 0.0
    limit = p["naive_mb"] * 1e6 if p.get("naive_mb") else None
    src = [Path(p["real"])] if p.get("real") else sorted(data.glob("*.jsonl"))
    for f in src:
        with open(f, encoding="utf-8") as fh, open(out / f.name, "w", encoding="utf-8") as wh:
            for line in fh:
                rec = json.loads(line)
                text = rec.get("text") or ""
                mb += len(text.encode("utf-8")) / 1e6
                rec["text"] = naive(text)
                wh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                for k, para in enumerate(rec["text"].split("\n")):
                    if not para:
                        continue
                    m = _naive_signature(para, cfg.num_perm)
                    pairs += len(lsh.query(m))
                    lsh.insert(f"{f.name}:{rec.get('id')}:{k}", m, check_duplication=False)
                if limit is not None and mb * 1e6 >= limit:
                    break
        if limit is not None and mb * 1e6 >= limit:
            break
    return {"mb": mb, "units": mb, "pairs": pairs}


def child_floor(data: Path, p: dict[str, Any]) -> dict[str, Any]:
    """Baseline (c): read every file, tokenize and hash every character 5-gram once (all cores)."""
    import numpy as np

    kernel = _floor_kernel()
    kernel(np.frombuffer(b"warm up the compiled kernel " * 8, np.uint8), 1 << 10)
    files = sorted(data.glob("*.jsonl")) if not p.get("real") else [Path(p["real"])]
    passes = []
    for _ in range(5):  # a pass takes milliseconds: the median of five steadies it
        t0 = time.perf_counter()
        shingles = 0
        nbytes = 0
        for f in files:
            buf = np.frombuffer(f.read_bytes(), np.uint8)
            nbytes += buf.size
            shingles += int(kernel(buf, 1 << 20)[0])
        passes.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(passes), "passes": passes, "file_bytes": nbytes,
            "shingles": shingles}


def _floor_kernel() -> Any:
    import numba as nb
    import numpy as np

    @nb.njit(parallel=True, cache=False)
    def floor(buf, chunk):
        n = buf.size
        nchunks = (n + chunk - 1) // chunk
        counts = np.zeros(nchunks, np.int64)
        acc = np.zeros(nchunks, np.uint64)
        for c in nb.prange(nchunks):
            s = c * chunk
            e = min(n, s + chunk)
            window = np.uint64(0)
            filled = 0
            prev_space = True
            x = np.uint64(0)
            cnt = 0
            for j in range(s, e):
                b = buf[j]
                if b >= 65 and b <= 90:  # ASCII case-fold
                    b = b + 32
                elif b < 128 and not ((b >= 97 and b <= 122) or (b >= 48 and b <= 57)):
                    if prev_space:  # punctuation/space runs collapse to one space
                        continue
                    b = 32
                prev_space = b == 32
                window = ((window << np.uint64(8)) | np.uint64(b)) & np.uint64(0xFFFFFFFFFF)
                filled += 1
                if filled >= 5:  # one 64-bit mix per 5-gram (murmur3 fmix64)
                    h = window
                    h ^= h >> np.uint64(33)
                    h *= np.uint64(0xFF51AFD7ED558CCD)
                    h ^= h >> np.uint64(33)
                    h *= np.uint64(0xC4CEB9FE1A85EC53)
                    h ^= h >> np.uint64(33)
                    x ^= h
                    cnt += 1
            counts[c] = cnt
            acc[c] = x
        return counts.sum(), acc

    return floor


CHILDREN = {
    "clean.newsclean": child_clean_newsclean,
    "clean.naive": child_clean_naive,
    "clean.python": child_clean_python,
    "sig.newsclean": child_sig_newsclean,
    "sig.update": child_sig_update,
    "sig.bulk": child_sig_bulk,
    "lsh.newsclean": child_lsh_newsclean,
    "lsh.datasketch": child_lsh_datasketch,
    "e2e.naive": child_e2e_naive,
    "floor": child_floor,
}

# ============================================================================ parent (orchestration)


def _limit_memory(gib: float) -> Any:
    def apply() -> None:
        import resource

        lim = int(gib * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
    return apply


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from ``/proc`` (0 where unavailable)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parent[int(e)] = int(fields[1])
        rss[int(e)] = int(fields[21]) * _PAGE
    total, todo, seen = 0, [root], set()
    children: dict[int, list[int]] = {}
    for c, pp in parent.items():
        children.setdefault(pp, []).append(c)
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        total += rss.get(x, 0)
        todo.extend(children.get(x, ()))
    return total


def run_measured(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
                 timeout: float | None = None, max_memory_gib: float | None = None) -> dict[str, Any]:
    """Run ``cmd`` in its own process; return wall seconds, its own peak RSS (MiB, ``ru_maxrss``
    from ``os.wait4``), exit code and the last ``RESULT {json}`` line it printed.

    A run longer than ``timeout`` seconds is killed and marked ``timed_out``; ``max_memory_gib``
    caps the child's data segment (``RLIMIT_DATA``) so that a run that would exhaust a shared
    machine fails with ``MemoryError`` instead. Linux counts the parent's resident size at the
    fork in a child's ``ru_maxrss``, so values below the orchestrator's own (~40 MiB) read as it.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env,
                                preexec_fn=_limit_memory(max_memory_gib) if max_memory_gib else None)
        timed_out = False
        tree_peak = 0
        polls = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if polls % 20 == 0:  # every ~0.1 s: the summed RSS of the child and its workers
                tree_peak = max(tree_peak, _tree_rss(proc.pid))
            polls += 1
            if timeout is not None and time.perf_counter() - t0 > timeout and not timed_out:
                proc.kill()  # only this child, which we started
                timed_out = True
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    res: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "tree_rss_mib": round(tree_peak / 1024 ** 2, 1),
            "code": proc.returncode, "result": res,
            "timed_out": timed_out, "stderr": stderr[-2000:]}


def _child_cmd(stage: str, data: Path, params: dict[str, Any]) -> list[str]:
    return [sys.executable, "-m", "benchmarks.throughput", "--child", stage, "--data", str(data),
            "--params", json.dumps(params)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def cli_has_jobs() -> bool:
    r = subprocess.run([sys.executable, "-m", "newsclean", "--help"], capture_output=True, text=True,
                       env=_env())
    return "--jobs" in r.stdout


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("newsclean", "ftfy", "datasketch", "numpy", "numba"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": cores, "memory_gib": mem_gib, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions}


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=100_000, help="generated corpus size (default 100,000)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats per row; medians are shown (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write the full results (every repeat, machine) here")
    ap.add_argument("--real", type=Path, help="also run end to end on this real JSONL corpus (field 'text')")
    ap.add_argument("--naive-mb", type=float, default=2.0,
                    help="MB of text for the naive pipeline (default 2)")
    ap.add_argument("--slow-paragraphs", type=int, default=3000,
                    help="paragraphs for the datasketch signature baselines (default 3,000)")
    ap.add_argument("--lsh-paragraphs", type=int, default=30_000,
                    help="paragraphs in the LSH insert+query comparison (default 30,000)")
    ap.add_argument("--rows", default="clean,sig,lsh,e2e", help="which rows to run (default: all)")
    ap.add_argument("--workdir", type=Path, help="keep the corpus and outputs here (default: a temp dir)")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="kill a measured run after this many seconds (default 3600)")
    ap.add_argument("--max-memory-gib", type=float, default=12.0,
                    help="data-segment limit of every measured run (default 12 GiB)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child:
        res = CHILDREN[a.child](a.data, json.loads(a.params))
        print("RESULT " + json.dumps(res), flush=True)
        return 0
    return run_benchmark(a)


def run_benchmark(a: argparse.Namespace) -> int:
    from benchmarks.generate import write_corpus

    wanted = set(a.rows.split(","))
    work = a.workdir or Path(tempfile.mkdtemp(prefix="newsclean-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env()
    try:
        t0 = time.perf_counter()
        summary = write_corpus(work / "gen", a.paragraphs, a.seed, fmt="jsonl", docs_per_file=1000)
        data = work / "gen" / "corpus"
        mb = summary["counts"]["bytes"] / 1e6
        sys.stderr.write(f"corpus: {a.paragraphs:,} paragraphs, {summary['counts']['documents']:,} "
                         f"documents, {mb:.1f} MB (generated in {time.perf_counter() - t0:.1f} s)\n")
        params = {"naive_mb": a.naive_mb, "slow_paragraphs": a.slow_paragraphs,
                  "lsh_paragraphs": a.lsh_paragraphs, "num_perm": 128}
        jobs = cli_has_jobs()
        cores = machine()["cores"] or 1

        # name -> (cmd factory, how to read the rate)
        plan: list[tuple[str, Any]] = []
        if "clean" in wanted:
            plan += [("clean.newsclean", None), ("clean.python", None), ("clean.naive", None)]
        if "sig" in wanted:
            plan += [("sig.newsclean", None), ("sig.update", None), ("sig.bulk", None)]
        if "lsh" in wanted:
            plan += [("lsh.newsclean", None), ("lsh.datasketch", None)]
        if "sig" in wanted or "e2e" in wanted:
            plan += [("floor", None)]
        if "e2e" in wanted:
            plan += [("e2e.newsclean", ["--dedup", "report", "--quiet"])]
            if jobs:  # the default uses every core; one worker shows what the parallelism brings
                plan += [("e2e.newsclean.jobs", ["--dedup", "report", "--quiet", "--jobs", "1"])]
            plan += [("e2e.newsclean.nodedup", ["--dedup", "off", "--quiet"]),
                     ("e2e.naive", None), ("e2e.newsclean.half", ["--dedup", "report", "--quiet"])]
        if a.real and "e2e" in wanted:
            plan += [("real.e2e.newsclean", ["--dedup", "report", "--quiet"])]
            if jobs:
                plan += [("real.e2e.newsclean.jobs", ["--dedup", "report", "--quiet", "--jobs", "1"])]
            plan += [("real.e2e.naive", None), ("real.floor", None)]

        # Half the corpus (same generator, same flags): the growth of peak RSS between the two sizes
        # is what 10M paragraphs would add.
        half = work / "half"
        if "e2e" in wanted:
            write_corpus(half, max(a.paragraphs // 2, 1), a.seed + 1, fmt="jsonl")

        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in plan}
        for rep in range(a.repeats):
            for name, cli_args in plan:
                if name == "e2e.newsclean.half" and rep > 0:
                    continue
                out = work / "out" / name
                shutil.rmtree(out, ignore_errors=True)
                if cli_args is not None:
                    src = (half / "corpus" if name.endswith("half") else a.real if name.startswith("real.")
                           else data)
                    cmd = [sys.executable, "-m", "newsclean", str(src), str(out), *cli_args]
                    r = run_measured(cmd, env=env, timeout=a.timeout, max_memory_gib=a.max_memory_gib)
                    cli_rep = _cli_report(out)  # no report: the run failed, whatever its exit code
                    r["result"] = {"mb": _real_mb(a.real) if name.startswith("real.")
                                   else mb / 2 if name.endswith("half") else mb, **cli_rep} if cli_rep else {}
                else:
                    stage = name.replace("real.", "")
                    p = dict(params, out=str(out))
                    if name.startswith("real."):
                        p["real"] = str(a.real)
                    r = run_measured(_child_cmd(stage, data, p), cwd=ROOT, env=env, timeout=a.timeout,
                                     max_memory_gib=a.max_memory_gib)
                if r["timed_out"]:
                    sys.stderr.write(f"{name}: killed after {a.timeout:.0f} s (--timeout)\n")
                elif r["code"] not in (0, 1) or not r["result"]:
                    sys.stderr.write(f"{name}: failed (exit {r['code']})\n{r['stderr']}\n")
                runs[name].append(r)
                sys.stderr.write(f"  [{rep + 1}/{a.repeats}] {name:26s} {r['wall']:7.2f} s wall, "
                                 f"{r['rss_mib']:7.0f} MiB\n")
                shutil.rmtree(out, ignore_errors=True)
        report = summarize(runs, a, summary, mb, cores)
        print_table(report)
        if a.json:
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _cli_report(out: Path) -> dict[str, Any]:
    """Timings and dedup statistics from the CLI's own report, when it finished."""
    try:
        rep = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    dedup = rep.get("dedup") or {}
    return {"timings": rep.get("timings"), "dedup_stats": dedup.get("stats"),
            "bytes_in": (rep.get("bytes") or {}).get("in")}


def _real_mb(path: Path) -> float:
    total = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            total += len((json.loads(line).get("text") or "").encode("utf-8"))
    return total / 1e6


def summarize(runs: dict[str, list[dict[str, Any]]], a: argparse.Namespace, summary: dict[str, Any],
              mb: float, cores: int) -> dict[str, Any]:
    def rates(name: str) -> list[float | None]:
        out: list[float | None] = []
        for r in runs.get(name, []):
            res = r["result"]
            if r["code"] not in (0, 1) or not res or r["timed_out"]:
                out.append(None)
                continue
            out.append(res.get("units", res.get("mb")) / res.get("seconds", r["wall"]))
        return out

    def rate(name: str, unit: str = "") -> float | None:
        vals = [v for v in rates(name) if v is not None]
        return _median(vals) if vals else None

    def paired(ours: str, base: str) -> float | None:
        """Median of per-repeat ratios: repeat i of both ran minutes apart under the same load."""
        a_, b_ = rates(ours), rates(base)
        if a_ and len(a_) == len(b_) and all(a_) and all(b_):
            return round(_median([x / y for x, y in zip(a_, b_, strict=True)]), 1)  # type: ignore[operator]
        ra, rb = rate(ours), rate(base)
        return round(ra / rb, 1) if ra and rb else None

    def rss(name: str) -> float | None:
        """Peak resident MiB over the repeats: ``ru_maxrss`` of the process, or the sampled sum over
        its worker processes when that is larger (``--jobs``)."""
        rs = runs.get(name) or []
        return round(max(max(r["rss_mib"], r.get("tree_rss_mib", 0)) for r in rs), 1) if rs else None

    n_par = a.paragraphs
    rows: list[dict[str, Any]] = []
    floor_mb = None
    if runs.get("floor"):
        fr = [r for r in runs["floor"] if r["result"]]
        floor_secs = _median([r["result"]["seconds"] for r in fr]) if fr else None
        floor_mb = mb / floor_secs if floor_secs else None
    if "clean.newsclean" in runs:
        rows.append(_row("clean", "MB/s", rate("clean.newsclean", "mb"), rate("clean.naive", "mb"), None,
                         None, rss("clean.newsclean"), rss("clean.naive"),
                         {"x_naive": paired("clean.newsclean", "clean.naive")}))
        if "clean.python" in runs:
            rows.append(_row("clean, prefilter off (pure Python)", "MB/s", rate("clean.python", "mb"),
                             rate("clean.naive", "mb"), None, None, rss("clean.python"), rss("clean.naive"),
                             {"x_naive": paired("clean.python", "clean.naive"),
                              "prefilter_gain": paired("clean.newsclean", "clean.python")}))
    if "sig.newsclean" in runs:
        floor_p = n_par * floor_mb / mb if floor_mb else None
        rows.append(_row("signatures", "paragraphs/s", rate("sig.newsclean", "u"), rate("sig.update", "u"),
                         rate("sig.bulk", "u"), floor_p, rss("sig.newsclean"), rss("sig.update"),
                         {"x_naive": paired("sig.newsclean", "sig.update"),
                          "x_bulk": paired("sig.newsclean", "sig.bulk")}))
    if "lsh.newsclean" in runs:
        first = runs["lsh.newsclean"][0]["result"]
        ds = (runs.get("lsh.datasketch") or [{"result": {}}])[0]["result"]
        extra = {k: first.get(k) for k in ("candidates", "verified", "bands", "rows", "minhash", "clusters")}
        extra.update(sample_paragraphs=first.get("units"), datasketch_candidates=ds.get("candidates"),
                     datasketch_minhash=ds.get("minhash"), datasketch_bands=ds.get("bands"),
                     datasketch_rows=ds.get("rows"), x_naive=paired("lsh.newsclean", "lsh.datasketch"))
        rows.append(_row("LSH insert+query (+verify)", "paragraphs/s", rate("lsh.newsclean", "u"),
                         rate("lsh.datasketch", "u"), None, None, rss("lsh.newsclean"), rss("lsh.datasketch"),
                         extra))
    rss_half = rss("e2e.newsclean.half")
    if "e2e.newsclean" in runs:
        best = "e2e.newsclean"
        labels = {"e2e.newsclean": "end to end (CLI)",
                  "e2e.newsclean.jobs": "end to end (CLI --jobs 1)",
                  "e2e.newsclean.nodedup": "end to end (CLI --dedup off)"}
        for name, label in labels.items():
            if not runs.get(name):
                continue
            naive = rate("e2e.naive", "mb") if not name.endswith("nodedup") else None
            ok = [r for r in runs[name] if r["result"].get("timings")]
            last = ok[-1]["result"] if ok else {}
            rows.append(_row(label, "MB/s", rate(name, "mb"), naive, None, floor_mb,
                             rss(name), rss("e2e.naive") if naive else None,
                             {"headline": name == best,
                              "x_naive": paired(name, "e2e.naive") if naive else None,
                              "timed_out": any(r["timed_out"] for r in runs[name]),
                              "failed": [r["code"] for r in runs[name] if r["code"] not in (0, 1)],
                              "cli_timings": last.get("timings"),
                              "dedup_candidates": (last.get("dedup_stats") or {}).get("candidates")}))
    if runs.get("real.e2e.newsclean"):
        rfr = [r for r in runs.get("real.floor", []) if r["result"]]
        rmb = runs["real.e2e.newsclean"][0]["result"]["mb"]
        rfloor = rmb / _median([r["result"]["seconds"] for r in rfr]) if rfr else None
        for name in ("real.e2e.newsclean", "real.e2e.newsclean.jobs"):
            if runs.get(name):
                label = "real: end to end (CLI" + (")" if name.endswith("newsclean") else " --jobs 1)")
                rows.append(_row(label, "MB/s", rate(name, "mb"), rate("real.e2e.naive", "mb"), None, rfloor,
                                 rss(name), rss("real.e2e.naive"),
                                 {"x_naive": paired(name, "real.e2e.naive")}))

    head = next((r for r in rows if r.get("headline")), None)
    sig = next((r for r in rows if r["stage"] == "signatures"), None)
    targets: dict[str, Any] = {}
    if head:
        targets["e2e_mb_per_s"] = {"target": TARGETS["e2e_mb_per_s"], "measured": head["newsclean"]}
        targets["e2e_x_naive"] = {"target": TARGETS["e2e_x_naive"], "measured": head["x_naive"]}
        big = head["rss_mib"]
        n_half = max(a.paragraphs // 2, 1)
        if big and rss_half and n_par > n_half:
            per_par = max(big - rss_half, 0.0) * 1024 ** 2 / (n_par - n_half)
            est = (big * 1024 ** 2 + per_par * (10_000_000 - n_par)) / 1024 ** 3
            targets["rss_10m_paragraphs_gib"] = {
                "target": TARGETS["rss_10m_paragraphs_gib"], "measured": round(est, 2),
                "how": f"rough, linear: {big:.0f} MiB at {n_par:,} paragraphs plus {per_par:.0f} B/paragraph "
                       f"(the growth from {rss_half:.0f} MiB at {n_half:,}), extrapolated to 10,000,000 "
                       "(peak RSS summed over the process tree); benchmarks.e2e_1m fits several sizes "
                       "up to 1M"}
    if sig:
        targets["signatures_x_update"] = {"target": TARGETS["signatures_x_update"],
                                          "measured": sig["x_naive"]}
    for k, t in targets.items():
        m = t["measured"]
        at_most = k.startswith("rss")
        t["met"] = None if m is None else (m <= t["target"] if at_most else m >= t["target"])
        if m is not None and not t["met"]:
            ratio = m / t["target"]
            t["short_by"] = (f"{ratio:.2f}x the ceiling" if at_most
                             else f"{100 * (1 - ratio):.0f}% short ({ratio:.2f}x the target)")
    return {
        "benchmark": "benchmarks.throughput",
        "command": "python -m benchmarks.throughput " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "data": {"generator_seed": a.seed, "paragraphs": n_par, "documents": summary["counts"]["documents"],
                 "megabytes": round(mb, 3), "naive_mb": a.naive_mb, "slow_paragraphs": a.slow_paragraphs,
                 "lsh_paragraphs": a.lsh_paragraphs, "real": str(a.real) if a.real else None},
        "repeats": a.repeats,
        "rows": rows,
        "targets": targets,
        "runs": {k: [{kk: vv for kk, vv in r.items() if kk != "stderr"} for r in v] for k, v in runs.items()},
    }


def _row(stage: str, unit: str, ours: float | None, naive: float | None, bulk: float | None,
         floor: float | None, rss_ours: float | None, rss_naive: float | None,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3 if x < 100 else 1)

    row = {"stage": stage, "unit": unit, "newsclean": r(ours), "naive": r(naive), "bulk": r(bulk),
           "floor": r(floor),
           "x_naive": round(ours / naive, 1) if ours and naive else None,
           "x_bulk": round(ours / bulk, 1) if ours and bulk else None,
           "pct_floor": round(100 * ours / floor, 1) if ours and floor else None,
           "rss_mib": rss_ours, "rss_naive_mib": rss_naive}
    row.update(extra or {})
    return row


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if x < 10 else f"{x:.1f}"


def print_table(rep: dict[str, Any]) -> None:
    m, d = rep["machine"], rep["data"]
    print(f"newsclean throughput — {d['paragraphs']:,} generated paragraphs ({d['megabytes']:.1f} MB, "
          f"{d['documents']:,} documents), median of {rep['repeats']}")
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
          + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    hdr = (f"{'stage':34} {'unit':>12} {'newsclean':>10} {'naive (a)':>10} {'bulk (b)':>10} "
           f"{'floor (c)':>10} {'x naive':>8} {'x bulk':>7} {'% floor':>8} {'RSS MiB':>8} {'naive RSS':>9}")
    print(hdr)
    print("-" * len(hdr))
    for r in rep["rows"]:
        print(f"{r['stage']:34} {r['unit']:>12} {_fmt(r['newsclean']):>10} {_fmt(r['naive']):>10} "
              f"{_fmt(r['bulk']):>10} {_fmt(r['floor']):>10} {_fmt(r['x_naive']):>8} {_fmt(r['x_bulk']):>7} "
              f"{_fmt(r['pct_floor']):>8} {_fmt(r['rss_mib']):>8} {_fmt(r['rss_naive_mib']):>9}")
    for r in rep["rows"]:
        if r.get("prefilter_gain"):
            print(f"rule-engine prefilter (Hyperscan): cleaning {r['prefilter_gain']}x the pure-Python engine "
                  "(median of per-repeat ratios)")
    lsh = next((r for r in rep["rows"] if r["stage"].startswith("LSH")), None)
    if lsh:
        print(f"LSH sample: {lsh.get('sample_paragraphs')} paragraphs; newsclean index finish: "
              f"{lsh.get('minhash')} MinHashed, stage 1 {lsh.get('bands')} bands x {lsh.get('rows')} rows, "
              f"{lsh.get('candidates')} candidate pairs, {lsh.get('verified')} accepted; datasketch MinHashLSH: "
              f"{lsh.get('datasketch_minhash')} inserted + queried, {lsh.get('datasketch_bands')} x "
              f"{lsh.get('datasketch_rows')}, {lsh.get('datasketch_candidates')} candidate pairs")
    for r in rep["rows"]:
        if r.get("cli_timings"):
            t = r["cli_timings"]
            print(f"{r['stage']}: clean {t.get('clean_seconds')} s, dedup {t.get('dedup_seconds', '-')} s, "
                  f"total {t.get('total_seconds')} s (CLI's own report, last run)"
                  + (f"; {r['dedup_candidates']:,} LSH candidate pairs" if r.get("dedup_candidates") else ""))
        if r.get("timed_out") or r.get("failed"):
            print(f"{r['stage']}: some runs did not finish (timed out: {r.get('timed_out')}, "
                  f"exit codes {r.get('failed')})")
    for k, t in rep["targets"].items():
        status = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
        print(f"target {k}: {_fmt(t['measured'])} vs {t['target']} -> {status}"
              + (f", {t['short_by']}" if t.get("short_by") else "")
              + (f"  ({t['how']})" if t.get("how") else ""))


if __name__ == "__main__":
    raise SystemExit(main())
