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
    assert row["members"][0]["similarity"] == 1.0 and 0.6 <= row["members"][1]["similarity"] < 1.0
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


def test_a_part_is_kept_by_the_paragraph_that_holds_it() -> None:
    long = (BASE + " " + OTHER + " Menteri Luar Negeri Denmark Jeppe Kofod mengatakan penting bagi Putin"
            " untuk memahami bahwa ancaman militer tidak akan berhasil. Kepala kebijakan luar negeri Uni Eropa,"
            " Josep Borrell, menegaskan setiap agresi lebih lanjut akan memiliki konsekuensi besar."
            " Para menteri juga membahas sanksi ekonomi yang siap dijatuhkan bila pasukan Rusia menyeberang.")
    for docs in ([("full", long), ("cut", BASE)], [("cut", BASE), ("full", long)]):
        res = find_duplicates(docs)
        (cluster,) = res.clusters
        # Kept first or not, the paragraph holding the other is the one kept: dropping it would
        # lose its other sentences.
        assert cluster.kept.doc == "full" and res.dropped == {("cut", 0): 0}
        cut = next(m for m in cluster.members if m.doc == "cut")
        assert cut.fragment and cut.similarity == 1.0
        assert cluster.to_json_row(lambda d, ln: "")["members"][[m.doc for m in cluster.members].index("cut")][
            "fragment"] is True


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
     {"min_run": 0}, {"lsh_jaccard": 0}, {"fragment_min_ratio": 2}, {"fragments": 1}, {"bucket_leaders": 0},
     {"candidate_slots": 0}, {"num_perm": 0}, {"signature_bits": 8}, {"bands": 4}, {"bands": 100, "rows": 5},
     {"min_chars": -1}, {"batch_size": 1}, {"outlet_priority": "kompas.com"}],
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


@pytest.mark.parametrize("keep", ["first", "longest"])
def test_every_member_is_a_verified_copy_of_the_kept_paragraph(keep: str) -> None:
    """The cluster guarantee, checked with an independent tiling: no chains."""
    import numpy as np
    from test_dedup_verify import shorter_first, tiles_ref

    from newsclean.dedup.clusters import is_member
    from newsclean.dedup.signatures import word_tokens

    docs = _synthetic_corpus(80, seed=5)
    cfg = DedupConfig(keep=keep)
    res = find_duplicates(docs, cfg)
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    seen: set[tuple[str, int]] = set()
    n_near = 0
    for c in res.clusters:
        kept = word_tokens(text[(c.kept.doc, c.kept.line)])
        for m in c.members:
            assert (m.doc, m.line) not in seen  # a paragraph sits in one cluster
            seen.add((m.doc, m.line))
            if (m.doc, m.line) == (c.kept.doc, c.kept.line) or m.similarity == 1.0 and not m.fragment:
                continue
            tokens = word_tokens(text[(m.doc, m.line)])
            covered = tiles_ref(*shorter_first(tokens, kept), cfg.min_run)
            assert is_member(covered, len(tokens), len(kept), cfg.threshold, cfg.fragment_min_ratio)
            assert m.similarity == pytest.approx(covered / len(tokens))
            assert m.fragment == (len(tokens) < 0.5 * len(kept))
            n_near += 1
    assert n_near > 20
    assert {d for d, _ in res.dropped} and all(
        key not in {(c.kept.doc, c.kept.line) for c in res.clusters} for key in res.dropped)
    assert np.all([c.size >= 2 for c in res.clusters])


def test_copies_of_one_paragraph_cost_linear_verifications() -> None:
    """A paragraph republished k times with edits: one cluster, O(k) verifications, not O(k**2)."""
    import random

    rng = random.Random(1)
    vocab = [f"kata{i}" for i in range(400)]
    base = [rng.choice(vocab) for _ in range(40)]
    for k in (20, 80, 320):
        docs = []
        for d in range(k):
            w = list(base)
            for _ in range(2):
                w[rng.randrange(len(w))] = rng.choice(vocab)
            docs.append((f"c{d}", " ".join(w)))
        res = find_duplicates(docs)
        assert len(res.clusters) == 1 and res.clusters[0].size == k
        # Each copy is verified against the first one only, though it shares buckets with all.
        assert res.stats["verified_pairs"] <= 1.25 * k
        assert res.stats["candidates"] <= DedupConfig().candidate_slots * k


