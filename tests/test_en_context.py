"""English rules that judge a line by where it stands, on synthetic pages: what goes at the top or the end
of a page stays when the same shape stands in the body."""

from __future__ import annotations

from newsclean import Pipeline

P = Pipeline.default(lang="en")
BODY = [
    "The city council voted 7-2 on Tuesday to approve a new budget for the coming year.",
    "The mayor said the plan would fund two new schools and repair several bridges.",
    "Opponents said the council had moved too fast and promised to appeal the decision.",
    "The budget takes effect in July, officials said, after a final review by the state.",
]


def clean(lines: list[str]) -> list[str]:
    return P.clean("\n".join(lines)).split("\n")


def test_a_repeated_headline_a_source_label_and_a_bare_byline_go() -> None:
    page = ["Council approves new budget for schools", "City Gazette•", "Council approves new budget for schools",
            "Jane Example", *BODY]
    assert clean(page) == ["Council approves new budget for schools", *BODY]


def test_a_short_title_case_line_after_the_opening_paragraphs_stays() -> None:
    page = ["Council approves new budget for schools", *BODY[:3], "Bridge Repairs", *BODY[3:], *BODY]
    assert clean(page) == page


def test_a_short_headline_is_not_taken_for_a_name() -> None:
    page = ["What Voters Want", *BODY]
    assert clean(page) == page


def test_a_ticker_at_the_top_goes_with_its_headlines() -> None:
    page = ["Council approves new budget for schools", "15m ago", "Storm closes highway for a day", "1h ago",
            "Team wins title in overtime", *BODY]
    assert clean(page) == ["Council approves new budget for schools", *BODY]


def test_a_comment_thread_page_goes_whole_and_the_prompt_in_a_sentence_does_not() -> None:
    thread = ["You must be logged in to post a comment.", "Jane Example", "I think the council got this one wrong.",
              "Posted on 7/15/18 | 3:45 PM CEST"]
    assert P.clean("\n".join(thread)) == ""
    sentence = "Readers must be logged in to post a comment, the site said."
    assert clean([*BODY, sentence]) == [*BODY, sentence]


def test_a_hover_card_leaves_the_short_name_in_the_sentence() -> None:
    line = ("Rep. Jane ExampleJane Quinn ExampleSunday shows preview: Council readies for vote Budget talks stall MORE "
            "(D-Ore.) said the vote was close.")
    assert clean([line]) == ["Rep. Jane Example (D-Ore.) said the vote was close."]


def test_a_video_player_goes_with_the_clip_it_names() -> None:
    page = ["Council approves new budget for schools", *BODY[:2], "Recommended Video:", "Now Playing:",
            "Officials explain the plan in a short clip about the council vote and what it means for parents.",
            "Media: City TV", *BODY[2:]]
    assert clean(page) == ["Council approves new budget for schools", *BODY]


def test_a_video_playlist_goes_up_to_the_first_sentence() -> None:
    page = ["Council approves new budget for schools", *BODY[:2], "Trending Politics Video",
            "Mayor cuts ribbon at the new bridge City TV", "Storm damage in the valley KXYZ",
            "What to Know About the Budget Vote", *BODY[2:]]
    assert clean(page) == ["Council approves new budget for schools", *BODY]
    # Without the header, the same title-shaped lines are not a playlist for this rule.
    res = P.explain("\n".join(["Council approves new budget for schools", *BODY[:2], "Storm damage in the valley KXYZ",
                               *BODY[2:]]))
    assert not any(c.rule == "en.video.playlist" for c in res.changes)


def test_a_stamped_teaser_cut_by_an_ellipsis_goes_and_a_stamped_sentence_stays() -> None:
    blurb = "Crews worked through the night to clear debris from the highway after the storm hit the . . ."
    stamp = "Monday, 16 Jul 2018 07:15 AM"
    res = P.explain("\n".join(["Council approves new budget for schools", *BODY, stamp, blurb]))
    assert [c.rule for c in res.changes if c.rule == "en.teaser.stamped"] == ["en.teaser.stamped"] * 2
    assert blurb not in res.text.split("\n")
    page = ["Council approves new budget for schools", "July 15, 2018", *BODY]
    res = P.explain("\n".join(page))
    assert not any(c.rule == "en.teaser.stamped" for c in res.changes)
    assert BODY[0] in res.text.split("\n")


def test_an_author_bio_under_the_byline_goes_and_a_lede_about_someone_stays() -> None:
    page = ["Council approves new budget for schools", "By Jane Example",
            "Ms. Example is a professor of law at State University and a former city attorney.", *BODY]
    assert clean(page) == ["Council approves new budget for schools", *BODY]
    lede = "John Smith is a lawyer who represented the parents in the case, which the council settled on Tuesday."
    page = ["Council approves new budget for schools", "By Jane Example", lede, *BODY]
    assert clean(page) == ["Council approves new budget for schools", lede, *BODY]


FURNITURE = [
    "Email this article",
    "Send this page to someone via email",
    "Click to share on Facebook (Opens in new window)",
    "Share this story: https://ex.co/a1b2",
    "Your browser does not support the video tag.",
    "We're sorry, this content is not available in your location.",
    "Story continues below advertisement",
    "Video player loading",
    "Toggle navigation",
    "There are no comments yet",
    "This discussion is now closed.",
    "Leave a Reply",
    "comments powered by Disqus",
    "Sign up for breaking news alerts",
    "Thanks for signing up!",
    "Already a subscriber?",
    "Associated Press | Posted: Monday, July 16, 2018 5:00 am",
    "The Associated Press Published 10:15 a.m. ET July 16, 2018",
    "July 16, 2018 / 8:22 AM / Updated 2 hours ago",
    "AP Photo/Evan Vucci",
    "Picture: Reuters",
    "Image caption",
    "Credit...Doug Mills/The New York Times",
    "Jane Doe and John Roe, CNN",
    "by Jane Doe, Associated Press | Monday, July 16th 2018",
    "Written by Jane Doe",
    "Jane Doe, Staff Writer",
    "3 Min Read",
    "Listen to this article",
    "Download our app",
    "@janedoe",
    "Contact Jane Doe at jane@example.com",
    "Got a tip? Let us know.",
    "Report a typo",
    "Terms of Service",
    "Home » Politics » Council approves new budget for schools",
    "Houston, TX 72°F Partly Cloudy",
    "Detecting location...",
    "Forgot password?",
    "Sign in with Google",
    "Loading the player...",
    "Load more",
    "Read the full story",
    "This is a developing story.",
    "Check back for updates.",
    "Join our WhatsApp channel",
    "Add us on Google News",
]


def test_page_furniture_alone_between_paragraphs_goes() -> None:
    for line in FURNITURE:
        page = ["Council approves new budget for schools", *BODY[:2], line, *BODY[2:]]
        assert clean(page) == ["Council approves new budget for schools", *BODY], line


def test_a_credit_or_a_social_promo_glued_to_a_line_goes_and_the_line_stays() -> None:
    caption = "Council members vote on the budget on Tuesday."
    for glued in ("CreditCreditJane Doe/City Gazette", " Image: Getty Images", " Picture: Reuters"):
        page = ["Council approves new budget for schools", *BODY[:2], caption + glued, *BODY[2:]]
        assert clean(page) == ["Council approves new budget for schools", *BODY[:2], caption, *BODY[2:]], glued
    page = ["Council approves new budget for schools", *BODY[:3], BODY[3] + " Like us on Facebook."]
    assert clean(page) == ["Council approves new budget for schools", *BODY]
