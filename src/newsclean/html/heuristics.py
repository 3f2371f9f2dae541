"""Heuristics for locating an article body, as named data.

Everything the extractor decides from class names, ids, tag names or meta tags is listed here, so a
reader can see (and a test or a user can change) what counts as boilerplate without reading the
algorithm. Class and id values are split into lower-case tokens before matching: ``"shareBar"``,
``"share-bar"`` and ``"share_bar"`` all give ``("share", "bar")``; see :func:`newsclean.html.body.tokens`.

The token lists are deliberately generic (English and Indonesian words that describe a page *region*),
never outlet names or outlet-specific ids: the extractor is judged on outlets it has never seen.
"""

from __future__ import annotations

# Data tables: several short items per line read better than one per line.
# fmt: off

#: Elements that never carry article text. Removed from the whole document before anything else.
JUNK_TAGS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "frame", "frameset", "object",
    "embed", "applet", "canvas", "audio", "video", "source", "track", "map", "button", "input",
    "select", "option", "textarea", "label", "link", "meta", "head",
)

#: Page regions that HTML5 marks as not being the main content. Removed before the body is located
#: (unless they hold most of the page's text, see ``HtmlOptions.protect_share``).
#: ``header`` goes too: inside an article it holds the headline, kicker and byline, which are
#: metadata, not body text; at page level it is the masthead.
REGION_TAGS: tuple[str, ...] = ("nav", "header", "footer", "aside", "menu", "dialog", "figcaption")

#: ARIA roles of the same regions.
REGION_ROLES: tuple[str, ...] = (
    "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog",
    "alert", "alertdialog", "toolbar",
)

#: Class/id tokens of elements that are boilerplate (navigation, share bars, related-article widgets,
#: comments, ads, sign-up boxes, tag lists, author boxes). An element carrying one of these is removed
#: unless it holds a large, link-poor share of the page's text (``HtmlOptions.protect_share``): a
#: ``"post-content share-enabled"`` wrapper around the whole story stays.
BOILERPLATE_TOKENS: frozenset[str] = frozenset({
    # navigation and page chrome
    "nav", "navbar", "navigation", "menu", "submenu", "breadcrumb", "breadcrumbs", "masthead",
    "footer", "sidebar", "rail", "xrail", "aside", "widget", "widgets", "toolbar", "topbar", "skip",
    "pagination", "pager", "paging",
    # sharing and social
    "share", "shares", "sharing", "sharer", "social", "sosmed", "socmed", "sosial", "bookmark",
    "whatsapp", "facebook", "twitter", "linkedin", "pinterest", "telegram",
    # related / recommended / popular lists
    "related", "terkait", "recommended", "recommendation", "recommendations", "rekomendasi",
    "popular", "populer", "terpopuler", "trending", "mostread", "outbrain", "taboola", "lainnya",
    # comments
    "comment", "comments", "komentar", "disqus", "livefyre", "respond", "discussion",
    # ads and promotions
    "ad", "ads", "adv", "advert", "adverts", "advertisement", "advertising", "iklan", "banner",
    "sponsor", "sponsored", "promo", "promotion", "dfp", "gpt", "adsense",
    # sign-up, paywall and consent boxes
    "newsletter", "subscribe", "subscription", "signup", "login", "register", "paywall", "cookie",
    "cookies", "consent", "gdpr", "modal", "popup", "overlay",
    # metadata boxes around the body
    "tags", "tag", "keywords", "topik", "byline", "dateline", "author", "penulis", "date", "tanggal",
    "timestamp", "datestamp", "pubdate", "keterangan",
    "bio", "caption", "credit", "copyright", "disclaimer", "rating", "vote", "reaction",
    "reactions", "emoji", "hidden", "hide", "invisible", "sr", "visually",
})

#: Elements whose class/id is checked against ``BOILERPLATE_TOKENS``: containers. (Links, list items,
#: icons and images inside a widget go with their container; checking them too only costs time.)
NAMED_CONTAINER_TAGS: tuple[str, ...] = (
    "div", "section", "ul", "ol", "li", "dl", "table", "article", "figure", "form", "span", "p",
    "center", "font", "main", "blockquote", "details",
)

