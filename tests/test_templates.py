"""Corpus templates (newsclean.templates): keys, guards, scopes, the cleaner, and runs learning them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, Pipeline
from newsclean.cli import main
from newsclean.report import report_schema
from newsclean.templates import (
    _READER_RE,
    DEFAULT_OPTIONS,
    MAX_SEGMENT_CHARS,
    TemplateCleaner,
    TemplateMiner,
    _is_prompt,
    is_candidate,
    is_fragment,
    is_prompt,
    last_segment,
    learn_templates,
    network_of,
    template_key,
)

WORDS = ("pemerintah warga harga pasar kota desa polisi sekolah jalan banjir panen petani listrik air rumah menteri "
         "presiden rapat anggaran proyek kereta bandara pelabuhan nelayan guru murid dokter bupati camat").split()


def story(k: int) -> list[str]:
    """Three long paragraphs of story k, its own words (different stories share no paragraph)."""
    rng = random.Random(k)
    return [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + ", kata pejabat setempat." for _ in range(3)]


def doc(site: str, lines: list[str], title: str | None = None, k: int = 0) -> Document:
    meta = {"outlet": site, **({"title": title} if title else {})}
    return Document("\n".join(lines), id=f"{site}-{k}", metadata=meta)


def test_keys_normalize_what_changes_between_copies() -> None:
    assert template_key("Diperbarui 18 Jun 2025, 14:05 WIB") == template_key("Diperbarui 2 Juli 2024, 09:30 WIB")
    assert template_key("12 Comments") == template_key("3 comments")
    assert template_key("Follow @kompascom at https://x.com/a") == template_key("Follow @detikcom at https://x.com/b")
    assert template_key("Baca juga") != template_key("Baca berita")


def test_guards_keep_quotes_sentences_and_fragments_out() -> None:
    assert not is_candidate("“Kami siap,” katanya.")
    assert not is_candidate("Polisi menangkap tiga tersangka di Bekasi pada Senin malam setelah laporan warga.")
    assert is_candidate("Ikuti berita terkini dari Contoh.com di Google News, klik di sini untuk bergabung.")
    assert not is_candidate("— Donald J. Trump (@realDonaldTrump) July 16, 2018")
    assert is_fragment("Timnas Indonesia", "sudah bisa kembali bermain")
    assert last_segment("Harga naik. Ikuti berita di Google News.") == (11, "Ikuti berita di Google News.")


def test_a_line_every_article_of_a_site_repeats_is_learned_and_dropped() -> None:
    docs = [doc("contoh.com", ["Redaksi Contoh Edisi Pagi", *story(k)], k=k) for k in range(20)]
    docs += [doc("lain.com", story(k + 50), k=k) for k in range(20)]
    t = learn_templates(docs)
    assert [r["text"] for r in t.to_json()] == ["Redaksi Contoh Edisi Pagi"]
    assert t.to_json()[0]["scope"] == "site" and t.to_json()[0]["docs"] == 20
    p = Pipeline.default(templates=t, line_model=False)
    res = p.explain(doc("contoh.com", ["Redaksi Contoh Edisi Pagi", *story(99)]))
    assert [(c.rule, c.removed) for c in res.changes if c.cleaner == "templates"] == \
        [("template.site", "Redaksi Contoh Edisi Pagi")]
    # Another site's article with the same line keeps it: the template is the site's.
    other = Pipeline.default(templates=t, line_model=False).clean(doc("lain.com", ["Redaksi Contoh Edisi Pagi",
                                                                                 *story(98)]))
    assert other.startswith("Redaksi Contoh Edisi Pagi")


def test_a_subheading_every_copy_of_one_story_repeats_is_not_learned() -> None:
    # 20 copies of one story on 20 sites: its subheading and title repeat, but it is one story.
    docs = [doc(f"s{k}.com", ["Jalannya Pertandingan Babak Pertama", *story(1)], title="Judul Berita", k=k)
            for k in range(20)]
    assert len(learn_templates(docs)) == 0


def test_the_title_is_never_a_template() -> None:
    docs = [doc("contoh.com", ["Harga Cabai Naik Lagi", *story(k)], title="Harga Cabai Naik Lagi", k=k)
            for k in range(20)]
    assert len(learn_templates(docs)) == 0


def test_networks_and_lines_across_sites() -> None:
    assert network_of("kupang.tribunnews.com") == network_of("jateng.tribunnews.com") == "tribunnews.com"
    docs = []
    for s, site in enumerate(("kupang.jaringan.com", "jateng.jaringan.com")):
        docs += [doc(site, [*story(100 * s + k), "Simak Artikel Jaringan Lainnya"], k=k) for k in range(10)]
    for s in range(6):
        docs += [doc(f"situs{s}.com", [*story(1000 + 10 * s + k), "Memuat data cuaca"], k=k) for k in range(2)]
    t = learn_templates(docs)
    scopes = {r["text"]: r["scope"] for r in t.to_json()}
    assert scopes == {"Simak Artikel Jaringan Lainnya": "network", "Memuat data cuaca": "cross"}
    # The network's line applies to a site of the network that was not in the corpus, not to others.
    (h,) = t.network["jaringan.com"]
    assert t.scope_of(h, "bali.jaringan.com") == "network" and t.scope_of(h, "situs0.com") is None


def test_closing_sentences_that_address_the_reader_are_cut_inline() -> None:
    promo = "Klik Contoh Plus untuk cerita lengkap lainnya."  # no rule knows it
    docs = [doc("contoh.com", [*story(k)[:-1], story(k)[-1] + " " + promo], k=k) for k in range(20)]
    t = learn_templates(docs)
    assert [(r["kind"], r["text"]) for r in t.to_json()] == [("segment", promo)]
    last = story(77)[-1]
    p = Pipeline.default(templates=t, line_model=False)
    out = p.explain(doc("contoh.com", [*story(77)[:-1], last + " " + promo]))
    assert out.text.split("\n")[-1] == last
    assert [c.rule for c in out.changes if c.cleaner == "templates"] == ["template.site.sentence"]


def test_a_sample_gives_the_miner_documents_in_input_order() -> None:
    a, b = TemplateMiner(), TemplateMiner()
    for k in range(30):
        a.add("x.com", "\n".join(["Baris Tetap Situs X", *story(k)]))
    for k in range(30):
        b.add("x.com", "\n".join(["Baris Tetap Situs X", *story(k)]))
    assert a.results() == b.results() and hash(a.results()) == hash(b.results())


def _corpus(tmp: Path) -> Path:
    src = tmp / "in"
    src.mkdir()
    rows = []
    for k in range(120):
        site = ("contoh.com", "lain.co.id", "ketiga.net")[k % 3]
        lines = [f"Edisi Khusus {site.split('.')[0].title()}", *story(k)]
        rows.append({"id": f"d{k}", "outlet": site, "title": f"Berita ke-{k}", "text": "\n".join(lines)})
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:60]), encoding="utf-8")
    (src / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[60:]), encoding="utf-8")
    return src


def test_a_run_learns_templates_by_default_with_the_same_output_for_any_jobs(tmp_path: Path) -> None:
    src = _corpus(tmp_path)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main([str(src), str(out), "--quiet", "--dedup", "off", "--jobs", jobs, "--explain"]) == 0
        outs.append({p.name: p.read_bytes() for p in sorted(out.glob("*.jsonl"))})
        report = json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))
        jsonschema.validate(report, report_schema())
        assert report["templates"]["documents"] == 120
        assert {r["text"] for r in report["templates"]["learned"]} == {"Edisi Khusus Contoh", "Edisi Khusus Lain",
                                                                       "Edisi Khusus Ketiga"}
        assert report["rules"]["templates:template.site"]["lines_dropped"] == 120
    assert outs[0] == outs[1]
    cleaned = [json.loads(x)["text"] for x in outs[0]["a.jsonl"].decode().splitlines()]
    assert not any(t.startswith("Edisi Khusus") for t in cleaned)


def test_templates_off_and_below_the_corpus_size(tmp_path: Path) -> None:
    src = _corpus(tmp_path)
    out = tmp_path / "off"
    assert main([str(src), str(out), "--quiet", "--dedup", "off", "--templates", "off"]) == 0
    assert json.loads((out / "_newsclean" / "report.json").read_text(encoding="utf-8"))["templates"] is None
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.jsonl").write_bytes((src / "a.jsonl").read_bytes().splitlines(keepends=True)[0] * 1)
    out2 = tmp_path / "small_out"
    assert main([str(small), str(out2), "--quiet", "--dedup", "off"]) == 0
    assert json.loads((out2 / "_newsclean" / "report.json").read_text(encoding="utf-8"))["templates"] is None


def test_template_cleaner_keeps_what_it_does_not_know() -> None:
    t = learn_templates([doc("contoh.com", ["Redaksi Contoh Edisi Pagi", *story(k)], k=k) for k in range(20)])
    lines: list[str | None] = list(story(5))
    assert TemplateCleaner(t).run(lines, doc("contoh.com", story(5))) == []
    assert lines == story(5)


READER_EDGES = ["Ikuti", "ikuti", "you", "You", "Anda", "klik", "\u212alik", "\u0130kuti", "xyou", "youx", "tap",
                "tetap", "Harga", "naik", "berita", "di", "Google", "News", "\u03a3", "1", "@x"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(READER_EDGES), min_size=1, max_size=60),
       st.lists(st.sampled_from([" ", ". ", ".", "! ", "? ", ", ", "\t", "  "]), min_size=60, max_size=60))
def test_a_closing_prompt_has_a_reader_word_in_the_tail_of_its_line(words: list[str], seps: list[str]) -> None:
    # The learning pass looks for a closing prompt in every long line without first testing the line's tail
    # for a reader word: a prompt holds one, and the tail holds the prompt (same templates learned).
    line = "".join(w + sep for w, sep in zip(words, seps)).strip()
    found = last_segment(line) if line else None
    if found is not None and is_prompt(found[1]):
        assert _READER_RE.search(line[-MAX_SEGMENT_CHARS - 10:].lower()) is not None


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(READER_EDGES + [" ", ".", '"', "\u201c", "(@x)", "a"]), min_size=0, max_size=40)
       .map("".join))
def test_the_learning_pass_s_prompt_test_is_is_prompt(s: str) -> None:
    assert _is_prompt(s, DEFAULT_OPTIONS) == is_prompt(s)


def test_a_lone_surrogate_is_counted_and_a_bad_document_leaves_no_trace() -> None:
    # A library caller may feed raw text: a lone surrogate (valid in JSON input) is counted like any other
    # code point, and a document that raises leaves the miner as it was.
    m = TemplateMiner()
    for k in range(20):
        m.add("contoh.com", "\n".join(["Redaksi Contoh Edisi Pagi \ud800", *story(k)]))
        if k == 3:
            with pytest.raises(TypeError, match="text must be a str"):
                m.add("rusak.com", None)  # type: ignore[arg-type]
    assert m.documents == 20
    t = m.results()
    assert t.documents == 20 and set(t.site_docs) == {"contoh.com"}
    assert [r["text"] for r in t.to_json()] == ["Redaksi Contoh Edisi Pagi \ud800"]
