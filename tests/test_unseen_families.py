"""Boilerplate of kinds the labelled outlets hardly print, each in the shape another newsroom gives it, on synthetic
articles (``lang="auto"``, no outlet known): the line goes whether it stands in the middle or at the end of the body,
and the body stays as it was. Written by probing the pipeline with lines of the kinds issue 13 lists; what the
probes found kept and left kept on purpose is at the end."""

from __future__ import annotations

import pytest
from synthetic_pages import EN_BODY, ID_BODY

from newsclean import Pipeline

P = Pipeline.default(lang="auto")


ID_LINES = [
    "(Penulis: Ahmad Fauzi | Editor: Siti Nurhaliza)", "(Reporter: Shinta Ayu | Editor: Faieq Hidayat)",
    "Klik di sini untuk membaca artikel selengkapnya", "Update berita terkini, klik di sini",
    "Live Streaming di Vision+ dengan klik di sini.", "Cek Berita dan Artikel yang lain di Google News",
    "Cari artikel lainnya di Google News", "Scroll untuk membaca", "Berita Terkait",
    "Artikel ini sudah lebih dulu di detikjogja. Selengkapnya klik disini.",
    'Baca artikel detikoto, "Harga Mobil Listrik Turun" selengkapnya https://oto.detik.com/berita/d-1/harga',
    "Simak berita selengkapnya di halaman berikutnya.", "Oleh: Ahmad Fauzi", "Penulis Ahmad Fauzi", "Editor Siti",
    "Diposting oleh Admin pada 2 Juni 2025", "Video Pilihan", "Berita Populer", "Terpopuler", "Baca Berita Lainnya",
    "Artikel Lainnya", "Lihat Selengkapnya", "Muat lebih banyak", "Gulir ke bawah untuk melanjutkan", "[ADVERTORIAL]",
    "Dapatkan berita terbaru langsung di ponselmu", "Download sekarang juga aplikasi kami",
    "Kunjungi kanal YouTube kami", "Foto: Dok. Pribadi", "Bagikan ini:", "Suka Memuat...", "Terkait",
    "Tinggalkan Balasan Batalkan balasan", "Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *",
    "Navigasi pos", "Pos sebelumnya", "Kategori: Berita", "Diposting oleh admin", "Beranda", "Pedoman Media Siber",
    "Kontak Kami", "[mdk]", "Simak selengkapnya di kumparan", "Klik untuk baca: Banjir Bogor", "Laporan: Ahmad Fauzi",
    "TRIBUNNEWS.COM", "Halaman 2", "1 2 3 4 Selanjutnya", "Video Pilihan Redaksi", "Topik Menarik",
    "Konten ini telah tayang di Kompasiana.com", "Iklan - Gulir untuk melanjutkan",
    # a fifth probe (2026-12-06): reading/listening widgets, gallery controls, expanders, submission and tip prompts,
    # notes on who answers for a piece
    "Waktu baca 3 menit", "3 menit membaca", "Dengarkan artikel ini", "Durasi 02:15", "Galeri Foto", "Perbesar",
    "Geser untuk melihat foto lainnya", "Tampilkan lebih banyak", "Lanjut baca", "Lanjutkan membaca artikel di bawah",
    "Rekomendasi Untuk Anda", "Laporkan komentar", "Kirim tulisan Anda ke redaksi@contoh.com",
    "Punya informasi menarik? Hubungi kami di WhatsApp 081234567890",
    "Isi artikel menjadi tanggung jawab sepenuhnya penulis.", "Artikel ini merupakan kiriman dari pembaca.",
    "Konten ini merupakan kerja sama dengan PT X.", "Konten Bersponsor", "Jangan lewatkan berita terbaru lainnya",
    # a sixth probe (2026-12-07): shapes of outlets outside the dev corpora (wire rights notices, abbreviated and joined
    # staff credits, initials with a desk number, "Menarik Dibaca:" / "Selanjutnya:" related lines, pagination, loading
    # placeholders, sponsored notes, paywall prompts, channel prompts that name a multi-word outlet, update stamps)
    "Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI di situs web ini "
    "tanpa izin tertulis dari Kantor Berita ANTARA.", "Dilarang mengutip sebagian atau seluruh isi artikel tanpa izin",
    "Red: Ahmad Fauzi", "Rep: Shinta Ayu", "Redaktur & Reporter : Ahmad Fauzi", "Editorial Team", "(Ant/Z-7)",
    "Jangan Lewatkan Video Terbaru:", "Menarik Dibaca: Harga Emas Naik Lagi", "Selanjutnya: Harga Emas Naik Lagi",
    "Baca: Harga Emas Naik Lagi Hari Ini", "Baca:", "Tags:", "Topik:", "Baca halaman selanjutnya", "Halaman: 1 2 3",
    "Tunggu sebentar...", "Konten Promosi", "Konten ini disajikan oleh advertiser.",
    "Anda harus install aplikasi Telegram terlebih dulu di ponsel.", "Temukan berita menarik lainnya di IDN Times",
    "Follow IDN Times untuk mendapatkan informasi terkini", "Download aplikasi IDN App", "Berlangganan untuk membaca",
    "Artikel ini khusus pelanggan", "Sudah berlangganan? Masuk", "Baca berita tanpa iklan", "Promo berlangganan",
    "Terakhir diperbarui 2 Juni 2025 pukul 14.30 WIB", "Foto: ANTARA FOTO/Ahmad Fauzi/nym.", "Ilustrasi. "
    "(Foto: Shutterstock)",
    # kinds that were handled before the probes (kept here so that they stay handled)
    "[Gambas:Video CNN]", "Ikuti berita terkini dari Suara.com di Google News", "Baca Juga", "ADVERTISEMENT",
    "SCROLL TO CONTINUE WITH CONTENT", "Laporan Wartawan Tribunnews.com, Ahmad Fauzi", "Pewarta: Ahmad Fauzi",
    "(mdk/rnd)",
]
EN_LINES = [
    "Image source, Reuters", "Download the Fox News app", "Get the free NBC News app for the latest updates",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Our Standards: The Thomson Reuters Trust Principles.", "Gift this article",
    "You have reached your limit of free articles.", "Subscribe to continue reading.", "Read the full story here.",
    "Click here for more.", "Tap here to add us to your home screen", "Like us on Facebook", "Send us your feedback",
    "Last Modified: June 2, 2025", "Link to this story: https://ex.co/abc", "Watch more videos",
    "Comment on this story", "Advertisement - Scroll to continue", "Like this:", "Related posts:",
    "Posted in Politics", "Tagged senate, budget", "Leave a Reply Cancel reply",
    "Your email address will not be published.", "Name *", "Website",
    "Save my name, email, and website in this browser for the next time I comment.", "Post navigation", "Next Post",
    "Powered by WordPress", "Privacy Policy", "By Jane Doe / Staff Writer", "Additional reporting by John Roe",
    "Email the author", "The views expressed are the author's own.",
    "Opinions expressed by contributors are their own.", "Get the latest updates: Download our app",
    "Photos: Trump and Putin meet in Helsinki", "Full coverage: Trump-Putin summit",
    "MORE:", "ALSO READ:", "Latest News", "Share full article", "Skip to main content", "Accept cookies", "Menu",
    # a fifth probe (2026-12-06): reading-time and audio widgets, ad continuations, newsletter legal lines, station
    # promos, topic headers, privacy and app-store furniture, syndication and affiliate notices
    "Listen to this article · 5 min. Learn more", "3 min read · Updated 2 hours ago", "Article continues below this ad",
    "Opens new tab", "Back to top", "Now playing 02:15", "Don't miss", "Terms of Service Privacy Policy",
    "Got a story? Email news@example.com", "By signing up, you agree to our Terms of Use and Privacy Policy.",
    "For the latest news, weather, sports, and streaming video, head to News Channel 8.",
    "Explore more on these topics", "Related Topics", "Save for later", "Do Not Sell or Share My Personal Information",
    "Your Privacy Choices", "Video ad feedback", "Duration 2:15", "1 of 12", "Please enter a valid email address.",
    "You've read 3 of 5 free articles this month.", "Get it on Google Play", "Reader comments are moderated.",
    "Photo by Jane Doe on Unsplash", "Read the original article.", "Republished with permission.",
    "Distributed by Tribune Content Agency, LLC.", "All content © 2024 Example News",
    "We may earn a commission from links on this page.",
    "By Jane Doe and Bob Lee | Reuters | Dec 4, 2024 3:05 PM", "Jane Doe • December 4, 2024",
    "Illustration by Jane Doe",
    "Share this link: https://ex.co/3xYz", "Video playlist", "Photo gallery", "View all 12 photos", "Comment policy",
    "We welcome thoughtful comments from readers. Please comply with our guidelines.",
    # a seventh probe: wire footers, feed trailers, reader prompts, player notices, relative-time bylines
    "The Associated Press receives support from several private foundations. "
    "The AP is solely responsible for all content.",
    "Find AP's standards for working with philanthropies, a list of supporters and funded coverage areas at AP.org.",
    "Follow AP's coverage of the budget at https://apnews.com/hub/budget", "Source link",
    "The post Senate passes spending bill appeared first on Example News.", "Continue reading...", "Read More »",
    "Share your thoughts in the comments below.", "Thanks for reading!", "This video can not be played",
    "To view this video please enable JavaScript", "Story by Jane Doe • 3h", "— The Associated Press",
    "Featured Image: Senators leave the chamber (Jane Doe/Getty)", "Write to Jane Doe at jane.doe@time.com",
    # an eighth probe (2026-12-07): registration walls, reader controls, editing credits and agency-input notes, feed
    # disclaimers, stamps in Asian time zones, contact lines, agency names alone, update notes
    "Create a free account to continue reading", "Register for free to continue reading", "Continue reading in the app",
    "Text size", "A A A", "Allow notifications", "Report an ad", "Categories: Politics, Congress", "Edited by Jane Doe",
    "Editing by Jane Doe and John Roe", "Compiled by Jane Doe", "With inputs from agencies", "With agency inputs",
    "(With inputs from PTI)", "(This story has not been edited by our staff and is auto-generated from a "
    "syndicated feed.)",
    "Published - June 02, 2025 02:15 pm IST", "Last Updated: Jun 02, 2025, 14:15 IST",
    "First published on: 02-06-2025 at 14:15 IST", "Contact the author: jane@example.com",
    "Reach Jane Doe at jane@example.com.", "-- Reuters", "(Reuters)", "(AFP)",
    "This is a developing story and will be updated.", "More to come.",
    # handled before the probes
    "Share on Facebook", "Comments are closed.", "Published 3:45 PM EST, Mon June 2, 2025",
    "Sign up for our newsletter",
    "Story continues below advertisement", "Reporting by John Smith; Editing by Jane Doe", "Loading...",
]


