"""The near-duplicate kernels' Python path (:mod:`newsclean.dedup.jit`, taken by small inputs without
importing numba) gives what the compiled kernels give, bit for bit: signatures, clusters, dropped
paragraphs, document pairs and counts, on random corpora forced down both paths; and the command line
on a small input writes the same bytes either way without importing numba."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newsclean
from newsclean.dedup import DedupConfig, NearDuplicateIndex, jit, paragraphs
from newsclean.dedup import index as index_module
from newsclean.dedup.candidates import _sorted_band
from newsclean.dedup.fragments import _grams
from newsclean.dedup.shingles import ShingleOptions
from newsclean.dedup.signatures import sketch
from newsclean.dedup.verify import _cover, _gram, _scratch, all_grams

SRC = str(Path(newsclean.__file__).resolve().parent.parent)
SEEDS = Path(__file__).resolve().parents[1] / "seeds"

WORDS = ("rusia ukraina moskow krimea pasukan sanksi menteri katanya perang damai nato tahun harga cabai "
         "naik pasar induk pedagang warga jakarta pemerintah presiden dolar rupiah").split()
# Code points outside the compiled normalizer's fast path too (Arabic, CJK, combining marks, emoji).
ODD = ["Ａｂｃ", "café", "cafe\u0301", "ﷺ", "北京", "😀", "İstanbul", "ǅ", "Straße", "“kutipan”", "—", "\u00a0"]

word = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS).map(str.upper), st.sampled_from(ODD),
                 st.integers(0, 2025).map(str))
fresh = st.lists(word, min_size=1, max_size=40).map(" ".join)


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[str, str, Any, str]]:
    """Documents ``(key, text, date, outlet)`` whose paragraphs are fresh, exact copies of earlier
    ones, edited copies (words changed, cut short), parts of earlier ones copied into longer ones,
    or short lines."""
    paras: list[str] = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["fresh", "fresh", "copy", "edit", "part", "contain", "short"]))
        if not paras or kind == "fresh":
            paras.append(draw(fresh))
            continue
        src = draw(st.sampled_from(paras)).split(" ")
        if kind == "copy":
            paras.append(" ".join(src))
        elif kind == "edit":
            for _ in range(draw(st.integers(1, 3))):
                src[draw(st.integers(0, len(src) - 1))] = draw(word)
            cut = draw(st.integers(max(1, len(src) // 2), len(src)))
            paras.append(" ".join(src[:cut]) + draw(st.sampled_from(["", ".", "!", " katanya."])))
        elif kind == "part":
            i = draw(st.integers(0, len(src) - 1))
            paras.append(" ".join(src[i:i + draw(st.integers(3, 20))]))
        elif kind == "contain":
            paras.append(f"{draw(fresh)} {' '.join(src)} {draw(fresh)}")
        else:
            paras.append(" ".join(src[:3]))
    ndocs = draw(st.integers(1, 6))
    docs: dict[int, list[str]] = {}
    for p in paras:
        docs.setdefault(draw(st.integers(0, ndocs - 1)), []).append(p)
    dates = st.one_of(st.none(), st.sampled_from(["2024-01-02", "2023-12-31", "2024-01-02T10:00:00", "bukan tanggal"]))
    return [(f"d{k}", "\n".join(v), draw(dates), f"o{draw(st.integers(0, 2))}") for k, v in sorted(docs.items())]


def _run(docs: list[tuple[str, str, Any, str]], cfg: DedupConfig, path: str,
         monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[bool]]:
    """Everything the index reports, with ``path`` forced; and the paths its stages took."""
    taken: list[bool] = []
    original = index_module.band_slots

    def spy(*args: Any, **kwargs: Any) -> Any:
        taken.append(jit.python_path())
        return original(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(index_module, "band_slots", spy)
        m.setenv("NEWSCLEAN_KERNELS", path)
        index = NearDuplicateIndex(cfg)
        for key, text, date, outlet in docs:
            index.add_document(key, paragraphs(text), date=date, outlet=outlet)
        res = index.finish()
    return {"rows": [c.to_json_row() for c in res.clusters], "dropped": res.dropped,
            "documents": [(d.docs, d.coverage, d.shared_paragraphs) for d in res.documents],
            "stats": res.stats}, taken


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                HealthCheck.function_scoped_fixture])
@given(corpora(), st.sampled_from(["first", "earliest", "longest", "outlet"]), st.booleans(),
       st.sampled_from([0.55, 0.3, 0.9]))
def test_the_python_path_finds_what_numba_finds(monkeypatch: pytest.MonkeyPatch, docs: list[tuple[str, str, Any, str]],
                                                keep: str, fragments: bool, threshold: float) -> None:
    cfg = DedupConfig(keep=keep, fragments=fragments, threshold=threshold, keep_text=True,  # type: ignore[arg-type]
                      outlet_priority=("o2", "o0", "o1") if keep == "outlet" else ())
    compiled, on_numba = _run(docs, cfg, "numba", monkeypatch)
    python, on_python = _run(docs, cfg, "python", monkeypatch)
    assert python == compiled
    assert on_numba in ([False], []) and on_python in ([True], [])


def test_the_index_decides_by_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCLEAN_KERNELS", raising=False)
    line = "Harga cabai di pasar induk naik lagi pagi ini menurut pedagang nomor {}."
    for n, python in ((jit.SMALL_PARAGRAPHS, True), (jit.SMALL_PARAGRAPHS + 1, False)):
        docs = [(f"d{i}", line.format(i), None, "o") for i in range(n)]
        assert sum(len(t) for _, t, _, _ in docs) < jit.SMALL_CHARS
        _, taken = _run(docs, DedupConfig(keep_text=True), "auto", monkeypatch)
        assert taken == [python], n
    long = " ".join(line.format(i) for i in range(jit.SMALL_CHARS // len(line) + 1))  # one paragraph
    other = "Paragraf kedua yang cukup panjang untuk MinHash juga."
    size = jit.SMALL_CHARS - len(other)  # characters in all
    for text, python in ((long[:size], True), (long[:size + 1], False)):
        docs = [("a", text, None, "o"), ("b", other, None, "o")]
        _, taken = _run(docs, DedupConfig(keep_text=True), "auto", monkeypatch)
        assert taken == [python], len(text)
    assert jit.use_python(False) is False and jit.use_python(True) is True
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "numba")
    assert jit.use_python(True) is False
    monkeypatch.setenv("NEWSCLEAN_KERNELS", "python")
    assert jit.use_python(False) is True


texts = st.lists(st.lists(st.sampled_from([*" abcdeAB.,!\n\t-1", *ODD, "é", "\ud800", "\u0301"]),
                          max_size=40).map("".join), max_size=30)


@settings(max_examples=80, deadline=None)
@given(texts, st.sampled_from([ShingleOptions(), ShingleOptions(kind="word", size=3), ShingleOptions(size=1),
                               ShingleOptions(kind="word", size=1), ShingleOptions(size=2, strip_punctuation=False)]),
       st.booleans())
def test_signatures_on_the_python_path_are_the_kernels(batch: list[str], opts: ShingleOptions,
                                                       normalized: bool) -> None:
    compiled = sketch(batch, opts, normalized=normalized)
    with jit.python_kernels():
        python = sketch(batch, opts, normalized=normalized)
    for name in compiled.__dataclass_fields__:
        a, b = getattr(compiled, name), getattr(python, name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name
        else:
            assert a == b, name


def test_signatures_on_the_python_path_equal_datasketch() -> None:
    datasketch = pytest.importorskip("datasketch")
    from newsclean.dedup.shingles import normalize, shingles_of_normalized
    from newsclean.dedup.signatures import murmur3_32

    batch = ["Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina.", "北京 café ﷺ", "", "a"]
    with jit.python_kernels():
        got = sketch(batch).signatures
    for i, t in enumerate(batch):
        m = datasketch.MinHash(num_perm=128, seed=1, hashfunc=murmur3_32)
        for s in shingles_of_normalized(normalize(t)):
            m.update(s.encode("utf-8"))
        assert np.array_equal(got[i], m.hashvalues.astype(np.uint32)), t


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**31))
def test_the_band_sort_on_the_python_path_is_the_kernel(n: int, rows: int, values: int, seed: int) -> None:
    sig = np.random.default_rng(seed).integers(0, values, (n, 2 * rows), dtype=np.uint16)
    bits = max(1, (n - 1).bit_length())
    for start in (0, rows):
        compiled = _sorted_band(sig, start, rows, bits)
        with jit.python_kernels():
            python = _sorted_band(sig, start, rows, bits)
        assert python.dtype == compiled.dtype and np.array_equal(python, compiled)


def _tokens(draw: st.DrawFn, size: int) -> np.ndarray:
    return np.array(draw(st.lists(st.integers(0, 5), min_size=0, max_size=size)), np.uint32)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1, 4), st.integers(-1, 30), st.integers(1, 6), st.integers(0, 20), st.integers(0, 8),
       st.booleans())
def test_cover_and_grams_on_the_python_path_are_the_kernels(data: st.DataObject, run: int, need: int, long_run: int,
                                                            long_need: int, gap: int, distinct: bool) -> None:
    """Token runs from a small vocabulary: many shared runs, repeats, gaps."""
    a = _tokens(data.draw, 60)
    b = np.concatenate([_tokens(data.draw, 20), a[data.draw(st.integers(0, a.size)):], _tokens(data.draw, 20)])
    head, nxt, used = _scratch(max(b.size, 1))
    compiled = int(_cover(a, b, run, need, long_run, long_need, gap, head, nxt, used))
    with jit.python_kernels():
        python = int(_cover(a, b, run, need, long_run, long_need, gap, head, nxt, used))
    assert python == compiled
    lo = data.draw(st.integers(0, b.size))
    hi = data.draw(st.integers(lo, b.size))
    out_c = np.zeros(max(b.size, 1), np.uint32)
    out_p = np.zeros(max(b.size, 1), np.uint32)
    d_c = int(_grams(b, lo, hi, run, out_c, distinct))
    with jit.python_kernels():
        d_p = int(_grams(b, lo, hi, run, out_p, distinct))
    assert d_p == d_c and np.array_equal(out_p[:d_p], out_c[:d_c])
    assert all_grams(b, run).tolist() == [int(_gram(b, j, run)) for j in range(b.size - run + 1)]


def test_every_python_form_is_compared_here() -> None:
    assert {k.__name__ for k in jit.PYTHON_FORMS} == {"_sorted_band", "_cover", "_grams"}


def test_the_python_path_never_calls_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the Python path no kernel reaches its dispatcher, not even one called by another kernel."""
    def refuse(self: jit.Kernel) -> Any:
        raise AssertionError(f"{self!r} compiled on the Python path")

    monkeypatch.setattr(jit.Kernel, "dispatcher", property(refuse))
    docs = [(f"d{i}", "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina, kata menteri.\n"
             f"Paragraf {i} lain yang sama sekali berbeda isinya, kata warga.", None, "o") for i in range(3)]
    docs.append(("long", "Awal yang baru. Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina, kata "
                         "menteri. Dan seterusnya panjang sekali.", None, "o"))
    result, taken = _run(docs, DedupConfig(keep_text=True), "python", monkeypatch)
    assert taken == [True] and result["rows"]


