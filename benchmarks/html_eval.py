"""HTML article extraction: token F1 against reference texts, and speed, beside trafilatura.

    python -m benchmarks.html_eval [--id-dir ../shared/corpus/html_id] [--en-dir benchmarks/data/html_en]
                                   [--repeats 5] [--no-trafilatura] [--per-page] [--json OUT.json]

Pages:
- ``id``: the article pages of ``html_id/index.jsonl`` that have a ``reference_text`` (Indonesian
  outlets, plus Tempo English), read from beside the project (never copied into the repo). The index
  pages (``page_type == "index"``) are not scored; the table reports how much text each extractor
  returns for them (ideally none).
- ``en``: ``benchmarks/data/html_en/*.html`` with ``*.txt`` references (see the README there).
- ``--public DIR`` adds two sets of public pages that neither project wrote its heuristics on, fetched
  from PyPI into ``DIR`` the first time (``pip download`` of two source distributions; nothing is copied
  into this repository): ``np4k``, the article pages of newspaper4k 0.9.6's test data with its expected
  texts (``tests/data/html`` and ``tests/data/txt``: news in English and ten other languages), scored and
  timed; ``traf1``, the 110 pages of trafilatura 1.0.0's ``tests/cache`` (news, blogs and shops, mostly
  German and English), timed only (they come without reference texts). Speed is reported per set: the
  ratio to trafilatura depends on the pages (larger pages with more markup narrow it).

Accuracy (bag of tokens, as article-extraction benchmarks do): a token is a maximal run of Unicode word
characters (``\\w+``), lower-cased. With P and R the multisets of extracted and reference tokens,
precision = |P ∩ R| / |P|, recall = |P ∩ R| / |R| (multiset intersection: a token counts as often as it
occurs in both), F1 their harmonic mean (0 when nothing matches). Per page, then averaged over pages
(macro) per outlet, per set and overall. Titles are not part of any reference, so the extracted text is
scored as it is; empty output scores 0.

Speed: every extractor gets the same raw page bytes. One repeat extracts each page with every extractor
in turn, in this process (the order rotating with the page and the repeat, so that a burst of load from
other jobs falls on all of them alike), and sums each extractor's wall time (``time.perf_counter``) and
CPU time (``time.process_time``) over the pages; pages/s is reported as the median over repeats, and the
newsclean/trafilatura ratio, of wall and of CPU time, as the median of the per-repeat ratios, with the
load average. The baseline ``p>60`` takes every ``<p>`` longer than 60
characters with selectolax.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from newsclean.html import decode_html, extract_article

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ID_DIR = ROOT.parent / "shared" / "corpus" / "html_id"
DEFAULT_EN_DIR = ROOT / "benchmarks" / "data" / "html_en"
_TOKEN = re.compile(r"\w+")

Extractor = Callable[[bytes], str]


@dataclass(frozen=True)
class Page:
    id: str
    set: str  # "id" or "en"
    outlet: str
    html: bytes
    reference: str | None  # None for index pages


def load_pages(id_dir: Path | None, en_dir: Path | None) -> list[Page]:
    pages: list[Page] = []
    if id_dir is not None and (id_dir / "index.jsonl").exists():
        for line in (id_dir / "index.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            path = id_dir / Path(row["html_file"]).name  # index paths say html/..., files sit in id_dir
            ref = row.get("reference_text") if row.get("page_type") == "article" else None
            if row.get("page_type") == "article" and not ref:
                continue
            pages.append(Page(row["id"], "id", row["outlet"], path.read_bytes(), ref))
    if en_dir is not None and en_dir.exists():
        for path in sorted(en_dir.glob("*.html")):
            ref_path = path.with_suffix(".txt")
            if ref_path.exists():
                outlet = path.stem.rsplit("-", 1)[0]
                pages.append(Page(path.stem, "en", outlet, path.read_bytes(), ref_path.read_text("utf-8")))
    return pages


#: The public page sets of ``--public``: name -> (PyPI requirement, html folder, reference folder or None).
PUBLIC_SETS: dict[str, tuple[str, str, str | None]] = {
    "np4k": ("newspaper4k==0.9.6", "newspaper4k-0.9.6/tests/data/html", "newspaper4k-0.9.6/tests/data/txt"),
    "traf1": ("trafilatura==1.0.0", "trafilatura-1.0.0/tests/cache", None),
}


def fetch_public(folder: Path) -> dict[str, tuple[Path, Path | None]]:
    """Download and unpack the source distributions of :data:`PUBLIC_SETS` into ``folder`` (once), and
    return each set's page folder and reference folder."""
    import subprocess
    import tarfile

    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, tuple[Path, Path | None]] = {}
    for name, (requirement, html_dir, ref_dir) in PUBLIC_SETS.items():
        if not (folder / html_dir).is_dir():
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                            ":all:", "--dest", str(folder), requirement], check=True)
            stem = requirement.replace("==", "-")
            archive = folder / f"{stem}.tar.gz"
            with tarfile.open(archive) as tar:
                members = [m for m in tar.getmembers() if m.name.startswith((html_dir, ref_dir or html_dir))
                           and m.isfile()]
                tar.extractall(folder, members=members, filter="data")
        found[name] = (folder / html_dir, folder / ref_dir if ref_dir else None)
    return found


