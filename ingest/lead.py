"""Identity stated in running text, for documents whose header is missing or was never there.

Two sentences say who issued a document: the lead of a news item or saved web page ("Ngày 12/01/2022,
Ban Thường vụ Tỉnh ủy Hà Giang ban hành Kế hoạch số 52-KH/TU về ..."), which gives the number, date,
issuer and title; and the issuing phrase that closes an opening clause ("..., Ban Thường vụ Huyện ủy
Tam Đường xây dựng kế hoạch như sau:"), which gives the issuer and the type. A number merely cited in
a basis clause ("Thực hiện Nghị quyết số 57-NQ/TW ...") is neither.

>>> text = "Ngày 12/01/2022, Ban Thường vụ Tỉnh ủy Hà Giang ban hành Kế hoạch số 52-KH/TU về thực hiện x."
>>> from ingest.citations import find_citations
>>> lead = lead_identity(text, find_citations(text), end=len(text))
>>> lead.number.text, lead.date, lead.issuer, lead.doc_type, lead.title
('52-KH/TU', '2022-01-12', 'Ban Thường vụ Tỉnh ủy Hà Giang', 'Kế hoạch', 'thực hiện x')
>>> lead_identity(t := "Thời gian qua, Huyện ủy đã ban hành Kế hoạch số 20-KH/HU về x.", find_citations(t), len(t))
>>> issuing_phrase("Thực hiện Kế hoạch số 1-KH/TU, Ban Thường vụ Huyện ủy Tam Đường xây dựng kế hoạch như sau:")
('Ban Thường vụ Huyện ủy Tam Đường', 'Kế hoạch')
>>> issuing_phrase("Thực hiện Chỉ thị số 23-CT/TW, Ban Thường vụ Huyện ủy Tam Đường xây dựng kê hoạch sơ kêf như sau:")
('Ban Thường vụ Huyện ủy Tam Đường', 'Kế hoạch')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.citations import Citation
from ingest.dates import match_date
from ingest.orgs import committee_of
from kg.identity import TYPE_NAMES, TYPE_WORDS, DocumentNumber, parse_number
from kg.text import fold

_LEAD_WINDOW = 160  # how far before the number the issuing body and date are looked for
_VERB = r"(?:(?:đã|vừa|mới|đã vừa)\s+)?(?:ký\s+)?(?:ban hành|xây dựng)"  # "vừa ký ban hành"
_TYPES_ONLY = "|".join(sorted(TYPE_WORDS, key=len, reverse=True))
# "… ban hành [Thông báo] kết luận số 1250-TB/HU": a type word may stand between the verb and the citation.
_ISSUED_AS = re.compile(rf"(?:^|[,.;:\n])\s*(?P<issuer>[^,.;:\n]{{3,100}}?)\s+{_VERB}\s+(?:(?i:{_TYPES_ONLY})\s+)?$")
# A sentence that sums up past work, or lists several documents, announces none of them as this one.
_SUMMARY = re.compile(r"(?i:thời gian qua|những năm qua|các năm qua|năm qua|trước đó|từ đầu năm|thời gian tới)"
                      r"|^\s*(?:Trong\s+)?[Nn]ăm\s+\d{4}\b")
_LISTED = re.compile(rf"\s*(?:,|và|;)\s*(?:các\s+)?(?i:{_TYPES_ONLY})\s+(?i:số)")
_DATE_IN_SENTENCE = re.compile(r"(?<!\w)ngày\s+([^,]{6,24}?)\s*,", re.IGNORECASE)
BODY_START = (r"(?:Ban |Văn phòng|Ủy ban|Uỷ ban|Thường trực|Đảng ủy|Đảng uỷ|Chi bộ|Tỉnh ủy|Thành ủy|Huyện ủy|Quận ủy"
              r"|Thị ủy|Bộ Chính trị)")  # the first words of an issuing body's name
_BODY = re.compile("^" + BODY_START)
_TYPES = "|".join(sorted(TYPE_WORDS, key=len, reverse=True))
_ISSUING_CLAUSE = re.compile(
    rf",\s*(?P<issuer>[^,;:]{{3,100}}?)\s+(?:(?P<verb>ban hành|xây dựng|báo cáo|hướng dẫn|thông báo)"
    rf"(?:\s+(?P<type>(?i:{_TYPES})))?)\b[^,;]*?(?:như sau|sau đây)?\s*:?\s*$"
)
_VERB_TYPES = {"báo cáo": "Báo cáo", "hướng dẫn": "Hướng dẫn", "thông báo": "Thông báo"}


@dataclass(frozen=True)
class Lead:
    """What a lead sentence says about the document it announces."""

    number: DocumentNumber
    doc_type: str | None
    date: str | None
    issuer: str
    title: str | None
    title_span: tuple[int, int]
    citation: int  # index of the announcing citation


def _body_name(phrase: str) -> str | None:
    """The issuing body in the last words before the verb, if they name one."""
    words = " ".join(phrase.split())
    match = re.search(r"(?:^|\s)(?=" + _BODY.pattern.lstrip("^") + ")", words)
    if not match:
        return None
    name = words[match.end():] if match.end() else words
    return name if committee_of(name) or _BODY.match(name) else None


def lead_identity(text: str, cites: list[Citation], end: int) -> Lead | None:
    """The first citation before ``end`` that the text says this document was issued as."""
    for k, cite in enumerate(cites):
        if cite.start >= end:
            break
        if not cite.number or not cite.type_word:
            continue
        window = text[max(0, cite.start - _LEAD_WINDOW) : cite.start]
        said = _ISSUED_AS.search(window)
        issuer = _body_name(said.group("issuer")) if said else None
        number = parse_number(cite.number)
        if not issuer or number is None:
            continue
        sentence_start = max(text.rfind(". ", 0, cite.start) + 1, text.rfind("\n", 0, cite.start) + 1)
        if _SUMMARY.search(text[sentence_start : cite.start]) or _LISTED.match(text, cite.span_end):
            return None  # "Thời gian qua, … đã ban hành Kế hoạch số 20-KH/HU … và Kế hoạch số 95-KH/HU …"
        date = cite.date.value if cite.date else None
        if date is None:  # "Ngày 12/01/2022, [thay mặt …,] Ban Thường vụ … ban hành": the sentence's date
            sentence = re.split(r"\.\s|\n", window[: said.start("issuer")])[-1]
            dates = [found for m in _DATE_IN_SENTENCE.finditer(sentence) if (found := match_date(m.group(1)))]
            date = dates[-1].value if dates else None
        span = (cite.end, cite.span_end) if cite.title else (0, 0)
        doc_type = cite.type_word if TYPE_WORDS.get((cite.type_word or "").lower()) == number.type_code else (
            TYPE_NAMES.get(number.type_code, cite.type_word))  # "Thông báo kết luận số …-TB/HU" is a Thông báo
        return Lead(number, doc_type, date, issuer, cite.title, span, k)
    return None


def issuing_phrase(basis: str) -> tuple[str, str | None] | None:
    """(issuing body, document type) from the phrase that closes an opening clause, if it names one."""
    match = _ISSUING_CLAUSE.search(basis)
    if not match:
        return None
    issuer = _body_name(match.group("issuer"))
    if not issuer:
        return None
    kind = match.group("type")
    if kind is None:  # OCR's wrong diacritics: "xây dựng kê hoạch"
        after = " ".join(fold(basis[match.end("verb"):]).split()[:2])
        kind = next((word for word in TYPE_WORDS if fold(word) == after), None)
    doc_type = (kind[:1].upper() + kind[1:].lower()) if kind else _VERB_TYPES.get(match.group("verb"))
    return issuer, doc_type
