"""Word automatic numbering (``w:numPr`` → numbering.xml) rendered as literal prefixes.

Word stores "I.", "2.1." and bullets as numbering definitions, not as text; the parser needs the
markers, so :class:`Numbering` replays Word's counters and returns the prefix each paragraph shows.

>>> roman(1994), letters(28), format_number(3, "upperRoman"), format_number(7, "decimalZero")
('MCMXCIV', 'bb', 'III', '07')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_LEVEL_REF = re.compile(r"%([1-9])")
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip
_DASHES = {"-", "–", "—", "−", "‐"}


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag."""
    return f"{{{W_NS}}}{tag}"


def w_val(el: _Element | None, tag: str) -> str | None:
    """``w:val`` of the child ``tag`` of ``el`` (None when absent)."""
    child = None if el is None else el.find(w(tag))
    return None if child is None else child.get(w("val"))


def roman(n: int) -> str:
    """Upper-case Roman numeral of ``n`` (≥ 1)."""
    out = []
    for value, glyph in _ROMAN:
        count, n = divmod(n, value)
        out.append(glyph * count)
    return "".join(out)


def letters(n: int) -> str:
    """Word's letter numbering: a..z, then aa, bb, ..."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Render counter ``n`` in Word number format ``fmt`` (unknown formats fall back to decimal)."""
    if fmt == "upperRoman":
        return roman(n)
    if fmt == "lowerRoman":
        return roman(n).lower()
    if fmt == "upperLetter":
        return letters(n).upper()
    if fmt == "lowerLetter":
        return letters(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


def bullet_marker(glyph: str, ilvl: int) -> str:
    """The plain marker for a bullet glyph: dashes stay "-", "+" stays, symbol glyphs become -/+ by level."""
    glyph = glyph.strip()
    if glyph in _DASHES:
        return "-"
    if glyph == "+":
        return "+"
    return "-" if ilvl == 0 else "+"


@dataclass(frozen=True, slots=True)
class Level:
    """One ``w:lvl`` of an abstract numbering definition."""

    fmt: str
    text: str
    start: int
    suffix: str
    legal: bool
    style: str | None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _parse_level(lvl: _Element) -> Level:
    legal = lvl.find(w("isLgl"))
    return Level(
        fmt=w_val(lvl, "numFmt") or "decimal",
        text=w_val(lvl, "lvlText") or "",
        start=_int(w_val(lvl, "start"), 1),
        suffix={"nothing": "", "space": " "}.get(w_val(lvl, "suff") or "tab", " "),
        legal=legal is not None and legal.get(w("val"), "1") not in ("0", "false", "off"),
        style=w_val(lvl, "pStyle"),
    )


def _levels(parent: _Element) -> dict[int, Level]:
    return {_int(lvl.get(w("ilvl")), 0): _parse_level(lvl) for lvl in parent.iterfind(w("lvl"))}


class Numbering:
    """Numbering definitions and styles of one document, plus the running counters.

    Counters are kept per ``numId`` and level; starting a level resets every deeper level.
    Call :meth:`prefix` once per paragraph, in document order.
    """

    def __init__(self, numbering: _Element | None, styles: _Element | None) -> None:
        self._abstract: dict[str, dict[int, Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self._styles: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        if numbering is not None:
            for absn in numbering.iterfind(w("abstractNum")):
                self._abstract[absn.get(w("abstractNumId"), "")] = _levels(absn)
            for num in numbering.iterfind(w("num")):
                level_overrides: dict[int, Level] = {}
                starts: dict[int, int] = {}
                for ov in num.iterfind(w("lvlOverride")):
                    ilvl = _int(ov.get(w("ilvl")), 0)
                    if (start := w_val(ov, "startOverride")) is not None:
                        starts[ilvl] = _int(start, 1)
                    if (lvl := ov.find(w("lvl"))) is not None:
                        level_overrides[ilvl] = _parse_level(lvl)
                abstract_id = w_val(num, "abstractNumId") or ""
                self._nums[num.get(w("numId"), "")] = (abstract_id, level_overrides, starts)
        if styles is not None:
            for style in styles.iterfind(w("style")):
                ppr = style.find(w("pPr"))
                numpr = None if ppr is None else ppr.find(w("numPr"))
                self._styles[style.get(w("styleId"), "")] = (
                    w_val(numpr, "numId"),
                    w_val(numpr, "ilvl"),
                    w_val(style, "basedOn"),
                )

    def _levels_of(self, num_id: str) -> dict[int, Level] | None:
        if num_id not in self._nums:
            return None
        abstract_id, overrides, _ = self._nums[num_id]
        return {**self._abstract.get(abstract_id, {}), **overrides}

    def _style_ref(self, style_id: str | None) -> tuple[str | None, str | None]:
        seen: set[str] = set()
        while style_id and style_id in self._styles and style_id not in seen:
            seen.add(style_id)
            num_id, ilvl, based_on = self._styles[style_id]
            if num_id is not None:
                if ilvl is None:  # heading styles: the level is the one linked to this style
                    levels = self._levels_of(num_id) or {}
                    ilvl = next((str(k) for k, lv in levels.items() if lv.style == style_id), "0")
                return num_id, ilvl
            style_id = based_on
        return None, None

    def _reference(self, paragraph: _Element) -> tuple[str, int] | None:
        ppr = paragraph.find(w("pPr"))
        numpr = None if ppr is None else ppr.find(w("numPr"))
        style_num, style_lvl = self._style_ref(w_val(ppr, "pStyle"))
        num_id = w_val(numpr, "numId") or style_num
        ilvl = w_val(numpr, "ilvl") or style_lvl or "0"
        if not num_id or num_id == "0":  # numId 0 switches numbering off
            return None
        return num_id, _int(ilvl, 0)

    def prefix(self, paragraph: _Element) -> str:
        """Advance the counters for ``paragraph`` and return its literal prefix ("" if not numbered)."""
        ref = self._reference(paragraph)
        levels = None if ref is None else self._levels_of(ref[0])
        if ref is None or levels is None or ref[1] not in levels:
            return ""
        num_id, ilvl = ref
        level = levels[ilvl]
        counters = self._counters.setdefault(num_id, {})
        starts = self._nums[num_id][2]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else starts.get(ilvl, level.start)
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            return bullet_marker(level.text, ilvl) + " "

        def render(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            other = levels.get(k)
            value = counters.get(k, starts.get(k, other.start if other else 1))
            return format_number(value, "decimal" if level.legal else (other.fmt if other else "decimal"))

        text = _LEVEL_REF.sub(render, level.text)
        return text + level.suffix if text.strip() else ""
