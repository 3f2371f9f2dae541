"""newsclean inside other people's code: pickling (multiprocessing, any start method), a process
that forks after near-duplicate detection, threads, calling a pipeline, unpacking a result, user
text cleaners (once per document, never re-applied unless idempotent), blank lines and CRLF,
pandas and Hugging Face datasets."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsclean import BlankLines, Document, Pipeline, RuleCleaner, line_filter, replay, text_cleaner
from newsclean.document import Cleaned

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = Pipeline.default(lang="id")
TEXT = "JAKARTA, KOMPAS.com - Harga cabai naik.\nBaca Juga: Harga Bawang Turun\nPedagang mengeluh."
CLEAN = "Harga cabai naik.\nPedagang mengeluh."


@line_filter("no_shouting")
def shouting(line: str) -> bool:
    return line.isupper()


@text_cleaner
def sign_off(text: str) -> str:
    return text + "\n-- diperiksa"


CALLS: list[str] = []


def counting(text: str) -> str:
    CALLS.append(text)
    return text.replace("naik", "NAIK")


def _clean_in_child(text: str) -> str:
    return DEFAULT(text)


def _run(code: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (a hang or a killed child must not take pytest along)."""
    import newsclean

    # the newsclean this test process imported (the source tree or the installed package)
    here = str(Path(newsclean.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("NUMBA_THREADING_LAYER", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


# -- pickling -------------------------------------------------------------------------------------

def test_pipelines_and_cleaners_pickle_and_clean_the_same() -> None:
    p = Pipeline.default(lang="id", extra=[shouting, sign_off])
    p.clean(TEXT)  # compiled state must not get in the way
    for obj in (p, RuleCleaner(), DEFAULT, BlankLines(mode="collapse")):
        copy = pickle.loads(pickle.dumps(obj))
        assert type(copy) is type(obj)
    q = pickle.loads(pickle.dumps(p))
    assert q.explain(TEXT + "\nHALO") == p.explain(TEXT + "\nHALO")
    assert q.clean("Satu.\nHALO") == "Satu.\n-- diperiksa"


def test_a_spawned_pool_cleans_with_a_pipeline_sent_to_it() -> None:
    ctx = mp.get_context("spawn")
    p = Pipeline.default(lang="id", extra=[shouting])
    with ctx.Pool(2) as pool:
        out = pool.map(p, [TEXT, "Satu.\nHALO"] * 2)  # the pipeline itself is the mapped function
        out2 = pool.map(_clean_in_child, [TEXT])
    assert out == [CLEAN, "Satu."] * 2
    assert out2 == [CLEAN]


# -- fork and threads after near-duplicate detection ----------------------------------------------

def test_a_pool_forked_after_find_duplicates_runs_dedup_in_its_children() -> None:
    """numba on GNU OpenMP terminates a child forked after the parent ran a parallel kernel (and the
    Pool then waits forever); newsclean's threading layer choice makes this work."""
    r = _run("""
        import multiprocessing as mp
        from newsclean.dedup import find_duplicates
        DOCS = [(f"d{i}", "Satu paragraf yang cukup panjang untuk MinHash di sini, nomor %d.\\nLain." % (i % 5))
                for i in range(200)]
        def work(k):
            return len(find_duplicates(DOCS).clusters)
        if __name__ == "__main__":
            n = len(find_duplicates(DOCS).clusters)
            with mp.get_context("fork").Pool(2) as pool:
                print(n, pool.map_async(work, range(4)).get(timeout=120))
    """)
    assert r.returncode == 0, r.stderr
    parent, children = r.stdout.split(" ", 1)
    assert int(parent) >= 2 and children.strip() == "[" + ", ".join([parent] * 4) + "]"


def test_threads_may_run_dedup_at_the_same_time() -> None:
    r = _run("""
        import threading
        from newsclean.dedup import find_duplicates
        DOCS = [(f"d{i}", "Satu paragraf yang cukup panjang untuk MinHash di sini, nomor %d.\\nLain %d." % (i % 7, i))
                for i in range(2000)]
        out = []
        def work():
            for _ in range(3):
                out.append(len(find_duplicates(DOCS).clusters))
        ts = [threading.Thread(target=work) for _ in range(4)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        print(sorted(set(out)), len(out))
    """)
    assert r.returncode == 0, r.stderr
    counts, runs = r.stdout.split("] ")
    assert runs.strip() == "12" and counts.count(",") == 0  # every run found the same clusters


# -- calling, unpacking -----------------------------------------------------------------------------

def test_calling_a_pipeline_cleans() -> None:
    assert DEFAULT(TEXT) == CLEAN
    doc = Document(TEXT, id="a1", metadata={"outlet": "kompas.com"})
    out = DEFAULT(doc)
    assert isinstance(out, Document) and out.text == CLEAN and out.id == "a1" and out.outlet == "kompas.com"
    assert list(map(DEFAULT, [TEXT, "Satu."])) == [CLEAN, "Satu."]
    text, changes = DEFAULT.explain(TEXT)
    assert text == CLEAN and [c.rule for c in changes] == ["id.related.line", "shared.dateline.prefix"]
    assert isinstance(DEFAULT.explain(TEXT), Cleaned)


# -- user text cleaners -------------------------------------------------------------------------------

def test_user_text_cleaners_run_once_per_document() -> None:
    CALLS.clear()
    p = Pipeline([counting])
    assert p("Harga naik.\nHarga naik lagi.\nTurun.") == "Harga NAIK.\nHarga NAIK lagi.\nTurun."
    assert CALLS == ["Harga naik.\nHarga naik lagi.\nTurun."]
    CALLS.clear()
    line_wise = Pipeline([text_cleaner(counting, line_wise=True)])
    assert line_wise("Harga naik.\nTurun.") == "Harga NAIK.\nTurun."
    assert CALLS == ["Harga naik.", "Turun."]


def test_a_non_idempotent_cleaner_is_applied_once_even_beside_the_built_ins() -> None:
    def exclaim(text: str) -> str:
        return text + "!"

    p = Pipeline.default(lang="id", extra=[exclaim])
    assert p("Harga naik.") == "Harga naik.!"
    # placed among the built-in text cleaners (which repeat until nothing changes), still once
    from newsclean.pipeline import DEFAULT_TEXT_CLEANERS

    q = Pipeline([DEFAULT_TEXT_CLEANERS[0], exclaim, *DEFAULT_TEXT_CLEANERS[1:]])
    assert q("Tom &amp; Jerry\u00ad  lari") == "Tom & Jerry lari!"
    line_wise = Pipeline([text_cleaner(exclaim, line_wise=True)])
    assert line_wise("a\nb") == "a!\nb!"


def test_a_cleaner_that_joins_lines_is_a_rewrite_and_replays() -> None:
    def one_line(text: str) -> str:
        return " ".join(text.split())

    p = Pipeline.default(lang="id", extra=[one_line])
    text = "Harga naik.\nBaca juga: Harga Turun\nPedagang mengeluh.\nSumber : Antara"
    r = p.explain(text)
    assert r.text == "Harga naik. Pedagang mengeluh."
    assert [c.action for c in r.changes if c.cleaner == "one_line"] == ["rewrite"]
    assert replay(text, r.changes) == r.text


# -- blank lines and line breaks ---------------------------------------------------------------------

def test_paragraph_breaks_and_crlf_can_be_kept() -> None:
    text = "\r\nHarga naik.\r\n\r\n\r\nBaca juga: Harga Turun\r\n\r\nPedagang mengeluh.\r\n  \r\n"
    assert DEFAULT(text) == "Harga naik.\nPedagang mengeluh."
    keep_breaks = Pipeline.default(lang="id", blank_lines="collapse")
    assert keep_breaks(text) == "Harga naik.\n\nPedagang mengeluh."
    crlf = Pipeline.default(lang="id", blank_lines="collapse", newline="keep")
    r = crlf.explain(text)
    assert r.text == "Harga naik.\r\n\r\nPedagang mengeluh."
    assert replay(text, r.changes, newline="keep") == r.text
    assert crlf("a\nb") == "a\nb"
    assert Pipeline.default(lang="id", blank_lines="keep")("a\n\n\nb") == "a\n\n\nb"
    assert Pipeline.default(newline="\r\n")("a\nb") == "a\r\nb"
    with pytest.raises(ValueError, match="blank_lines"):
        Pipeline([], blank_lines="squash")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="newline"):
        Pipeline([], newline="\t")  # type: ignore[arg-type]


# -- dataframe and dataset tools -----------------------------------------------------------------------

def test_pandas_series_map() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": [TEXT, "Satu.\nBaca juga: Dua"]})
    df["clean"] = df["text"].map(DEFAULT)
    assert df["clean"].tolist() == [CLEAN, "Satu."]


def test_datasets_map_with_two_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf"))
    ds = datasets.Dataset.from_dict({"text": [TEXT, "Satu.\nBaca juga: Dua"] * 4})
    p = Pipeline.default(lang="id")
    out = ds.map(lambda row: {"text": p(row["text"])}, num_proc=2)
    assert out["text"] == [CLEAN, "Satu."] * 4


def test_cli_keeps_paragraph_breaks_and_crlf_when_asked(tmp_path: Path) -> None:
    from newsclean.cli import main

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"Harga naik.\r\n\r\nBaca juga: Harga Turun\r\n\r\nPedagang mengeluh.\r\n")
    assert main([str(src), str(tmp_path / "o1"), "--quiet", "--dedup", "off"]) == 0
    assert (tmp_path / "o1" / "a.txt").read_bytes() == b"Harga naik.\nPedagang mengeluh.\n"
    assert main([str(src), str(tmp_path / "o2"), "--quiet", "--blank-lines", "collapse", "--newline", "keep"]) == 0
    assert (tmp_path / "o2" / "a.txt").read_bytes() == b"Harga naik.\r\n\r\nPedagang mengeluh.\r\n"


def test_cli_drop_with_paragraph_breaks_leaves_no_stray_blank_lines(tmp_path: Path) -> None:
    import json

    from newsclean.cli import main

    wire = "Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya."
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(f"Harga naik di pasar.\r\n\r\n{wire}\r\n".encode())
    (src / "b.txt").write_bytes(f"Warga mengeluh soal harga.\r\n\r\n{wire}\r\n\r\nPedagang diam.\r\n".encode())
    out = tmp_path / "out"
    assert main([str(src), str(out), "--quiet", "--dedup", "drop", "--blank-lines", "collapse", "--newline", "keep",
                 "--jobs", "1"]) == 0
    assert (out / "b.txt").read_bytes() == b"Warga mengeluh soal harga.\r\n\r\nPedagang diam.\r\n"
    report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
    assert report["bytes"]["out"] == sum(len((out / n).read_bytes()) - 2 for n in ("a.txt", "b.txt"))
    assert report["lines"]["out"] == 3 + 3
