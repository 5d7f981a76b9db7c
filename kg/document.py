"""The extracted document: the contract of ``kg extract FILE --json`` (SPEC section 3).

Plain JSON-shaped dicts, typed for readers and checkers. ``ingest`` produces them,
``kg`` (graph) and ``search`` consume them; nothing here does I/O.
"""

from __future__ import annotations

from typing import TypedDict


class Source(TypedDict):
    path: str
    sha256: str
    format: str  # txt | docx | pdf | doc | html | image


class OcrInfo(TypedDict):
    pages: list[int]  # the pages read by OCR, numbered from 1
    confidence: float  # mean Tesseract word confidence over those pages, 0–100


class Issuer(TypedDict):
    name: str | None  # "Ban Thường vụ Thành ủy Lai Châu"
    org: str | None  # "Thành ủy Lai Châu"
    parent: str | None  # "Đảng bộ tỉnh Lai Châu"


class Signer(TypedDict):
    name: str | None
    role: str | None
    on_behalf_of: str | None


class Mention(TypedDict):
    text: str
    start: int
    end: int


class Reference(TypedDict, total=False):
    key: str
    number: str | None
    doc_type: str | None
    date: str | None
    issuer: str | None
    issuer_org: str | None  # the committee, resolved from context (for the IRI)
    title: str | None
    mentions: list[Mention]
    number_inferred: bool  # present (true) only when no mention prints the code: "Kế hoạch số 155, ... của Tỉnh ủy"


class ReferenceRelation(TypedDict):
    relation: str  # "implements"
    to: str


class Provision(TypedDict):
    id: str  # "II.1"
    path: list[str]
    text: str


class Task(TypedDict):
    text: str
    provision: str
    responsible: list[str]
    partners: list[str]  # "phối hợp với ...": units that work with the responsible ones
    deadline: str | None  # "2023-03-15" | "2023-04" | "2023-Q2"


class ExtractedDocument(TypedDict):
    source: Source
    number: str | None
    doc_type: str | None
    doc_type_code: str | None
    issuer: Issuer
    place: str | None
    date: str | None
    title: str | None
    signer: Signer | None
    key: str
    based_on: list[str]
    implements: list[str]
    implements_partly: list[str]
    references: list[Reference]
    relations_between_references: list[dict[str, str]]  # {"from", "relation", "to"}
    provisions: list[Provision]
    tasks: list[Task]
    recipients: list[str]
    warnings: list[str]
    ocr: OcrInfo | None  # null when no page needed OCR
