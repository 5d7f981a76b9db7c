"""The layout of a party document: header, number, place and date, type, title, basis clause,
body, "Nơi nhận", signature block, annexes and footnotes — as spans of the cleaned text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.dates import match_date, misread_date
from ingest.normalize import squash
from ingest.orgs import org_case
from kg.identity import ISSUER_CODES, PARTY_NUMBER, TYPE_WORDS, DocumentNumber, parse_number
from kg.text import fold

_HEADER_LINES = 45
_TYPE_LINE = re.compile(
    r"^\s*(" + "|".join(sorted((w.upper() for w in TYPE_WORDS), key=len, reverse=True))
    + r"|CHƯƠNG TRÌNH HÀNH ĐỘNG|ĐỀ ÁN)(?:\s+CỦA\s+(?P<body>.+?))?\s*$"
)
_ISSUING_BODY = re.compile(r"^\s*CỦA\s+(.+?)\s*$")  # "CHỈ THỊ / CỦA BAN BÍ THƯ" in central documents
_NUMBER_LINE = re.compile(r"^\s*S[ốôóồộo]\s*[:.]?\s*[“”\"'‘’]?\s*(\d.*)$")  # OCR: "Sô “301-KH/HU"
_DATE_LINE = re.compile(r"^\s*(?P<place>[^,\n]{2,40}?)\s*,\s*ngày\s+\d", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*[-_=*·.–—]{3,}\s*$")
_BASIS_CUE = re.compile(r"^\s*[-–_“”\"'‘’.,•*]*\s*(Thực hiện|Căn cứ|Triển khai|Theo(?!\s+(?:đó|báo cáo|kế hoạch\s*,))|Thi hành|Qua"
                        r"|Trên cơ sở)\b")
_BASIS_END = re.compile(r"ban hành|như sau\s*:?\s*$|xây dựng [Kk]ế hoạch")
_SECTION = re.compile(r"^\s*(?:[IVX]{1,5}\.|\d{1,2}\.)\s")
_RECIPIENTS = re.compile(r"^\s*Nơi nhận\s*:?", re.IGNORECASE)
_ON_BEHALF = re.compile(r"^\s*((?:T/M|K/T|T/L|TM\.|KT\.|TL\.|TUQ\.|Q\.)\s*.+?)\s*$")
_ROLE = re.compile(r"^\s*((?:PHÓ\s+)?BÍ THƯ(?:\s+THƯỜNG TRỰC)?|(?:PHÓ\s+)?TRƯỞNG BAN|CHÁNH VĂN PHÒNG|(?:PHÓ\s+)?CHỦ TỊCH"
                   r"|(?:PHÓ\s+)?CHÁNH VĂN PHÒNG|ỦY VIÊN[^\n]*|THƯỜNG TRỰC[^\n]*)\s*$")
_PERSON = re.compile(r"^\s*([A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ][^\s\d,.;:()]+"
                     r"(?:\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ][^\s\d,.;:()]+){1,4})\s*$")
_ANNEX = re.compile(r"^\s*(ĐỀ CƯƠNG|PHỤ LỤC|Phụ lục)\b")
_FOOTNOTE = re.compile(r"^\s*(?:⁽[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾|\((?:\d{1,2}|[^\w\s()]{1,2})\)|\[\d{1,2}\])\s*\S")
_DEPARTMENT = re.compile(r"^(BAN |VĂN PHÒNG|ỦY BAN KIỂM TRA|UỶ BAN KIỂM TRA|TRUNG TÂM)")
_PARTY_MOTTO = "dang cong san viet nam"  # folded: OCR writes "CỘNG SẲN" for "CỘNG SẢN"
_FOLDED_TYPES = {fold(w): w for w in [*TYPE_WORDS, "chương trình hành động", "đề án"]}
_FOLDED_TYPE_LINE = re.compile(r"^\s*(" + "|".join(sorted(_FOLDED_TYPES, key=len, reverse=True)) + r")\s*$")
# A header line names an organization: a committee, a party organization, a department or office.
_ORG_LINE = re.compile(r"\b(?:dang bo|dang uy|tinh uy|thanh uy|huyen uy|quan uy|thi uy|chi bo|ban |van phong"
                       r"|uy ban|trung uong|bo chinh tri|dang doan|ban can su)")
_COLUMNS = re.compile(r"\t| {3,}| [—–] ")
_PROSE = 100
_CLOSING_LINES = 15  # a line this long that is not all capitals is running text: the header is over
_OWN_BODY = re.compile(r"^của\s+((?:Ban Thường vụ|Ban Chấp hành|Thường trực)\s+(?:Đảng bộ\s+)?(?:Tỉnh|Thành|Huyện|Quận"
                       r"|Thị|Đảng)\s+[uủ][ỷy](?:\s+[A-ZĐ][^\s,]*)*)\s+(?=về\b)")
_SUBJECT = re.compile(r"^\s*V/v\.?\s+(.+?)\s*$", re.IGNORECASE)


@dataclass
class Line:
    """One line of the cleaned text and its offsets."""

    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()


@dataclass
class Layout:
    """Where each part of the document is. Offsets index the cleaned (= NFC) text."""

    lines: list[Line]
    number: DocumentNumber | None = None
    type_word: str | None = None
    issuing_body: str | None = None  # "Ban Bí thư" when the type line says "CỦA BAN BÍ THƯ"
    header_orgs: list[str] = field(default_factory=list)
    place: str | None = None
    date: str | None = None
    title: str | None = None
    title_span: tuple[int, int] = (0, 0)
    basis_span: tuple[int, int] = (0, 0)
    body: tuple[int, int] = (0, 0)  # line indexes [first, last)
    annexes: list[tuple[int, int]] = field(default_factory=list)  # line index ranges
    footnotes: set[int] = field(default_factory=set)  # line indexes
    recipients: list[str] = field(default_factory=list)
    signer: dict[str, str | None] | None = None


def split_lines(text: str) -> list[Line]:
    """Lines with their character offsets."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.85


