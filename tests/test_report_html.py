"""report.html: one self-contained file with charts and tables, rendered by headless Chromium (Debian's
``chromium`` package; the browser tests skip without it) with no request leaving the file, bounded on
huge runs. ``NEWSCLEAN_UPDATE_SCREENSHOT=1`` also writes the README's screenshot, docs/report-html.png."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import write_corpus
from newsclean.cli import main
from newsclean.report_html import CSP, render, summarize_clusters

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason="headless Chromium not installed (apt-get install chromium)")

#: Flags for a quiet, offline browser: no sandbox (root), no GPU, nothing of its own on the network
#: (and every host name but 127.0.0.1 unresolvable, so nothing it tries can leave the machine).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
         "--disable-extensions", "--no-pings", "--disable-domain-reliability", "--dns-prefetch-disable",
         "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def chromium(tmp: Path, page: Path, *action: str) -> tuple[str, list[str]]:
    """Load ``page`` in a fresh profile; return stdout and the URLs of requests the page made (from
    Chromium's network log; the browser's own service requests are left out)."""
    assert CHROMIUM is not None
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    netlog = profile.with_suffix(".netlog.json")
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}", *action,
                           page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    requests = []
    for e in log["events"]:
        p = e.get("params") or {}
        # requests of a file:// page carry its (opaque) origin; the browser's own service requests do not
        if (types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p and p.get("initiator") != "not an origin"
                and "google.com" not in str(p.get("network_isolation_key"))):
            requests.append(p["url"])
    return proc.stdout, requests


class _Probe(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        _Probe.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def probe() -> Iterator[int]:
    """A server on 127.0.0.1 that counts the requests it gets (only ever from this test's browser)."""
    _Probe.hits = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run on generated news (no real article text): outlets, boilerplate of every kind,
    near-duplicates across outlets, a rejected record and an unreadable file."""
    base = tmp_path_factory.mktemp("report")
    write_corpus(base / "gen", 3000, seed=3)
    src = base / "gen" / "corpus"
    with open(next(src.glob("*.jsonl")), "a", encoding="utf-8") as fh:
        fh.write('{"id": "bad", "text": 42}\n')
    (src / "broken.jsonl.gz").write_bytes(b"not gzip")
    here = Path.cwd()
    os.chdir(base)  # relative paths in the report's header
    try:
        assert main(["gen/corpus", "out", "--quiet", "--jobs", "1"]) == 1
    finally:
        os.chdir(here)
    return base / "out" / "_newsclean"


def test_the_cli_writes_a_self_contained_report(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert f'http-equiv="Content-Security-Policy" content="{CSP}"' in html and "default-src 'none'" in CSP
    # nothing that could load anything: no scripts, links, images, frames, CSS imports or urls
    assert not re.search(r"<(script|link|img|iframe|object|embed|audio|video|source)\b|@import|url\(", html, re.I)
    assert set(re.findall(r"(?:https?|wss?|ftp)://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}  # xmlns
    for section in ("summary", "overview", "rules", "outlets", "samples", "duplicates", "emptied", "failures"):
        assert f'<section id="{section}">' in html
    assert "cannot read" in html and "broken.jsonl.gz" in html  # the failure is listed
    assert html.count("<svg") >= 8 and html.count("<table") >= 5


@needs_chromium
def test_chromium_renders_charts_and_tables_offline(report_dir: Path, tmp_path: Path) -> None:
    dom, requests = chromium(tmp_path, report_dir / "report.html", "--dump-dom")
    assert requests == []
    assert dom.count("<svg") >= 8 and dom.count("<rect") >= 40 and dom.count("<table") >= 5
    assert "Near-duplicate clusters by size" in dom and "Before and after, per rule" in dom
    shot = tmp_path / "report.png"
    _, requests = chromium(tmp_path, report_dir / "report.html", "--window-size=1280,1100",
                           f"--screenshot={shot}")
    assert requests == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 1280 and len(data) > 50_000
    if os.environ.get("NEWSCLEAN_UPDATE_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / "report-html.png")


@needs_chromium
def test_the_policy_blocks_a_request_that_would_leave(report_dir: Path, tmp_path: Path, probe: int) -> None:
    """With the report's own head, even an injected image, stylesheet and frame pointing at a local
    server load nothing; without the policy the same page does reach it (so the probe works)."""
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    bait = (f'<img src="http://127.0.0.1:{probe}/img.png"><iframe src="http://127.0.0.1:{probe}/frame"></iframe>'
            f'<link rel="stylesheet" href="http://127.0.0.1:{probe}/style.css">')
    guarded = tmp_path / "guarded.html"
    guarded.write_text(html.replace("<main>", "<main>" + bait), encoding="utf-8")
    _, requests = chromium(tmp_path, guarded, "--dump-dom")
    assert requests == [] and _Probe.hits == []
    open_page = tmp_path / "open.html"
    open_page.write_text(re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", html)
                         .replace("<main>", "<main>" + bait), encoding="utf-8")
    _, requests = chromium(tmp_path, open_page, "--dump-dom")
    assert _Probe.hits and any(f"127.0.0.1:{probe}" in u for u in requests)


def test_a_huge_run_gives_a_bounded_page() -> None:
    rules = {f"rules:learned.o{i}.line{j}": {"count": 5, "lines_dropped": 5, "chars_removed": 90, "bytes_removed": 90}
             for i in range(1000) for j in range(5)}
    outlets = {f"outlet{i}.com": {"documents": 10, "emptied": 1, "lines": {"in": 100, "out": 80},
                                  "bytes": {"in": 5000, "out": 4000}, "lines_dropped": 20, "spans_cut": 0,
                                  "rules": {k: {"count": 1, "lines_dropped": 1, "bytes_removed": 9}
                                            for k in list(rules)[i % 50: i % 50 + 5]}}
               for i in range(20_000)}
    samples = {k: [{"doc": "d", "line": 1, "action": "drop_line", "before": "x" * 300, "after": None}] * 3
               for k in rules}
    report = {"newsclean": "0", "input": "in", "output": "out", "options": {}, "files": 1, "files_failed": 0,
              "documents": {"in": 200_000, "out": 180_000, "emptied": 20_000, "rejected_records": 0},
              "lines": {"in": 2_000_000, "out": 1_600_000}, "bytes": {"in": 10**9, "out": 8 * 10**8},
              "rules": rules, "outlets": outlets, "samples": samples,
              "failures": [{"path": f"f{i}", "reason": "cannot read"} for i in range(50_000)],
              "emptied": [{"doc": "d", "outlet": "o", "text": "t" * 240}] * 20,
              "dedup": {"mode": "report", "clusters": 300_000, "cross_document_clusters": 1, "paragraphs_duplicate": 1,
                        "paragraphs_dropped": 0, "documents": [], "stats": {}}, "timings": {}}
    clusters = ({"cluster": c, "size": 2 + c % 300, "kept": {"doc": f"d{c}", "line": 0},
                 "members": [{"doc": f"d{c}", "line": k, "text": "wire " * 200, "similarity": 1.0,
                              "outlet": f"outlet{(c + k) % 40}.com"} for k in range(2 + c % 300)]}
                for c in range(3000))
    page = render(report, summarize_clusters(clusters))
    assert len(page.encode()) < 3_000_000
    assert "5,000 rules" in page or "150 of 5,000" in page
    assert len(re.findall(r"<h3>Cluster \d+: ", page)) == 10
