"""Synthetic article bodies (written for the tests, no corpus text) that the boilerplate tests put lines around."""

from __future__ import annotations

ID_BODY = [
    "Pemerintah Kabupaten Bogor menyalurkan bantuan sosial kepada ribuan warga terdampak banjir pada Senin pagi.",
    "Kepala dinas sosial mengatakan penyaluran dilakukan bertahap agar tepat sasaran dan tidak menimbulkan antrean.",
    "Menurut dia, data penerima telah diverifikasi bersama pemerintah desa setempat sejak pekan lalu.",
    "Warga berharap bantuan serupa dapat terus diberikan hingga kondisi kembali normal.",
]
EN_BODY = [
    "The Senate approved a sweeping spending bill late Tuesday after weeks of negotiations between party leaders.",
    "The measure, which passed 62-38, now heads to the House, where its prospects remain uncertain.",
    "Supporters said the bill would fund key programs through the end of the fiscal year and avert a shutdown.",
    "Critics argued that it added too much to the federal deficit and failed to address long-term pressures.",
]