_PROBE = """
import json, sys
from newsclean.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "numba": "numba" in sys.modules}))
"""


def _cli(args: list[str], tmp: Path, kernels: str | None) -> dict[str, Any]:
    env = {**os.environ, "NEWSCLEAN_CACHE": str(tmp / "cache"),
           "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    env.pop("NEWSCLEAN_KERNELS", None)
    if kernels is not None:
        env["NEWSCLEAN_KERNELS"] = kernels
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args, "--quiet"], capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _outputs(out: Path) -> dict[str, bytes | Any]:
    got: dict[str, bytes | Any] = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name not in ("report.json", "report.html", ".run.json"):
            got[str(p.relative_to(out))] = p.read_bytes()
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    report.pop("timings")
    report.pop("output")
    got["report.json"] = report
    return got


@pytest.mark.parametrize("args", [[], ["--dedup", "drop", "--keep", "longest", "--explain", "--jobs", "2"]])
def test_the_command_line_writes_the_same_bytes_on_either_path(tmp_path: Path, args: list[str]) -> None:
    """The seeds (small: the Python path by default) give the same outputs, duplicates.jsonl and
    report.json (timings aside) as with numba forced, in one process and with two workers (which
    sketch); numba is imported only when forced."""
    runs = {}
    for kernels in (None, "numba", "python"):
        out = tmp_path / f"out-{kernels}"
        result = _cli([str(SEEDS), str(out), *args], tmp_path, kernels)
        assert result["code"] == 0
        assert result["numba"] == (kernels == "numba")
        runs[kernels] = _outputs(out)
    assert runs[None]["_newsclean/duplicates.jsonl"], "the seeds hold near-duplicate paragraphs"
    assert runs[None] == runs["numba"] == runs["python"]