def load_public(sets: dict[str, tuple[Path, Path | None]]) -> tuple[list[Page], list[Page]]:
    """(scored pages: those with a reference text, timed-only pages: the others) of the public sets."""
    scored: list[Page] = []
    timed: list[Page] = []
    for name, (html_dir, ref_dir) in sets.items():
        for path in sorted(html_dir.glob("*.html")):
            ref = ref_dir / f"{path.stem}.txt" if ref_dir is not None else None
            if ref is not None and ref.exists():
                scored.append(Page(path.stem, name, path.stem, path.read_bytes(), ref.read_text("utf-8")))
            elif ref_dir is None:
                timed.append(Page(path.stem, name, path.stem, path.read_bytes(), None))
    return scored, timed


def token_prf(extracted: str, reference: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1.

    >>> [round(x, 2) for x in token_prf("the cat sat", "the cat sat on the mat")]
    [1.0, 0.5, 0.67]
    """
    got = Counter(_TOKEN.findall(extracted.lower()))
    ref = Counter(_TOKEN.findall(reference.lower()))
    common = sum((got & ref).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    p = common / sum(got.values())
    r = common / sum(ref.values())
    return p, r, 2 * p * r / (p + r)


def newsclean_extract(data: bytes) -> str:
    return extract_article(data).text


def paragraphs_baseline(data: bytes) -> str:
    tree = LexborHTMLParser(decode_html(data))
    texts = (p.text(strip=True) for p in tree.css("p"))
    return "\n".join(t for t in texts if len(t) > 60)


def trafilatura_extractor() -> Extractor | None:
    try:
        import trafilatura  # optional: the "bench" extra
    except ImportError as exc:  # also lxml_html_clean missing, which trafilatura's jusText needs
        print(f"trafilatura not available ({exc}); skipping it", file=sys.stderr)
        return None

    def extract(data: bytes) -> str:
        return trafilatura.extract(data) or ""

    return extract


def score(pages: list[Page], extractors: dict[str, Extractor]) -> dict[str, object]:
    per_page: list[dict[str, object]] = []
    for page in pages:
        row: dict[str, object] = {"id": page.id, "set": page.set, "outlet": page.outlet}
        for name, fn in extractors.items():
            out = fn(page.html)
            if page.reference is None:
                row[name] = {"chars": len(out)}
            else:
                p, r, f = token_prf(out, page.reference)
                row[name] = {"p": p, "r": r, "f1": f, "chars": len(out)}
        per_page.append(row)

    def mean(rows: list[dict[str, object]], name: str, key: str) -> float:
        values = [r[name][key] for r in rows]  # type: ignore[index]
        return sum(values) / len(values) if values else 0.0

    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    index_rows = []
    for row, page in zip(per_page, pages, strict=True):
        if page.reference is None:
            index_rows.append(row)
            continue
        groups[f"{page.set}/{page.outlet}"].append(row)
        groups[f"{page.set} (all)"].append(row)
        groups["overall"].append(row)
    summary = {
        group: {
            "pages": len(rows),
            **{name: {k: mean(rows, name, k) for k in ("p", "r", "f1")} for name in extractors},
        }
        for group, rows in sorted(
            groups.items(), key=lambda kv: (kv[0] == "overall", "(all)" in kv[0], kv[0])
        )
    }
    index = {
        name: {
            "pages": len(index_rows),
            "median_chars": statistics.median([r[name]["chars"] for r in index_rows]) if index_rows else 0,  # type: ignore[index]
            "max_chars": max([r[name]["chars"] for r in index_rows], default=0),  # type: ignore[index]
        }
        for name in extractors
    }
    return {"per_page": per_page, "summary": summary, "index_pages": index}


def speed(pages: list[Page], extractors: dict[str, Extractor], repeats: int) -> dict[str, object]:
    data = [p.html for p in pages]
    names = list(extractors)
    times: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    wall_clock, cpu_clock = time.perf_counter, time.process_time
    for rep in range(repeats):
        wall_sum = dict.fromkeys(names, 0.0)
        cpu_sum = dict.fromkeys(names, 0.0)
        # Interleaved page by page (the order rotating with the page and the repeat): a burst of load from
        # other jobs falls on every extractor alike, not on whichever one ran its whole set at that moment.
        for i, html in enumerate(data):
            k = (rep + i) % len(names)
            for name in names[k:] + names[:k]:
                fn = extractors[name]
                w0, c0 = wall_clock(), cpu_clock()
                fn(html)
                cpu_sum[name] += cpu_clock() - c0
                wall_sum[name] += wall_clock() - w0
        for name in names:
            times[name].append(wall_sum[name])
            cpu[name].append(cpu_sum[name])
    result: dict[str, object] = {
        name: {"pages_per_s": statistics.median(len(data) / t for t in ts), "seconds": ts, "cpu_seconds": cpu[name]}
        for name, ts in times.items()
    }
    if "trafilatura" in times and "newsclean" in times:
        ratios = [t / n for t, n in zip(times["trafilatura"], times["newsclean"], strict=True)]
        cpu_ratios = [t / n for t, n in zip(cpu["trafilatura"], cpu["newsclean"], strict=True)]
        result["newsclean_vs_trafilatura"] = {"median_ratio": statistics.median(ratios), "ratios": ratios,
                                              "median_cpu_ratio": statistics.median(cpu_ratios),
                                              "cpu_ratios": cpu_ratios}
    result["pages"] = len(data)
    result["repeats"] = repeats
    result["load_average"] = os.getloadavg()[0]
    return result


def print_report(scores: dict[str, object], speeds: dict[str, object] | None, names: list[str]) -> None:
    summary = scores["summary"]  # type: ignore[index]
    head = f"{'set/outlet':<22}{'pages':>6}" + "".join(f"{n + ' P/R/F1':>26}" for n in names)
    print(head)
    print("-" * len(head))
    for group, row in summary.items():  # type: ignore[union-attr]
        cells = "".join(f"{row[n]['p']:>10.3f}{row[n]['r']:>8.3f}{row[n]['f1']:>8.3f}" for n in names)
        print(f"{group:<22}{row['pages']:>6}{cells}")
    index = scores["index_pages"]  # type: ignore[index]
    print()
    print("index pages (no article): characters returned, median / max")
    for n in names:
        print(f"  {n:<14}{index[n]['median_chars']:>8} / {index[n]['max_chars']}")
    if speeds is not None:
        print_speed("speed", speeds, names)


def print_speed(label: str, speeds: dict[str, object], names: list[str]) -> None:
    print()
    print(f"{label}: {speeds['pages']} pages x {speeds['repeats']} repeats, one process, median pages/s")
    for n in names:
        print(f"  {n:<14}{speeds[n]['pages_per_s']:>10.1f}")  # type: ignore[index]
    if "newsclean_vs_trafilatura" in speeds:
        r = speeds["newsclean_vs_trafilatura"]["median_ratio"]  # type: ignore[index]
        c = speeds["newsclean_vs_trafilatura"]["median_cpu_ratio"]  # type: ignore[index]
        print(f"  newsclean / trafilatura speed ratio (median of per-repeat ratios): {r:.2f}x wall, {c:.2f}x CPU"
              f" (load average {speeds['load_average']:.1f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--id-dir", type=Path, default=DEFAULT_ID_DIR)
    ap.add_argument("--en-dir", type=Path, default=DEFAULT_EN_DIR)
    ap.add_argument("--repeats", type=int, default=5, help="speed repeats (0: no speed run)")
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--per-page", action="store_true", help="print F1 per page")
    ap.add_argument("--json", type=Path, help="write all numbers here")
    ap.add_argument("--public", type=Path, metavar="DIR",
                    help="also the public page sets np4k and traf1, fetched from PyPI into DIR once")
    ap.add_argument("--public-only", action="store_true", help="with --public: only those sets")
    args = ap.parse_args(argv)

    pages = [] if args.public_only else load_pages(args.id_dir, args.en_dir)
    public_timed: list[Page] = []
    if args.public is not None:
        public_scored, public_timed = load_public(fetch_public(args.public))
        pages += public_scored
    if not pages:
        print(f"no pages found in {args.id_dir} or {args.en_dir}", file=sys.stderr)
        return 2
    extractors: dict[str, Extractor] = {"newsclean": newsclean_extract}
    traf = None if args.no_trafilatura else trafilatura_extractor()
    if traf is not None:
        extractors["trafilatura"] = traf
    extractors["p>60"] = paragraphs_baseline
    names = list(extractors)

    scores = score(pages, extractors)
    if args.per_page:
        for row in scores["per_page"]:  # type: ignore[union-attr]
            cells = "  ".join(
                f"{n}={row[n]['f1']:.2f}" if "f1" in row[n] else f"{n}:{row[n]['chars']}ch" for n in names
            )
            print(f"{row['id']:<34}{cells}")
        print()
    # Speed per set of pages: the ratio depends on the pages, and one figure over all would hide it.
    by_set: dict[str, list[Page]] = defaultdict(list)
    for page in pages + public_timed:
        by_set["id+en (local)" if page.set in ("id", "en") else page.set].append(page)
    speeds = {name: speed(group, extractors, args.repeats) for name, group in by_set.items()} \
        if args.repeats > 0 else {}
    print_report(scores, None, names)
    for name, result in speeds.items():
        print_speed(f"speed, {name}", result, names)
    if args.json:
        args.json.write_text(json.dumps({"scores": scores, "speed": speeds}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
