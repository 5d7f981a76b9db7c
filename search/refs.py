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
>>> parse_ref("KL 1").stored_seqs(), parse_ref("CT 23").stored_seqs()
(['01', '1'], ['23'])
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import UnknownReferenceError
from kg.identity import parse_number, split_key
from kg.refs import parse_ref as parse_user_ref
from kg.text import fold


@dataclass(frozen=True)
class RefPattern:
    """What a user's reference pins down; ``None`` parts match anything."""

    seq: str
    type_code: str
    issuer_code: str | None = None
    year: int | None = None

    def stored_seqs(self) -> list[str]:
        """The ways a matching number can begin: "1" also as "01", "01" also as "1"."""
        padded = self.seq.zfill(2)
        return [padded, padded[1:]] if padded.startswith("0") and len(padded) == 2 else [padded]

    def matches(self, key_or_number: str) -> bool:
        """True when the document key or number fits this reference."""
        number, year = split_key(key_or_number)
        parsed = parse_number(number)
        if parsed is None:
            return False
        if parsed.seq.zfill(2) != self.seq.zfill(2) or fold(parsed.type_code) != fold(self.type_code):
            return False
        if self.issuer_code and fold(parsed.issuer_code) != fold(self.issuer_code):
            return False
        return not (self.year and year and self.year != year)


def parse_ref(text: str) -> RefPattern | None:
    """The first document reference in ``text`` (the grammar of :mod:`kg.refs`), ``None`` when there is none."""
    try:
        ref = parse_user_ref(text)
    except UnknownReferenceError:
        return None
    if not ref.seq or not ref.type_code:
        return None
    return RefPattern(ref.seq, ref.type_code, ref.issuer_code, ref.year)
