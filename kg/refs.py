"""What a user types for a document (``Chỉ thị 23``, ``CT 23``, ``23-CT/TW@2018``) → a query.

Pure parsing; :mod:`kg.cascade` matches the result against the store.

>>> parse_ref("Chỉ thị 23")
RefQuery(number=None, seq='23', type_code='CT', issuer_code=None, year=None, iri=None)
>>> parse_ref("23-CT/TW@2018").number, parse_ref("23-CT/TW@2018").year
('23-CT/TW', 2018)
>>> parse_ref("KL 1").seq, parse_ref("kết luận số 21").type_code, parse_ref("chi thi 23 (2003)").year
('01', 'KL', 2003)
>>> parse_ref("Chỉ thị 23").numbers()
['23-CT/TW']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import UnknownReferenceError
from kg.identity import TYPE_NAMES, TYPE_WORDS, canonical_code, match_form, parse_number
from kg.text import fold, nfc

_TYPES = {fold(word): code for word, code in TYPE_WORDS.items()} | {fold(code): code for code in TYPE_NAMES}
_TYPE_SEQ = re.compile(
    r"(?<![a-z])(" + "|".join(sorted((re.escape(t) for t in _TYPES), key=len, reverse=True))
    + r")\s*(?:so\s*)?[:.]?\s*(\d{1,5})(?!\d)"
)
_YEAR = re.compile(r"(?:@|\b)((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class RefQuery:
    """A parsed REF: either a full number, or a type and sequence number; maybe a year or an IRI."""

    number: str | None = None  # "23-CT/TW" when typed in full
    seq: str | None = None  # "23"
    type_code: str | None = None  # "CT"
    issuer_code: str | None = None  # "TW"
    year: int | None = None
    iri: str | None = None

    def numbers(self) -> list[str]:
        """Numbers to look up exactly: the typed one, else the central ``<seq>-<type>/TW``."""
        if self.number:
            return [self.number]
        if self.seq and self.type_code:
            return [f"{self.seq}-{self.type_code}/TW"]
        return []

    @property
    def number_prefix(self) -> str | None:
        """``23-CT/``: matches any issuer, when the exact numbers name nothing."""
        return f"{self.seq}-{self.type_code}/" if self.seq and self.type_code else None


def _normalized_seq(digits: str) -> str:
    return match_form(f"{digits}-KH/TW").split("-")[0]  # identity's padding rule for matching


def parse_ref(text: str) -> RefQuery:
    """Parse a REF; raises :class:`UnknownReferenceError` (message in Vietnamese) when it names nothing."""
    text = nfc(text).strip()
    if text.startswith(("http://", "https://")):
        return RefQuery(iri=text)
    number = parse_number(text)
    if number:
        year = _YEAR.search(text.partition("@")[2] if "@" in text else _after_number(text))
        return RefQuery(number=number.text, seq=number.seq, type_code=number.type_code,
                        issuer_code=number.issuer_code, year=int(year.group(1)) if year else None)
    folded = fold(text)
    match = _TYPE_SEQ.search(folded)
    if match:
        year = _YEAR.search(folded[match.end():])
        return RefQuery(seq=_normalized_seq(match.group(2)), type_code=canonical_code(_TYPES[match.group(1)]),
                        year=int(year.group(1)) if year else None)
    raise UnknownReferenceError(
        f"Không hiểu văn bản “{text}”: hãy ghi như “Chỉ thị 23”, “23-CT/TW” hoặc “23-CT/TW@2018”.")


def _after_number(text: str) -> str:
    """The text after the number and symbol (where a year may be written)."""
    match = re.search(r"\d+\s*[-–/]\s*\S+", text)
    return text[match.end():] if match else text
