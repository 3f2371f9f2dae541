"""Seeded generator of realistic Indonesian-looking news corpora, with ground truth.

    python -m benchmarks.generate OUT --paragraphs N --seed S [--format txt|jsonl|jsonl.gz]
                                      [--docs-per-file K] [--republish R]

writes the documents under ``OUT/corpus/`` (so ``python -m newsclean OUT/corpus CLEAN`` reads only
them), one ground-truth row per document in ``OUT/_truth.jsonl`` and a summary (parameters and
counts) in ``OUT/_truth.json``. ``N`` is the exact number of non-empty lines ("paragraphs", the unit
newsclean cleans and deduplicates), boilerplate lines included. The same ``N`` and ``S`` always
give the same bytes.

From Python, :func:`generate` yields the same documents as dicts (``id``, ``outlet``, ``url``,
``date``, ``title``, ``text``, ``truth``)::

    >>> docs = list(generate(40, seed=1))
    >>> sum(d["truth"]["paragraphs"] for d in docs)
    40
    >>> sum(len([ln for ln in d["text"].split("\\n") if ln.strip()]) for d in docs)
    40

What the text looks like (shaped after the statistics of real Indonesian news, none of its text):

- *content*: paragraphs of one to four sentences from a Zipf-weighted vocabulary of common
  Indonesian words written here plus derived and pseudo-words (affixes, syllables), names, places,
  institutions, numbers ("Rp 2,5 triliun", "Senin (12/6/2025)"), quotes in curly quotes; about
  12 paragraphs per document and 150 characters per paragraph, mostly ASCII.
- *boilerplate* of every kind of the rule catalog (``line``, ``prefix``, ``inline``, ``block``,
  ``tail``, ``lexicon``): related-article promos ("Baca Juga: <headline>"), channel prompts
  ("Gabung ke Channel WhatsApp ..."), separators ("–––"), ad markers ("Advertisement",
  "SCROLL TO CONTINUE WITH CONTENT"), "Posted By : ..." spam, datelines ("JAKARTA, KOMPAS.com - "),
  source and credit trailers ("Sumber : Antara", "(ara/ara)"), each outlet with its own habits.
  Every injection is recorded with its line (and character span for ``prefix``/``inline``).
- *near-duplicates*: a share of content paragraphs are copies of earlier paragraphs (mostly from
  other documents, sometimes whole syndicated articles) with a known word-level edit rate
  (substitutions, deletions, insertions at distinct positions) or truncated to a known share of
  their words. Each is recorded with its source ``(doc, line)``, the rate and the operation count.
- *syndicated mode* (``--republish R``): every article is published ``R`` times in all, by other
  outlets among the next 200 documents, each copy with its outlet's own boilerplate and dateline and
  each paragraph copied with word edits (0-20% of its words) or dropped (10%): a paragraph then has
  up to ``R - 1`` near-copies, as in syndicated wire news. Recorded as near-duplicates with
  ``op: republish``.
- *Unicode noise* on a few lines: no-break spaces, zero-width spaces, HTML entities, mojibake
  (UTF-8 read as Windows-1252), recorded per line. Near-duplicate sources and copies are kept free
  of noise and inline injections so that their recorded edit rates are exact.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import heapq
import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec for mojibake)

__all__ = ["GeneratorOptions", "generate", "write_corpus", "main", "word_edit_distance"]

# --------------------------------------------------------------------------- vocabulary (written here)


def _w(text: str) -> list[str]:
    return text.split()


# Frequent Indonesian words, roughly by frequency: function words first, then common content words.
_CORE = _w("""
yang dan di ke dari ini itu dengan untuk pada dalam tidak akan juga sudah telah ada karena oleh bahwa
saat para tersebut lebih bisa masih agar namun atau seperti hingga menjadi secara sejak setelah antara
terhadap sebagai kami kita mereka ia dia banyak belum harus kepada tahun hari warga pemerintah sangat
jika kemudian serta dapat bagi hanya sementara lalu pun tak baru besar selama tetapi sebelum melalui
orang akan lain semua beberapa sendiri sama tersebut mulai bisa memang justru tentu kini nanti ketika
masyarakat daerah negara kota provinsi pusat wilayah desa kabupaten kecamatan jalan rumah sekolah
harga pasar ekonomi pertumbuhan inflasi anggaran dana bantuan program kebijakan aturan undang-undang
presiden menteri gubernur bupati wali ketua kepala direktur anggota pejabat petugas polisi tersangka
korban saksi pihak kelompok partai pemilu kampanye calon suara rapat sidang pengadilan hakim jaksa
kasus hukum penyidik pemeriksaan laporan data informasi hasil upaya proses kegiatan acara peristiwa
kejadian bencana banjir gempa longsor kebakaran kecelakaan cuaca hujan musim kondisi situasi keadaan
kesehatan rumah sakit pasien dokter vaksin obat penyakit layanan fasilitas pendidikan siswa guru
mahasiswa kampus penelitian teknologi digital internet aplikasi media sosial video foto berita
perusahaan usaha bisnis investasi saham bank kredit pajak ekspor impor produksi industri pertanian
petani nelayan pedagang pekerja buruh upah lapangan kerja energi listrik minyak gas bahan bakar
kendaraan mobil motor kereta pesawat bandara pelabuhan tol proyek pembangunan infrastruktur
pagi siang sore malam minggu bulan pekan lalu depan terakhir pertama kedua ketiga baru lama
mengatakan menyebutkan menjelaskan mengungkapkan menyampaikan meminta menilai memastikan
melakukan memberikan mendapatkan menggunakan meningkatkan menurunkan membangun membuat menerima
mengalami menunjukkan mengikuti menangani menetapkan menjalani mendorong menyiapkan mencapai
dilakukan diberikan digunakan ditemukan ditetapkan disampaikan diketahui dikatakan diminta
berhasil berada berjalan berlangsung bertemu berharap berencana berupaya bersama berdasarkan
terjadi terkait terus tetap cukup sekitar hampir paling sekaligus langsung segera akhirnya
penting utama khusus umum nasional internasional lokal resmi publik tinggi rendah naik turun
""")

# Roots that take affixes: me-/di-/ber-/pe-...-an/-kan/-nya give a long, realistic-looking tail.
_ROOTS = _w("""
jual beli bangun kerja tanam panen bayar pinjam simpan kirim terima tulis baca lihat dengar
ajar pimpin atur kelola awas jaga bantu dukung tolak setuju bahas putus tetap ubah tambah kurang
hitung ukur uji periksa selidik tangkap tahan adil tuntut lapor ikut pilih calon wakil gerak
layan rawat obat sembuh cegah tular sebar kumpul bagi hubung sambung tutup buka pindah datang
pergi pulang tinggal huni kembang tumbuh naik turun ekspor impor produksi distribusi subsidi
""")

_SYLLABLES = _w("""
ba be bi bo bu da de di do du ga gi gu ha ja ju ka ke ki ko ku la le li lo lu ma me mi mo mu na ne
ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu wa wi ya yu an ang ar as at
in ing ir is it un ung ur us ut kan lah ran lang tang rang sing ting sung ban dan gan han jan man
""")

_GIVEN = _w("""
Budi Siti Agus Dewi Rina Andi Joko Sri Wahyu Putri Ahmad Nur Rudi Yanti Hendra Fitri Dedi Lestari
Bambang Ratna Eko Indah Fajar Wulan Hadi Sari Rizki Ayu Teguh Maya Arif Novi Bayu Tri Gilang Nadia
Irfan Citra Yusuf Intan Darmawan Kartika Surya Melati Adi Ningsih Imam Rahma
""")
_FAMILY = _w("""
Santoso Wijaya Pratama Saputra Hidayat Kurniawan Setiawan Nugroho Siregar Lubis Nasution Hutapea
Simanjuntak Harahap Gunawan Susanto Wibowo Purnomo Halim Tanjung Sembiring Ginting Rahman Syahputra
Hakim Permana Ramadhan Firmansyah Utomo Prasetyo Sitompul Manurung Wirawan Kusuma
""")
_CITIES = _w("""
Jakarta Surabaya Bandung Medan Semarang Makassar Yogyakarta Denpasar Palembang Bekasi Depok Bogor
Malang Solo Pontianak Manado Padang Batam Kupang Jayapura Ambon Banjarmasin Samarinda Pekanbaru
Jambi Bengkulu Mataram Kendari Palu Tangerang Cirebon Tasikmalaya Serang Lampung Balikpapan
""")
_INSTITUTIONS = [
    "Kementerian Keuangan", "Bank Indonesia", "DPR", "KPK", "Polda Metro Jaya", "BMKG", "Pemprov DKI",
    "Kementerian Kesehatan", "BPS", "OJK", "Mahkamah Konstitusi", "KPU", "Bawaslu", "TNI", "Polri",
    "Kementerian Perhubungan", "PLN", "Pertamina", "BPBD", "Dinas Pendidikan", "Kejaksaan Agung",
    "Kementerian Pertanian", "BNPB", "Basarnas", "Dinas Kesehatan", "Pemkot", "DPRD",
]
_TITLES = ["Menteri", "Kepala", "Ketua", "Direktur", "Juru bicara", "Kapolres", "Wakil Ketua", "Sekretaris"]
_SAY = ["kata", "ujar", "ucap", "jelas", "tutur", "ungkap", "imbuh", "tegas"]
_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
_UNITS = ["persen", "orang", "unit", "ton", "kilometer", "hektare", "rumah", "kendaraan", "kasus"]
_SPAM = ["togel hongkong", "slot gacor", "togel sgp", "judi online", "situs slot", "bandar togel",
         "prediksi togel", "rtp slot"]

# Outlets: (domain, display name, dateline templates, boilerplate habits).
_OUTLETS: list[tuple[str, str, tuple[str, ...], dict[str, float]]] = [
    ("kompas.com", "Kompas.com", ("{CITY}, KOMPAS.com - ",),
     {"related": 0.9, "channel": 0.5, "block": 0.2, "tail_initials": 0.3, "inline_related": 0.1}),
    ("detik.com", "detikcom", ("{City} - ",),
     {"ads": 0.8, "related": 0.5, "tail_initials": 0.8, "inline_ads": 0.2}),
    ("liputan6.com", "Liputan6.com", ("Liputan6.com, {City} - ",),
     {"related": 0.7, "separator": 0.3, "ads": 0.3, "tail_source": 0.2}),
    ("tribunnews.com", "Tribunnews.com", ("TRIBUNNEWS.COM, {CITY} - ", "TRIBUNJATENG.COM, {CITY} - "),
     {"related": 0.9, "block": 0.3, "channel": 0.4, "tail_source": 0.2, "inline_related": 0.15}),
    ("okezone.com", "Okezone", ("{CITY} - ",),
     {"related": 0.6, "separator": 0.2, "tail_initials": 0.2}),
    ("sindonews.com", "SINDOnews", ("{CITY} - ",),
     {"related": 0.5, "ads": 0.2, "tail_source": 0.3}),
    ("tempo.co", "Tempo.co", ("TEMPO.CO, {City} - ",),
     {"related": 0.7, "channel": 0.3, "tail_credit": 0.2}),
    ("antaranews.com", "ANTARA", ("{City} (ANTARA) - ",),
     {"related": 0.6, "tail_source": 0.4}),
    ("beritaharian.blogspot.com", "Berita Harian", ("{City} – ",),
     {"posted_by": 0.7, "lexicon": 0.5, "separator": 0.5, "tail_source": 0.5}),
]
_OUTLET_WEIGHTS = [20, 16, 18, 12, 10, 6, 5, 8, 5]


def _build_vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Zipf-weighted word list: core words, affixed forms of the roots, then pseudo-words.

    Calibrated (exponent 1.0 over 20,000 words) so that random pairs of generated paragraphs have
    the character-5-gram Jaccard of random pairs of real Indonesian news paragraphs: mean 0.014 and
    mean square 3.7e-4 for both, on 4,000 pairs each. That similarity floor sets how many LSH
    candidates unrelated paragraphs produce, so it matters for dedup speed.
    """
    words: list[str] = []
    seen: set[str] = set()

    def add(w: str) -> None:
        if w not in seen:
            seen.add(w)
            words.append(w)

    for w in _CORE:
        add(w)
    for r in _ROOTS:
        me = "mem" if r[0] in "bp" else "men" if r[0] in "dtcj" else "meng" if r[0] in "aeioughk" else "me"
        for w in (r, "di" + r, me + r, "ber" + r, r + "an", "pe" + r + "an", "di" + r + "kan",
                  me + r + "kan", r + "nya"):
            add(w)
    while len(words) < 20000:
        n = rng.choice((2, 2, 3, 3, 3, 4))
        w = "".join(rng.choice(_SYLLABLES) for _ in range(n))
        if rng.random() < 0.25:
            w = rng.choice(("me", "di", "ber", "ter", "pe", "ke")) + w
        if rng.random() < 0.2:
            w = w + rng.choice(("kan", "an", "nya", "i"))
        add(w)
    cum = []
    acc = 0.0
    for rank in range(len(words)):
        acc += 1.0 / (rank + 2.7)
        cum.append(acc)
    return words, cum


