"""The JSON API under ``/api``: health, documents, implementers, search, similar provisions, hierarchy.

Handlers are plain ``def``: pyoxigraph and the search index block, so FastAPI runs them in its
thread pool. Errors use the one shape of :mod:`api.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from api import queries, schemas
from api.corpus import Corpus
from api.errors import ApiError
from kg.knowledge import cascade_keys
from kg.organizations import issuer_filter
from search.catalog import Filters
from search.index import SearchIndex, UnknownProvisionError

router = APIRouter(prefix="/api", tags=["API"])

ErrorDoc = {"description": 'Lỗi: `{"error": {"code": "...", "message": "..."}}`'}


def _corpus(request: Request) -> Corpus:
    return request.app.state.corpus


@router.get("/health", summary="Service health", response_model=schemas.Health)
def health(request: Request) -> dict[str, Any]:
    """Whether the store answers, how much it holds, and how many SPARQL workers are ready."""
    corpus = _corpus(request)
    store = corpus.store
    return {
        "status": "ok",
        "quads": len(store),
        "named_graphs": sum(1 for _ in store.named_graphs()),
        "sparql_workers_ready": request.app.state.query_pool.ready,
        "sparql_timeout_s": corpus.settings.sparql_timeout_s,
        "sparql_max_rows": corpus.settings.sparql_max_rows,
    }


@router.get("/documents", summary="List documents", response_model=schemas.DocumentList, responses={422: ErrorDoc})
def list_documents(
    request: Request,
    doc_type: Annotated[str | None, Query(alias="type", description="Mã hoặc tên loại: KH, CT, Kế hoạch, ...")] = None,
    issuer: Annotated[str | None, Query(description="Một phần tên cơ quan ban hành")] = None,
    year: Annotated[int | None, Query(ge=1930, le=2100)] = None,
    since: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")] = None,
    ingested: Annotated[bool | None, Query(description="true: chỉ văn bản đã nạp; false: chỉ văn bản được dẫn")] = None,
    q: Annotated[str | None, Query(description="Một phần số hiệu hoặc trích yếu")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Documents (ingested or only cited) matching every filter, newest first."""
    corpus = _corpus(request)
    until_bound = until + "\uffff" if until else None  # "2023" and "2023-04" include the whole period
    return queries.list_documents(corpus.store, corpus.settings.base_iri, doc_type=doc_type, issuer=issuer,
                                  year=year, since=since, until=until_bound, ingested=ingested, text=q,
                                  limit=limit, offset=offset)


def _document_iri(corpus: Corpus, key: str) -> str:
    iri = queries.find_document(corpus.store, corpus.settings.base_iri, key)
    if iri is None:
        raise ApiError(404, "unknown_document", f"Không có văn bản nào có khóa '{key}' (ví dụ khóa: 23-CT/TW@2018).")
    return iri


@router.get("/documents/{key:path}", summary="One document with provisions, tasks and relations",
            response_model=schemas.DocumentDetail, responses={404: ErrorDoc})
def get_document(request: Request,
                 key: Annotated[str, Path(description="Khóa văn bản, ví dụ 117-KH/ThU@2023")]) -> dict[str, Any]:
    """A document by key: fields, issuer, provisions, tasks and relations in both directions."""
    corpus = _corpus(request)
    detail = queries.document_detail(corpus.store, corpus.settings.base_iri, _document_iri(corpus, key))
    if detail is None:
        raise ApiError(404, "unknown_document", f"Không có văn bản nào có khóa '{key}'.")
    return detail


@router.get("/implements", summary="Documents implementing a directive, down the whole cascade",
            response_model=schemas.Implementers, responses={404: ErrorDoc})
def implements(
    request: Request,
    ref: Annotated[str, Query(min_length=1, description="“Chỉ thị 23”, “23-CT/TW”, “CT 23”, “23-CT/TW@2018”")],
) -> dict[str, Any]:
    """The same answer as ``kg implements REF --json``."""
    result, _ = _corpus(request).implements(ref)  # cached per directive until the next write
    return result


_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _searching(request: Request) -> SearchIndex:
    """The search index (thread-safe: searches run in parallel, see :mod:`search.index`)."""
    return _corpus(request).search


@router.get("/search", summary="Search provisions (semantic + full text)", response_model=schemas.SearchAnswer,
            responses={422: ErrorDoc})
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, description="Câu tìm kiếm, có hoặc không dấu")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: Annotated[Literal["hybrid", "dense", "bm25"], Query()] = "hybrid",
    doc_type: Annotated[str | None, Query(alias="type", description="KH, HD, BC, ... hoặc tên loại")] = None,
    issuer: Annotated[str | None, Query(description="Một phần tên cơ quan ban hành")] = None,
    implements: Annotated[str | None, Query(description="Chỉ văn bản thực hiện REF (ví dụ “Chỉ thị 23”)")] = None,
    since: Annotated[str | None, Query(pattern=_DATE, description="YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(pattern=_DATE, description="YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """The same answer as ``kg search QUERY --json``."""
    index = _searching(request)
    corpus = _corpus(request)
    # The cascade of ``kg implements`` (cached per directive), not only the documents that cite it.
    keys = cascade_keys(corpus.implements(implements)[0]) if implements else None
    issuers = issuer_filter(corpus.store, corpus.settings.base_iri, issuer)  # a unit and its predecessors
    filters = Filters(doc_type, issuers, since=since, until=until, documents=keys)
    return index.search(q, k=k, mode=mode, filters=filters).as_json()


@router.get("/similar", summary="Closest wordings of a provision in other documents",
            response_model=schemas.SearchAnswer, responses={404: ErrorDoc})
def similar(
    request: Request,
    provision: Annotated[str, Query(min_length=1, description="IRI điều khoản hoặc '<khóa văn bản>#<số mục>'")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """The same answer as ``kg similar PROVISION --json``."""
    try:
        return _searching(request).similar(provision, k=k).as_json()
    except UnknownProvisionError as err:
        raise ApiError(404, "unknown_provision", str(err)) from None


@router.get("/hierarchy", summary="The directive hierarchy as nodes and edges", response_model=schemas.Hierarchy,
            responses={404: ErrorDoc})
def hierarchy(
    request: Request,
    root: Annotated[str | None, Query(description="Chỉ phần quanh một văn bản (REF, ví dụ “Chỉ thị 23”)")] = None,
    depth: Annotated[int | None, Query(ge=0, le=20, description="Số bước mỗi phía quanh root")] = None,
    organizations: Annotated[bool, Query(description="Kèm các cơ quan ban hành và quan hệ trực thuộc")] = True,
) -> dict[str, Any]:
    """Documents (and committees) as nodes with layout positions; implements, based-on, cites,
    issued-by and sub-organization edges."""
    corpus = _corpus(request)
    base = corpus.settings.base_iri
    root_iri = corpus.graph.resolve(root).chosen.iri if root else None
    try:
        return queries.hierarchy(corpus.store, base, root=root_iri, depth=depth, organizations=organizations)
    except KeyError:
        raise ApiError(404, "not_in_hierarchy", f"Văn bản “{root}” không nằm trong sơ đồ hệ thống văn bản.") from None
