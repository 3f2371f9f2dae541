"""Boilerplate families of Indonesian pages found by probe set W (issue 13, eleventh round), each tested on a short
synthetic page in wordings of outlets the probe did not show: the boilerplate goes where the family is printed (the
top, the middle or the end of the body) and the body stays; lines of the same words that are content stay too."""

from __future__ import annotations

import pytest
from synthetic_pages import ID_BODY

from newsclean import Pipeline

P = Pipeline.default(lang="auto")


def clean(lines: list[str]) -> list[str]:
    return P.clean("\n".join(lines)).split("\n")


#: One line of a family, anywhere in the body.
ANYWHERE = [
    # an ad slot's label or its read-on prompt, a public-service ad under its label
    "Artikel dilanjutkan di bawah iklan berikut",
    "Slot Iklan",
    "ADV",
    "ILM: Ayo cuci tangan pakai sabun sebelum makan!",
    # page furniture: a feed's loader, a player's button, a paginated story's notice, a widget's link, a live badge
    "Memuat artikel lainnya...",
    "Putar video dalam layar penuh",
    "Tulisan ini berlanjut ke halaman 2",
    "Lihat jadwal pertandingan lengkap ›",
    "🔴 LIVE",
    # stamps: the last update with a clock time, the date with its Hijri date
    "Update terakhir: 09.12 WITA",
    "Minggu, 2 Maret 2025 | Terakhir diperbarui 21.40 WIB",
    "Rabu, 17 September 2025 M / 24 Rabiul Awal 1447 H",
    # a magazine's edition date, its print-edition note
    "EDISI 17 MARET 2025",
    "Laporan ini juga dimuat di tabloid Pekan Tani edisi 9/2025, 10–16 Maret 2025.",
    # a live blog's refresh notice, a typo hint with its keys, a helpfulness poll
    "Laman ini diperbarui secara berkala. Refresh untuk kabar terbaru.",
    "Temukan salah ketik? Sorot kalimatnya lalu tekan Ctrl + Enter",
    "Apakah ulasan ini membantu? 👍 Ya 👎 Tidak",
    # comment login prompts, the English theme's commenter line
    "Silakan login untuk ikut berkomentar",
    "Yohanes Kale says:",
    # a share prompt after a short call
    "Ayo, bagikan berita ini kepada keluarga!",
    # a metered paywall
    "Anda telah membaca 3 dari 5 artikel gratis bulan ini. Daftar untuk membaca tanpa batas.",
    "Tersisa 2 artikel gratis untuk Anda bulan ini",
    # a calculator's fields and button, a weather strip opened by place and date, a form's e-mail field
    "Harga kendaraan (Rp):",
    "Jangka waktu: 12 / 24 / 36 / 48 bulan",
    "Hitung Angsuran",
    "Maumere, Jumat, 9 Mei 2025 | 33°C Cerah Berawan",
    "Masukkan alamat email Anda",
    # an office's footer without bars, a footer row of the site's name and its links
    "Bagian Humas Setda Kabupaten Ende, Jl. Eltari No. 2, Ende. Telp. (0381) 21050",
    "Warta Flores | Redaksi | Pedoman Media Siber | © 2025",
    "Harian Flores Pos — Terbit sejak 1962 | Iklan | Berlangganan | Redaksi",
    # a call center's banner, a service's promo after a question, a banner announcement before "klik di sini"
    "Hubungi Hotline Damkar 113 — Bebas Pulsa, 24 Jam",
    "Perlu bantuan hukum? Konsultasi gratis lewat aplikasi AdvokatKu, mulai Rp 50.000.",
    "Pendaftaran Mahasiswa Baru Jalur Prestasi sudah dibuka! Klik di sini untuk info lengkap.",
    # a link's words closed by an arrow, a pitch whose last words are the button
    "Cari bengkel resmi terdekat ›",
    "Kabar Flores Pagi: lima berita penting, tiap hari kerja. Langganan gratis →",
    # a newsletter box's pitch
    "Cerita kuliner pilihan redaksi setiap Sabtu di kotak masuk Anda.",
    # an investment note and a health page's disclaimer
    "Disclaimer: Analisis ini bukan ajakan membeli atau menjual saham. Keputusan ada di tangan pembaca.",
    "Informasi ini hanya bersifat edukatif dan tidak menggantikan diagnosis atau pengobatan dari dokter.",
    # a summariser's label and sources, a failed embed's placeholder
    "Ringkasan dari 5 sumber · Diperbarui 10 menit lalu",
    "Dirangkum dari: Warta Flores, Flores TV, Kabar Ende",
    "[Postingan TikTok tidak dapat ditampilkan. Aktifkan cookie untuk melihat.]",
]


@pytest.mark.parametrize("line", ANYWHERE)
@pytest.mark.parametrize("where", ["middle", "end"])
def test_the_line_goes_and_the_body_stays(line: str, where: str) -> None:
    page = [*ID_BODY[:2], line, *ID_BODY[2:]] if where == "middle" else [*ID_BODY, line]
    assert clean(page) == ID_BODY


