"""The round-5 benchmark of a learned verification decision (benchmarks/dedup_verify_model.py): folds and cut."""

from __future__ import annotations

import random

from benchmarks import dedup_verify_model as vm
from newsclean.dedup import DedupConfig


def _rows(seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(300):
        m = rng.randint(6, 80)
        label = rng.random() < 0.45
        share = min(1.0, max(0.0, rng.gauss(0.62 if label else 0.45, 0.12)))
        c3g = round(share * m)
        c8 = round(c3g * rng.random()) if label else round(c3g * rng.random() * 0.5)
        cdef = c3g if rng.random() < 0.8 else 0
        rows.append({"m": m, "n": m + rng.randint(0, 40), "cdef": cdef, "c3g": c3g, "c3": c3g, "c4": c3g,
                     "c5": c8, "c8": c8, "label": int(label)})
    return rows


def test_folds_keep_a_story_together() -> None:
    assert vm.fold_of("hoax", "KW4") == "KW4"
    ids = {vm.fold_of("id_news", f"g{k}") for k in range(50)}
    assert ids == {"id_news0", "id_news1"}
    assert vm.fold_of("id_news", "g7") == vm.fold_of("id_news", "g7")


def test_cut_accepts_no_more_training_non_copies_than_today() -> None:
    cfg = DedupConfig()
    for seed in range(5):
        rows = _rows(seed)
        band = [r for r in rows if vm.in_band(r)]
        fp_today = sum(vm.default_accepts(r, cfg) for r in band if r["label"] == 0)
        for add in (False, True):
            model = vm.Model(("cdef", "c3g", "c8"), 1.0).fit(rows, cfg, add)
            decide = vm.decision(model, cfg, add)
            assert sum(decide(r) for r in band if r["label"] == 0) <= fp_today
            if add:  # the model only adds: what today's rule accepts stays accepted
                assert all(decide(r) for r in rows if vm.default_accepts(r, cfg))
            outside = [r for r in rows if not vm.in_band(r)]
            assert all(decide(r) == vm.default_accepts(r, cfg) for r in outside)
