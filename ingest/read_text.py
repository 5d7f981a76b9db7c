"""Decode a plain-text file whose encoding is not declared.

Deterministic order: BOM → (NUL bytes ⇒ UTF-16 without BOM) → strict UTF-8 → Windows-1258 when the
result reads as Vietnamese → charset-normalizer as the last resort. The result is NFC; binary junk fails.

>>> decode_text(b"K\\xea\\xec hoa\\xf2ch", "x.txt")  # Windows-1258: base letter + combining tone
'Kế hoạch'
>>> decode_text("Chỉ thị".encode("utf-16-le"), "x.txt")
'Chỉ thị'
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

import charset_normalizer

from kg.errors import UnreadableFileError
from kg.text import nfc

_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_VI_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for vowel in "aăâeêioôơuưy"
    for base in (vowel, vowel.upper())
    for tone in _TONES
) | frozenset("đĐ")
# Letters or marks only Vietnamese uses among the Latin-script cp125x family.
_VI_SPECIFIC = frozenset("ăĂơƠưƯđĐ\u0300\u0301\u0303\u0309\u0323")
_MAX_CONTROL_SHARE = 0.02


def _junk(path: Path | str) -> UnreadableFileError:
    return UnreadableFileError(path, "không phải văn bản: tệp chứa dữ liệu nhị phân (binary data, not text)")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 codec guessed from where the NUL bytes sit (ASCII letters have a zero high byte)."""
    if len(data) % 2:
        return None
    half = len(data) // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.2 * half and odd > 4 * even:
        return "utf-16-le"
    if even >= 0.2 * half and even > 4 * odd:
        return "utf-16-be"
    return None


def _as_cp1258(data: bytes) -> str | None:
    """Windows-1258 text if every non-ASCII character is a Vietnamese letter or tone mark."""
    try:
        raw = data.decode("cp1258")
    except UnicodeDecodeError:
        return None
    text = nfc(raw)
    others = _NON_ASCII.findall(text)
    viet = sum(1 for ch in others if ch in _VI_LETTERS)
    if others and viet >= 0.8 * len(others) and any(ch in _VI_SPECIFIC for ch in _NON_ASCII.findall(raw)):
        return text
    return None


def _decode(data: bytes, path: Path | str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise UnreadableFileError(
                    path, f"tệp có dấu BOM {codec} nhưng nội dung sai bảng mã (invalid {codec} after its BOM)"
                ) from None
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        try:
            if codec:
                return data.decode(codec)
        except UnicodeDecodeError:
            pass
        raise _junk(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = _as_cp1258(data)
    if text is not None:
        return text
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UnreadableFileError(
            path, "không nhận ra bảng mã, hãy lưu lại dưới dạng UTF-8 (unknown text encoding: save as UTF-8)"
        )
    return str(best)


def decode_text(data: bytes, path: Path | str) -> str:
    """Decode ``data`` (the bytes of ``path``) to NFC text or raise :class:`UnreadableFileError`."""
    text = nfc(_decode(data, path))
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise _junk(path)
    if not text.strip():
        raise UnreadableFileError(path, "tệp không có nội dung chữ (no text in file)")
    return text
