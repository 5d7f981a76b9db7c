"""Find citations in the cleaned text: every surface form, with the details that follow them.

A citation is a type word (or its abbreviation) with a number ("Chỉ thị số 23-CT/TW",
"KL 01", "CT số 23-CT/TW"), a bare number and symbol ("37-NQ/TW"), or a named document
without a number ("Nghị quyết Trung ương 4 khóa XII"). What follows it — date, issuer,
term, title — is read here too; resolving it to a document key is ``resolve``'s job.

>>> [c.number for c in find_citations("Thực hiện Chỉ thị số 23-CT/TW, ngày 09/02/2018 của Ban Bí thư về x")]
['23-CT/TW']
>>> c = find_citations("theo Chỉ thị 27/CT-TTg ngày 08/9/2016 của Thủ tướng Chính phủ về đẩy mạnh học tập")[0]
>>> c.number, c.date.value, c.issuer, c.title
('27/CT-TTg', '2016-09-08', 'Thủ tướng Chính phủ', 'đẩy mạnh học tập')
>>> [(c.type_code, c.bare_seq) for c in find_citations("Kết luận 01 và CT 23")]
[('KL', '01'), ('CT', '23')]
>>> find_citations("Kế hoạch số 40-KH/ĐUK của Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh về học tập")[0].title
'học tập'
>>> [c.number for c in find_citations("Kế hoạch số 96-KH/TƯ của Ban Thường vụ Tỉnh ủy; Chỉ thị 05-CT/TƯ của Ban Bí thư")]
['96-KH/TU', '05-CT/TW']
>>> [c.named_key for c in find_citations("thực hiện Nghị quyết Trung ương 4 khoá XII, XIII về x")]
['NQTW4-khoaXII', 'NQTW4-khoaXIII']
>>> [c.named_key for c in find_citations("Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII")]
['NQTW8-khoaXIII']
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ingest.dates import FoundDate, match_date, misread_date
from ingest.normalize import fold_chars
from kg.identity import PARTY_NUMBER, STATE_NUMBER, TYPE_NAMES, TYPE_WORDS, canonical_code, parse_number
from kg.text import fold

# Typed citations are found in the text without diacritics (same offsets), so OCR's and typists' wrong
# diacritics ("Kê hoạch sô 155") still name the type; the number is then read from the printed text.
_FOLDED_WORDS = {fold(word): word for word in TYPE_WORDS}
_WORDS = "|".join(sorted(map(re.escape, _FOLDED_WORDS), key=len, reverse=True))
_ABBREVIATIONS = "QDi|QD|NQ|CT|KL|KH|HD|BC|TB|CV|CTr|TTr|ND"
_NUMBER = rf"{PARTY_NUMBER.pattern}|{STATE_NUMBER.pattern}"
_TYPED = re.compile(
    rf"(?<!\w)(?:(?P<word>(?i:{_WORDS}))|(?P<abbr>{_ABBREVIATIONS}))\s+(?:(?i:so)\s*[:/“”\"']?\s*)?"
    rf"(?P<num>{_NUMBER}|(?P<bare>\d{{1,4}})(?![\d/]|\s*[-–]\s*[A-Za-zĐD]|\s+(?:thang|nam|ngay)\b))"
)
_UNTYPED = re.compile(rf"(?:(?<![\w/])|(?<=[Ss]o))(?:{_NUMBER})")  # on folded text: "sô01-KL/TW" (OCR)
_ORDINALS = {"nhất": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
             "mười": 10, "mười một": 11, "mười hai": 12, "mười ba": 13, "mười bốn": 14, "mười lăm": 15}
_ORDINAL = "|".join(sorted(_ORDINALS, key=len, reverse=True))
# "Nghị quyết Trung ương 4 khóa XII", "Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII"
_NQ_TW = re.compile(
    rf"(?<!\w)(?i:nghị quyết)\s+(?:Hội nghị\s+)?(?:lần thứ\s+(?P<ord>\d{{1,2}}|{_ORDINAL})\s+)?"
    r"(?:Ban Chấp hành\s+)?(?:Trung ương|TW)(?:\s+Đảng)?(?:\s+(?P<n>\d{1,2}|[IVX]+))?"
    r"\s*,?\s*\(?(?:kh(?:óa|oá))\s+(?P<terms>(?:[IVX]+)(?:\s*(?:,|và)\s*(?:kh(?:óa|oá)\s+)?[IVX]+)*)"
)
_NQ_CONGRESS = re.compile(
    r"(?<!\w)(?i:nghị quyết)\s+Đại hội\s+(?:(?:đại biểu\s+)?(?:toàn quốc\s+)?(?:lần thứ\s+)?([IVX]+)\s+của Đảng"
    r"|Đảng toàn quốc\s+lần thứ\s+([IVX]+))"
)
_NQ_LOCAL_CONGRESS = re.compile(
    r"(?<!\w)(?i:nghị quyết)\s+Đại hội\s+Đảng bộ\s+(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)"
    r"((?:\s+[A-ZĐÂĂÊÔƠƯ][\w]*)*)\s+lần thứ\s+([IVXL]+)"
)
# A date belongs to the citation it follows, within the sentence: never across a blank line to a new
# paragraph's "Ngày ..." (a headline, then the lead); OCR's blank lines inside a sentence are crossed.
_DATE_LEAD = re.compile(r"(?!\s*\n[ \t]*\n\s*Ngày)\s*[,(]?\s*(?:(?i:ban hành)\s+)?[Nn](?i:gày)\s*")
_PAREN_DATE = re.compile(r"\s*\(\s*(?=\d)")
# An issuer is capitalized words and the lower-case words of body names ("Ban Bí thư").
_ORG_WORDS = (
    "bí thư chính trị chấp hành thường vụ tuyên giáo tổ chức dân vận nội kinh tế kiểm tra tướng phủ ủy uỷ "
    "ban nhân đảng trực tỉnh thành huyện phố quận xã phường bộ trung ương quốc hội mặt trận văn phòng thị trấn"
)
_ISSUER_WORD = (rf"(?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÍÌỈỊÚỦỤÝỲỶ][\w.]*|(?:{'|'.join(_ORG_WORDS.split())}|khối|các cơ quan)"
                r"(?!\w))")  # "Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh"
_ISSUER = re.compile(rf"\s*,?\s*của\s+(?P<issuer>{_ISSUER_WORD}(?:[ \t]+{_ISSUER_WORD}){{0,9}})")
_TERM = re.compile(r"\s*,?\s*\(?\s*kh(?:óa|oá)\s+([IVXL]+)\s*\)?")
_TITLE_LEAD = re.compile(r"\s*,?\s*(?:về\s+(?:việc\s+)?|(?=[“\"]))")
_TITLE_STOP = re.compile(
    r";|\n[ \t]*\n|\.\s+(?=[A-ZĐ])|\s(?:trình|gửi)\s+(?=Ban|Thường trực|Thành ủy|Tỉnh ủy|Huyện ủy)|\n(?=\s*(?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ0-9+•-]|$))|\(\s*sau đây|\s\(|,\s+(?:Ban Thường vụ|Ban Chấp hành|Thường trực|Ban Tuyên giáo|Ban Tổ chức|"
    r"Ủy ban|UBND|Đảng ủy|Chi bộ|Huyện ủy|Thành ủy|Tỉnh ủy|Văn phòng|các cấp ủy|cấp ủy|Ban Thường vụ)"
)
# "Chỉ thị số 05-CT/TW ... về đẩy mạnh học tập và làm theo ... và Kế hoạch số 112-KH/TU ...": a second
# document joined to the first ends the first one's title (unless the title itself cites a document:
# "về tiếp tục thực hiện Chỉ thị 05-CT/TW và Kết luận 01-KL/TW" names both inside one title).
_JOINED_DOCUMENT = re.compile(
    rf",?\s+(?:và|cùng)\s+(?i:{'|'.join(sorted(TYPE_WORDS, key=len, reverse=True))})\s+(?:số\s+)?\d+\s*[-/]"
)
_FOOTNOTE_MARK = re.compile(r"(?:\(\d{1,2}\)|⁽[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)")
_ALIAS_CUE = re.compile(r"gọi\s+(?:tắt\s+)?là\s*$")
_MAX_TITLE = 400


@dataclass(slots=True)
class Citation:
    """One place where the text cites a document, with what the text says about it."""

    start: int  # the mention: type word (if any) through the number
    end: int
    number: str | None = None  # normalized number and symbol; None for bare or named citations
    type_code: str | None = None
    type_word: str | None = None  # the type name as written ("Chỉ thị"), for display
    bare_seq: str | None = None  # "23" in "Chỉ thị 23"
    named_key: str | None = None  # "NQTW4-khoaXII"
    named_place: str | None = None  # for a local congress resolution: "tỉnh" / "thành phố" ...
    date: FoundDate | None = None
    issuer: str | None = None
    term: str | None = None
    title: str | None = None
    span_end: int = 0  # end of the whole citation, title included
    alias: bool = False  # "(sau đây gọi tắt là Chỉ thị số 23-CT/TW)"
    inferred: bool = False  # the number was printed without its code; the code comes from the issuer


def _type_name(word: str | None, code: str | None) -> str | None:
    if word:
        return word[:1].upper() + word[1:].lower()
    return None


def _misread_at(text: str, start: int, end: int) -> FoundDate | None:
    """An OCR-misread date in ``text[start:end]`` ("ngày 65/12/2022"), with offsets into ``text``."""
    found = misread_date(text[start:end])
    return dataclasses.replace(found, start=found.start + start, end=found.end + start) if found else None


def _read_details(text: str, cite: Citation) -> None:
    """Read date, issuer, term and title following the mention; set ``span_end``."""
    marker = _FOOTNOTE_MARK.match(text, cite.end)  # "64-HD/BTGTW(1), ngày ...": a footnote reference
    pos = marker.end() if marker else cite.end
    for _ in range(4):
        lead = _DATE_LEAD.match(text, pos) or _PAREN_DATE.match(text, pos)
        if cite.date is None and lead:
            end = min(len(text), lead.end() + 28)
            found = match_date(text, lead.end(), end) or _misread_at(text, lead.end(), end)
            if found and found.start - lead.end() <= 2:
                cite.date = found
                pos = found.end + (1 if text[found.end : found.end + 1] == ")" else 0)
                continue
        issuer = _ISSUER.match(text, pos)
        if cite.issuer is None and issuer and len(issuer.group("issuer").split()) <= 10:
            cite.issuer = " ".join(issuer.group("issuer").split())
            pos = issuer.end()
            continue
        term = _TERM.match(text, pos)
        if cite.term is None and term:
            cite.term = term.group(1)
            pos = term.end()
            continue
        break
    cite.span_end = pos
    lead = _TITLE_LEAD.match(text, pos)
    if not lead:
        return
    start = lead.end()
    first = text[start : start + 1]
    if first in "“\"":
        close = re.compile(r"[”\"]").search(text, start + 1, start + _MAX_TITLE)
        if not close:
            return
        stop = close.end()
        title = text[start + 1 : stop - 1]
    else:
        if not first or not first.islower():
            return  # "về Ban Thường vụ" is a destination, not a title
        found = _TITLE_STOP.search(text, start, min(len(text), start + _MAX_TITLE))
        stop = found.start() if found else min(len(text), start + _MAX_TITLE)
        joined = _JOINED_DOCUMENT.search(text, start, stop)
        if joined and not _cites_inside(text[start : joined.start()]):
            stop = joined.start()
        title = text[start:stop]
    title = re.sub(r"^[Vv]ề\s+", "", " ".join(title.split()).rstrip(" ,.\"”"))
    if title:
        cite.title = title
        cite.span_end = stop


def _cites_inside(title: str) -> bool:
    return bool(PARTY_NUMBER.search(title) or STATE_NUMBER.search(title))


_PRINTED_TU = re.compile(r"/\s*T[Ưư](?!\w)")


def _local_tu(text: str, cite: Citation) -> None:
    """"TƯ" abbreviates Trung ương, but some print it for Tỉnh ủy: "Kế hoạch số 96-KH/TƯ ... của Ban
    Thường vụ Tỉnh ủy Lai Châu" is 96-KH/TU. The issuer named with the citation decides."""
    if (cite.number and cite.number.endswith("/TW") and cite.issuer
            and _PRINTED_TU.search(text, cite.start, cite.end) and re.search(r"Tỉnh [uủ][ỷy]", cite.issuer)):
        cite.number = cite.number[:-2] + "TU"