#: Consecutive token pairs with the same meaning as ``BOILERPLATE_TOKENS`` where each word alone is too
#: common: "baca juga" / "read also" boxes, "lihat juga", "more stories", "berita terkait".
BOILERPLATE_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("baca", "juga"), ("read", "also"), ("see", "also"), ("lihat", "juga"), ("simak", "juga"),
    ("more", "stories"), ("more", "news"), ("other", "news"), ("berita", "lain"),
    ("berita", "lainnya"), ("artikel", "lain"), ("artikel", "lainnya"), ("you", "may"),
    ("also", "like"), ("read", "next"), ("up", "next"), ("next", "story"), ("prev", "next"),
    ("most", "read"), ("most", "popular"), ("editor", "pick"), ("editors", "pick"),
    ("pilihan", "editor"), ("in", "article"),
})

#: Tokens that make an element a likelier body candidate in the density score, and tokens that make
#: it less likely; used as a class weight, as Readability does.
POSITIVE_TOKENS: frozenset[str] = frozenset({
    "article", "articlebody", "artikel", "body", "content", "konten", "main", "story", "entry",
    "post", "text", "detail", "isi", "berita", "hentry", "blog", "txt", "prose", "column",
})
NEGATIVE_TOKENS: frozenset[str] = BOILERPLATE_TOKENS | frozenset({
    "hidden", "meta", "footnote", "foot", "shoutbox", "sponsor", "masthead", "media", "thumb",
    "thumbnail", "list", "teaser", "headline", "headlines", "index", "box", "card", "cards", "grid",
    "slider", "carousel", "gallery", "video", "photo", "foto", "scroll", "ticker", "marquee",
})

#: Starting score of a density candidate by its tag (Readability's values): containers that usually
#: hold prose start ahead, lists and headings behind.
TAG_WEIGHTS: dict[str, float] = {
    "div": 5.0, "article": 5.0, "section": 5.0, "main": 5.0, "pre": 3.0, "td": 3.0, "blockquote": 3.0,
    "address": -3.0, "ol": -3.0, "ul": -3.0, "dl": -3.0, "dd": -3.0, "dt": -3.0, "li": -3.0, "form": -3.0,
    "h1": -5.0, "h2": -5.0, "h3": -5.0, "h4": -5.0, "h5": -5.0, "h6": -5.0, "th": -5.0,
}

#: Selectors of explicit article-body markup, tried in this order before the density score.
#: (``found_by`` reports the name.) Each must hold a fair share of the density winner's text to be used.
BODY_SELECTORS: tuple[tuple[str, str], ...] = (
    ("itemprop=articleBody", '[itemprop~="articleBody"], [itemprop~="articlebody"]'),
    ("itemprop=text", '[itemtype*="Article"] [itemprop~="text"]'),
    ("role=main article", '[role="main"] article, main article'),
)

#: Inside the body, these elements are image captions when they hold an image and little text
#: (``HtmlOptions.caption_max_chars``); they are dropped with the image.
CAPTION_TAGS: tuple[str, ...] = ("div", "span", "figure", "picture", "a", "table")

#: Block-level elements: their boundaries become line breaks in the output.
BLOCK_TAGS: tuple[str, ...] = (
    "p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "caption",
    "figure", "address", "hr", "center", "details", "summary", "fieldset", "legend", "form",
)

#: Table cells: their boundaries become a space (a row stays on one line).
CELL_TAGS: tuple[str, ...] = ("td", "th")

#: Elements whose direct text counts as a paragraph in the density score.
PARAGRAPH_TAGS: tuple[str, ...] = ("p", "pre", "blockquote", "td", "li", "dd")

#: Containers inside the chosen body that are dropped when they are mostly links (related-article
#: lists, tag clouds, "baca juga" boxes) - see ``BodyOptions.max_block_link_density``.
LINK_LIST_TAGS: tuple[str, ...] = ("ul", "ol", "dl", "div", "section", "table", "p", "span", "strong", "b")

#: Whole lines that are a label, not text: ad markers and "continue reading" prompts left behind
#: after their widget was removed. Matched case-insensitively against the whole stripped line.
LABEL_LINES: tuple[str, ...] = (
    "advertisement", "advertisment", "ads", "ad", "iklan", "sponsored", "sponsored content",
    "scroll to continue", "scroll to continue with content", "scroll untuk melanjutkan",
    "continue reading", "read more", "baca selengkapnya", "selengkapnya", "show more",
    "lanjutkan membaca", "content continues below", "story continues below", "story continues",
)

