"""``/sparql``: the SPARQL 1.1 Protocol (query operation), a browser query page, and guarded updates.

Queries run in the worker pool (:mod:`api.sparql_pool`) under a time limit and a row cap;
updates are refused unless the settings hold a token, and then only on ``/sparql/update``
with ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import require_writer
from api.corpus import Corpus
from api.errors import ApiError
from api.negotiation import FormatConflictError, format_name, graph_type, solutions_type, wants_html
from api.sparql_guard import GuardError, MalformedQueryError, UnsafeQueryError, check_update
from api.sparql_pool import QueryPool
from api.sparql_worker import QueryAnswer, QueryFailure, QueryRequest

MAX_QUERY_BYTES = 256 * 1024
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
_EXAMPLE = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?van_ban ?so ?tieu_de WHERE {
  ?van_ban a eli:LegalResource ; eli:number ?so .
  OPTIONAL { ?van_ban eli:title ?tieu_de }
}
ORDER BY ?so
LIMIT 50"""

router = APIRouter(tags=["SPARQL"])


def _fail(failure: QueryFailure) -> ApiError:
    return ApiError(failure.status, failure.code, failure.message)


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES:
        raise ApiError(413, "query_too_large", f"Truy vấn dài quá {MAX_QUERY_BYTES // 1024} KB.")
    return body


