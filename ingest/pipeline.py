"""The staged parser: read → normalize → layout → citations → resolution → relations → tasks.

Each stage is a module of its own and testable alone; this module only wires them and
shapes the result into the extraction contract (kg/document.py, SPEC section 3).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import date
from pathlib import Path

from ingest.citations import find_citations
from ingest.datefix import fix_citation_dates, fix_document_date, years_in
from ingest.layout import Layout, committee, lead_end, parse_layout
from ingest.lead import Lead, issuing_phrase, lead_identity
from ingest.normalize import clean, drop_site_tail, looks_wrapped, squash, unwrap
from ingest.ocr import OcrOptions
from ingest.orgs import Context, committee_of
from ingest.outline import provisions
from ingest.readers import SourceText, read_file
from ingest.registry import Registry
from ingest.relations import type_relations
from ingest.resolve import KnownKeys, issuer_code_of, resolve_citations
from ingest.tasks import extract_tasks
from kg.document import ExtractedDocument, Issuer
from kg.identity import TYPE_NAMES, TYPE_WORDS, DocumentNumber, issuer_level, make_key
from kg.text import fold

EXTRACTOR_VERSION = "17"
_PROVINCE_IN_TEXT = re.compile(r"Tỉnh [uủ][ỷy]\s+((?:[A-ZĐ][^\s,;.()]*\s?){1,3})")


def extract_file(
    path: Path, registry: Registry, known: KnownKeys | None = None, ocr: OcrOptions | None = None
) -> ExtractedDocument:
    """Read and parse one file. Raises ``UnreadableFileError`` for files that cannot be read.

    ``known`` looks up the keys the corpus already gives a number, to date undated citations;
    ``ocr`` says how scanned pages are recognized (cache directory, processes, progress).
    """
    return extract_source(read_file(Path(path), ocr=ocr), registry, known)


def _province(org: str | None, parent: str | None, text: str) -> str | None:
    for name in (parent, org):
        if name and (m := re.match(r"(?:Đảng bộ tỉnh|Tỉnh ủy)\s+(.+)$", name)):
            return m.group(1)
    places = [m.group(1).strip() for m in _PROVINCE_IN_TEXT.finditer(text)]
    return max(set(places), key=places.count) if places else None


def _consistent(lead: Lead | None, layout: Layout) -> Lead | None:
    """A lead that contradicts what the header says (another type, another committee) announces another
    document: "BÁO CÁO … Ngày 5/1/2023, Ban Thường vụ Huyện ủy ban hành Kế hoạch số 12-KH/HU …"."""
    if lead is None:
        return None
    if layout.type_word and fold(layout.type_word) != fold(lead.doc_type or ""):
        return None
    org = committee(layout)[0]
    stated = committee_of(lead.issuer) or lead.issuer
    if org and stated and not (fold(org).startswith(fold(stated)) or fold(stated).startswith(fold(org))):
        return None
    return lead


def content_key(text: str, type_code: str | None, year: int | None) -> str:
    """The key of a document that prints no number: derived from its text alone, so the same text
    gets the same key wherever the file lies and whatever it is called."""
    digest = hashlib.sha256(squash(text).encode("utf-8")).hexdigest()[:12]
    return f"{type_code or 'VB'}-{digest}@{year or '?'}"


def _local_tu(number: DocumentNumber | None, org: str | None, header: str) -> DocumentNumber | None:
    """"Số 52-KH/TƯ" under a Tỉnh ủy header is 52-KH/TU: TƯ abbreviates Trung ương only for central bodies."""
    if number and number.issuer_code == "TW" and org and org.startswith("Tỉnh ủy") and re.search(
            r"/\s*T[Ưư](?!\w)", header):
        return dataclasses.replace(number, issuer_code="TU")
    return number


def _one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one character dropped, added or changed."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short or long_[:i] + long_[i + 1 :] == short[:i] + short[i + 1 :]
               for i in range(len(long_)))


def _code_from_issuer(number: DocumentNumber | None, issuer: Issuer) -> DocumentNumber | None:
    """An unknown issuer code one character away from the code of the issuer the header names is a
    misprint or misread of it ("45-HD/BTGU" of Ban Tuyên giáo Tỉnh ủy → 45-HD/BTGTU)."""
    expected = issuer_code_of(issuer["org"]) or issuer_code_of(issuer["name"])
    if (number and expected and number.form == "party" and issuer_level(number.issuer_code) is None
            and _one_edit(number.issuer_code, expected)):
        return dataclasses.replace(number, issuer_code=expected)
    return number


_BUREAU = re.compile(r"Đảng bộ (tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn) (.+)$")
_BUREAU_COMMITTEE = {"tỉnh": "Tỉnh ủy", "thành phố": "Thành ủy", "huyện": "Huyện ủy", "quận": "Quận ủy",
                     "thị xã": "Thị ủy"}


def _bureau_committee(stated: str) -> str | None:
    """"Ban Chấp hành Đảng bộ xã Kan Hồ" is the body of Đảng ủy xã Kan Hồ; "… Đảng bộ huyện X" of Huyện ủy X."""
    match = _BUREAU.search(stated)
    if not match:
        return None
    unit, place = match.groups()
    kind = _BUREAU_COMMITTEE.get(unit)
    return f"{kind} {place}" if kind else f"Đảng ủy {unit} {place}"


_BARE_COMMITTEE = re.compile(r"(Tỉnh ủy|Thành ủy|Huyện ủy|Quận ủy|Thị ủy)$")


def _with_place(name: str | None, text: str, org: str | None = None) -> str | None:
    """A committee named without its place ("Ban Thường vụ Tỉnh ủy") gets the place of ``org`` when that
    is the same kind of committee, else the place the text gives that kind most often ("Tỉnh ủy Lai Châu
    triển khai …")."""
    kind = _BARE_COMMITTEE.search(name or "")
    if not kind:
        return name
    if org and org.startswith(kind.group(1) + " "):
        return f"{name}{org[len(kind.group(1)):]}"
    places = re.findall(kind.group(1) + r" ((?:[A-ZĐ][^\s,;.()]*)(?: [A-ZĐ][^\s,;.()]*){0,2})",
                        text.replace("uỷ", "ủy"))
    return f"{name} {max(set(places), key=places.count)}" if places else name


def _issuer(layout: Layout, text: str, stated: str | None) -> tuple[Issuer, Context]:
    """The issuer from the header; else from what the text states (a lead sentence, the issuing phrase)."""
    org, parent = committee(layout)
    if org is None and stated:
        org = committee_of(stated) if not stated.startswith(("Ban Tuyên giáo", "Ban Tổ chức", "Ban Dân vận",
                                                              "Văn phòng", "Ủy ban", "Ban Nội chính")) else stated
        org = org or _bureau_committee(stated)
        org = _with_place(org, text)
        stated = _with_place(stated, text)
    province = _province(org, parent, text)
    if parent is None and province and org and re.match(r"(Thành ủy|Huyện ủy|Quận ủy|Thị ủy) ", org):
        parent = f"Đảng bộ tỉnh {province}"
    basis = text[layout.basis_span[0] : layout.basis_span[1]]
    on_behalf = ((layout.signer or {}).get("on_behalf_of") or "").upper()
    name = _with_place(layout.issuing_body, text, org) or org
    if layout.issuing_body:
        pass
    elif stated and not committee(layout)[0]:
        name = stated
    elif org and ("THƯỜNG VỤ" in on_behalf or re.search(r"Ban Thường vụ [^,;]*ban hành", basis)):
        name = f"Ban Thường vụ {org}"
    elif org and "CHẤP HÀNH" in on_behalf:
        name = f"Ban Chấp hành Đảng bộ {org.split(' ', 2)[-1]}" if org.count(" ") >= 2 else org
    return Issuer(name=name, org=org, parent=parent), Context(org=org, province=province, parent=parent)


def extract_source(source: SourceText, registry: Registry, known: KnownKeys | None = None,
                   today: date | None = None) -> ExtractedDocument:
    """Parse already-read text into the extraction contract; ``today`` bounds plausible dates."""
    today = today or date.today()
    text = drop_site_tail(clean(source.text))
    if source.format in ("pdf", "image") or looks_wrapped(text):  # page-wide lines: PDF, OCR, copied text
        text = unwrap(text)
    layout = parse_layout(text)
    cites = find_citations(text)
    lead: Lead | None = None
    if layout.number is None:  # no number in the header: a lead sentence may announce the document
        lead = _consistent(lead_identity(text, cites, lead_end(layout)), layout)
    stated = issuing_phrase(text[layout.basis_span[0] : layout.basis_span[1]]) if lead is None else None
    issuer, ctx = _issuer(layout, text, lead.issuer if lead else stated[0] if stated else None)
    header_end = layout.basis_span[0] or lead_end(layout)
    number = _local_tu(layout.number, issuer["org"], text[:header_end]) or (lead.number if lead else None)
    number = _code_from_issuer(number, issuer)
    if layout.number and number and number != layout.number:  # the header's own mention, as corrected
        for cite in cites:
            if cite.start < header_end and cite.number == layout.number.text:
                cite.number = number.text
    issued, date_warning = fix_document_date(layout.date or (lead.date if lead else None),
                                             [c.date.year for c in cites if c.date], years_in(text, today), today)
    date_warnings = [date_warning] if date_warning else []
    date_warnings += fix_citation_dates(cites, registry, issued, today)
    year = int(issued[:4]) if issued else None
    type_word = layout.type_word or (lead.doc_type if lead else stated[1] if stated else None)
    code = number.type_code if number else (TYPE_WORDS.get((type_word or "").lower()))
    doc_type = type_word or (TYPE_NAMES.get(code) if code else None)
    title, title_span = layout.title, layout.title_span
    if lead and title is None:
        title, title_span = lead.title, lead.title_span
    warnings: list[str] = []
    if number is None:
        warnings.append("Không tìm thấy số, ký hiệu văn bản; khóa văn bản lấy theo nội dung "
                        "(no document number: key derived from the content)")
    if issued is None:
        warnings.append("Không tìm thấy ngày ban hành (no issue date)")
    warnings += date_warnings

    resolution = resolve_citations(cites, ctx, registry, number.text if number else None, year, known)
    for ref in resolution.references:
        for mention in ref["mentions"]:
            mention["text"] = source.text[mention["start"] : mention["end"]]
    footnote_spans = [(layout.lines[i].start, layout.lines[i].end) for i in layout.footnotes]
    announced = number is not None or type_word is not None  # else a news item: nothing assigns work
    rel = type_relations(text, cites, resolution.keys, title_span, layout.basis_span, footnote_spans,
                         work_from=0 if announced else None, doc_year=year)
    items = provisions(layout)
    return ExtractedDocument(
        source={"path": source.path, "sha256": source.sha256, "format": source.format},
        number=number.text if number else None,
        doc_type=doc_type,
        doc_type_code=code,
        issuer=issuer,
        place=layout.place,
        date=issued,
        title=title,
        signer=layout.signer,  # type: ignore[typeddict-item]
        key=make_key(number, year) if number else content_key(text, code, year),
        based_on=rel.based_on,
        implements=rel.implements,
        implements_partly=rel.implements_partly,
        references=resolution.references,
        relations_between_references=rel.between,
        provisions=items,
        tasks=extract_tasks([p for p in items if p["id"] != "preamble"], year),  # the basis clause assigns nothing
        recipients=layout.recipients,
        warnings=warnings + resolution.warnings,
        ocr=source.ocr,
    )