_KINDS = {"dang bo": "ĐẢNG BỘ", "dang uy": "ĐẢNG ỦY", "tinh uy": "TỈNH ỦY", "thanh uy": "THÀNH ỦY",
          "huyen uy": "HUYỆN ỦY", "quan uy": "QUẬN ỦY", "thi uy": "THỊ ỦY", "chi bo": "CHI BỘ"}
_UNITS = {"tinh": "TỈNH", "thanh pho": "THÀNH PHỐ", "huyen": "HUYỆN", "quan": "QUẬN", "thi xa": "THỊ XÃ", "xa": "XÃ",
          "phuong": "PHƯỜNG", "thi tran": "THỊ TRẤN"}
_KIND_PREFIX = re.compile(rf"^({'|'.join(_KINDS)})(?: ({'|'.join(sorted(_UNITS, key=len, reverse=True))}))?(?= )")


def _repair_kind(line: str) -> str:
    """The committee words of a header line as they must be spelled, whatever OCR made of their
    diacritics ("HUYỆN UY MAI SƠN", "ĐĂNG BỘ TÍNH SƠN LA"); the place name is kept as read.

    >>> _repair_kind("ĐĂNG BỘ TÍNH SƠN LA"), _repair_kind("HUYỆN UY MAI SƠN"), _repair_kind("ĐẢNG BỘ TỈNH HÀ TĨNH")
    ('ĐẢNG BỘ TỈNH SƠN LA', 'HUYỆN ỦY MAI SƠN', 'ĐẢNG BỘ TỈNH HÀ TĨNH')
    """
    folded = fold(line)
    match = _KIND_PREFIX.match(folded) if len(folded) == len(line) else None
    if not match:
        return line
    words = _KINDS[match.group(1)] + (" " + _UNITS[match.group(2)] if match.group(2) else "")
    return words + line[match.end():]


def _type_match(line: str) -> tuple[str, str | None] | None:
    """(type word, issuing body) of a type line ("KẾ HOẠCH", "CHỈ THỊ CỦA BAN BÍ THƯ"), also with OCR's
    wrong diacritics ("KÉ HOẠCH"); ``None`` for any other line."""
    if m := _TYPE_LINE.match(line):
        return m.group(1), m.group("body")
    if _is_upper(line) and (m := _FOLDED_TYPE_LINE.match(" ".join(re.sub(r"[\W\d_]", " ", fold(line)).split()))):
        return _FOLDED_TYPES[m.group(1)].upper(), None
    return None


def _body_start(lines: list[Line]) -> int:
    """Without a type line, the header ends where the text starts: an opening clause, a heading,
    "Kính gửi", or running text."""
    for i, line in enumerate(lines[:_HEADER_LINES]):
        s = line.stripped
        if (_BASIS_CUE.match(s) or _SECTION.match(s) or s.startswith("Kính gửi")
                or (len(s) >= _PROSE and not _is_upper(s))):
            return i
    return min(len(lines), _HEADER_LINES)


