"""Byte-for-byte equivalence of this working tree's CLI with another commit's, over the dev corpora.

    python -m benchmarks.equivalence --base REV_OR_SOURCE_TREE [--corpus-dir ../shared/corpus]
                                     [--only NAME,...] [--workdir DIR] [--keep]

A speed change must not change a byte of output. This runs ``python -m newsclean`` of ``--base`` (a git
revision, exported with ``git archive``, or a folder holding the ``src/`` of a checkout) and of this tree
over the same inputs and options, one after the other, and compares every file under each output folder:
cleaned outputs, ``removed.jsonl`` (explain rows), ``duplicates.jsonl``, ``rejected.jsonl`` and
``report.json`` and ``report.html`` (without timings, which differ by nature; both sides write into
the same folder, so that the paths the reports name are the same). The configurations
cover the dev corpora (id, en, hoax) with and without ``--explain``, each ``--lang``, learned outlet rules
(``--auto-learn``), the HTML pages, the seeds with the near-duplicate stage (one seed and all of them: the
kernels' Python path of small inputs, and numba forced), hoax_dev with it (numba, and the Python path
forced), id_news_dev with the Python path forced (--dedup drop), a generated corpus with
Unicode noise, the pure-Python path (``NEWSCLEAN_PREFILTER=0``) and the path without the compiled kernels
(``NEWSCLEAN_SPEEDUPS=0``) against the base's default path.

Exit code 0 when every output is identical, 1 otherwise (the first differing files are printed). The base's
outputs are kept in ``--workdir`` keyed by its commit and reused by the next run against the same base.
The corpora sit beside the project (``../shared/corpus``) or where ``NEWSCLEAN_SHARED`` points
(``$NEWSCLEAN_SHARED/corpus``); configurations whose inputs are missing are skipped and listed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def default_corpus_dir() -> Path:
    env = os.environ.get("NEWSCLEAN_SHARED")
    return (Path(env) if env else ROOT.parent / "shared") / "corpus"


@dataclass(frozen=True)
class Config:
    """One CLI run: a name, its inputs (relative to the corpus dir, or ``@`` paths under the repo or the
    work dir), its options, and environment for the tree under test only."""

    name: str
    inputs: tuple[str, ...]
    args: tuple[str, ...]
    env_new: tuple[tuple[str, str], ...] = field(default=())


CONFIGS = (
    Config("id-explain", ("id_news_dev.jsonl",), ("--dedup", "off", "--explain")),
    Config("id-lang-id", ("id_news_dev.jsonl",), ("--dedup", "off", "--lang", "id")),
    Config("id-report", ("id_news_dev.jsonl",), ("--dedup", "report")),
    Config("id-learn", ("id_news_dev.jsonl",), ("--dedup", "off", "--explain", "--auto-learn")),
    Config("id-python", ("id_news_dev.jsonl",), ("--dedup", "off", "--explain"), (("NEWSCLEAN_PREFILTER", "0"),)),
    Config("en-explain", ("en_news_dev.jsonl",), ("--dedup", "off", "--explain")),
    Config("en-lang-en", ("en_news_dev.jsonl",), ("--dedup", "off", "--explain", "--lang", "en")),
    Config("en-learn", ("en_news_dev.jsonl",), ("--dedup", "off", "--explain", "--auto-learn")),
    Config("hoax-explain", ("hoax_dev.jsonl",), ("--dedup", "off", "--explain")),
    Config("hoax-plain", ("hoax_dev.jsonl",), ("--dedup", "off")),
    Config("html-id", ("html_id",), ("--dedup", "off", "--explain")),
    Config("html-en", ("@repo/benchmarks/data/html_en",), ("--dedup", "off", "--explain")),
    Config("seeds", ("@repo/seeds",), ("--explain",)),
    # The near-duplicate kernels: a small input takes their Python path (newsclean.dedup.jit), numba
    # forced is the path of large ones, and the Python path forced on a corpus above its bounds.
    Config("seed-one", ("@repo/seeds/000_c1376e13b181623b.txt",), ("--explain",)),
    Config("seeds-drop", ("@repo/seeds",), ("--dedup", "drop", "--keep", "longest", "--explain")),
    Config("seeds-numba", ("@repo/seeds",), ("--explain",), (("NEWSCLEAN_KERNELS", "numba"),)),
    Config("hoax-report", ("hoax_dev.jsonl",), ("--dedup", "report")),
    Config("hoax-report-python", ("hoax_dev.jsonl",), ("--dedup", "report"), (("NEWSCLEAN_KERNELS", "python"),)),
    Config("id-drop-python", ("id_news_dev.jsonl",), ("--dedup", "drop", "--keep", "longest"),
           (("NEWSCLEAN_KERNELS", "python"),)),
    Config("generated", ("@work/generated/corpus",), ("--dedup", "off", "--explain")),
    Config("generated-python", ("@work/generated/corpus",), ("--dedup", "off", "--explain"),
           (("NEWSCLEAN_PREFILTER", "0"),)),
    # Without the compiled kernels (newsclean._speedups), as on a machine that could not build them.
    Config("id-fallback", ("id_news_dev.jsonl",), ("--dedup", "off", "--explain"), (("NEWSCLEAN_SPEEDUPS", "0"),)),
    Config("en-fallback", ("en_news_dev.jsonl",), ("--dedup", "off", "--explain"), (("NEWSCLEAN_SPEEDUPS", "0"),)),
    Config("hoax-fallback", ("hoax_dev.jsonl",), ("--dedup", "off", "--explain"), (("NEWSCLEAN_SPEEDUPS", "0"),)),
    Config("seeds-fallback", ("@repo/seeds",), ("--explain",), (("NEWSCLEAN_SPEEDUPS", "0"),)),
    Config("generated-fallback", ("@work/generated/corpus",), ("--dedup", "off", "--explain"),
           (("NEWSCLEAN_SPEEDUPS", "0"),)),
)

#: Paragraphs of the generated corpus (seeded, with boilerplate of every kind and Unicode noise).
GENERATED_PARAGRAPHS = 20_000


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def base_tree(base: str, workdir: Path) -> tuple[Path, str]:
    """``(folder holding src/, key)`` for a revision or a source folder."""
    path = Path(base)
    if (path / "src" / "newsclean").is_dir():
        try:
            commit = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True,
                                    text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--", "src"], check=True,
                                   capture_output=True, text=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError):
            commit, dirty = "", "x"
        key = commit if commit and not dirty else "dir-" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
        return path, key
    commit = _git("rev-parse", "--verify", base + "^{commit}")
    tree = workdir / f"base-{commit[:12]}"
    if not (tree / "src" / "newsclean").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"], check=True,
                                 capture_output=True).stdout
        with tempfile.TemporaryFile() as fh:
            fh.write(archive)
            fh.seek(0)
            with tarfile.open(fileobj=fh) as tar:
                tar.extractall(tree)  # noqa: S202 - our own repository's archive
    return tree, commit


def _resolve(inp: str, corpus: Path, workdir: Path) -> Path:
    if inp.startswith("@repo/"):
        return ROOT / inp[len("@repo/"):]
    if inp.startswith("@work/"):
        return workdir / inp[len("@work/"):]
    return corpus / inp


def _stage_inputs(cfg: Config, corpus: Path, workdir: Path) -> Path | None:
    """One input path for the CLI (a folder of links when a config has several inputs)."""
    paths = [_resolve(i, corpus, workdir) for i in cfg.inputs]
    if not all(p.exists() for p in paths):
        return None
    if len(paths) == 1:
        return paths[0]
    staged = workdir / "inputs" / cfg.name
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    for p in paths:
        (staged / p.name).symlink_to(p.resolve())
    return staged


def run_cli(src: Path, inp: Path, out: Path, args: tuple[str, ...], env_extra: dict[str, str]) -> tuple[int, float]:
    """Run the CLI of ``src`` into ``out``. It writes into one staging folder whatever ``out`` is (the
    reports name their output folder), then moves its outputs to ``out``."""
    if out.exists():
        shutil.rmtree(out)
    final, out = out, out.parent.parent / "staging" / "out"
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src), **env_extra}
    # Each side compiles its own Hyperscan databases (a cache shared with the other side would hide a
    # difference in what they compile).
    env.setdefault("NEWSCLEAN_CACHE", str(final.parent / f".hs-cache-{src.parent.name}"))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsclean", str(inp), str(out), "--jobs", "1", "--quiet", *args],
                          env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"newsclean failed ({proc.returncode}) with PYTHONPATH={src}:\n{proc.stderr[-3000:]}")
    (out / "_newsclean" / "exit_code").write_text(f"{proc.returncode}\n")
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), str(final))
    return proc.returncode, dt


def _normalized_report(path: Path) -> bytes:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("timings", None)
    data.pop("output", None)
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


# Durations and rates in report.html ("0.5 s", "1.21 MB/s"): they differ by nature.
_TIMING_HTML = re.compile(rb"\d+(?:\.\d+)? (?:s|MB/s|ms)<")


def _normalized_html(path: Path) -> bytes:
    return _TIMING_HTML.sub(b"#<", path.read_bytes())


def compare_trees(a: Path, b: Path) -> list[str]:
    """Files that differ (or exist on one side only), as relative paths with a reason."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    fa, fb = files(a), files(b)
    diffs = [f"{x}: only in base" for x in sorted(fa - fb)] + [f"{x}: only in new" for x in sorted(fb - fa)]
    for rel in sorted(fa & fb):
        pa, pb = a / rel, b / rel
        if rel.endswith("report.json"):
            same = _normalized_report(pa) == _normalized_report(pb)
        elif rel.endswith("report.html"):
            same = _normalized_html(pa) == _normalized_html(pb)
        else:
            same = pa.read_bytes() == pb.read_bytes()
        if not same:
            diffs.append(f"{rel}: {_first_difference(pa, pb)}")
    return diffs


