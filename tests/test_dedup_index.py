"""NearDuplicateIndex: seeds, clusters, keep policies, JSON rows, config validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclean.dedup import DedupConfig, NearDuplicateIndex, ShingleOptions, find_duplicates, paragraphs

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

BASE = ("Pada tahun 2014, Rusia mencaplok Semenanjung Krimea Ukraina setelah penggulingan pemimpinnya "
        "yang bersahabat dengan Moskow dan mendukung pemberontakan separatis di timur negara itu.")
EDITED = BASE.replace("mendukung", "memberikan dukungannya di belakang") + " imbuhnya."
OTHER = "Ketegangan di Ukraina juga menjadi agenda utama pertemuan para menteri luar negeri Uni Eropa di Brest."


def seed_docs() -> list[tuple[str, str]]:
    docs = []
    for p in sorted(SEEDS.glob("*.txt")):
        # The cleaners remove "Baca Juga" promo lines before dedup; blank them, keeping line numbers.
        lines = ["" if ln.startswith("Baca Juga") else ln for ln in p.read_text(encoding="utf-8").split("\n")]
        docs.append((p.name, "\n".join(lines)))
    return docs


def test_seeds_report_exactly_the_two_wire_paragraphs() -> None:
    res = find_duplicates(seed_docs())
    cross = {tuple((m.doc[:3], m.line) for m in c.members) for c in res.cross_document_clusters()}
    assert cross == {(("000", 12), ("002", 17)), (("000", 13), ("003", 18))}
    assert res.documents == []


def test_cluster_row_format_and_dropped() -> None:
    idx = NearDuplicateIndex()
    idx.add_document("a.txt", [(0, BASE), (1, OTHER)])
    idx.add_document("b.txt", [(3, EDITED)])
    res = idx.finish()
    texts = {("a.txt", 0): BASE, ("a.txt", 1): OTHER, ("b.txt", 3): EDITED}
    row = res.clusters[0].to_json_row(lambda d, ln: texts[(d, ln)])
    assert set(row) == {"cluster", "size", "kept", "members"}
    assert row["cluster"] == 0 and row["size"] == 2 and row["kept"] == {"doc": "a.txt", "line": 0}
    assert [set(m) for m in row["members"]] == [{"doc", "line", "text", "similarity"}] * 2
    assert row["members"][0]["similarity"] == 1.0 and 0.45 <= row["members"][1]["similarity"] < 1.0
    assert res.dropped == {("b.txt", 3): 0}
    with pytest.raises(ValueError, match="text_of"):
        res.clusters[0].to_json_row()
    assert res.stats["paragraphs"] == 3 and res.stats["clusters"] == 1


def test_exact_duplicates_within_one_document_and_short_lines() -> None:
    res = find_duplicates([("d", f"Baca juga: x\n{OTHER}\nBaca Juga : X!\n{OTHER}"), ("e", "Baca juga x")])
    groups = sorted(tuple((m.doc, m.line) for m in c.members) for c in res.clusters)
    assert groups == [(("d", 0), ("d", 2), ("e", 0)), (("d", 1), ("d", 3))]
    assert all(c.exact for c in res.clusters)
    assert res.stats["exact_only"] == 3  # short lines: exact hashing only


def test_truncated_copy_found_by_containment() -> None:
    long = (BASE + " " + OTHER + " Menteri Luar Negeri Denmark Jeppe Kofod mengatakan penting bagi Putin"
            " untuk memahami bahwa ancaman militer tidak akan berhasil. Kepala kebijakan luar negeri Uni Eropa,"
            " Josep Borrell, menegaskan setiap agresi lebih lanjut akan memiliki konsekuensi besar."
            " Para menteri juga membahas sanksi ekonomi yang siap dijatuhkan bila pasukan Rusia menyeberang.")
    res = find_duplicates([("full", long), ("cut", BASE)])
    assert [(m.doc, m.line) for m in res.clusters[0].members] == [("full", 0), ("cut", 0)]
    off = find_duplicates([("full", long), ("cut", BASE)], DedupConfig(containment_threshold=None))
    assert off.clusters == []


@pytest.mark.parametrize(
    ("keep", "extra", "expected"),
    [
        ("first", {}, "a"),
        ("earliest", {}, "c"),
        ("longest", {}, "b"),
        ("outlet", {"outlet_priority": ("tempo.co", "kompas.com")}, "c"),
    ],
)
def test_keep_policies(keep: str, extra: dict, expected: str) -> None:
    docs = [
        {"id": "a", "text": BASE, "date": "2022-01-14", "outlet": "detik.com"},
        {"id": "b", "text": EDITED, "date": None, "outlet": "kompas.com"},
        {"id": "c", "text": BASE + "!", "date": "Diperbarui 13 Jan 2022, 10:00 WIB", "outlet": "tempo.co"},
    ]
    res = find_duplicates(docs, DedupConfig(keep=keep, **extra))
    assert len(res.clusters) == 1
    assert res.clusters[0].kept.doc == expected
    assert {d for d, _ in res.dropped} == {"a", "b", "c"} - {expected}


def test_document_level_duplicates() -> None:
    text = "\n".join([BASE, OTHER, "Kepala kebijakan luar negeri Uni Eropa, Josep Borrell, menegaskan hal itu."])
    res = find_duplicates([("orig", text), ("copy", text.replace("Rusia", "Rusia,") + "\nSumber: AP"),
                           ("else", OTHER + "\nSesuatu yang lain sama sekali, panjang dan berbeda dari semuanya.")])
    pairs = {d.docs: d for d in res.documents}
    assert ("orig", "copy") in pairs and pairs[("orig", "copy")].coverage[0] == 1.0
    assert ("orig", "else") not in pairs


def test_batch_size_does_not_change_results() -> None:
    docs = seed_docs()
    a = find_duplicates(docs, DedupConfig(batch_size=2))
    b = find_duplicates(docs)
    assert [c.to_json_row() for c in a.clusters] == [c.to_json_row() for c in b.clusters]


def test_word_shingles_and_32_bit_signatures_work() -> None:
    for cfg in (DedupConfig(shingle=ShingleOptions(kind="word", size=1), threshold=0.5),
                DedupConfig(signature_bits=32)):
        res = find_duplicates([("a", BASE), ("b", EDITED)], cfg)
        assert len(res.clusters) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"threshold": 0}, {"threshold": 1.5}, {"threshold": "0.5"}, {"keep": "newest"}, {"keep": "outlet"},
     {"containment_threshold": 2}, {"num_perm": 0}, {"signature_bits": 8}, {"bands": 4},
     {"bands": 100, "rows": 5}, {"min_chars": -1}, {"batch_size": 1}, {"outlet_priority": "kompas.com"}],
)
def test_config_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        DedupConfig(**kwargs)


def test_index_misuse_raises() -> None:
    idx = NearDuplicateIndex()
    idx.add_document("a", [(0, "x")])
    with pytest.raises(ValueError, match="already added"):
        idx.add_document("a", [])
    with pytest.raises(ValueError, match="line numbers"):
        idx.add_document("b", [(-1, "x")])
    idx.finish()
    with pytest.raises(ValueError, match="finished"):
        idx.add_document("c", [])
    with pytest.raises(ValueError):
        ShingleOptions(kind="byte")


def test_paragraphs_helper() -> None:
    assert paragraphs("a\n\n b \n") == [(0, "a"), (2, " b ")]


def _synthetic_corpus(n_docs: int = 60, seed: int = 2) -> list[tuple[str, str]]:
    import random

    rng = random.Random(seed)
    words = ("rusia ukraina nato moskow washington pembicaraan keamanan menteri luar negeri sanksi pasukan "
             "perbatasan jenewa brussels wina kremlin juru bicara mengatakan katanya imbuhnya").split()
    pool: list[str] = []
    docs = []
    for d in range(n_docs):
        paras = []
        for _ in range(rng.randint(2, 6)):
            if pool and rng.random() < 0.4:
                w = rng.choice(pool).split()
                if rng.random() < 0.5:
                    w[rng.randrange(len(w))] = rng.choice(words)
                else:
                    w = w[: max(8, int(len(w) * rng.uniform(0.3, 0.9)))]
                paras.append(" ".join(w))
            else:
                p = " ".join(rng.choice(words) for _ in range(rng.randint(10, 50)))
                pool.append(p)
                paras.append(p)
        docs.append((f"d{d}", "\n".join(paras)))
    return docs


def _cluster_sets(res) -> set[frozenset]:
    return {frozenset((m.doc, m.line) for m in c.members) for c in res.clusters}


def test_verification_is_exact_and_skipping_connected_pairs_changes_no_cluster() -> None:
    from newsclean.dedup.shingles import containment, jaccard, shingles
    from newsclean.dedup.verify import exact_scores

    docs = _synthetic_corpus()
    every = find_duplicates(docs, DedupConfig(record_edges=True))
    skipping = find_duplicates(docs)
    assert _cluster_sets(every) == _cluster_sets(skipping)
    assert skipping.stats["verified_pairs"] <= every.stats["verified_pairs"] == every.stats["candidates"]
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    cfg = DedupConfig()
    assert every.edges
    for a, b in every.edges:  # every recorded edge passes the rule on exact string shingle sets
        sa, sb = shingles(text[a]), shingles(text[b])
        ratio = min(len(sa), len(sb)) / max(len(sa), len(sb))
        assert jaccard(sa, sb) >= cfg.threshold or (
            containment(sa, sb) >= cfg.containment_threshold and ratio >= cfg.min_size_ratio) or (
            containment(sa, sb) >= cfg.fragment_containment and ratio >= cfg.fragment_min_ratio)
    for c in every.clusters:  # similarities are exact too
        kept = shingles(text[(c.kept.doc, c.kept.line)])
        for m in c.members:
            s = shingles(text[(m.doc, m.line)])
            j = jaccard(kept, s)
            ratio = min(len(kept), len(s)) / max(len(kept), len(s))
            expected = max(j, containment(kept, s)) if ratio >= cfg.fragment_min_ratio else j
            assert m.similarity == pytest.approx(1.0 if kept == s else expected)
    assert exact_scores is not None


def test_capped_buckets_only_refine_clusters_and_keep_content_order() -> None:
    docs = _synthetic_corpus(80, seed=4)
    wide = find_duplicates(docs, DedupConfig(max_bucket=10**6))
    narrow = find_duplicates(docs, DedupConfig(max_bucket=2))
    assert narrow.stats["candidates"] < wide.stats["candidates"] / 2
    # Fewer candidates, same exact rule: every narrow cluster lies inside one wide cluster.
    wide_sets = _cluster_sets(wide)
    assert all(any(c <= w for w in wide_sets) for c in _cluster_sets(narrow))
    # Windowed buckets use content order only: shuffling the input changes nothing.
    assert _cluster_sets(find_duplicates(list(reversed(docs)), DedupConfig(max_bucket=2))) == _cluster_sets(narrow)


def test_memory_and_disk_accounting(tmp_path: Path) -> None:
    idx = NearDuplicateIndex(DedupConfig(spill_dir=str(tmp_path)))
    idx.add_document("a", [(0, BASE), (1, OTHER), (2, "pendek")])
    idx._flush()
    mem = idx.memory_bytes()
    ram = sum(v for k, v in mem.items() if k != "paragraphs" and not k.startswith("disk_"))
    assert mem["paragraphs"] == 3 and ram == 3 * 24  # signatures go to disk too
    assert mem["disk_signatures"] == 3 * 256
    from newsclean.dedup.shingles import shingles

    assert mem["disk_shingle_sets"] == 4 * (len(shingles(BASE)) + len(shingles(OTHER)))  # short lines: no set
    assert list(tmp_path.iterdir()) == []  # the spill file is anonymous (already unlinked)
    res = idx.finish()
    assert res.stats["disk_bytes"] == mem["disk_shingle_sets"] and idx._spill.fh is None
    assert idx._sig_spill.fh is None


def test_lsh_stages_follow_the_rules() -> None:
    from newsclean.dedup.config import band_recall

    cfg = DedupConfig()
    one, two = cfg.lsh_stages()
    more_rows = band_recall(cfg.threshold, 128 // (one.rows + 1), one.rows + 1)
    assert band_recall(cfg.threshold, one.bands, one.rows) >= 0.8 > more_rows
    c, r = cfg.containment_threshold, cfg.min_size_ratio
    floor = c * r / (1 + r - c * r)
    assert two.ratio_min == r and band_recall(floor, two.bands, two.rows) >= 0.8
    at_limit = c * two.ratio_max / (1 + two.ratio_max - c * two.ratio_max)
    assert at_limit == pytest.approx(cfg.threshold, abs=1e-3)
    assert DedupConfig(containment_threshold=None).lsh_stages() == (one,)