@pytest.mark.parametrize("tail", [
    # related lists in other words, a headline with a year and an amount, a video list with durations
    ["Lebih banyak dari Kabar Lembah", "Harga Gabah di Sikka Turun Jelang Panen Raya"],
    ["Lebih Lanjut di KabarLembah.com", "Kapal Feri Kupang-Larantuka Kembali Berlayar",
     "Jembatan Gantung di Sikka Putus"],
    ["Baca Selanjutnya", "Pemkab Sikka Salurkan 300 Ton Beras untuk 12.000 Keluarga 2025"],
    ["Berita Terkait", "Harga Gabah di Sikka Turun Jelang Panen Raya", "Pemkab Targetkan 300 Embung Baru Rampung 2026"],
    ["Video Terkait", "02:10 Banjir Rendam Maumere", "05:44 Dialog Khusus: Kesiapan Posko Hadapi Banjir Susulan"],
    # a standings widget with units in its rows
    ["Referensi:", "Kementerian Kesehatan RI. Pedoman Tata Laksana Demam Berdarah Dengue.",
     "World Health Organization. Dengue and Severe Dengue Fact Sheet."],
    ["Klasemen Sementara Grup C", "1. Sumba Putra 5 main 13 poin", "2. Flores United 5 main 10 poin",
     "3. Timor FC 5 main 7 poin", "Lihat klasemen lengkap"],
])
def test_a_block_below_the_body_goes(tail: list[str]) -> None:
    assert clean([*ID_BODY, *tail]) == ID_BODY


@pytest.mark.parametrize("head", [
    ["Flores TV Live Berita Program Jadwal Acara Video Foto"],
    ["BOLA FLORES  Liga 3  Timnas  Eropa  MotoGP  Skor Langsung"],
    ["Teks dan foto oleh Yohanes Kale", "9 Mei 2025"],
])
def test_a_menu_or_byline_above_the_body_goes(head: list[str]) -> None:
    assert clean([*head, *ID_BODY]) == ID_BODY


def test_capital_initials_glued_to_the_last_paragraph_go() -> None:
    out = clean([*ID_BODY[:-1], ID_BODY[-1] + " (YK)"])
    assert out == ID_BODY


def test_a_read_on_marker_in_other_words_goes_with_its_headline() -> None:
    page = [*ID_BODY[:2], "Jangan sampai ketinggalan:", "Harga Gabah di Sikka Turun Jelang Panen Raya", *ID_BODY[2:]]
    assert clean(page) == ID_BODY


def test_a_simak_pula_promo_glued_after_a_quote_goes_and_the_paragraph_stays() -> None:
    line = ('"Posko kami buka 24 jam," ujar Camat.Simak pula: Jembatan Gantung di Sikka Putus Diterjang Banjir '
            "Menurut warga, jembatan itu satu-satunya akses ke sekolah.")
    out = clean([*ID_BODY[:2], line, *ID_BODY[2:]])
    assert not any("Jembatan Gantung" in x for x in out)
    assert any(x.startswith('"Posko kami buka 24 jam," ujar Camat.') for x in out)
    assert any("satu-satunya akses ke sekolah." in x for x in out)


@pytest.mark.parametrize("line", [
    "Iklan layanan masyarakat itu ditayangkan di televisi lokal sejak Senin.",
    "Pembaruan pukul 14.20 WITA:",
    "Edisi 17 Maret 2025 memuat wawancara khusus dengan Bupati Sikka.",
    "Anda membaca 3 dari 5 artikel itu, lalu menyimpulkannya sendiri, kata dosen tersebut.",
    "Bagikan informasi ini kepada warga lain, kata Lurah.",
    "Bupati Sikka berkata:",
    "e-mail",
    "Uang muka: Rp 5 juta, sisanya dicicil selama dua tahun.",
    "Lebih lanjut di Maumere, polisi menyekat jalan menuju lokasi banjir.",
    "Jangan lewatkan kesempatan mendaftar sebelum 20 Mei, kata panitia.",
    "Pertandingan itu disiarkan langsung di televisi nasional.",
    "Warga dapat menghubungi Call Center 112 secara gratis 24 jam, ujar Kapolres.",
    "OJK menegaskan unggahan pemengaruh itu bukan rekomendasi membeli saham.",
    "Dirangkum dari 12 wawancara, laporan itu menyimpulkan warga menolak relokasi.",
    "Pendaftaran dibuka di Kantor Camat, Jl. Eltari No. 2, telp. 0381-21050, setiap hari kerja.",
    "Video itu tidak dapat diputar di ponsel lama, kata teknisi.",
    "Harga naik dari Rp 10.000 → Rp 12.000",
    "Penipu mengirim tautan palsu ke kotak masuk Anda setiap hari, kata polisi.",
])
def test_lines_of_the_same_words_that_are_content_stay(line: str) -> None:
    page = [*ID_BODY[:2], line, *ID_BODY[2:]]
    assert clean(page) == page
