"""``report.html``: the run report to look at, one self-contained file.

Written by the command line beside ``report.json`` (and again with
``python -m newsclean.report_html OUT/_newsclean``), from ``report.json`` and ``duplicates.jsonl``:
what was removed per rule and per outlet (bytes and lines), before/after samples per rule,
near-duplicate clusters (sizes, which outlets copy which, the largest clusters with their texts),
documents emptied and failures. Charts are inline SVG drawn here, styles are inline, there is no
script and nothing is loaded from anywhere (a Content-Security-Policy meta tag forbids it), so the
file opens offline and can be mailed around. Tables and samples are capped (see the constants) so
that a run of millions of documents still gives a page of a few hundred kilobytes;
``duplicates.jsonl`` is streamed, never loaded whole.
"""

from __future__ import annotations

import heapq
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from .io import atomic_writer

__all__ = ["ClusterSummary", "main", "render", "summarize_clusters", "write_report_html"]

#: Rows of each chart and table (the rest is in report.json).
CHART_ROWS = 25
RULE_ROWS = 150
OUTLET_ROWS = 100
FAILURE_ROWS = 200
#: Largest clusters shown with their texts, members shown per cluster, characters per text.
LARGEST_CLUSTERS = 10
CLUSTER_MEMBERS = 12
TEXT_CHARS = 400
#: Outlets in the who-copies-whom matrix, and outlet pairs in its chart.
MATRIX_OUTLETS = 12
#: Cluster-size buckets of the histogram (lower bounds).
SIZE_BUCKETS = (2, 3, 4, 5, 10, 20, 50, 100)

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#b8c2d0;font-size:13px}
nav{padding:8px 28px;background:#e9edf2;font-size:13px}nav a{margin-right:14px;color:#1d4f91}
main{padding:8px 28px 40px;max-width:1240px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:4px 16px}
.grid h3{margin:8px 0 2px}section{margin-top:26px}
h2{font-size:17px;border-bottom:2px solid #d5dbe3;padding-bottom:4px}h3{font-size:14px;margin:18px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #d5dbe3;border-radius:6px;
padding:10px 14px;min-width:150px}.card b{display:block;font-size:20px}.card span{color:#5b6777;font-size:12px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0}
th,td{border:1px solid #d5dbe3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:8px;margin:6px 0;display:inline-block}
.before{background:#fdecea}.after{background:#e8f5e9}.text{max-width:760px;white-space:pre-wrap;word-break:break-word}
.muted{color:#5b6777;font-size:12px}.cut{color:#b3261e;text-decoration:line-through}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""
_BLUE, _ORANGE, _GREEN, _GREY = "#3b6fb6", "#e07b39", "#4c9a5b", "#c9d1dc"


# -- numbers ------------------------------------------------------------------------------------------

def _n(x: float) -> str:
    return f"{x:,.0f}"


def _bytes(x: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(x) >= size:
            return f"{x / size:,.1f} {unit}"
    return f"{x:,.0f} B"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _clip(text: str, n: int = TEXT_CHARS) -> str:
    return text if len(text) <= n else text[:n] + "…"


# -- charts (inline SVG) --------------------------------------------------------------------------------

def _svg(width: int, height: int, label: str, body: Iterable[str]) -> str:
    return (f'<div class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>{''.join(body)}</svg></div>")


def bar_chart(rows: Sequence[tuple[str, float]], *, label: str, fmt: Any = _n, color: str = _BLUE,
              width: int = 760) -> str:
    """Horizontal bars, one per ``(name, value)``, largest first as given."""
    if not rows:
        return '<p class="muted">nothing to chart</p>'
    left, right, bar_h, gap = 260, 90, 16, 5
    top = max(v for _, v in rows) or 1
    span = width - left - right
    body = []
    for i, (name, value) in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        w = max(1.0, span * value / top) if value else 0
        body.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">'
                    f"{escape(_clip(name, 42))}</text>"
                    f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                    f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
                    f'<text x="{left + w + 4:.1f}" y="{y + 12}" font-size="11">{escape(fmt(value))}</text>')
    return _svg(width, 8 + len(rows) * (bar_h + gap), label, body)


def stacked_chart(rows: Sequence[tuple[str, float, float]], *, label: str, names: tuple[str, str],
                  fmt: Any = _bytes, width: int = 760) -> str:
    """Horizontal bars of two parts (kept, removed) per row."""
    if not rows:
        return '<p class="muted">nothing to chart</p>'
    left, right, bar_h, gap = 200, 150, 16, 5
    top = max(a + b for _, a, b in rows) or 1
    span = width - left - right
    body = []
    for i, (name, a, b) in enumerate(rows):
        y = 22 + i * (bar_h + gap)
        wa, wb = span * a / top, span * b / top
        body.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">'
                    f"{escape(_clip(name, 32))}</text>"
                    f'<rect x="{left}" y="{y}" width="{wa:.1f}" height="{bar_h}" fill="{_BLUE}">'
                    f"<title>{escape(name)}: {names[0]} {escape(fmt(a))}</title></rect>"
                    f'<rect x="{left + wa:.1f}" y="{y}" width="{wb:.1f}" height="{bar_h}" fill="{_ORANGE}">'
                    f"<title>{escape(name)}: {names[1]} {escape(fmt(b))}</title></rect>"
                    f'<text x="{left + wa + wb + 4:.1f}" y="{y + 12}" font-size="11">'
                    f"{escape(fmt(b))} ({_pct(b, a + b)})</text>")
    legend = (f'<rect x="{left}" y="4" width="10" height="10" fill="{_BLUE}"/>'
              f'<text x="{left + 14}" y="13" font-size="11">{names[0]}</text>'
              f'<rect x="{left + 90}" y="4" width="10" height="10" fill="{_ORANGE}"/>'
              f'<text x="{left + 104}" y="13" font-size="11">{names[1]}</text>')
    return _svg(width, 26 + len(rows) * (bar_h + gap), label, [legend, *body])


def column_chart(rows: Sequence[tuple[str, float]], *, label: str, color: str = _GREEN, width: int = 520) -> str:
    """Vertical bars (a histogram), in the order given."""
    if not rows:
        return '<p class="muted">nothing to chart</p>'
    height, bottom, top_pad = 200, 24, 18
    top = max(v for _, v in rows) or 1
    slot = (width - 20) / len(rows)
    body = []
    for i, (name, value) in enumerate(rows):
        h = (height - bottom - top_pad) * value / top
        x = 10 + i * slot
        y = height - bottom - h
        body.append(f'<rect x="{x + 4:.1f}" y="{y:.1f}" width="{slot - 8:.1f}" height="{h:.1f}" fill="{color}">'
                    f"<title>{escape(name)}: {_n(value)}</title></rect>"
                    f'<text x="{x + slot / 2:.1f}" y="{height - 8}" font-size="11" text-anchor="middle">'
                    f"{escape(name)}</text>"
                    f'<text x="{x + slot / 2:.1f}" y="{y - 4:.1f}" font-size="10" text-anchor="middle">'
                    f"{_n(value)}</text>")
    return _svg(width, height, label, body)


# -- clusters -------------------------------------------------------------------------------------------

@dataclass
class ClusterSummary:
    """What report.html shows of ``duplicates.jsonl``, gathered in one streaming pass."""

    clusters: int = 0
    paragraphs: int = 0
    sizes: Counter[int] = field(default_factory=Counter)
    #: (outlet of the kept paragraph, outlet of a copy) -> copies, for copies in another outlet
    copies: Counter[tuple[str, str]] = field(default_factory=Counter)
    largest: list[dict[str, Any]] = field(default_factory=list)


def summarize_clusters(rows: Iterable[dict[str, Any]], *, largest: int = LARGEST_CLUSTERS) -> ClusterSummary:
    out = ClusterSummary()
    heap: list[tuple[int, int, dict[str, Any]]] = []
    for row in rows:
        size = int(row.get("size", len(row.get("members", ()))))
        cid = int(row.get("cluster", out.clusters))
        out.clusters += 1
        out.paragraphs += size
        out.sizes[size] += 1
        members = row.get("members", [])
        kept = row.get("kept", {})
        source = next((m.get("outlet") for m in members
                       if m.get("doc") == kept.get("doc") and m.get("line") == kept.get("line")), None)
        src = source or "(unknown)"
        for m in members:
            if m.get("doc") == kept.get("doc") and m.get("line") == kept.get("line"):
                continue
            dst = m.get("outlet") or "(unknown)"
            if dst != src:
                out.copies[(src, dst)] += 1
        item = (size, -cid, {"cluster": cid, "size": size, "kept": kept, "members": [
            {**m, "text": _clip(str(m.get("text", "")))} for m in members[:CLUSTER_MEMBERS]]})
        if len(heap) < largest:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
    out.largest = [x[2] for x in sorted(heap, key=lambda t: (-t[0], -t[1]))]
    return out


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# -- the page -------------------------------------------------------------------------------------------

def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _card(value: str, what: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(what)}</span></div>'


def _more(shown: int, total: int, what: str) -> str:
    if total <= shown:
        return ""
    return f'<p class="muted">{_n(shown)} of {_n(total)} {what} shown; all are in report.json.</p>'


def _summary(r: dict[str, Any]) -> str:
    d, lines, b = r["documents"], r["lines"], r["bytes"]
    t = r.get("timings", {})
    cards = [
        _card(_n(d["in"]), "documents in"), _card(_n(d["out"]), "documents out"),
        _card(_n(d["emptied"]), "documents emptied"), _card(_n(d["rejected_records"]), "records rejected"),
        _card(f"{_n(r['files'])} / {_n(r['files_failed'])}", "files / failed"),
        _card(f"{_n(lines['in'])} → {_n(lines['out'])}",
              f"lines ({_pct(lines['in'] - lines['out'], lines['in'])} removed)"),
        _card(f"{_bytes(b['in'])} → {_bytes(b['out'])}", f"text ({_pct(b['in'] - b['out'], b['in'])} removed)"),
        _card(f"{t.get('total_seconds', 0):,.1f} s", f"{t.get('mb_per_second', 0):,.2f} MB/s"),
    ]
    opts = r.get("options", {})
    opt = ", ".join(f"{k}={v}" for k, v in opts.items() if v not in (None, [], False))
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}</div>'
            f'<p class="muted">options: {escape(opt)}</p></section>')


def _rules(r: dict[str, Any]) -> str:
    rules = r["rules"]
    total = sum(v["bytes_removed"] for v in rules.values()) or 1
    order = sorted(rules.items(), key=lambda kv: (-kv[1]["bytes_removed"], -kv[1]["count"], kv[0]))
    chart_b = bar_chart([(k, v["bytes_removed"]) for k, v in order[:CHART_ROWS] if v["bytes_removed"]],
                        label="bytes removed per rule", fmt=_bytes, color=_ORANGE)
    by_lines = sorted(rules.items(), key=lambda kv: (-kv[1]["lines_dropped"], kv[0]))
    chart_l = bar_chart([(k, v["lines_dropped"]) for k, v in by_lines[:CHART_ROWS] if v["lines_dropped"]],
                        label="lines dropped per rule")
    rows = [(escape(k), _n(v["count"]), _n(v["lines_dropped"]), _bytes(v["bytes_removed"]),
             _pct(v["bytes_removed"], total)) for k, v in order[:RULE_ROWS]]
    return (f'<section id="rules"><h2>Removed per rule</h2><h3>Bytes removed</h3>{chart_b}'
            f"<h3>Lines dropped</h3>{chart_l}<h3>All rules</h3>"
            + _table(("rule (cleaner:rule)", "changes", "lines dropped", "removed", "share of removed"), rows,
                     (1, 2, 3, 4))
            + _more(min(len(order), RULE_ROWS), len(order), "rules") + "</section>")


def _outlets(r: dict[str, Any]) -> str:
    outlets = r["outlets"]
    order = sorted(outlets.items(), key=lambda kv: (-kv[1]["bytes"]["in"], kv[0]))
    chart = stacked_chart([(k, v["bytes"]["out"], v["bytes"]["in"] - v["bytes"]["out"]) for k, v in order[:CHART_ROWS]],
                          label="bytes kept and removed per outlet", names=("kept", "removed"))
    lchart = stacked_chart([(k, v["lines"]["out"], v["lines"]["in"] - v["lines"]["out"])
                            for k, v in order[:CHART_ROWS]],
                           label="lines kept and removed per outlet", names=("kept", "removed"), fmt=_n)
    rows = []
    for k, v in order[:OUTLET_ROWS]:
        top = sorted(v["rules"].items(), key=lambda kv: -kv[1]["bytes_removed"])[:3]
        rows.append((escape(k), _n(v["documents"]), _n(v["emptied"]),
                     f"{_n(v['lines']['in'])} → {_n(v['lines']['out'])}",
                     _pct(v["lines"]["in"] - v["lines"]["out"], v["lines"]["in"]),
                     f"{_bytes(v['bytes']['in'])} → {_bytes(v['bytes']['out'])}",
                     _pct(v["bytes"]["in"] - v["bytes"]["out"], v["bytes"]["in"]),
                     "<br>".join(f"{escape(rk)} ({_bytes(rv['bytes_removed'])})" for rk, rv in top)))
    return (f'<section id="outlets"><h2>Removed per outlet</h2><h3>Bytes</h3>{chart}<h3>Lines</h3>{lchart}'
            "<h3>All outlets</h3>"
            + _table(("outlet", "documents", "emptied", "lines", "lines removed", "bytes", "bytes removed",
                      "top rules"), rows, (1, 2, 3, 4, 5, 6))
            + _more(min(len(order), OUTLET_ROWS), len(order), "outlets") + "</section>")


def _samples(r: dict[str, Any]) -> str:
    samples = r.get("samples", {})
    rules = r["rules"]
    keys = sorted(samples, key=lambda k: (-rules.get(k, {}).get("bytes_removed", 0), k))[:RULE_ROWS]
    parts = ['<section id="samples"><h2>Before and after, per rule</h2>'
             '<p class="muted">The first changes of each rule, in input order: the line before the change and after '
             "it (empty: the line was dropped).</p>"]
    rows = []
    for k in keys:
        for s in samples[k]:
            after = '<span class="muted">(dropped)</span>' if s["after"] is None else escape(s["after"])
            rows.append((escape(k), f"{escape(s['doc'])}:{s['line']}",
                         f'<div class="text before">{escape(s["before"])}</div>',
                         f'<div class="text after">{after}</div>'))
    parts.append(_table(("rule", "document:line", "before", "after"), rows) if rows else
                 '<p class="muted">no changes</p>')
    parts.append(_more(len(keys), len(samples), "rules' samples"))
    parts.append("</section>")
    return "".join(parts)


def _duplicates(r: dict[str, Any], cs: ClusterSummary | None) -> str:
    dd = r.get("dedup")
    if dd is None or cs is None:
        return '<section id="duplicates"><h2>Near-duplicates</h2><p class="muted">not run (--dedup off)</p></section>'
    cards = [_card(_n(dd["clusters"]), "clusters"), _card(_n(dd["cross_document_clusters"]), "across documents"),
             _card(_n(dd["paragraphs_duplicate"]), "paragraphs with a kept copy elsewhere"),
             _card(_n(dd["paragraphs_dropped"]), f"paragraphs dropped ({dd['mode']} mode)"),
             _card(_n(len(dd["documents"])), "document pairs republished")]
    buckets = _size_buckets(cs)
    pairs = cs.copies.most_common(CHART_ROWS)
    involved: Counter[str] = Counter()
    for (a, b), n in cs.copies.items():
        involved[a] += n
        involved[b] += n
    top = [o for o, _ in involved.most_common(MATRIX_OUTLETS)]
    matrix = ""
    if top:
        peak = max((cs.copies.get((a, b), 0) for a in top for b in top), default=0) or 1
        head = ("<tr><th>kept in ↓ / copied by →</th>" + "".join(f"<th>{escape(_clip(b, 18))}</th>" for b in top)
                + "</tr>")
        body = []
        for a in top:
            cells = []
            for b in top:
                n = cs.copies.get((a, b), 0)
                alpha = 0.12 + 0.75 * n / peak if n else 0
                style = f' style="background:rgba(224,123,57,{alpha:.2f})"' if n else ""
                cells.append(f'<td class="n"{style}>{_n(n) if n else ""}</td>')
            body.append(f"<tr><th>{escape(_clip(a, 24))}</th>{''.join(cells)}</tr>")
        matrix = f'<table class="matrix"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
    largest = []
    for c in cs.largest:
        rows = [(escape(m.get("doc", "")), escape(m.get("outlet") or "(unknown)"), _n(m.get("line", 0)),
                 f"{m.get('similarity', 0):.2f}", f'<div class="text">{escape(m.get("text", ""))}</div>')
                for m in c["members"]]
        more = c["size"] - len(c["members"])
        largest.append(f"<h3>Cluster {c['cluster']}: {c['size']} paragraphs</h3>"
                       + _table(("document", "outlet", "line", "similarity", "text"), rows, (2, 3))
                       + (f'<p class="muted">… and {_n(more)} more members in duplicates.jsonl</p>'
                          if more > 0 else ""))
    return ('<section id="duplicates"><h2>Near-duplicates</h2>'
            f'<div class="cards">{"".join(cards)}</div><h3>Cluster sizes (paragraphs per cluster)</h3>'
            + column_chart(buckets, label="clusters by size")
            + "<h3>Which outlets copy which</h3><p class=\"muted\">Paragraphs kept in one outlet and found again in "
            "another (the kept paragraph's outlet first).</p>"
            + bar_chart([(f"{a} → {b}", n) for (a, b), n in pairs], label="copies between outlets", color=_GREEN)
            + matrix + "<h3>Largest clusters</h3>" + "".join(largest) + "</section>")


def _emptied(r: dict[str, Any]) -> str:
    outlets = r["outlets"]
    per = sorted(((k, v["emptied"]) for k, v in outlets.items() if v["emptied"]), key=lambda kv: (-kv[1], kv[0]))
    ex = [(escape(e["doc"]), escape(e["outlet"]), f'<div class="text">{escape(e["text"])}</div>')
          for e in r.get("emptied", [])]
    return ('<section id="emptied"><h2>Documents emptied</h2>'
            f'<p>{_n(r["documents"]["emptied"])} of {_n(r["documents"]["in"])} documents were cleaned to nothing.</p>'
            + bar_chart(per[:CHART_ROWS], label="documents emptied per outlet", color=_ORANGE)
            + ("<h3>Examples (the start of their input)</h3>" + _table(("document", "outlet", "input"), ex)
               if ex else "")
            + "</section>")


def _failures(r: dict[str, Any]) -> str:
    f = r.get("failures", [])
    total = max(r.get("failures_total", len(f)), len(f))
    rows = [(escape(x["path"]), _n(x["line"]) if "line" in x else "", escape(x["reason"])) for x in f[:FAILURE_ROWS]]
    notes = r.get("notes", [])
    note_rows = [(escape(x["path"]), escape(x["note"])) for x in notes[:FAILURE_ROWS]]
    return ('<section id="failures"><h2>Failures</h2>'
            + (_table(("file", "line", "reason"), rows, (1,)) if rows else "<p>None: every file and record went "
               "through.</p>")
            + _more(len(rows), total, "failures (every one is in rejected.jsonl)")
            + ("<h3>Notes</h3>" + _table(("file", "note"), note_rows)
               + _more(len(note_rows), max(r.get("notes_total", len(notes)), len(notes)), "notes") if notes else "")
            + "</section>")


OVERVIEW_ROWS = 10


def _overview(r: dict[str, Any], cs: ClusterSummary | None) -> str:
    """The first screen: four small charts (details below)."""
    w = 560
    rules = sorted(r["rules"].items(), key=lambda kv: (-kv[1]["bytes_removed"], kv[0]))[:OVERVIEW_ROWS]
    outlets = sorted(r["outlets"].items(), key=lambda kv: (-kv[1]["bytes"]["in"], kv[0]))[:OVERVIEW_ROWS]
    charts = [
        ("Bytes removed per rule", bar_chart([(k, v["bytes_removed"]) for k, v in rules if v["bytes_removed"]],
                                             label="bytes removed per rule (top 10)", fmt=_bytes, color=_ORANGE,
                                             width=w)),
        ("Kept and removed per outlet", stacked_chart(
            [(k, v["bytes"]["out"], v["bytes"]["in"] - v["bytes"]["out"]) for k, v in outlets],
            label="bytes kept and removed per outlet (top 10)", names=("kept", "removed"), width=w)),
    ]
    if cs is not None:
        charts.append(("Near-duplicate clusters by size", column_chart(_size_buckets(cs), label="clusters by size",
                                                                       width=w)))
        charts.append(("Copies between outlets", bar_chart(
            [(f"{a} → {b}", n) for (a, b), n in cs.copies.most_common(OVERVIEW_ROWS)],
            label="copies between outlets (top 10)", color=_GREEN, width=w)))
    cells = "".join(f"<div><h3>{escape(t)}</h3>{c}</div>" for t, c in charts)
    return f'<section id="overview"><h2>Overview</h2><div class="grid">{cells}</div></section>'


def _size_buckets(cs: ClusterSummary) -> list[tuple[str, float]]:
    buckets: list[tuple[str, float]] = []
    for i, lo in enumerate(SIZE_BUCKETS):
        hi = SIZE_BUCKETS[i + 1] if i + 1 < len(SIZE_BUCKETS) else None
        n = sum(c for s, c in cs.sizes.items() if s >= lo and (hi is None or s < hi))
        name = str(lo) if hi == lo + 1 else f"{lo}+" if hi is None else f"{lo}–{hi - 1}"
        buckets.append((name, n))
    while buckets and buckets[-1][1] == 0:
        buckets.pop()
    return buckets


def render(report: dict[str, Any], clusters: ClusterSummary | None = None) -> str:
    """The page for a ``report.json`` and the summary of its ``duplicates.jsonl``."""
    title = f"newsclean report: {report.get('input', '')}"
    sections = [_summary(report), _overview(report, clusters), _rules(report), _outlets(report), _samples(report),
                _duplicates(report, clusters), _emptied(report), _failures(report)]
    nav = "".join(f'<a href="#{a}">{b}</a>' for a, b in (
        ("summary", "Summary"), ("overview", "Overview"), ("rules", "Per rule"), ("outlets", "Per outlet"),
        ("samples", "Before/after"),
        ("duplicates", "Near-duplicates"), ("emptied", "Emptied"), ("failures", "Failures")))
    sub = (f"{escape(str(report.get('input', '')))} → {escape(str(report.get('output', '')))} · newsclean "
           f"{escape(str(report.get('newsclean', '')))}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>newsclean run report</h1><p>{sub}</p></header><nav>{nav}</nav>"
            f"<main>{''.join(sections)}</main></body></html>\n")


def write_report_html(report_dir: Path, report: dict[str, Any] | None = None) -> Path:
    """Write ``report_dir/report.html`` from ``report`` (by default, ``report.json`` there) and
    ``duplicates.jsonl`` there."""
    if report is None:
        report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    dup = report_dir / "duplicates.jsonl"
    clusters = summarize_clusters(_read_jsonl(dup)) if report.get("dedup") is not None and dup.is_file() else None
    path = report_dir / "report.html"
    # A file name that is not UTF-8 holds lone surrogates (\udcXX): shown as that escape.
    with atomic_writer(path, errors="backslashreplace") as fh:
        fh.write(render(report, clusters))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m newsclean.report_html OUT/_newsclean\n")
        return 2
    sys.stdout.write(f"{write_report_html(Path(args[0]))}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
