"""Tasks inside plans: who must do what by when (SPEC section 3, ``tasks``).

A task is one bullet or paragraph of a provision that assigns work to a unit named at its start
(or named by the enclosing item) and/or sets a deadline. Units are read from the subject
position only, so recipients ("gửi báo cáo về Thành ủy") and partners ("phối hợp với ...") are
not responsible; partners are recorded apart (``partners``). See docs/tasks.md for what counts and why.

>>> responsible_units("Ủy ban Nhân dân thành phố, Thành đoàn Lai Châu; các chi bộ, đảng bộ cơ sở căn cứ ...")
['Ủy ban Nhân dân thành phố', 'Thành đoàn Lai Châu', 'các chi bộ, đảng bộ cơ sở']
>>> responsible_units("Văn phòng Thành ủy chủ trì, phối hợp với các cơ quan liên quan tham mưu ...")
['Văn phòng Thành ủy']
>>> responsible_units("Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội thành phố tổng hợp")
['Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội thành phố']
>>> extract_tasks([{"id": "II.3", "path": ["II. THỜI GIAN", "3. Thời gian"],
...                 "text": "3. Thời gian\\n- Cấp thành phố: Hoàn thành trước ngày 25/3/2023."}], 2023)
[{'text': 'Cấp thành phố: Hoàn thành trước ngày 25/3/2023.', 'provision': 'II.3', 'responsible': ['Cấp thành phố'], 'partners': [], 'deadline': '2023-03-25'}]
>>> partner_units("Ban Tuyên giáo Thành ủy chủ trì, phối hợp với Văn phòng Thành ủy, Thành đoàn theo dõi ...")
['Văn phòng Thành ủy', 'Thành đoàn']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.deadlines import Deadline, scan_deadlines
from ingest.normalize import clean
from kg.document import Task
from kg.text import fold, nfc

# --- units -------------------------------------------------------------------------------------

# Heads of unit names, lower case. Flag "n": only when a name follows ("Ban Chỉ đạo 35", not
# "Ban hành"); "p": only in the plural ("các chi, đảng bộ"); "" : always.
_HEADS: dict[str, str] = {
    "ủy ban nhân dân": "", "ubnd": "", "hội đồng nhân dân": "", "hđnd": "",
    "ủy ban mặt trận tổ quốc việt nam": "", "ủy ban mặt trận tổ quốc": "", "ủy ban mttq việt nam": "",
    "ủy ban mttq": "", "ub mttq": "", "ubmttq": "", "mặt trận tổ quốc việt nam": "", "mặt trận tổ quốc": "",
    "mttq việt nam": "", "mttq": "", "ủy ban kiểm tra": "", "ủy ban": "n",
    "ban thường vụ": "", "ban chấp hành": "", "ban chỉ đạo": "", "ban tuyên giáo": "", "ban tổ chức": "",
    "ban dân vận": "", "ban nội chính": "", "ban đảng": "", "ban cán sự đảng": "", "ban": "n",
    "văn phòng": "n", "trung tâm chính trị": "", "trung tâm": "n", "báo": "n", "đài": "n",
    "thành đoàn": "", "huyện đoàn": "", "tỉnh đoàn": "", "quận đoàn": "", "thị đoàn": "",
    "đoàn thanh niên": "", "đoàn thể": "", "hội liên hiệp phụ nữ": "", "hội nông dân": "",
    "hội cựu chiến binh": "", "hội chữ thập đỏ": "", "liên đoàn lao động": "", "công đoàn": "",
    "thường trực": "n", "đảng ủy": "", "đảng đoàn": "", "chi ủy": "", "chi bộ": "", "chi": "p",
    "đảng bộ": "", "cấp ủy": "", "cấp cơ sở": "", "cấp huyện": "", "cấp tỉnh": "", "cấp xã": "",
    "cấp thành phố": "", "cấp quận": "", "cấp phường": "", "sở": "n", "phòng": "n", "trường": "n",
    "công an": "", "ban chỉ huy quân sự": "", "bộ chỉ huy quân sự": "", "viện kiểm sát": "", "tòa án": "",
    "tổ chức chính trị - xã hội": "", "tổ chức cơ sở đảng": "", "tổ chức đảng": "",
    "đồng chí": "", "ủy viên": "", "bí thư": "", "phó bí thư": "", "chủ tịch": "", "người đứng đầu": "",
    "cơ quan": "", "đơn vị": "", "địa phương": "", "ngành": "", "chính quyền": "",
    "tỉnh ủy": "", "thành ủy": "", "huyện ủy": "", "quận ủy": "", "thị ủy": "",
}
# Heads that may also sit inside a name without a separator ("Chi bộ phòng Giáo dục").
_NESTED = ("phòng", "trường", "ban", "sở", "cơ quan", "đảng bộ", "tỉnh ủy", "thành ủy", "huyện ủy", "đảng ủy",
           "hội đồng nhân dân", "ủy ban nhân dân", "hđnd", "ubnd")
# Bare class nouns that pair with the next one into one group ("các chi bộ, đảng bộ cơ sở").
_CLASS_NOUNS = ("chi bộ", "chi", "đảng bộ", "cơ quan", "đơn vị", "sở", "ban", "ngành", "phòng", "địa phương",
                "đoàn thể", "xã", "phường")
_MTTQ = ("ủy ban mặt trận", "ủy ban mttq", "ub mttq", "ubmttq", "mặt trận", "mttq")
_QUALIFIERS = (
    "thành phố", "tp", "tỉnh", "huyện", "quận", "thị xã", "thị trấn", "các xã, phường, thị trấn",
    "các xã, phường", "các xã", "các phường", "xã", "phường", "tổ dân phố", "bản", "thôn", "cơ sở",
    "trực thuộc", "các cấp", "cấp trên trực tiếp", "cấp trên", "cấp mình", "cấp huyện", "cấp tỉnh",
    "cấp xã", "cấp cơ sở", "cấp thành phố", "liên quan", "đảng", "việt nam", "khối nhà nước",
    "nhà nước", "trung ương", "các ngành", "chính trị - xã hội",
)
# Lower-case words that end a name even right after a capitalized word (verbs, mostly).
_STOP = frozenset({
    "ban", "chủ", "xây", "báo", "đánh", "theo", "tham", "phối", "căn", "lãnh", "chỉ", "thực", "triển",
    "tổng", "hướng", "lựa", "phát", "đưa", "tăng", "tiếp", "hoàn", "gửi", "có", "là", "và", "thì", "phải",
    "cần", "được", "đã", "sẽ", "đảm", "nghiên", "kiểm", "giám", "trình", "bám", "chuẩn", "quán", "rà",
    "nâng", "đôn", "đẩy", "quản", "cung", "bố", "phụ", "dự", "làm", "xét", "đề", "nộp", "khẩn", "sơ",
    "rút", "xử", "giải", "tổ", "tuyên", "chịu", "trực", "cử", "mời", "tiến", "duy", "mở", "biên", "lồng",
    "thường", "định", "nắm", "bảo", "hỗ", "vận",
})
_INTRO = re.compile(r"(?:giao cho|giao|đề nghị|yêu cầu|đối với|riêng|phân công)\s+")
_WORD = re.compile(r"\w+")
_SEP = re.compile(r"\s*(?:[,;]|\bvà\b)\s*")
_SPACES = re.compile(r"[ \t]*")


def _phrase(words: str) -> str:
    """Regex for a lower-case phrase: flexible spaces and dashes, whole words."""
    body = r"\s*-\s*".join(r"\s+".join(map(re.escape, part.split())) for part in words.split(" - "))
    return body + r"(?!\w)"


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(_phrase(p) for p in sorted(phrases, key=len, reverse=True))


_HEAD_RE = re.compile(r"(?:(các|những|toàn thể)\s+)?(" + _alternation(_HEADS) + ")")
_NESTED_RE = re.compile(_alternation(_NESTED))
_QUALIFIER_RE = re.compile(_alternation(_QUALIFIERS))
_CLASS_RE = re.compile(r"(?:các\s+)?(?:" + _alternation(_CLASS_NOUNS) + ")")
_OLD_TONES = str.maketrans({"ỷ": "ủ", "ý": "ú", "ỳ": "ù", "ỹ": "ũ", "ỵ": "ụ"})


def _match_copy(text: str) -> str:
    """Lower case, "uỷ" spelled "ủy", dashes as "-": same length as ``text``, for matching."""
    out = []
    for c in text:
        low = c.lower()
        out.append(low if len(low) == 1 else c)
    low = "".join(out).replace("–", "-").replace("—", "-")
    # Old tone placement: "uỷ" → "ủy" (the tone moves to the u); keep the length.
    return re.sub(r"u[ỷýỳỹỵ]", lambda m: m.group(0)[1].translate(_OLD_TONES) + "y", low)


def _flags(head: str) -> str:
    return _HEADS.get(" ".join(head.replace("-", " - ").split()), "")


def _head_at(text: str, low: str, pos: int) -> int | None:
    """End of the unit head starting at ``pos``, or None."""
    m = _HEAD_RE.match(low, pos)
    if not m:
        return None
    flags = _flags(m.group(2))
    if "p" in flags and not m.group(1):
        return None
    if "n" in flags and not m.group(1) and not _named(text, low, m.end()):  # "các sở, ban, ngành"
        return None
    return m.end()


def _named(text: str, low: str, pos: int) -> bool:
    """Whether a name (a capitalized word or a place qualifier) follows ``pos``."""
    j = _SPACES.match(low, pos).end()
    return bool(_WORD.match(text, j) and text[j].isupper()) or bool(_QUALIFIER_RE.match(low, j))


def _extend(text: str, low: str, pos: int) -> int:
    """Extend a unit name over its qualifiers and capitalized name words."""
    prev_cap = _last_word_capitalized(text, pos)
    end = pos
    while True:
        j = _SPACES.match(low, end).end()
        m = _QUALIFIER_RE.match(low, j)
        if not m and (nested := _NESTED_RE.match(low, j)) and _named(text, low, nested.end()):
            m = nested
        if m and m.end() > j:
            end, prev_cap = m.end(), text[j].isupper()
            continue
        word = _WORD.match(text, j)
        if not word:
            if low.startswith("-", j):  # "Sở Lao động - Thương binh và Xã hội"
                k = _SPACES.match(low, j + 1).end()
                nxt = _WORD.match(text, k)
                if nxt and text[k].isupper():
                    end, prev_cap = nxt.end(), True
                    continue
            return end
        w = low[j:word.end()]
        if text[j].isupper():
            end, prev_cap = word.end(), True
        elif w == "và":
            k = _SPACES.match(low, word.end()).end()
            nxt = _WORD.match(text, k)
            if nxt and text[k].isupper() and _head_at(text, low, k) is None:
                end, prev_cap = nxt.end(), True
            else:
                return end
        elif prev_cap and w not in _STOP:  # "Ban Tuyên giáo": one lower-case syllable after a capital
            end, prev_cap = word.end(), False
        else:
            return end


def _last_word_capitalized(text: str, end: int) -> bool:
    start = end
    while start > 0 and (text[start - 1].isalnum()):
        start -= 1
    return start < end and text[start].isupper()


def _skip_parenthetical(text: str, pos: int) -> int:
    j = _SPACES.match(text, pos).end()
    if text.startswith("(", j):
        close = text.find(")", j)
        if close != -1:
            return close + 1
    return pos


def _mergeable(low: str, prev: tuple[int, int], nxt: tuple[int, int], sep: str) -> bool:
    prev_text, next_text = low[prev[0]:prev[1]], low[nxt[0]:nxt[1]]
    if sep in (",", "và") and prev_text.startswith(_MTTQ) and re.match(r"(?:các\s+)?tổ chức chính trị", next_text):
        return True
    return sep == "," and _plural_list(prev_text) and bool(_CLASS_RE.match(next_text))


def _plural_list(unit: str) -> bool:
    """A plural that carries over bare class nouns: "các chi bộ, đảng bộ cơ sở", "các sở, ban, ngành"."""
    first, *rest = (part.strip() for part in unit.split(","))
    return first.startswith("các ") and all(_CLASS_RE.fullmatch(part) for part in (first, *rest))


def _next_head(text: str, low: str, pos: int, spans: list[tuple[int, int]]) -> int | None:
    head = _head_at(text, low, pos)
    if head is None and spans and _plural_list(low[spans[-1][0]:spans[-1][1]]):
        bare = _CLASS_RE.match(low, pos)
        return bare.end() if bare else None
    return head


def _subject(text: str, low: str, pos: int) -> tuple[list[tuple[int, int]], int]:
    """Spans of the units naming the subject at ``pos``, and where the subject ends (pos if none)."""
    i = _SPACES.match(low, pos).end()
    intro = _INTRO.match(low, i)
    if intro and _head_at(text, low, intro.end()) is not None:
        i = intro.end()
    spans: list[tuple[int, int]] = []
    end = pos
    sep = ""
    while (head_end := _next_head(text, low, i, spans)) is not None:
        unit = (i, _extend(text, low, head_end))
        if spans and _mergeable(low, spans[-1], unit, sep):
            spans[-1] = (spans[-1][0], unit[1])
        else:
            spans.append(unit)
        end = _skip_parenthetical(text, unit[1])
        m = _SEP.match(low, end)
        if not m or _next_head(text, low, m.end(), spans) is None:
            break
        sep, i = m.group(0).strip(), m.end()
    return spans, end


def _unit_text(text: str, span: tuple[int, int]) -> str:
    return " ".join(text[span[0]:span[1]].split()).strip(" ,;:")


def responsible_units(text: str) -> list[str]:
    """The units named as the subject at the start of ``text`` (after a "Label:" if the label is none)."""
    text = clean(nfc(text))
    return _own_units(text, _match_copy(text), 0)[0]


_PARTNER = re.compile(r"phối\s+hợp\s+(?:chặt\s+chẽ\s+)?(?:với|cùng)\s+")


def partner_units(text: str) -> list[str]:
    """The units a task works with but does not lead: those after "phối hợp với" / "phối hợp cùng"."""
    text = clean(nfc(text))
    low = _match_copy(text)
    units = [_unit_text(text, span) for m in _PARTNER.finditer(low) for span in _subject(text, low, m.end())[0]]
    return list(dict.fromkeys(u for u in units if u))


_SHORT_LABEL = 40  # "Tài liệu: ...", "Quý I: ..."; longer lead-ins are sentences, not labels
_LABEL = re.compile(r"[^:\n.;]{1,120}?:\s")


def _own_units(text: str, low: str, pos: int) -> tuple[list[str], int]:
    """Units at ``pos`` and where the predicate starts; handles "Cấp cơ sở: ..." and "Tài liệu: X ...".

    A label that is a unit list is the subject unless the text after it names units itself.
    """
    spans, end = _subject(text, low, pos)
    label = _LABEL.match(text, pos)
    if not label:
        return [_unit_text(text, s) for s in spans], end
    if spans and text[end:label.end() - 2].strip(" ,;"):
        return [_unit_text(text, s) for s in spans], end  # not a label: "X chủ trì các việc sau: ..."
    after, after_end = _subject(text, low, label.end())
    if after and (spans or label.end() - pos <= _SHORT_LABEL):
        return [_unit_text(text, s) for s in after], after_end
    return [_unit_text(text, s) for s in spans], label.end()


# --- provisions → blocks → tasks -----------------------------------------------------------------

_NUMBER = re.compile(r"\s*(?:(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)]|\d+(?:\.\d+)+)[\s,.]*")
_BULLET = re.compile(r"\s*([-–•+])\s*")
_SKIPPED = re.compile(r"(?:muc dich|muc tieu|yeu cau|quan diem)\b")
_OUTLINE = re.compile(r"de cuong|phu luc|\bmau\b")
_REPORTED = re.compile(r"\W*[^.;:]{0,80}?\s(?:đã|đã được)\s")
_SENTENCE_END = re.compile(r"[.!?…]+[\"”)]?\s+[\"“(]?(?=\w)")
_CLAUSE_SEP = re.compile(r"\s*[,;]")
_ABBREVIATIONS = frozenset({"tp", "tx", "tt", "ths", "ts", "pgs", "gs", "v.v", "đ/c", "st", "sl", "nxb"})


@dataclass
class _Block:
    kind: str  # head | para | bullet | sub
    text: str
    units: list[str] = field(default_factory=list)
    body: int = 0  # where the predicate starts
    context: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    for n, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        if n == 0:
            number = _NUMBER.match(line)
            blocks.append(_Block("head", line[number.end():] if number else line.strip()))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            kind = "sub" if bullet.group(1) == "+" else "bullet"
            blocks.append(_Block(kind, line[bullet.end():]))
            continue
        stripped = line.strip()
        prev = blocks[-1] if blocks else None
        if prev and stripped[:1].islower() and not prev.text.rstrip().endswith((".", ":", ";", "!", "?")):
            prev.text = prev.text.rstrip() + " " + stripped  # a paragraph wrapped by the converter
        else:
            blocks.append(_Block("para", stripped))
    return blocks


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if not text[m.end()].isupper():
            continue
        before = text[start:m.start()].rsplit(None, 1)
        last = fold(before[-1]) if before else ""
        if last in _ABBREVIATIONS or len(last) <= 1 or last.isdigit():
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _pick(hits: Sequence[Deadline], start: int, end: int) -> str | None:
    inside = [h for h in hits if start <= h.start < end]
    strong = [h for h in inside if h.strong]
    return (strong or inside)[0].value if (strong or inside) else None


def _clauses(text: str, hits: Sequence[Deadline], start: int, end: int) -> list[tuple[str, int, int]]:
    """Cut one sentence with several deadlines into one clause per deadline (text, start, end)."""
    strong = [h for h in hits if h.strong and start <= h.start < end]
    if len({h.value for h in strong}) < 2:
        return [(text[start:end], start, end)]
    colon = text.find(":", start, strong[0].start)
    prefix = text[start:colon].strip() if colon != -1 else ""
    cut = colon + 1 if colon != -1 else start
    pieces: list[tuple[int, int]] = []
    for hit in strong:
        sep = _CLAUSE_SEP.match(text, hit.end)
        pieces.append((cut, hit.end))
        cut = sep.end() if sep else hit.end
    if text[cut:end].strip(" .;,"):
        pieces[-1] = (pieces[-1][0], end)
    clauses = []
    for a, b in pieces:
        body = text[a:b].strip(" ,;")
        clauses.append((f"{prefix}: {body}" if prefix else body, a, b))
    return clauses


def _segments(text: str, hits: Sequence[Deadline]) -> list[tuple[str, int, int]]:
    """One piece per distinct deadline: sentences up to the one that sets it, then clauses."""
    if len({h.value for h in hits if h.strong}) < 2:
        return [(text, 0, len(text))]
    pieces: list[tuple[int, int]] = []
    seg_start = 0
    for s_start, s_end in _sentences(text):
        if any(h.strong and s_start <= h.start < s_end for h in hits):
            pieces.append((seg_start, s_end))
            seg_start = s_end
    if seg_start < len(text) and text[seg_start:].strip():
        if pieces:
            pieces[-1] = (pieces[-1][0], len(text))
        else:
            pieces.append((seg_start, len(text)))
    return [clause for a, b in pieces for clause in _clauses(text, hits, a, b)]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _path_units(path: Sequence[str]) -> list[str]:
    """Units named by the nearest enclosing heading that names any ("2.1. Đối với các tổ chức đảng")."""
    for heading in reversed(path[:-1]):
        head = clean(nfc(heading))
        number = _NUMBER.match(head)
        head = head[number.end():] if number else head
        units, _ = _own_units(head, _match_copy(head), 0)
        if units:
            return units
    return []


def _skipped(path: Sequence[str]) -> bool:
    for heading in path:
        number = _NUMBER.match(heading)
        if _SKIPPED.match(fold(heading[number.end():] if number else heading).strip()):
            return True
    return False


def _outline(provision: dict) -> bool:
    """An annex (the outline parser numbers them ``PL1.``...) or a path through ĐỀ CƯƠNG / PHỤ LỤC / mẫu."""
    if str(provision.get("id") or "").startswith("PL"):
        return True
    return any(_OUTLINE.search(fold(h)) for h in provision.get("path") or [])


def _has_words(text: str) -> bool:
    return bool(_WORD.search(text))


def _is_task(block: _Block, has_predicate: bool, intro: bool, outline: bool, hits: Sequence[Deadline]) -> bool:
    """A unit named at the start doing something; else (outside outlines) work under an enclosing
    unit or a deadline. Titles and lead-ins ("..., cụ thể:") count only with a cued deadline."""
    if block.units and has_predicate:
        return True
    if outline:
        return False
    if block.kind == "head" or intro:
        return any(h.strong for h in hits)
    return bool(block.context and has_predicate) or bool(hits)


def _provision_tasks(provision: dict, year: int | None) -> list[Task]:
    text = clean(nfc(provision.get("text") or ""))
    blocks = _blocks(text)
    if not blocks:
        return []
    outline = _outline(provision)
    enclosing = _path_units(provision.get("path") or [])
    for block in blocks:
        low = _match_copy(block.text)
        block.units, block.body = _own_units(block.text, low, 0)
        if not block.units:  # "Cuối năm 2023 các cấp ủy ... tiến hành ..."
            lead = scan_deadlines(block.text, year)
            if lead and not block.text[:lead[0].start].strip():
                block.units, block.body = _own_units(block.text, low, lead[0].end + 1)
    head = blocks[0]
    head.context = head.units or enclosing
    intro_units = head.context
    bullet_units = intro_units
    for n, block in enumerate(blocks[1:], start=1):
        if block.kind == "para":
            # A paragraph right after a bullet usually goes on with that bullet's subject.
            follows_bullet = blocks[n - 1].kind in ("bullet", "sub")
            block.context = block.units or (blocks[n - 1].context if follows_bullet else intro_units)
            # A lead paragraph (first under the heading, or a "...:" lead-in) speaks for what follows.
            if block.units and (n == 1 or block.text.rstrip().endswith(":")):
                intro_units = block.units
        elif block.kind == "bullet":
            block.context = block.units or intro_units
            bullet_units = block.context
        else:
            block.context = block.units or bullet_units
    head_deadline = _pick(scan_deadlines(head.text, year), 0, len(head.text))
    tasks: list[Task] = []
    consumed: set[int] = set()
    for n, block in enumerate(blocks):
        if n in consumed:
            continue
        hits = scan_deadlines(block.text, year)
        has_predicate = _has_words(block.text[block.body:])
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        intro = block.text.rstrip().endswith(":") and nxt is not None and nxt.kind in ("bullet", "sub")
        if not _is_task(block, has_predicate, intro, outline, hits):
            continue
        body = block.text
        if (block.kind == "head" and block.units and nxt is not None and nxt.kind == "para"
                and not nxt.units and not body.rstrip().endswith((".", ";", ":"))):
            body = f"{body.rstrip()}: {nxt.text}"  # "2. Huyện đoàn đánh giá" + its paragraph
            consumed.add(n + 1)
            hits = scan_deadlines(body, year)
        body_low = _match_copy(body)
        for piece, start, end in _segments(body, hits):
            own, _ = _own_units(body, body_low, start) if start else ([], 0)
            deadline = _pick(hits, start, end) or (head_deadline if block.kind != "head" else None)
            if deadline is None and _REPORTED.match(piece):
                continue  # "Đảng ủy đã tổ chức ...": a result reported, not work assigned
            tasks.append({
                "text": _squash(piece),
                "provision": str(provision.get("id") or ""),
                "responsible": own or block.units or block.context,
                "partners": partner_units(piece),
                "deadline": deadline,
            })
    return tasks


def plan_year(provisions: Iterable[dict], doc_year: int | None) -> int | None:
    """The year that year-less deadlines ("trong quý IV", "trước 30/6") belong to.

    The year most explicit deadlines of the plan use (a plan dated 26/12/2022 is about 2023),
    else ``doc_year``.
    """
    years: Counter[int] = Counter()
    for provision in provisions:
        if _skipped(provision.get("path") or []):
            continue
        for hit in scan_deadlines(provision.get("text") or "", None):
            if hit.strong:
                years[int(hit.value[:4])] += 1
    if not years:
        return doc_year
    top = max(years.values())
    return max(y for y, c in years.items() if c == top)


def extract_tasks(provisions: list[dict], doc_year: int | None) -> list[Task]:
    """Tasks of a document from its provisions ``{"id", "path", "text"}``, in document order.

    Provisions under purpose sections (MỤC ĐÍCH, YÊU CẦU, ...) give none; in an annexed outline
    (ĐỀ CƯƠNG, PHỤ LỤC, mẫu) only items that name a unit doing something count.
    """
    year = plan_year(provisions, doc_year)
    tasks: list[Task] = []
    for provision in provisions:
        if _skipped(provision.get("path") or []):
            continue
        tasks.extend(_provision_tasks(provision, year))
    return tasks
