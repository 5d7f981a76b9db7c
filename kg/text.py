"""Vietnamese text helpers shared by every layer: NFC, ASCII folding, slugs.

>>> fold("Chỉ thị số 23-CT/TW về Đảng")
'chi thi so 23-ct/tw ve dang'
>>> slugify("Thành ủy Lai Châu")
'thanh-uy-lai-chau'
>>> slugify("117-KH/ThU")
'117-kh-thu'
"""

from __future__ import annotations

import re
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f]")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (documents arrive in NFD too)."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, đ → d (for diacritic-free matching)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return _COMBINING.sub("", decomposed).replace("đ", "d")


def slugify(text: str) -> str:
    """ASCII slug for IRIs: folded, non-alphanumerics collapsed to ``-``."""
    return _NON_SLUG.sub("-", fold(text)).strip("-")