# --------------------------------------------------------------------------- options and truth


@dataclass(frozen=True)
class GeneratorOptions:
    """Shares and rates of the generated corpus (defaults shaped after real Indonesian news)."""

    #: Share of content paragraphs that copy an earlier paragraph with edits or truncation.
    near_duplicate_rate: float = 0.08
    #: Share of documents that are syndicated copies of an earlier document (most paragraphs copied).
    syndicated_rate: float = 0.03
    #: Word-level edit rates of near-duplicate copies and their weights (0.0 = exact copy).
    edit_rates: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
    edit_rate_weights: tuple[float, ...] = (3, 3, 3, 3, 2, 1, 1)
    #: Share of near-duplicate copies that are truncations (a prefix of the source's words).
    truncate_rate: float = 0.15
    #: Share of lines with Unicode noise (no-break space 75%, zero-width 10%, HTML entity 7.5%,
    #: mojibake 7.5%): with the curly quotes, about 1.8 non-ASCII characters per document and 0.5%
    #: of lines that need ftfy, as in real Indonesian news.
    noise_rate: float = 0.05
    #: Mean number of content paragraphs per document (log-normal around it).
    paragraphs_per_doc: float = 12.0
    #: Recent content paragraphs that near-duplicates are drawn from.
    pool_size: int = 3000
    #: Syndicated mode: every article is published this many times in all (0 or 1: off), the
    #: original and ``republish - 1`` copies by other outlets among the next ``republish_window``
    #: documents. A copy has the outlet's own boilerplate and dateline; each of the original's
    #: paragraphs is copied with word edits at one of ``republish_edit_rates`` (by
    #: ``republish_edit_weights``), or dropped with probability ``republish_drop``.
    republish: int = 0
    republish_window: int = 200
    republish_edit_rates: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2)
    republish_edit_weights: tuple[float, ...] = (4, 3, 2, 1, 0.5)
    republish_drop: float = 0.1

    def __post_init__(self) -> None:
        for name in ("near_duplicate_rate", "syndicated_rate", "truncate_rate", "noise_rate", "republish_drop"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v!r}")
        if len(self.edit_rates) != len(self.edit_rate_weights) or not self.edit_rates:
            raise ValueError("edit_rates and edit_rate_weights must be non-empty and of equal length")
        if self.paragraphs_per_doc < 1:
            raise ValueError("paragraphs_per_doc must be >= 1")
        if self.republish < 0 or self.republish_window < 1:
            raise ValueError("republish must be >= 0 and republish_window >= 1")
        if len(self.republish_edit_rates) != len(self.republish_edit_weights) or not self.republish_edit_rates:
            raise ValueError("republish_edit_rates and republish_edit_weights must be non-empty and of equal length")


