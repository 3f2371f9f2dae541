"""English boilerplate families found on probe sets Q and P (issue 13, round 17), each tested on a short synthetic page
in wordings of other outlets than the probes': the line (or the glued part) goes, the article stays. The content lines
at the end use the same words as the families and must stay."""

from __future__ import annotations

import pytest

from newsclean import Document, Pipeline

P = Pipeline.default(lang="auto")

BODY = [
    "The county council voted on Wednesday to close two branch libraries and move their collections to the main "
    "library.",
    "The decision, which passed seven votes to four, follows a review that found both branches were used by fewer than "
    "forty people a day.",
    "Library staff will be offered posts at the main building, the council's finance chair told the meeting.",
    "Residents opposed to the closures have collected more than 3,000 signatures and plan to ask for a judicial "
    "review.",
]


def clean(lines: list[str], title: str | None = None) -> list[str]:
    meta = {"title": title} if title else {}
    return P.clean(Document("\n".join(lines), metadata=meta)).split("\n")


#: Lines of a family that go wherever they stand in the body.
LINES = [
    # en.comment_thread.wordpress, en.comment_policy
    "12 thoughts on “Why our libraries still matter”", "Two responses to \"Library closures: what happens next\"",
    "Margaret O. says:", "Reply", "Reply · 5h",
    "User comments are the writers' own and are not endorsed by The Valley Herald.",
    "The Valley Herald does not endorse the opinions of its commenters.",
    # en.promo.channels, en.promo.app, en.promo.print_edition
    "The Valley Herald is now on WhatsApp: tap here to get the day's headlines.",
    "Find us on Telegram @valleyherald for news as it breaks.",
    "Get local alerts the moment they happen by joining our official channel on Telegram.",
    "Listen live on Valley FM 101.7 for the afternoon news.", "Read the latest updates on the Valley Herald app.",
    "Get the full results and photos in Saturday's Valley Herald, on sale now.",
    # en.disclaimer.investment, en.syndication_notice.aggregator, en.footer.disclaimer, en.footer.publisher
    "Important: This content is for general information purposes only and is not investment advice.",
    "This item was posted automatically from an agency news feed.",
    "NewsRoundup collects headlines from publishers across the region. All rights remain with their respective owners.",
    "The Valley Herald is not responsible for the content of external websites.",
    "Campus Sport Daily is an independent website and is not affiliated with any university.",
    "The Valley Herald is owned and operated by Valley News Group.",
    # en.widget.market, en.widget.more, en.scoreboard
    "FTSE 100 8,102.3 ▼ 0.4% | GBP/USD 1.2712 ▲ 0.1% | Oil $78.40 ▲ 1.2%", "Market data delayed 15 minutes.",
    "Imsak 04:31 | Subuh 04:41 | Zohor 13:05 | Asar 16:20 | Maghrib 19:12 | Isyak 20:23",
    "Springfield 18°C Partly cloudy", "FT Harbour Town 3, Millbrook 1 | FT Eastleigh 0, Northfield 2",
    # en.contact.enquiries, en.tip_prompt
    "Media inquiries: Daniel Reyes, Communications Officer", "Mobile: 071 555 0192",
    "Got a story in your area? Message our newsdesk on 0800 555 0100.",
    # en.cms_meta, en.nav.pagination, en.footer.links_dotted, en.counters.social, en.share.platform_alone
    "Filed under: Local Government, Libraries", "Views: 2,318", "You are here: Home » Council » Libraries",
    "« Previous article", "Older posts ›", "1 2 3 Next »", "Page 3 of 7",
    "Privacy Policy · Cookie Settings · Terms of Use · Accessibility", "32 likes", "LinkedIn",
    # en.embed.instagram, en.credit.agency_for
    "View this reel on Instagram", "Getty Images for Valley Arts",
    # en.affiliate.button, en.ad.cta, en.subscribe, en.newsletter.pitch, en.paywall.notice
    "Buy the Orion X2 at GadgetMart $349", "Compare prices at TechWorld", "Insure your home in minutes. Get a quote →",
    "By submitting your email address you agree to our privacy policy.",
    "Get our morning briefing in your inbox, free.",
    "This story is exclusively available to paying subscribers.", "Subscribe for just $2 a week to keep reading.",
    # en.trailer.wire_note, en.related.header.listed (with its teaser), en.feedback.answers
    "This story by Valley Wire was first published Feb. 4, 2025.",
    "Valley 7 will update this article when more details become available.", "— with files from Valley Wire",
    "Yes | No",
]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("where", ["middle", "end"])
def test_the_line_goes_and_the_body_stays(line: str, where: str) -> None:
    page = [*BODY[:2], line, *BODY[2:]] if where == "middle" else [*BODY, line]
    assert clean(page) == BODY


