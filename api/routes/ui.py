"""The web UI in Vietnamese: search, a document's page, the hierarchy picture.

Pages are rendered on the server (they work without JavaScript, except the picture); the
hierarchy page draws with the vendored Cytoscape.js from ``/static`` (no CDN). Search answers
come from the JSON API's handler (:func:`api.routes.documents.search`), so the page and
``/api/search`` never disagree.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from api import graph_export, queries
from api.corpus import Corpus
from api.errors import ApiError
from api.routes import documents
from api.routes import reuse as reuse_routes
from kg import hierarchy as h
from kg.errors import KgError
from kg.organizations import unit_picture

router = APIRouter(include_in_schema=False)

MODES = {"hybrid": "kết hợp", "dense": "theo nghĩa", "bm25": "theo từ"}
RELATION_SECTIONS = (  # (key in queries.relations, heading)
    ("implements", "Thực hiện"), ("implements_partly", "Thực hiện một phần"), ("based_on", "Căn cứ / triển khai"),
    ("implemented_by", "Được thực hiện bởi"), ("implemented_partly_by", "Được thực hiện một phần bởi"),
    ("basis_of", "Là căn cứ của"), ("cites", "Dẫn chiếu"), ("cited_by", "Được dẫn chiếu bởi"),
)


def _corpus(request: Request) -> Corpus:
    return request.app.state.corpus


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/")
def home() -> RedirectResponse:
    """The UI starts at the search page."""
    return RedirectResponse("/search", status_code=307)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: Annotated[str, Query()] = "",
    mode: Annotated[str, Query()] = "hybrid",
    doc_type: Annotated[str, Query(alias="type")] = "",
    issuer: Annotated[str, Query()] = "",
    implements: Annotated[str, Query()] = "",
    since: Annotated[str, Query()] = "",
    until: Annotated[str, Query()] = "",
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> HTMLResponse:
    """Search provisions with filters; near-identical wordings are grouped under each result."""
    corpus = _corpus(request)
    form = {"q": q, "mode": mode if mode in MODES else "hybrid", "type": doc_type, "issuer": issuer,
            "implements": implements, "since": since, "until": until, "k": k}
    result, error = None, None
    if q.strip():
        try:
            result = documents.search(request, q=q.strip(), k=k, mode=form["mode"], doc_type=doc_type or None,
                                      issuer=issuer or None, implements=implements or None,
                                      since=since or None, until=until or None)
        except (ApiError, KgError, ValueError) as err:
            error = getattr(err, "message", None) or str(err)
    recent = queries.list_documents(corpus.store, corpus.settings.base_iri, ingested=True, limit=20)
    return _page(request, "search.html", {"form": form, "modes": MODES, "result": result, "error": error,
                                          "recent": recent["documents"], "page": graph_export.document_page,
                                          "marked": marked})


def marked(text: str, phrases: list[str]) -> Markup:
    """``text`` (escaped) with each highlighted phrase wrapped in ``<mark>``.

    >>> str(marked("Tuyên truyền <b>", ["tuyên truyền"]))
    '<mark>Tuyên truyền</mark> &lt;b&gt;'
    """
    words = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<mark>%s</mark>") % match.group(0)]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _graph(corpus: Corpus, around: str | None = None,
           depth: int | None = None) -> tuple[Any, dict[str, dict[str, Any]]]:
    return corpus.graph.hierarchy(organizations=True, around=around, depth=depth), corpus.graph.organizations()


@router.get("/document/{key:path}", response_class=HTMLResponse)
def document_page(request: Request, key: str) -> HTMLResponse:
    """A document: metadata, what it executes, what implements it (down the cascade), who answered,
    provisions and tasks."""
    corpus = _corpus(request)
    base = corpus.settings.base_iri
    iri = queries.find_document(corpus.store, base, key)
    detail = queries.document_detail(corpus.store, base, iri) if iri else None
    if detail is None:
        return _page(request, "document.html", {"doc": None, "key": key}, status=404)
    graph, orgs = _graph(corpus, around=iri)
    answers = h.responses(graph, iri, orgs) if iri in graph and h.cascade_members(graph, iri) else []
    chain = corpus.graph.implementers(iri)["documents"]
    sections = [(title, detail["relations"][name]) for name, title in RELATION_SECTIONS
                if detail["relations"].get(name)]
    return _page(request, "document.html", {"doc": detail, "key": key, "sections": sections, "chain": chain,
                                            "answers": answers, "page": graph_export.document_page,
                                            "level": h.LEVEL_LABELS,
                                            "reuse": reuse_routes.document_reuse(corpus, detail["key"])})


def _hierarchy_data(corpus: Corpus, root: str | None, depth: int | None,
                    served: bool) -> tuple[dict[str, Any], str | None, str | None]:
    """The viewer's data (focused on ``root`` when given), the root's key, and an error line."""
    chosen, error = None, None
    if root:
        try:
            chosen = corpus.graph.resolve(root).chosen
        except KgError as err:
            error = str(err)
    graph, orgs = _graph(corpus, around=chosen.iri if chosen else None, depth=depth)
    picture = h.filter_relations(graph, [*h.RELATIONS, *h.ORG_RELATIONS])
    focus, label = None, None
    if root:
        if chosen is None:
            unit = unit_picture(corpus.store, corpus.settings.base_iri, picture, root, depth)  # a unit's lineage
            if unit is not None:
                (picture, label), error = unit, None
        if chosen is not None and chosen.iri in picture:
            picture, focus, label = h.focus(picture, chosen.iri, depth), chosen.iri, chosen.key
        elif chosen is not None:
            error = f"Văn bản “{chosen.key}” chưa có quan hệ nào để vẽ."
    data = graph_export.payload(picture, orgs, served=served, focus=focus, depth=depth or 99)
    return data, label, error


@router.get("/hierarchy", response_class=HTMLResponse)
def hierarchy_page(
    request: Request,
    root: Annotated[str, Query()] = "",
    depth: Annotated[int | None, Query(ge=1, le=20)] = None,
) -> HTMLResponse:
    """The interactive picture of the cascade; ``?root=Chỉ thị 23&depth=2`` focuses on one document."""
    data, label, error = _hierarchy_data(_corpus(request), root.strip() or None, depth, served=True)
    return _page(request, "hierarchy.html", {"data": graph_export.data_script(data), "root": root, "depth": depth,
                                             "root_label": label, "error": error})


@router.get("/hierarchy.html")
def hierarchy_file(
    request: Request,
    root: Annotated[str, Query()] = "",
    depth: Annotated[int | None, Query(ge=1, le=20)] = None,
) -> Response:
    """The same picture as one self-contained HTML file (to save, mail, open offline)."""
    data, label, _ = _hierarchy_data(_corpus(request), root.strip() or None, depth, served=False)
    title = f"Sơ đồ hệ thống văn bản: {label}" if label else "Sơ đồ hệ thống văn bản"
    return HTMLResponse(graph_export.standalone_html(data, title),
                        headers={"Content-Disposition": 'attachment; filename="so-do-he-thong.html"'})