def test_band_slots_hold_the_first_members_of_each_bucket() -> None:
    import numpy as np

    from newsclean.dedup.candidates import band_slots

    rng = np.random.default_rng(4)
    sig = rng.integers(0, 3, (300, 6)).astype(np.uint16)  # few values: big buckets
    order = rng.permutation(300)
    slots, counts = band_slots(sig, order, bands=3, rows=2, leaders=2, slots=5, group=2)
    want = [dict() for _ in range(300)]  # position -> {candidate: bands}, first found first
    for b in range(3):
        buckets: dict[tuple, list[int]] = {}
        for pos, i in enumerate(order.tolist()):
            buckets.setdefault(tuple(sig[i, 2 * b : 2 * b + 2].tolist()), []).append(pos)
        for members in buckets.values():
            for x, pos in enumerate(members):
                for q in members[: min(x, 2)]:
                    if q in want[pos]:
                        want[pos][q] += 1
                    elif len(want[pos]) < 5:
                        want[pos][q] = 1
    for pos in range(300):
        got = {int(q): int(c) for q, c in zip(slots[pos], counts[pos], strict=True) if q >= 0}
        assert got == want[pos]
        assert list(got) == list(want[pos])  # in the order found


def test_memory_and_disk_accounting(tmp_path: Path) -> None:
    from newsclean.dedup.signatures import word_tokens

    idx = NearDuplicateIndex(DedupConfig(spill_dir=str(tmp_path)))
    idx.add_document("a", [(0, BASE), (1, OTHER), (2, "pendek")])
    idx._flush()
    mem = idx.memory_bytes()
    ram = sum(v for k, v in mem.items() if k != "paragraphs" and not k.startswith("disk_"))
    assert mem["paragraphs"] == 3 and ram == 3 * 24  # signatures go to disk too
    assert mem["disk_signatures"] == 3 * 256
    assert mem["disk_tokens"] == 4 * (len(word_tokens(BASE)) + len(word_tokens(OTHER)))  # short lines: none
    assert list(tmp_path.iterdir()) == []  # the spill files are anonymous (already unlinked)
    res = idx.finish()
    assert res.stats["disk_bytes"] == mem["disk_tokens"] and idx._spill.fh is None
    assert idx._sig_spill.fh is None
    assert set(res.timings) >= {"candidates", "greedy", "records"}


def test_lsh_parameters_follow_the_floor() -> None:
    from newsclean.dedup.config import band_recall

    cfg = DedupConfig()
    bands, rows = cfg.lsh_params()
    assert band_recall(cfg.lsh_jaccard, bands, rows) >= 0.8 > band_recall(cfg.lsh_jaccard, 128 // (rows + 1), rows + 1)
    assert DedupConfig(bands=10, rows=3).lsh_params() == (10, 3)


def test_fast_rows_equal_the_records() -> None:
    """The command line writes clusters and document pairs from arrays: exactly the records' rows."""
    import json

    docs = [(f'd{i}"é', body) for i, (_, body) in enumerate(_synthetic_corpus(80, seed=6))]
    res = find_duplicates(docs)
    text = {(k, i): t for k, body in docs for i, t in enumerate(body.split("\n"))}
    records = find_duplicates(docs)  # a second result, whose records are made before any row

    def outlet(d: str) -> str | None:
        return None if d.startswith("d1") else "kompas.com"

    want = []
    for c in records.clusters:
        row = c.to_json_row()
        for m in row["members"]:
            m["outlet"] = outlet(m["doc"])
        want.append(json.dumps(row, ensure_ascii=False))
    assert list(res.cluster_lines(lambda keys: [text[k] for k in keys], outlet)) == want
    assert res.document_rows() == [d.to_json_row() for d in records.documents]
    assert res.n_clusters == len(records.clusters) and res.n_dropped == len(records.dropped)