def _header(layout: Layout, type_index: int | None) -> None:
    lines = layout.lines
    limit = type_index if type_index is not None else _body_start(lines)
    cells = [(k, cell.strip()) for k, line in enumerate(lines[:limit]) for cell in _COLUMNS.split(line.text)]
    for k, s in cells:  # the two header columns may share a line, split by a tab (OCR: spaces or a dash)
        number = _NUMBER_LINE.match(s)
        if number and layout.number is None:
            layout.number = parse_number(number.group(1))
            printed = PARTY_NUMBER.search(s)
            s = s[printed.end():].strip() if printed else ""  # OCR joins "Số 301-KH/HU Mai Sơn, ngày …"
            if not _DATE_LINE.match(s):
                continue
        date_line = _DATE_LINE.match(s)
        if date_line and layout.date is None and k + 1 < len(lines) and not match_date(s):
            s = f"{s} {lines[k + 1].stripped}"  # a narrow header column wrapped the year
        if date_line and layout.date is None and (found := match_date(s) or misread_date(s)):
            layout.place, layout.date = squash(PARTY_NUMBER.sub("", date_line.group("place"), count=1)), found.value
            continue
        if (s and s != "*" and _PARTY_MOTTO not in fold(s) and _is_upper(s) and _type_match(s) is None
                and _ORG_LINE.search(fold(s))):
            layout.header_orgs.append(_repair_kind(s))
    if layout.number is None:  # a header cell holding only the number (and maybe the place-date), no "Số"
        for line in lines[:limit]:
            printed = PARTY_NUMBER.match(line.stripped)
            rest = line.stripped[printed.end():].strip() if printed else None
            if printed and (not rest or _DATE_LINE.match(rest)) and (found := parse_number(printed.group(0))):
                layout.number = found
                break


def _title(layout: Layout, type_index: int) -> int:
    """Read the title after the type line; return the index of the first body line."""
    lines = layout.lines
    parts, first, last, i = [], None, None, type_index + 1
    while i < len(lines) and i < type_index + 12:
        s = lines[i].stripped
        if _SEPARATOR.match(s):
            i += 1
            break
        if _BASIS_CUE.match(s) or _SECTION.match(s) or s.startswith("Kính gửi"):
            break
        if parts and not lines[i - 1].stripped and _announces_body(lines, i):
            break  # an opening clause whose cue OCR lost, after a blank line
        if s:
            parts.append(s)
            first = i if first is None else first
            last = i
        i += 1
    if parts:
        layout.title = squash(" ".join(parts))
        if (own := _OWN_BODY.match(layout.title)) and layout.issuing_body is None:  # "của Ban Thường vụ Tỉnh ủy về …"
            layout.issuing_body, layout.title = own.group(1), layout.title[own.end():]
        layout.title_span = (lines[first].start, lines[last].end)
    return i


def _basis(layout: Layout, start: int) -> int:
    """Find the opening clause from line ``start``; return the index of its first line (the body's start).

    The clause runs on over wrapped lines (a line that ends no sentence continues it) up to its issuing
    phrase; OCR may have lost its cue word, so in a document with a number or type line a first paragraph
    that ends "như sau:" is the clause too.
    """
    lines, i = layout.lines, start
    while i < len(lines) and not lines[i].stripped:
        i += 1
    if i >= len(lines) or not (_BASIS_CUE.match(lines[i].stripped) or (
            (layout.number or layout.type_word) and _announces_body(lines, i))):
        return i
    first, previous = i, ""
    while i < len(lines) and i < first + 12:
        s = lines[i].stripped
        if i > first and s and (_SECTION.match(s) or (previous[-1:] in ".;:" and not _BASIS_CUE.match(s))):
            break
        i += 1
        previous = s or previous
        if _BASIS_END.search(s):
            break
    layout.basis_span = (lines[first].start, lines[i - 1].end)
    return first


def _announces_body(lines: list[Line], i: int) -> bool:
    """True when the paragraph from line ``i`` ends "như sau:" (an opening clause without its cue)."""
    paragraph = []
    for line in lines[i : i + 8]:
        if _SECTION.match(line.stripped) or _SEPARATOR.match(line.stripped) or (paragraph and not line.stripped):
            break
        paragraph.append(line.stripped)
    return bool(re.search(r"như sau\s*:\s*$", " ".join(paragraph).strip()))


def _closing(layout: Layout, body_start: int) -> None:
    """Find "Nơi nhận", the signature block and the annexes after the body."""
    lines = layout.lines
    end = next((i for i in range(body_start, len(lines)) if _RECIPIENTS.match(lines[i].stripped)), None)
    cursor = end if end is not None else len(lines)
    if end is not None:
        i = end + 1
        while i < len(lines):
            s = lines[i].stripped
            if s.startswith(("-", "+", "•")):
                item = s.lstrip("-+• ").rstrip(" ,.;")
                if item and not item.lower().startswith("lưu"):
                    layout.recipients.append(squash(item))
            elif s:
                break
            i += 1
        cursor = i
    signer_end = _signer(layout, cursor if end is not None else body_start)
    annex_from = max(cursor, signer_end)
    starts = [i for i in range(annex_from, len(lines)) if _ANNEX.match(lines[i].stripped)]
    if end is None:
        end = min([signer_end if layout.signer else len(lines), *starts])
    layout.body = (body_start, end)
    bounds = [*starts, len(lines)]
    layout.annexes = [(bounds[k], bounds[k + 1]) for k in range(len(starts))]
    layout.footnotes = {i for i, line in enumerate(lines) if i >= body_start and _FOOTNOTE.match(line.text)}


