"""HTML metadata beside trafilatura: on how many pages each finds an author, a site name and a date,
and how often the two agree.

    python -m benchmarks.html_meta [--id-dir ../shared/corpus/html_id] [--en-dir benchmarks/data/html_en]
                                   [--per-page] [--json OUT.json]

Pages: every page of ``html_id/index.jsonl`` (article and index pages; read from beside the project,
never copied into it) and ``benchmarks/data/html_en/*.html``. For each page, newsclean's
:func:`newsclean.html.extract_article` and trafilatura's ``extract_metadata`` (``pip install
".[bench]"``) get the same bytes (trafilatura's default date search, ``extensive=True``). Counted per
field: pages where each one found a value, pages where both did, and of those the pages where the
values agree (case and spaces folded; for dates, the same calendar day; for authors, one name list
containing the other's first name). newsclean dates must also be ISO 8601 (checked with
``datetime.fromisoformat``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from newsclean.html import decode_html, extract_article

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ID_DIR = ROOT.parent / "shared" / "corpus" / "html_id"
DEFAULT_EN_DIR = ROOT / "benchmarks" / "data" / "html_en"
FIELDS = ("author", "site_name", "date")


def pages(id_dir: Path, en_dir: Path) -> list[tuple[str, str, bytes, str | None]]:
    """(set, page id, bytes, url) of every page."""
    out = []
    index = id_dir / "index.jsonl"
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            path = id_dir / Path(row["html_file"]).name  # index paths say html/..., files sit in id_dir
            out.append(("id", row["id"], path.read_bytes(), row.get("url")))
    for p in sorted(en_dir.glob("*.html")):
        out.append(("en", p.stem, p.read_bytes(), None))
    return out


def _fold(s: str | None) -> str:
    return re.sub(r"\s+", " ", (s or "").casefold()).strip()


def agree(field: str, a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    if field == "date":
        return a[:10] == b[:10]
    if field == "author":
        fa, fb = _fold(a), _fold(b)
        first_a, first_b = fa.split(",")[0].split(";")[0].strip(), fb.split(",")[0].split(";")[0].strip()
        return bool(first_a and first_b) and (first_a in fb or first_b in fa)
    fa, fb = _fold(a), _fold(b)
    return fa == fb or fa in fb or fb in fa


def newsclean_meta(data: bytes, url: str | None) -> dict[str, str | None]:
    art = extract_article(data, url=url)
    return {"author": art.author, "site_name": art.site_name, "date": art.date}


def trafilatura_meta(data: bytes, url: str | None) -> dict[str, str | None]:
    from trafilatura import extract_metadata

    doc = extract_metadata(decode_html(data), default_url=url)
    return {"author": doc.author, "site_name": doc.sitename, "date": doc.date}


def iso(value: str | None) -> bool:
    if not value:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def run(id_dir: Path, en_dir: Path) -> dict[str, Any]:
    rows = []
    for group, pid, data, url in pages(id_dir, en_dir):
        rows.append({"set": group, "page": pid, "newsclean": newsclean_meta(data, url),
                     "trafilatura": trafilatura_meta(data, url)})
    summary: dict[str, Any] = {"pages": len(rows)}
    for f in FIELDS:
        ours = [r["newsclean"][f] for r in rows]
        theirs = [r["trafilatura"][f] for r in rows]
        both = [(a, b) for a, b in zip(ours, theirs) if a and b]
        summary[f] = {"newsclean": sum(1 for a in ours if a), "trafilatura": sum(1 for b in theirs if b),
                      "both": len(both), "agree": sum(1 for a, b in both if agree(f, a, b))}
    summary["date"]["newsclean_iso"] = sum(1 for r in rows if iso(r["newsclean"]["date"]))
    return {"summary": summary, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--id-dir", type=Path, default=DEFAULT_ID_DIR)
    ap.add_argument("--en-dir", type=Path, default=DEFAULT_EN_DIR)
    ap.add_argument("--per-page", action="store_true", help="print every page's values")
    ap.add_argument("--json", type=Path, default=None, help="write the summary and rows here")
    args = ap.parse_args(argv)
    res = run(args.id_dir, args.en_dir)
    s = res["summary"]
    print(f"{s['pages']} pages")
    print("| field | newsclean | trafilatura | both | agree |")
    print("|---|---|---|---|---|")
    for f in FIELDS:
        x = s[f]
        print(f"| {f} | {x['newsclean']} | {x['trafilatura']} | {x['both']} | {x['agree']} |")
    print(f"newsclean dates in ISO 8601: {s['date']['newsclean_iso']} of {s['date']['newsclean']}")
    if args.per_page:
        for r in res["rows"]:
            print(r["set"], r["page"])
            for f in FIELDS:
                print(f"   {f:<9} newsclean={r['newsclean'][f]!r}  trafilatura={r['trafilatura'][f]!r}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
