"""Document identity: number and symbol, type, issuer and year → key and IRI.

A party number is ``<seq>-<type code>/<issuer code>``; a state number is
``<seq>/<type code>-<issuer code>`` or ``<seq>/<year>/<type code>-<issuer code>``.
Numbers restart every term, so identity is number + issuer + year, never the
number alone.

>>> n = parse_number("Số: 117 - KH/THU")
>>> n.text, n.type_code, n.issuer_code, n.form
('117-KH/ThU', 'KH', 'ThU', 'party')
>>> parse_number("5-CT/TW").text, match_form("5-CT/TW")
('5-CT/TW', '05-CT/TW')
>>> parse_number("Kết luận số 14-KL/TWngày 22/9/2021").text, parse_number("08-QĐi/TW").text
('14-KL/TW', '08-QĐi/TW')
>>> parse_number("30/2020/NĐ-CP").text, parse_number("27/CT-TTg").text, parse_number("23/CT-TW").text
('30/2020/NĐ-CP', '27/CT-TTg', '23-CT/TW')
>>> make_key("23-CT/TW", 2018)
'23-CT/TW@2018'
>>> make_key(parse_number("01-KL/TW"), None)
'01-KL/TW@?'
>>> split_key("23-CT/TW@2018")
('23-CT/TW', 2018)
>>> document_iri("https://w3id.org/vnkg/", "23-CT/TW@2018", "tw")
'https://w3id.org/vnkg/doc/tw/2018/23-ct-tw'
>>> document_iri("https://w3id.org/vnkg/", "NQTW4-khoaXII", None)
'https://w3id.org/vnkg/doc/named/nqtw4-khoaxii'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kg.text import fold, slugify

# Type code → Vietnamese type name. QĐ is ambiguous (Quyết định / Quy định);
# the printed type word decides, this is only the default.
TYPE_NAMES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "BC": "Báo cáo",
    "TB": "Thông báo",
    "CV": "Công văn",
    "TTr": "Tờ trình",
    "CTr": "Chương trình",
    "QC": "Quy chế",
    "TT": "Thông tri",
    "TC": "Thông cáo",
    "ĐA": "Đề án",
    "PA": "Phương án",
    "BB": "Biên bản",
    "NĐ": "Nghị định",
    "L": "Luật",
}

# Type word as written in text → type code. Longest words first when matching.
TYPE_WORDS: dict[str, str] = {
    "nghị quyết": "NQ",
    "chỉ thị": "CT",
    "kết luận": "KL",
    "quyết định": "QĐ",
    "quy định": "QĐ",
    "kế hoạch": "KH",
    "hướng dẫn": "HD",
    "báo cáo": "BC",
    "thông báo": "TB",
    "công văn": "CV",
    "tờ trình": "TTr",
    "chương trình": "CTr",
    "quy chế": "QC",
    "thông tri": "TT",
    "thông cáo": "TC",
    "đề án": "ĐA",
    "phương án": "PA",
    "biên bản": "BB",
    "nghị định": "NĐ",
    "thông tư": "TT",
}

# Issuer code → (organization kind, level). Level orders the cascade.
ISSUER_CODES: dict[str, tuple[str, str]] = {
    "TW": ("Trung ương", "central"),
    "VPTW": ("Văn phòng Trung ương Đảng", "central"),
    "BTGTW": ("Ban Tuyên giáo Trung ương", "central"),
    "BTCTW": ("Ban Tổ chức Trung ương", "central"),
    "UBKTTW": ("Ủy ban Kiểm tra Trung ương", "central"),
    "BDVTW": ("Ban Dân vận Trung ương", "central"),
    "BNCTW": ("Ban Nội chính Trung ương", "central"),
    "BKTTW": ("Ban Kinh tế Trung ương", "central"),
    "QUTW": ("Quân ủy Trung ương", "central"),
    "TU": ("Tỉnh ủy", "province"),
    "VPTU": ("Văn phòng Tỉnh ủy", "province"),
    "BTGTU": ("Ban Tuyên giáo Tỉnh ủy", "province"),
    "BTCTU": ("Ban Tổ chức Tỉnh ủy", "province"),
    "UBKTTU": ("Ủy ban Kiểm tra Tỉnh ủy", "province"),
    "BDVTU": ("Ban Dân vận Tỉnh ủy", "province"),
    "BNCTU": ("Ban Nội chính Tỉnh ủy", "province"),
    "ThU": ("Thành ủy", "district"),
    "HU": ("Huyện ủy", "district"),
    "QU": ("Quận ủy", "district"),
    "TXU": ("Thị ủy", "district"),
    "VPThU": ("Văn phòng Thành ủy", "district"),
    "BTGThU": ("Ban Tuyên giáo Thành ủy", "district"),
    "BTCThU": ("Ban Tổ chức Thành ủy", "district"),
    "VPHU": ("Văn phòng Huyện ủy", "district"),
    "BTGHU": ("Ban Tuyên giáo Huyện ủy", "district"),
    "BTCHU": ("Ban Tổ chức Huyện ủy", "district"),
    "ĐU": ("Đảng ủy", "commune"),
    "CB": ("Chi bộ", "commune"),
    "TTg": ("Thủ tướng Chính phủ", "state"),
    "CP": ("Chính phủ", "state"),
    "QH": ("Quốc hội", "state"),
    "UBND": ("Ủy ban nhân dân", "state"),
}

LEVELS = ("central", "province", "district", "commune", "state")

_CANONICAL_CODES = {fold(c): c for c in [*TYPE_NAMES, *ISSUER_CODES]}
# A code is upper case but for the lower-case letters of known codes (ThU, TTg, CTr, QĐi), so a code
# glued to the next word ("14-KL/TWngày") ends where the word starts; an all lower-case code is typed input.
_CODE = r"(?:[A-ZĐƯ](?:[A-ZĐƯ0-9]|(?<=T)[hgr]|(?<=[ĐD])i){0,11}|[a-zđư][a-zđư0-9]{0,11})"
PARTY_NUMBER = re.compile(rf"(\d{{1,5}})\s*[-–]\s*({_CODE})\s*/\s*({_CODE}(?:-{_CODE})?)")
STATE_NUMBER = re.compile(rf"(\d{{1,5}})\s*/\s*(?:(\d{{4}})\s*/\s*)?({_CODE})\s*-\s*({_CODE})")


def canonical_code(code: str) -> str:
    """The canonical casing of a known type/issuer code (``THU`` → ``ThU``), else as written.

    >>> canonical_code("THU"), canonical_code("TƯ"), canonical_code("BTGTƯ")
    ('ThU', 'TW', 'BTGTW')
    """
    code = re.sub(r"T[Ưư]$", "TW", code)  # "Trung ương" is sometimes abbreviated TƯ
    return _CANONICAL_CODES.get(fold(code), code)


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """A parsed number and symbol ("số, ký hiệu")."""

    seq: str
    type_code: str
    issuer_code: str
    form: str  # "party" or "state"
    year: int | None = None  # only state numbers of normative acts carry it

    @property
    def text(self) -> str:
        """The normalized number as the documents print it."""
        if self.form == "party":
            return f"{self.seq}-{self.type_code}/{self.issuer_code}"
        middle = f"{self.year}/" if self.year else ""
        return f"{self.seq}/{middle}{self.type_code}-{self.issuer_code}"

    @property
    def is_central(self) -> bool:
        """True for numbers of central party bodies (``/TW``, ``/BTGTW``, ...)."""
        return issuer_level(self.issuer_code) == "central"


def _seq(digits: str) -> str:
    return digits


def match_form(number: str) -> str:
    """The number with its sequence padded to two digits: "1-KL/TW" and "01-KL/TW" cite one document."""
    head, sep, rest = number.partition("-") if "/" in number.partition("-")[2] else number.partition("/")
    return f"{head.zfill(2)}{sep}{rest}" if head.isdigit() else number


def parse_number(text: str) -> DocumentNumber | None:
    """Parse the first number and symbol found in ``text``; ``None`` when there is none."""
    party = PARTY_NUMBER.search(text)
    state = STATE_NUMBER.search(text)
    if party and (not state or party.start() <= state.start()):
        seq, type_code, issuer = party.groups()
        return DocumentNumber(_seq(seq), canonical_code(type_code), canonical_code(issuer), "party")
    if state:
        seq, year, type_code, issuer = state.groups()
        type_code, issuer = canonical_code(type_code), canonical_code(issuer)
        if not year and issuer_level(issuer) in ("central", "province", "district", "commune"):
            return DocumentNumber(_seq(seq), type_code, issuer, "party")  # "23/CT-TW" mis-typed
        return DocumentNumber(_seq(seq), type_code, issuer, "state", int(year) if year else None)
    return None


def issuer_level(issuer_code: str) -> str | None:
    """The cascade level of an issuer code, ``None`` when unknown."""
    known = ISSUER_CODES.get(canonical_code(issuer_code))
    if known:
        return known[1]
    if issuer_code.endswith("TW"):
        return "central"
    if issuer_code.endswith("TU"):
        return "province"
    if issuer_code.endswith(("ThU", "HU", "QU")):
        return "district"
    return None


def make_key(number: DocumentNumber | str, year: int | None) -> str:
    """``<number>@<year>``, or ``<number>@?`` when the year is unknown."""
    text = number.text if isinstance(number, DocumentNumber) else number
    return f"{text}@{year if year else '?'}"


def split_key(key: str) -> tuple[str, int | None]:
    """Inverse of :func:`make_key`; a named key (no ``@``) gives ``(key, None)``."""
    number, _, year = key.rpartition("@")
    if not number:
        return key, None
    return number, int(year) if year.isdigit() else None


def is_named_key(key: str) -> bool:
    """True for descriptive keys of references without a number (``NQTW4-khoaXII``)."""
    return "@" not in key


def document_iri(base: str, key: str, issuer_slug: str | None) -> str:
    """Readable, deterministic IRI: ``<base>doc/<issuer>/<year>/<number-slug>``."""
    if is_named_key(key):
        return f"{base}doc/named/{slugify(key)}"
    number, year = split_key(key)
    parsed = parse_number(number)
    issuer = issuer_slug or (slugify(parsed.issuer_code) if parsed else "unknown")
    return f"{base}doc/{issuer}/{year or 'unknown'}/{slugify(number)}"


def org_iri(base: str, org_name: str) -> str:
    """IRI of an organization (committee) from its full name."""
    return f"{base}org/{slugify(org_name)}"


# Congress (Đại hội) dates that open each central term (khóa).
_TERMS: tuple[tuple[date, str], ...] = (
    (date(1996, 7, 1), "VIII"),
    (date(2001, 4, 22), "IX"),
    (date(2006, 4, 25), "X"),
    (date(2011, 1, 19), "XI"),
    (date(2016, 1, 28), "XII"),
    (date(2021, 2, 1), "XIII"),
    (date(2026, 1, 23), "XIV"),
)


def central_term(day: date) -> str | None:
    """The central committee term (khóa) in force on ``day``.

    >>> central_term(date(2018, 2, 9)), central_term(date(2003, 3, 27))
    ('XII', 'IX')
    """
    current = None
    for start, term in _TERMS:
        if day >= start:
            current = term
    return current


def term_years(term: str) -> tuple[int, int] | None:
    """First and last calendar year of a central term.

    >>> term_years("XII")
    (2016, 2021)
    """
    for i, (start, name) in enumerate(_TERMS):
        if name == term.upper():
            end = _TERMS[i + 1][0].year if i + 1 < len(_TERMS) else start.year + 5
            return start.year, end
    return None


def issuer_slug(number: str | None, org: str | None) -> str | None:
    """The issuer part of a document IRI.

    Central codes are unique nation-wide (``tw``, ``btgtw``); local codes are not
    (every Thành ủy writes ``/ThU``), so local documents use their committee's name.

    >>> issuer_slug("23-CT/TW", "Ban Bí thư"), issuer_slug("117-KH/ThU", "Thành ủy Lai Châu")
    ('tw', 'thanh-uy-lai-chau')
    >>> issuer_slug("147-KH/TU", None)
    'tu'
    """
    parsed = parse_number(number) if number else None
    if parsed and (parsed.is_central or parsed.form == "state"):
        return slugify(parsed.issuer_code)
    if org:
        return slugify(org)
    return slugify(parsed.issuer_code) if parsed else None
