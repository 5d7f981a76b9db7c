"""Calendar dates as Vietnamese documents write them.

>>> match_date("ngày 09/02/2018 của Ban Bí thư").value
'2018-02-09'
>>> match_date("ngày 22 tháng 02 năm 2023").value
'2023-02-22'
>>> match_date("9-2-2018").value
'2018-02-09'
>>> d = match_date("ngày 09/022018")   # a real typo: the slash is missing
>>> d.value, d.repaired
('2018-02-09', True)
>>> match_date("ngày 31/02/2018") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-–]\s*(\d{1,2})\s*[/.\-–]\s*(\d{4})(?!\d)")
_WORDS = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,\s*)?năm\s+(\d{4})", re.IGNORECASE)
_TYPO = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{2})(\d{4})(?!\d)")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text, with its span; ``repaired`` when a typo was corrected."""

    value: str
    start: int
    end: int
    repaired: bool = False
    text: str = ""  # as written

    @property
    def year(self) -> int:
        return int(self.value[:4])


def _valid(day: str, month: str, year: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


# Digits OCR confuses with each other in printed Vietnamese documents.
MISREAD_DIGITS = {"0": "689", "6": "0589", "8": "0369", "3": "8", "5": "6", "9": "048", "4": "9", "1": "7",
                  "7": "1"}


def misread_digits(digits: str) -> set[str]:
    """The digit strings one commonly misread digit away from ``digits``."""
    return {digits[:i] + other + digits[i + 1 :] for i, d in enumerate(digits) for other in MISREAD_DIGITS.get(d, "")}


def misread_date(text: str) -> FoundDate | None:
    """A written date whose day or month is impossible ("ngày 09 tháng 61 năm 2022"), read back when one
    misread digit gives exactly one valid date; marked ``repaired``.

    >>> misread_date("Mai Sơn, ngày 09 tháng 61 năm 2022").value
    '2022-01-09'
    >>> misread_date("ngày 38/13/2022") is None   # 38/13: several readings, none certain
    True
    """
    for pattern in (_WORDS, _NUMERIC):
        for m in pattern.finditer(text):
            day, month, year = m.groups()
            if _valid(day, month, year):
                continue
            options = {v for d in {day} | misread_digits(day) for mo in {month} | misread_digits(month)
                       if (d == day or mo == month) and (v := _valid(d, mo, year))}
            if len(options) == 1:
                return FoundDate(options.pop(), m.start(), m.end(), True, m.group(0))
    return None


def match_date(text: str, pos: int = 0, endpos: int | None = None) -> FoundDate | None:
    """The first valid date in ``text[pos:endpos]``, in any of the usual written forms."""
    end = len(text) if endpos is None else endpos
    found: list[FoundDate] = []
    for pattern, repaired in ((_WORDS, False), (_NUMERIC, False), (_TYPO, True)):
        for m in pattern.finditer(text, pos, end):
            value = _valid(*m.groups())
            if value:
                found.append(FoundDate(value, m.start(), m.end(), repaired, m.group(0)))
                break
    return min(found, key=lambda f: (f.start, f.repaired)) if found else None