@pytest.mark.parametrize(("body", "line"), [(ID_BODY, x) for x in ID_LINES] + [(EN_BODY, x) for x in EN_LINES])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_the_line_goes_and_the_body_stays(body: list[str], line: str, where: str) -> None:
    page = [*body[:2], line, *body[2:]] if where == "middle" else [*body, line]
    assert P.clean("\n".join(page)).split("\n") == body


@pytest.mark.parametrize(("body", "line", "cut"), [
    (EN_BODY, "Rep. Adam Smith speaks during a hearing. (Photo by Chip Somodevilla/Getty Images)",
     "Rep. Adam Smith speaks during a hearing."),
])
def test_a_credit_glued_to_a_caption_is_cut(body: list[str], line: str, cut: str) -> None:
    assert P.clean("\n".join([*body, line])).split("\n") == [*body, cut]


#: Seen kept and left so: shapes that articles also use as content. A how-to list item ("1. Unduh aplikasi X melalui
#: Play Store"), a subheading ("Rekomendasi", "Politics"), a book's page count ("Halaman: 302"), "Download the app to
#: buy tickets, the agency said."
CONTENT = [
    (ID_BODY, "1. Unduh aplikasi Travoy melalui Play Store atau App Store."),
    (ID_BODY, "Roadmap Adaptasi dan Rekomendasi"), (ID_BODY, "Simak selengkapnya di bawah ini."),
    (ID_BODY, "Lainnya masih dalam perawatan di rumah sakit."),
    (ID_BODY, "Dengarkan pendapat warga sebelum memutuskan, ujar Bupati."),
    (EN_BODY, "Download the app to buy tickets, the agency said."), (EN_BODY, "Politics"),
    (EN_BODY, "The story continues after the break, the host said."),
    (EN_BODY, "Don't miss the deadline, officials warned residents on Monday."),
    (EN_BODY, "For the latest news on the storm, residents were told to visit the county site, which crashed."),
    (EN_BODY, "Read the original article, the judge told the jury, before you decide."),
    (EN_BODY, "We may earn a commission on the sale, the agent said."),
    (EN_BODY, "The post office appeared first on a list of closures, officials said."),
    (EN_BODY, "Donate blood if you can, the Red Cross urged."),
    (ID_BODY, "Wartawan dilarang mengambil gambar di ruang sidang tanpa izin hakim."),
    (ID_BODY, "Selanjutnya: warga diminta mendaftar ulang di kantor desa."), (ID_BODY, "Halaman: 302"),
    (ID_BODY, "Tunggu sebentar, kata petugas kepada warga."), (ID_BODY, "Pelanggan PLN diminta membayar "
              "sebelum tanggal 20."),
    (ID_BODY, "Ikuti langkah berikut untuk mendapatkan informasi lengkap soal bansos."),
    (EN_BODY, "Register to vote before the deadline, officials urged."), (EN_BODY, "Edited by hand, the film "
              "ran long."),
    (EN_BODY, "With inputs from farmers, the plan changed."), (EN_BODY, "Category 5 hurricane makes landfall"),
    # a precision probe (2026-12-07): content sentences in the words of promos, credits and notices
    (ID_BODY, "Polisi meminta warga yang menjadi korban untuk bergabung di grup WhatsApp pengaduan yang "
              "dibuat Polres Bekasi."),
    (ID_BODY, "Warga yang ingin mendaftar cukup unduh aplikasi Sapa Warga di Play Store, lalu isi data diri."),
    (ID_BODY, "Ikuti akun resmi BMKG untuk mendapatkan informasi cuaca terkini, kata Kepala Stasiun "
              "Meteorologi Juanda."),
    (ID_BODY, "Lihat juga kondisi rem dan lampu kendaraan sebelum berangkat mudik, saran Kasat Lantas."),
    (ID_BODY, "Selanjutnya: Peserta yang lolos seleksi administrasi wajib mengikuti tes kemampuan dasar."),
    (ID_BODY, "Laporan wartawan BBC tentang kelaparan di Gaza memicu reaksi keras dari pemerintah Israel."),
    (ID_BODY, "Diproduksi oleh Miles Films, film itu tayang serentak di 200 bioskop mulai Kamis."),
    (ID_BODY, "Hak cipta lagu itu terdaftar sejak 2005, kata kuasa hukum penggugat."),
    (ID_BODY, "Ia mengunggah foto: Jalan Raya Bogor terendam banjir setinggi lutut."),
    (EN_BODY, "Copyright claims against AI companies doubled in 2024, the report found."),
    (EN_BODY, "The senator later tweeted a photo: Lawmakers crowded onto the Capitol steps."),
    (EN_BODY, "BY THE NUMBERS"), (EN_BODY, "By Car"),
    (ID_BODY, "Masukkan email dan kata sandi yang sudah didaftarkan, lalu tekan tombol Masuk."),
    (EN_BODY, "Enter your email address and password, then tap Log In."),
    (ID_BODY, "Pilih lokasi penukaran uang terdekat, lalu tentukan tanggal dan jam kedatangan."),
    (EN_BODY, "Enter your ZIP code to find the nearest polling place."),
]


