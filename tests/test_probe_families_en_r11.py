"""English boilerplate families found on probe set V (issue 13, round 11 of the rule helpers), each tested on a short
synthetic page in wordings of other outlets than the probe's: the line (or the glued part) goes, the article stays. The
content lines at the end use the same words as the families and must stay."""

from __future__ import annotations

import pytest

from newsclean import Document, Pipeline

P = Pipeline.default(lang="auto")

BODY = [
    "The harbour board approved a plan on Tuesday to dredge the inner channel and rebuild two of the town's oldest "
    "wharves.",
    "The work, expected to cost about $14 million, will close the slipway to private boats for most of next summer, "
    "the board's chair told the meeting.",
    "Fishing crews said they supported the dredging but wanted the wharf work split into stages so that some berths "
    "stay open.",
    "A public information session will be held at the sailing club on March 3, and written submissions close at the "
    "end of the month.",
]


def clean(lines: list[str], title: str | None = None) -> list[str]:
    meta = {"title": title} if title else {}
    return P.clean(Document("\n".join(lines), metadata=meta)).split("\n")


#: Lines of a family that go wherever they stand in the body.
LINES = [
    # en.liveblog.ui
    "Show key events only", "Load more updates", "Click here to see the latest updates", "5 new updates", "Pinned post",
    # en.newsletter.form, en.newsletter.pitch, en.newsletter.question
    "We use your email address to send you newsletters and to understand what you read. See our Privacy Policy.",
    "Subscribe | Browse all our newsletters", "Thanks for subscribing! Look out for a confirmation email.",
    "Start your week with the Gazette's Monday Digest. Sign up today.",
    "Harbour Notes: the week's shipping news, in your inbox every Friday.",
    "Enjoying our coverage? Get the Harbour Daily newsletter, free every weekday.",
    # en.feedback.answers, en.player_ui, en.page_ui.sentence (Advert), en.ui (a row of buttons)
    "Did you find this article useful? Yes / No", "Audio player loading…", "ADVERT",
    "Gift story  Share  Save for later",
    # en.tip_prompt, en.corrections.prompt
    "Were you caught in the flooding? Send your photos to pictures@harbourgazette.co.nz",
    "Got a view on the dredging? Write a letter to the editor.", "Noticed a mistake in this story? Let us know.",
    # en.support_prompt(.listeners), en.syndication_notice (a collaboration trailer)
    "Back independent coastal journalism. Become a Gazette member from $3 a month.",
    "Harbour Radio is member-supported. Make a donation today.",
    "This story was produced by the Coastal Affairs Desk, a partnership of regional newsrooms.",
    # en.footer.acknowledgement, en.footer.contact_bar, en.footer.publisher
    "Harbour Gazette acknowledges the Traditional Custodians of the land where we work and pays respect to Elders past "
    "and present.",
    "Port Ellis Harbour Board | 4 Quay Road, Port Ellis | Phone: (555) 301-2200 | Fax: (555) 301-2201",
    "Harbour Trade Weekly is published by Quayside Media LLC. Stock quotes delayed by 20 minutes.",
    # en.widget.on_air, en.widget.market, en.nav.pagination (a back link, numbered pages), en.menu.sections
    "On air now: The Late Shift with Mo & Priya", "ASX 8,204.1 ▲0.3%   10-YR 4.02% ▼0.02   AUD/USD 0.6610 ▲0.1%",
    "« Back to media releases", "Pages: 1 2 3 Next »",
    "Home News Sport Business Opinion Weather Events Classifieds",
    # en.byline.more (labelled, live-blog shifts), en.byline.minister
    "Author: Harbour 9 News Staff", "Posted by: Office of the Harbourmaster", "Ana Reyes (now) and Tom Ikeda (earlier)",
    "The Hon. Mere Tane MP, Minister for Ports and Maritime Safety",
    # en.stamp.more (a labelled release date), en.footer.links_dotted (links between collapsed spaces)
    "Issued: 03/04/2025", "Web accessibility  Public records requests  Sitemap",
]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("where", ["middle", "end"])
def test_the_line_goes_and_the_body_stays(line: str, where: str) -> None:
    page = [*BODY[:2], line, *BODY[2:]] if where == "middle" else [*BODY, line]
    assert clean(page) == BODY


@pytest.mark.parametrize("glued", [
    " Want more harbour news? Sign up to our Waterfront newsletter here.",
    " Hear more on Harbour FM's drive show at 5, on 98.6 FM and the Harbour FM app.",
    " Read the full story at Coastal Trade Weekly.",
    " (tk/rm)",
])
def test_a_pitch_glued_to_the_last_paragraph_is_cut(glued: str) -> None:
    assert clean([*BODY[:-1], BODY[-1] + glued]) == BODY


def test_a_media_contact_block_with_a_long_line_goes() -> None:
    block = ["Media contacts", "Lena Okafor, Office of Communications and Marketing, lokafor@harbourtech.edu"]
    assert clean([*BODY, *block]) == BODY


def test_a_citation_with_a_quoted_title_goes() -> None:
    refs = ["Sources", 'Port Ellis Harbour Board, "Channel Dredging Plan 2025," February 11, 2025.']
    assert clean([*BODY, *refs]) == BODY


def test_an_events_widget_at_the_end_goes() -> None:
    widget = ["Upcoming events in Port Ellis", "Fri, Mar 7 — Sailing club open day",
              "Sun, Mar 9 — Harbour fun run, 8 a.m."]
    assert clean([*BODY, *widget]) == BODY


def test_the_question_goes_with_a_newsletter_pitch_glued_after_a_question() -> None:
    # The pitch glued to a witness appeal: the appeal stays, the question and the order go.
    appeal = "Anyone who saw the collision is asked to call police on 105."
    out = clean([*BODY[:-1], appeal + " Love local news? Get our Harbour Brief in your inbox every morning."])
    assert out == [*BODY[:-1], appeal]


def test_a_section_label_before_the_headline_goes_and_the_headline_stays() -> None:
    title = "Analysis | The harbour can't be dredged forever"
    out = clean([title, *BODY], title=title)
    assert out == ["The harbour can't be dredged forever", *BODY]


def test_a_latest_news_list_closing_the_page_goes() -> None:
    tail = ["Latest news", "Ferry timetable changes from Monday", "Council to review mooring fees"]
    assert clean([*BODY, *tail]) == BODY


#: The same words in the article's own sentences: they stay.
CONTENT = [
    "The board's newsletter, which goes to 4,000 members, said the dredging would start in May.",
    "Free newsletters are not affected by the change, the company said.",
    "Key events of the season will be moved to the north wharf while the work is done.",
    "Were you affected? The board says it will send letters to every berth holder this week.",
    "The council acknowledges the traditional owners' claim to the foreshore in its plan.",
    "Now playing at the Regent: a documentary about the harbour's last ferry.",
    "Back to school sales lifted the town's shops in February.",
    "Jane Smith, Minister for Ports, said the money had been set aside in the budget.",
    "Upcoming events include a regatta in April and a seafood festival in May.",
    "Local News Anchor Wins Award for Sports Coverage",
    "Sign up for the regatta closes on Friday, organisers said.",
]


@pytest.mark.parametrize("line", CONTENT)
def test_content_in_the_families_words_stays(line: str) -> None:
    page = [*BODY[:2], line, *BODY[2:]]
    assert clean(page) == page
