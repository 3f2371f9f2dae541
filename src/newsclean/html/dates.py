"""Publication dates as pages write them, turned into ISO 8601.

:func:`normalize_date` reads the forms found in meta tags, JSON-LD and bylines — ISO 8601 and its
near misses (``2015-11-05 T10:08:58Z``, seven fractional digits, ``+0700``), RFC 2822, ``ctime``
(``Fri Mar 13 21:30:09 EST 2015``), Indonesian and English dates with month names (``Kamis, 5
November 2015 - 15:56 WIB``, ``November 5, 2015``), ``dd/mm/yyyy`` — and returns
``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` with the UTC offset when the page gives one (Indonesian
WIB/WITA/WIT and common zone abbreviations included). The input is never changed: callers keep the
original beside it (``HtmlArticle.date_original``).

>>> normalize_date("2015-11-05 T10:08:58Z"), normalize_date("2016-02-16T13:01:52+0700")
('2015-11-05T10:08:58+00:00', '2016-02-16T13:01:52+07:00')
>>> normalize_date("Kamis, 5 November 2015 - 15:56 wib"), normalize_date("Fri Mar 13 21:30:09 EST 2015")
('2015-11-05T15:56+07:00', '2015-03-13T21:30:09')
>>> normalize_date("Selasa, 23 Februari 2016"), normalize_date("November 5, 2015"), normalize_date("kemarin")
('2016-02-23', '2015-11-05', None)
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["normalize_date"]

#: Month names and abbreviations, Indonesian and English.
MONTHS: dict[str, int] = {
    m: i + 1
    for i, names in enumerate([
        ("jan", "januari", "january"), ("feb", "februari", "february", "pebruari"), ("mar", "maret", "march"),
        ("apr", "april"), ("mei", "may"), ("jun", "juni", "june"), ("jul", "juli", "july"),
        ("agu", "agt", "ags", "agus", "agustus", "aug", "august"), ("sep", "sept", "september"),
        ("okt", "oktober", "oct", "october"), ("nov", "nop", "nopember", "november"),
        ("des", "desember", "dec", "december"),
    ])
    for m in names
}
#: UTC offsets of zone abbreviations seen on news pages. Ambiguous ones are left out and give a time
#: without an offset: EST (US Eastern, or Australian Eastern on older Australian pages), CST (US
#: Central or China), BST, IST.
ZONES: dict[str, str] = {
    "wib": "+07:00", "wita": "+08:00", "wit": "+09:00", "utc": "+00:00", "gmt": "+00:00",
    "edt": "-04:00", "cdt": "-05:00", "mst": "-07:00", "mdt": "-06:00", "pst": "-08:00", "pdt": "-07:00",
    "cet": "+01:00", "cest": "+02:00", "aest": "+10:00", "aedt": "+11:00", "acst": "+09:30", "awst": "+08:00",
    "sgt": "+08:00", "myt": "+08:00", "jst": "+09:00",
}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ZONE = "|".join(sorted(ZONES, key=len, reverse=True))
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?:\.\d+)?(?:\s*(?P<ap>[ap])\.?m\.?\b)?"
_OFFSET = rf"(?:\s*(?P<off>[+-]\d{{2}}:?\d{{2}})|(?P<zulu>z)\b|\s*\b(?P<zone>{_ZONE})\b)?"
_ISO = re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?:\s*T?\s*{_TIME})?{_OFFSET}", re.IGNORECASE)
_YMD_SLASH = re.compile(rf"(?P<y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?:[\sT,]+{_TIME})?{_OFFSET}", re.IGNORECASE)
_DMY_NAMED = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s*(?P<mon>{_MONTH})\.?,?\s+(?P<y>\d{{4}})(?:[\s,|–-]+(?:pukul\s+|at\s+)?{_TIME})?{_OFFSET}",
    re.IGNORECASE)
_MDY_NAMED = re.compile(
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?:(?P<y>\d{{4}})|{_TIME}(?:{_OFFSET})"
    r"(?:\s+[A-Z]{2,5})?\s+"
    rf"(?P<y2>\d{{4}}))(?:[\s,|–-]+(?:at\s+)?{_TIME.replace('?P<', '?P<t2')})?{_OFFSET.replace('?P<', '?P<t2')}",
    re.IGNORECASE)
_DMY_NUMERIC = re.compile(rf"\b(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>\d{{4}})(?:[\s,|–-]+{_TIME})?{_OFFSET}",
                          re.IGNORECASE)


def _offset(off: str | None, zone: str | None, zulu: str | None = None) -> str:
    if zulu:
        return "+00:00"
    if off:
        off = off.replace(":", "")
        return f"{off[:3]}:{off[3:]}"
    if zone:
        return ZONES.get(zone.lower(), "")
    return ""


def _build(y: int, m: int, d: int, h: str | None, mi: str | None, s: str | None, off: str,
           ap: str | None = None) -> str | None:
    try:
        day = date(y, m, d)
    except ValueError:
        return None
    if not 1900 <= y <= 2100:
        return None
    if h is None or mi is None:
        return day.isoformat()
    hh, mm = int(h), int(mi)
    if ap and hh <= 12:  # 12 AM is midnight, 12 PM noon
        hh = hh % 12 + (12 if ap.lower() == "p" else 0)
    if hh > 23 or mm > 59 or (s is not None and int(s) > 59):
        return day.isoformat()
    clock = f"{hh:02d}:{mm:02d}" + (f":{int(s):02d}" if s is not None else "")
    return f"{day.isoformat()}T{clock}{off}"


def normalize_date(value: str | None) -> str | None:
    """The ISO 8601 form of the first date in ``value`` (see the module docstring), or ``None``."""
    if not value:
        return None
    text = value.strip()
    for rx in (_ISO, _YMD_SLASH):
        m = rx.search(text)
        if m:
            return _build(int(m["y"]), int(m["m"]), int(m["d"]), m["h"], m["mi"], m["s"],
                          _offset(m["off"], m["zone"], m["zulu"]), m["ap"])
    m = _DMY_NAMED.search(text)
    if m:
        return _build(int(m["y"]), MONTHS[m["mon"].lower()], int(m["d"]), m["h"], m["mi"], m["s"],
                      _offset(m["off"], m["zone"], m["zulu"]), m["ap"])
    m = _MDY_NAMED.search(text)
    if m:
        if m["y"]:  # "November 5, 2015 10:00 AM": the time after the year
            return _build(int(m["y"]), MONTHS[m["mon"].lower()], int(m["d"]), m["t2h"], m["t2mi"], m["t2s"],
                          _offset(m["t2off"], m["t2zone"], m["t2zulu"]), m["t2ap"])
        return _build(int(m["y2"]), MONTHS[m["mon"].lower()], int(m["d"]), m["h"], m["mi"], m["s"],
                      _offset(m["off"], m["zone"], m["zulu"]), m["ap"])
    m = _DMY_NUMERIC.search(text)
    if m:
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), m["h"], m["mi"], m["s"],
                      _offset(m["off"], m["zone"], m["zulu"]), m["ap"])
    return None