def _first_difference(a: Path, b: Path) -> str:
    la = a.read_bytes().split(b"\n")
    lb = b.read_bytes().split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1} differs:\n    base {x[:300]!r}\n    new  {y[:300]!r}"
    return f"{len(la)} lines in base, {len(lb)} in new"


def ensure_generated(workdir: Path) -> None:
    target = workdir / "generated"
    if (target / "corpus").is_dir():
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)}
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(target), "--paragraphs",
                    str(GENERATED_PARAGRAPHS), "--seed", "7", "--docs-per-file", "500"], check=True, env=env,
                   cwd=ROOT, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.equivalence", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="git revision, or a folder holding a checkout's src/")
    ap.add_argument("--corpus-dir", type=Path, default=default_corpus_dir())
    ap.add_argument("--only", default="", help="comma-separated configuration names (default: all)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "newsclean-equivalence")
    ap.add_argument("--keep", action="store_true", help="keep this tree's outputs (the base's are always kept)")
    ap.add_argument("--list", action="store_true", help="list the configurations and exit")
    a = ap.parse_args(argv)
    if a.list:
        for c in CONFIGS:
            extra = " ".join(f"{k}={v}" for k, v in c.env_new)
            print(f"{c.name:<18} {' '.join(c.inputs):<40} {' '.join(c.args)} {extra}")
        return 0
    a.workdir.mkdir(parents=True, exist_ok=True)
    base_dir, key = base_tree(a.base, a.workdir)
    wanted = {x for x in a.only.split(",") if x}
    configs = [c for c in CONFIGS if not wanted or c.name in wanted]
    if any(i.startswith("@work/generated") for c in configs for i in c.inputs):
        ensure_generated(a.workdir)
    print(f"base {a.base} ({key[:12]}) vs working tree {ROOT}; corpora in {a.corpus_dir}")
    failed = 0
    skipped = []
    for cfg in configs:
        inp = _stage_inputs(cfg, a.corpus_dir, a.workdir)
        if inp is None:
            skipped.append(cfg.name)
            continue
        # The base's outputs are reused for the same base, inputs and options.
        digest = hashlib.sha1(repr((key, cfg.inputs, cfg.args)).encode()).hexdigest()[:12]
        base_out = a.workdir / "out-base" / f"{cfg.name}-{digest}"
        base_t = None
        if not (base_out / "_newsclean" / "exit_code").exists():
            _, base_t = run_cli(base_dir / "src", inp, base_out, cfg.args, {})
        new_out = a.workdir / "out-new" / cfg.name
        _, new_t = run_cli(ROOT / "src", inp, new_out, cfg.args, dict(cfg.env_new))
        diffs = compare_trees(base_out, new_out)
        n_files = sum(1 for p in new_out.rglob("*") if p.is_file())
        times = f"base {base_t:.1f} s, new {new_t:.1f} s" if base_t is not None else f"new {new_t:.1f} s"
        status = "identical" if not diffs else f"{len(diffs)} DIFFERENT"
        print(f"{cfg.name:<18} {n_files:>4} files {status:<14} ({times})")
        for d in diffs[:5]:
            print(f"    {d}")
        failed += bool(diffs)
        if not a.keep and not diffs:
            shutil.rmtree(new_out)
    if skipped:
        print(f"skipped (inputs missing): {', '.join(skipped)}")
    print("all identical" if not failed else f"{failed} configuration(s) differ")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
