"""The line model (newsclean.linemodel) and headline echoes (newsclean.positional)."""

from __future__ import annotations

import json
import pickle

import numpy as np

from benchmarks.train_linemodel import BoostOptions, fit_gbdt
from newsclean import Document, Pipeline, replay
from newsclean.linemodel import FEATURES, LineModel, LineModelCleaner, default_line_model, doc_features, is_scored

BODY = [
    "The city council voted 7-2 on Tuesday to approve a new budget for the coming year.",
    "The mayor said the plan would fund two new schools and repair several bridges.",
    "Opponents said the council had moved too fast and promised to appeal the decision.",
    "The budget takes effect in July, officials said, after a final review by the state.",
]


def test_the_shipped_model_loads_and_is_small() -> None:
    m = default_line_model()
    assert m.features == FEATURES and m.depth == 3
    assert 0 < m.threshold_for("en") < 1 and 0 < m.threshold_for("id") < 1
    assert len(json.dumps(m.to_json())) < 5_000_000


def test_fitting_is_deterministic_and_the_two_scorers_agree() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] > 0.3).astype(float)
    w = np.ones(len(y))
    a = fit_gbdt(x, y, w, BoostOptions(trees=20))
    b = fit_gbdt(x, y, w, BoostOptions(trees=20))
    assert a.to_json() == b.to_json()
    again = LineModel.from_json(json.loads(json.dumps(a.to_json())))
    big = again.score(x)  # numpy path
    small = np.array([again.score(x[i:i + 1])[0] for i in range(5)])  # walked in Python
    assert np.allclose(big[:5], small)
    assert ((big > 0.5) == y.astype(bool)).mean() > 0.9


def test_the_compiled_scorer_gives_the_walked_trees_floats_and_the_model_still_pickles() -> None:
    model = default_line_model()
    rng = np.random.default_rng(2)
    rows = rng.choice([0.0, 1.0, 2.0, 5.5, 40.0, -1.0], size=(300, len(FEATURES))).tolist()
    compiled = model.score_rows(rows)
    walked = LineModel.from_json(model.to_json())
    object.__setattr__(walked, "_margin_cache", None)  # no compiled scorer: the loop over the tables
    assert compiled == walked.score_rows(rows)  # the same floats, not only close ones
    again = pickle.loads(pickle.dumps(model))  # after use, with its caches
    assert again.score_rows(rows[:5]) == compiled[:5]


def test_only_headline_like_lines_are_scored() -> None:
    assert is_scored("Trump blames Obama for allowing Russian annexation of Crimea")
    assert not is_scored("Bridge Repairs")  # short: a subheading as often as a label
    assert not is_scored(BODY[0])  # ends like a sentence
    assert not is_scored("— Donald J. Trump (@realDonaldTrump) July 16, 2018 and more words here")
    # A teaser cut short by an ellipsis is no sentence that ends; a line ending on an opening quote is one.
    assert is_scored("The mayor praised the new budget on Monday before outlining his plan as he met . . .")
    assert is_scored("Council to vote on budget as mayor preps for summit amid new...")
    assert not is_scored("The mayor responded: “That is for other people to judge at the end of the day. “")


def test_explain_rows_carry_the_score_and_replay() -> None:
    # A model that takes every line it scores: its changes are explain steps like any rule's.
    m = default_line_model()
    eager = LineModel(m.feature, m.threshold, m.value, 50.0, 0.5, m.features)
    p = Pipeline([LineModelCleaner(eager)])
    teaser = "Council approves new budget for schools after long debate"
    text = "\n".join(["Council votes on budget", *BODY, teaser, BODY[0]])
    res = p.explain(Document(text))
    (c,) = res.changes
    assert c.rule == "linemodel" and c.removed == teaser and c.score is not None and c.score > 0.99
    assert c.to_dict()["score"] == c.score
    assert replay(text, res.changes) == res.text


def test_the_model_leaves_the_first_line_and_the_title_alone() -> None:
    doc = Document("\n".join(["Council approves new budget for schools after long debate", *BODY]),
                   metadata={"title": "Council approves new budget for schools after long debate"})
    lines: list[str | None] = doc.text.split("\n")
    idx, _ = doc_features(lines, doc)
    assert idx == []


def test_cleaning_with_the_model_is_idempotent_on_a_page() -> None:
    p = Pipeline.default(lang="en")
    page = ["Council approves new budget", *BODY, "Storm closes highway for a day as crews clear debris",
            "Team wins title in overtime after a dramatic comeback win", *BODY]
    once = p.clean("\n".join(page))
    assert p.clean(once) == once


# -- headline echoes -----------------------------------------------------------------------------------


def test_a_repeat_of_the_title_near_the_top_goes_and_the_first_stays() -> None:
    title = "Council approves new budget for schools and bridges"
    # The first line is not the title, so the catalog's echo rules (which compare with it) say nothing.
    page = ["Opinion and analysis from the city desk this week", title, BODY[0], title, *BODY[1:]]
    res = Pipeline.default(lang="en").explain(Document("\n".join(page), metadata={"title": title}))
    assert [c.rule for c in res.changes if c.cleaner == "echoes"] == ["positional.echo"]
    assert res.text.split("\n").count(title) == 1


def test_a_title_with_a_section_label_is_echoed_without_it_even_as_a_question() -> None:
    title = "Opinion |Will the council keep its promise on schools and bridges?"
    echo = "Will the council keep its promise on schools and bridges?"
    page = [title, echo, BODY[0], *BODY[1:]]
    res = Pipeline.default(lang="en").explain(Document("\n".join(page), metadata={"title": title}))
    # The echo goes (positional.echo; since en.section_prefix.bar cuts "Opinion |" from the first line, the
    # catalog's own echo rule takes it first) and the headline stays, once.
    assert [c.removed for c in res.changes if c.action == "drop_line"] == [echo]
    assert res.text.split("\n").count(echo) == 1
    # A question near the top that is not the title stays.
    other = "Will the council keep its promise on parks and libraries?"
    res = Pipeline.default(lang="en").explain(Document("\n".join([title, other, *BODY]), metadata={"title": title}))
    assert other in res.text.split("\n")


def test_a_lead_paragraph_printed_twice_is_not_an_echo() -> None:
    page = ["Council approves new budget", BODY[0], BODY[0], *BODY[1:]]
    out = Pipeline.default(lang="en").clean("\n".join(page))
    assert out.split("\n").count(BODY[0]) == 2


def test_a_title_echoed_with_the_site_name_after_it_goes() -> None:
    title = "Council approves new budget for schools and bridges"
    page = [title, "Jane Example", title + " - City Gazette", *BODY]
    res = Pipeline.default(lang="en").explain(Document("\n".join(page), metadata={"title": title}))
    assert [c.removed for c in res.changes if c.rule == "positional.echo"] == [title + " - City Gazette"]
