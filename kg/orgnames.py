"""Organization names, in one place: casing of header lines, the committee an issuer phrase or
party body stands for, cascade levels, relative names ("của Tỉnh ủy") and the matching key that
links names and aliases (the registry of organizations, issuers, task units).

>>> org_case("THÀNH ỦY LAI CHÂU"), org_case("ĐẢNG BỘ TỈNH LAI CHÂU")
('Thành ủy Lai Châu', 'Đảng bộ tỉnh Lai Châu')
>>> org_case("ĐẢNG ỦY PHƯỜNG TÂN PHONG"), org_case("BAN TUYÊN GIÁO TỈNH ỦY")
('Đảng ủy phường Tân Phong', 'Ban Tuyên giáo Tỉnh ủy')
>>> committee_of("Ban Thường vụ Tỉnh uỷ Lai Châu")
'Tỉnh ủy Lai Châu'
>>> Context(org="Thành ủy Lai Châu", province="Lai Châu").resolve("Ban Thường vụ Tỉnh ủy")
'Tỉnh ủy Lai Châu'
>>> Context(org="Thành ủy Lai Châu", province="Lai Châu").resolve("Ban Tuyên giáo Thành ủy")
'Ban Tuyên giáo Thành ủy Lai Châu'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.identity import ISSUER_CODES
from kg.text import fold

TOP_ORG = "Trung ương"

# Words that name a kind of committee or body; what follows the last one is a place name.
_COMMITTEES = ("tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy", "thị ủy", "đảng ủy")
_UNIT_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn")
_CAPITALIZED = {
    "tỉnh ủy": "Tỉnh ủy", "thành ủy": "Thành ủy", "huyện ủy": "Huyện ủy", "quận ủy": "Quận ủy",
    "thị ủy": "Thị ủy", "trung ương": "Trung ương", "ban thường vụ": "Ban Thường vụ",
    "ban chấp hành": "Ban Chấp hành", "bộ chính trị": "Bộ Chính trị", "ban bí thư": "Ban Bí thư",
    "ban tuyên giáo": "Ban Tuyên giáo", "ban tổ chức": "Ban Tổ chức", "ban dân vận": "Ban Dân vận",
    "ban nội chính": "Ban Nội chính", "văn phòng": "Văn phòng", "ủy ban kiểm tra": "Ủy ban Kiểm tra",
}
_KIND_WORD = re.compile(r"\b(?:" + "|".join([*_COMMITTEES, *_UNIT_WORDS]) + r")\b")
_LEADERSHIP = re.compile(r"^(?:Ban Thường vụ|Ban Chấp hành|Thường trực|BTV|BCH|TT)\s+")
_COMMITTEE_IN = re.compile(r"(tỉnh ủy|thành ủy|huyện ủy|quận ủy|thị ủy|đảng ủy)(?:\s+(.+))?$", re.IGNORECASE)


def uy(text: str) -> str:
    """Unify the two spellings of "ủy" (uỷ/ủy) on the modern one."""
    return text.replace("uỷ", "ủy").replace("Uỷ", "Ủy").replace("UỶ", "ỦY")


def name_key(name: str) -> str:
    """The key two spellings of one organization name share (case, diacritics, "uỷ", spaces).

    >>> name_key("Đảng uỷ  phường Tân Phong") == name_key("ĐẢNG ỦY PHƯỜNG TÂN PHONG")
    True
    """
    return " ".join(fold(uy(name)).split())


def org_case(upper: str) -> str:
    """Turn an all-caps header line into the usual written form of the name."""
    text = uy(" ".join(upper.split())).lower()
    place = ""
    kinds = list(_KIND_WORD.finditer(text))
    if kinds and kinds[-1].end() < len(text):  # the place name follows the last kind word
        text, place = text[: kinds[-1].end()], text[kinds[-1].end():].strip()
    for lower, proper in _CAPITALIZED.items():
        text = re.sub(rf"\b{lower}\b", proper, text)
    text = text[:1].upper() + text[1:]
    if place:
        text += " " + " ".join(w[:1].upper() + w[1:] for w in place.split())
    return text


def _split_committee(text: str) -> tuple[str, str] | None:
    """("Tỉnh ủy", "Lai Châu") from "... Tỉnh uỷ Lai Châu"; the place may be empty."""
    match = _COMMITTEE_IN.search(uy(text))
    if not match:
        return None
    kind = match.group(1)[:1].upper() + match.group(1)[1:].lower()
    return kind, (match.group(2) or "").strip()


def committee_of(issuer: str) -> str | None:
    """The committee (Tỉnh ủy X, Thành ủy X, ...) named in an issuer phrase, else ``None``."""
    split = _split_committee(issuer)
    return " ".join(part for part in split if part) if split else None


_UNIT_COMMITTEE = {"tỉnh": "Tỉnh ủy", "thành phố": "Thành ủy", "huyện": "Huyện ủy", "quận": "Quận ủy",
                   "thị xã": "Thị ủy"}


@dataclass(frozen=True)
class Context:
    """What the citing document tells about where it sits: its committee, parent and province."""

    org: str | None = None
    province: str | None = None
    parent: str | None = None

    def _places(self) -> dict[str, str]:
        """Committee kind → the place it means here ("Huyện ủy" → "Phong Thổ" in a commune of Phong Thổ)."""
        places: dict[str, str] = {}
        for name in (self.parent, self.org):
            if not name:
                continue
            bureau = re.match(r"Đảng bộ (tỉnh|thành phố|huyện|quận|thị xã)\s+(.+)$", name)
            if bureau:
                places[_UNIT_COMMITTEE[bureau.group(1)]] = bureau.group(2)
            elif (split := _split_committee(name)) and split[1]:
                places[split[0]] = split[1]
        if self.province:
            places.setdefault("Tỉnh ủy", self.province)
        return places

    def resolve_phrase(self, issuer: str) -> str:
        """Complete a relative issuer phrase with the place it means here, keeping its wording.

        "Ban Thường vụ Tỉnh ủy" in a Lai Châu document → "Ban Thường vụ Tỉnh ủy Lai Châu".
        """
        issuer = uy(" ".join(issuer.split()))
        split = _split_committee(issuer)
        if split is None or split[1]:
            return issuer  # not a committee, or it already names its place
        place = self._places().get(split[0])
        return f"{issuer} {place}" if place else issuer

    def resolve(self, issuer: str) -> str:
        """The body behind an issuer phrase: "Ban Thường vụ Tỉnh ủy" here → "Tỉnh ủy Lai Châu"."""
        return _LEADERSHIP.sub("", self.resolve_phrase(issuer))


def code_committee(issuer_code: str, context: Context) -> str | None:
    """The committee behind a local issuer code in this context (``TU`` in Lai Châu → Tỉnh ủy Lai Châu)."""
    known = ISSUER_CODES.get(issuer_code)
    if not known or known[1] in ("central", "state"):
        return None
    return context.resolve(known[0])


# --- committees behind issuer phrases, and their levels ----------------------------------------

# Names the central committee goes by; all become the one top organization.
_TOP_ALIASES = {"trung uong", "ban chap hanh trung uong", "bch trung uong", "ban chap hanh trung uong dang"}
# "Đảng bộ <unit> X" (the header's parent line) → the committee that leads it.
_PARTY_BODY = re.compile(r"^đảng bộ\s+(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+(.+)$", re.I)
_BODY_TO_COMMITTEE = {
    "tỉnh": "Tỉnh ủy {}", "thành phố": "Thành ủy {}", "huyện": "Huyện ủy {}", "quận": "Quận ủy {}",
    "thị xã": "Thị ủy {}", "xã": "Đảng ủy xã {}", "phường": "Đảng ủy phường {}",
    "thị trấn": "Đảng ủy thị trấn {}",
}
_STANDING = re.compile(
    r"^(ban thường vụ|thường trực|ban chấp hành)\s+(?=(tỉnh|thành|huyện|quận|thị|đảng) ủy)", re.I)


def committee_name(name: str) -> str:
    """The committee an issuer phrase or party-body name stands for.

    >>> committee_name("Đảng bộ tỉnh Lai Châu"), committee_name("Ban Thường vụ Tỉnh uỷ Lai Châu")
    ('Tỉnh ủy Lai Châu', 'Tỉnh ủy Lai Châu')
    >>> committee_name("Ban Chấp hành Trung ương"), committee_name("Ban Bí thư")
    ('Trung ương', 'Ban Bí thư')
    """
    name = uy(" ".join(name.split()))
    if fold(name) in _TOP_ALIASES:
        return TOP_ORG
    body = _PARTY_BODY.match(name)
    if body:
        return _BODY_TO_COMMITTEE[body.group(1).lower()].format(body.group(2))
    return _STANDING.sub("", name)


def org_level(name: str) -> str | None:
    """Cascade level of an organization from its name (``central`` ... ``commune``, ``state``).

    >>> org_level("Bộ Chính trị"), org_level("Ban Tuyên giáo Tỉnh ủy"), org_level("Huyện ủy Phong Thổ")
    ('central', 'province', 'district')
    """
    folded = fold(name)
    if "trung uong" in folded or folded in {"bo chinh tri", "ban bi thu"}:
        return "central"
    if re.search(r"chinh phu|thu tuong|quoc hoi|uy ban nhan dan|ubnd", folded):
        return "state"
    if "tinh uy" in folded:
        return "province"
    if re.search(r"thanh uy|huyen uy|quan uy|thi uy", folded):
        return "district"
    if re.search(r"dang uy|chi bo", folded):
        return "commune"
    return None


def committee_inside(name: str) -> str | None:
    """For a body of a committee ("Ban Tuyên giáo Tỉnh ủy Lai Châu"), that committee."""
    match = re.search(r"((?:Tỉnh|Thành|Huyện|Quận|Thị|Đảng) ủy(?:\s+.+)?)$", uy(name))
    if match and match.start() > 0:
        return match.group(1)
    return None