@pytest.mark.parametrize(("body", "line"), CONTENT)
def test_lines_of_the_same_words_that_are_content_stay(body: list[str], line: str) -> None:
    page = [*body[:2], line, *body[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize("first", [
    "Waspada! Ini Bahaya Makan Ikan LeleHal ini disampaikan kepala dinas perikanan kepada wartawan pada Senin pagi.",
    "Waspada! Ini Bahaya Makan Ikan Lele - Hal ini disampaikan kepala dinas perikanan kepada wartawan pada Senin pagi.",
])
def test_the_headline_glued_before_the_lead_goes(first: str) -> None:
    from newsclean import Document

    doc = Document("\n".join([first, *ID_BODY[1:]]), metadata={"title": "Waspada! Ini Bahaya Makan Ikan Lele"})
    assert P.clean(doc).split("\n")[0] == "Hal ini disampaikan kepala dinas perikanan kepada wartawan pada Senin pagi."


def test_a_lead_in_sentence_case_that_opens_with_the_titles_words_stays() -> None:
    from newsclean import Document

    first = "Harga cabai naik lagi di pasar induk pada Senin pagi, kata pedagang kepada wartawan di Jakarta."
    doc = Document("\n".join([first, *ID_BODY[1:]]), metadata={"title": "Harga Cabai Naik Lagi"})
    assert P.clean(doc).split("\n")[0] == first


def test_a_title_case_headline_before_a_dash_goes_without_a_title() -> None:
    lead = "Lele adalah sejenis ikan air tawar yang populer."
    first = "Bahaya Mengkonsumsi Ikan Lele Yang Mengandung Sel Kanker - " + lead
    assert P.clean("\n".join([first, *ID_BODY[1:]])).split("\n")[0] == lead


#: A body long enough that a header in its middle sits inside the closing blocks' windows (the last 20 lines).
LONG_BODY = [f"{s[:-1]} in district {i}, officials said on day {i}." for i in range(16) for s in [EN_BODY[i % 4]]]


@pytest.mark.parametrize("header", ["Read next", "Up Next", "Tags:", "Recommended Stories", "Sponsored by Acme"])
@pytest.mark.parametrize("at", [6, 13])
def test_a_teaser_header_in_the_middle_of_a_body_takes_no_paragraph(header: str, at: int) -> None:
    out = P.clean("\n".join([*LONG_BODY[:at], header, *LONG_BODY[at:]])).split("\n")
    assert [line for line in out if line != header] == LONG_BODY  # the header itself may stay or go


def test_a_closing_teaser_list_of_headlines_and_summaries_still_goes() -> None:
    teasers = ["Tags:", "Trump tweets before the summit", "July 14, 2018, 5:49 pm",
               "Two days before a summit with the Russian president, the president played golf and tweeted "
               "from one of his resorts.",
               "Twelve officers indicted for meddling", "July 13, 2018, 9:01 pm",
               "Twelve intelligence officers hacked into the campaign and released tens of thousands of private "
               "messages."]
    assert P.clean("\n".join([*LONG_BODY, *teasers])).split("\n") == LONG_BODY


def test_a_lone_network_name_heading_a_section_stays() -> None:
    page = [*ID_BODY[:2], "Facebook", *ID_BODY[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize(("body", "promo"), [
    (EN_BODY, "Get the latest news delivered to your inbox."), (EN_BODY, "Sign up for our daily newsletter."),
    (EN_BODY, "© 2019 The Associated Press. All Rights Reserved."),
    (EN_BODY, "Disclaimer: This story is auto-generated from a syndicated feed."),
    (EN_BODY, "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)"),
    (EN_BODY, "Copyright 2018 by CNN NewSource. All rights reserved."),
])
def test_a_promo_glued_after_a_content_sentence_goes_and_the_paragraph_stays(body: list[str], promo: str) -> None:
    # A line rule that allowed any text before its promo took the whole paragraph with it (found by gluing every
    # catalog example after a content sentence): the glued-promo step cuts the promo instead.
    page = [body[0], f"{body[1]} {promo}", *body[2:]]
    assert P.clean("\n".join(page)).split("\n") == body


@pytest.mark.parametrize("line", [
    "Whitfield is the council's longest-serving member and a former director of the county health department.",
    "Trump is the first president since Grover Cleveland to serve two non-consecutive terms.",
])
def test_a_closing_sentence_about_someone_in_the_story_is_not_an_author_bio(line: str) -> None:
    page = [*EN_BODY, line]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_lead_whose_subject_has_an_apposition_between_dashes_keeps_its_subject() -> None:
    lead = "Presiden Prabowo Subianto – Kepala Negara ke-8 – melantik 48 menteri di Istana Negara, Senin."
    page = [lead, *ID_BODY[1:]]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize("label", ["Now Playing", "NOW PLAYING"])
@pytest.mark.parametrize("at", [0, 2])
def test_a_player_label_without_a_clip_takes_no_paragraph(label: str, at: int) -> None:
    out = P.clean("\n".join([*EN_BODY[:at], label, *EN_BODY[at:]])).split("\n")
    assert [line for line in out if line != label] == EN_BODY


def test_a_list_that_a_paragraph_announces_in_words_stays_at_the_end() -> None:
    page = [*ID_BODY, "Menteri yang dilantik hari ini antara lain sebagai berikut.",
            "Menteri Koordinator Bidang Perekonomian Airlangga Hartarto", "Menteri Koordinator Bidang Pangan "
            "Zulkifli Hasan",
            "Menteri Koordinator Bidang Pembangunan Manusia Pratikno"]
    assert P.clean("\n".join(page)).split("\n") == page


from unseen_probe_lines import (  # noqa: E402
    EN_LEFT,
    EN_PROBE,
    EN_PROBE_10,
    EN_PROBE_11,
    EN_PROBE_11_HEAD,
    EN_PROBE_12,
    EN_PROBE_13,
    EN_PROBE_14,
    EN_PROBE_15,
    EN_PROBE_16,
    EN_PROBE_17,
    ID_LEFT,
    ID_PROBE,
    ID_PROBE_10,
    ID_PROBE_11,
    ID_PROBE_11_HEAD,
    ID_PROBE_13,
    ID_PROBE_15,
    ID_PROBE_16,
    ID_PROBE_17,
    ID_PROBE_18,
)


@pytest.mark.parametrize(("body", "line"), [(ID_BODY, x) for x in ID_PROBE + ID_PROBE_10 + ID_PROBE_11 + ID_PROBE_13
                                           + ID_PROBE_15 + ID_PROBE_16
                                           + ID_PROBE_17 + ID_PROBE_18]
                         + [(EN_BODY, x) for x in EN_PROBE + EN_PROBE_10 + EN_PROBE_11 + EN_PROBE_12 + EN_PROBE_13
                                                            + EN_PROBE_14 + EN_PROBE_15 + EN_PROBE_16
                                                            + EN_PROBE_17])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_ninth_probe_line_goes_and_the_body_stays(body: list[str], line: str, where: str) -> None:
    page = [*body[:2], line, *body[2:]] if where == "middle" else [*body, line]
    assert P.clean("\n".join(page)).split("\n") == body


@pytest.mark.parametrize("at", [0, 2])
def test_a_team_line_up_keeps_its_first_word(at: int) -> None:
    # (A short gloss of an acronym keeps its first word below the first line; on the first line it looks like an
    # outlet's dateline, "TOPMEDIA - Presiden ...", and loses it: seen and left.)
    lines = ["PERSIB – Kevin Ray Mendoza; Kakang Rudianto, Nick Kuipers, Gustavo Franca",
             "BMKG – Badan Meteorologi, Klimatologi, dan Geofisika"][: 1 if at == 0 else 2]
    page = [*ID_BODY[:at], *lines, *ID_BODY[at:]]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize("line", EN_PROBE_11_HEAD)
def test_a_byline_shape_goes_at_the_top_and_stays_at_the_end(line: str) -> None:
    # Too loose to remove anywhere (a name and a date, a wire source alone): only among the first lines.
    assert P.clean("\n".join([line, *EN_BODY])).split("\n") == EN_BODY
    assert P.clean("\n".join([*EN_BODY, line])).split("\n") == [*EN_BODY, line]


@pytest.mark.parametrize("line", ID_PROBE_11_HEAD)
def test_an_indonesian_head_line_goes_at_the_top(line: str) -> None:
    assert P.clean("\n".join([line, *ID_BODY])).split("\n") == ID_BODY


@pytest.mark.parametrize(("body", "line"), [(ID_BODY, x) for x in ID_LEFT] + [(EN_BODY, x) for x in EN_LEFT])
def test_a_probe_line_that_is_also_content_stays_among_paragraphs(body: list[str], line: str) -> None:
    # Below the first lines (where a name and a masthead is a byline) and above the last one.
    close = ("Warga diminta tetap waspada hingga akhir pekan, kata petugas." if body is ID_BODY
             else "Lawmakers will return to the issue next month, aides said.")
    page = [*body, line, close]
    assert P.clean("\n".join(page)).split("\n") == page


@pytest.mark.parametrize(("line", "kept"), [
    ("BACA JUGA: Jalan Akses Menuju KIPP IKN Rusak, Warga Sepaku Keluhkan Debu Menurutnya, persoalan ini "
     "berpotensi memicu konflik sosial apabila tidak segera diselesaikan.",
     "Menurutnya, persoalan ini berpotensi memicu konflik sosial apabila tidak segera diselesaikan."),
    ("Baca Juga: Sheila Anindita Rilis Single Baru, Liriknya Bikin BaperKonser tersebut rencananya akan berlangsung di "
     "Istora Senayan dengan kapasitas sekitar 7.000 penonton.",
     "Konser tersebut rencananya akan berlangsung di Istora Senayan dengan kapasitas sekitar 7.000 penonton."),
])
def test_a_related_promo_glued_before_a_paragraph_is_cut_and_the_paragraph_stays(line: str, kept: str) -> None:
    page = [*ID_BODY[:2], line, *ID_BODY[2:]]
    assert P.clean("\n".join(page)).split("\n") == [*ID_BODY[:2], kept, *ID_BODY[2:]]


@pytest.mark.parametrize(("body", "widget"), [
    (EN_BODY, ["Poll", "Will you attend the county fair at its new location?", "Yes", "No", "Not sure yet", "Vote",
               "View Results"]),
    (ID_BODY, ["Polling: Apakah proyek drainase di kota ini sudah tepat sasaran?", "Ya, sudah tepat",
               "Belum, perlu evaluasi", "Lihat Hasil"]),
    (ID_BODY, ["Jajak Pendapat", "Setujukah Anda jika pungutan digabung dengan harga tiket?", "Setuju",
               "Tidak Setuju"]),
    (EN_BODY, ["Was this page helpful?", "Yes", "No"]),
    (EN_BODY, ["Do you like the content of this article?", "Yes", "No"]),
])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_poll_or_a_feedback_widget_goes(body: list[str], widget: list[str], where: str) -> None:
    page = [*body[:2], *widget, *body[2:]] if where == "middle" else [*body, *widget]
    assert P.clean("\n".join(page)).split("\n") == body


@pytest.mark.parametrize("lines", [
    ["Polling", "Prabowo-Gibran: 58%", "Anies-Muhaimin: 25%"],  # a poll's results are the story's
    ["Polling"],  # a subheading above a paragraph
    ["Update 16.30 WIB"],  # a live update's time, not a stamp
    ["Senin, 7 April 2025, pukul 14.00 - 24.00 WIB", "Selasa, 8 April 2025, pukul 06.00 - 24.00 WIB"],  # a schedule
])
def test_poll_results_subheadings_and_schedules_stay(lines: list[str]) -> None:
    page = [*ID_BODY[:2], *lines, *ID_BODY[2:]]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_fact_check_list_with_verdicts_and_a_table_of_contents_under_the_head_go() -> None:
    related = ["Cek Fakta Lainnya", "[SALAH] Video Banjir Bandang Disebut Terjadi di Garut Pekan Ini",
               "[HOAKS] Pendaftaran CPNS 2026 Dibuka Lewat Akun Telegram"]
    assert P.clean("\n".join([*ID_BODY, *related])).split("\n") == ID_BODY
    more = ["Baca berita Jurnal Kota Medan lainnya:", "Wali Kota Medan Tinjau Normalisasi Sungai Deli",
            "Banjir Rendam Kawasan Helvetia, Warga Keluhkan Drainase Tersumbat"]
    assert P.clean("\n".join([*ID_BODY[:2], *more, *ID_BODY[2:]])).split("\n") == ID_BODY
    # A table of contents below a byline, a stamp and a deck: the block's window counts them (dropped in its round).
    head = ["Reporter : Galih Pamungkas", "Editor : Sinta Maharani", "Senin, 07 April 2025 | 17:35 WIB"]
    toc = ["Daftar Isi", "Lonjakan pada Hari Kelima", "Jadwal Ganjil Genap"]
    out = P.clean("\n".join([*head, ID_BODY[0], *toc, *ID_BODY[1:]])).split("\n")
    assert out == ID_BODY


@pytest.mark.parametrize(("body", "tags"), [
    (EN_BODY, "Tea, Colombo Tea Auction, Exports, Plantations"),
    (ID_BODY, "gempa garut, BMKG, gempa hari ini, gempa jawa barat"),
    (ID_BODY, "IHSG, BEI, saham, net sell asing, The Fed"),
])
def test_a_bare_tag_list_at_the_end_goes(body: list[str], tags: str) -> None:
    assert P.clean("\n".join([*body, tags])).split("\n") == body
    # Above the last three lines it is left to other rules (a list of the story's own).
    page = [body[0], tags, *body[1:]]
    assert P.clean("\n".join(page)).split("\n") == page


def test_a_campaigns_hashtags_in_the_body_stay_and_a_tag_row_at_the_end_goes() -> None:
    # (Tag rows close a page; a story that introduces its campaign's tags prints them among its paragraphs.)
    tags = "#PeduliBanjir #BanjirBukanTakdir"
    body = [*ID_BODY, "Gerakan warga itu ramai di media sosial dengan dua tagar:", tags, *ID_BODY,
            "Tagar kedua dipakai warga untuk menuntut pembangunan tanggul yang lebih tinggi di pesisir.",
            "Relawan mencatat lebih dari dua ribu unggahan memakai tagar itu dalam sepekan terakhir.",
            "Pemerintah daerah berjanji membahas usulan warga dalam rapat anggaran bulan depan."]
    assert P.clean("\n".join(body)).split("\n") == body
    assert P.clean("\n".join([*ID_BODY, tags])).split("\n") == ID_BODY


@pytest.mark.parametrize("tail", [
    ["Referensi", "Wibowo, A. (2019). Kekurangan vitamin pada pekerja kantor. Jurnal Gizi Lembah, 4(2), 11–19.",
     "Kementerian Kesehatan RI. Pedoman Gizi Seimbang. Diakses pada Mei 2025."],
    ["Tentang Penulis", "Rina Lestari — Editor kesehatan di SehatLembah. Menulis soal gizi sejak 2017."],
    ["Post navigation", "← Jembatan Gantung di Hulu Sungai Kembali Dibuka"],
])
def test_an_end_block_of_set_g_goes_and_the_body_stays(tail: list[str]) -> None:
    assert P.clean("\n".join([*ID_BODY, *tail])).split("\n") == ID_BODY


def test_a_unit_credit_glued_to_the_last_paragraph_goes() -> None:
    page = [*ID_BODY[:-1], ID_BODY[-1] + " (Humas Polres Lembah Raya)"]
    assert P.clean("\n".join(page)).split("\n") == ID_BODY