def _form(body: bytes) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body (UTF-8, as the protocol requires)."""
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _params(request: Request, form: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Protocol parameters from the URL, and from a form body when there is one."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    for key, values in (form or {}).items():
        params.setdefault(key, []).extend(values)
    return params


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise ApiError(400, "bad_request", f"Tham số '{name}' chỉ được có một giá trị.")
    return values[0] if values else None


def _format(params: dict[str, list[str]]) -> str | None:
    """The ``format`` parameter: repeated values are fine when they agree (SPARQLWrapper repeats it)."""
    try:
        return format_name(params.get("format", []))
    except FormatConflictError as err:
        raise ApiError(400, "bad_request", str(err)) from None


def _run(pool: QueryPool, corpus: Corpus, query: str, params: dict[str, list[str]],
         accept: str | None, html: bool) -> QueryAnswer:
    """Negotiate the formats and run the query in the pool; raise :class:`ApiError` on failure."""
    fmt = _format(params)
    request = QueryRequest(
        query=query,
        solutions_type="application/sparql-results+json" if html else solutions_type(accept, fmt),
        graph_type="application/n-triples" if html else graph_type(accept, fmt),
        max_rows=corpus.settings.sparql_max_rows,
        default_graphs=tuple(params.get("default-graph-uri", ())),
        named_graphs=tuple(params.get("named-graph-uri", ())),
        base_iri=corpus.settings.base_iri,
    )
    if request.solutions_type is None and request.graph_type is None:
        raise ApiError(406, "not_acceptable", "Không có định dạng kết quả nào khớp với tiêu đề Accept "
                                              "(hỗ trợ: JSON, XML, CSV, TSV, Turtle, N-Triples, JSON-LD, RDF/XML).")
    answer = pool.run(request)
    if isinstance(answer, QueryFailure):
        raise _fail(answer)
    return answer


def _refuse_update(text: str) -> None:
    raise ApiError(403, "read_only", "Điểm cuối SPARQL này chỉ đọc: lệnh cập nhật bị từ chối"
                   + (" (dùng POST /sparql/update với mã truy cập)." if text else "."))


def _looks_like_update(query: str) -> bool:
    try:
        check_update(query)
    except UnsafeQueryError:
        return True
    except GuardError:
        return False
    return True


def _answer(pool: QueryPool, corpus: Corpus, query: str, params: dict[str, list[str]], accept: str | None,
            request: Request) -> Response:
    html = wants_html(accept) and _format(params) is None
    try:
        answer = _run(pool, corpus, query, params, accept, html)
    except ApiError as err:
        if err.code == "malformed_query" and _looks_like_update(query):
            _refuse_update(query)
        if html:
            return _page(request, query, error=err.message, status=err.status)
        raise
    if html:
        return _page(request, query, table=_table(answer))
    return Response(answer.body, media_type=answer.media_type,
                    headers={"X-Result-Rows": str(answer.rows), "Vary": "Accept"})


def _table(answer: QueryAnswer) -> dict[str, Any]:
    """Rows for the HTML page: variables and cells (text, link)."""
    if answer.media_type == "application/n-triples":
        triples = ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
        rows = [[_cell(t.subject), _cell(t.predicate), _cell(t.object)] for t in triples]
        return {"head": ["subject", "predicate", "object"], "rows": rows, "boolean": None}
    data = json.loads(answer.body)
    if "boolean" in data:
        return {"head": [], "rows": [], "boolean": data["boolean"]}
    head = data["head"]["vars"]
    rows = [[_json_cell(binding.get(v)) for v in head] for binding in data["results"]["bindings"]]
    return {"head": head, "rows": rows, "boolean": None}


def _cell(term: Any) -> dict[str, str | None]:
    if isinstance(term, ox.NamedNode):
        return {"text": term.value, "href": term.value}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "href": None}
    return {"text": str(term), "href": None}


def _json_cell(binding: dict[str, Any] | None) -> dict[str, str | None]:
    if binding is None:
        return {"text": "", "href": None}
    if binding["type"] == "uri":
        return {"text": binding["value"], "href": binding["value"]}
    if binding["type"] == "bnode":
        return {"text": "_:" + binding["value"], "href": None}
    return {"text": str(binding["value"]), "href": None}


def _page(request: Request, query: str | None, *, table: dict[str, Any] | None = None,
          error: str | None = None, status: int = 200) -> HTMLResponse:
    """The query page: a form, and the results (or the error) of the query it was sent."""
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "sparql.html", {
        "query": query or _EXAMPLE, "table": table, "error": error,
        "timeout_s": request.app.state.corpus.settings.sparql_timeout_s,
        "max_rows": request.app.state.corpus.settings.sparql_max_rows,
    }, status_code=status)


@router.get("/sparql", summary="SPARQL query (GET)",
            description="SPARQL 1.1 Protocol: `?query=`, `default-graph-uri`, `named-graph-uri`; "
                        "results negotiated from Accept or `?format=json|xml|csv|tsv|turtle|ntriples|jsonld|rdfxml`.")
def sparql_get(request: Request) -> Response:
    """A query by GET, or the query page for a browser that sends none."""
    params = _params(request)
    query = _one(params, "query")
    accept = request.headers.get("accept")
    if _one(params, "update") is not None:
        _refuse_update("update")
    if query is None:
        if wants_html(accept):
            return _page(request, None)
        raise ApiError(400, "missing_query", "Thiếu tham số 'query' (truy vấn SPARQL).")
    return _answer(request.app.state.query_pool, request.app.state.corpus, query, params, accept, request)


@router.post("/sparql", summary="SPARQL query (POST)",
             description="Form body (`query=`) or a direct `application/sparql-query` body. "
                         "Updates are refused here.")
async def sparql_post(request: Request) -> Response:
    """A query by POST (form or direct body); blocking work goes to the thread pool."""
    body = await _body(request)
    media_type = _media_type(request)
    if media_type == FORM:
        params = _params(request, _form(body))
        if "update" in params:
            _refuse_update("update")
        query = _one(params, "query")
    elif media_type == QUERY_BODY:
        params = _params(request)
        query = body.decode("utf-8", errors="replace")
    elif media_type == UPDATE_BODY:
        _refuse_update("update")
    else:
        raise ApiError(415, "unsupported_media_type",
                       f"Kiểu nội dung '{media_type or 'không có'}' không được hỗ trợ; dùng {FORM} hoặc {QUERY_BODY}.")
    if not query:
        raise ApiError(400, "missing_query", "Thiếu tham số 'query' (truy vấn SPARQL).")
    return await run_in_threadpool(_answer, request.app.state.query_pool, request.app.state.corpus, query,
                                   params, request.headers.get("accept"), request)


def _update(corpus: Corpus, text: str) -> None:
    try:
        check_update(text)
    except UnsafeQueryError as err:
        raise ApiError(403, err.code, str(err)) from None
    except MalformedQueryError as err:
        raise ApiError(400, err.code, str(err)) from None
    try:
        with corpus.writing():
            corpus.store.update(text)
    except SyntaxError as err:
        raise ApiError(400, "malformed_query", f"Lệnh cập nhật SPARQL không hợp lệ: {err}") from None


@router.post("/sparql/update", status_code=204, summary="SPARQL update (token required)",
             description="SPARQL 1.1 Update, only with `Authorization: Bearer <KG_WRITE_TOKEN>`; "
                         "LOAD and SERVICE are refused.")
async def sparql_update(request: Request) -> Response:
    """Run an update against the store, for holders of the configured token."""
    corpus: Corpus = request.app.state.corpus
    require_writer(request, corpus.settings.write_token, getattr(request.app.state, "local_token", None))
    body = await _body(request)
    media_type = _media_type(request)
    if media_type == FORM:
        text = (_form(body).get("update") or [""])[0]
    elif media_type == UPDATE_BODY:
        text = body.decode("utf-8", errors="replace")
    else:
        raise ApiError(415, "unsupported_media_type",
                       f"Kiểu nội dung '{media_type or 'không có'}' không được hỗ trợ; dùng {FORM} hoặc {UPDATE_BODY}.")
    if not text.strip():
        raise ApiError(400, "missing_update", "Thiếu tham số 'update' (lệnh cập nhật SPARQL).")
    await run_in_threadpool(_update, corpus, text)
    return Response(status_code=204)
