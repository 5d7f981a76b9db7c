"""Search keys: the same normalization for indexed text and for queries.

Users type "Quý ba", "quy III" or "quý 3" for the same thing, "05 năm" or "5 năm", old-style
tones ("khoá", "uỷ") or none at all. Left alone these defeat both BM25 and the embedder, so
numerals and tone placement are normalized on both sides before indexing and before matching;
the text shown to users is never changed.

>>> normalize_numerals("Hoàn thành trong Quý III/2023, khóa XII, lần thứ tư, quý ba")
'Hoàn thành trong Quý 3/2023, khóa 12, lần thứ 4, quý 3'
>>> normalize_numerals("sơ kết 05 năm, ngày 09/02/2018")
'sơ kết 5 năm, ngày 9/2/2018'
>>> normalize_numerals("phạm vi và hành vi; II. NỘI DUNG; giai đoạn sau, giai đoạn năm 2023")
'phạm vi và hành vi; 2. NỘI DUNG; giai đoạn sau, giai đoạn năm 2023'
>>> exact_key("Thành uỷ thông qua hoà giải, khoá XIII")
'thành ủy thông qua hòa giải, khóa 13'
>>> folded_key("Đảm bảo KINH PHÍ quý hai")
'dam bao kinh phi quy 2'
>>> words("Kết luận 01-KL/TW, quý 3")
['kết', 'luận', '1', 'kl', 'tw', 'quý', '3']
"""

from __future__ import annotations

import re

from kg.text import fold, nfc

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
# Words that introduce an ordinal/cardinal which documents write in several ways.
_CONTEXT = (
    r"quý|quy|khóa|khoá|khoa|lần thứ|lan thu|thứ|thu|giai đoạn|giai doan|phần|phan|chương|chuong"
    r"|đại hội|dai hoi|hội nghị trung ương|hoi nghi trung uong|trung ương|trung uong|mục|muc"
)
# Folded spellings only where unambiguous: "quý sau" is "next quarter", "năm" mostly "year".
_NUMBER_WORDS = {
    "nhất": 1,
    "nhat": 1,
    "một": 1,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "bon": 4,
    "tư": 4,
    "tu": 4,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
_ROMAN = r"[IVXLivxl]{1,6}"
_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_AFTER_CONTEXT = re.compile(rf"\b({_CONTEXT})(\s+)({_ROMAN}|{_WORD})(?![\w])", re.IGNORECASE)
# Standalone upper-case Roman numerals of two or more letters (II, XIII): unambiguous anywhere.
_BARE_ROMAN = re.compile(r"(?<![\w-])([IVXL]{2,6})(?![\w-])")
_HEADING_ROMAN = re.compile(r"(?m)^(\s*)([IVX]{1,5})(?=\.\s)")
_LEADING_ZEROS = re.compile(r"(?<![\d])0+(\d)")
# Old-style tone placement at the end of a syllable: "hoà" → "hòa", "uỷ" → "ủy".
_OLD_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_OLD_TONE = re.compile(r"(?<!q)(" + "|".join(_OLD_TONES) + r")(?!\w)")
_WORD_RE = re.compile(r"\w+")


def roman_to_int(text: str) -> int | None:
    """Value of a Roman numeral (``XIII`` → 13), ``None`` when it is not a well-formed one."""
    upper = text.upper()
    if not upper or any(ch not in _ROMAN_VALUES for ch in upper):
        return None
    total = 0
    for i, ch in enumerate(upper):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[upper[i + 1]] if i + 1 < len(upper) else 0
        total += -value if value < nxt else value
    return total if total > 0 and _to_roman(total) == upper else None


def _to_roman(value: int) -> str:
    out = []
    for number, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out.append(letters)
            value -= number
    return "".join(out)


def _numeral(token: str) -> int | None:
    return _NUMBER_WORDS.get(token.lower()) or roman_to_int(token)


def normalize_numerals(text: str) -> str:
    """Write ordinals and quarters as Arabic numerals and drop leading zeros; keep everything else."""

    def after_context(match: re.Match[str]) -> str:
        value = _numeral(match.group(3))
        return f"{match.group(1)}{match.group(2)}{value}" if value else match.group(0)

    def bare(match: re.Match[str]) -> str:
        value = roman_to_int(match.group(1))
        return str(value) if value else match.group(0)

    text = _AFTER_CONTEXT.sub(after_context, text)
    text = _HEADING_ROMAN.sub(lambda m: f"{m.group(1)}{roman_to_int(m.group(2)) or m.group(2)}", text)
    text = _BARE_ROMAN.sub(bare, text)
    return _LEADING_ZEROS.sub(r"\1", text)


def new_style_tones(text: str) -> str:
    """Move old-style tone marks to the new-style vowel (``khoá`` → ``khóa``), on lower-case text."""
    return _OLD_TONE.sub(lambda m: _OLD_TONES[m.group(1)], text)


def embed_key(text: str) -> str:
    """Text as given to the embedder: NFC, numerals normalized, case and tones kept."""
    return normalize_numerals(nfc(text))


def exact_key(text: str) -> str:
    """Lower-case search key keeping diacritics (for the accented full-text column)."""
    return new_style_tones(normalize_numerals(nfc(text)).lower())


def folded_key(text: str) -> str:
    """ASCII-folded search key (đ → d), for matching queries typed without diacritics."""
    return fold(normalize_numerals(nfc(text)))


def words(text: str) -> list[str]:
    """The word tokens of ``exact_key(text)`` (syllables, numbers, codes)."""
    return _WORD_RE.findall(exact_key(text))


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries any Vietnamese diacritic (or đ)."""
    return fold(text) != text.lower()
