"""Normalization that keeps character offsets: noise is blanked, never removed.

Mentions must carry offsets into the NFC text of the file, so every later stage works
on a copy of that text of the *same length* in which Word artifacts (``PAGE`` fields),
markdown ``**``, stray ``*`` around words and odd spaces are replaced by spaces.

>>> clean("Số 117-KH/ThU\\tĐẢNG **hoàn thành** *Chỉ thị*\\nPAGE  ")
'Số 117-KH/ThU\\tĐẢNG   hoàn thành    Chỉ thị \\n      '
>>> clean("*") == "*"   # the lone star under the issuer name is layout, keep it
True
>>> clean("vê`thực hiện ngày 19/12/2O23")   # OCR: a spacing accent after its letter, a letter O in a year
'về thực hiện ngày 19/12/2023'

"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

# Word field codes exported as text, on a line of their own.
_FIELD_LINE = re.compile(r"(?m)^[ \t]*(?:PAGE|NUMPAGES|MERGEFORMAT|\\\* MERGEFORMAT)[^\n]*$")
_STARS = re.compile(r"\*{2,}")
_STAR_BY_WORD = re.compile(r"(?<=\S)\*|\*(?=\S)")
_ODD_SPACE = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff\r\f\v]")


# OCR writes a tone it could not place as a spacing accent after the letter: "vê`thực" for "về thực".
_SPACING_ACCENT = re.compile(r"([^\W\d_])([`´])")
# OCR splits a number's digits: "Hướng dẫn số 1 12-HD/BTGTW" → " 112-HD/BTGTW" (the space moves before it).
_SPLIT_SEQUENCE = re.compile(r"(?<=[Ss]ố )(\d{1,2}) (\d{1,3})(?=\s*[-–]\s*[A-ZĐ])")
_LETTER_O_IN_NUMBER = re.compile(r"(?<=\d)[Oo](?=\d)")  # "19/12/2O23"
_COMBINING_OF = {"`": "\u0300", "´": "\u0301"}


def _attach(match: re.Match[str]) -> str:
    composed = unicodedata.normalize("NFC", match.group(1) + _COMBINING_OF[match.group(2)])
    return composed + " " if len(composed) == 1 else match.group(0)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def clean(text: str) -> str:
    """Blank out layout noise; the result has exactly the length of ``text``."""
    out = _FIELD_LINE.sub(_blank, text)
    out = _STARS.sub(_blank, out)
    out = _STAR_BY_WORD.sub(" ", out)
    out = _ODD_SPACE.sub(" ", out)
    out = _SPACING_ACCENT.sub(_attach, out)
    out = _LETTER_O_IN_NUMBER.sub("0", out)
    out = _SPLIT_SEQUENCE.sub(lambda m: " " + m.group(1) + m.group(2), out)
    assert len(out) == len(text)
    return out


def squash(text: str) -> str:
    """Collapse runs of white space into one space (for titles and display text)."""
    return " ".join(text.split())


_PAGE_WIDTH = 120  # characters: lines longer than this in most of a text are paragraphs, not page lines
_LINE_START_MARKER = re.compile(r"^\s*(?:[IVX]{1,5}\.|\d{1,2}(?:\.\d{1,2})*\.|[a-zđ]\)|[-+•*]|\(\d+\)|⁽|Nơi nhận)")


def _upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def unwrap(text: str) -> str:
    """Join lines that a PDF wrapped inside a paragraph, keeping length (``\\n`` → space).

    A line is a wrapped continuation when the previous line is about as long as the
    longest lines of the page (it reached the margin) or plainly does not end its
    sentence, and the line itself does not start a heading, bullet or footnote.

    >>> unwrap("Thực hiện Kế hoạch số 147 của\\nTỉnh ủy về việc sơ kết.\\n1. Mục đích")
    'Thực hiện Kế hoạch số 147 của Tỉnh ủy về việc sơ kết.\\n1. Mục đích'
    """
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if not lengths:
        return text
    width = lengths[int(len(lengths) * 0.9)]
    out = []
    for i, line in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        body = line.rstrip()
        joins = (
            body and nxt.strip() and not _LINE_START_MARKER.match(nxt) and not _upper(body) and not _upper(nxt)
            and not body.endswith(":")
            and (len(body) >= 0.75 * width or (body[-1] not in ".;!?" and (nxt.lstrip()[:1].islower()
                                                                          or nxt.lstrip()[:1].isdigit())))
        )
        out.append(line + (" " if joins else "\n"))
    out.append(lines[-1])
    return "".join(out)


@lru_cache(maxsize=4096)
def _plain(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    return {"đ": "d", "Đ": "D"}.get(base, base) if not unicodedata.combining(base) else char


def fold_chars(text: str) -> str:
    """``text`` without diacritics, character by character: case and length kept, so offsets still hold.

    >>> fold_chars("Kê hoạch số 155 của Đảng")
    'Ke hoach so 155 cua Dang'
    """
    return "".join(map(_plain, text))


# A web page pasted with its site: what follows "Tin liên quan" and the like is the site's, not the document's.
_SITE_TAIL = re.compile(r"(?mi)^[ \t]*(?:tin liên quan|tin cùng chuyên mục|các tin khác|tin khác|bài viết liên quan"
                        r"|bài liên quan|xem thêm|tin mới nhất|tin đã đưa)[ \t]*:?[ \t]*$")


def drop_site_tail(text: str) -> str:
    """Blank (length kept) everything from a "Tin liên quan" line on, when text precedes it.

    >>> drop_site_tail("Ngày 03/01/2025, ...\\nTin liên quan\\nKế hoạch số 61-KH/TU").split("\\n")[0:2]
    ['Ngày 03/01/2025, ...', '             ']
    """
    tail = _SITE_TAIL.search(text)
    if not tail or not text[: tail.start()].strip():
        return text
    return text[: tail.start()] + re.sub(r"[^\n]", " ", text[tail.start():])


def looks_wrapped(text: str) -> bool:
    """True for text broken into lines of a page's width (OCR output, text copied from a PDF): the lines
    are short, and most of them run on into the next (no sentence end, and the next line goes on in lower
    case or the line reaches the margin).

    >>> looks_wrapped("Thực hiện Kế hoạch số 45-KH/HU của Ban Thường\\nvụ Huyện ủy về sơ kết, đến nay\\nvẫn còn chi bộ.")
    True
    >>> looks_wrapped("I. MỤC ĐÍCH\\n1. Đánh giá kết quả.\\n2. Rút kinh nghiệm.")
    False
    """
    lines = [line.strip() for line in text.split("\n")]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return False
    width = lengths[int(len(lengths) * 0.9)]
    if width > _PAGE_WIDTH:
        return False  # one paragraph per line
    pairs = [(a, b) for a, b in itertools.pairwise(lines) if a and b]
    running = sum(1 for a, b in pairs if a[-1] not in ".;:!?" and (b[:1].islower() or len(a) >= 0.8 * width))
    return running / len(pairs) >= 0.3 if pairs else False