@pytest.mark.parametrize("tail", [["/MK"], ["(VNA/ RT/ 0412)"],
                                  ["Valley Community College, P.O. Box 4410, Springfield."]])
def test_desk_marks_and_addresses_at_the_end_go(tail: list[str]) -> None:
    assert clean([*BODY, *tail]) == BODY


@pytest.mark.parametrize(("glued", "cut"), [
    (" (Read: Councils across the region weigh library cuts)", ""),
    (" Follow our Telegram channel for live updates.", ""),
    (" Watch Valley 7 News at 6pm for more.", ""),
    (" /mk", ""),
    (" (MK)", ""),
])
def test_a_promo_or_initials_glued_to_the_last_paragraph_are_cut(glued: str, cut: str) -> None:
    assert clean([*BODY[:-1], BODY[-1] + glued]) == [*BODY[:-1], BODY[-1] + cut]


@pytest.mark.parametrize("dateline", ["SPRINGFIELD, Feb 4 — ", "SPRINGFIELD (Feb 4): ", "PORT ELLEN, Feb. 4 (VNA): "])
def test_a_dateline_with_a_date_or_an_agency_is_cut(dateline: str) -> None:
    assert clean([dateline + BODY[0], *BODY[1:]]) == BODY


def test_a_role_line_under_the_byline_goes() -> None:
    head = ["Council votes to close two branch libraries", "By Alice Moreno", "Local government reporter"]
    assert clean([*head, *BODY], title=head[0]) == [head[0], *BODY]


def test_a_media_contact_block_goes() -> None:
    block = ["Press contact", "Daniel Reyes, County Communications", "dreyes@example.gov | 555-0177"]
    assert clean([*BODY, *block]) == BODY


def test_a_reference_list_at_the_end_goes() -> None:
    refs = ["References", "Valley Health Trust. Annual report 2024. Published March 1, 2025.",
            "State Library Board. Branch usage statistics. Accessed February 2, 2025."]
    assert clean([*BODY, *refs]) == BODY


#: The same words in the article's own sentences: they stay.
CONTENT = [
    "Residents can sign up by texting LIBRARY to 555-0140. The messages are free, and you can unsubscribe at any "
    "time by replying STOP.",
    "The mayor is now on TikTok, where she posts a video from a different branch every week.",
    "The mayor's office is on WhatsApp too, and answers questions within a day, officials said.",
    "The report does not constitute investment advice, the regulator said in a statement.",
    "Revenue: $12.4 million (2023: $11.9 million)",
    "Category 2 storm expected to reach the coast on Friday",
    "You are here because the council let you down, she told the crowd.",
    "Readers' comments are checked by a moderator before they appear, the editor said.",
    "Buy the building on Main Street for $1, the council offered the charity.",
    "The paper is owned by a trust, which appointed a new editor in January.",
    "Sources said the vote had been close.",
]


@pytest.mark.parametrize("line", CONTENT)
def test_content_in_the_families_words_stays(line: str) -> None:
    page = [*BODY[:2], line, *BODY[2:]]
    assert clean(page) == page
