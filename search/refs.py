"""Document references typed by users: "117-KH/ThU", "Chỉ thị 23", "CT 23", "kl 01", "23-CT/TW@2018".

Used to put a named document first in search results and for the ``--implements`` filter.

>>> parse_ref("Chỉ thị 23")
RefPattern(seq='23', type_code='CT', issuer_code=None, year=None)
>>> parse_ref("thoi han bao cao ke hoach so 117-KH/ThU")
RefPattern(seq='117', type_code='KH', issuer_code='ThU', year=None)
>>> parse_ref("23-CT/TW@2018").matches("23-CT/TW@2018"), parse_ref("CT 23").matches("23-CT/TW@2003")
(True, True)
>>> parse_ref("KL 01").matches("21-KL/TW@2021"), parse_ref("tuyên truyền mạng xã hội") is None
(False, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.identity import TYPE_NAMES, TYPE_WORDS, canonical_code, parse_number, split_key
from kg.text import fold

_WORD_TO_CODE = {fold(word): code for word, code in TYPE_WORDS.items()}
_CODES = {fold(code): code for code in TYPE_NAMES}
_TYPE_ALTS = "|".join(
    sorted({*map(re.escape, _WORD_TO_CODE), *map(re.escape, _CODES)}, key=len, reverse=True)
)
_TYPED_SEQ = re.compile(rf"\b({_TYPE_ALTS})\s*(?:so\s*)?(\d{{1,5}})\b(?![-/]\w)")


@dataclass(frozen=True)
class RefPattern:
    """What a user's reference pins down; ``None`` parts match anything."""

    seq: str
    type_code: str
    issuer_code: str | None = None
    year: int | None = None

    def matches(self, key_or_number: str) -> bool:
        """True when the document key or number fits this reference."""
        number, year = split_key(key_or_number)
        parsed = parse_number(number)
        if parsed is None:
            return False
        if parsed.seq != self.seq or fold(parsed.type_code) != fold(self.type_code):
            return False
        if self.issuer_code and fold(parsed.issuer_code) != fold(self.issuer_code):
            return False
        return not (self.year and year and self.year != year)


def _seq(digits: str) -> str:
    return digits.lstrip("0").zfill(2) if digits.strip("0") else digits


def parse_ref(text: str) -> RefPattern | None:
    """The first document reference in ``text``, ``None`` when there is none."""
    number = parse_number(text)
    if number is not None:
        year_match = re.search(r"@(\d{4})", text)
        return RefPattern(
            number.seq, number.type_code, number.issuer_code, int(year_match.group(1)) if year_match else None
        )
    match = _TYPED_SEQ.search(fold(text))
    if match is None:
        return None
    word = match.group(1)
    code = _WORD_TO_CODE.get(word) or _CODES.get(word) or canonical_code(word)
    return RefPattern(_seq(match.group(2)), code)
