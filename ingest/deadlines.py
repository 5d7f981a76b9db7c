"""Deadlines as plans write them: "trước ngày 15/3/2023", "trong tháng 4/2023", "Quý II/2023".

A deadline value is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY-Qn``. A date counts as a deadline only
when a deadline cue governs it (it directly follows "trước", "chậm nhất", "hoàn thành", "trong",
"hạn", ...), so the dates of citations ("Chỉ thị số 23-CT/TW, ngày 09/02/2018") are never
deadlines. Quarter labels opening a clause ("Quý IV: ...") and "cuối năm 2023" are weak
deadlines: used only when no cued date is there. See docs/tasks.md for the decisions.

>>> parse_deadline("gửi báo cáo về Thành ủy chậm nhất ngày 15/3/2023.", 2023)
'2023-03-15'
>>> parse_deadline("Chỉ thị số 23-CT/TW, ngày 09/02/2018 của Ban Bí thư", 2023) is None
True
>>> parse_deadline("Hoàn thành trong quý II/2023.", None), parse_deadline("trong quý IV", 2022)
('2023-Q2', '2022-Q4')
>>> parse_deadline("trước 30/6", 2023), parse_deadline("trong tháng 12/2022", None)
('2023-06-30', '2022-12')
>>> find_deadlines("Quý I trước ngày 31/3/2023, báo cáo năm trước ngày 10/11/2023.", 2023)
[('2023-Q1', 0, 5), ('2023-03-31', 6, 26), ('2023-11-10', 40, 61)]
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from ingest.dates import match_date
from ingest.normalize import clean, fold_chars
from kg.text import nfc

# What may stand right before the date of a deadline: the cue, then filler words.
_CUE = re.compile(
    r"(?:\btruoc|\bcham nhat|\bmuon nhat|\bhan chot|\bthoi han|\bhan|\btrong|\bhoan thanh|\bxong"
    r"|\bket thuc|\bdu kien|\bthoi gian(?: thuc hien| hoan thanh)?)"
    r"(?:\s+(?:la|vao|ngay|het|trong|truoc|cuoi|thuc hien|hoan thanh|nop)\b|\s*[:,])*\s*$"
)
# "Thời hạn nộp báo cáo: 05/12/2023" (a labelled deadline).
_LABEL_CUE = re.compile(r"\b(?:thoi han|han chot|han nop|han gui)\b[^.;:\n]{0,40}:\s*(?:ngay\s+)?$")
# "Thời gian: từ ngày 01/3/2023 đến ngày 15/3/2023": the end of a scheduled period.
_RANGE_CUE = re.compile(
    r"\b(?:thoi gian(?: thuc hien| to chuc| trien khai)?\s*:?|trong thoi gian|dien ra)\s*(?:tu|bat dau tu)\s+"
    r"(?:ngay\s+)?[\d/.\-–\s]{3,12}(?:thang\s+\d{1,2}\s*)?(?:nam\s+\d{4}\s*)?"
    r"(?:den|-|–)\s*(?:het\s+)?(?:ngay\s+)?$"
)
# A quarter at the start of a clause ("Quý IV: ...", "- Quý I trước ngày ...").
_CLAUSE_START = re.compile(r"(?:^|[\n.;:(]|^\s*[-+•])\s*[-+•]?\s*$")
_YEAR = r"(\d{4})(?!\d)"
_MONTH = re.compile(
    r"\bthang\s+(\d{1,2})(?!\d)(?:\s*[/.\-–]\s*" + _YEAR + r"|\s*,?\s+nam\s+" + _YEAR + r")?"
)
_QUARTER = re.compile(
    r"\bquy\s+(iv|i{1,3}|[1-4]|mot|hai|ba|bon)\b(?:\s*[/.\-–]\s*" + _YEAR + r"|\s*,?\s+nam\s+" + _YEAR + r")?"
)
_QUARTER_NUMBERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "mot": 1, "hai": 2, "ba": 3, "bon": 4,
                    "1": 1, "2": 2, "3": 3, "4": 4}
_DAY_MONTH = re.compile(r"(?<![\d/.\-–])(\d{1,2})\s*/\s*(\d{1,2})(?!\d)(?!\s*[/.\-–]\s*\d)")
_DAY_MONTH_WORDS = re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?!\d)(?!\s*,?\s*nam)")
# "6 tháng đầu năm 2023" (the end of that period), "cuối năm 2023", "giữa năm 2023".
_PERIOD = re.compile(
    r"(?:(\d{1,2}|sau|chin)\s+thang\s+(dau|cuoi)|(cuoi|giua))\s+nam(?:\s*(?:nay\b|" + _YEAR + r"))?"
)
_WORD_MONTHS = {"sau": 6, "chin": 9}
# Where a full date ("15/3/2023", "15 tháng 3 năm 2023", "09/022018") may start.
_DATE_START = re.compile(r"(?<!\d)\d{1,2}(?=\s*[/.\-–]\s*\d|\s+tháng)")
_DATE_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline found in text: its value, the span of cue and date, and whether a cue governs it."""

    value: str
    start: int
    end: int
    strong: bool


