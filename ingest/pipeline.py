"""The staged parser: read → normalize → layout → citations → resolution → relations → tasks.

Each stage is a module of its own and testable alone; this module only wires them and
shapes the result into the extraction contract (kg/document.py, SPEC section 3).
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.citations import find_citations
from ingest.layout import Layout, committee, parse_layout
from ingest.normalize import clean, unwrap
from ingest.ocr import OcrOptions
from ingest.orgs import Context
from ingest.outline import provisions
from ingest.readers import SourceText, read_file
from ingest.registry import Registry
from ingest.relations import type_relations
from ingest.resolve import KnownKeys, resolve_citations
from ingest.tasks import extract_tasks
from kg.document import ExtractedDocument, Issuer
from kg.identity import TYPE_NAMES, TYPE_WORDS, make_key

EXTRACTOR_VERSION = "1"
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


def _issuer(layout: Layout, text: str) -> tuple[Issuer, Context]:
    org, parent = committee(layout)
    province = _province(org, parent, text)
    if parent is None and province and org and re.match(r"(Thành ủy|Huyện ủy|Quận ủy|Thị ủy) ", org):
        parent = f"Đảng bộ tỉnh {province}"
    basis = text[layout.basis_span[0] : layout.basis_span[1]]
    on_behalf = ((layout.signer or {}).get("on_behalf_of") or "").upper()
    name = layout.issuing_body or org
    if layout.issuing_body:
        pass
    elif org and ("THƯỜNG VỤ" in on_behalf or re.search(r"Ban Thường vụ [^,;]*ban hành", basis)):
        name = f"Ban Thường vụ {org}"
    elif org and "CHẤP HÀNH" in on_behalf:
        name = f"Ban Chấp hành Đảng bộ {org.split(' ', 2)[-1]}" if org.count(" ") >= 2 else org
    return Issuer(name=name, org=org, parent=parent), Context(org=org, province=province, parent=parent)


def extract_source(source: SourceText, registry: Registry, known: KnownKeys | None = None) -> ExtractedDocument:
    """Parse already-read text into the extraction contract."""
    text = clean(source.text)
    if source.format in ("pdf", "image"):  # a PDF or a scan keeps the page's line breaks inside paragraphs
        text = unwrap(text)
    layout = parse_layout(text)
    issuer, ctx = _issuer(layout, text)
    number = layout.number
    year = int(layout.date[:4]) if layout.date else None
    code = number.type_code if number else (TYPE_WORDS.get((layout.type_word or "").lower()))
    doc_type = layout.type_word or (TYPE_NAMES.get(code) if code else None)
    warnings: list[str] = []
    if number is None:
        warnings.append("Không tìm thấy số, ký hiệu văn bản (no document number)")
    if layout.date is None:
        warnings.append("Không tìm thấy ngày ban hành (no issue date)")

    cites = find_citations(text)
    resolution = resolve_citations(cites, ctx, registry, number.text if number else None, year, known)
    for ref in resolution.references:
        for mention in ref["mentions"]:
            mention["text"] = source.text[mention["start"] : mention["end"]]
    footnote_spans = [(layout.lines[i].start, layout.lines[i].end) for i in layout.footnotes]
    rel = type_relations(text, cites, resolution.keys, layout.title_span, layout.basis_span, footnote_spans)
    items = provisions(layout)
    return ExtractedDocument(
        source={"path": source.path, "sha256": source.sha256, "format": source.format},
        number=number.text if number else None,
        doc_type=doc_type,
        doc_type_code=code,
        issuer=issuer,
        place=layout.place,
        date=layout.date,
        title=layout.title,
        signer=layout.signer,  # type: ignore[typeddict-item]
        key=make_key(number, year) if number else f"{Path(source.path).stem}@{year or '?'}",
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