#: Meta tags read for the metadata, in order of preference. (``property`` or ``name`` attribute.)
META_TITLE: tuple[str, ...] = ("og:title", "twitter:title", "dc.title", "title", "sailthru.title")
META_DATE: tuple[str, ...] = (
    "article:published_time", "og:published_time", "article:published", "datepublished",
    "article:publicationdate", "publishdate", "publish-date", "publish_date", "pubdate",
    "publication_date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "date", "content_publisheddate", "article_date_original",
    "cxenseparse:recs:publishtime", "og:updated_time", "article:modified_time",
)
META_AUTHOR: tuple[str, ...] = (
    "author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author",
    "byl", "twitter:creator", "content_author",
)
META_LANG: tuple[str, ...] = ("content-language", "language", "dc.language", "og:locale", "lang")
META_SITE: tuple[str, ...] = ("og:site_name", "application-name", "dc.publisher", "dcterms.publisher", "publisher",
                              "al:android:app_name", "al:ios:app_name", "twitter:app:name:iphone", "copyright")

#: Where pages write the byline in their markup, tried in order when no meta tag or JSON-LD names
#: the author (trafilatura's author XPaths, in CSS, plus Indonesian class names).
AUTHOR_SELECTORS: tuple[str, ...] = (
    '[rel~="author"]', '[itemprop~="author"] [itemprop~="name"]', '[itemprop~="author"]', "address.author",
    ".author-name", ".authorName", ".author_name", ".author", "#author", ".byline", ".byl", ".penulis",
    ".nmreporter", ".reporter", ".writer", '[class*="author"]', '[class*="penulis"]', '[class*="reporter"]',
    '[class*="byline"]', '[class*="writer"]', '[id*="author"]',
)
#: Labels before a byline ("Pewarta: Monalisa", "By Jane Doe", "Oleh: ...", "Rep: ...").
AUTHOR_LABEL = r"(?:pewarta|penulis|reporter|rep|oleh|by|author|wartawan|kontributor|jurnalis|ditulis oleh|written by)"
#: Role words after a name ("Dewi Kania Jurnalis") and outlet suffixes ("Fino Yurio Kristo - detikinet").
AUTHOR_ROLE_WORDS: frozenset[str] = frozenset({
    "jurnalis", "reporter", "wartawan", "kontributor", "penulis", "pewarta", "editor", "redaktur", "staff",
    "writer", "correspondent", "contributor",
})
#: Words that never appear in a person's name: a candidate holding one is not a byline.
AUTHOR_STOPWORDS: frozenset[str] = frozenset({
    "share", "follow", "komentar", "comments", "comment", "berita", "news", "home", "login", "baca", "juga",
    "more", "artikel", "article", "posts", "view", "profile", "profil", "lihat", "semua", "all", "email",
    "twitter", "facebook", "instagram", "updated", "published", "diperbarui", "tag", "tags", "admin",
    "design", "development", "team", "tim", "redaksi", "copyright", "photo", "foto", "video",
})

#: Where pages write the publication date in their markup (when no meta tag or JSON-LD gives it).
DATE_SELECTORS: tuple[str, ...] = (
    "time[pubdate]", "article time", "time", '[itemprop~="datePublished"]', ".date-detail", ".publish-date",
    ".published", ".pubdate", ".post-date", ".entry-date", ".article-date", ".date", ".tanggal", ".tgl",
    ".waktu", ".timestamp", '[class*="date"]', '[class*="tanggal"]', '[class*="time"]', '[id*="date"]',
)
#: Class/id tokens of lists of other articles (sidebars, related and latest stories): the dates and
#: bylines in them are not the page's own.
LISTING_TOKENS: frozenset[str] = frozenset({
    "sidebar", "widget", "widgets", "rail", "related", "terkait", "popular", "populer", "terpopuler",
    "trending", "latest", "terbaru", "lainnya", "recommend", "recommended", "recommendation", "rekomendasi",
    "mostread", "outbrain", "taboola", "comment", "comments", "komentar", "footer", "ads", "dw",
})
#: Tags whose contents are never the page's own byline or date.
LISTING_TAGS: frozenset[str] = frozenset({"aside", "nav", "footer"})
#: A date written after a weekday name ("Kamis, 05 November 2015 11:52"): the form bylines use.
WEEKDAY_DATE = (r"\b(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|"
                r"friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+[^\n]{6,60}")

#: schema.org types whose JSON-LD object names the site (for the site name).
SITE_TYPES: frozenset[str] = frozenset({"website", "newsmediaorganization", "organization", "corporation"})

#: schema.org types whose JSON-LD object describes the article itself.
ARTICLE_TYPES: frozenset[str] = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "techarticle", "scholarlyarticle", "report", "webpage",
})