def _signer(layout: Layout, start: int) -> int:
    lines = layout.lines
    on_behalf = role = name = None
    stop = start
    for i in range(start, min(len(lines), start + 40)):
        s = lines[i].stripped
        if _ANNEX.match(s) and (role or name or on_behalf):
            break
        if on_behalf is None and role is None and (m := _ON_BEHALF.match(s)) and _is_upper(s):
            on_behalf, stop = squash(m.group(1)), i + 1
        elif role is None and (m := _ROLE.match(s)):
            role, stop = squash(m.group(1)), i + 1
        elif name is None and (m := _PERSON.match(s)) and not _is_upper(s):
            if role or on_behalf or start > layout.body[0]:
                name, stop = squash(m.group(1)), i + 1
                break
        elif s and (role or on_behalf) and not _is_upper(s):
            break
    if name or role or on_behalf:
        layout.signer = {"name": name, "role": role, "on_behalf_of": on_behalf}
    return stop


def parse_layout(text: str) -> Layout:
    """Locate every part of the document in the cleaned text."""
    layout = Layout(split_lines(text))
    lines = layout.lines
    type_index = next((i for i, line in enumerate(lines[:_HEADER_LINES]) if _type_match(line.stripped)), None)
    _header(layout, type_index)
    if type_index is not None:
        type_word, issuing_body = _type_match(lines[type_index].stripped)
        layout.type_word = type_word.capitalize()
        if issuing_body:
            layout.issuing_body = org_case(issuing_body)
        following = next((k for k in range(type_index + 1, len(lines)) if lines[k].stripped), None)
        if following is not None and (body := _ISSUING_BODY.match(lines[following].stripped)) and _is_upper(
                body.group(1)):
            layout.issuing_body = org_case(body.group(1))
            type_index = following
        after_title = _title(layout, type_index)
    else:
        after_title = _body_start(lines)  # an opening clause is the first thing after the header, or none
        while after_title < len(lines) and (not lines[after_title].stripped
                                             or lines[after_title].stripped.startswith("Kính gửi")):
            after_title += 1
        subject = next((line for line in lines[:after_title] if _SUBJECT.match(line.stripped)), None)
        if subject:  # a letter (công văn) states its subject as "V/v ..."
            m = _SUBJECT.match(subject.text)
            layout.title = squash(m.group(1))
            layout.title_span = (subject.start + m.start(1), subject.end)
    body_start = _basis(layout, after_title)
    layout.body = (body_start, len(lines))
    _closing(layout, body_start)
    if layout.date is None:
        _closing_date(layout)
    return layout


def _closing_date(layout: Layout) -> None:
    """A text without header may carry its place and date above the signature ("Phong Thổ, ngày 10
    tháng 3 năm 2023" / "T/L BAN THƯỜNG VỤ"): a date line among the last lines before any annex."""
    end = layout.annexes[0][0] if layout.annexes else len(layout.lines)
    for line in reversed(layout.lines[max(layout.body[0], end - _CLOSING_LINES) : end]):
        s = line.stripped
        if (m := _DATE_LINE.match(s)) and len(s) <= 60 and (found := match_date(s)):
            layout.place, layout.date = squash(m.group("place")), found.value
            return


def lead_end(layout: Layout, limit: int = 2000) -> int:
    """Where the lead of a headerless text ends: the first section heading, at most ``limit`` characters."""
    first = next((line.start for line in layout.lines if _SECTION.match(line.stripped)), limit)
    return min(first, limit)


def committee(layout: Layout) -> tuple[str | None, str | None]:
    """(committee, parent organization) from the header, else from the number and the place line."""
    orgs = [org_case(s) for s in layout.header_orgs]
    if len(orgs) >= 2:
        parent, own = orgs[-2], orgs[-1]
        last = re.sub(r"[UỦ][ỶY] BAN", "", layout.header_orgs[-1].upper())  # "ỦY BAN KIỂM TRA" is no committee
        if _DEPARTMENT.match(layout.header_orgs[-1].upper()) and "ỦY" not in last and "UỶ" not in last:
            own = f"{own} {parent}"
        return own, parent
    if len(orgs) == 1:
        return orgs[0], None
    if layout.number and (known := ISSUER_CODES.get(layout.number.issuer_code)) and layout.place:
        place = re.sub(r"^(TP\.|Thành phố|TX\.|Thị xã|Thị trấn|Huyện|Tỉnh)\s*", "", layout.place).strip()
        return f"{known[0]} {place}".strip(), None
    return None, None