@dataclass
class _Pooled:
    doc: str
    line: int
    words: list[str]


@dataclass
class _Doc:
    lines: list[str] = field(default_factory=list)
    boilerplate: list[dict[str, Any]] = field(default_factory=list)
    near: list[dict[str, Any]] = field(default_factory=list)
    noise: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, seed: int, options: GeneratorOptions) -> None:
        self.rng = random.Random(seed)
        self.opts = options
        self.words, self.cum = _build_vocabulary(random.Random(f"vocab-{seed}"))
        self.total = self.cum[-1]
        self.pool: list[_Pooled] = []
        self.recent_docs: list[tuple[str, list[tuple[int, list[str]]]]] = []
        self.doc_no = 0
        self.outlet_cum = list(_accumulate(_OUTLET_WEIGHTS))
        self.due: list[tuple[int, int, str, list[tuple[int, list[str]]]]] = []  # (doc no, seq, source, paragraphs)
        self.due_seq = 0

    # -- words and sentences ------------------------------------------------------------------
    def _words(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)

    def _name(self) -> str:
        r = self.rng
        return f"{r.choice(_GIVEN)} {r.choice(_FAMILY)}" if r.random() < 0.8 else r.choice(_GIVEN)

    def _number(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.25:
            return f"{r.randint(2, 98)} {r.choice(_UNITS)}"
        if x < 0.45:
            whole, frac = r.randint(1, 999), r.randint(1, 9)
            return f"Rp {whole},{frac} {r.choice(('miliar', 'triliun', 'juta'))}"
        if x < 0.6:
            return f"Rp {r.randint(1, 999)}.{r.randint(0, 999):03d}"
        if x < 0.8:
            return f"{r.choice(_DAYS)} ({r.randint(1, 28)}/{r.randint(1, 12)}/{r.randint(2019, 2025)})"
        return str(r.randint(2010, 2025))

    def _sentence(self) -> str:
        r = self.rng
        n = max(3, int(r.gauss(12, 5)))
        ws = self._words(n)
        # Proper nouns, numbers and commas where real sentences have them.
        for _ in range(r.choice((0, 1, 1, 2))):
            x = r.random()
            tok = (self._name() if x < 0.3 else r.choice(_CITIES) if x < 0.55
                   else r.choice(_INSTITUTIONS) if x < 0.8 else self._number())
            ws.insert(r.randrange(1, len(ws) + 1), tok)
        if len(ws) > 7 and r.random() < 0.5:
            i = r.randrange(3, len(ws) - 2)
            ws[i] += ","
        s = " ".join(ws)
        s = s[0].upper() + s[1:]
        x = r.random()
        if x < 0.12:
            who = (self._name() if r.random() < 0.6
                   else f"{r.choice(_TITLES)} {r.choice(_INSTITUTIONS)} {self._name()}")
            if r.random() < 0.3:  # most scraped Indonesian news quotes with straight quotes
                return f"“{s},” {r.choice(_SAY)} {who}."
            return f'"{s}," {r.choice(_SAY)} {who}.'
        if x < 0.15:
            return s + "?"
        return s + "."

    def _paragraph_words(self) -> list[str]:
        r = self.rng
        x = r.random()
        if x < 0.06:  # short lines: subheadings, captions, "Jakarta -" style stubs
            return self._words(r.randint(1, 5))
        k = r.choice((1, 1, 1, 1, 2, 2, 2, 3, 4))
        return " ".join(self._sentence() for _ in range(k)).split(" ")

    def _headline(self) -> str:
        ws = self._words(self.rng.randint(4, 9))
        if self.rng.random() < 0.4:
            ws.insert(self.rng.randrange(len(ws) + 1), self.rng.choice(_CITIES))
        return " ".join(w[:1].upper() + w[1:] for w in ws)

    # -- near-duplicates ------------------------------------------------------------------------
    def _edit(self, src: list[str], rate: float) -> tuple[list[str], int]:
        """Apply ``round(rate * len(src))`` word edits at distinct source positions."""
        r = self.rng
        n = len(src)
        ops = min(n, round(rate * n))
        if ops == 0:
            return list(src), 0
        positions = set(r.sample(range(n), ops))
        out: list[str] = []
        for i, w in enumerate(src):
            if i not in positions:
                out.append(w)
                continue
            kind = r.random()
            if kind < 0.6:  # substitute with a different word
                new = w
                while new == w:
                    new = self._words(1)[0]
                out.append(new)
            elif kind < 0.8:  # delete
                pass
            else:  # insert a word before this one
                out.append(self._words(1)[0])
                out.append(w)
        if not out:
            out = [self._words(1)[0]]
        return out, ops

    def _copy_of(self, src: _Pooled) -> tuple[list[str], dict[str, Any]]:
        r = self.rng
        o = self.opts
        if len(src.words) >= 8 and r.random() < o.truncate_rate:
            keep = r.uniform(0.5, 0.9)
            k = max(1, round(keep * len(src.words)))
            return src.words[:k], {"op": "truncate", "kept": round(k / len(src.words), 4),
                                   "edit_rate": 0.0, "ops": 0}
        rate = r.choices(o.edit_rates, weights=o.edit_rate_weights)[0]
        words, ops = self._edit(src.words, rate)
        return words, {"op": "edit" if ops else "copy", "edit_rate": round(ops / len(src.words), 4),
                       "ops": ops}

    # -- boilerplate ----------------------------------------------------------------------------
    def _line_boilerplate(self, family: str, outlet_name: str) -> list[tuple[str, str]]:
        """Lines (kind, text) of one boilerplate item of ``family``."""
        r = self.rng
        if family == "related":
            lead = r.choice(("Baca Juga: ", "Baca juga: ", "BACA JUGA: ", "Baca Juga : ",
                             "Simak juga: Video ", "Lihat Juga: "))
            return [("line", lead + self._headline())]
        if family == "block":
            trigger = r.choice(("Baca juga:", "Baca Juga", "BACA JUGA"))
            return [("block", trigger), ("block", self._headline())]
        if family == "channel":
            return [("line", r.choice((
                f"Gabung ke Channel WhatsApp {outlet_name} untuk update berita terbaru dan terpercaya.",
                f"Ikuti berita terkini dari {outlet_name} di Google News",
                "- Baca Berita Terbaru Lainnya di GOOGLE NEWS",
                "Dapatkan update berita pilihan setiap hari. Gabung di Grup Telegram "
                f"\"{outlet_name} News Update\"",
            )))]
        if family == "separator":
            return [("line", r.choice(("–––", "***", "* * *", "___", "•", "---")))]
        if family == "ads":
            return [("line", r.choice(("Advertisement", "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT")))]
        if family == "posted_by":
            when = r.choice(("malam ini", "hari ini", "terpercaya"))
            return [("line", f"Posted By : {r.choice(_SPAM)} {when}")]
        if family == "lexicon":
            return [("lexicon", f"{r.choice(('Link', 'Daftar', 'Info'))} {r.choice(_SPAM)} "
                                f"{r.choice(('terbaru', 'hari ini', '2025', 'resmi'))}")]
        raise AssertionError(family)

    def _tail(self, family: str) -> str:
        r = self.rng
        if family == "tail_source":
            return f"Sumber : {r.choice(('Antara', 'Reuters', 'AFP', 'Associated Press', 'Antara, Reuters'))}"
        if family == "tail_initials":
            a = "".join(r.choice("abcdefghijklmnoprstuwy") for _ in range(r.randint(2, 3)))
            b = "".join(r.choice("abcdefghijklmnoprstuwy") for _ in range(r.randint(2, 3)))
            return f"({a}/{b})"
        if family == "tail_credit":
            return f"{self._name()} di {r.choice(_CITIES)} turut berkontribusi dalam laporan ini."
        raise AssertionError(family)

    # -- documents ------------------------------------------------------------------------------
    def _republished(self, src: _Pooled) -> tuple[list[str], dict[str, Any]]:
        o = self.opts
        rate = self.rng.choices(o.republish_edit_rates, weights=o.republish_edit_weights)[0]
        words, ops = self._edit(src.words, rate)
        return words, {"op": "republish", "edit_rate": round(ops / len(src.words), 4), "ops": ops}

    def document(self, n_lines: int, republish: tuple[str, list[tuple[int, list[str]]]] | None = None
                 ) -> dict[str, Any]:
        """One document with exactly ``n_lines`` non-empty lines; with ``republish`` = (source id,
        its clean content paragraphs), a republished copy of that article."""
        r = self.rng
        o = self.opts
        oi = bisect.bisect_right(self.outlet_cum, r.random() * self.outlet_cum[-1])
        domain, oname, datelines, habits = _OUTLETS[oi]
        doc_id = f"{domain.split('.')[0]}-{self.doc_no:08d}"
        self.doc_no += 1

        # Boilerplate lines planned first, so that content fills the rest exactly.
        items: list[tuple[str, list[tuple[str, str]]]] = []
        tails: list[tuple[str, str]] = []
        budget = n_lines - 1  # keep at least one content line
        for fam in ("related", "block", "channel", "separator", "ads", "posted_by", "lexicon"):
            p = habits.get(fam, 0.0)
            reps = 0
            while r.random() < p and reps < 3 and budget > 0:
                lines = self._line_boilerplate(fam, oname)
                if len(lines) > budget:
                    break
                items.append((fam, lines))
                budget -= len(lines)
                reps += 1
                p *= 0.5
        for fam in ("tail_credit", "tail_source", "tail_initials"):
            if budget > 0 and r.random() < habits.get(fam, 0.0):
                tails.append((fam, self._tail(fam)))
                budget -= 1
        n_content = n_lines - (n_lines - 1 - budget)

        # Content: fresh paragraphs, near-duplicates, or a syndicated copy of a recent document.
        content: list[tuple[list[str], dict[str, Any] | None, bool]] = []  # words, near info, pooled
        syndicated = bool(republish) or (self.recent_docs and r.random() < o.syndicated_rate)
        src_paras: list[_Pooled] = []
        if republish:
            sdoc, sparas = republish
            src_paras = [_Pooled(sdoc, ln, ws) for ln, ws in sparas if r.random() >= o.republish_drop]
        elif syndicated:
            sdoc, sparas = r.choice(self.recent_docs)
            src_paras = [_Pooled(sdoc, ln, ws) for ln, ws in sparas]
        for k in range(n_content):
            if republish and k < len(src_paras):
                words, info = self._republished(src_paras[k])
                info.update(source_doc=src_paras[k].doc, source_line=src_paras[k].line)
                content.append((words, info, False))
                continue
            if syndicated and not republish and k < len(src_paras) and r.random() < 0.85:
                src = src_paras[k]
            elif self.pool and r.random() < o.near_duplicate_rate:
                src = r.choice(self.pool)
            else:
                content.append((self._paragraph_words(), None, True))
                continue
            words, info = self._copy_of(src)
            info.update(source_doc=src.doc, source_line=src.line)
            content.append((words, info, False))

        # Interleave: boilerplate items at random gaps between content paragraphs (not before the first).
        slots: list[list[tuple[str, list[tuple[str, str]]]]] = [[] for _ in range(n_content)]
        for item in items:
            slots[r.randrange(n_content)].append(item)

        d = _Doc()
        pooled_here: list[tuple[int, list[str]]] = []
        inline_fams = [f for f in ("inline_related", "inline_ads") if habits.get(f)]
        inlined = False  # at most one inline promo per document
        for k, (words, info, poolable) in enumerate(content):
            line_no = len(d.lines)
            text = " ".join(words)
            prefix = ""
            if k == 0:
                city = r.choice(_CITIES)
                prefix = r.choice(datelines).format(CITY=city.upper(), City=city)
                if not text[:1].isupper():  # a dateline is followed by a sentence start
                    text = text[:1].upper() + text[1:]
                    words = text.split(" ")
            line = prefix + text
            if prefix:
                d.boilerplate.append({"line": line_no, "kind": "prefix", "family": "dateline",
                                      "start": 0, "end": len(prefix), "text": prefix})
            clean_copy_line = info is None and poolable
            if clean_copy_line and inline_fams and not inlined and len(words) > 12 and r.random() < 0.25:
                fam = r.choice(inline_fams)
                if r.random() < habits[fam] * 4:
                    ins = (f" (Baca juga: {self._headline()}) " if fam == "inline_related"
                           else " ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT ")
                    cut = len(prefix) + len(" ".join(words[: len(words) // 2]))
                    line = line[:cut] + ins + line[cut + 1:]
                    d.boilerplate.append({"line": line_no, "kind": "inline", "family": fam,
                                          "start": cut + 1, "end": cut + len(ins) - 1,
                                          "text": ins.strip()})
                    clean_copy_line = False
                    inlined = True
            if clean_copy_line and r.random() < o.noise_rate:
                line, noise = self._noise(line, len(prefix))
                if noise:
                    d.noise.append({"line": line_no, "kind": noise})
                    clean_copy_line = False
            d.lines.append(line)
            if info is not None:
                d.near.append({"line": line_no, **info})
            elif clean_copy_line and len(words) >= 8:
                pooled_here.append((line_no, words))
            for fam, lines in slots[k]:
                for kind, t in lines:
                    d.boilerplate.append({"line": len(d.lines), "kind": kind, "family": fam,
                                          "start": 0, "end": len(t), "text": t})
                    d.lines.append(t)
        for fam, t in tails:
            d.boilerplate.append({"line": len(d.lines), "kind": "tail", "family": fam,
                                  "start": 0, "end": len(t), "text": t})
            d.lines.append(t)
        assert len(d.lines) == n_lines, (len(d.lines), n_lines)

        for ln, ws in pooled_here:
            entry = _Pooled(doc_id, ln, ws)
            if len(self.pool) < o.pool_size:
                self.pool.append(entry)
            else:
                self.pool[r.randrange(o.pool_size)] = entry
        if pooled_here:
            self.recent_docs.append((doc_id, pooled_here))
            if len(self.recent_docs) > 200:
                self.recent_docs.pop(r.randrange(len(self.recent_docs)))
        if o.republish > 1 and not republish and pooled_here:
            for _ in range(o.republish - 1):
                self.due_seq += 1
                heapq.heappush(self.due, (self.doc_no + r.randint(1, o.republish_window), self.due_seq, doc_id,
                                          pooled_here))

        year, month, day = r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28)
        title = self._headline()
        slug = "-".join(title.lower().split()[:6])
        return {
            "id": doc_id,
            "outlet": domain,
            "url": f"https://www.{domain}/read/{year}/{month:02d}/{day:02d}/{self.doc_no}/{slug}",
            "date": f"{year}-{month:02d}-{day:02d}",
            "title": title,
            "text": "\n".join(d.lines),
            "truth": {"paragraphs": n_lines, "boilerplate": d.boilerplate,
                      "near_duplicates": d.near, "noise": d.noise,
                      "syndicated": bool(syndicated)},
        }

    def _noise(self, line: str, protect: int) -> tuple[str, str]:
        """Corrupt one line the way scraped text is corrupted; return it and the noise kind."""
        r = self.rng
        x = r.random()
        spaces = [i for i in range(protect + 1, len(line) - 1) if line[i] == " "]
        if not spaces:
            return line, ""
        i = r.choice(spaces)
        if x < 0.75:
            return line[:i] + "\u00a0" + line[i + 1:], "nbsp"
        if x < 0.85:
            return line[:i] + "\u200b" + line[i:], "zero_width"
        if x < 0.925:
            return line[:i] + " &amp; " + line[i + 1:], "html_entity"
        # Mojibake: a quoted phrase whose curly quotes went through UTF-8 -> Windows-1252.
        quoted = "“" + " ".join(self._words(3)) + "”"
        bad = quoted.encode("utf-8").decode("sloppy-windows-1252")
        return line[:i] + " " + bad + line[i:], "mojibake"

    def documents(self, n_paragraphs: int) -> Iterator[dict[str, Any]]:
        r = self.rng
        mu = math.log(self.opts.paragraphs_per_doc) - 0.125  # log-normal, sigma 0.5 -> mean as asked
        left = n_paragraphs
        while left > 0:
            source = None
            if self.due and self.due[0][0] <= self.doc_no:
                _, _, sdoc, sparas = heapq.heappop(self.due)
                source = (sdoc, sparas)
                n = len(sparas) + r.randint(0, 4)  # its paragraphs and a few boilerplate lines
            else:
                n = max(1, min(int(round(r.lognormvariate(mu, 0.5))) + 1, 80))
            n = min(n, left)
            if 0 < left - n < 3:  # no tiny last document
                n = left
            yield self.document(n, source)
            left -= n


def _accumulate(xs: list[int]) -> Iterator[float]:
    acc = 0.0
    for x in xs:
        acc += x
        yield acc


def generate(n_paragraphs: int, seed: int = 0,
             options: GeneratorOptions | None = None) -> Iterator[dict[str, Any]]:
    """Documents with exactly ``n_paragraphs`` non-empty lines in total, deterministic for ``seed``.

    Each document is a dict: ``id``, ``outlet``, ``url``, ``date``, ``title``, ``text`` and ``truth``
    (``paragraphs``, ``boilerplate``, ``near_duplicates``, ``noise``, ``syndicated``; line numbers are
    0-based lines of ``text``).
    """
    if not isinstance(n_paragraphs, int) or n_paragraphs < 0:
        raise ValueError(f"n_paragraphs must be a non-negative int, got {n_paragraphs!r}")
    return _Generator(seed, options or GeneratorOptions()).documents(n_paragraphs)


def word_edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two word sequences (for checking recorded edit rates).

    >>> word_edit_distance("a b c".split(), "a x c d".split())
    2
    """
    prev = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, wb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (wa != wb))
        prev = cur
    return prev[-1]


# --------------------------------------------------------------------------- writing


FORMATS = ("txt", "jsonl", "jsonl.gz")


def _open_part(path: Path) -> Any:
    if path.name.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=1)
    return open(path, "w", encoding="utf-8")  # noqa: SIM115  (closed by write_corpus)


def write_corpus(out: str | Path, n_paragraphs: int, seed: int = 0, *, fmt: str = "jsonl",
                 docs_per_file: int = 1000, options: GeneratorOptions | None = None) -> dict[str, Any]:
    """Write a corpus under ``out/corpus`` and its ground truth; return the summary (also in
    ``out/_truth.json``)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if docs_per_file < 1:
        raise ValueError("docs_per_file must be >= 1")
    out = Path(out)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Any] = {"documents": 0, "paragraphs": 0, "bytes": 0, "files": 0,
                              "boilerplate": {}, "near_duplicates": {}, "noise": {}, "syndicated": 0}
    fh: Any = None
    rel = ""
    n_in_file = 0
    with open(out / "_truth.jsonl", "w", encoding="utf-8") as truth_fh:
        for doc in generate(n_paragraphs, seed, options):
            truth = doc.pop("truth")
            data = doc["text"]
            if fmt == "txt":
                rel = f"{doc['outlet']}/{doc['id']}.txt"
                p = corpus / rel
                p.parent.mkdir(exist_ok=True)
                p.write_text(data + "\n", encoding="utf-8")
                counts["files"] += 1
            else:
                if fh is None or n_in_file >= docs_per_file:
                    if fh is not None:
                        fh.close()
                    rel = f"part-{counts['files']:05d}.{fmt}"
                    fh = _open_part(corpus / rel)
                    counts["files"] += 1
                    n_in_file = 0
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
                n_in_file += 1
            counts["documents"] += 1
            counts["paragraphs"] += truth["paragraphs"]
            counts["bytes"] += len(data.encode("utf-8"))
            counts["syndicated"] += truth["syndicated"]
            for key, field_ in (("boilerplate", "kind"), ("near_duplicates", "op"), ("noise", "kind")):
                for row in truth[key]:
                    counts[key][row[field_]] = counts[key].get(row[field_], 0) + 1
            truth_fh.write(json.dumps({"id": doc["id"], "file": rel, **truth}, ensure_ascii=False) + "\n")
    if fh is not None:
        fh.close()
    summary = {"generator": "benchmarks.generate", "paragraphs": n_paragraphs, "seed": seed, "format": fmt,
               "docs_per_file": docs_per_file if fmt != "txt" else None,
               "options": {k: v for k, v in vars(options or GeneratorOptions()).items()},
               "counts": counts, "megabytes": round(counts["bytes"] / 1e6, 3)}
    text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    (out / "_truth.json").write_text(text, encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate",
                                 description="Write a seeded synthetic news corpus with ground truth.")
    ap.add_argument("out", type=Path, metavar="OUT", help="output folder (documents go to OUT/corpus/)")
    ap.add_argument("--paragraphs", type=int, required=True, help="exact number of non-empty lines")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=FORMATS, default="jsonl")
    ap.add_argument("--docs-per-file", type=int, default=1000, help="documents per JSONL file (default 1000)")
    ap.add_argument("--republish", type=int, default=0,
                    help="syndicated mode: publish every article this many times in all (default: off)")
    a = ap.parse_args(argv)
    if a.paragraphs < 0:
        ap.error("--paragraphs must be >= 0")
    summary = write_corpus(a.out, a.paragraphs, a.seed, fmt=a.format, docs_per_file=a.docs_per_file,
                           options=GeneratorOptions(republish=a.republish))
    c = summary["counts"]
    sys.stderr.write(f"wrote {c['documents']} documents, {c['paragraphs']} paragraphs, "
                     f"{summary['megabytes']} MB in {c['files']} files to {a.out / 'corpus'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