def _named(text: str) -> list[Citation]:
    found: list[Citation] = []
    for m in _NQ_TW.finditer(text):
        conference = m.group("n") or m.group("ord")
        if conference is None:
            continue
        conference = str(_ORDINALS.get(" ".join(conference.lower().split()), conference))
        for term in re.findall(r"[IVX]+", m.group("terms")):
            found.append(Citation(m.start(), m.end(), type_code="NQ", type_word="Nghị quyết",
                                  named_key=f"NQTW{conference}-khoa{term}", term=term))
    for m in _NQ_CONGRESS.finditer(text):
        congress = m.group(1) or m.group(2)
        found.append(Citation(m.start(), m.end(), type_code="NQ", type_word="Nghị quyết",
                              named_key=f"NQDH-{congress}", term=congress))
    for m in _NQ_LOCAL_CONGRESS.finditer(text):
        unit, place, congress = m.group(1), m.group(2).strip(), m.group(3)
        found.append(Citation(m.start(), m.end(), type_code="NQ", type_word="Nghị quyết",
                              named_key=f"NQDH-{unit}{'-' + place if place else ''}-{congress}",
                              named_place=f"{unit} {place}".strip()))
    return found


def find_citations(text: str) -> list[Citation]:
    """Every citation in ``text`` (already cleaned), in reading order, details read."""
    found: list[Citation] = []
    covered: list[tuple[int, int]] = []
    for m in _TYPED.finditer(fold_chars(text)):
        num_start = m.start("num")
        word = _FOLDED_WORDS[m.group("word").lower()] if m.group("word") else None
        if m.group("bare"):
            if word and not m.group("word")[0].isupper():
                continue  # "báo cáo 06 tháng": a bare number needs a capitalized type word
            code = TYPE_WORDS[word] if word else canonical_code(m.group("abbr"))
            cite = Citation(m.start(), m.end(), type_code=code, bare_seq=m.group("bare").lstrip("0").zfill(2))
        else:
            parsed = parse_number(text[num_start : m.end("num")])
            if parsed is None:
                continue
            cite = Citation(m.start(), m.end(), number=parsed.text, type_code=parsed.type_code)
        if word and cite.number and TYPE_WORDS[word] != cite.type_code and cite.type_code in TYPE_NAMES:
            word = TYPE_NAMES[cite.type_code]  # "Thông báo kết luận số 1250-TB/HU": the code says Thông báo
        cite.type_word = _type_name(word, cite.type_code)
        found.append(cite)
        covered.append((num_start, m.end()))
    for m in _UNTYPED.finditer(fold_chars(text)):
        if any(s <= m.start() < e for s, e in covered):
            continue
        parsed = parse_number(text[m.start() : m.end()])
        if parsed:
            found.append(Citation(m.start(), m.end(), number=parsed.text, type_code=parsed.type_code))
    found.extend(_named(text))
    found.sort(key=lambda c: c.start)
    for cite in found:
        _read_details(text, cite)
        _local_tu(text, cite)
        cite.alias = bool(_ALIAS_CUE.search(text, max(0, cite.start - 25), cite.start))
    return found
