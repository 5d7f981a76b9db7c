"""Response models of the JSON API: what ``/api/openapi.json`` documents for every field.

The routes still build plain dicts (the same JSON as the CLI's ``--json``); FastAPI validates them
against these models on the way out. Models allow extra fields, so an added field never breaks a
response, but ``tests/test_api_schemas.py`` validates live answers strictly: every field must be
documented here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Health(_Model):
    """``GET /api/health``."""

    status: Literal["ok"]
    quads: int = Field(description="Bộ bốn trong kho")
    named_graphs: int
    sparql_workers_ready: int = Field(description="Số tiến trình SPARQL sẵn sàng")
    sparql_timeout_s: float
    sparql_max_rows: int


class DocumentSummary(_Model):
    """A document, ingested or known only from citations (the shape of ``kg implements --json``)."""

    key: str | None = Field(description="Khóa: số hiệu@năm, ví dụ 23-CT/TW@2018")
    iri: str
    number: str | None = Field(description="Số, ký hiệu, ví dụ 23-CT/TW")
    doc_type: str | None = Field(description="Loại văn bản, ví dụ Kế hoạch")
    issuer: str | None = Field(description="Cơ quan ban hành")
    date: str | None = Field(description="Ngày ban hành (YYYY-MM-DD)")
    title: str | None = Field(description="Trích yếu")
    source: str | None = Field(default=None, description="Tệp đã nạp; null nếu chỉ được dẫn chiếu")


class DocumentList(_Model):
    """``GET /api/documents``."""

    total: int = Field(description="Số văn bản khớp mọi bộ lọc")
    documents: list[DocumentSummary]


class Organization(_Model):
    """The committee that issued a document."""

    iri: str
    name: str | None
    level: str | None = Field(description="central, province, district, commune, ...")


class Provision(_Model):
    """One provision (section, item) of a document."""

    iri: str
    id: str | None = Field(description="Số mục, ví dụ II.1")
    path: list[str] = Field(description="Các tiêu đề từ mục lớn đến mục này")
    text: str | None


class Task(_Model):
    """A task of a plan: what, in which provision, who, by when."""

    iri: str
    text: str | None
    provision: str | None
    responsible: list[str]
    deadline: str | None = Field(description="2023-03-15, 2023-04 hoặc 2023-Q2")


class Relations(_Model):
    """Documents linked to a document, by relation, in both directions."""

    implements: list[DocumentSummary]
    implements_partly: list[DocumentSummary]
    based_on: list[DocumentSummary]
    cites: list[DocumentSummary]
    implemented_by: list[DocumentSummary]
    implemented_partly_by: list[DocumentSummary]
    basis_of: list[DocumentSummary]
    cited_by: list[DocumentSummary]


class DocumentDetail(DocumentSummary):
    """``GET /api/documents/{key}``."""

    organization: Organization | None
    provisions: list[Provision]
    tasks: list[Task]
    relations: Relations


class Directive(_Model):
    """The directive a cascade starts from."""

    key: str | None
    iri: str
    number: str | None
    doc_type: str | None
    date: str | None
    title: str | None


class Implementer(DocumentSummary):
    """A document in the cascade of a directive."""

    relation: Literal["implements", "implements_partly"]
    via: list[str] = Field(description="Khóa các văn bản trung gian, từ văn bản này lên chỉ thị")


class Implementers(_Model):
    """``GET /api/implements`` (the same JSON as ``kg implements --json``)."""

    directive: Directive
    documents: list[Implementer]


class HitProvision(_Model):
    iri: str
    id: str
    path: list[str]
    text: str


class AlsoIn(_Model):
    """A near-identical wording of the hit in another document."""

    provision: str
    id: str
    document: str
    number: str | None
    issuer: str | None


class Hit(_Model):
    rank: int
    score: float
    provision: HitProvision
    document: DocumentSummary
    highlights: list[str]
    also_in: list[AlsoIn] = Field(default_factory=list)


class SearchAnswer(_Model):
    """``GET /api/search`` and ``GET /api/similar`` (the JSON of ``kg search --json``)."""

    query: str
    mode: str = Field(description="hybrid, dense, bm25 hoặc similar")
    took_ms: float
    results: list[Hit]


class HierarchyNode(_Model):
    """A document or a committee, with its place in the picture."""

    id: str = Field(description="IRI")
    kind: Literal["document", "organization"]
    label: str
    level: str
    x: float | None
    y: float | None
    key: str | None = None
    number: str | None = None
    doc_type: str | None = None
    date: str | None = None
    title: str | None = None
    issuer: str | None = None
    org: str | None = None
    org_label: str | None = None
    ingested: bool | None = None
    source: str | None = None


class HierarchyEdge(_Model):
    source: str
    target: str
    relation: str = Field(description="Quan hệ mạnh nhất giữa hai nút")
    relations: list[str]


class Band(_Model):
    level: str
    label: str
    top: float
    bottom: float


class Hierarchy(_Model):
    """``GET /api/hierarchy``."""

    nodes: list[HierarchyNode]
    edges: list[HierarchyEdge]
    bands: list[Band]
    width: float
    height: float


class Deleted(_Model):
    """``DELETE /api/documents/{key}``."""

    key: str
    removed_files: int


class UnitStatus(_Model):
    """One unit that should answer a plan."""

    unit: str
    status: Literal["answered", "answered_late", "overdue", "pending"]
    documents: list[str] = Field(description="Khóa các văn bản đơn vị đã gửi")
    deadline: str | None


class PlanStatus(_Model):
    """``GET /api/status`` (the JSON of ``kg status REF --json``)."""

    document: str
    as_of: str
    deadline: str | None
    units: list[UnitStatus]