def _lower(text: str) -> str:
    """Lower case with the same length (a few letters lower to two characters)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _folded(low: str) -> str:
    """``low`` without diacritics, letter for letter (cues match "truoc ngay" as well)."""
    return fold_chars(low)


def _cue_start(low: str, start: int) -> int | None:
    """Where the deadline cue governing the date at ``start`` begins, or None if no cue does."""
    line_start = low.rfind("\n", 0, start) + 1
    window_start = max(line_start, start - 60)
    for cue in (_CUE, _LABEL_CUE):
        if match := cue.search(low, window_start, start):
            return match.start()
    match = _RANGE_CUE.search(low, max(line_start, start - 90), start)
    return match.start() if match else None


def _plausible(year: int) -> bool:
    return 1900 <= year <= 2100


def _day(year: int | None, month: int, day: int) -> str | None:
    if year is None or not _plausible(year) or not 1 <= month <= 12:
        return None
    if not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day).isoformat()


def _year_of(groups: tuple[str | None, ...], default: int | None) -> int | None:
    explicit = next((g for g in groups if g), None)
    return int(explicit) if explicit else default


def _candidates(low: str, year: int | None) -> list[tuple[str, int, int, str]]:
    """Every date-like expression: (value, start, end, kind); kinds decide how a cue is needed.

    Full dates are read from ``low`` (lower case); the rest from its folded twin of equal length.
    """
    fl = _folded(low)
    found: list[tuple[str, int, int, str]] = []
    pos = 0
    for start in _DATE_START.finditer(low):
        # A bounded window per candidate keeps long texts linear.
        full = match_date(low, start.start(), min(len(low), start.start() + _DATE_WINDOW))
        if start.start() >= pos and full is not None and full.start == start.start():
            found.append((full.value, full.start, full.end, "date"))
            pos = full.end
    for m in _MONTH.finditer(fl):
        y, month = _year_of(m.groups()[1:], year), int(m.group(1))
        if y is not None and _plausible(y) and 1 <= month <= 12:
            found.append((f"{y:04d}-{month:02d}", m.start(), m.end(), "month" if m.group(2) or m.group(3) else "bare"))
    for m in _QUARTER.finditer(fl):
        y = _year_of(m.groups()[1:], year)
        if y is not None and _plausible(y):
            found.append((f"{y:04d}-Q{_QUARTER_NUMBERS[m.group(1)]}", m.start(), m.end(), "quarter"))
    for pattern in (_DAY_MONTH, _DAY_MONTH_WORDS):
        for m in pattern.finditer(fl):
            value = _day(year, int(m.group(2)), int(m.group(1)))
            if value:
                found.append((value, m.start(), m.end(), "bare"))
    for m in _PERIOD.finditer(fl):
        y = int(m.group(4)) if m.group(4) else year
        if y is None or not _plausible(y):
            continue
        if m.group(3):
            month = 12 if m.group(3) == "cuoi" else 6
        else:
            count = _WORD_MONTHS.get(m.group(1)) or int(m.group(1))
            month = count if m.group(2) == "dau" else 12
        if 1 <= month <= 12:
            kind = "end" if m.group(3) == "cuoi" else "period"
            found.append((f"{y:04d}-{month:02d}", m.start(), m.end(), kind))
    # Drop expressions inside longer ones ("tháng 3 năm 2023" inside "ngày 15 tháng 3 năm 2023").
    found.sort(key=lambda c: (c[1], -c[2]))
    kept: list[tuple[str, int, int, str]] = []
    for cand in found:
        if kept and cand[1] < kept[-1][2]:
            continue
        kept.append(cand)
    return kept


def _scan(text: str, year: int | None) -> list[Deadline]:
    low = _lower(clean(nfc(text)))
    fl = _folded(low)
    hits: list[Deadline] = []
    for value, start, end, kind in _candidates(low, year):
        cue = _cue_start(fl, start)
        if cue is not None and not (kind == "bare" and year is None):
            hits.append(Deadline(value, cue, end, True))
        elif kind == "end" or (kind == "quarter" and _CLAUSE_START.search(fl, max(0, start - 12), start)):
            hits.append(Deadline(value, start, end, False))
    return hits


def scan_deadlines(text: str, doc_year: int | None) -> list[Deadline]:
    """All deadlines in ``text`` in order, strong (cued) and weak; offsets are into ``nfc(text)``."""
    try:
        return _scan(text, doc_year)
    except ValueError:  # defensive: odd input never breaks a parse
        return []


def find_deadlines(text: str, doc_year: int | None) -> list[tuple[str, int, int]]:
    """(value, start, end) of every deadline in ``text``; the span covers the cue and the date."""
    return [(d.value, d.start, d.end) for d in scan_deadlines(text, doc_year)]


_FILLER = re.compile(r"(?:\b(?:ngay|vao|thoi han|han|thoi gian|du kien|den)\b|[\s\-–:,.;()*+])*")


def parse_deadline(text: str, doc_year: int | None) -> str | None:
    """The deadline written in ``text``: the first cued one, else the first weak one, else None.

    A text that is nothing but a date expression ("15-3-2023", "tháng 6 năm 2023") is its own
    deadline. Year-less expressions ("trước 30/6", "trong quý IV") take ``doc_year``.
    """
    hits = scan_deadlines(text, doc_year)
    strong = [h for h in hits if h.strong]
    if strong or hits:
        return (strong or hits)[0].value
    try:
        low = _lower(clean(nfc(text)))
        for value, start, end, _ in _candidates(low, doc_year):
            rest = _folded(low[:start] + " " + low[end:])
            if _FILLER.fullmatch(rest):
                return value
    except ValueError:
        return None
    return None
