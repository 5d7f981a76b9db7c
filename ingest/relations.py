"""Relation typing: based_on, implements, implements_partly, and relations inside citation titles.

- based_on: top-level citations of the opening basis clause ("Thực hiện ...", "Căn cứ ...").
- implements: central documents that are the subject — top-level in the title or the basis
  clause, else nested with an implementation cue in the title of a basis document.
- implements_partly: other central documents that a provision assigns work to carry out.
- relations between references: "Kết luận 01 ... về tiếp tục thực hiện Chỉ thị 05" → 01 implements 05.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.citations import Citation
from ingest.lead import BODY_START
from kg.identity import is_named_key, parse_number

_IMPLEMENT_CUE = re.compile(
    r"(?:thực hiện|triển khai|quán triệt|cụ thể hóa|cụ thể hoá|sơ kết|tổng kết)"
    r"(?:\s+(?:\d+\s+năm|có hiệu quả|nghiêm túc|các nội dung của|nội dung|việc thực hiện))*\s*$",
    re.IGNORECASE,
)
_RESULTS_ONLY = re.compile(r"(?:trên cơ sở|kết quả (?:\d+ năm )?(?:triển khai )?thực hiện)[^;]*$", re.IGNORECASE)
_CUE_WINDOW = 60
# A sentence that reports what was done assigns nothing: "Năm 2023, ... được gắn với thực hiện Kết luận
# số 21-KL/TW", "các chi bộ đã triển khai thực hiện ...". Such a document is cited, not partly implemented.
_PAST = re.compile(r"(?:\bđã\s|\b(?:thời gian|vừa|những năm|các năm|năm) qua\b|^\s*Qua\s+\d+\s+năm\b)", re.IGNORECASE)
_PAST_YEAR = re.compile(r"^\s*(?:[-+•]\s*)?(?:Trong\s+)?[Nn]ăm\s+(\d{4})\b")
# The basis clause ends where the issuing body speaks: ", Ban Thường vụ Thành ủy ban hành ...", not at a
# title's "thẩm quyền ban hành".
_ISSUING = re.compile(rf",\s*{BODY_START}[^,;]{{0,80}}?\b(?:ban hành|xây dựng|hướng dẫn|báo cáo|thông báo)\b")


@dataclass
class Relations:
    based_on: list[str] = field(default_factory=list)
    implements: list[str] = field(default_factory=list)
    implements_partly: list[str] = field(default_factory=list)
    between: list[dict[str, str]] = field(default_factory=list)


def is_central_key(key: str) -> bool:
    """Central party documents: ``/TW`` and central departments, and named central resolutions."""
    if is_named_key(key):
        return key.startswith("NQTW") or re.fullmatch(r"NQDH-[IVXL]+", key) is not None
    number = parse_number(key.rsplit("@", 1)[0])
    return bool(number and number.is_central)


def _inside(pos: int, span: tuple[int, int]) -> bool:
    return span[0] <= pos < span[1]


def _nested_in(cites: list[Citation], k: int) -> int | None:
    """Index of the citation whose title contains citation ``k``, if any."""
    start = cites[k].start
    for j in range(k - 1, -1, -1):
        if cites[j].title and cites[j].end <= start < cites[j].span_end:
            return j
    return None


def _cue_before(text: str, pos: int, floor: int = 0) -> bool:
    window = text[max(floor, pos - _CUE_WINDOW) : pos]
    window = re.split(r"[;.:\n]", window)[-1]
    return bool(_IMPLEMENT_CUE.search(window))


def _reports_past(text: str, pos: int, doc_year: int | None) -> bool:
    """True when the sentence up to ``pos`` reports past results instead of assigning work."""
    start = max(text.rfind(mark, 0, pos) for mark in ".;\n") + 1
    sentence = text[start:pos]
    year = _PAST_YEAR.match(sentence)
    return bool(_PAST.search(sentence)) or bool(year and doc_year and int(year.group(1)) < doc_year)


def _add(target: list[str], key: str | None) -> None:
    if key and key not in target:
        target.append(key)


def type_relations(text: str, cites: list[Citation], keys: list[str | None],
                   title_span: tuple[int, int], basis_span: tuple[int, int],
                   excluded: list[tuple[int, int]], work_from: int | None = 0,
                   doc_year: int | None = None) -> Relations:
    """Type every resolved citation's relation to the document; ``excluded`` spans (footnotes).

    Provisions assign work from offset ``work_from`` on (``None``: nowhere, as in a news item that
    announces no document of its own); ``doc_year`` tells past years from the plan's own.
    """
    rel = Relations()
    issuing = _ISSUING.search(text, basis_span[0], basis_span[1])
    basis_span = (basis_span[0], issuing.start() if issuing else basis_span[1])
    parents = [_nested_in(cites, k) for k in range(len(cites))]
    for k, (cite, key) in enumerate(zip(cites, keys, strict=True)):
        if key is None or cite.alias:
            continue
        parent = parents[k]
        if parent is not None and keys[parent] is None:
            parent = None  # nested in the document's own number (a lead sentence): read as top-level
        if parent is not None:
            outer = keys[parents[k]]
            if outer and outer != key and _cue_before(text, cite.start, cites[parent].end):
                pair = {"from": outer, "relation": "implements", "to": key}
                if pair not in rel.between:
                    rel.between.append(pair)
            continue
        central = is_central_key(key)
        if _inside(cite.start, basis_span):
            if not _RESULTS_ONLY.search(text[basis_span[0] : cite.start]):
                _add(rel.based_on, key)
                if central:
                    _add(rel.implements, key)
        elif _inside(cite.start, title_span):
            if central:
                _add(rel.implements, key)
        elif (central and work_from is not None and cite.start >= work_from
              and not any(_inside(cite.start, span) for span in excluded) and _cue_before(text, cite.start)
              and not _reports_past(text, cite.start, doc_year)):
            _add(rel.implements_partly, key)
    if not rel.implements:
        for k, key in enumerate(keys):
            parent = parents[k]
            if (key and parent is not None and keys[parent] in rel.based_on and is_central_key(key)
                    and _cue_before(text, cites[k].start, cites[parent].end)):
                _add(rel.implements, key)
    rel.implements_partly = [k for k in rel.implements_partly if k not in rel.implements]
    return rel
