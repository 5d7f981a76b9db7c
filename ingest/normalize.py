"""Normalization that keeps character offsets: noise is blanked, never removed.

Mentions must carry offsets into the NFC text of the file, so every later stage works
on a copy of that text of the *same length* in which Word artifacts (``PAGE`` fields),
markdown ``**``, stray ``*`` around words, tabs and odd spaces are replaced by spaces.

>>> clean("Số 117-KH/ThU\\tĐẢNG **hoàn thành** *Chỉ thị*\\nPAGE  ")
'Số 117-KH/ThU ĐẢNG   hoàn thành    Chỉ thị \\n      '
>>> clean("*") == "*"   # the lone star under the issuer name is layout, keep it
True
"""

from __future__ import annotations

import re

# Word field codes exported as text, on a line of their own.
_FIELD_LINE = re.compile(r"(?m)^[ \t]*(?:PAGE|NUMPAGES|MERGEFORMAT|\\\* MERGEFORMAT)[^\n]*$")
_STARS = re.compile(r"\*{2,}")
_STAR_BY_WORD = re.compile(r"(?<=\S)\*|\*(?=\S)")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff\r\f\v]")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def clean(text: str) -> str:
    """Blank out layout noise; the result has exactly the length of ``text``."""
    out = _FIELD_LINE.sub(_blank, text)
    out = _STARS.sub(_blank, out)
    out = _STAR_BY_WORD.sub(" ", out)
    out = _ODD_SPACE.sub(" ", out)
    assert len(out) == len(text)
    return out


def squash(text: str) -> str:
    """Collapse runs of white space into one space (for titles and display text)."""
    return " ".join(text.split())
